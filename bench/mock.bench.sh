#!/bin/sh
# Measures ann-mock's requests/s on loopback with no latency set, using wrk
# (Debian package wrk) with keep-alive connections. Each request is a
# Converse call in tool mode with a Bedrock API key, so the figure covers
# routing, the key check, JSON parsing, synthesis from the schema and the
# response.
set -eu
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"

if ! command -v wrk >/dev/null 2>&1; then
	echo "mock.bench.sh: wrk is not installed (apt-get install wrk)" >&2
	exit 3
fi

threads=${WRK_THREADS:-2}
connections=${WRK_CONNECTIONS:-32}
seconds=${WRK_SECONDS:-10}

rm -f "$out/mock.url"
AWS_BEARER_TOKEN_BEDROCK=bench-api-key bin/ann-mock --port 0 --seed 1 \
    --stats "$out/mock-stats.json" >"$out/mock.url" 2>"$out/mock.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	[ -s "$out/mock.url" ] && break
	sleep 0.05
done
url=$(head -n1 "$out/mock.url")
case "$url" in
http://127.0.0.1:*) ;;
*) echo "mock.bench.sh: ann-mock did not start: $(cat "$out/mock.err")" >&2; exit 3 ;;
esac

cat >"$out/converse.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-api-key"
wrk.body = '{"messages":[{"role":"user","content":[{"text":"請求書 株式会社 山田商事 合計 ¥12,000 2024-05-01"}]}],"inferenceConfig":{"maxTokens":512},"toolConfig":{"tools":[{"toolSpec":{"name":"extract_invoice","inputSchema":{"json":{"type":"object","properties":{"vendor":{"type":"string"},"invoice_date":{"type":"string","format":"date"},"total":{"type":"number"},"currency":{"type":"string","enum":["JPY","USD"]}},"required":["vendor","invoice_date","total","currency"]}}}}]}}'
-- A new record id per request of each wrk thread, so the per-record
-- counters grow as in a real run (each id gets one call per thread).
local n = 0
request = function()
	n = n + 1
	local body = wrk.body:gsub('"inferenceConfig"', '"requestMetadata":{"ann_record_id":"r' .. n .. '"},"inferenceConfig"')
	return wrk.format(nil, nil, nil, body)
end
EOF

echo "wrk -t$threads -c$connections -d${seconds}s Converse (tool mode, one record id per request)"
wrk -t"$threads" -c"$connections" -d"${seconds}s" -s "$out/converse.lua" \
    "$url/model/jp.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse" | tee "$out/wrk-converse.txt"

kill "$pid"
wait "$pid" || true
trap - EXIT
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("server counted", d["calls"], "calls,", d["by_status"].get("200", 0), "with status 200")' "$out/mock-stats.json"
