#!/bin/bash
# tests/integration/segments.sh - segmented reads (issue 12): a slow
# sequential read of a big file reads ahead in ranges on spare connections,
# and the program still gets exactly the server's bytes.
#
# Every server caps each connection (vsftpd local_max_rate, ProFTPD
# TransferRate, pure-ftpd -T), so one stream is slower than the link:
#
#   1  vsftpd-explicit, ProFTPD, pure-ftpd: a 96 MiB file of random bytes
#      read through the mount equals the server's copy (cmp), and the
#      daemon did read ahead (its debug log says so); with -o segments=0
#      it reads the same file right without reading ahead
#   2  vsftpd through the fault proxy: while the file is read, data
#      connections are reset and cut cleanly (a FIN without close_notify)
#      several times; the copy still equals the server's
#   3  vsftpd: the file is replaced on the server's disk during the read,
#      by one of another size (renamed over it, then rewritten in place):
#      the read fails (EIO, one log line saying it changed) or gives one
#      version whole, never a mix of both
#
# Knobs: SEGMENTS_CASES="1 2 3" (a subset), SEGMENTS_KEEP=1 keeps the work
# folder with the logs.
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
# 10 MB/s a connection: one stream needs ~10 s for the 96 MiB file, so
# the changes and faults below land in the middle of the read.
RATE=10000000

it_setup segments
# shellcheck source=tests/integration/proxy.sh
. "$top_srcdir/tests/integration/proxy.sh"

export TB_VSFTPD_EXTRA="local_max_rate=$RATE"
export TB_PROFTPD_EXTRA="TransferRate RETR,STOR $((RATE / 1024))"
export TB_PUREFTPD_EXTRA="-T $((RATE / 1024)):$((RATE / 1024))"

head -c $((96 * MiB)) /dev/urandom >"$work/v1" || exit 99
head -c $((90 * MiB + 12345)) /dev/urandom >"$work/v2" || exit 99

# put NAME FILE: FILE on the server's disk as NAME, owned by the test user.
put() {
	cp "$2" "$TB_DATA/$1.tmp" && chown "$TB_USER" "$TB_DATA/$1.tmp" &&
		mv -f "$TB_DATA/$1.tmp" "$TB_DATA/$1"
}
read_ahead_logged() { grep -q 'reading ahead from' "$1.log"; }
no_read_ahead_logged() { ! grep -q 'reading ahead from' "$1.log"; }
same() { $T cmp "$1" "$2"; }

case_1() {   # every server: byte-identical, read ahead
	local srv=$1 m=$work/m1-$1
	it_start "$srv" || return 0
	put big.bin "$work/v1" || { it_fail "$srv: could not place the file"; return; }
	if it_mount "$m" -o loglevel=debug; then
		check "1: a 96 MiB read through the mount equals the server's copy" \
			same "$m/big.bin" "$TB_DATA/big.bin"
		check "1: the daemon read ahead on other connections" read_ahead_logged "$m"
		check "1: unmounted cleanly" it_umount "$m"
	else
		it_fail "$srv: mount"
	fi
	if it_mount "$m" -o loglevel=debug -o segments=0; then
		check "1: with -o segments=0 the same read is right" \
			same "$m/big.bin" "$TB_DATA/big.bin"
		check "1: ... and reads nothing ahead" no_read_ahead_logged "$m"
		check "1: unmounted cleanly" it_umount "$m"
	else
		it_fail "$srv: mount with segments=0"
	fi
	tb_stop "$srv"
}

case_2() {   # faults on the data connections during the read
	local m=$work/m2 pid cuts0 n
	it_start vsftpd-explicit || return 0
	if ! proxy_available || ! proxy_start; then
		echo "SKIP: vsftpd-explicit: the fault proxy cannot run here"
		tb_stop vsftpd-explicit
		return 0
	fi
	put big.bin "$work/v1" || { it_fail "could not place the file"; return; }
	if ! pmount "$m" -o loglevel=debug; then
		it_fail "vsftpd-explicit: mount through the proxy"
		return
	fi
	cuts0=$(fp_stat cuts)
	$T cat "$m/big.bin" >"$work/out2" &
	pid=$!
	# Each range is 4 MiB: the next data connection to carry 3 MiB more
	# (a range read ahead, or the reader's own stream) is cut there.
	for n in 1 2 3; do
		fp cut-data-after $((3 * MiB - n * 4099)) && fp wait-cut 30 ||
			it_fail "vsftpd-explicit: 2: cut $n did not fire ($fp_reply)"
		fp truncate-data-after $((2 * MiB + n * 777)) && fp wait-cut 30 ||
			it_fail "vsftpd-explicit: 2: truncation $n did not fire ($fp_reply)"
	done
	check "2: the read with its connections cut ends well" wait "$pid"
	check "2: the copy equals the server's" cmp "$work/out2" "$work/v1"
	check "2: the proxy did cut three times" test "$(fp_stat cuts)" -ge $((cuts0 + 3))
	check "2: the daemon read ahead" read_ahead_logged "$m"
	# Cut connections are logged (info) and resumed: no warning or error.
	check "2: unmounted cleanly" it_umount "$m"
	proxy_stop
	tb_stop vsftpd-explicit
}

# one_version OUT: OUT is v1 or v2 whole.
one_version() { cmp -s "$1" "$work/v1" || cmp -s "$1" "$work/v2"; }
# one_prefix OUT: OUT is the start of v1 or of v2.
one_prefix() {
	local n
	n=$(stat -c %s "$1")
	cmp -s -n "$n" "$1" "$work/v1" || cmp -s -n "$n" "$1" "$work/v2"
}

case_3() {   # the file changes during the read
	local m=$work/m3 how pid rc
	it_start vsftpd-explicit || return 0
	for how in rename inplace; do
		put big.bin "$work/v1" || { it_fail "could not place the file"; return; }
		if ! it_mount "$m" -o loglevel=debug; then
			it_fail "vsftpd-explicit: mount"
			return
		fi
		$T cat "$m/big.bin" >"$work/out3" 2>"$work/err3" &
		pid=$!
		# once the read is well under way (past 16 MiB: reading ahead)
		for _ in $(seq 300); do
			[ "$(stat -c %s "$work/out3")" -ge $((16 * MiB)) ] && break
			sleep 0.05
		done
		if [ $how = rename ]; then
			put big.bin "$work/v2"
		else
			cat "$work/v2" >"$TB_DATA/big.bin"
		fi
		rc=0
		wait "$pid" || rc=$?
		echo "3 ($how): cat: rc $rc, $(stat -c %s "$work/out3") bytes; $(head -c 200 "$work/err3")"
		if [ $rc -ne 0 ]; then
			check "3 ($how): the failed read says why (EIO)" grep -q 'Input/output error' "$work/err3"
			check "3 ($how): the daemon logs that the file changed" \
				grep -q 'changed on the server' "$m.log"
			check "3 ($how): what it got before is one version's start" \
				one_prefix "$work/out3"
		else
			check "3 ($how): the read that ended well gave one version whole" \
				one_version "$work/out3"
		fi
		check "3 ($how): unmounted cleanly" it_umount "$m" 'changed on the server'
	done
	tb_stop vsftpd-explicit
}

cases=" ${SEGMENTS_CASES:-1 2 3} "
if [[ $cases == *" 1 "* ]]; then
	for srv in vsftpd-explicit proftpd pureftpd; do
		case_1 "$srv"
	done
fi
[[ $cases != *" 2 "* ]] || case_2
[[ $cases != *" 3 "* ]] || case_3
it_summary
