/*
 * ann-prompt: turns records into provider-neutral model requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "prompt.h"

static const char usage_text[] =
    "Usage: ann-prompt -s <schema.json> [options] [<file.jsonl> | -]\n"
    "\n"
    "Reads JSONL records (\"text\" and attachment paths) and adds to each a\n"
    "\"request\" member: system text, messages, the JSON Schema and the answer\n"
    "mode, for ann-invoke to send. A record that cannot become a request gets an\n"
    "\"error\" member instead.\n"
    "\n"
    "  -a, --attach <member>      record member naming image or PDF files; repeat\n"
    "                             for more (default: image, images, pdf, document,\n"
    "                             documents, attachments)\n"
    "      --answer <mode>        how the model returns the fields: tool (a forced\n"
    "                             tool call, the default), json (JSON text), or\n"
    "                             structured (JSON text the provider constrains)\n"
    "      --attach-refs          name attachment files by path instead of\n"
    "                             embedding them as base64\n"
    "      --cache                mark the shared prefix (tool, system text and\n"
    "                             examples) for the provider's prompt cache\n"
    "  -e, --examples <file>      few-shot examples, JSONL {\"input\":..,\"output\":..}\n"
    "      --examples-in-prompt   give examples to the template as ann.examples\n"
    "                             instead of as earlier turns\n"
    "      --format <fmt>         output format: records (the input records with\n"
    "                             a request member, the default) or bedrock-batch\n"
    "                             (Bedrock batch inference input lines; error\n"
    "                             records go to standard error)\n"
    "  -h, --help                 print this help and exit\n"
    "      --html-escape          HTML-escape values inserted with {{name}}\n"
    "  -l, --lang <en|ja>         language of the built-in template (default: en)\n"
    "  -m, --max-tokens <n>       maximum output tokens (default: 4096)\n"
    "      --pdf-read <visual|text>  read PDFs as page images and text, or as\n"
    "                             extracted text only (default: visual)\n"
    "      --print-template       print the built-in template for --lang and exit\n"
    "  -q, --quiet                print errors only\n"
    "  -r, --root <dir>           attachments must lie under this directory\n"
    "                             (default: the current directory)\n"
    "  -s, --schema <file>        JSON Schema of the fields to extract (required)\n"
    "      --shard <K/N>          keep only shard K (1 to N) of N, split by a hash\n"
    "                             of each record's id\n"
    "      --stop <text>          stop sequence; repeat for more (at most 16)\n"
    "  -t, --template <file>      prompt template (default: the built-in one)\n"
    "  -T, --temperature <t>      sampling temperature, 0 to 1 (default: 0)\n"
    "      --tool-name <name>     tool name for --answer tool (default: extract_fields)\n"
    "  -u, --unbuffered           write each record as soon as it is ready\n"
    "  -v, --verbose              print progress\n"
    "      --version              print the version and exit\n"
    "\n"
    "Example:\n"
    "  ann-prompt -s invoice.schema.json --lang ja < docs.jsonl > requests.jsonl\n"
    "\n"
    "See ann-prompt(1).\n";

enum {
	OPT_ANSWER = 256,
	OPT_ATTACH_REFS,
	OPT_CACHE,
	OPT_EXAMPLES_IN_PROMPT,
	OPT_FORMAT,
	OPT_HTML_ESCAPE,
	OPT_PDF_READ,
	OPT_PRINT_TEMPLATE,
	OPT_SHARD,
	OPT_STOP,
	OPT_TOOL_NAME,
	OPT_VERSION,
};

static const struct option longopts[] = {
	{ "answer", required_argument, NULL, OPT_ANSWER },
	{ "attach", required_argument, NULL, 'a' },
	{ "attach-refs", no_argument, NULL, OPT_ATTACH_REFS },
	{ "cache", no_argument, NULL, OPT_CACHE },
	{ "examples", required_argument, NULL, 'e' },
	{ "examples-in-prompt", no_argument, NULL, OPT_EXAMPLES_IN_PROMPT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "help", no_argument, NULL, 'h' },
	{ "html-escape", no_argument, NULL, OPT_HTML_ESCAPE },
	{ "lang", required_argument, NULL, 'l' },
	{ "max-tokens", required_argument, NULL, 'm' },
	{ "pdf-read", required_argument, NULL, OPT_PDF_READ },
	{ "print-template", no_argument, NULL, OPT_PRINT_TEMPLATE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "root", required_argument, NULL, 'r' },
	{ "schema", required_argument, NULL, 's' },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "stop", required_argument, NULL, OPT_STOP },
	{ "template", required_argument, NULL, 't' },
	{ "temperature", required_argument, NULL, 'T' },
	{ "tool-name", required_argument, NULL, OPT_TOOL_NAME },
	{ "unbuffered", no_argument, NULL, 'u' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* Bedrock tool names: 1 to 64 of [a-zA-Z0-9_-]. */
static int
valid_tool_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* Parses one option into o; returns -1 to go on, or an exit status. */
static int
parse_option(int c, struct ann_prompt_opts *o, int *print_template, int *quiet, int *verbose)
{
	char *end;

	switch (c) {
	case 'a':
		if (o->n_attach_members == ANN_PROMPT_MAX_ATTACH_MEMBERS)
			return ann_cli_usage_error("too many --attach options (at most %d)",
			    ANN_PROMPT_MAX_ATTACH_MEMBERS);
		o->attach_members[o->n_attach_members++] = optarg;
		return -1;
	case OPT_ANSWER:
		if (strcmp(optarg, "tool") == 0)
			o->answer = ANN_PROMPT_ANSWER_TOOL;
		else if (strcmp(optarg, "json") == 0)
			o->answer = ANN_PROMPT_ANSWER_JSON;
		else if (strcmp(optarg, "structured") == 0)
			o->answer = ANN_PROMPT_ANSWER_STRUCTURED;
		else
			return ann_cli_usage_error("invalid --answer, expected tool, json or "
			    "structured: %s", optarg);
		return -1;
	case OPT_ATTACH_REFS: o->attach_refs = 1; return -1;
	case OPT_CACHE: o->cache_prefix = 1; return -1;
	case 'e': o->examples_path = optarg; return -1;
	case OPT_EXAMPLES_IN_PROMPT: o->examples_in_prompt = 1; return -1;
	case OPT_FORMAT:
		if (strcmp(optarg, "records") == 0)
			o->format = ANN_PROMPT_FORMAT_RECORDS;
		else if (strcmp(optarg, "bedrock-batch") == 0)
			o->format = ANN_PROMPT_FORMAT_BEDROCK_BATCH;
		else
			return ann_cli_usage_error("invalid --format, expected records or "
			    "bedrock-batch: %s", optarg);
		return -1;
	case 'h': fputs(usage_text, stdout); return ANN_EXIT_OK;
	case OPT_HTML_ESCAPE: o->html_escape = 1; return -1;
	case 'l':
		if (strcmp(optarg, "en") != 0 && strcmp(optarg, "ja") != 0)
			return ann_cli_usage_error("invalid --lang, expected en or ja: %s", optarg);
		o->lang = optarg[0] == 'j' ? ANN_PROMPT_JA : ANN_PROMPT_EN;
		return -1;
	case 'm':
		errno = 0;
		o->max_tokens = strtol(optarg, &end, 10);
		if (errno || *end || end == optarg || o->max_tokens < 1 || o->max_tokens > 1000000)
			return ann_cli_usage_error("invalid --max-tokens, expected an integer "
			    "from 1 to 1000000: %s", optarg);
		return -1;
	case OPT_PDF_READ:
		if (strcmp(optarg, "visual") != 0 && strcmp(optarg, "text") != 0)
			return ann_cli_usage_error("invalid --pdf-read, expected visual or text: %s",
			    optarg);
		o->pdf_read = optarg[0] == 'v' ? ANN_PROMPT_PDF_VISUAL : ANN_PROMPT_PDF_TEXT;
		return -1;
	case OPT_PRINT_TEMPLATE: *print_template = 1; return -1;
	case 'q': *quiet = 1; return -1;
	case 'r': o->root = optarg; return -1;
	case 's': o->schema_path = optarg; return -1;
	case OPT_SHARD:
		if (ann_shard_parse(optarg, &o->shard) != ANN_OK)
			return ann_cli_usage_error("invalid --shard, expected K/N with 1 <= K <= N "
			    "<= %d: %s", ANN_SHARD_MAX, optarg);
		return -1;
	case OPT_STOP:
		if (optarg[0] == '\0' || o->n_stop == ANN_PROMPT_MAX_STOP)
			return ann_cli_usage_error("invalid --stop: sequences must be non-empty, "
			    "at most %d", ANN_PROMPT_MAX_STOP);
		o->stop[o->n_stop++] = optarg;
		return -1;
	case 't': o->template_path = optarg; return -1;
	case 'T':
		errno = 0;
		o->temperature = strtod(optarg, &end);
		if (errno || *end || end == optarg || !(o->temperature >= 0 && o->temperature <= 1))
			return ann_cli_usage_error("invalid --temperature, expected a number from "
			    "0 to 1: %s", optarg);
		return -1;
	case OPT_TOOL_NAME:
		if (!valid_tool_name(optarg))
			return ann_cli_usage_error("invalid --tool-name, expected 1 to 64 letters, "
			    "digits, '_' or '-': %s", optarg);
		o->tool_name = optarg;
		return -1;
	case 'u': o->flush_each = 1; return -1;
	case 'v': (*verbose)++; return -1;
	case OPT_VERSION: return ann_cli_version();
	default: return ann_cli_bad_option();
	}
}

int
main(int argc, char **argv)
{
	struct ann_prompt_opts o;
	struct ann_prompt_stats stats = { 0, 0, 0 };
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_prompt *p = NULL;
	int print_template = 0, quiet = 0, verbose = 0;
	int in_fd = STDIN_FILENO;
	int status;
	int c, rc;

	ann_cli_start("ann-prompt", argv);
	ann_prompt_opts_init(&o);
	while ((c = getopt_long(argc, argv, "a:e:hl:m:qr:s:t:T:uv", longopts, NULL)) != -1) {
		rc = parse_option(c, &o, &print_template, &quiet, &verbose);
		if (rc >= 0)
			return rc;
	}
	ann_cli_verbosity(quiet, verbose);

	if (print_template) {
		fputs(ann_prompt_builtin_template(o.lang), stdout);
		return ann_cli_exit_status(0, &e, 0, 0);
	}
	if (o.schema_path == NULL)
		return ann_cli_usage_error("missing --schema: name the JSON Schema of the fields");
	status = ann_cli_open_input(argc - optind, argv + optind, &in_fd);
	if (status >= 0)
		return status;

	rc = ann_prompt_new(&p, &o, &e);
	if (rc) {
		ann_cli_error("%s", e.msg);
		return rc == ANN_ERR_NOMEM ? ANN_EXIT_SYSTEM : ANN_EXIT_USAGE;
	}
	rc = ann_prompt_run(p, in_fd, STDOUT_FILENO, &stats, &e);
	ann_prompt_free(p);
	if (in_fd != STDIN_FILENO)
		close(in_fd);
	if (stats.errors > 0 && !stats.broken_pipe)
		ann_log(ANN_LOG_WARN, "%zu of %zu records ended with an error", stats.errors,
		    stats.records);
	return ann_cli_exit_status(rc, &e, stats.broken_pipe, stats.errors);
}
