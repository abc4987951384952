#!/usr/bin/env bats
# make demo's pipeline, run as the README shows it.

load test_helper

@test "demo runs the whole job on the example invoices" {
	run --separate-stderr timeout 120 sh "$ANN_TOP/share/examples/demo.sh" out
	[ "$status" -eq 0 ]
	[[ "$output" == "demo: local Bedrock look-alike at http://127.0.0.1:"* ]]
	[[ "$output" == *"documents   26"* ]]
	[[ "$output" == *"valid       26 (0 with errors)"* ]]
	[[ "$output" =~ "retries     "[0-9]+" re-asks for "[0-9]+" documents; "[0-9]+" calls sent again after throttling or faults" ]]
	[[ "$output" == *"micro F1    1.0000"* ]]
	[[ "$output" == *"dataset     $BATS_TEST_TMPDIR/out/dataset.jsonl"* ]]
	# Every document exactly once, and the look-alike really made mistakes to fix.
	[ "$(python3 -c 'import json,sys; print(len({json.loads(l)["id"] for l in open(sys.argv[1])}))' out/dataset.jsonl)" -eq 26 ]
	[ "$(wc -l <out/dataset.jsonl)" -eq 26 ]
	[ "$(grep -c '"attempts"' out/dataset.jsonl)" -ge 1 ]
	python3 -c '
import json, sys
stats = json.load(open(sys.argv[1]))
assert sum(stats["mistakes"].values()) > 0, stats
' out/mock-stats.json
}

@test "demo stops its server" {
	sh "$ANN_TOP/share/examples/demo.sh" out >/dev/null 2>&1
	url=$(head -n 1 out/mock.url)
	run curl -s --max-time 2 "$url/_mock/stats"
	[ "$status" -ne 0 ]
}

@test "demo records validate against the record schema" {
	sh "$ANN_TOP/share/examples/demo.sh" out >/dev/null 2>&1
	schema="$ANN_TOP/schemas/record.schema.json"
	for f in requests answers validated final dataset; do
		[ -s "out/$f.jsonl" ]
		run -0 --separate-stderr ann-validate -f '' -s "$schema" --invalid-only "out/$f.jsonl"
		[ -z "$output" ]
		[[ "$stderr" == *" 0 invalid, 0 not validated"* ]]
	done
	# The same check catches a record broken on purpose, naming line and value.
	python3 -c '
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
rec = json.loads(lines[1]); rec["id"] = 17; lines[1] = json.dumps(rec, ensure_ascii=False)
rec = json.loads(lines[2]); rec["validation"]["valid"] = "yes"; lines[2] = json.dumps(rec, ensure_ascii=False)
print("\n".join(lines))
' out/dataset.jsonl >broken.jsonl
	run -1 --separate-stderr ann-validate -v -f '' -s "$schema" --invalid-only broken.jsonl
	[ "${#lines[@]}" -eq 2 ]
	[[ "$stderr" == *'line 2: record is invalid: /id: must be a string, got number 17'* ]]
	[[ "$stderr" == *'line 3: record "'*'" is invalid: /validation/valid: '*'got string "yes"'* ]]
}

@test "README's first pipeline runs as written" {
	# The README's sh blocks, in order, from a stand-in for the clone whose
	# bin/ is the build under test. doc_blocks.py stops before ann-invoke
	# unless the endpoint is on 127.0.0.1.
	mkdir clone
	ln -s "$ANN_BIN" clone/bin
	ln -s "$ANN_TOP/share" clone/share
	ln -s "$ANN_TOP/schemas" clone/schemas
	python3 "$ANN_TOP/tests/helpers/doc_blocks.py" "$ANN_TOP/README.md" blocks
	[ "$(ls blocks/[0-9]*.sh | wc -l)" -eq 2 ]
	(cd clone && timeout 120 bash ../blocks/run.sh)
	for status in blocks/*.status; do
		[ "$(cat "$status")" -eq 0 ]
	done
	[ "$(wc -l <clone/dataset.jsonl)" -eq 26 ]
	grep -q '^micro average' blocks/02.out
	# The last block stopped the look-alike.
	run curl -s --max-time 2 "$(cat clone/mock.url)/_mock/stats"
	[ "$status" -ne 0 ]
}
