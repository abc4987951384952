/*
 * libFuzzer harness for the normalisers ann-eval applies to model output.
 *
 * The first input byte selects the flags and the date order, the rest is
 * the text. Checked properties: text normalisers reject invalid UTF-8 and
 * turn valid UTF-8 into valid UTF-8; NFKC with white space folding is
 * idempotent; a number read is finite; a date read has one of the three
 * ISO 8601 shapes and names a real month and day.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "normalize.h"

static void
check_date(const char *iso)
{
	size_t len = strlen(iso);
	size_t i;

	if (len != 4 && len != 7 && len != 10)
		abort();
	for (i = 0; i < len; i++) {
		int dash = i == 4 || i == 7;

		if (dash ? iso[i] != '-' : (iso[i] < '0' || iso[i] > '9'))
			abort();
	}
	if (len >= 7 && (atoi(iso + 5) < 1 || atoi(iso + 5) > 12))
		abort();
	if (len == 10 && (atoi(iso + 8) < 1 || atoi(iso + 8) > 31))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ann_buf once = ANN_BUF_INIT;
	struct ann_buf twice = ANN_BUF_INIT;
	const char *s;
	unsigned flags;
	double number;
	char iso[11];
	size_t n;
	int valid;
	int rc;

	if (size == 0)
		return 0;
	flags = data[0];
	s = (const char *)data + 1;
	n = size - 1;
	valid = ann_utf8_check(s, n) == n;

	/* With no text normaliser selected the text is copied as it is. */
	rc = ann_norm_text(s, n, flags, &once);
	if (!valid && (flags & (ANN_NORM_NFKC | ANN_NORM_SPACE | ANN_NORM_CASE)) &&
	    rc != ANN_ERR_SYNTAX)
		abort();
	if (valid && rc != ANN_OK)
		abort();
	if (valid && ann_utf8_check(once.data, once.len) != once.len)
		abort();

	if (valid) {
		ann_buf_reset(&once);
		rc = ann_norm_text(s, n, ANN_NORM_NFKC | ANN_NORM_SPACE, &once);
		if (rc == ANN_OK)
			rc = ann_norm_text(once.data, once.len, ANN_NORM_NFKC | ANN_NORM_SPACE, &twice);
		if (rc != ANN_OK || once.len != twice.len || memcmp(once.data, twice.data, once.len))
			abort();
	}

	if (ann_norm_number(s, n, flags, &number) == 1 && !isfinite(number))
		abort();
	if (ann_norm_date(s, n, (enum ann_date_order)(data[0] % 3), iso) == 1)
		check_date(iso);

	ann_buf_release(&once);
	ann_buf_release(&twice);
	return 0;
}
