#!/bin/bash
# tests/integration/faults.sh - issue 6: a mount rides through network
# faults and loses nothing.
#
# vsftpd-explicit (require_ssl_reuse=YES) runs on 127.0.0.1; the fault
# proxy (tests/tools/faultproxy.py) listens on 127.0.0.2 on the same control
# and passive ports and forwards everything; ftpsfs mounts 127.0.0.2 with the
# certificate pinned (-o fingerprint). Since ftpsfs connects data
# connections to the control connection's peer, every byte crosses the
# proxy, which cuts, resets, stalls or refuses connections on command.
# Every case checks the data byte for byte (SHA-256 on both sides):
#
#   1  idle control connections reset: ls of an uncached folder and cat
#      work, no error reaches the user
#   2  the data connection of a 50 MiB read reset after 20 MiB: the reader
#      gets every byte right (it resumes with REST)
#   3a a streamed upload (cp of 50 MiB over an existing file) cut after
#      20 MiB: the daemon resumes with APPE from the bytes it keeps in memory
#      and the server ends with the new file (had close failed instead, the
#      earlier version must be intact; that outcome is reported and fails)
#   3b a spooled upload (an in-place edit of an existing file) cut while
#      close uploads it: retried, the server's file is right
#   3c the same, with the server down right after the cut for longer than
#      the daemon retries (-o timeout=4 for cases 2 and 3: uploads are tried
#      again for as long): close fails with EIO, the earlier version stays
#      intact, the edited file is kept in the spool folder and a log line
#      names it
#   3d a streamed upload of 20 MiB cut with the server down after: cp
#      fails with EIO, the earlier version stays intact, the 20 MiB written
#      are kept in the spool folder and a log line names the file
#      (3c, 3d: a temporary file that could not be removed from the server
#      while it was down is named in the log and removed once it is back)
#   4  -o timeout=3 and the server down (connections refused, open ones
#      dropped), then hung (connections accepted, nothing answered): ls of
#      an uncached folder and cat fail within the timeout (measured), with
#      EIO while the server is down and ETIMEDOUT while it hangs, the mount stays alive and works again by itself
#   5  vsftpd with max_per_ip=2 (421 beyond), -o max_conns=4, four parallel
#      readers: all read right, no error reaches the user
#   6  vsftpd with idle_session_timeout=4, -o keepalive=2: after 10 s idle
#      ls and cat work on the same control connections (no reconnect: the
#      proxy saw no new control connection)
#   7  a file open for writing with 5 MiB written when the daemon gets
#      SIGTERM (and again with SIGINT): the daemon finishes the upload
#      before it exits, and the server has the file; the same with the
#      server down: the data are kept in the spool
#      folder with a log line; fusermount3 -u right after cp: the file is
#      on the server
#   8  a stall longer than -o timeout=3 during a read: the program's read
#      fails with ETIMEDOUT in bounded time (measured), the mount
#      stays alive and the file reads right once the stall ends
#
#  10  the server restarted for real (tb_restart: every session cut, back
#      1 s later on the same port): while idle, ls and cat work; in the
#      middle of a 100 MiB read, the reader gets every byte; in the middle
#      of a 300 MiB streamed upload, cp succeeds and the server has the file
#   9  ProFTPD (which refuses APPE by default): a streamed upload of 40 MiB
#      cut after 20 MiB starts over from the spool copy and cp succeeds
#
# Knobs: FAULTS_CASES="1 2 3 4 5 6 7 8 9 10" (a subset), FAULTS_OPTS (more mount
# options, e.g. "-o loglevel=debug"), FAULTS_KEEP=1 (keep the work folder
# with the daemon's and the proxy's logs).
#
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
T="timeout 120"          # bound for every command on the mount
MiB=$((1024 * 1024))
t_start=$SECONDS

it_setup faults
if ! python3 -c 'import socket; socket.socket().bind(("127.0.0.2", 0))' 2>/dev/null; then
	echo "SKIP: cannot bind 127.0.0.2 (the proxy's address)"
	exit 77
fi
mkdir -p "$work/src"      # local copies of every file, to compare with
helper_pids=()

# Run at exit by lib.sh, after every unmount and before the proxy stops.
it_teardown() {
	local p
	for p in "${helper_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
}

# ---------------------------------------------------------------------------
# The proxy (proxy.sh: proxy_start, fp, fp_stat, pmount, proxy_stop)

# shellcheck source=tests/integration/proxy.sh
. "$top_srcdir/tests/integration/proxy.sh"

daemon_pid() { echo "${it__pids[$1]:-}"; }

# wait_gone PID SECONDS: true when PID exits in time.
wait_gone() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------------
# Helpers in python: errno names and timings, writers that do not close.

cat >"$work/h.py" <<'EOF'
import errno, hashlib, os, random, sys, time

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

def sha_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)

def try_op(op, path):
    # "ok RESULT SECONDS" or "err ENAME SECONDS"
    t = time.monotonic()
    try:
        if op == "ls":
            res = str(len(os.listdir(path)))
        elif op == "cat":
            res = sha_file(path)
        elif op == "stat":
            res = str(os.stat(path).st_size)
        else:
            raise SystemExit("unknown op " + op)
        print("ok %s %.2f" % (res, time.monotonic() - t))
    except OSError as e:
        print("err %s %.2f" % (ename(e), time.monotonic() - t))

def wait_file(path, limit):
    end = time.monotonic() + limit
    while not os.path.exists(path):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True

def hold(path, size, seed, ready, limit):
    # Write size bytes and keep the file open (no close, no fsync).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    r = random.Random(seed)
    left = size
    while left:
        n = min(left, 1 << 20)
        os.write(fd, r.randbytes(n))
        left -= n
    open(ready, "w").close()
    time.sleep(limit)
    try:
        os.close(fd)
    except OSError:
        pass

def read_pause(path, first, ready, go):
    # Read `first` bytes, say so, wait for go, read the rest: "ok SHA256"
    # of the whole file, or "err ENAME".
    h = hashlib.sha256()
    try:
        with open(path, "rb", buffering=0) as f:
            got = 0
            while got < first:
                b = f.read(min(1 << 20, first - got))
                if not b:
                    break
                h.update(b)
                got += len(b)
            open(ready, "w").close()
            if not wait_file(go, 60):
                print("err no-go")
                return
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                h.update(b)
        print("ok " + h.hexdigest())
    except OSError as e:
        print("err %s" % ename(e))

def edit(path, off, size, seed):
    # Overwrite size bytes at off in place; errors of close count.
    r = random.Random(seed)
    try:
        fd = os.open(path, os.O_RDWR)
        os.pwrite(fd, r.randbytes(size), off)
        os.close(fd)
        print("ok")
    except OSError as e:
        print("err %s" % ename(e))

def edit_local(path, off, size, seed):
    r = random.Random(seed)
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(r.randbytes(size))

def stall_read(path, first, ready, go):
    # Read `first` bytes, say so, wait for go, then read on and time the
    # read that fails.
    with open(path, "rb", buffering=0) as f:
        got = 0
        while got < first:
            b = f.read(min(1 << 20, first - got))
            if not b:
                print("err EOF-too-early 0")
                return
            got += len(b)
        open(ready, "w").close()
        if not wait_file(go, 60):
            print("err no-go 0")
            return
        t = time.monotonic()
        while True:
            t1 = time.monotonic()
            try:
                b = f.read(1 << 20)
            except OSError as e:
                print("err %s %.2f %.2f" % (ename(e), time.monotonic() - t1,
                                           time.monotonic() - t))
                return
            if not b:
                print("ok eof %.2f" % (time.monotonic() - t))
                return

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "gen":
    gen(a[0], int(a[1]), int(a[2]))
elif cmd == "try":
    try_op(a[0], a[1])
elif cmd == "hold":
    hold(a[0], int(a[1]), int(a[2]), a[3], float(a[4]))
elif cmd == "read-pause":
    read_pause(a[0], int(a[1]), a[2], a[3])
elif cmd == "edit":
    edit(a[0], int(a[1]), int(a[2]), int(a[3]))
elif cmd == "edit-local":
    edit_local(a[0], int(a[1]), int(a[2]), int(a[3]))
elif cmd == "stall-read":
    stall_read(a[0], int(a[1]), a[2], a[3])
else:
    raise SystemExit("unknown command " + cmd)
EOF
h() { python3 "$work/h.py" "$@"; }

sha() { $T sha256sum <"$1" | cut -d' ' -f1; }

# gen FILE SIZE: random bytes.
gen() { head -c "$2" /dev/urandom >"$1"; }

# put NAME SIZE: a file of random bytes in the server's folder on disk,
# owned by the test user (so it can be replaced); its local copy in $work/src.
put() {
	mkdir -p "$(dirname "$work/src/$1")" "$(dirname "$TB_DATA/$1")"
	chown "$TB_USER:$TB_USER" "$(dirname "$TB_DATA/$1")"
	gen "$work/src/$1" "$2"
	cp "$work/src/$1" "$TB_DATA/$1"
	chown "$TB_USER:$TB_USER" "$TB_DATA/$1"
}

# same_file A B: byte for byte, by SHA-256 (both read once).
same_file() {
	local a b
	a=$(sha "$1") && b=$(sha "$2") && [ -n "$a" ] && [ "$a" = "$b" ]
}

# is_ok RESULT: a helper's "ok ..." (not "err ENAME ...").
is_ok() { [[ $1 == ok* ]]; }
# errno_in RESULT NAMES...: an "err NAME secs" result with one of NAMES.
errno_in() {
	local r=$1 n
	shift
	[[ $r == err* ]] || return 1
	for n in "$@"; do
		[ "$(awk '{print $2}' <<<"$r")" = "$n" ] && return 0
	done
	return 1
}
# field2 RESULT: its first two words ("ok 1", "err EIO").
field2() { awk '{print $1, $2}' <<<"$1"; }
# no_warnings LOG: the daemon logged no warning or error.
no_warnings() { ! grep -E 'warn|error' "$1"; }
# secs_le RESULT MAX: the elapsed time (last field) is at most MAX.
secs_le() { awk -v m="$2" '{ exit !($NF + 0 <= m) }' <<<"$1"; }

# no_temp_files: no ".NAME.ftpsfs-XXXXXX" left in the server's folder.
no_temp_files() { ! find "$TB_DATA" -name '.*.ftpsfs-*' | grep -q .; }

note() { printf 'INFO: %s\n' "$*"; }

# wait_for SECONDS CMD...: until CMD succeeds (polled every 0.05 s).
wait_for() {
	local i n=$(($1 * 20))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# stop_daemon LABEL MNT SIGNAL HOLDER: signal the mount's daemon, check
# that it exits within 30 s, then end the writer HOLDER and clean up.
stop_daemon() {
	local pid
	pid=$(daemon_pid "$2")
	kill -"$3" "$pid"
	if wait_gone "$pid" 30; then
		check "$1: the daemon exits within 30 s" true
		wait "$pid" 2>/dev/null
		unset "it__pids[$2]"
	else
		check "$1: the daemon exits within 30 s" false
	fi
	kill "$4" 2>/dev/null
	wait "$4" 2>/dev/null
	it__cleanup "$2"
}

# wait_up: until the proxy is up again after a down-for (bounded).
wait_up() {
	local i
	for ((i = 0; i < 150; i++)); do
		[ "$(fp_stat down)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# temp_report CASE LOG: a temporary upload file that a failed upload left
# on the server (it cannot be removed while the server is down) must be
# named in the log, and the daemon removes it once the server is back (it
# tries again after 5, 10, 20 s): waited for up to 40 s. With "exited" as
# a third argument the daemon is gone, and its last words must name what it
# left. Whatever is still there then is removed here for the next case.
temp_report() {
	local left f i t0=$SECONDS
	left=$(find "$TB_DATA" -name '.*.ftpsfs-*' -printf '%f ')
	[ -n "$left" ] || return 0
	note "$1: temporary file(s) left on the server while it was down: $left"
	for f in $left; do
		check "$1: the log names the temporary file $f left on the server" \
			grep -q "could not remove the temporary file .*$f" "$2"
	done
	if [ "${3:-}" = exited ]; then
		for f in $left; do
			check "$1: at exit, the log says $f is left on the server" \
				grep -q "temporary file .*$f is left on the server" "$2"
		done
		find "$TB_DATA" -name '.*.ftpsfs-*' -delete
		return
	fi
	for ((i = 0; i < 400; i++)); do
		no_temp_files && break
		sleep 0.1
	done
	note "$1: the daemon removed them $((SECONDS - t0)) s after the server came back"
	check "$1: the daemon removes the temporary files once the server is back" no_temp_files
	for f in $left; do
		check "$1: the log says $f was removed" grep -q "removed the temporary file .*$f" "$2"
	done
	find "$TB_DATA" -name '.*.ftpsfs-*' -delete
}

# The log lines a mount through faults may print; anything else fails it_umount.
ALLOW_FAULTS='resuming|interrupted|trying again|closed the control connection|reset|no data for|timed out|within|refused|Connection|connection'

# ===========================================================================
# The cases. Each mounts, injects its fault, checks, unmounts.

case_1() {     # an idle control connection dropped
	local m=$work/m1 n r
	put f1 $((3 * MiB))
	put d1/inner $((1 * MiB))
	pmount "$m" || { check "1: mounted through the proxy" false; return; }
	check "1: cat before the fault" same_file "$m/f1" "$work/src/f1"
	sleep 1
	fp reset-all
	n=${fp_reply#ok }
	check "1: the proxy reset the idle connections ($n)" test "${n:-0}" -ge 1
	r=$(h try ls "$m/d1")
	check "1: ls of an uncached folder after the reset: $r" test "$(field2 "$r")" = "ok 1"
	check "1: cat after the reset" same_file "$m/f1" "$work/src/f1"
	check "1: cat of a file in that folder" same_file "$m/d1/inner" "$work/src/d1/inner"
	check "1: no error logged" it_umount "$m"
}

case_2_3() {   # a read cut in the middle; uploads cut in the middle
	local m=$work/m2 cuts0 t0 old rc r kept
	put big $((50 * MiB))
	put edit3b $((30 * MiB))
	put up3a $((1 * MiB))             # the earlier version, replaced by cp
	gen "$work/src/new3a" $((50 * MiB))
	cp "$work/src/edit3b" "$work/src/edit3b.want"
	h edit-local "$work/src/edit3b.want" $((7 * MiB + 123)) $((2 * MiB)) 34
	put edit3c $((8 * MiB))
	cp "$work/src/edit3c" "$work/src/edit3c.want"
	h edit-local "$work/src/edit3c.want" $((3 * MiB)) $((1 * MiB)) 36
	put up3d $((1 * MiB))
	put edit3e $((8 * MiB))
	cp "$work/src/edit3e" "$work/src/edit3e.want"
	h edit-local "$work/src/edit3e.want" $((5 * MiB)) $((1 * MiB)) 39
	gen "$work/src/new3d" $((20 * MiB))
	# -o timeout=4: the retries of an upload from the spool last as long.
	pmount "$m" -o spool_dir="$work/spool" -o timeout=4 ||
		{ check "2: mounted through the proxy" false; return; }
	cuts0=$(fp_stat cuts)

	fp cut-data-after $((20 * MiB))
	t0=$SECONDS
	check "2: a 50 MiB read with its data connection reset after 20 MiB reads right" \
		same_file "$m/big" "$work/src/big"
	fp wait-cut 1
	check "2: the proxy did cut the read" test "$(fp_stat cuts)" -eq $((cuts0 + 1))
	check "2: the reader resumed (log)" grep -q 'resuming at offset' "$m.log"
	note "2: the read with a cut took $((SECONDS - t0)) s"

	# 3a: a streamed upload over an existing file.
	old=$(sha "$work/src/up3a")
	fp cut-upload-after $((20 * MiB))
	rc=0
	$T cp "$work/src/new3a" "$m/up3a" 2>"$work/cp3a.err" || rc=$?
	fp wait-cut 1
	check "3a: the proxy did cut the upload" test "$(fp_stat cuts)" -eq $((cuts0 + 2))
	if [ "$rc" -eq 0 ]; then
		note "3a: cp succeeded: the daemon resumed the streamed upload"
		check "3a: after the resumed upload the server has the new file" \
			same_file "$TB_DATA/up3a" "$work/src/new3a"
	else
		note "3a: cp failed ($(tr '\n' ' ' <"$work/cp3a.err")): the upload was not resumed"
		check "3a: after the failed upload the earlier version is intact" \
			test "$(sha "$TB_DATA/up3a")" = "$old"
		check "3a: the streamed upload resumes instead of failing" false
	fi
	check "3a: the resume is logged" grep -q 'interrupted after' "$m.log"
	check "3a: no temporary file left on the server" no_temp_files
	check "3a: the mount reads the file back right" same_file "$m/up3a" "$TB_DATA/up3a"

	# 3b: a spooled upload: an in-place edit, cut while close uploads it.
	fp cut-upload-after $((10 * MiB))
	r=$(h edit "$m/edit3b" $((7 * MiB + 123)) $((2 * MiB)) 34)
	fp wait-cut 1
	check "3b: the proxy did cut the upload at close" test "$(fp_stat cuts)" -eq $((cuts0 + 3))
	check "3b: the in-place edit closes without error: $r" is_ok "$r"
	check "3b: the server has the edited file" same_file "$TB_DATA/edit3b" "$work/src/edit3b.want"
	check "3b: no temporary file left on the server" no_temp_files

	# 3c: a spooled upload that cannot complete: the server goes down right
	# after the cut, for longer than the daemon's retries last (4 s).
	fp cut-upload-after $((2 * MiB)) down-for 10
	r=$(h edit "$m/edit3c" $((3 * MiB)) $((1 * MiB)) 36)
	fp wait-cut 1
	note "3c: in-place edit, upload cut and the server down: close says $r"
	check "3c: close fails with EIO: $r" errno_in "$r" EIO
	check "3c: the earlier version on the server is intact" \
		same_file "$TB_DATA/edit3c" "$work/src/edit3c"
	kept=$(sed -n 's/.*edit3c.* kept in \([^ ]*\)$/\1/p' "$m.log" | tail -1)
	note "3c: log: $(grep 'edit3c' "$m.log" | tail -1)"
	check "3c: a log line names the spool file that keeps the changes ($kept)" test -n "$kept"
	check "3c: the spool file holds the edited file" same_file "$kept" "$work/src/edit3c.want"
	wait_up
	temp_report "3c" "$m.log"

	# 3d: a streamed upload of 20 MiB (more than a daemon could keep in
	# memory) that cannot complete: cut after 5 MiB, the server down for
	# longer than the resumes and the retries from the spool last.
	fp cut-upload-after $((5 * MiB)) down-for 10
	rc=0
	$T cp "$work/src/new3d" "$m/up3d" 2>"$work/cp3d.err" || rc=$?
	fp wait-cut 1
	note "3d: cp over an existing file, upload cut and the server down: rc $rc: $(tr '\n' ' ' <"$work/cp3d.err")"
	check "3d: cp fails" test "$rc" -ne 0
	check "3d: ... with EIO" grep -q 'Input/output error' "$work/cp3d.err"
	check "3d: the earlier version on the server is intact" \
		same_file "$TB_DATA/up3d" "$work/src/up3d"
	kept=$(sed -n 's/.*up3d.* kept in \([^ ]*\)$/\1/p' "$m.log" | tail -1)
	note "3d: log: $(grep 'up3d' "$m.log" | tail -1)"
	check "3d: a log line names the spool file that keeps the new file ($kept)" test -n "$kept"
	[ -z "$kept" ] ||
		check "3d: the spool file holds all 20 MiB written" same_file "$kept" "$work/src/new3d"
	wait_up
	temp_report "3d" "$m.log"
	check "3d: the mount reads the earlier version" same_file "$m/up3d" "$work/src/up3d"

	# 3e: a spooled upload cut with the server down for 2 s after: longer
	# than the resumes last (~1.2 s), shorter than the retries from the
	# spool (the timeout, 4 s): the upload completes.
	fp cut-upload-after $((2 * MiB)) down-for 2
	r=$(h edit "$m/edit3e" $((5 * MiB)) $((1 * MiB)) 39)
	fp wait-cut 1
	note "3e: in-place edit, upload cut and the server down for 2 s: close says $r;" \
		"$(grep -c 'edit3e.*trying again' "$m.log") retries from the spool"
	check "3e: the in-place edit closes without error: $r" is_ok "$r"
	check "3e: the server has the edited file" same_file "$TB_DATA/edit3e" "$work/src/edit3e.want"
	check "3e: no temporary file left on the server (the failed try's is removed)" no_temp_files
	wait_up
	check "2/3: no unexpected error logged" it_umount "$m" "$ALLOW_FAULTS|kept in|could not be uploaded|failed"

	# The next mount with that spool folder reminds of what 3c and 3d kept.
	pmount "$m" -o spool_dir="$work/spool" || { check "2/3: mounted again" false; return; }
	note "2/3: the next mount says: $(grep 'spool folder' "$m.log")"
	check "2/3: the next mount names the 2 spool files that keep changes" \
		grep -q "keeps 2 files with changes that could not be uploaded" "$m.log"
	check "2/3: ... and nothing else" it_umount "$m" "keeps 2 files"
}

case_4() {     # the server down
	local m=$work/m4 r
	put d4/f4 $((2 * MiB))
	put f4 $((2 * MiB))
	put d4b/f $((1 * MiB))
	put f4b $((2 * MiB))
	pmount "$m" -o timeout=3 || { check "4: mounted through the proxy" false; return; }
	fp down
	r=$(h try ls "$m/d4")
	note "4: ls of an uncached folder, server down: $r"
	check "4: ls fails with EIO (refused is not a timeout): $r" errno_in "$r" EIO
	check "4: ... within the timeout (3 s + 1): $r" secs_le "$r" 4
	r=$(h try cat "$m/f4")
	note "4: cat, server down: $r"
	check "4: cat fails with EIO (refused is not a timeout): $r" errno_in "$r" EIO
	check "4: ... within the timeout (3 s + 1): $r" secs_le "$r" 4
	r=$(h try stat "$m")
	check "4: the mount stays alive (stat of its root): $r" is_ok "$r"
	check "4: the daemon still runs" kill -0 "$(daemon_pid "$m")"
	fp up
	r=$(h try ls "$m/d4")
	check "4: ls works again once the server is back: $r" test "$(field2 "$r")" = "ok 1"
	check "4: cat works again once the server is back" same_file "$m/f4" "$work/src/f4"
	check "4: cat in the folder" same_file "$m/d4/f4" "$work/src/d4/f4"

	# The server hung: connections open but nothing ever comes back.
	fp stall 30
	r=$(h try ls "$m/d4b")
	note "4: ls of an uncached folder, server hung: $r"
	check "4 hung: ls fails with ETIMEDOUT: $r" errno_in "$r" ETIMEDOUT
	check "4 hung: ... within the timeout (3 s + 2): $r" secs_le "$r" 5
	# Each operation is bounded by the timeout: a lookup (which may ask
	# MDTM for a LIST time to the minute, and falls back to it) first,
	# then the read.
	r=$(h try stat "$m/f4b")
	note "4: stat, server hung: $r"
	check "4 hung: stat ends within the timeout (3 s + 2): $r" secs_le "$r" 5
	r=$(h try cat "$m/f4b")
	note "4: cat, server hung: $r"
	check "4 hung: cat fails with ETIMEDOUT: $r" errno_in "$r" ETIMEDOUT
	check "4 hung: ... within the timeout (3 s + 2): $r" secs_le "$r" 5
	check "4 hung: the daemon still runs" kill -0 "$(daemon_pid "$m")"
	fp stall 0
	r=$(h try ls "$m/d4b")
	check "4 hung: ls works again once the server answers: $r" test "$(field2 "$r")" = "ok 1"
	check "4 hung: cat works again once the server answers" same_file "$m/f4b" "$work/src/f4b"
	check "4: no unexpected error logged" it_umount "$m" "$ALLOW_FAULTS"
}

case_8() {     # a stall longer than the timeout during a read
	local m=$work/m8 r hp i
	put stall8 $((24 * MiB))
	pmount "$m" -o timeout=3 || { check "8: mounted through the proxy" false; return; }
	rm -f "$work/ready8" "$work/go8"
	h stall-read "$m/stall8" $((12 * MiB)) "$work/ready8" "$work/go8" >"$work/r8" 2>&1 &
	hp=$!
	helper_pids+=("$hp")
	for ((i = 0; i < 300; i++)); do [ -e "$work/ready8" ] && break; sleep 0.1; done
	fp stall 40
	touch "$work/go8"
	wait_gone "$hp" 45
	fp stall 0
	wait_gone "$hp" 10 && wait "$hp" 2>/dev/null
	r=$(cat "$work/r8")
	note "8: read during a 40 s stall: $r"
	check "8: the read fails with ETIMEDOUT: $r" errno_in "$r" ETIMEDOUT
	check "8: ... in bounded time (< 30 s, the stall lasts 40): $r" secs_le "$r" 30
	check "8: the daemon still runs" kill -0 "$(daemon_pid "$m")"
	check "8: after the stall the file reads right" same_file "$m/stall8" "$work/src/stall8"
	check "8: no unexpected error logged" it_umount "$m" "$ALLOW_FAULTS"
}

# A launcher for the daemon that undoes what bash does to background jobs
# without job control (SIGINT ignored, which libfuse then leaves alone), so
# SIGINT reaches it as it would from a terminal.
printf '#!/usr/bin/python3\nimport os, signal, sys\nsignal.signal(signal.SIGINT, signal.SIG_DFL)\nos.execv("%s", ["%s"] + sys.argv[1:])\n' \
	"$FTPSFS" "$FTPSFS" >"$work/sigdfl"
chmod +x "$work/sigdfl"

case_7() {     # unmounting with an upload pending
	local m=$work/m7 sig name seed hp spooled
	# the same bytes as the writer's (h hold: seeded)
	h gen "$work/src/pend7" $((5 * MiB)) 71
	h gen "$work/src/pend7i" $((5 * MiB)) 72
	gen "$work/src/cp7" $((20 * MiB))
	# SIGTERM and SIGINT while a file is open for writing
	for sig in TERM INT; do
		name=pend7 seed=71
		[ "$sig" = INT ] && name=pend7i seed=72
		FTPSFS=$work/sigdfl pmount "$m" ||
			{ check "7: mounted through the proxy" false; continue; }
		rm -f "$work/ready7"
		h hold "$m/$name" $((5 * MiB)) "$seed" "$work/ready7" 60 &
		hp=$!
		helper_pids+=("$hp")
		check "7 SIG$sig: 5 MiB written, the file still open" wait_for 30 test -e "$work/ready7"
		stop_daemon "7 SIG$sig" "$m" "$sig" "$hp"
		note "7 SIG$sig: log: $(grep -o 'kept in [^ ]*' "$m.log" | head -1)"
		check "7 SIG$sig: the daemon finished the pending upload before exiting: the server has the file, byte for byte" \
			same_file "$TB_DATA/$name" "$work/src/$name"
		check "7 SIG$sig: no warning or error logged" no_warnings "$m.log"
	done
	# SIGTERM with a file open for writing while the server is down
	FTPSFS=$work/sigdfl pmount "$m" -o spool_dir="$work/spool7" -o timeout=3 ||
		{ check "7d: mounted through the proxy" false; return; }
	rm -f "$work/ready7"
	h hold "$m/pend7d" $((5 * MiB)) 74 "$work/ready7" 60 &
	hp=$!
	helper_pids+=("$hp")
	h gen "$work/src/pend7d" $((5 * MiB)) 74
	wait_for 30 test -e "$work/ready7"
	fp down
	stop_daemon 7d "$m" TERM "$hp"
	fp up
	spooled=$(sed -n 's/.*pend7d.* kept in \([^ ]*\)$/\1/p' "$m.log" | tail -1)
	note "7d: SIGTERM, server down: log: $(grep 'kept in' "$m.log" | tail -1)"
	check "7d: the pending upload is kept in the spool with a log line ($spooled)" \
		test -n "$spooled"
	[ -z "$spooled" ] ||
		check "7d: the spool file holds the data" same_file "$spooled" "$work/src/pend7d"
	check "7d: nothing under the final name on the server" test ! -e "$TB_DATA/pend7d"
	temp_report "7d" "$m.log" exited
	cp "$m.log" "$work/m7d.log"

	# fusermount3 -u right after cp
	pmount "$m" || { check "7c: mounted through the proxy" false; return; }
	$T cp "$work/src/cp7" "$m/cp7"
	check "7c: fusermount3 -u right after cp" it_umount "$m"
	check "7c: the server has the file, byte for byte" same_file "$TB_DATA/cp7" "$work/src/cp7"
}

case_5() {     # 421 too many connections (vsftpd max_per_ip=2)
	local m=$work/m5 i p pids=()
	for i in 1 2 3 4; do put "r5_$i" $((8 * MiB)); done
	pmount "$m" -o max_conns=4 || { check "5: mounted through the proxy" false; return; }
	for i in 1 2 3 4; do
		(same_file "$m/r5_$i" "$work/src/r5_$i" && echo ok >"$work/r5_$i.res") &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	for i in 1 2 3 4; do
		check "5: parallel reader $i of 4 reads right under max_per_ip=2" test -e "$work/r5_$i.res"
	done
	check "5: the pool learnt the cap (log)" grep -q 'allows no more connections' "$m.log"
	check "5: no error logged" it_umount "$m" 'allows no more connections'
}

case_9() {     # ProFTPD refuses APPE: a cut streamed upload starts over
	local m=$work/m9 rc cuts0
	put up9 $((1 * MiB))
	gen "$work/src/new9" $((40 * MiB))
	pmount "$m" || { check "9: mounted ProFTPD through the proxy" false; return; }
	cuts0=$(fp_stat cuts)
	fp cut-upload-after $((20 * MiB))
	rc=0
	$T cp "$work/src/new9" "$m/up9" 2>"$work/cp9.err" || rc=$?
	fp wait-cut 1
	check "9: the proxy did cut the upload" test "$(fp_stat cuts)" -eq $((cuts0 + 1))
	check "9: cp succeeds: $(tr '\n' ' ' <"$work/cp9.err")" test "$rc" -eq 0
	check "9: the server has the new file" same_file "$TB_DATA/up9" "$work/src/new9"
	check "9: ProFTPD refused to append and the daemon sent the file again (log)" \
		grep -q 'refuses to append' "$m.log"
	check "9: no temporary file left on the server" no_temp_files
	check "9: the mount reads the file back right" same_file "$m/up9" "$work/src/new9"
	check "9: no unexpected error logged" it_umount "$m" "$ALLOW_FAULTS"
}

# temp_over NAME SIZE: the server has a temporary upload file of NAME of
# at least SIZE bytes.
temp_over() { find "$TB_DATA" -name ".$1.ftpsfs-*" -size +"$2"c | grep -q .; }

case_10() {    # real server restarts
	local m=$work/m10 r wp
	put r10 $((100 * MiB))
	put d10/inner $((1 * MiB))
	gen "$work/src/w10" $((300 * MiB))
	pmount "$m" -o spool_dir="$work/spool10" || { check "10: mounted through the proxy" false; return; }
	check "10a: cat before the restart" same_file "$m/r10" "$work/src/r10"
	check "10a: the server restarts" tb_restart vsftpd-explicit 1
	r=$(h try ls "$m/d10")
	check "10a: ls of an uncached folder after the restart: $r" test "$(field2 "$r")" = "ok 1"
	check "10a: cat after the restart" same_file "$m/d10/inner" "$work/src/d10/inner"

	# a read across a restart
	rm -f "$work/ready10" "$work/go10"
	h read-pause "$m/r10" $((30 * MiB)) "$work/ready10" "$work/go10" >"$work/r10.res" &
	wp=$!
	helper_pids+=("$wp")
	check "10b: 30 MiB of a 100 MiB file read" wait_for 60 test -e "$work/ready10"
	check "10b: the server restarts in the middle of the read" tb_restart vsftpd-explicit 1
	touch "$work/go10"
	wait "$wp"
	r=$(cat "$work/r10.res")
	check "10b: the read across the restart gets every byte: $r" \
		test "$r" = "ok $(sha "$work/src/r10")"

	# a streamed upload across a restart
	rm -f "$work/cp10.rc"
	( rc=0; $T cp "$work/src/w10" "$m/w10" 2>"$work/cp10.err" || rc=$?; echo "$rc" >"$work/cp10.rc" ) &
	wp=$!
	helper_pids+=("$wp")
	check "10c: 30 MiB of a 300 MiB upload reached the server" wait_for 60 temp_over w10 $((30 * MiB))
	check "10c: the server restarts in the middle of the upload" tb_restart vsftpd-explicit 1
	wait "$wp"
	note "10c: $(grep -c 'w10.*resuming' "$m.log") resumes; $(grep -c 'w10.*spool' "$m.log") spool lines"
	check "10c: cp across the restart succeeds: $(tr '\n' ' ' <"$work/cp10.err")" \
		test "$(cat "$work/cp10.rc")" = 0
	check "10c: the server has the new file" same_file "$TB_DATA/w10" "$work/src/w10"
	check "10c: no temporary file left on the server" wait_for 30 no_temp_files
	check "10: no unexpected error logged" it_umount "$m" "$ALLOW_FAULTS|failed|temporary file"
}

case_6() {     # idle keepalive under the server's idle limit (idle_session_timeout=4)
	local m=$work/m6 r ctrl0 ctrl1
	put f6 $((1 * MiB))
	put d6/g6 $((1 * MiB))
	pmount "$m" -o keepalive=2 || { check "6: mounted through the proxy" false; return; }
	check "6: cat before idling" same_file "$m/f6" "$work/src/f6"
	ctrl0=$(fp_stat ctrl)
	sleep 10
	r=$(h try ls "$m/d6")
	check "6: ls of an uncached folder after 10 s idle: $r" test "$(field2 "$r")" = "ok 1"
	check "6: cat after 10 s idle" same_file "$m/d6/g6" "$work/src/d6/g6"
	ctrl1=$(fp_stat ctrl)
	check "6: no new control connection was needed ($ctrl0 -> $ctrl1)" test "$ctrl1" -eq "$ctrl0"
	check "6: no error logged" it_umount "$m"
}

# server CONFIG-LINES: (re)start vsftpd-explicit with extra configuration,
# and a proxy in front of it.
server() {
	proxy_stop
	tb_stop vsftpd-explicit
	TB_VSFTPD_EXTRA=$1 tb_start vsftpd-explicit || exit $?
	proxy_start || exit 99
}

cases=${FAULTS_CASES:-1 2 3 4 8 7 10 5 6 9}
wanted() { [[ " $cases " == *" $1 "* ]]; }
timed() {
	local t0=$SECONDS
	"$@"
	note "$1 took $((SECONDS - t0)) s"
}

if wanted 1 || wanted 2 || wanted 3 || wanted 4 || wanted 7 || wanted 8 || wanted 10; then
	server ""
	! wanted 1 || timed case_1
	! wanted 2 && ! wanted 3 || timed case_2_3
	! wanted 4 || timed case_4
	! wanted 8 || timed case_8
	! wanted 7 || timed case_7
	! wanted 10 || timed case_10
fi
if wanted 5; then
	server "max_per_ip=2"
	timed case_5
fi
if wanted 6; then
	server "idle_session_timeout=4"
	timed case_6
fi
if wanted 9; then
	proxy_stop
	tb_stop vsftpd-explicit
	tb_start proftpd || exit $?
	proxy_start || exit 99
	timed case_9
	proxy_stop
	tb_stop proftpd
fi
proxy_stop

note "run time: $((SECONDS - t_start)) s"
it_summary
