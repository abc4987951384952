/*
 * jsonl-cat: passes records through the shared record loop unchanged.
 *
 * A test program, not a command: it exercises the JSONL reader, the strict
 * scanner, the splicing writer and the error records end to end, through
 * real pipes. With --tag NAME=JSON it sets one member on every record, so
 * tests can check that the other members pass through byte for byte;
 * --skip ID leaves that record out, as a sharding handler would.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "filter.h"
#include "json.h"

struct cat_options {
	const char *tag_name;
	const char *tag_json;
	const char *skip_id;
};

static int
tag_record(void *ctx, const struct ann_record *rec, struct ann_record_edit *edit,
    struct ann_buf *out, struct ann_error *e)
{
	const struct cat_options *opt = ctx;

	(void)out;
	if (opt->skip_id != NULL && strcmp(rec->id.data, opt->skip_id) == 0)
		return ANN_FILTER_SKIP;
	if (opt->tag_name == NULL)
		return ANN_OK;
	if (ann_record_edit_set_raw(edit, opt->tag_name, opt->tag_json, strlen(opt->tag_json)))
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	return ANN_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "flush", no_argument, NULL, 'f' },
		{ "skip", required_argument, NULL, 's' },
		{ "tag", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct cat_options opt = { NULL, NULL, NULL };
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_filter f;
	int flush_each = 0;
	int c;
	int rc;

	ann_cli_start("jsonl-cat", argv);
	while ((c = getopt_long(argc, argv, "fs:t:", longopts, NULL)) != -1) {
		char *eq;

		switch (c) {
		case 'f':
			flush_each = 1;
			break;
		case 's':
			opt.skip_id = optarg;
			break;
		case 't':
			eq = strchr(optarg, '=');
			if (eq == NULL || ann_json_check(eq + 1, strlen(eq + 1), NULL, NULL))
				return ann_cli_usage_error("invalid --tag, expected NAME=JSON: %s", optarg);
			*eq = '\0';
			opt.tag_name = optarg;
			opt.tag_json = eq + 1;
			break;
		default:
			return ANN_EXIT_USAGE;
		}
	}

	ann_filter_init(&f, STDIN_FILENO, STDOUT_FILENO, flush_each);
	rc = ann_filter_run(&f, tag_record, &opt, &e);
	rc = ann_cli_exit_status(rc, &e, f.out.broken_pipe, f.line_errors);
	ann_filter_release(&f);
	return rc;
}
