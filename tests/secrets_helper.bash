# Fake credentials for tests of commands that touch AWS credentials.
#
# Each value contains a marker word that cannot occur by accident, so a
# grep over a command's stdout, stderr and files finds any leak. Load it
# from a bats file with `load secrets_helper`, call ann_fake_credentials in
# setup, run the command, then ann_assert_no_secrets on every output file.

ANN_FAKE_ACCESS_KEY_ID="AKIDFAKEFORTESTS0001"
ANN_FAKE_SECRET_ACCESS_KEY="fakeSECRETSHOULDNEVERAPPEAR/key+0001"
ANN_FAKE_SESSION_TOKEN="fakeTOKENSHOULDNEVERAPPEAR//session+token=="
ANN_FAKE_BEARER_TOKEN="ABSKfakeBEARERSHOULDNEVERAPPEAR0001"
ANN_FAKE_CONTAINER_TOKEN="fakeCONTAINERTOKENSHOULDNEVERAPPEAR"
export ANN_FAKE_ACCESS_KEY_ID ANN_FAKE_SECRET_ACCESS_KEY ANN_FAKE_SESSION_TOKEN \
	ANN_FAKE_BEARER_TOKEN ANN_FAKE_CONTAINER_TOKEN

# Prints the secrets to look for, one per line.
ann_fake_secrets() {
	printf '%s\n' "$ANN_FAKE_SECRET_ACCESS_KEY" "$ANN_FAKE_SESSION_TOKEN" \
		"$ANN_FAKE_BEARER_TOKEN" "$ANN_FAKE_CONTAINER_TOKEN" "SHOULDNEVERAPPEAR"
}

# Isolates the test from the machine with a private HOME, no AWS_* variable
# inherited, a region, and an endpoint on a loopback port nothing listens
# on. So no default can lead to a real AWS host or a metadata address.
# Then exports the fake keys in the AWS_* variables.
ann_fake_credentials() {
	local name
	for name in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do
		unset "$name"
	done
	export HOME="${BATS_TEST_TMPDIR:?}/home"
	mkdir -p "$HOME/.aws"
	export AWS_REGION=ap-northeast-1
	export AWS_ENDPOINT_URL=http://127.0.0.1:9
	export AWS_ACCESS_KEY_ID="$ANN_FAKE_ACCESS_KEY_ID"
	export AWS_SECRET_ACCESS_KEY="$ANN_FAKE_SECRET_ACCESS_KEY"
	export AWS_SESSION_TOKEN="$ANN_FAKE_SESSION_TOKEN"
}

# Fails, naming the file and the secret, when any given file contains a
# fake secret or a SigV4 signature value.
ann_assert_no_secrets() {
	local file secret status=0
	for file in "$@"; do
		[ -e "$file" ] || { echo "ann_assert_no_secrets: $file does not exist" >&2; return 1; }
		while IFS= read -r secret; do
			if grep -qF -- "$secret" "$file"; then
				echo "secret \"$secret\" found in $file" >&2
				status=1
			fi
		done < <(ann_fake_secrets)
		if grep -qE 'Signature=[0-9a-f]{64}' "$file"; then
			echo "a SigV4 signature found in $file" >&2
			status=1
		fi
	done
	return "$status"
}
