#!/bin/bash
# tests/integration/core_ops.sh - the FTPS core against every server of the
# test bed, through ftps-cli, with every result checked on the server's disk.
#
# For vsftpd-explicit, vsftpd-implicit, proftpd and pureftpd, in passive and
# in active mode (--active):
#   login (TLS version, the certificate's fingerprint), listing (names,
#   types, sizes, modes and times against stat of $TB_DATA), download
#   (sha256), upload and append (sha256, size and owner on disk; ProFTPD's
#   stock configuration refuses APPE: a clean 451, file unchanged), rename,
#   delete, mkdir/rmdir, a file in a new folder, setting a time (stat %Y,
#   then MDTM), SITE CHMOD (stat %a), SIZE, MLST where FEAT offers it (and a
#   clear "no MLST" elsewhere), a hash where FEAT offers one (and a clear
#   "no file hash" elsewhere), RETR with REST (ftps-cli getrange) at the
#   start, the middle and the end of an 8 MiB file compared with the source
#   bytes, the same followed by a listing on the same control connection
#   (the cancelled transfer must leave it in step, quickly), a path with
#   CR/LF refused before anything is sent, 20 listings on one control
#   connection with TLS 1.2 and with TLS 1.3 (every data connection must
#   resume the session on vsftpd and ProFTPD, which require it), and four
#   parallel downloads through a pool of four connections (on ProFTPD the
#   server's logs must show several control connections, each data
#   connection resuming its own one's session).
# Then vsftpd on ::1 (login, list, download, both modes), and ProFTPD with
# mod_digest loaded and AllowStoreRestart on: HASH against sha512sum of the
# file on disk, and APPE.
#
# The servers of the test bed offer no hash in their stock configuration
# (no HASH, XSHA*, XMD5 or XCRC in FEAT): that is checked, not assumed.
#
# CORE_OPS_SERVERS limits the servers (default: all four).
# Exit 0 all passed, 1 a check failed, 77 no server could run here.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
# shellcheck source=tests/testbed/testbed.sh
. "$top_srcdir/tests/testbed/testbed.sh"
# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

export LC_ALL=C.UTF-8 TZ=UTC
names=${CORE_OPS_SERVERS:-$TB_ALL_NAMES}
t_start=$EPOCHREALTIME

if [ ! -x "$FTPS_CLI" ]; then
	echo "SKIP: $FTPS_CLI is not built (make tests/tools/ftps-cli)"
	exit 77
fi
mkdir -p "$top_builddir/tests/tmp" || exit 99
work=$(mktemp -d "$top_builddir/tests/tmp/core_ops.XXXXXX") || exit 99
tb_at_exit 'rm -rf "$work"'

# Local files: the server's source file (8 MiB + 5, so a cut RETR is still
# running), an upload and a piece to append.
head -c $((8 * 1048576 + 5)) /dev/urandom >"$work/src.bin"
head -c $((1048576 + 3)) /dev/urandom >"$work/up.bin"
head -c 70001 /dev/urandom >"$work/tail.bin"
cat "$work/up.bin" "$work/tail.bin" >"$work/up+tail.bin"

sha() { sha256sum "$1" | cut -d' ' -f1; }
elapsed() { printf '%.1f' "$(bc <<<"$EPOCHREALTIME - $1")"; }

# ftps-cli [--opt VALUE...] COMMAND ARGS against the current server in the
# current mode; stderr is kept in $work/err and shown when a check fails.
c() {
	local opts=()
	while [[ ${1:-} == --* ]]; do
		opts+=("$1" "$2")
		shift 2
	done
	cli "${modeopt[@]}" "${opts[@]}" "$TB_URL" "$@" 2>"$work/err"
}
show_err() { [ ! -s "$work/err" ] || sed 's/^/    /' "$work/err" >&2; }
ok() {
	local what=$1
	shift
	if "$@"; then
		it_pass "$TB_NAME$modename: $what"
	else
		it_fail "$TB_NAME$modename: $what"
		show_err
	fi
}

# The listing line (type size mtime mode name, tab-separated) for name $1.
ls_entry() { awk -F'\t' -v n="$1" '$5 == n' "$work/ls.out"; }

feat_has() { grep -qiE "^ ($1)( |\$)" "$work/info"; }

# ---------------------------------------------------------------------------
# The checks, each a function that returns non-zero with a reason on stderr.

t_login() {
	c info >"$work/info" || return 1
	grep -qx 'tls=TLSv1.3' "$work/info" || { echo "not TLS 1.3:" >&2; cat "$work/info" >&2; return 1; }
	grep -qx "fingerprint=$TB_FINGERPRINT" "$work/info" ||
		{ echo "fingerprint differs from $TB_FINGERPRINT" >&2; return 1; }
	grep -q '^211' "$work/info" || { echo "no FEAT reply" >&2; return 1; }
}

# The listing against stat: type, size, mode; the time to the second with
# MLSD, to the minute with vsftpd's LIST (a file younger than six months).
t_list() {
	local line mt disk prec=1 t s m mode
	c ls / >"$work/ls.out" || return 1
	line=$(ls_entry src.bin)
	[ -n "$line" ] || { echo "src.bin missing from the listing:" >&2; cat "$work/ls.out" >&2; return 1; }
	IFS=$'\t' read -r t s m mode _ <<<"$line"
	disk=$(stat -c %Y "$TB_DATA/src.bin")
	feat_has MLST || prec=60
	mt=$((disk - disk % prec))
	if [ "$t" != f ] || [ "$s" != "$(stat -c %s "$TB_DATA/src.bin")" ] ||
		[ "$m" != "$mt" ] || [ "$mode" != "$(stat -c %a "$TB_DATA/src.bin")" ]; then
		echo "src.bin listed as '$line'; on disk $(stat -c '%s bytes, mode %a, mtime %Y' "$TB_DATA/src.bin")" >&2
		return 1
	fi
	line=$(ls_entry 'sub dir')
	[ "${line%%$'\t'*}" = d ] || { echo "'sub dir' listed as '$line'" >&2; return 1; }
	# What the listing shows is what is on disk (dot-files aside: vsftpd hides them).
	diff <(cut -f5 "$work/ls.out" | sort) <(cd "$TB_DATA" && ls -1 | sort) >&2
}

t_get() {
	rm -f "$work/got.bin"
	c get /src.bin "$work/got.bin" || return 1
	[ "$(sha "$work/got.bin")" = "$(sha "$TB_DATA/src.bin")" ] ||
		{ echo "sha256 of the download differs" >&2; return 1; }
}

t_get_subdir() {
	rm -f "$work/got.bin"
	c get "/sub dir/grüße x.txt" "$work/got.bin" && cmp -s "$work/got.bin" "$TB_DATA/sub dir/grüße x.txt"
}

t_put() {
	c put "$work/up.bin" "/$p-up.bin" || return 1
	[ -f "$TB_DATA/$p-up.bin" ] || { echo "not on the server's disk" >&2; return 1; }
	[ "$(sha "$TB_DATA/$p-up.bin")" = "$(sha "$work/up.bin")" ] ||
		{ echo "sha256 on disk differs ($(stat -c %s "$TB_DATA/$p-up.bin") bytes)" >&2; return 1; }
	[ "$(stat -c %U "$TB_DATA/$p-up.bin")" = "$TB_USER" ] || { echo "not owned by $TB_USER" >&2; return 1; }
}

# ProFTPD refuses APPE unless "AllowStoreRestart on" (not in the test bed's
# stock configuration): there the refusal must be clean and change nothing.
# The ProFTPD run at the end allows it.
t_append() {
	if [ "$TB_NAME" = proftpd ]; then
		! c append "$work/tail.bin" "/$p-up.bin" && grep -q 'APPE: 451' "$work/err" &&
			[ "$(sha "$TB_DATA/$p-up.bin")" = "$(sha "$work/up.bin")" ]
		return
	fi
	c append "$work/tail.bin" "/$p-up.bin" || return 1
	[ "$(sha "$TB_DATA/$p-up.bin")" = "$(sha "$work/up+tail.bin")" ] ||
		{ echo "after APPE: $(stat -c %s "$TB_DATA/$p-up.bin") bytes on disk, want $(stat -c %s "$work/up+tail.bin")" >&2; return 1; }
}

t_size() {
	local out
	out=$(c size "/$p-up.bin") || return 1
	[ "$out" = "$(stat -c %s "$TB_DATA/$p-up.bin")" ] || { echo "SIZE said $out" >&2; return 1; }
}

t_rename() {
	local want
	want=$(sha "$TB_DATA/$p-up.bin")
	c mv "/$p-up.bin" "/$p-moved.bin" || return 1
	[ ! -e "$TB_DATA/$p-up.bin" ] || { echo "the old name is still on disk" >&2; return 1; }
	[ "$(sha "$TB_DATA/$p-moved.bin" 2>/dev/null)" = "$want" ] ||
		{ echo "the new name is not on disk with the content" >&2; return 1; }
}

# Two times: one long ago (vsftpd lists it with a year) and a recent one.
t_setmtime() {
	local want out
	for want in 1000000000 $(($(date +%s) - 3600 * 24 * 3 - 17)); do
		c setmtime "/$p-moved.bin" "$want" || return 1
		[ "$(stat -c %Y "$TB_DATA/$p-moved.bin")" = "$want" ] ||
			{ echo "mtime on disk $(stat -c %Y "$TB_DATA/$p-moved.bin"), want $want" >&2; return 1; }
		out=$(c mdtm "/$p-moved.bin") || return 1
		[ "$out" = "$want" ] || { echo "MDTM says $out, want $want" >&2; return 1; }
	done
}

t_chmod() {
	local m
	for m in 600 640; do
		c chmod "$m" "/$p-moved.bin" || return 1
		[ "$(stat -c %a "$TB_DATA/$p-moved.bin")" = "$m" ] ||
			{ echo "mode on disk $(stat -c %a "$TB_DATA/$p-moved.bin"), want $m" >&2; return 1; }
	done
}

t_mlst() {
	local line
	if ! feat_has MLST; then
		! c mlst /src.bin >/dev/null && grep -q 'no MLST' "$work/err"
		return
	fi
	line=$(c mlst /src.bin) || return 1
	[ "$line" = "$(printf 'f\t%s\t%s\t%s\tsrc.bin' "$(stat -c %s "$TB_DATA/src.bin")" \
		"$(stat -c %Y "$TB_DATA/src.bin")" "$(stat -c %a "$TB_DATA/src.bin")")" ] ||
		{ echo "MLST gave '$line'" >&2; return 1; }
}

# No server here offers a hash unless told to (mod_digest, at the end).
t_hash_none() {
	if feat_has 'HASH|XSHA1|XSHA256|XSHA512|XMD5|XCRC'; then
		echo "FEAT offers a hash now; extend this test" >&2
		return 1
	fi
	! c hash /src.bin >/dev/null && grep -q 'offers no file hash' "$work/err"
}

t_dirs() {
	c mkdir "/$p-dir" || return 1
	[ -d "$TB_DATA/$p-dir" ] || { echo "the folder is not on disk" >&2; return 1; }
	c put "$work/tail.bin" "/$p-dir/f.bin" || return 1
	cmp -s "$work/tail.bin" "$TB_DATA/$p-dir/f.bin" || { echo "the file in it differs" >&2; return 1; }
	c ls "/$p-dir" >"$work/ls.out" || return 1
	[ "$(ls_entry f.bin | cut -f1,2)" = "$(printf 'f\t70001')" ] ||
		{ echo "listing of the new folder:" >&2; cat "$work/ls.out" >&2; return 1; }
	# A folder that is not empty cannot go.
	! c rmdir "/$p-dir" && [ -d "$TB_DATA/$p-dir" ] || { echo "rmdir of a full folder" >&2; return 1; }
	c rm "/$p-dir/f.bin" || return 1
	[ ! -e "$TB_DATA/$p-dir/f.bin" ] || { echo "the file is still on disk" >&2; return 1; }
	c rmdir "/$p-dir" || return 1
	[ ! -e "$TB_DATA/$p-dir" ] || { echo "the folder is still on disk" >&2; return 1; }
}

t_delete() {
	c rm "/$p-moved.bin" || return 1
	[ ! -e "$TB_DATA/$p-moved.bin" ] || { echo "still on disk" >&2; return 1; }
	# And a second time: the file is gone, which must be an error.
	! c rm "/$p-moved.bin"
}

# getrange OFFSET LEN: the bytes must be the source's.
t_range() {
	local off=$1 len=$2
	rm -f "$work/range.bin"
	c getrange /src.bin "$off" "$len" "$work/range.bin" || return 1
	cmp "$work/range.bin" <(dd if="$TB_DATA/src.bin" bs=65536 iflag=skip_bytes,count_bytes \
		skip="$off" count="$len" status=none) >&2
}

# A cut RETR, then a listing on the same control connection: it must
# work, and quickly (a client waiting for a final reply that never comes
# hangs for its whole timeout).
t_range_then_ls() {
	local t0=$EPOCHREALTIME
	rm -f "$work/range.bin"
	c getrange-then-ls /src.bin 4096 100000 "$work/range.bin" / >"$work/ls.out" || return 1
	cmp "$work/range.bin" <(dd if="$TB_DATA/src.bin" bs=65536 iflag=skip_bytes,count_bytes \
		skip=4096 count=100000 status=none) >&2 || return 1
	[ -n "$(ls_entry src.bin)" ] || { echo "the listing after the cut is wrong:" >&2; cat "$work/ls.out" >&2; return 1; }
	(($(bc <<<"$EPOCHREALTIME - $t0 < 5"))) ||
		{ echo "took $(elapsed "$t0") s" >&2; return 1; }
}

# A command with CR/LF in a path must be refused before it is sent: the
# file the injected command names stays.
t_injection() {
	! c rm $'/nothing\r\nDELE /src.bin' && [ -f "$TB_DATA/src.bin" ]
}

# reuse VERSION: 20 listings on one control connection.
t_reuse() {
	local out data resumed
	# (listings over data connections: STAT would list on the control one)
	out=$(export FTPSFS_STAT_LIST=0; c --tls "$1" reuse 20 /) || return 1
	data=$(sed -n 's/.*data=\([0-9]*\).*/\1/p' <<<"$out")
	resumed=$(sed -n 's/.*resumed=\([0-9]*\).*/\1/p' <<<"$out")
	grep -q "tls=TLSv$1" <<<"$out" || { echo "$out" >&2; return 1; }
	[ "$data" = 20 ] || { echo "$out" >&2; return 1; }
	case $TB_NAME in
	vsftpd-* | proftpd)
		[ "$resumed" = "$data" ] || { echo "$out (the server requires every one to resume)" >&2; return 1; }
		;;
	*) echo "    ($TB_NAME$modename, TLS $1: $out)" ;;
	esac
}

# Four downloads at once through a pool of four connections. On ProFTPD the
# server's own logs say how many control connections there were and that
# every data connection resumed its own one's session.
t_pool() {
	local out n0 n1 bad0 bad1 pids
	n0=0 bad0=0
	if [ "$TB_NAME" = proftpd ]; then
		n0=$(grep -c 'FTP session opened' "$TB_LOG")
		bad0=$(grep -c 'did not reuse' "$TB_DIR/tls.log")
		: >"$work/tls.before"
		cp "$TB_DIR/tls.log" "$work/tls.before"
	fi
	out=$(c pool 4 /src.bin) || return 1
	[ "$(sort -u <<<"$out")" = "$(stat -c %s "$TB_DATA/src.bin")" ] &&
		[ "$(wc -l <<<"$out")" = 4 ] || { echo "bytes per worker: $out" >&2; return 1; }
	[ "$TB_NAME" = proftpd ] || return 0
	n1=$(grep -c 'FTP session opened' "$TB_LOG")
	bad1=$(grep -c 'did not reuse' "$TB_DIR/tls.log")
	# Processes (one per control connection) whose data connections resumed.
	pids=$(diff "$work/tls.before" "$TB_DIR/tls.log" | grep 'client reused TLS session for data' |
		sed -n 's/.*mod_tls[^[]*\[\([0-9]*\)\].*/\1/p' | sort -u | wc -l)
	if [ $((n1 - n0)) -lt 2 ] || [ "$pids" -lt 2 ] || [ "$bad1" != "$bad0" ]; then
		echo "control connections: $((n1 - n0)); of them resumed on data: $pids; refusals: $((bad1 - bad0))" >&2
		return 1
	fi
	echo "    (proftpd$modename: $((n1 - n0)) control connections, $pids with resumed data connections)"
}

# ---------------------------------------------------------------------------

run_mode() {
	p=${modename# }
	p=${p:-pasv}
	ok "login: TLS 1.3, the certificate's fingerprint, FEAT" t_login
	ok "list / against stat" t_list
	ok "download: sha256 as on disk" t_get
	ok "download a UTF-8 name with a space from a folder with a space" t_get_subdir
	ok "upload: sha256, owner on disk" t_put
	if [ "$TB_NAME" = proftpd ]; then
		ok "append (APPE) refused by the stock configuration, file unchanged" t_append
	else
		ok "append (APPE): content on disk" t_append
	fi
	ok "SIZE" t_size
	ok "rename: old name gone, new one on disk" t_rename
	ok "set a time: stat and MDTM agree" t_setmtime
	ok "SITE CHMOD: stat %a" t_chmod
	if feat_has MLST; then
		ok "MLST: type, size, time, mode as on disk" t_mlst
	else
		ok "MLST not offered: a clear error" t_mlst
	fi
	ok "no hash offered: a clear error" t_hash_none
	ok "mkdir, a file inside, rmdir of a full folder refused, rm, rmdir" t_dirs
	ok "delete: gone from disk; deleting it again fails" t_delete
	ok "REST 0, 100 bytes" t_range 0 100
	ok "REST 1000, 5000 bytes" t_range 1000 5000
	ok "REST to the last 10 bytes" t_range $((8 * 1048576 - 5)) 10
	ok "REST 3 MiB+1, 2 MiB" t_range $((3 * 1048576 + 1)) $((2 * 1048576))
	ok "a cut RETR leaves the connection usable at once (listing after it)" t_range_then_ls
	ok "a path with CR/LF is refused before sending" t_injection
	ok "20 data connections on one control connection, TLS 1.2" t_reuse 1.2
	ok "20 data connections on one control connection, TLS 1.3" t_reuse 1.3
	ok "pool: 4 parallel downloads through 4 connections" t_pool
}

nserver=0
for name in $names; do
	it_start "$name" || continue
	modename=
	nserver=$((nserver + 1))
	t0=$EPOCHREALTIME
	# The server's files, made on its disk.
	cp "$work/src.bin" "$TB_DATA/src.bin"
	mkdir -p "$TB_DATA/sub dir"
	printf 'grüße\n' >"$TB_DATA/sub dir/grüße x.txt"
	chown -R "$TB_USER:$TB_USER" "$TB_DATA"
	before=$it_nfail
	for modename in "" " active"; do
		if [ -n "$modename" ]; then modeopt=(--active); else modeopt=(); fi
		run_mode
	done
	modename=
	[ "$it_nfail" -eq "$before" ] || { echo "--- logs of $name"; tb_show_logs "$name"; }
	echo "    ($name: $(elapsed "$t0") s)"
	tb_stop "$name"
done

# IPv6: vsftpd on ::1 only.
t_login6() {
	t_login && grep -qx "peer=\[::1\]:$TB_PORT" "$work/info" ||
		{ echo "not connected to [::1]:$TB_PORT:" >&2; cat "$work/info" >&2; return 1; }
}
rc=0
tb_start vsftpd-ipv6 || rc=$?
TB_NAME=vsftpd-ipv6
if [ "$rc" -eq 0 ]; then
	nserver=$((nserver + 1))
	cp "$work/src.bin" "$TB_DATA/src.bin"
	mkdir -p "$TB_DATA/sub dir"
	chown -R "$TB_USER:$TB_USER" "$TB_DATA"
	for modename in "" " active"; do
		if [ -n "$modename" ]; then modeopt=(--active); else modeopt=(); fi
		ok "login over IPv6 (peer [::1])" t_login6
		ok "list / over IPv6" t_list
		ok "download over IPv6: sha256" t_get
	done
	modename=
	tb_stop vsftpd-ipv6
elif [ "$rc" -eq 77 ]; then
	echo "SKIP: vsftpd-ipv6: cannot run here (no ::1?)"
else
	it_fail "vsftpd-ipv6: the server did not start"
fi

# A hash for real: ProFTPD with mod_digest offers HASH (and XSHA1...); and
# APPE, which it allows with AllowStoreRestart.
rc=0
if [[ " $names " == *" proftpd "* ]]; then
	TB_PROFTPD_EXTRA='LoadModule mod_digest.c
AllowStoreRestart on' tb_start proftpd || rc=$?
	TB_NAME="proftpd+mod_digest"
	modeopt=() modename=
	if [ "$rc" -eq 0 ]; then
		cp "$work/src.bin" "$TB_DATA/src.bin"
		chown "$TB_USER:$TB_USER" "$TB_DATA/src.bin"
		t_hash() {
			local out
			c info >"$work/info" || return 1
			feat_has HASH || { echo "no HASH in FEAT" >&2; return 1; }
			out=$(c hash /src.bin) || return 1
			[ "$out" = "SHA-512 $(sha512sum "$TB_DATA/src.bin" | cut -d' ' -f1)" ] ||
				{ echo "hash: '$out'" >&2; return 1; }
		}
		ok "HASH (the strongest offered, SHA-512) as sha512sum on disk" t_hash
		p=digest
		ok "upload" t_put
		ok "append (APPE) with AllowStoreRestart on: content on disk" t_append
		tb_stop proftpd
	elif [ "$rc" -ne 77 ]; then
		it_fail "proftpd with mod_digest did not start"
	fi
fi

echo "core_ops.sh: $(elapsed "$t_start") s"
[ "$nserver" -gt 0 ] || { echo "SKIP: no server could run here"; exit 77; }
it_summary
