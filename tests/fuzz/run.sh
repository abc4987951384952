#!/bin/sh
# Builds each libFuzzer harness with clang (ASan and UBSan on) and runs it
# for the given number of seconds. Usage: run.sh SECONDS HARNESS.c...
# Crashes are left in build-fuzz/<harness>/ and fail the run. LDLIBS comes
# from the Makefile, so the harnesses link what the commands link.
set -eu

seconds=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DANN_VERSION=\"fuzz\" \
	-DANN_DATADIR=\"$top/share\" -Ilib -Icmd -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
status=0

# Generated sources (templates from share/) come from the normal build.
make --no-print-directory "$top/build/libann.a" >/dev/null

for src in "$@"; do
	name=$(basename "$src" .c)
	dir=build-fuzz/$name
	mkdir -p "$dir/corpus"
	# shellcheck disable=SC2086
	clang $flags -o "$dir/$name" "$src" lib/*.c build/gen/*.c $LDLIBS
	seeds=tests/fuzz/seeds/$name
	echo "fuzz: $name for ${seconds}s"
	if ! "$dir/$name" -max_total_time="$seconds" -max_len=65536 -artifact_prefix="$dir/" \
	    "$dir/corpus" $( [ -d "$seeds" ] && echo "$seeds" ) >"$dir/log" 2>&1; then
		echo "fuzz: $name found a crash; see $dir/log and $dir/crash-*" >&2
		status=1
	fi
	tail -n 3 "$dir/log"
done
exit $status
