/*
 * ann-validate: checks one member of each record against a JSON Schema.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "validate.h"

static const char usage_text[] =
    "Usage: ann-validate -s <schema.json> [options] [<file.jsonl> | -]\n"
    "\n"
    "Reads JSONL records, validates one member of each (default \"output\")\n"
    "against a JSON Schema (draft 2020-12 or draft-07) and writes each record\n"
    "with a \"validation\" member: {\"valid\":true|false,\"errors\":[...]}. A record\n"
    "without the member, or with an \"error\" from an earlier stage, is passed on\n"
    "with \"valid\":null. A summary goes to standard error.\n"
    "\n"
    "      --derived <ptr>        exempt the answer's values at ptr from\n"
    "                             --ground (\"*\" matches any member or index);\n"
    "                             repeatable\n"
    "  -d, --draft <2020-12|7>    dialect of a schema without $schema\n"
    "                             (default: 2020-12)\n"
    "  -f, --field <name|/ptr>    member to validate, or a JSON Pointer into the\n"
    "                             record; \"\" for the whole record (default: output)\n"
    "  -F, --formats              make \"format\" an assertion (default: annotation)\n"
    "  -g, --ground <ptr>         require every string and number of the answer\n"
    "                             to occur in the record's source text at ptr\n"
    "                             (a JSON Pointer, e.g. /text); writes \"spans\"\n"
    "      --ground-edits <f>     OCR noise allowed: edits per character of a\n"
    "                             value, 0 to 1, never on digits (default: 0.1)\n"
    "  -h, --help                 print this help and exit\n"
    "      --invalid-only         write only invalid records (and records that\n"
    "                             could not be validated)\n"
    "  -m, --max-errors <n>       errors kept per record, schema, grounding and\n"
    "                             rule errors together; 0 for all (default: 0)\n"
    "  -M, --schema-map <prefix=dir>  read referenced schemas whose URI starts\n"
    "                             with prefix from files under dir; repeatable\n"
    "  -q, --quiet                write no records and no summary: the exit\n"
    "                             status tells whether every record was valid\n"
    "  -r, --rejects <file>       write invalid records to file instead of\n"
    "                             standard output\n"
    "  -R, --rules <file>         check the cross-field rules in file (a JSON\n"
    "                             rules file, see doc/rules.md)\n"
    "  -s, --schema <file>        the JSON Schema (required)\n"
    "  -u, --unbuffered           write each record as soon as it is ready\n"
    "      --valid-only           write only valid records (and records that\n"
    "                             could not be validated)\n"
    "  -v, --verbose              print the first error of each invalid record\n"
    "      --version              print the version and exit\n"
    "\n"
    "Example:\n"
    "  ann-validate -s invoice.schema.json --formats --rejects bad.jsonl \\\n"
    "      < answers.jsonl > good.jsonl\n"
    "\n"
    "See ann-validate(1).\n";

enum {
	OPT_DERIVED = 256,
	OPT_GROUND_EDITS,
	OPT_INVALID_ONLY,
	OPT_VALID_ONLY,
	OPT_VERSION,
};

static const struct option longopts[] = {
	{ "derived", required_argument, NULL, OPT_DERIVED },
	{ "draft", required_argument, NULL, 'd' },
	{ "field", required_argument, NULL, 'f' },
	{ "formats", no_argument, NULL, 'F' },
	{ "ground", required_argument, NULL, 'g' },
	{ "ground-edits", required_argument, NULL, OPT_GROUND_EDITS },
	{ "help", no_argument, NULL, 'h' },
	{ "invalid-only", no_argument, NULL, OPT_INVALID_ONLY },
	{ "max-errors", required_argument, NULL, 'm' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'r' },
	{ "rules", required_argument, NULL, 'R' },
	{ "schema", required_argument, NULL, 's' },
	{ "schema-map", required_argument, NULL, 'M' },
	{ "unbuffered", no_argument, NULL, 'u' },
	{ "valid-only", no_argument, NULL, OPT_VALID_ONLY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* Parses one option into o; returns -1 to go on, or an exit status. */
static int
parse_option(int c, struct ann_validate_opts *o, int *verbose)
{
	struct ann_error e = ANN_ERROR_INIT;
	char *end;
	double d;
	long n;

	switch (c) {
	case OPT_DERIVED:
		if (optarg[0] != '/')
			return ann_cli_usage_error("invalid --derived, expected a JSON Pointer "
			    "such as /tax_rate: %s", optarg);
		if (o->ground.n_derived == ANN_GROUND_MAX_DERIVED)
			return ann_cli_usage_error("too many --derived options (at most %d)",
			    ANN_GROUND_MAX_DERIVED);
		o->ground.derived[o->ground.n_derived++] = optarg;
		return -1;
	case 'd':
		if (strcmp(optarg, "2020-12") == 0)
			o->draft = ANN_SCHEMA_DRAFT_2020_12;
		else if (strcmp(optarg, "7") == 0 || strcmp(optarg, "07") == 0)
			o->draft = ANN_SCHEMA_DRAFT_7;
		else
			return ann_cli_usage_error("invalid --draft, expected 2020-12 or 7: %s", optarg);
		return -1;
	case 'f':
		o->field = optarg;
		return -1;
	case 'F': o->assert_formats = 1; return -1;
	case 'g':
		if (optarg[0] != '/' || optarg[1] == '\0')
			return ann_cli_usage_error("invalid --ground, expected a JSON Pointer "
			    "such as /text: %s", optarg);
		o->ground.source = optarg;
		return -1;
	case OPT_GROUND_EDITS:
		d = strtod(optarg, &end);
		if (*end || end == optarg || !(d >= 0 && d <= 1))
			return ann_cli_usage_error("invalid --ground-edits, expected a number "
			    "from 0 to 1: %s", optarg);
		o->ground.edits_per_char = d;
		return -1;
	case 'h': fputs(usage_text, stdout); return ANN_EXIT_OK;
	case OPT_INVALID_ONLY: o->route = ANN_VALIDATE_INVALID_ONLY; return -1;
	case 'm':
		n = strtol(optarg, &end, 10);
		if (*end || end == optarg || n < 0 || n > 1000000)
			return ann_cli_usage_error("invalid --max-errors, expected an integer "
			    "from 0 to 1000000: %s", optarg);
		o->max_errors = (size_t)n;
		return -1;
	case 'M':
		if (ann_validate_add_map(o, optarg, &e))
			return ann_cli_usage_error("%s", e.msg);
		return -1;
	case 'q': o->status_only = 1; return -1;
	case 'r': o->rejects_path = optarg; return -1;
	case 'R': o->rules_path = optarg; return -1;
	case 's': o->schema_path = optarg; return -1;
	case 'u': o->flush_each = 1; return -1;
	case OPT_VALID_ONLY: o->route = ANN_VALIDATE_VALID_ONLY; return -1;
	case 'v': (*verbose)++; return -1;
	case OPT_VERSION: return ann_cli_version();
	default: return ann_cli_bad_option();
	}
}

static void
print_summary(const struct ann_validate_stats *st)
{
	size_t i;

	fprintf(stderr, "%s: %zu records: %zu valid, %zu invalid, %zu not validated\n",
	    ann_program, st->records, st->valid, st->invalid, st->not_validated);
	if (st->n_top == 0)
		return;
	fprintf(stderr, "%s: most frequent failures (records, instance location, keyword):\n",
	    ann_program);
	for (i = 0; i < st->n_top; i++)
		fprintf(stderr, "%s: %8zu  %s\n", ann_program, st->top[i].records, st->top[i].where);
}

int
main(int argc, char **argv)
{
	struct ann_validate_opts o;
	struct ann_validate_stats st;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_validate *v = NULL;
	int verbose = 0, in_fd = STDIN_FILENO;
	int status;
	int c, rc;

	ann_cli_start("ann-validate", argv);
	ann_validate_opts_init(&o);
	while ((c = getopt_long(argc, argv, "d:f:Fg:hm:M:qr:R:s:uv", longopts, NULL)) != -1) {
		rc = parse_option(c, &o, &verbose);
		if (rc >= 0)
			return rc;
	}
	ann_cli_verbosity(o.status_only, verbose);
	if (o.schema_path == NULL)
		return ann_cli_usage_error("missing --schema: name the JSON Schema to validate against");
	if (o.ground.n_derived > 0 && o.ground.source == NULL)
		return ann_cli_usage_error("--derived needs --ground: name the source text with --ground");
	if (o.rejects_path && o.route != ANN_VALIDATE_ALL)
		return ann_cli_usage_error("--rejects cannot be combined with --valid-only or --invalid-only");
	status = ann_cli_open_input(argc - optind, argv + optind, &in_fd);
	if (status >= 0)
		return status;

	rc = ann_validate_new(&v, &o, &e);
	if (rc) {
		ann_cli_error("%s", e.msg);
		return rc == ANN_ERR_NOMEM ? ANN_EXIT_SYSTEM : ANN_EXIT_USAGE;
	}
	rc = ann_validate_run(v, in_fd, STDOUT_FILENO, &st, &e);
	ann_validate_free(v);
	if (in_fd != STDIN_FILENO)
		close(in_fd);
	if (!o.status_only && !st.broken_pipe)
		print_summary(&st);
	if (rc == ANN_ERR_CONFIG) {
		ann_cli_error("%s", e.msg);
		return ANN_EXIT_USAGE;
	}
	return ann_cli_exit_status(rc, &e, st.broken_pipe, st.invalid + st.not_validated);
}
