#!/bin/bash
# tests/integration/fstab.sh - installed, ftpsfs mounts through mount(8)
# and /etc/fstab lines, with no terminal, and umount ends it.
#
# `make install DESTDIR=<scratch>` first: the binary and the man page must
# land there. mount(8) runs mount.fuse3 with an environment of its own
# (no PATH), so mount.fuse3's shell looks for `ftpsfs` on the shell's
# default PATH only (/usr/local/sbin:/usr/local/bin:/usr/sbin:...). The
# test therefore runs in a mount namespace of its own (unshare -m), where
# the scratch install's bin folder is bind-mounted on /usr/local/sbin: the
# machine's folders are not touched, and its own mounts are invisible
# outside. Against the test bed's vsftpd (explicit TLS), every mount run
# by `setsid -w ... </dev/null` (no terminal, nothing on stdin):
#
#   mount -t fuse.ftpsfs URL MNT -o netrc=FILE,cafile=FILE   a file read and
#       one written through the mount (checked on the server's disk), the
#       mount's type and source, then umount, and the daemon exits
#   mount -T FSTAB MNT and mount --fstab FSTAB MNT, for each fstab line of
#       the installed man page (its source, mount point and file names
#       made ours): one has _netdev,noauto,x-systemd.automount,nofail and
#       -o password_file (mode 0600); the same then umount
#   the installed ftpsfs given that fstab noise itself, as a mount.fuse3
#       that passed it on would (ignored)
#   -o password_file of mode 0640, a missing one, and a netrc without the
#       host: mount fails at once with one line from ftpsfs, nothing mounted
#   the password never shows: not in any of those outputs, nor in a
#       --probe at -o loglevel=trace
#
# Exit 0 all passed, 1 a check failed, 77 cannot run here (not root, no
# test servers, no unshare or mount.fuse3; 99 instead with TB_NO_SKIP).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"

skip() {
	echo "SKIP: $*"
	if [ -n "${TB_NO_SKIP:-}" ]; then exit 99; fi
	exit 77
}

# Into a mount namespace of our own, once.
if [ -z "${FSTAB_TEST_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip "mount(8), a mount namespace and the test servers need root"
	for t in unshare mount umount setsid findmnt mount.fuse3; do
		command -v "$t" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$t" >/dev/null ||
			skip "$t is not installed (util-linux, fuse3)"
	done
	unshare -m --propagation private true 2>/dev/null ||
		skip "unshare -m (a mount namespace) is not allowed here"
	FSTAB_TEST_IN_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

# shellcheck source=tests/testbed/testbed.sh
. "$top_srcdir/tests/testbed/testbed.sh"
# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

T="timeout 120"         # bound for every command on a mount

[ -x "$FTPSFS" ] || skip "$FTPSFS is not built"
mkdir -p "$top_builddir/tests/tmp" || exit 99
work=$(mktemp -d "$top_builddir/tests/tmp/fstab.XXXXXX") || exit 99
tb_at_exit 'rm -rf "$work"'
mnt=$work/mnt
mkdir -p "$mnt" "$work/out"
daemons=()

# The pid of the ftpsfs daemon serving mount point $1 (argv[0] ftpsfs, the
# mount point an argument), or nothing.
daemon_of() {
	local p a0 a arg
	for p in /proc/[0-9]*; do
		{ mapfile -d '' -t arg <"$p/cmdline"; } 2>/dev/null || continue
		a0=${arg[0]:-}
		[ "${a0##*/}" = ftpsfs ] || continue
		for a in "${arg[@]:1}"; do
			[ "$a" = "$1" ] && { echo "${p#/proc/}"; return 0; }
		done
	done
	return 0
}

cleanup() {
	local pid
	for _ in 1 2 3; do
		mountpoint -q "$mnt" 2>/dev/null || break
		umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
	done
	for pid in "${daemons[@]}"; do
		for _ in $(seq 50); do tb__alive "$pid" || break; sleep 0.1; done
		tb__alive "$pid" && kill "$pid" 2>/dev/null
	done
	return 0
}

# Run "$@" without a terminal and with nothing on stdin, bounded; its
# output in $out (and $work/out/N), its status in $rc.
nout=0
detached() {
	nout=$((nout + 1))
	rc=0
	timeout 60 setsid -w "$@" </dev/null >"$work/out/$nout" 2>&1 || rc=$?
	out=$(cat "$work/out/$nout")
}

# After a mount: it is ftpsfs's, from $1, with a daemon we can follow.
mounted_from() {
	local got
	mountpoint -q "$mnt" || { echo "not mounted" >&2; return 1; }
	got=$(findmnt -n -o FSTYPE,SOURCE --mountpoint "$mnt")
	[ "$got" = "fuse.ftpsfs $1" ] || { echo "findmnt: '$got'" >&2; return 1; }
	daemon=$(daemon_of "$mnt")
	[ -n "$daemon" ] || { echo "no ftpsfs process for $mnt" >&2; return 1; }
	daemons+=("$daemon")
}

# A file read (put on the server's disk before the mount: listings are
# cached) and a file written through the mount, checked on the server's disk.
read_write() {
	local tag=$1
	[ "$($T cat "$mnt/in.txt")" = "from the server" ] || return 1
	head -c 100000 /dev/urandom >"$work/up-$tag"
	$T cp "$work/up-$tag" "$mnt/up-$tag.bin" || return 1
	cmp -s "$work/up-$tag" "$TB_DATA/up-$tag.bin" || { echo "upload differs on the server" >&2; return 1; }
	$T cmp -s "$work/up-$tag" "$mnt/up-$tag.bin"
}

# umount, and the daemon exits (within 30 s).
unmounted() {
	local i
	umount "$mnt" || return 1
	! mountpoint -q "$mnt" || { echo "still mounted" >&2; return 1; }
	for ((i = 0; i < 300; i++)); do
		tb__alive "$daemon" || return 0
		sleep 0.1
	done
	echo "ftpsfs (pid $daemon) still runs 30 s after umount" >&2
	return 1
}

# Exactly one line of output, matching $1, a failure status, nothing mounted.
refused() {
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] &&
		printf '%s\n' "$out" | grep -Eq -- "$1" && ! mountpoint -q "$mnt" || {
		echo "exit $rc, output:" >&2
		printf '%s\n' "$out" | sed 's/^/    | /' >&2
		return 1
	}
}

# ---------------------------------------------------------------------------
# make install, into a scratch folder

TB_NAME=install
# MAKEFLAGS from the make running this test would reach this make too
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" install \
	DESTDIR="$work/dest" >"$work/install.log" 2>&1; then
	it_pass "install: make install DESTDIR=<scratch>"
else
	it_fail "install: make install DESTDIR=<scratch>"
	tail -20 "$work/install.log" | sed 's/^/    /'
fi
bin=$(find "$work/dest" -path '*/bin/ftpsfs' -type f | head -n 1)
page=$(find "$work/dest" -path '*/man1/ftpsfs.1' -type f | head -n 1)
check "the installed ftpsfs runs (${bin#"$work/dest"})" eval '[ -x "$bin" ] && "$bin" --version >/dev/null'
check "the man page is installed (${page#"$work/dest"})" \
	eval '[ -s "$page" ] && grep -q "^\.SH \"\?FSTAB AND SYSTEMD\"\?\$" "$page"'
if [ ! -x "$bin" ]; then
	it_summary
	exit
fi
# mount.fuse3's shell looks on its default PATH, /usr/local/sbin first
mkdir -p /usr/local/sbin 2>/dev/null
check "the installed bin folder on /usr/local/sbin (this namespace only)" \
	mount --bind "$(dirname "$bin")" /usr/local/sbin
check "the shell mount.fuse3 runs finds it" \
	eval '[ "$(env -i /bin/sh -c "command -v ftpsfs")" = /usr/local/sbin/ftpsfs ]'

if ! it_start vsftpd-explicit; then
	it_summary
	[ "$it_nfail" -gt 0 ] && exit 1
	exit 77         # it_start said why
fi
tb_at_exit cleanup
url=$TB_URL
netrc=$work/netrc
pwfile=$work/secret.pw
printf 'machine %s login %s password %s\n' "$TB_HOST" "$TB_USER" "$TB_PASS" >"$netrc"
printf '%s\n' "$TB_PASS" >"$pwfile"
chmod 600 "$netrc" "$pwfile"
common="cafile=$TB_CAFILE,spool_dir=$work/spool"
printf 'from the server\n' >"$TB_DATA/in.txt"
chown "$TB_USER:" "$TB_DATA/in.txt"

# ---------------------------------------------------------------------------
# mount -t fuse.ftpsfs

detached mount -t fuse.ftpsfs "$url" "$mnt" -o "netrc=$netrc,$common"
check "mount -t fuse.ftpsfs URL MNT -o netrc=FILE,cafile=FILE (no terminal)${out:+: $out}" \
	eval '[ "$rc" -eq 0 ] && mounted_from "$url"'
if mountpoint -q "$mnt"; then
	check "a file read and a file written through it" read_write t
	check "umount, and the daemon exits" unmounted
fi

# ---------------------------------------------------------------------------
# the man page's fstab lines, through mount -T / --fstab

mapfile -t lines < <(sed -n '/^\.SH "\?FSTAB AND SYSTEMD"\?$/,/^\.SH /p' "$page" |
	sed 's/\\-/-/g' | awk '$3 == "fuse.ftpsfs" && NF == 6')
check "the man page has ${#lines[@]} fstab lines, one with _netdev,noauto,x-systemd.automount,nofail" \
	eval 'printf "%s\n" "${lines[@]}" | awk "{ print \$4 }" | tr , "\n" |
		sort -u | grep -cxE "_netdev|noauto|x-systemd\.automount|nofail" | grep -qx 4'
n=0
for line in "${lines[@]}"; do
	n=$((n + 1))
	read -r _ _ _ opts _ <<<"$line"
	# ours: the netrc, the password file, the CA and a spool folder
	opts=$(printf '%s\n' "$opts" | sed "s|netrc=[^,]*|netrc=$netrc|; s|password_file=[^,]*|password_file=$pwfile|")
	printf '# from the man page: %s\n%s %s fuse.ftpsfs %s,%s 0 0\n' \
		"$line" "$url" "$mnt" "$opts" "$common" >"$work/fstab$n"
	form=-T
	[ $((n % 2)) -eq 0 ] && form=--fstab
	detached mount "$form" "$work/fstab$n" "$mnt"
	check "mount $form FSTAB MNT with '$opts' (no terminal)${out:+: $out}" \
		eval '[ "$rc" -eq 0 ] && mounted_from "$url"'
	if mountpoint -q "$mnt"; then
		check "  a file read and a file written through it" read_write "f$n"
		check "  umount MNT, and the daemon exits" unmounted
	fi
done

# The same noise given to ftpsfs itself: a mount.fuse3 that passes it on.
detached "$bin" "$url" "$mnt" -o "password_file=$pwfile,$common" \
	-o _netdev,noauto,auto,x-systemd.automount,x-systemd.idle-timeout=60,nofail,user,users,defaults,comment=ftpsfs
check "ftpsfs itself ignores _netdev,noauto,auto,x-systemd.*,nofail,user,users,defaults,comment=${out:+: $out}" \
	eval '[ "$rc" -eq 0 ] && mounted_from "$url"'
mountpoint -q "$mnt" && check "  umount MNT, and the daemon exits" unmounted

# ---------------------------------------------------------------------------
# credentials that cannot be used: one line, at once, nothing mounted

chmod 640 "$pwfile"
detached mount -t fuse.ftpsfs "$url" "$mnt" -o "password_file=$pwfile,$common"
check "password_file of mode 0640 refused: $out" refused "password_file.*mode 0640.*chmod 600"
chmod 600 "$pwfile"
detached mount -t fuse.ftpsfs "$url" "$mnt" -o "password_file=$work/none.pw,$common"
check "a missing password_file: $out" refused "cannot read -o password_file .*No such file"
printf 'machine elsewhere.invalid login x password y\n' >"$work/netrc.other"
chmod 600 "$work/netrc.other"
detached mount -t fuse.ftpsfs "$url" "$mnt" -o "netrc=$work/netrc.other,$common"
check "no password and no terminal: $out" refused "no password"

# --probe at the most verbose level, with the password from the file
detached "$bin" --probe -o "password_file=$pwfile,cafile=$TB_CAFILE,loglevel=trace" "$url"
check "--probe -o password_file at loglevel=trace logs in, PASS masked (exit $rc)" \
	eval '[ "$rc" -eq 0 ] && grep -qF -- "-> PASS ****" "$work/out/$nout" &&
		grep -qF -- "<- 230 " "$work/out/$nout"'
check "the password is in none of the $nout outputs" eval '! grep -rqF -- "$TB_PASS" "$work/out"'

it_summary
