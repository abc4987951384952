#!/bin/sh
# Validates a stream of invoice annotations (about 30% invalid) with
# ann-validate and two peers, ajv 8 on Node and python-jsonschema, and
# compares their verdicts record by record.
#
# Each validator runs RUNS times (python-jsonschema PY_RUNS times, because
# it is slow) on the same file, with output to a file. The table gives the
# median wall time with records/s and MB/s from it, the median CPU time
# (user + sys) and the largest peak RSS, all measured by GNU time.
# ann-validate also runs on a tenth of the stream, to show that its
# memory does not grow with it.
#
# Environment: N records (default 100000), RUNS (default 3), PY_RUNS
# (default 1), PEERS (the peer scripts, default ../shared/bench). ajv is
# installed with `npm ci` from the peers' lock file into bench/out.
set -eu
cd "$(dirname "$0")/.."

n=${N:-100000}
runs=${RUNS:-3}
py_runs=${PY_RUNS:-1}
peers=${PEERS:-../shared/bench}
out=bench/out/validate
schema=$peers/invoice.schema.json
mkdir -p "$out"

[ -x bin/ann-validate ] || { echo "build bin/ann-validate first (make)" >&2; exit 1; }
python3 "$peers/gen_records.py" -n "$n" --seed 42 -o "$out/records.jsonl" --labels "$out/labels.tsv"
head -n $((n / 10)) "$out/records.jsonl" >"$out/records-tenth.jsonl"
bytes=$(wc -c <"$out/records.jsonl")

if [ ! -f "$out/node/node_modules/ajv/package.json" ]; then
	mkdir -p "$out/node"
	cp "$peers/package.json" "$peers/package-lock.json" "$out/node/"
	npm ci --prefix "$out/node" --no-audit --no-fund --loglevel=error >/dev/null
fi
cp "$peers/ajv_jsonl.mjs" "$out/node/"

# measure NAME RUNS INPUT OUTPUT COMMAND...: prints one table row.
measure() {
	name=$1 count=$2 input=$3 output=$4
	shift 4
	: >"$out/times-$name"
	i=0
	while [ "$i" -lt "$count" ]; do
		/usr/bin/time -f '%e %U %S %M' -o "$out/time-$name" "$@" <"$input" >"$output" 2>/dev/null ||
		    [ $? -eq 1 ] # ann-validate exits 1 when some records are invalid
		tail -n 1 "$out/time-$name" >>"$out/times-$name"
		i=$((i + 1))
	done
	records=$(wc -l <"$input")
	in_bytes=$(wc -c <"$input")
	wall=$(awk '{ print $1 }' "$out/times-$name" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	cpu=$(awk '{ print $2 + $3 }' "$out/times-$name" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	rss=$(awk '$4 > m { m = $4 } END { print m }' "$out/times-$name")
	awk -v name="$name" -v runs="$count" -v n="$records" -v b="$in_bytes" -v w="$wall" \
	    -v c="$cpu" -v r="$rss" 'BEGIN {
		printf "| %s | %d | %.2f | %.2f | %.0f | %.1f | %.1f MiB |\n",
		    name, runs, w, c, n / w, b / 1e6 / w, r / 1024
	}'
}

echo "records: $n, input: $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB)"
echo
echo "| validator | runs | wall s (median) | cpu s (median) | records/s | MB/s | peak RSS |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
measure ann-validate "$runs" "$out/records.jsonl" "$out/out-ann.jsonl" \
    bin/ann-validate -s "$schema" --formats
measure ann-validate-tenth "$runs" "$out/records-tenth.jsonl" /dev/null \
    bin/ann-validate -s "$schema" --formats
measure ajv "$runs" "$out/records.jsonl" "$out/out-ajv.jsonl" \
    node "$out/node/ajv_jsonl.mjs" "$schema"
measure python-jsonschema "$py_runs" "$out/records.jsonl" "$out/out-py.jsonl" \
    python3 "$peers/pyjsonschema_jsonl.py" "$schema"

# The peers write "valid" and "errors" at the top; give ann-validate's
# output the same shape for the comparison script.
python3 - "$out/out-ann.jsonl" "$out/out-ann-flat.jsonl" <<'EOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as o:
    for line in f:
        rec = json.loads(line)
        v = rec["validation"]
        o.write(json.dumps({"id": rec["id"], "valid": v["valid"], "errors": v["errors"]}) + "\n")
EOF
echo
python3 "$peers/compare_valid.py" "$out/labels.tsv" ann-validate="$out/out-ann-flat.jsonl" \
    ajv="$out/out-ajv.jsonl" python-jsonschema="$out/out-py.jsonl"

# Edge probes where validators are known to differ, verdict by verdict.
python3 "$peers/make_probes.py" >"$out/probes.jsonl"
bin/ann-validate -s "$schema" --formats <"$out/probes.jsonl" >"$out/probes-ann.jsonl" 2>/dev/null || true
node "$out/node/ajv_jsonl.mjs" "$schema" <"$out/probes.jsonl" >"$out/probes-ajv.jsonl"
python3 "$peers/pyjsonschema_jsonl.py" "$schema" <"$out/probes.jsonl" >"$out/probes-py.jsonl"
echo
echo "| probe | ann-validate | ajv | python-jsonschema |"
echo "| --- | --- | --- | --- |"
python3 - "$out" <<'EOF'
import json, sys
d = sys.argv[1]
def load(name, key):
    with open(f"{d}/{name}", encoding="utf-8") as f:
        return [key(json.loads(line)) for line in f]
ann = load("probes-ann.jsonl", lambda r: (r["id"], r["validation"]["valid"]))
ajv = dict(load("probes-ajv.jsonl", lambda r: (r["id"], r["valid"])))
py = dict(load("probes-py.jsonl", lambda r: (r["id"], r["valid"])))
word = {True: "valid", False: "invalid", None: "not validated"}
for rid, v in ann:
    mark = "" if v == ajv[rid] == py[rid] else " (differs)"
    print(f"| {rid}{mark} | {word[v]} | {word[ajv[rid]]} | {word[py[rid]]} |")
EOF

# Decimal divisors and regex classes on non-ASCII text, where validators
# built on binary doubles or Unicode-aware regex engines go wrong.
cat >"$out/edge.schema.json" <<'SCHEMA'
{"$schema": "https://json-schema.org/draft/2020-12/schema",
 "properties": {"price": {"multipleOf": 0.01}, "rate": {"multipleOf": 0.1},
  "zip": {"pattern": "^\\d{3}-\\d{4}$"}, "word": {"pattern": "^\\w+$"},
  "space": {"pattern": "^\\s$"}, "big": {"maximum": 9007199254740992}}}
SCHEMA
cat >"$out/edge.jsonl" <<'RECORDS'
{"id":"price 1.11 (multiple of 0.01)","output":{"price":1.11}}
{"id":"price 19.99 (multiple of 0.01)","output":{"price":19.99}}
{"id":"price 0.07 (multiple of 0.01)","output":{"price":0.07}}
{"id":"price 1.115 (not a multiple)","output":{"price":1.115}}
{"id":"rate 92.6 (multiple of 0.1)","output":{"rate":92.6}}
{"id":"zip ASCII digits","output":{"zip":"123-4567"}}
{"id":"zip full-width digits","output":{"zip":"１２３-４５６７"}}
{"id":"zip Arabic-Indic digits","output":{"zip":"١٢٣-٤٥٦٧"}}
{"id":"word kanji (\\w is ASCII)","output":{"word":"東京"}}
{"id":"space U+3000 (\\s includes it)","output":{"space":"\u3000"}}
{"id":"big 2^53+1 over maximum 2^53","output":{"big":9007199254740993}}
RECORDS
bin/ann-validate -s "$out/edge.schema.json" <"$out/edge.jsonl" >"$out/edge-ann.jsonl" 2>/dev/null || true
node "$out/node/ajv_jsonl.mjs" "$out/edge.schema.json" <"$out/edge.jsonl" >"$out/edge-ajv.jsonl"
python3 "$peers/pyjsonschema_jsonl.py" "$out/edge.schema.json" <"$out/edge.jsonl" >"$out/edge-py.jsonl"
echo
echo "| edge record | expected | ann-validate | ajv | python-jsonschema |"
echo "| --- | --- | --- | --- | --- |"
python3 - "$out" <<'EOF2'
import json, sys
d = sys.argv[1]
def load(name, key):
    with open(f"{d}/{name}", encoding="utf-8") as f:
        return [key(json.loads(line)) for line in f]
ann = load("edge-ann.jsonl", lambda r: (r["id"], r["validation"]["valid"]))
ajv = dict(load("edge-ajv.jsonl", lambda r: (r["id"], r["valid"])))
py = dict(load("edge-py.jsonl", lambda r: (r["id"], r["valid"])))
expected = {"price 1.115 (not a multiple)": False, "zip full-width digits": False,
            "zip Arabic-Indic digits": False, "word kanji (\\w is ASCII)": False,
            "big 2^53+1 over maximum 2^53": False}
word = {True: "valid", False: "invalid", None: "not validated"}
for rid, v in ann:
    e = expected.get(rid, True)
    cell = lambda x: word[x] if x == e else f"**{word[x]}**"
    print(f"| {rid} | {word[e]} | {cell(v)} | {cell(ajv[rid])} | {cell(py[rid])} |")
EOF2
