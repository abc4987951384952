#!/bin/sh
# Runs the main job on one real document set against ann-mock on 127.0.0.1:
#   convert, ann-prompt | ann-invoke | ann-validate | ann-retry | ann-merge,
#   then ann-eval against the labels.
#
# Usage: pipeline.sh receipts|invoices DATA_DIR OUT_DIR
#
# The caller puts the commands under test first on PATH. This script sets
# the AWS variables to throwaway values and points the endpoint at the
# mock, so no request leaves loopback.
# Every file of the run stays in OUT_DIR for the assertions.
set -eu

kind=$1
data=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
model="anthropic.claude-haiku-4-5-20251001-v1:0"
# NOTE: the thresholds hold for the default seed, not for every seed. Over
# 80 seeds, 6 leave one receipt whose re-asks drew mistakes three rounds
# running (a re-ask is answered right 9 times in 10, as --fix-rate says).
# Its last answer then keeps an extra member or ends truncated, and the
# F1 or pairing check fails. The invoice set passed all 30 seeds tried.
seed=${E2E_SEED:-3}
faults="throttle=0.05,unavailable=0.01,reset=0.01"

case $kind in
receipts)
	schema="$here/receipt.schema.json"
	prompt="ann-prompt -s $schema -t $here/receipt.tmpl"
	validate="ann-validate -s $schema --ground /text --rules $top/share/rules/receipt.json"
	# Receipt fields are free text, so number, date and enum mistakes
	# have nothing to act on; grounding catches invented names.
	mistakes="missing_field=0.02,extra_field=0.02,hallucination=0.02,fenced=0.01,prose=0.01,truncated=0.02"
	;;
invoices)
	schema="$here/invoice-pdf.schema.json"
	prompt="ann-prompt -s $schema -t $here/invoice-pdf.tmpl -r $data"
	validate="ann-validate -s $schema --rules $top/share/rules/invoice.json"
	# No text comes with these PDFs, so nothing can be grounded and an
	# invented name would pass validation: the mock makes only the
	# mistakes a schema can see.
	mistakes="string_number=0.02,missing_field=0.01,extra_field=0.01,date_format=0.02,enum_value=0.01,fenced=0.01,prose=0.01,truncated=0.01"
	;;
*)
	echo "usage: pipeline.sh receipts|invoices DATA_DIR OUT_DIR" >&2
	exit 2
	;;
esac

mkdir -p "$out"
python3 "$here/convert.py" "$kind" "$data" "$out"

unset AWS_PROFILE AWS_SESSION_TOKEN AWS_BEARER_TOKEN_BEDROCK AWS_ENDPOINT_URL
export AWS_ACCESS_KEY_ID=AKIDANNE2ETEST00000
export AWS_SECRET_ACCESS_KEY=ann-e2e-secret-not-a-real-key
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
# A closed loopback port until the mock prints the port it listens on.
export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:9

# Never read a URL file left by an earlier run (see share/examples/demo.sh).
rm -f "$out/mock.url"
ann-mock --host 127.0.0.1 --port 0 --answers "$out/labels.jsonl" --seed "$seed" \
    --latency "${E2E_LATENCY:-2}" --mistakes "$mistakes" --fix-rate 0.9 \
    --faults "$faults" --stats "$out/mock-stats.json" \
    >"$out/mock.url" 2>"$out/mock.log" &
mock=$!
trap 'kill "$mock" 2>/dev/null || true' EXIT INT TERM
i=0
url=
until printf '%s\n' "$url" | grep -qx 'http://127\.0\.0\.1:[0-9][0-9]*'; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$mock" 2>/dev/null; then
		echo "pipeline: ann-mock did not start; see $out/mock.log" >&2
		exit 3
	fi
	sleep 0.1
	url=$(head -n 1 "$out/mock.url" 2>/dev/null || true)
done
AWS_ENDPOINT_URL_BEDROCK_RUNTIME=$url

invoke="ann-invoke -m $model -j 16 --retry-delay 0.01"

# Validate the labels too: a label that disagrees with its own document
# then shows as such, not as a pipeline fault.
$validate <"$out/labelled.jsonl" >"$out/labels-checked.jsonl" 2>/dev/null || true
$prompt <"$out/documents.jsonl" >"$out/requests.jsonl"
$invoke --stats "$out/invoke-stats.json" <"$out/requests.jsonl" \
    >"$out/answers.jsonl" 2>"$out/invoke.log" || true
$validate <"$out/answers.jsonl" >"$out/validated.jsonl" 2>"$out/validate.log" || true
ann-retry -n 3 -- sh -c "$invoke -q --stats $out/invoke-retry-stats.json | $validate -u 2>/dev/null" \
    <"$out/validated.jsonl" >"$out/final.jsonl" 2>"$out/retry.log" || true
ann-merge "$out/final.jsonl" >"$out/dataset.jsonl" 2>"$out/merge.log" || true
ann-eval --json "$out/labels.jsonl" "$out/dataset.jsonl" \
    >"$out/eval.json" 2>"$out/eval.log" || true

# The mock writes its counters when it stops.
kill "$mock"
wait "$mock" || true
trap - EXIT INT TERM
