#!/usr/bin/env bats
# The shared record loop end to end, through build/tools/jsonl-cat and real pipes.

load test_helper

@test "leading byte order mark is skipped with one warning" {
	printf '\357\273\277{"id":"r1","text":"a"}\n{"id":"r2","text":"b"}\n' >in.jsonl
	run --separate-stderr jsonl-cat <in.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = '{"id":"r1","text":"a"}
{"id":"r2","text":"b"}' ]
	[ "$stderr" = "jsonl-cat: warning: line 1: skipped a UTF-8 byte order mark" ]
}

@test "byte order mark after line 1 becomes an error record" {
	printf '{"id":"r1"}\n\357\273\277{"id":"r2"}\n' >in.jsonl
	run -1 --separate-stderr jsonl-cat <in.jsonl
	[ "${lines[0]}" = '{"id":"r1"}' ]
	[[ "${lines[1]}" == '{"id":"line:2","error":{"kind":"syntax","message":"invalid JSON at byte 0: expected '"'"'{'"'"' at the start of a record, got byte 0xEF","line":2,"input":"'* ]]
	[[ "$stderr" == *"line 2: invalid JSON at byte 0"* ]]
}

@test "crlf endings and missing final newline keep every record" {
	printf '{"id":"1"}\r\n{"id":"2"}\r\n{"id":"3"}' | jsonl-cat >out.jsonl
	assert_file_equals out.jsonl <<-'EOF'
	{"id":"1"}
	{"id":"2"}
	{"id":"3"}
	EOF
}

@test "crlf split across slow writes yields no phantom record" {
	{ printf '{"id":"1"}\r'; sleep 0.2; printf '\n{"id":"2"}\r\n'; } | jsonl-cat --flush >out.jsonl
	assert_file_equals out.jsonl <<-'EOF'
	{"id":"1"}
	{"id":"2"}
	EOF
}

@test "blank lines are skipped, never records" {
	printf '{"id":"1"}\n\n  \n{"id":"2"}\n' | jsonl-cat >out.jsonl
	[ "$(wc -l <out.jsonl)" -eq 2 ]
	grep -q '"id":"2"' out.jsonl
}

@test "invalid lines become error records in order" {
	printf '%s\n' '{"id":"a"}' '{"id":"b",}' '[1,2]' '{"id":"c"}' '{"id":"d","n":012}' >in.jsonl
	run -1 --separate-stderr jsonl-cat <in.jsonl
	[ "${#lines[@]}" -eq 5 ]
	[ "${lines[0]}" = '{"id":"a"}' ]
	[ "${lines[1]}" = '{"id":"line:2","error":{"kind":"syntax","message":"invalid JSON at byte 10: expected a member name in double quotes, got '"'"'}'"'"'","line":2,"input":"{\"id\":\"b\",}"}}' ]
	[ "${lines[2]}" = '{"id":"line:3","error":{"kind":"syntax","message":"record is not a JSON object","line":3,"input":"[1,2]"}}' ]
	[ "${lines[3]}" = '{"id":"c"}' ]
	[[ "${lines[4]}" == *'"message":"invalid JSON at byte 15: leading zeros are not allowed in numbers, got '"'"'1'"'"'","line":5'* ]]
}

@test "invalid escapes and utf-8 are rejected, not truncated" {
	printf '{"id":"a","t":"\\uX000abc"}\n{"id":"b","t":"a\377b"}\n{"id":"c","t":"\300\257"}\n{"id":"d","t":"a\\u0000b"}\n' >in.jsonl
	run -1 --separate-stderr jsonl-cat <in.jsonl
	[[ "${lines[0]}" == *'"kind":"syntax","message":"invalid JSON at byte 15: \\u must be followed by four hex digits'* ]]
	[[ "${lines[1]}" == *'"input_base64":"eyJpZCI6ImIiLCJ0IjoiYf9iIn0="'* ]]
	[[ "${lines[2]}" == *'invalid UTF-8 in string'* ]]
	[ "${lines[3]}" = '{"id":"d","t":"a\u0000b"}' ]
}

@test "numbers pass through unchanged, overflow is rejected" {
	printf '%s\n' '{"id":"n","v":[9007199254740991, 1234567890123460, 1.7976931348623157e308, -0, 1.0, 0.1, 9007199254740993]}' \
	    '{"id":"o","v":1e400}' >in.jsonl
	run -1 --separate-stderr jsonl-cat --tag 'seen=true' <in.jsonl
	[ "${lines[0]}" = '{"id":"n","v":[9007199254740991, 1234567890123460, 1.7976931348623157e308, -0, 1.0, 0.1, 9007199254740993],"seen":true}' ]
	[[ "${lines[1]}" == *'"message":"invalid JSON at byte 14: number is too large for a double'* ]]
}

@test "distinct large numeric ids are not merged but flagged" {
	printf '%s\n' '{"id":9007199254740992,"label":"A"}' '{"id":9007199254740993,"label":"B"}' >in.jsonl
	run -1 --separate-stderr jsonl-cat <in.jsonl
	[ "${lines[0]}" = '{"id":9007199254740992,"label":"A","error":{"kind":"invalid","message":"line 1: member \"id\" must be a string, got number 9007199254740992","line":1}}' ]
	[ "${lines[1]}" = '{"id":9007199254740993,"label":"B","error":{"kind":"invalid","message":"line 2: member \"id\" must be a string, got number 9007199254740993","line":2}}' ]
}

@test "duplicate top-level member names are rejected" {
	run -1 --separate-stderr jsonl-cat <<<'{"id":"a","id":"b"}'
	[[ "$output" == *'"message":"invalid record at byte 10: duplicate member name \"id\""'* ]]
}

@test "closed downstream pipe ends the command quietly" {
	seq 1 200000 | sed 's/.*/{"id":"&"}/' >in.jsonl
	run --separate-stderr bash -c 'set -o pipefail; jsonl-cat <in.jsonl | head -n 1'
	[ "$status" -eq 0 ]
	[ "$output" = '{"id":"1"}' ]
	[ -z "$stderr" ]
}

@test "write error on full device fails with system status" {
	printf '{"id":"1"}\n' >in.jsonl
	run -3 --separate-stderr bash -c 'jsonl-cat <in.jsonl >/dev/full'
	[[ "$stderr" == "jsonl-cat: write failed: No space left on device" ]]
}

@test "concurrent appenders never splice large records" {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		python3 -c '
import json, sys
n = int(sys.argv[1])
for k in range(20):
    print(json.dumps({"id": "%d-%d" % (n, k), "pad": "x" * 20000}))
' "$i" >"rec$i.jsonl"
	done
	seq 1 8 | xargs -P 8 -I{} sh -c 'jsonl-cat < rec{}.jsonl >> out.jsonl'
	assert_jsonl out.jsonl
	[ "$(wc -l <out.jsonl)" -eq 160 ]
	[ "$(sed 's/.*"id": "\([^"]*\)".*/\1/' out.jsonl | sort -u | wc -l)" -eq 160 ]
}

@test "japanese text passes through byte for byte" {
	printf '%s\n' '{"id":"請求書-001","text":"合計 ４５，０００円（税込）","era":"令和6年"}' >in.jsonl
	jsonl-cat <in.jsonl >out.jsonl
	cmp in.jsonl out.jsonl
}

@test "buffered output is flushed when input runs dry" {
	mkfifo in.fifo
	jsonl-cat <in.fifo >out.jsonl &
	local pid=$!
	exec 7>in.fifo
	printf '{"id":"1"}\n' >&7
	local i
	for i in $(seq 1 50); do
		[ -s out.jsonl ] && break
		sleep 0.1
	done
	[ "$(cat out.jsonl)" = '{"id":"1"}' ]
	exec 7>&-
	wait "$pid"
}

@test "handler can leave a selected record out" {
	printf '%s\n' '{"id":"a"}' '{"id":"b"}' '{"id":"c"}' | jsonl-cat --skip b >out.jsonl
	assert_file_equals out.jsonl <<-'EOF'
	{"id":"a"}
	{"id":"c"}
	EOF
}

@test "every command warns once about a leading byte order mark" {
	bom=$'\357\273\277'
	printf '%s{"id":"r1","text":"a","output":{"n":1},"validation":{"valid":true,"errors":[]}}\n{"id":"r2","text":"b","output":{"n":1}}\n' "$bom" >in.jsonl
	printf '%s{"id":"r1","error":{"kind":"network","message":"earlier"}}\n' "$bom" >failed.jsonl
	tail -n 1 in.jsonl >plain.jsonl
	printf '%s\n' '{"type":"object"}' >schema.json
	local cmd
	for cmd in "ann-prompt -s schema.json" "ann-validate -s schema.json" "ann-retry -- cat" "ann-merge -" "ann-eval - plain.jsonl"; do
		run --separate-stderr $cmd <in.jsonl
		[ "$(grep -c 'byte order mark' <<<"$stderr")" -eq 1 ] || { echo "$cmd: $stderr"; false; }
		[[ "$stderr" == *"warning: "*"line 1: skipped a UTF-8 byte order mark"* ]]
	done
	# The record already failed, so ann-invoke sends nothing to the loopback port.
	AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=example-secret \
	    run --separate-stderr ann-invoke -m m1 --endpoint-url http://127.0.0.1:9 <failed.jsonl
	[ "$stderr" = "ann-invoke: warning: line 1: skipped a UTF-8 byte order mark" ]
	[ "$output" = '{"id":"r1","error":{"kind":"network","message":"earlier"}}' ]
	run --separate-stderr ann-eval in.jsonl in.jsonl
	[ "$(grep -c 'in.jsonl: line 1: skipped a UTF-8 byte order mark' <<<"$stderr")" -eq 2 ]
}

@test "every filter passes numbers through byte for byte" {
	# cJSON would print 9.00719925474099e+15, 1.79769313486232e+308, 0 and 1.
	line='{"id":"n","v":[9007199254740991, 1234567890123460, 1.7976931348623157e308, -0, 1.0, 0.1],"output":{"v":[9007199254740991, -0, 1.0]},"validation":{"valid":true,"errors":[]}}'
	printf '%s\n' '{"type":"object"}' >schema.json
	printf '%s\n' "$line" >in.jsonl
	run -0 --separate-stderr ann-retry -- cat <in.jsonl
	[ "$output" = "$line" ]
	run -0 --separate-stderr ann-validate -s schema.json <in.jsonl
	[ "$output" = "$line" ]
	run -0 --separate-stderr ann-merge in.jsonl
	[ "$output" = "$line" ]
	run -0 --separate-stderr ann-merge --vote in.jsonl in.jsonl
	[[ "$output" == '{"id":"n","v":[9007199254740991, 1234567890123460, 1.7976931348623157e308, -0, 1.0, 0.1],"output":{"v":[9007199254740991, -0, 1.0]},'* ]]
}
