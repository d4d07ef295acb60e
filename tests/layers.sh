#!/bin/sh
# tests/layers.sh - src/ and fuse/ keep their layers: src/ includes nothing
# of fuse/ or FUSE, and no modules include each other in a circle. The
# work is done by scripts/layers, which scripts/check runs too.
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
command -v bash >/dev/null || { echo "SKIP: no bash"; exit 77; }
exec bash "$top/scripts/layers" "$top"
