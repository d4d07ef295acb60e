#!/bin/bash
# tests/integration/safety.sh - issue 10: nothing is destroyed that nobody
# asked to destroy. Each case injects its situation and checks the server's
# own disk ($TB_DATA or the scripted server's folder) byte for byte.
#
#   names    names over 255 bytes: ENAMETOOLONG from lookup, create, mkdir,
#            rename and symlink (once a crash of the daemon), a server path
#            over the limit with the remote root in front; symlink is EPERM;
#            listxattr is an empty list
#   modes    open(O_CREAT, 0) and mkdir(d, 0) keep mode 0000 on the server;
#            a folder's time moves when entries come and go; ftruncate plus
#            close moves the file's time at once; a folder renamed onto a
#            non-empty one is ENOTEMPTY (vsftpd); truncate to a petabyte is
#            EFBIG
#   posix    open files: an unlinked file with unsaved writes uploads
#            nothing; the name created again is a new file; a rename over an
#            open file detaches the replaced one; a renamed open file's
#            writes land under the new name
#   rename   another client deleted the source: the target stays; the RNTO's
#            reply lost (the fault proxy resets the connection after the
#            server did it): found out, not repeated, nothing deleted
#   scripted (tests/tools/scriptftp.py, a plain-FTP server over a real
#            folder, with faults): a server that refuses rename-over, for
#            mv and for uploads, with the connection lost at each step of the
#            replace; a server that refuses renames across folders (EXDEV,
#            both files intact); MLSD without sizes and without SIZE (a write
#            at 0 never replaces the file with the written bytes); a RETR
#            cut short with 226; a refused SITE CHMOD after MKD
#   learnt   EPSV refused on one connection: never asked again on any
#            connection of the mount (the server record, src/server.h)
#   short    a data connection cut cleanly (FIN, no close_notify) after 1 MB
#            while the server says 226: cat gets every byte; an edit's spool
#            copy is never a short download
#   readers  16 parallel readers, max_conns=2, 20 ms round trip: all right
#   locks    while a file uploads (and while one is downloaded for an edit)
#            through a slowed connection, stat, ls -l and open of other
#            files answer at once (bound: 1 s; the measured maximum is shown)
#   edit     fsxlite (random writes, truncates, reads, reopening every 20
#            operations) while the proxy resets every connection once a
#            second: no error reaches the program, the server's file is right
#
# Knobs: SAFETY_CASES (a subset), SAFETY_KEEP=1 (keep the work folder).
# Exit 0 all passed, 1 a check failed, 77 cannot run here.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
# shellcheck source=tests/testbed/testbed.sh
. "$top_srcdir/tests/testbed/testbed.sh"
# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

export LC_ALL=C.UTF-8 TZ=UTC
T="timeout 120"
cases=${SAFETY_CASES:-"names modes posix rename scripted learnt short readers locks edit"}
MiB=$((1024 * 1024))
t_start=$SECONDS

# Every mount keeps its spool in $work/spool: no other run's kept files show.
it_setup safety spool
# shellcheck source=tests/integration/proxy.sh
. "$top_srcdir/tests/integration/proxy.sh"

note() { echo "INFO: $*"; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
# same_file FILE OTHER: FILE exists and holds what OTHER holds (OTHER may be
# a <(...) pipe)
same_file() { [ -f "$1" ] && cmp -s "$1" "$2"; }
no_temps() { [ -z "$(find "$1" -name '.*.ftpsfs-*' 2>/dev/null | head -1)" ]; }
py() { $T python3 "$work/h.py" "$@"; }
# gone NAME...: none of the names exist (on the server's disk)
gone() { local f; for f; do [ ! -e "$f" ] || return 1; done; }

# ---------------------------------------------------------------------------
# The python side: exact system calls, errno names, timings.
cat >"$work/h.py" <<'EOF'
import errno, hashlib, os, random, sys, threading, time

def ename(e):
    return errno.errorcode.get(e.errno, str(e.errno))

def gen(path, size, seed):
    r = random.Random(seed)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            f.write(r.randbytes(n))
            left -= n

def try_(fn, *a):
    try:
        fn(*a)
        return "ok"
    except OSError as e:
        return ename(e)

def creat(path, mode, data):
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, mode)
    try:
        if data:
            os.write(fd, data.encode())
    finally:
        os.close(fd)

def pwrite_at(path, off, data):
    fd = os.open(path, os.O_RDWR)
    try:
        os.pwrite(fd, data.encode(), off)
    finally:
        os.close(fd)

def ftrunc(path, size):
    fd = os.open(path, os.O_RDWR)
    try:
        os.ftruncate(fd, size)
    finally:
        os.close(fd)

# latency DIR STOPFILE OTHER...: until STOPFILE exists, stat and open+read
# the OTHER files and list DIR with stat of every entry (ls -l); print the
# largest time one of them took, in ms, and the count.
def latency(d, stop, others):
    worst, n, what = 0.0, 0, ""
    t_end = time.monotonic() + 120
    while not os.path.exists(stop) and time.monotonic() < t_end:
        for op in ("stat", "open", "ls"):
            t = time.monotonic()
            if op == "stat":
                for o in others:
                    os.stat(o)
            elif op == "open":
                for o in others:
                    with open(o, "rb") as f:
                        f.read(4096)
            else:
                for name in os.listdir(d):
                    os.stat(os.path.join(d, name))
            dt = (time.monotonic() - t) * 1000
            n += 1
            if dt > worst:
                worst, what = dt, op
        time.sleep(0.02)
    print("%.0f %d %s" % (worst, n, what))

cmd = sys.argv[1]
a = sys.argv[2:]
if cmd == "gen":
    gen(a[0], int(a[1]), int(a[2]))
elif cmd == "creat":
    print(try_(creat, a[0], int(a[1], 8), a[2] if len(a) > 2 else ""))
elif cmd == "mkdir":
    print(try_(os.mkdir, a[0], int(a[1], 8)))
elif cmd == "rename":
    print(try_(os.rename, a[0], a[1]))
elif cmd == "symlink":
    print(try_(os.symlink, a[0], a[1]))
elif cmd == "truncate":
    print(try_(os.truncate, a[0], int(a[1])))
elif cmd == "ftruncate":
    print(try_(ftrunc, a[0], int(a[1])))
elif cmd == "pwrite":
    print(try_(pwrite_at, a[0], int(a[1]), a[2]))
elif cmd == "append":
    # open(O_APPEND), one write, close: no stat before, as a shell's >>
    def app(path, text):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
    print(try_(app, a[0], a[1]))
elif cmd == "stat":
    print(try_(os.stat, a[0]))
elif cmd == "listxattr":
    try:
        print("ok %d" % len(os.listxattr(a[0])))
    except OSError as e:
        print(ename(e))
elif cmd == "mtime":
    print(int(os.stat(a[0]).st_mtime))
elif cmd == "mode":
    print("%04o" % (os.stat(a[0]).st_mode & 0o7777))
elif cmd == "latency":
    latency(a[0], a[1], a[2:])
elif cmd == "noreplace":
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    AT_FDCWD, RENAME_NOREPLACE = -100, 1
    r = libc.renameat2(AT_FDCWD, a[0].encode(), AT_FDCWD, a[1].encode(), RENAME_NOREPLACE)
    print("ok" if r == 0 else errno.errorcode.get(ctypes.get_errno(), "?"))
elif cmd == "trunc_open":
    # O_TRUNC while another descriptor has the file open, then ftruncate
    # to 0 on a third: both must cut the file whatever its size was known
    keep = os.open(a[0], os.O_RDONLY)
    fd = os.open(a[0], os.O_WRONLY | os.O_TRUNC)
    os.write(fd, b"abc")
    os.close(fd)
    os.close(keep)
    fd = os.open(a[1], os.O_WRONLY)
    os.ftruncate(fd, 0)
    os.write(fd, b"xyz")
    os.close(fd)
    print("ok")
elif cmd == "append_kept":
    # append, say so (a[1]), wait (bounded) for the go (a[2]), then close;
    # no child process: its exec would close a copy of fd (a flush)
    fd = os.open(a[0], os.O_WRONLY | os.O_APPEND)
    os.write(fd, b"XX")
    open(a[1], "w").close()
    for _ in range(300):
        if os.path.exists(a[2]):
            break
        time.sleep(0.05)
    try:
        os.close(fd)
        print("ok")
    except OSError as e:
        print(ename(e))
elif cmd == "unlinked_read":
    # write, unlink while open, read back through the descriptor
    fd = os.open(a[0], os.O_CREAT | os.O_RDWR, 0o644)
    os.write(fd, b"kept in the handle\n")
    os.unlink(a[0])
    os.write(fd, b"and more\n")
    got = os.pread(fd, 100, 0)
    os.close(fd)
    print("ok" if got == b"kept in the handle\nand more\n" else "bad %r" % got)
elif cmd == "rest_orphans":
    # scriptftp's log: every REST must be followed, on its connection, by
    # the transfer command it is for; print the ones that were not
    import re
    last = {}
    bad = []
    for line in open(a[0], errors="replace"):
        m = re.search(r" conn (\d+): > ([A-Z]+)(.*)", line)
        if not m:
            continue
        conn, verb = m.group(1), m.group(2)
        if conn in last and verb not in ("RETR", "STOR", "APPE", "LIST", "MLSD", "NLST"):
            bad.append("REST%s then %s" % (last[conn], verb))
        last.pop(conn, None)
        if verb == "REST":
            last[conn] = m.group(3)
    print("; ".join(bad[:3]) if bad else "none")
else:
    raise SystemExit("unknown command " + cmd)
EOF

# The scripted server: sftp_start, sftp_stop, sctl, smount
# shellcheck source=tests/integration/scripted.sh
. "$top_srcdir/tests/integration/scripted.sh"

# ---------------------------------------------------------------------------
# names

case_names() {
	local m=$work/mnames n255 n256 n400 deep i d r
	it_mount "$m" -o dir_cache=5 || { check "names: mounted" false; return; }
	mkdir -p "$m/nm"
	n255=$(printf 'n%.0s' $(seq 255))
	n256=$(printf 'n%.0s' $(seq 256))
	n400=$(printf 'm%.0s' $(seq 400))
	check "a 255-byte name is created" [ "$(py creat "$m/nm/$n255" 644 x)" = ok ]
	check "... and is on the server" same_file "$TB_DATA/nm/$n255" <(printf x)
	check "... and readdir shows it exactly" bash -c "ls '$m/nm' | grep -qx '$n255'"
	for d in "$n256" "$n400"; do
		r=$(py creat "$m/nm/$d" 644 x)
		check "create of a ${#d}-byte name: ENAMETOOLONG ($r)" [ "$r" = ENAMETOOLONG ]
		r=$(py stat "$m/nm/$d")
		check "lookup of a ${#d}-byte name: ENAMETOOLONG ($r)" [ "$r" = ENAMETOOLONG ]
		r=$(py mkdir "$m/nm/$d" 755)
		check "mkdir of a ${#d}-byte name: ENAMETOOLONG ($r)" [ "$r" = ENAMETOOLONG ]
		r=$(py rename "$m/nm/$n255" "$m/nm/$d")
		check "rename to a ${#d}-byte name: ENAMETOOLONG ($r)" [ "$r" = ENAMETOOLONG ]
		r=$(py symlink target "$m/nm/$d")
		check "symlink of a ${#d}-byte name: ENAMETOOLONG ($r)" [ "$r" = ENAMETOOLONG ]
	done
	check "the daemon is alive and the folder lists" bash -c "ls '$m/nm' >/dev/null"
	check "nothing of the long names reached the server" [ "$(ls "$TB_DATA/nm" | wc -l)" = 1 ]
	r=$(py symlink target "$m/nm/ln")
	check "symlink: EPERM, as the README says ($r)" [ "$r" = EPERM ]
	r=$(py listxattr "$m/nm/$n255")
	check "listxattr: an empty list ($r)" [ "$r" = "ok 0" ]
	r=$(py creat "$m/nm/bad$(printf '\377')name" 644 x)
	check "a name with byte 0xFF (Telnet IAC): EINVAL ($r)" [ "$r" = EINVAL ]
	it_umount "$m" || check "names: unmounted" false

	# A server path past the limit with the remote root in front: made on
	# the server's side, then one more level through a mount of a deep
	# root. 250-byte folders: 15 levels plus a 100-byte root pass 4096.
	deep=$(printf 'r%.0s' $(seq 100))
	d=$TB_DATA/$deep
	for ((i = 0; i < 15; i++)); do d=$d/$(printf "%03d" $i)$(printf 'd%.0s' $(seq 247)); done
	mkdir -p "$d" && chown -R "$TB_USER" "$TB_DATA/$deep"
	TB_URL="${TB_URL%/}/$deep/" it_mount "$m" || { check "names: deep mount" false; return; }
	# 101 + 15 * 251 + 256 bytes: over 4096 on the server, under it here
	r=$(cd "$m/${d#"$TB_DATA/$deep/"}" && python3 "$work/h.py" mkdir "$(printf 'x%.0s' $(seq 255))" 755)
	check "a server path over 4096 bytes: ENAMETOOLONG, not EINVAL ($r)" [ "$r" = ENAMETOOLONG ]
	it_umount "$m" || check "names: deep unmounted" false
	rm -rf "$TB_DATA/${deep:?}"
}

# ---------------------------------------------------------------------------
# modes, folder times, errno

case_modes() {
	local m=$work/mmodes r t1 t2
	it_mount "$m" -o dir_cache=1 || { check "modes: mounted" false; return; }
	mkdir -p "$m/md"
	r=$(py creat "$m/md/zero" 000 data)
	check "open(O_CREAT, 0) and a write: ok ($r)" [ "$r" = ok ]
	check "... the server's file has mode 0000" [ "$(stat -c %a "$TB_DATA/md/zero")" = 0 ]
	r=$(py creat "$m/md/m640" 640 data)
	check "... mode 0640 kept too" [ "$(stat -c %a "$TB_DATA/md/m640")" = 640 ]
	r=$(py mkdir "$m/md/d0" 000)
	check "mkdir(d, 0): ok ($r)" [ "$r" = ok ]
	check "... the server's folder has mode 0000" [ "$(stat -c %a "$TB_DATA/md/d0")" = 0 ]
	sleep 1.2
	check "... and the mount shows 0000 after the cache expires" \
		[ "$(py mode "$m/md/d0")" = 0000 ]
	chmod 755 "$TB_DATA/md/d0"
	rmdir "$m/md/d0"

	t1=$(py mtime "$m/md")
	sleep 1.2
	echo new >"$m/md/newfile"
	t2=$(py mtime "$m/md")
	check "a folder's time moves when a file is created in it ($t1 -> $t2)" [ "$t2" -gt "$t1" ]
	sleep 1.2
	rm "$m/md/newfile"
	t1=$(py mtime "$m/md")
	check "... and when one is removed ($t2 -> $t1)" [ "$t1" -gt "$t2" ]

	echo "some content" >"$m/md/trunc"
	sleep 1.2
	t1=$(py mtime "$m/md/trunc")
	sleep 1.2
	r=$(py ftruncate "$m/md/trunc" 4)
	t2=$(py mtime "$m/md/trunc")
	check "ftruncate + close (no write): the time moves at once ($t1 -> $t2, $r)" [ "$t2" -gt "$t1" ]
	check "... and the server has the 4 bytes" same_file "$TB_DATA/md/trunc" <(printf some)

	r=$(py truncate "$m/md/trunc" 1125899906842624)
	check "truncate to a petabyte: EFBIG ($r)" [ "$r" = EFBIG ]
	check "... the file is unchanged" same_file "$TB_DATA/md/trunc" <(printf some)
	check "... and the log says why" grep -q "more than the spool folder's filesystem" "$m.log"

	if [ "$TB_NAME" = vsftpd-explicit ]; then
		mkdir -p "$m/md/src" "$m/md/dst"
		echo x >"$m/md/dst/keep"
		ls -l "$m/md/dst" >/dev/null
		r=$(py rename "$m/md/src" "$m/md/dst")
		check "a folder renamed onto a non-empty folder: ENOTEMPTY ($r)" [ "$r" = ENOTEMPTY ]
		check "... both stay" test -d "$TB_DATA/md/src" -a -f "$TB_DATA/md/dst/keep"
	fi
	it_umount "$m" "spool folder's filesystem" || check "modes: unmounted" false
}

# ---------------------------------------------------------------------------
# open files follow POSIX

case_posix() {
	local m=$work/mposix r
	it_mount "$m" || { check "posix: mounted" false; return; }
	mkdir -p "$m/px"
	(
		exec 3>"$m/px/gone"
		echo "unsaved" >&3
		rm "$m/px/gone"
		echo "more" >&3
		exec 3>&-
	)
	check "unlink of a file open with unsaved writes: its close uploads nothing" \
		gone "$TB_DATA/px/gone"
	(
		exec 3>"$m/px/again"
		echo "old handle" >&3
		rm "$m/px/again"
		echo "new file" >"$m/px/again"
		echo "still the old handle" >&3
		exec 3>&-
	)
	check "the name created again is a new file (the old handle's writes stay out)" \
		same_file "$TB_DATA/px/again" <(echo "new file")
	(
		exec 3>"$m/px/target"
		echo "unsaved in the replaced file" >&3
		echo "the source" >"$m/px/source"
		mv "$m/px/source" "$m/px/target"
		echo "more for the replaced file" >&3
		exec 3>&-
	)
	check "a rename over an open file: the replaced file is detached" \
		same_file "$TB_DATA/px/target" <(echo "the source")
	check "... and the source name is gone" gone "$TB_DATA/px/source"
	(
		exec 3>"$m/px/moving"
		echo "one" >&3
		mv "$m/px/moving" "$m/px/moved"
		echo "two" >&3
		exec 3>&-
	)
	check "a file renamed while open: its writes land under the new name" \
		same_file "$TB_DATA/px/moved" <(printf 'one\ntwo\n')
	check "... nothing under the old name" gone "$TB_DATA/px/moving"
	r=$(py unlinked_read "$m/px/handle")
	check "an unlinked open file is written and read back through its descriptor ($r)" [ "$r" = ok ]
	check "... and is not on the server" gone "$TB_DATA/px/handle"
	check "no temporary files are left" no_temps "$TB_DATA/px"
	# Detached means nothing of these files went to the server at all, not
	# an upload under libfuse's hidden name that is deleted afterwards.
	check "nothing was uploaded under a hidden name" \
		bash -c "! grep -qs fuse_hidden '$TB_DIR'/*.log '$TB_DIR'/server.out"
	check "nothing was kept in the spool" bash -c "! grep -q 'spool' '$m.log'"
	it_umount "$m" || check "posix: unmounted" false
}

# ---------------------------------------------------------------------------
# renames on a real server

case_rename() {
	local m=$work/mren r
	it_mount "$m" || { check "rename: mounted" false; return; }
	mkdir -p "$m/rn"
	echo AAAA >"$m/rn/a"
	echo BBBB >"$m/rn/b"
	ls -l "$m/rn" >/dev/null
	rm "$TB_DATA/rn/a"      # another client
	r=$(py rename "$m/rn/a" "$m/rn/b")
	check "rename of a source another client deleted fails ($r)" [ "$r" != ok ]
	check "... and the target stays, byte for byte" same_file "$TB_DATA/rn/b" <(echo BBBB)
	it_umount "$m" || check "rename: unmounted" false

	# The RNTO's reply lost: the proxy forwards RNFR and RNTO, lets the
	# server rename, drops its reply and resets the connection.
	proxy_start || { check "rename: proxy" false; return; }
	pmount "$m" -o keepalive=0 || { check "rename: mounted through the proxy" false; return; }
	echo CCCC >"$m/rn/c"
	echo DDDD >"$m/rn/d"
	ls -l "$m/rn" >/dev/null
	fp lose-ctrl-reply-after 2
	r=$(py rename "$m/rn/c" "$m/rn/d")
	note "rename with its reply lost: $r; proxy: $(fp_stat lost_replies) lost replies"
	check "rename whose reply was lost: found out and reported done ($r)" [ "$r" = ok ]
	check "... the target holds the source's data" same_file "$TB_DATA/rn/d" <(echo CCCC)
	check "... the source is gone" gone "$TB_DATA/rn/c"
	check "... the proxy did lose a reply" [ "$(fp_stat lost_replies)" = 1 ]
	check "... the log says it looked" grep -q "reply was lost" "$m.log"
	fp cut-cancel
	it_umount "$m" 'reply was lost' || check "rename: unmounted" false
	proxy_stop
}

# ---------------------------------------------------------------------------
# the scripted server: rename-over refused, lost replies at each step,
# renames across folders, sizes unknown, a short RETR, a refused chmod

case_scripted() {
	local m=$work/msc r R k
	TB_NAME=scriptftp
	sftp_start --rule rnto-no-overwrite || { check "scriptftp started" false; return; }
	R=$SFTP_ROOT
	mkdir -p "$R/s" "$R/s/sub"
	smount "$m" -o keepalive=0 || { check "mounted" false; return; }

	echo AAAA >"$m/s/a"
	echo BBBB >"$m/s/b"
	r=$(py rename "$m/s/a" "$m/s/b")
	check "mv over a file on a server that refuses rename-over: ok ($r)" [ "$r" = ok ]
	check "... the target holds the source's data" same_file "$R/s/b" <(echo AAAA)
	check "... nothing left aside" no_temps "$R/s"

	# The connection lost at each step of the replace (moving the old
	# target aside, renaming the source, deleting the old one).
	for k in "drop-after RNTO 2" "drop-after RNTO 3" "drop-after DELE 1" "drop-before RNTO 3"; do
		echo "src $k" >"$m/s/x"
		echo "old target" >"$m/s/y"
		ls -l "$m/s" >/dev/null
		sctl arm "$k"
		r=$(py rename "$m/s/x" "$m/s/y")
		sctl disarm-all; sctl arm rnto-no-overwrite
		if [ "$r" = ok ]; then
			check "mv, $k: the target holds the source's data" same_file "$R/s/y" <(echo "src $k")
			check "mv, $k: the source is gone" gone "$R/s/x"
		else
			check "mv, $k failed ($r): both files intact" \
				same_file "$R/s/y" <(echo "old target")
			check "mv, $k failed: the source intact" same_file "$R/s/x" <(echo "src $k")
		fi
		check "mv, $k: nothing left aside" no_temps "$R/s"
	done

	# Uploads over an existing file, the same faults.
	for k in "" "drop-after RNTO 2" "drop-after RNTO 3" "drop-after RNTO 4" "drop-after DELE 1"; do
		echo "old version" >"$m/s/up"
		ls -l "$m/s" >/dev/null
		[ -z "$k" ] || sctl arm "$k"
		echo "new version ${k:-plain}" >"$m/s/up"
		r=$?
		sctl disarm-all; sctl arm rnto-no-overwrite
		check "upload over a file, rename-over refused${k:+, $k}: close ok ($r)" [ "$r" = 0 ]
		check "... the server has the new version" same_file "$R/s/up" <(echo "new version ${k:-plain}")
		check "... nothing left aside" no_temps "$R/s"
	done

	# The old version aside, the new one's rename refused and putting the
	# old one back refused too: the new data stays (never deleted) and is
	# renamed into place once the name is free.
	echo "old version" >"$m/s/st"
	ls -l "$m/s" >/dev/null
	sctl arm "drop-after RNTO 2"
	sctl arm "fail RNTO 3 550 Rename refused"
	sctl arm "fail RNTO 4 550 Rename refused"
	echo "stranded new version" >"$m/s/st"
	r=$?
	sctl disarm-all; sctl arm rnto-no-overwrite
	note "stranded upload: close gave $r"
	for ((k = 0; k < 150; k++)); do
		same_file "$R/s/st" <(echo "stranded new version") && break
		sleep 0.1
	done
	check "a stranded upload: the new version ends up in place (retried, or renamed later)" \
		same_file "$R/s/st" <(echo "stranded new version")
	check "... and the log named it" grep -q "kept on the server as" "$m.log"

	# A rename over a file that is open, the rename failing half way: the
	# target is never removed before the rename (libfuse's hide-first).
	sctl disarm-all
	mkdir -p "$m/o"
	echo "open target" >"$m/o/ot"
	echo "renamed source" >"$m/o/os"
	ls -l "$m/o" >/dev/null
	exec 7<"$m/o/ot"
	head -c 1 <&7 >/dev/null
	sctl arm "fail RNTO 2 550 Rename refused"
	r=$(py rename "$m/o/os" "$m/o/ot")
	exec 7<&-
	sleep 0.5
	if [ "$r" = ok ]; then
		check "mv over an open file: the target holds the source" same_file "$R/o/ot" <(echo "renamed source")
	else
		check "mv over an open file failed ($r): the target intact" same_file "$R/o/ot" <(echo "open target")
	fi
	check "mv over an open file: nothing left aside or hidden" test -z "$(ls -A "$R/o" | grep -v '^o[st]$')"
	sctl disarm-all; sctl arm rnto-no-overwrite

	# RENAME_NOREPLACE with a target another client made after the listing:
	# EEXIST, and the target is never replaced (nor moved aside).
	echo "nr source" >"$m/s/nrs"
	ls -l "$m/s" >/dev/null
	echo "their file" >"$R/s/nrt"
	r=$(py noreplace "$m/s/nrs" "$m/s/nrt")
	check "RENAME_NOREPLACE onto a file another client made: EEXIST ($r)" [ "$r" = EEXIST ]
	check "... their file intact" same_file "$R/s/nrt" <(echo "their file")
	check "... the source intact" same_file "$R/s/nrs" <(echo "nr source")

	# O_CREAT without O_TRUNC on a name another client took after the
	# listing (echo >> log): the file is kept, not replaced.
	ls -l "$m/s" >/dev/null
	echo "first line" >"$R/s/log"
	echo "second line" >>"$m/s/log"
	check "appending to a file another client just made keeps its content" \
		same_file "$R/s/log" <(printf 'first line\nsecond line\n')

	# A rename into another folder the server refuses: EXDEV, both intact.
	sctl arm rnto-other-dir-refused
	echo "moving" >"$m/s/mv1"
	echo "target in sub" >"$m/s/sub/mv1"
	ls -l "$m/s" "$m/s/sub" >/dev/null
	r=$(py rename "$m/s/mv1" "$m/s/sub/mv1")
	check "a rename across folders the server refuses: EXDEV ($r)" [ "$r" = EXDEV ]
	check "... the source intact" same_file "$R/s/mv1" <(echo moving)
	check "... the target intact" same_file "$R/s/sub/mv1" <(echo "target in sub")
	it_umount "$m" 'plaintext|reply was lost|could not|kept on the server|stays|exists again|trying again|rename|Rename' ||
		check "scripted: unmounted" false
	sftp_stop

	# Sizes unknown: MLSD without the size fact, and no SIZE at all.
	sftp_start --rule mlsd-no-size || { check "scriptftp (no sizes) started" false; return; }
	R=$SFTP_ROOT
	printf 0123456789 >"$R/digits"
	printf 0123456789 >"$R/digits2"
	printf 0123456789 >"$R/t1"
	printf 0123456789 >"$R/t2"
	smount "$m" || { check "mounted (no sizes)" false; return; }
	check "MLSD without sizes: stat gives the size (SIZE)" [ "$(stat -c %s "$m/digits")" = 10 ]
	check "... cat gives every byte" same_file "$m/digits" "$R/digits"
	r=$(py pwrite "$m/digits" 0 X)
	check "... a write at 0 changes one byte ($r)" same_file "$R/digits" <(printf X123456789)
	sctl arm no-size-cmd
	r=$(py pwrite "$m/digits2" 0 Y)
	check "no size at all: a write at 0 still keeps the rest ($r)" \
		same_file "$R/digits2" <(printf Y123456789)
	r=$(py trunc_open "$m/t1" "$m/t2")
	check "no size at all: O_TRUNC while the file is open cuts it ($r)" same_file "$R/t1" <(printf abc)
	check "no size at all: ftruncate(0) cuts it" same_file "$R/t2" <(printf xyz)
	it_umount "$m" plaintext || check "no sizes: unmounted" false
	sftp_stop

	# A RETR cut short that the server answers with 226 (plain FTP: no
	# close_notify to tell; the size does).
	sftp_start || { check "scriptftp started" false; return; }
	R=$SFTP_ROOT
	py gen "$R/hundredk" 100000 5
	smount "$m" -o dir_cache=0 || { check "mounted" false; return; }
	sctl arm "truncate-retr 1000"
	check "a RETR cut after 1000 bytes with 226: cat gets every byte" same_file "$m/hundredk" "$R/hundredk"
	sctl arm "fail SITE 1 550 Permission denied"
	r=$(py mkdir "$m/dmode" 700)
	check "mkdir with a refused SITE CHMOD: ok ($r)" [ "$r" = ok ]
	check "... the mount does not show the mode it could not set" [ "$(py mode "$m/dmode")" != 0700 ]
	it_umount "$m" 'plaintext|resuming|ended after' || check "short RETR: unmounted" false
	sftp_stop

	# A read from an offset whose data connection cannot be set up: the
	# server keeps the REST marker for the connection's next transfer
	# command. The next download from the start, and the next upload, on
	# that connection (one connection: it must be the same) must not
	# begin there.
	sftp_start || { check "scriptftp started" false; return; }
	R=$SFTP_ROOT
	py gen "$R/ra" 300000 11
	py gen "$R/rb" 300000 12
	m=$work/mrest
	smount "$m" -o max_conns=1 -o dir_cache=60 || { check "mounted" false; return; }
	ls -l "$m" >/dev/null
	# (the kernel tries a failed read again: every try is refused)
	for k in 1 2 3 4; do sctl arm "fail EPSV $k 530 No data connections for you"; done
	dd if="$m/ra" of=/dev/null bs=4096 skip=25 count=1 2>/dev/null
	note "read at 100 KiB with EPSV refused: dd gave $?"
	sctl disarm-all
	echo "a new file after a stranded REST" >"$m/rnew"
	check "after a REST whose transfer never started: an upload writes from the start" \
		same_file "$R/rnew" <(echo "a new file after a stranded REST")
	for k in 1 2 3 4; do sctl arm "fail EPSV $k 530 No data connections for you"; done
	dd if="$m/ra" of=/dev/null bs=4096 skip=30 count=1 2>/dev/null
	sctl disarm-all
	check "... and a download from 0 reads from 0" same_file "$m/rb" "$R/rb"
	r=$(py rest_orphans "$work/sftp.log")
	check "... every REST went out just before its transfer command ($r)" [ "$r" = none ]
	it_umount "$m" 'plaintext|No data connections|ended after|Permission|resuming' ||
		check "stranded REST: unmounted" false

	# An upload at close that fails after a truncate or a write through
	# the descriptor: the kernel must not go on showing the size it saw
	# (its attributes live as long as dir_cache): it would cut reads of
	# the server's version short.
	py gen "$R/kt" 50000 13
	smount "$m" -o dir_cache=60 || { check "mounted" false; return; }
	ls -l "$m" >/dev/null
	sctl arm "fail STOR 1 553 Could not create file"
	r=$(py ftruncate "$m/kt" 0)
	check "ftruncate to 0, upload refused: close fails ($r)" [ "$r" != ok ]
	sleep 0.3   # the kernel is told from a thread of its own
	check "... stat shows the server's size again ($(stat -c %s "$m/kt"))" \
		[ "$(stat -c %s "$m/kt")" = 50000 ]
	check "... and reads give the server's version" same_file "$m/kt" "$R/kt"
	sctl arm "fail STOR 1 553 Could not create file"
	r=$(py pwrite "$m/kt" 80000 grown)
	check "a write past the end, upload refused: close fails ($r)" [ "$r" != ok ]
	sleep 0.3
	check "... stat shows the server's size again ($(stat -c %s "$m/kt"))" \
		[ "$(stat -c %s "$m/kt")" = 50000 ]

	# An append whose upload fails at close, then another append with no
	# stat between them (a shell's >>): the kernel places an O_APPEND
	# write at the size it last saw - the failed append's end. The bytes
	# must go at the end of the file as it is, with no gap.
	py gen "$work/ka.base" 3448 14
	cp "$work/ka.base" "$m/ka"
	stat "$m/ka" >/dev/null
	sctl arm "fail APPE 1 553 Could not create file"
	sctl arm "fail STOR 1 553 Could not create file"   # the whole-file fallback
	r=$(py append "$m/ka" "lost append")
	check "an append refused at close: close fails ($r)" [ "$r" != ok ]
	r=$(py append "$m/ka" "second append")
	check "... the next append succeeds ($r)" [ "$r" = ok ]
	check "... and lands at the end of the server's version, with no gap ($(stat -c %s "$R/ka") bytes)" \
		same_file "$R/ka" <(cat "$work/ka.base"; printf "second append")
	check "... which is what the mount shows" same_file "$m/ka" "$R/ka"

	# An append that lands whole while its reply is lost, and the server
	# cannot be asked for a while (the three resumes and the check after
	# them lose their SIZE): the next try finds the bytes there. It is a
	# success, and nothing is appended twice.
	py gen "$work/kb.base" 4000 15
	cp "$work/kb.base" "$m/kb"
	stat "$m/kb" >/dev/null
	sctl arm "drop-after APPE 1"
	for k in 2 3 4 5; do sctl arm "drop-before SIZE $k"; done
	r=$(py append "$m/kb" "appended once")
	check "an append whose reply was lost, found on the server later: close ok ($r)" \
		[ "$r" = ok ]
	check "... and the server has it once ($(stat -c %s "$R/kb") bytes)" \
		same_file "$R/kb" <(cat "$work/kb.base"; printf "appended once")
	sctl disarm-all

	# An upload that fails after its temporary file is there, and whose
	# removal of it fails too: the temporary file is removed later, never
	# left behind.
	sctl arm "drop-before SIZE 1"
	sctl arm "drop-before DELE 1"
	echo "uploaded in the end" >"$m/lt"
	r=$?
	check "an upload whose check and clean-up both lost the connection: close ok ($r)" \
		[ "$r" = 0 ]
	check "... the server has it" same_file "$R/lt" <(echo "uploaded in the end")
	for ((k = 0; k < 100; k++)); do no_temps "$R" && break; sleep 0.1; done
	check "... and no temporary file is left" no_temps "$R"
	it_umount "$m" 'plaintext|Could not create|could not|failed|closed|reset' ||
		check "failed close: unmounted" false
	sftp_stop
	m=$work/msc

	# An append the server refuses (APPE) while another client made the
	# file longer: the whole-file fallback must not write the other
	# client's bytes over the appended ones in the spool, which is kept.
	sftp_start || { check "scriptftp started" false; return; }
	R=$SFTP_ROOT
	printf aaaa >"$R/ap"
	smount "$m" -o dir_cache=60 -o spool_dir="$work/spool-ap" || { check "mounted" false; return; }
	ls -l "$m" >/dev/null
	sctl arm "fail APPE 1 451 Append not permitted"
	rm -f "$work/ap.written" "$work/ap.go"
	py append_kept "$m/ap" "$work/ap.written" "$work/ap.go" >"$work/ap.out" &
	k=$!
	for ((r = 0; r < 200; r++)); do [ -e "$work/ap.written" ] && break; sleep 0.05; done
	printf bbbb >>"$R/ap"    # another client, meanwhile
	touch "$work/ap.go"
	wait "$k"
	r=$(cat "$work/ap.out")
	k=$(sed -n 's/.*kept in \([^ ]*\) from offset.*/\1/p' "$m.log" | tail -1)
	check "an append refused while the file changed: close fails ($r)" [ "$r" != ok ]
	check "... the spool file keeps the appended bytes at their offset ($k)" \
		bash -c "[ -f '$k' ] && [ \"\$(dd if='$k' bs=1 skip=4 count=2 2>/dev/null)\" = XX ]"
	check "... the server has the other client's version" same_file "$R/ap" <(printf aaaabbbb)
	it_umount "$m" 'plaintext|changed|kept|appended|could not' || check "append: unmounted" false
	sftp_stop

	# A server that asks for an account (ACCT, from the netrc): it never
	# shows in the log, even at trace level.
	sftp_start --account Acct-Sekrit-7 || { check "scriptftp (ACCT) started" false; return; }
	printf 'machine 127.0.0.1 login tester password secret account Acct-Sekrit-7\n' >"$work/netrc"
	chmod 600 "$work/netrc"
	mkdir -p "$m"
	setsid -w timeout 60 "$FTPSFS" -f -o plaintext -o "netrc=$work/netrc" -o loglevel=trace \
		-o spool_dir="$work/spool" "$SFTP_URL" "$m" </dev/null >"$work/acct.log" 2>&1 &
	k=$!
	for ((r = 0; r < 100; r++)); do mountpoint -q "$m" && break; sleep 0.1; done
	check "a server asking for ACCT: mounted with the netrc's account" mountpoint -q "$m"
	fusermount3 -u "$m" 2>/dev/null
	wait "$k"
	check "... the log shows ACCT masked" grep -q "ACCT \*\*\*\*" "$work/acct.log"
	check "... and never the account" bash -c "! grep -q Acct-Sekrit-7 '$work/acct.log'"
	sftp_stop
}

# ---------------------------------------------------------------------------
# learnt once per server: a refusal met by one connection holds for all of
# them, opened before or after, with no round trip spent again

case_learnt() {
	local m=$work/mlearnt R r n0 n conns i pids
	TB_NAME=scriptftp
	sftp_start || { check "scriptftp started" false; return; }
	R=$SFTP_ROOT
	for i in 1 2 3 4 5 6; do py gen "$R/l$i" 300000 $((20 + i)); done
	smount "$m" -o max_conns=4 -o spool_dir="$work/spool-learnt" || { check "learnt: mounted" false; return; }
	ls -l "$m" >/dev/null
	n0=$(($(wc -l <"$work/sftp.log") + 1))
	sctl arm "fail EPSV 1 500 EPSV not understood"
	cat "$m/l1" >/dev/null
	pids=()
	for i in 2 3 4 5 6; do
		cat "$m/l$i" >"$work/l$i.got" &
		pids+=($!)
	done
	wait "${pids[@]}"
	r=0
	for i in 2 3 4 5 6; do cmp -s "$work/l$i.got" "$R/l$i" || r=1; done
	check "learnt: five parallel reads after EPSV was refused are right" [ "$r" = 0 ]
	n=$(tail -n +"$n0" "$work/sftp.log" | grep -c ': > EPSV')
	conns=$(tail -n +"$n0" "$work/sftp.log" | sed -n 's/.* conn \([0-9]*\): > PASV.*/\1/p' |
		sort -u | wc -l)
	check "learnt: EPSV refused once is never asked again ($n EPSV), on any of the $conns connections" \
		[ "$n" = 1 ] && [ "$conns" -ge 2 ]
	grep -q 'learnt about the server: it refuses EPSV' "$m.log"
	check "learnt: the log says so, once ($(grep -c 'refuses EPSV' "$m.log"))" \
		[ "$(grep -c 'learnt about the server: it refuses EPSV' "$m.log")" = 1 ]
	it_umount "$m" 'plaintext|learnt' || check "learnt: unmounted" false
	sftp_stop
}

# ---------------------------------------------------------------------------
# short downloads through the proxy (no close_notify, 226 from the server)

case_short() {
	local m=$work/mshort r
	py gen "$work/big8" $((8 * MiB)) 8
	py gen "$work/edit4" $((4 * MiB)) 4
	mkdir -p "$TB_DATA/sh"
	cp "$work/big8" "$work/edit4" "$TB_DATA/sh/"
	chown -R "$TB_USER" "$TB_DATA/sh"
	proxy_start || { check "short: proxy" false; return; }
	pmount "$m" -o keepalive=0 || { check "short: mounted" false; return; }
	ls -l "$m/sh" >/dev/null
	fp truncate-data-after 1000000
	check "a read cut cleanly after 1 MB (226 from the server): every byte arrives" \
		same_file "$m/sh/big8" "$work/big8"
	check "... the proxy did truncate a stream" [ "$(fp_stat truncations)" -ge 1 ]
	# An edit: the whole file comes into the spool first, through a cut.
	fp truncate-data-after 1500000
	r=$(py pwrite "$m/sh/edit4" 100 "0123456789")
	python3 -c "
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); b[100:110] = b'0123456789'
open(sys.argv[2], 'wb').write(b)" "$work/edit4" "$work/edit4.want"
	check "an edit whose download was cut: written ($r)" [ "$r" = ok ]
	check "... the server's file is the whole file with the edit" same_file "$TB_DATA/sh/edit4" "$work/edit4.want"
	fp cut-cancel
	it_umount "$m" 'resuming|ended without|cut short' || check "short: unmounted" false
	proxy_stop
}

# ---------------------------------------------------------------------------
# readers queue

case_readers() {
	local m=$work/mread i pids=() ok=0 t0
	mkdir -p "$TB_DATA/rq"
	for ((i = 1; i <= 16; i++)); do py gen "$TB_DATA/rq/f$i" $((3 * MiB + i)) "$i"; done
	chown -R "$TB_USER" "$TB_DATA/rq"
	proxy_start --delay-ms 10 || { check "readers: proxy" false; return; }
	pmount "$m" -o max_conns=2 || { check "readers: mounted" false; return; }
	ls -l "$m/rq" >/dev/null
	t0=$SECONDS
	for ((i = 1; i <= 16; i++)); do
		(timeout 60 cmp -s "$m/rq/f$i" "$TB_DATA/rq/f$i" && echo ok >"$work/rq.$i") &
		pids+=($!)
	done
	wait "${pids[@]}"
	for ((i = 1; i <= 16; i++)); do [ -e "$work/rq.$i" ] && ok=$((ok + 1)); done
	note "readers: $ok of 16 right in $((SECONDS - t0)) s (max_conns=2, 20 ms round trip)"
	check "16 parallel readers, 2 connections, 20 ms: all 16 byte-correct" [ "$ok" = 16 ]
	it_umount "$m" || check "readers: unmounted" false
	proxy_stop
	rm -rf "$TB_DATA/rq"
}

# ---------------------------------------------------------------------------
# no lock held across network I/O blocks other files

case_locks() {
	local m=$work/mlock out worst pid
	py gen "$work/up24" $((24 * MiB)) 24
	mkdir -p "$TB_DATA/lk"
	py gen "$TB_DATA/lk/edit24" $((24 * MiB)) 25
	echo small >"$TB_DATA/lk/other1"
	echo small >"$TB_DATA/lk/other2"
	chown -R "$TB_USER" "$TB_DATA/lk"
	proxy_start || { check "locks: proxy" false; return; }
	pmount "$m" || { check "locks: mounted" false; return; }
	ls -l "$m/lk" >/dev/null
	fp rate 4000000
	# An upload: cp's close waits for it (24 MiB at 4 MB/s).
	rm -f "$work/stop"
	(cp "$work/up24" "$m/lk/up24"; touch "$work/stop") &
	pid=$!
	sleep 1
	out=$(py latency "$m/lk" "$work/stop" "$m/lk/other1" "$m/lk/other2")
	wait "$pid"
	worst=${out%% *}
	note "locks: during an upload, the slowest stat/open/ls -l took $worst ms ($out)"
	check "during an upload, stat, open and ls -l of the folder answer within 1 s ($worst ms)" \
		[ "$worst" -lt 1000 ]
	check "... and the upload is right" same_file "$TB_DATA/lk/up24" "$work/up24"
	# A download into the spool for an edit.
	rm -f "$work/stop"
	(python3 "$work/h.py" pwrite "$m/lk/edit24" 5 x >/dev/null; touch "$work/stop") &
	pid=$!
	sleep 1
	out=$(py latency "$m/lk" "$work/stop" "$m/lk/other1" "$m/lk/other2")
	wait "$pid"
	worst=${out%% *}
	note "locks: during a download for an edit, the slowest took $worst ms ($out)"
	check "during a download for an edit, the same within 1 s ($worst ms)" [ "$worst" -lt 1000 ]
	fp rate 0
	it_umount "$m" || check "locks: unmounted" false
	proxy_stop
	rm -rf "$TB_DATA/lk"
}

# ---------------------------------------------------------------------------
# an edit survives connections dropped every second

case_edit() {
	local m=$work/medit out rc
	proxy_start || { check "edit: proxy" false; return; }
	pmount "$m" -o timeout=10 || { check "edit: mounted" false; return; }
	mkdir -p "$m/ed"
	fp reset-every 1
	out=$($T python3 "$top_srcdir/tests/tools/fsxlite.py" "$m/ed/f" --ops 3000 --reopen 20 \
		--maxlen $((2 * MiB)) --seed 7 --model "$work/fsx.model" 2>&1)
	rc=$?
	fp reset-every 0
	note "edit: $out (proxy: $(fp_stat periodic_resets) rounds of resets)"
	check "fsxlite with every connection reset once a second: no error reaches it" [ "$rc" = 0 ]
	# A failure here was seen only under CI's load: keep what the daemon
	# said about it in the test's output.
	[ "$rc" = 0 ] || { echo "the daemon's last words:"; grep -v ' debug' "$m.log" | tail -40; } >&2
	check "... the server's file is what the program wrote" same_file "$TB_DATA/ed/f" "$work/fsx.model"
	it_umount "$m" '.' || check "edit: unmounted" false
	proxy_stop
}

# ---------------------------------------------------------------------------

run_case() {
	local t0=$SECONDS
	"case_$1"
	echo "INFO: case $1 on ${TB_NAME:-?} took $((SECONDS - t0)) s"
}

for s in vsftpd-explicit proftpd; do
	it_start "$s" || continue
	for c in $cases; do
		case $c in
		scripted | learnt) ;;    # once, below
		short | readers | locks) [ "$s" = vsftpd-explicit ] && run_case "$c" ;;
		*) run_case "$c" ;;
		esac
	done
	tb_stop "$s" 2>/dev/null
done
for c in scripted learnt; do
	[[ " $cases " == *" $c "* ]] && run_case "$c"
done
echo "INFO: run time: $((SECONDS - t_start)) s"
it_summary
