# tests/integration/scripted.sh - sourced by tests that use the scripted
# server (tests/tools/scriptftp.py: plain FTP over a real folder, with
# faults on command). Needs $work (the test's work folder), lib.sh's
# it_ctl and it_mount, and $top_srcdir.
#
#   sftp_start [scriptftp options...]   start it: SFTP_URL, SFTP_ROOT, SFTP_CTL;
#                                       its log is $work/sftp.log
#   sftp_stop                           stop it
#   sctl COMMAND...                     a control command ("arm RULE", ...)
#   smount MNT [options...]             mount it (plain FTP, timeout 5 s)


SFTP=$top_srcdir/tests/tools/scriptftp.py
sftp_pid=

# sftp_start [scriptftp options...]: sets SFTP_URL, SFTP_ROOT, SFTP_CTL
sftp_start() {
	local i
	sftp_stop
	SFTP_ROOT=$work/sftp-root
	rm -rf "$SFTP_ROOT" "$work/sftp.port" "$work/sftp.ctl"
	mkdir -p "$SFTP_ROOT"
	python3 "$SFTP" --root "$SFTP_ROOT" --port-file "$work/sftp.port" \
		--control-port-file "$work/sftp.ctl" --log "$work/sftp.log" --parent $$ \
		--lifetime 900 "$@" 2>>"$work/sftp.err" &
	sftp_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$work/sftp.port" ] && break
		kill -0 "$sftp_pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$work/sftp.port" ] || { cat "$work/sftp.err" >&2; return 1; }
	SFTP_CTL=$(cat "$work/sftp.ctl")
	SFTP_URL="ftp://tester@127.0.0.1:$(cat "$work/sftp.port")/"
}

sftp_stop() {
	[ -n "$sftp_pid" ] || return 0
	kill "$sftp_pid" 2>/dev/null
	wait "$sftp_pid" 2>/dev/null
	sftp_pid=
}

# sctl COMMAND...: one control command; true on "ok"
sctl() { it_ctl "$SFTP_CTL" "$work/sftp.cmds" "$@"; }

# smount MNT [options...]: mount the scripted server
smount() {
	local m=$1
	shift
	TB_NAME=scriptftp TB_PASS=secret TB_CAFILE=/dev/null TB_URL=$SFTP_URL \
		it_mount "$m" -o plaintext -o timeout=5 "$@" 2>/dev/null
}
