#!/usr/bin/env bats
# ann-merge end to end: deduplication rules, join, vote, prefer, the three
# output formats, sorted and unsorted inputs, and bad input.

load test_helper

VOUCHERS="$SHARED/testdata/ja-voucher-companyname/test_vision_ocr.json"

# Prints the JSON value at a Python expression over each output record, one per line.
jq_py() {
	python3 -c '
import json, sys
expr = sys.argv[1]
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    print(json.dumps(eval(expr), ensure_ascii=False, separators=(",", ":")))
' "$1" "$2"
}

@test "union keeps valid over invalid over error" {
	printf '%s\n' '{"id":"a","output":{"t":1},"validation":{"valid":true}}' \
	    '{"id":"b","error":{"kind":"network","message":"timed out"}}' >run1.jsonl
	printf '%s\n' '{"id":"a","output":{"t":2},"validation":{"valid":false}}' \
	    '{"id":"b","output":{"t":3},"validation":{"valid":false}}' >run2.jsonl
	run --separate-stderr ann-merge run1.jsonl run2.jsonl
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"id":"a","output":{"t":1},"validation":{"valid":true},"merge":{"kept":{"input":"run1.jsonl","line":1,"status":"valid"},"dropped":[{"input":"run2.jsonl","line":1,"status":"invalid"}]}}' ]
	[ "${lines[1]}" = '{"id":"b","output":{"t":3},"validation":{"valid":false},"merge":{"kept":{"input":"run2.jsonl","line":2,"status":"invalid"},"dropped":[{"input":"run1.jsonl","line":2,"status":"error"}]}}' ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "union ranks no verdict between valid and invalid" {
	printf '%s\n' '{"id":"a","output":{"t":"unchecked"}}' '{"id":"a","output":{"t":"invalid"},"validation":{"valid":false}}' \
	    '{"id":"b","output":{"t":"unchecked"},"validation":{"valid":null}}' '{"id":"b","output":{"t":"valid"},"validation":{"valid":true}}' >in.jsonl
	run --separate-stderr ann-merge in.jsonl
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '{"id":"a","output":{"t":"unchecked"},"merge":{"kept":{"input":"in.jsonl","line":1,"status":"unchecked"}'* ]]
	[[ "${lines[1]}" == '{"id":"b","output":{"t":"valid"},"validation":{"valid":true},"merge":'* ]]
}

@test "union of equals keeps the later attempt and reports the conflict" {
	printf '%s\n' '{"id":"a","output":{"total":100,"cur":"JPY"}}' >shard1.jsonl
	printf '%s\n' '{"id":"a","output":{"total":100.0,"cur":"USD"}}' >retry.jsonl
	run --separate-stderr ann-merge shard1.jsonl retry.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = '{"id":"a","output":{"total":100.0,"cur":"USD"},"merge":{"kept":{"input":"retry.jsonl","line":1,"status":"unchecked"},"dropped":[{"input":"shard1.jsonl","line":1,"status":"unchecked"}],"conflicts":["/output/cur"]}}' ]
	[[ "$stderr" == *'warning: id "a": 2 records disagree on /output/cur; kept retry.jsonl line 1'* ]]
	[[ "$stderr" == *'1 duplicates dropped, 1 conflicts'* ]]
}

@test "later line wins within one file" {
	printf '%s\n' '{"id":"x","n":1}' '{"id":"y","n":1}' '{"id":"x","n":2}' >in.jsonl
	run --separate-stderr ann-merge in.jsonl
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == '{"id":"x","n":2,"merge":{"kept":{"input":"in.jsonl","line":3,'* ]]
	[ "${lines[1]}" = '{"id":"y","n":1}' ]
}

@test "union warns about dropped duplicates and lists their ids" {
	printf '%s\n' '{"id":"good-1","text":"a","output":{"t":1}}' '{"id":"good-2","text":"b"}' \
	    '{"id":"good-1","text":"a","output":{"t":1},"validation":{"valid":true}}' >in.jsonl
	run -0 --separate-stderr ann-merge in.jsonl
	[ "${#lines[@]}" -eq 2 ]
	[[ "$stderr" == *'ann-merge: warning: 1 duplicate record dropped (1 id, its best record kept): good-1'* ]]
	[[ "$stderr" != *'may share an id'* ]]
	[ "$(jq_py 'r["merge"]["dropped"][0].get("differs")' <(echo "${lines[0]}"))" = null ]
	run -0 --separate-stderr ann-merge -q in.jsonl
	[ -z "$stderr" ]
}

@test "union lists only the first ids of many duplicates" {
	for i in 1 2 3 4 5 6 7; do printf '{"id":"d%s"}\n{"id":"d%s"}\n{"id":"d%s"}\n' $i $i $i; done >in.jsonl
	run -0 --separate-stderr ann-merge in.jsonl
	[[ "$stderr" == *'warning: 14 duplicate records dropped (7 ids, the best record of each kept): d1, d2, d3, d4, d5 and 2 more'* ]]
}

@test "union reports duplicates whose text differs" {
	printf '%s\n' '{"id":"good-1","text":"invoice A"}' '{"id":"good-1","text":"invoice B","page":2}' >in.jsonl
	run -0 --separate-stderr ann-merge in.jsonl
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq_py 'r["text"]' <(echo "$output"))" = '"invoice B"' ]
	[ "$(jq_py 'r["merge"]["dropped"][0]["differs"]' <(echo "$output"))" = '["/text","/page"]' ]
	[[ "$stderr" == *'warning: 1 duplicate record dropped (1 id, its best record kept): good-1'* ]]
	[[ "$stderr" == *'warning: 1 dropped record differs from the record kept for its id in members that no pipeline stage owns, so two documents may share an id: good-1 (/text, /page)'* ]]
}

@test "join reports a document duplicate that differs" {
	printf '%s\n' '{"id":"a","text":"one"}' '{"id":"a","text":"two"}' >docs.jsonl
	printf '%s\n' '{"id":"a","output":{"t":1}}' '{"id":"a","output":{"t":2}}' >ann.jsonl
	run -0 --separate-stderr ann-merge --join docs.jsonl ann.jsonl
	[ "$(jq_py '[d.get("differs") for d in r["merge"]["dropped"]]' <(echo "$output"))" = '[["/text"],null]' ]
	[[ "$stderr" == *'2 duplicate records dropped (1 id, its best record kept): a'* ]]
	[[ "$stderr" == *'1 dropped record differs'*'a (/text)'* ]]
}

@test "members pass through byte for byte" {
	printf '%s\n' '{"id":"n","v":[9007199254740993, 1.0, -0],"s":"\u00e9\/","text":"合計 ４５，０００円"}' >in.jsonl
	ann-merge in.jsonl in.jsonl >out.jsonl
	[ "$(jq_py 'r["merge"]["dropped"][0]["line"]' out.jsonl)" = 1 ]
	[[ "$(cat out.jsonl)" == '{"id":"n","v":[9007199254740993, 1.0, -0],"s":"\u00e9\/","text":"合計 ４５，０００円","merge":'* ]]
}

@test "numeric ids past 2^53 stay apart as error records" {
	printf '%s\n' '{"id":9007199254740992,"label":"A"}' '{"id":9007199254740993,"label":"B"}' >in.jsonl
	run -1 --separate-stderr ann-merge in.jsonl
	[ "${lines[0]}" = '{"id":9007199254740992,"label":"A","error":{"kind":"invalid","message":"line 1: member \"id\" must be a string, got number 9007199254740992","line":1},"merge":{"input":"in.jsonl"}}' ]
	[ "${lines[1]}" = '{"id":9007199254740993,"label":"B","error":{"kind":"invalid","message":"line 2: member \"id\" must be a string, got number 9007199254740993","line":2},"merge":{"input":"in.jsonl"}}' ]
}

@test "string ids are compared decoded" {
	printf '%s\n' '{"id":"\u0041-1","n":1}' '{"id":"A-1","n":2}' '{"id":"a-1","n":3}' >in.jsonl
	run --separate-stderr ann-merge in.jsonl
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == '{"id":"A-1","n":2,'* ]]
	[ "${lines[1]}" = '{"id":"a-1","n":3}' ]
}

@test "join adds annotations to documents by id" {
	printf '%s\n' '{"id":"d1","text":"請求書 合計 45,000円"}' '{"id":"d2","text":"領収書"}' '{"id":"d3","text":"納品書"}' >docs.jsonl
	printf '%s\n' '{"id":"d2","output":{"total":1200},"validation":{"valid":true}}' \
	    '{"id":"d1","output":{"total":45000},"model":"m1"}' '{"id":"d9","output":{"total":1}}' >ann.jsonl
	run --separate-stderr ann-merge --join docs.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"id":"d1","text":"請求書 合計 45,000円","output":{"total":45000},"model":"m1","merge":{"document":{"input":"docs.jsonl","line":1,"status":"unchecked"},"annotation":{"input":"ann.jsonl","line":2,"status":"unchecked"}}}' ]
	[[ "${lines[1]}" == '{"id":"d2","text":"領収書","output":{"total":1200},"validation":{"valid":true},"merge":'* ]]
	[ "${lines[2]}" = '{"id":"d3","text":"納品書","merge":{"missing":"annotation"}}' ]
	[ "${lines[3]}" = '{"id":"d9","output":{"total":1},"merge":{"missing":"document"}}' ]
	[[ "$stderr" == *'id "d3": docs.jsonl line 3 has no annotation'* ]]
	[[ "$stderr" == *'id "d9": ann.jsonl line 3 has no document'* ]]
}

@test "join keeps the document value on a conflicting member" {
	printf '%s\n' '{"id":"d1","text":"original"}' >docs.jsonl
	printf '%s\n' '{"id":"d1","text":"changed","output":{"a":1}}' >ann.jsonl
	run --separate-stderr ann-merge -j docs.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "$(jq_py 'r["text"]' <(echo "$output"))" = '"original"' ]
	[ "$(jq_py 'r["merge"]["conflicts"]' <(echo "$output"))" = '["/text"]' ]
	[[ "$stderr" == *'document and annotation disagree on /text'* ]]
}

@test "join takes spans from the annotation without a conflict" {
	printf '%s\n' '{"id":"d1","text":"合計 45,000円","spans":[{"pointer":"/total","start":0,"end":1}]}' >docs.jsonl
	printf '%s\n' '{"id":"d1","output":{"total":45000},"spans":[{"pointer":"/total","start":3,"end":9}]}' >ann.jsonl
	run --separate-stderr ann-merge --join docs.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "$(jq_py 'r["spans"][0]["start"]' <(echo "$output"))" = '3' ]
	[ "$(jq_py 'r["merge"].get("conflicts")' <(echo "$output"))" = 'null' ]
	[[ "$stderr" != *'disagree'* ]]
}

@test "join by pointer matches nested keys" {
	printf '%s\n' '{"id":"doc-1","meta":{"file":"a.pdf"}}' >docs.jsonl
	printf '%s\n' '{"id":"ann-7","meta":{"file":"a.pdf"},"output":{"x":1}}' >ann.jsonl
	run --separate-stderr ann-merge --join --by /meta/file docs.jsonl ann.jsonl
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == '{"id":"doc-1","meta":{"file":"a.pdf"},"output":{"x":1},"merge":{"document":'* ]]
}

@test "vote takes the majority per field with agreement" {
	printf '%s\n' '{"id":"d1","text":"t","output":{"total":45000,"vendor":"株式会社A"},"validation":{"valid":true}}' >r1.jsonl
	printf '%s\n' '{"id":"d1","text":"t","output":{"total":45000.0,"vendor":"株式会社B"},"validation":{"valid":true}}' >r2.jsonl
	printf '%s\n' '{"id":"d1","text":"t","output":{"total":46000,"vendor":"株式会社A"},"validation":{"valid":true}}' >r3.jsonl
	run --separate-stderr ann-merge --vote --threshold 0.6 r1.jsonl r2.jsonl r3.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = '{"id":"d1","text":"t","output":{"total":45000,"vendor":"株式会社A"},"merge":{"runs":3,"voters":3,"agreement":{"/output/total":0.667,"/output/vendor":0.667}}}' ]
	run --separate-stderr ann-merge --vote r1.jsonl r2.jsonl r3.jsonl
	[ "$(jq_py 'r["merge"]["review"]' <(echo "$output"))" = '["/output/total","/output/vendor"]' ]
}

@test "vote reports a tie and leaves the field out" {
	printf '%s\n' '{"id":"d1","output":{"total":100,"date":"2024-01-05"}}' >r1.jsonl
	printf '%s\n' '{"id":"d1","output":{"total":200,"date":"2024-01-05"}}' >r2.jsonl
	run --separate-stderr ann-merge --vote r1.jsonl r2.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = '{"id":"d1","output":{"date":"2024-01-05"},"merge":{"runs":2,"voters":2,"agreement":{"/output/total":0.5,"/output/date":1},"review":["/output/total"],"ties":[{"field":"/output/total","votes":1,"values":[{"value":100},{"value":200}]}]}}' ]
	[[ "$stderr" == *'id "d1": 2 values tie for /output/total with 1 votes each'* ]]
	[[ "$stderr" == *'1 ties'* ]]
}

@test "vote lists abstaining and missing runs" {
	printf '%s\n' '{"id":"d1","output":{"a":1}}' '{"id":"d2","output":{"a":1}}' >r1.jsonl
	printf '%s\n' '{"id":"d1","error":{"kind":"throttled","message":"rate exceeded"}}' >r2.jsonl
	run --separate-stderr ann-merge --vote r1.jsonl r2.jsonl
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"id":"d1","output":{"a":1},"merge":{"runs":2,"abstained":[{"input":"r2.jsonl","line":1,"status":"error"}],"voters":1,"agreement":{"/output/a":1}}}' ]
	[ "${lines[1]}" = '{"id":"d2","output":{"a":1},"merge":{"runs":2,"missing":["r2.jsonl"],"voters":1,"agreement":{"/output/a":1}}}' ]
}

@test "prefer overrides the model field by field" {
	printf '%s\n' '{"id":"d1","text":"請求書","output":{"total":45000,"vendor":{"name":"株式会杜","tel":"03"}},"validation":{"valid":true},"model":"m1"}' \
	    '{"id":"d2","output":{"total":5}}' >model.jsonl
	printf '%s\n' '{"id":"d1","output":{"vendor":{"name":"株式会社"}}}' >human.jsonl
	run --separate-stderr ann-merge --prefer model.jsonl human.jsonl
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"id":"d1","text":"請求書","model":"m1","output":{"total":45000,"vendor":{"name":"株式会社","tel":"03"}},"merge":{"overrides":[{"field":"/output/vendor/name","source":{"input":"human.jsonl","line":1,"status":"unchecked"}}],"layers":[{"input":"model.jsonl","line":1,"status":"valid"},{"input":"human.jsonl","line":1,"status":"unchecked"}]}}' ]
	[ "${lines[1]}" = '{"id":"d2","output":{"total":5}}' ]
}

@test "prefer reports a correction without a base record" {
	printf '%s\n' '{"id":"d1","output":{"a":1}}' >model.jsonl
	printf '%s\n' '{"id":"d7","output":{"a":2}}' >human.jsonl
	run --separate-stderr ann-merge --prefer model.jsonl human.jsonl
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '{"id":"d7","output":{"a":2},"merge":{"missing":["model.jsonl"]}}' ]
	[[ "$stderr" == *'id "d7": not in model.jsonl, the base layer'* ]]
}

@test "label studio output follows the task import format" {
	printf '%s\n' '{"id":"d1","text":"請求書","output":{"total":45000,"vendor":{"name":"株式会社A"},"paid":true},"validation":{"valid":true},"spans":[{"pointer":"/vendor/name","start":0,"end":3}],"model":"model-x"}' \
	    '{"id":"d2","text":"t2","error":{"kind":"network","message":"timed out"}}' >in.jsonl
	run -1 --separate-stderr bash -c 'ann-merge --format label-studio in.jsonl >tasks.json'
	python3 - tasks.json <<-'EOF'
	import json, sys
	tasks = json.load(open(sys.argv[1], encoding="utf-8"))
	assert isinstance(tasks, list) and len(tasks) == 2, tasks
	t = tasks[0]
	assert set(t) == {"data", "predictions"}, t
	assert t["data"] == {"id": "d1", "text": "請求書"}, t["data"]
	p = t["predictions"]
	assert len(p) == 1 and p[0]["model_version"] == "model-x" and p[0]["score"] == 1, p
	ids = set()
	for r in p[0]["result"]:
	    assert set(r) == {"id", "from_name", "to_name", "type", "value"}, r
	    assert r["to_name"] == "text" and r["type"] == "textarea", r
	    assert isinstance(r["value"]["text"], list) and all(isinstance(s, str) for s in r["value"]["text"])
	    ids.add(r["id"])
	assert len(ids) == 3
	got = {r["from_name"]: r["value"]["text"][0] for r in p[0]["result"]}
	assert got == {"total": "45000", "vendor/name": "株式会社A", "paid": "true"}, got
	assert tasks[1] == {"data": {"id": "d2", "text": "t2"}, "predictions": []}, tasks[1]
	EOF
}

@test "label studio export comes back through prefer" {
	printf '%s\n' '{"id":"d1","text":"請求書","output":{"total":45000,"vendor":{"name":"株式会杜"}},"validation":{"valid":true}}' \
	    '{"id":"d2","text":"t2","output":{"total":10,"vendor":{"name":"B"}}}' >model.jsonl
	ann-merge --format label-studio --to-name doc model.jsonl >tasks.json
	# What a reviewer's export looks like: predictions accepted as annotations, one corrected.
	python3 - tasks.json export.json <<-'EOF'
	import json, sys
	tasks = json.load(open(sys.argv[1], encoding="utf-8"))
	out = []
	for n, t in enumerate(tasks, 1):
	    result = [dict(r) for r in t["predictions"][0]["result"]]
	    if t["data"]["id"] == "d1":
	        for r in result:
	            if r["from_name"] == "vendor/name":
	                r["value"] = {"text": ["株式会社"]}
	            if r["from_name"] == "total":
	                r["value"] = {"text": ["46000"]}
	    anns = [{"id": 1, "result": [], "was_cancelled": True}, {"id": 2, "result": result, "was_cancelled": False}]
	    out.append({"id": n, "data": t["data"], "annotations": anns, "predictions": []})
	json.dump(out, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False, indent=2)
	EOF
	run --separate-stderr ann-merge --prefer model.jsonl export.json
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"id":"d1","text":"請求書","output":{"total":46000,"vendor":{"name":"株式会社"}},"merge":{"overrides":[{"field":"/output/total","source":{"input":"export.json","line":1,"status":"unchecked"}},{"field":"/output/vendor/name","source":{"input":"export.json","line":1,"status":"unchecked"}}],"layers":[{"input":"model.jsonl","line":1,"status":"valid"},{"input":"export.json","line":1,"status":"unchecked"}]}}' ]
	[ "${lines[1]}" = '{"id":"d2","text":"t2","output":{"total":10,"vendor":{"name":"B"}},"merge":{"layers":[{"input":"model.jsonl","line":2,"status":"unchecked"},{"input":"export.json","line":2,"status":"unchecked"}]}}' ]
}

@test "csv has one column per field path and quotes cells" {
	printf '%s\n' '{"id":"d1","output":{"total":45000,"note":"a, \"b\"\nc"}}' '{"id":"d2","output":{"items":[1,2]},"x":null}' >in.jsonl
	ann-merge --format csv in.jsonl >out.csv
	printf '/id,/output/total,/output/note,/output/items,/x\r\nd1,45000,"a, ""b""\nc",,\r\nd2,,,"[1,2]",null\r\n' >expected.csv
	cmp expected.csv out.csv
}

@test "csv round-trips japanese text through python csv" {
	head -n 40 "$VOUCHERS" | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(json.dumps({"id": r["id"], "output": {"company": r["src"], "note": "税込, \"確認\"\n済"}}, ensure_ascii=False))
' >in.jsonl
	ann-merge --format csv --bom in.jsonl >out.csv
	[ "$(head -c 3 out.csv | od -An -tx1 | tr -d ' ')" = efbbbf ]
	python3 - in.jsonl out.csv <<-'EOF'
	import csv, json, sys
	want = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
	with open(sys.argv[2], encoding="utf-8-sig", newline="") as f:
	    rows = list(csv.DictReader(f))
	assert len(rows) == len(want) == 40, (len(rows), len(want))
	for w, r in zip(want, rows):
	    assert r["/id"] == w["id"], (r, w)
	    assert r["/output/company"] == w["output"]["company"], (r, w)
	    assert r["/output/note"] == w["output"]["note"], (r, w)
	EOF
	ann-merge --format csv in.jsonl >plain.csv
	[ "$(head -c 4 plain.csv)" = '/id,' ]
}

@test "sorted and unsorted modes give the same records" {
	python3 -c '
import json
with open("a.jsonl", "w") as a, open("b.jsonl", "w") as b:
    for i in range(0, 300):
        a.write(json.dumps({"id": "k%04d" % i, "v": i, "validation": {"valid": i % 3 != 0}}) + "\n")
    for i in range(150, 450):
        b.write(json.dumps({"id": "k%04d" % i, "v": -i, "validation": {"valid": i % 2 == 0}}) + "\n")
'
	ann-merge --sorted a.jsonl b.jsonl >sorted.jsonl
	ann-merge a.jsonl b.jsonl >unsorted.jsonl
	[ "$(wc -l <sorted.jsonl)" -eq 450 ]
	cmp <(sort sorted.jsonl) <(sort unsorted.jsonl)
	[ "$(jq_py 'r["v"]' sorted.jsonl | sed -n 151p)" = -150 ]
	[ "$(jq_py 'r["v"]' sorted.jsonl | sed -n 152p)" = 151 ]
}

@test "sorted mode rejects an unsorted input" {
	printf '%s\n' '{"id":"b"}' '{"id":"a"}' >in.jsonl
	run -3 --separate-stderr ann-merge --sorted in.jsonl
	[[ "$stderr" == *'in.jsonl line 2: key "a" comes after "b", so the input is not sorted by /id in byte order'* ]]
}

@test "standard input is read as a pipe in both modes" {
	printf '%s\n' '{"id":"a","n":1}' '{"id":"a","n":2}' >in.jsonl
	run --separate-stderr bash -c 'cat in.jsonl | ann-merge'
	[ "$status" -eq 0 ]
	[[ "$output" == '{"id":"a","n":2,"merge":{"kept":{"input":"-","line":2,'* ]]
	run --separate-stderr bash -c 'cat in.jsonl | ann-merge --sorted - in.jsonl'
	[ "$status" -eq 0 ]
	[ "$(jq_py 'len(r["merge"]["dropped"])' <(echo "$output"))" = 3 ]
}

@test "invalid lines become error records" {
	printf '%s\n' '{"id":"a"}' '{"id":"b",}' 'not json' '{"text":"no id"}' >in.jsonl
	run -1 --separate-stderr ann-merge in.jsonl
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" == '{"id":"line:2","error":{"kind":"syntax",'*'"merge":{"input":"in.jsonl"}}' ]]
	[[ "${lines[1]}" == '{"id":"line:3","error":{"kind":"syntax",'*'"input":"not json"},"merge":{"input":"in.jsonl"}}' ]]
	[ "${lines[2]}" = '{"text":"no id","error":{"kind":"invalid","message":"line 4: record has no \"id\" member","line":4},"merge":{"input":"in.jsonl"}}' ]
	[ "${lines[3]}" = '{"id":"a"}' ]
	[[ "$stderr" == *'in.jsonl: line 2: invalid JSON'* ]]
}

@test "unreadable file is a usage error before any output" {
	printf '%s\n' '{"id":"a"}' >in.jsonl
	run -2 --separate-stderr ann-merge in.jsonl missing.jsonl
	[ -z "$output" ]
	[ "$stderr" = "ann-merge: cannot open 'missing.jsonl': No such file or directory" ]
}

@test "bad options exit with status 2" {
	run -2 --separate-stderr ann-merge --threshold 1.5 x
	[[ "$stderr" == *'invalid --threshold, expected a number from 0 to 1: 1.5'* ]]
	run -2 --separate-stderr ann-merge --vote --prefer x
	[[ "$stderr" == *'--join, --vote and --prefer exclude each other'* ]]
	run -2 --separate-stderr ann-merge --format xml x
	run -2 --separate-stderr ann-merge --by id x
	run -2 --separate-stderr ann-merge --join only-one.jsonl
	run -0 ann-merge --help
	[[ "$output" == Usage:* ]]
}

@test "write error on full device fails with system status" {
	printf '%s\n' '{"id":"a"}' >in.jsonl
	run -3 --separate-stderr bash -c 'ann-merge in.jsonl >/dev/full'
	[[ "$stderr" == *'write failed: No space left on device'* ]]
}

@test "upstream line error records are never grouped" {
	printf '%s\n' '{"id":"line:2","error":{"kind":"syntax","message":"m","line":2,"input":"x"}}' >shard1.jsonl
	printf '%s\n' '{"id":"line:2","error":{"kind":"syntax","message":"m","line":2,"input":"y"}}' >shard2.jsonl
	run -1 --separate-stderr ann-merge shard1.jsonl shard2.jsonl
	[ "${lines[0]}" = '{"id":"line:2","error":{"kind":"syntax","message":"m","line":2,"input":"x"},"merge":{"input":"shard1.jsonl"}}' ]
	[ "${lines[1]}" = '{"id":"line:2","error":{"kind":"syntax","message":"m","line":2,"input":"y"},"merge":{"input":"shard2.jsonl"}}' ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "byte order mark at the start of an input is skipped" {
	printf '\357\273\277{"id":"a","n":1}\n' >bom.jsonl
	printf '{"id":"a","n":2}\n' >plain.jsonl
	run --separate-stderr ann-merge bom.jsonl plain.jsonl
	[ "$status" -eq 0 ]
	[[ "$output" == '{"id":"a","n":2,"merge":{"kept":{"input":"plain.jsonl","line":1,"status":"unchecked"},"dropped":[{"input":"bom.jsonl","line":1,'* ]]
	[[ "$stderr" == *'warning: bom.jsonl: line 1: skipped a UTF-8 byte order mark'* ]]
}

@test "prefer replaces a field whose structure changed" {
	printf '%s\n' '{"id":"d1","output":{"vendor":"株式会社A 03-1234","total":1}}' >model.jsonl
	printf '%s\n' '{"id":"d1","output":{"vendor":{"name":"株式会社A","tel":"03-1234"}}}' >human.jsonl
	run --separate-stderr ann-merge --prefer model.jsonl human.jsonl
	[ "$status" -eq 0 ]
	[ "$(jq_py 'r["output"]' <(echo "$output"))" = '{"total":1,"vendor":{"name":"株式会社A","tel":"03-1234"}}' ]
	[ "$(jq_py '[o["field"] for o in r["merge"]["overrides"]]' <(echo "$output"))" = '["/output/vendor/name","/output/vendor/tel"]' ]
}

@test "vote counts another structure as absence" {
	printf '%s\n' '{"id":"d1","output":{"vendor":"A"}}' >r1.jsonl
	printf '%s\n' '{"id":"d1","output":{"vendor":"A"}}' >r2.jsonl
	printf '%s\n' '{"id":"d1","output":{"vendor":{"name":"A"}}}' >r3.jsonl
	run --separate-stderr ann-merge --vote --threshold 0.3 r1.jsonl r2.jsonl r3.jsonl
	[ "$status" -eq 0 ]
	[ "$(jq_py 'r["output"]' <(echo "$output"))" = '{"vendor":"A"}' ]
	[ "$(jq_py 'r["merge"]["agreement"]' <(echo "$output"))" = '{"/output/vendor":0.667,"/output/vendor/name":0.667}' ]
	[ "$(jq_py '"review" in r["merge"] or "conflicts" in r["merge"]' <(echo "$output"))" = false ]
}

@test "join picks the best annotation across files" {
	printf '%s\n' '{"id":"d1","text":"t"}' >docs.jsonl
	printf '%s\n' '{"id":"d1","output":{"a":1},"validation":{"valid":true}}' >ann1.jsonl
	printf '%s\n' '{"id":"d1","error":{"kind":"network","message":"timed out"}}' >ann2.jsonl
	run --separate-stderr ann-merge --join docs.jsonl ann1.jsonl ann2.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = '{"id":"d1","text":"t","output":{"a":1},"validation":{"valid":true},"merge":{"document":{"input":"docs.jsonl","line":1,"status":"unchecked"},"annotation":{"input":"ann1.jsonl","line":1,"status":"valid"},"dropped":[{"input":"ann2.jsonl","line":1,"status":"error"}]}}' ]
}

@test "invalid label studio export stops with status 3" {
	printf '[{"data":{"id":"a"},]\n' >export.json
	run -3 --separate-stderr ann-merge --prefer export.json
	[ -z "$output" ]
	[[ "$stderr" == *"ann-merge: Label Studio export export.json:1:21: invalid JSON: expected a member name in double quotes, got ']'"* ]]
}

@test "empty input gives empty output in every format" {
	: >empty.jsonl
	run -0 ann-merge empty.jsonl
	[ -z "$output" ]
	run -0 ann-merge --format csv empty.jsonl
	[ -z "$output" ]
	run -0 ann-merge --format label-studio empty.jsonl
	[ "$output" = '[]' ]
}

@test "closing summary counts what was reported" {
	printf '%s\n' '{"id":"a","output":{"x":1}}' '{"id":"a","output":{"x":2}}' '{"id":"b"}' >in.jsonl
	run --separate-stderr ann-merge in.jsonl
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'ann-merge: warning: 3 records in, 2 out: 1 duplicates dropped, 1 conflicts, 0 missing counterparts, 0 ties, 0 records for review, 0 errors'$'\n''ann-merge: warning: 1 duplicate record dropped'* ]]
	run --separate-stderr ann-merge -q in.jsonl
	[ -z "$stderr" ]
}

@test "closed downstream pipe ends the merge quietly" {
	seq 1 200000 | sed 's/.*/{"id":"&"}/' >in.jsonl
	run --separate-stderr bash -c 'set -o pipefail; ann-merge in.jsonl | head -n 1'
	[ "$status" -eq 0 ]
	[ "$output" = '{"id":"1"}' ]
	[ -z "$stderr" ]
}

@test "control characters in ids are masked in messages" {
	printf '%s\n' '{"id":"a\u001b[31m","output":{"x":1}}' '{"id":"a\u001b[31m","output":{"x":2}}' >in.jsonl
	run --separate-stderr ann-merge in.jsonl
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'warning: id "a?[31m": 2 records disagree on /output/x'* ]]
	[[ "$stderr" != *$'\033'* ]]
}

@test "crlf and blank lines keep offsets right when unsorted" {
	printf '{"id":"b","n":1}\r\n\r\n  \n{"id":"a","t":"請求書"}\r\n{"id":"b","n":2}' >in.jsonl
	run --separate-stderr ann-merge in.jsonl
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '{"id":"b","n":2,"merge":{"kept":{"input":"in.jsonl","line":5,"status":"unchecked"},"dropped":[{"input":"in.jsonl","line":1,"status":"unchecked","differs":["/n"]}]}}' ]]
	[ "${lines[1]}" = '{"id":"a","t":"請求書"}' ]
}

# Writes export.json: tasks for model.jsonl as Label Studio would return
# them after review; the arguments go to simulate-review.py.
review() {
	ann-merge --format label-studio model.jsonl >tasks.json || return 1
	python3 "$ANN_TOP/share/labelstudio/simulate-review.py" tasks.json "$@" >export.json
}

@test "prefer --schema gives a corrected amount the schema's integer type" {
	printf '%s\n' '{"id":"d1","output":{"subtotal":67020,"total":"¥73,720"}}' >model.jsonl
	review --correct d1 total 73720

	run --separate-stderr ann-merge --prefer model.jsonl export.json
	[ "$status" -eq 0 ]
	[ "$(jq_py 'r["output"]' <(echo "$output"))" = '{"subtotal":67020,"total":"73720"}' ]

	run --separate-stderr ann-merge --prefer --schema "$ANN_TOP/schemas/invoice.schema.json" model.jsonl export.json
	[ "$status" -eq 0 ]
	[[ "$output" == '{"id":"d1","output":{"subtotal":67020,"total":73720},"merge":{"overrides":[{"field":"/output/total",'* ]]
	[ "$(jq_py '"unconverted" in r["merge"]' <(echo "$output"))" = false ]
	[ -z "$stderr" ]
}

@test "prefer --schema takes the first type of a union that parses" {
	cat >s.json <<-'EOF2'
	{"type": "object", "properties": {
	  "a": {"type": ["integer", "null"]}, "b": {"type": ["string", "null"]},
	  "c": {"type": ["string", "integer"]}, "d": {"type": ["boolean", "null"]}}}
	EOF2
	printf '%s\n' '{"id":"d1","output":{"a":5,"b":"x","c":"T1","d":true}}' \
	    '{"id":"d2","output":{"a":5,"b":"x","c":"T1","d":true}}' >model.jsonl
	review --correct d1 a null --correct d1 b null --correct d1 c 12 --correct d1 d false \
	    --correct d2 a '' --correct d2 b '' --correct d2 c 012 --correct d2 d ' true '
	run --separate-stderr ann-merge --prefer --schema s.json model.jsonl export.json
	[ "$status" -eq 0 ]
	[ "$(jq_py 'r["output"]' <(echo "$output"))" = "$(printf '%s\n' \
	    '{"a":null,"b":null,"c":12,"d":false}' '{"a":null,"b":null,"c":"012","d":true}')" ]
	[ -z "$stderr" ]
}

@test "prefer --schema converts fields inside a line item array" {
	printf '%s\n' '{"id":"d1","output":{"line_items":[{"description":"x","quantity":1,"unit_price":null,"amount":"¥1,000"}]}}' >model.jsonl
	review --correct d1 line_items '[{"description":"x","quantity":"2.5","unit_price":"400","amount":"1000"},{"description":"100","quantity":null,"unit_price":"","amount":"¥2,000"}]'
	run --separate-stderr ann-merge --prefer --schema "$ANN_TOP/schemas/invoice.schema.json" model.jsonl export.json
	[ "$status" -eq 0 ]
	[ "$(jq_py 'r["output"]' <(echo "$output"))" = '{"line_items":[{"description":"x","quantity":2.5,"unit_price":400,"amount":1000},{"description":"100","quantity":null,"unit_price":null,"amount":"¥2,000"}]}' ]
	[ "$(jq_py 'r["merge"]["unconverted"]' <(echo "$output"))" = '[{"field":"/output/line_items/1/amount","types":["integer"],"kept":"text","source":{"input":"export.json","line":1,"status":"unchecked"}}]' ]
	[[ "$stderr" == *'warning: id "d1": export.json line 1: /output/line_items/1/amount: "¥2,000" does not parse as integer; kept as text'* ]]
}

@test "prefer --schema keeps big integers and decimals exact" {
	echo '{"properties": {"n": {"type": "integer"}, "r": {"type": "number"}, "s": {"type": "number"}}}' >s.json
	printf '%s\n' '{"id":"d1","output":{"n":1,"r":1,"s":1}}' >model.jsonl
	review --correct d1 n 9007199254740993 --correct d1 r 0.1 --correct d1 s 123456789012345678901234567890.10
	run --separate-stderr ann-merge --prefer --schema s.json model.jsonl export.json
	[ "$status" -eq 0 ]
	[[ "$output" == '{"id":"d1","output":{"n":9007199254740993,"r":0.1,"s":123456789012345678901234567890.10},"merge":'* ]]
	# The exact digits still pass the schema.
	run -0 --separate-stderr ann-validate -s s.json <<<"$output"
	[[ "$output" == *'"validation":{"valid":true'* ]]
}

@test "prefer --schema keeps text that does not parse and notes it" {
	printf '%s\n' '{"id":"d1","output":{"subtotal":67020,"total":"¥73,720"}}' >model.jsonl
	review --correct d1 total '７３,７２０'
	run --separate-stderr ann-merge --prefer --schema "$ANN_TOP/schemas/invoice.schema.json" model.jsonl export.json
	[ "$status" -eq 0 ]
	[ "$(jq_py 'r["output"]["total"]' <(echo "$output"))" = '"７３,７２０"' ]
	[ "$(jq_py '[o["field"] for o in r["merge"]["overrides"]]' <(echo "$output"))" = '["/output/total"]' ]
	[ "$(jq_py 'r["merge"]["unconverted"]' <(echo "$output"))" = '[{"field":"/output/total","types":["integer"],"kept":"text","source":{"input":"export.json","line":1,"status":"unchecked"}}]' ]
	[[ "$stderr" == *'warning: id "d1": export.json line 1: /output/total: "７３,７２０" does not parse as integer; kept as text'* ]]
	[[ "$stderr" == *'warning: 1 reviewer text did not convert to its field'* ]]

	# Validating again reports the field the reviewer fixed.
	run -1 --separate-stderr ann-validate -s "$ANN_TOP/schemas/invoice.schema.json" <<<"$output"
	[[ "$output" == *'"instanceLocation":"/total","keywordLocation":"/properties/total/type"'* ]]
}

@test "prefer --schema keeps the earlier value when a text is emptied" {
	printf '%s\n' '{"id":"d1","output":{"subtotal":67020,"tax_amount_8":800,"total":"¥73,720"}}' >model.jsonl
	review --correct d1 subtotal '' --correct d1 tax_amount_8 ' ' --correct d1 total ''
	run --separate-stderr ann-merge --prefer --schema "$ANN_TOP/schemas/invoice.schema.json" model.jsonl export.json
	[ "$status" -eq 0 ]
	# tax_amount_8 may be null; subtotal and total may not, so they keep the model's value.
	[ "$(jq_py 'r["output"]' <(echo "$output"))" = '{"subtotal":67020,"tax_amount_8":null,"total":"¥73,720"}' ]
	[ "$(jq_py '[o["field"] for o in r["merge"]["overrides"]]' <(echo "$output"))" = '["/output/tax_amount_8"]' ]
	[ "$(jq_py '[(u["field"], u["kept"]) for u in r["merge"]["unconverted"]]' <(echo "$output"))" = '[["/output/subtotal","previous"],["/output/total","previous"]]' ]
	[[ "$stderr" == *'/output/subtotal: empty text does not parse as integer; kept the previous value'* ]]
	[[ "$stderr" == *'warning: 2 reviewer texts did not convert to their field'* ]]
}

@test "prefer --schema follows references through a schema map" {
	mkdir -p defs
	echo '{"type": "integer"}' >defs/money.json
	echo '{"properties": {"total": {"$ref": "https://schemas.example/money.json"}}}' >s.json
	printf '%s\n' '{"id":"d1","output":{"total":"1,000"}}' >model.jsonl
	review --correct d1 total 1000
	run -2 --separate-stderr ann-merge --prefer --schema s.json model.jsonl export.json
	[ -z "$output" ]
	run -0 --separate-stderr ann-merge --prefer --schema s.json --schema-map https://schemas.example/=defs \
	    model.jsonl export.json
	[ "$(jq_py 'r["output"]' <(echo "$output"))" = '{"total":1000}' ]
}

@test "schema options are usage errors without prefer or a usable schema" {
	printf '%s\n' '{"id":"d1","output":{"total":1}}' >model.jsonl
	echo '{"type": "bogus"}' >bad.json
	run -2 --separate-stderr ann-merge --schema "$ANN_TOP/schemas/invoice.schema.json" model.jsonl
	[ -z "$output" ]
	[[ "$stderr" == *'--schema, --schema-map and --draft need --prefer'* ]]
	run -2 --separate-stderr ann-merge --prefer --schema missing.json model.jsonl
	[ -z "$output" ]
	[[ "$stderr" == *'open schema "missing.json": No such file or directory'* ]]
	run -2 --separate-stderr ann-merge --prefer --schema bad.json model.jsonl
	[ -z "$output" ]
	[[ "$stderr" == *'unknown type "bogus"'* ]]
	run -2 --separate-stderr ann-merge --prefer --schema-map a=b model.jsonl
	[[ "$stderr" == *'--schema-map needs --schema'* ]]
	run -2 --separate-stderr ann-merge --prefer --schema bad.json --schema-map nodir model.jsonl
	[[ "$stderr" == *'invalid --schema-map, expected PREFIX=DIR: nodir'* ]]
	run -2 --separate-stderr ann-merge --prefer --draft 6 --schema bad.json model.jsonl
	[[ "$stderr" == *'invalid --draft, expected 2020-12 or 7: 6'* ]]
}
