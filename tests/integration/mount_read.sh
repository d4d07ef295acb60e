#!/bin/bash
# tests/integration/mount_read.sh - reading through a real mount.
#
# For each test-bed server (vsftpd explicit and implicit, ProFTPD,
# pure-ftpd) the files are put into the server's folder on disk
# ($TB_DATA) and ftpsfs is mounted four times:
#
#   -o dir_cache=2   ls -l against the files on disk (names, types, modes,
#                    sizes, times to the precision the server gives: the
#                    second with MLSD, and for files on vsftpd (MDTM); the
#                    minute, or the day when older than six months, for
#                    vsftpd's folders and symlinks (LIST)); SHA-256 of files
#                    of 0 B, 1 B, 64 KiB-1, 1 MiB+1 and 100 MiB; 200 random
#                    preads; reads at and past the end; four readers of
#                    four files and of one file at once; symlinks; UTF-8
#                    names and names with spaces; an empty folder; find over
#                    a tree of ~350 entries; changes made on the server
#                    showing after the cache time, a removed file giving
#                    ENOENT after it; on vsftpd, MDTM asked once per
#                    version of a file, not at each expiry of the cache;
#                    a file held open while it grows on the server (tail
#                    -f of a log) reads on to its new end
#   -o dir_cache=0   the same changes show at once
#   -o max_conns=1   the common checks, and two files read at once (cmp)
#   -o active        the common checks over active-mode data connections
#
# Every unmount must succeed with the daemon exiting 0 and logging no
# warning or error (it_umount).
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

# MOUNT_READ_TIMES=1 shows how long each check took.
if [ -n "${MOUNT_READ_TIMES:-}" ]; then
	eval "lib_$(declare -f check)"
	check() {
		local t=$EPOCHREALTIME
		lib_check "$@"
		awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "    %.2f s\n", b - a }'
	}
fi

export LC_ALL=C.UTF-8 TZ=UTC
names=${MOUNT_READ_SERVERS:-$TB_ALL_NAMES}
T=${TIMEOUT_CMD:-timeout 120}    # bound for every command on the mount

if [ ! -x "$FTPSFS" ]; then
	echo "SKIP: $FTPSFS is not built"
	exit 77
fi
mkdir -p "$top_builddir/tests/tmp" || exit 99
work=$(mktemp -d "$top_builddir/tests/tmp/mount_read.XXXXXX") || exit 99
tb_at_exit 'rm -rf "$work"'
src=$work/src
mkdir -p "$src"

# ---------------------------------------------------------------------------
# A python helper for what the shell does badly: parsing ls, preads.

cat >"$work/helper.py" <<'EOF'
import hashlib, os, random, re, stat, subprocess, sys, time

def vsftpd_time(m, now):
    # vsftpd's LIST: "Mon DD HH:MM" within 182 days before now, else
    # "Mon DD  YYYY" (also for times in the future), always UTC here.
    if m > now or now - m > 182 * 86400:
        return m - m % 86400
    return m - m % 60

def shown_time(st, prec, now):
    # A file's time is exact to the second everywhere: MLSD's modify fact,
    # or on vsftpd MDTM (its LIST gives the minute or the day). Folders and
    # symlinks on vsftpd have only what LIST says.
    m = int(st.st_mtime)
    if prec == "list" and not stat.S_ISREG(st.st_mode):
        return vsftpd_time(m, now)
    return m

def expected(data, prec, now, ignore):
    out = []
    for name in sorted(os.listdir(data)):
        if name in ignore:
            continue
        p = os.path.join(data, name)
        st = os.lstat(p)
        m = int(st.st_mtime)
        m = shown_time(st, prec, now)
        mode = stat.filemode(st.st_mode)
        if stat.S_ISLNK(st.st_mode):
            mode = "lrwxrwxrwx"
            line = "%s %d %d %s -> %s" % (mode, len(os.readlink(p)), m, name, os.readlink(p))
        elif stat.S_ISDIR(st.st_mode):
            line = "%s - %d %s" % (mode, m, name)
        else:
            line = "%s %d %d %s" % (mode, st.st_size, m, name)
        out.append(line)
    return out

def actual(mnt):
    r = subprocess.run(["ls", "-lA", "--time-style=+%s", "--quoting-style=literal", mnt],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        print("ls failed: " + r.stderr.strip())
        return None
    out = []
    for line in r.stdout.splitlines():
        if line.startswith("total "):
            continue
        # mode links owner group size time name: one space before the
        # name, which may start with spaces itself
        f = re.match(r"(\S+) +\d+ +\S+ +\S+ +(\d+) +(\d+) (.*)$", line)
        if not f:
            print("odd ls line: " + line)
            return None
        mode, size, m, name = f.groups()
        if mode.startswith("d"):
            size = "-"
        out.append("%s %s %s %s" % (mode, size, m, name))
    return out

def want_mtime(path, prec):
    now = int(subprocess.run(["date", "+%s"], capture_output=True, text=True).stdout)
    print(shown_time(os.lstat(path), prec, now))
    return 0

def cmp_ls(mnt, data, prec, ignore):
    now = int(subprocess.run(["date", "+%s"], capture_output=True, text=True).stdout)
    want = expected(data, prec, now, set(ignore))
    got = actual(mnt)
    if got is None:
        return 1
    got = [g for g in got if g.split(" ", 3)[3].split(" -> ")[0] not in ignore]
    if got == want:
        return 0
    print("ls -l of %s differs from the files on the server:" % mnt)
    for w in want:
        if w not in got:
            print("    expected: " + w)
    for g in got:
        if g not in want:
            print("    got:      " + g)
    return 1

def preads(mfile, lfile, n, seed):
    # n reads at random offsets (some past the end) of random sizes, on one
    # open file, each compared with the local copy.
    rnd = random.Random(seed)
    size = os.path.getsize(lfile)
    bad = 0
    with open(mfile, "rb", buffering=0) as m, open(lfile, "rb", buffering=0) as l:
        for i in range(n):
            off = rnd.randrange(0, size + 4096)
            ln = rnd.choice([1, 7, 512, 4096, 4097, 65536, 131072, 1000000])
            ln = rnd.randrange(1, ln + 1)
            a = os.pread(m.fileno(), ln, off)
            b = os.pread(l.fileno(), ln, off)
            if a != b:
                print("pread(%d bytes at %d): %d bytes, expected %d%s" %
                      (ln, off, len(a), len(b), "" if len(a) != len(b) else ", different data"))
                bad += 1
                if bad > 5:
                    break
    return 1 if bad else 0

def eof(mfile, size):
    # Reads at and past the end, as on a local disk.
    cases = [(size, 1), (size, 4096), (size + 1, 1), (size + 100000, 65536),
             (max(size - 1, 0), 100), (1 << 40, 10)]
    with open(mfile, "rb", buffering=0) as m:
        for off, ln in cases:
            got = len(os.pread(m.fileno(), ln, off))
            want = max(0, min(ln, size - off))
            if got != want:
                print("pread(%d at %d) on a %d-byte file gave %d bytes, expected %d" %
                      (ln, off, size, got, want))
                return 1
        m.seek(0)
        total = 0
        while True:
            b = m.read(65536)
            if not b:
                break
            total += len(b)
        if total != size or m.read(1) != b"":
            print("read to the end gave %d bytes, expected %d" % (total, size))
            return 1
    return 0

def rotread(mfile, start_frac):
    # Read the whole file starting at a fraction of it and wrapping around,
    # then hash it in order: several of these at once are several streams
    # of one file.
    size = os.path.getsize(mfile)
    start = int(size * float(start_frac)) // 4096 * 4096
    with open(mfile, "rb", buffering=0) as m:
        chunks = {}
        for base, end in ((start, size), (0, start)):
            off = base
            while off < end:
                b = os.pread(m.fileno(), min(131072, end - off), off)
                if not b:
                    break
                chunks[off] = b
                off += len(b)
    h = hashlib.sha256()
    for off in sorted(chunks):
        h.update(chunks[off])
    print(h.hexdigest())
    return 0

def tailgrow(mfile, dfile, wait):
    # One descriptor, open while the file grows on the server twice (a log
    # followed with tail -f): after the cache time fstat shows the new
    # size, and reading on from the old end gives the new lines.
    fd = os.open(mfile, os.O_RDONLY)
    try:
        have = os.read(fd, 1 << 20)
        for n in (2, 3):
            with open(dfile, "ab") as f:
                f.write(b"line %d, appended on the server\n" % n)
            time.sleep(float(wait))
            want = open(dfile, "rb").read()
            size = os.fstat(fd).st_size
            if size != len(want):
                print("growth %d: fstat says %d bytes, the server has %d" % (n, size, len(want)))
                return 1
            have += os.pread(fd, 1 << 20, len(have))
            if have != want:
                print("growth %d: read on from the old end: %r, the server has %r" % (n, have, want))
                return 1
    finally:
        os.close(fd)
    return 0

cmd = sys.argv[1]
if cmd == "tailgrow":
    sys.exit(tailgrow(sys.argv[2], sys.argv[3], sys.argv[4]))
if cmd == "cmp_ls":
    sys.exit(cmp_ls(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]))
if cmd == "want_mtime":
    sys.exit(want_mtime(sys.argv[2], sys.argv[3]))
if cmd == "preads":
    sys.exit(preads(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])))
if cmd == "eof":
    sys.exit(eof(sys.argv[2], int(sys.argv[3])))
if cmd == "rotread":
    sys.exit(rotread(sys.argv[2], sys.argv[3]))
sys.exit(2)
EOF
# The system's python3 directly: a version manager's shim can cost a second
# per start on a busy machine.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
helper() { $T "$PY" "$work/helper.py" "$@"; }

sha() { $T sha256sum "$1" | cut -d' ' -f1; }
# cmp with a bound, for files on the mount.
tcmp() { $T cmp "$@"; }

# ---------------------------------------------------------------------------
# Source files, made once: random content, their SHA-256 known.

declare -A size_of=(
	[f0]=0 [f1]=1 [f64k]=65535 [f1m]=1048577 [f100m]=104857600
	[r1]=6000000 [r2]=6000001 [r3]=5999999 [r4]=7340032 [rs]=16777216
	[cmpA]=4194304
)
for f in "${!size_of[@]}"; do
	head -c "${size_of[$f]}" /dev/urandom >"$src/$f" || exit 99
done
cp "$src/cmpA" "$src/cmpB"
cp "$src/cmpA" "$src/cmpC"
# cmpC differs from cmpA in one byte only, at offset 3000000.
printf '\x%02x' $(( ($(od -An -tu1 -j3000000 -N1 "$src/cmpA") + 1) % 256 )) |
	dd of="$src/cmpC" bs=1 seek=3000000 conv=notrunc status=none
declare -A sha_of
for f in "${!size_of[@]}" cmpB cmpC; do
	sha_of[$f]=$(sha256sum "$src/$f" | cut -d' ' -f1)
done

# The server's folder: every file owned by the test user, as if uploaded.
populate() {
	local d=$TB_DATA now i j
	now=$(date +%s)
	for f in "${!size_of[@]}" cmpB cmpC; do
		cp "$src/$f" "$d/$f" || return 1
	done
	# Times: an old one (the day only in vsftpd's LIST), a recent one with
	# seconds, and a few modes.
	printf 'old\n' >"$d/old.txt"
	touch -d '2020-03-04 05:06:07 UTC' "$d/old.txt"
	printf 'recent\n' >"$d/recent.txt"
	touch -d "@$((now - 3600 - now % 60 + 37))" "$d/recent.txt"
	printf 'secret\n' >"$d/private.txt"
	chmod 600 "$d/private.txt"
	printf '#!/bin/sh\n' >"$d/script.sh"
	chmod 755 "$d/script.sh"
	# Names with spaces and UTF-8.
	mkdir -p "$d/a folder" "$d/empty" "$d/links" "$d/change"
	printf 'grüße\n' >"$d/a folder/grüße x.txt"
	printf 'nihongo\n' >"$d/日本語 ünïcødé.txt"
	printf 'spaces\n' >"$d/a folder/  two  spaces  "
	# Symlinks: relative to a file, to a folder, dangling.
	ln -s f1m "$d/link_f1m"
	ln -s ../f64k "$d/links/to_file"
	ln -s "../a folder" "$d/links/to_dir"
	ln -s ../nowhere "$d/links/dangling"
	# A tree for find: 10 folders of 30 files, some nested.
	for ((i = 0; i < 10; i++)); do
		mkdir -p "$d/tree/d$i/sub"
		for ((j = 0; j < 30; j++)); do
			printf '%d %d\n' "$i" "$j" >"$d/tree/d$i/f$j"
		done
		printf 'x\n' >"$d/tree/d$i/sub/leaf"
	done
	# Dot-files: vsftpd shows them only to LIST -a.
	mkdir -p "$d/tree/.dotdir"
	printf 'hidden\n' >"$d/tree/.hidden"
	printf 'hidden\n' >"$d/tree/.dotdir/.inner"
	# Files the change tests edit.
	for f in grow same gone; do
		printf 'version 1 of %s\n' "$f" >"$d/change/$f.txt"
	done
	# A file whose exact time is asked for (vsftpd: MDTM), an hour old.
	mkdir -p "$d/exact"
	printf 'exact 1\n' >"$d/exact/once.txt"
	touch -d "@$((now - 3600 - now % 60 + 41))" "$d/exact/once.txt"
	chown -R -h "$TB_USER:$TB_USER" "$d"
	# A folder and a symlink older than six months: vsftpd's LIST gives
	# them the day only (and no MDTM for them).
	touch -d '2019-07-08 09:10:11 UTC' "$d/empty"
	touch -h -d '2019-07-08 09:10:11 UTC' "$d/link_f1m"
}

# Time precision the server's listings give: MLSD's second, or vsftpd's LIST.
precision() {
	case $TB_NAME in
	vsftpd-*) echo list ;;
	*) echo sec ;;
	esac
}

# ProFTPD's MLSD leaves out a symlink whose target does not exist: what the
# server does not list cannot show.
links_ignore() {
	case $TB_NAME in
	proftpd) echo dangling ;;
	esac
}

# ---------------------------------------------------------------------------
# Checks

sha_is() { [ "$(sha "$1")" = "$2" ]; }

# True when "$@" fails with "No such file or directory".
is_enoent() {
	local out
	out=$($T "$@" 2>&1) && return 1
	case $out in *"No such file or directory"*) return 0 ;; esac
	echo "    expected ENOENT, got: $out"
	return 1
}

# Run N copies of "rotread FILE" at once (different start points), every
# one must give the file's SHA-256.
parallel_same() {
	local f=$1 want=$2 i rc=0 pids=()
	for i in 0 1 2 3; do
		helper rotread "$f" "0.$((i * 25))" >"$work/par.$i" &
		pids+=($!)
	done
	for i in 0 1 2 3; do
		wait "${pids[$i]}" || rc=1
		[ "$(cat "$work/par.$i")" = "$want" ] || { echo "    reader $i: $(cat "$work/par.$i")"; rc=1; }
	done
	return "$rc"
}

# Four different files read at once, each compared with its SHA-256.
parallel_four() {
	local m=$1 f rc=0
	declare -A pids
	for f in r1 r2 r3 r4; do
		sha "$m/$f" >"$work/par.$f" &
		pids[$f]=$!
	done
	for f in r1 r2 r3 r4; do
		wait "${pids[$f]}" || rc=1
		[ "$(cat "$work/par.$f")" = "${sha_of[$f]}" ] || { echo "    $f: wrong data"; rc=1; }
	done
	return "$rc"
}

# find on the mount lists what find on the server's disk does: types,
# file sizes (not folder or link sizes) and paths.
find_same() {
	local m=$1 d=$2 f='find . -printf "%y %s %p\n" | sed "s/^\([dl]\) [0-9]*/\1 -/" | sort'
	diff <(cd "$d" && bash -c "$f") <($T bash -c "cd \"\$1\" && $f" - "$m")
}

readlink_is() { [ "$($T readlink "$1")" = "$2" ]; }

# The checks every mount gets. $1 = mount point, $2 = label.
common_checks() {
	local m=$1 l=$2 d=$TB_DATA
	check "$l: ls -l of / matches the server's files" \
		helper cmp_ls "$m" "$d" "$(precision)"
	check "$l: ls -l of a folder with spaces and UTF-8 names" \
		helper cmp_ls "$m/a folder" "$d/a folder" "$(precision)"
	check "$l: ls -l of symlinks" helper cmp_ls "$m/links" "$d/links" "$(precision)" $(links_ignore)
	check "$l: stat of a file in a folder not yet listed (size, type, mtime)" \
		test "$($T stat -c '%s %F %Y' "$m/tree/d3/f7")" = \
			"$(stat -c '%s %F' "$d/tree/d3/f7") $(helper want_mtime "$d/tree/d3/f7" "$(precision)")"
	for f in f0 f1 f64k f1m; do
		check "$l: $f (${size_of[$f]} B) reads back with the same SHA-256" sha_is "$m/$f" "${sha_of[$f]}"
	done
	check "$l: a UTF-8 name reads back" tcmp "$m/日本語 ünïcødé.txt" "$d/日本語 ünïcødé.txt"
	check "$l: a name with spaces and UTF-8 in a folder with a space reads back" \
		tcmp "$m/a folder/grüße x.txt" "$d/a folder/grüße x.txt"
	check "$l: a name with leading, double and trailing spaces reads back" \
		tcmp "$m/a folder/  two  spaces  " "$d/a folder/  two  spaces  "
	check "$l: readlink of a symlink to a file" readlink_is "$m/link_f1m" f1m
	check "$l: reading through a symlink" sha_is "$m/link_f1m" "${sha_of[f1m]}"
	check "$l: reading through a symlink in a subfolder" sha_is "$m/links/to_file" "${sha_of[f64k]}"
	check "$l: readlink of a symlink to a folder" readlink_is "$m/links/to_dir" "../a folder"
	check "$l: listing through a symlink to a folder" \
		test "$($T ls "$m/links/to_dir/" | sort)" = "$(ls "$d/a folder/" | sort)"
	if [ -z "$(links_ignore)" ]; then
		check "$l: readlink of a dangling symlink" readlink_is "$m/links/dangling" ../nowhere
	fi
	check "$l: ls of an empty folder is empty" \
		test -z "$($T ls -A "$m/empty")" -a "$($T stat -c %F "$m/empty")" = directory
	check "$l: an empty file reads as empty" test "$($T cat "$m/f0" | wc -c)" = 0
	check "$l: reads at and past the end (1 MiB+1)" helper eof "$m/f1m" "${size_of[f1m]}"
	check "$l: reads at and past the end (1 B)" helper eof "$m/f1" 1
	check "$l: reads at and past the end (0 B)" helper eof "$m/f0" 0
	check "$l: 200 random preads of the 1 MiB+1 file" helper preads "$m/f1m" "$src/f1m" 200 1
	check "$l: four readers of four files at once" parallel_four "$m"
	check "$l: four readers of one file at once" parallel_same "$m/rs" "${sha_of[rs]}"
	check "$l: find over a tree of $(find "$d/tree" | wc -l) entries matches the server's" \
		find_same "$m/tree" "$d/tree"
	check "$l: a missing file is ENOENT" is_enoent stat "$m/no such file"
}

# What the server changes shows once the cache time is over (dir_cache=2);
# before it, the old data may still show.
expiry_checks() {
	local m=$1 l=$2 d=$TB_DATA/change old
	# Fill the caches (listing, attributes, pages).
	$T cat "$m/change/grow.txt" "$m/change/same.txt" "$m/change/gone.txt" >/dev/null
	$T ls -l "$m/change" >/dev/null
	printf 'version 2 of grow, longer\n' >"$d/grow.txt"
	old=$(cat "$d/same.txt")
	printf 'version 2 of same\n' >"$d/same.txt"
	touch -d '2021-05-06 07:08:09 UTC' "$d/same.txt"
	rm "$d/gone.txt"
	printf 'new\n' >"$d/new.txt"
	chown "$TB_USER:" "$d"/*.txt
	local now
	now=$($T cat "$m/change/same.txt")
	check "$l: before the cache time: old or new data, nothing else" \
		test "$now" = "$old" -o "$now" = "version 2 of same"
	sleep 2.5
	check "$l: a file that grew on the server: new size after the cache time" \
		test "$($T stat -c %s "$m/change/grow.txt")" = "$(stat -c %s "$d/grow.txt")"
	check "$l: ... and new content" tcmp "$m/change/grow.txt" "$d/grow.txt"
	check "$l: same size, new mtime on the server: new content after the cache time" \
		tcmp "$m/change/same.txt" "$d/same.txt"
	check "$l: ... and its new mtime" \
		test "$($T stat -c %Y "$m/change/same.txt")" = "$(helper want_mtime "$d/same.txt" "$(precision)")"
	check "$l: a file removed on the server is ENOENT after the cache time" \
		is_enoent stat "$m/change/gone.txt"
	check "$l: ... and reading it is ENOENT" is_enoent cat "$m/change/gone.txt"
	check "$l: a file added on the server shows after the cache time" \
		test "$($T ls "$m/change" | tr '\n' ' ')" = "grow.txt new.txt same.txt "
}

# A file open while it grows on the server (a log followed with tail -f)
# reads on to its new end once the cache time is over; a descriptor held
# open does not freeze the file at the size it had when opened.
growing_checks() {
	local m=$1 l=$2 d=$TB_DATA/growing
	mkdir -p "$d" && printf 'line 1\n' >"$d/app.log" && chown -R "$TB_USER:" "$d" || return 1
	sleep 2.5                       # the root's listing, cached without it
	check "$l: an open file that grows on the server reads on to its new end" \
		helper tailgrow "$m/growing/app.log" "$d/app.log" 2.5
}

# vsftpd's LIST gives a file's minute; its second comes from MDTM, asked
# once per version of the file however often the caches expire: a fresh
# listing that shows the same size and minute reuses the answer, one that
# shows another size or another minute asks again.
mdtm_count() { grep -cF "\"MDTM /exact/$1\"" "$TB_LOG"; }
mtime_is() { [ "$($T stat -c %Y "$1")" = "$(stat -c %Y "$2")" ]; }

exact_time_checks() {
	local m=$1 l=$2 f=$TB_DATA/exact/once.txt n0 t
	[ "$(precision)" = list ] || return 0
	n0=$(mdtm_count once.txt)
	check "$l: the exact time of a file that LIST shows to the minute" \
		mtime_is "$m/exact/once.txt" "$f"
	sleep 2.5
	check "$l: ... still exact after the cache time" mtime_is "$m/exact/once.txt" "$f"
	check "$l: ... with one MDTM for both stats" test "$(($(mdtm_count once.txt) - n0))" = 1
	# A new version on the server: another size, an exact time in
	# another minute.
	t=$(date +%s)
	t=$((t - 1800 - t % 60 + 13))
	printf 'exact version 2\n' >"$f"
	touch -d "@$t" "$f"
	sleep 2.5
	check "$l: a file that changed size on the server: its new exact time" \
		mtime_is "$m/exact/once.txt" "$f"
	check "$l: ... asked once more" test "$(($(mdtm_count once.txt) - n0))" = 2
	# The same size, another minute.
	printf 'exact version 3\n' >"$f"
	touch -d "@$((t + 125))" "$f"
	sleep 2.5
	check "$l: the same size and another minute on the server: its new exact time" \
		mtime_is "$m/exact/once.txt" "$f"
	check "$l: ... asked once more" test "$(($(mdtm_count once.txt) - n0))" = 3
}

# Files written on the server in the last two minutes: a listing cannot
# tell a rewrite of the same size within the minute, so their times are
# not kept for good, but for the cache time they are. "ls -l" of a folder of them costs one
# MDTM per file (one batch), not a batch and then one more per stat; after
# the cache time each is asked again.
fresh_count() { grep -cF "\"MDTM /fresh/" "$TB_LOG"; }

fresh_time_checks() {
	local m=$1 l=$2 d=$TB_DATA/fresh n0 i ok=1
	[ "$(precision)" = list ] || return 0
	mkdir -p "$d"
	for i in 1 2 3 4 5 6; do printf 'fresh %s\n' "$i" >"$d/f$i"; done
	chown -R "$TB_USER:" "$d"
	sleep 2.5                       # the root's listing, cached without it
	n0=$(fresh_count)
	$T ls -l "$m/fresh" >/dev/null
	for i in 1 2 3 4 5 6; do mtime_is "$m/fresh/f$i" "$d/f$i" || ok=0; done
	check "$l: files written just now: exact times" test "$ok" = 1
	check "$l: ... one MDTM each for ls -l and stat" test "$(($(fresh_count) - n0))" = 6
	sleep 2.5
	check "$l: ... still exact after the cache time" mtime_is "$m/fresh/f3" "$d/f3"
	check "$l: ... asked again then" test "$(($(fresh_count) - n0))" -gt 6
}

# With dir_cache=0 the same changes show at once.
nocache_checks() {
	local m=$1 l=$2 d=$TB_DATA/change
	$T cat "$m/change/grow.txt" "$m/change/same.txt" "$m/change/new.txt" >/dev/null
	$T ls -l "$m/change" >/dev/null
	printf 'version 3 of grow, longer still\n' >"$d/grow.txt"
	printf 'version 3 of same\n' >"$d/same.txt"
	touch -d '2022-06-07 08:09:10 UTC' "$d/same.txt"
	rm "$d/new.txt"
	printf 'newer\n' >"$d/newer.txt"
	chown "$TB_USER:" "$d"/*.txt
	check "$l: a file that grew on the server: new size at once" \
		test "$($T stat -c %s "$m/change/grow.txt")" = "$(stat -c %s "$d/grow.txt")"
	check "$l: ... and new content at once" tcmp "$m/change/grow.txt" "$d/grow.txt"
	check "$l: same size, new mtime: new content at once" tcmp "$m/change/same.txt" "$d/same.txt"
	check "$l: a removed file is ENOENT at once" is_enoent stat "$m/change/new.txt"
	check "$l: readlink with nothing cached" readlink_is "$m/links/to_file" ../f64k
	check "$l: reading through a symlink with nothing cached" sha_is "$m/link_f1m" "${sha_of[f1m]}"
	check "$l: an added file shows at once" \
		test "$($T ls "$m/change" | tr '\n' ' ')" = "grow.txt newer.txt same.txt "
}

# Reading two files at once over one connection.
two_at_once_checks() {
	local m=$1 l=$2 out want
	check "$l: cmp of two equal 4 MiB files on the mount" $T cmp "$m/cmpA" "$m/cmpB"
	out=$($T bash -c 'cd "$1" && cmp cmpA cmpC' - "$m" 2>&1)
	want=$(cd "$src" && cmp cmpA cmpC 2>&1)
	check "$l: cmp of two files differing in one byte finds it ($want)" test "$out" = "$want"
	check "$l: 200 random preads of two files interleaved" \
		interleaved "$m"
}

interleaved() {
	helper preads "$1/r1" "$src/r1" 100 7 &
	local p=$!
	helper preads "$1/r2" "$src/r2" 100 8 || { wait "$p"; return 1; }
	wait "$p"
}

# Mount with options, run the checks named, unmount.
with_mount() {
	local label=$1 opts=$2 m=$work/$TB_NAME/mnt
	shift 2
	# shellcheck disable=SC2086
	if ! it_mount "$m" $opts; then
		it_fail "$TB_NAME: $label: mount"
		return
	fi
	it_pass "$TB_NAME: $label: mounted"
	local t0=$SECONDS fn
	for fn in "$@"; do
		"$fn" "$m" "$label"
	done
	check "$label: unmounts, the daemon exits 0 with no warning or error" it_umount "$m"
	printf '    (%s: %s s)\n' "$label" $((SECONDS - t0))
}

big_checks() {
	local m=$1 l=$2
	check "$l: the 100 MiB file reads back with the same SHA-256" sha_is "$m/f100m" "${sha_of[f100m]}"
	check "$l: 200 random preads of the 100 MiB file" helper preads "$m/f100m" "$src/f100m" 200 2
}

# ---------------------------------------------------------------------------

nserver=0
for name in $names; do
	it_start "$name" || continue
	nserver=$((nserver + 1))
	t0=$SECONDS
	if ! populate; then
		it_fail "$name: cannot fill $TB_DATA"
		tb_stop "$name"
		continue
	fi
	before=$it_nfail
	# exact_time_checks counts the MDTMs of a file from its first stat on:
	# none may have been asked ahead (-o prefetch; prefetch.sh checks that)
	with_mount "dir_cache=2" "-o dir_cache=2 -o prefetch=0" common_checks big_checks \
		expiry_checks exact_time_checks fresh_time_checks growing_checks
	with_mount "dir_cache=0" "-o dir_cache=0" nocache_checks
	with_mount "max_conns=1" "-o max_conns=1" common_checks two_at_once_checks
	with_mount "active" "-o active" common_checks
	if [ "$it_nfail" -ne "$before" ]; then
		printf -- '--- daemon log (last 30 lines)\n'
		tail -n 30 "$work/$name/mnt.log"
		tb_show_logs "$name"
	fi
	tb_stop "$name"
	printf '%s: %d s\n' "$name" $((SECONDS - t0))
done

[ "$nserver" -gt 0 ] || { echo "SKIP: no server could run here"; exit 77; }
it_summary
