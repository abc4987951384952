#!/bin/sh
# Joins a Bedrock batch output of N records (default 100,000) back to its
# records with ann-invoke --from-batch, and reports time and peak memory
# (maximum resident set size from GNU time).
#
# The records are one-line Japanese invoices through ann-prompt's default
# template (about 1.5 kB of request each). The batch output is made from
# the batch input without a model: each line gets the same tool-call reply
# as its modelOutput, and the lines are shuffled, as a job may return them.
# No server is involved.
set -eu
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
n=${N:-100000}

printf '%s\n' '{"type":"object","properties":{"total":{"type":"integer"},"vendor":{"type":"string"}},"required":["total","vendor"]}' \
    >"$out/batch-schema.json"
awk -v n="$n" 'BEGIN {
	for (i = 1; i <= n; i++)
		printf "{\"id\":\"doc-%07d\",\"text\":\"請求書 株式会社テスト 合計 ¥%d\"}\n", i, i * 7
}' >"$out/batch-docs.jsonl"
bin/ann-prompt -s "$out/batch-schema.json" <"$out/batch-docs.jsonl" >"$out/batch-requests.jsonl"
bin/ann-prompt -q --format bedrock-batch -s "$out/batch-schema.json" \
    <"$out/batch-docs.jsonl" >"$out/batch-input.jsonl"
reply='"modelOutput":{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"tool_use","id":"t1","name":"extract_fields","input":{"total":7,"vendor":"株式会社テスト"}}],"stop_reason":"tool_use","usage":{"input_tokens":400,"output_tokens":40}}'
sed "s/}\$/,$reply}/" "$out/batch-input.jsonl" | shuf --random-source="$out/batch-docs.jsonl" \
    >"$out/batch.jsonl.out"
records_mb=$(wc -c <"$out/batch-requests.jsonl")
output_mb=$(wc -c <"$out/batch.jsonl.out")

/usr/bin/time -f '%e %U %S %M' -o "$out/time" bin/ann-invoke -q \
    -m anthropic.claude-haiku-4-5-20251001-v1:0 --from-batch "$out/batch.jsonl.out" \
    <"$out/batch-requests.jsonl" >"$out/batch-answers.jsonl"
read -r secs user sys rss_kb <"$out/time"
answered=$(grep -c '"output":{"total"' "$out/batch-answers.jsonl")
awk -v n="$n" -v a="$answered" -v rb="$records_mb" -v ob="$output_mb" -v s="$secs" \
    -v c="$user $sys" -v r="$rss_kb" 'BEGIN {
	split(c, cpu, " ")
	if (s == 0) s = 0.01
	printf "records=%d answered=%d records_MB=%.1f batch_output_MB=%.1f seconds=%.2f cpu_seconds=%.2f records/s=%.0f peak_rss_KiB=%d\n",
	    n, a, rb / 1e6, ob / 1e6, s, cpu[1] + cpu[2], n / s, r
}'
[ "$answered" -eq "$n" ] || { echo "expected $n answers, got $answered" >&2; exit 1; }
rm -f "$out"/batch-*.jsonl "$out/batch.jsonl.out" "$out/batch-schema.json" "$out/time"
