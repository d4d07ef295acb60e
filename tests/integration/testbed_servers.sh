#!/bin/bash
# tests/integration/testbed_servers.sh - the test bed's servers are real and strict.
#
# For each server, with curl as the client: upload (TLS 1.2), list, download
# (TLS 1.3) and compare (sha256, also with the file on the server's disk); a
# name with a space and UTF-8; a TLS 1.3 round trip with ftps_probe.py. Then
# what the servers must refuse, since the other tests rely on it: plain FTP
# logins, clear-text data connections (PROT C), a wrong password, anonymous
# logins, an unverified certificate, and - on vsftpd and ProFTPD - a data connection
# that does not resume the control connection's TLS session (curl
# --no-sessionid), with the server's own log naming the reason.
#
# Exit 0 all passed, 1 a check failed, 77 no server could run here.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/testbed/testbed.sh
. "$top_srcdir/tests/testbed/testbed.sh"

names="$TB_ALL_NAMES vsftpd-ipv6"
npass=0 nfail=0 nskip=0 nserver=0

pass() { printf 'PASS: %s: %s\n' "$TB_NAME" "$1"; npass=$((npass + 1)); }
fail() {
	printf 'FAIL: %s: %s\n' "$TB_NAME" "$1"
	nfail=$((nfail + 1))
	[ ! -s "$work/curl.err" ] || sed 's/^/    client: /' "$work/curl.err"
}

# curl against the current server with TLS required and the test bed's CA.
# The first argument is the path on the server.
tcurl() {
	local path=$1
	shift
	curl --silent --show-error --max-time 30 --ssl-reqd --cacert "$TB_CAFILE" \
		--user "$TB_USER:$TB_PASS" "$@" "$base$path" 2>"$work/curl.err"
}

# True when the server refused the curl command, i.e. it failed.
refused() {
	local path=$1
	shift
	! curl --silent --show-error --max-time 30 "$@" "$base$path" >/dev/null 2>"$work/curl.err"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

probe=$top_srcdir/tests/testbed/ftps_probe.py
# ftps_probe.py CHECK against the current server (the password via TB_PASS).
probe() {
	python3 "$probe" "$1" "$TB_SECURITY" "$TB_HOST" "$TB_PORT" "$TB_USER" "$TB_CAFILE" \
		2>"$work/curl.err"
}

check_server() {
	local urlhost=$TB_HOST scheme=ftp
	[ "$TB_HOST" != ::1 ] || urlhost="[::1]"
	[ "$TB_SECURITY" = explicit ] || scheme=ftps
	base="$scheme://$urlhost:$TB_PORT"

	# Round trip of a 1 MiB random file. curl 7.88 (Debian 12) sometimes
	# loses the end of a TLS 1.3 upload (vsftpd then answers 426; curl issue
	# 13556), so curl uploads over TLS 1.2 and downloads over TLS 1.3; the
	# probe below does TLS 1.3 uploads the correct way.
	head -c 1048576 /dev/urandom >"$work/up.bin"
	rm -f "$work/down.bin"
	if tcurl /up.bin --tls-max 1.2 -T "$work/up.bin" && tcurl / --list-only >"$work/list" &&
		grep -qx 'up.bin' "$work/list" && tcurl /up.bin --tlsv1.3 -o "$work/down.bin" &&
		[ "$(sha "$work/up.bin")" = "$(sha "$work/down.bin")" ]; then
		pass "curl: upload (TLS 1.2), list, download (TLS 1.3): sha256 matches"
	else
		fail "curl: upload, list, download"
	fi
	if [ -f "$TB_DATA/up.bin" ] && [ "$(sha "$work/up.bin")" = "$(sha "$TB_DATA/up.bin")" ] &&
		[ "$(stat -c %U "$TB_DATA/up.bin")" = "$TB_USER" ]; then
		pass "the file is in TB_DATA, owned by $TB_USER"
	else
		fail "the uploaded file is not in $TB_DATA (or not owned by $TB_USER)"
	fi

	# A folder and a file name with a space and UTF-8.
	printf 'grüße\n' >"$work/utf8.txt"
	if tcurl '/a%20folder/gr%C3%BC%C3%9Fe%20x.txt' --tls-max 1.2 --ftp-create-dirs \
		-T "$work/utf8.txt" && cmp -s "$work/utf8.txt" "$TB_DATA/a folder/grüße x.txt"; then
		pass "curl: names with a space and UTF-8"
	else
		fail "curl: names with a space and UTF-8"
	fi

	: >"$work/curl.err"
	if probe roundtrip; then
		pass "probe: TLS 1.3 upload and download with session reuse and close_notify"
	else
		fail "probe: TLS 1.3 round trip"
	fi

	# What must be refused.
	if [ "$TB_SECURITY" = explicit ]; then
		if refused / --user "$TB_USER:$TB_PASS" --list-only; then
			pass "plain FTP login refused"
		else
			fail "plain FTP login (no AUTH TLS) was accepted"
		fi
	else
		if python3 "$probe" plain-on-tls "$TB_HOST" "$TB_PORT" 2>"$work/curl.err"; then
			pass "plain FTP on the implicit port gets no FTP reply"
		else
			fail "plain FTP on the implicit port was answered"
		fi
	fi
	if probe prot-c; then
		pass "clear-text data connection (PROT C) refused"
	else
		fail "clear-text data connection (PROT C) was accepted"
	fi
	if refused / --ssl-reqd --cacert "$TB_CAFILE" --user "$TB_USER:wrong-password" --list-only; then
		pass "wrong password refused"
	else
		fail "a wrong password was accepted"
	fi
	if refused / --ssl-reqd --cacert "$TB_CAFILE" --user anonymous:guest@example.org --list-only; then
		pass "anonymous login refused"
	else
		fail "an anonymous login was accepted"
	fi
	if refused / --ssl-reqd --user "$TB_USER:$TB_PASS" --list-only; then
		pass "certificate not trusted without TB_CAFILE"
	else
		fail "the server certificate verified without TB_CAFILE"
	fi

	# Session reuse on data connections: curl --no-sessionid does not resume.
	case $TB_NAME in
	vsftpd-*)
		if refused / --ssl-reqd --cacert "$TB_CAFILE" --user "$TB_USER:$TB_PASS" \
			--no-sessionid --list-only &&
			grep -q 'session reuse required' "$TB_LOG"; then
			pass "data connection without TLS session reuse refused (522)"
		else
			fail "data connection without TLS session reuse was not refused"
		fi
		if grep -qx 'require_ssl_reuse=YES' "$TB_DIR/vsftpd.conf"; then
			pass "require_ssl_reuse=YES"
		else
			fail "require_ssl_reuse is not YES"
		fi
		;;
	proftpd)
		if refused / --ssl-reqd --cacert "$TB_CAFILE" --user "$TB_USER:$TB_PASS" \
			--no-sessionid --list-only &&
			grep -q 'did not reuse TLS session' "$TB_DIR/tls.log"; then
			pass "data connection without TLS session reuse refused (425)"
		else
			fail "data connection without TLS session reuse was not refused"
		fi
		;;
	esac
}

# One server, in a subshell of its own: start, check, stop. Its exit status:
# 0 passed, 1 failed, 77 skipped.
run_server() {
	local name=$1 rc=0 pid
	work=$topwork/$name
	mkdir -p "$work"
	# A subshell does not inherit the EXIT trap: tb_start sets its own.
	tb__started=() tb__exit_cmds=() tb__trap_set=
	tb_start "$name" || rc=$?
	TB_NAME=$name
	case $rc in
	0) ;;
	77)
		printf 'SKIP: %s: cannot run here (see above)\n' "$name"
		return 77
		;;
	*)
		: >"$work/curl.err"
		fail "the server did not start"
		return 1
		;;
	esac
	check_server
	if [ "$nfail" -ne 0 ]; then
		printf -- '--- logs of %s\n' "$name"
		tb_show_logs "$name"
	fi
	pid=$TB_PID
	tb_stop "$name"
	if tb__group_alive "$pid"; then
		fail "processes left after tb_stop"
	fi
	[ "$nfail" -eq 0 ]
}

topwork=$(mktemp -d "${TMPDIR:-/tmp}/testbed_servers.XXXXXX") || exit 99
# shellcheck disable=SC2016 # expanded at exit
tb_at_exit 'rm -rf "$topwork"'

# The servers are checked in parallel (most of the time goes to waiting:
# PAM's delay after a wrong password, TLS handshakes), and reported in order.
pids=()
for name in $names; do
	(run_server "$name") >"$topwork/$name.out" 2>&1 &
	pids+=($!)
done
i=0
for name in $names; do
	rc=0
	wait "${pids[i]}" || rc=$?
	i=$((i + 1))
	cat "$topwork/$name.out"
	npass=$((npass + $(grep -c '^PASS: ' "$topwork/$name.out")))
	nfail=$((nfail + $(grep -c '^FAIL: ' "$topwork/$name.out")))
	case $rc in
	0) nserver=$((nserver + 1)) ;;
	77) nskip=$((nskip + 1)) ;;
	*)
		nserver=$((nserver + 1))
		# A subshell that died without a FAIL line still fails the test.
		grep -q '^FAIL: ' "$topwork/$name.out" || { echo "FAIL: $name: exit $rc"; nfail=$((nfail + 1)); }
		;;
	esac
done

printf '%s: %d checks passed, %d failed; %d servers run, %d skipped\n' \
	"$(basename "$0")" "$npass" "$nfail" "$nserver" "$nskip"
[ "$nfail" -eq 0 ] || exit 1
[ "$nserver" -gt 0 ] || exit 77
exit 0
