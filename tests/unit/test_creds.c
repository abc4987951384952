/*
 * Credential chain, shared files, region and endpoint tests.
 *
 * Every test starts from a clean environment: HOME points at a fresh
 * temporary directory and every AWS_* variable is removed, so nothing on
 * the machine leaks in. The only server contacted is one this program
 * starts on 127.0.0.1; the relative container URI (169.254.170.2) is
 * formed and checked, never fetched.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "awsconfig.h"
#include "creds.h"
#include "err.h"
#include "harness.h"
#include "region.h"

extern char **environ;

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define EXPIRY ((time_t)1893456000) /* 2030-01-01T00:00:00Z */

static char tmp[256];
static char path_buf[512];

static const char *
tmp_path(const char *name)
{
	snprintf(path_buf, sizeof path_buf, "%s/%s", tmp, name);
	return path_buf;
}

static void
write_file(const char *name, const char *text, int executable)
{
	const char *path = tmp_path(name);
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		printf("# cannot write %s\n", path);
		return;
	}
	fputs(text, f);
	fclose(f);
	if (executable)
		chmod(path, 0755);
}

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes every AWS_* variable and empties the temporary HOME. */
static void
reset_env(void)
{
	char names[64][128];
	size_t n = 0;
	char **env;
	size_t i;

	for (env = environ; *env != NULL && n < 64; env++) {
		const char *eq = strchr(*env, '=');

		if (strncmp(*env, "AWS_", 4) == 0 && eq != NULL && (size_t)(eq - *env) < 128) {
			memcpy(names[n], *env, (size_t)(eq - *env));
			names[n][eq - *env] = '\0';
			n++;
		}
	}
	for (i = 0; i < n; i++)
		unsetenv(names[i]);
	nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(tmp, 0700);
	mkdir(tmp_path(".aws"), 0700);
	setenv("HOME", tmp, 1);
}

static int
resolve(struct ann_creds *c, const struct ann_creds_options *opt, struct ann_error *e)
{
	memset(e, 0, sizeof *e);
	return ann_creds_resolve(c, opt, e);
}

/* ---- environment and explicit keys ---- */

static void
env_keys_used(void)
{
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	setenv("AWS_ACCESS_KEY_ID", " AKIDENV ", 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET " ", 1);
	setenv("AWS_SESSION_TOKEN", "ENVTOKEN\n", 1);
	CHECK_INT(ANN_OK, resolve(&c, NULL, &e));
	CHECK_INT(ANN_CREDS_ENV, c.source);
	CHECK_STR("AKIDENV", c.access_key_id);
	CHECK_STR(SECRET, c.secret_access_key);
	CHECK_STR("ENVTOKEN", c.session_token);
	CHECK_INT(0, c.expiration);
	ann_creds_clear(&c);
	CHECK(c.access_key_id == NULL);

	setenv("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z", 1);
	CHECK_INT(ANN_OK, resolve(&c, NULL, &e));
	CHECK_INT(EXPIRY, c.expiration);
	ann_creds_clear(&c);
	setenv("AWS_CREDENTIAL_EXPIRATION", "tomorrow", 1);
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, NULL, &e));
	CHECK(strstr(e.msg, "AWS_CREDENTIAL_EXPIRATION") != NULL);
}

static void
env_partial_keys_rejected(void)
{
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, NULL, &e));
	CHECK(strstr(e.msg, "AWS_ACCESS_KEY_ID") != NULL);
	CHECK(strstr(e.msg, SECRET) == NULL);
}

/* Keys given by the caller never pick up a token from another principal. */
static void
explicit_keys_keep_own_token(void)
{
	struct ann_creds_options opt = { 0 };
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_SESSION_TOKEN", "TOKEN-OF-ROLE-X", 1);
	opt.access_key_id = "AKIDEXAMPLE";
	opt.secret_access_key = SECRET;
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_INT(ANN_CREDS_EXPLICIT, c.source);
	CHECK_STR("AKIDEXAMPLE", c.access_key_id);
	CHECK(c.session_token == NULL);
	CHECK_STR("keys given as options", c.origin);
	ann_creds_clear(&c);

	opt.session_token = "OWNTOKEN";
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_STR("OWNTOKEN", c.session_token);
	ann_creds_clear(&c);

	opt.secret_access_key = NULL;
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, &opt, &e));
}

static void
bearer_token_when_allowed(void)
{
	struct ann_creds_options opt = { 0 };
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	setenv("AWS_BEARER_TOKEN_BEDROCK", "ABSKexamplebearer", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	opt.allow_bearer = 1;
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_INT(ANN_CREDS_BEARER, c.source);
	CHECK_STR("ABSKexamplebearer", c.bearer_token);
	CHECK(c.access_key_id == NULL);
	ann_creds_clear(&c);

	opt.allow_bearer = 0;
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_INT(ANN_CREDS_ENV, c.source);
	CHECK(c.bearer_token == NULL);
	ann_creds_clear(&c);

	opt.allow_bearer = 1;
	setenv("AWS_BEARER_TOKEN_BEDROCK", "abc\r\nX-Injected: 1", 1);
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, &opt, &e));
	CHECK(strstr(e.msg, "X-Injected") == NULL);
}

/* ---- shared files ---- */

static void
shared_file_default_profile(void)
{
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	write_file(".aws/credentials",
	    "# keys\n[default]\naws_access_key_id = AKIDFILE\nAWS_SECRET_ACCESS_KEY=" SECRET "\n"
	    "aws_session_token: FILETOKEN\n\n[other]\naws_access_key_id = AKIDOTHER\n"
	    "aws_secret_access_key = othersecret\n", 0);
	CHECK_INT(ANN_OK, resolve(&c, NULL, &e));
	CHECK_INT(ANN_CREDS_SHARED_FILE, c.source);
	CHECK_STR("AKIDFILE", c.access_key_id);
	CHECK_STR(SECRET, c.secret_access_key);
	CHECK_STR("FILETOKEN", c.session_token);
	CHECK(strstr(c.origin, "profile \"default\"") != NULL);
	CHECK(strstr(c.origin, ".aws/credentials") != NULL);
	ann_creds_clear(&c);

	setenv("AWS_PROFILE", "other", 1);
	CHECK_INT(ANN_OK, resolve(&c, NULL, &e));
	CHECK_STR("AKIDOTHER", c.access_key_id);
	CHECK(c.session_token == NULL);
	ann_creds_clear(&c);
}

static void
shared_file_paths_from_env(void)
{
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	write_file("creds-elsewhere", "[work]\naws_access_key_id=AKIDWORK\naws_secret_access_key=w\n", 0);
	write_file("config-elsewhere", "[profile work]\nregion = ap-northeast-3\n", 0);
	write_file(".aws/credentials", "[work]\naws_access_key_id=AKIDHOME\naws_secret_access_key=h\n", 0);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "~/creds-elsewhere", 1);
	setenv("AWS_CONFIG_FILE", tmp_path("config-elsewhere"), 1);
	setenv("AWS_PROFILE", "work", 1);
	CHECK_INT(ANN_OK, resolve(&c, NULL, &e));
	CHECK_STR("AKIDWORK", c.access_key_id);
	CHECK(strstr(c.origin, "creds-elsewhere") != NULL);
	ann_creds_clear(&c);
}

/* An explicit profile skips the environment keys; AWS_PROFILE does not. */
static void
profile_argument_skips_env(void)
{
	struct ann_creds_options opt = { 0 };
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	write_file(".aws/credentials", "[ann]\naws_access_key_id=AKIDANN\naws_secret_access_key=s\n", 0);
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	opt.profile = "ann";
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_STR("AKIDANN", c.access_key_id);
	ann_creds_clear(&c);

	setenv("AWS_PROFILE", "ann", 1);
	CHECK_INT(ANN_OK, resolve(&c, NULL, &e));
	CHECK_STR("AKIDENV", c.access_key_id);
	ann_creds_clear(&c);
}

static void
config_profile_section_form(void)
{
	struct ann_creds_options opt = { 0 };
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	write_file(".aws/config",
	    "[default]\nregion = us-east-1\n\n[profile  tokyo]\nregion = ap-northeast-1\n"
	    "aws_access_key_id = AKIDCFG\naws_secret_access_key = cfgsecret\n"
	    "s3 =\n  max_concurrent_requests = 10\n  addressing_style = path\n\n"
	    "[bare]\naws_access_key_id = AKIDBARE\naws_secret_access_key = bare\n", 0);
	opt.profile = "tokyo";
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_INT(ANN_CREDS_CONFIG_FILE, c.source);
	CHECK_STR("AKIDCFG", c.access_key_id);
	ann_creds_clear(&c);

	/* A bare [name] in the config file is not a profile. */
	opt.profile = "bare";
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, &opt, &e));
	CHECK(strstr(e.msg, "profile \"bare\"") != NULL);
	CHECK(strstr(e.msg, "not found") != NULL);
}

static void
file_then_process_then_config(void)
{
	struct ann_creds_options opt = { 0 };
	struct ann_creds c;
	struct ann_error e;
	char config[1024];

	reset_env();
	write_file("helper.sh",
	    "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
	    "\"SecretAccessKey\": \"procsecret\"}'\n", 1);
	snprintf(config, sizeof config,
	    "[profile p]\ncredential_process = %s/helper.sh\n"
	    "aws_access_key_id = AKIDCFG\naws_secret_access_key = cfg\n", tmp);
	write_file(".aws/config", config, 0);
	write_file(".aws/credentials", "[p]\naws_access_key_id = AKIDFILE\naws_secret_access_key = f\n", 0);
	opt.profile = "p";
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_STR("AKIDFILE", c.access_key_id);
	ann_creds_clear(&c);

	write_file(".aws/credentials", "[p]\nregion = us-west-2\n", 0);
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_STR("AKIDPROC", c.access_key_id);
	CHECK_INT(ANN_CREDS_PROCESS, c.source);
	ann_creds_clear(&c);

	write_file(".aws/config", "[profile p]\naws_access_key_id = AKIDCFG\naws_secret_access_key = cfg\n", 0);
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_STR("AKIDCFG", c.access_key_id);
	ann_creds_clear(&c);
}

static void
unsupported_profile_reported(void)
{
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	write_file(".aws/config",
	    "[default]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\n", 0);
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, NULL, &e));
	CHECK(strstr(e.msg, "role_arn") != NULL);
	CHECK(strstr(e.msg, "config:2:") != NULL);
}

/* Each malformed file gives an error naming the file and the line. */
static void
malformed_files_name_line(void)
{
	static const struct {
		const char *text;
		const char *where;
		const char *what;
	} cases[] = {
		{ "aws_access_key_id = AKID\n", "credentials:1:", "before the first" },
		{ "[default]\naws_access_key_id = AKID\nthis line is wrong\n", "credentials:3:", "key = value" },
		{ "[default\naws_access_key_id = AKID\n", "credentials:1:", "closing" },
		{ "[default]\n\n[default]\n", "credentials:3:", "repeats" },
		{ "[default]\naws_secret_access_key = " SECRET "\naws_secret_access_key = x" SECRET "\n", "credentials:3:", "repeats" },
		{ "[default]\n= value\n", "credentials:2:", "key = value" },
		{ "[default]\naws_secret_access_key = " SECRET "\n", "credentials:2:", "no aws_access_key_id" },
		{ "[]\n", "credentials:1:", "empty section" },
	};
	struct ann_creds c;
	struct ann_error e;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		reset_env();
		write_file(".aws/credentials", cases[i].text, 0);
		CHECK_INT(ANN_ERR_CONFIG, resolve(&c, NULL, &e));
		if (strstr(e.msg, cases[i].where) == NULL || strstr(e.msg, cases[i].what) == NULL)
			printf("# case %zu message: %s\n", i, e.msg);
		CHECK(strstr(e.msg, cases[i].where) != NULL);
		CHECK(strstr(e.msg, cases[i].what) != NULL);
		CHECK(strstr(e.msg, tmp) != NULL);
		CHECK(strstr(e.msg, SECRET) == NULL);
	}

	reset_env();
	write_file(".aws/config", "[default]\nregion = us-east-1\n  continued\nnot a setting\n", 0);
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, NULL, &e));
	CHECK(strstr(e.msg, "config:4:") != NULL);
}

static void
config_syntax_accepted(void)
{
	struct ann_aws_file f;
	struct ann_error e = ANN_ERROR_INIT;
	const struct ann_aws_section *s;

	reset_env();
	write_file("ok.ini",
	    "\xEF\xBB\xBF; comment\n[default]\n  # indented comment\nKey_One = a = b\n"
	    "key2: x:y\nnested =\n  a = 1\n  b = 2\n\n[ spaced ]\nk=\n", 0);
	CHECK_INT(ANN_OK, ann_aws_file_load(&f, tmp_path("ok.ini"), &e));
	CHECK_INT(1, f.exists);
	CHECK_INT(2, f.n);
	s = ann_aws_file_section(&f, "default");
	CHECK(s != NULL);
	CHECK_STR("a = b", ann_aws_section_get(s, "key_one")->value);
	CHECK_STR("x:y", ann_aws_section_get(s, "key2")->value);
	CHECK_STR("\na = 1\nb = 2", ann_aws_section_get(s, "nested")->value);
	CHECK_INT(6, ann_aws_section_get(s, "nested")->line);
	s = ann_aws_file_section(&f, "spaced");
	CHECK(s != NULL);
	CHECK_STR("", ann_aws_section_get(s, "k")->value);
	ann_aws_file_clear(&f);

	CHECK_INT(ANN_OK, ann_aws_file_load(&f, tmp_path("missing.ini"), &e));
	CHECK_INT(0, f.exists);
	ann_aws_file_clear(&f);
}

/* ---- credential_process ---- */

static void
process_output_parsed(void)
{
	struct ann_creds c;
	struct ann_error e = ANN_ERROR_INIT;
	static const char ok[] = "{\"Version\": 1, \"AccessKeyId\": \"AKIDP\", \"SecretAccessKey\": \""
	    SECRET "\", \"SessionToken\": \"PTOKEN\", \"Expiration\": \"2030-01-01T00:00:00Z\"}";
	static const char *const bad[] = {
		"{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" SECRET "\"}",
		"{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" SECRET "\"}",
		"{\"Version\": 1, \"AccessKeyId\": \"A\"}",
		"{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" SECRET "\", \"Expiration\": \"soon\"}",
		"{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" SECRET "\", \"SessionToken\": 5}",
		("not json " SECRET),
		"[1]",
	};
	size_t i;

	CHECK_INT(ANN_OK, ann_creds_parse_process_output(&c, ok, strlen(ok), &e));
	CHECK_STR("AKIDP", c.access_key_id);
	CHECK_STR(SECRET, c.secret_access_key);
	CHECK_STR("PTOKEN", c.session_token);
	CHECK_INT(EXPIRY, c.expiration);
	ann_creds_clear(&c);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(ANN_ERR_CONFIG, ann_creds_parse_process_output(&c, bad[i], strlen(bad[i]), &e));
		CHECK(strstr(e.msg, SECRET) == NULL);
		CHECK(c.access_key_id == NULL);
	}
}

static void
process_run_and_fail(void)
{
	struct ann_creds c;
	struct ann_error e = ANN_ERROR_INIT;
	char cmd[1024];
	int records[2];
	int saved_stdin;
	int rc;

	reset_env();
	/* The helper must see EOF on stdin: ann's own stdin carries records. */
	write_file("with space.sh",
	    "#!/bin/sh\nif read line; then echo 'stdin was not empty' >&2; exit 3; fi\n"
	    "printf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"s\","
	    "\"Expiration\":\"2030-01-01T09:00:00+09:00\"}' \"$1\"\n", 1);
	snprintf(cmd, sizeof cmd, "'%s/with space.sh' \"AKID\"'Q'", tmp);
	saved_stdin = dup(0);
	if (pipe(records) == 0) {
		CHECK_INT(9, write(records[1], "{\"id\":1}\n", 9));
		close(records[1]);
		dup2(records[0], 0);
		close(records[0]);
	}
	rc = ann_creds_from_process(&c, cmd, 5000, &e);
	dup2(saved_stdin, 0);
	close(saved_stdin);
	CHECK_INT(ANN_OK, rc);
	CHECK_STR("", e.msg);
	CHECK_STR("AKIDQ", c.access_key_id);
	CHECK_INT(EXPIRY, c.expiration);
	ann_creds_clear(&c);

	write_file("fail.sh", "#!/bin/sh\necho \"{\\\"SecretAccessKey\\\": \\\"" SECRET "\\\"}\"\nexit 7\n", 1);
	snprintf(cmd, sizeof cmd, "%s/fail.sh", tmp);
	CHECK_INT(ANN_ERR_CONFIG, ann_creds_from_process(&c, cmd, 5000, &e));
	CHECK(strstr(e.msg, "status 7") != NULL);
	CHECK(strstr(e.msg, SECRET) == NULL);

	write_file("slow.sh", "#!/bin/sh\nexec sleep 5\n", 1);
	snprintf(cmd, sizeof cmd, "%s/slow.sh", tmp);
	CHECK_INT(ANN_ERR_CONFIG, ann_creds_from_process(&c, cmd, 200, &e));
	CHECK(strstr(e.msg, "timed out") != NULL);

	snprintf(cmd, sizeof cmd, "%s/does-not-exist", tmp);
	CHECK_INT(ANN_ERR_CONFIG, ann_creds_from_process(&c, cmd, 5000, &e));
	CHECK(strstr(e.msg, "cannot run") != NULL);
}

static void
command_split_like_shell(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	char **argv = NULL;

	CHECK_INT(ANN_OK, ann_creds_split_command("  a 'b c'  \"d \\\"e\\\" $f\" g\\ h i''j ", &argv, &e));
	CHECK(argv != NULL);
	if (argv != NULL) {
		CHECK_STR("a", argv[0]);
		CHECK_STR("b c", argv[1]);
		CHECK_STR("d \"e\" $f", argv[2]);
		CHECK_STR("g h", argv[3]);
		CHECK_STR("ij", argv[4]);
		CHECK(argv[5] == NULL);
	}
	ann_creds_free_argv(argv);
	CHECK_INT(ANN_ERR_CONFIG, ann_creds_split_command("a 'b", &argv, &e));
	CHECK_INT(ANN_ERR_CONFIG, ann_creds_split_command("a \"b", &argv, &e));
	CHECK_INT(ANN_ERR_CONFIG, ann_creds_split_command("   ", &argv, &e));
}

static void
iso_times_parsed(void)
{
	time_t t = 0;

	CHECK_INT(ANN_OK, ann_creds_parse_time("2030-01-01T00:00:00Z", &t));
	CHECK_INT(EXPIRY, t);
	CHECK_INT(ANN_OK, ann_creds_parse_time("2030-01-01T00:00:00.123456Z", &t));
	CHECK_INT(EXPIRY, t);
	CHECK_INT(ANN_OK, ann_creds_parse_time("2029-12-31T19:00:00-05:00", &t));
	CHECK_INT(EXPIRY, t);
	CHECK_INT(ANN_OK, ann_creds_parse_time("2030-01-01T09:00:00+0900", &t));
	CHECK_INT(EXPIRY, t);
	CHECK_INT(ANN_ERR_INVALID, ann_creds_parse_time("2030-01-01", &t));
	CHECK_INT(ANN_ERR_INVALID, ann_creds_parse_time("2030-01-01T00:00:00", &t));
	CHECK_INT(ANN_ERR_INVALID, ann_creds_parse_time("2030-13-01T00:00:00Z", &t));
	CHECK_INT(ANN_ERR_INVALID, ann_creds_parse_time("2030-01-01T00:00:00Zjunk", &t));
}

/* ---- refresh ---- */

/* Writes a helper that counts its runs and fails from run fail_from on. */
static void
write_counting_helper(int fail_from)
{
	char script[1024];
	char config[1024];

	snprintf(script, sizeof script,
	    "#!/bin/sh\nn=$(cat '%s/count' 2>/dev/null || echo 0)\nn=$((n + 1))\n"
	    "echo $n > '%s/count'\n"
	    "if [ %d -gt 0 ] && [ $n -ge %d ]; then exit 1; fi\n"
	    "printf '{\"Version\":1,\"AccessKeyId\":\"AKID%%s\",\"SecretAccessKey\":\"s\","
	    "\"SessionToken\":\"T\",\"Expiration\":\"2030-01-01T00:00:00Z\"}' $n\n",
	    tmp, tmp, fail_from, fail_from);
	write_file("count.sh", script, 1);
	snprintf(config, sizeof config, "[default]\ncredential_process = %s/count.sh\n", tmp);
	write_file(".aws/config", config, 0);
}

static void
provider_refreshes_before_expiry(void)
{
	struct ann_creds_provider *p = NULL;
	struct ann_creds c;
	struct ann_error e = ANN_ERROR_INIT;

	reset_env();
	write_counting_helper(0);
	CHECK_INT(ANN_OK, ann_creds_provider_new(&p, NULL, &e));
	if (p == NULL)
		return;
	CHECK_INT(ANN_OK, ann_creds_provider_get(p, EXPIRY - 3600, &c, &e));
	CHECK_STR("AKID1", c.access_key_id);
	CHECK_INT(ANN_CREDS_PROCESS, c.source);
	ann_creds_clear(&c);
	CHECK_INT(1, ann_creds_provider_resolutions(p));

	/* Inside the 15-minute window the chain runs again. */
	CHECK_INT(ANN_OK, ann_creds_provider_get(p, EXPIRY - 800, &c, &e));
	CHECK_STR("AKID2", c.access_key_id);
	ann_creds_clear(&c);
	CHECK_INT(2, ann_creds_provider_resolutions(p));

	/* Not again within a minute while time remains... */
	CHECK_INT(ANN_OK, ann_creds_provider_get(p, EXPIRY - 790, &c, &e));
	CHECK_STR("AKID2", c.access_key_id);
	ann_creds_clear(&c);
	CHECK_INT(2, ann_creds_provider_resolutions(p));

	/* ...but always inside the 10-minute window. */
	CHECK_INT(ANN_OK, ann_creds_provider_get(p, EXPIRY - 500, &c, &e));
	CHECK_STR("AKID3", c.access_key_id);
	ann_creds_clear(&c);
	ann_creds_provider_free(p);
}

static void
provider_refresh_failure(void)
{
	struct ann_creds_provider *p = NULL;
	struct ann_creds_options opt = { 0 };
	struct ann_creds c;
	struct ann_error e = ANN_ERROR_INIT;

	reset_env();
	write_counting_helper(2);
	CHECK_INT(ANN_OK, ann_creds_provider_new(&p, &opt, &e));
	if (p == NULL)
		return;
	/* A failed early refresh keeps the current credentials. */
	CHECK_INT(ANN_OK, ann_creds_provider_get(p, EXPIRY - 800, &c, &e));
	CHECK_STR("AKID1", c.access_key_id);
	ann_creds_clear(&c);
	/* A failed required refresh is an error. */
	CHECK_INT(ANN_ERR_CONFIG, ann_creds_provider_get(p, EXPIRY - 500, &c, &e));
	CHECK(strstr(e.msg, "refresh credentials") != NULL);
	CHECK(strstr(e.msg, "status 1") != NULL);
	CHECK(c.access_key_id == NULL);
	ann_creds_provider_free(p);

	/* Static keys never expire, so nothing is refreshed. */
	reset_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
	CHECK_INT(ANN_OK, ann_creds_provider_new(&p, NULL, &e));
	CHECK_INT(ANN_OK, ann_creds_provider_get(p, EXPIRY * 2, &c, &e));
	CHECK_INT(1, ann_creds_provider_resolutions(p));
	ann_creds_clear(&c);
	ann_creds_provider_free(p);

	/* Expired credentials from a source that cannot refresh are an error. */
	setenv("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z", 1);
	CHECK_INT(ANN_OK, ann_creds_provider_new(&p, NULL, &e));
	CHECK_INT(ANN_ERR_CONFIG, ann_creds_provider_get(p, EXPIRY + 1, &c, &e));
	CHECK(strstr(e.msg, "expired at 2030-01-01T00:00:00Z") != NULL);
	ann_creds_provider_free(p);
}

/* ---- container credentials ---- */

static struct MHD_Daemon *server;
static unsigned short server_port;
static char seen_auth[256];
static unsigned server_hits;

static enum MHD_Result
serve(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **state)
{
	static const char creds[] = "{\"AccessKeyId\":\"AKIDCONT\",\"SecretAccessKey\":\"contsecret\","
	    "\"Token\":\"CONTTOKEN\",\"Expiration\":\"2030-01-01T00:00:00Z\","
	    "\"RoleArn\":\"arn:aws:iam::123456789012:role/batch\"}";
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	const char *body = "{}";
	unsigned status = 404;
	struct MHD_Response *r;
	enum MHD_Result ok;

	(void)cls;
	(void)method;
	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	server_hits++;
	snprintf(seen_auth, sizeof seen_auth, "%s", auth ? auth : "");
	if (strcmp(url, "/creds") == 0) {
		int authorized = auth != NULL && strcmp(auth, "container-token-123") == 0;

		status = authorized ? 200 : 401;
		body = authorized ? creds : "{\"message\":\"unauthorized\"}";
	} else if (strcmp(url, "/open") == 0) {
		status = 200;
		body = creds;
	} else if (strcmp(url, "/broken") == 0) {
		status = 200;
		body = "<html>";
	}
	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	ok = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ok;
}

static void
start_server(void)
{
	struct sockaddr_in addr;
	const union MHD_DaemonInfo *info;

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	server = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, serve, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_END);
	if (server == NULL)
		return;
	info = MHD_get_daemon_info(server, MHD_DAEMON_INFO_BIND_PORT);
	server_port = info ? info->port : 0;
}

static void
set_full_uri(const char *path)
{
	char url[256];

	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", server_port, path);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
}

static void
container_url_rules(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	char *url = NULL;

	reset_env();
	CHECK_INT(ANN_OK, ann_creds_container_url(&url, &e));
	CHECK(url == NULL);

	/* Formed and checked here, never fetched. */
	setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", 1);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/ignored", 1);
	CHECK_INT(ANN_OK, ann_creds_container_url(&url, &e));
	CHECK_STR("http://169.254.170.2/v2/credentials/abc", url);
	free(url);
	setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/x", 1);
	CHECK_INT(ANN_ERR_CONFIG, ann_creds_container_url(&url, &e));
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");

	static const char *const allowed[] = {
		"http://127.0.0.1:8080/creds", "http://127.1.2.3/x", "http://localhost/x",
		"http://[::1]:80/x", "https://creds.example.com/x", "http://169.254.170.23/v1/credentials",
	};
	static const char *const rejected[] = {
		"http://creds.example.com/x", "http://10.0.0.1/x", "ftp://127.0.0.1/x", "not a url",
		"http://127.0.0.1.example.com/x",
	};
	size_t i;

	for (i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
		setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed[i], 1);
		CHECK_INT(ANN_OK, ann_creds_container_url(&url, &e));
		CHECK_STR(allowed[i], url);
		free(url);
	}
	for (i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
		setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", rejected[i], 1);
		CHECK_INT(ANN_ERR_CONFIG, ann_creds_container_url(&url, &e));
		CHECK(url == NULL);
	}
}

static void
container_fetch_with_token(void)
{
	struct ann_creds_options opt = { 0 };
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	CHECK(server != NULL);
	if (server == NULL)
		return;
	opt.container_attempts = 1;
	set_full_uri("/creds");
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token-123", 1);
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_STR("", e.msg);
	CHECK_INT(ANN_CREDS_CONTAINER, c.source);
	CHECK_STR("AKIDCONT", c.access_key_id);
	CHECK_STR("contsecret", c.secret_access_key);
	CHECK_STR("CONTTOKEN", c.session_token);
	CHECK_INT(EXPIRY, c.expiration);
	CHECK_STR("container-token-123", seen_auth);
	ann_creds_clear(&c);

	/* The token file wins over the variable and is read at each fetch. */
	write_file("token", "container-token-123\n", 0);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-token", 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tmp_path("token"), 1);
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_STR("AKIDCONT", c.access_key_id);
	ann_creds_clear(&c);
	write_file("token", "rotated-token", 0);
	CHECK_INT(ANN_ERR_NETWORK, resolve(&c, &opt, &e));
	CHECK(strstr(e.msg, "401") != NULL);
	CHECK_STR("rotated-token", seen_auth);
	CHECK(strstr(e.msg, "rotated-token") == NULL);

	write_file("token", "abc\r\nX-Evil: 1", 0);
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, &opt, &e));
	CHECK(strstr(e.msg, "line break") != NULL);
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");

	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\nX-Evil: 1", 1);
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, &opt, &e));
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
}

static void
container_errors_reported(void)
{
	struct ann_creds_options opt = { 0 };
	struct ann_creds c;
	struct ann_error e;
	unsigned hits;

	reset_env();
	if (server == NULL)
		return;
	opt.container_attempts = 1;
	set_full_uri("/broken");
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, &opt, &e));
	CHECK(strstr(e.msg, "container credentials") != NULL);

	set_full_uri("/missing");
	CHECK_INT(ANN_ERR_NETWORK, resolve(&c, &opt, &e));
	CHECK(strstr(e.msg, "404") != NULL);

	/* A 4xx is not retried even with several attempts allowed. */
	opt.container_attempts = 3;
	hits = server_hits;
	CHECK_INT(ANN_ERR_NETWORK, resolve(&c, &opt, &e));
	CHECK_INT(hits + 1, server_hits);

	/* Nothing listens on port 1 of loopback: a connection error. */
	opt.container_attempts = 1;
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds", 1);
	CHECK_INT(ANN_ERR_NETWORK, resolve(&c, &opt, &e));
}

/* Container credentials come last: files and environment win. */
static void
container_after_files(void)
{
	struct ann_creds_options opt = { 0 };
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	if (server == NULL)
		return;
	opt.container_attempts = 1;
	set_full_uri("/open");
	write_file(".aws/credentials", "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=f\n", 0);
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_STR("AKIDFILE", c.access_key_id);
	ann_creds_clear(&c);
	write_file(".aws/credentials", "[default]\nregion=us-east-1\n", 0);
	CHECK_INT(ANN_OK, resolve(&c, &opt, &e));
	CHECK_STR("AKIDCONT", c.access_key_id);
	CHECK(strstr(c.origin, "AWS_CONTAINER_CREDENTIALS_FULL_URI") != NULL);
	ann_creds_clear(&c);
}

static void
missing_source_lists_settings(void)
{
	struct ann_creds_options opt = { 0 };
	struct ann_creds c;
	struct ann_error e;

	reset_env();
	opt.allow_bearer = 1;
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, &opt, &e));
	CHECK(strstr(e.msg, "no AWS credentials found") != NULL);
	CHECK(strstr(e.msg, "AWS_BEARER_TOKEN_BEDROCK") != NULL);
	CHECK(strstr(e.msg, "AWS_ACCESS_KEY_ID") != NULL);
	CHECK(strstr(e.msg, "profile \"default\"") != NULL);
	CHECK(strstr(e.msg, ".aws/credentials (missing)") != NULL);
	CHECK(strstr(e.msg, ".aws/config (missing)") != NULL);
	CHECK(strstr(e.msg, "AWS_CONTAINER_CREDENTIALS_FULL_URI") != NULL);
	CHECK(strstr(e.msg, "instance metadata service is not used") != NULL);

	unsetenv("HOME");
	CHECK_INT(ANN_ERR_CONFIG, resolve(&c, NULL, &e));
	CHECK(strstr(e.msg, "HOME unset") != NULL);
	setenv("HOME", tmp, 1);
}

/* ---- region and endpoint ---- */

static void
region_order(void)
{
	struct ann_region r;
	struct ann_error e = ANN_ERROR_INIT;

	reset_env();
	write_file(".aws/config", "[default]\nregion = ap-northeast-3\n[profile us]\nregion = us-west-2\n", 0);
	CHECK_INT(ANN_OK, ann_region_resolve(&r, NULL, NULL, &e));
	CHECK_STR("ap-northeast-3", r.name);
	CHECK_STR("profile", r.from);
	CHECK_INT(ANN_OK, ann_region_resolve(&r, NULL, "us", &e));
	CHECK_STR("us-west-2", r.name);
	setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
	CHECK_INT(ANN_OK, ann_region_resolve(&r, NULL, NULL, &e));
	CHECK_STR("eu-west-1", r.name);
	CHECK_STR("AWS_DEFAULT_REGION", r.from);
	setenv("AWS_REGION", "ap-northeast-1", 1);
	CHECK_INT(ANN_OK, ann_region_resolve(&r, NULL, NULL, &e));
	CHECK_STR("ap-northeast-1", r.name);
	CHECK_STR("AWS_REGION", r.from);
	CHECK_INT(ANN_OK, ann_region_resolve(&r, "us-east-1", NULL, &e));
	CHECK_STR("us-east-1", r.name);
	CHECK_STR("--region", r.from);
	CHECK_INT(ANN_ERR_CONFIG, ann_region_resolve(&r, "us-east-1.evil.com/", NULL, &e));
	CHECK(strstr(e.msg, "invalid region") != NULL);
}

static void
region_missing_is_error(void)
{
	struct ann_region r;
	struct ann_error e = ANN_ERROR_INIT;

	reset_env();
	CHECK_INT(ANN_ERR_CONFIG, ann_region_resolve(&r, NULL, NULL, &e));
	CHECK(strstr(e.msg, "no AWS region") != NULL);
	CHECK(strstr(e.msg, "AWS_REGION") != NULL);
	CHECK(strstr(e.msg, "AWS_DEFAULT_REGION") != NULL);
	CHECK(strstr(e.msg, "profile \"default\"") != NULL);
	CHECK_STR("", r.name);

	write_file(".aws/config", "[default]\nregion = Tokyo 1\n", 0);
	CHECK_INT(ANN_ERR_CONFIG, ann_region_resolve(&r, NULL, NULL, &e));
	CHECK(strstr(e.msg, "config:2") != NULL);
	CHECK_INT(ANN_ERR_CONFIG, ann_region_resolve(&r, NULL, "nope", &e));
	CHECK(strstr(e.msg, "not found") != NULL);
}

static void
endpoint_order(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	const char *from = NULL;
	char *url = NULL;

	reset_env();
	CHECK_INT(ANN_OK, ann_endpoint_resolve(&url, &from, NULL, "BEDROCK_RUNTIME",
	    "bedrock-runtime", "ap-northeast-1", &e));
	CHECK_STR("https://bedrock-runtime.ap-northeast-1.amazonaws.com", url);
	CHECK_STR("region", from);
	free(url);

	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/", 1);
	CHECK_INT(ANN_OK, ann_endpoint_resolve(&url, &from, NULL, "BEDROCK_RUNTIME",
	    "bedrock-runtime", "ap-northeast-1", &e));
	CHECK_STR("http://127.0.0.1:9000", url);
	CHECK_STR("AWS_ENDPOINT_URL", from);
	free(url);

	setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:9001/prefix", 1);
	CHECK_INT(ANN_OK, ann_endpoint_resolve(&url, &from, NULL, "BEDROCK_RUNTIME",
	    "bedrock-runtime", "ap-northeast-1", &e));
	CHECK_STR("http://127.0.0.1:9001/prefix", url);
	free(url);
	/* The service-specific variable belongs to its service only. */
	CHECK_INT(ANN_OK, ann_endpoint_resolve(&url, &from, NULL, "BEDROCK", "bedrock",
	    "ap-northeast-1", &e));
	CHECK_STR("http://127.0.0.1:9000", url);
	free(url);

	CHECK_INT(ANN_OK, ann_endpoint_resolve(&url, &from, "http://127.0.0.1:9002", "BEDROCK_RUNTIME",
	    "bedrock-runtime", "ap-northeast-1", &e));
	CHECK_STR("http://127.0.0.1:9002", url);
	CHECK_STR("--endpoint-url", from);
	free(url);

	/* A setting present but empty never falls through to AWS. */
	CHECK_INT(ANN_ERR_CONFIG, ann_endpoint_resolve(&url, &from, "", "BEDROCK_RUNTIME",
	    "bedrock-runtime", "ap-northeast-1", &e));
	CHECK(url == NULL);
	CHECK_STR("--endpoint-url is set but empty; unset it to use the region's endpoint", e.msg);
	setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "", 1);
	CHECK_INT(ANN_ERR_CONFIG, ann_endpoint_resolve(&url, &from, NULL, "BEDROCK_RUNTIME",
	    "bedrock-runtime", "ap-northeast-1", &e));
	CHECK(url == NULL);
	CHECK(strstr(e.msg, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME is set but empty") == e.msg);
	unsetenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
	setenv("AWS_ENDPOINT_URL", "", 1);
	CHECK_INT(ANN_ERR_CONFIG, ann_endpoint_resolve(&url, &from, NULL, "BEDROCK_RUNTIME",
	    "bedrock-runtime", "ap-northeast-1", &e));
	CHECK(url == NULL);
	CHECK(strstr(e.msg, "AWS_ENDPOINT_URL is set but empty") == e.msg);
	unsetenv("AWS_ENDPOINT_URL");

	CHECK_INT(ANN_ERR_CONFIG, ann_endpoint_resolve(&url, &from, "ftp://127.0.0.1", "BEDROCK_RUNTIME",
	    "bedrock-runtime", "ap-northeast-1", &e));
	CHECK_INT(ANN_ERR_CONFIG, ann_endpoint_resolve(&url, &from, "http://127.0.0.1/?a=1",
	    "BEDROCK_RUNTIME", "bedrock-runtime", "ap-northeast-1", &e));
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
	CHECK_INT(ANN_ERR_CONFIG, ann_endpoint_resolve(&url, &from, NULL, "BEDROCK_RUNTIME",
	    "bedrock-runtime", "", &e));
	CHECK(url == NULL);
}

int
main(void)
{
	static const struct ann_test tests[] = {
		ANN_TEST(env_keys_used),
		ANN_TEST(env_partial_keys_rejected),
		ANN_TEST(explicit_keys_keep_own_token),
		ANN_TEST(bearer_token_when_allowed),
		ANN_TEST(shared_file_default_profile),
		ANN_TEST(shared_file_paths_from_env),
		ANN_TEST(profile_argument_skips_env),
		ANN_TEST(config_profile_section_form),
		ANN_TEST(file_then_process_then_config),
		ANN_TEST(unsupported_profile_reported),
		ANN_TEST(malformed_files_name_line),
		ANN_TEST(config_syntax_accepted),
		ANN_TEST(process_output_parsed),
		ANN_TEST(process_run_and_fail),
		ANN_TEST(command_split_like_shell),
		ANN_TEST(iso_times_parsed),
		ANN_TEST(provider_refreshes_before_expiry),
		ANN_TEST(provider_refresh_failure),
		ANN_TEST(container_url_rules),
		ANN_TEST(container_fetch_with_token),
		ANN_TEST(container_errors_reported),
		ANN_TEST(container_after_files),
		ANN_TEST(missing_source_lists_settings),
		ANN_TEST(region_order),
		ANN_TEST(region_missing_is_error),
		ANN_TEST(endpoint_order),
	};
	const char *base = getenv("TMPDIR");
	int rc;

	snprintf(tmp, sizeof tmp, "%s/ann-creds-XXXXXX", base && base[0] ? base : "/tmp");
	if (mkdtemp(tmp) == NULL) {
		printf("1..1\nnot ok 1 - cannot create a temporary directory\n");
		return 1;
	}
	/* No proxy may capture the loopback requests. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	start_server();
	rc = ann_test_run(tests, sizeof tests / sizeof tests[0]);
	if (server != NULL)
		MHD_stop_daemon(server);
	curl_global_cleanup();
	nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
