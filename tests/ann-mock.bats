#!/usr/bin/env bats
# ann-mock end to end: each test starts its own server on 127.0.0.1 with
# --port 0, reads the URL from its first stdout line, drives it with curl,
# boto3's bedrock-runtime client or tests/helpers/mock_client.py, and stops
# it in teardown.

load test_helper

CLIENT="$ANN_TOP/tests/helpers/mock_client.py"
FIX="$ANN_TOP/tests/fixtures/ann-mock"
SCHEMA="$FIX/invoice.schema.json"
MODEL_PATH="/model/jp.anthropic.claude-haiku-4-5-20251001-v1%3A0"

setup() {
	_ann_hermetic_env
	cd "$BATS_TEST_TMPDIR" || return 1
	export AWS_ACCESS_KEY_ID=AKIDMOCKTEST0001
	export AWS_SECRET_ACCESS_KEY='mock/Secret+Key/0001'
	export AWS_REGION=ap-northeast-1
	export AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-0001
	export ANTHROPIC_API_KEY=sk-ant-test-0001
	export OPENAI_API_KEY=sk-openai-test-0001
	MOCK_PID=
}

# Stops a server still running; fails when it exited with an error or a
# sanitizer report, so the ASan build checks the server too.
teardown() {
	if [ -n "$MOCK_PID" ]; then
		stop_mock
	fi
}

# Starts ann-mock with the given options; sets MOCK_URL and MOCK_PID.
start_mock() {
	local tries=0
	# The background shell truncates mock.out only when it gets to run, so
	# a file left by an earlier server in this test must go first.
	rm -f mock.out mock.err
	ann-mock --port 0 "$@" >mock.out 2>mock.err 3>&- &
	MOCK_PID=$!
	# Up to 10 s: the machines running the suite can be heavily loaded.
	while [ "$tries" -lt 500 ] && ! grep -q '^http://.*' mock.out 2>/dev/null; do
		kill -0 "$MOCK_PID" 2>/dev/null || break
		sleep 0.02
		tries=$((tries + 1))
	done
	MOCK_URL=$(head -n1 mock.out)
	if [[ "$MOCK_URL" != http://127.0.0.1:* ]]; then
		echo "ann-mock did not start after $tries waits (pid $MOCK_PID" \
		    "$(kill -0 "$MOCK_PID" 2>/dev/null && echo alive || echo gone)): $(cat mock.err)" >&2
		return 1
	fi
}

# Stops the server and waits for it, so its --stats file is complete.
stop_mock() {
	local status=0
	kill -TERM "$MOCK_PID"
	wait "$MOCK_PID" || status=$?
	MOCK_PID=
	if [ "$status" -ne 0 ] || grep -q 'Sanitizer' mock.err; then
		echo "ann-mock exited with status $status: $(cat mock.err)" >&2
		return 1
	fi
}

# Prints the Python expression $1 evaluated with d = the JSON on stdin.
json() {
	python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

# POSTs JSON $2 to path $1 with extra curl arguments; leaves body, headers, status.
post() {
	local path=$1 data=$2
	shift 2
	curl -sS -o body -D headers -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary "$data" "$@" "$MOCK_URL$path" >status
}

header() {
	tr -d '\r' <headers | sed -n "s/^$1: //Ip" | head -n1
}

converse_json='{"messages":[{"role":"user","content":[{"text":"請求書 合計 ¥1,200"}]}]}'
bearer=(-H "Authorization: Bearer bedrock-api-key-0001")

# ---- start, options, stats ----

@test "first stdout line is the 127.0.0.1 base URL" {
	start_mock
	[ "$(wc -l <mock.out)" -eq 1 ]
	port=${MOCK_URL##*:}
	[ "$port" -gt 0 ]
	curl -sS -o /dev/null -w '%{http_code}' "$MOCK_URL/_mock/stats" >code
	[ "$(cat code)" = 200 ]
}

@test "help goes to stdout and exits 0" {
	run --separate-stderr ann-mock --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--faults <spec>"* ]]
	[[ "$output" == *"--fix-rate <p>"* ]]
	[ -z "$stderr" ]
}

@test "bad fault spec is a usage error" {
	run --separate-stderr ann-mock --faults throttle=2
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"invalid --faults, expected a rate from 0 to 1 for throttle: '2'"* ]]
	run --separate-stderr ann-mock --faults sneeze=0.1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"unknown kind 'sneeze'"* ]]
	run --separate-stderr ann-mock --mistakes fenced=0.7,prose=0.7
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"add up to 1.4, more than 1"* ]]
}

@test "keys without region are a usage error" {
	unset AWS_REGION
	run --separate-stderr ann-mock --port 0
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"set --region or AWS_REGION"* ]]
}

@test "bad answers file names the line" {
	printf '{"id":"a","output":{}}\n{"id":"b"}\n' >answers.jsonl
	run --separate-stderr ann-mock --port 0 --answers answers.jsonl
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"answers.jsonl': line 2: expected an object with a string id, an output"* ]]
	run --separate-stderr ann-mock --port 0 --answers missing.jsonl
	[ "$status" -eq 2 ]
	[ "$stderr" = "ann-mock: open answers 'missing.jsonl': No such file or directory" ]
	printf '{"id":"a","output":{}}\n{"id":"b","output":{"total":12,000}}\n' >answers.jsonl
	run --separate-stderr ann-mock --port 0 --answers answers.jsonl
	[ "$status" -eq 2 ]
	[ "$stderr" = "ann-mock: answers file answers.jsonl:2:32: invalid JSON: expected a member name in double quotes, got '0'" ]
}

@test "port in use is a system error" {
	start_mock
	run --separate-stderr ann-mock --port "${MOCK_URL##*:}"
	[ "$status" -eq 3 ]
	[[ "$stderr" == "ann-mock: listen on 127.0.0.1 port ${MOCK_URL##*:} failed"* ]]
}

@test "stats file on SIGTERM matches the stats path" {
	start_mock --stats stats.json
	post "$MODEL_PATH/converse" '{"messages":[{"role":"user","content":[{"text":"a"}]}],"requestMetadata":{"ann_record_id":"r1"}}' "${bearer[@]}"
	post "$MODEL_PATH/converse" '{"messages":[{"role":"user","content":[{"text":"a"}]}],"requestMetadata":{"ann_record_id":"r1"}}' "${bearer[@]}"
	post "$MODEL_PATH/converse" "$converse_json" "${bearer[@]}"
	post "$MODEL_PATH/converse" "$converse_json" -H 'Authorization: Bearer wrong'
	curl -sS "$MOCK_URL/_mock/stats" >live.json
	stop_mock
	[ "$(json 'd["by_record"]["r1"]' <stats.json)" = 2 ]
	[ "$(json 'len(d["by_record"])' <stats.json)" = 2 ]
	[ "$(json 'd["by_status"]["200"]' <stats.json)" = 3 ]
	[ "$(json 'd["by_status"]["403"]' <stats.json)" = 1 ]
	[ "$(json 'd["auth_rejected"]' <stats.json)" = 1 ]
	[ "$(json 'd["tokens"]["input"] > 0 and d["tokens"]["output"] > 0' <stats.json)" = True ]
	[ "$(json 'd["calls"]' <stats.json)" = 3 ]
	python3 -c 'import json, sys; assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))' live.json stats.json
}

# ---- Bedrock paths through boto3 ----

@test "boto3 has Converse in bedrock-runtime" {
	# Converse arrived in botocore 1.34 (2024); Debian 12 ships 1.29, so the
	# boto3 tests need a newer botocore on the python3 in PATH.
	run python3 -c 'import boto3, botocore
c = boto3.client("bedrock-runtime", region_name="ap-northeast-1", endpoint_url="http://127.0.0.1:9")
assert hasattr(c, "converse"), "botocore %s has no bedrock-runtime Converse" % botocore.__version__'
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}

@test "boto3 converse with tool returns a schema-valid answer" {
	start_mock --seed 3
	python3 "$CLIENT" boto converse "$MOCK_URL" --schema "$SCHEMA" --record-id x1 >out.json
	[ "$(json 'd["ok"]' <out.json)" = True ]
	[ "$(json 'd["stopReason"]' <out.json)" = tool_use ]
	[ "$(json 'd["content"][0]["toolUse"]["name"]' <out.json)" = extract_invoice ]
	json 'json.dumps(d["content"][0]["toolUse"]["input"])' <out.json | python3 "$CLIENT" validate "$SCHEMA" >v.json
	[ "$(json 'd["errors"]' <v.json)" = "[]" ]
	[ "$(json 'd["usage"]["totalTokens"] == d["usage"]["inputTokens"] + d["usage"]["outputTokens"]' <out.json)" = True ]
	[[ "$(json 'd["request_id"]' <out.json)" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
}

@test "boto3 invoke_model with an inference profile ARN succeeds" {
	start_mock --seed 3
	python3 "$CLIENT" boto invoke "$MOCK_URL" --model 'arn:aws:bedrock:ap-northeast-1:123456789012:inference-profile/jp.anthropic.claude-haiku-4-5-20251001-v1:0' --schema "$SCHEMA" >out.json
	[ "$(json 'd["ok"]' <out.json)" = True ]
	[ "$(json 'd["body"]["type"]' <out.json)" = message ]
	[ "$(json 'd["body"]["stop_reason"]' <out.json)" = tool_use ]
	[ "$(json 'd["body"]["content"][0]["type"]' <out.json)" = tool_use ]
	[[ "$(json 'd["body"]["id"]' <out.json)" == msg_bdrk_* ]]
	[[ "$(json 'd["body"]["content"][0]["id"]' <out.json)" == toolu_bdrk_* ]]
	[ "$(json 'str(d["body"]["usage"]["input_tokens"]) == d["input_tokens_header"]' <out.json)" = True ]
	curl -sS "$MOCK_URL/_mock/stats" >stats.json
	[ "$(json 'd["by_api"]["invoke"]' <stats.json)" = 1 ]
}

@test "boto3 with a session token is verified" {
	export AWS_SESSION_TOKEN=FwoGZXIvYXdzEXAMPLETOKEN0001
	start_mock
	python3 "$CLIENT" boto converse "$MOCK_URL" >out.json
	[ "$(json 'd["ok"]' <out.json)" = True ]
	[ "$(json 'd["content"][0]["text"]' <out.json)" = "{}" ]
}

@test "converse json mode answers text that parses" {
	start_mock --seed 1
	body=$(python3 -c 'import json,sys; s=open(sys.argv[1]).read(); print(json.dumps({"messages":[{"role":"user","content":[{"text":"x"}]}],"outputConfig":{"textFormat":{"type":"json_schema","structure":{"jsonSchema":{"schema":s,"name":"inv"}}}}}))' "$SCHEMA")
	post "$MODEL_PATH/converse" "$body" "${bearer[@]}"
	[ "$(cat status)" = 200 ]
	[ "$(json 'd["stopReason"]' <body)" = end_turn ]
	json 'd["output"]["message"]["content"][0]["text"]' <body | python3 "$CLIENT" validate "$SCHEMA" >v.json
	[ "$(json 'd["valid"]' <v.json)" = True ]
	[ "$(json 'type(d["metrics"]["latencyMs"]).__name__' <body)" = int ]
}

@test "answer comes from the reference by converse record id" {
	start_mock --answers "$FIX/answers.jsonl"
	python3 "$CLIENT" boto converse "$MOCK_URL" --schema "$SCHEMA" --record-id inv-003 --text unrelated >out.json
	[ "$(json 'd["content"][0]["toolUse"]["input"]["vendor"]' <out.json)" = "有限会社 青葉工業" ]
	[ "$(json 'd["content"][0]["toolUse"]["input"]["total"]' <out.json)" = 3300 ]
}

@test "answer comes from the reference by invoke metadata header" {
	start_mock --answers "$FIX/answers.jsonl"
	python3 "$CLIENT" boto invoke "$MOCK_URL" --schema "$SCHEMA" --record-id inv-002 --text unrelated >out.json
	[ "$(json 'd["body"]["content"][0]["input"]["vendor"]' <out.json)" = "Northwind Supplies" ]
	[ "$(json 'd["body"]["content"][0]["input"]["total"]' <out.json)" = 480.5 ]
}

@test "answer comes from the reference by document text" {
	start_mock --answers "$FIX/answers.jsonl"
	python3 "$CLIENT" boto converse "$MOCK_URL" --schema "$SCHEMA" --text "OCR: Invoice No. B-2002, Northwind" >out.json
	[ "$(json 'd["content"][0]["toolUse"]["input"]["invoice_date"]' <out.json)" = 2024-06-15 ]
	curl -sS "$MOCK_URL/_mock/stats" >stats.json
	[[ "$(json 'list(d["by_record"])[0]' <stats.json)" == text:* ]]
}

@test "synthesised answers depend on the seed only" {
	start_mock --seed 11
	python3 "$CLIENT" replay "$MOCK_URL" "$SCHEMA" --ids 6 --calls 2 --threads 2 >a.json
	stop_mock
	start_mock --seed 11
	python3 "$CLIENT" replay "$MOCK_URL" "$SCHEMA" --ids 6 --calls 2 --threads 3 >b.json
	stop_mock
	start_mock --seed 12
	python3 "$CLIENT" replay "$MOCK_URL" "$SCHEMA" --ids 6 --calls 2 --threads 2 >c.json
	cmp a.json b.json
	! cmp -s a.json c.json
	# Every id gets its own answer, and the same one on its second call.
	[ "$(json 'len(set(d.values()))' <a.json)" = 6 ]
	[ "$(json 'all(d["rec-%03d#0" % i] == d["rec-%03d#1" % i] for i in range(6))' <a.json)" = True ]
	[ "$(json 'all(v.startswith("200 ") for v in d.values())' <a.json)" = True ]
}

# ---- faults as botocore sees them ----

fault_exception() {
	start_mock --faults "$1=1"
	python3 "$CLIENT" boto converse "$MOCK_URL" >out.json
	[ "$(json 'd["ok"]' <out.json)" = False ]
	[ "$(json 'd["exception"]' <out.json)" = "$2" ]
	[ "$(json 'd["status"]' <out.json)" = "$3" ]
	[ -n "$(json 'd["request_id"]' <out.json)" ]
	curl -sS "$MOCK_URL/_mock/stats" >stats.json
	[ "$(json "d['faults']['$1']" <stats.json)" = 1 ]
}

@test "throttle fault raises ThrottlingException" {
	fault_exception throttle ThrottlingException 429
	[ "$(json 'd["message"]' <out.json)" = "Too many requests, please wait before trying again." ]
}

@test "unavailable fault raises ServiceUnavailableException" {
	fault_exception unavailable ServiceUnavailableException 503
}

@test "internal fault raises InternalServerException" {
	fault_exception internal InternalServerException 500
}

@test "timeout fault raises ModelTimeoutException" {
	fault_exception timeout ModelTimeoutException 408
}

@test "reset fault is a closed connection for botocore and curl" {
	start_mock --faults reset=1
	python3 "$CLIENT" boto converse "$MOCK_URL" >out.json
	[ "$(json 'd["exception"]' <out.json)" = ConnectionClosedError ]
	run curl -sS -d "$converse_json" "${bearer[@]}" "$MOCK_URL$MODEL_PATH/converse"
	[ "$status" -eq 56 ]
	[[ "$output" == *"Connection reset by peer"* ]]
}

@test "stall fault is a read timeout" {
	start_mock --faults stall=1 --stall-time 5000
	start=$(date +%s%N)
	python3 "$CLIENT" boto converse "$MOCK_URL" --read-timeout 0.5 >out.json
	elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$(json 'd["exception"]' <out.json)" = ReadTimeoutError ]
	[ "$elapsed_ms" -lt 4000 ]
	curl -sS "$MOCK_URL/_mock/stats" >stats.json
	[ "$(json 'd["faults"]["stall"]' <stats.json)" = 1 ]
}

@test "stalled request ends when the server stops" {
	start_mock --faults stall=1 --stall-time 600000
	curl -sS -m 20 -d "$converse_json" "${bearer[@]}" "$MOCK_URL$MODEL_PATH/converse" >/dev/null 2>curl.err &
	curl_pid=$!
	sleep 0.3
	start=$(date +%s)
	stop_mock
	wait "$curl_pid" || true
	[ $(( $(date +%s) - start )) -lt 5 ]
}

# ---- error shapes per path ----

@test "bedrock error shape carries type header and message body" {
	start_mock --faults throttle=1
	post "$MODEL_PATH/invoke" '{"anthropic_version":"bedrock-2023-05-31","max_tokens":5,"messages":[{"role":"user","content":"x"}]}' "${bearer[@]}"
	[ "$(cat status)" = 429 ]
	[ "$(header x-amzn-ErrorType)" = "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/" ]
	[ "$(header Content-Type)" = application/json ]
	[[ "$(header x-amzn-RequestId)" =~ ^[0-9a-f-]{36}$ ]]
	[ "$(json 'list(d)' <body)" = "['message']" ]
}

@test "invoke body with model key is a ValidationException" {
	start_mock
	post "$MODEL_PATH/invoke" '{"anthropic_version":"bedrock-2023-05-31","model":"x","max_tokens":5,"messages":[{"role":"user","content":"x"}]}' "${bearer[@]}"
	[ "$(cat status)" = 400 ]
	[ "$(header x-amzn-ErrorType)" = "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/" ]
	[[ "$(json 'd["message"]' <body)" == *"extraneous key [model] is not permitted"* ]]
	post "$MODEL_PATH/invoke" '{"max_tokens":5,"messages":[{"role":"user","content":"x"}]}' "${bearer[@]}"
	[ "$(cat status)" = 400 ]
	[[ "$(json 'd["message"]' <body)" == *"anthropic_version"* ]]
	post "$MODEL_PATH/invoke" '{"anthropic_version":"bedrock-2023-05-31","messages":[{"role":"user","content":"x"}]}' "${bearer[@]}"
	[ "$(cat status)" = 400 ]
	[[ "$(json 'd["message"]' <body)" == "max_tokens must be a positive integer" ]]
}

@test "invalid converse bodies are ValidationExceptions" {
	start_mock
	post "$MODEL_PATH/converse" '{"messages":[]}' "${bearer[@]}"
	[ "$(cat status)" = 400 ]
	[ "$(json 'd["message"]' <body)" = "messages must be a non-empty array" ]
	post "$MODEL_PATH/converse" '{"messages":[{"role":"user","content":[{"text":"x"}]}],}' "${bearer[@]}"
	[ "$(cat status)" = 400 ]
	[[ "$(json 'd["message"]' <body)" == "the request body is not valid JSON"* ]]
	post "/model/bad%20id/converse" "$converse_json" "${bearer[@]}"
	[ "$(cat status)" = 400 ]
	[ "$(header x-amzn-ErrorType | cut -d: -f1)" = ValidationException ]
}

@test "unknown operations are 404 UnknownOperationException" {
	start_mock
	post "$MODEL_PATH/converse-stream" "$converse_json" "${bearer[@]}"
	[ "$(cat status)" = 404 ]
	[ "$(header x-amzn-ErrorType | cut -d: -f1)" = UnknownOperationException ]
	curl -sS -o body -w '%{http_code}' "${bearer[@]}" "$MOCK_URL$MODEL_PATH/converse" >status
	[ "$(cat status)" = 404 ]
}

@test "anthropic path answers and errors in its own shape" {
	start_mock --seed 2
	msg='{"model":"claude-haiku-4-5","max_tokens":200,"messages":[{"role":"user","content":"請求書"}],"metadata":{"user_id":"u"}}'
	post /v1/messages "$msg" -H 'x-api-key: sk-ant-test-0001' -H 'anthropic-version: 2023-06-01'
	[ "$(cat status)" = 200 ]
	[ "$(json 'd["model"]' <body)" = claude-haiku-4-5 ]
	[[ "$(json 'd["id"]' <body)" == msg_* ]]
	[[ "$(header request-id)" == req_* ]]
	post /v1/messages "$msg" -H 'x-api-key: sk-ant-wrong' -H 'anthropic-version: 2023-06-01'
	[ "$(cat status)" = 401 ]
	[ "$(json 'd["type"]' <body)" = error ]
	[ "$(json 'd["error"]["type"]' <body)" = authentication_error ]
	[ "$(json 'd["error"]["message"]' <body)" = "invalid x-api-key" ]
	post /v1/messages "$msg" -H 'x-api-key: sk-ant-test-0001'
	[ "$(cat status)" = 400 ]
	[ "$(json 'd["error"]["type"]' <body)" = invalid_request_error ]
}

@test "anthropic path faults use rate_limit and overloaded errors" {
	start_mock --faults throttle=1
	msg='{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}]}'
	post /v1/messages "$msg" -H 'x-api-key: sk-ant-test-0001' -H 'anthropic-version: 2023-06-01'
	[ "$(cat status)" = 429 ]
	[ "$(json 'd["error"]["type"]' <body)" = rate_limit_error ]
	stop_mock
	start_mock --faults unavailable=1
	post /v1/messages "$msg" -H 'x-api-key: sk-ant-test-0001' -H 'anthropic-version: 2023-06-01'
	[ "$(cat status)" = 529 ]
	[ "$(json 'd["error"]["type"]' <body)" = overloaded_error ]
}

@test "openai path answers tool calls and errors in its own shape" {
	start_mock --seed 2
	req=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(json.dumps({"model":"gpt-x","messages":[{"role":"user","content":"invoice"}],"tools":[{"type":"function","function":{"name":"extract_invoice","parameters":s}}],"metadata":{"ann_record_id":"o1"}}))' "$SCHEMA")
	post /v1/chat/completions "$req" -H 'Authorization: Bearer sk-openai-test-0001'
	[ "$(cat status)" = 200 ]
	[ "$(json 'd["object"]' <body)" = chat.completion ]
	[ "$(json 'd["choices"][0]["finish_reason"]' <body)" = tool_calls ]
	json 'd["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]' <body | python3 "$CLIENT" validate "$SCHEMA" >v.json
	[ "$(json 'd["valid"]' <v.json)" = True ]
	curl -sS "$MOCK_URL/_mock/stats" >stats.json
	[ "$(json 'd["by_record"]["o1"]' <stats.json)" = 1 ]
	post /v1/chat/completions "$req" -H 'Authorization: Bearer sk-wrong'
	[ "$(cat status)" = 401 ]
	[ "$(json 'd["error"]["code"]' <body)" = invalid_api_key ]
	[ "$(json 'd["error"]["type"]' <body)" = invalid_request_error ]
	[ "$(json 'd["error"]["param"]' <body)" = None ]
}

# ---- signature and key rejection ----

@test "bad secret is InvalidSignatureException" {
	start_mock
	AWS_SECRET_ACCESS_KEY=not-the-secret python3 "$CLIENT" boto converse "$MOCK_URL" >out.json
	[ "$(json 'd["code"]' <out.json)" = InvalidSignatureException ]
	[ "$(json 'd["status"]' <out.json)" = 403 ]
	! grep -q 'not-the-secret\|mock/Secret' out.json mock.err
}

@test "unknown key is UnrecognizedClientException" {
	start_mock
	AWS_ACCESS_KEY_ID=AKIDSOMEONEELSE python3 "$CLIENT" boto converse "$MOCK_URL" >out.json
	[ "$(json 'd["code"]' <out.json)" = UnrecognizedClientException ]
	[ "$(json 'd["status"]' <out.json)" = 403 ]
}

@test "expired session token is ExpiredTokenException" {
	export AWS_SESSION_TOKEN=FwoGZXIvYXdzEXAMPLETOKEN0001
	start_mock --token-expires -60
	python3 "$CLIENT" boto converse "$MOCK_URL" >out.json
	[ "$(json 'd["code"]' <out.json)" = ExpiredTokenException ]
	[ "$(json 'd["status"]' <out.json)" = 403 ]
	! grep -q FwoGZXIvYXdzEXAMPLETOKEN0001 out.json mock.err
}

@test "wrong session token is UnrecognizedClientException" {
	export AWS_SESSION_TOKEN=FwoGZXIvYXdzEXAMPLETOKEN0001
	start_mock
	AWS_SESSION_TOKEN=other-token python3 "$CLIENT" boto converse "$MOCK_URL" >out.json
	[ "$(json 'd["code"]' <out.json)" = UnrecognizedClientException ]
}

@test "signature for another region is rejected" {
	start_mock --region us-east-1
	python3 "$CLIENT" boto converse "$MOCK_URL" >out.json
	[ "$(json 'd["code"]' <out.json)" = InvalidSignatureException ]
	[[ "$(json 'd["message"]' <out.json)" == *"us-east-1"* ]]
}

@test "malformed authorization is IncompleteSignatureException" {
	start_mock
	post "$MODEL_PATH/converse" "$converse_json" -H 'Authorization: AWS4-HMAC-SHA256 Credential=AKIDMOCKTEST0001' -H 'X-Amz-Date: 20261204T000000Z'
	[ "$(cat status)" = 400 ]
	[ "$(header x-amzn-ErrorType | cut -d: -f1)" = IncompleteSignatureException ]
}

@test "server clock from ANN_SIGNING_TIME rejects skewed signatures" {
	ANN_SIGNING_TIME=20200101T000000Z start_mock
	python3 "$CLIENT" boto converse "$MOCK_URL" >out.json
	[ "$(json 'd["code"]' <out.json)" = InvalidSignatureException ]
	[[ "$(json 'd["message"]' <out.json)" == "signature expired: "*"server time 20200101T000000Z" ]]
}

@test "bedrock bearer token is accepted or rejected" {
	start_mock
	post "$MODEL_PATH/converse" "$converse_json" "${bearer[@]}"
	[ "$(cat status)" = 200 ]
	post "$MODEL_PATH/converse" "$converse_json" -H 'Authorization: Bearer bedrock-api-key-9999'
	[ "$(cat status)" = 403 ]
	[ "$(header x-amzn-ErrorType | cut -d: -f1)" = AccessDeniedException ]
	! grep -q 'bedrock-api-key' body headers mock.err
	post "$MODEL_PATH/converse" "$converse_json"
	[ "$(cat status)" = 403 ]
	[ "$(header x-amzn-ErrorType | cut -d: -f1)" = MissingAuthenticationTokenException ]
}

@test "boto3 sends the bearer token from the environment" {
	start_mock
	AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= python3 "$CLIENT" boto converse "$MOCK_URL" --bearer >out.json
	[ "$(json 'd["ok"]' <out.json)" = True ]
	AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-9999 python3 "$CLIENT" boto converse "$MOCK_URL" --bearer >out.json
	[ "$(json 'd["code"]' <out.json)" = AccessDeniedException ]
}

@test "paths without credentials reject unless --no-auth" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_BEARER_TOKEN_BEDROCK OPENAI_API_KEY
	start_mock
	[[ "$(cat mock.err)" == *"Bedrock requests will be rejected (use --no-auth to accept them)"* ]]
	post "$MODEL_PATH/converse" "$converse_json"
	[ "$(cat status)" = 403 ]
	[[ "$(json 'd["message"]' <body)" == *"start it with --no-auth"* ]]
	post /v1/chat/completions '{"model":"m","messages":[{"role":"user","content":"x"}]}' -H 'Authorization: Bearer anything'
	[ "$(cat status)" = 401 ]
	[[ "$(json 'd["error"]["message"]' <body)" == *"set OPENAI_API_KEY"* ]]
	stop_mock
	start_mock --no-auth
	post "$MODEL_PATH/converse" "$converse_json"
	[ "$(cat status)" = 200 ]
	post /v1/chat/completions '{"model":"m","messages":[{"role":"user","content":"x"}]}'
	[ "$(cat status)" = 200 ]
}

# ---- mistakes, one kind at a time ----

# Starts a server making only mistake kind $1 and asks for record inv-001.
ask_with_mistake() {
	start_mock --answers "$FIX/answers.jsonl" --mistakes "$1=1"
	python3 "$CLIENT" ask "$MOCK_URL" "$SCHEMA" >ans.json
	[ "$(json 'd["status"]' <ans.json)" = 200 ]
	curl -sS "$MOCK_URL/_mock/stats" >stats.json
	[ "$(json "d['mistakes']['$1']" <stats.json)" = 1 ]
}

# Evaluates the Python assertion $1 with a = the answer text and ref = the reference.
check_answer() {
	python3 -c '
import json, re, sys
ans = json.load(open("ans.json"))
a = ans["text"]
ref = {"vendor": "株式会社 山田商事", "invoice_date": "2024-05-01", "total": 12000,
       "currency": "JPY", "items": [{"name": "保守料", "amount": 12000}]}
exec(sys.argv[1])
' "$1"
}

@test "string_number mistake writes a yen amount as a string" {
	ask_with_mistake string_number
	check_answer '
v = json.loads(a)
amounts = [v.get("total"), v["items"][0]["amount"]]
assert "¥12,000" in amounts, amounts
assert 12000 in amounts, amounts'
}

@test "missing_field mistake drops one required member" {
	ask_with_mistake missing_field
	check_answer '
v = json.loads(a)
flat = set(v) | set(v.get("items", [{}])[0])
assert len(flat) == len(set(ref) | set(ref["items"][0])) - 1, flat'
}

@test "extra_field mistake adds a member the schema lacks" {
	ask_with_mistake extra_field
	check_answer '
v = json.loads(a)
extra = set(v) - set(ref)
assert len(extra) == 1, extra
assert {k: v[k] for k in ref} == ref'
}

@test "date_format mistake rewrites the ISO date" {
	ask_with_mistake date_format
	check_answer '
v = json.loads(a)
d = v["invoice_date"]
assert d != "2024-05-01" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", d), d
assert "2024" in d and "5" in d, d'
}

@test "enum_value mistake leaves the enum" {
	ask_with_mistake enum_value
	check_answer '
v = json.loads(a)
assert isinstance(v["currency"], str), v["currency"]
assert v["currency"] not in ("JPY", "USD", "EUR"), v["currency"]'
}

@test "hallucination mistake invents a string not in the document" {
	ask_with_mistake hallucination
	check_answer '
v = json.loads(a)
changed = [x for x in (v["vendor"], v["items"][0]["name"]) if x not in ("株式会社 山田商事", "保守料")]
assert len(changed) == 1, v
doc = "請求書番号 A-1001 株式会社 山田商事 2024年5月1日 合計 12,000円"
assert changed[0] not in doc'
}

@test "fenced mistake wraps the JSON in a code block" {
	ask_with_mistake fenced
	check_answer '
assert a.startswith("```json\n") and a.endswith("\n```"), a
assert json.loads(a[8:-4]) == ref'
}

@test "prose mistake puts a sentence before the JSON" {
	ask_with_mistake prose
	check_answer '
assert not a.startswith("{"), a
assert json.loads(a[a.index("{"):]) == ref'
}

@test "truncated mistake cuts the answer with max_tokens" {
	ask_with_mistake truncated
	[ "$(json 'd["stopReason"]' <ans.json)" = max_tokens ]
	check_answer '
full = json.dumps(ref, ensure_ascii=False, separators=(",", ":"))
assert 0 < len(a) < len(full) and full.startswith(a), a
try:
    json.loads(a)
    raise AssertionError("truncated answer parsed")
except ValueError:
    pass'
}

@test "tool mode prose mistake answers text, not a tool call" {
	start_mock --mistakes prose=1
	python3 "$CLIENT" boto converse "$MOCK_URL" --schema "$SCHEMA" >out.json
	[ "$(json 'd["stopReason"]' <out.json)" = end_turn ]
	[ "$(json 'list(d["content"][0])' <out.json)" = "['text']" ]
}

@test "answer over max_tokens stops at the limit" {
	start_mock --answers "$FIX/answers.jsonl"
	python3 "$CLIENT" boto converse "$MOCK_URL" --record-id inv-001 --max-tokens 3 >out.json
	[ "$(json 'd["stopReason"]' <out.json)" = max_tokens ]
	[ "$(json 'd["usage"]["outputTokens"]' <out.json)" = 3 ]
	[ "$(json 'd["content"][0]["text"]' <out.json)" = '{"vendor":"' ]
}

# ---- re-asks ----

@test "re-asks follow --fix-rate" {
	start_mock --seed 4 --mistakes missing_field=1 --fix-rate 1
	python3 "$CLIENT" reask "$MOCK_URL" "$SCHEMA" --n 20 >fixed.json
	[ "$(json 'd["valid"]' <fixed.json)" = 20 ]
	curl -sS "$MOCK_URL/_mock/stats" >stats.json
	[ "$(json 'd["reasks"]' <stats.json)" = 20 ]
	[ "$(json 'd["reasks_fixed"]' <stats.json)" = 20 ]
	stop_mock
	start_mock --seed 4 --mistakes missing_field=1 --fix-rate 0
	python3 "$CLIENT" reask "$MOCK_URL" "$SCHEMA" --n 20 >unfixed.json
	[ "$(json 'd["valid"]' <unfixed.json)" = 0 ]
}

@test "--reask-marker recognises custom feedback" {
	body='{"messages":[{"role":"user","content":[{"text":"請求書 合計 12,000円"}]},{"role":"assistant","content":[{"text":"{}"}]},{"role":"user","content":[{"text":"FIX THESE: total is missing"}]}],"requestMetadata":{"ann_record_id":"r1"}}'
	start_mock --no-auth --seed 4 --fix-rate 1
	post "$MODEL_PATH/converse" "$body"
	[ "$(cat status)" = 200 ]
	[ "$(curl -sS "$MOCK_URL/_mock/stats" | json 'd["reasks"]')" = 0 ]
	stop_mock
	start_mock --no-auth --seed 4 --fix-rate 1 --reask-marker 'FIX THESE:'
	post "$MODEL_PATH/converse" "$body"
	[ "$(cat status)" = 200 ]
	[ "$(curl -sS "$MOCK_URL/_mock/stats" | json 'd["reasks"]')" = 1 ]
	run -2 ann-mock --reask-marker ''
	[[ "$output" == *"invalid --reask-marker: the text is empty"* ]]
}

# ---- quotas ----

@test "rpm quota throttles past the bucket" {
	start_mock --rpm 60
	python3 "$CLIENT" quota "$MOCK_URL" "$SCHEMA" --n 100 >q.json
	# The bucket holds 60 requests and refills one per second of the run.
	allowed=$(json 'int(60 + d["seconds"])' <q.json)
	ok=$(json 'd["ok"]' <q.json)
	[ "$ok" -ge 60 ]
	[ "$ok" -le "$allowed" ]
	[ "$(json 'd["429 Too many requests, please wait before trying again."]' <q.json)" = $((100 - ok)) ]
	curl -sS "$MOCK_URL/_mock/stats" >stats.json
	[ "$(json 'd["quota"]["rpm"]' <stats.json)" = $((100 - ok)) ]
}

@test "tpm quota charges input plus max tokens" {
	start_mock --tpm 2000
	python3 "$CLIENT" quota "$MOCK_URL" "$SCHEMA" --n 30 --max-tokens 200 >q.json
	ok=$(json 'd["ok"]' <q.json)
	# Each call reserves its input tokens plus maxTokens; the bucket refills
	# 2000 tokens a minute during the run.
	expected=$(json 'int((2000 + 2000 * d["seconds"] / 60) // (d["input_tokens"] + 200))' <q.json)
	[ "$ok" -ge 1 ]
	[ "$ok" -le "$expected" ]
	[ "$ok" -ge $((expected - 1)) ]
	[ "$(json 'd["429 Too many tokens, please wait before trying again."]' <q.json)" = $((30 - ok)) ]
}

# ---- rates, determinism, latency ----

@test "fault and mistake rates over 10000 calls match the settings" {
	start_mock --seed 20261204 --stall-time 1 \
	    --faults throttle=0.05,unavailable=0.03,internal=0.02,timeout=0.01,reset=0.01,stall=0.01 \
	    --mistakes missing_field=0.04,enum_value=0.04,fenced=0.04
	python3 "$CLIENT" load "$MOCK_URL" "$SCHEMA" --n 10000 >load.json
	curl -sS "$MOCK_URL/_mock/stats" >stats.json
	# Each count is binomial(10000, p); the bounds are 4.5 standard
	# deviations, so a correct generator fails one check in about 150000
	# seeds. The seed is fixed, so the counts only move when the
	# generator or the decision order changes.
	python3 - <<-'EOF'
	import json, math
	load = json.load(open("load.json"))
	stats = json.load(open("stats.json"))
	n = 10000
	def near(name, got, p):
	    sd = math.sqrt(n * p * (1 - p))
	    assert abs(got - n * p) <= 4.5 * sd, "%s: %d calls, expected %.0f +- %.0f" % (name, got, n * p, 4.5 * sd)
	near("throttle", load["ThrottlingException"], 0.05)
	near("unavailable", load["ServiceUnavailableException"], 0.03)
	near("internal", load["InternalServerException"], 0.02)
	near("timeout", load["ModelTimeoutException"], 0.01)
	# A client cannot tell a reset from a stall closed after 1 ms: both
	# arrive as a dropped connection, so they are counted together.
	near("reset+stall", load.get("reset", 0) + load.get("closed", 0), 0.02)
	# Mistakes are drawn independently of faults: 12% of answered calls.
	near("invalid", load["invalid"], 0.87 * 0.12)
	assert stats["faults"]["throttle"] == load["ThrottlingException"]
	assert stats["faults"]["timeout"] == load["ModelTimeoutException"]
	dropped = stats["faults"]["reset"] + stats["faults"]["stall"]
	assert dropped == load.get("reset", 0) + load.get("closed", 0), dropped
	near("reset", stats["faults"]["reset"], 0.01)
	near("stall", stats["faults"]["stall"], 0.01)
	made = sum(stats["mistakes"].values())
	assert made == load["invalid"], (made, load["invalid"])
	assert stats["calls"] == n
	assert stats["by_status"]["200"] == load["valid"] + load["invalid"]
	EOF
}

@test "outcomes per record repeat across runs and thread schedules" {
	start_mock --seed 9 --faults throttle=0.2,internal=0.1 --mistakes 0.3 --latency 2
	python3 "$CLIENT" replay "$MOCK_URL" "$SCHEMA" --ids 24 --calls 5 --threads 6 >run1.json
	stop_mock
	start_mock --seed 9 --faults throttle=0.2,internal=0.1 --mistakes 0.3 --latency 2
	python3 "$CLIENT" replay "$MOCK_URL" "$SCHEMA" --ids 24 --calls 5 --threads 3 >run2.json
	stop_mock
	[ "$(json 'len(d)' <run1.json)" = 120 ]
	[ "$(json 'len(set(v[:3] for v in d.values()))' <run1.json)" -ge 3 ]
	cmp run1.json run2.json
}

@test "latency is log-normal around the mean and really waited" {
	start_mock --latency 40
	python3 "$CLIENT" latency "$MOCK_URL" "$SCHEMA" --n 160 >lat.json
	# Sample mean of 160 draws with sd 0.53 * 40 ms: within 8 ms is over 4 sd.
	[ "$(json '32 <= d["mean_ms"] <= 48' <lat.json)" = True ]
	[ "$(json 'd["max_ms"] <= 200 and d["min_ms"] >= 0' <lat.json)" = True ]
	[ "$(json 'd["max_ms"] > d["min_ms"] * 2' <lat.json)" = True ]
	[ "$(json 'd["walls_cover_reported"]' <lat.json)" = True ]
}
