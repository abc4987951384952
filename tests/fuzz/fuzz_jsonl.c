/*
 * libFuzzer harness for the strict scanner, the record parser and writer,
 * and the JSONL reader.
 *
 * The input is split as a JSONL stream. Each line goes through the record
 * scanner; a line it accepts must also pass ann_json_check and be written
 * back byte for byte, and a line it rejects must still yield an error
 * record that is itself valid JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "jsonl.h"
#include "record.h"

static void
check_line(const char *line, size_t len)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_record r;
	struct ann_buf out = ANN_BUF_INIT;
	size_t i;

	ann_record_init(&r);
	if (ann_record_parse(&r, line, len, 1, &e) == ANN_OK) {
		if (ann_json_check(line, len, NULL, NULL) != ANN_OK)
			abort();
		if (ann_record_write(&r, NULL, &out) != ANN_OK)
			abort();
		if (ann_json_check(out.data, out.len - 1, NULL, NULL) != ANN_OK)
			abort();
		for (i = 0; i < r.members.n; i++) {
			const struct ann_json_member *m = &r.members.v[i];
			struct ann_buf name = ANN_BUF_INIT;

			if (ann_json_check(line + m->value_start, m->value_end - m->value_start,
			    NULL, NULL) != ANN_OK)
				abort();
			ann_buf_release(&name);
		}
	} else {
		if (ann_record_write_line_error(&out, line, len, 1, &e) != ANN_OK)
			abort();
		if (ann_json_check(out.data, out.len - 1, NULL, NULL) != ANN_OK)
			abort();
	}
	ann_buf_release(&out);
	ann_record_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_jsonl_reader reader;
	const char *line;
	size_t len, no;
	int p[2];
	int rc;

	/* Whole input as one line first, then as a stream through a pipe. */
	check_line((const char *)data, size);

	if (size > 60000 || pipe(p) != 0)
		return 0;
	if (write(p[1], data, size) != (ssize_t)size)
		abort();
	close(p[1]);
	ann_jsonl_reader_init(&reader, p[0], 4096);
	while ((rc = ann_jsonl_read(&reader, &line, &len, &no, &e)) != ANN_ERR_EOF) {
		if (rc == ANN_ERR_TOO_LARGE)
			continue;
		if (rc != ANN_OK)
			abort();
		if (memchr(line, '\n', len) != NULL)
			abort();
		check_line(line, len);
	}
	close(p[0]);
	ann_jsonl_reader_release(&reader);
	return 0;
}
