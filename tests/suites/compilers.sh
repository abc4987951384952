#!/bin/sh
# The tree compiles without a warning under both gcc and clang (TAP).
#
# make check builds with one compiler, and each compiler catches warnings
# the other does not. So this runs both front ends over every C file with
# the Makefile's flags (-fsyntax-only: no object is written).
set -u

top=${ANN_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1

flags=$(make --no-print-directory -s print-cflags 2>/dev/null)
n=0
failed=0
for cc in gcc clang; do
	n=$((n + 1))
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "not ok $n - $cc is not installed"
		failed=1
		continue
	fi
	log=$(ls lib/*.c cmd/*.c tests/unit/*.c tests/tools/*.c |
	    xargs -P 2 -n 8 "$cc" $flags -Itests/unit -fsyntax-only 2>&1)
	if [ -n "$log" ]; then
		echo "not ok $n - $cc reports warnings"
		printf '%s\n' "$log" | sed 's/^/# /' | head -n 40
		failed=1
	else
		echo "ok $n - $cc compiles every C file without a warning"
	fi
done
echo "1..$n"
exit $failed
