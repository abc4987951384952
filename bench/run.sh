#!/bin/sh
# Runs every benchmark script in bench/ (bench/*.bench.sh) in turn.
set -eu
cd "$(dirname "$0")/.."
for b in bench/*.bench.sh; do
	echo "== $b"
	sh "$b"
done
