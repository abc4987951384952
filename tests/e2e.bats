#!/usr/bin/env bats
# The main job end to end on real documents: scanned receipts (OCR lines
# with boxes) and invoices sent as PDF, against ann-mock on 127.0.0.1
# serving the labels with mistakes (10% of answers) and faults (5%
# throttling, 1% 503, 1% connection resets). tests/e2e/check.py holds the
# assertions; the seed is fixed so a run can be repeated exactly.

load test_helper

RECEIPTS="$SHARED/testdata/receipts-sroie"
INVOICES="$SHARED/testdata/invoices-pdf"
E2E="$ANN_TOP/tests/e2e"

run_set() {
	local kind=$1 data=$2 out=$3
	run sh "$E2E/pipeline.sh" "$kind" "$data" "$out"
	[ "$status" -eq 0 ]
	run python3 "$E2E/check.py" "$out" "$out/labels-checked.jsonl"
	echo "$output"
	[ "$status" -eq 0 ]
}

# Nothing may leave loopback: the endpoint the pipeline used is the mock's.
assert_loopback() {
	grep -qx 'http://127\.0\.0\.1:[0-9]*' "$1/mock.url"
	! grep -r -l 'amazonaws\.com\|169\.254\.' "$1"/*.log
}

@test "e2e: receipts end complete and valid" {
	[ -d "$RECEIPTS/key" ] || skip "SROIE receipts not found in ../shared/testdata"
	run_set receipts "$RECEIPTS" out
	[[ $output == *"documents 120,"* ]]
	assert_loopback out
}

@test "e2e: PDF invoices end complete and valid" {
	[ -d "$INVOICES" ] || skip "PDF invoices not found in ../shared/testdata"
	run_set invoices "$INVOICES" out
	[[ $output == *"documents 11,"* ]]
	# The requests carried the PDFs themselves.
	grep -q '"document"' out/requests.jsonl
	assert_loopback out
}

@test "e2e: PDF invoices pass with other seeds" {
	[ -d "$INVOICES" ] || skip "PDF invoices not found in ../shared/testdata"
	local s
	for s in 1 2 4 5 6; do
		E2E_SEED=$s run_set invoices "$INVOICES" "out$s"
	done
}

@test "e2e: check rejects broken runs" {
	[ -d "$INVOICES" ] || skip "PDF invoices not found in ../shared/testdata"
	run_set invoices "$INVOICES" out
	for d in twice lost wrong extra invalid; do cp -r out "$d"; done
	head -n 1 out/dataset.jsonl >>twice/dataset.jsonl
	sed 1d out/dataset.jsonl >lost/dataset.jsonl
	sed 's/"issuer":"[^"]*"/"issuer":"Nobody"/' out/dataset.jsonl >wrong/dataset.jsonl
	ann-eval --json wrong/labels.jsonl wrong/dataset.jsonl >wrong/eval.json || true
	sed 's/^{"calls":\([0-9]*\)/{"calls":1\1/' out/mock-stats.json >extra/mock-stats.json
	sed '1s/"valid":true/"valid":false/' out/dataset.jsonl >invalid/dataset.jsonl
	run python3 "$E2E/check.py" twice twice/labels-checked.jsonl
	[ "$status" -eq 1 ]
	[[ $output == *"twice: ['"* ]]
	run python3 "$E2E/check.py" lost lost/labels-checked.jsonl
	[ "$status" -eq 1 ]
	[[ $output == *"lost: ['"* ]]
	run python3 "$E2E/check.py" wrong wrong/labels-checked.jsonl
	[ "$status" -eq 1 ]
	[[ $output == *"F1 of /issuer is 0"* ]]
	run python3 "$E2E/check.py" extra extra/labels-checked.jsonl
	[ "$status" -eq 1 ]
	[[ $output == *" calls, but "* ]]
	run python3 "$E2E/check.py" invalid invalid/labels-checked.jsonl
	[ "$status" -eq 1 ]
	[[ $output == *"ended invalid"* ]]
}
