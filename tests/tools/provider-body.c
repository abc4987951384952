/*
 * provider-body: prints the HTTP request body that ann-invoke would send
 * for each record on stdin.
 *
 * A test program, not a command. It reads JSONL records (ann-prompt's
 * output) and passes each record's "request" member, byte for byte, with
 * the record's id to ann_provider_build, exactly as ann-invoke does, then
 * prints the body on one line. The golden files of ann-prompt are made
 * and checked with it.
 *
 * Usage: provider-body --provider bedrock|bedrock-invoke [--model ID] < records.jsonl
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "jsonl.h"
#include "provider.h"
#include "record.h"

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "provider", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *model = "anthropic.claude-3-haiku-20240307-v1:0";
	enum ann_provider provider = ANN_PROVIDER_BEDROCK;
	struct ann_jsonl_reader in;
	struct ann_record rec;
	struct ann_provider_call call;
	struct ann_error e = ANN_ERROR_INIT;
	int status = ANN_EXIT_OK;
	int c;

	ann_cli_start("provider-body", argv);
	while ((c = getopt_long(argc, argv, "m:p:", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			model = optarg;
			break;
		case 'p':
			if (ann_provider_parse(optarg, &provider) != ANN_OK)
				return ann_cli_usage_error("invalid --provider, expected bedrock, "
				    "bedrock-invoke, anthropic or openai: %s", optarg);
			break;
		default:
			return ANN_EXIT_USAGE;
		}
	}

	ann_jsonl_reader_init(&in, STDIN_FILENO, 0);
	ann_record_init(&rec);
	ann_provider_call_init(&call);
	for (;;) {
		const char *line, *request;
		size_t len, line_no, request_len;
		int rc = ann_jsonl_read(&in, &line, &len, &line_no, &e);

		if (rc == ANN_ERR_EOF)
			break;
		if (rc == ANN_ERR_IO || rc == ANN_ERR_NOMEM) {
			ann_cli_error("%s", e.msg);
			status = ANN_EXIT_SYSTEM;
			break;
		}
		if (rc == ANN_OK)
			rc = ann_record_parse(&rec, line, len, line_no, &e);
		if (rc != ANN_OK) {
			ann_cli_error("line %zu: %s", line_no, e.msg);
			status = ANN_EXIT_RECORDS;
			continue;
		}
		request = ann_record_raw(&rec, "request", &request_len);
		if (request == NULL) {
			ann_cli_error("line %zu: record has no \"request\" member", line_no);
			status = ANN_EXIT_RECORDS;
			continue;
		}
		rc = ann_provider_build(provider, model, rec.id.data, request, request_len, &call, &e);
		if (rc != ANN_OK) {
			ann_cli_error("line %zu: %s", line_no, e.msg);
			status = ANN_EXIT_RECORDS;
			continue;
		}
		fwrite(call.body.data, 1, call.body.len, stdout);
		putchar('\n');
	}
	ann_provider_call_release(&call);
	ann_record_release(&rec);
	ann_jsonl_reader_release(&in);
	if (fflush(stdout) != 0 || ferror(stdout))
		return ANN_EXIT_SYSTEM;
	return status;
}
