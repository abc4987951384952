#!/bin/sh
# Merges 1,000,000 records with ann-merge in both modes and reports time and
# peak memory (maximum resident set size from GNU time). CPU time (user plus
# system) is printed too, since wall time suffers most when the machine is shared.
#
# The input is two shards, as a crashed run and its rerun leave them: the
# first contains ids 1..600,000 and the second ids 400,001..800,000
# (so 200,000 ids appear twice and the union has 800,000 records). Each
# record is about 130 bytes with Japanese text. The sorted mode gets the
# same files, which are generated in id order.
set -eu
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"

gen() {
	awk -v lo="$1" -v hi="$2" -v valid="$3" 'BEGIN {
		for (i = lo; i <= hi; i++)
			printf "{\"id\":\"doc-%07d\",\"text\":\"請求書 合計 ¥%d\",\"output\":{\"total\":%d,\"vendor\":\"株式会社\"},\"validation\":{\"valid\":%s}}\n", i, i * 7, i, (i % valid ? "true" : "false")
	}'
}

gen 1 600000 5 >"$out/shard1.jsonl"
gen 400001 800000 3 >"$out/shard2.jsonl"
records=$(cat "$out/shard1.jsonl" "$out/shard2.jsonl" | wc -l)
bytes=$(cat "$out/shard1.jsonl" "$out/shard2.jsonl" | wc -c)

run() {
	label=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$out/time" bin/ann-merge -q "$@" \
	    "$out/shard1.jsonl" "$out/shard2.jsonl" >"$out/merged.jsonl"
	read -r secs user sys rss_kb <"$out/time"
	lines=$(wc -l <"$out/merged.jsonl")
	awk -v m="$label" -v n="$records" -v l="$lines" -v b="$bytes" -v s="$secs" -v c="$user $sys" -v r="$rss_kb" 'BEGIN {
		split(c, cpu, " ")
		if (s == 0) s = 0.01
		printf "mode=%s records=%d out=%d MB=%.1f seconds=%.2f cpu_seconds=%.2f records/s=%.0f peak_rss_KiB=%d\n",
		    m, n, l, b / 1e6, s, cpu[1] + cpu[2], n / s, r
	}'
	[ "$lines" -eq 800000 ] || { echo "expected 800000 records out, got $lines" >&2; exit 1; }
}

run unsorted
run sorted --sorted
run vote-unsorted --vote
run vote-sorted --vote --sorted
rm -f "$out"/shard*.jsonl "$out"/merged.jsonl "$out"/time
