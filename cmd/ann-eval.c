/*
 * ann-eval: scores annotations against reference labels, field by field.
 * The work is in lib/eval*.c and lib/normalize*.c. This file parses
 * options, opens the two streams and prints the chosen report.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "eval_report.h"
#include "eval_run.h"
#include "jsonl.h"

enum output_mode { OUTPUT_TABLE, OUTPUT_JSON, OUTPUT_DIFFS };

struct eval_opts {
	enum output_mode mode;
	int mode_set;
	struct ann_eval_input reference;
	struct ann_eval_input annotations;
	int quiet;
	int verbose;
};

static const char usage_text[] =
    "Usage: ann-eval [options] <reference.jsonl> [<annotations.jsonl>]\n"
    "\n"
    "Scores annotations against reference labels, joined by record id, field by\n"
    "field: precision, recall, F1, accuracy and support per JSON Pointer, micro\n"
    "and macro averages, and the share of documents that match exactly.\n"
    "Annotations are read from standard input when the second file is left out.\n"
    "\n"
    "  -m, --member <member>          compare this member on both sides (default: output)\n"
    "  -r, --reference-member <member>   ... on the reference side only\n"
    "  -a, --annotation-member <member>  ... on the annotation side only\n"
    "                                 (a name, or a JSON Pointer such as /output/fields)\n"
    "  -f, --field <pointer>          score only fields at or under this pointer\n"
    "                                 (\"*\" stands for array indexes); repeatable\n"
    "  -k, --match-items-by [<array>=]<key>\n"
    "                                 pair array elements by their member <key>\n"
    "                                 instead of by position; repeatable\n"
    "  -j, --json                     print the summary as one JSON object\n"
    "  -d, --diffs                    print each difference as a JSON line\n"
    "  -t, --tolerance <number>[%]    numbers this close are equal (absolute, or percent)\n"
    "  -i, --ignore-case              fold case before comparing text\n"
    "      --no-nfkc                  compare text without Unicode NFKC\n"
    "      --no-space                 keep white space as it is\n"
    "      --no-numbers               do not read numbers from text (\"RM 9.00\")\n"
    "      --no-dates                 do not read dates from text (\"R6.6.1\")\n"
    "      --exact                    all of the four above\n"
    "      --date-order dmy|mdy|ymd   order of numeric dates such as 01/02/24 (default: dmy)\n"
    "      --kanji-multipliers        read 7万円 as 70000\n"
    "      --keep-empty               count null and \"\" as values, not as absent\n"
    "  -q, --quiet                    print errors only\n"
    "  -v, --verbose                  name every unpaired record on standard error\n"
    "  -h, --help                     print this help\n"
    "      --version                  print the version\n"
    "\n"
    "Example: ann-eval --json labels.jsonl annotated.jsonl\n"
    "See ann-eval(1) for the exact definitions and the exit statuses.\n";

enum long_only {
	OPT_DATE_ORDER = 256, OPT_EXACT, OPT_KANJI, OPT_KEEP_EMPTY, OPT_NO_DATES,
	OPT_NO_NFKC, OPT_NO_NUMBERS, OPT_NO_SPACE, OPT_VERSION,
};

static const struct option longopts[] = {
	{ "annotation-member", required_argument, NULL, 'a' },
	{ "date-order", required_argument, NULL, OPT_DATE_ORDER },
	{ "diffs", no_argument, NULL, 'd' },
	{ "exact", no_argument, NULL, OPT_EXACT },
	{ "field", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "ignore-case", no_argument, NULL, 'i' },
	{ "json", no_argument, NULL, 'j' },
	{ "kanji-multipliers", no_argument, NULL, OPT_KANJI },
	{ "keep-empty", no_argument, NULL, OPT_KEEP_EMPTY },
	{ "match-items-by", required_argument, NULL, 'k' },
	{ "member", required_argument, NULL, 'm' },
	{ "no-dates", no_argument, NULL, OPT_NO_DATES },
	{ "no-nfkc", no_argument, NULL, OPT_NO_NFKC },
	{ "no-numbers", no_argument, NULL, OPT_NO_NUMBERS },
	{ "no-space", no_argument, NULL, OPT_NO_SPACE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "reference-member", required_argument, NULL, 'r' },
	{ "tolerance", required_argument, NULL, 't' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int
set_mode(struct eval_opts *o, enum output_mode mode)
{
	if (o->mode_set && o->mode != mode)
		return ann_cli_usage_error("--json and --diffs cannot be combined");
	o->mode = mode;
	o->mode_set = 1;
	return ANN_EXIT_OK;
}

static int
set_tolerance(struct ann_norm_options *norm, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || errno || !isfinite(v) || v < 0 || (*end && strcmp(end, "%") != 0))
		return ann_cli_usage_error("invalid --tolerance, expected a number >= 0 "
		    "with an optional %%: %s", arg);
	if (*end == '%')
		norm->relative_tolerance = v / 100;
	else
		norm->tolerance = v;
	return ANN_EXIT_OK;
}

/*
 * Applies one option. Returns ANN_EXIT_OK to go on, an exit status to end
 * with, or -1 after printing the help or the version.
 */
static int
apply_option(int c, const char *arg, struct eval_opts *o, struct ann_eval *ev)
{
	struct ann_error e = ANN_ERROR_INIT;
	unsigned *flags = &ev->norm.flags;

	switch (c) {
	case 'a': o->annotations.member = arg; break;
	case 'r': o->reference.member = arg; break;
	case 'm': o->reference.member = o->annotations.member = arg; break;
	case 'd': return set_mode(o, OUTPUT_DIFFS);
	case 'j': return set_mode(o, OUTPUT_JSON);
	case 't': return set_tolerance(&ev->norm, arg);
	case 'i': *flags |= ANN_NORM_CASE; break;
	case 'q': o->quiet = 1; break;
	case 'v': o->verbose++; break;
	case OPT_EXACT:
		*flags &= ~(unsigned)(ANN_NORM_NFKC | ANN_NORM_SPACE | ANN_NORM_NUMBERS | ANN_NORM_DATES);
		break;
	case OPT_KANJI: *flags |= ANN_NORM_KANJI_MULTIPLIERS; break;
	case OPT_KEEP_EMPTY: *flags |= ANN_NORM_KEEP_EMPTY; break;
	case OPT_NO_DATES: *flags &= ~(unsigned)ANN_NORM_DATES; break;
	case OPT_NO_NFKC: *flags &= ~(unsigned)ANN_NORM_NFKC; break;
	case OPT_NO_NUMBERS: *flags &= ~(unsigned)ANN_NORM_NUMBERS; break;
	case OPT_NO_SPACE: *flags &= ~(unsigned)ANN_NORM_SPACE; break;
	case OPT_DATE_ORDER:
		if (strcmp(arg, "dmy") == 0)
			ev->norm.date_order = ANN_DATE_DMY;
		else if (strcmp(arg, "mdy") == 0)
			ev->norm.date_order = ANN_DATE_MDY;
		else if (strcmp(arg, "ymd") == 0)
			ev->norm.date_order = ANN_DATE_YMD;
		else
			return ann_cli_usage_error("invalid --date-order, expected dmy, mdy or ymd: %s", arg);
		break;
	case 'f':
		if (ann_eval_add_field_filter(ev, arg, &e))
			return ann_cli_usage_error("invalid --field: %s", e.msg);
		break;
	case 'k':
		if (ann_eval_add_match_rule(ev, arg, &e))
			return ann_cli_usage_error("invalid --match-items-by: %s", e.msg);
		break;
	case 'h':
		fputs(usage_text, stdout);
		return -1;
	case OPT_VERSION:
		ann_cli_version();
		return -1;
	default:
		return ann_cli_usage_error("invalid option '%s'", arg ? arg : "?");
	}
	return ANN_EXIT_OK;
}

/* Opens path for reading ("-" is standard input) into in and returns an exit status. */
static int
open_input(struct ann_eval_input *in, const char *path)
{
	if (strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
		in->name = "standard input";
		return ANN_EXIT_OK;
	}
	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	in->name = path;
	if (in->fd < 0) {
		ann_cli_error("cannot open '%s': %s", path, strerror(errno));
		return ANN_EXIT_USAGE;
	}
	return ANN_EXIT_OK;
}

/* Parses the command line into o and ev. Returns an exit status to end with, or -1 to go on. */
static int
parse_args(int argc, char **argv, struct eval_opts *o, struct ann_eval *ev)
{
	struct ann_error e = ANN_ERROR_INIT;
	int c;
	int rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "a:dhf:ijk:m:qr:t:v", longopts, NULL)) != -1) {
		rc = apply_option(c, c == '?' ? argv[optind - 1] : optarg, o, ev);
		if (rc)
			return rc < 0 ? ANN_EXIT_OK : rc;
	}
	ann_cli_verbosity(o->quiet, o->verbose);
	if (argc - optind < 1 || argc - optind > 2)
		return ann_cli_usage_error("expected a reference file and at most one annotation file");
	if (ann_eval_member_check(o->reference.member, &e) ||
	    ann_eval_member_check(o->annotations.member, &e))
		return ann_cli_usage_error("%s", e.msg);

	rc = open_input(&o->reference, argv[optind]);
	if (rc == ANN_EXIT_OK)
		rc = open_input(&o->annotations, argc - optind == 2 ? argv[optind + 1] : "-");
	if (rc)
		return rc;
	if (o->reference.fd == STDIN_FILENO && o->annotations.fd == STDIN_FILENO)
		return ann_cli_usage_error("reference and annotations cannot both be standard input");
	if ((o->reference.fd == STDIN_FILENO || o->annotations.fd == STDIN_FILENO) &&
	    ann_cli_stdin_is_terminal())
		return ANN_EXIT_USAGE;
	return -1;
}

/* Warns when the scores are n/a because there was nothing to score. */
static void
warn_nothing_scored(const struct ann_eval *ev)
{
	if (ev->documents == 0 && ev->reference.records == 0 && ev->annotations.records == 0)
		ann_log(ANN_LOG_WARN, "no document was scored, because both inputs are empty; "
		    "every score is n/a");
	else if (ev->documents == 0)
		ann_log(ANN_LOG_WARN, "no document was scored, so every score is n/a");
	else if (ev->n_fields == 0)
		ann_log(ANN_LOG_WARN, "no field was compared, so the field scores are n/a; check "
		    "--member and --field");
}

int
main(int argc, char **argv)
{
	struct eval_opts o = {
		OUTPUT_TABLE, 0, { -1, "", "output" }, { -1, "", "output" }, 0, 0,
	};
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_jsonl_writer out;
	struct ann_buf report = ANN_BUF_INIT;
	struct ann_eval ev;
	int rc;

	ann_cli_start("ann-eval", argv);
	ann_eval_init(&ev);
	ann_jsonl_writer_init(&out, STDOUT_FILENO, 0);
	rc = parse_args(argc, argv, &o, &ev);
	if (rc >= 0)
		goto done;

	if (o.mode == OUTPUT_DIFFS) {
		ev.on_diff = ann_eval_diff_write;
		ev.diff_ctx = &out;
	}
	rc = ann_eval_run(&ev, &o.reference, &o.annotations, &e);
	if (rc == ANN_OK && o.mode != OUTPUT_DIFFS) {
		rc = o.mode == OUTPUT_JSON ? ann_eval_report_json(&ev, &report) :
		    ann_eval_report_table(&ev, &report);
		if (rc)
			ann_error_set(&e, rc, "out of memory writing the report");
		else
			rc = ann_jsonl_write(&out, report.data, report.len, &e);
	}
	if (rc == ANN_OK)
		rc = ann_jsonl_flush(&out, &e);
	if (rc == ANN_OK)
		warn_nothing_scored(&ev);
	if (rc == ANN_OK && ann_eval_problems(&ev) > 0)
		ann_log(ANN_LOG_WARN, "%zu records could not be scored normally: see the record "
		    "counts in the report, or list them with --diffs", ann_eval_problems(&ev));
	rc = ann_cli_exit_status(rc, &e, out.broken_pipe, ann_eval_problems(&ev));

done:
	if (o.reference.fd > STDIN_FILENO)
		close(o.reference.fd);
	if (o.annotations.fd > STDIN_FILENO)
		close(o.annotations.fd);
	ann_buf_release(&report);
	ann_jsonl_writer_release(&out);
	ann_eval_release(&ev);
	return rc;
}
