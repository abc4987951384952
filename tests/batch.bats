#!/usr/bin/env bats
# Bedrock batch inference, end to end on the example invoices:
# ann-prompt --format bedrock-batch, a stand-in for the job
# (tests/helpers/batch_job.py, which sends each modelInput to ann-mock's
# InvokeModel path on 127.0.0.1), ann-invoke --from-batch, ann-validate,
# ann-retry on demand against ann-mock, ann-merge and ann-eval.
#
# setup_file starts one ann-mock and runs the job once; each test reads
# that output and writes to its own directory.

load test_helper
load secrets_helper

MODEL=jp.anthropic.claude-haiku-4-5-20251001-v1:0

# The records the stand-in job fails (id=errorCode) and leaves out.
FAILED="inv-ja-02=500 inv-ja-03=429 inv-en-01=400"
DROPPED="inv-ja-05 inv-en-02"

setup_file() {
	local top examples i
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	examples="$top/share/examples/invoices"
	export HOME="$BATS_FILE_TMPDIR/home"
	mkdir -p "$HOME"
	for i in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do
		unset "$i"
	done
	export AWS_REGION=ap-northeast-1 AWS_ACCESS_KEY_ID="$ANN_FAKE_ACCESS_KEY_ID"
	export AWS_SECRET_ACCESS_KEY="$ANN_FAKE_SECRET_ACCESS_KEY"
	export AWS_CONFIG_FILE="$HOME/no-config" AWS_SHARED_CREDENTIALS_FILE="$HOME/no-credentials"
	export AWS_EC2_METADATA_DISABLED=true NO_PROXY='*'
	cd "$BATS_FILE_TMPDIR" || return 1

	# The mock answers with the reference labels and gets a quarter of
	# first answers wrong; every re-ask is answered right.
	ann-mock --port 0 --answers "$examples/labels.jsonl" --seed 5 --mistakes 0.25 \
		--fix-rate 1 >mock.url 2>mock.err &
	echo $! >mock.pid
	for i in $(seq 50); do
		[ -s mock.url ] && break
		sleep 0.1
	done
	[[ "$(head -n 1 mock.url)" == http://127.0.0.1:* ]] || { cat mock.err >&2; return 1; }

	prompt=(ann-prompt -s "$top/schemas/invoice.schema.json"
		-t "$top/share/templates/invoice.ja.tmpl" -r "$examples")
	"${prompt[@]}" <"$examples/documents.jsonl" >requests.jsonl
	mkdir -p in
	"${prompt[@]}" -q --format bedrock-batch <"$examples/documents.jsonl" \
		>in/invoices.jsonl 2>rejected.jsonl

	local args=()
	for i in $FAILED; do args+=(--fail "$i"); done
	for i in $DROPPED; do args+=(--drop "$i"); done
	python3 "$top/tests/helpers/batch_job.py" --endpoint "$(head -n 1 mock.url)" \
		--model "$MODEL" --output out/job1 --seed 3 "${args[@]}" in/invoices.jsonl >job.json
	curl -s --max-time 5 "$(head -n 1 mock.url)/_mock/stats" >mock-after-job.json
}

teardown_file() {
	if [ -s "$BATS_FILE_TMPDIR/mock.pid" ]; then
		kill "$(cat "$BATS_FILE_TMPDIR/mock.pid")" 2>/dev/null || true
	fi
}

setup() {
	_ann_hermetic_env
	cd "$BATS_TEST_TMPDIR" || return 1
	job="$BATS_FILE_TMPDIR/out/job1"
	requests="$BATS_FILE_TMPDIR/requests.jsonl"
	examples="$ANN_TOP/share/examples/invoices"
}

# Points the on-demand stage at the mock, after checking its URL file.
use_mock() {
	url=$(head -n 1 "$BATS_FILE_TMPDIR/mock.url")
	[[ "$url" == http://127.0.0.1:* ]]
	export AWS_REGION=ap-northeast-1 AWS_ACCESS_KEY_ID="$ANN_FAKE_ACCESS_KEY_ID"
	export AWS_SECRET_ACCESS_KEY="$ANN_FAKE_SECRET_ACCESS_KEY"
	export AWS_ENDPOINT_URL_BEDROCK_RUNTIME="$url"
}

mock_calls() {
	curl -s --max-time 5 "$url/_mock/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["calls"])'
}

# Prints member $2 of the record with id $3 in file $1, as JSON.
member() {
	python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["id"] == sys.argv[3]:
        print(json.dumps(r.get(sys.argv[2]), ensure_ascii=False))
' "$@"
}

@test "stand-in job writes what the documentation describes" {
	[ "$(wc -l <"$BATS_FILE_TMPDIR/in/invoices.jsonl")" -eq 26 ]
	[ ! -s "$BATS_FILE_TMPDIR/rejected.jsonl" ]
	[ -f "$job/invoices.jsonl.out" ] && [ -f "$job/manifest.json.out" ]
	# 26 records, 2 left out, 3 failed without a call, 21 sent to the mock.
	python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
manifest = json.load(open(sys.argv[2]))
stats = json.load(open(sys.argv[3]))
ids = [l["recordId"] for l in lines]
assert len(ids) == 24 == len(set(ids)), ids
assert sum("error" in l for l in lines) == 3 == manifest["errorRecordCount"]
assert sum("modelOutput" in l for l in lines) == 21 == manifest["successRecordCount"]
assert manifest["totalRecordCount"] == 26 and manifest["processedRecordCount"] == 24
assert stats["calls"] == 21, stats
order = [json.loads(l)["recordId"] for l in open(sys.argv[4])]
assert ids != [i for i in order if i in ids], "output is not shuffled"
' "$job/invoices.jsonl.out" "$job/manifest.json.out" "$BATS_FILE_TMPDIR/mock-after-job.json" \
		"$BATS_FILE_TMPDIR/in/invoices.jsonl"
}

@test "from-batch writes the members of a live call" {
	run --separate-stderr ann-invoke -m "$MODEL" --from-batch "$job" --stats stats.json <"$requests"
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >answers.jsonl
	assert_jsonl answers.jsonl
	# Every record once, in input order, with its input members kept.
	diff <(python3 -c 'import json,sys; [print(json.loads(l)["id"]) for l in open(sys.argv[1])]' "$requests") \
		<(python3 -c 'import json,sys; [print(json.loads(l)["id"]) for l in open(sys.argv[1])]' answers.jsonl)
	python3 -c '
import json, sys
failed = dict(s.split("=") for s in sys.argv[2].split())
dropped = sys.argv[3].split()
kinds = {"500": "server", "429": "throttled", "400": "validation"}
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    assert "text" in r and "request" in r, r["id"]
    if r["id"] in dropped:
        assert r["error"]["kind"] == "unanswered", r
        assert r["error"]["message"] == "no line with this recordId in the batch output", r
    elif r["id"] in failed:
        e = r["error"]
        assert e["kind"] == kinds[failed[r["id"]]] and e["status"] == int(failed[r["id"]]), r
        assert "invoices.jsonl.out:" in e["message"] and "simulated batch failure" in e["message"], e
    else:
        assert set(r) >= {"usage", "model", "stop_reason", "cost_usd"}, r["id"]
        assert "output" in r or r["error"]["kind"] == "truncated", r["id"]
        assert r["model"] == sys.argv[4]
        assert "latency_ms" not in r, r["id"]
    if "error" not in r:
        assert r["stop_reason"] == "tool_use" and isinstance(r["output"], dict), r["id"]
' answers.jsonl "$FAILED" "$DROPPED" "$MODEL"
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["records"] == 26 and s["requests"] == 0, s
assert s["outcomes"]["unanswered"] == 2 and s["outcomes"]["server"] == 1, s
assert s["outcomes"]["throttled"] == 1 and s["outcomes"]["validation"] == 1, s
assert s["batch_discount"] == 0.5, s
' stats.json
	[[ "$stderr" != *"match no input record"* ]]
}

@test "from-batch cost is the discounted on-demand price" {
	ann-invoke -m "$MODEL" --from-batch "$job/invoices.jsonl.out" --stats stats.json \
		<"$requests" >answers.jsonl || true
	python3 -c '
import json, sys
table = json.load(open(sys.argv[2]))
price = table["models"]["claude-haiku-4-5"]
discount = table["batch_discount"]
total = 0
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if "usage" not in r:
        continue
    u = r["usage"]
    on_demand = (u["input_tokens"] * price["input"] + u["output_tokens"] * price["output"]) / 1e6
    assert u["input_tokens"] > 0 and abs(r["cost_usd"] - on_demand * (1 - discount)) < 1e-9, r["id"]
    total += r["cost_usd"]
    n += 1
stats = json.load(open(sys.argv[3]))
assert n == 21 and abs(stats["cost_usd"] - total) < 1e-6, (n, stats["cost_usd"], total)
manifest = json.load(open(sys.argv[4]))
assert stats["tokens"]["input"] == manifest["inputTokenCount"], stats
' answers.jsonl "$ANN_TOP/share/pricing.json" stats.json "$job/manifest.json.out"
}

@test "batch discount comes from the pricing table" {
	python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
t["batch_discount"] = 0.25
json.dump(t, open("quarter.json", "w"))
del t["batch_discount"]
json.dump(t, open("none.json", "w"))
' "$ANN_TOP/share/pricing.json"
	ann-invoke -m "$MODEL" --from-batch "$job" --pricing quarter.json <"$requests" >quarter.jsonl || true
	run --separate-stderr ann-invoke -m "$MODEL" --from-batch "$job" --pricing none.json <"$requests"
	printf '%s\n' "$output" >none.jsonl
	[[ "$stderr" == *"none.json gives no batch_discount; cost_usd uses on-demand prices"* ]]
	python3 -c '
import json, sys
quarter = {json.loads(l)["id"]: json.loads(l) for l in open("quarter.jsonl")}
n = 0
for line in open("none.jsonl"):
    r = json.loads(line)
    if "cost_usd" in r:
        assert abs(quarter[r["id"]]["cost_usd"] - 0.75 * r["cost_usd"]) < 1e-9, r["id"]
        n += 1
assert n == 21
'
}

@test "round trip answers every document once" {
	use_mock
	validate="ann-validate -s $ANN_TOP/schemas/invoice.schema.json --ground /text --rules $ANN_TOP/share/rules/invoice.json"
	run ann-invoke -q -m "$MODEL" --from-batch "$job" <"$requests"
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >answers.jsonl
	$validate <answers.jsonl >validated.jsonl 2>validate.log || true
	calls_before=$(mock_calls)

	run --separate-stderr ann-retry -n 3 -- \
		sh -c "ann-invoke -q -p bedrock-invoke -m $MODEL | $validate -u 2>/dev/null" <validated.jsonl
	printf '%s\n' "$output" >final.jsonl
	[ "$status" -eq 1 ]
	calls_after=$(mock_calls)
	ann-merge final.jsonl >dataset.jsonl 2>merge.log || true
	run ann-eval "$examples/labels.jsonl" dataset.jsonl
	printf '%s\n' "$output" >eval.txt

	# Every document exactly once at each stage.
	for f in answers.jsonl validated.jsonl final.jsonl dataset.jsonl; do
		[ "$(wc -l <"$f")" -eq 26 ]
		[ "$(python3 -c 'import json,sys; print(len({json.loads(l)["id"] for l in open(sys.argv[1])}))' "$f")" -eq 26 ]
	done
	# Sent on demand: the unanswered, the 5xx and 429 ones, the truncated and
	# the invalid answers; never the 400, which a new call would not fix.
	python3 -c '
import json, sys
needs = again = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    e = r.get("error", {}).get("kind")
    if e in ("unanswered", "server", "throttled", "truncated") or r.get("validation", {}).get("valid") is False:
        needs += 1
    again += e in ("unanswered", "server", "throttled", "truncated")
sent = int(sys.argv[3]) - int(sys.argv[2])
# A record sent again unchanged may draw a mistake, which costs one re-ask more.
assert needs >= 5 and needs <= sent <= needs + again, (needs, again, sent)
final = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[4])}
bad = [i for i, r in final.items() if "error" in r or r.get("validation", {}).get("valid") is not True]
assert bad == ["inv-en-01"], bad
assert final["inv-en-01"]["error"]["kind"] == "validation"
for i in sys.argv[5].split():
    assert final[i]["attempts"]["stopped"] == "valid", final[i]
' validated.jsonl "$calls_before" "$calls_after" final.jsonl "inv-ja-02 inv-ja-03 inv-ja-05 inv-en-02"
	# Batch rounds at the batch price, on-demand rounds at the full price.
	python3 -c '
import json, sys
price = json.load(open(sys.argv[3]))["models"]["claude-haiku-4-5"]
def cost(u):
    return (u.get("input_tokens", 0) * price["input"] + u.get("output_tokens", 0) * price["output"]) / 1e6
batch = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[1])}
mixed = 0
for line in open(sys.argv[2]):
    r = json.loads(line)
    if "usage" not in r:
        continue
    b = batch[r["id"]]
    bu = b.get("usage", {})
    on_demand = {k: r["usage"][k] - bu.get(k, 0) for k in ("input_tokens", "output_tokens")}
    expected = b.get("cost_usd", 0) + cost(on_demand)
    assert abs(r["cost_usd"] - expected) < 1e-9, (r["id"], r["cost_usd"], expected)
    mixed += "usage" in b and on_demand["input_tokens"] > 0
assert mixed >= 1, "no record mixes a batch answer and an on-demand one"
' answers.jsonl final.jsonl "$ANN_TOP/share/pricing.json"
	grep -q 'documents: 26 scored' eval.txt
	grep -q 'annotations: 26 records (error records: 1)' eval.txt
	grep -q 'paired: 25' eval.txt
	ann_assert_no_secrets final.jsonl dataset.jsonl validate.log merge.log
}

@test "unmatched and duplicate batch lines are reported" {
	head -n 20 "$requests" >part.jsonl
	# The directory and its file: every line comes twice.
	run --separate-stderr ann-invoke -m "$MODEL" --from-batch "$job" \
		--from-batch "$job/invoices.jsonl.out" <part.jsonl
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >answers.jsonl
	[ "$(wc -l <answers.jsonl)" -eq 20 ]
	lines=$(wc -l <"$job/invoices.jsonl.out")
	extra=$(python3 -c '
import json, sys
want = {json.loads(l)["id"] for l in open(sys.argv[1])}
print(sum(json.loads(l)["recordId"] not in want for l in open(sys.argv[2])))
' part.jsonl "$job/invoices.jsonl.out")
	[ "$extra" -gt 0 ]
	[[ "$stderr" == *"$lines batch output lines repeat an earlier recordId ("* ]]
	[[ "$stderr" == *"$extra batch output lines match no input record: inv-"*"(${job}/invoices.jsonl.out:"* ]]
	# Repeats alone leave the exit status alone.
	run --separate-stderr ann-invoke -m "$MODEL" --from-batch "$job" --from-batch "$job" \
		<"$requests"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"repeat an earlier recordId"* ]]
	[[ "$stderr" != *"match no input record"* ]]
}

@test "answered records alone exit 0" {
	# Only the records the job answered in full, and only their lines.
	python3 -c '
import json, sys
answered = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if r.get("modelOutput", {}).get("stop_reason") == "tool_use":
        answered[r["recordId"]] = line
with open("only.jsonl", "w") as records, open("only.jsonl.out", "w") as out:
    for line in open(sys.argv[1]):
        if json.loads(line)["id"] in answered:
            records.write(line)
            out.write(answered[json.loads(line)["id"]])
' "$requests" "$job/invoices.jsonl.out"
	[ "$(wc -l <only.jsonl)" -ge 15 ]
	run --separate-stderr ann-invoke -m "$MODEL" --from-batch only.jsonl.out <only.jsonl
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '"output":{')" -eq "$(wc -l <only.jsonl)" ]
	[ -z "$stderr" ]
}

@test "bad batch lines name file, line and value" {
	python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
first = json.loads(lines[0])
second = json.loads(lines[1])
second["modelOutput"] = {"content": "not a reply"}
out = [lines[0], "this is not JSON", json.dumps({"modelOutput": {}}), json.dumps(second),
       json.dumps({"recordId": 7, "modelOutput": {}})]
open("bad.jsonl.out", "w").write("\n".join(out) + "\n")
print(second["recordId"])
' "$job/invoices.jsonl.out" >broken-id
	run --separate-stderr ann-invoke -m "$MODEL" --from-batch bad.jsonl.out <"$requests"
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >answers.jsonl
	[ "$(wc -l <answers.jsonl)" -eq 26 ]
	[[ "$stderr" == *"bad.jsonl.out:2: invalid JSON at byte 0: "*": this is not JSON"* ]]
	[[ "$stderr" == *"bad.jsonl.out:3: no recordId member"* ]]
	[[ "$stderr" == *"bad.jsonl.out:5: recordId is not a string: 7"* ]]
	[[ "$stderr" == *"3 batch output lines could not be read and were skipped"* ]]
	error=$(member answers.jsonl error "$(cat broken-id)")
	[[ "$error" == *'"kind": "response"'* ]]
	[[ "$error" == *'bad.jsonl.out:4: modelOutput: reply is not a bedrock-invoke response: {\"content\": \"not a reply\"}'* ]]
}

@test "records from another prompt are not answered" {
	# The same documents with another template: every batch line belongs to another request.
	ann-prompt -s "$ANN_TOP/schemas/invoice.schema.json" -r "$examples" \
		<"$examples/documents.jsonl" >other.jsonl
	run --separate-stderr ann-invoke -m "$MODEL" --from-batch "$job" <other.jsonl
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >answers.jsonl
	[ "$(grep -c '"kind":"unanswered"' answers.jsonl)" -eq 26 ]
	grep -q "the line's modelInput is not this record's request" answers.jsonl
}

@test "job request in doc/batch.md fits the API" {
	# botocore's service model, offline: nothing is sent.
	python3 -c '
import json, re, sys
import botocore.session
from botocore.validate import validate_parameters
doc = open(sys.argv[1], encoding="utf-8").read()
job = json.loads(re.search(r"cat >job.json <<.EOF.\n(.*?)\nEOF\n", doc, re.S).group(1))
model = botocore.session.get_session().get_service_model("bedrock")
validate_parameters(job, model.operation_model("CreateModelInvocationJob").input_shape)
assert job["modelInvocationType"] == "InvokeModel"
states = model.operation_model("GetModelInvocationJob").output_shape.members["status"].enum
ended = re.search(r"\n    (Completed\|[A-Za-z|]+)\)", doc).group(1).split("|")
assert set(ended) <= set(states) and len(ended) == 5, ended
' "$ANN_TOP/doc/batch.md"
}

@test "from-batch rejects options that only calls use" {
	for opt in "-j 4" "--rpm 10" "--tpm 10" "--cache c" "--dry-run" "--max-cost 1" \
		"--region us-east-1" "--endpoint-url http://127.0.0.1:9" "--timeout 5" \
		"--max-attempts 2" "--retry-delay 1" "--profile p" "--rate-group g" \
		"--max-tokens-total 9" "--budget-file b"; do
		# shellcheck disable=SC2086
		run ann-invoke -m "$MODEL" --from-batch "$job" $opt </dev/null
		[ "$status" -eq 2 ]
		name=${opt%% *}
		[ "$name" = -j ] && name=--jobs
		[[ "$output" == *"$name cannot be used with --from-batch, which sends nothing"* ]]
	done
	run ann-invoke -m "$MODEL" -p bedrock --from-batch "$job" </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"--provider must be bedrock-invoke"* ]]
	run ann-invoke -m "$MODEL" --from-batch no-such-dir </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"cannot read batch output no-such-dir: No such file or directory"* ]]
	mkdir empty
	run ann-invoke -m "$MODEL" --from-batch empty </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"no file ending in .jsonl.out in directory empty"* ]]
}

@test "from-batch needs no credentials and sends nothing" {
	use_mock
	ann-invoke -m "$MODEL" --from-batch "$job" <"$requests" >with-credentials.jsonl || true
	calls=$(mock_calls)
	for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do
		unset "$v"
	done
	export AWS_ENDPOINT_URL=http://127.0.0.1:9
	run --separate-stderr ann-invoke -p bedrock-invoke -m "$MODEL" --from-batch "$job" <"$requests"
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >without.jsonl
	cmp with-credentials.jsonl without.jsonl
	[ "$(mock_calls)" -eq "$calls" ]
	[[ "$stderr" != *"credentials"* ]]
}
