#!/bin/bash
# man_page.sh - man/ftpsfs.1 (made from the options table) is a page that
# renders without warnings, has the sections a user looks for, and names
# every option that `ftpsfs -h` lists, with nothing extra; its systemd
# .mount and .automount examples pass systemd-analyze verify (when there).
set -u
page=$top_builddir/man/ftpsfs.1
bin=$top_builddir/fuse/ftpsfs
fails=0
check() {
	local what=$1
	shift
	if "$@"; then echo "PASS: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi
}

[ -s "$page" ] || { echo "FAIL: $page was not made"; exit 1; }
[ -x "$bin" ] || { echo "FAIL: $bin was not built"; exit 1; }

for s in NAME SYNOPSIS DESCRIPTION URL OPTIONS PASSWORD "FSTAB AND SYSTEMD" \
	"EXIT STATUS" FILES SECURITY "SEE ALSO"; do
	check "section $s" grep -q "^\.SH \"\?$s\"\?\$" "$page"
done
check "no template marker left" eval '! grep -q "@[A-Z]*@" "$page"'

if command -v groff >/dev/null; then
	warn=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	check "groff renders it without warnings${warn:+: $warn}" [ -z "$warn" ]
	text=$(groff -man -Tutf8 "$page" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
else
	echo "SKIP: no groff: the page is not rendered"
	text=$(sed 's/\\f[BIRP]//g; s/\\-/-/g' "$page")
fi

# option names: from -h ("    -o name=...", "    -h, --help ..."), and from
# the page's source (the line after each .TP of OPTIONS: "\fB\-o name=\fR")
want=$("$bin" -h 2>/dev/null | sed -n '/^ftpsfs options:/,/^$/p' |
	sed -n 's/^    \(-o \)\?\([-a-z_][-a-z_]*\).*/\2/p' | sort -u)
got=$(sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$page" | sed -n '/^\.TP/{n;p}' |
	sed 's/\\-/-/g; s/\\f[BIRP]//g' | sed -n 's/^\(-o \)\?\([-a-z_]*\).*/\2/p' | sort -u)
check "-h lists options ($(echo "$want" | wc -l))" [ "$(echo "$want" | wc -l)" -ge 20 ]
missing=$(comm -23 <(echo "$want") <(echo "$got") | tr '\n' ' ')
extra=$(comm -13 <(echo "$want") <(echo "$got") | tr '\n' ' ')
check "every option of -h is in the page${missing:+ (missing: $missing)}" [ -z "$missing" ]
check "the page has no option -h lacks${extra:+ (extra: $extra)}" [ -z "$extra" ]

# The systemd units the page shows: each ".IR /etc/systemd/system/NAME :"
# is followed by its text between .nf and .fi. systemd-analyze verify reads
# them offline (no systemd needs to run); it must have nothing to say.
units=$(mktemp -d "${TMPDIR:-/tmp}/man_page.XXXXXX") || exit 99
trap 'rm -rf "$units"' EXIT
sed -n '/^\.SH "\?FSTAB AND SYSTEMD"\?$/,/^\.SH /p' "$page" | sed 's/\\-/-/g' |
	awk -v dir="$units" '
		/^\.IR \/etc\/systemd\/system\// { n = split($2, p, "/"); name = p[n]; next }
		/^\.nf$/ && name != "" { copy = 1; next }
		/^\.fi$/ { copy = 0; name = ""; next }
		copy { print > (dir "/" name) }'
n=$(find "$units" -name '*.mount' -o -name '*.automount' | wc -l)
check "the page shows a .mount and an .automount unit ($(ls "$units" | tr '\n' ' '))" \
	eval '[ -s "$units/mnt-nas.mount" ] && [ -s "$units/mnt-nas.automount" ] && [ "$n" -eq 2 ]'
check "the .mount unit is of type fuse.ftpsfs" grep -qx 'Type=fuse.ftpsfs' "$units/mnt-nas.mount"
if command -v systemd-analyze >/dev/null; then
	said=$(cd "$units" && systemd-analyze verify ./*.mount ./*.automount 2>&1)
	rc=$?
	check "systemd-analyze verify accepts them${said:+: $said}" [ "$rc" -eq 0 ] && [ -z "$said" ]
else
	echo "SKIP: no systemd-analyze: the units' syntax is not checked"
fi

echo "$fails failed"
[ "$fails" = 0 ]
