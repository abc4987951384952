#!/usr/bin/env bats
# The example invoices in share/examples/invoices: labels, sums, PDFs and
# requests built from them with schemas/invoice.schema.json.

load test_helper

EXAMPLES="$ANN_TOP/share/examples/invoices"
SCHEMA="$ANN_TOP/schemas/invoice.schema.json"
CHECK="$ANN_TOP/tests/fixtures/demo-data/check.py"

# Copies the example set to ./set and applies a Python edit to every label in labels.jsonl.
broken_copy() {
	cp -R "$EXAMPLES" set
	python3 -c '
import json, sys
path = "set/labels.jsonl"
recs = [json.loads(line) for line in open(path, encoding="utf-8")]
for rec in recs:
    label = rec["output"]
    exec(sys.argv[1])
with open(path, "w", encoding="utf-8") as f:
    for rec in recs:
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
' "$1"
}

@test "invoice schema has 40 described leaf fields" {
	run python3 -c '
import json, sys
schema = json.load(open(sys.argv[1], encoding="utf-8"))
leaves, problems = [], []
def walk(s, prefix):
    if s.get("additionalProperties") is not False:
        problems.append(prefix + ": additionalProperties is not false")
    for name, p in s["properties"].items():
        if not p.get("description"):
            problems.append(prefix + name + ": no description")
        if "properties" in p:
            walk(p, prefix + name + ".")
        elif "properties" in p.get("items", {}):
            walk(p["items"], prefix + name + "[].")
        else:
            leaves.append(prefix + name)
walk(schema, "")
print(len(leaves))
print("\n".join(problems))
' "$SCHEMA"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 40 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "example set has 24 Japanese and 2 English invoices" {
	run grep -c '"id":"inv-ja-' "$EXAMPLES/documents.jsonl"
	[ "$output" -ge 24 ]
	run grep -c '"id":"inv-en-' "$EXAMPLES/documents.jsonl"
	[ "$output" -ge 2 ]
}

@test "every label validates against the schema" {
	run python3 "$CHECK" schema "$EXAMPLES" "$SCHEMA"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "schema check rejects broken labels" {
	broken_copy 'label["line_items"][0]["amount"] = "1,000"
if rec["id"] == "inv-ja-02": label["issue_date"] = "2024-02-30"
if rec["id"] == "inv-ja-03": label["surplus"] = 1'
	run python3 "$CHECK" schema set "$SCHEMA"
	[ "$status" -eq 1 ]
	[[ "$output" == *'inv-ja-01: /line_items/0/amount: expected integer, got "1,000"'* ]]
	[[ "$output" == *"inv-ja-02: /issue_date: '2024-02-30' is not a date"* ]]
	[[ "$output" == *"inv-ja-03: /: member 'surplus' is not in the schema"* ]]
}

@test "documents, labels and files agree" {
	run python3 "$CHECK" files "$EXAMPLES"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "ids of documents and labels match" {
	python3 -c 'import json, sys; [print(json.loads(l)["id"]) for l in open(sys.argv[1])]' \
	    "$EXAMPLES/documents.jsonl" >doc-ids
	python3 -c 'import json, sys; [print(json.loads(l)["id"]) for l in open(sys.argv[1])]' \
	    "$EXAMPLES/labels.jsonl" >label-ids
	[ -s doc-ids ]
	diff -u doc-ids label-ids
}

@test "arithmetic holds in every label" {
	run python3 "$CHECK" arithmetic "$EXAMPLES"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "arithmetic check catches wrong sums" {
	broken_copy 'if rec["id"] == "inv-ja-01": label["total"] += 1
if rec["id"] == "inv-ja-02": label["line_items"][0]["amount"] += 10
if rec["id"] == "inv-ja-04": label["issuer"]["registration_number"] = "T1234567890123"'
	run python3 "$CHECK" arithmetic set
	[ "$status" -eq 1 ]
	[[ "$output" == *"inv-ja-01: total "*" is not subtotal + tax_total"* ]]
	[[ "$output" == *"inv-ja-02: line 1: "* ]]
	[[ "$output" == *"inv-ja-04: registration number T1234567890123 has a wrong check digit"* ]]
}

@test "label values occur in the document text" {
	run python3 "$CHECK" grounding "$EXAMPLES"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "every attachment is a PDF with a valid xref" {
	local n=0 f
	for f in "$EXAMPLES"/inv-*.txt; do
		f=${f%.txt}.pdf
		[ -f "$f" ]
		[ "$(head -c 5 "$f")" = "%PDF-" ]
		n=$((n + 1))
	done
	[ "$n" -ge 26 ]
	run python3 "$CHECK" pdf "$EXAMPLES"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# Prints the words of a UTF-8 file, one a line.
words() {
	python3 -c 'import sys; print("\n".join(open(sys.argv[1], encoding="utf-8").read().split()))' "$1"
}

@test "pdftotext reads the text of each PDF" {
	command -v pdftotext >/dev/null || skip "pdftotext (poppler-utils) is not installed"
	local f name
	for f in "$EXAMPLES"/inv-*.pdf; do
		name=${f%.pdf}
		pdftotext -layout "$f" got.txt
		# Spacing differs (U+3000 included); the words and their order must not.
		words "$name.txt" >want.words
		words got.txt >got.words
		diff -u want.words got.words
	done
}

@test "ann-prompt builds a request for every document" {
	local lang
	for lang in ja en; do
		run --separate-stderr ann-prompt -s "$SCHEMA" -r "$EXAMPLES" -l "$lang" \
		    -t "$ANN_TOP/share/templates/invoice.$lang.tmpl" "$EXAMPLES/documents.jsonl"
		[ "$status" -eq 0 ]
		printf '%s\n' "$output" >requests.jsonl
		run python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    rec = json.loads(line)
    assert "error" not in rec, rec["error"]
    content = rec["request"]["messages"][-1]["content"]
    assert content[0]["type"] == "document", content[0]["type"]
    assert content[0]["file"] == rec["id"] + ".pdf", content[0]["file"]
    assert content[0]["name"] == rec["id"], content[0]["name"]
    assert rec["text"] in content[-1]["text"], rec["id"]
    assert "issuer.registration_number" in content[-1]["text"]
    n += 1
print(n)
' requests.jsonl
		[ "$status" -eq 0 ]
		[ "$output" = "$(grep -c . "$EXAMPLES/documents.jsonl")" ]
	done
}

@test "generator reproduces the committed files" {
	mkdir out
	run python3 "$EXAMPLES/generate.py" out
	[ "$status" -eq 0 ]
	for f in "$EXAMPLES"/inv-* "$EXAMPLES"/*.jsonl; do
		cmp "$f" "out/$(basename "$f")"
	done
	[ "$(ls out | wc -l)" -eq "$(ls "$EXAMPLES" | grep -vc '^generate.py$')" ]
}

@test "ann-eval reads labels.jsonl as reference" {
	broken_copy 'if rec["id"] == "inv-ja-05": label["total"] += 1'
	run --separate-stderr ann-eval --json "$EXAMPLES/labels.jsonl" set/labels.jsonl
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >summary.json
	run python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(s["overall"]["documents"], s["overall"]["documents_exact"], s["fields"]["/total"]["wrong"])
' summary.json
	local n
	n=$(grep -c . "$EXAMPLES/labels.jsonl")
	[ "$output" = "$n $((n - 1)) 1" ]
}

@test "labels are grounded in their text and pass the rules" {
	python3 -c '
import json, sys
docs = {}
for line in open(sys.argv[1] + "/documents.jsonl", encoding="utf-8"):
    rec = json.loads(line)
    docs[rec["id"]] = rec
for line in open(sys.argv[1] + "/labels.jsonl", encoding="utf-8"):
    rec = json.loads(line)
    doc = docs[rec["id"]]
    doc["output"] = rec["output"]
    print(json.dumps(doc, ensure_ascii=False))
' "$EXAMPLES" >joined.jsonl
	run --separate-stderr ann-validate -s "$SCHEMA" --ground /text \
	    --rules "$ANN_TOP/share/rules/invoice.json" joined.jsonl
	[ "$status" -eq 0 ]
	[ "$stderr" = "ann-validate: 26 records: 26 valid, 0 invalid, 0 not validated" ]
}
