# tests/integration/lib.sh - helpers for integration tests: counting
# results, running ftps-cli and mounting ftpsfs for real.
#
#   . "$top_srcdir/tests/integration/lib.sh"    (after testbed.sh)
#   it_setup NAME [spool]                       skip unless FUSE is here; $work,
#                                               removed at exit after unmounting
#   it_mount "$mnt" [extra ftpsfs options...]   mounts the current TB_* server
#                                               (and $IT_MOUNT_OPTS, when set)
#   it_umount "$mnt"                            unmounts, expects exit 0
#   check "what" command...                     PASS/FAIL line, counted
#   it_summary                                  "N passed, N failed", exit code
#
# it_mount runs the daemon in the foreground (-f) in the background of the
# test, waits (bounded) until the mountpoint is mounted or the daemon died,
# and registers an unmount with tb_at_exit, so nothing stays mounted when
# a test fails or is interrupted. The daemon's stderr goes to $mnt.log;
# it_umount fails the test when the daemon exited non-zero or logged an
# unexpected warning or error.

: "${top_builddir:=$top_srcdir/build}"
FTPSFS=${FTPSFS:-$top_builddir/fuse/ftpsfs}
FTPS_CLI=${FTPS_CLI:-$top_builddir/tests/tools/ftps-cli}
it_npass=0
it_nfail=0
it_mount_timeout=${IT_MOUNT_TIMEOUT:-20}
declare -A it__pids

it_pass() { printf 'PASS: %s\n' "$*"; it_npass=$((it_npass + 1)); }
it_fail() { printf 'FAIL: %s\n' "$*"; it_nfail=$((it_nfail + 1)); }

# it_start NAME: start test-bed server NAME (TB_* exported, TB_NAME set).
# False, after a SKIP line or a failure, when it cannot run.
it_start() {
	local rc=0
	tb_start "$1" || rc=$?
	TB_NAME=$1
	case $rc in
	0) return 0 ;;
	77) echo "SKIP: $1: cannot run here" ;;
	*) it_fail "$1: the server did not start" ;;
	esac
	return 1
}

# it_show_logs NAME DAEMON-LOG: after a failure, the end of the daemon's
# log and of the server's logs.
it_show_logs() {
	echo "--- daemon log ($1)"
	sed 's/^/    /' "$2" | tail -40
	echo "--- server logs ($1)"
	tb_show_logs "$1" | tail -40
}

# it_setup NAME [spool]: the start the mounting tests share. Skips (exit
# 77) unless ftpsfs is built and /dev/fuse, fusermount3 and python3 are
# here; makes $work, a fresh folder under tests/tmp, and with "spool"
# $work/spool, the spool of every mount (through IT_MOUNT_OPTS). At exit:
# every mount is unmounted first, then the test's it_teardown runs (when
# it defines one), the scripted server and the fault proxy stop (when
# their scripts were sourced), and $work goes, unless IT_KEEP or
# NAME_KEEP (e.g. FAULTS_KEEP) is set.
it_setup() {
	it__name=$1
	if [ ! -x "$FTPSFS" ]; then
		echo "SKIP: $FTPSFS is not built"
		exit 77
	fi
	if [ ! -e /dev/fuse ] || ! command -v fusermount3 >/dev/null || ! command -v python3 >/dev/null; then
		echo "SKIP: needs /dev/fuse, fusermount3 and python3"
		exit 77
	fi
	mkdir -p "$top_builddir/tests/tmp" || exit 99
	work=$(mktemp -d "$top_builddir/tests/tmp/$it__name.XXXXXX") || exit 99
	if [ "${2:-}" = spool ]; then
		mkdir -m 700 "$work/spool" || exit 99
		export IT_MOUNT_OPTS="-o spool_dir=$work/spool"
	fi
	tb_at_exit it__teardown
}

it__teardown() {
	local m keep=${it__name^^}_KEEP
	for m in "${!it__pids[@]}"; do
		it__cleanup "$m"
	done
	if declare -F it_teardown >/dev/null; then it_teardown; fi
	if declare -F sftp_stop >/dev/null; then sftp_stop; fi
	if declare -F proxy_stop >/dev/null; then proxy_stop; fi
	if [ -n "${IT_KEEP:-}${!keep:-}" ]; then
		echo "$it__name: kept $work" >&2
	else
		rm -rf --one-file-system "$work"
	fi
}

# check "description" cmd args...: runs the command, PASS when it succeeds.
check() {
	local what=$1
	shift
	if "$@"; then it_pass "${TB_NAME:-}: $what"; else it_fail "${TB_NAME:-}: $what"; fi
}

# ftps-cli against the current server, with its CA and password.
cli() {
	FTPS_PASSWORD=$TB_PASS timeout 60 "$FTPS_CLI" --cafile "$TB_CAFILE" "$@"
}

it_is_mounted() { mountpoint -q "$1" 2>/dev/null; }

# it_mount MNT [options...]: mount the current server at MNT.
it_mount() {
	local mnt=$1 i pid
	shift
	mkdir -p "$mnt"
	# shellcheck disable=SC2086  # IT_MOUNT_OPTS: more words for every mount
	printf '%s\n' "$TB_PASS" | "$FTPSFS" -f -o cafile="$TB_CAFILE" -o password_stdin \
		${IT_MOUNT_OPTS:-} "$@" "$TB_URL" "$mnt" >"$mnt.log" 2>&1 &
	pid=$!
	it__pids[$mnt]=$pid
	tb_at_exit "it__cleanup '$mnt'"
	for ((i = 0; i < it_mount_timeout * 10; i++)); do
		if it_is_mounted "$mnt"; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "ftpsfs exited before mounting:" >&2
			sed 's/^/    /' "$mnt.log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "ftpsfs did not mount within ${it_mount_timeout}s" >&2
	return 1
}

it__cleanup() {
	local mnt=$1 pid=${it__pids[$1]:-}
	if it_is_mounted "$mnt"; then
		fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt" 2>/dev/null
	fi
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill "$pid" 2>/dev/null
	fi
	return 0
}

# it_umount MNT [allowed-log-regex]: unmount; the daemon must exit 0 and
# have logged no warning or error except lines matching the regex.
it_umount() {
	local mnt=$1 allow=${2:-'^$'} pid=${it__pids[$1]:-} rc=0 i
	fusermount3 -u "$mnt" || return 1
	if [ -n "$pid" ]; then
		for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then
			echo "ftpsfs still running 30s after unmount" >&2
			kill "$pid"
			return 1
		fi
		wait "$pid" || rc=$?
		unset "it__pids[$mnt]"
	fi
	if [ "$rc" -ne 0 ]; then
		echo "ftpsfs exited with $rc" >&2
		sed 's/^/    /' "$mnt.log" >&2
		return 1
	fi
	if grep -E 'warn|error' "$mnt.log" | grep -Ev "$allow" | grep -q .; then
		echo "unexpected messages from ftpsfs:" >&2
		grep -E 'warn|error' "$mnt.log" | grep -Ev "$allow" | sed 's/^/    /' >&2
		return 1
	fi
	return 0
}

# it_ctl PORT LOG COMMAND...: one line to a test helper's control port on
# 127.0.0.1 (the fault proxy, the scripted server); its one-line reply in
# $it_ctl_reply, and both appended to LOG. True when the reply is "ok ...".
it_ctl() {
	local port=$1 log=$2 fd
	shift 2
	it_ctl_reply="err unreachable"
	if exec {fd}<>"/dev/tcp/127.0.0.1/$port"; then
		printf '%s\n' "$*" >&"$fd"
		IFS= read -r -t 120 it_ctl_reply <&"$fd" || it_ctl_reply="err no reply"
		exec {fd}>&-
	fi
	printf '%s -> %s\n' "$*" "$it_ctl_reply" >>"$log"
	[[ $it_ctl_reply == ok* ]]
}

# it_summary: the closing line the test runner reads, and the exit code.
it_summary() {
	printf '%d passed, %d failed\n' "$it_npass" "$it_nfail"
	[ "$it_nfail" -eq 0 ]
}
