#!/usr/bin/env bats
# ann-validate --ground, --derived, --ground-edits and --rules end to end:
# spans, grounding and rule errors in the validation member, usage errors,
# the full-width digits case, and the SROIE receipts.

load test_helper

setup() {
	_ann_hermetic_env
	cd "$BATS_TEST_TMPDIR" || return 1
	cat >receipt.schema.json <<-'EOF2'
	{
	  "type": "object",
	  "properties": {
	    "company": {"type": "string"},
	    "total": {"type": "string"},
	    "paid_in_cash": {"type": "boolean"},
	    "tax_rate": {"type": "number", "x-ann-derived": true}
	  }
	}
	EOF2
	echo '{"type":"object"}' >any.schema.json
}

@test "grounded values get spans and a valid verdict" {
	printf '%s\n' '{"id":"r1","text":"ＡＢＣ商店\n合計 ￥1,234","output":{"company":"ABC商店","total":"1234","paid_in_cash":true,"tax_rate":10}}' >in.jsonl
	run -0 --separate-stderr ann-validate -s receipt.schema.json --ground /text <in.jsonl
	[ "${lines[0]}" = '{"id":"r1","text":"ＡＢＣ商店\n合計 ￥1,234","output":{"company":"ABC商店","total":"1234","paid_in_cash":true,"tax_rate":10},"validation":{"valid":true,"errors":[]},"spans":[{"pointer":"/company","start":0,"end":5,"text":"ＡＢＣ商店","match":"text","edits":0},{"pointer":"/total","start":10,"end":15,"text":"1,234","match":"number","edits":0}]}' ]
}

@test "an ungrounded value is an error naming field, value and nearest text" {
	printf '%s\n' '{"id":"r2","text":"TOTAL RM 80.90","output":{"total":"80.95"}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s receipt.schema.json --ground /text <in.jsonl
	[ "${lines[0]}" = '{"id":"r2","text":"TOTAL RM 80.90","output":{"total":"80.95"},"validation":{"valid":false,"errors":[{"instanceLocation":"/total","keywordLocation":"/x-ann-ground","error":"value \"80.95\" is not in the source text; nearest text: \"80.90\" (1 edit, characters 9-14)"}]},"spans":[]}' ]
	[[ "$stderr" == *"1 records: 0 valid, 1 invalid"* ]]
}

@test "schema errors and grounding errors are reported together" {
	printf '%s\n' '{"id":"r3","text":"SHOP","output":{"company":"SHOP","total":12}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s receipt.schema.json --ground /text <in.jsonl
	python3 - "${lines[0]}" <<-'EOF2'
	import json, sys
	r = json.loads(sys.argv[1])
	kinds = [e["keywordLocation"] for e in r["validation"]["errors"]]
	assert kinds == ["/properties/total/type", "/x-ann-ground"], kinds
	assert r["validation"]["valid"] is False
	EOF2
}

@test "full-width digits: the same normaliser on both sides" {
	cat >jpy.schema.json <<-'EOF2'
	{"properties":{"total_jpy":{"type":"integer"}}}
	EOF2
	src='"text":"合計 ４５，０００円（税込）"'
	printf '%s\n' \
	    '{"id":"A",'"$src"',"output":{"total_jpy": ４５０００}}' \
	    '{"id":"B",'"$src"',"output":{"total_jpy":"４５，０００円"}}' \
	    '{"id":"C",'"$src"',"output":{"total_jpy":45000,"evidence":"４５，０００円"}}' \
	    '{"id":"D",'"$src"',"output":{"total_jpy":45000,"evidence":"45,000円"}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s jpy.schema.json --ground /text <in.jsonl
	python3 - "${lines[@]}" <<-'EOF2'
	import json, sys
	a, b, c, d = (json.loads(x) for x in sys.argv[1:5])
	# A: a number must use ASCII digits, so the line is not JSON at all
	assert a["id"] == "line:1" and a["error"]["kind"] == "syntax", a
	# B: a type error from the schema, but the text itself is grounded
	errors = b["validation"]["errors"]
	assert [e["keywordLocation"] for e in errors] == ["/properties/total_jpy/type"], errors
	assert b["spans"][0]["text"] == "４５，０００円", b["spans"]
	# C and D: valid, the evidence found whichever width it is written in
	for r in (c, d):
	    assert r["validation"] == {"valid": True, "errors": []}, r
	    assert [s["pointer"] for s in r["spans"]] == ["/total_jpy", "/evidence"], r["spans"]
	    assert r["spans"][1]["start"] == 3 and r["spans"][1]["end"] == 10, r["spans"]
	EOF2
}

@test "--derived and x-ann-derived exempt values" {
	printf '%s\n' '{"id":"r4","text":"SHOP 5.00","output":{"company":"SHOP","total":"5.00","tax_rate":6,"note":"made up"}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s receipt.schema.json --ground /text <in.jsonl
	[[ "${lines[0]}" == *'"instanceLocation":"/note"'* ]]
	[[ "${lines[0]}" != *'"instanceLocation":"/tax_rate"'* ]]
	run -0 --separate-stderr ann-validate -s receipt.schema.json --ground /text --derived /note <in.jsonl
	[[ "${lines[0]}" == *'"validation":{"valid":true,"errors":[]}'* ]]
}

@test "--ground-edits bounds OCR noise" {
	printf '%s\n' '{"id":"r5","text":"SUBANG HEALTHCARE SDN BHD","output":{"company":"SUBANG HEALTHCARR SDN BHD"}}' >in.jsonl
	run -0 --separate-stderr ann-validate -s receipt.schema.json --ground /text <in.jsonl
	[[ "${lines[0]}" == *'"match":"fuzzy","edits":1'* ]]
	run -1 --separate-stderr ann-validate -s receipt.schema.json --ground /text --ground-edits 0 <in.jsonl
	[[ "${lines[0]}" == *'"valid":false'* ]]
}

@test "a word list source gives word indices and boxes" {
	printf '%s\n' '{"id":"r6","ocr":{"words":[{"text":"TOTAL","box":[1,1,2,2]},{"text":"9.50","box":[3,1,4,2]}]},"output":{"total":"9.50"}}' >in.jsonl
	run -0 --separate-stderr ann-validate -s receipt.schema.json --ground /ocr/words <in.jsonl
	[[ "${lines[0]}" == *'"spans":[{"pointer":"/total","start":6,"end":10,"text":"9.50","match":"text","edits":0,"words":[1],"boxes":[[3,1,4,2]]}]'* ]]
}

@test "a record without the source text is invalid with the reason" {
	printf '%s\n' '{"id":"r7","output":{"total":"1"}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s receipt.schema.json --ground /text <in.jsonl
	[[ "${lines[0]}" == *'{"instanceLocation":"","keywordLocation":"/x-ann-ground","error":"record has no source text at /text, so no value can be grounded"}'* ]]
}

@test "--rules reports rule failures like schema errors" {
	cat >rules.json <<-'EOF2'
	{"rules": [
	  {"id": "total", "description": "subtotal plus tax is the total",
	   "assert": {"eq": ["/total", {"add": ["/subtotal", "/tax"]}]}}
	]}
	EOF2
	printf '%s\n' '{"id":"ok","output":{"subtotal":1000,"tax":100,"total":1100}}' \
	    '{"id":"bad","output":{"subtotal":1000,"tax":100,"total":1200}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s any.schema.json --rules rules.json <in.jsonl
	[ "${lines[0]}" = '{"id":"ok","output":{"subtotal":1000,"tax":100,"total":1100},"validation":{"valid":true,"errors":[]}}' ]
	[ "${lines[1]}" = '{"id":"bad","output":{"subtotal":1000,"tax":100,"total":1200},"validation":{"valid":false,"errors":[{"instanceLocation":"/total","keywordLocation":"/x-ann-rules/total","error":"rule total (subtotal plus tax is the total): /total is 1200, expected equal to /subtotal + /tax = 1100"}]}}' ]
}

@test "the shipped invoice rules catch a changed amount and check digit" {
	good='{"issue_date":"2024-07-31","due_date":"2024-08-31","issuer":{"name":"株式会社ことのは","registration_number":"T7123456789012"},"line_items":[{"quantity":12,"unit_price":1800,"amount":21600,"tax_rate":10},{"quantity":3,"unit_price":1234,"amount":3702,"tax_rate":8}],"amounts_include_tax":false,"subtotal":25302,"taxable_amount_10":21600,"tax_amount_10":2160,"taxable_amount_8":3702,"tax_amount_8":296,"tax_total":2456,"total":27758,"tax_rounding":"floor"}'
	printf '%s\n' "{\"id\":\"good\",\"output\":$good}" >in.jsonl
	run -0 --separate-stderr ann-validate -s any.schema.json --rules "$ANN_TOP/share/rules/invoice.json" <in.jsonl
	bad=$(printf '%s' "$good" | sed -e 's/"tax_amount_8":296/"tax_amount_8":297/' \
	    -e 's/T7123456789012/T7123456789013/' -e 's/"due_date":"2024-08-31"/"due_date":"2024-07-30"/')
	printf '%s\n' "{\"id\":\"bad\",\"output\":$bad}" >in.jsonl
	run -1 --separate-stderr ann-validate -s any.schema.json --rules "$ANN_TOP/share/rules/invoice.json" <in.jsonl
	python3 - "${lines[0]}" <<-'EOF2'
	import json, sys
	r = json.loads(sys.argv[1])
	found = sorted(e["keywordLocation"] for e in r["validation"]["errors"])
	assert found == ["/x-ann-rules/due-date", "/x-ann-rules/registration-number",
	                 "/x-ann-rules/tax-8", "/x-ann-rules/tax-total-rates"], found
	EOF2
}

# A rules file whose one rule fails unless total is subtotal plus tax.
write_total_rule() {
	cat >rules.json <<-'EOF2'
	{"rules": [
	  {"id": "total", "description": "subtotal plus tax is the total",
	   "assert": {"eq": ["/total", {"add": ["/subtotal", "/tax"]}]}}
	]}
	EOF2
}

# Prints the keywordLocation of each error of a record line, one a line.
keywords() {
	python3 -c '
import json, sys
for e in json.loads(sys.argv[1])["validation"]["errors"]:
    print(e["keywordLocation"])
' "$1"
}

@test "--max-errors caps grounding and rule errors" {
	write_total_rule
	printf '%s\n' '{"id":"g","text":"SHOP","output":{"company":"A","total":"1","note":"B"}}' \
	    '{"id":"s","text":"SHOP","output":{"company":5,"total":"1","subtotal":1,"tax":1}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s receipt.schema.json --ground /text -R rules.json \
	    -m 2 <in.jsonl
	[ "$(keywords "${lines[0]}" | wc -l)" -eq 2 ]
	[ "$(keywords "${lines[0]}" | sort -u)" = /x-ann-ground ]
	[[ "${lines[0]}" == *'"valid":false'* ]]
	# The schema's errors come first and the checks fill the rest.
	[ "$(keywords "${lines[1]}" | tr '\n' ' ')" = '/properties/company/type /x-ann-ground ' ]
	run -1 --separate-stderr ann-validate -s receipt.schema.json --ground /text -R rules.json \
	    -m 1 <in.jsonl
	[ "$(keywords "${lines[1]}")" = /properties/company/type ]
	[ "$(keywords "${lines[0]}")" = /x-ann-ground ]
	run -1 --separate-stderr ann-validate -s receipt.schema.json --ground /text -R rules.json \
	    <in.jsonl
	[ "$(keywords "${lines[1]}" | wc -l)" -eq 6 ]
}

@test "summary counts grounding and rule errors" {
	write_total_rule
	printf '%s\n' '{"id":"a","text":"SHOP 1","output":{"total":"2"}}' \
	    '{"id":"b","text":"SHOP 1","output":{"total":"3"}}' \
	    '{"id":"c","text":"1 2 3","output":{"subtotal":1,"tax":2,"total":"3"}}' \
	    '{"id":"d","text":"1 2 3","output":{"subtotal":1,"tax":1,"total":"3"}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s receipt.schema.json --ground /text -R rules.json <in.jsonl
	[[ "$stderr" == *"4 records: 1 valid, 3 invalid, 0 not validated"* ]]
	[[ "$stderr" == *"       2  /total (x-ann-ground)"* ]]
	[[ "$stderr" == *"       1  /total (x-ann-rules/total)"* ]]
}

@test "verbose names a grounding error" {
	printf '%s\n' '{"id":"r2","text":"TOTAL RM 80.90","output":{"total":"80.95"}}' >in.jsonl
	run -1 --separate-stderr ann-validate -v -s receipt.schema.json --ground /text <in.jsonl
	[[ "$stderr" == *'line 1: record "r2" is invalid: /total: value "80.95" is not in the source text'* ]]
}

@test "bad options and rules files are usage errors" {
	printf '%s\n' '{"id":"x","output":{}}' >in.jsonl
	run -2 --separate-stderr ann-validate -s receipt.schema.json --ground text <in.jsonl
	[[ "$stderr" == *"invalid --ground, expected a JSON Pointer such as /text: text"* ]]
	run -2 --separate-stderr ann-validate -s receipt.schema.json --ground /text --ground-edits 2 <in.jsonl
	[[ "$stderr" == *"invalid --ground-edits, expected a number from 0 to 1: 2"* ]]
	run -2 --separate-stderr ann-validate -s receipt.schema.json --derived /a <in.jsonl
	[[ "$stderr" == *"--derived needs --ground"* ]]
	echo '{"rules":[{"id":"a","assert":{"same":[1,1]}}]}' >bad.json
	run -2 --separate-stderr ann-validate -s receipt.schema.json --rules bad.json <in.jsonl
	[[ "$stderr" == *'rules file "bad.json": /rules/0/assert: unknown condition "same"'* ]]
	run -2 --separate-stderr ann-validate -s receipt.schema.json --rules missing.json <in.jsonl
	[[ "$stderr" == *'cannot open rules file "missing.json"'* ]]
	printf '{"rules": [\n  {"id": "a", "assert": {"eq": [1, 1]}}\n  {"id": "b"}\n]}\n' >broken.json
	run -2 --separate-stderr ann-validate -s receipt.schema.json --rules broken.json <in.jsonl
	[ "$stderr" = "ann-validate: rules file broken.json:3:3: invalid JSON: expected ',' or ']', got '{'" ]
}

# Receipts whose label is not in the OCR text, and why.
SROIE_NOT_IN_OCR=(
	"289 /address: the OCR line reads 8175 MASAI, the label 81750 MASAI; a digit is never OCR noise"
	"327 /company: the OCR lists BHD as a separate box after the address, so the name is not contiguous"
)

@test "SROIE receipts: labels are grounded in their OCR text" {
	data="$SHARED/testdata/receipts-sroie"
	[ -d "$data/key" ]
	python3 "$ANN_TOP/tests/helpers/sroie_jsonl.py" "$data" >receipts.jsonl
	echo '{"type":"object","properties":{"company":{"type":"string"},"date":{"type":"string"},"address":{"type":"string"},"total":{"type":"string"}}}' >sroie.schema.json
	run -1 --separate-stderr ann-validate -s sroie.schema.json --ground /words --rejects rejects.jsonl receipts.jsonl
	[[ "$stderr" == *"120 records: 118 valid, 2 invalid"* ]]
	python3 - rejects.jsonl "${SROIE_NOT_IN_OCR[@]}" <<-'EOF2'
	import json, sys
	expected = sorted(" ".join(x.split()[:2]) for x in sys.argv[2:])
	got = []
	for line in open(sys.argv[1], encoding="utf-8"):
	    r = json.loads(line)
	    for e in r["validation"]["errors"]:
	        got.append(r["id"] + " " + e["instanceLocation"] + ":")
	assert sorted(got) == expected, (got, expected)
	EOF2
}

@test "SROIE receipts: changed digits and invented values are caught" {
	data="$SHARED/testdata/receipts-sroie"
	python3 "$ANN_TOP/tests/helpers/sroie_jsonl.py" "$data" >receipts.jsonl
	python3 "$ANN_TOP/tests/helpers/sroie_mutate.py" <receipts.jsonl >mutated.jsonl
	run -1 --separate-stderr ann-validate -s any.schema.json --ground /text -r out.jsonl mutated.jsonl
	[[ "$stderr" == *"480 records: 0 valid, 480 invalid"* ]]
	python3 - out.jsonl <<-'EOF2'
	import json, sys
	kinds = {}
	for line in open(sys.argv[1], encoding="utf-8"):
	    r = json.loads(line)
	    receipt, kind = r["id"].split(":")
	    field = "/" + kind.split("-")[0]
	    caught = [e for e in r["validation"]["errors"]
	              if e["instanceLocation"] == field and e["keywordLocation"] == "/x-ann-ground"]
	    assert caught, "not caught: %s %r" % (r["id"], r["output"])
	    kinds[kind] = kinds.get(kind, 0) + 1
	# every receipt contributes each kind of change
	assert all(n >= 110 for n in kinds.values()) and len(kinds) == 4, kinds
	EOF2
}

@test "the shipped receipt rules accept cash rounding and catch a wrong total" {
	printf '%s\n' '{"id":"ok","output":{"total":"80.90","subtotal":"80.91","tax":"0.00","rounding":"-0.01","cash":"100.00","change":"19.10"}}' \
	    '{"id":"bad","output":{"total":"80.90","subtotal":"80.91","tax":"0.00","rounding":"-0.01","cash":"100.00","change":"19.20"}}' \
	    '{"id":"labels-only","output":{"company":"YONGFATT ENTERPRISE","date":"25/12/2018","total":"80.90"}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s any.schema.json --rules "$ANN_TOP/share/rules/receipt.json" <in.jsonl
	[[ "${lines[0]}" == *'"validation":{"valid":true,"errors":[]}'* ]]
	[[ "${lines[1]}" == *'{"instanceLocation":"/change","keywordLocation":"/x-ann-rules/change","error":"rule change (the cash paid less the total is the change): /change is 19.2, expected equal to /cash - /total = 19.1 within 0.01"}'* ]]
	[[ "${lines[2]}" == *'"validation":{"valid":true,"errors":[]}'* ]]
}

@test "the shipped invoice rules accept every example invoice's label" {
	run -0 --separate-stderr ann-validate -s "$ANN_TOP/schemas/invoice.schema.json" \
	    --rules "$ANN_TOP/share/rules/invoice.json" "$ANN_TOP/share/examples/invoices/labels.jsonl"
	[ "${#lines[@]}" -ge 20 ]
	[[ "$stderr" == *"records: ${#lines[@]} valid, 0 invalid"* ]]
}
