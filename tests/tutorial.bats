#!/usr/bin/env bats
# doc/tutorial.md, run as written: every ```sh block in order, against
# ann-mock on 127.0.0.1, with the reviewers simulated by
# share/labelstudio/simulate-review.py. Its ```text blocks are checked as
# expected output, and the dataset it ends with is checked here.

load test_helper

DOC="$ANN_TOP/doc/tutorial.md"
BLOCKS="$ANN_TOP/tests/helpers/doc_blocks.py"

# Runs the tutorial once for the whole file, in a stand-in for the clone
# whose bin/ is the build under test (bin-asan/ under make asan), because
# the tutorial puts "$PWD/bin" first on PATH. The blocks' files go to
# $BATS_FILE_TMPDIR/blocks and the tutorial's work to .../work/ann-tutorial.
setup_file() {
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR _ann_hermetic_env
	cd "$BATS_FILE_TMPDIR" || return 1
	mkdir -p clone work
	ln -s "$ANN_BIN" clone/bin
	ln -s "$ANN_TOP/share" clone/share
	ln -s "$ANN_TOP/schemas" clone/schemas
	python3 "$BLOCKS" "$DOC" blocks
	(cd clone && TMPDIR="$BATS_FILE_TMPDIR/work" timeout 120 bash ../blocks/run.sh)
}

@test "tutorial runs every block without error" {
	for status in "$BATS_FILE_TMPDIR"/blocks/*.status; do
		echo "$status: $(cat "$status")"
		[ "$(cat "$status")" -eq 0 ]
	done
	# Every block ran: as many status files as blocks.
	[ "$(ls "$BATS_FILE_TMPDIR"/blocks/*.status | wc -l)" -eq "$(ls "$BATS_FILE_TMPDIR"/blocks/[0-9]*.sh | wc -l)" ]
	[ "$(ls "$BATS_FILE_TMPDIR"/blocks/*.status | wc -l)" -ge 15 ]
}

@test "tutorial output matches the page" {
	run python3 "$BLOCKS" --check "$BATS_FILE_TMPDIR/blocks"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(ls "$BATS_FILE_TMPDIR"/blocks/*.expect | wc -l)" -ge 10 ]
}

@test "tutorial dataset has every document once" {
	w=$BATS_FILE_TMPDIR/work/ann-tutorial
	[ "$(wc -l <"$w/final.jsonl")" -eq 26 ]
	python3 - "$w/documents.jsonl" "$w/final.jsonl" <<-'EOF'
	import json, sys
	docs = [json.loads(l)["id"] for l in open(sys.argv[1], encoding="utf-8")]
	final = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
	ids = [r["id"] for r in final]
	assert len(docs) == 26, docs
	assert sorted(ids) == sorted(docs), (sorted(ids), sorted(docs))
	assert len(set(ids)) == len(ids), ids
	bad = [r["id"] for r in final if r.get("validation", {}).get("valid") is not True or "error" in r]
	assert bad == [], bad
	EOF
}

@test "tutorial review correction carries its source" {
	w=$BATS_FILE_TMPDIR/work/ann-tutorial
	python3 - "$w/dataset.jsonl" "$w/final.jsonl" <<-'EOF'
	import json, sys
	before = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[1], encoding="utf-8")}
	after = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[2], encoding="utf-8")}

	# Before review the model had lost the recipient's name.
	assert "name" not in before["inv-ja-18"]["output"]["recipient"], before["inv-ja-18"]["output"]
	fixed = after["inv-ja-18"]
	assert fixed["output"]["recipient"]["name"] == "株式会社あけぼの製作所", fixed["output"]
	overrides = fixed["merge"]["overrides"]
	assert len(overrides) == 1, overrides
	assert overrides[0]["field"] == "/output/recipient/name", overrides
	assert overrides[0]["source"]["input"] == "export.json", overrides
	layers = [l["input"] for l in fixed["merge"]["layers"]]
	assert layers == ["dataset.jsonl", "export.json"], layers

	# Apart from that field, the answer is the model's.
	rest = dict(fixed["output"]["recipient"])
	del rest["name"]
	assert rest == before["inv-ja-18"]["output"]["recipient"], rest
	for key in fixed["output"]:
	    if key != "recipient":
	        assert fixed["output"][key] == before["inv-ja-18"]["output"][key], key
	EOF
}

@test "tutorial leaves unreviewed answers unchanged" {
	w=$BATS_FILE_TMPDIR/work/ann-tutorial
	python3 - "$w/dataset.jsonl" "$w/final.jsonl" "$w/export.json" <<-'EOF'
	import json, sys
	before = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[1], encoding="utf-8")}
	after = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[2], encoding="utf-8")}
	export = json.load(open(sys.argv[3], encoding="utf-8"))

	# The export holds the two tasks reviewers submitted, not the 24 left alone.
	assert sorted(t["data"]["id"] for t in export) == ["inv-ja-01", "inv-ja-18"], export
	for doc_id, record in after.items():
	    if doc_id == "inv-ja-18":
	        continue
	    assert record["output"] == before[doc_id]["output"], doc_id
	    assert "overrides" not in record.get("merge", {}), (doc_id, record.get("merge"))

	# The accepted task went through Label Studio's text and came back equal.
	layers = [l["input"] for l in after["inv-ja-01"]["merge"]["layers"]]
	assert layers == ["dataset.jsonl", "export.json"], layers
	untouched = [i for i in after if "merge" not in after[i]]
	assert len(untouched) == 24, untouched
	EOF
}

@test "tutorial stops its look-alike server" {
	url=$(head -n 1 "$BATS_FILE_TMPDIR/work/ann-tutorial/mock.url")
	[[ "$url" == http://127.0.0.1:* ]]
	run curl -s --max-time 2 "$url/_mock/stats"
	[ "$status" -ne 0 ]
}

@test "tutorial loop handles awkward file names" {
	python3 "$BLOCKS" "$DOC" blocks
	# The block that builds documents.jsonl starts by naming the folder.
	block=$(grep -l '^src=' blocks/[0-9]*.sh | head -n 1)
	[ -n "$block" ]
	[ "$(head -n 1 "$block")" = 'src=$ANN/share/examples/invoices' ]

	mkdir -p "odd/2024 秋"
	printf '請求書 A\n' >"odd/2024 秋/請求書 さくら.txt"
	cp "$ANN_TOP/share/examples/invoices/inv-ja-01.pdf" "odd/2024 秋/請求書 さくら.pdf"
	printf 'no newline at the end' >"odd/no pdf.txt"
	printf 'line\n' >"odd/$(printf 'new\nline').txt"
	{ echo 'src=$PWD/odd'; tail -n +2 "$block"; } >odd.sh
	bash odd.sh >odd.out
	cat odd.out
	python3 - documents.jsonl <<-'EOF'
	import json, sys
	got = {}
	for line in open(sys.argv[1], encoding="utf-8"):
	    r = json.loads(line)
	    got[r["id"]] = r
	assert sorted(got) == ["2024 秋/請求書 さくら", "new_line", "no pdf"], sorted(got)
	assert got["2024 秋/請求書 さくら"]["text"] == "請求書 A\n"
	assert got["2024 秋/請求書 さくら"]["attachments"] == ["2024 秋/請求書 さくら.pdf"]
	assert got["no pdf"]["text"] == "no newline at the end"
	assert got["no pdf"]["attachments"] == []
	assert got["new_line"]["text"] == "line\n"
	EOF
	# ann-prompt finds every attachment under the folder.
	run --separate-stderr ann-prompt -s "$ANN_TOP/schemas/invoice.schema.json" -r odd documents.jsonl
	[ "$status" -eq 0 ]
	[ "$(grep -c '"request"' <<<"$output")" -eq 3 ]
	[[ "$output" != *'"error"'* ]]
}

@test "tutorial runner refuses a model call without the look-alike" {
	printf '%s\n' '# t' '```sh' 'ann-invoke -m model </dev/null' '```' >doc.md
	python3 "$BLOCKS" doc.md blocks
	export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=https://bedrock-runtime.ap-northeast-1.amazonaws.com
	run bash blocks/run.sh
	[ "$status" -eq 3 ]
	[[ "$output" == *"not a server on 127.0.0.1"* ]]
	[ ! -e blocks/01.status ]
}

@test "tutorial checker reports a wrong expected line" {
	printf '%s\n' '# t' '```sh' 'echo one' 'echo two' '```' '' '```text' 'one' 'three' 'elided …' '```' >doc.md
	python3 "$BLOCKS" doc.md blocks
	bash blocks/run.sh
	run python3 "$BLOCKS" --check blocks
	[ "$status" -eq 1 ]
	[[ "$output" == *"block 01: expected line not in its output: three"* ]]
	[[ "$output" != *"one"* ]]
	[[ "$output" != *"elided"* ]]
}

@test "labeling config matches the schema and the export" {
	run python3 "$ANN_TOP/share/labelstudio/labeling-config.py" "$ANN_TOP/schemas/invoice.schema.json"
	[ "$status" -eq 0 ]
	diff -u "$ANN_TOP/share/labelstudio/invoice.xml" <(echo "$output")

	# Every field ann-merge exports has a TextArea of that name on the Text tag.
	ann-merge --format label-studio "$ANN_TOP/share/examples/invoices/labels.jsonl" >tasks.json
	python3 - "$ANN_TOP/share/labelstudio/invoice.xml" tasks.json <<-'EOF'
	import json, sys
	import xml.etree.ElementTree as ET
	root = ET.parse(sys.argv[1]).getroot()
	texts = {e.get("name") for e in root.iter("Text")}
	areas = {e.get("name"): e for e in root.iter("TextArea")}
	assert texts == {"text"}, texts
	assert all(e.get("toName") == "text" for e in areas.values())
	tasks = json.load(open(sys.argv[2], encoding="utf-8"))
	assert len(tasks) == 26
	exported = {r["from_name"] for t in tasks for p in t["predictions"] for r in p["result"]}
	assert exported, tasks[0]
	assert exported <= set(areas), sorted(exported - set(areas))
	assert {r["to_name"] for t in tasks for p in t["predictions"] for r in p["result"]} == {"text"}
	# A null bank account is exported under the member's own name.
	assert "bank_account" in areas and "bank_account/bank_name" in areas
	EOF
}
