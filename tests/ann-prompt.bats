#!/usr/bin/env bats
# ann-prompt: templates, requests, attachments and the errors each can raise.

load test_helper

setup() {
	_ann_hermetic_env
	cd "$BATS_TEST_TMPDIR" || return 1
	printf '%s\n' '{"type":"object","properties":{"invoice_number":{"type":"string","description":"Invoice number as printed"},"total":{"type":"number","description":"Total including tax"}},"required":["invoice_number"]}' >schema.json
	schema_json='{"type":"object","properties":{"invoice_number":{"type":"string","description":"Invoice number as printed"},"total":{"type":"number","description":"Total including tax"}},"required":["invoice_number"]}'
}

# Prints, for each JSONL line on stdin, the Python expression $1 over the
# parsed line r: strings as they are, anything else as compact JSON.
jget() {
	python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    v = eval(sys.argv[1])
    print(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, separators=(",", ":")))
' "$1"
}

# Writes a test file: mkfile png|jpeg|gif|webp|webp-lossy|webp-lossless|pdf WIDTH HEIGHT SIZE PATH.
# The image headers are real (the size is read from them); zero bytes pad the
# file to SIZE bytes when SIZE is not 0.
mkfile() {
	python3 - "$@" <<'EOF'
import struct, sys, zlib
kind, w, h, size, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
if kind == "png":
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
elif kind == "jpeg":
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", h, w) + b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    data = b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"
elif kind == "gif":
    data = b"GIF89a" + struct.pack("<HH", w, h) + b"\x00\x00\x00;"
elif kind == "webp":
    body = b"VP8X" + struct.pack("<I", 10) + b"\x00" * 4 + struct.pack("<I", w - 1)[:3] + struct.pack("<I", h - 1)[:3]
    data = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
elif kind == "webp-lossy":
    frame = b"\x00\x00\x00\x9d\x01\x2a" + struct.pack("<HH", w, h)
    body = b"VP8 " + struct.pack("<I", len(frame)) + frame
    data = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
elif kind == "webp-lossless":
    bits = (w - 1) | ((h - 1) << 14)
    frame = b"\x2f" + struct.pack("<I", bits)
    body = b"VP8L" + struct.pack("<I", len(frame)) + frame
    data = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
elif kind == "pdf":
    data = b"%PDF-1.7\n%%EOF\n"
else:
    sys.exit("unknown kind " + kind)
if size:
    data += b"\0" * (size - len(data))
open(path, "wb").write(data)
EOF
}

@test "default English template builds a tool request" {
	run -0 ann-prompt -s schema.json <<<'{"id":"inv-1","text":"Invoice 42\nTotal 1,100"}'
	[ "$output" = '{"id":"inv-1","text":"Invoice 42\nTotal 1,100","request":{"system":"You extract data from business documents such as invoices and receipts.\nReport only what the document states, and never guess. When the document has\nno value for a field, use null if the schema allows it, and otherwise leave\nthe field out. Unless a field'"'"'s description asks for a format, copy names,\nnumbers and dates as the document writes them, in the document'"'"'s language.\n\nReturn the fields by calling the tool extract_fields once.","messages":[{"role":"user","content":[{"type":"text","text":"Extract these fields:\n- invoice_number (string, required): Invoice number as printed\n- total (number): Total including tax\n\nDocument text:\n<document>\nInvoice 42\nTotal 1,100\n</document>"}]}],"schema":'"$schema_json"',"answer":{"mode":"tool","tool_name":"extract_fields","tool_description":"Records the fields extracted from the document, following the input schema."},"max_tokens":4096,"temperature":0}}' ]
}

@test "Japanese template and text pass byte for byte" {
	input='{"id":"inv-1","text":"請求書 No.42\n合計 ￥１，１００（税込）😀 ｶﾅ"}'
	run -0 ann-prompt -s schema.json --lang ja --answer json <<<"$input"
	[ "$output" = '{"id":"inv-1","text":"請求書 No.42\n合計 ￥１，１００（税込）😀 ｶﾅ","request":{"system":"あなたは請求書や領収書などのビジネス文書からデータを抽出します。\n文書に書かれている内容だけを答え、推測はしないでください。文書に値がない項目は、\nスキーマが許す場合は null とし、そうでなければ省略してください。項目の説明で\n形式が指定されていない限り、名称・数値・日付は文書の表記のまま写してください。\n\n次の JSON スキーマに従う JSON オブジェクトを一つだけ出力し、ほかには何も書かないでください。\n{\n  \"type\": \"object\",\n  \"properties\": {\n    \"invoice_number\": {\n      \"type\": \"string\",\n      \"description\": \"Invoice number as printed\"\n    },\n    \"total\": {\n      \"type\": \"number\",\n      \"description\": \"Total including tax\"\n    }\n  },\n  \"required\": [\"invoice_number\"]\n}","messages":[{"role":"user","content":[{"type":"text","text":"次の項目を抽出してください。\n- invoice_number（string、必須）：Invoice number as printed\n- total（number）：Total including tax\n\n文書のテキスト：\n<document>\n請求書 No.42\n合計 ￥１，１００（税込）😀 ｶﾅ\n</document>"}]}],"schema":'"$schema_json"',"answer":{"mode":"json"},"max_tokens":4096,"temperature":0}}' ]
}

@test "escaped input keeps its bytes and decodes in the prompt" {
	run -0 ann-prompt -s schema.json -t <(printf '{{text}}') <<<'{"id":"a","n":1.50,"text":"\u8acb\u6c42\u66f8 \ud83d\ude00"}'
	[ "${output%%,\"request\"*}" = '{"id":"a","n":1.50,"text":"\u8acb\u6c42\u66f8 \ud83d\ude00"' ]
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["text"]' <<<"$output")" = "請求書 😀" ]
}

@test "document text is never expanded as a template" {
	printf -- '--- user\n{{text}}|{{total}}\n' >t.tmpl
	run -0 ann-prompt -s schema.json -t t.tmpl <<<'{"id":"a","total":5,"text":"{{total}} {{#x}}y{{/x}} {{=<% %>=}} {{> p}}"}'
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["text"]' <<<"$output")" = '{{total}} {{#x}}y{{/x}} {{=<% %>=}} {{> p}}|5' ]
}

@test "template features render system and user parts" {
	cat >t.tmpl <<'EOF'
--- system
{{! a comment that renders nothing }}
Mode {{ann.answer_mode}}, tool {{ann.tool_name}}.
{{> rules}}
--- partial rules
Rule for {{vendor.name}}:
  {{> indented}}
--- partial indented
one
two
--- user
{{#lines}}
- {{desc}} x{{qty}} ({{id}})
{{/lines}}
{{^lines}}
no lines
{{/lines}}
{{#tags}}[{{.}}]{{/tags}}
{{=<% %>=}}
<%vendor.name%> {{literal}}
<%={{ }}=%>
{{#flag}}flag on{{/flag}}{{^missing}} missing is falsey{{/missing}}
{{{html}}} {{html}}
EOF
	run -0 ann-prompt -s schema.json -t t.tmpl --tool-name record_invoice <<<'{"id":"r1","vendor":{"name":"ACME"},"lines":[{"desc":"pen","qty":2},{"desc":"ink","qty":1}],"tags":["a","b"],"flag":true,"html":"<b>&</b>"}'
	[ "$(jget 'r["request"]["system"]' <<<"$output")" = "$(printf 'Mode tool, tool record_invoice.\nRule for ACME:\n  one\n  two')" ]
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["text"]' <<<"$output")" = "$(printf -- '- pen x2 (r1)\n- ink x1 (r1)\n[a][b]\nACME {{literal}}\nflag on missing is falsey\n<b>&</b> <b>&</b>')" ]
	[ "$(jget 'r["request"]["answer"]["tool_name"]' <<<"$output")" = record_invoice ]
}

@test "structured mode leaves the schema to the provider" {
	run -0 ann-prompt -s schema.json --answer structured <<<'{"id":"a","text":"Invoice 42"}'
	[ "$(jget 'r["request"]["answer"]' <<<"$output")" = '{"mode":"structured"}' ]
	[ "$(jget 'r["request"]["schema"]' <<<"$output")" = "$schema_json" ]
	[ "$(jget 'r["request"]["system"].split("\n\n")[-1]' <<<"$output")" = 'Answer with one JSON object that holds the fields.' ]
	printf -- '--- user\n{{ann.answer_mode}} {{#ann.structured_mode}}on{{/ann.structured_mode}}{{#ann.tool_mode}}tool{{/ann.tool_mode}}\n' >t.tmpl
	run -0 ann-prompt -s schema.json -t t.tmpl --answer structured <<<'{"id":"a"}'
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["text"]' <<<"$output")" = 'structured on' ]
}

@test "--cache marks the shared prefix" {
	run -0 ann-prompt -s schema.json --cache <<<'{"id":"a","text":"x"}'
	[ "$(jget 'r["request"]["cache_prefix"]' <<<"$output")" = true ]
	run -0 ann-prompt -s schema.json <<<'{"id":"a","text":"x"}'
	[ "$(jget '"cache_prefix" in r["request"]' <<<"$output")" = false ]
}

@test "inverted section renders for an empty list" {
	printf -- '--- user\n{{#lines}}x{{/lines}}{{^lines}}no lines{{/lines}}\n' >t.tmpl
	run -0 ann-prompt -s schema.json -t t.tmpl <<<'{"id":"a","lines":[]}'
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["text"]' <<<"$output")" = "no lines" ]
}

@test "html escaping is off by default and on with --html-escape" {
	printf -- '{{text}}\n' >t.tmpl
	run -0 ann-prompt -s schema.json -t t.tmpl --html-escape <<<'{"id":"a","text":"A & B <c> \"d\" '"'"'e'"'"'"}'
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["text"]' <<<"$output")" = "A &amp; B &lt;c&gt; &quot;d&quot; &#39;e&#39;" ]
	run -0 ann-prompt -s schema.json -t t.tmpl <<<'{"id":"a","text":"A & B <c>"}'
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["text"]' <<<"$output")" = "A & B <c>" ]
}

@test "schema, field list and options reach the template and request" {
	cat >nested.json <<'EOF'
{"type":"object","properties":{"currency":{"type":"string","enum":["JPY","USD"],"description":"ISO 4217 code"},"vendor":{"type":"object","properties":{"name":{"type":["string","null"]}},"required":["name"]},"items":{"type":"array","items":{"$ref":"#/$defs/item"}}},"$defs":{"item":{"type":"object","properties":{"amount":{"type":"number","description":"Line amount"}}}}}
EOF
	printf -- '--- user\n{{ann.field_list}}\n{{ann.schema_compact}}\n{{#ann.fields}}{{name}}={{required}};{{/ann.fields}}\n' >t.tmpl
	run -0 ann-prompt -s nested.json -t t.tmpl --max-tokens 512 --temperature 0.25 --stop '</json>' --stop END <<<'{"id":"a"}'
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["text"]' <<<"$output")" = "$(printf -- '- currency (string, one of: "JPY", "USD"): ISO 4217 code\n- vendor (object)\n- vendor.name (string or null, required)\n- items (array)\n- items[].amount (number): Line amount\n%s\ncurrency=false;vendor=false;vendor.name=true;items=false;items[].amount=false;' "$(cat nested.json)")" ]
	[ "$(jget '[r["request"][k] for k in ("max_tokens", "temperature", "stop_sequences")]' <<<"$output")" = '[512,0.25,["</json>","END"]]' ]
}

@test "few-shot examples become earlier turns" {
	printf '%s\n' '{"input":{"id":"ex","text":"Invoice 7"},"output":{"invoice_number":"7"}}' '' '{"input":{"id":"ex2","text":"請求書 8"},"output":{"invoice_number":"8","total":null}}' >ex.jsonl
	printf -- '--- user\nText: {{text}}\n' >t.tmpl
	run -0 ann-prompt -s schema.json -t t.tmpl -e ex.jsonl <<<'{"id":"a","text":"Invoice 9"}'
	[ "$(jget 'r["request"]["messages"]' <<<"$output")" = '[{"role":"user","content":[{"type":"text","text":"Text: Invoice 7"}]},{"role":"assistant","content":[{"type":"json","json":{"invoice_number":"7"}}]},{"role":"user","content":[{"type":"text","text":"Text: 請求書 8"}]},{"role":"assistant","content":[{"type":"json","json":{"invoice_number":"8","total":null}}]},{"role":"user","content":[{"type":"text","text":"Text: Invoice 9"}]}]' ]
}

@test "examples in the prompt go to the default template" {
	printf '%s\n' '{"input":{"id":"ex","text":"Invoice 7"},"output":{"invoice_number":"7"}}' >ex.jsonl
	run -0 ann-prompt -s schema.json -e ex.jsonl --examples-in-prompt <<<'{"id":"a","text":"Invoice 9"}'
	[ "$(jget 'len(r["request"]["messages"])' <<<"$output")" = 1 ]
	[ "$(jget 'r["request"]["system"].split("\n\n")[-1]' <<<"$output")" = "$(printf 'Example 1, document text:\n<document>\nInvoice 7\n</document>\nFields:\n{"invoice_number":"7"}')" ]
}

@test "bad examples file is a usage error naming the line" {
	printf '%s\n' '{"input":{"id":"ex","text":"a"},"output":{}}' '{"input":"not a record","output":{}}' >ex.jsonl
	run -2 ann-prompt -s schema.json -e ex.jsonl </dev/null
	[ "$output" = 'ann-prompt: examples file "ex.jsonl": line 2: expected an object with an "input" record and an "output" answer' ]
	printf '%s\n' '{"input":{' >ex.jsonl
	run -2 ann-prompt -s schema.json -e ex.jsonl </dev/null
	[ "$output" = 'ann-prompt: examples file ex.jsonl:1:11: invalid JSON: expected a member name in double quotes, got end of input' ]
	printf '%s\n' '{"input":{"id":"ex","text":"a"},"output":{}}' '' ' {"input":[1,,2]}' >ex.jsonl
	run -2 ann-prompt -s schema.json -e ex.jsonl </dev/null
	[ "$output" = 'ann-prompt: examples file ex.jsonl:3:14: invalid JSON: expected a JSON value, got '"','" ]
}

@test "template syntax errors name the template line" {
	printf -- '--- system\nHello\n--- user\n{{#items}}\n- {{name}}\n' >unclosed.tmpl
	run -2 ann-prompt -s schema.json -t unclosed.tmpl </dev/null
	[ "$output" = 'ann-prompt: unclosed.tmpl:4: section "items" is never closed' ]

	printf -- '--- user\nok\n%s\n' '{{=<%>=}}' >delim.tmpl
	run -2 ann-prompt -s schema.json -t delim.tmpl </dev/null
	[ "$output" = "ann-prompt: delim.tmpl:3: invalid set-delimiter tag: expected two delimiters without spaces or '=', as in {{=<% %>=}}" ]

	printf -- '--- system\n\n\n{{name\n--- user\nx\n' >tag.tmpl
	run -2 ann-prompt -s schema.json -t tag.tmpl </dev/null
	[ "$output" = 'ann-prompt: tag.tmpl:4: unclosed tag: "{{" without a matching "}}"' ]

	printf -- '--- user\n{{#a}}\n{{/b}}\n' >mismatch.tmpl
	run -2 ann-prompt -s schema.json -t mismatch.tmpl </dev/null
	[ "$output" = 'ann-prompt: mismatch.tmpl:3: closing tag "b" does not match section "a" opened on line 2' ]

	printf -- '--- user\nx\n--- partial p\n{{/q}}\n' >partial.tmpl
	run -2 ann-prompt -s schema.json -t partial.tmpl </dev/null
	[ "$output" = 'ann-prompt: partial.tmpl:4: closing tag "q" without an open section' ]
}

@test "template part markers are checked" {
	printf 'preamble\n--- user\nx\n' >stray.tmpl
	run -2 ann-prompt -s schema.json -t stray.tmpl </dev/null
	[ "$output" = 'ann-prompt: stray.tmpl:1: text before the first part marker; start the template with "--- system" or "--- user"' ]

	printf -- '--- user\nx\n--- assistant\ny\n' >unknown.tmpl
	run -2 ann-prompt -s schema.json -t unknown.tmpl </dev/null
	[ "$output" = 'ann-prompt: unknown.tmpl:3: invalid part marker "--- assistant"; expected "--- system", "--- user" or "--- partial NAME"' ]

	printf -- '--- system\nx\n' >nouser.tmpl
	run -2 ann-prompt -s schema.json -t nouser.tmpl </dev/null
	[ "$output" = 'ann-prompt: nouser.tmpl: no "--- user" part' ]

	printf -- '--- user\nx\n--- user\ny\n' >twice.tmpl
	run -2 ann-prompt -s schema.json -t twice.tmpl </dev/null
	[ "$output" = 'ann-prompt: twice.tmpl:3: second "--- user" part' ]
}

@test "a template without markers is the user part" {
	printf 'Only {{text}}\n' >plain.tmpl
	run -0 ann-prompt -s schema.json -t plain.tmpl <<<'{"id":"a","text":"this"}'
	[ "$(jget '[r["request"].get("system"), r["request"]["messages"]]' <<<"$output")" = '[null,[{"role":"user","content":[{"type":"text","text":"Only this"}]}]]' ]
}

@test "bad member messages show a safe excerpt" {
	long=$(printf 'y%.0s' $(seq 1 200))
	shown='{"k":"\u001b[31m'$(printf 'y%.0s' $(seq 1 37))...
	printf '%s\n' "{\"id\":{\"k\":\"\\u001b[31m$long\"},\"text\":\"x\"}" \
	    '{"id":"a","text":"x","files":7}' '{"id":"b","text":"x","files":[false,"a.pdf"]}' >in.jsonl
	printf '{"id":[1,\t2],"text":"x"}\n' >>in.jsonl
	run -1 --separate-stderr ann-prompt -s schema.json --attach files in.jsonl
	# Long values are cut, and control characters never reach the terminal.
	[ "$(jget 'r["error"]["message"]' <<<"${lines[0]}")" = "line 1: member \"id\" must be a string, got object $shown" ]
	[ "${stderr_lines[0]}" = "ann-prompt: warning: line 1: member \"id\" must be a string, got object $shown" ]
	[ "$(jget 'r["error"]["message"]' <<<"${lines[3]}")" = 'line 4: member "id" must be a string, got array [1,?2]' ]
	[[ "$stderr" != *$'\t'* ]]
	[ "$(jget 'r["error"]["message"]' <<<"${lines[1]}")" = 'member "files" must be a file path or an array of file paths, got number 7' ]
	[ "$(jget 'r["error"]["message"]' <<<"${lines[2]}")" = 'member "files" must be a file path or an array of file paths, got array [false,"a.pdf"]' ]
}

@test "missing or bad text gives an error record" {
	run -1 --separate-stderr ann-prompt -s schema.json <<<'{"id":"a","request":{"stale":true}}'
	[ "${lines[0]}" = '{"id":"a","error":{"kind":"invalid","message":"record has no \"text\" and no attachment, so there is nothing to extract fields from","line":1}}' ]
	[ "${stderr_lines[0]}" = 'ann-prompt: warning: line 1: record "a": record has no "text" and no attachment, so there is nothing to extract fields from' ]

	run -1 --separate-stderr ann-prompt -s schema.json <<<'{"id":"b","text":42}'
	[ "${lines[0]}" = '{"id":"b","text":42,"error":{"kind":"invalid","message":"member \"text\" must be a string, got number 42","line":1}}' ]
	[ "${stderr_lines[0]}" = 'ann-prompt: warning: line 1: record "b": member "text" must be a string, got number 42' ]

	run -1 --separate-stderr ann-prompt -s schema.json <<<'{"id":"n","text":"ab\u0000cd"}'
	[ "${lines[0]}" = '{"id":"n","text":"ab\u0000cd","error":{"kind":"invalid","message":"member \"text\" contains U+0000 (\\u0000), which a prompt cannot carry; remove it from the text","line":1}}' ]

	printf -- '--- user\n{{missing}}\n' >t.tmpl
	run -1 --separate-stderr ann-prompt -s schema.json -t t.tmpl <<<'{"id":"c"}'
	[ "${lines[0]}" = '{"id":"c","error":{"kind":"invalid","message":"the user part of t.tmpl rendered to empty text for this record","line":1}}' ]
}

@test "every input record comes out once and in order" {
	printf '%s\n' '{"id":"1","text":"a"}' 'not json' '{"id":"2"}' '{"text":"no id"}' '{"id":"3","text":"b","error":{"kind":"network","message":"earlier"}}' '{"id":"4","text":"c"}' >in.jsonl
	printf '{"id":"5","text":"\xff"}\n' >>in.jsonl
	run -1 --separate-stderr ann-prompt -s schema.json in.jsonl
	[ "$(jget 'r.get("id", "-")' <<<"$output" | tr '\n' ' ')" = "1 line:2 2 - 3 4 line:7 " ]
	[ "$(jget '"request" in r' <<<"$output" | tr '\n' ' ')" = "true false false false false true false " ]
	[ "$(jget 'r.get("error", {}).get("kind", "-")' <<<"$output" | tr '\n' ' ')" = "- syntax invalid invalid network - syntax " ]
	[ "${stderr_lines[-1]}" = "ann-prompt: warning: 5 of 7 records ended with an error" ]
}

@test "a record with an earlier error passes through unchanged" {
	line='{"id":"3","text":"b","error":{"kind":"network","message":"earlier"}}'
	run -1 --separate-stderr ann-prompt -s schema.json <<<"$line"
	[ "$output" = "$line" ]
}

@test "image limit is on the base64 length (3932160 raw bytes)" {
	mkfile png 100 100 3932160 edge.png
	mkfile png 100 100 3932161 over.png
	mkfile jpeg 100 100 4000000 page1.jpg
	run -1 --separate-stderr ann-prompt -s schema.json --attach-refs <<<'{"id":"ok","image":"edge.png"}
{"id":"over","image":"over.png"}
{"id":"doc-7","image":"page1.jpg"}'
	[ "$(jget '[p.get("file") for p in r["request"]["messages"][0]["content"]]' <<<"${lines[0]}")" = '["edge.png",null]' ]
	[ "${lines[1]}" = '{"id":"over","image":"over.png","error":{"kind":"too_large","message":"attachment \"over.png\": image of 3932161 bytes is 5242884 bytes as base64, over Bedrock'"'"'s limit of 5242880 (3932160 bytes before encoding)","line":2}}' ]
	[ "${lines[2]}" = '{"id":"doc-7","image":"page1.jpg","error":{"kind":"too_large","message":"attachment \"page1.jpg\": image of 4000000 bytes is 5333336 bytes as base64, over Bedrock'"'"'s limit of 5242880 (3932160 bytes before encoding)","line":3}}' ]
	[ "${stderr_lines[0]}" = 'ann-prompt: warning: line 2: record "over": attachment "over.png": image of 3932161 bytes is 5242884 bytes as base64, over Bedrock'"'"'s limit of 5242880 (3932160 bytes before encoding)' ]
}

@test "image size limit holds for every image type" {
	for kind in gif webp webp-lossy webp-lossless jpeg; do
		mkfile "$kind" 10 10 3932161 "big.$kind"
		run -1 ann-prompt -s schema.json -q <<<"{\"id\":\"a\",\"image\":\"big.$kind\"}"
		[ "$(jget 'r["error"]["kind"]' <<<"$output")" = too_large ]
	done
}

@test "image types are detected from bytes, with their dimensions" {
	mkfile png 640 480 0 scan.pdf
	mkfile jpeg 1654 2339 0 a.jpg
	mkfile gif 320 240 0 a.gif
	mkfile webp 8000 10 0 a.webp
	mkfile webp-lossy 300 200 0 b.webp
	mkfile webp-lossless 16000 2 0 c.webp
	run -1 --separate-stderr ann-prompt -s schema.json --attach-refs <<<'{"id":"a","images":["scan.pdf","a.jpg","a.gif","a.webp","b.webp"],"text":"t"}
{"id":"b","image":"c.webp"}'
	[ "$(jget '[[p.get(k) for k in ("type","media_type","format","width","height")] for p in r["request"]["messages"][0]["content"][:-1]]' <<<"${lines[0]}")" = '[["image","image/png","png",640,480],["image","image/jpeg","jpeg",1654,2339],["image","image/gif","gif",320,240],["image","image/webp","webp",8000,10],["image","image/webp","webp",300,200]]' ]
	[ "$(jget 'r["error"]["message"]' <<<"${lines[1]}")" = "attachment \"c.webp\": image is 16000x2 pixels, over Bedrock's limit of 8000 pixels per side" ]
}

@test "image dimensions over 8000 pixels are rejected" {
	mkfile png 8001 10 0 wide.png
	mkfile jpeg 10 8001 0 tall.jpg
	mkfile gif 8000 8000 0 square.gif
	run -1 ann-prompt -s schema.json -q <<<'{"id":"a","image":"wide.png"}
{"id":"b","image":"tall.jpg"}
{"id":"c","image":"square.gif"}'
	[ "$(jget 'r.get("error", {}).get("message", "ok")' <<<"$output")" = "$(printf '%s\n' "attachment \"wide.png\": image is 8001x10 pixels, over Bedrock's limit of 8000 pixels per side" "attachment \"tall.jpg\": image is 10x8001 pixels, over Bedrock's limit of 8000 pixels per side" ok)" ]
}

@test "more than 20 images or 5 documents in a record are rejected" {
	for i in $(seq 1 21); do mkfile png 1 1 0 "p$i.png"; done
	for i in $(seq 1 6); do mkfile pdf 0 0 0 "d$i.pdf"; done
	twenty=$(printf '"p%d.png",' $(seq 1 20))
	run -1 ann-prompt -s schema.json --attach-refs -q <<<"{\"id\":\"20\",\"images\":[${twenty%,}]}
{\"id\":\"21\",\"images\":[${twenty}\"p21.png\"]}
{\"id\":\"5\",\"pdf\":[\"d1.pdf\",\"d2.pdf\",\"d3.pdf\",\"d4.pdf\",\"d5.pdf\"]}
{\"id\":\"6\",\"pdf\":[\"d1.pdf\",\"d2.pdf\",\"d3.pdf\",\"d4.pdf\",\"d5.pdf\",\"d6.pdf\"]}"
	[ "$(jget 'len(r["request"]["messages"][0]["content"]) if "request" in r else r["error"]["message"]' <<<"$output")" = "$(printf '%s\n' 21 'attachment "p21.png": more than 20 images in one record; Bedrock accepts at most 20 per message' 6 'attachment "d6.pdf": more than 5 documents in one record; Bedrock accepts at most 5 per message')" ]
}

@test "document limit is 4.5 MiB" {
	mkfile pdf 0 0 4718592 edge.pdf
	mkfile pdf 0 0 4718593 over.pdf
	run -1 ann-prompt -s schema.json --attach-refs -q <<<'{"id":"a","pdf":"edge.pdf"}
{"id":"b","pdf":"over.pdf"}'
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["name"]' <<<"${lines[0]}")" = edge ]
	[ "$(jget 'r["error"]["message"]' <<<"${lines[1]}")" = 'attachment "over.pdf": document of 4718593 bytes is over Bedrock'"'"'s limit of 4718592 bytes (4.5 MiB)' ]
}

@test "attachments past the request body limit are rejected" {
	for i in 1 2 3 4 5 6; do mkfile png 1 1 3900000 "big$i.png"; done
	run -1 ann-prompt -s schema.json --attach-refs -q <<<'{"id":"a","images":["big1.png","big2.png","big3.png","big4.png","big5.png","big6.png"]}'
	[ "$(jget 'r["error"]["message"]' <<<"$output")" = 'attachment "big4.png": the record'"'"'s attachments come to 20800000 bytes of base64 text, over the 20000000 bytes a Claude request body can carry' ]
}

@test "document names follow Bedrock's rules and the text comes along" {
	for f in invoice_2024-03.v2.pdf 請求書.pdf 'scan [1] (copy).pdf' a.b.pdf a_b.pdf; do mkfile pdf 0 0 0 "$f"; done
	run -0 ann-prompt -s schema.json -q <<<'{"id":"a","text":"t","documents":["invoice_2024-03.v2.pdf","請求書.pdf","scan [1] (copy).pdf","a.b.pdf","a_b.pdf"]}'
	[ "$(jget '[[p["type"], p.get("format"), p.get("name")] for p in r["request"]["messages"][0]["content"]]' <<<"$output")" = '[["document","pdf","invoice 2024-03 v2"],["document","pdf","document-2"],["document","pdf","scan [1] (copy)"],["document","pdf","a b"],["document","pdf","a b (2)"],["text",null,null]]' ]
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["read"]' <<<"$output")" = visual ]
	run -0 ann-prompt -s schema.json -q --pdf-read text <<<'{"id":"a","pdf":"a.b.pdf"}'
	[ "$(jget '[p["type"] for p in r["request"]["messages"][0]["content"]]' <<<"$output")" = '["document","text"]' ]
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["read"]' <<<"$output")" = text ]
}

@test "long and odd document names are cleaned" {
	long=$(printf 'x%.0s' $(seq 1 250))
	mkfile pdf 0 0 0 "$long.pdf"
	mkfile pdf 0 0 0 '😀.pdf'
	mkdir -p sub
	mkfile pdf 0 0 0 'sub/請求書_ACME 株式会社.pdf'
	run -0 ann-prompt -s schema.json -q <<<"{\"id\":\"a\",\"text\":\"t\",\"pdf\":[\"$long.pdf\",\"😀.pdf\",\"sub/請求書_ACME 株式会社.pdf\"]}"
	[ "$(jget '[len(p["name"]) for p in r["request"]["messages"][0]["content"][:-1]]' <<<"$output")" = '[200,10,4]' ]
	[ "$(jget '[p["name"] for p in r["request"]["messages"][0]["content"][1:-1]]' <<<"$output")" = '["document-2","ACME"]' ]
}

@test "attachments are embedded as base64 by default" {
	printf '\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x02\x00\x00\x00\x03\x08\x02\x00\x00\x00' >tiny.png
	printf '%%PDF-1.7\n' >tiny.pdf
	run -0 ann-prompt -s schema.json <<<'{"id":"a","image":"tiny.png","pdf":"tiny.pdf"}'
	[ "$(jget 'r["request"]["messages"][0]["content"][:2]' <<<"$output")" = '[{"type":"image","media_type":"image/png","format":"png","file":"tiny.png","width":2,"height":3,"data":"'"$(base64 -w0 tiny.png)"'"},{"type":"document","media_type":"application/pdf","format":"pdf","file":"tiny.pdf","name":"tiny","read":"visual","data":"JVBERi0xLjcK"}]' ]
	[ "$(jget 'r["request"]["messages"][0]["content"][2]["text"].split("\n\n")[1]' <<<"$output")" = 'The document is attached: tiny.png, tiny.pdf.' ]
}

@test "attachment paths must stay under the root" {
	mkdir -p root/sub outside
	mkfile png 1 1 0 root/sub/in.png
	mkfile png 1 1 0 outside/secret.png
	ln -s ../outside/secret.png root/link-out.png
	ln -s sub/in.png root/link-in.png
	run -1 ann-prompt -s schema.json --root root --attach-refs -q <<<'{"id":"1","image":"sub/in.png"}
{"id":"2","image":"link-in.png"}
{"id":"3","image":"../outside/secret.png"}
{"id":"4","image":"sub/../../outside/secret.png"}
{"id":"5","image":"'"$PWD"'/outside/secret.png"}
{"id":"6","image":"link-out.png"}
{"id":"7","image":"sub"}
{"id":"8","image":"nope.png"}
{"id":"9","image":""}'
	real_root=$(cd root && pwd -P)
	[ "$(jget 'r["request"]["messages"][0]["content"][0]["path"] if "request" in r else r["error"]["kind"] + ": " + r["error"]["message"]' <<<"$output")" = "$(printf '%s\n' "$real_root/sub/in.png" "$real_root/sub/in.png" \
		'invalid: attachment "../outside/secret.png": ".." is not allowed in attachment paths' \
		'invalid: attachment "sub/../../outside/secret.png": ".." is not allowed in attachment paths' \
		"invalid: attachment \"$PWD/outside/secret.png\": absolute paths are not allowed; give a path relative to the root directory" \
		"invalid: attachment \"link-out.png\": resolves to a file outside the root directory \"$real_root\"" \
		'invalid: attachment "sub": not a regular file' \
		"not_found: attachment \"nope.png\": file not found under the root directory \"$real_root\"" \
		'invalid: attachment path is empty')" ]
}

@test "unsupported attachment content is rejected" {
	printf 'hello' >note.png
	run -1 ann-prompt -s schema.json -q <<<'{"id":"a","image":"note.png"}
{"id":"b","image":["note.png",3]}
{"id":"c","attachments":{"x":1}}'
	[ "$(jget 'r["error"]["message"]' <<<"$output")" = "$(printf '%s\n' 'attachment "note.png": unsupported file type; expected PNG, JPEG, GIF, WebP or PDF content' 'attachment "note.png": unsupported file type; expected PNG, JPEG, GIF, WebP or PDF content' 'member "attachments" must be a file path or an array of file paths, got object {"x":1}')" ]
}

@test "--attach chooses the members that name files" {
	mkfile png 1 1 0 a.png
	run -0 ann-prompt -s schema.json -a scan --attach-refs <<<'{"id":"a","scan":"a.png","image":"missing.png"}'
	[ "$(jget '[p["type"] for p in r["request"]["messages"][0]["content"]]' <<<"$output")" = '["image","text"]' ]
}

@test "usage errors exit 2" {
	run -2 ann-prompt </dev/null
	[ "${lines[0]}" = 'ann-prompt: missing --schema: name the JSON Schema of the fields' ]
	run -2 ann-prompt -s schema.json --answer yaml </dev/null
	[ "${lines[0]}" = 'ann-prompt: invalid --answer, expected tool, json or structured: yaml' ]
	run -2 ann-prompt -s schema.json --temperature 1.5 </dev/null
	[ "${lines[0]}" = 'ann-prompt: invalid --temperature, expected a number from 0 to 1: 1.5' ]
	run -2 ann-prompt -s schema.json --max-tokens 0 </dev/null
	[ "${lines[0]}" = 'ann-prompt: invalid --max-tokens, expected an integer from 1 to 1000000: 0' ]
	run -2 ann-prompt -s schema.json --tool-name 'bad name' </dev/null
	[ "${lines[0]}" = "ann-prompt: invalid --tool-name, expected 1 to 64 letters, digits, '_' or '-': bad name" ]
	run -2 ann-prompt -s missing.json </dev/null
	[ "$output" = 'ann-prompt: cannot open schema "missing.json": No such file or directory' ]
	run -2 ann-prompt -s schema.json -t missing.tmpl </dev/null
	[ "$output" = 'ann-prompt: cannot open template "missing.tmpl": No such file or directory' ]
	run -2 ann-prompt -s schema.json --root nowhere </dev/null
	[ "$output" = 'ann-prompt: root directory "nowhere": No such file or directory' ]
	run -2 ann-prompt -s schema.json --root schema.json </dev/null
	[ "$output" = 'ann-prompt: root directory "schema.json": not a directory' ]
}

@test "schema syntax error names line and column" {
	printf '{\n  "type": "object",\n  "properties": {"total": {"type": "integer"},},\n  "required": ["total"]\n}\n' >trailing.json
	run -2 --separate-stderr ann-prompt -s trailing.json </dev/null
	[ "$stderr" = "ann-prompt: schema trailing.json:3:47: invalid JSON: expected a member name in double quotes, got '}'" ]
	# ann-validate reports the same fault in the same words.
	run -2 --separate-stderr ann-validate -s trailing.json </dev/null
	[ "$stderr" = "ann-validate: schema trailing.json:3:47: invalid JSON: expected a member name in double quotes, got '}'" ]
	# Columns count characters, so Japanese text before the fault counts one column each.
	printf '{"description": "請求書",\n "type": "object" "x"}\n' >ja.json
	run -2 --separate-stderr ann-prompt -s ja.json </dev/null
	[ "$stderr" = "ann-prompt: schema ja.json:2:19: invalid JSON: expected ',' or '}', got '\"'" ]
	printf '{"description": "請求書", "type": "object",}\n' >ja.json
	run -2 --separate-stderr ann-validate -s ja.json </dev/null
	[ "$stderr" = "ann-validate: schema ja.json:1:41: invalid JSON: expected a member name in double quotes, got '}'" ]
}

@test "schema must be JSON, and an object schema for tool mode" {
	printf '{"type":"object",}' >bad.json
	run -2 ann-prompt -s bad.json </dev/null
	[ "$output" = "ann-prompt: schema bad.json:1:18: invalid JSON: expected a member name in double quotes, got '}'" ]
	printf '{"type":"array","items":{"type":"string"}}' >array.json
	run -2 ann-prompt -s array.json </dev/null
	[ "$output" = 'ann-prompt: schema "array.json": the top-level "type" must be "object" with --answer tool, because the answer must be a JSON object; use --answer json for other schemas' ]
	run -2 ann-prompt -s array.json --answer structured </dev/null
	[ "$output" = 'ann-prompt: schema "array.json": the top-level "type" must be "object" with --answer structured, because the answer must be a JSON object; use --answer json for other schemas' ]
	run -0 ann-prompt -s array.json --answer json <<<'{"id":"a","text":"x"}'
	[ "$(jget 'r["request"]["answer"]' <<<"$output")" = '{"mode":"json"}' ]
}

@test "built-in templates are the shipped default files" {
	run -0 ann-prompt --print-template
	diff <(printf '%s\n' "$output") "$ANN_TOP/share/templates/default.en.tmpl"
	run -0 ann-prompt --print-template --lang ja
	diff <(printf '%s\n' "$output") "$ANN_TOP/share/templates/default.ja.tmpl"
}

@test "every shipped template renders text and attachments" {
	mkfile png 1 1 0 a.png
	for t in "$ANN_TOP"/share/templates/*.tmpl; do
		for answer in tool json structured; do
			run -0 ann-prompt -s schema.json -t "$t" --answer "$answer" --attach-refs <<<'{"id":"a","text":"請求書 合計 1,100円","image":"a.png"}'
			text=$(jget 'r["request"]["messages"][0]["content"][1]["text"]' <<<"$output")
			[[ "$text" = *"- invoice_number"*"請求書 合計 1,100円"* ]]
			[[ "$text" = *a.png* ]]
			system=$(jget 'r["request"]["system"]' <<<"$output")
			case $answer in
			json) [[ "$system" = *'"invoice_number": {'* ]] ;;
			tool) [[ "$system" = *extract_fields* ]] ;;
			structured) [[ "$system" != *extract_fields* && "$system" != *'"invoice_number": {'* && "$system" = *JSON* ]] ;;
			esac
		done
	done
}

@test "requests conform to schemas/request.schema.json" {
	python3 -c 'import jsonschema' 2>/dev/null || skip "python3 module jsonschema is not installed"
	mkfile png 5 5 0 a.png
	mkfile pdf 0 0 0 b.pdf
	printf '%s\n' '{"input":{"id":"ex","text":"Invoice 7"},"output":{"invoice_number":"7"}}' >ex.jsonl
	{
		ann-prompt -s schema.json -e ex.jsonl --stop END --cache <<<'{"id":"a","text":"t","image":"a.png","pdf":"b.pdf"}'
		ann-prompt -s schema.json --answer json --attach-refs --lang ja <<<'{"id":"b","image":"a.png","pdf":"b.pdf"}'
		ann-prompt -s schema.json --answer structured --pdf-read text <<<'{"id":"c","text":"t","pdf":"b.pdf"}'
	} >out.jsonl
	python3 - "$ANN_TOP/schemas/request.schema.json" out.jsonl <<'EOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
lines = open(sys.argv[2]).read().splitlines()
assert len(lines) == 3, lines
for line in lines:
    validator.validate(json.loads(line)["request"])
EOF
}

@test "unbuffered output and a file argument" {
	printf '%s\n' '{"id":"a","text":"x"}' >in.jsonl
	run -0 ann-prompt -s schema.json -u in.jsonl
	[ "$(jget 'r["id"]' <<<"$output")" = a ]
	run -0 ann-prompt -s schema.json - <in.jsonl
	[ "$(jget 'r["id"]' <<<"$output")" = a ]
	run -2 ann-prompt -s schema.json in.jsonl in.jsonl
	[ "${lines[0]}" = 'ann-prompt: too many input files; give at most one' ]
}

# Prints the shard (1 to N) of each id on stdin by the documented rule:
# the first 8 bytes of SHA-256 of the id, big-endian, modulo N, plus 1.
shard_of() {
	python3 -c '
import hashlib, sys
n = int(sys.argv[1])
for line in sys.stdin.read().splitlines():
    h = int.from_bytes(hashlib.sha256(line.encode()).digest()[:8], "big")
    print(1 + h % n)
' "$1"
}

@test "--shard splits the input into N parts, each record once" {
	for i in $(seq 1 60); do printf '{"id":"doc-%d","text":"t%d"}\n' "$i" "$i"; done >in.jsonl
	printf '%s\n' 'not json' '{"text":"no id"}' '{"id":"請求書-1","text":"x"}' '{"id":"e","error":{"kind":"network","message":"earlier"}}' >>in.jsonl
	for k in 1 2 3; do
		ann-prompt -s schema.json -q --shard "$k/3" in.jsonl >"shard$k.jsonl" || true
		ann-prompt -s schema.json -q --shard "$k/3" in.jsonl >"again$k.jsonl" || true
		cmp "shard$k.jsonl" "again$k.jsonl"
		[ -s "shard$k.jsonl" ]
	done
	ann-prompt -s schema.json -q in.jsonl >all.jsonl || true
	sort shard1.jsonl shard2.jsonl shard3.jsonl >union.jsonl
	sort all.jsonl >all-sorted.jsonl
	cmp union.jsonl all-sorted.jsonl
	[ "$(wc -l <union.jsonl)" -eq 64 ]
}

@test "--shard follows the documented hash of the id" {
	for i in $(seq 1 40); do printf 'inv-%d\n' "$i"; done >ids.txt
	printf '%s\n' '請求書 No.42 😀' 'line:62' >>ids.txt
	python3 -c '
import json, sys
for line in open(sys.argv[1]).read().splitlines():
    print(json.dumps({"id": line, "text": "t"}, ensure_ascii=False))
' ids.txt >in.jsonl
	shard_of 5 <ids.txt >expected.txt
	for k in 1 2 3 4 5; do
		run -0 ann-prompt -s schema.json --shard "$k/5" in.jsonl
		[ "$(jget 'r["id"]' <<<"$output" | sort)" = "$(paste -d' ' expected.txt ids.txt | sed -n "s/^$k //p" | sort)" ]
	done
}

@test "--shard puts lines without an id in the shard of line:N" {
	printf '%s\n' '{"id":"a","text":"x"}' 'not json' '{"text":"no id"}' >in.jsonl
	k2=$(printf 'line:2\n' | shard_of 4)
	k3=$(printf 'line:3\n' | shard_of 4)
	for k in 1 2 3 4; do
		run --separate-stderr ann-prompt -s schema.json --shard "$k/4" in.jsonl
		want=''
		[ "$k" = "$(printf 'a\n' | shard_of 4)" ] && want="${want}a "
		[ "$k" = "$k2" ] && want="${want}line:2 "
		[ "$k" = "$k3" ] && want="${want}- "
		[ "$(jget 'r.get("id", "-")' <<<"$output" | tr '\n' ' ')" = "$want" ]
		# A line of another shard is neither written nor reported.
		if [ "$k" != "$k2" ] && [ "$k" != "$k3" ]; then
			[ "$status" -eq 0 ]
			[ -z "$stderr" ]
		else
			[ "$status" -eq 1 ]
		fi
	done
}

@test "--shard rejects values outside 1/1 to N/N" {
	for bad in 0/3 4/3 3 /3 3/ a/b 1/0 -1/3 1/1000001 ' 1/3' 1/3x 1//3; do
		run -2 ann-prompt -s schema.json --shard "$bad" </dev/null
		[ "${lines[0]}" = "ann-prompt: invalid --shard, expected K/N with 1 <= K <= N <= 1000000: $bad" ]
	done
	run -0 ann-prompt -s schema.json --shard 1/1 <<<'{"id":"a","text":"x"}'
	[ "$(jget 'r["id"]' <<<"$output")" = a ]
	run -0 ann-prompt -s schema.json --shard 1000000/1000000 </dev/null
	[ -z "$output" ]
}

@test "--format bedrock-batch writes recordId and the InvokeModel body" {
	printf -- '--- system\nBe exact.\n--- user\n{{text}}\n' >t.tmpl
	run -0 --separate-stderr ann-prompt -s schema.json -t t.tmpl --answer json --stop END -m 512 --format bedrock-batch <<<'{"id":"inv_1.a-B","text":"請求書 😀","vendor":"ACME"}
{"id":"2","text":"second"}'
	[ "${lines[0]}" = '{"recordId":"inv_1.a-B","modelInput":{"anthropic_version":"bedrock-2023-05-31","max_tokens":512,"messages":[{"role":"user","content":[{"type":"text","text":"請求書 😀"}]}],"system":"Be exact.","temperature":0,"stop_sequences":["END"]}}' ]
	[ "${lines[1]}" = '{"recordId":"2","modelInput":{"anthropic_version":"bedrock-2023-05-31","max_tokens":512,"messages":[{"role":"user","content":[{"type":"text","text":"second"}]}],"system":"Be exact.","temperature":0,"stop_sequences":["END"]}}' ]
	[ "${#lines[@]}" -eq 2 ]
	[ -z "$stderr" ]
}

@test "--format bedrock-batch body is the golden InvokeModel body" {
	golden="$ANN_TOP/tests/fixtures/ann-prompt/golden"
	for name in image-pdf-tool cache-examples-tool; do
		input=$(jget '{k: v for k, v in r.items() if k != "request"}' <"$golden/$name.record.jsonl")
		args=()
		[ "$name" = cache-examples-tool ] && args=(--cache -e "$golden/examples.jsonl")
		run -0 ann-prompt -s "$golden/schema.json" -r "$golden" "${args[@]}" --format bedrock-batch <<<"$input"
		[ "$output" = "{\"recordId\":\"$(jget 'r["id"]' <<<"$input")\",\"modelInput\":$(cat "$golden/$name.invoke.json")}" ]
	done
}

@test "--format bedrock-batch sends error records to stderr" {
	long=$(printf 'x%.0s' $(seq 1 129))
	printf '%s\n' '{"id":"ok","text":"x"}' '{"id":"請求書","text":"x"}' "{\"id\":\"${long%x}\",\"text\":\"x\"}" "{\"id\":\"$long\",\"text\":\"x\"}" '{"id":"a b","text":"x"}' '{"id":"","text":"x"}' '{"id":"nt"}' 'not json' '{"text":"no id"}' '{"id":"e","error":{"kind":"network","message":"earlier"}}' >in.jsonl
	run -1 --separate-stderr ann-prompt -s schema.json -q --format bedrock-batch in.jsonl
	[ "$(jget 'r["recordId"]' <<<"$output" | tr '\n' ' ')" = "ok ${long%x} " ]
	[ "$(jget 'list(r)' <<<"$output" | sort -u)" = '["recordId","modelInput"]' ]
	[ "${#stderr_lines[@]}" -eq 8 ]
	[ "${stderr_lines[0]}" = '{"id":"請求書","text":"x","error":{"kind":"invalid","message":"id cannot be a Bedrock batch recordId: it may hold only ASCII letters, digits, '"'-', '_' and '.'"'","line":2}}' ]
	[ "${stderr_lines[1]}" = "{\"id\":\"$long\",\"text\":\"x\",\"error\":{\"kind\":\"invalid\",\"message\":\"id cannot be a Bedrock batch recordId: it is longer than 128 characters\",\"line\":4}}" ]
	[ "$(jget 'r["error"]["message"]' <<<"${stderr_lines[2]}")" = "id cannot be a Bedrock batch recordId: it may hold only ASCII letters, digits, '-', '_' and '.'" ]
	[ "$(jget 'r["error"]["message"]' <<<"${stderr_lines[3]}")" = 'id cannot be a Bedrock batch recordId: it is empty' ]
	[ "${stderr_lines[4]}" = '{"id":"nt","error":{"kind":"invalid","message":"record has no \"text\" and no attachment, so there is nothing to extract fields from","line":7}}' ]
	[ "$(jget 'r["id"]' <<<"${stderr_lines[5]}")" = line:8 ]
	[ "$(jget 'r["error"]["message"]' <<<"${stderr_lines[6]}")" = 'line 9: record has no "id" member' ]
	[ "${stderr_lines[7]}" = '{"id":"e","error":{"kind":"network","message":"earlier"}}' ]

	run -1 --separate-stderr ann-prompt -s schema.json --format bedrock-batch <<<'{"id":"a b","text":"x"}'
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "ann-prompt: warning: line 1: record \"a b\": id cannot be a Bedrock batch recordId: it may hold only ASCII letters, digits, '-', '_' and '.'" ]
	[ "$(jget 'r["id"]' <<<"${stderr_lines[1]}")" = 'a b' ]
	[ "${stderr_lines[2]}" = 'ann-prompt: warning: 1 of 1 records ended with an error' ]
}

@test "--format bedrock-batch takes no attachment references" {
	run -2 ann-prompt -s schema.json --format bedrock-batch --attach-refs </dev/null
	[ "$output" = 'ann-prompt: --attach-refs cannot be used with --format bedrock-batch, because a batch input file must carry its attachments' ]
	run -2 ann-prompt -s schema.json --format csv </dev/null
	[ "${lines[0]}" = 'ann-prompt: invalid --format, expected records or bedrock-batch: csv' ]
	run -0 ann-prompt -s schema.json --format records <<<'{"id":"a","text":"x"}'
	[ "$(jget '"request" in r' <<<"$output")" = true ]
}

@test "golden Converse and InvokeModel bodies are reproduced byte for byte" {
	golden="$ANN_TOP/tests/fixtures/ann-prompt/golden"
	mkdir fresh
	sh "$golden/generate.sh" fresh
	n=0
	for f in "$golden"/*.record.jsonl "$golden"/*.converse.json "$golden"/*.invoke.json; do
		cmp "$f" "fresh/${f##*/}"
		n=$((n + 1))
	done
	[ "$n" -eq 15 ]
	[ "$(ls fresh | wc -l)" -eq 15 ]
}

@test "schema and example numbers keep their digits" {
	# cJSON alone prints 9.00719925474099e+15 and 1.79769313486232e+308, which
	# reads back as infinity; the schema and examples are copied as written.
	schema='{"type":"object","properties":{"n":{"type":"integer","maximum":9007199254740991,"enum":[9007199254740991,1.0]},"p":{"type":"number","multipleOf":0.10,"maximum":1.7976931348623157e308}}}'
	printf '%s\n' "$schema" >big.schema.json
	printf '%s\n' '{"input":{"id":"e1","text":"ex"},"output":{"n":9007199254740991, "p":1.0}}' >ex.jsonl
	run -0 --separate-stderr ann-prompt -s big.schema.json -e ex.jsonl <<<'{"id":"d","text":"doc"}'
	[[ "$output" == *"\"schema\":$schema"* ]]
	[[ "$output" == *'"json":{"n":9007199254740991,"p":1.0}'* ]]
	printf '%s' '{{{ann.schema_compact}}}|{{#ann.examples}}{{{output_json}}}{{/ann.examples}}|{{{ann.field_list}}}' >t.tmpl
	run -0 --separate-stderr ann-prompt -s big.schema.json -e ex.jsonl --examples-in-prompt -t t.tmpl <<<'{"id":"d","text":"doc"}'
	text=$(jget 'r["request"]["messages"][0]["content"][0]["text"]' <<<"$output")
	[[ "$text" == "$schema|"'{"n":9007199254740991,"p":1.0}|'* ]]
	[[ "$text" == *"one of: 9007199254740991, 1.0"* ]]
}
