#!/usr/bin/env bats
# ann-invoke against ann-mock on 127.0.0.1: every provider and answer mode,
# every error kind and its retry decision, order, limits, budgets, the
# cache and a resume after kill -9.

load test_helper
load secrets_helper

setup() {
	_ann_hermetic_env
	ann_fake_credentials
	export ANTHROPIC_API_KEY="sk-ant-fakeANTHROPICSHOULDNEVERAPPEAR"
	export OPENAI_API_KEY="sk-fakeOPENAISHOULDNEVERAPPEAR"
	export ANN_RATE_DIR="$BATS_TEST_TMPDIR"
	unset ANN_PRICING
	cd "$BATS_TEST_TMPDIR" || return 1
	printf '%s\n' '{"type":"object","properties":{"total":{"type":"integer"},"vendor":{"type":"string"}},"required":["total","vendor"]}' >schema.json
	mock_pid=
}

teardown() {
	stop_mock
}

# Starts ann-mock on a free loopback port with the given options and points
# every endpoint setting at it.
start_mock() {
	rm -f mock.url
	ann-mock --port 0 --seed 7 "$@" >mock.url 2>mock.err &
	mock_pid=$!
	local i
	for i in $(seq 50); do
		[ -s mock.url ] && break
		sleep 0.1
	done
	url=$(head -n 1 mock.url)
	[[ "$url" == http://127.0.0.1:* ]] || { cat mock.err >&2; return 1; }
	export AWS_ENDPOINT_URL="$url" ANTHROPIC_BASE_URL="$url" OPENAI_BASE_URL="$url"
}

stop_mock() {
	if [ -n "$mock_pid" ]; then
		kill "$mock_pid" 2>/dev/null || true
		wait "$mock_pid" 2>/dev/null || true
		mock_pid=
	fi
}

# Prints the mock's counter at the Python expression $1 over the stats object s.
mock_stat() {
	curl -s --max-time 5 "$url/_mock/stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))
' "$1"
}

# Prints, for each JSONL line on stdin, the Python expression $1 over the record r.
jget() {
	python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    v = eval(sys.argv[1])
    print(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, separators=(",", ":")))
' "$1"
}

# Writes N request records (ids r1..rN) to requests.jsonl with ann-prompt.
make_requests() {
	local n=$1
	shift
	python3 -c '
import sys
for i in range(1, int(sys.argv[1]) + 1):
    print("{\"id\":\"r%d\",\"text\":\"請求書 %d 株式会社テスト 合計 %d 円\"}" % (i, i, i * 1000))
' "$n" >docs.jsonl
	ann-prompt -s schema.json "$@" docs.jsonl >requests.jsonl
}

@test "bedrock converse tool mode answers every record" {
	start_mock
	make_requests 5
	run --separate-stderr ann-invoke -m jp.anthropic.claude-haiku-4-5-20251001-v1:0 \
		--pricing "$ANN_TOP/share/pricing.json" <requests.jsonl
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >out.jsonl
	assert_jsonl out.jsonl
	[ "$(wc -l <out.jsonl)" -eq 5 ]
	[ "$(jget 'sorted(r["output"].keys())' <out.jsonl | sort -u)" = '["total","vendor"]' ]
	[ "$(jget 'r["stop_reason"]' <out.jsonl | sort -u)" = tool_use ]
	[ "$(jget 'r["model"]' <out.jsonl | sort -u)" = jp.anthropic.claude-haiku-4-5-20251001-v1:0 ]
	[ "$(jget 'r["usage"]["input_tokens"] > 0 and r["usage"]["output_tokens"] > 0' <out.jsonl | sort -u)" = true ]
	[ "$(jget 'r["cost_usd"] > 0' <out.jsonl | sort -u)" = true ]
	[ "$(jget '"latency_ms" in r and "request" in r and "text" in r' <out.jsonl | sort -u)" = true ]
	# The record id travels in requestMetadata, which the mock counts by.
	[ "$(mock_stat 's["by_record"].get("r3")')" = 1 ]
	[ "$(mock_stat 's["by_api"]["converse"]')" = 5 ]
}

@test "every provider and answer mode round-trips" {
	start_mock
	local provider mode api
	for provider in bedrock bedrock-invoke anthropic openai; do
		for mode in tool json structured; do
			make_requests 2 --answer "$mode"
			ann-invoke -p "$provider" -m anthropic.claude-3-haiku-20240307-v1:0 \
				<requests.jsonl >out.jsonl
			[ "$(wc -l <out.jsonl)" -eq 2 ]
			if [ "$mode" = json ]; then
				# The mock answers JSON mode without a schema: an empty object.
				[ "$(jget 'r["output"]' <out.jsonl | sort -u)" = '{}' ]
			else
				[ "$(jget 'sorted(r["output"].keys())' <out.jsonl | sort -u)" = '["total","vendor"]' ]
			fi
			[ "$(jget '"error" in r' <out.jsonl | sort -u)" = false ]
		done
	done
	for api in converse invoke anthropic_messages openai_chat; do
		[ "$(mock_stat "s['by_api']['$api']")" = 6 ]
	done
	# InvokeModel carries the record id in its metadata header.
	[ "$(mock_stat 's["by_record"].get("r1")')" = 6 ]
}

@test "json mode takes JSON from fenced and prose replies" {
	start_mock --mistakes fenced=0.5,prose=0.5
	make_requests 6 --answer structured
	ann-invoke -m m1 <requests.jsonl >out.jsonl
	[ "$(jget 'sorted(r["output"].keys())' <out.jsonl | sort -u)" = '["total","vendor"]' ]
	[ "$(mock_stat 's["mistakes"]["fenced"] + s["mistakes"]["prose"]')" = 6 ]
}

@test "validation error is never retried" {
	start_mock
	make_requests 3
	run --separate-stderr ann-invoke -m 'not a model id' --retry-delay 0.01 <requests.jsonl
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.jsonl
	[ "$(wc -l <out.jsonl)" -eq 3 ]
	[ "$(jget 'r["error"]["kind"]' <out.jsonl | sort -u)" = validation ]
	[ "$(jget 'r["error"]["error_type"]' <out.jsonl | sort -u)" = ValidationException ]
	[ "$(jget 'r["error"]["attempts"]' <out.jsonl | sort -u)" = 1 ]
	[ "$(jget 'r["error"]["status"]' <out.jsonl | sort -u)" = 400 ]
	[ "$(mock_stat 's["by_status"]["400"]')" = 3 ]
}

@test "access and client errors are never retried" {
	start_mock
	make_requests 2
	AWS_SECRET_ACCESS_KEY=wrong-key ann-invoke -m m1 --retry-delay 0.01 <requests.jsonl >out.jsonl || true
	[ "$(jget 'r["error"]["kind"] + " " + str(r["error"]["attempts"])' <out.jsonl | sort -u)" = "access 1" ]
	AWS_ENDPOINT_URL="$url/no-such-prefix" ann-invoke -m m1 --retry-delay 0.01 <requests.jsonl >out.jsonl || true
	[ "$(jget 'r["error"]["kind"] + " " + str(r["error"]["status"]) + " " + str(r["error"]["attempts"])' <out.jsonl | sort -u)" = "client 404 1" ]
	[ "$(mock_stat 's["by_status"]["403"] + s["by_status"]["404"]')" = 4 ]
}

@test "throttling, 5xx, timeouts and resets are retried up to the limit" {
	local fault name kind http
	make_requests 2
	for fault in throttle:throttled:429 unavailable:server:503 internal:server:500 timeout:timeout:408 reset:network:0; do
		IFS=: read -r name kind http <<<"$fault"
		start_mock --faults "$name=1"
		run --separate-stderr ann-invoke -m m1 --max-attempts 3 --retry-delay 0.01 <requests.jsonl
		[ "$status" -eq 1 ]
		printf '%s\n' "$output" >out.jsonl
		[ "$(jget 'r["error"]["kind"]' <out.jsonl | sort -u)" = "$kind" ]
		[ "$(jget 'r["error"]["attempts"]' <out.jsonl | sort -u)" = 3 ]
		[ "$(jget 'r["error"].get("status", 0)' <out.jsonl | sort -u)" = "$http" ]
		[ "$(mock_stat "s['faults']['$name']")" -eq 6 ]
		stop_mock
	done
}

@test "a reset on a reused connection is one counted attempt, not a silent resend" {
	# A reset after earlier replies hits a kept-alive connection, where
	# libcurl would send the request again by itself; every send the mock
	# sees must be an attempt that ann-invoke counts.
	start_mock --faults reset=0.3
	make_requests 40
	run --separate-stderr ann-invoke -m m1 -j 2 --max-attempts 10 --retry-delay 0.001 \
		--stats stats.json <requests.jsonl
	[ "$status" -eq 0 ]
	[ "$(mock_stat 's["faults"]["reset"]')" -gt 0 ]
	[ "$(mock_stat 's["calls"]')" = "$(python3 -c 'import json; print(json.load(open("stats.json"))["requests"])')" ]
	[ "$(mock_stat 's["faults"]["reset"]')" = "$(python3 -c 'import json; print(json.load(open("stats.json"))["retries"])')" ]
}

@test "a stalled reply times out on the client and is retried" {
	start_mock --faults stall=1 --stall-time 5000
	make_requests 1
	run --separate-stderr ann-invoke -m m1 --max-attempts 2 --retry-delay 0.01 --timeout 0.3 <requests.jsonl
	[ "$status" -eq 1 ]
	[ "$(jget 'r["error"]["kind"] + " " + str(r["error"]["attempts"])' <<<"$output")" = "timeout 2" ]
}

@test "an endpoint setting that is set but empty is refused, never replaced by AWS" {
	# A script whose mock failed to start exports an empty URL; falling back
	# to the public endpoint would send the documents to AWS.
	make_requests 1
	run -2 --separate-stderr env AWS_ENDPOINT_URL_BEDROCK_RUNTIME= ann-invoke -m m1 --dry-run <requests.jsonl
	[[ "$stderr" == *"AWS_ENDPOINT_URL_BEDROCK_RUNTIME is set but empty"* ]]
	[ -z "$output" ]
	run -2 --separate-stderr env AWS_ENDPOINT_URL= ann-invoke -m m1 --dry-run <requests.jsonl
	[[ "$stderr" == *"AWS_ENDPOINT_URL is set but empty"* ]]
	run -2 --separate-stderr ann-invoke -m m1 --endpoint-url '' --dry-run <requests.jsonl
	[[ "$stderr" == *"--endpoint-url is set but empty"* ]]
	run -2 --separate-stderr env ANTHROPIC_BASE_URL= ANTHROPIC_API_KEY=k ann-invoke -p anthropic -m m1 \
		--dry-run <requests.jsonl
	[[ "$stderr" == *"ANTHROPIC_BASE_URL is set but empty; unset it to use https://api.anthropic.com"* ]]
	run -2 --separate-stderr env OPENAI_BASE_URL= ann-invoke -p openai -m m1 --dry-run <requests.jsonl
	[[ "$stderr" == *"OPENAI_BASE_URL is set but empty"* ]]
}

@test "pricing table syntax error names line and column" {
	printf '{"models": {\n}\n,}' >pricing.json
	run -2 --separate-stderr ann-invoke -m m1 --pricing pricing.json <<<'{"id":"a"}'
	[ -z "$output" ]
	[[ "$stderr" == "ann-invoke: pricing table pricing.json:3:2: invalid JSON: expected a member name in double quotes, got '}'"* ]]
}

@test "connection refused is a network error" {
	make_requests 1
	# Port 9 (discard) has no listener here; the endpoint is loopback all the same.
	run --separate-stderr ann-invoke -m m1 --endpoint-url http://127.0.0.1:9 --max-attempts 2 \
		--retry-delay 0.01 <requests.jsonl
	[ "$status" -eq 1 ]
	[ "$(jget 'r["error"]["kind"] + " " + str(r["error"]["attempts"])' <<<"$output")" = "network 2" ]
}

@test "reply cut off at max_tokens is a truncated error" {
	start_mock --mistakes truncated=1
	make_requests 2 --max-tokens 300
	run --separate-stderr ann-invoke -m m1 <requests.jsonl
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.jsonl
	[ "$(jget 'r["error"]["kind"]' <out.jsonl | sort -u)" = truncated ]
	[ "$(jget 'r["error"]["max_tokens"]' <out.jsonl | sort -u)" = 300 ]
	[ "$(jget 'r["stop_reason"]' <out.jsonl | sort -u)" = max_tokens ]
	[ "$(jget '"output" in r' <out.jsonl | sort -u)" = false ]
	# One call each: a truncated reply is not retried here.
	[ "$(mock_stat 's["calls"]')" = 2 ]
}

@test "earlier errors pass through and bad records get errors" {
	start_mock
	make_requests 1
	{
		printf '%s\n' '{"id":"e1","error":{"kind":"invalid","message":"from ann-prompt"},"n":1.0}'
		printf '%s\n' '{"id":"n1","text":"no request here"}'
		printf '%s\n' '{"id":"x",}'
		printf '%s\n' '{"text":"no id"}'
		printf '%s\n' '{"id":42,"text":"numeric id"}'
		cat requests.jsonl
		printf '%s\n' '{"id":"q","request":5}'
		printf '%s\n' '{"id":"p","request":{"messages":[{"role":"user","content":[{"type":"bogus"}]}]}}'
	} >mixed.jsonl
	run --separate-stderr ann-invoke -m m1 --keep-order <mixed.jsonl
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.jsonl
	[ "$(wc -l <out.jsonl)" -eq 8 ]
	[ "$(sed -n 7p out.jsonl | jget 'r["error"]["message"]')" = 'request is not an object, got number 5' ]
	[ "$(sed -n 8p out.jsonl | jget 'r["error"]["message"]')" = 'request.messages[0].content[0] is not a valid text, json, image or document part, got object {"type":"bogus"}' ]
	# Byte for byte, 1.0 included.
	[ "$(sed -n 1p out.jsonl)" = '{"id":"e1","error":{"kind":"invalid","message":"from ann-prompt"},"n":1.0}' ]
	[ "$(sed -n 2p out.jsonl | jget 'r["error"]["kind"]')" = invalid ]
	[ "$(sed -n 3p out.jsonl | jget 'r["id"] + " " + r["error"]["kind"]')" = "line:3 syntax" ]
	[ "$(sed -n 4p out.jsonl | jget 'r["error"]["kind"]')" = invalid ]
	[ "$(sed -n 4p out.jsonl | jget 'r["error"]["message"]')" = 'line 4: record has no "id" member' ]
	[ "$(sed -n 5p out.jsonl | jget 'r["error"]["message"]')" = 'line 5: member "id" must be a string, got number 42' ]
	[[ "$stderr" == *'ann-invoke: warning: line 5: member "id" must be a string, got number 42'* ]]
	[ "$(sed -n 6p out.jsonl | jget 'r["id"] + " " + str("output" in r)')" = "r1 True" ]
	[ "$(mock_stat 's["calls"]')" = 1 ]
}

@test "keep-order writes results in input order" {
	start_mock --latency 20
	make_requests 60
	ann-invoke -m m1 -j 16 --keep-order <requests.jsonl >out.jsonl
	jget 'r["id"]' <out.jsonl >ids
	jget 'r["id"]' <requests.jsonl >expected
	diff -u expected ids
	ann-invoke -m m1 -j 16 <requests.jsonl >out2.jsonl
	[ "$(jget 'r["id"]' <out2.jsonl | sort)" = "$(sort expected)" ]
}

@test "rpm limit delays requests beyond the minute's allowance" {
	start_mock
	make_requests 63
	SECONDS=0
	ann-invoke -m m1 -j 8 --rpm 60 <requests.jsonl >out.jsonl
	# 60 go at once, then one a second.
	[ "$SECONDS" -ge 2 ]
	[ "$(wc -l <out.jsonl)" -eq 63 ]
	[ "$(jget '"output" in r' <out.jsonl | sort -u)" = true ]
}

@test "tpm limit holds requests until tokens settle" {
	start_mock --latency 200
	make_requests 4 --max-tokens 1000
	# Each request reserves about 1,000 tokens of the 1,300 a minute, so they
	# go one at a time, each after the previous reply gave back what it
	# did not use.
	ann-invoke -m m1 -j 4 --tpm 1300 --stats limited.json <requests.jsonl >out.jsonl
	[ "$(jget '"output" in r' <out.jsonl | sort -u)" = true ]
	[ "$(jget 'r["rate_wait_s"] > 0.1' <limited.json)" = true ]
	ann-invoke -m m1 -j 4 --stats free.json <requests.jsonl >out.jsonl
	[ "$(jget 'r["rate_wait_s"] == 0' <free.json)" = true ]
}

@test "rate group shares one rpm limit between processes" {
	start_mock
	make_requests 40
	SECONDS=0
	ann-invoke -m m1 --rpm 60 --rate-group g1 <requests.jsonl >a.jsonl &
	local pid=$!
	ann-invoke -m m1 --rpm 60 --rate-group g1 <requests.jsonl >b.jsonl
	wait "$pid"
	# 80 requests against 60 a minute together: the last 20 wait a second each.
	[ "$SECONDS" -ge 15 ]
	[ -e "$ANN_RATE_DIR/ann-rate-g1" ]
	[ "$(cat a.jsonl b.jsonl | wc -l)" -eq 80 ]
}

@test "max-tokens-total stops new requests and reports the rest" {
	start_mock
	make_requests 5
	run --separate-stderr ann-invoke -m m1 -j 1 --max-tokens-total 1 <requests.jsonl
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.jsonl
	[ "$(wc -l <out.jsonl)" -eq 5 ]
	[ "$(jget '"output" in r' <out.jsonl | grep -c true)" -eq 1 ]
	[ "$(jget 'r.get("error", {}).get("kind")' <out.jsonl | grep -c budget)" -eq 4 ]
	[ "$(mock_stat 's["calls"]')" = 1 ]
}

@test "max-cost stops new requests once spent" {
	start_mock
	make_requests 4
	run --separate-stderr ann-invoke -m anthropic.claude-3-haiku-20240307-v1:0 -j 1 \
		--max-cost 0.00000001 --pricing "$ANN_TOP/share/pricing.json" <requests.jsonl
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.jsonl
	[ "$(jget 'r.get("error", {}).get("kind")' <out.jsonl | grep -c budget)" -eq 3 ]
	[ "$(mock_stat 's["calls"]')" = 1 ]
	# Without a price for the model a cost budget cannot work.
	run --separate-stderr ann-invoke -m unknown-model --max-cost 1 \
		--pricing "$ANN_TOP/share/pricing.json" <requests.jsonl
	[ "$status" -eq 2 ]
}

@test "cache answers a rerun without calls" {
	start_mock
	make_requests 10
	ann-invoke -m m1 --cache cache <requests.jsonl >first.jsonl
	[ "$(mock_stat 's["calls"]')" = 10 ]
	ann-invoke -m m1 --cache cache --stats stats.json <requests.jsonl >second.jsonl
	[ "$(mock_stat 's["calls"]')" = 10 ]
	[ "$(jget 'r["cached"]' <stats.json)" = 10 ]
	[ "$(jget 'r["output"]' <first.jsonl | sort)" = "$(jget 'r["output"]' <second.jsonl | sort)" ]
	[ "$(find cache -name '.tmp.*' | wc -l)" -eq 0 ]
}

@test "kill -9 then resume loses nothing and pays only for in-flight calls" {
	start_mock --latency 100
	make_requests 120
	ann-invoke -m m1 -j 8 --cache cache <requests.jsonl >first.jsonl &
	local pid=$! i
	for i in $(seq 100); do
		[ "$(find cache -type f ! -name '.tmp.*' 2>/dev/null | wc -l)" -ge 30 ] && break
		sleep 0.05
	done
	kill -9 "$pid"
	wait "$pid" || true
	local before cached
	before=$(mock_stat 's["calls"]')
	[ "$before" -lt 120 ]
	ann-invoke -m m1 -j 8 --cache cache --stats stats.json <requests.jsonl >second.jsonl
	[ "$(wc -l <second.jsonl)" -eq 120 ]
	[ "$(jget 'r["id"]' <second.jsonl | sort -u | wc -l)" -eq 120 ]
	[ "$(jget '"output" in r' <second.jsonl | sort -u)" = true ]
	cached=$(jget 'r["cached"]' <stats.json)
	[ "$cached" -ge 30 ]
	# Calls paid twice: at most the 8 in flight at the kill.
	[ "$(mock_stat 's["calls"]')" -le $((120 + 8)) ]
	[ "$(mock_stat 's["calls"]')" -eq $((before + 120 - cached)) ]
}

@test "dry run prints signed requests with secrets redacted" {
	start_mock
	make_requests 2
	run --separate-stderr ann-invoke -m jp.anthropic.claude-haiku-4-5-20251001-v1:0 --dry-run <requests.jsonl
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >dry.txt
	grep -q "^POST $url/model/jp.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse HTTP/1.1" dry.txt
	grep -q '^Authorization: AWS4-HMAC-SHA256 Credential=\[redacted\]/[0-9]*/ap-northeast-1/bedrock/aws4_request, SignedHeaders=' dry.txt
	grep -q '^X-Amz-Security-Token: \[redacted\]' dry.txt
	grep -q '"ann_record_id":"r2"' dry.txt
	ann_assert_no_secrets dry.txt
	[ "$(mock_stat 's["calls"]')" = 0 ]
	ANTHROPIC_BASE_URL="$url" run --separate-stderr ann-invoke -p anthropic -m claude-haiku-4-5 --dry-run <requests.jsonl
	grep -q '^x-api-key: \[redacted\]' <<<"$output"
	[[ "$output" != *ANTHROPICSHOULDNEVERAPPEAR* ]]
}

@test "large bodies go without Expect: 100-continue" {
	# A server that never answers Expect: it records the request headers and
	# replies at once. libcurl would otherwise wait a second before sending
	# a body over 1 MiB.
	cat >server.py <<'EOF'
import json, socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
print(s.getsockname()[1], flush=True)
reply = json.dumps({"output": {"message": {"role": "assistant", "content": [{"text": "{\"ok\":1}"}]}},
                    "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
                    "metrics": {"latencyMs": 1}}).encode()
s.settimeout(20)
conn, _ = s.accept()
conn.settimeout(20)
data = b""
while b"\r\n\r\n" not in data:
    data += conn.recv(65536)
head, body = data.split(b"\r\n\r\n", 1)
open("headers.txt", "wb").write(head)
length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
while len(body) < length:
    body += conn.recv(1 << 20)
conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(reply) + reply)
conn.close()
EOF
	python3 server.py >server.port 2>server.err &
	local server=$! i start end
	for i in $(seq 50); do
		[ -s server.port ] && break
		sleep 0.1
	done
	python3 -c 'import json; print(json.dumps({"id": "big", "text": "x" * 1600000}))' >docs.jsonl
	ann-prompt -s schema.json --answer json docs.jsonl >requests.jsonl
	start=$(date +%s%N)
	ann-invoke -m m1 --endpoint-url "http://127.0.0.1:$(cat server.port)" <requests.jsonl >out.jsonl
	end=$(date +%s%N)
	wait "$server"
	[ "$(jget 'r["output"]' <out.jsonl)" = '{"ok":1}' ]
	[ "$(grep -ci '^expect:' headers.txt)" -eq 0 ]
	grep -qi '^content-length: 1[0-9]\{6\}' headers.txt
	[ $(((end - start) / 1000000)) -lt 900 ]
}

@test "secrets never reach output, logs or stats" {
	start_mock --faults throttle=0.3
	make_requests 5
	ann-invoke -m m1 -vv --retry-delay 0.01 --stats stats.json <requests.jsonl >out.jsonl 2>err.txt
	AWS_SECRET_ACCESS_KEY=wrong ann-invoke -m m1 -vv <requests.jsonl >>out.jsonl 2>>err.txt || true
	ann-invoke -p anthropic -m claude -vv <requests.jsonl >>out.jsonl 2>>err.txt || true
	ann_assert_no_secrets out.jsonl err.txt stats.json
	[ "$(cat out.jsonl err.txt stats.json | grep -c SHOULDNEVERAPPEAR)" -eq 0 ]
}

@test "bearer token authenticates bedrock without signing" {
	start_mock
	export AWS_BEARER_TOKEN_BEDROCK="$ANN_FAKE_BEARER_TOKEN"
	stop_mock
	start_mock
	make_requests 2
	run --separate-stderr ann-invoke -m m1 --dry-run <requests.jsonl
	grep -q '^Authorization: Bearer \[redacted\]' <<<"$output"
	[[ "$output" != *X-Amz-Date* ]]
	ann-invoke -m m1 <requests.jsonl >out.jsonl
	[ "$(jget '"output" in r' <out.jsonl | sort -u)" = true ]
}

@test "stats file counts outcomes, retries and latency" {
	start_mock --faults throttle=0.2
	make_requests 30
	ann-invoke -m m1 -j 4 --retry-delay 0.01 --stats stats.json <requests.jsonl >out.jsonl
	[ "$(jget 'r["records"]' <stats.json)" = 30 ]
	[ "$(jget 'r["succeeded"]' <stats.json)" = 30 ]
	[ "$(jget 'r["retries"] > 0 and r["requests"] == 30 + r["retries"]' <stats.json)" = true ]
	[ "$(jget 'r["latency_ms"]["p50"] <= r["latency_ms"]["p95"] <= r["latency_ms"]["p99"]' <stats.json)" = true ]
	[ "$(jget 'r["tokens"]["input"] > 0' <stats.json)" = true ]
}

@test "progress line only on a terminal" {
	start_mock --latency 20
	make_requests 20
	ann-invoke -m m1 -j 2 <requests.jsonl >out.jsonl 2>err.txt
	[ ! -s err.txt ]
	# script(1) gives the command a terminal for its standard error.
	script -qec "ann-invoke -m m1 -j 2 <requests.jsonl >tty-out.jsonl" tty.log </dev/null >/dev/null 2>&1
	grep -q 'ann-invoke: 20 done, 0 in flight, 0 failed' tty.log
	[ "$(wc -l <tty-out.jsonl)" -eq 20 ]
}

@test "attachments given by path are read and encoded" {
	start_mock
	printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00\x90\x91h6' >scan.png
	printf '%s\n' '{"id":"a1","text":"receipt","image":"scan.png"}' >docs.jsonl
	ann-prompt -s schema.json --attach-refs docs.jsonl >requests.jsonl
	[ "$(jget 'r["request"]["messages"][-1]["content"][0]["path"].endswith("/scan.png")' <requests.jsonl)" = true ]
	ann-invoke -m m1 --dry-run <requests.jsonl >dry.txt
	grep -q "\"bytes\":\"$(base64 -w0 scan.png)\"" dry.txt
	ann-invoke -m m1 <requests.jsonl >out.jsonl
	[ "$(jget '"output" in r' <out.jsonl)" = true ]
	rm scan.png
	run --separate-stderr ann-invoke -m m1 <requests.jsonl
	[ "$status" -eq 1 ]
	[ "$(jget 'r["error"]["kind"]' <<<"$output")" = not_found ]
}

@test "usage errors exit 2" {
	run ann-invoke </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"missing --model"* ]]
	run ann-invoke -m m1 -p nosuch </dev/null
	[ "$status" -eq 2 ]
	run ann-invoke -m m1 -j 0 </dev/null
	[ "$status" -eq 2 ]
	unset ANTHROPIC_API_KEY
	run ann-invoke -m m1 -p anthropic </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *ANTHROPIC_API_KEY* ]]
}

@test "faults at -j 32 over 2000 records: all out, 99.9% succeed" {
	start_mock --faults throttle=0.05,unavailable=0.02,reset=0.01,timeout=0.01
	python3 -c '
for i in range(1, 2001):
    print("{\"id\":\"f%d\",\"text\":\"Invoice %d total %d yen\"}" % (i, i, i * 7))
for i in range(1, 21):
    print("{\"id\":\"v%d\",\"text\":\"Invoice v%d\"}" % (i, i))
' >docs.jsonl
	# The v records ask for more output tokens than the service allows: a
	# ValidationException, which must end the record at once.
	ann-prompt -s schema.json docs.jsonl | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r["id"].startswith("v"):
        r["request"]["max_tokens"] = 2000000000
    print(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
' >requests.jsonl
	ann-invoke -m m1 -j 32 --stats stats.json <requests.jsonl >out.jsonl || true
	[ "$(wc -l <out.jsonl)" -eq 2020 ]
	[ "$(jget 'r["id"]' <out.jsonl | sort -u | wc -l)" -eq 2020 ]
	local ok
	ok=$(grep '"id":"f' out.jsonl | jget '"output" in r' | grep -c true)
	[ "$ok" -ge 1998 ]
	[ "$(grep '"id":"v' out.jsonl | jget 'r["error"]["kind"]' | sort -u)" = validation ]
	# Every failed record made exactly the calls it reports, and none after a
	# non-retryable error.
	curl -s "$url/_mock/stats" >mock.json
	python3 - out.jsonl mock.json <<'EOF'
import json, sys
calls = json.load(open(sys.argv[2]))["by_record"]
for line in open(sys.argv[1]):
    r = json.loads(line)
    e = r.get("error")
    if e is None:
        continue
    assert calls.get(r["id"], 0) <= e["attempts"], (r["id"], calls.get(r["id"]), e)
    if e["kind"] == "validation":
        assert e["message"].endswith("(not retryable after %d attempt%s)" % (e["attempts"], "" if e["attempts"] == 1 else "s")), e
EOF
	[ "$(mock_stat 's["faults"]["throttle"] > 50')" = true ]
}

@test "reader going away ends the run quietly" {
	start_mock
	make_requests 200
	run --separate-stderr bash -c 'ann-invoke -m m1 -j 8 <requests.jsonl | head -n 2 >head.jsonl; echo "${PIPESTATUS[0]}"'
	[ "$output" = 0 ]
	[ "$(wc -l <head.jsonl)" -eq 2 ]
	[ -z "$stderr" ]
}

@test "-v names the credential source, never a secret" {
	make_requests 1
	run --separate-stderr ann-invoke -m m1 -v --dry-run <requests.jsonl
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"ann-invoke: credentials from environment (AWS_ACCESS_KEY_ID)"* ]]
	grep -q '^X-Amz-Security-Token: \[redacted\]' <<<"$output"
	printf '%s\n' "$stderr" >err.txt
	ann_assert_no_secrets err.txt
	# A profile's keys never pair with the session token of the environment.
	printf '[ann]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = %s\n' \
	    "$ANN_FAKE_SECRET_ACCESS_KEY" >"$HOME/.aws/credentials"
	run --separate-stderr ann-invoke -m m1 -v --dry-run --profile ann <requests.jsonl
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"ann-invoke: credentials from profile \"ann\" in $HOME/.aws/credentials"* ]]
	[[ "$output" != *X-Amz-Security-Token* ]]
	grep -q 'SignedHeaders=[a-z;-]*' <<<"$output"
	[[ "$output" != *x-amz-security-token* ]]
}

# Starts a loopback HTTP server that answers every POST with status $1,
# body $2 and the header line $3 (optional), and logs each request's
# header block to requests.log. Sets canned_url; stop it with stop_canned
# (a failed test leaves it to the 60-second timeout).
start_canned() {
	cat >canned.py <<'PY'
import http.server, sys
status, body = int(sys.argv[1]), sys.argv[2].encode()
header = sys.argv[3] if len(sys.argv) > 3 else ""
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open("requests.log", "a") as log:
            log.write(str(self.headers) + "----\n")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if header:
            name, value = header.split(": ", 1)
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), H)
print("http://127.0.0.1:%d" % server.server_port, flush=True)
server.serve_forever()
PY
	rm -f canned.url requests.log
	timeout 60 python3 canned.py "$@" >canned.url 3>&- &
	canned_pid=$!
	local i
	for i in $(seq 50); do
		[ -s canned.url ] && break
		sleep 0.1
	done
	canned_url=$(cat canned.url)
	[[ "$canned_url" == http://127.0.0.1:* ]]
}

stop_canned() {
	kill "$canned_pid" 2>/dev/null || true
	wait "$canned_pid" 2>/dev/null || true
}

@test "ValidationException with a type suffix is tried once" {
	make_requests 1
	start_canned 400 '{"message":"Malformed input request: #/messages: expected type: JSONArray"}' \
	    'x-amzn-ErrorType: ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/'
	run --separate-stderr ann-invoke -m m1 --endpoint-url "$canned_url" --max-attempts 5 \
	    --retry-delay 0.01 <requests.jsonl
	stop_canned
	[ "$status" -eq 1 ]
	[ "$(jget 'r["error"]["kind"]' <<<"$output")" = validation ]
	[ "$(jget 'r["error"]["error_type"]' <<<"$output")" = ValidationException ]
	[ "$(jget 'r["error"]["attempts"]' <<<"$output")" = 1 ]
	[[ "$(jget 'r["error"]["message"]' <<<"$output")" == *"Malformed input request: #/messages: expected type: JSONArray"* ]]
	[ "$(grep -c '^----$' requests.log)" -eq 1 ]
}

@test "refusal is a refused record, never validated or re-asked" {
	make_requests 1
	start_canned 200 '{"id":"msg_1","type":"message","role":"assistant","stop_reason":"refusal","content":[{"type":"text","text":"I can'"'"'t help with that document."}],"usage":{"input_tokens":10,"output_tokens":8}}'
	run --separate-stderr ann-invoke -p bedrock-invoke -m m1 --endpoint-url "$canned_url" <requests.jsonl
	stop_canned
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.jsonl
	[ "$(jget 'r["error"]["kind"]' <out.jsonl)" = refused ]
	[ "$(jget 'r["output_text"]' <out.jsonl)" = "I can't help with that document." ]
	[ "$(jget '"output" in r' <out.jsonl)" = false ]
	ann-validate -s schema.json <out.jsonl >validated.jsonl || true
	# Marked not validated, with no schema errors to hide why the model stopped.
	[ "$(jget 'r["validation"]["valid"]' <validated.jsonl)" = null ]
	[ "$(jget 'r["validation"]["errors"]' <validated.jsonl)" = '[]' ]
	run --separate-stderr ann-retry -- sh -c 'cat >/dev/null; exit 7' <validated.jsonl
	[ "$output" = "$(cat validated.jsonl)" ]
	[[ "$stderr" == *"0 sent to the command"* ]]
}

@test "reply cut off at max_tokens is tagged, not a syntax error" {
	make_requests 1 --max-tokens 300
	start_canned 200 '{"id":"msg_1","type":"message","role":"assistant","stop_reason":"max_tokens","content":[{"type":"text","text":"{\"items\":[{\"id\":1,\"label\":\"A\"},{\"id\":2,\"lab"}],"usage":{"input_tokens":10,"output_tokens":300}}'
	run --separate-stderr ann-invoke -p bedrock-invoke -m m1 --endpoint-url "$canned_url" <requests.jsonl
	stop_canned
	[ "$status" -eq 1 ]
	[ "$(jget 'r["error"]["kind"]' <<<"$output")" = truncated ]
	[ "$(jget 'r["error"]["max_tokens"]' <<<"$output")" = 300 ]
	[ "$(jget 'r["stop_reason"]' <<<"$output")" = max_tokens ]
	[ "$(jget 'r["output_text"]' <<<"$output")" = '{"items":[{"id":1,"label":"A"},{"id":2,"lab' ]
	[ "$(jget '"output" in r' <<<"$output")" = false ]
}

@test "only headers ann-invoke controls are signed" {
	make_requests 1
	start_canned 200 '{"output":{"message":{"role":"assistant","content":[{"text":"{\"total\":1,\"vendor\":\"v\"}"}]}},"stopReason":"end_turn","usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2},"metrics":{"latencyMs":1}}'
	ann-invoke -m m1 --endpoint-url "$canned_url" <requests.jsonl >out.jsonl
	ann-invoke -p bedrock-invoke -m m1 --endpoint-url "$canned_url" <requests.jsonl >>out.jsonl || true
	stop_canned
	[ "$(sed -n 's/^Authorization: .*SignedHeaders=\([^,]*\),.*/\1/p' requests.log)" = "accept;content-type;host;x-amz-date;x-amz-security-token
accept;content-type;host;x-amz-date;x-amz-security-token;x-amzn-bedrock-request-metadata" ]
	# Sent, but left out of the signature, since a proxy or libcurl may change them.
	[ "$(grep -c '^User-Agent: ann-invoke/' requests.log)" -eq 2 ]
	[ "$(grep -ci '^expect:' requests.log)" -eq 0 ]
}

@test "libcurl raises no signals: NOSIGNAL on every handle" {
	# A resolver timeout by SIGALRM can jump into the wrong thread. With
	# CURLOPT_NOSIGNAL libcurl sets no alarm and leaves SIGPIPE alone, so
	# only main's one SIG_IGN of SIGPIPE remains; without it libcurl
	# changes SIGPIPE's action around every transfer.
	start_mock
	make_requests 6
	# LeakSanitizer cannot run under ptrace, so a sanitizer build skips it here.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -o trace.txt -e trace=alarm,setitimer,rt_sigaction ann-invoke -m m1 -j 4 \
	    <requests.jsonl >out.jsonl
	[ "$(jget '"output" in r' <out.jsonl | sort -u)" = true ]
	[ "$(grep -c 'rt_sigaction(SIGPIPE' trace.txt)" -eq 1 ]
	[ "$(grep -c 'rt_sigaction(SIGALRM\|alarm(\|setitimer(' trace.txt)" -eq 0 ]
}

# Prints "answered cost max_cost tokens budget_errors other_errors" over the
# JSONL files given: records answered, their summed and largest cost_usd,
# their summed usage tokens, and the records with a budget or another error.
spend_summary() {
	python3 - "$@" <<'PY'
import json, sys
answered = budget = other = tokens = 0
cost = largest = 0.0
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line)
        kind = r.get("error", {}).get("kind")
        if kind == "budget":
            budget += 1
        elif kind is not None:
            other += 1
        else:
            answered += 1
            cost += r["cost_usd"]
            largest = max(largest, r["cost_usd"])
            tokens += sum(r["usage"].values())
print(answered, "%.9f" % cost, "%.9f" % largest, tokens, budget, other)
PY
}

# Prints the value of line $2 (cost_usd, tokens, calls) of budget file $1.
budget_total() {
	sed -n "s/^$2 //p" "$1"
}

# Prints 1 when the Python expression $1 holds, else 0.
holds() {
	python3 -c 'import sys; print(int(bool(eval(sys.argv[1]))))' "$1"
}

@test "budget file caps two processes together" {
	start_mock --latency 50
	make_requests 30
	local model=anthropic.claude-3-haiku-20240307-v1:0 cap=0.0006
	local opts="-m $model -j 2 --max-cost $cap --pricing $ANN_TOP/share/pricing.json"
	# shellcheck disable=SC2086
	ann-invoke $opts --budget-file budget <requests.jsonl >a.jsonl 2>a.err &
	local pid=$!
	local status=0
	# shellcheck disable=SC2086
	ann-invoke $opts --budget-file budget <requests.jsonl >b.jsonl 2>b.err || status=$?
	[ "$status" -eq 1 ]
	wait "$pid" || [ $? -eq 1 ]
	# Every record comes out exactly once from each process.
	[ "$(wc -l <a.jsonl)" -eq 30 ]
	[ "$(wc -l <b.jsonl)" -eq 30 ]
	[ "$(jget 'r["id"]' <a.jsonl | sort -u | wc -l)" -eq 30 ]
	[ "$(jget 'r["id"]' <b.jsonl | sort -u | wc -l)" -eq 30 ]
	local answered cost largest tokens budget other
	read -r answered cost largest tokens budget other < <(spend_summary a.jsonl b.jsonl)
	[ "$other" -eq 0 ]
	[ "$budget" -gt 0 ]
	[ $((answered + budget)) -eq 60 ]
	[ "$(mock_stat 's["calls"]')" = "$answered" ]
	# The pair reached the cap, and overshot it by at most the requests in
	# flight: -j 2 in each of the two processes.
	[ "$(holds "$cost >= $cap")" = 1 ]
	[ "$(holds "$cost <= $cap + 4 * $largest")" = 1 ]
	# The file holds exactly what the records report.
	[ "$(holds "abs($(budget_total budget cost_usd) - $cost) < 1e-9")" = 1 ]
	[ "$(budget_total budget tokens)" = "$tokens" ]
	[ "$(budget_total budget calls)" = "$answered" ]
}

@test "without budget file each process spends its own cap" {
	start_mock --latency 50
	make_requests 30
	local model=anthropic.claude-3-haiku-20240307-v1:0 cap=0.0006
	local opts="-m $model -j 2 --max-cost $cap --pricing $ANN_TOP/share/pricing.json"
	# shellcheck disable=SC2086
	ann-invoke $opts <requests.jsonl >a.jsonl 2>a.err &
	local pid=$!
	local status=0
	# shellcheck disable=SC2086
	ann-invoke $opts <requests.jsonl >b.jsonl 2>b.err || status=$?
	[ "$status" -eq 1 ]
	wait "$pid" || [ $? -eq 1 ]
	local answered cost largest tokens budget other
	read -r answered cost largest tokens budget other < <(spend_summary a.jsonl)
	[ "$(holds "$cost >= $cap")" = 1 ]
	read -r answered cost largest tokens budget other < <(spend_summary b.jsonl)
	[ "$(holds "$cost >= $cap")" = 1 ]
	# Together they pass the bound that a shared budget file keeps.
	read -r answered cost largest tokens budget other < <(spend_summary a.jsonl b.jsonl)
	[ "$(holds "$cost > $cap + 4 * $largest")" = 1 ]
}

@test "budget file carries over to a later job" {
	start_mock
	make_requests 6
	local opts="-m anthropic.claude-3-haiku-20240307-v1:0 -j 1 --max-cost 0.0001"
	opts="$opts --pricing $ANN_TOP/share/pricing.json --budget-file budget"
	# shellcheck disable=SC2086
	run -1 --separate-stderr ann-invoke $opts <requests.jsonl
	local calls
	calls=$(mock_stat 's["calls"]')
	[ "$calls" -ge 1 ]
	[ "$calls" -lt 6 ]
	# The same file again: the budget is already spent, so nothing is sent,
	# and the run says why.
	# shellcheck disable=SC2086
	run -1 --separate-stderr ann-invoke $opts <requests.jsonl
	[ "$(mock_stat 's["calls"]')" = "$calls" ]
	printf '%s\n' "$output" >again.jsonl
	[ "$(jget 'r["error"]["kind"]' <again.jsonl | sort -u)" = budget ]
	[[ "$stderr" == *"budget file budget already contains"*"a new job needs a new budget file"* ]]
	# A new file starts from zero.
	rm budget
	# shellcheck disable=SC2086
	run -1 --separate-stderr ann-invoke $opts <requests.jsonl
	[ "$(mock_stat 's["calls"]')" -gt "$calls" ]
}

@test "corrupt budget file is a usage error" {
	start_mock
	make_requests 3
	printf 'ann-rate 1 0 0 0\n' >budget
	local opts="-m anthropic.claude-3-haiku-20240307-v1:0 --pricing $ANN_TOP/share/pricing.json"
	# shellcheck disable=SC2086
	run -2 --separate-stderr ann-invoke $opts --budget-file budget <requests.jsonl
	[ -z "$output" ]
	[[ "$stderr" == "ann-invoke: budget file budget line 1: expected \"ann-budget 1\", found \"ann-rate 1 0 0 0\";"* ]]
	# shellcheck disable=SC2086
	run -2 --separate-stderr ann-invoke $opts --budget-file "$BATS_TEST_TMPDIR" <requests.jsonl
	[ "$stderr" = "ann-invoke: cannot open budget file $BATS_TEST_TMPDIR: Is a directory" ]
	mkfifo fifo
	# shellcheck disable=SC2086
	run -2 --separate-stderr ann-invoke $opts --budget-file fifo <requests.jsonl
	[ "$stderr" = "ann-invoke: cannot use budget file fifo: not a regular file" ]
	[ "$(mock_stat 's["calls"]')" = 0 ]
}

@test "budget file damaged mid-run stops sending" {
	start_mock --latency 300
	make_requests 6
	ann-invoke -m m1 -j 1 --budget-file budget <requests.jsonl >out.jsonl 2>err.txt &
	local pid=$! i
	for i in $(seq 200); do
		grep -q '^calls 1$' budget 2>/dev/null && break
		sleep 0.02
	done
	printf 'garbage\n' >budget
	local status=0
	wait "$pid" || status=$?
	[ "$status" -eq 3 ]
	# Every record still comes out once; the ones not sent say why.
	[ "$(jget 'r["id"]' <out.jsonl | sort -u | wc -l)" -eq 6 ]
	[ "$(jget 'r.get("error", {}).get("kind", "answered")' <out.jsonl | grep -c budget)" -ge 3 ]
	grep -q '"message":"not sent: budget file budget line 1: expected' out.jsonl
	[ "$(grep -c 'budget file budget line 1' err.txt)" -eq 2 ]
	[ "$(mock_stat 's["calls"]')" -le 3 ]
}
