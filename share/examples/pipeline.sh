#!/bin/sh
# Runs the main job on one shard of a document file:
#   ann-prompt --shard K/N | ann-invoke | ann-validate, then ann-retry,
# with one file per stage in OUTDIR. GNU parallel, ssh hosts and the AWS
# Batch entry point (share/aws-batch/run-shard.sh) all run this script;
# doc/fanout.md shows how.
#
# Usage: pipeline.sh K/N DOCUMENTS OUTDIR
#
# OUTDIR gets requests.jsonl, answers.jsonl, validated.jsonl, a log per
# stage, invoke-stats.json, status (the exit status) and, when the shard
# got through, final.jsonl, which is written last, under its final name
# only when complete.
#
# Settings come from the environment, so hosts and containers can set them
# once (defaults: the example invoices' schema, template and rules):
#   ANN_MODEL        model id or inference profile
#   ANN_SCHEMA, ANN_TEMPLATE, ANN_RULES
#   ANN_ROOT         directory that attachment paths resolve under
#                    (default: the directory of DOCUMENTS)
#   ANN_JOBS         requests in flight per ann-invoke (default 8)
#   ANN_ROUNDS       re-asks per record (default 3)
#   ANN_CACHE        ann-invoke's reply cache (default OUTDIR/cache)
#   ANN_INVOKE_OPTS  more options for every ann-invoke, such as
#                    "--rpm 200 --tpm 400000 --rate-group NAME"
#   ANN_RETRY_OPTS   more options for ann-retry, such as "--max-calls 500"
#   ANN_BUDGET_FILE  budget file shared by the job's processes (default:
#                    none): every ann-invoke adds its spend to it, and with
#                    ANN_MAX_COST every ann-invoke and ann-retry checks it.
#                    They must run on one machine, or on a file system
#                    whose flock(2) works across hosts. A new job needs a
#                    new file: remove the old one or name another
#   ANN_MAX_COST     with ANN_BUDGET_FILE: US dollars the whole job may
#                    spend, over every shard that shares the file
# Credentials, region and endpoint are ann-invoke's (doc/credentials.md).
#
# Exit status, as for every ann command: 0 every record ended valid;
# 1 some records carry an error or stayed invalid (they are in final.jsonl);
# 2 usage; 3 a stage failed, and final.jsonl is not written.
set -u

usage() {
	echo "usage: pipeline.sh K/N DOCUMENTS OUTDIR" >&2
	exit 2
}

[ $# -eq 3 ] || usage
shard=$1
docs=$2
out=$3
if [ ! -r "$docs" ]; then
	echo "pipeline: documents file not found or not readable: $docs" >&2
	exit 2
fi

# Installed, this script is DATADIR/examples/pipeline.sh with the schemas in
# DATADIR/schemas; in the source tree the schemas are two levels up.
here=$(cd "$(dirname "$0")" && pwd)
data=$(dirname "$here")
schemas=$data/schemas
[ -d "$schemas" ] || schemas=$(dirname "$data")/schemas

ANN_MODEL=${ANN_MODEL:-jp.anthropic.claude-sonnet-4-5-20250929-v1:0}
ANN_SCHEMA=${ANN_SCHEMA:-$schemas/invoice.schema.json}
ANN_TEMPLATE=${ANN_TEMPLATE:-$data/templates/invoice.ja.tmpl}
ANN_RULES=${ANN_RULES:-$data/rules/invoice.json}
ANN_ROOT=${ANN_ROOT:-$(dirname "$docs")}
ANN_JOBS=${ANN_JOBS:-8}
ANN_ROUNDS=${ANN_ROUNDS:-3}
ANN_CACHE=${ANN_CACHE:-$out/cache}
ANN_INVOKE_OPTS=${ANN_INVOKE_OPTS:-}
ANN_RETRY_OPTS=${ANN_RETRY_OPTS:-}
ANN_BUDGET_FILE=${ANN_BUDGET_FILE:-}
ANN_MAX_COST=${ANN_MAX_COST:-}
PIPELINE_OUT=$out
export ANN_MODEL ANN_SCHEMA ANN_JOBS ANN_CACHE ANN_INVOKE_OPTS ANN_RULES PIPELINE_OUT \
    ANN_BUDGET_FILE ANN_MAX_COST

# A cap without a shared file would hold for each process alone, which is
# not what "the job may spend ANN_MAX_COST" means.
if [ -n "$ANN_MAX_COST" ] && [ -z "$ANN_BUDGET_FILE" ]; then
	echo "pipeline: ANN_MAX_COST needs ANN_BUDGET_FILE, the file the job's processes share" >&2
	exit 2
fi

mkdir -p "$out" || exit 3
rm -f "$out/final.jsonl" "$out/status"

# Stops the shard when a stage failed. Statuses 0 and 1 let the next stage
# run, because records that failed travel on as error records. Status 2 (a
# usage error, such as a bad --shard or option) is passed on, and any other
# status becomes 3.
check() {
	st=$1
	stage=$2
	[ "$st" -le 1 ] && return 0
	[ "$st" -eq 2 ] || st=3
	echo "pipeline: shard $shard: $stage exited with status $1; see $out/$stage.log" >&2
	echo "$st" >"$out/status"
	exit "$st"
}

ann-prompt -q -s "$ANN_SCHEMA" -t "$ANN_TEMPLATE" -r "$ANN_ROOT" --shard "$shard" "$docs" \
    >"$out/requests.jsonl" 2>"$out/prompt.log"
check $? prompt

# Each ${VAR:+...} adds its options only when the variable is set; the
# quotes inside keep a file name with spaces whole.
# shellcheck disable=SC2086 # ANN_INVOKE_OPTS holds several options
ann-invoke -q -m "$ANN_MODEL" -j "$ANN_JOBS" --cache "$ANN_CACHE" $ANN_INVOKE_OPTS \
    ${ANN_BUDGET_FILE:+--budget-file "$ANN_BUDGET_FILE"} ${ANN_MAX_COST:+--max-cost "$ANN_MAX_COST"} \
    --stats "$out/invoke-stats.json" <"$out/requests.jsonl" >"$out/answers.jsonl" \
    2>"$out/invoke.log"
check $? invoke

ann-validate -s "$ANN_SCHEMA" --ground /text --rules "$ANN_RULES" \
    <"$out/answers.jsonl" >"$out/validated.jsonl" 2>"$out/validate.log"
check $? validate

# The re-ask command reads its settings from the exported variables, so no
# path needs quoting inside the command string. ann-retry only checks the
# budget file; its ann-invoke adds what the re-asks spend.
# shellcheck disable=SC2016,SC2086
ann-retry -q -n "$ANN_ROUNDS" $ANN_RETRY_OPTS \
    ${ANN_MAX_COST:+--budget-file "$ANN_BUDGET_FILE" --max-cost "$ANN_MAX_COST"} -- sh -c '
	ann-invoke -q -m "$ANN_MODEL" -j "$ANN_JOBS" --cache "$ANN_CACHE" $ANN_INVOKE_OPTS \
	    ${ANN_BUDGET_FILE:+--budget-file "$ANN_BUDGET_FILE"} \
	    ${ANN_MAX_COST:+--max-cost "$ANN_MAX_COST"} |
	    ann-validate -u -s "$ANN_SCHEMA" --ground /text --rules "$ANN_RULES" \
	    2>>"$PIPELINE_OUT/retry-validate.log"' \
    <"$out/validated.jsonl" >"$out/final.jsonl.tmp" 2>"$out/retry.log"
st=$?
check "$st" retry

mv "$out/final.jsonl.tmp" "$out/final.jsonl" || exit 3
echo "$st" >"$out/status"
exit "$st"
