/*
 * ann-mock: a local Bedrock Runtime look-alike for dry runs, tests and load.
 * Parses options, reads credentials from the environment, starts the server
 * (lib/mock.h), prints its base URL, and on SIGTERM or SIGINT writes the
 * counters and exits.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "mock.h"

static const char usage_text[] =
"Usage: ann-mock [options]\n"
"\n"
"Serve Bedrock Converse and InvokeModel, the Anthropic Messages API and\n"
"OpenAI chat completions on 127.0.0.1, answering from a reference file or\n"
"the request's JSON Schema, with mistakes, faults and quotas at set rates.\n"
"Prints the base URL as the first line on standard output once it accepts\n"
"connections, and runs until SIGTERM or SIGINT.\n"
"\n"
"  --answers <file>        JSONL reference answers: id, output, optional text\n"
"  --faults <spec>         fault rates: R, or throttle=R,unavailable=R,internal=R,\n"
"                          timeout=R,reset=R,stall=R\n"
"  --fix-rate <p>          probability a re-ask is answered correctly\n"
"                          (default: re-asks draw mistakes like first requests)\n"
"  --host <address>        listen address (default 127.0.0.1)\n"
"  --latency <ms>          mean added latency, log-normal (default 0)\n"
"  --mistakes <spec>       mistake rates: R, or string_number=R,missing_field=R,\n"
"                          extra_field=R,date_format=R,enum_value=R,\n"
"                          hallucination=R,fenced=R,prose=R,truncated=R\n"
"  --no-auth               accept every request without checking credentials\n"
"  -p, --port <n>          listen port; 0 picks a free one (default 0)\n"
"  --reask-marker <text>   text that marks a re-ask's feedback, for an\n"
"                          ann-retry --feedback template (the built-in\n"
"                          feedback is always recognised)\n"
"  --region <region>       SigV4 region (default: AWS_REGION)\n"
"  --rpm <n>               requests-per-minute quota (default: none)\n"
"  --seed <n>              seed for every random decision (default 0)\n"
"  --stall-time <ms>       how long a stalled request hangs (default 60000)\n"
"  --stats <file>          write the counters as JSON to <file> on exit\n"
"  --token-expires <s>     the session token expires <s> seconds after start\n"
"  --tpm <n>               tokens-per-minute quota (default: none)\n"
"  -q, --quiet             print errors only\n"
"  -v, --verbose           log each request; twice for libmicrohttpd detail\n"
"  -h, --help              print this help\n"
"      --version           print the version\n"
"\n"
"Example: ann-mock --seed 7 --mistakes 0.1 --faults throttle=0.05 >url &\n"
"See ann-mock(1) and doc/mock.md for the wire contract.\n";

enum {
	OPT_ANSWERS = 256, OPT_FAULTS, OPT_FIX_RATE, OPT_HOST, OPT_LATENCY, OPT_MISTAKES,
	OPT_NO_AUTH, OPT_REASK_MARKER, OPT_REGION, OPT_RPM, OPT_SEED, OPT_STALL, OPT_STATS, OPT_TOKEN_EXPIRES,
	OPT_TPM, OPT_VERSION,
};

static const struct option long_options[] = {
	{ "answers", required_argument, NULL, OPT_ANSWERS },
	{ "faults", required_argument, NULL, OPT_FAULTS },
	{ "fix-rate", required_argument, NULL, OPT_FIX_RATE },
	{ "help", no_argument, NULL, 'h' },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "latency", required_argument, NULL, OPT_LATENCY },
	{ "mistakes", required_argument, NULL, OPT_MISTAKES },
	{ "no-auth", no_argument, NULL, OPT_NO_AUTH },
	{ "port", required_argument, NULL, 'p' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "reask-marker", required_argument, NULL, OPT_REASK_MARKER },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "rpm", required_argument, NULL, OPT_RPM },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "stall-time", required_argument, NULL, OPT_STALL },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "token-expires", required_argument, NULL, OPT_TOKEN_EXPIRES },
	{ "tpm", required_argument, NULL, OPT_TPM },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int
parse_options(int argc, char **argv, struct ann_mock_opts *o, const char **stats_path,
    int *quiet, int *verbose)
{
	struct ann_error e = ANN_ERROR_INIT;
	long long v;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "hp:qv", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_ANSWERS: o->answers_path = optarg; break;
		case OPT_FAULTS:
			if (ann_mock_parse_faults(optarg, o->fault_rate, &e) < 0)
				return ann_cli_usage_error("%s", e.msg);
			break;
		case OPT_FIX_RATE:
			errno = 0;
			o->fix_rate = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->fix_rate >= 0 && o->fix_rate <= 1))
				return ann_cli_usage_error("invalid --fix-rate, expected 0 to 1: '%s'", optarg);
			break;
		case 'h': fputs(usage_text, stdout); return -1;
		case OPT_HOST: o->host = optarg; break;
		case OPT_LATENCY:
			if (ann_cli_parse_integer(optarg, 0, 3600000, &v) < 0)
				return ann_cli_usage_error("invalid --latency, expected milliseconds: '%s'", optarg);
			o->latency_ms = (unsigned)v;
			break;
		case OPT_MISTAKES:
			if (ann_mock_parse_mistakes(optarg, o->mistake_rate, &e) < 0)
				return ann_cli_usage_error("%s", e.msg);
			break;
		case OPT_NO_AUTH: o->no_auth = 1; break;
		case 'p':
			if (ann_cli_parse_integer(optarg, 0, 65535, &v) < 0)
				return ann_cli_usage_error("invalid --port, expected 0 to 65535: '%s'", optarg);
			o->port = (unsigned)v;
			break;
		case 'q': *quiet = 1; break;
		case OPT_REASK_MARKER:
			if (optarg[0] == '\0')
				return ann_cli_usage_error("invalid --reask-marker: the text is empty");
			o->reask_marker = optarg;
			break;
		case OPT_REGION: o->region = optarg; break;
		case OPT_RPM:
		case OPT_TPM:
			if (ann_cli_parse_integer(optarg, 0, 1000000000, &v) < 0)
				return ann_cli_usage_error("invalid --%s, expected a count: '%s'",
				    c == OPT_RPM ? "rpm" : "tpm", optarg);
			*(c == OPT_RPM ? &o->rpm : &o->tpm) = (unsigned long)v;
			break;
		case OPT_SEED:
			errno = 0;
			o->seed = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-')
				return ann_cli_usage_error("invalid --seed, expected an unsigned integer: '%s'", optarg);
			break;
		case OPT_STALL:
			if (ann_cli_parse_integer(optarg, 0, 86400000, &v) < 0)
				return ann_cli_usage_error("invalid --stall-time, expected milliseconds: '%s'", optarg);
			o->stall_ms = (unsigned)v;
			break;
		case OPT_STATS: *stats_path = optarg; break;
		case OPT_TOKEN_EXPIRES:
			if (ann_cli_parse_integer(optarg, -315360000, 315360000, &v) < 0)
				return ann_cli_usage_error("invalid --token-expires, expected seconds: '%s'", optarg);
			o->token_expires = time(NULL) + (time_t)v;
			break;
		case 'v': (*verbose)++; break;
		case OPT_VERSION: ann_cli_version(); return -1;
		default: return ann_cli_bad_option();
		}
	}
	if (optind < argc)
		return ann_cli_usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

static void
read_environment(struct ann_mock_opts *o)
{
	o->access_key_id = getenv("AWS_ACCESS_KEY_ID");
	o->secret_access_key = getenv("AWS_SECRET_ACCESS_KEY");
	o->session_token = getenv("AWS_SESSION_TOKEN");
	o->bedrock_bearer = getenv("AWS_BEARER_TOKEN_BEDROCK");
	o->anthropic_key = getenv("ANTHROPIC_API_KEY");
	o->openai_key = getenv("OPENAI_API_KEY");
	if (o->region == NULL)
		o->region = getenv("AWS_REGION");
	if (o->no_auth)
		return;
	if (!(o->access_key_id && *o->access_key_id) && !(o->bedrock_bearer && *o->bedrock_bearer))
		ann_log(ANN_LOG_WARN, "no AWS credentials or AWS_BEARER_TOKEN_BEDROCK set: Bedrock "
		    "requests will be rejected (use --no-auth to accept them)");
	if (!(o->anthropic_key && *o->anthropic_key))
		ann_log(ANN_LOG_INFO, "ANTHROPIC_API_KEY is not set: /v1/messages requests will be rejected");
	if (!(o->openai_key && *o->openai_key))
		ann_log(ANN_LOG_INFO, "OPENAI_API_KEY is not set: /v1/chat/completions requests will be rejected");
}

static int
write_stats(struct ann_mock *m, const char *path)
{
	struct ann_buf json = ANN_BUF_INIT;
	FILE *f;
	int rc = 0;

	if (ann_mock_stats_json(m, &json) < 0 || ann_buf_addc(&json, '\n') < 0) {
		ann_cli_error("write stats: out of memory");
		ann_buf_release(&json);
		return -1;
	}
	f = fopen(path, "w");
	if (f == NULL || fwrite(json.data, 1, json.len, f) != json.len || fclose(f) != 0) {
		ann_cli_error("write stats '%s': %s", path, strerror(errno));
		rc = -1;
	}
	ann_buf_release(&json);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ann_mock_opts o;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_mock *m = NULL;
	const char *stats_path = NULL;
	sigset_t stop_signals;
	int quiet = 0, verbose = 0, sig, rc;

	ann_cli_start("ann-mock", argv);
	ann_mock_opts_init(&o);
	rc = parse_options(argc, argv, &o, &stats_path, &quiet, &verbose);
	if (rc != 0)
		return rc < 0 ? ANN_EXIT_OK : rc;
	ann_cli_verbosity(quiet, verbose);
	read_environment(&o);

	/* Block the stop signals before any server thread exists, so every
	 * thread inherits the mask and only sigwait below receives them. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

	if ((rc = ann_mock_start(&m, &o, &e)) < 0) {
		ann_cli_error("%s", e.msg);
		return rc == ANN_ERR_CONFIG ? ANN_EXIT_USAGE : ANN_EXIT_SYSTEM;
	}
	printf("%s\n", ann_mock_url(m));
	if (fflush(stdout) != 0) {
		ann_cli_error("write failed on standard output");
		ann_mock_free(m);
		return ANN_EXIT_SYSTEM;
	}
	ann_log(ANN_LOG_INFO, "listening on %s", ann_mock_url(m));

	sigwait(&stop_signals, &sig);
	ann_log(ANN_LOG_INFO, "stopping on signal %d", sig);
	ann_mock_stop(m);
	rc = ANN_EXIT_OK;
	if (stats_path != NULL && write_stats(m, stats_path) < 0)
		rc = ANN_EXIT_SYSTEM;
	ann_mock_free(m);
	return rc;
}
