#!/bin/bash
# tests/integration/pipelining.sh - commands sent ahead of their replies.
#
# A folder listed with minutes only (vsftpd's LIST; ProFTPD and pure-ftpd
# made to list that way with -o listing=list) needs an MDTM per file for
# times to the second. They go out together, pipelined, when the first
# file's attributes are asked for. Checked on every server of the test bed
# and on the scripted server:
#   - every file's time through the mount is the one on the server's disk,
#     to the second, after one `ls -l`;
#   - the MDTMs went out as one batch (the daemon's log; the scripted
#     server logs each command that arrived ahead of the reply before it);
#   - a server that throws away commands sent ahead (scriptftp's rule
#     no-pipelining) is learnt once, asked one command at a time from then
#     on, and the times are still right.
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
servers=${PIPELINING_SERVERS:-"vsftpd-explicit proftpd pureftpd"}
NFILES=60

it_setup pipelining spool
# shellcheck source=tests/integration/scripted.sh
. "$top_srcdir/tests/integration/scripted.sh"

# make_files DIR [OWNER]: NFILES files, each with its own time to the
# second, days old (recent enough for LIST to show minutes, old enough
# for the exact-time cache to keep them)
make_files() {
	local d=$1 owner=${2:-} i t0
	mkdir -p "$d"
	t0=$(($(date +%s) - 3 * 86400))
	for ((i = 0; i < NFILES; i++)); do
		printf 'file %d\n' "$i" >"$d/f$i"
		touch -d "@$((t0 + i * 7 + 3))" "$d/f$i"
	done
	[ -z "$owner" ] || chown -R "$owner:" "$d"
}

# times_match MOUNTED_DIR DISK_DIR: every file's mtime is the disk's
times_match() {
	local got want
	got=$(cd "$1" && stat -c '%n %Y' f* 2>/dev/null | sort)
	want=$(cd "$2" && stat -c '%n %Y' f* | sort)
	[ -n "$got" ] && [ "$got" = "$want" ]
}

# one_listing MNT DIR: ls -l of the folder, as a user would
one_listing() { ls -l "$1/$2" >/dev/null; }

# ---------------------------------------------------------------------------
# The test bed's servers

for s in $servers; do
	it_start "$s" || continue
	make_files "$TB_DATA/pl" "$TB_USER"
	m=$work/m-$s
	it_mount "$m" -o listing=list -o loglevel=debug || { check "mounted" false; tb_stop "$s"; continue; }
	one_listing "$m" pl
	check "ls -l: the $NFILES files' times are the disk's, to the second" times_match "$m/pl" "$TB_DATA/pl"
	n=$(sed -n 's/.*MDTM of \([0-9]*\) files in \/pl, pipelined.*/\1/p' "$m.log" | head -1)
	check "... their MDTMs went out as one pipelined batch (${n:-none})" [ "${n:-0}" = "$NFILES" ]
	check "... which the server took (nothing learnt against it)" \
		eval '! grep -q "commands sent ahead of their replies went wrong" "$m.log"'
	it_umount "$m" 'debug:' || check "unmounted" false
	tb_stop "$s" 2>/dev/null
done

# ---------------------------------------------------------------------------
# The scripted server: one that takes commands ahead, one that drops them

TB_NAME=scriptftp
if sftp_start --feat mdtm,size,rest,utf8; then
	make_files "$SFTP_ROOT/pl"
	m=$work/m-sftp
	if smount "$m" -o loglevel=debug; then
		one_listing "$m" pl
		check "ls -l: every time is right" times_match "$m/pl" "$SFTP_ROOT/pl"
		n=$(grep -c 'read ahead: MDTM' "$work/sftp.log")
		check "... the server read $n of the $NFILES MDTMs ahead of a reply" \
			[ "$n" -ge $((NFILES - 2)) ]
		it_umount "$m" 'plaintext|debug:' || check "unmounted" false
	else
		check "mounted" false
	fi
	sftp_stop
else
	check "scriptftp started" false
fi

if sftp_start --feat mdtm,size,rest,utf8 --rule no-pipelining; then
	make_files "$SFTP_ROOT/pl"
	make_files "$SFTP_ROOT/pl2"
	m=$work/m-sftp2
	if smount "$m" -o loglevel=debug; then
		one_listing "$m" pl
		check "a server that drops commands sent ahead: every time is still right" \
			times_match "$m/pl" "$SFTP_ROOT/pl"
		check "... it is learnt once" \
			[ "$(grep -c 'learnt about the server: commands sent ahead' "$m.log")" = 1 ]
		d0=$(grep -c 'dropped .* bytes sent ahead' "$work/sftp.log")
		one_listing "$m" pl2
		check "... another folder then: every time right" times_match "$m/pl2" "$SFTP_ROOT/pl2"
		d1=$(grep -c 'dropped .* bytes sent ahead' "$work/sftp.log")
		check "... asked one command at a time (no more dropped: $d0 then $d1)" [ "$d0" = "$d1" ]
		it_umount "$m" 'plaintext|debug:' || check "unmounted" false
	else
		check "mounted" false
	fi
	sftp_stop
else
	check "scriptftp started" false
fi

it_summary
