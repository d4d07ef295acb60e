#!/bin/bash
# tests/integration/hostile.sh - servers that break the rules.
#
# A scripted fake server (tests/tools/fakeftp.py, plain FTP) sends what real
# servers never do: oversized and endless replies, endless preliminary
# replies, garbage listings, hostile names, absurd sizes and dates, absurd
# EPSV ports, a huge listing, a byte-per-second drip, a reply cut in half.
# ftpsfs must give a clear error or a sane result, stay alive, keep its
# memory bounded, and never hang beyond its timeout.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
# shellcheck source=tests/testbed/testbed.sh
. "$top_srcdir/tests/testbed/testbed.sh"
# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

[ -e /dev/fuse ] || { echo "no /dev/fuse"; exit 77; }
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
mkdir -p "$top_builddir/tests/tmp"
work=$(mktemp -d "$top_builddir/tests/tmp/hostile.XXXXXX")
fake_pid=
daemon_pid=
mnt=$work/mnt
TB_NAME=fake

cleanup() {
	mountpoint -q "$mnt" 2>/dev/null && fusermount3 -u "$mnt" 2>/dev/null
	[ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null
	[ -z "$fake_pid" ] || kill "$fake_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

start_fake() {
	stop_fake
	rm -f "$work/port"
	python3 "$top_srcdir/tests/tools/fakeftp.py" "$1" "$work/port" 2>"$work/fake.log" &
	fake_pid=$!
	for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
	port=$(cat "$work/port")
	url="ftp://tester@127.0.0.1:$port/"
}

stop_fake() {
	[ -z "$fake_pid" ] || { kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; }
	fake_pid=
}

# mount_fake [options]: mount in the foreground in the background; returns
# 0 when mounted, 1 when the daemon exited (its output in $work/daemon.log).
mount_fake() {
	mkdir -p "$mnt"
	echo secret | "$FTPSFS" -f -o plaintext -o password_stdin -o timeout=3 "$@" \
		"$url" "$mnt" >"$work/daemon.log" 2>&1 &
	daemon_pid=$!
	for _ in $(seq 150); do
		mountpoint -q "$mnt" && return 0
		kill -0 "$daemon_pid" 2>/dev/null || { wait "$daemon_pid"; daemon_pid=; return 1; }
		sleep 0.1
	done
	return 1
}

umount_fake() {
	fusermount3 -u "$mnt" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
	kill "$daemon_pid" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
}

# Lines the daemon printed, less the warning that -o plaintext always gives.
errlines() { grep -vc 'warning: plain FTP' "$work/daemon.log"; }
export -f errlines
export work

alive() { [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null && mountpoint -q "$mnt"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$daemon_pid/status" 2>/dev/null || echo 0; }

# A mount that must fail quickly with one line naming the problem.
expect_refused() {
	local scenario=$1 pattern=$2 t0 t1
	start_fake "$scenario"
	t0=$(date +%s)
	if mount_fake; then
		it_fail "$scenario: mounted a server that $pattern"
		umount_fake
		return
	fi
	t1=$(date +%s)
	check "$scenario: refused within 10 s ($((t1 - t0)) s)" test $((t1 - t0)) -le 10
	check "$scenario: one line, naming the problem" \
		bash -c "[ \$(errlines) -eq 1 ] && grep -qiE '$pattern' '$work/daemon.log'"
	check "$scenario: nothing left mounted" bash -c "! mountpoint -q '$mnt'"
	sed 's/^/    /' "$work/daemon.log"
}

expect_refused huge-greeting 'malformed|too long'
expect_refused endless-reply 'malformed|too many|too long'
expect_refused close-midreply 'closed'
expect_refused drip 'timed out|no reply|timeout'

# Listings: the mount works, the result is sane, the daemon stays small.
start_fake garbage-list
if mount_fake; then
	ls -1 "$mnt" >"$work/ls" 2>"$work/ls.err"
	check "garbage-list: only the valid entries show" \
		bash -c "[ \"\$(sort '$work/ls' | tr '\n' ' ')\" = 'hello.txt sub ' ]"
	check "garbage-list: reading a valid file works" bash -c "[ \"\$(cat '$mnt/hello.txt')\" = 'hello, world' ]"
	check "garbage-list: daemon alive" alive
	umount_fake
else
	it_fail "garbage-list: mount failed"; sed 's/^/    /' "$work/daemon.log"
fi

start_fake hostile-names
if mount_fake; then
	ls -1a "$mnt" >"$work/ls" 2>"$work/ls.err"
	check "hostile-names: '..', '/', NUL and overlong names dropped" \
		bash -c "[ \"\$(sort '$work/ls' | tr '\n' ' ')\" = '. .. hello.txt sub ' ]"
	check "hostile-names: daemon alive" alive
	umount_fake
else
	it_fail "hostile-names: mount failed"; sed 's/^/    /' "$work/daemon.log"
fi

start_fake absurd-values
if mount_fake; then
	ls -l "$mnt" >"$work/ls" 2>"$work/ls.err"
	check "absurd-values: the listing is served" grep -q hello.txt "$work/ls"
	check "absurd-values: no absurd size passed on" bash -c "! grep -q huge '$work/ls'"
	check "absurd-values: daemon alive" alive
	umount_fake
else
	it_fail "absurd-values: mount failed"; sed 's/^/    /' "$work/daemon.log"
fi

# Errors in the middle of operations: an errno, a live daemon, no hang.
start_fake many-prelim
t0=$(date +%s)
if mount_fake; then
	it_fail "many-prelim: mounted although the root cannot be listed"
	umount_fake
else
	t1=$(date +%s)
	check "many-prelim: refused with one line in $((t1 - t0)) s" \
		bash -c "[ $((t1 - t0)) -le 10 ] && [ \$(errlines) -eq 1 ]"
	sed 's/^/    /' "$work/daemon.log"
fi

start_fake bad-epsv
if mount_fake; then
	it_fail "bad-epsv: mounted although no data connection can work"
	umount_fake
else
	check "bad-epsv: refused with a line about the reply" grep -qiE 'EPSV|PASV|reply' "$work/daemon.log"
	sed 's/^/    /' "$work/daemon.log"
fi

start_fake huge-listing
if mount_fake -o dir_cache=0; then
	check "huge-listing: the daemon is alive after mounting" alive
	check "huge-listing: resident memory stays under 400 MB ($(( $(rss_kb) / 1024 )) MB)" \
		test "$(rss_kb)" -lt 409600
	umount_fake
else
	sed 's/^/    /' "$work/daemon.log"
	check "huge-listing: refused cleanly" grep -q . "$work/daemon.log"
fi
# Text from the server reaches a terminal only made safe: no escape
# sequence of the greeting, FEAT or a name survives --probe or the log.
start_fake escapes
out=$(echo secret | timeout 30 "$FTPSFS" --probe -o plaintext -o password_stdin -o timeout=3 \
	"$url" 2>&1)
check "escapes: --probe runs" grep -q "^greeting:" <<<"$out"
check "escapes: --probe prints no ESC byte" bash -c "! printf '%s' \"\$1\" | grep -q \$'\\x1b'" _ "$out"
check "escapes: --probe prints no C1 control (CSI)" \
	bash -c "! printf '%s' \"\$1\" | grep -q \$'\\xc2\\x9b'" _ "$out"
if mount_fake -o loglevel=trace; then
	ls "$mnt" >/dev/null 2>&1
	check "escapes: the log holds no ESC byte" bash -c "! grep -q \$'\\x1b' '$work/daemon.log'"
	umount_fake
else
	it_fail "escapes: mount failed"; sed 's/^/    /' "$work/daemon.log"
fi

# A listing that never ends, a line at a time within every read's
# timeout: the listing as a whole has a deadline (4 timeouts).
start_fake slow-listing
if mount_fake -o dir_cache=0 -o timeout=1; then
	t0=$(date +%s)
	ls "$mnt/sub" >/dev/null 2>"$work/ls.err"
	rc=$?
	t1=$(date +%s)
	check "slow-listing: ls fails ($rc) within 4 timeouts and a little ($((t1 - t0)) s)" \
		test "$rc" -ne 0 -a $((t1 - t0)) -le 8
	check "slow-listing: daemon alive" alive
	umount_fake
else
	it_fail "slow-listing: mount failed"; sed 's/^/    /' "$work/daemon.log"
fi

# -o pasv_addr follows a PASV reply's address only within the control
# connection's scope: 10.9.8.7 is not where a loopback server's data is.
start_fake no-epsv
if mount_fake -o pasv_addr; then
	check "no-epsv: with -o pasv_addr, a PASV reply outside the control connection's scope is not followed" \
		bash -c "[ \"\$(cat '$mnt/hello.txt')\" = 'hello, world' ]"
	check "no-epsv: ... and the log says so" grep -q "outside the control connection's network" "$work/daemon.log"
	umount_fake
else
	it_fail "no-epsv: mount failed"; sed 's/^/    /' "$work/daemon.log"
fi

# A file listed with 13 bytes whose RETR never stops: an edit's download
# into the spool stops a margin past the listed size.
start_fake huge-retr
mkdir -p -m 700 "$work/spool"
if mount_fake -o spool_dir="$work/spool"; then
	python3 -c "
import os, sys
try:
    fd = os.open(sys.argv[1], os.O_RDWR)
    os.pwrite(fd, b'X', 3)
    os.close(fd)
    print('ok')
except OSError as e:
    print(e.errno)" "$mnt/hello.txt" >"$work/edit.out" 2>&1
	check "huge-retr: an edit fails ($(cat "$work/edit.out"))" bash -c "! grep -qx ok '$work/edit.out'"
	check "huge-retr: the log says the server sent more than it listed" \
		grep -q "more than the 13 bytes it listed" "$work/daemon.log"
	check "huge-retr: daemon alive" alive
	umount_fake
	check "huge-retr: nothing left in the spool" test -z "$(ls -A "$work/spool")"
else
	it_fail "huge-retr: mount failed"; sed 's/^/    /' "$work/daemon.log"
fi
stop_fake

it_summary
