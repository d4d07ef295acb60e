#!/bin/bash
# tests/integration/writeback.sh - -o writeback: close() returns once the
# data are in the spool, uploads run in the background.
#
# On vsftpd-explicit, ProFTPD and pure-ftpd, mounted with -o writeback:
#  - cp -r of a tree of small files (0 B to 8 KiB) and big ones (4 MiB,
#    12 MiB + 1), read back through the mount at once, then unmount: the
#    daemon waits for every pending upload (the log says each file was
#    left to the background), and the server's disk is
#    byte-identical (SHA-256) to the source, with no spool file left;
#  - rsync -a into the mount twice: the second pass transfers nothing,
#    and after unmount the server has the tree.
# On the scripted server (tests/tools/scriptftp.py), whose rules make an
# upload slow or fail:
#  - with the STOR's reply stalled 3 s: close() takes < 1 s; reading the
#    file back right after gives the new bytes (< 1 s) while the server
#    has no file under its name yet; fsync then waits for the upload and
#    returns 0, and the server has the bytes;
#  - with the STOR refused (553): close() succeeds, the log names the
#    failure, fsync returns the error, the bytes stay in the spool folder
#    and not on the server; the next fsync uploads them;
#  - a file renamed while its upload is stalled lands under the new name
#    only; one unlinked then is not on the server afterwards;
#  - three files closed during a stalled upload, unmount at once: the
#    unmount waits, and all three are on the server's disk;
#  - with -o dir_cache=1, a file whose upload's reply is stalled 15 s stays
#    in ls and stat (its size) when its folder is listed again after 11 s
#    (longer than the cache keeps our own changes), and is on the server
#    after fsync.
#
# Exit 0 all passed, 1 a check failed, 77 nothing could run here.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
# shellcheck source=tests/testbed/testbed.sh
. "$top_srcdir/tests/testbed/testbed.sh"
# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

export LC_ALL=C.UTF-8
servers=${WRITEBACK_SERVERS-"vsftpd-explicit proftpd pureftpd"}
started=$SECONDS

it_setup writeback
# shellcheck source=tests/integration/scripted.sh
. "$top_srcdir/tests/integration/scripted.sh"

# tree_sums DIR: "SHA-256  relative path" of every file below DIR, sorted
tree_sums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0r sha256sum); }
same_tree() {
	local a b
	a=$(tree_sums "$1") && b=$(tree_sums "$2") || return 1
	[ "$a" = "$b" ] && return 0
	diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -10 | sed 's/^/    /' >&2
	return 1
}

# The source tree: 3 folders of small files, and two big ones.
src=$work/src
python3 - "$src" <<'EOF'
import os, random, sys
rnd = random.Random(12)
top = sys.argv[1]
for d in ("a", "a/b", "c"):
    os.makedirs(os.path.join(top, d))
    for i in range(20):
        with open(os.path.join(top, d, "f%02d" % i), "wb") as f:
            f.write(rnd.randbytes(rnd.choice([0, 1, 100, 4096, rnd.randrange(1, 8192)])))
for name, size in (("big1", 4 << 20), ("a/big2", (12 << 20) + 1)):
    with open(os.path.join(top, name), "wb") as f:
        f.write(rnd.randbytes(size))
EOF

cat >"$work/wb.py" <<'EOF'
import errno, os, sys, time

def fail(msg):
    print("    " + msg, file=sys.stderr)
    sys.exit(1)

def slurp(path):
    with open(path, "rb") as f:
        return f.read()

def write_close(path, data):
    t = time.monotonic()
    with open(path, "wb") as f:
        f.write(data)
    return time.monotonic() - t

def cmd_slow(mnt, disk):
    """The upload's reply is stalled 3 s: close, read back, fsync."""
    data = os.urandom(300000)
    took = write_close(mnt, data)
    if took >= 1.0:
        fail("close took %.2f s: it waited for the upload" % took)
    t = time.monotonic()
    back = slurp(mnt)
    read_took = time.monotonic() - t
    if back != data:
        fail("read back right after close: %d bytes, not the %d written" % (len(back), len(data)))
    if read_took >= 1.0:
        fail("reading back took %.2f s: it waited for the upload" % read_took)
    if os.path.exists(disk):
        fail("the server has the file already: the upload was not pending")
    if os.stat(mnt).st_size != len(data):
        fail("stat says %d bytes, want %d" % (os.stat(mnt).st_size, len(data)))
    fd = os.open(mnt, os.O_RDONLY)
    t = time.monotonic()
    os.fsync(fd)
    sync_took = time.monotonic() - t
    os.close(fd)
    if sync_took < 1.0:
        fail("fsync took %.2f s: it did not wait for the stalled upload" % sync_took)
    if not os.path.exists(disk) or slurp(disk) != data:
        fail("after fsync the server does not have the bytes")
    print("    close %.2f s, read back %.2f s, fsync %.2f s" % (took, read_took, sync_took))

def cmd_refused(mnt, disk, log, spool):
    """The upload is refused: close succeeds, fsync says so, the spool keeps it."""
    data = os.urandom(5000)
    write_close(mnt, data)          # raises on an error: close must not fail
    name = os.path.basename(mnt)
    for _ in range(200):
        if ("background upload of /%s failed" % name) in open(log, errors="replace").read():
            break
        time.sleep(0.1)
    else:
        fail("no failed background upload of %s in the log" % name)
    fd = os.open(mnt, os.O_RDONLY)
    try:
        os.fsync(fd)
        fail("fsync returned 0 after the upload failed")
    except OSError as e:
        print("    fsync: %s" % e.strerror)
    if os.path.exists(disk):
        fail("the refused file is on the server")
    kept = [p for p in os.listdir(spool) if slurp(os.path.join(spool, p)) == data]
    if not kept:
        fail("the bytes are not in the spool folder %s" % spool)
    if slurp(mnt) != data:
        fail("reading it back does not give the bytes written")
    os.fsync(fd)                    # the rule was one-shot: this one uploads
    os.close(fd)
    if not os.path.exists(disk) or slurp(disk) != data:
        fail("after the second fsync the server does not have the bytes")

def cmd_rename(mnt, disk):
    """A file renamed while its upload is stalled lands under the new name only."""
    data = os.urandom(100000)
    write_close(os.path.join(mnt, "r1"), data)
    os.rename(os.path.join(mnt, "r1"), os.path.join(mnt, "r2"))
    if slurp(os.path.join(mnt, "r2")) != data:
        fail("after the rename the mount does not read the bytes")
    time.sleep(2.5)
    if os.path.exists(os.path.join(disk, "r1")):
        fail("the old name is on the server")
    if not os.path.exists(os.path.join(disk, "r2")) or slurp(os.path.join(disk, "r2")) != data:
        fail("the server does not have the bytes under the new name")

def cmd_unlink(mnt, disk):
    """A file unlinked while its upload is stalled is not on the server after."""
    write_close(os.path.join(mnt, "gone"), os.urandom(100000))
    os.unlink(os.path.join(mnt, "gone"))
    if os.path.exists(os.path.join(mnt, "gone")):
        fail("the unlinked file is still in the mount")
    time.sleep(2.5)
    if os.path.exists(os.path.join(disk, "gone")):
        fail("the unlinked file is on the server")

def cmd_relist(mnt, disk):
    """A pending file stays in ls and stat when its folder is listed again."""
    data = os.urandom(200000)
    os.mkdir(os.path.join(mnt, "rl"))
    write_close(os.path.join(mnt, "rl", "pend.bin"), data)
    # dir_cache=1: the next ls lists the folder again; and what the cache
    # remembers of our own changes (10 s at least) has expired by then.
    time.sleep(11.5)
    names = os.listdir(os.path.join(mnt, "rl"))
    if os.path.exists(os.path.join(disk, "rl", "pend.bin")):
        fail("the server has the file already: the upload was not pending")
    if "pend.bin" not in names:
        fail("ls of the folder listed again lacks the pending file: %r" % names)
    st = os.stat(os.path.join(mnt, "rl", "pend.bin"))
    if st.st_size != len(data):
        fail("stat after the new listing says %d bytes, want %d" % (st.st_size, len(data)))
    fd = os.open(os.path.join(mnt, "rl", "pend.bin"), os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    if slurp(os.path.join(disk, "rl", "pend.bin")) != data:
        fail("after fsync the server does not have the bytes")
    if "pend.bin" not in os.listdir(os.path.join(mnt, "rl")):
        fail("after the upload ls lacks the file")

def cmd_three(mnt):
    for i in range(3):
        took = write_close(os.path.join(mnt, "u%d" % i), (b"%d" % i) * 70000)
        if took >= 1.0:
            fail("close of u%d took %.2f s" % (i, took))

globals()["cmd_" + sys.argv[1]](*sys.argv[2:])
EOF
py() { timeout 120 python3 "$work/wb.py" "$@"; }

# ---------------------------------------------------------------------------
# The test bed's servers

cp_tree() {
	local mnt=$1 t0=$SECONDS
	cp -r "$src" "$mnt/tree" || return 1
	echo "    cp -r: $((SECONDS - t0)) s"
	same_tree "$src" "$mnt/tree"
}

# rsync_twice MNT: the second pass finds nothing to send.
rsync_twice() {
	local mnt=$1 n
	rsync -a "$src/" "$mnt/rs/" || return 1
	n=$(rsync -a --stats "$src/" "$mnt/rs/" | sed -n 's/^Number of regular files transferred: //p')
	echo "    second rsync pass: ${n:-?} files transferred"
	[ "$n" = 0 ]
}

check_server() {
	local mnt=$work/mnt-$TB_NAME spool=$work/spool-$TB_NAME t0 n
	mkdir -p -m 700 "$spool" || return 1
	if ! it_mount "$mnt" -o writeback -o spool_dir="$spool" -o loglevel=debug; then
		it_fail "$TB_NAME: mount"
		return
	fi
	check "cp -r of small and big files; read back through the mount at once" cp_tree "$mnt"
	n=$(grep -c 'left to the background upload' "$mnt.log")
	check "... every file's upload was left to the background ($n)" [ "$n" -ge 62 ]
	t0=$SECONDS
	check "unmount right after: the daemon waits for the uploads, exits 0" \
		it_umount "$mnt" 'debug:'
	echo "    unmount: $((SECONDS - t0)) s"
	check "the server's disk is byte-identical to the source" same_tree "$src" "$TB_DATA/tree"
	check "no spool file left" [ -z "$(ls -A "$spool")" ]

	if command -v rsync >/dev/null; then
		if it_mount "$mnt" -o writeback -o spool_dir="$spool"; then
			check "rsync -a twice: the second pass sends nothing" rsync_twice "$mnt"
			check "unmount" it_umount "$mnt"
			check "... the server has what rsync sent" same_tree "$src" "$TB_DATA/rs"
			check "no spool file left" [ -z "$(ls -A "$spool")" ]
		else
			it_fail "$TB_NAME: mount again"
		fi
	else
		echo "SKIP: rsync is not installed"
	fi
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

# ---------------------------------------------------------------------------
# The scripted server: slow and refused uploads

TB_NAME=scriptftp
spool=$work/spool-sftp
mkdir -p -m 700 "$spool"
if sftp_start; then
	nserver=$((nserver + 1))
	m=$work/m-sftp
	if smount "$m" -o writeback -o spool_dir="$spool"; then
		sctl arm stall STOR 3 &&
			check "upload stalled 3 s: close < 1 s, read back the new bytes at once, fsync waits" \
				py slow "$m/slow.bin" "$SFTP_ROOT/slow.bin"
		sctl arm fail STOR 1 553 Refused by the test &&
			check "upload refused: close succeeds, fsync fails, the bytes stay in the spool" \
				py refused "$m/refused.bin" "$SFTP_ROOT/refused.bin" "$m.log" "$spool"
		sctl arm stall STOR 2 &&
			check "rename during a stalled upload: it lands under the new name only" \
				py rename "$m" "$SFTP_ROOT"
		sctl arm stall STOR 2 &&
			check "unlink during a stalled upload: nothing lands" py unlink "$m" "$SFTP_ROOT"
		sctl arm stall STOR 2 &&
			check "three files closed during a stalled upload" py three "$m"
		check "unmount at once waits for them" \
			it_umount "$m" 'plaintext|/refused\.bin|\.refused\.bin\.ftpsfs-'
		for i in 0 1 2; do
			check "... u$i is on the server" \
				cmp -s "$SFTP_ROOT/u$i" <(printf "$i%.0s" $(seq 70000))
		done
		check "no spool file left" [ -z "$(ls -A "$spool")" ]
	else
		check "mounted the scripted server" false
	fi
	[ "$it_nfail" -eq 0 ] || { sed 's/^/    /' "$m.log" | tail -30; tail -30 "$work/sftp.log"; }
	# Listings expire at once: a pending file must survive its folder
	# being listed again before its upload lands.
	m=$work/m-sftp2
	if smount "$m" -o writeback -o dir_cache=1 -o timeout=30 -o spool_dir="$spool"; then
		sctl arm stall STOR 15 &&
			check "a pending file stays in ls and stat when its folder is listed again" \
				py relist "$m" "$SFTP_ROOT"
		check "unmount (relist mount)" it_umount "$m" 'plaintext|/rl/pend\.bin|\.pend\.bin\.ftpsfs-'
	else
		check "mounted the scripted server again" false
	fi
	sftp_stop
else
	check "scriptftp started" false
fi

echo "writeback: $((SECONDS - started)) s"
[ "$nserver" -gt 0 ] || { echo "SKIP: no server could run"; exit 77; }
it_summary
