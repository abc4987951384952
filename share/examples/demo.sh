#!/bin/sh
# The main job on the example invoices, against the local Bedrock look-alike.
#
# Documents in, a validated, merged and evaluated dataset out:
#   ann-prompt | ann-invoke | ann-validate | ann-retry | ann-merge, then ann-eval.
# ann-mock answers with the reference labels, makes realistic mistakes on
# some answers and throttles some calls, so validation and retries have
# work to do. Nothing leaves 127.0.0.1.
#
# Usage: demo.sh [OUTPUT_DIR]   (default: demo-out in the current directory)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
examples="$top/share/examples/invoices"
out=${1:-demo-out}
schema="$top/schemas/invoice.schema.json"
rules="$top/share/rules/invoice.json"
template="$top/share/templates/invoice.ja.tmpl"
model="jp.anthropic.claude-sonnet-4-5-20250929-v1:0"
PATH="$top/bin:$PATH"
export PATH

mkdir -p "$out"
out=$(cd "$out" && pwd)

# Throwaway credentials for the look-alike, which checks SigV4 against the
# same variables ann-invoke signs with. The region pins where data is processed.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_BEARER_TOKEN_BEDROCK AWS_ENDPOINT_URL
export AWS_ACCESS_KEY_ID=AKIDANNDEMO0000000
export AWS_SECRET_ACCESS_KEY=ann-demo-secret-not-a-real-key
export AWS_REGION=ap-northeast-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

# A URL file left by an earlier run must not be read before the new server
# writes its own. The URL is read once and checked, so a server that fails
# to start stops the demo here, before any ann-invoke runs.
rm -f "$out/mock.url"
ann-mock --port 0 --answers "$examples/labels.jsonl" --seed 7 --latency 150 \
    --mistakes 0.25 --fix-rate 0.9 --faults throttle=0.03,unavailable=0.01 \
    --stats "$out/mock-stats.json" >"$out/mock.url" 2>"$out/mock.log" &
mock=$!
trap 'kill "$mock" 2>/dev/null; wait "$mock" 2>/dev/null || true' EXIT INT TERM
i=0
url=
until printf '%s\n' "$url" | grep -qx 'http://127\.0\.0\.1:[0-9][0-9]*'; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$mock" 2>/dev/null; then
		echo "demo: ann-mock did not start; see $out/mock.log" >&2
		exit 3
	fi
	sleep 0.1
	url=$(head -n 1 "$out/mock.url" 2>/dev/null || true)
done
export AWS_ENDPOINT_URL_BEDROCK_RUNTIME="$url"
echo "demo: local Bedrock look-alike at $AWS_ENDPOINT_URL_BEDROCK_RUNTIME"

invoke="ann-invoke -m $model -j 8"
validate="ann-validate -s $schema --ground /text --rules $rules"
start=$(date +%s)

ann-prompt -s "$schema" -t "$template" -r "$examples" <"$examples/documents.jsonl" \
    >"$out/requests.jsonl"
$invoke --stats "$out/invoke-stats.json" <"$out/requests.jsonl" >"$out/answers.jsonl" || true
$validate <"$out/answers.jsonl" >"$out/validated.jsonl" 2>"$out/validate.log" || true
ann-retry -n 3 -- sh -c "$invoke -q --stats $out/invoke-retry-stats.json | $validate -u 2>/dev/null" \
    <"$out/validated.jsonl" >"$out/final.jsonl" 2>"$out/retry.log" || true
ann-merge "$out/final.jsonl" >"$out/dataset.jsonl" 2>"$out/merge.log" || true
ann-eval "$examples/labels.jsonl" "$out/dataset.jsonl" >"$out/eval.txt" 2>"$out/eval.log" || true
ann-eval --json "$examples/labels.jsonl" "$out/dataset.jsonl" >"$out/eval.json" 2>/dev/null || true
elapsed=$(( $(date +%s) - start ))

python3 "$top/share/examples/summary.py" "$out" "$elapsed"
