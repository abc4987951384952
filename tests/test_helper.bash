# Loaded by every bats file: a hermetic environment for the commands.
#
# Build-tree binaries come first on PATH; HOME, AWS settings and proxies
# point at nothing real, so no test can reach a network host or pick up
# the machine's credentials. Tests start their own servers on 127.0.0.1.

bats_require_minimum_version 1.5.0

ANN_TOP=${ANN_TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
ANN_BIN=${ANN_BIN:-$ANN_TOP/bin}
ANN_BUILD=${ANN_BUILD:-$ANN_TOP/build}
SHARED="$ANN_TOP/../shared"
export PATH="$ANN_BIN:$ANN_BUILD/tools:$PATH"
export LC_ALL=C

_ann_hermetic_env() {
	local v
	for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do
		unset "$v"
	done
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy ANN_SIGNING_TIME
	export NO_PROXY='*'
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	export AWS_CONFIG_FILE="$HOME/no-config" AWS_SHARED_CREDENTIALS_FILE="$HOME/no-credentials"
	export AWS_EC2_METADATA_DISABLED=true
}

setup() {
	_ann_hermetic_env
	cd "$BATS_TEST_TMPDIR" || return 1
}

# Compares a file with the expected text on stdin, showing a diff on mismatch.
assert_file_equals() {
	local expected="$BATS_TEST_TMPDIR/expected.$$"
	cat >"$expected"
	diff -u "$expected" "$1"
}

# Fails unless every line of the file is valid JSON accepted by python3.
assert_jsonl() {
	python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    assert line.endswith("\n"), "line %d has no newline" % n
    json.loads(line)
' "$1"
}
