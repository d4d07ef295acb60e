#!/bin/bash
# tests/integration/core_failures.sh - what the FTPS core says when it cannot
# connect, through ftps-cli, against the test bed's servers and a few fake
# ones on loopback.
#
# Each failure must end with a non-zero exit, within its timeout (elapsed
# < timeout + 5 s), and exactly ONE line on stderr whose wording says what
# to do. Against each of vsftpd-explicit, vsftpd-implicit, proftpd and
# pureftpd:
#   - an untrusted certificate: no CA file, the CA of another test-bed
#     instance, a fresh self-signed CA: the line names -o cafile and
#     -o fingerprint and prints the server's fingerprint;
#   - the right fingerprint pinned with no CA file: must work;
#   - another server's fingerprint pinned: "fingerprint" and the real one;
#   - a wrong password: "login";
#   - the wrong URL scheme: ftpes:// against the implicit port says
#     "ftps://", ftps:// against an explicit port says "ftpes://";
#   - a host name mismatch: the server reached as 127.0.0.2 (through a
#     forwarder; the certificate names localhost, 127.0.0.1 and ::1) and by
#     this machine's host name when it resolves to 127.0.0.1.
# And without a test-bed server: a closed port on 127.0.0.1, a name that
# does not resolve (nonexistent.invalid), a listener that accepts and never
# speaks (--timeout 3, explicit and implicit), one that closes at once.
# --insecure works without a CA and warns in one line.
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
names=${CORE_FAILURES_SERVERS:-$TB_ALL_NAMES}
TMO=10                  # --timeout for the failures that involve a real server
t_start=$EPOCHREALTIME

if [ ! -x "$FTPS_CLI" ]; then
	echo "SKIP: $FTPS_CLI is not built (make tests/tools/ftps-cli)"
	exit 77
fi
mkdir -p "$top_builddir/tests/tmp" || exit 99
work=$(mktemp -d "$top_builddir/tests/tmp/core_failures.XXXXXX") || exit 99
tb_at_exit 'rm -rf "$work"'

elapsed() { printf '%.1f' "$(bc <<<"$EPOCHREALTIME - $1")"; }

# ---------------------------------------------------------------------------
# Fake servers on loopback: "silent" accepts and never speaks, "close"
# closes at once, "forward HOST PORT" relays to HOST:PORT. Each prints its
# port first. They run under timeout and are killed at exit.

cat >"$work/fake.py" <<'EOF'
import socket, sys, threading
mode, addr = sys.argv[1], sys.argv[2]
ls = socket.socket()
ls.bind((addr, 0))
ls.listen(16)
print(ls.getsockname()[1], flush=True)
held = []

def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

while True:
    c, _ = ls.accept()
    if mode == "silent":
        held.append(c)
    elif mode == "close":
        c.close()
    else:
        u = socket.create_connection((sys.argv[3], int(sys.argv[4])), timeout=5)
        u.settimeout(None)
        threading.Thread(target=pipe, args=(c, u), daemon=True).start()
        threading.Thread(target=pipe, args=(u, c), daemon=True).start()
EOF

nfake=0
# fake MODE ADDR [ARGS]: start one; sets fake_port.
fake() {
	local out=$work/fake.$nfake pid i
	nfake=$((nfake + 1))
	timeout 600 python3 "$work/fake.py" "$@" >"$out" 2>&1 &
	pid=$!
	tb_at_exit "kill $pid 2>/dev/null"
	for ((i = 0; i < 50; i++)); do
		fake_port=$(head -n1 "$out")
		[ -z "$fake_port" ] || return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "fake server '$*' did not start: $(cat "$out")" >&2
	return 1
}

# A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
closed_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------------------

# expect_fail "what" TIMEOUT "word1|word2..." [VAR=value...] -- ftps-cli args:
# ftps-cli must fail within TIMEOUT + 5 s, with exactly one line on
# stderr containing every word (fixed strings, case-insensitive).
expect_fail() {
	local what=$1 tmo=$2 words=$3 rc=0 t0 dt w nl env=()
	shift 3
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	t0=$EPOCHREALTIME
	env FTPS_PASSWORD="$TB_PASS" "${env[@]}" timeout $((tmo + 20)) \
		"$FTPS_CLI" --timeout "$tmo" "$@" >"$work/out" 2>"$work/err" || rc=$?
	dt=$(elapsed "$t0")
	nl=$(wc -l <"$work/err")
	local why=
	if [ "$rc" -eq 0 ]; then
		why="it succeeded"
	elif [ "$rc" -eq 124 ]; then
		why="it hung (killed after $((tmo + 20)) s)"
	elif (($(bc <<<"$dt >= $tmo + 5"))); then
		why="it took $dt s (timeout $tmo s)"
	elif [ "$nl" -ne 1 ]; then
		why="$nl lines on stderr"
	else
		IFS='|' read -ra ws <<<"$words"
		for w in "${ws[@]}"; do
			grep -qiF -- "$w" "$work/err" || why="${why:+$why, }no '$w' in the message"
		done
	fi
	if [ -z "$why" ]; then
		it_pass "$TB_NAME: $what ($dt s)"
		sed 's/^/    /' "$work/err"
	else
		it_fail "$TB_NAME: $what: $why (exit $rc, $dt s)"
		sed 's/^/    stderr: /' "$work/err"
	fi
}

# expect_ok "what" [VAR=value...] -- ftps-cli args: must succeed, and list
# the server's src.bin.
expect_ok() {
	local what=$1 rc=0 env=()
	shift
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	env FTPS_PASSWORD="$TB_PASS" "${env[@]}" timeout 60 "$FTPS_CLI" --timeout "$TMO" "$@" \
		>"$work/out" 2>"$work/err" || rc=$?
	if [ "$rc" -eq 0 ] && grep -q 'src\.bin$' "$work/out"; then
		it_pass "$TB_NAME: $what"
		[ ! -s "$work/err" ] || sed 's/^/    /' "$work/err"
	else
		it_fail "$TB_NAME: $what (exit $rc)"
		sed 's/^/    stderr: /' "$work/err"
	fi
}

# A throwaway self-signed CA that signed nothing here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/other-ca.key" -out "$work/other-ca.pem" -days 2 \
	-subj "/CN=ftpsfs unrelated CA" >"$work/openssl.log" 2>&1 ||
	{ cat "$work/openssl.log"; exit 99; }

# Start every server first: each one's checks use another's CA and fingerprint.
started=()
for name in $names; do
	! it_start "$name" || started+=("$name")
done
[ "${#started[@]}" -gt 0 ] || { echo "SKIP: no server could run here"; exit 77; }

# This machine's name, when it reaches 127.0.0.1 without being in the
# certificate (localhost, 127.0.0.1, ::1).
myname=$(hostname 2>/dev/null)
case $myname in
localhost | '') myname= ;;
*) [ "$(getent ahostsv4 "$myname" | awk 'NR == 1 { print $1 }')" = 127.0.0.1 ] || myname= ;;
esac

for i in "${!started[@]}"; do
	other=${started[$(((i + 1) % ${#started[@]}))]}
	tb_use "$other"
	other_ca=$TB_CAFILE other_fp=$TB_FINGERPRINT
	tb_use "${started[$i]}"
	t0=$EPOCHREALTIME
	head -c 1000 /dev/urandom >"$TB_DATA/src.bin"
	chown "$TB_USER:$TB_USER" "$TB_DATA/src.bin"
	scheme=ftpes wrong=ftps
	[ "$TB_SECURITY" = explicit ] || scheme=ftps wrong=ftpes
	untrusted="cafile|fingerprint|$TB_FINGERPRINT"

	expect_fail "no CA file: untrusted certificate" $TMO "$untrusted" -- "$TB_URL" ls /
	if [ "$other" != "$TB_NAME" ]; then
		expect_fail "the CA of another instance ($other)" $TMO "$untrusted" -- \
			--cafile "$other_ca" "$TB_URL" ls /
	fi
	expect_fail "an unrelated self-signed CA" $TMO "$untrusted" -- \
		--cafile "$work/other-ca.pem" "$TB_URL" ls /
	expect_ok "the right fingerprint pinned, no CA file" -- \
		--fingerprint "$TB_FINGERPRINT" "$TB_URL" ls /
	if [ "$other" != "$TB_NAME" ]; then
		expect_fail "a wrong fingerprint pinned" $TMO "fingerprint|$TB_FINGERPRINT" -- \
			--fingerprint "$other_fp" "$TB_URL" ls /
	fi
	expect_fail "a wrong password" $TMO "login" FTPS_PASSWORD=not-the-password -- \
		--cafile "$TB_CAFILE" "$TB_URL" ls /
	expect_fail "$wrong:// against this $TB_SECURITY port" $TMO "$scheme://" -- \
		--cafile "$TB_CAFILE" "$wrong://$TB_USER@$TB_HOST:$TB_PORT/" ls /

	# Host name mismatch: 127.0.0.2 reaches the server through a forwarder.
	if fake forward 127.0.0.2 "$TB_HOST" "$TB_PORT"; then
		expect_fail "reached as 127.0.0.2, not in the certificate" $TMO \
			"127.0.0.2|fingerprint" -- --cafile "$TB_CAFILE" \
			"$scheme://$TB_USER@127.0.0.2:$fake_port/" ls /
	else
		it_fail "$TB_NAME: no forwarder on 127.0.0.2"
	fi
	if [ -n "$myname" ]; then
		expect_fail "reached as '$myname', not in the certificate" $TMO "$myname" -- \
			--cafile "$TB_CAFILE" "$scheme://$TB_USER@$myname:$TB_PORT/" ls /
	else
		echo "    (no host name of this machine resolves to 127.0.0.1: that case is skipped)"
	fi
	echo "    ($TB_NAME: $(elapsed "$t0") s)"
done

# --insecure: works without any CA, with one warning line.
tb_use "${started[0]}"
rc=0
FTPS_PASSWORD=$TB_PASS timeout 60 "$FTPS_CLI" --timeout $TMO --insecure "$TB_URL" ls / \
	>"$work/out" 2>"$work/err" || rc=$?
if [ "$rc" -eq 0 ] && grep -q 'src\.bin$' "$work/out" && [ "$(wc -l <"$work/err")" -eq 1 ] &&
	grep -qi 'insecure' "$work/err"; then
	it_pass "$TB_NAME: --insecure works without a CA and warns once"
	sed 's/^/    /' "$work/err"
else
	it_fail "$TB_NAME: --insecure (exit $rc)"
	sed 's/^/    stderr: /' "$work/err"
fi

# Without a test-bed server.
TB_NAME=loopback
port=$(closed_port)
expect_fail "a closed port on 127.0.0.1" $TMO "127.0.0.1:$port|connect" -- \
	"ftpes://u@127.0.0.1:$port/" ls /
expect_fail "a host name that does not resolve" $TMO "nonexistent.invalid|resolve" -- \
	"ftpes://u@nonexistent.invalid:21/" ls /
if fake silent 127.0.0.1; then
	silent=$fake_port
	for s in ftpes ftps; do
		t0=$EPOCHREALTIME
		expect_fail "$s:// to a server that accepts and never speaks, --timeout 3" 3 \
			"time" -- "$s://u@127.0.0.1:$silent/" ls /
		# It must really have waited for the timeout, not given up early.
		if (($(bc <<<"$EPOCHREALTIME - $t0 < 2.5"))); then
			it_fail "$TB_NAME: $s:// gave up on the silent server before its 3 s timeout"
		fi
	done
else
	it_fail "$TB_NAME: no silent server"
fi
if fake close 127.0.0.1; then
	expect_fail "a server that closes at once" $TMO "closed" -- \
		"ftpes://u@127.0.0.1:$fake_port/" ls /
else
	it_fail "$TB_NAME: no closing server"
fi

echo "core_failures.sh: $(elapsed "$t_start") s"
it_summary
