#!/bin/sh
# Measures ann-retry on 1,000 records against ann-mock on 127.0.0.1: 30% of
# first answers have a mistake that fails validation and a re-ask is answered
# correctly with probability 0.9. Prints the valid share after the first pass
# and after each re-ask of ann-retry -n 3, the calls the server counted, and
# the wall time of the single pass and of the retry stage.
#
# Environment: N (records, default 1000), JOBS (ann-invoke -j, default 16),
# LATENCY (mean server latency in ms, default 300), SEED (default 1).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
out=bench/out/retry
rm -rf "$out"
mkdir -p "$out"

n=${N:-1000}
jobs=${JOBS:-16}
latency=${LATENCY:-300}
seed=${SEED:-1}
model="jp.anthropic.claude-haiku-4-5-20251001-v1:0"

# Throwaway credentials, checked by the server and signed with by ann-invoke.
# Endpoint and credential files are pinned so no default reaches AWS.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_BEARER_TOKEN_BEDROCK AWS_ENDPOINT_URL
export AWS_ACCESS_KEY_ID=AKIDANNBENCH000000
export AWS_SECRET_ACCESS_KEY=ann-bench-secret-not-a-real-key
export AWS_REGION=ap-northeast-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

# Every mistake kind used here fails validation against this schema: all
# members are required, none may be added and total must be an integer.
cat >"$out/schema.json" <<'JSON'
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["vendor", "invoice_number", "issue_date", "total", "currency"],
  "properties": {
    "vendor": {"type": "string"},
    "invoice_number": {"type": "string"},
    "issue_date": {"type": "string", "format": "date"},
    "total": {"type": "integer"},
    "currency": {"enum": ["JPY", "USD"]}
  }
}
JSON

# Documents and the reference answers the server replies with, by record id.
python3 - "$n" "$out/documents.jsonl" "$out/answers.jsonl" <<'PY'
import json, sys
n = int(sys.argv[1])
with open(sys.argv[2], "w") as docs, open(sys.argv[3], "w") as answers:
    for i in range(1, n + 1):
        rid = "inv-%05d" % i
        label = {
            "vendor": "株式会社サンプル商事 %d" % (i % 97),
            "invoice_number": "INV-%06d" % i,
            "issue_date": "2024-%02d-%02d" % (i % 12 + 1, i % 28 + 1),
            "total": 1000 + 37 * i,
            "currency": "JPY",
        }
        text = "請求書 %s\n請求番号 %s\n発行日 %s\n合計 ¥%s\n" % (
            label["vendor"], label["invoice_number"], label["issue_date"],
            format(label["total"], ","))
        docs.write(json.dumps({"id": rid, "text": text}, ensure_ascii=False) + "\n")
        answers.write(json.dumps({"id": rid, "output": label}, ensure_ascii=False) + "\n")
PY

rm -f "$out/mock.url"
bin/ann-mock --port 0 --seed "$seed" --latency "$latency" \
    --answers "$out/answers.jsonl" \
    --mistakes missing_field=0.1,string_number=0.1,extra_field=0.1 \
    --fix-rate 0.9 --stats "$out/mock-stats.json" \
    >"$out/mock.url" 2>"$out/mock.err" &
mock=$!
trap 'kill "$mock" 2>/dev/null; wait "$mock" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do
	[ -s "$out/mock.url" ] && break
	sleep 0.05
done
url=$(head -n1 "$out/mock.url")
case "$url" in
http://127.0.0.1:*) ;;
*) echo "retry.bench.sh: ann-mock did not start: $(cat "$out/mock.err")" >&2; exit 3 ;;
esac
export AWS_ENDPOINT_URL_BEDROCK_RUNTIME="$url"

now() { date +%s.%N; }
invoke="$top/bin/ann-invoke -q -m $model -j $jobs"
validate="$top/bin/ann-validate -s $out/schema.json -F"

bin/ann-prompt -q -s "$out/schema.json" <"$out/documents.jsonl" >"$out/requests.jsonl"

t0=$(now)
$invoke <"$out/requests.jsonl" | $validate >"$out/validated.jsonl" 2>"$out/validate.log" || true
t1=$(now)
bin/ann-retry -n 3 -- sh -c "$invoke | $validate -u 2>/dev/null" \
    <"$out/validated.jsonl" >"$out/final.jsonl" 2>"$out/retry.log" || true
t2=$(now)

kill "$mock"
wait "$mock" || true
trap - EXIT INT TERM

cat "$out/retry.log"
python3 - "$out" "$t0" "$t1" "$t2" <<'PY'
import json, sys
out, t0, t1, t2 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])

def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]

def valid_share(records):
    valid = sum(1 for r in records if (r.get("validation") or {}).get("valid") is True)
    return valid, len(records)

first = load(out + "/validated.jsonl")
final = load(out + "/final.jsonl")
stats = json.load(open(out + "/mock-stats.json"))
v1, n1 = valid_share(first)
v2, n2 = valid_share(final)
ids = [r.get("id") for r in final]
print("records in %d, out %d, distinct ids out %d" % (n1, n2, len(set(ids))))
print("valid after first pass  %d of %d (%.4f)" % (v1, n1, v1 / n1))
for k in (1, 2, 3):
    # attempts.rounds counts the re-asks a record went through.
    fixed = sum(1 for r in final if (r.get("validation") or {}).get("valid") is True
                and 0 < (r.get("attempts") or {}).get("rounds", 0) <= k)
    print("valid after re-ask %d    %d of %d (%.4f)" % (k, v1 + fixed, n2, (v1 + fixed) / n2))
stopped = {}
for r in final:
    a = r.get("attempts") or {}
    if (r.get("validation") or {}).get("valid") is not True and a:
        stopped[a.get("stopped")] = stopped.get(a.get("stopped"), 0) + 1
print("valid after ann-retry   %d of %d (%.4f); still invalid by reason: %s"
      % (v2, n2, v2 / n2, json.dumps(stopped, sort_keys=True)))
print("server calls            %d (re-asks %s)" % (stats["calls"], stats.get("reasks")))
print("wall time single pass   %.2f s" % (t1 - t0))
print("wall time ann-retry     %.2f s (+%.0f%%)" % (t2 - t1, 100 * (t2 - t1) / (t1 - t0)))
PY
