#!/bin/sh
# Checks tests/field-cases.md against the field-case list (TAP output).
#
# Every case ID ("### B01 ...") of ../shared/cases/field-cases.md needs a
# row in tests/field-cases.md with a status, and every test that a row
# names as `file` `name` must exist: the file under the repository, and
# the name as a bats @test, a unit test's ANN_TEST entry, or a quoted case
# name in any other file. One TAP line per case ID.
set -u

top=${ANN_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cases=${ANN_FIELD_CASES:-$top/../shared/cases/field-cases.md}
table=${ANN_FIELD_TABLE:-$top/tests/field-cases.md}

if [ ! -f "$cases" ] || [ ! -f "$table" ]; then
	echo "1..1"
	echo "not ok 1 - field-case list $cases or table $table is missing"
	exit 1
fi

ids=$(sed -n 's/^### \(B[0-9][0-9]*\)[ :].*/\1/p' "$cases")
if [ -z "$ids" ]; then
	echo "1..1"
	echo "not ok 1 - no case IDs (\"### Bnn ...\") found in $cases"
	exit 1
fi

# Prints the test references of a table row, one "file<TAB>name" a line:
# the backquoted spans of its Tests cell, taken in pairs.
refs_of_row() {
	printf '%s\n' "$1" | awk -F'|' '{
		cell = $5
		while (match(cell, /`[^`]*`/)) {
			span[n++] = substr(cell, RSTART + 1, RLENGTH - 2)
			cell = substr(cell, RSTART + RLENGTH)
		}
		if (n % 2)
			print "odd\t" n
		for (i = 0; i + 1 < n; i += 2)
			print span[i] "\t" span[i + 1]
	}'
}

# Succeeds when file defines a test called name, in the file's own form.
has_test() {
	case $1 in
	*.bats) grep -qxF "@test \"$2\" {" "$top/$1" ;;
	tests/unit/*.c) grep -qF "ANN_TEST($2)" "$top/$1" ;;
	*) grep -qF "\"$2\"" "$top/$1" ;;
	esac
}

tab=$(printf '\t')
n=0
failed=0
for id in $ids; do
	n=$((n + 1))
	rows=$(grep -c "^| $id |" "$table")
	if [ "$rows" -ne 1 ]; then
		echo "not ok $n - $id: expected one row in tests/field-cases.md, found $rows"
		failed=$((failed + 1))
		continue
	fi
	row=$(grep "^| $id |" "$table")
	status=$(printf '%s\n' "$row" | awk -F'|' '{ gsub(/^ +| +$/, "", $6); print $6 }')
	problems=
	[ -n "$status" ] || problems=" no status;"
	count=0
	refs=$(refs_of_row "$row")
	while IFS="$tab" read -r file name; do
		[ -n "$file" ] || continue
		if [ "$file" = odd ]; then
			problems="$problems the Tests cell has $name backquoted spans, not file and name pairs;"
			continue
		fi
		count=$((count + 1))
		if [ ! -f "$top/$file" ]; then
			problems="$problems no file $file;"
		elif ! has_test "$file" "$name"; then
			problems="$problems no test \"$name\" in $file;"
		fi
	done <<EOF
$refs
EOF
	case $status in
	"not applicable"*) ;;
	*) [ "$count" -gt 0 ] || problems="$problems no test named;" ;;
	esac
	if [ -n "$problems" ]; then
		echo "not ok $n - $id:$problems"
		failed=$((failed + 1))
	else
		echo "ok $n - $id: $count tests found"
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
