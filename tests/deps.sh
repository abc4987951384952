#!/bin/sh
# Install the Debian packages named as arguments, but only those missing.
# A machine that already has them needs no root and no network.
set -eu

missing=
for pkg in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $pkg"
	fi
done 2>/dev/null

# The botocore cross-check of the SigV4 signer needs botocore importable by
# the python3 on PATH; Debian's package serves the system python3.
if ! python3 -c 'import botocore' 2>/dev/null; then
	missing="$missing python3-botocore"
fi

# ann-mock's tests drive the server with boto3's bedrock-runtime client.
if ! python3 -c 'import boto3' 2>/dev/null; then
	missing="$missing python3-boto3"
fi

[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: not a Debian system; install these packages by hand:$missing" >&2
	exit 3
fi

echo "deps: installing:$missing" >&2
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
