#!/bin/bash
# tests/integration/round_trips.sh - the ways round trips are saved on a far
# server give the same bytes as ever (issue 12).
#
# Through the fault proxy with 10 ms each way (20 ms round trip), on
# vsftpd, ProFTPD and pure-ftpd:
#   - random 4 KiB reads (and their neighbours) are byte-identical to the
#     server's file, and some went out on a data connection prepared
#     ahead (EPSV answered after the previous read was cancelled);
#   - no data connection needed a second ClientHello: the key exchange
#     group a server asks for (P-256 on vsftpd and pure-ftpd) is offered
#     first once known (the proxy counts the ClientHellos), at the debug
#     log level and at the default one;
#   - `cp -r` of small files lands byte for byte (their EPSV rides along
#     with the size check of the file before);
#   - the same random reads while the proxy resets every connection once a
#     second are still byte-identical;
#   - small files written while the proxy resets every connection once a
#     second, by default and with -o writeback: each file whose close()
#     succeeded is on the server byte for byte, each whose close() failed
#     is not there at all (never a part of it under its name), and no
#     temporary ".NAME.ftpsfs-" file is left; with -o writeback (300
#     files, the resets going on while they upload in the background)
#     every file is there after unmount.
# On the scripted server (plain FTP): the session set-up (FEAT, TYPE I)
# goes out in one write; random reads, and uploads, whose
# prepared passive port the server expired before the command came, or
# refused with 425, are set up afresh and come out right.
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
servers=${ROUND_TRIPS_SERVERS:-"vsftpd-explicit proftpd pureftpd"}

it_setup round_trips spool
# shellcheck source=tests/integration/scripted.sh
. "$top_srcdir/tests/integration/scripted.sh"
# shellcheck source=tests/integration/proxy.sh
. "$top_srcdir/tests/integration/proxy.sh"

# rand_reads MOUNTED-FILE SERVER-FILE N SEED: N random 4 KiB reads, each
# followed by the one after it, compared with the server's copy; prints
# how many differed (or an error), true when none did.
rand_reads() {
	timeout 300 python3 - "$@" <<'PY'
import os, random, sys
mnt, src, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fd = os.open(mnt, os.O_RDONLY)
with open(src, "rb") as f:
    want = f.read()
rnd = random.Random(seed)
bad = 0
for _ in range(n):
    off = rnd.randrange(0, len(want) - 8192) // 4096 * 4096
    for o in (off, off + 4096):
        if os.pread(fd, 4096, o) != want[o:o + 4096]:
            bad += 1
os.close(fd)
print(bad)
sys.exit(1 if bad else 0)
PY
}

# no_retries HELLOS RETRIES: ClientHellos were counted, none a second one
no_retries() { no_retries_of "$1" "$2" 20; }
no_retries_of() { [ "${1:-0}" -ge "$3" ] && [ "${2:-1}" -eq 0 ]; }

# same_tree A B: every file of A is in B with the same bytes
same_tree() {
	local f
	for f in "$1"/*; do
		cmp -s "$f" "$2/${f##*/}" || return 1
	done
}

mkdir -p "$work/small"
for i in $(seq -w 1 12); do head -c $((4096 + 10#$i * 37)) /dev/urandom >"$work/small/f$i"; done

# write_files DIR LOCAL N SEED: N files of 1 to 9 KiB written into DIR one
# after another (open, write, close), each named in LOCAL.ok when its
# close() said yes and in LOCAL.failed when any step said no; a copy of
# the bytes is kept in LOCAL.want/. Prints the counts "ok/failed".
write_files() {
	timeout 300 python3 - "$@" <<'PY'
import os, random, sys
d, local, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
os.makedirs(local + ".want", exist_ok=True)
ok, failed = [], []

for i in range(n):
    name = "w%03d" % i
    data = rnd.randbytes(rnd.randrange(1024, 9 * 1024))
    with open(os.path.join(local + ".want", name), "wb") as f:
        f.write(data)
    try:
        fd = os.open(os.path.join(d, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        ok.append(name)
    except OSError:
        failed.append(name)
for path, names in ((local + ".ok", ok), (local + ".failed", failed)):
    with open(path, "w") as f:
        f.write("".join(x + "\n" for x in names))
print("%d/%d" % (len(ok), len(failed)))
PY
}

# landed_as_said LOCAL SERVER-DIR [all]: every file of LOCAL.ok is in
# SERVER-DIR with the bytes of LOCAL.want, none of LOCAL.failed is there
# (with "all", none may have failed), and no temporary file is left.
landed_as_said() {
	local f bad=0
	while read -r f; do
		cmp -s "$1.want/$f" "$2/$f" || { echo "    $f: close() said yes, server differs" >&2; bad=1; }
	done <"$1.ok"
	while read -r f; do
		[ "${3:-}" != all ] || { echo "    $f: close() failed" >&2; bad=1; }
		[ ! -e "$2/$f" ] || cmp -s "$1.want/$f" "$2/$f" ||
			{ echo "    $f: close() failed, yet a part of it is on the server" >&2; bad=1; }
	done <"$1.failed"
	if find "$2" -name '.*.ftpsfs-*' | grep -q .; then
		echo "    temporary files left: $(find "$2" -name '.*.ftpsfs-*' | head -3)" >&2
		bad=1
	fi
	return $bad
}

ran=0
if proxy_available; then
	for s in $servers; do
		it_start "$s" || continue
		ran=1
		head -c $((12 * 1048576)) /dev/urandom >"$TB_DATA/r.bin"
		chown -R "$TB_USER" "$TB_DATA"
		if ! proxy_start --delay-ms 10; then
			check "the delaying proxy started" false
			tb_stop "$s"
			continue
		fi
		m=$work/m-$s
		if pmount "$m" -o loglevel=debug; then
			check "30 random reads and their neighbours at 20 ms: byte-identical" \
				rand_reads "$m/r.bin" "$TB_DATA/r.bin" 30 1
			n=$(grep -c 'RETR: on the data connection prepared ahead' "$m.log")
			check "... $n of them on a data connection prepared ahead" [ "$n" -ge 5 ]
			cp -r "$work/small" "$m/small"
			check "cp -r of 12 small files: on the server byte for byte" \
				same_tree "$work/small" "$TB_DATA/small"
			n=$(grep -c 'STOR: on the data connection prepared ahead' "$m.log")
			check "... $n of them on a data connection prepared ahead" [ "$n" -ge 5 ]
			hellos=$(fp_stat client_hellos)
			retries=$(fp_stat hello_retries)
			check "no data connection needed a second ClientHello ($retries of $hellos)" \
				no_retries "$hellos" "$retries"
			it_umount "$m" 'debug:' || check "unmounted cleanly" false
		else
			check "mounted through the proxy" false
		fi
		# The same at the default log level: what is learnt does not hang
		# on what is logged (the key share group was learnt only at debug).
		m=$work/mi-$s
		if pmount "$m"; then
			before=$(fp_stat hello_retries)
			hellos=$(fp_stat client_hellos)
			rand_reads "$m/r.bin" "$TB_DATA/r.bin" 10 3 >/dev/null
			cp -r "$work/small" "$m/small-info"
			hellos=$(($(fp_stat client_hellos) - hellos))
			retries=$(($(fp_stat hello_retries) - before))
			check "at the default log level too, no data connection needed a second ClientHello ($retries of $hellos)" \
				no_retries_of "$hellos" "$retries" 10
			it_umount "$m" || check "unmounted cleanly (default log level)" false
		else
			check "mounted through the proxy (default log level)" false
		fi
		# Every connection reset once a second, while reading at random.
		m=$work/mr-$s
		if pmount "$m" -o loglevel=debug; then
			fp reset-every 1
			check "30 random reads while every connection is reset each second: byte-identical" \
				rand_reads "$m/r.bin" "$TB_DATA/r.bin" 30 2
			fp reset-every 0
			check "... the proxy did reset them ($(fp_stat periodic_resets) rounds)" \
				[ "$(fp_stat periodic_resets)" -ge 1 ]
			it_umount "$m" '.' || check "unmounted (after the resets)" false
		else
			check "mounted through the proxy" false
		fi
		# Small files written while every connection is reset once a second:
		# each upload's checks and rename go out as one group after its 226,
		# and a reset may fall anywhere in it.
		for mode in default writeback; do
			m=$work/mw-$mode-$s
			opts=(-o loglevel=debug)
			[ "$mode" = default ] || opts+=(-o writeback)
			if pmount "$m" "${opts[@]}"; then
				mkdir "$m/cut-$mode" || check "mkdir in the mount ($mode)" false
				r0=$(fp_stat periodic_resets)
				fp reset-every 1
				if [ "$mode" = default ]; then
					said=$(write_files "$m/cut-$mode" "$work/cut-$mode-$s" 60 "$RANDOM")
				else
					# close() returns at once: the resets must fall on the
					# uploads in the background, so they go on for two
					# more rounds (at most 10 s) after the last close.
					said=$(write_files "$m/cut-$mode" "$work/cut-$mode-$s" 300 "$RANDOM")
					r1=$(($(fp_stat periodic_resets) + 2))
					for ((i = 0; i < 100 && $(fp_stat periodic_resets) < r1; i++)); do sleep 0.1; done
				fi
				fp reset-every 0
				r1=$(fp_stat periodic_resets)
				hit=$(grep -cE 'upload of .* (interrupted|failed)' "$m.log")
				it_umount "$m" '.' || check "unmounted ($mode, after the resets)" false
				if [ "$mode" = default ]; then
					check "60 small files written while every connection was reset each second ($((r1 - r0)) rounds, $hit uploads cut; closed ok/failed: $said): each as close() said, no temporary file left" \
						landed_as_said "$work/cut-$mode-$s" "$TB_DATA/cut-$mode"
				else
					check "300 files with -o writeback, the resets on the uploads in the background ($((r1 - r0)) rounds; $said): every file on the server after unmount, byte for byte" \
						landed_as_said "$work/cut-$mode-$s" "$TB_DATA/cut-$mode" all
					check "... $hit uploads in the background were cut and tried again" [ "$hit" -ge 1 ]
				fi
				check "... the proxy did reset the connections" [ $((r1 - r0)) -ge 2 ]
			else
				check "mounted through the proxy ($mode)" false
			fi
		done
		proxy_stop
		tb_stop "$s"
	done
else
	echo "SKIP: cannot bind 127.0.0.2 for the proxy"
fi

# ---------------------------------------------------------------------------
# The scripted server: prepared ports that the server expired

TB_NAME=scriptftp
if sftp_start --feat mdtm,size,rest,utf8; then
	ran=1
	head -c $((9 * 1048576)) /dev/urandom >"$SFTP_ROOT/r.bin"
	m=$work/m-sftp
	if smount "$m" -o loglevel=debug; then
		check "the session set-up went out in one write (FEAT had others behind it)" \
			grep -q 'read ahead: FEAT' "$work/sftp.log"
		rand_reads "$m/r.bin" "$SFTP_ROOT/r.bin" 4 3 >/dev/null
		sctl arm "expire-passive RETR 2"
		sctl arm "expire-passive REST 3"
		sctl arm "expire-passive NOOP 1"
		check "random reads whose prepared port the server expired: byte-identical" \
			rand_reads "$m/r.bin" "$SFTP_ROOT/r.bin" 20 4
		sctl stats
		n=$(sed -n 's/.*fired_expire-passive=\([0-9]*\).*/\1/p' <<<"$it_ctl_reply")
		check "... it expired them (${n:-0} times)" [ "${n:-0}" -ge 2 ]
		cp -r "$work/small" "$m/small1"
		sctl arm "expire-passive STOR 3"
		sctl arm "fail STOR 6 425 Cannot open data connection."
		cp -r "$work/small" "$m/small2"
		check "uploads whose prepared port was expired or refused (425): byte for byte" \
			same_tree "$work/small" "$SFTP_ROOT/small2"
		n=$(grep -c 'data connection prepared ahead was refused\|prepared ahead was closed' "$m.log")
		check "... and set up afresh ($n times)" [ "$n" -ge 2 ]
		it_umount "$m" 'plaintext|debug:' || check "unmounted" false
	else
		check "mounted the scripted server" false
	fi
	sftp_stop
else
	check "scriptftp started" false
fi

[ "$ran" = 1 ] || exit 77
it_summary
