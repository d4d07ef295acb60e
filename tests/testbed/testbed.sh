# tests/testbed/testbed.sh - real FTPS servers on loopback, for tests.
# shellcheck shell=bash
#
# Sourced by integration tests and by the `tb` command. Each server runs
# from the .debs that scripts/fetch-servers unpacked into the build tree,
# as root (it chroots and drops to the test account), on 127.0.0.1 on a
# free port, with its own throwaway CA and server certificate, its own
# data folder and logs in one instance folder:
#
#   vsftpd-explicit   vsftpd 3.0.3, AUTH TLS, TLS required, require_ssl_reuse=YES
#   vsftpd-implicit   the same with implicit TLS
#   vsftpd-ipv6       vsftpd-explicit listening on ::1 only
#   proftpd           ProFTPD 1.3.8 + mod_tls, TLSRequired on, session reuse
#                     of the control connection required (mod_tls default)
#   pureftpd          pure-ftpd 1.0.50, -Y 3 (TLS on control and data), a
#                     PureDB virtual user
#
# Each server's "/" is its data folder (all of them chroot).
#
# Use from a test:
#
#   . "$top_srcdir/tests/testbed/testbed.sh"
#   tb_start vsftpd-explicit || exit $?    # 77 = skip: no server binary / not root
#   curl --ssl-reqd --cacert "$TB_CAFILE" -u "$TB_USER:$TB_PASS" "ftp://$TB_HOST:$TB_PORT/"
#   tb_at_exit 'fusermount3 -u "$mnt"'     # runs before the servers stop
#
# tb_start installs a trap so every server started by the shell is stopped
# when it exits, fails or is interrupted. After tb_start NAME these are
# exported (tb_use NAME exports them again for an earlier server):
#
#   TB_NAME TB_HOST TB_PORT TB_URL TB_USER TB_PASS TB_CAFILE TB_DATA TB_PID
#   TB_DIR TB_SECURITY (explicit|implicit) TB_PASV_MIN TB_PASV_MAX TB_LOG
#   TB_FINGERPRINT (SHA256:AA:BB:... of the server certificate)
#
# Knobs (environment): TB_BUILDDIR (default $top_builddir), TB_SERVERS_ROOT
# (default $TB_BUILDDIR/tests/servers/root), TB_RUNDIR (where instance
# folders go; default $TB_BUILDDIR/tests/testbed/run/<script name>),
# TB_NO_TRAP=1 (leave servers running, for the tb command), TB_NO_SKIP=1
# (a missing binary is an error, 99, instead of a skip, 77; scripts/check
# sets it), TB_VERBOSE=1. Works in shells with or without set -euo pipefail.
# TB_VSFTPD_EXTRA / TB_PROFTPD_EXTRA: lines appended to that server's
# configuration (e.g. TB_VSFTPD_EXTRA=max_per_ip=2).
# TB_PUREFTPD_EXTRA: arguments added to pure-ftpd's command line (split
# at blanks; e.g. TB_PUREFTPD_EXTRA='-T 19532:19532' caps each session).

TB_USER=ftpsfs-test
# A throwaway account that only exists for the local test servers.
TB_PASS='ftpsfs-test-pw-7Qx2'
TB_ALL_NAMES="vsftpd-explicit vsftpd-implicit proftpd pureftpd"
TB_START_TIMEOUT=${TB_START_TIMEOUT:-10}
TB_STOP_TIMEOUT=${TB_STOP_TIMEOUT:-5}
# Ports are a machine-wide resource, so their lock and claims are too.
TB_PORT_STATE=${TB_PORT_STATE:-/tmp/ftpsfs-testbed-ports}
# One control port and 255 passive ports per server. With 63, ProFTPD once
# answered a read's EPSV with "425 Address already in use" for as long as
# the read waited (prefetch.sh under the sanitizers: several sessions open
# data connections at once, and prepared ones stay listening while idle).
TB_PORT_BLOCK=256

TB_SRCDIR=${TB_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TB_BUILDDIR=${TB_BUILDDIR:-${top_builddir:-$TB_SRCDIR/build}}
TB_SERVERS_ROOT=${TB_SERVERS_ROOT:-$TB_BUILDDIR/tests/servers/root}
TB_RUNDIR=${TB_RUNDIR:-$TB_BUILDDIR/tests/testbed/run/$(basename "${0%.sh}")}

tb__started=()          # names started by this shell, in order
tb__exit_cmds=()        # tb_at_exit commands
tb__trap_set=

tb__log() { printf 'testbed: %s\n' "$*" >&2; }
tb__debug() { [ -z "${TB_VERBOSE:-}" ] || tb__log "$@"; }

# The status that means "cannot run here": skip, unless told not to.
tb__skip_status() { if [ -n "${TB_NO_SKIP:-}" ]; then echo 99; else echo 77; fi; }

tb__dir() { printf '%s/%s\n' "$TB_RUNDIR" "$1"; }

# ---------------------------------------------------------------------------
# The test account

# Create the system user if missing and (re)set its password when the
# stored hash is not ours. We set a SHA-512 crypt hash with a fixed salt so
# the check is a string compare, not a login attempt. Its home is "/":
# vsftpd changes into the home folder before local_root and gives up when
# it does not exist; every server then chroots into its data folder.
tb__ensure_user() {
	local want have
	want=$(printf '%s\n' "$TB_PASS" | openssl passwd -6 -salt ftpsfstestbed -stdin) || return 1
	(
		flock -w 30 9 || exit 1
		if ! getent passwd "$TB_USER" >/dev/null; then
			useradd --system --user-group --no-create-home \
				--home-dir / --shell /usr/sbin/nologin \
				--comment 'ftpsfs test bed' "$TB_USER" || exit 1
		fi
		if [ "$(getent passwd "$TB_USER" | cut -d: -f6)" != / ]; then
			usermod --home / "$TB_USER" || exit 1
		fi
		have=$(getent shadow "$TB_USER" | cut -d: -f2)
		if [ "$have" != "$want" ]; then
			printf '%s:%s\n' "$TB_USER" "$want" | chpasswd -e || exit 1
		fi
	) 9>"$TB_PORT_STATE/user.lock"
}

# ---------------------------------------------------------------------------
# Ports

# A claim file per port block holds the pid of the server using it; a block
# whose server is gone is free again. Call with the lock held. Sets
# tb__port, tb__pasv_min, tb__pasv_max.
tb__claim_ports() {
	local lo hi f pid bases base
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	# Stay below the kernel's ephemeral range, where outgoing connections
	# take ports without asking.
	hi=$((lo - 1)); lo=10000
	[ "$hi" -gt $((lo + 4 * TB_PORT_BLOCK)) ] || hi=29999
	for f in "$TB_PORT_STATE"/block.*; do
		[ -e "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null)
		tb__alive "$pid" || rm -f "$f"
	done
	# python3 picks random blocks whose every port can be bound right now.
	bases=$(python3 - "$lo" "$hi" "$TB_PORT_BLOCK" "$TB_PORT_STATE" <<-'EOF'
	import os, random, socket, sys
	lo, hi, n, state = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
	def free(port):
	    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
	        s = socket.socket(fam, socket.SOCK_STREAM)
	        try:
	            if fam == socket.AF_INET6:
	                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
	            s.bind((addr, port))
	        except OSError:
	            return False
	        finally:
	            s.close()
	    return True
	blocks = list(range(lo - lo % n + n, hi - n, n))
	random.shuffle(blocks)
	for base in blocks[:200]:
	    if os.path.exists(os.path.join(state, "block.%d" % base)):
	        continue
	    if all(free(p) for p in range(base, base + n)):
	        print(base)
	        break
	EOF
	) || return 1
	base=$bases
	[ -n "$base" ] || { tb__log "no free block of $TB_PORT_BLOCK ports in $lo-$hi"; return 1; }
	echo "$$" >"$TB_PORT_STATE/block.$base"
	tb__port=$base
	tb__pasv_min=$((base + 1))
	tb__pasv_max=$((base + TB_PORT_BLOCK - 1))
}

# ---------------------------------------------------------------------------
# Processes

# The state letter and process group of pid $1, from /proc (builtins only:
# this runs in loops over every process).
tb__stat() {
	local line
	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	line=${line##*) }
	read -r tb__st _ tb__pg _ <<<"$line"
}

# True when pid $1 exists and is not a zombie (orphans are not always reaped
# in containers, and kill -0 succeeds on a zombie).
tb__alive() {
	[ -n "${1:-}" ] && tb__stat "$1" && [ "$tb__st" != Z ] && [ "$tb__st" != X ]
}

# True while any live process is in process group $1.
tb__group_alive() {
	local p
	for p in /proc/[0-9]*; do
		tb__stat "${p#/proc/}" || continue
		[ "$tb__pg" = "$1" ] && [ "$tb__st" != Z ] && [ "$tb__st" != X ] && return 0
	done
	return 1
}

# Start "$@" in a new session (so its children share a process group we can
# signal as one) with output to $dir/server.out; its pid goes to $dir/pid.
# The server must not inherit the port lock, or it would hold it forever.
tb__launch() {
	local dir=$1 i
	shift
	rm -f "$dir/pid"
	# In a shell without job control the background job is no process group
	# leader, so setsid does not fork: the server stays our child and
	# tb_stop can reap it (wait) instead of leaving a zombie behind.
	# shellcheck disable=SC2016 # expanded by the inner bash
	setsid bash -c 'echo $$ >"$1.tmp" && mv "$1.tmp" "$1"; shift; exec "$@"' \
		tb-launch "$dir/pid" "$@" </dev/null >>"$dir/server.out" 2>&1 {tb__lockfd}>&- &
	echo "$!" >"$dir/launcher"
	for ((i = 0; i < 50; i++)); do
		[ -s "$dir/pid" ] && return 0
		sleep 0.1
	done
	tb__log "server did not start (no pid file)"
	return 1
}

# Wait until $host:$port accepts a connection, while pid $3 lives.
tb__wait_port() {
	local host=$1 port=$2 pid=$3 i
	for ((i = 0; i < TB_START_TIMEOUT * 10; i++)); do
		tb__alive "$pid" || return 1
		# shellcheck disable=SC2016
		if timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' tb-probe "$host" "$port" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------------
# Certificates

# A throwaway CA and a server certificate it signs, valid for localhost,
# 127.0.0.1 and ::1, in $1: ca.pem, server.key, server.pem, server-full.pem
# (key + certificate, for pure-ftpd).
tb__make_certs() {
	local d=$1 name=$2
	(
		set -e
		cd "$d"
		umask 077
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout ca.key -out ca.pem -days 3 -subj "/CN=ftpsfs test bed CA ($name)" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout server.key -out server.csr -subj "/CN=localhost"
		cat >server.ext <<-EOF
		basicConstraints = critical,CA:FALSE
		keyUsage = critical,digitalSignature
		extendedKeyUsage = serverAuth
		subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
		EOF
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 3 -extfile server.ext -out server.pem
		cat server.key server.pem >server-full.pem
		chmod 644 ca.pem server.pem
		rm -f server.csr ca.srl
	) >"$d/certs.log" 2>&1 || { cat "$d/certs.log" >&2; return 1; }
}

# ---------------------------------------------------------------------------
# Server configurations. Each writes its files into $dir and sets tb__cmd.

tb__conf_vsftpd() {
	local dir=$1 implicit=$2 host=$3 listen
	if [ "$host" = ::1 ]; then
		listen="listen=NO
listen_ipv6=YES
listen_address6=::1"
	else
		listen="listen=YES
listen_address=$host"
	fi
	mkdir -p "$dir/empty"
	chmod 755 "$dir/empty"
	cat >"$dir/vsftpd.conf" <<-EOF
	# ftpsfs test bed: $TB_NAME
	$listen
	listen_port=$tb__port
	background=NO
	seccomp_sandbox=NO
	anonymous_enable=NO
	local_enable=YES
	write_enable=YES
	local_umask=022
	chroot_local_user=YES
	allow_writeable_chroot=YES
	local_root=$dir/data
	secure_chroot_dir=$dir/empty
	# No such service: PAM falls back to /etc/pam.d/other (pam_unix).
	pam_service_name=ftpsfs-testbed
	userlist_enable=NO
	# Only PAM's own delay after a wrong password (2 s), not vsftpd's too.
	delay_failed_login=0
	tcp_wrappers=NO
	pasv_enable=YES
	pasv_min_port=$tb__pasv_min
	pasv_max_port=$tb__pasv_max
	ssl_enable=YES
	implicit_ssl=$implicit
	allow_anon_ssl=NO
	force_local_logins_ssl=YES
	force_local_data_ssl=YES
	require_ssl_reuse=YES
	ssl_sslv2=NO
	ssl_sslv3=NO
	ssl_tlsv1=YES
	# vsftpd's own default (DES-CBC3-SHA) is refused by OpenSSL 3.
	ssl_ciphers=HIGH:!aNULL:!MD5
	rsa_cert_file=$dir/server.pem
	rsa_private_key_file=$dir/server.key
	xferlog_enable=YES
	xferlog_std_format=NO
	log_ftp_protocol=YES
	vsftpd_log_file=$dir/vsftpd.log
	debug_ssl=YES
	ftpd_banner=ftpsfs test bed ($TB_NAME)
	${TB_VSFTPD_EXTRA:-}
	EOF
	tb__log_file=$dir/vsftpd.log
	tb__cmd=("$TB_SERVERS_ROOT/usr/sbin/vsftpd" "$dir/vsftpd.conf")
}

tb__conf_proftpd() {
	local dir=$1 host=$2
	cat >"$dir/proftpd.conf" <<-EOF
	# ftpsfs test bed: $TB_NAME
	ModulePath $TB_SERVERS_ROOT/usr/lib/proftpd
	ModuleControlsACLs insmod,rmmod allow user root
	LoadModule mod_tls.c
	ServerName "ftpsfs test bed ($TB_NAME)"
	ServerType standalone
	DefaultServer on
	UseIPv6 off
	DefaultAddress $host
	SocketBindTight on
	Port $tb__port
	PassivePorts $tb__pasv_min $tb__pasv_max
	User $TB_USER
	Group $TB_USER
	MaxInstances 64
	UseReverseDNS off
	WtmpLog off
	DelayEngine off
	ControlsEngine off
	PidFile $dir/proftpd.pid
	ScoreboardFile $dir/proftpd.scoreboard
	SystemLog $dir/proftpd.log
	TransferLog $dir/xfer.log
	DebugLevel 0
	AuthOrder mod_auth_unix.c
	AuthPAM off
	RequireValidShell off
	DefaultRoot $dir/data
	Umask 022
	AllowOverwrite on
	TLSEngine on
	TLSRequired on
	TLSProtocol TLSv1.2 TLSv1.3
	TLSECCertificateFile $dir/server.pem
	TLSECCertificateKeyFile $dir/server.key
	TLSVerifyClient off
	TLSLog $dir/tls.log
	${TB_PROFTPD_EXTRA:-}
	EOF
	# With -n ProFTPD logs to stderr (server.out); TLS details go to tls.log.
	tb__log_file=$dir/server.out
	tb__cmd=("$TB_SERVERS_ROOT/usr/sbin/proftpd" -n -c "$dir/proftpd.conf")
}

tb__conf_pureftpd() {
	local dir=$1 host=$2 uid gid
	uid=$(id -u "$TB_USER") && gid=$(id -g "$TB_USER") || return 1
	# pure-pw would hash with argon2id at a cost that makes every login take
	# seconds here; a SHA-512 crypt hash in the same file format is accepted
	# and instant. Fields: user:hash:uid:gid:gecos:home/./:(quotas...)
	printf '%s:%s:%s:%s::%s/./::::::::::::\n' "$TB_USER" \
		"$(printf '%s\n' "$TB_PASS" | openssl passwd -6 -stdin)" "$uid" "$gid" "$dir/data" >"$dir/pureftpd.passwd"
	"$TB_SERVERS_ROOT/usr/bin/pure-pw" mkdb "$dir/pureftpd.pdb" -f "$dir/pureftpd.passwd" \
		>"$dir/pure-pw.log" 2>&1 || { cat "$dir/pure-pw.log" >&2; return 1; }
	# pure-ftpd logs only to syslog; without /dev/log only the transfer log
	# (-O) and its stderr are left to read.
	tb__log_file=$dir/server.out
	tb__cmd=("$TB_SERVERS_ROOT/usr/sbin/pure-ftpd"
		-S "$host,$tb__port" -l "puredb:$dir/pureftpd.pdb" -E -A -H
		-Y 3 -2 "$dir/server-full.pem" -p "$tb__pasv_min:$tb__pasv_max"
		-u 1 -U 133:022 -O "clf:$dir/xfer.log" -g "$dir/pure-ftpd.pid")
	if [ -n "${TB_PUREFTPD_EXTRA:-}" ]; then
		local extra
		read -ra extra <<<"$TB_PUREFTPD_EXTRA"
		tb__cmd+=("${extra[@]}")
	fi
}

# ---------------------------------------------------------------------------
# Public functions

# Stop servers whose environment is not needed anymore, run tb_at_exit
# commands; called from the trap.
tb__on_exit() {
	local st=$? c
	for c in "${tb__exit_cmds[@]}"; do
		eval "$c" || true
	done
	tb__exit_cmds=()
	tb_stop_all
	return $st
}

tb__install_trap() {
	[ -z "${TB_NO_TRAP:-}" ] && [ -z "$tb__trap_set" ] || return 0
	tb__trap_set=1
	trap 'tb__on_exit' EXIT
	trap 'tb__on_exit; exit 130' INT
	trap 'tb__on_exit; exit 143' TERM
	trap 'tb__on_exit; exit 129' HUP
}

# Run command string $1 (eval'd) when the shell exits, before the servers
# stop: unmount, kill a daemon you started...
tb_at_exit() {
	tb__exit_cmds+=("$1")
	tb__install_trap
}

# The server binary NAME needs, to test for it.
tb__binary() {
	case $1 in
	vsftpd-*) echo "$TB_SERVERS_ROOT/usr/sbin/vsftpd" ;;
	proftpd) echo "$TB_SERVERS_ROOT/usr/sbin/proftpd" ;;
	pureftpd) echo "$TB_SERVERS_ROOT/usr/sbin/pure-ftpd" ;;
	*) return 1 ;;
	esac
}

# True when server NAME can run here (binary present, root).
tb_available() {
	local bin
	bin=$(tb__binary "$1") || return 1
	[ -x "$bin" ] && [ "$(id -u)" -eq 0 ]
}

# Start server NAME and export its TB_* variables. Returns 77 (or 99 with
# TB_NO_SKIP) when it cannot run here, 1 when it fails to start.
tb_start() {
	local name=$1 bin dir host security implicit attempt rc
	bin=$(tb__binary "$name") || { tb__log "unknown server '$name' (known: $TB_ALL_NAMES vsftpd-ipv6)"; return 2; }
	if [ ! -x "$bin" ]; then
		tb__log "$name: $bin is missing; run scripts/fetch-servers $(dirname "$TB_SERVERS_ROOT") (or point TB_SERVERS_ROOT at fetched servers)"
		return "$(tb__skip_status)"
	fi
	if [ "$(id -u)" -ne 0 ]; then
		tb__log "$name: the test servers need root (they chroot and switch to $TB_USER)"
		return "$(tb__skip_status)"
	fi
	host=127.0.0.1; security=explicit; implicit=NO
	case $name in
	vsftpd-implicit) security=implicit; implicit=YES ;;
	vsftpd-ipv6)
		host=::1
		python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null || {
			tb__log "$name: no ::1 on this machine"; return 77; }
		;;
	esac
	mkdir -p "$TB_PORT_STATE" "$TB_RUNDIR" || return 1
	tb__ensure_user || { tb__log "cannot create the test account $TB_USER"; return 1; }
	dir=$(tb__dir "$name")
	# Stop an earlier instance left running under this name.
	[ ! -e "$dir/pid" ] || tb_stop "$name"
	for attempt in 1 2 3; do
		rm -rf "$dir"
		mkdir -p "$dir/data"
		chmod 755 "$TB_RUNDIR" "$dir"
		chown "$TB_USER:$TB_USER" "$dir/data"
		chmod 755 "$dir/data"
		TB_NAME=$name
		tb__make_certs "$dir" "$name" || return 1
		exec {tb__lockfd}>"$TB_PORT_STATE/lock"
		flock -w 60 "$tb__lockfd" || { tb__log "port lock timed out"; exec {tb__lockfd}>&-; return 1; }
		rc=0
		tb__start_locked "$name" "$dir" "$host" "$implicit" || rc=$?
		exec {tb__lockfd}>&-
		[ "$rc" -ne 0 ] || break
		# A port taken between our check and the server's bind is worth
		# another try; anything else is a real failure.
		if [ "$rc" -eq 3 ] && [ "$attempt" -lt 3 ]; then
			tb__log "$name: port $tb__port taken, retrying"
			continue
		fi
		tb__log "$name: failed to start; its logs follow"
		tb_show_logs "$name" >&2
		tb__kill_group "$(cat "$dir/pid" 2>/dev/null)" || true
		rm -f "$TB_PORT_STATE/block.$tb__port"
		return 1
	done
	tb__write_env "$name" "$dir" "$host" "$security"
	tb_use "$name"
	tb__started+=("$name")
	tb__install_trap
	tb__debug "$name: $TB_URL (pid $TB_PID, $TB_DIR)"
	return 0
}

# Claim ports, configure, launch and wait; with the port lock held.
# Returns 3 when the port was taken under us.
tb__start_locked() {
	local name=$1 dir=$2 host=$3 implicit=$4 pid
	tb__claim_ports || return 1
	case $name in
	vsftpd-*) tb__conf_vsftpd "$dir" "$implicit" "$host" ;;
	proftpd) tb__conf_proftpd "$dir" "$host" ;;
	pureftpd) tb__conf_pureftpd "$dir" "$host" ;;
	esac || return 1
	# The command line, for tb_restart.
	declare -p tb__cmd >"$dir/cmd"
	tb__launch "$dir" "${tb__cmd[@]}" || return 1
	pid=$(cat "$dir/pid")
	echo "$pid" >"$TB_PORT_STATE/block.$tb__port"
	if ! tb__wait_port "$host" "$tb__port" "$pid"; then
		if grep -qsi 'address already in use' "$dir"/*.log "$dir/server.out"; then
			tb__kill_group "$pid" || true
			rm -f "$TB_PORT_STATE/block.$tb__port"
			return 3
		fi
		return 1
	fi
}

# One export line, single-quoted so it reads well and sources safely.
tb__export() {
	local sq="'" q="'\\''"
	printf "export %s='%s'\n" "$1" "${2//$sq/$q}"
}

# Variable $2 from the env file in instance folder $1.
tb__envget() {
	# shellcheck disable=SC1091
	(. "$1/env" 2>/dev/null && eval "printf '%s\\n' \"\${$2:-}\"")
}

tb__write_env() {
	local name=$1 dir=$2 host=$3 security=$4 scheme=ftpes urlhost=$3 fp
	[ "$security" = explicit ] || scheme=ftps
	[ "$host" != ::1 ] || urlhost="[::1]"
	fp=$(openssl x509 -in "$dir/server.pem" -noout -fingerprint -sha256 | sed 's/^.*=/SHA256:/')
	{
		tb__export TB_NAME "$name"
		tb__export TB_HOST "$host"
		tb__export TB_PORT "$tb__port"
		tb__export TB_PASV_MIN "$tb__pasv_min"
		tb__export TB_PASV_MAX "$tb__pasv_max"
		tb__export TB_URL "$scheme://$TB_USER@$urlhost:$tb__port/"
		tb__export TB_USER "$TB_USER"
		tb__export TB_PASS "$TB_PASS"
		tb__export TB_CAFILE "$dir/ca.pem"
		tb__export TB_FINGERPRINT "$fp"
		tb__export TB_DATA "$dir/data"
		tb__export TB_PID "$(cat "$dir/pid")"
		tb__export TB_DIR "$dir"
		tb__export TB_LOG "$tb__log_file"
		tb__export TB_SECURITY "$security"
	} >"$dir/env"
}

# Export the TB_* variables of running server NAME.
tb_use() {
	local f
	f=$(tb__dir "$1")/env
	[ -r "$f" ] || { tb__log "$1 is not running (no $f)"; return 1; }
	# shellcheck disable=SC1090
	. "$f"
}

# Print the TB_* variables of NAME as shell export lines.
tb_env() {
	local f
	f=$(tb__dir "$1")/env
	[ -r "$f" ] || { tb__log "$1 is not running (no $f)"; return 1; }
	cat "$f"
}

# Print the last lines of every log of NAME.
tb_show_logs() {
	local dir f
	dir=$(tb__dir "$1")
	for f in "$dir"/*.log "$dir/server.out"; do
		[ -s "$f" ] || continue
		printf -- '--- %s (last 40 lines)\n' "$f"
		tail -n 40 "$f"
	done
}

# TERM the process group, wait (bounded), then KILL it.
tb__kill_group() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	# Only a group we started: the pid is a session leader (setsid).
	tb__group_alive "$pid" || return 0
	kill -TERM -- "-$pid" 2>/dev/null || true
	for ((i = 0; i < TB_STOP_TIMEOUT * 10; i++)); do
		tb__group_alive "$pid" || return 0
		sleep 0.1
	done
	tb__log "pid $pid did not stop in ${TB_STOP_TIMEOUT}s, killing it"
	kill -KILL -- "-$pid" 2>/dev/null || true
	for ((i = 0; i < 20; i++)); do
		tb__group_alive "$pid" || return 0
		sleep 0.1
	done
	return 1
}

# The pids of every descendant of pid $1 (vsftpd's sessions leave its
# process group with setsid, but stay its children).
tb__descendants() {
	local p line pp kids=() out=() todo=("$1")
	declare -A ppid_of=()
	for p in /proc/[0-9]*; do
		{ read -r line <"$p/stat"; } 2>/dev/null || continue
		line=${line##*) }
		read -r _ pp _ <<<"$line"
		ppid_of[${p#/proc/}]=$pp
	done
	while [ "${#todo[@]}" -gt 0 ]; do
		kids=()
		for p in "${!ppid_of[@]}"; do
			[[ " ${todo[*]} " == *" ${ppid_of[$p]} "* ]] && kids+=("$p")
		done
		out+=("${kids[@]}")
		todo=("${kids[@]}")
	done
	echo "${out[@]}"
}

# tb_restart NAME [SECONDS]: stop server NAME and every session it runs (as
# a service manager's restart does) and start it again SECONDS later
# (default 0) with the same port, certificate, configuration and data.
# Exports TB_PID anew.
tb_restart() {
	# tb__launch closes the port lock's fd in the server: none is open here.
	local name=$1 dir pid port tb__cmd tb__lockfd=200
	dir=$(tb__dir "$name")
	[ -e "$dir/pid" ] && [ -r "$dir/cmd" ] || { tb__log "$name is not running"; return 1; }
	pid=$(cat "$dir/pid")
	local sessions i
	sessions=$(tb__descendants "$pid")
	tb__kill_group "$pid" || { tb__log "$name: pid $pid would not die"; return 1; }
	# shellcheck disable=SC2086 # a list of pids
	[ -z "$sessions" ] || kill -KILL $sessions 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		# shellcheck disable=SC2086
		[ -n "$sessions" ] && kill -0 $sessions 2>/dev/null || break
		sleep 0.1
	done
	wait "$(cat "$dir/launcher" 2>/dev/null)" 2>/dev/null || true
	sleep "${2:-0}"
	# shellcheck disable=SC1091
	. "$dir/cmd"
	tb__launch "$dir" "${tb__cmd[@]}" || return 1
	pid=$(cat "$dir/pid")
	port=$(tb__envget "$dir" TB_PORT)
	echo "$pid" >"$TB_PORT_STATE/block.$port"
	tb__wait_port "$(tb__envget "$dir" TB_HOST)" "$port" "$pid" ||
		{ tb__log "$name: did not come back on port $port"; return 1; }
	sed -i "s/^export TB_PID=.*/export TB_PID='$pid'/" "$dir/env"
	[ "${TB_NAME:-}" != "$name" ] || export TB_PID=$pid
}

# Stop server NAME (logs and data stay in its folder until the next start).
tb_stop() {
	local name=$1 dir pid port n
	dir=$(tb__dir "$name")
	[ -e "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	tb__kill_group "$pid" || tb__log "$name: pid $pid would not die"
	# Reap it when it was our child (no-op otherwise).
	wait "$(cat "$dir/launcher" 2>/dev/null)" 2>/dev/null || true
	port=$(tb__envget "$dir" TB_PORT)
	[ -z "$port" ] || rm -f "$TB_PORT_STATE/block.$port"
	rm -f "$dir/pid" "$dir/env"
	local keep=()
	for n in "${tb__started[@]}"; do
		[ "$n" = "$name" ] || keep+=("$n")
	done
	tb__started=("${keep[@]}")
}

# Stop every server this shell started.
tb_stop_all() {
	local i
	for ((i = ${#tb__started[@]} - 1; i >= 0; i--)); do
		tb_stop "${tb__started[i]}"
	done
}

# Stop every server with a pid file in this build tree (all tests, the tb
# command, the demo), for cleaning up after a test was killed hard. With
# "tests", only the servers of tests: not those of tb start or the demo.
tb_stop_stale() {
	local f name dir run
	for f in "$TB_BUILDDIR"/tests/testbed/run/*/*/pid; do
		[ -e "$f" ] || continue
		dir=$(dirname "$f")
		run=$(dirname "$dir")
		case ${1:-}:$(basename "$run") in
		tests:cli | tests:demo) continue ;;
		esac
		name=$(basename "$dir")
		TB_RUNDIR=$run tb_stop "$name"
	done
}
