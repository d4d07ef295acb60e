#!/bin/bash
# tests/integration/mount_tools.sh - file tools and backup software on a mount.
#
# On vsftpd-explicit (require_ssl_reuse=YES), ProFTPD and pure-ftpd with
# their default settings, through ftpsfs mounted for real:
#  - rsync -a of a mixed tree (~200 files of 0..1 MiB, subfolders, dot-files
#    and a dot-folder, names with spaces and UTF-8, a symlink) exits 0 and
#    diff -r is clean; run as root, so it also chowns (no-op changes), sets
#    times (utimens) and modes (chmod). The symlink: FTP cannot make one, so
#    the tree goes with --copy-links; a plain rsync -a may fail on the
#    symlink alone (exit 23), never on anything else.
#  - after unmounting and mounting again (no cache to hide behind), a second
#    identical rsync -a transfers no file (times to the second, sizes);
#  - tar x of an archive of the tree: diff -r clean, modes and mtimes kept;
#  - on vsftpd (times to the minute in LIST, the second from MDTM): with
#    -o dir_cache=1, an rsync -a after the cache time sends no file and no
#    MDTM for what the first one uploaded;
#  - restic: init, backup, restore on the mount; the restore matches; then a
#    second backup of a changed tree, forget --prune, check, restore;
#  - borg: init (repokey), create, extract; the extract matches; then a
#    second archive, delete of the first, compact, check, extract;
#  - restic and borg again on a mount with -o writeback (vsftpd by
#    default): the same cycles pass, unmounting leaves no spool file, and
#    restic check passes on the server's own copy of the repository.
# Both backup tools rename over existing files, fsync, read back what they
# just wrote and open files O_RDWR. The daemon must exit 0 at every unmount
# and log no warning or error.
#
# Exit 0 all passed, 1 a check failed, 77 no server or tool could run here.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
# shellcheck source=tests/testbed/testbed.sh
. "$top_srcdir/tests/testbed/testbed.sh"
# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

servers=${MOUNT_TOOLS_SERVERS:-"vsftpd-explicit proftpd pureftpd"}
# restic and borg are the slow part (~15 s each per server): by default on
# the two strictest servers (vsftpd: LIST only, hidden dot-files, no MFMT;
# ProFTPD: no APPE, session reuse per control connection). They pass on
# pure-ftpd too: MOUNT_TOOLS_BACKUP_SERVERS="vsftpd-explicit proftpd pureftpd".
backup_servers=${MOUNT_TOOLS_BACKUP_SERVERS:-"vsftpd-explicit proftpd"}
# ... and again with -o writeback (~30 s more per server).
writeback_backup_servers=${MOUNT_TOOLS_WRITEBACK_SERVERS:-"vsftpd-explicit"}
started=$SECONDS

for tool in fusermount3 python3 rsync tar diff; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool is missing"; exit 77; }
done
have_restic=; command -v restic >/dev/null && have_restic=1
have_borg=; command -v borg >/dev/null && have_borg=1

it_setup mount_tools

# Every timed step goes through this, so a hung mount cannot hang the test.
t() { timeout 300 "$@"; }

# ---------------------------------------------------------------------------
# The tree: fixed seed, so every run and every server sees the same one.
python3 - "$work/tree" <<'EOF' || exit 99
import os, random, sys
root = sys.argv[1]
rnd = random.Random(20240605)
dirs = ["", "sub", "sub/deeper", "with space", "ünïcödé dir", "sub/.hidden dir", "empty dir"]
for d in dirs:
    os.makedirs(os.path.join(root, d), exist_ok=True)
sizes = [0, 1, 2, 100, 511, 4096, 65535, 65536, 131072, 1 << 20]
for i in range(200):
    d = dirs[i % (len(dirs) - 1)]        # "empty dir" stays empty
    name = ["f%03d.bin" % i, ".dot%03d" % i, "name with spaces %03d.txt" % i,
            "grüße-%03d-日本.dat" % i, "f%03d" % i, "x%03d.tmp" % i, "f%03d~" % i][i % 7]
    size = rnd.choice(sizes) if i % 3 else rnd.randrange(0, 1 << 20)
    p = os.path.join(root, d, name)
    with open(p, "wb") as f:
        f.write(rnd.randbytes(size))
    os.chmod(p, rnd.choice([0o644, 0o600, 0o755, 0o640]))
    # Old times (day-only in vsftpd's LIST) and recent ones (minutes).
    t = rnd.choice([1500000000 + rnd.randrange(0, 200000000), int(os.path.getmtime(p)) - rnd.randrange(60, 86400)])
    os.utime(p, (t, t))
os.symlink("f000.bin", os.path.join(root, "link-to-f000"))
EOF
# Without the symlink, as rsync --copy-links makes it.
mkdir -p "$work/flat" && rsync -a --copy-links "$work/tree/" "$work/flat/" || exit 99
tar -C "$work/flat" -cf "$work/tree.tar" . || exit 99

# "path mode mtime" of every file and folder below $1, for comparing.
attrs() {
	(cd "$1" && find . -mindepth 1 -type f -printf '%P %m %T@\n' | sed 's/\.[0-9]*$//' | LC_ALL=C sort)
}

# ---------------------------------------------------------------------------

rsync_tree() {
	local dst=$mnt/rsync err=$work/rsync.err rc=0
	# Plain rsync -a: only the symlink may fail (FTP cannot make one).
	t rsync -a "$work/tree/" "$dst/" 2>"$err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		if [ "$rc" -ne 23 ] || grep -v -e 'symlink "[^"]*link-to-f000"' -e '^rsync error: some files/attrs' "$err" | grep -q .; then
			echo "    rsync -a exited $rc:" >&2
			sed 's/^/    /' "$err" >&2
			return 1
		fi
	fi
	rc=0
	t rsync -a --copy-links "$work/tree/" "$dst/" 2>"$err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "    rsync -a --copy-links exited $rc:" >&2
		sed 's/^/    /' "$err" >&2
		return 1
	fi
	t diff -r "$work/flat" "$dst" >&2 || return 1
	[ "$(attrs "$work/flat")" = "$(attrs "$dst")" ] || {
		echo "    modes or mtimes differ in the mount:" >&2
		diff <(attrs "$work/flat") <(attrs "$dst") | head -5 >&2
		return 1; }
	[ "$(attrs "$work/flat")" = "$(attrs "$TB_DATA/rsync")" ] || {
		echo "    modes or mtimes differ on the server's disk:" >&2
		diff <(attrs "$work/flat") <(attrs "$TB_DATA/rsync") | head -5 >&2
		return 1; }
}

# After a fresh mount: nothing to transfer.
rsync_again() {
	local out=$work/rsync2.out n
	t rsync -a --copy-links --itemize-changes --stats "$work/tree/" "$mnt/rsync/" >"$out" 2>&1 || {
		sed 's/^/    /' "$out" >&2; return 1; }
	n=$(sed -n 's/^Number of regular files transferred: //p' "$out")
	if [ "$n" != 0 ] || grep -q '^>f' "$out"; then
		echo "    the second rsync transferred ${n:-?} files:" >&2
		grep '^>f' "$out" | head -5 | sed 's/^/    /' >&2
		return 1
	fi
}

# vsftpd lists times to the minute; rsync compares seconds, which come from
# MDTM. A file uploaded through the mount has its exact time known, so an
# rsync after the caches expired asks no MDTM for it.
rsync_no_mdtm() {
	local m=$1 out=$work/rsync3.out n n0 n1
	t rsync -a --copy-links "$work/tree/" "$m/exact/" >"$out" 2>&1 || {
		sed 's/^/    /' "$out" >&2; return 1; }
	sleep 1.5
	n0=$(grep -c '"MDTM /exact/' "$TB_LOG")
	t rsync -a --copy-links --stats "$work/tree/" "$m/exact/" >"$out" 2>&1 || {
		sed 's/^/    /' "$out" >&2; return 1; }
	n=$(sed -n 's/^Number of regular files transferred: //p' "$out")
	n1=$(grep -c '"MDTM /exact/' "$TB_LOG")
	[ "$n" = 0 ] && [ "$n1" = "$n0" ] || {
		echo "    the second rsync transferred ${n:-?} files and sent $((n1 - n0)) MDTM" >&2
		return 1
	}
}

exact_times() {
	local mnt=$work/mnt-exact-$TB_NAME
	if ! it_mount "$mnt" -o dir_cache=1 -o spool_dir="$work/spool-$TB_NAME"; then
		it_fail "$TB_NAME: mount with dir_cache=1"
		return
	fi
	timed "rsync -a, then again after the cache time: no file sent, no MDTM" rsync_no_mdtm "$mnt"
	check "unmount after rsync with dir_cache=1" it_umount "$mnt"
}

tar_x() {
	mkdir "$mnt/tar" && t tar -C "$mnt/tar" -xf "$work/tree.tar" && t diff -r "$work/flat" "$mnt/tar" >&2 &&
		[ "$(attrs "$work/flat")" = "$(attrs "$TB_DATA/tar")" ] || {
		diff <(attrs "$work/flat") <(attrs "$TB_DATA/tar") | head -5 >&2; return 1; }
}

# The second state of the tree for the backup tools: some files changed,
# some gone, some new, so a second backup and a prune rewrite the repository
# (index files renamed over old ones, packs and segments deleted).
make_flat2() {
	[ -d "$work/flat2" ] && return 0
	cp -a "$work/flat" "$work/flat2" && rm -f "$work/flat2"/f0*.bin &&
		head -c 300000 /dev/urandom >"$work/flat2/sub/new file.bin" &&
		head -c 5000 /dev/urandom >>"$work/flat2/with space/f021.bin"
}

restic_cycle() {
	local repo=$mnt/restic$repo_suffix log=$work/restic.log
	export RESTIC_PASSWORD=ftpsfs-restic-test RESTIC_CACHE_DIR=$work/restic-cache
	rm -rf "$work/restored" "$work/restored2"
	make_flat2 || return 1
	{ t restic -r "$repo" init && t restic -r "$repo" backup "$work/flat" &&
		t restic -r "$repo" restore latest --target "$work/restored" &&
		t restic -r "$repo" backup "$work/flat2" &&
		t restic -r "$repo" forget --keep-last 1 --prune &&
		t restic -r "$repo" check &&
		t restic -r "$repo" restore latest --target "$work/restored2"; } >"$log" 2>&1 || {
		tail -20 "$log" | sed 's/^/    /' >&2; return 1; }
	t diff -r "$work/flat" "$work/restored/${work#/}/flat" >&2 &&
		t diff -r "$work/flat2" "$work/restored2/${work#/}/flat2" >&2
}

borg_cycle() {
	local repo=$mnt/borg$repo_suffix log=$work/borg.log
	export BORG_PASSPHRASE=ftpsfs-borg-test BORG_RELOCATED_REPO_ACCESS_IS_OK=yes \
		BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_BASE_DIR=$work/borg-base
	rm -rf "$work/extracted" && mkdir -p "$work/extracted" || return 1
	make_flat2 || return 1
	{ t borg init --encryption=repokey "$repo" && (cd "$work" && t borg create "$repo::one" flat) &&
		(cd "$work/extracted" && t borg extract "$repo::one") &&
		(cd "$work" && t borg create "$repo::two" flat2) && t borg delete "$repo::one" &&
		t borg compact "$repo" && t borg check "$repo" &&
		(cd "$work/extracted" && t borg extract "$repo::two"); } >"$log" 2>&1 || {
		tail -20 "$log" | sed 's/^/    /' >&2; return 1; }
	t diff -r "$work/flat" "$work/extracted/flat" >&2 &&
		t diff -r "$work/flat2" "$work/extracted/flat2" >&2
}

# backup_cycles LABEL: restic's and borg's cycles, where installed.
backup_cycles() {
	if [ -n "$have_restic" ]; then
		timed "restic init, backup, restore; backup of a change, prune, check, restore: matches$1" restic_cycle
	else
		echo "SKIP: $TB_NAME: restic is not installed"
	fi
	if [ -n "$have_borg" ]; then
		timed "borg init, create, extract; create, delete, compact, check, extract: matches$1" borg_cycle
	else
		echo "SKIP: $TB_NAME: borg is not installed"
	fi
}

# After a writeback mount is gone: the repository it wrote is whole on
# the server's own disk (nothing was left queued).
check_restic_on_server() {
	RESTIC_PASSWORD=ftpsfs-restic-test t restic --no-cache -r "$TB_DATA/restic-wb" check \
		>"$work/restic-srv.log" 2>&1 || { tail -20 "$work/restic-srv.log" >&2; return 1; }
}

timed() {
	local what=$1 t0=$SECONDS
	shift
	check "$what" "$@"
	echo "    ($((SECONDS - t0)) s)"
}

check_server() {
	local mnt=$work/mnt-$TB_NAME t0=$SECONDS
	mkdir -p -m 700 "$work/spool-$TB_NAME"
	if ! it_mount "$mnt" -o spool_dir="$work/spool-$TB_NAME"; then
		it_fail "$TB_NAME: mount"
		return
	fi
	timed "rsync -a of a mixed tree: exit 0, diff -r clean, modes and mtimes" rsync_tree
	timed "tar x of an archive: diff -r clean, modes and mtimes on the server" tar_x
	check "unmount after rsync and tar" it_umount "$mnt"
	if ! it_mount "$mnt" -o spool_dir="$work/spool-$TB_NAME"; then
		it_fail "$TB_NAME: mount again"
		return
	fi
	timed "after a fresh mount, a second rsync -a transfers no file" rsync_again
	repo_suffix=
	case " $backup_servers " in
	*" $TB_NAME "*) backup_cycles "" ;;
	esac
	check "no spool file left" [ -z "$(ls -A "$work/spool-$TB_NAME")" ]
	check "unmount: the daemon exits 0 and logged nothing unexpected" it_umount "$mnt"
	# The same with -o writeback: close() returns before the upload, and
	# the tools read back, rename and fsync files whose uploads are still
	# queued; unmounting waits for them.
	case " $writeback_backup_servers " in
	*" $TB_NAME "*)
		if [ -n "$have_restic$have_borg" ]; then
			if it_mount "$mnt" -o writeback -o spool_dir="$work/spool-$TB_NAME"; then
				repo_suffix=-wb
				backup_cycles " (-o writeback)"
				check "-o writeback: unmount: the daemon exits 0 and logged nothing unexpected" \
					it_umount "$mnt"
				check "-o writeback: no spool file left after unmounting" \
					[ -z "$(ls -A "$work/spool-$TB_NAME")" ]
				[ -z "$have_restic" ] || check "-o writeback: restic check of the repository after unmounting" \
					check_restic_on_server
			else
				it_fail "$TB_NAME: mount with -o writeback"
			fi
		fi
		;;
	esac
	case $TB_NAME in vsftpd-*) exact_times ;; esac
	echo "$TB_NAME: $((SECONDS - t0)) s"
}

nserver=0
for name in $servers; do
	it_start "$name" || continue
	nserver=$((nserver + 1))
	before=$it_nfail
	check_server
	[ "$it_nfail" -eq "$before" ] || it_show_logs "$name" "$work/mnt-$name.log"
	tb_stop "$name"
done

echo "mount_tools: $((SECONDS - started)) s"
[ "$nserver" -gt 0 ] || { echo "SKIP: no server could run"; exit 77; }
it_summary
