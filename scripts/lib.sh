# scripts/lib.sh - shared by scripts/check, scripts/demo and scripts/fetch-servers.
# shellcheck shell=bash
#
# Sourced, not run. Knows the package list, how to install what is missing
# (apt-get, through sudo when not root), and how to build out of tree in
# build/ under the source tree. Every function is quick when there is
# nothing to do, so the scripts can call them on every run.

# The source tree is the parent of this file's folder.
FTPSFS_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FTPSFS_BUILDDIR=${FTPSFS_BUILDDIR:-$FTPSFS_SRCDIR/build}

# Everything the build, the tests and the benchmarks need on Debian 12.
# shellcheck disable=SC2034 # used by the scripts that source this file
FTPSFS_PACKAGES=(
	build-essential autoconf automake pkg-config
	libfuse3-dev fuse3 libssl-dev openssl check
	curl rsync python3 clang libclang-rt-14-dev valgrind
	restic borgbackup
)

lib_say() { printf '==> %s\n' "$*" >&2; }
lib_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo.
lib_as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		lib_die "need root for: $* (install sudo or run as root)"
	fi
}

# Print the packages among "$@" that are not installed.
lib_missing_packages() {
	local p st
	for p in "$@"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || printf '%s\n' "$p"
	done
}

# Install those of "$@" that are missing; runs apt-get update only then.
lib_need_packages() {
	local missing
	missing=$(lib_missing_packages "$@")
	[ -n "$missing" ] || return 0
	lib_say "installing: ${missing//$'\n'/ }"
	lib_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
		lib_die "apt-get update failed"
	# shellcheck disable=SC2086
	lib_as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $missing ||
		lib_die "apt-get install failed"
}

# True when file $1 is missing or older than any of the following files.
lib_stale() {
	local target=$1 f
	shift
	[ -e "$target" ] || return 0
	for f in "$@"; do
		[ "$f" -nt "$target" ] && return 0
	done
	return 1
}

# autoreconf (when configure is missing or older than its inputs), configure
# in $FTPSFS_BUILDDIR (once), make. Extra arguments go to configure.
lib_build() {
	local src=$FTPSFS_SRCDIR bld=$FTPSFS_BUILDDIR
	local acin amin
	mapfile -t acin < <(cd "$src" && { echo configure.ac; find m4 -name '*.m4'; })
	mapfile -t amin < <(cd "$src" && { echo Makefile.am;
		find . -path ./build -prune -o -name local.mk -print; })
	if (cd "$src" && lib_stale configure "${acin[@]}") ||
	   (cd "$src" && lib_stale Makefile.in "${amin[@]}"); then
		lib_say "autoreconf -fi"
		(cd "$src" && autoreconf -fi) || lib_die "autoreconf failed"
	fi
	[ ! -e "$src/config.status" ] ||
		lib_die "$src is configured in-tree; run 'make distclean' there first (we build in $bld)"
	mkdir -p "$bld"
	if [ ! -e "$bld/Makefile" ] || [ ! -e "$bld/config.status" ]; then
		lib_say "configure $* (in $bld)"
		(cd "$bld" && "$src/configure" "$@") || lib_die "configure failed (see $bld/config.log)"
	fi
	lib_say "make -j$(nproc)"
	make -C "$bld" --no-print-directory -j"$(nproc)" || lib_die "build failed"
}

# Fetch the FTPS servers into the build tree.
lib_fetch_servers() {
	"$FTPSFS_SRCDIR/scripts/fetch-servers" "$FTPSFS_BUILDDIR/tests/servers" ||
		lib_die "could not fetch the FTPS servers"
}
