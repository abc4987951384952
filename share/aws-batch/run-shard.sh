#!/bin/sh
# Entry point of the AWS Batch container: runs one shard of the main job.
#
# Child I of an array job of size N (AWS Batch sets AWS_BATCH_JOB_ARRAY_INDEX,
# counting from 0, and AWS_BATCH_JOB_ARRAY_SIZE) runs shard I+1 of N. A
# plain job, such as the rerun of one failed shard, sets ANN_SHARD (from 1)
# and ANN_SHARDS instead, because Batch reserves the AWS_BATCH_ prefix.
#
# Environment:
#   ANN_INPUT       s3:// URI of the documents file (JSONL).  Required.
#   ANN_INPUT_ROOT  s3:// prefix that the documents' attachment paths
#                   resolve under; omit it for documents without attachments.
#   ANN_OUTPUT      s3:// prefix of the run.  Required.
#   ANN_WORK        local scratch directory (default: a new one under TMPDIR).
#   The ANN_* settings of pipeline.sh (ANN_MODEL, ANN_INVOKE_OPTS, ...).
#
# Writes ANN_OUTPUT/shard-K-of-N/ (final.jsonl, a log per stage,
# invoke-stats.json and status) and keeps ann-invoke's reply cache in
# ANN_OUTPUT/cache/shard-K-of-N/, so a retried attempt pays only for the
# requests that got no answer before.
#
# Exit status: 0 when the shard's results are in S3, even if some records
# carry errors (status in S3 is then 1, and the records are in final.jsonl);
# 2 for bad settings; 3 when a copy or a pipeline stage failed. A non-zero
# status fails this child only, and Batch retries it under the job
# definition's retry strategy.
set -u

fail() {
	status=$1
	shift
	echo "run-shard: $*" >&2
	exit "$status"
}

here=$(cd "$(dirname "$0")" && pwd)
pipeline=$here/../examples/pipeline.sh

if [ -n "${ANN_SHARD:-}" ]; then
	k=$ANN_SHARD
	n=${ANN_SHARDS:-}
elif [ -n "${AWS_BATCH_JOB_ARRAY_INDEX:-}" ]; then
	case $AWS_BATCH_JOB_ARRAY_INDEX in
	'' | *[!0-9]*) fail 2 "AWS_BATCH_JOB_ARRAY_INDEX is not a number: $AWS_BATCH_JOB_ARRAY_INDEX" ;;
	esac
	k=$((AWS_BATCH_JOB_ARRAY_INDEX + 1))
	n=${AWS_BATCH_JOB_ARRAY_SIZE:-}
else
	fail 2 "not an array child: set ANN_SHARD and ANN_SHARDS to run one shard"
fi
case $k/$n in
*[!0-9/]* | /* | */) fail 2 "invalid shard $k of ${n:-(unset)}: set ANN_SHARDS or run as an array job" ;;
esac
if [ "$k" -lt 1 ] || [ "$k" -gt "$n" ]; then
	fail 2 "shard $k is not between 1 and $n"
fi

case ${ANN_INPUT:-} in
s3://?*) ;;
*) fail 2 "ANN_INPUT must be an s3:// URI of the documents file, not '${ANN_INPUT:-}'" ;;
esac
case ${ANN_OUTPUT:-} in
s3://?*) ;;
*) fail 2 "ANN_OUTPUT must be an s3:// prefix for the results, not '${ANN_OUTPUT:-}'" ;;
esac
case ${ANN_INPUT_ROOT:-s3://-} in
s3://?*) ;;
*) fail 2 "ANN_INPUT_ROOT must be an s3:// prefix, not '$ANN_INPUT_ROOT'" ;;
esac

output=${ANN_OUTPUT%/}
name=shard-$k-of-$n
dest=$output/$name
cache_dest=$output/cache/$name
work=${ANN_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/ann-$name.XXXXXX")} || fail 3 "cannot make a work directory"
mkdir -p "$work/input" "$work/cache" || fail 3 "cannot make directories in $work"
echo "run-shard: $name: $ANN_INPUT -> $dest/"

# NOTE: every child copies the whole attachment prefix, because which files
# a shard needs is known only after ann-prompt has split the documents.
if [ -n "${ANN_INPUT_ROOT:-}" ]; then
	aws s3 cp --recursive --only-show-errors "${ANN_INPUT_ROOT%/}/" "$work/input/" ||
	    fail 3 "copying the attachments from $ANN_INPUT_ROOT failed"
fi
aws s3 cp --only-show-errors "$ANN_INPUT" "$work/input/documents.jsonl" ||
    fail 3 "copying $ANN_INPUT failed"
aws s3 sync --only-show-errors "$cache_dest/" "$work/cache/" ||
    fail 3 "copying the reply cache from $cache_dest failed"

ANN_ROOT=$work/input ANN_CACHE=$work/cache \
    "$pipeline" "$k/$n" "$work/input/documents.jsonl" "$work/out"
st=$?

# Both copies run even after a failed pipeline: the cache spares the next
# attempt the requests already answered, and the logs say what failed. The
# stage files before final.jsonl stay here, since every one of them repeats
# the requests with their attachments.
copied=0
aws s3 sync --only-show-errors "$work/cache/" "$cache_dest/" || {
	echo "run-shard: copying the reply cache to $cache_dest failed" >&2
	copied=3
}
aws s3 cp --recursive --only-show-errors --exclude requests.jsonl \
    --exclude answers.jsonl --exclude validated.jsonl "$work/out/" "$dest/" || {
	echo "run-shard: copying the results to $dest failed" >&2
	copied=3
}
[ "$copied" -eq 0 ] || exit 3

case $st in
0 | 1) echo "run-shard: $name: done, status $st" ;;
2) fail 2 "$name: the pipeline rejected its settings; see $dest/" ;;
*) fail 3 "$name: the pipeline failed with status $st; see $dest/" ;;
esac
