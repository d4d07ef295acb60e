#!/bin/bash
# tests/integration/prefetch.sh - folders listed ahead (-o prefetch=N).
#
# When a program reads a folder, the mount lists its subfolders (and asks
# their MDTMs) ahead, on spare connections. Checked:
#   - on the scripted server: after `ls` of a folder, the subfolders' listings
#     and their files' MDTMs reach the server before the program asks for
#     them, and none is asked again when it does;
#   - a speculative listing that the server refuses, or whose connection
#     it drops, changes nothing a program sees (no error, no warning, the
#     right contents);
#   - on vsftpd, ProFTPD and pure-ftpd: `ls -lR` through a mount that lists
#     ahead is byte-identical to one through a mount that does not, and the
#     times are the disk's to the second;
#   - through the delaying proxy with -o max_conns=2: a read during a big
#     listing ahead completes (listing ahead never takes the connection a
#     reader needs), and unmount with the queue still full is quick.
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
servers=${PREFETCH_SERVERS:-"vsftpd-explicit proftpd pureftpd"}

it_setup prefetch spool
# shellcheck source=tests/integration/scripted.sh
. "$top_srcdir/tests/integration/scripted.sh"
# shellcheck source=tests/integration/proxy.sh
. "$top_srcdir/tests/integration/proxy.sh"

# make_tree DIR NSUB NFILES [OWNER]: DIR/sNN/fMM, files days old, each
# with its own second (LIST shows minutes), folders too
make_tree() {
	local d=$1 nsub=$2 nfiles=$3 owner=${4:-} s f t0 sub
	t0=$(($(date +%s) - 3 * 86400))
	mkdir -p "$d"
	for ((s = 1; s <= nsub; s++)); do
		sub=$d/$(printf 's%02d' "$s")
		mkdir -p "$sub"
		for ((f = 1; f <= nfiles; f++)); do
			printf 'file %d of %d\n' "$f" "$s" >"$sub/f$f"
			touch -d "@$((t0 + s * 100 + f * 3))" "$sub/f$f"
		done
		touch -d "@$((t0 + s))" "$sub"
	done
	touch -d "@$t0" "$d"
	[ -z "$owner" ] || chown -R "$owner:" "$d"
}

# wait_for N CMD...: up to N tenths of a second until CMD succeeds
wait_for() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# count_in FILE PATTERN: lines of FILE matching the extended PATTERN
count_in() { grep -cE "$2" "$1" 2>/dev/null || true; }
at_least() { [ "$(count_in "$1" "$2")" -ge "$3" ]; }

# times_match MOUNTED_DIR DISK_DIR: each file's size and time are the disk's
times_match() {
	local got want
	got=$(cd "$1" && find . -type f -printf '%p %s %T@\n' 2>/dev/null | sed 's/\.0*$//' | sort)
	want=$(cd "$2" && find . -type f -printf '%p %s %T@\n' | sed 's/\.0*$//' | sort)
	[ -n "$got" ] && [ "$got" = "$want" ]
}

# ---------------------------------------------------------------------------
# The scripted server: listings and MDTMs go out ahead of the program

TB_NAME=scriptftp
NSUB=8
if sftp_start --feat mdtm,size,rest,utf8; then
	make_tree "$SFTP_ROOT/top" $NSUB 5
	m=$work/m-sftp
	if smount "$m" -o loglevel=debug -o prefetch=4; then
		ls "$m/top" >/dev/null
		# (with STAT, as the scripted server offers it: src/ops_stat.c)
		check "ls of a folder: its $NSUB subfolders are listed ahead" \
			wait_for 100 at_least "$work/sftp.log" '> (LIST|STAT) .*/top/s[0-9]+$' $NSUB
		check "... and their files' MDTMs asked ahead" \
			wait_for 100 at_least "$work/sftp.log" '> MDTM /top/s[0-9]+/f' $((NSUB * 5))
		check "... all of them, in the daemon's log" \
			wait_for 50 at_least "$m.log" 'MDTM of 5 files in /top/s[0-9]+ ahead' $NSUB
		sctl mark "the program reads the subfolders"
		(cd "$m" && ls -lR top) >"$work/lsr-sftp.txt"
		sctl mark "done"
		after=$(sed -n '/mark: the program reads the subfolders/,$p' "$work/sftp.log")
		check "the program's ls -lR then asks the server nothing (no LIST, no MDTM)" \
			eval '! grep -qE "> (LIST|MLSD|STAT|MDTM|EPSV)" <<<"$after"'
		check "... and every time is right, to the second" times_match "$m/top" "$SFTP_ROOT/top"
		it_umount "$m" 'plaintext|debug:' || check "unmounted" false
	else
		check "mounted" false
	fi

	# A speculative listing refused, then one whose connection is dropped:
	# nothing visible changes. (The top folder's LIST is the first after
	# arming; the second is a subfolder's, listed ahead.) Folders listed
	# over data connections here, as the rules aim at LIST: STAT's own
	# faults are stat_list.sh's.
	export FTPSFS_STAT_LIST=0
	for rule in "fail LIST 2 550 Permission denied" "drop-before LIST 2"; do
		m=$work/m-sftp-fail
		rm -f "$m.log"
		if smount "$m" -o loglevel=debug -o prefetch=1; then
			sctl arm "$rule"
			ls "$m/top" >/dev/null
			check "$rule: the fault hit a listing ahead" \
				wait_for 100 sctl wait-fired 0
			check "... which the daemon kept to itself" \
				wait_for 50 at_least "$m.log" 'listing /top/s[0-9]+ ahead: ' 1
			ls -lR "$m/top" >"$work/lsr-fail.txt" 2>"$work/lsr-fail.err"
			check "... ls -lR still succeeds, silently" [ ! -s "$work/lsr-fail.err" ]
			check "... and shows every file with its time" times_match "$m/top" "$SFTP_ROOT/top"
			# (into a file first: a process substitution still inside the
			# mount when it_umount runs makes the unmount fail as busy)
			(cd "$m" && ls -lR top) >"$work/lsr-again.txt"
			check "... the same as before" cmp -s "$work/lsr-sftp.txt" "$work/lsr-again.txt"
			it_umount "$m" 'plaintext|debug:' || check "unmounted" false
		else
			check "mounted" false
		fi
	done
	unset FTPSFS_STAT_LIST
	sftp_stop
else
	check "scriptftp started" false
fi

# ---------------------------------------------------------------------------
# The test bed's servers: the same ls -lR with and without listing ahead

for s in $servers; do
	it_start "$s" || continue
	make_tree "$TB_DATA/pf" 6 4 "$TB_USER"
	mkdir -p "$TB_DATA/pf/s01/deeper/deepest"
	printf 'deep\n' >"$TB_DATA/pf/s01/deeper/deepest/file"
	touch -d "@$(($(date +%s) - 3 * 86400))" "$TB_DATA/pf/s01/deeper/deepest/file" \
		"$TB_DATA/pf/s01/deeper/deepest" "$TB_DATA/pf/s01/deeper" "$TB_DATA/pf/s01"
	chown -R "$TB_USER:" "$TB_DATA/pf"
	m1=$work/m-$s-ahead m0=$work/m-$s-plain
	if it_mount "$m1" -o loglevel=debug -o prefetch=4 && it_mount "$m0" -o prefetch=0; then
		ls "$m1/pf" >/dev/null
		check "the subfolders of a folder read are listed ahead" \
			wait_for 100 at_least "$m1.log" 'listed /pf/s[0-9]+ ahead' 6
		ls "$m1/pf/s01" >/dev/null
		check "... and theirs, when one of them is read" \
			wait_for 100 at_least "$m1.log" 'listed /pf/s01/deeper ahead' 1
		(cd "$m1" && ls -lR --time-style=+%s pf) >"$work/$s-ahead.txt" 2>&1
		(cd "$m0" && ls -lR --time-style=+%s pf) >"$work/$s-plain.txt" 2>&1
		check "... ls -lR with listing ahead is byte-identical to one without" \
			cmp "$work/$s-ahead.txt" "$work/$s-plain.txt"
		check "... times to the second, sizes: the disk's" times_match "$m1/pf" "$TB_DATA/pf"
		check "... contents the disk's" diff -r "$m1/pf" "$TB_DATA/pf"
		it_umount "$m1" 'debug:' || check "unmounted" false
		it_umount "$m0" || check "unmounted" false
	else
		check "$s: mounted" false
	fi
	tb_stop "$s" 2>/dev/null
done

# ---------------------------------------------------------------------------
# A reader during a big listing ahead, two connections, 40 ms away

s=vsftpd-explicit
if proxy_available && it_start "$s"; then
	make_tree "$TB_DATA/big" 60 3 "$TB_USER"
	head -c 3000000 /dev/urandom >"$TB_DATA/read.bin"
	chown "$TB_USER:" "$TB_DATA/read.bin"
	if proxy_start --delay-ms 20; then
		m=$work/m-slow
		if pmount "$m" -o loglevel=debug -o max_conns=2 -o prefetch=4; then
			ls "$m/big" >/dev/null
			check "60 folders queued to be listed ahead" \
				wait_for 100 at_least "$m.log" 'listed /big/s[0-9]+ ahead' 1
			t0=$(date +%s.%N)
			check "a read during the listing ahead completes, the right bytes" \
				timeout 60 cmp "$m/read.bin" "$TB_DATA/read.bin"
			t1=$(date +%s.%N)
			n_then=$(count_in "$m.log" 'listed /big/s[0-9]+ ahead')
			check "... while the listing ahead went on ($n_then of 60 listed then)" \
				[ "$n_then" -lt 60 ]
			check "... within 10 s ($(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s)" \
				awk "BEGIN { exit !($t1 - $t0 < 10) }"
			t0=$(date +%s.%N)
			it_umount "$m" 'debug:' || check "unmounted" false
			t1=$(date +%s.%N)
			n_end=$(count_in "$m.log" 'listed /big/s[0-9]+ ahead')
			check "unmount with folders still queued is quick ($(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s, $n_end of 60 listed)" \
				awk "BEGIN { exit !($t1 - $t0 < 5 && $n_end < 60) }"
		else
			check "mounted through the proxy" false
		fi
		proxy_stop
	else
		check "the proxy started" false
	fi
	tb_stop "$s" 2>/dev/null
fi

it_summary
