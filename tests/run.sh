#!/bin/sh
# Runs every test and prints one closing line: "N passed, N failed".
#
# Three kinds of test, all speaking TAP: the unit-test programs built from
# tests/unit/ (in $B/unit), the bats files tests/*.bats, and the suite
# runners tests/suites/*.sh (external conformance suites).
# The build directories come from the environment: B (objects, unit tests)
# and BIN (commands), so the sanitizer build runs the same tests.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
BIN=${BIN:-bin}
export ANN_BIN="$top/$BIN" ANN_BUILD="$top/$B" ANN_TOP="$top"
export LC_ALL=C
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_tap() {
	name=$1
	shift
	echo "# $name"
	"$@" >"$log" 2>&1
	status=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $status"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

passed=0
failed=0

for t in "$top/$B"/unit/test_*; do
	[ -x "$t" ] || continue
	run_tap "unit $(basename "$t")" "$t"
done

for t in "$top"/tests/suites/*.sh; do
	[ -f "$t" ] || continue
	run_tap "suite $(basename "$t" .sh)" sh "$t"
done

set -- "$top"/tests/*.bats
if [ -f "$1" ]; then
	run_tap "bats" bats --tap "$@"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
