#!/bin/sh
# The JSON Schema Test Suite, run through the schema engine (TAP).
#
# Required tests of draft 2020-12 and draft-07 give one TAP line per test
# and must all pass. The optional format tests run with format assertion
# on. Their failures are listed as comments, and one TAP line checks that
# at least 95% pass. The other optional tests are only counted. Remote
# references (http://localhost:1234/...) are read from the suite's
# remotes/ folder through a schema map.
set -u

top=${ANN_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${ANN_BUILD:-$top/build}
suite=$(cd "$top/../shared/testdata/json-schema-test-suite" 2>/dev/null && pwd)
suite=${suite:-$top/../shared/testdata/json-schema-test-suite}
run=$build/tools/jsts-run
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if [ ! -d "$suite/tests" ] || [ ! -x "$run" ]; then
	echo "not ok - test suite at $suite or runner at $run is missing"
	echo "1..1"
	exit 1
fi

for draft in 2020-12 7; do
	case $draft in
	7) dir=draft7 ;;
	*) dir=draft$draft ;;
	esac

	"$run" --draft "$draft" --remotes "$suite/remotes" "$suite/tests/$dir"/*.json >"$out"
	cat "$out"
	counts=$(sed -n 's/^# passed \([0-9]*\) of \([0-9]*\)$/\1 \2/p' "$out")
	echo "# draft $draft required: passed ${counts% *} of ${counts#* }"

	"$run" --draft "$draft" --formats --quiet-failures --remotes "$suite/remotes" \
	    "$suite/tests/$dir/optional/format"/*.json >"$out"
	grep '^# FAIL' "$out"
	set -- $(sed -n 's/^# passed \([0-9]*\) of \([0-9]*\)$/\1 \2/p' "$out")
	passed=${1:-0}
	total=${2:-0}
	pct=$(awk -v p="$passed" -v t="$total" 'BEGIN { if (t > 0) printf "%.1f", 100 * p / t; else print "0" }')
	if [ "$total" -gt 0 ] && [ $((passed * 100)) -ge $((total * 95)) ]; then
		echo "ok - draft $draft optional/format with assertion: passed $passed of $total ($pct%), at least 95% required"
	else
		echo "not ok - draft $draft optional/format with assertion: passed $passed of $total ($pct%), at least 95% required"
	fi

	# The other optional tests (bignum, ECMA-262 regex, ...) are reported
	# for information only: a validator may skip them.
	"$run" --draft "$draft" --quiet-failures --remotes "$suite/remotes" \
	    "$suite/tests/$dir/optional"/*.json >"$out"
	grep '^# FAIL' "$out"
	echo "# draft $draft other optional tests (information only):$(sed -n 's/^# passed/ passed/p' "$out")"
done | tee "$out.all"

n=$(grep -c -e '^ok ' -e '^not ok ' "$out.all")
echo "1..$n"
failed=$(grep -c '^not ok ' "$out.all")
rm -f "$out.all"
[ "$failed" -eq 0 ]
