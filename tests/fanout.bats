#!/usr/bin/env bats
# Fan-out of the main job (doc/fanout.md): GNU parallel on one machine and
# over ssh, and the AWS Batch entry point. The command lines are the doc's
# blocks marked "tested", extracted and run here. Every server is one the
# test starts on 127.0.0.1; `aws` is a stand-in that never leaves the machine.

load test_helper
load secrets_helper

DOC="$ANN_TOP/doc/fanout.md"
EXAMPLES="$ANN_TOP/share/examples/invoices"
BATCH="$ANN_TOP/share/aws-batch"

setup() {
	ann_fake_credentials
	export AWS_CONFIG_FILE="$HOME/no-config" AWS_SHARED_CREDENTIALS_FILE="$HOME/no-credentials"
	export AWS_EC2_METADATA_DISABLED=true NO_PROXY='*'
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy ANN_SIGNING_TIME
	unset PARALLEL PARALLEL_SSH
	export ANN_RATE_DIR="$BATS_TEST_TMPDIR/rate"
	mkdir -p "$ANN_RATE_DIR"
	cd "$BATS_TEST_TMPDIR" || return 1

	# Re-asks are always answered correctly, so every shard ends with
	# status 0 and a rerun runs only the shards that really failed.
	ann-mock --port 0 --answers "$EXAMPLES/labels.jsonl" --mistakes 0.2 --fix-rate 1 \
	    --seed 5 >mock.url 2>mock.err &
	mock_pid=$!
	local i
	for i in $(seq 50); do
		[ -s mock.url ] && break
		sleep 0.1
	done
	url=$(head -n 1 mock.url)
	[[ "$url" == http://127.0.0.1:* ]]
	export AWS_ENDPOINT_URL_BEDROCK_RUNTIME="$url"
}

teardown() {
	local pid
	for pid in ${sshd_pid:-} ${creds_pid:-} ${mock_pid:-}; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}

# Writes the code block that follows <!-- tested: NAME --> in doc/fanout.md
# to a file and prints the file's path.
doc_block() {
	local file="$BATS_TEST_TMPDIR/block-$1.sh"
	awk -v marker="<!-- tested: $1 -->" '
		$0 == marker { found = 1; next }
		found && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }
	' "$DOC" >"$file"
	if [ ! -s "$file" ]; then
		echo "doc/fanout.md has no block marked 'tested: $1'" >&2
		return 1
	fi
	echo "$file"
}

# Prints the id of every record in the files, one per line, duplicates kept.
ids() {
	python3 -c '
import json, sys
for name in sys.argv[1:]:
    for line in open(name, encoding="utf-8"):
        print(json.loads(line)["id"])
' "$@"
}

# Fails, showing the difference, unless the files hold exactly the ids of
# the example documents, each once.
assert_every_document_once() {
	ids "$EXAMPLES/documents.jsonl" | sort >expected-ids
	[ -s expected-ids ]
	ids "$@" | sort >actual-ids
	diff expected-ids actual-ids
}

mock_calls() {
	curl -s --max-time 5 "$url/_mock/stats" |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["calls"])'
}

# The one-machine settings of the doc, then this test's shard count and paths.
local_settings() {
	source "$(doc_block local-settings)"
	N=3
	docs="$EXAMPLES/documents.jsonl"
	pipeline="$ANN_TOP/share/examples/pipeline.sh"
}

@test "parallel: shards cover every document once" {
	local_settings
	run source "$(doc_block local-run)"
	[ "$status" -eq 0 ]
	[ "$(wc -l <shards.log)" -eq $((N + 1)) ]
	for k in $(seq "$N"); do
		[ "$(cat "out/shard-$k/status")" -eq 0 ]
	done
	assert_every_document_once out/shard-*/final.jsonl

	run source "$(doc_block local-merge)"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -eq "$N" ]
	"$pipeline" 1/1 "$docs" single
	ids single/final.jsonl | sort >single-ids
	ids dataset.jsonl | sort >merged-ids
	diff single-ids merged-ids
	assert_every_document_once dataset.jsonl

	# Every shard's ann-invoke drew from the one rate group, and added each
	# call it made to the one budget file.
	[ -f "$ANN_RATE_DIR/ann-rate-invoices" ]
	[ "$(sed -n 's/^calls //p' "$ANN_BUDGET_FILE")" -eq "$(mock_calls)" ]
	ann_assert_no_secrets shards.log dataset.jsonl out/shard-*/*.log
}

@test "parallel: one budget file caps the whole job" {
	local_settings
	# The whole job costs about 0.66 USD in 30 calls: a cap of about ten
	# calls, and two requests in flight per ann-invoke.
	export ANN_JOBS=2 ANN_MAX_COST=0.2
	run source "$(doc_block local-run)"
	local k failed=0
	for k in $(seq "$N"); do
		[ "$(cat "out/shard-$k/status")" -le 1 ]
		failed=$((failed + $(cat "out/shard-$k/status")))
	done
	# parallel's status is the number of shards with records in error.
	[ "$status" -eq "$failed" ]
	assert_every_document_once out/shard-*/final.jsonl
	[ "$(cat out/shard-*/final.jsonl | grep -c '"kind":"budget"')" -gt 0 ]
	[ "$(sed -n 's/^calls //p' "$ANN_BUDGET_FILE")" -eq "$(mock_calls)" ]
	# The job reached the cap and passed it by at most N shards times
	# ANN_JOBS requests in flight, each costing at most what the largest
	# answer of a record cost; the file holds exactly what the records report.
	python3 - "$ANN_BUDGET_FILE" "$ANN_MAX_COST" "$N" "$ANN_JOBS" out/shard-* <<'PY'
import json, sys
total = float(dict(l.split() for l in open(sys.argv[1]).read().splitlines()[1:])["cost_usd"])
cap, shards, jobs = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
reported = largest = 0.0
for out in sys.argv[5:]:
    first = {}
    for line in open(out + "/answers.jsonl"):
        r = json.loads(line)
        first[r["id"]] = r.get("cost_usd", 0.0)
    for line in open(out + "/final.jsonl"):
        r = json.loads(line)
        cost = r.get("cost_usd", 0.0)
        reported += cost
        # A re-asked record sums its answers: the first, and the re-asks.
        largest = max(largest, first[r["id"]], cost - first[r["id"]])
assert abs(total - reported) < 1e-9, (total, reported)
assert total >= cap, (total, cap)
assert total <= cap + shards * jobs * largest, (total, cap, largest)
print("budget: total %.6f, cap %.6f, largest call %.6f" % (total, cap, largest), file=sys.stderr)
PY
}

@test "parallel: a failed shard reruns alone" {
	local_settings
	mkdir out
	# A file where shard 2's folder belongs makes that shard fail with status 3.
	: >out/shard-2
	run source "$(doc_block local-run)"
	[ "$status" -eq 1 ]
	[ "$(awk -F '\t' '$1 == 2 { print $7 }' shards.log)" -eq 3 ]
	[ -s out/shard-1/final.jsonl ]
	[ -s out/shard-3/final.jsonl ]

	rm out/shard-2
	logged=$(wc -l <shards.log)
	run source "$(doc_block local-rerun)"
	[ "$status" -eq 0 ]
	tail -n +"$((logged + 1))" shards.log | cut -f 1,7 >rerun
	printf '2\t0\n' | diff - rerun
	assert_every_document_once out/shard-*/final.jsonl

	# The shared cache answers every request of a shard run again.
	before=$(mock_calls)
	"$pipeline" 1/"$N" "$docs" out/shard-1
	[ "$(mock_calls)" -eq "$before" ]
}

# Starts an sshd on 127.0.0.1 that stands for the doc's hosts: its own host
# key, one client key, and SetEnv giving every session its own HOME, the PATH
# to ann and the AWS settings that a real host keeps in its own files. Points GNU
# parallel's ssh (PARALLEL_SSH) at a client configuration for the host
# names fanout-a and fanout-b, through a wrapper that logs ssh's arguments.
start_sshd() {
	local d="$BATS_TEST_TMPDIR/sshd" host="$BATS_TEST_TMPDIR/host" port attempt i
	mkdir -p "$d" "$host/rate"
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key"
	ssh-keygen -q -t ed25519 -N '' -f "$d/client_key"
	cp "$d/client_key.pub" "$d/authorized_keys"
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n' \
	    "$ANN_FAKE_ACCESS_KEY_ID" "$ANN_FAKE_SECRET_ACCESS_KEY" "$ANN_FAKE_SESSION_TOKEN" \
	    >"$host/credentials"
	chmod 600 "$host/credentials"
	printf '[default]\nregion = ap-northeast-1\n' >"$host/config"
	cat >"$d/ssh" <<-EOF
	#!/bin/sh
	printf '%s\n' "\$*" >>"$d/ssh-arguments.log"
	exec ssh -F "$d/ssh_config" "\$@"
	EOF
	chmod +x "$d/ssh"
	export PARALLEL_SSH="$d/ssh"
	# sshd refuses to start without its privilege separation directory.
	mkdir -p /run/sshd

	# A free port can be taken between the probe and sshd's bind, so try
	# three ports.
	for attempt in 1 2 3; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		write_ssh_configs "$d" "$host" "$port"
		/usr/sbin/sshd -D -e -f "$d/sshd_config" 2>"$d/sshd.log" &
		sshd_pid=$!
		for i in $(seq 50); do
			ssh -F "$d/ssh_config" fanout-a true 2>/dev/null && return 0
			kill -0 "$sshd_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$sshd_pid" 2>/dev/null || true
		wait "$sshd_pid" 2>/dev/null || true
	done
	cat "$d/sshd.log" >&2
	return 1
}

# Writes the sshd and ssh client configurations for a port.
write_ssh_configs() {
	local d=$1 host=$2 port=$3
	cat >"$d/sshd_config" <<-EOF
	ListenAddress 127.0.0.1
	Port $port
	HostKey $d/host_key
	PidFile $d/sshd.pid
	AuthorizedKeysFile $d/authorized_keys
	StrictModes no
	UsePAM no
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin prohibit-password
	AllowUsers $(id -un)
	SetEnv HOME=$host PATH=$ANN_BIN:/usr/local/bin:/usr/bin:/bin AWS_SHARED_CREDENTIALS_FILE=$host/credentials AWS_CONFIG_FILE=$host/config AWS_ENDPOINT_URL_BEDROCK_RUNTIME=$url ANN_RATE_DIR=$host/rate
	LogLevel ERROR
	EOF
	printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d ' ' -f 1,2 "$d/host_key.pub")" >"$d/known_hosts"
	cat >"$d/ssh_config" <<-EOF
	Host fanout-a fanout-b
	    HostName 127.0.0.1
	    Port $port
	    User $(id -un)
	    IdentityFile $d/client_key
	    IdentitiesOnly yes
	    UserKnownHostsFile $d/known_hosts
	    StrictHostKeyChecking yes
	    BatchMode yes
	    LogLevel ERROR
	EOF
}

@test "parallel over ssh: shards run on hosts and come back" {
	[ "$(id -u)" -eq 0 ] || skip "starting an sshd that accepts this user needs root"
	[ -x /usr/sbin/sshd ] || skip "openssh-server is not installed"
	start_sshd
	local_settings
	workdir="$BATS_TEST_TMPDIR/host/work"
	printf '%s\n' 1/fanout-a 1/fanout-b >hosts
	cp -R "$EXAMPLES" invoices

	run source "$(doc_block ssh-run)"
	[ "$status" -eq 0 ]
	assert_every_document_once out/shard-*/final.jsonl
	assert_every_document_once dataset.jsonl
	cut -f 2 shards.log | sed 1d | sort -u >hosts-used
	printf 'fanout-a\nfanout-b\n' | diff - hosts-used

	# The input went to the hosts and is gone; the settings went with --env.
	[ -z "$(ls -A "$workdir" 2>/dev/null)" ]
	[ -f "$BATS_TEST_TMPDIR/host/rate/ann-rate-invoices" ]
	ann_assert_no_secrets "$BATS_TEST_TMPDIR/sshd/ssh-arguments.log" shards.log dataset.jsonl \
	    out/shard-*/*.log
	assert_no_hex_secret "$BATS_TEST_TMPDIR/sshd/ssh-arguments.log"
}

# Fails when the file holds the marker word of the fake secrets in hex:
# parallel hands ssh the remote command hex-encoded, split into arguments.
assert_no_hex_secret() {
	local hex
	hex=$(printf %s SHOULDNEVERAPPEAR | od -An -tx1 | tr -d ' \n')
	if tr -d ' \n' <"$1" | grep -q "$hex"; then
		echo "a secret, hex-encoded, is in $1" >&2
		return 1
	fi
}

# Puts the stand-in aws first on PATH, its buckets in s3/.
use_aws_stub() {
	mkdir -p stubbin s3
	printf '#!/bin/sh\nexec python3 "%s" "$@"\n' "$ANN_TOP/tests/helpers/aws_s3_stub.py" >stubbin/aws
	chmod +x stubbin/aws
	export PATH="$BATS_TEST_TMPDIR/stubbin:$PATH"
	export AWS_STUB_S3_ROOT="$BATS_TEST_TMPDIR/s3" AWS_STUB_LOG="$BATS_TEST_TMPDIR/aws.log"
	: >"$AWS_STUB_LOG"
	[ "$(command -v aws)" = "$BATS_TEST_TMPDIR/stubbin/aws" ]
}

# Fails unless every call of the stand-in was `aws s3 cp` or `aws s3 sync`.
assert_only_s3_copies() {
	if grep -v -E '^s3 (cp|sync) ' "$AWS_STUB_LOG"; then
		echo "the aws commands above are not S3 copies" >&2
		return 1
	fi
}

# Serves the fake keys as a container credentials endpoint on 127.0.0.1,
# as Batch serves the job role's, and points the AWS_CONTAINER_* variables
# at it. The endpoint answers only requests with the fake container token.
start_credentials_endpoint() {
	python3 "$ANN_TOP/tests/helpers/container_creds.py" "$BATS_TEST_TMPDIR/creds.port" &
	creds_pid=$!
	local i
	for i in $(seq 50); do
		[ -s creds.port ] && break
		sleep 0.1
	done
	[ -s creds.port ]
	export AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$(cat creds.port)/creds"
	export AWS_CONTAINER_AUTHORIZATION_TOKEN="$ANN_FAKE_CONTAINER_TOKEN"
}

# Runs a doc block with aws replaced by a function that records its
# arguments, then prints, as shell assignments, the environment of
# --container-overrides and the size of --array-properties (size=, empty
# for a plain job).
submitted() {
	local block
	block=$(doc_block "$1")
	aws() { printf '%s\n' "$@" >submitted-arguments; }
	source "$block"
	unset -f aws
	python3 - submitted-arguments <<-'PY'
	import re, shlex, sys
	args = open(sys.argv[1]).read().split("\n")
	assert args[:2] == ["batch", "submit-job"], args[:2]
	size = ""
	for flag, value in zip(args, args[1:]):
	    if flag == "--array-properties":
	        size = re.fullmatch(r"size=(\d+)", value).group(1)
	    if flag == "--container-overrides":
	        pairs = re.findall(r"\{name=([A-Z_]+),value=([^,}]*)\}", value)
	        assert pairs, value
	        for name, val in pairs:
	            print("export %s=%s" % (name, shlex.quote(val)))
	print("size=%s" % size)
	PY
}

# Prints the job definition's environment as shell assignments.
job_definition_env() {
	python3 - "$BATCH/job-definition.json" <<-'PY'
	import json, shlex, sys
	for var in json.load(open(sys.argv[1]))["containerProperties"]["environment"]:
	    print("export %s=%s" % (var["name"], shlex.quote(var["value"])))
	PY
}

# Runs run-shard.sh as a Batch child would: in its own environment (the job
# definition's, then the submit command's), without the keys, so that the
# credentials come from the container endpoint. Extra NAME=VALUE arguments
# are added last. Writes the status to child-NAME.status.
run_child() {
	local name=$1
	shift
	(
		unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN ANN_CACHE
		eval "$(job_definition_env)"
		eval "$overrides"
		[ $# -eq 0 ] || export "$@"
		status=0
		"$BATCH/run-shard.sh" >"child-$name.out" 2>"child-$name.err" || status=$?
		echo "$status" >"child-$name.status"
	)
}

# The doc's run settings and upload, the stand-in aws, the credentials
# endpoint, and the submit command's environment in $overrides and $size.
batch_settings() {
	use_aws_stub
	start_credentials_endpoint
	source "$(doc_block batch-settings)"
	N=3
	cp -R "$EXAMPLES" invoices
	source "$(doc_block batch-upload)"
	overrides=$(submitted batch-submit)
	eval "$(printf '%s\n' "$overrides" | grep '^size=')"
	[ "$size" -eq "$N" ]
}

@test "batch: every array child writes its shard" {
	batch_settings
	local i pids=()
	for i in $(seq 0 $((size - 1))); do
		run_child "$i" AWS_BATCH_JOB_ARRAY_INDEX="$i" AWS_BATCH_JOB_ARRAY_SIZE="$size" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 0 $((size - 1))); do
		[ "$(cat "child-$i.status")" -eq 0 ]
	done
	assert_only_s3_copies

	run source "$(doc_block batch-collect)"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -eq "$N" ]
	assert_every_document_once results/shard-*-of-"$N"/final.jsonl
	assert_every_document_once dataset.jsonl
	[ ! -e "results/shard-1-of-$N/requests.jsonl" ]
	[ "$(cat "results/shard-1-of-$N/status")" -eq 0 ]
	[ -n "$(ls "s3/ann-example-bucket/runs/invoices-1/cache/shard-1-of-$N")" ]
	assert_only_s3_copies
	ann_assert_no_secrets "$AWS_STUB_LOG" child-*.out child-*.err $(find s3 results -type f)
}

@test "batch: a failed child leaves the others" {
	batch_settings
	local i
	# S3 denies shard 2's results, as a wrong bucket policy would.
	export AWS_STUB_DENY="$run/shard-2-of-$N/*"
	for i in $(seq 0 $((size - 1))); do
		run_child "$i" AWS_BATCH_JOB_ARRAY_INDEX="$i" AWS_BATCH_JOB_ARRAY_SIZE="$size"
	done
	[ "$(cat child-0.status)" -eq 0 ]
	[ "$(cat child-1.status)" -eq 3 ]
	[ "$(cat child-2.status)" -eq 0 ]
	grep -q 'copying the results to .*shard-2-of-3 failed' child-1.err

	run source "$(doc_block batch-collect)"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -eq 2 ]
	[ ! -e "results/shard-2-of-$N" ]

	# The plain job of the doc reruns shard 2, answered from its cache.
	unset AWS_STUB_DENY
	overrides=$(submitted batch-rerun)
	printf '%s\n' "$overrides" | grep -qx 'size='
	before=$(mock_calls)
	run_child rerun
	[ "$(cat child-rerun.status)" -eq 0 ]
	[ "$(mock_calls)" -eq "$before" ]

	rm -rf results
	run source "$(doc_block batch-collect)"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -eq "$N" ]
	assert_every_document_once dataset.jsonl
	assert_only_s3_copies
}

@test "batch: run-shard rejects bad settings before copying" {
	batch_settings
	run_child none
	[ "$(cat child-none.status)" -eq 2 ]
	grep -q 'not an array child' child-none.err
	run_child past AWS_BATCH_JOB_ARRAY_INDEX=3 AWS_BATCH_JOB_ARRAY_SIZE=3
	[ "$(cat child-past.status)" -eq 2 ]
	grep -q 'shard 4 is not between 1 and 3' child-past.err
	run_child no-count ANN_SHARD=1
	[ "$(cat child-no-count.status)" -eq 2 ]
	run_child local-input ANN_SHARD=1 ANN_SHARDS=2 ANN_INPUT=/data/documents.jsonl
	[ "$(cat child-local-input.status)" -eq 2 ]
	grep -q 'ANN_INPUT must be an s3:// URI' child-local-input.err
	# Only the upload of the settings ran the stand-in.
	[ "$(grep -c . "$AWS_STUB_LOG")" -eq 1 ]
}

@test "batch: job definition fits the API and the scripts" {
	python3 - "$BATCH/job-definition.json" <<-'PY'
	import json, sys
	import botocore.session
	from botocore.validate import ParamValidator
	model = botocore.session.get_session().get_service_model("batch")
	shape = model.operation_model("RegisterJobDefinition").input_shape
	report = ParamValidator().validate(json.load(open(sys.argv[1])), shape).generate_report()
	if report:
	    sys.exit(report)
	PY
	# Every variable it sets is read by the entry point or the pipeline.
	for name in $(job_definition_env | sed 's/^export \([A-Z_]*\)=.*/\1/'); do
		[ "$name" = AWS_REGION ] && continue
		grep -q "$name" "$BATCH/run-shard.sh" "$ANN_TOP/share/examples/pipeline.sh"
	done
	python3 -m json.tool "$BATCH/job-role-policy.json" >/dev/null
	python3 -m json.tool "$BATCH/job-role-trust.json" >/dev/null
}

@test "batch: Containerfile builds from what it copies" {
	local file="$BATCH/Containerfile" src
	grep -q '^FROM debian:12 AS build$' "$file"
	grep -q '^FROM debian:12-slim$' "$file"

	# Every COPY from the build context names a path in the source tree,
	# and `make install` needs nothing else.
	mkdir context
	while read -r src; do
		[ -e "$ANN_TOP/$src" ]
		cp -R "$ANN_TOP/$src" context/
	done < <(awk '$1 == "COPY" && $2 !~ /^--from/ { for (i = 2; i < NF; i++) print $i }' "$file")
	[ -f context/Makefile ]
	make -n -C context install DESTDIR="$BATS_TEST_TMPDIR/image" >make-install.txt

	# The entry point is installed under DATADIR and executable.
	entry=$(sed -n 's|^ENTRYPOINT \["/usr/local/share/ann/\(.*\)"\]$|\1|p' "$file")
	[ -n "$entry" ]
	[ -x "$ANN_TOP/share/$entry" ]
	grep -q 'cp -R share/\.' make-install.txt

	# The build stage installs only packages of the Makefile's list.
	# The package names are the lines after `apt-get install`, up to the
	# next line with `&&`.
	apt_packages() {
		awk -v stage="$1" '
			/^FROM / { n++ }
			n == stage && /apt-get install/ { on = 1; next }
			on && /&&/ { on = 0 }
			on { for (i = 1; i <= NF; i++) if ($i != "\\") print $i }
		' "$file" | sort -u
	}
	make -s -C "$ANN_TOP" --eval 'print-packages: ; @echo $(DEB_PACKAGES)' print-packages |
	    tr ' ' '\n' | sed '/^$/d' | sort -u >makefile-packages
	[ -s makefile-packages ]
	apt_packages 1 >build-packages
	[ -s build-packages ]
	comm -23 build-packages makefile-packages | diff /dev/null -

	# The runtime stage installs the package of every shared library that
	# the commands of the normal build (not the sanitizer build) link
	# directly, as Debian 12, the base image's release, names it.
	[ -x "$ANN_TOP/bin/ann-invoke" ] || skip "the normal build (bin/) is missing"
	apt_packages 2 >runtime-packages
	[ -s runtime-packages ]
	for lib in $(for bin in "$ANN_TOP"/bin/ann-*; do readelf -d "$bin"; done |
	    sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u); do
		path=$(ldconfig -p | awk -v lib="$lib" '$1 == lib { print $NF; exit }')
		[ -n "$path" ]
		package=$( (dpkg -S "$(readlink -f "$path")" || dpkg -S "$path") 2>/dev/null | head -n 1 | cut -d : -f 1)
		[ -n "$package" ]
		[ "$package" = libc6 ] && continue
		grep -qx "$package" runtime-packages || { echo "$lib ($package) is not installed in the image" >&2; return 1; }
	done
}
