#!/usr/bin/env bats
# ann-retry end to end, with a scripted child standing in for the model.

load test_helper

FIXER="$ANN_TOP/tests/fixtures/ann-retry/fixer.py"

# An invalid record as ann-validate writes it, with a "test" member for the fixer.
invalid() {
	printf '{"id":"%s","text":"合計 ¥12,000","request":{"messages":[{"role":"user","content":[{"type":"text","text":"extract"}]}],"max_tokens":1000},"output":{"total":"¥12,000"},"usage":{"input_tokens":100,"output_tokens":20},"cost_usd":0.25,"validation":{"valid":false,"errors":[{"instanceLocation":"/total","keywordLocation":"/properties/total/type","error":"must be a number, got string \\"¥12,000\\""}]},"test":%s}\n' "$1" "${2:-{\}}"
}

member() {
	python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    rec = json.loads(line)
    if rec["id"] == sys.argv[2]:
        value = rec
        for key in sys.argv[3].split("."):
            value = value[int(key)] if isinstance(value, list) else value.get(key)
        print(json.dumps(value, ensure_ascii=False, sort_keys=True))
' "$@"
}

@test "valid records pass straight through" {
	printf '%s\n' '{"id":"a","n":1.0,"validation":{"valid":true,"errors":[]}}' \
	    '{"id":"b","validation":{"valid":null}}' >in.jsonl
	run --separate-stderr ann-retry -- python3 "$FIXER" <in.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat in.jsonl)" ]
	[[ "$stderr" == *"2 records: 2 needed nothing, 0 re-asked"* ]]
}

@test "invalid answer is fixed on re-ask" {
	invalid r1 >in.jsonl
	run --separate-stderr ann-retry -- python3 "$FIXER" <in.jsonl
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	printf '%s\n' "$output" >out.jsonl
	[ "$(member out.jsonl r1 validation.valid)" = true ]
	[ "$(member out.jsonl r1 attempts.rounds)" = 1 ]
	[ "$(member out.jsonl r1 attempts.stopped)" = '"valid"' ]
	[ "$(member out.jsonl r1 attempts.answer_round)" = 2 ]
	[ "$(member out.jsonl r1 attempts.history.0.errors.0.instanceLocation)" = '"/total"' ]
	[ "$(member out.jsonl r1 attempts.history.1.round)" = 2 ]
	[ "$(member out.jsonl r1 usage.input_tokens)" = 200 ]
	[ "$(member out.jsonl r1 cost_usd)" = 0.5 ]
	# The request written out is the original, not the re-ask.
	[ "$(member out.jsonl r1 request.messages)" = '[{"content": [{"text": "extract", "type": "text"}], "role": "user"}]' ]
	[ "$(member out.jsonl r1 text)" = '"合計 ¥12,000"' ]
}

@test "summed cost is rounded like ann-invoke's, without binary noise" {
	# 0.1 + 0.2 is 0.30000000000000004 in binary; a reader wants 0.3.
	invalid r1 '{"cost":0.2}' | sed 's/"cost_usd":0.25/"cost_usd":0.1/' >in.jsonl
	ann-retry -q -- python3 "$FIXER" <in.jsonl >out.jsonl
	[ "$(member out.jsonl r1 attempts.rounds)" = 1 ]
	grep -q '"cost_usd":0.3[,}]' out.jsonl
}

@test "re-ask carries the answer and the errors" {
	invalid r1 >in.jsonl
	ann-retry -q -- python3 "$FIXER" <in.jsonl >out.jsonl
	feedback=$(member out.jsonl r1 output.feedback)
	[[ "$feedback" == *'- at /total: must be a number, got string \"¥12,000\"'* ]]
	[[ "$feedback" == *'1 problem found'* ]]
	[ "$(member out.jsonl r1 output.turns)" = 1 ]
}

@test "japanese feedback with --lang ja" {
	invalid r1 >in.jsonl
	ann-retry -q --lang ja -- python3 "$FIXER" <in.jsonl >out.jsonl
	[[ "$(member out.jsonl r1 output.feedback)" == *'問題が 1 件あります'* ]]
}

@test "repeated errors stop early" {
	invalid r1 '{"fix_after":9}' >in.jsonl
	run -1 --separate-stderr ann-retry -n 5 -- python3 "$FIXER" <in.jsonl
	printf '%s\n' "$output" >out.jsonl
	[ "$(member out.jsonl r1 attempts.stopped)" = '"repeated_errors"' ]
	[ "$(member out.jsonl r1 attempts.rounds)" = 1 ]
	[ "$(member out.jsonl r1 validation.valid)" = false ]
	[[ "$stderr" == *"1 stopped on repeated errors"* ]]
}

@test "changing errors go round until -n" {
	invalid r1 '{"fix_after":9,"vary":true}' >in.jsonl
	run -1 ann-retry -q -n 3 -- python3 "$FIXER" <in.jsonl
	printf '%s\n' "$output" >out.jsonl
	[ "$(member out.jsonl r1 attempts.stopped)" = '"max_rounds"' ]
	[ "$(member out.jsonl r1 attempts.rounds)" = 3 ]
	[ "$(member out.jsonl r1 output.calls)" = 3 ]
	# Only the last answer goes back, never the whole history.
	[ "$(member out.jsonl r1 output.turns)" = 1 ]
}

@test "transient error is retried with the same request" {
	printf '%s\n' '{"id":"t1","request":{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"max_tokens":1000},"error":{"kind":"throttled","message":"rate exceeded"},"test":{"fix_after":0}}' >in.jsonl
	ann-retry -q -- python3 "$FIXER" <in.jsonl >out.jsonl
	[ "$(member out.jsonl t1 validation.valid)" = true ]
	[ "$(member out.jsonl t1 output.turns)" = 0 ]
	[ "$(member out.jsonl t1 error)" = null ]
}

@test "truncated answer is retried with more tokens, up to the cap" {
	printf '%s\n' '{"id":"t2","request":{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"max_tokens":1000},"error":{"kind":"truncated","message":"cut off at max_tokens"},"test":{"fix_after":0,"fail":"truncated","fail_times":1}}' >in.jsonl
	ann-retry -q --max-tokens-cap 3000 -- python3 "$FIXER" <in.jsonl >out.jsonl
	[ "$(member out.jsonl t2 output.max_tokens)" = 3000 ]
	[ "$(member out.jsonl t2 attempts.rounds)" = 2 ]
	[ "$(member out.jsonl t2 attempts.history.1.error.kind)" = '"truncated"' ]
}

# The input record of scripted tests: round 1 is the invalid answer {"total":"¥12,000"}.
scripted() {
	invalid r1 "{\"script\":$1}"
}

# Checks that r1 in out.jsonl carries round $1's answer, as input or from call $2.
assert_kept_round() {
	[ "$(member out.jsonl r1 attempts.answer_round)" = "$1" ]
	if [ "$2" = input ]; then
		[ "$(member out.jsonl r1 output)" = '{"total": "¥12,000"}' ]
		[[ "$(member out.jsonl r1 validation.errors.0.error)" == *'got string'* ]]
	else
		[ "$(member out.jsonl r1 output.calls)" = "$2" ]
		[[ "$(member out.jsonl r1 validation.errors.0.error)" == *"(call $2)"* ]]
	fi
	[ "$(member out.jsonl r1 validation.valid)" = false ]
	[ "$(member out.jsonl r1 output_text)" = null ]
}

@test "truncated last round keeps the earlier answer" {
	scripted '["invalid","truncated"]' >in.jsonl
	run -1 ann-retry -q -n 2 -- python3 "$FIXER" <in.jsonl
	printf '%s\n' "$output" >out.jsonl
	assert_kept_round 2 1
	[ "$(member out.jsonl r1 error)" = null ]
	[ "$(member out.jsonl r1 stop_reason)" = null ]
	[ "$(member out.jsonl r1 attempts.stopped)" = '"max_rounds"' ]
	[ "$(member out.jsonl r1 attempts.history.2.error.kind)" = '"truncated"' ]
	[ "$(member out.jsonl r1 usage.input_tokens)" = 300 ]
}

@test "schema-valid answer outranks a later invalid one" {
	invalid r1 '{"script":["invalid","truncated"]}' |
	    sed 's|/properties/total/type|/x-ann-rules/sum|' >in.jsonl
	run -1 ann-retry -q -n 2 -- python3 "$FIXER" <in.jsonl
	printf '%s\n' "$output" >out.jsonl
	assert_kept_round 1 input
	[ "$(member out.jsonl r1 validation.errors.0.keywordLocation)" = '"/x-ann-rules/sum"' ]
}

@test "answer without JSON keeps the earlier answer" {
	scripted '["no_json"]' >in.jsonl
	run -1 ann-retry -q -- python3 "$FIXER" <in.jsonl
	printf '%s\n' "$output" >out.jsonl
	assert_kept_round 1 input
	[ "$(member out.jsonl r1 attempts.stopped)" = '"final"' ]
	[ "$(member out.jsonl r1 attempts.history.1.output)" = null ]
}

@test "refusal keeps the earlier answer" {
	scripted '["invalid","refused"]' >in.jsonl
	run -1 ann-retry -q -- python3 "$FIXER" <in.jsonl
	printf '%s\n' "$output" >out.jsonl
	assert_kept_round 2 1
	[ "$(member out.jsonl r1 error)" = null ]
	[ "$(member out.jsonl r1 attempts.stopped)" = '"final"' ]
	[ "$(member out.jsonl r1 attempts.history.2.error.kind)" = '"refused"' ]
}

@test "budget stop keeps the earlier answer" {
	scripted '["truncated"]' >in.jsonl
	run -1 ann-retry -q --max-calls 1 -- python3 "$FIXER" <in.jsonl
	printf '%s\n' "$output" >out.jsonl
	assert_kept_round 1 input
	[ "$(member out.jsonl r1 error)" = null ]
	[ "$(member out.jsonl r1 attempts.stopped)" = '"budget"' ]
}

@test "child crash keeps the best answer" {
	scripted '["invalid","truncated","crash"]' >in.jsonl
	run -3 --separate-stderr ann-retry -q -- python3 "$FIXER" <in.jsonl
	printf '%s\n' "$output" >out.jsonl
	assert_kept_round 2 1
	[ "$(member out.jsonl r1 error.kind)" = '"child"' ]
	[ "$(member out.jsonl r1 attempts.stopped)" = '"child_failed"' ]
}

@test "idle timeout keeps the best answer" {
	scripted '["truncated","silent"]' >in.jsonl
	run -3 --separate-stderr timeout 60 ann-retry -q --idle-timeout 1 -- python3 "$FIXER" <in.jsonl
	printf '%s\n' "$output" >out.jsonl
	assert_kept_round 1 input
	[[ "$(member out.jsonl r1 error.message)" == *"killed by signal 9"* ]]
}

@test "non-retryable errors and refusals pass through" {
	printf '%s\n' '{"id":"v","request":{},"error":{"kind":"validation","message":"bad request","status":400}}' \
	    '{"id":"r","request":{},"error":{"kind":"refused","message":"declined"}}' >in.jsonl
	run -1 ann-retry -q -- python3 "$FIXER" <in.jsonl
	[ "$output" = "$(cat in.jsonl)" ]
}

@test "budget stops further calls" {
	{ invalid a '{"fix_after":2,"vary":true}'; invalid b '{"fix_after":2,"vary":true}'; } >in.jsonl
	run -1 --separate-stderr ann-retry --max-calls 3 -- python3 "$FIXER" <in.jsonl
	[ "${#lines[@]}" -eq 2 ]
	printf '%s\n' "$output" >out.jsonl
	[[ "$stderr" == *"3 sent to the command"* ]]
	[[ "$output" == *'"stopped":"budget"'* ]]
}

@test "child crash loses no record" {
	{ invalid a; invalid b '{"crash_at":true}'; invalid c; printf '%s\n' '{"id":"d","validation":{"valid":true}}'; } >in.jsonl
	run -3 --separate-stderr ann-retry -- python3 "$FIXER" <in.jsonl
	[ "${#lines[@]}" -eq 4 ]
	printf '%s\n' "$output" >out.jsonl
	[ "$(member out.jsonl b error.kind)" = '"child"' ]
	[ "$(member out.jsonl b text)" = '"合計 ¥12,000"' ]
	[ "$(member out.jsonl b attempts.stopped)" = '"child_failed"' ]
	[[ "$(member out.jsonl b error.message)" == *"exited with status 7"* ]]
	[ "$(member out.jsonl d validation.valid)" = true ]
	[ "$(sort -u <(python3 -c 'import json,sys; [print(json.loads(l)["id"]) for l in open("out.jsonl")]') | tr -d '\n')" = abcd ]
	[[ "$stderr" == *"exited with status 7"* ]]
}

@test "record warnings name the line and the quoted id" {
	{ printf '%s\n' '{"id":"b\u001b","validation":{"valid":false,"errors":[]}}'; invalid r1; invalid r1; } >in.jsonl
	run -1 --separate-stderr ann-retry -- python3 "$FIXER" <in.jsonl
	[ "${#lines[@]}" -eq 3 ]
	[[ "$stderr" == *'ann-retry: warning: line 1: record "b?": no "request" member, so it is not re-asked'* ]]
	[[ "$stderr" == *'ann-retry: warning: line 3: record "r1": an earlier record with this id is being re-asked; passed on as it is'* ]]
	[[ "$stderr" != *'error:'* ]]
}

@test "records the child fails get a warning each" {
	{ invalid a '{"crash_at":true}'; invalid b; } >in.jsonl
	run -3 --separate-stderr ann-retry -- python3 "$FIXER" <in.jsonl
	[ "${#lines[@]}" -eq 2 ]
	[[ "$stderr" == *'ann-retry: warning: line 1: record "a": the retry command exited with status 7 before answering this record'* ]]
	[[ "$stderr" == *'ann-retry: warning: line 2: record "b": the retry command '* ]]
	# The run itself failed, so that line alone is an error.
	[[ "$stderr" == *'ann-retry: error: the retry command exited with status 7 with '[12]' record'* ]]
	[ "$(grep -c 'error:' <<<"$stderr")" -eq 1 ]
	run -3 --separate-stderr ann-retry -q -- python3 "$FIXER" <in.jsonl
	[ "$(grep -c 'warning:' <<<"$stderr")" -eq 0 ]
	[ "$(grep -c 'error:' <<<"$stderr")" -eq 1 ]
}

@test "summary counts what could not be re-asked" {
	printf '%s\n' '{"id":"a","validation":{"valid":true,"errors":[]}}' \
	    '{"id":"b","validation":{"valid":false,"errors":[]}}' \
	    '{"id":"c","validation":{"valid":false,"errors":[]}}' \
	    '{"id":"d","validation":{"valid":false,"errors":[]}}' \
	    '{"id":"e","error":{"kind":"refused","message":"declined"}}' \
	    'not json' '{"id":5,"validation":{"valid":false,"errors":[]}}' >in.jsonl
	run -1 --separate-stderr ann-retry -- python3 "$FIXER" <in.jsonl
	[ "${#lines[@]}" -eq 7 ]
	[[ "$stderr" == *'ann-retry: 7 records: 1 needed nothing, 1 with an error that no re-ask fixes, 3 could not be re-asked (no request), 1 could not be re-asked (no string id), 1 line that is not a record, 0 re-asked ('*'); 0 sent to the command' ]]
	# A record without a string id gets an error, as in every other command.
	[ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["error"]["message"])' "${lines[6]}")" = 'line 7: member "id" must be a string, got number 5' ]
	[[ "$stderr" == *'ann-retry: warning: line 7: member "id" must be a string, got number 5'* ]]
}

@test "summary tells held-back records from re-asked ones" {
	{ invalid a; invalid b; } >in.jsonl
	run -1 --separate-stderr ann-retry -n 0 -- python3 "$FIXER" <in.jsonl
	[[ "$stderr" == *'2 records: 0 needed nothing, 0 re-asked (0 now valid, 0 still failing, 0 stopped on repeated errors, 0 by the budget), 2 not re-asked: --rounds is 0; 0 sent to the command' ]]
	run -1 --separate-stderr ann-retry --max-calls 1 -- python3 "$FIXER" <in.jsonl
	[[ "$stderr" == *'2 records: 0 needed nothing, 1 re-asked (1 now valid, 0 still failing, 0 stopped on repeated errors, 0 by the budget), 1 not re-asked: the budget was spent; 1 sent to the command' ]]
}

@test "missing command and bad template are usage errors" {
	run -2 --separate-stderr ann-retry -n 2 </dev/null
	[[ "$stderr" == "ann-retry: missing the command to re-ask with, after --"* ]]
	printf '{{#errors}}oops\n' >bad.mustache
	run -2 --separate-stderr ann-retry --feedback bad.mustache -- cat </dev/null
	[[ "$stderr" == "ann-retry: invalid feedback template:"* ]]
	run -2 --separate-stderr ann-retry -- /nonexistent/child </dev/null
	[[ "$stderr" == *"cannot run /nonexistent/child: No such file or directory"* ]]
}

@test "large records through the child do not deadlock" {
	python3 -c '
import json
pad = "x" * (64 << 20)
print(json.dumps({"id": "big", "pad": pad, "request": {"messages": [], "max_tokens": 10},
    "output": {}, "validation": {"valid": False, "errors": []}}))
print(json.dumps({"id": "small", "validation": {"valid": True}}))
' >in.jsonl
	timeout 120 ann-retry -q -- jsonl-cat --tag 'validation={"valid":true}' <in.jsonl >out.jsonl
	[ "$(wc -l <out.jsonl)" -eq 2 ]
	[ "$(member out.jsonl small validation.valid)" = true ]
	[ "$(member out.jsonl big attempts.stopped)" = '"valid"' ]
	[ "$(member out.jsonl big pad | wc -c)" -eq $(((64 << 20) + 3)) ]
}

@test "every record comes out once in a mixed stream" {
	python3 -c '
import json
for i in range(1000):
    rec = {"id": "r%04d" % i, "request": {"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}], "max_tokens": 100}}
    if i % 3 == 0:
        rec["validation"] = {"valid": False, "errors": [{"instanceLocation": "/a", "keywordLocation": "/x", "error": "bad"}]}
        rec["output"] = {}
        rec["test"] = {"fix_after": i % 4, "vary": True}
    elif i % 7 == 0:
        rec["error"] = {"kind": "network", "message": "reset"}
        rec["test"] = {"fix_after": 0}
    else:
        rec["validation"] = {"valid": True, "errors": []}
    print(json.dumps(rec))
' >in.jsonl
	run -1 --separate-stderr ann-retry -n 2 --max-in-flight 16 -- python3 "$FIXER" <in.jsonl
	printf '%s\n' "$output" >out.jsonl
	[ "$(wc -l <out.jsonl)" -eq 1000 ]
	[ "$(python3 -c 'import json; print(len({json.loads(l)["id"] for l in open("out.jsonl")}))')" -eq 1000 ]
	# fix_after 3 needs three calls, so with -n 2 exactly those stay invalid.
	invalid=$(python3 -c 'import json; print(sum(1 for l in open("out.jsonl") if json.loads(l).get("validation", {}).get("valid") is False))')
	[ "$invalid" -eq "$(python3 -c 'print(sum(1 for i in range(1000) if i % 3 == 0 and i % 4 == 3))')" ]
}

@test "silent child is stopped after the idle timeout" {
	{ invalid a; invalid b; } >in.jsonl
	run -3 --separate-stderr timeout 60 ann-retry --idle-timeout 1 -- sh -c 'cat >/dev/null; sleep 600' <in.jsonl
	[ "${#lines[@]}" -eq 2 ]
	printf '%s\n' "$output" >out.jsonl
	[ "$(member out.jsonl a error.kind)" = '"child"' ]
	[[ "$(member out.jsonl b error.message)" == *"killed by signal 9"* ]]
	[[ "$stderr" == *"returned nothing for 1 s with 2 records inside it"* ]]
}

@test "bad numbers are usage errors" {
	run -2 --separate-stderr ann-retry --max-cost nan -- cat </dev/null
	[[ "$stderr" == "ann-retry: invalid --max-cost, expected USD like 2.50: nan"* ]]
	run -2 --separate-stderr ann-retry -n 101 -- cat </dev/null
	[[ "$stderr" == "ann-retry: invalid --rounds, expected 0 to 100: 101"* ]]
	run -2 --separate-stderr ann-invoke -m m --max-cost nan </dev/null
	[[ "$stderr" == "ann-invoke: invalid --max-cost, expected US dollars: nan"* ]]
	run -2 --separate-stderr ann-mock --port 70000
	[[ "$stderr" == *"70000"* ]]
}

@test "re-ask and history keep the answer's numbers as written" {
	# cJSON alone would print 9.00719925474099e+15 and 1.79769313486232e+308,
	# which reads back as infinity.
	numbers='[9007199254740991, 1234567890123460, 1.7976931348623157e308, -0, 1.0, 0.1]'
	printf '{"id":"n","request":{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"schema":{"maximum":9007199254740991,"multipleOf":0.10},"max_tokens":100},"output":{"v":%s},"validation":{"valid":false,"errors":[{"instanceLocation":"/v","keywordLocation":"/x","error":"bad"}]}}\n' "$numbers" >in.jsonl
	# A reprinted 1.79769313486232e+308 is not JSON, so the answer would never
	# match its record: the idle timeout bounds that wait.
	ann-retry -q --idle-timeout 5 -- sh -c 'tee sent.jsonl | jsonl-cat --tag "validation={\"valid\":true}"' <in.jsonl >out.jsonl
	[ "$(wc -l <sent.jsonl)" -eq 1 ]
	grep -qF '"json":{"v":[9007199254740991,1234567890123460,1.7976931348623157e308,-0,1.0,0.1]}' sent.jsonl
	grep -qF '"schema":{"maximum":9007199254740991,"multipleOf":0.10}' sent.jsonl
	grep -qF '"history":[{"round":1,"output":{"v":[9007199254740991,1234567890123460,1.7976931348623157e308,-0,1.0,0.1]}' out.jsonl
	[ "$(member out.jsonl n attempts.stopped)" = '"valid"' ]
}

@test "truncated answer is re-asked without JSON feedback" {
	printf '%s\n' '{"id":"t","request":{"messages":[{"role":"user","content":[{"type":"text","text":"extract"}]}],"max_tokens":1000},"error":{"kind":"truncated","message":"cut off at max_tokens","max_tokens":1000},"test":{"fix_after":0}}' >in.jsonl
	ann-retry -q -- python3 "$FIXER" <in.jsonl >out.jsonl
	# The same single user turn with a larger limit: no assistant turn, no feedback text.
	[ "$(member out.jsonl t output.turns)" = 0 ]
	[ "$(member out.jsonl t output.feedback)" = '"extract"' ]
	[ "$(member out.jsonl t output.max_tokens)" = 2000 ]
}

@test "re-ask and history keep strings holding U+0000" {
	printf '%s\n' '{"id":"z","request":{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"max_tokens":100},"output":{"v":"a\u0000b"},"validation":{"valid":false,"errors":[{"instanceLocation":"/v","keywordLocation":"/x","error":"bad"}]}}' >in.jsonl
	ann-retry -q --idle-timeout 5 -- sh -c 'tee sent.jsonl | jsonl-cat --tag "validation={\"valid\":true}"' <in.jsonl >out.jsonl
	grep -qF '"json":{"v":"a\u0000b"}' sent.jsonl
	grep -qF '"history":[{"round":1,"output":{"v":"a\u0000b"}' out.jsonl
}

@test "budget file needs max-cost and a readable file" {
	run -2 --separate-stderr ann-retry --budget-file budget -- cat </dev/null
	[[ "$stderr" == "ann-retry: --budget-file needs --max-cost"* ]]
	printf 'garbage\n' >budget
	run -2 --separate-stderr ann-retry --max-cost 1 --budget-file budget -- cat </dev/null
	[[ "$stderr" == "ann-retry: budget file budget line 1: expected \"ann-budget 1\", found \"garbage\";"* ]]
}

@test "spent budget file stops re-asks" {
	{ invalid a; invalid b; } >in.jsonl
	printf 'ann-budget 1\ncost_usd 1.5\ntokens 900\ncalls 3\n' >budget
	run -1 --separate-stderr ann-retry --max-cost 1 --budget-file budget -- python3 "$FIXER" <in.jsonl
	printf '%s\n' "$output" >out.jsonl
	[ "$(member out.jsonl a attempts.stopped)" = '"budget"' ]
	[ "$(member out.jsonl b attempts.stopped)" = '"budget"' ]
	[[ "$stderr" == *"budget file budget already contains 1.500000 USD"* ]]
	[[ "$stderr" == *"0 sent to the command"* ]]
	# ann-retry only reads the file: what the child spends, its ann-invoke adds.
	[ "$(sed -n 's/^cost_usd //p' budget)" = 1.5 ]
}

@test "budget file damaged mid-run stops re-asks" {
	invalid a '{"fix_after":2,"vary":true}' >in.jsonl
	# The child damages the file once it has the first re-ask, so the check
	# before the second one fails.
	run -3 --separate-stderr ann-retry --max-cost 1 --budget-file budget -- sh -c '
		IFS= read -r first
		printf "garbage\n" >budget
		{ printf "%s\n" "$first"; cat; } | python3 "$0"' "$FIXER" <in.jsonl
	[ "${#lines[@]}" -eq 1 ]
	printf '%s\n' "$output" >out.jsonl
	[ "$(member out.jsonl a attempts.rounds)" = 1 ]
	[ "$(member out.jsonl a attempts.stopped)" = '"budget"' ]
	[[ "$stderr" == *"ann-retry: budget file budget line 1: expected"* ]]
}
