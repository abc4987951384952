#!/usr/bin/env bats
# share/examples/Makefile: shards in parallel, reruns, and no second payment.

load test_helper
load secrets_helper

setup() {
	ann_fake_credentials
	cd "$BATS_TEST_TMPDIR" || return 1
	ann-mock --port 0 --answers "$ANN_TOP/share/examples/invoices/labels.jsonl" \
	    --mistakes 0.2 --seed 5 >mock.url 2>mock.err &
	mock_pid=$!
	local i
	for i in $(seq 50); do
		[ -s mock.url ] && break
		sleep 0.1
	done
	url=$(head -n 1 mock.url)
	[[ "$url" == http://127.0.0.1:* ]]
	export AWS_ENDPOINT_URL_BEDROCK_RUNTIME="$url"
	flow="make -s -f $ANN_TOP/share/examples/Makefile ANN=$ANN_BIN OUT=work SHARDS=3"
}

teardown() {
	kill "$mock_pid" 2>/dev/null || true
	wait "$mock_pid" 2>/dev/null || true
}

calls() {
	curl -s --max-time 5 "$url/_mock/stats" | python3 -c 'import json, sys; print(json.load(sys.stdin)["calls"])'
}

@test "workflow builds the dataset from three shards" {
	run $flow -j3
	[ "$status" -eq 0 ]
	[ "$(wc -l <work/dataset.jsonl)" -eq 26 ]
	[ "$(python3 -c 'import json; print(len({json.loads(l)["id"] for l in open("work/dataset.jsonl")}))')" -eq 26 ]
	total=0
	for k in 1 2 3; do
		total=$((total + $(wc -l <work/requests-$k.jsonl)))
	done
	[ "$total" -eq 26 ]
	grep -q '^documents: 26 scored, 26 exact match' work/eval.txt
}

@test "workflow reruns only what changed, without paying twice" {
	$flow -j3
	before=$(calls)
	run $flow -j3
	[ "$status" -eq 0 ]
	[ "$(calls)" -eq "$before" ]
	# A lost stage output is rebuilt, and the cache answers its requests.
	rm work/final-2.jsonl work/answers-2.jsonl
	run $flow -j3
	[ "$status" -eq 0 ]
	[ -s work/final-2.jsonl ]
	[ "$(calls)" -eq "$before" ]
	[ "$(wc -l <work/dataset.jsonl)" -eq 26 ]
}
