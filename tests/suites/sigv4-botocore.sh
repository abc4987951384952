#!/bin/sh
# Cross-checks lib/sigv4 against botocore's SigV4Auth (TAP output).
# Both sign the same table of requests at a pinned time; every
# Authorization header must match byte for byte.
set -u
tool="$ANN_BUILD/tools/sigv4-sign"
if [ ! -x "$tool" ]; then
	echo "1..1"
	echo "not ok 1 - sigv4-sign tool missing at $tool (run make)"
	exit 1
fi
if ! python3 -c 'import botocore.auth' 2>/dev/null; then
	echo "1..1"
	echo "not ok 1 - python3 cannot import botocore (apt install python3-botocore)"
	exit 1
fi
exec python3 "$ANN_TOP/tests/suites/sigv4_botocore.py" "$tool"
