#!/bin/sh
# Runs the required modules of the Mustache specification against
# lib/mustache (through build/tools/mustache_spec) and prints TAP.
set -u

specs="$ANN_TOP/../shared/testdata/mustache-spec/specs"
if [ ! -d "$specs" ]; then
	echo "1..1"
	echo "not ok 1 - Mustache specification files not found in $specs"
	exit 1
fi

exec "$ANN_BUILD/tools/mustache_spec" \
	"$specs/comments.json" \
	"$specs/delimiters.json" \
	"$specs/interpolation.json" \
	"$specs/inverted.json" \
	"$specs/partials.json" \
	"$specs/sections.json"
