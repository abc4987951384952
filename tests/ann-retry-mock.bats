#!/usr/bin/env bats
# ann-retry with the real stages: ann-invoke and ann-validate against
# ann-mock on 127.0.0.1, whose mistake and fix rates predict the outcome.

load test_helper
load secrets_helper

setup() {
	_ann_hermetic_env
	ann_fake_credentials
	cd "$BATS_TEST_TMPDIR" || return 1
	printf '%s\n' '{"type":"object","properties":{"total":{"type":"integer"},"vendor":{"type":"string"},"date":{"type":"string"}},"required":["total","vendor","date"],"additionalProperties":false}' >schema.json
	python3 -c '
for i in range(1, 401):
    print("{\"id\":\"r%03d\",\"text\":\"請求書 %d 株式会社テスト 合計 %d 円\"}" % (i, i, i * 1000))
' >docs.jsonl
	ann-prompt -s schema.json docs.jsonl >requests.jsonl
	mock_pid=
}

teardown() {
	if [ -n "$mock_pid" ]; then
		kill "$mock_pid" 2>/dev/null || true
		wait "$mock_pid" 2>/dev/null || true
	fi
}

start_mock() {
	ann-mock --port 0 --seed 11 "$@" >mock.url 2>mock.err &
	mock_pid=$!
	local i
	for i in $(seq 50); do
		[ -s mock.url ] && break
		sleep 0.1
	done
	url=$(head -n 1 mock.url)
	[[ "$url" == http://127.0.0.1:* ]] || { cat mock.err >&2; return 1; }
	export AWS_ENDPOINT_URL="$url"
}

# Prints how many records of file $1 have validation.valid equal to $2 (true/false).
count_valid() {
	python3 -c '
import json, sys
want = sys.argv[2] == "true"
print(sum(1 for line in open(sys.argv[1]) if json.loads(line).get("validation", {}).get("valid") is want))
' "$1" "$2"
}

# Fails unless |observed - n*p| is within 4.5 binomial standard deviations.
assert_binomial() {
	python3 -c '
import math, sys
observed, n, p = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
mean, sd = n * p, math.sqrt(n * p * (1 - p))
assert abs(observed - mean) <= 4.5 * sd, "observed %d, expected %.1f +- %.1f" % (observed, mean, 4.5 * sd)
' "$@"
}

@test "valid share after a round matches the mock's rates" {
	start_mock --mistakes missing_field=0.3 --fix-rate 0.9
	invoke="ann-invoke -q -m anthropic.claude-3-haiku-20240307-v1:0 -j 16"
	$invoke <requests.jsonl >answers.jsonl
	ann-validate -s schema.json answers.jsonl >validated.jsonl 2>/dev/null || true
	invalid0=$(count_valid validated.jsonl false)
	assert_binomial "$invalid0" 400 0.3

	run --separate-stderr ann-retry -n 1 -- sh -c "$invoke | ann-validate -s schema.json -u 2>/dev/null" <validated.jsonl
	printf '%s\n' "$output" >final.jsonl
	[ "$(wc -l <final.jsonl)" -eq 400 ]
	[ "$(python3 -c 'import json; print(len({json.loads(l)["id"] for l in open("final.jsonl")}))')" -eq 400 ]
	invalid1=$(count_valid final.jsonl false)
	# A re-ask fails with probability 0.1, so invalid1 ~ Binomial(invalid0, 0.1).
	assert_binomial "$invalid1" "$invalid0" 0.1
	[ "$(count_valid final.jsonl true)" -eq $((400 - invalid1)) ]
	# Calls at the mock: one per record, plus one per re-ask, and no more.
	calls=$(curl -s --max-time 5 "$url/_mock/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["calls"])')
	[ "$calls" -eq $((400 + invalid0)) ]
	[[ "$stderr" == *"400 records: $((400 - invalid0)) needed nothing, $invalid0 re-asked"* ]]
}

@test "three rounds leave almost nothing invalid" {
	start_mock --mistakes missing_field=0.3 --fix-rate 0.9
	invoke="ann-invoke -q -m anthropic.claude-3-haiku-20240307-v1:0 -j 16"
	$invoke <requests.jsonl | ann-validate -s schema.json 2>/dev/null |
	    tee validated.jsonl |
	    ann-retry -q -n 3 -- sh -c "$invoke | ann-validate -s schema.json -u 2>/dev/null" >final.jsonl || true
	[ "$(wc -l <final.jsonl)" -eq 400 ]
	invalid0=$(count_valid validated.jsonl false)
	# A re-ask fails with q = 0.1, by leaving out one of the three fields at
	# random, so it repeats the last errors with r = 1/3 and the record stops
	# early. Invalid at the end: q * (r + (1 - r) * q * (r + (1 - r) * q)).
	p=$(python3 -c 'q, r = 0.1, 1 / 3; print(q * (r + (1 - r) * q * (r + (1 - r) * q)))')
	assert_binomial "$(count_valid final.jsonl false)" "$invalid0" "$p"
	[ "$(grep -c '"stopped":"max_rounds"' final.jsonl)" -le 1 ]
}

# Prints $1, a Python expression over the mock's counters d.
mock_stat() {
	curl -s --max-time 5 "$url/_mock/stats" | python3 -c "import json,sys; d = json.load(sys.stdin); print($1)"
}

@test "few-shot first calls are not re-asks" {
	printf '%s\n' '{"input":{"id":"ex1","text":"請求書 0 株式会社見本 合計 500 円"},"output":{"total":500,"vendor":"株式会社見本","date":"2024-01-01"}}' >examples.jsonl
	start_mock --mistakes missing_field=1 --fix-rate 1
	invoke="ann-invoke -q -m anthropic.claude-3-haiku-20240307-v1:0 -j 8"
	for mode in tool structured; do
		# Ten documents for each mode, so every record id is sent once.
		if [ "$mode" = tool ]; then first=1; else first=11; fi
		sed -n "$first,$((first + 9))p" docs.jsonl |
		    ann-prompt -s schema.json -e examples.jsonl --answer "$mode" >"fewshot-$mode.jsonl"
		# The examples are turns before the record's own: a user turn, then the answer.
		[ "$(python3 -c 'import json,sys; print([m["role"] for m in json.loads(open(sys.argv[1]).readline())["request"]["messages"]])' "fewshot-$mode.jsonl")" = "['user', 'assistant', 'user']" ]
	done
	cat fewshot-tool.jsonl fewshot-structured.jsonl | $invoke >answers.jsonl

	# Every first call got the mistake: none was taken for a re-ask and fixed.
	[ "$(mock_stat 'd["reasks"]')" -eq 0 ]
	[ "$(mock_stat 'd["mistakes"]["missing_field"]')" -eq 20 ]
	ann-validate -s schema.json answers.jsonl >validated.jsonl 2>/dev/null || true
	[ "$(count_valid validated.jsonl false)" -eq 20 ]

	# The re-asks that follow are recognised as such, examples and all.
	ann-retry -q -n 1 -- sh -c "$invoke | ann-validate -s schema.json -u 2>/dev/null" \
	    <validated.jsonl >final.jsonl
	[ "$(mock_stat 'd["reasks"]')" -eq 20 ]
	[ "$(mock_stat 'd["reasks_fixed"]')" -eq 20 ]
	[ "$(count_valid final.jsonl true)" -eq 20 ]
}

# Prints the value of line $2 (cost_usd, tokens, calls) of budget file $1.
budget_total() {
	sed -n "s/^$2 //p" "$1"
}

@test "re-asks stop on the shared budget file" {
	start_mock --mistakes missing_field=1 --fix-rate 0
	# The child's ann-invoke adds what each re-ask costs to the file, and
	# has no cap of its own: only ann-retry's check can stop the re-asks.
	invoke="ann-invoke -q -m anthropic.claude-3-haiku-20240307-v1:0 -j 2"
	invoke="$invoke --pricing $ANN_TOP/share/pricing.json --budget-file $BATS_TEST_TMPDIR/budget"
	head -n 20 requests.jsonl | $invoke >answers.jsonl
	ann-validate -s schema.json answers.jsonl >validated.jsonl 2>/dev/null || true
	[ "$(count_valid validated.jsonl false)" -eq 20 ]
	# Room for about four re-asks after the first pass.
	local first cap
	first=$(budget_total budget cost_usd)
	cap=$(python3 -c "print('%.9f' % ($first * 1.2))")

	run -1 --separate-stderr ann-retry -n 1 --max-in-flight 2 --max-cost "$cap" \
	    --budget-file budget -- sh -c "$invoke | ann-validate -s schema.json -u 2>/dev/null" \
	    <validated.jsonl
	printf '%s\n' "$output" >final.jsonl
	[ "$(python3 -c 'import json; print(len({json.loads(l)["id"] for l in open("final.jsonl")}))')" -eq 20 ]
	[ "$(wc -l <final.jsonl)" -eq 20 ]
	local reasks
	reasks=$(mock_stat 'd["reasks"]')
	[ "$reasks" -ge 1 ]
	[ "$reasks" -lt 20 ]
	[ "$(grep -c '"stopped":"budget"' final.jsonl)" -eq $((20 - reasks)) ]
	# The total reached the cap and passed it by at most the two re-asks
	# that --max-in-flight lets be inside the child at once. Every record
	# was asked once or twice, so its cost_usd is the sum of its answers,
	# and the file holds exactly their sum: ann-retry added nothing twice.
	python3 - validated.jsonl final.jsonl budget "$cap" <<'PY'
import json, sys
first = {json.loads(l)["id"]: json.loads(l)["cost_usd"] for l in open(sys.argv[1])}
final = [json.loads(l) for l in open(sys.argv[2])]
total = float(dict(l.split() for l in open(sys.argv[3]).read().splitlines()[1:])["cost_usd"])
cap = float(sys.argv[4])
reask = [r["cost_usd"] - first[r["id"]] for r in final if r.get("attempts", {}).get("rounds")]
assert abs(total - sum(r["cost_usd"] for r in final)) < 1e-9, (total, final)
assert total >= cap, (total, cap)
assert total <= cap + 2 * max(reask), (total, cap, reask)
PY

	# Without the file, the same cap counts only this process's re-asks.
	run -1 --separate-stderr ann-retry -n 1 --max-in-flight 2 --max-cost "$cap" \
	    -- sh -c "$invoke | ann-validate -s schema.json -u 2>/dev/null" <validated.jsonl
	[ "$(mock_stat 'd["reasks"]')" -gt $((2 * reasks)) ]
}
