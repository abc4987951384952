/* ann-retry: re-ask the model until the answer is valid. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "reask.h"

static const char usage_text[] =
"Usage: ann-retry [options] -- <command> [<argument>...]\n"
"\n"
"Re-ask the model for answers that failed validation. Reads validated\n"
"records; valid ones pass straight through, the others go to <command>,\n"
"started once, with their answer and its errors as feedback, until they\n"
"are valid or out of rounds. <command> is typically\n"
"  sh -c 'ann-invoke -m MODEL | ann-validate -s SCHEMA -u'\n"
"\n"
"Options:\n"
"  -n, --rounds <n>          re-asks per record (default 3)\n"
"      --max-calls <n>       records sent to <command> in all (default: no limit)\n"
"      --max-cost <usd>      cost the re-asks may add, in USD (default: no limit)\n"
"      --budget-file <file>  also stop re-asking once file's total reaches\n"
"                            --max-cost; give <command>'s ann-invoke the same\n"
"                            file, since ann-retry adds nothing to it\n"
"      --max-tokens-cap <n>  ceiling for max_tokens after truncation (default 32768)\n"
"      --max-in-flight <n>   records inside <command> at once (default 256)\n"
"      --idle-timeout <s>    stop <command> when it returns nothing for s seconds\n"
"                            while records are inside it (default 1800, 0: never)\n"
"      --feedback <file>     Mustache template for the feedback message\n"
"      --lang <en|ja>        language of the built-in feedback (default en)\n"
"  -q, --quiet               print errors only\n"
"  -v, --verbose             print more; repeat for debugging detail\n"
"  -h, --help                print this help and exit\n"
"      --version             print the version and exit\n"
"\n"
"Example:\n"
"  ann-validate -s invoice.json <answers.jsonl |\n"
"    ann-retry -n 3 -- sh -c 'ann-invoke -m MODEL -j 16 | ann-validate -s invoice.json -u'\n"
"\n"
"See ann-retry(1).\n";

enum { OPT_MAX_CALLS = 256, OPT_MAX_COST, OPT_BUDGET_FILE, OPT_CAP, OPT_IN_FLIGHT, OPT_FEEDBACK,
	OPT_LANG, OPT_VERSION, OPT_IDLE };

/* Reads a whole file into a malloc'd string, or NULL with errno set. */
static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (text = malloc((size_t)size + 1)) != NULL) {
		if (fread(text, 1, (size_t)size, f) != (size_t)size) {
			free(text);
			text = NULL;
		} else {
			text[size] = '\0';
		}
	}
	fclose(f);
	return text;
}

/* Prints ", N what" when n is not 0. */
static void
print_count(size_t n, const char *what)
{
	if (n > 0)
		fprintf(stderr, ", %zu %s", n, what);
}

/*
 * Prints the closing summary: where every input line went, with the counts
 * that are 0 left out except "needed nothing" and "re-asked".
 */
static void
print_summary(const struct ann_reask_stats *s)
{
	fprintf(stderr, "%s: %zu records: %zu needed nothing", ann_program, s->records, s->passed);
	print_count(s->unfixable, "with an error that no re-ask fixes");
	print_count(s->no_request, "could not be re-asked (no request)");
	print_count(s->no_id, "could not be re-asked (no string id)");
	print_count(s->repeated_ids, "could not be re-asked (id already in the loop)");
	print_count(s->line_errors, s->line_errors == 1 ? "line that is not a record" :
	    "lines that are not records");
	fprintf(stderr, ", %zu re-asked (%zu now valid, %zu still failing, %zu stopped on "
	    "repeated errors, %zu by the budget)", s->fixed + s->still_failing, s->fixed,
	    s->still_failing, s->repeated, s->budget_stops);
	print_count(s->not_reasked_budget, "not re-asked: the budget was spent");
	print_count(s->not_reasked_rounds, "not re-asked: --rounds is 0");
	print_count(s->not_reasked_child, "not re-asked: the command had ended");
	fprintf(stderr, "; %zu sent to the command", s->calls);
	if (s->extra_lines > 0)
		fprintf(stderr, "; %zu lines from the command that were not sent to it passed on",
		    s->extra_lines);
	fputc('\n', stderr);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "budget-file", required_argument, NULL, OPT_BUDGET_FILE },
		{ "feedback", required_argument, NULL, OPT_FEEDBACK },
		{ "help", no_argument, NULL, 'h' },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "lang", required_argument, NULL, OPT_LANG },
		{ "max-calls", required_argument, NULL, OPT_MAX_CALLS },
		{ "max-cost", required_argument, NULL, OPT_MAX_COST },
		{ "max-in-flight", required_argument, NULL, OPT_IN_FLIGHT },
		{ "max-tokens-cap", required_argument, NULL, OPT_CAP },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rounds", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct ann_reask_opts o;
	struct ann_reask_stats stats;
	struct ann_error e = ANN_ERROR_INIT;
	const char *feedback_path = NULL;
	char *feedback = NULL;
	int quiet = 0, verbose = 0;
	long long n;
	int c, rc;

	ann_cli_start("ann-retry", argv);
	ann_reask_opts_init(&o);
	while ((c = getopt_long(argc, argv, "+hn:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_text, stdout);
			return ANN_EXIT_OK;
		case OPT_VERSION:
			return ann_cli_version();
		case 'n':
			if (ann_cli_parse_integer(optarg, 0, 100, &n))
				return ann_cli_usage_error("invalid --rounds, expected 0 to 100: %s", optarg);
			o.max_rounds = (int)n;
			break;
		case OPT_MAX_CALLS:
			if (ann_cli_parse_integer(optarg, 1, 1000000000L, &n))
				return ann_cli_usage_error("invalid --max-calls, expected a positive number: %s", optarg);
			o.max_calls = (long)n;
			break;
		case OPT_MAX_COST:
			if (ann_cli_parse_number(optarg, 0, 1e12, &o.max_cost))
				return ann_cli_usage_error("invalid --max-cost, expected USD like 2.50: %s", optarg);
			break;
		case OPT_BUDGET_FILE:
			if (*optarg == '\0')
				return ann_cli_usage_error("invalid --budget-file, expected a file name");
			o.budget_file = optarg;
			break;
		case OPT_CAP:
			if (ann_cli_parse_integer(optarg, 1, 1000000L, &n))
				return ann_cli_usage_error("invalid --max-tokens-cap: %s", optarg);
			o.max_tokens_cap = (long)n;
			break;
		case OPT_IN_FLIGHT:
			if (ann_cli_parse_integer(optarg, 1, 1000000L, &n))
				return ann_cli_usage_error("invalid --max-in-flight: %s", optarg);
			o.max_in_flight = (size_t)n;
			break;
		case OPT_IDLE:
			if (ann_cli_parse_integer(optarg, 0, 86400L * 365, &n))
				return ann_cli_usage_error("invalid --idle-timeout, expected seconds: %s", optarg);
			o.idle_timeout = (long)n;
			break;
		case OPT_FEEDBACK:
			feedback_path = optarg;
			break;
		case OPT_LANG:
			if (strcmp(optarg, "en") != 0 && strcmp(optarg, "ja") != 0)
				return ann_cli_usage_error("invalid --lang, expected en or ja: %s", optarg);
			o.japanese = strcmp(optarg, "ja") == 0;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			return ann_cli_bad_option();
		}
	}
	if (optind >= argc)
		return ann_cli_usage_error("missing the command to re-ask with, after --");
	if (o.budget_file && o.max_cost <= 0)
		return ann_cli_usage_error("--budget-file needs --max-cost, the total at which "
		    "re-asking stops");
	o.child_argv = argv + optind;
	ann_cli_verbosity(quiet, verbose);
	if (ann_cli_stdin_is_terminal())
		return ANN_EXIT_USAGE;

	if (feedback_path != NULL) {
		feedback = read_file(feedback_path);
		if (feedback == NULL)
			return ann_cli_usage_error("cannot read --feedback %s: %s", feedback_path,
			    strerror(errno));
		o.feedback = feedback;
	}

	rc = ann_reask_run(&o, STDIN_FILENO, STDOUT_FILENO, &stats, &e);
	if (rc == ANN_OK && !quiet)
		print_summary(&stats);
	free(feedback);
	if (rc == ANN_OK && stats.child_failed)
		return ANN_EXIT_SYSTEM;
	return ann_cli_exit_status(rc, &e, stats.broken_pipe, stats.failed_records);
}
