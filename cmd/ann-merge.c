/*
 * ann-merge: joins, deduplicates, votes on and exports annotation records.
 * Options go into struct ann_merge_options; lib/merge.c does the work.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "fields.h"
#include "merge.h"

static const char usage_text[] =
	"Usage: ann-merge [<option>...] [<file>...]\n"
	"       ann-merge --join [<option>...] <documents> <annotations>...\n"
	"       ann-merge --vote [--threshold <share>] [<option>...] <run>...\n"
	"       ann-merge --prefer [<option>...] <base> <override>...\n"
	"\n"
	"Merges JSONL records that share a key. With no mode option, takes the\n"
	"union of the files and keeps the best record of each id: valid over no\n"
	"verdict over invalid over error, then the later file and line. '-' or no\n"
	"file reads standard input.\n"
	"\n"
	"  -b, --by <pointer>         JSON Pointer of the key (default /id)\n"
	"      --bom                  CSV: start with a UTF-8 byte order mark\n"
	"      --draft <2020-12|7>    dialect of a --schema without $schema\n"
	"                             (default: 2020-12)\n"
	"  -f, --format <format>      jsonl (default), label-studio or csv\n"
	"  -h, --help                 print this help and exit\n"
	"  -j, --join                 documents (first file) with their annotations\n"
	"      --model-version <name> Label Studio: model_version of predictions\n"
	"  -p, --prefer               later files override output fields of earlier ones\n"
	"  -q, --quiet                print errors only\n"
	"      --schema <file>        prefer: the JSON Schema of \"output\"; Label\n"
	"                             Studio text takes the type it gives a field\n"
	"                             (default: the type of the value it replaces)\n"
	"      --schema-map <prefix=dir>  read referenced schemas whose URI starts\n"
	"                             with prefix from files under dir; repeatable\n"
	"  -s, --sorted               inputs are sorted by key: merge as streams\n"
	"  -t, --threshold <share>    vote: list fields with agreement below this\n"
	"                             share (0 to 1, default 1) for review\n"
	"      --to-name <name>       Label Studio: to_name of results (default text)\n"
	"  -v, --verbose              print progress; twice for more\n"
	"      --version              print the version and exit\n"
	"  -V, --vote                 field-by-field majority over runs, one per file\n"
	"\n"
	"Example: ann-merge --prefer --schema invoice.schema.json model.jsonl \\\n"
	"             corrections.json > dataset.jsonl\n"
	"See ann-merge(1) for the record members it adds.\n";

enum {
	OPT_BOM = 256,
	OPT_DRAFT,
	OPT_MODEL_VERSION,
	OPT_SCHEMA,
	OPT_SCHEMA_MAP,
	OPT_TO_NAME,
	OPT_VERSION,
};

#define MAX_SCHEMA_MAPS 16

static struct ann_schema_map schema_maps[MAX_SCHEMA_MAPS];

static int
set_mode(struct ann_merge_options *o, enum ann_merge_mode m, int *mode_set)
{
	if (*mode_set && o->mode != m)
		return ann_cli_usage_error("--join, --vote and --prefer exclude each other");
	o->mode = m;
	*mode_set = 1;
	return 0;
}

static int
parse_options(int argc, char **argv, struct ann_merge_options *o)
{
	static const struct option longopts[] = {
		{ "bom", no_argument, NULL, OPT_BOM },
		{ "by", required_argument, NULL, 'b' },
		{ "draft", required_argument, NULL, OPT_DRAFT },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "join", no_argument, NULL, 'j' },
		{ "model-version", required_argument, NULL, OPT_MODEL_VERSION },
		{ "prefer", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "schema", required_argument, NULL, OPT_SCHEMA },
		{ "schema-map", required_argument, NULL, OPT_SCHEMA_MAP },
		{ "sorted", no_argument, NULL, 's' },
		{ "threshold", required_argument, NULL, 't' },
		{ "to-name", required_argument, NULL, OPT_TO_NAME },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "vote", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ann_error e = ANN_ERROR_INIT;
	int mode_set = 0;
	int quiet = 0;
	int verbose = 0;
	int c;
	char *end;

	while ((c = getopt_long(argc, argv, "b:f:hjpqst:vV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->key = optarg;
			break;
		case OPT_BOM:
			o->csv_bom = 1;
			break;
		case OPT_DRAFT:
			if (strcmp(optarg, "2020-12") == 0)
				o->schema.draft = ANN_SCHEMA_DRAFT_2020_12;
			else if (strcmp(optarg, "7") == 0 || strcmp(optarg, "07") == 0)
				o->schema.draft = ANN_SCHEMA_DRAFT_7;
			else
				return ann_cli_usage_error("invalid --draft, expected 2020-12 or 7: %s",
				    optarg);
			break;
		case 'f':
			if (strcmp(optarg, "jsonl") == 0)
				o->format = ANN_MERGE_JSONL;
			else if (strcmp(optarg, "label-studio") == 0)
				o->format = ANN_MERGE_LABEL_STUDIO;
			else if (strcmp(optarg, "csv") == 0)
				o->format = ANN_MERGE_CSV;
			else
				return ann_cli_usage_error("invalid --format, expected jsonl, "
				    "label-studio or csv: %s", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case 'j':
			if (set_mode(o, ANN_MERGE_JOIN, &mode_set))
				return ANN_EXIT_USAGE;
			break;
		case OPT_MODEL_VERSION:
			o->model_version = optarg;
			break;
		case 'p':
			if (set_mode(o, ANN_MERGE_PREFER, &mode_set))
				return ANN_EXIT_USAGE;
			break;
		case 'q':
			quiet = 1;
			break;
		case OPT_SCHEMA:
			o->schema_path = optarg;
			break;
		case OPT_SCHEMA_MAP:
			if (o->schema.n_maps == MAX_SCHEMA_MAPS)
				return ann_cli_usage_error("too many --schema-map options (at most %d)",
				    MAX_SCHEMA_MAPS);
			if (ann_schema_map_parse(optarg, &schema_maps[o->schema.n_maps], &e))
				return ann_cli_usage_error("%s", e.msg);
			o->schema.maps = schema_maps;
			o->schema.n_maps++;
			break;
		case 's':
			o->sorted = 1;
			break;
		case 't':
			errno = 0;
			o->threshold = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->threshold >= 0 && o->threshold <= 1))
				return ann_cli_usage_error("invalid --threshold, expected a number "
				    "from 0 to 1: %s", optarg);
			break;
		case OPT_TO_NAME:
			o->ls_to_name = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case OPT_VERSION:
			ann_cli_version();
			return -1;
		case 'V':
			if (set_mode(o, ANN_MERGE_VOTE, &mode_set))
				return ANN_EXIT_USAGE;
			break;
		default:
			return ann_cli_bad_option();
		}
	}
	ann_cli_verbosity(quiet, verbose);
	if ((o->schema_path != NULL || o->schema.n_maps > 0 || o->schema.draft)
	    && o->mode != ANN_MERGE_PREFER)
		return ann_cli_usage_error("--schema, --schema-map and --draft need --prefer");
	if (o->schema.n_maps > 0 && o->schema_path == NULL)
		return ann_cli_usage_error("--schema-map needs --schema");
	if (o->key[0] != '/' || ann_json_pointer_check(o->key) != ANN_OK)
		return ann_cli_usage_error("invalid --by, expected a JSON Pointer such as /id: %s",
		    o->key);
	return 0;
}

/* Appends " and N more" to a list of the first keys when there were more. */
static const char *
more_keys(size_t keys, char *buf, size_t size)
{
	buf[0] = '\0';
	if (keys > ANN_MERGE_LISTED_KEYS)
		snprintf(buf, size, " and %zu more", keys - ANN_MERGE_LISTED_KEYS);
	return buf;
}

/*
 * Warns about dropped duplicates, naming the first keys, and separately
 * about those that differ from the record kept in members no stage owns.
 */
static void
warn_duplicates(const struct ann_merge_options *o, const struct ann_merge_stats *st)
{
	const char *key = strcmp(o->key, "/id") == 0 ? "id" : "key";
	char more[32];

	if (st->duplicates == 0)
		return;
	ann_log(ANN_LOG_WARN, "%zu duplicate record%s dropped (%zu %s%s, %s kept): %s%s",
	    st->duplicates, st->duplicates == 1 ? "" : "s", st->duplicate_keys, key,
	    st->duplicate_keys == 1 ? "" : "s", st->duplicate_keys == 1 ? "its best record" :
	    "the best record of each", st->duplicate_list,
	    more_keys(st->duplicate_keys, more, sizeof more));
	if (st->differing == 0)
		return;
	ann_log(ANN_LOG_WARN, "%zu dropped record%s differ%s from the record kept for %s %s in "
	    "members that no pipeline stage owns, so two documents may share %s %s: %s%s; "
	    "\"differs\" in each record's \"merge\" member lists them",
	    st->differing, st->differing == 1 ? "" : "s", st->differing == 1 ? "s" : "",
	    st->differing == 1 ? "its" : "their", key, strcmp(key, "id") == 0 ? "an" : "a", key,
	    st->differing_list, more_keys(st->differing_keys, more, sizeof more));
}

int
main(int argc, char **argv)
{
	struct ann_merge_options o = {
		.mode = ANN_MERGE_UNION,
		.format = ANN_MERGE_JSONL,
		.key = "/id",
		.threshold = 1.0,
	};
	struct ann_merge_stats st;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_merge_input *in = NULL;
	size_t n;
	size_t i;
	int rc;

	ann_cli_start("ann-merge", argv);
	rc = parse_options(argc, argv, &o);
	if (rc)
		return rc < 0 ? ANN_EXIT_OK : rc;

	n = argc > optind ? (size_t)(argc - optind) : 1;
	if (o.mode == ANN_MERGE_JOIN && n < 2)
		return ann_cli_usage_error("--join needs a documents file and an annotations file");
	if (n > ANN_MERGE_MAX_INPUTS)
		return ann_cli_usage_error("too many inputs: %zu (at most %d)", n,
		    ANN_MERGE_MAX_INPUTS);
	in = calloc(n, sizeof *in);
	if (in == NULL)
		return ann_cli_exit_status(ann_error_set(&e, ANN_ERR_NOMEM, "out of memory"),
		    &e, 0, 0);
	for (i = 0; i < n; i++)
		in[i].fd = -1;

	rc = ANN_EXIT_USAGE;
	for (i = 0; i < n; i++) {
		in[i].name = argc > optind ? argv[optind + (int)i] : "-";
		if (strcmp(in[i].name, "-") == 0) {
			if (ann_cli_stdin_is_terminal())
				goto done;
			in[i].fd = STDIN_FILENO;
			continue;
		}
		in[i].fd = open(in[i].name, O_RDONLY | O_CLOEXEC);
		if (in[i].fd < 0) {
			ann_cli_error("cannot open '%s': %s", in[i].name, strerror(errno));
			goto done;
		}
	}

	rc = ann_merge_run(&o, in, n, STDOUT_FILENO, &st, &e);
	ann_log(st.conflicts || st.missing || st.ties ? ANN_LOG_WARN : ANN_LOG_INFO,
	    "%zu records in, %zu out: %zu duplicates dropped, %zu conflicts, %zu missing "
	    "counterparts, %zu ties, %zu records for review, %zu errors", st.records_in,
	    st.records_out, st.duplicates, st.conflicts, st.missing, st.ties, st.review,
	    st.errors);
	if (st.unconverted == 1)
		ann_log(ANN_LOG_WARN, "1 reviewer text did not convert to its field's type in the "
		    "schema; its record's \"merge\" member lists it under \"unconverted\"");
	else if (st.unconverted > 1)
		ann_log(ANN_LOG_WARN, "%zu reviewer texts did not convert to their field's type "
		    "in the schema; each record's \"merge\" member lists them under "
		    "\"unconverted\"", st.unconverted);
	warn_duplicates(&o, &st);
	/* Duplicates, even differing ones, carry no error: the status stays 0 (ann-merge(1)). */
	rc = ann_cli_exit_status(rc, &e, st.broken_pipe, st.errors);
done:
	for (i = 0; i < n; i++)
		if (in[i].fd > STDIN_FILENO)
			close(in[i].fd);
	free(in);
	return rc;
}
