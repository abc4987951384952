#!/usr/bin/env bats
# The credential chain with distinctive fake secrets: every output of the
# creds-resolve tool (a dry run of what a command prints) is grepped for them.

load secrets_helper

setup() {
	ann_fake_credentials
	tool="$ANN_BUILD/tools/creds-resolve"
	out="$BATS_TEST_TMPDIR/out"
	err="$BATS_TEST_TMPDIR/err"
	export ANN_SIGNING_TIME=20250115T120000Z
}

teardown() {
	if [ -n "${server_pid:-}" ]; then
		kill "$server_pid" 2>/dev/null || true
	fi
}

@test "env credentials: dry run redacts signature and token" {
	"$tool" --sign >"$out" 2>"$err"
	grep -q '^source=environment$' "$out"
	grep -q '^X-Amz-Security-Token: \[redacted\]$' "$out"
	grep -q 'Signature=\[redacted\]$' "$out"
	grep -q 'SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token' "$out"
	ann_assert_no_secrets "$out" "$err"
}

@test "bearer token: dry run redacts it" {
	export AWS_BEARER_TOKEN_BEDROCK="$ANN_FAKE_BEARER_TOKEN"
	"$tool" --bearer --sign >"$out" 2>"$err"
	grep -q '^source=bearer token$' "$out"
	grep -q '^Authorization: Bearer \[redacted\]$' "$out"
	ann_assert_no_secrets "$out" "$err"
}

@test "shared file: malformed line names file and line only" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	printf '[default]\naws_access_key_id = %s\n%s\n' "$ANN_FAKE_ACCESS_KEY_ID" \
		"$ANN_FAKE_SECRET_ACCESS_KEY" >"$HOME/.aws/credentials"
	status=0
	"$tool" >"$out" 2>"$err" || status=$?
	[ "$status" -eq 3 ]
	grep -q "$HOME/.aws/credentials:3: expected" "$err"
	ann_assert_no_secrets "$out" "$err"
}

@test "shared file: repeated secret key reported without value" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	printf '[p]\naws_access_key_id = A\naws_secret_access_key = %s\naws_secret_access_key = %s\n' \
		"$ANN_FAKE_SECRET_ACCESS_KEY" "$ANN_FAKE_SECRET_ACCESS_KEY" >"$HOME/.aws/credentials"
	status=0
	"$tool" --profile p >"$out" 2>"$err" || status=$?
	[ "$status" -eq 3 ]
	grep -q 'credentials:4: key "aws_secret_access_key" repeats the one at line 3' "$err"
	ann_assert_no_secrets "$out" "$err"
}

@test "credential_process: output and failures stay private" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	cat >"$HOME/helper" <<-SCRIPT
	#!/bin/sh
	printf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"%s","SessionToken":"%s","Expiration":"2099-01-01T00:00:00Z"}' \
		"$ANN_FAKE_ACCESS_KEY_ID" "$ANN_FAKE_SECRET_ACCESS_KEY" "$ANN_FAKE_SESSION_TOKEN"
	exit \${HELPER_STATUS:-0}
	SCRIPT
	chmod +x "$HOME/helper"
	printf '[profile p]\ncredential_process = %s/helper\nregion = us-east-1\n' "$HOME" >"$HOME/.aws/config"
	unset AWS_REGION
	"$tool" --profile p --sign >"$out" 2>"$err"
	grep -q '^source=credential_process$' "$out"
	grep -q '^expiration=4070908800$' "$out"
	grep -q '^region=us-east-1 (profile)$' "$out"
	ann_assert_no_secrets "$out" "$err"

	export HELPER_STATUS=4
	status=0
	"$tool" --profile p >"$out" 2>"$err" || status=$?
	[ "$status" -eq 3 ]
	grep -q 'exited with status 4' "$err"
	ann_assert_no_secrets "$out" "$err"
}

@test "container credentials: token and keys stay private" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	port_file="$BATS_TEST_TMPDIR/port"
	python3 "$ANN_TOP/tests/helpers/container_creds.py" "$port_file" &
	server_pid=$!
	for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
	export AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$(cat "$port_file")/creds"
	printf '%s\n' "$ANN_FAKE_CONTAINER_TOKEN" >"$HOME/token"
	export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$HOME/token"
	"$tool" --sign >"$out" 2>"$err"
	grep -q '^source=container credentials$' "$out"
	ann_assert_no_secrets "$out" "$err"

	printf 'wrong\n' >"$HOME/token"
	status=0
	"$tool" >"$out" 2>"$err" || status=$?
	[ "$status" -eq 3 ]
	grep -q 'HTTP status 403' "$err"
	ann_assert_no_secrets "$out" "$err"
}

@test "secrets helper: detects a leak" {
	printf 'x %s y\n' "$ANN_FAKE_SESSION_TOKEN" >"$out"
	run ann_assert_no_secrets "$out"
	[ "$status" -eq 1 ]
	printf 'Signature=%064d\n' 0 >"$out"
	run ann_assert_no_secrets "$out"
	[ "$status" -eq 1 ]
	printf 'clean\n' >"$out"
	ann_assert_no_secrets "$out"
}

@test "ann-mock: rejections and logs carry no secret" {
	cd "$BATS_TEST_TMPDIR"
	export PATH="$ANN_BIN:$PATH"
	export AWS_BEARER_TOKEN_BEDROCK="$ANN_FAKE_BEARER_TOKEN"
	ann-mock --port 0 -vv --stats stats.json >mock.url 2>mock.err &
	server_pid=$!
	for i in $(seq 50); do
		[ -s mock.url ] && break
		sleep 0.1
	done
	url=$(head -n 1 mock.url)
	[[ "$url" == http://127.0.0.1:* ]]
	body='{"messages":[{"role":"user","content":[{"text":"hi"}]}]}'
	# A good bearer token, a wrong one, a wrong secret key, and a wrong session token.
	curl -s -D h1 -o b1 -H "Authorization: Bearer $ANN_FAKE_BEARER_TOKEN" \
	    -H 'Content-Type: application/json' -d "$body" "$url/model/m/converse"
	curl -s -D h2 -o b2 -H "Authorization: Bearer ${ANN_FAKE_BEARER_TOKEN}x" \
	    -H 'Content-Type: application/json' -d "$body" "$url/model/m/converse"
	grep -q '^HTTP/1.1 200' h1
	grep -q '^HTTP/1.1 403' h2
	printf '{"id":"r1","request":{"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"max_tokens":10}}\n' >req.jsonl
	unset AWS_BEARER_TOKEN_BEDROCK
	AWS_SECRET_ACCESS_KEY="${ANN_FAKE_SECRET_ACCESS_KEY}x" AWS_ENDPOINT_URL="$url" \
	    ann-invoke -vv -m m --max-attempts 1 <req.jsonl >o1 2>e1 || true
	AWS_SESSION_TOKEN="${ANN_FAKE_SESSION_TOKEN}x" AWS_ENDPOINT_URL="$url" \
	    ann-invoke -vv -m m --max-attempts 1 <req.jsonl >o2 2>e2 || true
	grep -q '"kind":"access"' o1
	grep -q '"kind":"access"' o2
	kill "$server_pid"
	wait "$server_pid" || true
	server_pid=
	ann_assert_no_secrets mock.url mock.err stats.json h1 b1 h2 b2 o1 e1 o2 e2
}
