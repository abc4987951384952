#!/bin/sh
# Builds requests for 10,000 OCR-text records (about 1.5 KB of Japanese
# invoice text each) with the built-in templates, in tool and json mode,
# and reports time, requests per second and peak memory.
set -eu
cd "$(dirname "$0")/.."
out=bench/out
n=10000
mkdir -p "$out"

cat >"$out/invoice.schema.json" <<'SCHEMA'
{"type":"object","required":["invoice_number","issue_date","total"],
 "properties":{
  "invoice_number":{"type":"string","description":"請求書番号"},
  "registration_number":{"type":["string","null"],"description":"登録番号（T と 13 桁の数字）"},
  "issue_date":{"type":"string","description":"発行日（YYYY-MM-DD）"},
  "seller":{"type":"object","properties":{"name":{"type":"string","description":"請求元の名称"},"address":{"type":"string"}}},
  "buyer":{"type":"string","description":"請求先の名称"},
  "subtotal":{"type":"number","description":"税抜金額"},
  "tax":{"type":"number","description":"消費税額"},
  "total":{"type":"number","description":"税込の請求金額"},
  "currency":{"type":"string","enum":["JPY","USD"]},
  "items":{"type":"array","items":{"type":"object","properties":{
   "description":{"type":"string"},"quantity":{"type":"number"},"amount":{"type":"number"}}}}}}
SCHEMA

awk -v n="$n" 'BEGIN {
	for (i = 1; i <= n; i++) {
		t = sprintf("御請求書\\n請求書番号 INV-%06d\\n発行日 2024年4月%d日\\n株式会社サンプル商事 御中\\n", i, i % 28 + 1)
		for (j = 1; j <= 12; j++)
			t = t sprintf("品目%02d　事務用品セット（Ａ４）　数量 %d　単価 ¥1,200　金額 ¥%d\\n", j, j, j * 1200)
		t = t sprintf("小計 ¥93,600\\n消費税（10%%） ¥9,360\\n合計 ¥102,960\\n登録番号 T1234567890123\\n")
		printf "{\"id\":\"doc-%05d\",\"text\":\"%s\"}\n", i, t
	}
}' >"$out/ocr-$n.jsonl"
bytes=$(wc -c <"$out/ocr-$n.jsonl")

for args in "--lang en --answer tool" "--lang ja --answer tool" "--lang ja --answer json"; do
	# shellcheck disable=SC2086
	/usr/bin/time -f '%e %M' -o "$out/time-prompt" \
	    bin/ann-prompt -s "$out/invoice.schema.json" $args <"$out/ocr-$n.jsonl" >"$out/requests.jsonl"
	read -r secs rss_kb <"$out/time-prompt"
	lines=$(wc -l <"$out/requests.jsonl")
	out_bytes=$(wc -c <"$out/requests.jsonl")
	awk -v a="$args" -v n="$n" -v b="$bytes" -v o="$out_bytes" -v s="$secs" -v r="$rss_kb" 'BEGIN {
		if (s == 0) s = 0.01
		printf "%s: records=%d in_MB=%.1f out_MB=%.1f seconds=%.2f requests/s=%.0f peak_rss_KiB=%d\n",
		    a, n, b / 1e6, o / 1e6, s, n / s, r
	}'
	[ "$lines" -eq "$n" ] || { echo "lost records: $lines of $n" >&2; exit 1; }
	if grep -q '"error":' "$out/requests.jsonl"; then
		echo "some records ended with an error" >&2
		exit 1
	fi
done
rm -f "$out"/ocr-* "$out"/requests.jsonl "$out"/time-prompt "$out"/invoice.schema.json
