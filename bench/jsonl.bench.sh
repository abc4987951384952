#!/bin/sh
# Streams N small records through the shared record loop (build/tools/jsonl-cat)
# and reports time, throughput and peak memory for 10^5 and 10^6 records, so
# flat memory shows as the same peak RSS for both sizes.
set -eu
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"

gen() {
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"id\":\"doc-%07d\",\"text\":\"請求書 合計 ¥%d\",\"n\":%d.50}\n", i, i * 7, i
	}'
}

for n in 100000 1000000; do
	gen "$n" >"$out/records-$n.jsonl"
	bytes=$(wc -c <"$out/records-$n.jsonl")
	/usr/bin/time -f '%e %M' -o "$out/time-$n" \
	    build/tools/jsonl-cat --tag 'seen=true' <"$out/records-$n.jsonl" >"$out/copy-$n.jsonl"
	read -r secs rss_kb <"$out/time-$n"
	lines=$(wc -l <"$out/copy-$n.jsonl")
	awk -v n="$n" -v l="$lines" -v b="$bytes" -v s="$secs" -v r="$rss_kb" 'BEGIN {
		if (s == 0) s = 0.01
		printf "records=%d out=%d MB=%.1f seconds=%.2f records/s=%.0f MB/s=%.1f peak_rss_KiB=%d\n",
		    n, l, b / 1e6, s, n / s, b / 1e6 / s, r
	}'
	[ "$lines" -eq "$n" ] || { echo "lost records: $lines of $n" >&2; exit 1; }
done
rm -f "$out"/records-* "$out"/copy-*
