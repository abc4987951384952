/*
 * ann-invoke: sends each record's request to a model and adds the answer,
 * or takes the answers from a Bedrock batch job's output (--from-batch).
 * The work is in lib/invoke.c and lib/batch.c; this file reads options
 * and settings.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "batch.h"
#include "common.h"
#include "invoke.h"
#include "pricing.h"
#include "access.h"

static const char usage_text[] =
"Usage: ann-invoke -m <model> [options] < requests.jsonl > results.jsonl\n"
"       ann-invoke -m <model> --from-batch <path>... [options] < requests.jsonl\n"
"\n"
"Sends the request of each record to a model and adds the answer (output or\n"
"output_text, usage, model, latency_ms, stop_reason, cost_usd) or an error.\n"
"With --from-batch, takes each answer from a Bedrock batch job's output\n"
"instead and sends nothing.\n"
"\n"
"  -p, --provider <name>       bedrock (default), bedrock-invoke, anthropic, openai\n"
"  -m, --model <id>            model id, inference profile id or ARN (required)\n"
"      --region <region>       AWS region for Bedrock (default: AWS_REGION)\n"
"      --profile <name>        AWS profile for credentials and region\n"
"      --endpoint-url <url>    base URL of the service (default: the provider's)\n"
"  -j, --jobs <n>              requests in flight at most (default 8)\n"
"      --rpm <n>               requests per minute at most\n"
"      --tpm <n>               tokens per minute at most (input plus max_tokens)\n"
"      --rate-group <name>     share --rpm and --tpm with other processes\n"
"      --max-attempts <n>      attempts per request, the first included (default 5)\n"
"      --retry-delay <seconds> backoff base: retry n waits up to base * 2^(n-1)\n"
"                              seconds, at most 20 (default 1)\n"
"      --max-cost <usd>        send nothing more once this much is spent (estimate)\n"
"      --max-tokens-total <n>  send nothing more once this many tokens are used\n"
"      --budget-file <file>    add this run's cost and tokens to file, and apply\n"
"                              --max-cost and --max-tokens-total to its totals,\n"
"                              which every process naming file adds to\n"
"      --keep-order            write results in input order\n"
"      --cache <dir>           answer repeated requests from this directory\n"
"      --from-batch <path>     take answers from a batch job's .jsonl.out file, or\n"
"                              from every one in a directory; repeatable\n"
"      --pricing <file>        price table (default: the installed pricing.json)\n"
"      --timeout <seconds>     time limit of one attempt (default 300)\n"
"      --stats <file>          write a JSON summary of the run to file\n"
"      --dry-run               print the HTTP requests, secrets redacted; send nothing\n"
"  -q, --quiet                 print errors only\n"
"  -v, --verbose               print the endpoint, the credential source, retries\n"
"                              and record errors; twice for more\n"
"  -h, --help                  print this help\n"
"      --version               print the version\n"
"\n"
"Example:\n"
"  ann-prompt -t extract.mustache -s invoice.schema.json < docs.jsonl |\n"
"    ann-invoke -m jp.anthropic.claude-haiku-4-5-20251001-v1:0 -j 16 --cache .cache\n"
"\n"
"See ann-invoke(1).\n";

enum {
	OPT_BUDGET_FILE = 256, OPT_CACHE, OPT_DRY_RUN, OPT_ENDPOINT, OPT_FROM_BATCH, OPT_KEEP_ORDER,
	OPT_MAX_ATTEMPTS, OPT_MAX_COST, OPT_MAX_TOKENS_TOTAL, OPT_PRICING, OPT_PROFILE, OPT_RATE_GROUP, OPT_REGION, OPT_RETRY_DELAY, OPT_RPM,
	OPT_STATS, OPT_TIMEOUT, OPT_TPM, OPT_VERSION,
};

static const struct option long_options[] = {
	{ "budget-file", required_argument, NULL, OPT_BUDGET_FILE },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "endpoint-url", required_argument, NULL, OPT_ENDPOINT },
	{ "from-batch", required_argument, NULL, OPT_FROM_BATCH },
	{ "help", no_argument, NULL, 'h' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "keep-order", no_argument, NULL, OPT_KEEP_ORDER },
	{ "max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS },
	{ "max-cost", required_argument, NULL, OPT_MAX_COST },
	{ "max-tokens-total", required_argument, NULL, OPT_MAX_TOKENS_TOTAL },
	{ "model", required_argument, NULL, 'm' },
	{ "pricing", required_argument, NULL, OPT_PRICING },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "provider", required_argument, NULL, 'p' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rate-group", required_argument, NULL, OPT_RATE_GROUP },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "retry-delay", required_argument, NULL, OPT_RETRY_DELAY },
	{ "rpm", required_argument, NULL, OPT_RPM },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "tpm", required_argument, NULL, OPT_TPM },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct cli {
	struct ann_invoke_opts run;
	struct ann_access access;
	const char *profile;
	struct ann_price price;
	const char *pricing_path;
	const char *stats_path;
	char **batch_paths;         /* --from-batch values, n_batch of them */
	int n_batch;
	const char *live_option;    /* last option given that only a live run uses */
	int provider_given;
	int quiet;
	int verbose;
	int progress_shown;
};

static void
show_progress(void *ctx, const struct ann_invoke_stats *s)
{
	struct cli *c = ctx;
	size_t done = s->records - s->in_flight;
	double rate = s->elapsed_s > 0 ? (double)done / s->elapsed_s : 0;
	char eta[32] = "";

	if (s->fraction_read > 0.01 && s->fraction_read <= 1)
		snprintf(eta, sizeof eta, ", %.0f s left",
		    s->elapsed_s / s->fraction_read - s->elapsed_s);
	fprintf(stderr, "\r%s: %zu done, %zu in flight, %zu failed, %.1f/s, %lld tokens, "
	    "$%.4f%s\033[K", ann_program, done, s->in_flight, ann_invoke_stats_failed(s), rate,
	    s->input_tokens + s->output_tokens, s->cost_usd, eta);
	c->progress_shown = 1;
}

/* Options that only matter when calls are made, which --from-batch rejects. */
static const int live_only_options[] = {
	'j', OPT_BUDGET_FILE, OPT_CACHE, OPT_DRY_RUN, OPT_ENDPOINT, OPT_MAX_ATTEMPTS, OPT_MAX_COST,
	OPT_MAX_TOKENS_TOTAL, OPT_PROFILE, OPT_RATE_GROUP, OPT_REGION, OPT_RETRY_DELAY, OPT_RPM,
	OPT_TIMEOUT, OPT_TPM,
};

/* Returns the long name of opt when it is a live-only option, else NULL. */
static const char *
live_only_option(int opt)
{
	size_t i, j;

	for (i = 0; i < sizeof live_only_options / sizeof live_only_options[0]; i++) {
		if (live_only_options[i] != opt)
			continue;
		for (j = 0; long_options[j].name; j++)
			if (long_options[j].val == opt)
				return long_options[j].name;
	}
	return NULL;
}

/* Checks the options against --from-batch, which makes no calls. */
static int
check_batch_options(struct cli *c)
{
	if (c->n_batch == 0)
		return ANN_EXIT_OK;
	if (c->live_option)
		return ann_cli_usage_error("--%s cannot be used with --from-batch, which sends "
		    "nothing", c->live_option);
	if (c->provider_given && c->run.provider != ANN_PROVIDER_BEDROCK_INVOKE)
		return ann_cli_usage_error("--from-batch reads InvokeModel replies; --provider "
		    "must be bedrock-invoke or left out");
	c->run.provider = ANN_PROVIDER_BEDROCK_INVOKE;
	return ANN_EXIT_OK;
}

static int
parse_options(struct cli *c, int argc, char **argv)
{
	struct ann_invoke_opts *o = &c->run;
	const char *live;
	double v;
	int opt;

	while ((opt = getopt_long(argc, argv, "hj:m:p:qv", long_options, NULL)) != -1) {
		if ((live = live_only_option(opt)) != NULL)
			c->live_option = live;
		switch (opt) {
		case 'h':
			fputs(usage_text, stdout);
			exit(ANN_EXIT_OK);
		case OPT_VERSION:
			exit(ann_cli_version());
		case 'p':
			if (ann_provider_parse(optarg, &o->provider) != ANN_OK)
				return ann_cli_usage_error("invalid --provider, expected bedrock, "
				    "bedrock-invoke, anthropic or openai: %s", optarg);
			c->provider_given = 1;
			break;
		case 'm':
			o->model = optarg;
			break;
		case OPT_PROFILE:
			c->profile = optarg;
			break;
		case OPT_REGION:
			o->region = optarg;
			break;
		case OPT_ENDPOINT:
			o->endpoint = optarg;
			break;
		case 'j':
			if (ann_cli_parse_number(optarg, 1, 4096, &v) || v != (int)v)
				return ann_cli_usage_error("invalid --jobs, expected 1 to 4096: %s", optarg);
			o->jobs = (int)v;
			break;
		case OPT_RPM:
		case OPT_TPM:
			if (ann_cli_parse_number(optarg, 1, 1e12, &v))
				return ann_cli_usage_error("invalid --%s, expected a positive number: %s",
				    opt == OPT_RPM ? "rpm" : "tpm", optarg);
			*(opt == OPT_RPM ? &o->rpm : &o->tpm) = v;
			break;
		case OPT_RATE_GROUP:
			o->rate_group = optarg;
			break;
		case OPT_MAX_ATTEMPTS:
			if (ann_cli_parse_number(optarg, 1, 100, &v) || v != (int)v)
				return ann_cli_usage_error("invalid --max-attempts, expected 1 to 100: %s",
				    optarg);
			o->retry.max_attempts = (int)v;
			break;
		case OPT_RETRY_DELAY:
			if (ann_cli_parse_number(optarg, 0, 60, &v))
				return ann_cli_usage_error("invalid --retry-delay, expected 0 to 60 seconds: %s",
				    optarg);
			o->retry.base_s = v;
			o->retry.throttle_base_s = v;
			break;
		case OPT_MAX_COST:
			if (ann_cli_parse_number(optarg, 0, 1e12, &v))
				return ann_cli_usage_error("invalid --max-cost, expected US dollars: %s",
				    optarg);
			o->max_cost = v;
			break;
		case OPT_MAX_TOKENS_TOTAL:
			if (ann_cli_parse_number(optarg, 0, 1e18, &v))
				return ann_cli_usage_error("invalid --max-tokens-total, expected a number "
				    "of tokens: %s", optarg);
			o->max_tokens_total = v;
			break;
		case OPT_BUDGET_FILE:
			if (*optarg == '\0')
				return ann_cli_usage_error("invalid --budget-file, expected a file name");
			o->budget_file = optarg;
			break;
		case OPT_KEEP_ORDER:
			o->keep_order = 1;
			break;
		case OPT_CACHE:
			o->cache_dir = optarg;
			break;
		case OPT_FROM_BATCH:
			c->batch_paths[c->n_batch++] = optarg;
			break;
		case OPT_PRICING:
			c->pricing_path = optarg;
			break;
		case OPT_TIMEOUT:
			if (ann_cli_parse_number(optarg, 0.001, 86400, &v))
				return ann_cli_usage_error("invalid --timeout, expected seconds: %s", optarg);
			o->timeout_ms = (long)(v * 1000.0);
			break;
		case OPT_STATS:
			c->stats_path = optarg;
			break;
		case OPT_DRY_RUN:
			o->dry_run = 1;
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 'v':
			c->verbose++;
			break;
		default:
			return ann_cli_bad_option();
		}
	}
	if (optind < argc)
		return ann_cli_usage_error("unexpected argument: %s", argv[optind]);
	if (o->model == NULL || *o->model == '\0')
		return ann_cli_usage_error("missing --model");
	return check_batch_options(c);
}

/* Turns the price into a batch price, saying which discount was applied. */
static void
log_batch_prices(struct ann_price *price, const char *path)
{
	if (ann_price_apply_batch(price))
		ann_log(ANN_LOG_INFO, "batch prices: %g%% off the prices of %s (batch_discount in %s)",
		    price->batch_discount * 100, price->key, path);
	else
		ann_log(ANN_LOG_WARN, "%s gives no batch_discount; cost_usd uses on-demand prices",
		    path);
}

/* Finds the price of the model; a missing table or price only matters for --max-cost. */
static int
load_price(struct cli *c)
{
	struct ann_error e = ANN_ERROR_INIT;
	char *path = ann_pricing_default_path(c->pricing_path);
	int rc;

	if (path == NULL) {
		if (c->run.max_cost >= 0)
			return ann_cli_usage_error("--max-cost needs a pricing table; none found, "
			    "give one with --pricing");
		if (c->run.budget_file)
			ann_log(ANN_LOG_WARN, "no pricing table found, so this run adds tokens but "
			    "no cost to budget file %s; give one with --pricing", c->run.budget_file);
		return ANN_EXIT_OK;
	}
	rc = ann_pricing_lookup(path, c->run.model, &c->price, &e);
	if (rc == ANN_OK && c->n_batch)
		log_batch_prices(&c->price, path);
	free(path);
	if (rc == ANN_ERR_NOT_FOUND && c->run.max_cost < 0) {
		if (c->run.budget_file)
			ann_log(ANN_LOG_WARN, "%s; cost_usd is left out, and this run adds tokens "
			    "but no cost to budget file %s", e.msg, c->run.budget_file);
		else
			ann_log(ANN_LOG_INFO, "%s; cost_usd is left out", e.msg);
		return ANN_EXIT_OK;
	}
	if (rc)
		return ann_cli_usage_error("%s", e.msg);
	c->run.price = &c->price;
	return ANN_EXIT_OK;
}

static int
write_stats(struct cli *c, struct ann_invoke_stats *s)
{
	struct ann_buf text = ANN_BUF_INIT;
	FILE *f;
	int ok;

	if (ann_invoke_stats_json(s, &text) != ANN_OK) {
		ann_buf_release(&text);
		ann_cli_error("out of memory writing --stats");
		return 0;
	}
	f = fopen(c->stats_path, "w");
	ok = f && fwrite(text.data, 1, text.len, f) == text.len;
	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok)
		ann_cli_error("write failed on --stats file %s: %s", c->stats_path, strerror(errno));
	ann_buf_release(&text);
	return ok;
}

/* Sends the requests: credentials, endpoint and libcurl, then the run. */
static int
run_live(struct cli *c)
{
	struct ann_invoke_stats stats;
	struct ann_error e = ANN_ERROR_INIT;
	int broken_pipe = 0;
	int status;
	int rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		ann_cli_error("cannot initialise libcurl");
		return ANN_EXIT_SYSTEM;
	}
	/* Without an asynchronous resolver libcurl (with CURLOPT_NOSIGNAL, which
	 * signal safety requires) cannot time out a hanging DNS lookup. */
	if (!(curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_ASYNCHDNS))
		ann_log(ANN_LOG_WARN, "libcurl has no asynchronous DNS resolver; a DNS lookup "
		    "that hangs is not cut off by --timeout");
	rc = ann_access_setup(&c->access, c->run.provider, c->run.region, c->run.endpoint,
	    c->profile, &e);
	if (rc) {
		ann_access_release(&c->access);
		ann_cli_error("%s", e.msg);
		curl_global_cleanup();
		return rc == ANN_ERR_CONFIG ? ANN_EXIT_USAGE : ANN_EXIT_SYSTEM;
	}
	c->run.endpoint = c->access.endpoint;
	c->run.region = c->access.region.name;
	c->run.secrets = ann_access_secrets;
	c->run.secrets_ctx = &c->access;
	ann_log(ANN_LOG_INFO, "endpoint %s (from %s)", c->access.endpoint,
	    c->access.endpoint_from);
	if (isatty(STDERR_FILENO) && !c->quiet && !c->run.dry_run) {
		c->run.progress = show_progress;
		c->run.progress_ctx = c;
	}

	rc = ann_invoke_run(&c->run, STDIN_FILENO, STDOUT_FILENO, &stats, &broken_pipe, &e);
	if (c->progress_shown)
		fputc('\n', stderr);
	status = ann_cli_exit_status(rc, &e, broken_pipe, ann_invoke_stats_failed(&stats));
	if (c->stats_path && !write_stats(c, &stats) && status != ANN_EXIT_SYSTEM)
		status = ANN_EXIT_SYSTEM;
	ann_invoke_stats_release(&stats);
	ann_access_release(&c->access);
	curl_global_cleanup();
	return status;
}

/* Indexes the --from-batch paths; returns 0 or the exit status after saying why not. */
static int
index_batch(struct cli *c, struct ann_batch *batch)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_buf ids = ANN_BUF_INIT;
	int i;
	int rc;

	for (i = 0; i < c->n_batch; i++) {
		rc = ann_batch_add(batch, c->batch_paths[i], &e);
		if (rc) {
			ann_cli_error("%s", e.msg);
			return rc == ANN_ERR_NOMEM || rc == ANN_ERR_IO ? ANN_EXIT_SYSTEM : ANN_EXIT_USAGE;
		}
	}
	ann_log(ANN_LOG_INFO, "batch output: %zu lines, %zu record ids", batch->lines,
	    batch->ids.n);
	if (batch->duplicates) {
		ann_batch_duplicate_ids(batch, &ids);
		ann_log(ANN_LOG_WARN, "%zu batch output line%s repeat an earlier recordId (%s); "
		    "a line with modelOutput is kept over one without, else the later line",
		    batch->duplicates, batch->duplicates == 1 ? "" : "s", ids.data);
	}
	ann_buf_release(&ids);
	return ANN_EXIT_OK;
}

/*
 * Reports batch lines that joined no record, and lines that could not be
 * read. Returns 1 when there were any, because they usually mean that the
 * records and the batch output come from different runs.
 */
static int
report_batch_leftovers(const struct ann_batch *batch)
{
	struct ann_buf ids = ANN_BUF_INIT;
	size_t unmatched = ann_batch_unmatched(batch, 5, &ids);

	if (unmatched)
		ann_cli_error("%zu batch output line%s match%s no input record: %s%s", unmatched,
		    unmatched == 1 ? "" : "s", unmatched == 1 ? "es" : "", ids.data,
		    unmatched > 5 ? ", ..." : "");
	if (batch->bad_lines)
		ann_cli_error("%zu batch output line%s could not be read and %s skipped",
		    batch->bad_lines, batch->bad_lines == 1 ? "" : "s",
		    batch->bad_lines == 1 ? "was" : "were");
	ann_buf_release(&ids);
	return unmatched || batch->bad_lines;
}

/* Adds the answers in the --from-batch files to the records; sends nothing. */
static int
run_from_batch(struct cli *c)
{
	struct ann_invoke_stats stats;
	struct ann_batch batch;
	struct ann_error e = ANN_ERROR_INIT;
	int broken_pipe = 0;
	int status;
	int rc;

	ann_batch_init(&batch);
	status = index_batch(c, &batch);
	if (status) {
		ann_batch_release(&batch);
		return status;
	}
	c->run.batch = &batch;

	rc = ann_invoke_run(&c->run, STDIN_FILENO, STDOUT_FILENO, &stats, &broken_pipe, &e);
	status = ann_cli_exit_status(rc, &e, broken_pipe, ann_invoke_stats_failed(&stats));
	if (rc == ANN_OK && !broken_pipe && report_batch_leftovers(&batch) &&
	    status == ANN_EXIT_OK)
		status = ANN_EXIT_RECORDS;
	if (c->stats_path && !write_stats(c, &stats) && status != ANN_EXIT_SYSTEM)
		status = ANN_EXIT_SYSTEM;
	ann_invoke_stats_release(&stats);
	ann_batch_release(&batch);
	return status;
}

int
main(int argc, char **argv)
{
	struct cli c;
	int status;

	ann_cli_start("ann-invoke", argv);
	memset(&c, 0, sizeof c);
	ann_invoke_opts_init(&c.run);
	c.batch_paths = calloc((size_t)argc, sizeof *c.batch_paths);
	if (c.batch_paths == NULL) {
		ann_cli_error("out of memory");
		return ANN_EXIT_SYSTEM;
	}
	status = parse_options(&c, argc, argv);
	if (status == ANN_EXIT_OK) {
		ann_cli_verbosity(c.quiet, c.verbose);
		status = load_price(&c);
	}
	if (status == ANN_EXIT_OK && ann_cli_stdin_is_terminal())
		status = ANN_EXIT_USAGE;
	if (status == ANN_EXIT_OK)
		status = c.n_batch ? run_from_batch(&c) : run_live(&c);
	free(c.batch_paths);
	return status;
}
