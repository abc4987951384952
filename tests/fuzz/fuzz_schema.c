/*
 * libFuzzer harness for schema compilation and validation.
 *
 * Input: a flags byte, then the schema text, a newline, and the instance
 * text. Bit 0 of the flags selects draft-07, bit 1 format assertion, and
 * bit 2 stops at the first error. The harness checks that the engine
 * neither crashes nor leaks, that a compiled schema validates any
 * instance the value parser accepts, and that every result prints as
 * valid JSON that agrees with the verdict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonv.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ann_schema_options o;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_schema *s = NULL;
	struct ann_schema_validator *v = NULL;
	struct ann_schema_result r;
	struct ann_buf json = ANN_BUF_INIT;
	const char *text, *nl;
	size_t n, schema_len;
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	text = (const char *)data + 1;
	n = size - 1;
	nl = memchr(text, '\n', n);
	schema_len = nl ? (size_t)(nl - text) : n;

	memset(&o, 0, sizeof o);
	o.draft = (flags & 1) ? ANN_SCHEMA_DRAFT_7 : ANN_SCHEMA_DRAFT_AUTO;
	o.assert_formats = (flags & 2) != 0;
	ann_schema_result_init(&r);
	if (ann_schema_compile_text(&s, text, schema_len, NULL, &o, &e) != ANN_OK)
		goto done;
	if (ann_schema_validator_new(&v, s, (flags & 4) ? 1 : 0, &e) != ANN_OK)
		abort();
	if (nl == NULL)
		goto done;
	if (ann_schema_validate_text(v, nl + 1, n - schema_len - 1, &r, &e) != ANN_OK) {
		/* Only a malformed instance may fail; the strict scanner agrees. */
		if (e.code != ANN_ERR_SYNTAX && e.code != ANN_ERR_TOO_LARGE)
			abort();
		if (ann_json_check(nl + 1, n - schema_len - 1, NULL, NULL) == ANN_OK &&
		    e.code == ANN_ERR_SYNTAX)
			abort();
		goto done;
	}
	if (r.valid != (r.n_errors == 0) && !(flags & 4))
		abort();
	if (ann_schema_result_json(&r, &json) != ANN_OK ||
	    ann_json_check(json.data, json.len, NULL, NULL) != ANN_OK)
		abort();

done:
	ann_buf_release(&json);
	ann_schema_result_release(&r);
	ann_schema_validator_free(v);
	ann_schema_free(s);
	return 0;
}
