#!/usr/bin/env bats
# ann-eval end to end: the table, --json and --diffs, on hand-made records,
# on the SROIE receipt labels and on Japanese company names read by OCR.

load test_helper

SROIE="$SHARED/testdata/receipts-sroie/key"
VOUCHERS="$SHARED/testdata/ja-voucher-companyname"

# Writes one record per SROIE label file: {"id":"NNN","output":{labels}}.
sroie_jsonl() {
	python3 - "$SROIE" <<-'EOF'
	import json, os, sys
	d = sys.argv[1]
	for name in sorted(os.listdir(d)):
	    if name.endswith(".json"):
	        with open(os.path.join(d, name), encoding="utf-8") as f:
	            labels = json.load(f)
	        print(json.dumps({"id": name[:-5], "output": labels}, ensure_ascii=False))
	EOF
}

# Prints the member at the dotted path of the JSON object on stdin.
json_get() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(json.dumps(v))
' "$1"
}

@test "SROIE labels against themselves score 1.0 everywhere" {
	[ -d "$SROIE" ] || skip "SROIE labels not found in ../shared/testdata"
	sroie_jsonl >ref.jsonl
	n=$(wc -l <ref.jsonl)
	[ "$n" -gt 100 ]
	run --separate-stderr ann-eval --json ref.jsonl ref.jsonl
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	echo "$output" >report.json
	python3 - "$n" <<-'EOF'
	import json, sys
	n = int(sys.argv[1])
	r = json.load(open("report.json"))
	assert sorted(r["fields"]) == ["/address", "/company", "/date", "/total"], r["fields"]
	for path, f in r["fields"].items():
	    for k in ("precision", "recall", "f1", "accuracy"):
	        assert f[k] == 1, (path, k, f[k])
	    assert f["support"] == n, (path, f["support"])
	for k in ("micro_f1", "macro_f1", "document_exact_match", "accuracy"):
	    assert r["overall"][k] == 1, (k, r["overall"][k])
	assert r["overall"]["documents"] == n
	assert r["records"]["paired"] == n
	EOF
}

@test "SROIE table shows 1.0000 in every score column" {
	[ -d "$SROIE" ] || skip "SROIE labels not found in ../shared/testdata"
	sroie_jsonl >ref.jsonl
	n=$(wc -l <ref.jsonl)
	run --separate-stderr ann-eval ref.jsonl <ref.jsonl
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "field          support  correct    wrong  missing    extra  accuracy  precision  recall      f1" ]
	[ "${lines[1]}" = "$(printf '%-13s  %7d  %7d  %7d  %7d  %7d  %8s  %9s  %6s  %6s' /address "$n" "$n" 0 0 0 1.0000 1.0000 1.0000 1.0000)" ]
	[ "${lines[6]}" = "$(printf '%-13s  %7s  %7s  %7s  %7s  %7s  %8s  %9s  %6s  %6s' 'macro average' '' '' '' '' '' 1.0000 1.0000 1.0000 1.0000)" ]
	[ "${lines[7]}" = "documents: $n scored, $n exact match (1.0000)" ]
}

# Makes ann.jsonl from ref.jsonl with known edits; see the expected counts in the tests below.
make_edited_copy() {
	python3 - <<-'EOF'
	import json
	recs = [json.loads(l) for l in open("ref.jsonl", encoding="utf-8")]
	out = []
	for i, r in enumerate(recs):
	    o = r["output"]
	    if i in (0, 10):
	        o["total"] = "0.01"                  # wrong total
	    elif i == 1:
	        del o["date"]                        # missing date
	    elif i == 2:
	        o["tax"] = "1.00"                    # extra field
	    elif i == 3:
	        continue                             # missing record
	    elif i == 4:
	        r = {"id": r["id"], "error": {"kind": "throttled", "message": "rate exceeded"}}
	    elif i == 5:
	        o["company"] = o["company"].lower()  # wrong unless case is folded
	    elif i == 6:
	        # Same values in other spellings: full-width, spaced, a currency mark.
	        o["company"] = "  " + o["company"].replace(" ", "\u3000") + " "
	        o["total"] = "RM " + o["total"].replace("RM", "").strip()
	    elif i == 7:
	        o["address"] = ""                    # empty counts as missing
	    out.append(json.dumps(r, ensure_ascii=False))
	out.append(json.dumps({"id": "not-in-reference", "output": {"total": "1.00"}}))
	out.append('{"id":"%s",' % recs[8]["id"])   # unreadable line
	with open("ann.jsonl", "w", encoding="utf-8") as f:
	    f.write("\n".join(out) + "\n")
	EOF
}

@test "SROIE copy with known edits gives the implied counts" {
	[ -d "$SROIE" ] || skip "SROIE labels not found in ../shared/testdata"
	sroie_jsonl >ref.jsonl
	n=$(wc -l <ref.jsonl)
	make_edited_copy
	run --separate-stderr ann-eval --json ref.jsonl ann.jsonl
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"ann.jsonl:$((n + 1)): invalid JSON"* ]]
	echo "$output" >report.json
	python3 - "$n" <<-'EOF'
	import json, sys
	n = int(sys.argv[1])
	r = json.load(open("report.json"))
	f = r["fields"]
	# Records 3 (absent) and 4 (error record) lose every reference value.
	lost = 2
	def counts(path):
	    x = f[path]
	    return (x["support"], x["correct"], x["wrong"], x["missing"], x["extra"])
	assert counts("/total") == (n, n - lost - 2, 2, lost, 0), counts("/total")
	assert counts("/date") == (n, n - lost - 1, 0, lost + 1, 0), counts("/date")
	assert counts("/company") == (n, n - lost - 1, 1, lost, 0), counts("/company")
	assert counts("/address") == (n, n - lost - 1, 0, lost + 1, 0), counts("/address")
	assert counts("/tax") == (0, 0, 0, 0, 1), counts("/tax")
	assert f["/total"]["precision"] == (n - lost - 2) / (n - lost)
	assert f["/total"]["recall"] == (n - lost - 2) / n
	assert f["/tax"]["f1"] == 0
	o = r["overall"]
	assert o["documents"] == n
	# Not exact: 0, 1, 2, 3, 4, 5, 7, 10.
	assert o["documents_exact"] == n - 8, o["documents_exact"]
	assert o["correct"] == 4 * n - 4 * lost - 5
	rec = r["records"]
	assert rec["paired"] == n - 2
	assert rec["missing_annotations"] == 1
	assert rec["unreferenced_annotations"] == 1
	assert rec["annotations"]["errors"] == 1
	assert rec["annotations"]["unreadable"] == 1
	assert rec["annotations"]["records"] == n + 1
	EOF
}

@test "ignore-case turns the lowered company into a match" {
	[ -d "$SROIE" ] || skip "SROIE labels not found in ../shared/testdata"
	sroie_jsonl >ref.jsonl
	n=$(wc -l <ref.jsonl)
	make_edited_copy
	run --separate-stderr ann-eval --json --ignore-case ref.jsonl ann.jsonl
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | json_get fields./company.correct)" -eq $((n - 2)) ]
	[ "$(echo "$output" | json_get fields./company.wrong)" -eq 0 ]
}

@test "exact comparison counts the respelled values as wrong" {
	[ -d "$SROIE" ] || skip "SROIE labels not found in ../shared/testdata"
	sroie_jsonl >ref.jsonl
	n=$(wc -l <ref.jsonl)
	make_edited_copy
	run --separate-stderr ann-eval --json --exact ref.jsonl ann.jsonl
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | json_get fields./company.wrong)" -eq 2 ]
	[ "$(echo "$output" | json_get fields./total.wrong)" -eq 3 ]
}

@test "diffs list every edit with both values" {
	[ -d "$SROIE" ] || skip "SROIE labels not found in ../shared/testdata"
	sroie_jsonl >ref.jsonl
	make_edited_copy
	run --separate-stderr ann-eval --diffs ref.jsonl ann.jsonl
	[ "$status" -eq 1 ]
	echo "$output" >diffs.jsonl
	assert_jsonl diffs.jsonl
	python3 - <<-'EOF'
	import json
	ref = [json.loads(l) for l in open("ref.jsonl", encoding="utf-8")]
	diffs = [json.loads(l) for l in open("diffs.jsonl", encoding="utf-8")]
	got = sorted((d["id"], d["kind"], d.get("field", d.get("side"))) for d in diffs)
	rid = [r["id"] for r in ref]
	want = sorted([
	    (rid[0], "wrong", "/total"), (rid[10], "wrong", "/total"),
	    (rid[1], "missing", "/date"), (rid[2], "extra", "/tax"),
	    (rid[3], "missing_record", "annotations"), (rid[4], "error_record", "annotations"),
	    (rid[5], "wrong", "/company"), (rid[7], "missing", "/address"),
	    ("not-in-reference", "unreferenced_record", "annotations"),
	    ("line:%d" % (len(ref) + 1), "unreadable", "annotations"),
	])
	assert got == want, (got, want)
	wrong = [d for d in diffs if d["id"] == rid[0]][0]
	assert wrong["reference"] == ref[0]["output"]["total"], wrong
	assert wrong["annotation"] == "0.01", wrong
	assert wrong["normalized"]["annotation"] == 0.01, wrong
	assert wrong["path"] == "/total"
	EOF
}

@test "full-width yen amount matches the integer" {
	printf '%s\n' '{"id":"total","output":{"total_jpy":45000}}' >ref.jsonl
	printf '%s\n' '{"id":"total","output":{"total_jpy":"４５，０００円"}}' >ann.jsonl
	run --separate-stderr ann-eval --json ref.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get fields./total_jpy.correct)" -eq 1 ]
	run --separate-stderr ann-eval --json --no-numbers ref.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get fields./total_jpy.wrong)" -eq 1 ]
}

@test "every spelling of a yen amount is one value" {
	printf '{"id":"r%d","output":{"total":"45000"}}\n' 1 2 3 4 5 6 7 >ref.jsonl
	{
		printf '%s\n' '{"id":"r1","output":{"total":"４５，０００円"}}'
		printf '%s\n' '{"id":"r2","output":{"total":"￥４５，０００"}}'
		printf '%s\n' '{"id":"r3","output":{"total":"¥45,000"}}'
		printf '%s\n' '{"id":"r4","output":{"total":"45,000 円"}}'
		printf '%s\n' '{"id":"r5","output":{"total":45000}}'
		printf '%s\n' '{"id":"r6","output":{"total":"4.5万円"}}'
		printf '%s\n' '{"id":"r7","output":{"total":"金45,000円也"}}'
	} >ann.jsonl
	run --separate-stderr ann-eval --json ref.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get fields./total.correct)" -eq 6 ]
	[ "$(echo "$output" | json_get fields./total.wrong)" -eq 1 ]
	run --separate-stderr ann-eval --json --kanji-multipliers ref.jsonl ann.jsonl
	[ "$(echo "$output" | json_get fields./total.correct)" -eq 7 ]
}

@test "bare full-width digits are an unreadable line, counted" {
	printf '%s\n' '{"id":"a","output":{"total_jpy":45000}}' >ref.jsonl
	printf '%s\n' '{"id":"a","output":{"total_jpy": ４５０００}}' >ann.jsonl
	run --separate-stderr ann-eval --json ref.jsonl ann.jsonl
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"ann.jsonl:1: invalid JSON"* ]]
	[ "$(echo "$output" | json_get records.annotations.unreadable)" -eq 1 ]
	[ "$(echo "$output" | json_get records.missing_annotations)" -eq 1 ]
	[ "$(echo "$output" | json_get fields./total_jpy.missing)" -eq 1 ]
}

@test "Japanese era dates match their ISO form" {
	printf '{"id":"%s","output":{"date":"%s"}}\n' d1 2024-06-01 d2 2019-04-30 d3 2019-05-01 \
	    d4 2019-05-01 >ref.jsonl
	printf '{"id":"%s","output":{"date":"%s"}}\n' d1 令和6年6月1日 d2 H31.4.30 d3 令和元年5月1日 \
	    d4 平成31年5月1日 >ann.jsonl
	run --separate-stderr ann-eval --json ref.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get fields./date.correct)" -eq 3 ]
	[ "$(echo "$output" | json_get fields./date.wrong)" -eq 1 ]
}

@test "OCR company names match the count of equal pairs" {
	[ -d "$VOUCHERS" ] || skip "voucher names not found in ../shared/testdata"
	for f in test_vision_ocr test_robota_ocr; do
		run --separate-stderr ann-eval --json --exact -r tgt -a src "$VOUCHERS/$f.json" "$VOUCHERS/$f.json"
		[ "$status" -eq 0 ]
		echo "$output" >report.json
		python3 - "$VOUCHERS/$f.json" <<-'EOF'
		import json, sys
		rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
		r = json.load(open("report.json"))["fields"][""]
		assert r["support"] == sum(x["tgt"] != "" for x in rows)
		assert r["correct"] == sum(x["src"] == x["tgt"] != "" for x in rows), r
		assert r["missing"] == sum(x["src"] == "" and x["tgt"] != "" for x in rows), r
		EOF
	done
}

@test "OCR company names after NFKC agree with Python's NFKC" {
	[ -d "$VOUCHERS" ] || skip "voucher names not found in ../shared/testdata"
	f="$VOUCHERS/test_vision_ocr.json"
	run --separate-stderr ann-eval --json --no-numbers --no-dates -r tgt -a src "$f" "$f"
	[ "$status" -eq 0 ]
	echo "$output" >report.json
	python3 - "$f" <<-'EOF'
	import json, re, sys, unicodedata
	def norm(s):
	    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", s)).strip()
	rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
	r = json.load(open("report.json"))["fields"][""]
	exact = sum(x["src"] == x["tgt"] for x in rows)
	same = sum(norm(x["src"]) == norm(x["tgt"]) != "" for x in rows)
	assert same > exact, (same, exact)
	assert r["correct"] == same, (r, same)
	EOF
}

@test "line items pair by key with match-items-by" {
	printf '%s\n' '{"id":"i","output":{"items":[{"sku":"A","qty":1},{"sku":"B","qty":2}]}}' >ref.jsonl
	printf '%s\n' '{"id":"i","output":{"items":[{"sku":"B","qty":2},{"sku":"A","qty":1}]}}' >ann.jsonl
	run --separate-stderr ann-eval --json ref.jsonl ann.jsonl
	[ "$(echo "$output" | json_get fields./items/*/qty.wrong)" -eq 2 ]
	run --separate-stderr ann-eval --json --match-items-by /items=sku ref.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get fields./items/*/qty.correct)" -eq 2 ]
	[ "$(echo "$output" | json_get overall.document_exact_match)" = 1 ]
}

@test "field filter and member pointers select what is scored" {
	printf '%s\n' '{"id":"m","labels":{"v1":{"a":"1","b":"2"}}}' >ref.jsonl
	printf '%s\n' '{"id":"m","output":{"a":1,"b":3}}' >ann.jsonl
	run --separate-stderr ann-eval --json -r /labels/v1 --field /a ref.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = '{"fields":{"/a":{"precision":1,"recall":1,"f1":1,"accuracy":1,"support":1,"slots":1,"correct":1,"wrong":0,"missing":0,"extra":0}},"overall":{"micro_precision":1,"micro_recall":1,"micro_f1":1,"macro_precision":1,"macro_recall":1,"macro_f1":1,"accuracy":1,"macro_accuracy":1,"document_exact_match":1,"documents":1,"documents_exact":1,"support":1,"slots":1,"correct":1,"wrong":0,"missing":0,"extra":0},"records":{"paired":1,"missing_annotations":0,"unreferenced_annotations":0,"reference":{"records":1,"unreadable":0,"no_id":0,"errors":0,"duplicates":0,"no_member":0},"annotations":{"records":1,"unreadable":0,"no_id":0,"errors":0,"duplicates":0,"no_member":0}}}' ]
}

@test "numeric tolerance accepts near amounts" {
	printf '%s\n' '{"id":"t","output":{"a":"100.00","b":"100.00"}}' >ref.jsonl
	printf '%s\n' '{"id":"t","output":{"a":"100.01","b":"101"}}' >ann.jsonl
	run --separate-stderr ann-eval --json --tolerance 0.01 ref.jsonl ann.jsonl
	[ "$(echo "$output" | json_get overall.correct)" -eq 1 ]
	run --separate-stderr ann-eval --json --tolerance 1% ref.jsonl ann.jsonl
	[ "$(echo "$output" | json_get overall.correct)" -eq 2 ]
}

@test "table aligns Japanese field names by display width" {
	printf '%s\n' '{"id":"j","output":{"合計金額":"¥1,000","x":"y"}}' >ref.jsonl
	run --separate-stderr ann-eval ref.jsonl ref.jsonl
	[ "$status" -eq 0 ]
	# "/合計金額" is 9 columns wide, so it gets 4 spaces of padding where "/x" gets 11.
	[[ "${lines[1]}" == "/x           $(printf '  %7d  %7d' 1 1)"* ]]
	[[ "${lines[2]}" == "/合計金額    $(printf '  %7d  %7d' 1 1)"* ]]
}

@test "usage errors exit 2 with a hint" {
	run --separate-stderr ann-eval
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"Try 'ann-eval --help'"* ]]
	printf '{"id":"a"}\n' >ref.jsonl
	run --separate-stderr ann-eval --json --diffs ref.jsonl ref.jsonl
	[ "$status" -eq 2 ]
	[[ "$stderr" == "ann-eval: --json and --diffs cannot be combined"* ]]
	run --separate-stderr ann-eval --tolerance=-1 ref.jsonl ref.jsonl
	[ "$status" -eq 2 ]
	run --separate-stderr ann-eval --date-order=ydm ref.jsonl ref.jsonl
	[ "$status" -eq 2 ]
	run --separate-stderr ann-eval --bogus ref.jsonl ref.jsonl
	[ "$status" -eq 2 ]
	[[ "$stderr" == "ann-eval: invalid option '--bogus'"* ]]
	run --separate-stderr ann-eval no-such-file.jsonl ref.jsonl
	[ "$status" -eq 2 ]
	[[ "$stderr" == "ann-eval: cannot open 'no-such-file.jsonl': No such file or directory" ]]
	run --separate-stderr ann-eval - - <ref.jsonl
	[ "$status" -eq 2 ]
}

@test "help goes to stdout and exits 0" {
	run --separate-stderr ann-eval --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: ann-eval [options] <reference.jsonl> [<annotations.jsonl>]" ]]
	run --separate-stderr ann-eval --version
	[ "$status" -eq 0 ]
	[[ "$output" == "ann-eval (ann) "* ]]
}

@test "write error on full device fails with system status" {
	printf '{"id":"a","output":{"x":1}}\n' >ref.jsonl
	run -3 --separate-stderr bash -c 'ann-eval ref.jsonl ref.jsonl >/dev/full'
	[[ "$stderr" == "ann-eval: write failed: No space left on device" ]]
}

@test "ids match after decoding escapes" {
	printf '%s\n' '{"id":"a\u0062\u8acb","output":{"x":1}}' '{"id":"7","output":{"x":2}}' >ref.jsonl
	printf '%s\n' '{"id":"ab請","output":{"x":1}}' '{"id":7,"output":{"x":2}}' >ann.jsonl
	run --separate-stderr ann-eval --json ref.jsonl ann.jsonl
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | json_get records.paired)" -eq 1 ]
	[ "$(echo "$output" | json_get records.annotations.no_id)" -eq 1 ]
	[ "$(echo "$output" | json_get records.missing_annotations)" -eq 1 ]
	[[ "$stderr" == *"ann.jsonl:2: member \"id\" must be a string, got number 7"* ]]
}

@test "closed downstream pipe ends diffs quietly" {
	seq 1 20000 | sed 's/.*/{"id":"&","output":{"x":"&"}}/' >ref.jsonl
	seq 1 20000 | sed 's/.*/{"id":"&","output":{"x":"y&"}}/' >ann.jsonl
	run --separate-stderr bash -c 'set -o pipefail; ann-eval --diffs ref.jsonl ann.jsonl | head -n 1'
	[ "$status" -eq 0 ]
	[[ "$output" == '{"id":"1","kind":"wrong","field":"/x","path":"/x","reference":"1","annotation":"y1",'* ]]
	[ -z "$stderr" ]
}

@test "amounts past 15 digits are scored by every digit" {
	# As doubles each pair below is one value; their decimals differ.
	printf '%s\n' '{"id":"a","output":{"n":9007199254740993,"acct":"12345678901234567","total":"１２，３４５，６７８，９０１，２３４，５６７円"}}' >ref.jsonl
	printf '%s\n' '{"id":"a","output":{"n":9007199254740992,"acct":"12345678901234568","total":12345678901234567}}' >ann.jsonl
	run --separate-stderr ann-eval --json ref.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get fields./n.wrong)" -eq 1 ]
	[ "$(echo "$output" | json_get fields./acct.wrong)" -eq 1 ]
	[ "$(echo "$output" | json_get fields./total.correct)" -eq 1 ]
	run --separate-stderr ann-eval --diffs ref.jsonl ann.jsonl
	[[ "$output" == *'9007199254740993'* ]]
	[[ "$output" == *'9007199254740992'* ]]
}

@test "strings are compared past U+0000" {
	printf '%s\n' '{"id":"a","output":{"name":"x\u0000A","same":"p\u0000q"}}' >ref.jsonl
	printf '%s\n' '{"id":"a","output":{"name":"x\u0000B","same":"p\u0000q"}}' >ann.jsonl
	run --separate-stderr ann-eval --json ref.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get fields./name.wrong)" -eq 1 ]
	[ "$(echo "$output" | json_get fields./same.correct)" -eq 1 ]
	run --separate-stderr ann-eval --diffs ref.jsonl ann.jsonl
	[[ "$output" == *'"reference":"x\u0000A","annotation":"x\u0000B"'* ]]
}

@test "nothing scored shows n/a, not a perfect score" {
	: >ref.jsonl
	: >ann.jsonl
	run -0 --separate-stderr ann-eval ref.jsonl ann.jsonl
	[ "${lines[1]}" = "$(printf '%-13s  %7d  %7d  %7d  %7d  %7d  %8s  %9s  %6s  %6s' 'micro average' 0 0 0 0 0 n/a n/a n/a n/a)" ]
	[ "${lines[2]}" = "$(printf '%-13s  %7s  %7s  %7s  %7s  %7s  %8s  %9s  %6s  %6s' 'macro average' '' '' '' '' '' n/a n/a n/a n/a)" ]
	[ "${lines[3]}" = 'documents: 0 scored, 0 exact match (n/a)' ]
	[[ "$stderr" == *'ann-eval: warning: no document was scored, because both inputs are empty; every score is n/a'* ]]
	run -0 --separate-stderr ann-eval --json ref.jsonl ann.jsonl
	for k in micro_precision micro_recall micro_f1 macro_precision macro_recall macro_f1 accuracy macro_accuracy document_exact_match; do
		[ "$(echo "$output" | json_get "overall.$k")" = null ]
	done
	[ "$(echo "$output" | json_get overall.documents)" = 0 ]
}

@test "one empty side is not a perfect score and exits 1" {
	: >empty.jsonl
	printf '%s\n' '{"id":"a","output":{"total":1}}' >labels.jsonl
	run -1 --separate-stderr ann-eval --json empty.jsonl labels.jsonl
	[ "$(echo "$output" | json_get overall.micro_f1)" = null ]
	[ "$(echo "$output" | json_get overall.document_exact_match)" = null ]
	[ "$(echo "$output" | json_get records.unreferenced_annotations)" = 1 ]
	[[ "$stderr" == *'no document was scored'* ]]
	# Labels against an empty annotation file score every value as missing.
	run -1 --separate-stderr ann-eval --json labels.jsonl empty.jsonl
	[ "$(echo "$output" | json_get overall.micro_f1)" = 0 ]
	[ "$(echo "$output" | json_get overall.document_exact_match)" = 0 ]
	[ "$(echo "$output" | json_get records.missing_annotations)" = 1 ]
}

@test "field filter that matches nothing leaves field scores n/a" {
	printf '%s\n' '{"id":"a","output":{"total":1}}' >labels.jsonl
	run -0 --separate-stderr ann-eval --json -f /nothing labels.jsonl labels.jsonl
	[ "$(echo "$output" | json_get overall.micro_f1)" = null ]
	[ "$(echo "$output" | json_get overall.macro_f1)" = null ]
	[ "$(echo "$output" | json_get overall.document_exact_match)" = 1 ]
	[[ "$stderr" == *'ann-eval: warning: no field was compared, so the field scores are n/a'* ]]
}
