#!/bin/bash
# tests/integration/xattrs.sh - statistics and checksums as extended
# attributes, and the statistics in the log on SIGUSR1, on a real mount.
#
# On ProFTPD with mod_digest (HASH and XCRC/XMD5/XSHA1/XSHA256/XSHA512) and
# on vsftpd-explicit (no hash at all), through ftpsfs mounted for real:
#  - the mount's root has user.ftpsfs.NAME for every statistic, each with
#    a plausible value (connections open and the cap, the server's
#    banner, SYST and FEAT summary, no error yet), and user.ftpsfs.all
#    has them all, a line each;
#  - reading a file makes bytes_down grow by at least its size and
#    tls_resumed grow (both servers resume the TLS session); uploading one
#    makes bytes_up grow; while a file is open with changes not yet
#    uploaded, uploads_pending is 1 (and its checksum EBUSY), then 0;
#  - setxattr on the root and on a file, and removexattr of a statistic or
#    of a checksum, fail with ENOTSUP;
#  - a read the server refuses (ProFTPD: 550 Permission denied) shows as
#    last_error with its time;
#  - kill -USR1 puts "stats: NAME: VALUE" for every statistic in the log;
#  - ProFTPD: user.checksum.{sha256,sha1,md5,crc32,sha512} equal sha256sum,
#    sha1sum, md5sum, python's zlib.crc32 and sha512sum of the file, for a
#    file, one with spaces and UTF-8 in its name, and one uploaded through
#    the mount; a folder has none (ENODATA);
#  - vsftpd: user.checksum.sha256 is ENODATA;
#  - listxattr lists nothing, on the root or a file: every attribute here
#    is computed, not stored, so cp -a, rsync -aX and tar --xattrs (and
#    restic and borg) copy none of them - a checksum would be the server
#    reading the whole file five times, then a stale value on the copy.
#    Checked on the list, and on real copies with those tools (when
#    installed);
#  - getfattr -n user.ftpsfs.all shows every statistic (when getfattr is
#    installed; the rest uses python's os.getxattr);
#  - a name outside the user namespace (an SELinux label, an ACL) is
#    ENOTSUP, so "ls -l" of 30 files does not ask the daemon for them file
#    by file (libfuse's -d log counts the requests; GNU ls up to coreutils
#    9.4 asks each once, newer ones list a file's names instead), while
#    the statistics still answer.
# The daemon must exit 0 at every unmount and log no unexpected warning.
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

export LC_ALL=C.UTF-8
servers=${XATTRS_SERVERS:-"proftpd vsftpd-explicit"}
T="timeout 120"     # bound for every command on the mount

for tool in fusermount3 python3 sha256sum sha1sum md5sum sha512sum; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool is missing"; exit 77; }
done

it_setup xattrs

cat >"$work/x.py" <<'EOF'
import calendar, errno, os, sys, time, zlib

STATS = ["conns", "conns_cap", "conns_opened", "reconnects", "tls_resumed", "tls_full",
         "bytes_down", "bytes_up", "uploads_running", "uploads_pending", "uploads_failed",
         "spool_kept", "retries", "last_error", "last_error_time", "server", "system",
         "features"]

def get(path, name):
    return os.getxattr(path, name).decode()

def stat(mnt, name):
    return get(mnt, "user.ftpsfs." + name)

def num(mnt, name):
    return int(stat(mnt, name))

def errno_of(fn, *args):
    try:
        fn(*args)
    except OSError as e:
        return e.errno
    return 0

def fail(msg):
    print(msg)
    sys.exit(1)

def cmd_stats(mnt, banner):
    # Every statistic on the root (none listed), with a plausible value.
    if os.listxattr(mnt):
        fail("root lists %s, want nothing" % os.listxattr(mnt))
    v = {s: stat(mnt, s) for s in STATS}
    for s in STATS[:13]:
        if not v[s].isdigit():
            fail("%s = %r is not a count" % (s, v[s]))
    checks = [
        (1 <= int(v["conns"]) <= int(v["conns_cap"]), "conns within the cap"),
        (int(v["conns_opened"]) >= 1, "a connection was opened"),
        (v["uploads_running"] == "0" and v["uploads_pending"] == "0", "no upload yet"),
        (v["uploads_failed"] == "0", "no failed upload"),
        (v["last_error"] == "none" and v["last_error_time"] == "never", "no error yet"),
        (banner in v["server"], "server %r has %r" % (v["server"], banner)),
        (v["system"].startswith("UNIX"), "system %r is SYST's" % v["system"]),
        ("EPSV" in v["features"].split(), "features %r list EPSV" % v["features"]),
    ]
    for ok, what in checks:
        if not ok:
            fail("stats: " + what + ": " + repr(v))
    return 0

def cmd_read(mnt, path):
    # A read moves bytes_down by at least the file's size; the data
    # connection resumed the control connection's TLS session.
    down, res = num(mnt, "bytes_down"), num(mnt, "tls_resumed")
    with open(path, "rb") as f:
        n = len(f.read())
    d2, r2 = num(mnt, "bytes_down"), num(mnt, "tls_resumed")
    if d2 - down < n or n == 0:
        fail("bytes_down went %d -> %d after reading %d bytes" % (down, d2, n))
    if r2 <= res:
        fail("tls_resumed went %d -> %d after a read" % (res, r2))
    if num(mnt, "tls_full") != 0:
        fail("a data connection did a full handshake: tls_full = %s" % stat(mnt, "tls_full"))
    return 0

def cmd_write(mnt, path, size, sums=""):
    # While written and not closed: pending, and no checksum of the old
    # version; after close: uploaded, counted.
    size, sums = int(size), sums == "1"
    up = num(mnt, "bytes_up")
    data = os.urandom(size)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        if num(mnt, "uploads_pending") != 1:
            fail("uploads_pending = %s while a file is written" % stat(mnt, "uploads_pending"))
        if sums:
            e = errno_of(os.getxattr, path, "user.checksum.sha256")
            if e != errno.EBUSY:
                fail("checksum of a file with changes not uploaded: errno %d" % e)
    finally:
        os.close(fd)
    u2 = num(mnt, "bytes_up")
    if u2 - up < size:
        fail("bytes_up went %d -> %d after writing %d bytes" % (up, u2, size))
    for s, want in (("uploads_pending", 0), ("uploads_running", 0), ("uploads_failed", 0)):
        if num(mnt, s) != want:
            fail("%s = %s after the upload" % (s, stat(mnt, s)))
    return 0

def cmd_refused(mnt, path, needle):
    # A read the server refuses is the last error, with its time.
    t0 = int(time.time())
    e = errno_of(lambda: open(path, "rb").read())
    if e == 0:
        fail("reading %s was not refused" % path)
    err, at = stat(mnt, "last_error"), stat(mnt, "last_error_time")
    if needle not in err:
        fail("last_error %r does not name %r" % (err, needle))
    t = calendar.timegm(time.strptime(at, "%Y-%m-%dT%H:%M:%SZ"))
    if not t0 - 5 <= t <= time.time() + 5:
        fail("last_error_time %s is not now (%d)" % (at, t0))
    return 0

def cmd_readonly(mnt, path):
    checks = [
        (errno_of(os.setxattr, mnt, "user.ftpsfs.conns", b"9"), "setxattr of a statistic"),
        (errno_of(os.removexattr, mnt, "user.ftpsfs.conns"), "removexattr of a statistic"),
        (errno_of(os.removexattr, mnt, "user.ftpsfs.all"), "removexattr of all statistics"),
        (errno_of(os.setxattr, path, "user.note", b"x"), "setxattr on a file"),
    ]
    for e, what in checks:
        if e != errno.ENOTSUP:
            fail("%s: errno %d (%s), want ENOTSUP" % (what, e, os.strerror(e) if e else "none"))
    if get(mnt, "user.ftpsfs.conns") == "9":
        fail("a statistic was set")
    e = errno_of(os.getxattr, mnt, "user.ftpsfs.nonesuch")
    if e != errno.ENODATA:
        fail("an unknown statistic: errno %d, want ENODATA" % e)
    return 0

def crc32(path):
    with open(path, "rb") as f:
        return "%08x" % (zlib.crc32(f.read()) & 0xffffffff)

def cmd_sums(path, local, *want):
    # want: sha256 sha1 md5 sha512 as the tools print them.
    if os.listxattr(path):
        fail("%s lists %s, want nothing" % (path, os.listxattr(path)))
    exp = dict(zip(("sha256", "sha1", "md5", "sha512"), want))
    exp["crc32"] = crc32(local)
    for algo, w in exp.items():
        for _ in range(2):  # the second one from the cache
            got = get(path, "user.checksum." + algo)
            if got != w:
                fail("%s %s: %r, want %r" % (path, algo, got, w))
    folder = os.path.dirname(path)
    e = errno_of(os.getxattr, folder, "user.checksum.sha256")
    if e != errno.ENODATA:
        fail("a folder's checksum: errno %d, want ENODATA" % e)
    if e != errno.ENODATA or errno_of(os.getxattr, path, "user.checksum.sha3") != errno.ENODATA:
        fail("an unknown algorithm is not ENODATA")
    if errno_of(os.removexattr, path, "user.checksum.md5") != errno.ENOTSUP:
        fail("removexattr of a checksum is not ENOTSUP")
    return 0

def cmd_nosums(path):
    names = [n for n in os.listxattr(path) if n.startswith("user.checksum.")]
    if names:
        fail("%s lists %s on a server without hashes" % (path, names))
    for algo in ("sha256", "md5", "crc32"):
        e = errno_of(os.getxattr, path, "user.checksum." + algo)
        if e != errno.ENODATA:
            fail("%s %s: errno %d, want ENODATA" % (path, algo, e))
    return 0

def cmd_namespaces(mnt, path):
    names = [("system.posix_acl_access", errno.ENOTSUP), ("user.nonesuch", errno.ENODATA)]
    # With SELinux on, the kernel answers for the label itself.
    if not os.path.exists("/sys/fs/selinux/enforce"):
        names.append(("security.selinux", errno.ENOTSUP))
    for name, want in names:
        e = errno_of(os.getxattr, path, name)
        if e != want:
            fail("getxattr %s %s: errno %d, want %d" % (path, name, e, want))
    int(get(mnt, "user.ftpsfs.conns"))
    return 0

def cmd_bare(*paths):
    # Local copies carry no attribute of ours.
    for top in paths:
        for d, _, files in os.walk(top):
            for p in [d] + [os.path.join(d, f) for f in files]:
                ours = [n for n in os.listxattr(p) if n.startswith(("user.checksum.", "user.ftpsfs."))]
                if ours:
                    fail("the copy %s carries %s" % (p, ours))
    return 0

sys.exit(globals()["cmd_" + sys.argv[1]](*sys.argv[2:]))
EOF

px() { $T python3 "$work/x.py" "$@"; }
sums_of() {
	local f=$1
	printf '%s %s %s %s' "$(sha256sum <"$f" | cut -d' ' -f1)" "$(sha1sum <"$f" | cut -d' ' -f1)" \
		"$(md5sum <"$f" | cut -d' ' -f1)" "$(sha512sum <"$f" | cut -d' ' -f1)"
}

# Names outside the user namespace: ENOTSUP, and "ls -l" stops asking.
getxattr_requests() { grep -c 'opcode: GETXATTR' "$1.log"; }
t_namespaces() {
	local mnt=$1 n0 n1
	px namespaces "$mnt" "$mnt/f.bin" || return 1
	n0=$(getxattr_requests "$mnt")
	$T ls -l "$mnt/many" >/dev/null || return 1
	n1=$(getxattr_requests "$mnt")
	[ $((n1 - n0)) -lt 10 ] ||
		{ echo "ls -l of 30 files: $((n1 - n0)) GETXATTR requests" >&2; return 1; }
}

# SIGUSR1: every statistic in the log within 10 s.
t_usr1() {
	local mnt=$1 pid=${it__pids[$1]:-} i name missing
	[ -n "$pid" ] || { echo "no daemon pid" >&2; return 1; }
	kill -USR1 "$pid" || return 1
	for ((i = 0; i < 100; i++)); do
		grep -q 'stats: features: ' "$mnt.log" && break
		sleep 0.1
	done
	missing=
	for name in conns conns_cap conns_opened reconnects tls_resumed tls_full bytes_down \
		bytes_up uploads_running uploads_pending uploads_failed spool_kept retries \
		last_error last_error_time server system features; do
		grep -q "info: stats: $name: ." "$mnt.log" || missing+=" $name"
	done
	[ -z "$missing" ] || { echo "not in the log:$missing" >&2; return 1; }
	kill -0 "$pid" && it_is_mounted "$mnt"
}

t_getfattr() {
	local mnt=$1 out n
	command -v getfattr >/dev/null || { echo "    (getfattr is not installed: skipped)"; return 0; }
	out=$($T getfattr --only-values -n user.ftpsfs.all "$mnt" 2>/dev/null) || return 1
	n=$(grep -c '^[a-z_]*: .' <<<"$out")
	[ "$n" -eq 18 ] || { echo "user.ftpsfs.all shows $n statistics:" >&2; echo "$out" >&2; return 1; }
}

# cp -a, rsync -aX and tar --xattrs of a folder on the mount (one with
# the file whose checksums were read): the copies carry none of our
# attributes. tar's archive is unpacked again with its attributes.
t_copies() {
	local mnt=$1 out=$work/copies copies=()
	rm -rf "$out" && mkdir -p "$out" || return 1
	# Only a folder that keeps user.* attributes tells anything here.
	: >"$out/probe"
	python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.probe", b"1")' "$out/probe" 2>/dev/null ||
		{ echo "    ($out keeps no user.* attributes: skipped)"; return 0; }
	rm -f "$out/probe"
	$T cp -a "$mnt/copyme" "$out/cp" || return 1
	[ -s "$out/cp/c.bin" ] || { echo "cp -a copied nothing" >&2; return 1; }
	copies+=("$out/cp")
	if command -v rsync >/dev/null; then
		$T rsync -aX "$mnt/copyme/" "$out/rsync/" || return 1
		copies+=("$out/rsync")
	fi
	if tar --help 2>/dev/null | grep -q -- '--xattrs'; then
		mkdir -p "$out/tar" &&
			$T tar --xattrs --xattrs-include='*' -C "$mnt" -cf "$out/t.tar" copyme &&
			$T tar --xattrs --xattrs-include='*' -C "$out/tar" -xf "$out/t.tar" || return 1
		copies+=("$out/tar")
	fi
	px bare "${copies[@]}"
}

nserver=0
for name in $servers; do
	case $name in
	proftpd)
		export TB_PROFTPD_EXTRA='LoadModule mod_digest.c'
		banner=ProFTPD ;;
	*)
		unset TB_PROFTPD_EXTRA
		banner="ftpsfs test bed" ;;
	esac
	it_start "$name" || continue
	nserver=$((nserver + 1))
	mnt=$work/mnt-$name
	hostile="name with spaces ü 日本.txt"
	head -c 300000 /dev/urandom >"$TB_DATA/f.bin"
	printf 'hello world\n' >"$TB_DATA/$hostile"
	mkdir -p "$TB_DATA/sub" "$TB_DATA/many" "$TB_DATA/copyme"
	for i in $(seq 1 30); do : >"$TB_DATA/many/f$i"; done
	head -c 100000 /dev/urandom >"$TB_DATA/copyme/c.bin"
	printf 'odd\n' >"$TB_DATA/copyme/$hostile"
	printf 'secret\n' >"$TB_DATA/locked.txt"
	chown -R "$TB_USER:$TB_USER" "$TB_DATA"
	chown root:root "$TB_DATA/locked.txt"
	chmod 600 "$TB_DATA/locked.txt"

	if ! it_mount "$mnt"; then
		it_fail "$name: mount"
		tb_stop "$name"
		continue
	fi
	check "every statistic on the root, plausible" px stats "$mnt" "$banner"
	check "getfattr -n user.ftpsfs.all shows all 18" t_getfattr "$mnt"
	check "a read: bytes_down and tls_resumed grow" px read "$mnt" "$mnt/f.bin"
	sums=; [ "$name" = proftpd ] && sums=1
	check "an upload: pending while open, then bytes_up grows" \
		px write "$mnt" "$mnt/up.bin" 200000 "$sums"
	check "set and remove refused (ENOTSUP)" px readonly "$mnt" "$mnt/f.bin"
	if [ "$name" = proftpd ]; then
		# shellcheck disable=SC2046  # four words
		check "checksums of a file equal the tools'" \
			px sums "$mnt/f.bin" "$TB_DATA/f.bin" $(sums_of "$TB_DATA/f.bin")
		# shellcheck disable=SC2046
		check "checksums of a name with spaces and UTF-8" \
			px sums "$mnt/$hostile" "$TB_DATA/$hostile" $(sums_of "$TB_DATA/$hostile")
		# shellcheck disable=SC2046
		check "checksums of the file uploaded through the mount" \
			px sums "$mnt/up.bin" "$TB_DATA/up.bin" $(sums_of "$TB_DATA/up.bin")
		# shellcheck disable=SC2046
		check "checksums of a file about to be copied" \
			px sums "$mnt/copyme/c.bin" "$TB_DATA/copyme/c.bin" $(sums_of "$TB_DATA/copyme/c.bin")
	else
		check "no hash on this server: ENODATA, none listed" px nosums "$mnt/f.bin"
		check "no hash on this server: the odd name too" px nosums "$mnt/$hostile"
	fi
	check "cp -a, rsync -aX, tar --xattrs: the copies carry none of our attributes" \
		t_copies "$mnt"
	# vsftpd refuses with "550 Failed to open file.", which could as well
	# mean a missing file: not a warning, so not an error to show.
	[ "$name" = proftpd ] && check "a refused read is the last error, with its time" \
		px refused "$mnt" "$mnt/locked.txt" "locked.txt"
	check "SIGUSR1 writes every statistic to the log" t_usr1 "$mnt"
	check "unmount: exit 0, no unexpected warning" it_umount "$mnt" 'locked\.txt|info: stats: '
	# -d: libfuse logs every request (and its errors, such as ENOENT)
	if it_mount "$mnt" -d; then
		check "SELinux label and ACL ENOTSUP: ls -l does not ask the daemon per file" \
			t_namespaces "$mnt"
		check "(-d) unmount: exit 0, no unexpected warning" \
			it_umount "$mnt" '^ +unique: [0-9]+, error: -[0-9]+ '
	else
		it_fail "$name: mount with -d"
	fi
	[ "$it_nfail" -eq 0 ] || it_show_logs "$name" "$mnt.log"
	tb_stop "$name"
done

[ "$nserver" -gt 0 ] || { echo "SKIP: no server could run here"; exit 77; }
it_summary
