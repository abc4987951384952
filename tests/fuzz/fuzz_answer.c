/*
 * libFuzzer harness for the parts of ann-invoke that read model output:
 * the JSON finder, the span walker and compaction, and the reply parser
 * of every provider.
 *
 * A value the finder returns must be valid JSON, and its compact form
 * must be valid JSON on one line. A reply the parser accepts must leave
 * an output that is valid JSON on one line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "json.h"
#include "jspan.h"
#include "provider.h"

static void
check_one_line_json(const char *s, size_t n)
{
	if (ann_json_check(s, n, NULL, NULL) != ANN_OK || memchr(s, '\n', n) != NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct ann_jspan span;
	struct ann_buf compact = ANN_BUF_INIT;
	struct ann_provider_result r;
	struct ann_error e = ANN_ERROR_INIT;
	int p;

	if (ann_answer_find_json(text, size, &span) == ANN_OK) {
		if (span.start >= span.end || span.end > size)
			abort();
		if (ann_json_check(text + span.start, span.end - span.start, NULL, NULL) != ANN_OK)
			abort();
		if (ann_jspan_compact(&compact, text + span.start, span.end - span.start) != ANN_OK)
			abort();
		check_one_line_json(compact.data, compact.len);
	}
	ann_buf_release(&compact);

	ann_provider_result_init(&r);
	for (p = ANN_PROVIDER_BEDROCK; p <= ANN_PROVIDER_OPENAI; p++) {
		if (ann_provider_parse_reply((enum ann_provider)p, 1, "extract_fields", text, size,
		    &r, &e) == ANN_OK && r.has_output)
			check_one_line_json(r.output.data, r.output.len);
		if (ann_provider_parse_reply((enum ann_provider)p, 0, "extract_fields", text, size,
		    &r, &e) == ANN_OK && r.has_output)
			check_one_line_json(r.output.data, r.output.len);
	}
	ann_provider_result_release(&r);
	return 0;
}
