#!/bin/sh
# Throughput of ann-invoke against ann-mock on 127.0.0.1, next to the same
# work done by one `curl --aws-sigv4` process per request fanned out with
# `xargs -P J` (curl_xargs.sh of the shared benchmark kit beside the
# repository), at equal concurrency.
#
# For each simulated latency (DELAYS, in ms) and each J (JS), both clients
# send the same number of Converse requests of about 8 KB each: N0 at 0 ms,
# else PER_J * J but at least 100. ann-mock draws each reply's delay from a
# log-normal distribution with the given mean. One row per cell shows
# requests per second, the ratio to the ideal J / latency (none at 0 ms),
# the ratio to J / the mean latency ann-invoke measured (by_mean: near 1
# when the client keeps J requests in flight), client CPU (user + system)
# per request, and the ratio of the two clients' rates. Each cell is one run. The mock accepts every
# request without checking signatures (--no-auth), because curl signs a
# path with %3A in a way servers that re-encode the path reject; the mock
# does the same work for both clients.
#
#   sh bench/invoke.bench.sh            (or: make bench)
#   JS="8 32" DELAYS=200 sh bench/invoke.bench.sh
#
# Only 127.0.0.1 is contacted; credentials are fake.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
shared="$top/../shared/bench"
BIN=${BIN:-$top/bin}
JS=${JS:-"1 8 32 128"}
DELAYS=${DELAYS:-"0 200"}
N0=${N0:-2000}
PER_J=${PER_J:-100}
work=$(mktemp -d)
mock=

cleanup() {
	[ -n "$mock" ] && kill "$mock" 2>/dev/null && wait "$mock" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Fake credentials and a loopback endpoint: no default may lead elsewhere.
for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY
export AWS_REGION=ap-northeast-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true NO_PROXY='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY

# ann-prompt requests carrying the same invoice schema as curl_xargs.sh's bodies.
requests() {
	n=$1
	[ -f "$work/req-$n.jsonl" ] && return 0
	awk -v n="$n" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"id\":\"inv-%06d\",\"text\":\"御請求書 株式会社青葉商事 御中 登録番号 T1234567890123 発行日 2024年6月1日 システム保守料 120,000 円 消費税 12,000 円 合計 138,998 円\"}\n", i
	}' >"$work/docs-$n.jsonl"
	"$BIN/ann-prompt" -l ja -s "$shared/invoice.schema.json" --tool-name record_invoice \
	    -m 2048 "$work/docs-$n.jsonl" >"$work/req-$n.jsonl"
}

start_mock() {
	rm -f "$work/url"
	"$BIN/ann-mock" --port 0 --no-auth --latency "$1" -q >"$work/url" 2>"$work/mock.err" &
	mock=$!
	i=0
	until [ -s "$work/url" ]; do
		i=$((i + 1))
		[ "$i" -lt 50 ] || { cat "$work/mock.err" >&2; exit 1; }
		sleep 0.1
	done
	url=$(head -n 1 "$work/url")
	port=${url##*:}
	export AWS_ENDPOINT_URL="$url"
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -sr), $(nproc) CPUs, $(curl --version | head -n 1 | cut -d' ' -f1-2)"
printf '%-8s %-4s %-6s %-12s %-10s %-8s %-10s %-14s %-12s %-14s %s\n' latency J N invoke_req/s ideal ratio by_mean invoke_cpu_ms curl_req/s curl_cpu_ms invoke/curl
for delay in $DELAYS; do
	start_mock "$delay"
	for j in $JS; do
		if [ "$delay" -eq 0 ]; then n=$N0; else n=$((PER_J * j)); [ "$n" -ge 100 ] || n=100; fi
		requests "$n"
		[ -f "$work/bodies-$n/req-$(printf '%06d' "$n").json" ] ||
		    sh "$shared/curl_xargs.sh" prepare "$n" "$work/bodies-$n"

		/usr/bin/time -f '%e %U %S' -o "$work/t-invoke" "$BIN/ann-invoke" \
		    -m anthropic.claude-3-haiku-20240307-v1:0 -j "$j" --max-attempts 1 -q \
		    --stats "$work/stats.json" \
		    <"$work/req-$n.jsonl" >"$work/out.jsonl" || true
		ok=$(grep -c '"output":' "$work/out.jsonl" || true)
		[ "$ok" -eq "$n" ] || { echo "ann-invoke: $ok of $n answered" >&2; head -c 600 "$work/out.jsonl" >&2; exit 1; }

		/usr/bin/time -f '%e %U %S' -o "$work/t-curl" sh "$shared/curl_xargs.sh" run \
		    -t xargs -j "$j" -n "$n" -p "$port" -d "$work/bodies-$n" -o "$work/resp" 2>/dev/null || true
		cok=$(grep -l '"stopReason"' "$work/resp"/* 2>/dev/null | wc -l)
		[ "$cok" -eq "$n" ] || { echo "curl: $cok of $n answered" >&2; exit 1; }

		# Little's law: j requests in flight for the mean latency the client
		# saw give the rate the server allowed; the client's share of any gap
		# is what remains below it.
		mean=$(sed 's/.*"mean":\([0-9.]*\).*/\1/' "$work/stats.json")
		read -r iw iu is <"$work/t-invoke"
		read -r cw cu cs <"$work/t-curl"
		awk -v d="$delay" -v j="$j" -v n="$n" -v iw="$iw" -v iu="$iu" -v is="$is" -v m="$mean" \
		    -v cw="$cw" -v cu="$cu" -v cs="$cs" 'BEGIN {
			if (iw == 0) iw = 0.01
			if (cw == 0) cw = 0.01
			ir = n / iw; cr = n / cw
			ideal = (d > 0) ? j * 1000 / d : 0
			little = (m > 0) ? j * 1000 / m : 0
			printf "%-8s %-4d %-6d %-12.1f %-10s %-8s %-10s %-14.3f %-12.1f %-14.3f %.1f\n",
			    d " ms", j, n, ir, (d > 0 ? sprintf("%.1f", ideal) : "-"),
			    (d > 0 ? sprintf("%.3f", ir / ideal) : "-"),
			    (d > 0 ? sprintf("%.3f", ir / little) : "-"), (iu + is) * 1000 / n,
			    cr, (cu + cs) * 1000 / n, ir / cr
		}'
	done
	kill "$mock"
	wait "$mock" 2>/dev/null || true
	mock=
done
