#!/bin/bash
# tests/integration/mount_bad_input.sh - bad input ends with one clear line.
#
# Every bad command line, every server that cannot be reached or trusted,
# a wrong password and a remote folder that does not exist must end with
# exactly one line on the terminal, a non-zero exit, and nothing mounted
# (mountpoint says no, /proc/mounts has no entry). What works is checked
# too: -h lists every option with its default, --version, --probe (TLS
# version, fingerprint, FEAT, session reuse), the mount's type and source
# in /proc/mounts, and a password from -o netrc=FILE. A server that answers
# in plain text where TLS was expected is quoted (tests/tools/oopsftp.py).
#
# The option checks run against the first server; what depends on the
# server (connection, TLS, login, remote folder, probe, /proc/mounts,
# netrc) runs against each of them.
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
names=${MOUNT_BAD_INPUT_SERVERS:-$TB_ALL_NAMES}

if [ ! -x "$FTPSFS" ]; then
	echo "SKIP: $FTPSFS is not built"
	exit 77
fi
mkdir -p "$top_builddir/tests/tmp" || exit 99
work=$(mktemp -d "$top_builddir/tests/tmp/mount_bad_input.XXXXXX") || exit 99
mnt=$work/mnt
mkdir -p "$mnt"
# A daemon that mounted by mistake goes to the background: unmount it.
tb_at_exit 'mountpoint -q "$mnt" && { fusermount3 -u "$mnt" || fusermount3 -uz "$mnt"; }; rm -rf "$work"'

# Nothing of ours in /proc/mounts, and the mount point is no mount point.
nothing_mounted() {
	! mountpoint -q "$mnt" && ! grep -qF " $mnt " /proc/mounts
}

# run PASSWORD ARGS...: ftpsfs without a terminal (setsid: no prompt can
# open /dev/tty), the password line on standard input; output in $out,
# exit status in $rc.
run() {
	local pw=$1
	shift
	out=$(printf '%s\n' "$pw" | setsid -w timeout 60 "$FTPSFS" "$@" 2>&1)
	rc=$?
	if mountpoint -q "$mnt"; then
		fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt"
		out="$out (and it MOUNTED)"
	fi
}

# bad "what" REGEX ARGS...: ftpsfs ARGS (password from stdin) must fail
# with exactly one line matching REGEX (grep -E, case-insensitive) and leave
# nothing mounted. bad_pw PASSWORD "what" REGEX ARGS... sends another password.
bad() { bad_pw "$TB_PASS" "$@"; }
bad_pw() {
	local pw=$1 what=$2 re=$3 lines
	shift 3
	run "$pw" "$@"
	lines=$(printf '%s\n' "$out" | grep -c .)
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$lines" -eq 1 ] &&
		printf '%s\n' "$out" | grep -Eqi -- "$re" && nothing_mounted; then
		it_pass "${TB_NAME:-}: $what: \"$out\""
	else
		it_fail "${TB_NAME:-}: $what (exit $rc, $lines lines, want /$re/):"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
}

# The usual options for the current server, then the caller's.
std() { printf '%s\n' -o "cafile=$TB_CAFILE" -o password_stdin; }

# A TCP port on 127.0.0.1 where nothing listens: bound, then let go.
closed_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------------------
# The command line, once.

option_checks() {
	local u=$TB_URL o
	mapfile -t o < <(std)
	bad "unknown option" "unknown option.*bogus_option" "${o[@]}" -o bogus_option "$u" "$mnt"
	bad "-o max_conns=abc" "max_conns.*abc" "${o[@]}" -o max_conns=abc "$u" "$mnt"
	bad "-o max_conns=0" "max_conns.*'0'" "${o[@]}" -o max_conns=0 "$u" "$mnt"
	bad "-o max_conns=65" "max_conns.*65" "${o[@]}" -o max_conns=65 "$u" "$mnt"
	bad "-o timeout=-1" "timeout.*-1" "${o[@]}" -o timeout=-1 "$u" "$mnt"
	bad "-o timeout= (empty)" "timeout" "${o[@]}" -o timeout= "$u" "$mnt"
	bad "-o dir_cache=1h" "dir_cache.*1h" "${o[@]}" -o dir_cache=1h "$u" "$mnt"
	bad "-o listing=foo" "listing.*foo" "${o[@]}" -o listing=foo "$u" "$mnt"
	bad "-o fingerprint=zz" "fingerprint.*zz" "${o[@]}" -o fingerprint=zz "$u" "$mnt"
	bad "-o fingerprint with 31 bytes" "fingerprint" "${o[@]}" \
		-o "fingerprint=SHA256:${TB_FINGERPRINT#SHA256:???}" "$u" "$mnt"
	bad "-o umask=999" "umask.*999" "${o[@]}" -o umask=999 "$u" "$mnt"
	bad "-o uid=-5" "uid.*-5" "${o[@]}" -o uid=-5 "$u" "$mnt"
	bad "-o active_ports=2000-1000" "active_ports" "${o[@]}" -o active_ports=2000-1000 "$u" "$mnt"
	bad "-o active_addr=not-an-address" "active_addr" "${o[@]}" -o active_addr=not-an-address "$u" "$mnt"
	bad "-o tls=1.1" "tls.*1\.1" "${o[@]}" -o tls=1.1 "$u" "$mnt"
	bad "-o insecure with -o fingerprint" "insecure.*fingerprint|fingerprint.*insecure" \
		"${o[@]}" -o insecure -o "fingerprint=$TB_FINGERPRINT" "$u" "$mnt"
	bad "a trailing -o" "-o" "${o[@]}" "$u" "$mnt" -o
	bad "missing mountpoint" "missing mountpoint" "${o[@]}" "$u"
	bad "missing URL and mountpoint" "missing URL" "${o[@]}"
	bad "an extra argument" "unexpected argument 'extra'" "${o[@]}" "$u" "$mnt" extra
	bad "a mount point that does not exist" "$work/nowhere" "${o[@]}" "$u" "$work/nowhere"
	bad "ftp:// without -o plaintext" "plaintext" "${o[@]}" "ftp://$TB_USER@$TB_HOST:$TB_PORT/" "$mnt"
	bad "an unknown URL scheme" "URL" "${o[@]}" "sftp://$TB_USER@$TB_HOST:$TB_PORT/" "$mnt"
	bad "a port out of range" "URL" "${o[@]}" "ftpes://$TB_USER@$TB_HOST:70000/" "$mnt"
	bad "a password in the URL" "password" "${o[@]}" \
		"ftpes://$TB_USER:Sekrit-Pw-9@$TB_HOST:$TB_PORT/" "$mnt"
	check "... and the password is not repeated" eval '! grep -q Sekrit-Pw-9 <<<"$out"'
	bad "-o password=... (not an option)" "password.*command line" "${o[@]}" \
		-o password=Sekrit-Pw-8 "$u" "$mnt"
	check "... and the password is not repeated" eval '! grep -q Sekrit-Pw-8 <<<"$out"'
	# The spool folder holds what is being written: ours alone.
	mkdir -p "$work/spool-open" "$work/spool-real"
	chmod 755 "$work/spool-open"
	chmod 700 "$work/spool-real"
	ln -sfn "$work/spool-real" "$work/spool-link"
	bad "a spool folder open to others" "spool.*open to others.*chmod 700" "${o[@]}" \
		-o "spool_dir=$work/spool-open" "$u" "$mnt"
	bad "a spool folder that is a symlink" "spool.*symbolic link" "${o[@]}" \
		-o "spool_dir=$work/spool-link" "$u" "$mnt"
	mkdir -p -m 700 "$work/spool-theirs"
	chown nobody "$work/spool-theirs"
	bad "a spool folder owned by someone else" "spool.*belongs to uid" "${o[@]}" \
		-o "spool_dir=$work/spool-theirs" "$u" "$mnt"
	mkdir -p "$work/home"
	HOME=$work/home bad "no password source (no stdin option, no ~/.netrc, no terminal)" \
		"no password" -o "cafile=$TB_CAFILE" "$u" "$mnt"
	out=$(setsid -w timeout 30 "$FTPSFS" -o "cafile=$TB_CAFILE" -o password_stdin "$u" "$mnt" \
		</dev/null 2>&1)
	rc=$?
	check "-o password_stdin with empty input: one line, exit $rc ($out)" \
		test "$rc" -ne 0 -a "$(printf '%s\n' "$out" | grep -c .)" -eq 1
	check "... nothing mounted" nothing_mounted

	# -h: every option and its default.
	out=$(timeout 30 "$FTPSFS" -h 2>&1)
	rc=$?
	check "-h exits 0" test "$rc" -eq 0
	local opt missing=
	for opt in user= password_stdin netrc= cafile= fingerprint= insecure plaintext tls= \
		active active_ports= active_addr= pasv_addr max_conns= timeout= keepalive= \
		dir_cache= dir_cache_max= listing= uid= gid= umask= spool_dir= atomic= verify= \
		chown= loglevel=; do
		grep -q -- "-o $opt" <<<"$out" || missing="$missing $opt"
	done
	check "-h lists every option${missing:+ (missing:$missing)}" test -z "$missing"
	check "-h: max_conns default 5, 12 with writeback" grep -Eq -- '-o max_conns=N.*default: 5, 12 with writeback\)' <<<"$out"
	check "-h: timeout default 30" grep -Eq -- '-o timeout=SECONDS.*default: 30\)' <<<"$out"
	check "-h: dir_cache default 60" grep -Eq -- '-o dir_cache=SECONDS.*default: 60\)' <<<"$out"
	check "-h: listing default auto" grep -Eq -- '-o listing=.*default: auto' <<<"$out"
	check "-h: a default on every ftpsfs option line" eval \
		'[ "$(sed -n "/^ftpsfs options:/,/^$/p" <<<"$out" | grep -c -- "^    -o ")" -le \
		   "$(sed -n "/^ftpsfs options:/,/^$/p" <<<"$out" | grep -c "default")" ]'
	check "-h shows the FUSE options too" grep -q -- '-o allow_other' <<<"$out"
	out=$(timeout 30 "$FTPSFS" --version 2>&1)
	rc=$?
	check "--version exits 0 and names ftpsfs, libfuse and OpenSSL" \
		eval '[ "$rc" -eq 0 ] && grep -Eq "^ftpsfs [0-9]" <<<"$out" &&
		      grep -q "^libfuse " <<<"$out" && grep -q "^OpenSSL " <<<"$out"'
	check "nothing was mounted by any of the above" nothing_mounted
}

# ---------------------------------------------------------------------------
# What depends on the server.

server_checks() {
	local u=$TB_URL o port
	mapfile -t o < <(std)
	port=$(closed_port)
	bad "an unreachable host (closed port $port)" "connect.*refused" \
		"${o[@]}" "ftpes://$TB_USER@127.0.0.1:$port/" "$mnt"
	bad_pw wrong-password "a wrong password" "login.*(530|incorrect|failed)" "${o[@]}" "$u" "$mnt"
	bad "an untrusted certificate (no cafile)" "certificate.*not trusted" \
		-o password_stdin "$u" "$mnt"
	bad "... the message offers the fingerprint to pin" "${TB_FINGERPRINT}" \
		-o password_stdin "$u" "$mnt"
	bad "a missing cafile" "cafile.*$work/none.pem" -o "cafile=$work/none.pem" -o password_stdin "$u" "$mnt"
	bad "a wrong fingerprint" "does not match" -o password_stdin \
		-o "fingerprint=SHA256:$(printf '00%.0s' {1..32})" "$u" "$mnt"
	bad "a remote folder that does not exist (/nope)" "/nope" "${o[@]}" "${u}nope" "$mnt"
	bad "a remote path that is a file" "/afile" "${o[@]}" "${u}afile" "$mnt"
	bad "implicit TLS against an explicit server, or the other way round" "." "${o[@]}" \
		-o timeout=5 "$(other_security_url)" "$mnt"

	# What works: a pinned fingerprint instead of a CA.
	printf '%s\n' "$TB_PASS" | setsid -w timeout 60 "$FTPSFS" -f -o password_stdin \
		-o "fingerprint=$TB_FINGERPRINT" "$u" "$mnt" >"$work/fp.log" 2>&1 &
	check_mount_and_umount "a pinned fingerprint, no cafile" $!

	# The mount's type and source.
	if it_mount "$mnt"; then
		local line
		line=$(grep -F " $mnt " /proc/mounts)
		check "/proc/mounts: type fuse.ftpsfs, source $TB_URL ($line)" \
			test "$(awk '{print $1, $3}' <<<"$line")" = "$TB_URL fuse.ftpsfs"
		check "... mountpoint agrees" mountpoint -q "$mnt"
		check "... the mount lists the server's folder" test "$(ls "$mnt")" = afile
		check "unmount: the daemon exits 0" it_umount "$mnt"
	else
		it_fail "$TB_NAME: mount"
	fi
	# allow_other opens the mount to every user, who all see the files as
	# the mounting user's: the kernel must check the modes.
	if it_mount "$mnt" -o allow_other; then
		line=$(grep -F " $mnt " /proc/mounts)
		check "allow_other brings default_permissions ($line)" grep -q default_permissions <<<"$line"
		check "... unmount" it_umount "$mnt"
	else
		it_fail "$TB_NAME: mount"
	fi
	check "nothing left mounted" nothing_mounted

	netrc_checks
	probe_checks
}

# The other kind of TLS on the same port: a handshake that cannot work.
other_security_url() {
	if [ "$TB_SECURITY" = explicit ]; then
		echo "ftps://$TB_USER@$TB_HOST:$TB_PORT/"
	else
		echo "ftpes://$TB_USER@$TB_HOST:$TB_PORT/"
	fi
}

# The background job $2 mounted (within 20 s) and unmounts cleanly.
check_mount_and_umount() {
	local what=$1 pid=$2 i
	for ((i = 0; i < 200; i++)); do
		mountpoint -q "$mnt" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if mountpoint -q "$mnt" && [ "$(ls "$mnt")" = afile ]; then
		fusermount3 -u "$mnt"
		wait "$pid"
		check "$what: mounts, lists, unmounts" true
	else
		fusermount3 -u "$mnt" 2>/dev/null
		wait "$pid"
		check "$what: mounts, lists, unmounts" false
	fi
}

# -o netrc=FILE, with no password on standard input.
netrc_checks() {
	local n=$work/netrc pid
	printf 'machine %s\n  login %s\n  password %s\n' "$TB_HOST" "$TB_USER" "$TB_PASS" >"$n"
	printf 'default login nobody password nothing\n' >>"$n"
	chmod 600 "$n"
	setsid -w timeout 60 "$FTPSFS" -f -o "cafile=$TB_CAFILE" -o "netrc=$n" "$TB_URL" "$mnt" \
		</dev/null >"$work/netrc.log" 2>&1 &
	pid=$!
	check_mount_and_umount "-o netrc=FILE (machine entry), stdin empty" "$pid"
	check "... and it logged no warning or error" eval '! grep -Eqi "warn|error" "$work/netrc.log"'

	# ~/.netrc itself.
	mkdir -p "$work/home"
	cp "$n" "$work/home/.netrc"
	HOME=$work/home setsid -w timeout 60 "$FTPSFS" -f -o "cafile=$TB_CAFILE" "$TB_URL" "$mnt" \
		</dev/null >"$work/netrc.log" 2>&1 &
	pid=$!
	check_mount_and_umount "~/.netrc, stdin empty" "$pid"
	rm -f "$work/home/.netrc"

	# The login from the netrc when the URL has no user.
	local nouser=${TB_URL/$TB_USER@/}
	setsid -w timeout 60 "$FTPSFS" -f -o "cafile=$TB_CAFILE" -o "netrc=$n" "$nouser" "$mnt" \
		</dev/null >"$work/netrc.log" 2>&1 &
	pid=$!
	check_mount_and_umount "-o netrc=FILE gives the login for a URL without a user" "$pid"

	printf 'machine %s login %s password wrong-one\n' "$TB_HOST" "$TB_USER" >"$n"
	out=$(setsid -w timeout 60 "$FTPSFS" -o "cafile=$TB_CAFILE" -o "netrc=$n" "$TB_URL" "$mnt" \
		</dev/null 2>&1)
	rc=$?
	check "-o netrc=FILE with a wrong password: one line, exit $rc ($out)" \
		eval '[ "$rc" -ne 0 ] && [ "$(grep -c . <<<"$out")" -eq 1 ]'
	check "... nothing mounted" nothing_mounted
	bad "-o netrc=FILE that does not exist" "netrc.*$work/none" \
		-o "cafile=$TB_CAFILE" -o "netrc=$work/none" "$TB_URL" "$mnt"

	# A password in a netrc others can read, or that someone else owns, is
	# not used (as ftp(1) does).
	printf 'machine %s login %s password %s\n' "$TB_HOST" "$TB_USER" "$TB_PASS" >"$n"
	chmod 640 "$n"
	out=$(setsid -w timeout 60 "$FTPSFS" -o "cafile=$TB_CAFILE" -o "netrc=$n" "$TB_URL" "$mnt" \
		</dev/null 2>&1)
	rc=$?
	check "a netrc readable by others is refused: one line, exit $rc ($out)" \
		eval '[ "$rc" -ne 0 ] && [ "$(grep -c . <<<"$out")" -eq 1 ] && grep -q "readable by others" <<<"$out"'
	cp "$n" "$n.theirs"
	chmod 600 "$n.theirs"
	chown nobody "$n.theirs"
	out=$(setsid -w timeout 60 "$FTPSFS" -o "cafile=$TB_CAFILE" -o "netrc=$n.theirs" "$TB_URL" \
		"$mnt" </dev/null 2>&1)
	rc=$?
	check "a netrc owned by someone else is refused: one line, exit $rc ($out)" \
		eval '[ "$rc" -ne 0 ] && [ "$(grep -c . <<<"$out")" -eq 1 ] && grep -q "not owned by you" <<<"$out"'
	check "... nothing mounted" nothing_mounted
}

probe_checks() {
	local reuse
	run "$TB_PASS" -o "cafile=$TB_CAFILE" -o password_stdin --probe "$TB_URL"
	check "--probe exits 0" test "$rc" -eq 0
	check "--probe: TLS version" grep -Eq '^TLS: +TLSv1\.[23]' <<<"$out"
	check "--probe: the certificate's fingerprint" grep -Eq "^fingerprint: +$TB_FINGERPRINT\$" <<<"$out"
	check "--probe: FEAT (AUTH TLS in it)" \
		eval 'sed -n "/^FEAT:/,/^listing/p" <<<"$out" | grep -q "AUTH TLS"'
	check "--probe: listing command" grep -Eq '^listing with: +(MLSD|LIST)' <<<"$out"
	reuse=$(grep '^session reuse:' <<<"$out")
	case $TB_NAME in
	vsftpd-* | proftpd)
		# These refuse a data connection that does not resume the session.
		check "--probe: every data connection resumed the session ($reuse)" \
			eval '[[ $reuse =~ ^session\ reuse:\ ([1-9][0-9]*)\ of\ ([0-9]+)\  ]] &&
			      [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]'
		;;
	*)
		check "--probe: session reuse reported ($reuse)" \
			grep -Eq '^session reuse: [0-9]+ of [1-9][0-9]* ' <<<"$reuse"
		;;
	esac
	check "--probe mounts nothing" nothing_mounted
	# --probe shows what it tries as it goes, so more than one line here.
	run wrong-password -o "cafile=$TB_CAFILE" -o password_stdin --probe "$TB_URL"
	check "--probe with a wrong password fails, saying why" \
		eval '[ "$rc" -ne 0 ] && grep -Eq "^ftpsfs: login.*(530|incorrect|failed)" <<<"$out"'
}

# ---------------------------------------------------------------------------
# A server that answers in plain text where TLS records were expected
# (vsftpd's "500 OOPS: cannot change directory" when a home folder is
# missing, written past its TLS layer): its words, not OpenSSL's.

plain_reply_checks() {
	local d=$work/oops pid port i
	mkdir -p "$d"
	if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$d/key.pem" -out "$d/cert.pem" \
		>/dev/null 2>&1; then
		it_fail "plain reply: cannot make a certificate"
		return
	fi
	python3 "$top_srcdir/tests/tools/oopsftp.py" --cert "$d/cert.pem" --key "$d/key.pem" \
		--port-file "$d/port" --lifetime 120 2>"$d/err" &
	pid=$!
	for ((i = 0; i < 100; i++)); do [ -s "$d/port" ] && break; sleep 0.1; done
	port=$(cat "$d/port" 2>/dev/null)
	if [ -z "$port" ]; then
		it_fail "plain reply: oopsftp did not start: $(cat "$d/err")"
		kill "$pid" 2>/dev/null
		return
	fi
	TB_NAME=oopsftp bad "a plain-text reply after login is shown as the server's words" \
		'^ftpsfs: .*answered in plain text.*500 OOPS: cannot change directory:/nonexistent' \
		-o "cafile=$d/cert.pem" -o password_stdin "ftpes://someone@127.0.0.1:$port/" "$mnt"
	run secret -o "cafile=$d/cert.pem" -o password_stdin --probe "ftpes://someone@127.0.0.1:$port/"
	check "oopsftp: --probe fails with the server's words" \
		eval '[ "$rc" -ne 0 ] && grep -q "answered in plain text.*500 OOPS: cannot change directory" <<<"$out"'
	check "oopsftp: ... and not OpenSSL's" eval '! grep -qi "wrong version number" <<<"$out"'
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# ---------------------------------------------------------------------------

nserver=0
for name in $names; do
	it_start "$name" || continue
	t0=$SECONDS
	printf 'a file\n' >"$TB_DATA/afile"
	chown "$TB_USER:" "$TB_DATA/afile"
	if [ "$nserver" -eq 0 ]; then
		option_checks
		plain_reply_checks
	fi
	nserver=$((nserver + 1))
	server_checks
	tb_stop "$name"
	printf '%s: %d s\n' "$name" $((SECONDS - t0))
done

[ "$nserver" -gt 0 ] || { echo "SKIP: no server could run here"; exit 77; }
it_summary
