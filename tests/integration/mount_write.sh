#!/bin/bash
# tests/integration/mount_write.sh - writing through a real mount.
#
# On vsftpd-explicit (require_ssl_reuse=YES), ProFTPD and pure-ftpd, each
# with its default settings, through ftpsfs mounted for real; every result
# is checked on the server's own disk ($TB_DATA), not only through the mount:
#  - cp of 0 B, 1 B, 64 KiB-1, 1 MiB+1 and 100 MiB files (SHA-256 on disk);
#  - a stat right after close shows the new size; a dot-file (hidden from
#    vsftpd's LIST) is found at close and by stat;
#  - random pwrite/ftruncate/pread sequences on a file in the mount and on a
#    local file side by side (python3), on an existing file, on a new one and
#    across reopenings, then truncate(2) by path (bigger, smaller, 0): the
#    mount, the local file and the server's file must agree;
#  - fsync puts the bytes on the server before close;
#  - O_APPEND appends; O_RDWR|O_CREAT|O_EXCL written and read back before
#    close (and EEXIST on an existing name); a log written write-only
#    (direct to the daemon) is seen byte for byte by a reader meanwhile;
#  - rename of a file, of a folder, over an existing file; unlink, mkdir,
#    rmdir (ENOTEMPTY from os.rmdir when not empty), chmod (mode on disk),
#    mtimes (touch -d, cp -p: the mtime on disk to the second); folder
#    times on disk, or on vsftpd (files only) not asked again after two
#    refusals;
#  - two uploads at once; reading a file while another is uploaded (not
#    waiting for it); atomic replace: while a slow rewrite of an existing
#    file is in progress the server's file under its name is still the old
#    version, and after close the new one;
#  - a failing upload (the server's folder not writable): write or close
#    fails, no file and no temporary file is left, the old version stays;
#    the folder turning read-only during the upload: close() fails, the old
#    version stays, the bytes written are kept in the spool folder;
#  - no spool file left behind, the daemon exits 0 and logs nothing
#    unexpected.
#
# Exit 0 all passed, 1 a check failed, 77 no server could run here.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
# shellcheck source=tests/testbed/testbed.sh
. "$top_srcdir/tests/testbed/testbed.sh"
# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

servers=${MOUNT_WRITE_SERVERS:-"vsftpd-explicit proftpd pureftpd"}
started=$SECONDS

it_setup mount_write

sha() { sha256sum <"$1" | cut -d' ' -f1; }
same_sha() { [ -f "$1" ] && [ -f "$2" ] && [ "$(sha "$1")" = "$(sha "$2")" ]; }
mtime_of() { stat -c %Y "$1"; }
mode_of() { stat -c %a "$1"; }
py() { timeout 300 python3 "$work/wt.py" "$@"; }

# ---------------------------------------------------------------------------
# The python side: operations that need exact system calls and errnos.
cat >"$work/wt.py" <<'EOF'
import errno, hashlib, os, random, sys, threading, time

def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()

def slurp(path):
    with open(path, "rb") as f:
        return f.read()

def fail(msg):
    print("    " + msg, file=sys.stderr)
    sys.exit(1)

def agree(mnt, local, data, what):
    want = slurp(local)
    got = slurp(mnt)
    if got != want:
        fail("%s: the mount has %d bytes, the local file %d (first difference at %s)"
             % (what, len(got), len(want), first_diff(got, want)))
    if not os.path.exists(data):
        fail("%s: %s is not on the server" % (what, data))
    ondisk = slurp(data)
    if ondisk != want:
        fail("%s: the server has %d bytes, the local file %d (first difference at %s)"
             % (what, len(ondisk), len(want), first_diff(ondisk, want)))
    st = os.stat(mnt)
    if st.st_size != len(want):
        fail("%s: stat in the mount says %d bytes, want %d" % (what, st.st_size, len(want)))

def first_diff(a, b):
    for i in range(min(len(a), len(b))):
        if a[i] != b[i]:
            return i
    return min(len(a), len(b))

def random_ops(fdm, fdl, rnd, nops, what):
    """The same random pwrite/ftruncate/pread sequence on both descriptors."""
    for i in range(nops):
        size = os.fstat(fdl).st_size
        msize = os.fstat(fdm).st_size
        if msize != size:
            fail("%s: op %d: fstat in the mount says %d bytes, want %d" % (what, i, msize, size))
        r = rnd.random()
        if r < 0.55:
            off = rnd.randrange(0, size + 65536)
            n = rnd.choice([1, 7, 4096, 65536, rnd.randrange(1, 200000)])
            buf = rnd.randbytes(n)
            a, b = os.pwrite(fdm, buf, off), os.pwrite(fdl, buf, off)
            if a != b:
                fail("%s: op %d: pwrite(%d, %d) wrote %d, want %d" % (what, i, off, n, a, b))
        elif r < 0.72:
            kind = rnd.choice(["bigger", "smaller", "zero", "bigger", "smaller"])
            new = {"bigger": size + rnd.randrange(1, 300000),
                   "smaller": rnd.randrange(0, size + 1),
                   "zero": 0}[kind]
            os.ftruncate(fdm, new)
            os.ftruncate(fdl, new)
        else:
            off = rnd.randrange(0, size + 100)
            n = rnd.randrange(1, 150000)
            a, b = os.pread(fdm, n, off), os.pread(fdl, n, off)
            if a != b:
                fail("%s: op %d: pread(%d, %d) gave %d bytes, want %d (first difference at %d)"
                     % (what, i, n, off, len(a), len(b), first_diff(a, b)))

def cmd_random(mnt, local, data, seed):
    """Random edits: an existing file, a new file, reopenings, truncate by path."""
    rnd = random.Random(int(seed))
    init = rnd.randbytes(300000)
    for p in (mnt, local):
        with open(p, "wb") as f:
            f.write(init)
    agree(mnt, local, data, "initial file")
    # Rounds on the existing file (fetched into the spool).
    for rnd_no in range(3):
        fdm, fdl = os.open(mnt, os.O_RDWR), os.open(local, os.O_RDWR)
        random_ops(fdm, fdl, rnd, 40, "existing file, round %d" % rnd_no)
        os.close(fdm)
        os.close(fdl)
        agree(mnt, local, data, "existing file after round %d" % rnd_no)
    # A rewrite (O_TRUNC): starts as a stream, then random offsets.
    fl = os.O_RDWR | os.O_TRUNC
    fdm, fdl = os.open(mnt, fl), os.open(local, fl)
    for fd in (fdm, fdl):
        os.write(fd, init[:100000])
    random_ops(fdm, fdl, rnd, 40, "rewritten file")
    os.close(fdm)
    os.close(fdl)
    agree(mnt, local, data, "rewritten file")
    # A brand new file opened read-write.
    newm, newl, newd = mnt + ".new", local + ".new", data + ".new"
    fl = os.O_RDWR | os.O_CREAT | os.O_EXCL
    fdm, fdl = os.open(newm, fl, 0o644), os.open(newl, fl, 0o644)
    random_ops(fdm, fdl, rnd, 40, "new file")
    os.close(fdm)
    os.close(fdl)
    agree(newm, newl, newd, "new file")
    # truncate(2) by path, no open file: bigger, smaller, zero.
    for new in (os.stat(local).st_size + 123457, 77777, 0, 4242):
        os.truncate(mnt, new)
        os.truncate(local, new)
        agree(mnt, local, data, "truncate by path to %d" % new)

def cmd_append(mnt, local, data):
    rnd = random.Random(7)
    for p in (mnt, local):
        with open(p, "wb") as f:
            f.write(b"start\n")
    for i in range(3):
        chunk = rnd.randbytes(rnd.choice([1, 1000, 70000]))
        for p in (mnt, local):
            fd = os.open(p, os.O_WRONLY | os.O_APPEND)
            os.write(fd, chunk[: len(chunk) // 2])
            os.write(fd, chunk[len(chunk) // 2:])
            os.close(fd)
        agree(mnt, local, data, "append %d" % i)
    # O_APPEND | O_RDWR with a read of the earlier bytes before close.
    fd = os.open(mnt, os.O_RDWR | os.O_APPEND)
    os.write(fd, b"tail")
    got = os.pread(fd, 6, 0)
    os.close(fd)
    with open(local, "ab") as f:
        f.write(b"tail")
    if got != b"start\n":
        fail("reading back in an O_APPEND|O_RDWR file gave %r" % got)
    agree(mnt, local, data, "append then read")

def cmd_tail(mnt, data):
    # A log written through a write-only descriptor (its bytes skip the
    # kernel's page cache) and read meanwhile through another (cached):
    # the reader sees every byte as written, at every step.
    w = os.open(mnt, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o644)
    r = os.open(mnt, os.O_RDONLY)
    want = b""
    for i, line in enumerate([b"hello\n", b"world " * 700 + b"\n", b"x", b"end\n"]):
        os.write(w, line)
        want += line
        got = os.pread(r, len(want) + 100, 0)
        if got != want:
            fail("step %d: a reader saw %d bytes (%r...), %d were written" %
                 (i, len(got), got[-20:], len(want)))
        if os.pread(r, 100, len(want) - len(line)) != line[:100]:
            fail("step %d: a reader saw other bytes at the end" % i)
    os.close(w)
    if os.pread(r, len(want) + 100, 0) != want:
        fail("after close, a reader saw other bytes")
    os.close(r)
    with open(data, "rb") as f:
        if f.read() != want:
            fail("the server's file differs")

def cmd_excl(mnt, data):
    body = os.urandom(123456)
    fd = os.open(mnt, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    if os.write(fd, body) != len(body):
        fail("short write")
    back = os.pread(fd, len(body) + 10, 0)
    if back != body:
        fail("read back before close: %d bytes, want %d" % (len(back), len(body)))
    st = os.fstat(fd)
    if st.st_size != len(body):
        fail("fstat before close: %d bytes, want %d" % (st.st_size, len(body)))
    os.close(fd)
    if slurp(data) != body:
        fail("the server's file differs")
    try:
        os.open(mnt, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        fail("O_EXCL on an existing name succeeded")

def cmd_stat_after_close(mnt, n):
    n = int(n)
    with open(mnt, "wb") as f:
        f.write(b"x" * n)
    st = os.stat(mnt)
    if st.st_size != n:
        fail("stat right after close: %d bytes, want %d" % (st.st_size, n))
    # Rewrite with another size: the cached size must follow at once.
    with open(mnt, "wb") as f:
        f.write(b"y" * (n // 3))
    st = os.stat(mnt)
    if st.st_size != n // 3:
        fail("stat right after a rewrite: %d bytes, want %d" % (st.st_size, n // 3))

def cmd_fsync(mnt, data):
    """fsync uploads now: the server has the bytes before close."""
    a, b = os.urandom(200000), os.urandom(70000)
    fd = os.open(mnt, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, a)
    os.fsync(fd)
    if not os.path.exists(data) or slurp(data) != a:
        fail("after fsync of a new file, the server does not have its bytes")
    os.write(fd, b)
    os.fsync(fd)
    if slurp(data) != a + b:
        fail("after a second write and fsync, the server does not have the bytes")
    os.pwrite(fd, b"X", 5)
    os.close(fd)
    if slurp(data) != a[:5] + b"X" + a[6:] + b:
        fail("after close, the server does not have the edit")

def cmd_rmdir_notempty(path):
    try:
        os.rmdir(path)
    except OSError as e:
        if e.errno != errno.ENOTEMPTY:
            fail("rmdir of a folder that is not empty: %s, want ENOTEMPTY" % os.strerror(e.errno))
        return
    fail("rmdir of a folder that is not empty succeeded")

def cmd_slow_replace(mnt, data, old_sha, other_mnt, other_sha, mib, out_local):
    """Rewrite an existing file slowly; meanwhile the server must still have
    the old version under the final name, and another file must read at
    full speed. Then the new version."""
    rnd = random.Random(99)
    chunk = 1 << 20
    h = hashlib.sha256()
    reader = {}
    def read_other():
        t0 = time.monotonic()
        reader["sha"] = sha(other_mnt)
        reader["secs"] = time.monotonic() - t0
    with open(out_local, "wb") as loc, open(mnt, "wb") as f:
        for i in range(int(mib)):
            b = rnd.randbytes(chunk)
            f.write(b)
            f.flush()
            loc.write(b)
            if i == int(mib) // 2:
                t = threading.Thread(target=read_other)
                t.start()
                if sha(data) != old_sha:
                    fail("half way through the rewrite, the server's file is not the old version")
                t.join(60)
                if reader.get("sha") != other_sha:
                    fail("reading another file during the upload gave the wrong bytes")
                if reader["secs"] > 5:
                    fail("reading another file during the upload took %.1f s" % reader["secs"])
            time.sleep(0.03)
        if sha(data) != old_sha:
            fail("before close, the server's file is not the old version")
    if sha(data) != sha(out_local):
        fail("after close, the server's file is not the new version")

def cmd_parallel(m1, l1, m2, l2):
    """Two uploads at once: both in flight before either is closed."""
    errs = []
    started = threading.Barrier(2, timeout=60)
    def up(m, l):
        try:
            with open(l, "rb") as src, open(m, "wb") as dst:
                first = True
                for b in iter(lambda: src.read(1 << 20), b""):
                    dst.write(b)
                    dst.flush()
                    if first:
                        started.wait()
                        first = False
        except Exception as e:
            errs.append("%s: %s" % (m, e))
    ts = [threading.Thread(target=up, args=a) for a in ((m1, l1), (m2, l2))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    if errs:
        fail("; ".join(errs))

def cmd_fail_upload(mnt, size):
    """Writing into a folder the server will not write to must fail at
    write() or close(), with an error, not silently."""
    body = os.urandom(int(size))
    try:
        f = open(mnt, "wb")
    except OSError as e:
        print("    refused at open: %s" % os.strerror(e.errno), file=sys.stderr)
        return
    try:
        f.write(body)
        f.flush()
    except OSError as e:
        print("    refused at write: %s" % os.strerror(e.errno), file=sys.stderr)
        try:
            f.close()
        except OSError:
            pass
        return
    try:
        f.close()
    except OSError as e:
        print("    refused at close: %s" % os.strerror(e.errno), file=sys.stderr)
        return
    fail("the write into a read-only folder succeeded")

def cmd_fail_late(mnt, data_dir, local):
    """The upload is under way when the server's folder becomes read-only:
    the bytes reach the temporary file, the rename into place is refused,
    and close() must say so."""
    body = os.urandom(3 << 20)
    with open(local, "wb") as f:
        f.write(body)
    f = open(mnt, "wb")
    try:
        f.write(body[: 2 << 20])
        f.flush()
        os.chmod(data_dir, 0o555)
        f.write(body[2 << 20:])
        f.flush()
    except OSError as e:
        print("    refused at write: %s" % os.strerror(e.errno), file=sys.stderr)
        try:
            f.close()
        except OSError:
            pass
        return
    try:
        f.close()
    except OSError as e:
        print("    refused at close: %s" % os.strerror(e.errno), file=sys.stderr)
        return
    fail("an upload whose rename into a read-only folder was refused succeeded")

cmds = {"random": cmd_random, "fail_late": cmd_fail_late, "append": cmd_append, "excl": cmd_excl,
        "statclose": cmd_stat_after_close, "fsync": cmd_fsync, "rmdir_notempty": cmd_rmdir_notempty,
        "slow_replace": cmd_slow_replace, "parallel": cmd_parallel,
        "fail_upload": cmd_fail_upload, "tail": cmd_tail}
cmds[sys.argv[1]](*sys.argv[2:])
EOF

# Files of the sizes used for reads, made once.
mkdir -p "$work/src" "$work/local" || exit 99
for size in 0 1 65535 1048577; do
	head -c "$size" /dev/urandom >"$work/src/f$size" || exit 99
done
head -c $((100 * 1024 * 1024)) /dev/urandom >"$work/src/f100M" || exit 99
head -c $((3 * 1024 * 1024)) /dev/urandom >"$work/src/other" || exit 99

# ---------------------------------------------------------------------------
# The checks, for the server in TB_*, mounted at $mnt.

copy_sizes() {
	local f size
	for size in 0 1 65535 1048577 100M; do
		f=f$size
		if cp "$work/src/$f" "$mnt/$f" && same_sha "$work/src/$f" "$TB_DATA/$f" &&
			[ "$(stat -c %s "$mnt/$f")" = "$(stat -c %s "$work/src/$f")" ]; then
			it_pass "$TB_NAME: cp of $size bytes: SHA-256 matches on the server"
		else
			it_fail "$TB_NAME: cp of $size bytes: the server's file differs"
		fi
	done
	# Read back through the mount too (the cache must not serve stale pages).
	check "read back 1 MiB+1 through the mount" cmp -s "$work/src/f1048577" "$mnt/f1048577"
	# Tools copy in st_blksize steps: one FUSE write each (max_write).
	check "st_blksize is max_write (1 MiB)" [ "$(stat -c %o "$mnt/f1048577")" = 1048576 ]
}

dotfile() {
	# vsftpd hides dot-files from LIST: close must not depend on a listing.
	printf 'hidden\n' >"$mnt/.dotfile" && [ "$(stat -c %s "$mnt/.dotfile")" = 7 ] &&
		[ "$(cat "$TB_DATA/.dotfile")" = hidden ] && [ "$(cat "$mnt/.dotfile")" = hidden ] &&
		mkdir -p "$mnt/dots" && cp "$work/src/f65535" "$mnt/dots/.x.AbC123" &&
		mv "$mnt/dots/.x.AbC123" "$mnt/dots/x" && same_sha "$work/src/f65535" "$TB_DATA/dots/x" &&
		[ ! -e "$TB_DATA/dots/.x.AbC123" ] && [ "$(stat -c %s "$mnt/dots/x")" = 65535 ]
}

namespace() {
	local d=$mnt/ns
	mkdir "$d" && [ -d "$TB_DATA/ns" ] || return 1
	printf 'one\n' >"$d/a" && mv "$d/a" "$d/b" && [ ! -e "$TB_DATA/ns/a" ] &&
		[ "$(cat "$TB_DATA/ns/b")" = one ] && [ ! -e "$d/a" ] && [ "$(cat "$d/b")" = one ] || {
		echo "    rename of a file" >&2; return 1; }
	# Over an existing file.
	printf 'two\n' >"$d/c" && mv -f "$d/c" "$d/b" && [ "$(cat "$TB_DATA/ns/b")" = two ] &&
		[ ! -e "$TB_DATA/ns/c" ] && [ "$(cat "$d/b")" = two ] || {
		echo "    rename over an existing file" >&2; return 1; }
	# A folder with contents.
	mkdir -p "$d/dir1/sub" && printf 'deep\n' >"$d/dir1/sub/f" && mv "$d/dir1" "$d/dir2" &&
		[ "$(cat "$TB_DATA/ns/dir2/sub/f")" = deep ] && [ ! -e "$TB_DATA/ns/dir1" ] &&
		[ "$(cat "$d/dir2/sub/f")" = deep ] && [ ! -e "$d/dir1" ] || {
		echo "    rename of a folder" >&2; return 1; }
	# unlink
	rm "$d/b" && [ ! -e "$TB_DATA/ns/b" ] && [ ! -e "$d/b" ] || {
		echo "    unlink" >&2; return 1; }
	# rmdir: not empty, then empty.
	py rmdir_notempty "$d/dir2" && [ -d "$TB_DATA/ns/dir2" ] || {
		echo "    rmdir of a folder that is not empty" >&2; return 1; }
	rm "$d/dir2/sub/f" && rmdir "$d/dir2/sub" && rmdir "$d/dir2" && [ ! -e "$TB_DATA/ns/dir2" ] &&
		[ ! -e "$d/dir2" ] || {
		echo "    rmdir" >&2; return 1; }
	# rmdir on a file, unlink of a folder, mkdir of an existing name: errors.
	mkdir "$d/e" && printf 'x' >"$d/g" || return 1
	! rmdir "$d/g" 2>/dev/null && ! rm "$d/e" 2>/dev/null && ! mkdir "$d/e" 2>/dev/null &&
		[ -d "$TB_DATA/ns/e" ] && [ -f "$TB_DATA/ns/g" ] || {
		echo "    misuse (rmdir of a file, rm of a folder, mkdir of an existing name) not refused" >&2
		return 1; }
}

modes() {
	local f=$mnt/modes.txt
	printf 'mode\n' >"$f" && chmod 600 "$f" && [ "$(mode_of "$TB_DATA/modes.txt")" = 600 ] &&
		[ "$(mode_of "$f")" = 600 ] && chmod 755 "$f" && [ "$(mode_of "$TB_DATA/modes.txt")" = 755 ] &&
		[ "$(mode_of "$f")" = 755 ]
}

mtimes() {
	local f=$mnt/times.txt want
	printf 'time\n' >"$f" && touch -d '2001-02-03 04:05:06 UTC' "$f" || return 1
	want=$(date -d '2001-02-03 04:05:06 UTC' +%s)
	[ "$(mtime_of "$TB_DATA/times.txt")" = "$want" ] && [ "$(mtime_of "$f")" = "$want" ] || {
		echo "    touch -d: on disk $(mtime_of "$TB_DATA/times.txt"), in the mount $(mtime_of "$f"), want $want" >&2
		return 1; }
	touch -d '2019-07-08 09:10:11 UTC' "$work/src/f1048577" &&
		cp -p "$work/src/f1048577" "$mnt/cp-p.bin" || return 1
	want=$(mtime_of "$work/src/f1048577")
	[ "$(mtime_of "$TB_DATA/cp-p.bin")" = "$want" ] && [ "$(mtime_of "$mnt/cp-p.bin")" = "$want" ] &&
		same_sha "$work/src/f1048577" "$TB_DATA/cp-p.bin" || {
		echo "    cp -p: on disk $(mtime_of "$TB_DATA/cp-p.bin"), in the mount $(mtime_of "$mnt/cp-p.bin"), want $want" >&2
		return 1; }
}

# touch -d of six new folders. A server that keeps folder times has each
# on its disk; one that refuses them (vsftpd: files only) is not asked
# again after two refusals, and touch still succeeds (rsync -a and tar
# set every folder's time, on every run).
folder_times() {
	local x want n
	want=$(date -d '2002-03-04 05:06:07 UTC' +%s)
	mkdir "$mnt/ft" || return 1
	for x in a b c d e f; do
		mkdir "$mnt/ft/$x" && touch -d '2002-03-04 05:06:07 UTC' "$mnt/ft/$x" || return 1
	done
	if [ "$(mtime_of "$TB_DATA/ft/a")" = "$want" ]; then
		for x in b c d e f; do
			[ "$(mtime_of "$TB_DATA/ft/$x")" = "$want" ] ||
				{ echo "    ft/$x: $(mtime_of "$TB_DATA/ft/$x") on disk, want $want" >&2; return 1; }
		done
		return 0
	fi
	[ "$TB_NAME" = vsftpd-explicit ] || { echo "    $TB_NAME kept no folder time" >&2; return 1; }
	n=$(grep -cE '"(MDTM [0-9]{14}|MFMT [0-9]{14}) /ft/' "$TB_LOG")
	[ "$n" -le 2 ] || { echo "    $n refused folder times asked, want 2 at most" >&2; return 1; }
}

parallel() {
	head -c $((24 * 1024 * 1024)) /dev/urandom >"$work/p1" &&
		head -c $((24 * 1024 * 1024)) /dev/urandom >"$work/p2" &&
		py parallel "$mnt/p1" "$work/p1" "$mnt/p2" "$work/p2" &&
		same_sha "$work/p1" "$TB_DATA/p1" && same_sha "$work/p2" "$TB_DATA/p2"
}

atomic_replace() {
	cp "$work/src/f1048577" "$mnt/replace.bin" && cp "$work/src/other" "$mnt/other" || return 1
	py slow_replace "$mnt/replace.bin" "$TB_DATA/replace.bin" "$(sha "$work/src/f1048577")" \
		"$mnt/other" "$(sha "$work/src/other")" 50 "$work/replace.new" &&
		cmp -s "$work/replace.new" "$mnt/replace.bin"
}

failing_upload() {
	local ro=$TB_DATA/ro
	# Made through the mount (so its cache knows them), then made read-only
	# behind its back: the server refuses STOR and RNTO there.
	mkdir "$mnt/ro" && printf 'old\n' >"$mnt/ro/old.txt" && [ "$(stat -c %U "$ro")" = "$TB_USER" ] &&
		chmod 555 "$ro" || return 1
	# A new file, and a rewrite of an existing one, in a folder the server
	# will not write to: STOR is refused.
	py fail_upload "$mnt/ro/new.bin" $((4 * 1024 * 1024)) &&
		py fail_upload "$mnt/ro/old.txt" 100000 || return 1
	chmod 755 "$ro"
	[ ! -e "$ro/new.bin" ] && [ "$(cat "$ro/old.txt")" = old ] &&
		[ "$(find "$ro" -name '*ftpsfs*' | wc -l)" -eq 0 ] && [ "$(cat "$mnt/ro/old.txt")" = old ] || {
		echo "    left behind:" >&2; ls -la "$ro" >&2; return 1; }
}

# The folder turns read-only while the rewrite streams: close() fails, the
# old version stays, and the bytes written are kept in the spool folder
# under the name the log gives.
failing_rename() {
	local ro=$TB_DATA/ro2 kept
	mkdir "$mnt/ro2" && printf 'old\n' >"$mnt/ro2/old.txt" || return 1
	py fail_late "$mnt/ro2/old.txt" "$ro" "$work/late.bin"
	local rc=$?
	chmod 755 "$ro"
	[ "$rc" -eq 0 ] || return 1
	[ "$(cat "$ro/old.txt")" = old ] && [ "$(cat "$mnt/ro2/old.txt")" = old ] || {
		echo "    the old version was not kept:" >&2; ls -la "$ro" >&2; return 1; }
	kept=$(sed -n 's|.*changes to /ro2/old.txt could not be uploaded; they are kept in ||p' "$mnt.log" | tail -1)
	[ -n "$kept" ] && cmp -s "$kept" "$work/late.bin" || {
		echo "    the written bytes are not kept in the spool folder (${kept:-no log line})" >&2
		return 1; }
	rm -f "$kept"
}

# Each server: mount, run everything, unmount.
check_server() {
	local mnt=$work/mnt-$TB_NAME t0
	mkdir -p -m 700 "$work/spool-$TB_NAME" && mkdir -p "$work/local/$TB_NAME" || return 1
	if ! it_mount "$mnt" -o spool_dir="$work/spool-$TB_NAME"; then
		it_fail "$TB_NAME: mount"
		return
	fi
	t0=$SECONDS
	copy_sizes
	check "stat right after close shows the new size" py statclose "$mnt/statclose" 54321
	check "a dot-file is found at close and by stat; rsync-style temporary renamed" dotfile
	check "random pwrite/ftruncate/pread, reopenings, truncate by path: mount = local = server" \
		py random "$mnt/edit.bin" "$work/local/$TB_NAME/edit.bin" "$TB_DATA/edit.bin" 1234
	check "fsync uploads now (new file, then appended, then edited)" \
		py fsync "$mnt/fsync.bin" "$TB_DATA/fsync.bin"
	check "O_APPEND appends (and reads back)" \
		py append "$mnt/append.log" "$work/local/$TB_NAME/append.log" "$TB_DATA/append.log"
	check "a log written write-only and read meanwhile: every byte seen as written" \
		py tail "$mnt/tail.log" "$TB_DATA/tail.log"
	check "O_RDWR|O_CREAT|O_EXCL: written, read back before close, EEXIST after" \
		py excl "$mnt/excl.bin" "$TB_DATA/excl.bin"
	check "rename (file, folder, over a file), unlink, mkdir, rmdir (ENOTEMPTY)" namespace
	check "chmod: the mode on the server's disk" modes
	check "mtimes (touch -d, cp -p) on the server's disk to the second" mtimes
	check "folder times: kept where the server keeps them, else asked twice at most" folder_times
	check "two uploads at once" parallel
	check "atomic replace during a slow rewrite; reading another file meanwhile" atomic_replace
	check "no spool file left" [ -z "$(ls -A "$work/spool-$TB_NAME")" ]
	check "an upload the server refuses fails at write/close and leaves nothing" failing_upload
	check "a rename into place refused after the upload: close fails, old version and bytes kept" \
		failing_rename
	check "no spool file left after the failures" [ -z "$(ls -A "$work/spool-$TB_NAME")" ]
	# The refused uploads are logged: expected, nothing else.
	check "unmount: the daemon exits 0 and logged nothing unexpected" \
		it_umount "$mnt" '/ro2?/(new\.bin|old\.txt|\.old\.txt\.ftpsfs-|\.new\.bin\.ftpsfs-)'
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

echo "mount_write: $((SECONDS - started)) s"
[ "$nserver" -gt 0 ] || { echo "SKIP: no server could run"; exit 77; }
it_summary
