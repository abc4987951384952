#!/usr/bin/env bats
# ann-validate end to end: verdicts, routing, records that cannot be
# validated, the summary and the error paths.

load test_helper

setup() {
	_ann_hermetic_env
	cd "$BATS_TEST_TMPDIR" || return 1
	cat >amount.schema.json <<-'EOF'
	{
	  "$schema": "https://json-schema.org/draft/2020-12/schema",
	  "type": "object",
	  "properties": {
	    "total": {"type": "number", "multipleOf": 0.01, "minimum": 0},
	    "rate": {"enum": [8, 10]},
	    "name": {"type": "string", "maxLength": 3},
	    "zip": {"type": "string", "pattern": "^\\d{3}-\\d{4}$"}
	  },
	  "required": ["total"],
	  "additionalProperties": false
	}
	EOF
}

@test "valid and invalid records get a validation member" {
	printf '%s\n' '{"id":"a","output":{"total":1.11,"rate":10}}' \
	    '{"id":"b","output":{"total":"¥12,000"}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s amount.schema.json <in.jsonl
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = '{"id":"a","output":{"total":1.11,"rate":10},"validation":{"valid":true,"errors":[]}}' ]
	abs="file://$(realpath amount.schema.json)#/properties/total/type"
	[ "${lines[1]}" = '{"id":"b","output":{"total":"¥12,000"},"validation":{"valid":false,"errors":[{"instanceLocation":"/total","keywordLocation":"/properties/total/type","absoluteKeywordLocation":"'"$abs"'","error":"must be a number, got string \"¥12,000\""}]}}' ]
	[[ "$stderr" == *"ann-validate: 2 records: 1 valid, 1 invalid, 0 not validated"* ]]
}

@test "numbers, lengths and patterns follow the standard" {
	printf '%s\n' '{"id":"1","output":{"total":19.99,"name":"日本語","zip":"123-4567"}}' \
	    '{"id":"2","output":{"total":1.115}}' \
	    '{"id":"3","output":{"total":1,"name":"日本語x"}}' \
	    '{"id":"4","output":{"total":1,"zip":"１２３-４５６７"}}' \
	    '{"id":"5","output":{"total":1,"rate":10.0}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s amount.schema.json <in.jsonl
	[[ "${lines[0]}" == *'"validation":{"valid":true'* ]]
	[[ "${lines[1]}" == *'"error":"must be a multiple of 0.01, got 1.115"'* ]]
	[[ "${lines[2]}" == *'"error":"must have at most 3 characters, got 4"'* ]]
	[[ "${lines[3]}" == *'"keywordLocation":"/properties/zip/pattern"'* ]]
	[[ "${lines[4]}" == *'"validation":{"valid":true'* ]]
}

@test "records that cannot be validated pass on marked, in order" {
	printf '%s\n' '{"id":"a","output":{"total":1}}' \
	    '{"id":"b","text":"no output yet"}' \
	    '{"id":"c","output":{"total":"x"},"error":{"kind":"throttled","message":"rate exceeded"}}' \
	    '{"output":{"total":1}}' \
	    '[1,2]' \
	    '{"id":"d","output":{"total":2}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s amount.schema.json <in.jsonl
	[ "${#lines[@]}" -eq 6 ]
	[[ "${lines[0]}" == *'"id":"a"'*'"valid":true'* ]]
	[ "${lines[1]}" = '{"id":"b","text":"no output yet","validation":{"valid":null,"errors":[],"reason":"record has no \"output\" member"}}' ]
	[ "${lines[2]}" = '{"id":"c","output":{"total":"x"},"error":{"kind":"throttled","message":"rate exceeded"},"validation":{"valid":null,"errors":[],"reason":"record has an \"error\" from an earlier stage"}}' ]
	[[ "${lines[3]}" == *'"error":{"kind":"invalid","message":"line 4: record has no \"id\" member"'* ]]
	[[ "${lines[4]}" == '{"id":"line:5","error":{"kind":"syntax"'* ]]
	[[ "${lines[5]}" == *'"id":"d"'*'"valid":true'* ]]
	[[ "$stderr" == *"6 records: 2 valid, 0 invalid, 4 not validated"* ]]
}

@test "field takes a member name or a JSON Pointer" {
	printf '%s\n' '{"id":"a","answer":{"fields":{"total":5}}}' \
	    '{"id":"b","answer":{"fields":{"total":-5}}}' \
	    '{"id":"c","answer":{}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s amount.schema.json --field /answer/fields <in.jsonl
	[[ "${lines[0]}" == *'"valid":true'* ]]
	[[ "${lines[1]}" == *'"instanceLocation":"/total","keywordLocation":"/properties/total/minimum"'* ]]
	[[ "${lines[2]}" == *'"valid":null,"errors":[],"reason":"record has no value at /answer/fields"'* ]]
	printf '%s\n' '{"id":"a","fields":{"total":5}}' | ann-validate -s amount.schema.json -f fields >out.jsonl
	grep -q '"valid":true' out.jsonl
}

@test "empty field validates the whole record" {
	schema="$ANN_TOP/schemas/record.schema.json"
	printf '%s\n' '{"id":"a","output":{"total":1},"validation":{"valid":true,"errors":[]}}' \
	    '{"id":17,"output":{}}' \
	    '{"id":"c","validation":{"valid":"yes","errors":[]}}' \
	    '{"id":"d","error":{"kind":"throttled","message":"rate exceeded"}}' >in.jsonl
	run -1 --separate-stderr ann-validate -v --field '' -s "$schema" <in.jsonl
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" == '{"id":"a","output":{"total":1},"validation":{"valid":true,"errors":[]}}' ]]
	[[ "${lines[1]}" == *'"error":{"kind":"invalid","message":"line 2: member \"id\" must be a string, got number 17"'* ]]
	[[ "${lines[1]}" == *'"validation":{"valid":false,"errors":[{"instanceLocation":"/id","keywordLocation":"/properties/id/type"'* ]]
	[[ "${lines[2]}" == '{"id":"c","validation":{"valid":false,"errors":[{"instanceLocation":"/validation/valid"'* ]]
	# An error from an earlier stage is part of the record, so it is checked too.
	[[ "${lines[3]}" == *'"validation":{"valid":true,"errors":[]}}' ]]
	[[ "$stderr" == *'line 2: record is invalid: /id: must be a string, got number 17'* ]]
	[[ "$stderr" == *'line 3: record "c" is invalid: /validation/valid: '*'got string "yes"'* ]]
	[[ "$stderr" == *"4 records: 2 valid, 2 invalid, 0 not validated"* ]]
}

@test "slash field names the member with an empty name" {
	printf '%s\n' '{"id":"a","":{"total":1}}' '{"id":"b","output":{"total":1}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s amount.schema.json -f / <in.jsonl
	[[ "${lines[0]}" == *'"validation":{"valid":true,"errors":[]}}' ]]
	[[ "${lines[1]}" == *'"valid":null,"errors":[],"reason":"record has no \"\" member"'* ]]
}

@test "rejects file takes invalid records, stdout keeps the rest" {
	printf '%s\n' '{"id":"a","output":{"total":1}}' '{"id":"b","output":{"total":"1"}}' \
	    '{"id":"c","text":"x"}' >in.jsonl
	run -1 --separate-stderr ann-validate -s amount.schema.json --rejects bad.jsonl <in.jsonl
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *'"id":"a"'* ]]
	[[ "${lines[1]}" == *'"id":"c"'*'"valid":null'* ]]
	[ "$(wc -l <bad.jsonl)" -eq 1 ]
	grep -q '"id":"b"' bad.jsonl
	assert_jsonl bad.jsonl
}

@test "valid-only and invalid-only filter validated records" {
	printf '%s\n' '{"id":"a","output":{"total":1}}' '{"id":"b","output":{"total":"1"}}' \
	    '{"id":"c","text":"x"}' >in.jsonl
	run -1 --separate-stderr ann-validate -s amount.schema.json --valid-only <in.jsonl
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *'"id":"a"'* && "${lines[1]}" == *'"id":"c"'* ]]
	run -1 --separate-stderr ann-validate -s amount.schema.json --invalid-only <in.jsonl
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *'"id":"b"'* && "${lines[1]}" == *'"id":"c"'* ]]
}

@test "quiet writes nothing and reports by exit status" {
	printf '%s\n' '{"id":"a","output":{"total":1}}' >good.jsonl
	printf '%s\n' '{"id":"b","output":{"total":"1"}}' >bad.jsonl
	run -0 --separate-stderr ann-validate -q -s amount.schema.json <good.jsonl
	[ -z "$output" ] && [ -z "$stderr" ]
	run -1 --separate-stderr ann-validate -q -s amount.schema.json <bad.jsonl
	[ -z "$output" ] && [ -z "$stderr" ]
}

@test "summary lists the most frequent failing locations" {
	for i in 1 2 3; do
		printf '{"id":"r%s","output":{"total":1,"rate":0.1,"extra":1}}\n' "$i"
	done >in.jsonl
	printf '%s\n' '{"id":"r4","output":{"total":"x"}}' >>in.jsonl
	run -1 --separate-stderr ann-validate -s amount.schema.json <in.jsonl
	[[ "$stderr" == *"4 records: 0 valid, 4 invalid, 0 not validated"* ]]
	[[ "$stderr" == *"3  /rate (enum)"* ]]
	[[ "$stderr" == *"3  /extra (additionalProperties)"* ]]
	[[ "$stderr" == *"1  /total (type)"* ]]
}

@test "invalid schema is a usage error naming the location" {
	printf '{"properties":{"a":{"minLength":-1}}}' >bad.schema.json
	run -2 --separate-stderr ann-validate -s bad.schema.json </dev/null
	[[ "$stderr" == *"invalid schema at file://"*"bad.schema.json#/properties/a: minLength must be a non-negative integer"* ]]
	printf '{"$ref":"#"}' >cycle.schema.json
	run -2 --separate-stderr ann-validate -s cycle.schema.json </dev/null
	[[ "$stderr" == *"reference cycle"* ]]
	printf '{"type":' >broken.schema.json
	run -2 --separate-stderr ann-validate -s broken.schema.json </dev/null
	[[ "$stderr" == *"broken.schema.json"* ]]
	run -2 --separate-stderr ann-validate -s missing.schema.json </dev/null
	[[ "$stderr" == *"missing.schema.json"* ]]
}

@test "references resolve from files and schema maps, never the network" {
	mkdir defs
	printf '{"type":"integer","minimum":0}' >defs/count.json
	printf '{"properties":{"n":{"$ref":"defs/count.json"}}}' >rel.schema.json
	printf '{"properties":{"n":{"$ref":"https://schemas.example/ann/count.json"}}}' >mapped.schema.json
	printf '%s\n' '{"id":"a","output":{"n":3}}' '{"id":"b","output":{"n":-3}}' >in.jsonl
	run -1 --separate-stderr ann-validate -s rel.schema.json <in.jsonl
	[[ "${lines[0]}" == *'"valid":true'* && "${lines[1]}" == *'"valid":false'* ]]
	run -1 --separate-stderr ann-validate -s mapped.schema.json --schema-map "https://schemas.example/ann/=$PWD/defs" <in.jsonl
	[[ "${lines[0]}" == *'"valid":true'* && "${lines[1]}" == *'"valid":false'* ]]
	run -2 --separate-stderr ann-validate -s mapped.schema.json <in.jsonl
	[[ "$stderr" == *"https://schemas.example/ann/count.json"*"cannot be resolved"* ]]
	# A referenced file with a syntax error is named with its line and column.
	printf '{"type":"integer",\n"minimum":}' >defs/count.json
	run -2 --separate-stderr ann-validate -s rel.schema.json <in.jsonl
	[[ "$stderr" == *": schema $PWD/defs/count.json:2:11: invalid JSON: expected a JSON value, got '}'" ]]
}

@test "draft-07 schemas validate by option or by \$schema" {
	printf '{"items":[{"type":"string"}],"additionalItems":false}' >d7.schema.json
	printf '%s\n' '{"id":"a","output":["x"]}' '{"id":"b","output":["x",1]}' >in.jsonl
	run -1 --separate-stderr ann-validate -s d7.schema.json --draft 7 <in.jsonl
	[[ "${lines[0]}" == *'"valid":true'* && "${lines[1]}" == *'"valid":false'* ]]
	run -2 --separate-stderr ann-validate -s d7.schema.json --draft 2019 <in.jsonl
	[[ "$stderr" == *"invalid --draft, expected 2020-12 or 7: 2019"* ]]
}

@test "formats are annotations unless --formats is given" {
	printf '{"properties":{"d":{"format":"date"}}}' >date.schema.json
	printf '%s\n' '{"id":"a","output":{"d":"2024/06/01"}}' >in.jsonl
	run -0 --separate-stderr ann-validate -s date.schema.json <in.jsonl
	[[ "${lines[0]}" == *'"valid":true'* ]]
	run -1 --separate-stderr ann-validate -s date.schema.json --formats <in.jsonl
	[[ "${lines[0]}" == *'"error":"must be a valid date, got string \"2024/06/01\""'* ]]
}

@test "usage errors exit 2 with a hint" {
	run -2 --separate-stderr ann-validate </dev/null
	[[ "$stderr" == *"missing --schema"* ]]
	run -2 --separate-stderr ann-validate -s amount.schema.json --schema-map nodir </dev/null
	[[ "$stderr" == *"invalid --schema-map, expected PREFIX=DIR: nodir"* ]]
	run -2 --separate-stderr ann-validate -s amount.schema.json --rejects x --valid-only </dev/null
	[[ "$stderr" == *"--rejects cannot be combined"* ]]
	run -0 ann-validate --help
	[[ "$output" == *"Usage: ann-validate -s <schema.json>"* ]]
}

@test "write failure on stdout is a system error" {
	printf '%s\n' '{"id":"a","output":{"total":1}}' >in.jsonl
	run -3 --separate-stderr sh -c 'ann-validate -s amount.schema.json <in.jsonl >/dev/full'
	[[ "$stderr" == *"ann-validate: "*"write"* ]]
}

@test "verbose names each invalid record with its first error" {
	printf '%s\n' '{"id":"a","output":{"total":1}}' '{"id":"b\nc","output":{"total":"x"}}' >in.jsonl
	run -1 --separate-stderr ann-validate -v -s amount.schema.json <in.jsonl
	[[ "$stderr" == *'line 2: record "b\nc" is invalid: /total: must be a number, got string "x"'* ]]
	[[ "$stderr" != *'record "a"'* ]]
}
