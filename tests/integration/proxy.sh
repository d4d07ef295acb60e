# tests/integration/proxy.sh - the fault proxy (tests/tools/faultproxy.py)
# in front of the current test-bed server, for tests that inject faults.
#
#   . "$top_srcdir/tests/integration/proxy.sh"   (after testbed.sh, lib.sh;
#                                                 needs $work, a scratch folder)
#   proxy_start [proxy options...]   listen on 127.0.0.2, the server's ports;
#                                    sets FP_PORT (its control port), PROXY_URL
#   fp COMMAND...                    one proxy command; reply in $fp_reply
#   fp_stat KEY                      one counter of the proxy's stats
#   pmount MNT [ftpsfs options...]   mount the server through the proxy
#   proxy_stop
#
# ftpsfs connects data connections to the control connection's peer, so
# every byte of a mount through the proxy crosses it. The certificate is
# pinned (-o fingerprint): it names 127.0.0.1, not 127.0.0.2.

PROXY=${PROXY:-$top_srcdir/tests/tools/faultproxy.py}
fp_pid=

# proxy_available: true when the proxy's address can be bound here.
proxy_available() {
	python3 -c 'import socket; socket.socket().bind(("127.0.0.2", 0))' 2>/dev/null
}

# proxy_start [options...]: a proxy in front of the current TB_* server.
proxy_start() {
	local i
	proxy_stop
	rm -f "$work/fp.port"
	python3 "$PROXY" --listen 127.0.0.2 --target 127.0.0.1 --ctrl-port "$TB_PORT" \
		--pasv-min "$TB_PASV_MIN" --pasv-max "$TB_PASV_MAX" --port-file "$work/fp.port" \
		--log "$work/proxy.log" --parent $$ --lifetime 900 "$@" 2>>"$work/proxy.err" &
	fp_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$work/fp.port" ] && break
		kill -0 "$fp_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -s "$work/fp.port" ]; then
		echo "the fault proxy did not start:" >&2
		cat "$work/proxy.err" >&2
		return 1
	fi
	FP_PORT=$(cat "$work/fp.port")
	PROXY_URL="${TB_URL%%://*}://$TB_USER@127.0.0.2:$TB_PORT/"
}

proxy_stop() {
	[ -n "$fp_pid" ] || return 0
	kill "$fp_pid" 2>/dev/null
	wait "$fp_pid" 2>/dev/null
	fp_pid=
}

# fp COMMAND...: one command to the proxy; its reply in $fp_reply; true on "ok".
fp() {
	local rc=0
	it_ctl "$FP_PORT" "$work/proxy.cmds" "$@" || rc=1
	fp_reply=$it_ctl_reply
	return $rc
}

# fp_stat KEY: one counter from the proxy's stats.
fp_stat() {
	local w
	fp stats || return 1
	for w in $fp_reply; do
		if [[ $w == "$1="* ]]; then
			echo "${w#*=}"
			return 0
		fi
	done
	return 1
}

# pmount MNT [options...]: mount the current server through the proxy.
pmount() {
	# shellcheck disable=SC2086  # FAULTS_OPTS: extra words, for debugging
	TB_URL=$PROXY_URL it_mount "$1" -o fingerprint="$TB_FINGERPRINT" ${FAULTS_OPTS:-} "${@:2}"
}
