#!/bin/bash
# tests/integration/valgrind_session.sh - a mount session under valgrind.
#
# The daemon runs under memcheck against vsftpd (require_ssl_reuse=YES)
# while a session lists, reads, writes (streamed and spooled), renames,
# deletes and unmounts. memcheck must report no errors and no definite
# leaks. Skipped (77) without valgrind, or in a sanitizer build (the two
# do not mix).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
# shellcheck source=tests/testbed/testbed.sh
. "$top_srcdir/tests/testbed/testbed.sh"
# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 77; }
if nm "$FTPSFS" 2>/dev/null | grep -q __asan_init; then
	echo "sanitizer build: valgrind does not apply"
	exit 77
fi
[ -e /dev/fuse ] || { echo "no /dev/fuse"; exit 77; }
tb_start vsftpd-explicit || exit $?

mkdir -p "$top_builddir/tests/tmp"
work=$(mktemp -d "$top_builddir/tests/tmp/valgrind.XXXXXX")
tb_at_exit "rm -rf '$work'"
mnt=$work/mnt
head -c 3000000 /dev/urandom >"$TB_DATA/read.bin"
mkdir -p "$TB_DATA/dir"
echo hello >"$TB_DATA/dir/a.txt"
chown -R "$TB_USER" "$TB_DATA"
head -c 2500000 /dev/urandom >"$work/up.bin"

# Under valgrind everything is ~20x slower: give the mount more time.
it_mount_timeout=90
FTPSFS_REAL=$FTPSFS
FTPSFS=$work/ftpsfs-vg
cat >"$FTPSFS" <<VG
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--log-file="$work/valgrind.log" "$FTPSFS_REAL" "\$@"
VG
chmod +x "$FTPSFS"

if ! it_mount "$mnt" -o spool_dir="$work/spool" -o timeout=60; then
	it_fail "mount under valgrind"
	it_summary
	exit 1
fi
check "list" bash -c "ls -la '$mnt' '$mnt/dir' >/dev/null"
check "read" cmp "$mnt/read.bin" "$TB_DATA/read.bin"
check "streamed write" bash -c "cp '$work/up.bin' '$mnt/up.bin' && cmp '$TB_DATA/up.bin' '$work/up.bin'"
check "in-place edit (spool)" bash -c "printf XYZ | dd of='$mnt/up.bin' bs=1 seek=1000 conv=notrunc status=none &&
	printf XYZ | dd of='$work/up.bin' bs=1 seek=1000 conv=notrunc status=none && cmp '$TB_DATA/up.bin' '$work/up.bin'"
check "append" bash -c "echo more >>'$mnt/dir/a.txt' && [ \"\$(cat '$TB_DATA/dir/a.txt')\" = \"\$(printf 'hello\nmore')\" ]"
check "rename" bash -c "mv '$mnt/up.bin' '$mnt/dir/moved.bin' && [ -f '$TB_DATA/dir/moved.bin' ]"
check "mkdir, rmdir, unlink" bash -c "mkdir '$mnt/new' && rmdir '$mnt/new' && rm '$mnt/dir/moved.bin' &&
	[ ! -e '$TB_DATA/new' ] && [ ! -e '$TB_DATA/dir/moved.bin' ]"
check "random reads" python3 - "$mnt/read.bin" "$TB_DATA/read.bin" <<'PY'
import os, random, sys
a = os.open(sys.argv[1], os.O_RDONLY); b = os.open(sys.argv[2], os.O_RDONLY)
size = os.fstat(b).st_size
random.seed(7)
for _ in range(30):
    off = random.randrange(size); n = random.randrange(1, 70000)
    if os.pread(a, n, off) != os.pread(b, n, off):
        sys.exit(1)
PY
check "unmount, daemon exits 0 under memcheck" it_umount "$mnt"
check "memcheck: no errors, no definite leaks" bash -c "! grep -q . '$work/valgrind.log'"
[ ! -s "$work/valgrind.log" ] || sed 's/^/    /' "$work/valgrind.log" | head -60
it_summary
