#!/bin/bash
# tests/integration/stat_list.sh - folders listed with STAT on the control
# connection (src/ops_stat.c).
#
# Where the listing is LIST (vsftpd; ProFTPD and pure-ftpd with
# -o listing=list), folders are listed with "STAT -a path" once the server
# has shown that STAT lists a folder as LIST does. Checked:
#   - `ls -lR --time-style=full-iso` and `find -printf` of a tree with odd
#     names (leading and trailing blanks, a leading '-', leading digits,
#     UTF-8, glob characters, dot-files, a folder with a blank, a folder of
#     2,000 entries) are byte-identical with STAT and without it
#     (FTPSFS_STAT_LIST=0), and name what the server's disk holds;
#   - on vsftpd, ProFTPD and pure-ftpd, and on the scripted server as it is
#     and when it refuses STAT, answers it with a status line, or cuts its
#     listing short: each of those is learnt once, and the folders are
#     listed with LIST from then on;
#   - vsftpd sending a name with a line end (LF, or CR LF) in it, which
#     would end the STAT reply early: caught, the listing comes from LIST,
#     STAT is used no more.
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
servers=${STAT_LIST_SERVERS:-"vsftpd-explicit proftpd pureftpd"}

it_setup stat_list spool
# shellcheck source=tests/integration/scripted.sh
. "$top_srcdir/tests/integration/scripted.sh"

LEARNT_OK='learnt about the server: STAT lists a folder as LIST does'
LEARNT_NO='learnt about the server: STAT gives no usable listing'

# make_tree DIR [OWNER] [BIG]: the tree both listings must agree on
make_tree() {
	local d=$1 owner=${2:-} big=${3:-2000} i t0
	t0=$(($(date +%s) - 3 * 86400))
	mkdir -p "$d/sub/deeper" "$d/sp dir" "$d/glob*dir" "$d/-dashdir" "$d/big" "$d/many"
	for n in ' lead' 'trail ' '-dash' '12 digits' '213 End of status' 'a b' \
		$'\xc3\xbcn\xc3\xaf' 'q[1]' 'star*' 'brace{1,2}' '~tilde' '.hidden'; do
		printf '%s\n' "$n" >"$d/$n"
	done
	for ((i = 0; i < 20; i++)); do
		printf '%d\n' "$i" >"$d/sub/f$i"
		touch -d "@$((t0 + i * 7 + 3))" "$d/sub/f$i"
	done
	echo deep >"$d/sub/deeper/x"
	echo sp >"$d/sp dir/in space"
	echo g >"$d/glob*dir/g"
	echo h >"$d/-dashdir/h"
	touch -d 2020-01-02T03:04:05 "$d/a b"
	(cd "$d/big" && seq -f 'e%04g' 1 "$big" | xargs touch)
	(cd "$d/many" && seq -f 'm%03g' 1 150 | xargs touch)
	[ -z "$owner" ] || chown -R "$owner:" "$d"
}

# snapshot MNT OUT: what a user sees of the tree
snapshot() {
	(cd "$1/st" && ls -lR --time-style=full-iso . && find . -printf '%p|%s|%T@|%y|%m\n' | sort) >"$2" 2>&1
}

# names_of DIR: the relative names under DIR, sorted
names_of() { (cd "$1" && find . -mindepth 1 -printf '%P\n' | sort); }

# compare_on_off LABEL MOUNT-FUNCTION DISK-DIR [mount options...]
compare_on_off() {
	local label=$1 mountf=$2 disk=$3
	shift 3
	local m_on=$work/on-$label m_off=$work/off-$label
	if ! "$mountf" "$m_on" -o loglevel=debug "$@"; then
		check "mounted" false
		return 1
	fi
	snapshot "$m_on" "$work/$label.on"
	names_of "$m_on/st" >"$work/$label.on.names"
	it_umount "$m_on" "${ALLOW:-^$}|plaintext|debug:" || check "unmounted" false
	# what the scripted server saw of the mount with STAT
	sftp_stats=
	if [ -n "$sftp_pid" ] && sctl stats; then
		sftp_stats=$it_ctl_reply
	fi
	export FTPSFS_STAT_LIST=0
	if ! "$mountf" "$m_off" -o loglevel=debug "$@"; then
		unset FTPSFS_STAT_LIST
		check "mounted without STAT" false
		return 1
	fi
	unset FTPSFS_STAT_LIST
	snapshot "$m_off" "$work/$label.off"
	it_umount "$m_off" "${ALLOW:-^$}|plaintext|debug:" || check "unmounted" false
	# pure-ftpd splits a LIST argument at blanks: "sp dir" lists empty,
	# with STAT or without (STAT is not sent for it)
	if [ "${TB_NAME:-}" = pureftpd ]; then
		names_of "$disk" | grep -v '^sp dir/' >"$work/$label.disk.names"
	else
		names_of "$disk" >"$work/$label.disk.names"
	fi
	check "ls -lR and find byte-identical with STAT and without" \
		cmp -s "$work/$label.on" "$work/$label.off"
	cmp -s "$work/$label.on" "$work/$label.off" ||
		diff "$work/$label.on" "$work/$label.off" | head -20 >&2
	check "... and every name on the disk is there" \
		cmp -s "$work/$label.on.names" "$work/$label.disk.names"
	cmp -s "$work/$label.on.names" "$work/$label.disk.names" ||
		diff "$work/$label.on.names" "$work/$label.disk.names" | head -20 >&2
	check "... without STAT, nothing was sent with it" \
		eval "! grep -q 'STAT' '$m_off.log'"
	return 0
}

tbmount() { it_mount "$@"; }

# ---------------------------------------------------------------------------
# The test bed's servers

for s in $servers; do
	it_start "$s" || continue
	make_tree "$TB_DATA/st" "$TB_USER"
	opts=()
	[ "$s" = vsftpd-explicit ] || opts=(-o listing=list)
	if compare_on_off "$s" tbmount "$TB_DATA/st" "${opts[@]}"; then
		m=$work/on-$s
		check "STAT was checked against LIST and used" grep -q "$LEARNT_OK" "$m.log"
		check "... and not given up" eval "! grep -q '$LEARNT_NO' '$m.log'"
		check "the folder of 2,000 entries went to LIST" \
			grep -q 'STAT listing of /st/big: over' "$m.log"
		check "... and has its 2,000 entries" \
			[ "$(grep -c '^-.* e[0-9]\{4\}$' "$work/$s.on")" = 2000 ]
	fi
	if [ "$s" = vsftpd-explicit ]; then
		# A name with a line end: vsftpd sends it as it is, and in a STAT
		# reply its second half would end the reply.
		rm -rf "$TB_DATA/st"
		mkdir -p "$TB_DATA/st/nl"
		printf x >"$TB_DATA/st/nl/"$'nl\n213 End of status'
		echo z >"$TB_DATA/st/nl/zz"
		echo y >"$TB_DATA/st/y"
		chown -R "$TB_USER:" "$TB_DATA/st"
		m=$work/nl
		if it_mount "$m" -o loglevel=debug; then
			ls -la --time-style=full-iso "$m/st" >/dev/null
			ls -la --time-style=full-iso "$m/st/nl" >"$work/nl.on" 2>&1
			names_of "$m/st/nl" >"$work/nl.names"
			check "a name with a line end: caught" \
				grep -q 'STAT listing of /st/nl: a line ended early' "$m.log"
			check "... STAT is given up once" [ "$(grep -c "$LEARNT_NO" "$m.log")" = 1 ]
			check "... the folder still lists, from LIST" grep -qx zz "$work/nl.names"
			ls -la "$m/st" >/dev/null
			check "... and the mount still works" [ -s "$m/st/y" ]
			it_umount "$m" 'STAT listing of /st/nl|debug:' || check "unmounted" false
		else
			check "mounted" false
		fi
		# The same with CR LF in the name: every line ends alike, and only
		# the NOOP behind the STAT shows where the reply really ended.
		rm -rf "$TB_DATA/st"
		mkdir -p "$TB_DATA/st/cr"
		printf x >"$TB_DATA/st/cr/"$'cr\r\n213 End of status'
		echo z >"$TB_DATA/st/cr/zz"
		chown -R "$TB_USER:" "$TB_DATA/st"
		m=$work/cr
		if it_mount "$m" -o loglevel=debug; then
			ls -la "$m/st" >/dev/null
			names_of "$m/st/cr" >"$work/cr.names"
			check "a name with CR LF in it: caught" grep -q 'STAT listing of /st/cr: ' "$m.log"
			check "... STAT is given up once" [ "$(grep -c "$LEARNT_NO" "$m.log")" = 1 ]
			check "... the folder still lists, from LIST" grep -qx zz "$work/cr.names"
			it_umount "$m" 'STAT listing of /st/cr|debug:' || check "unmounted" false
		else
			check "mounted" false
		fi
	fi
	tb_stop "$s" 2>/dev/null
done

# ---------------------------------------------------------------------------
# The scripted server: STAT as vsftpd, refused, a status line, cut short

sftp_case() {
	local label=$1 rule=${2:-}
	local args=(--feat mdtm,size,rest,utf8)
	TB_NAME="scriptftp${rule:+ ($rule)}"
	[ -z "$rule" ] || args+=(--rule "$rule")
	if ! sftp_start "${args[@]}"; then
		check "scriptftp started" false
		return 1
	fi
	make_tree "$SFTP_ROOT/st" "" 300
	compare_on_off "$label" smount "$SFTP_ROOT/st"
	sftp_stop
}
stat_of() {
	local v
	v=$(sed -n "s/.* $1=\\([0-9]*\\).*/\\1/p" <<<"$sftp_stats")
	echo "${v:-0}"
}

if sftp_case sftp; then
	check "scripted: STAT was checked against LIST and used" grep -q "$LEARNT_OK" "$work/on-sftp.log"
	check "... and not given up" eval "! grep -q '$LEARNT_NO' '$work/on-sftp.log'"
	check "... folders went by STAT (STAT $(stat_of cmd_STAT), LIST $(stat_of cmd_LIST))" \
		[ "$(stat_of cmd_STAT)" -gt "$(stat_of cmd_LIST)" ]
fi
if sftp_case refused stat-refused; then
	check "a server refusing STAT: learnt once" grep -q "$LEARNT_NO" "$work/on-refused.log"
	check "... and asked once ($(stat_of fired_stat-refused))" [ "$(stat_of fired_stat-refused)" = 1 ]
fi
if sftp_case status stat-status-only; then
	check "a server whose STAT gives a status line: learnt once" \
		grep -q "$LEARNT_NO" "$work/on-status.log"
	check "... and asked once ($(stat_of fired_stat-status-only))" \
		[ "$(stat_of fired_stat-status-only)" = 1 ]
fi
if sftp_case cut "stat-truncate 100"; then
	check "a server that cuts STAT listings short: found on the first folder it cuts" \
		grep -q 'STAT listing of /st/[a-z]* has [0-9]* entries, LIST [0-9]*' "$work/on-cut.log"
	check "... learnt once" [ "$(grep -c "$LEARNT_NO" "$work/on-cut.log")" = 1 ]
fi

it_summary
