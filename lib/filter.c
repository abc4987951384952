#include "filter.h"

#include <stdio.h>

#include "log.h"

void
ann_filter_init(struct ann_filter *f, int in_fd, int out_fd, int flush_each)
{
	ann_jsonl_reader_init(&f->in, in_fd, 0);
	ann_jsonl_writer_init(&f->out, out_fd, flush_each);
	f->in.flush_before_wait = &f->out;
	ann_record_init(&f->rec);
	ann_record_edit_init(&f->edit);
	ann_buf_init(&f->line_out, 0);
	f->records_in = 0;
	f->line_errors = 0;
	f->skipped = 0;
}

void
ann_filter_release(struct ann_filter *f)
{
	ann_jsonl_reader_release(&f->in);
	ann_jsonl_writer_release(&f->out);
	ann_record_release(&f->rec);
	ann_record_edit_release(&f->edit);
	ann_buf_release(&f->line_out);
}

/* Turns a line that is not a record into an error record in f->line_out. */
static int
write_line_error(struct ann_filter *f, const char *line, size_t len, size_t line_no,
    const struct ann_error *why, struct ann_error *e)
{
	int rc;

	f->line_errors++;
	ann_log(ANN_LOG_WARN, "line %zu: %s", line_no, why->msg);
	rc = ann_record_write_line_error(&f->line_out, line, len, line_no, why);
	if (rc)
		return ann_error_set(e, rc, "out of memory writing an error record for line %zu",
		    line_no);
	return ANN_OK;
}

/*
 * Passes a record without a string id on with an error member (an earlier
 * error member is kept as it is), since no command can track it by id.
 */
static int
mark_missing_id(struct ann_filter *f, struct ann_error *e)
{
	const struct ann_record *r = &f->rec;
	char msg[128];
	int rc;

	f->line_errors++;
	if (ann_record_get(r, "error") == NULL) {
		snprintf(msg, sizeof msg, "line %zu: record has no string \"id\" member", r->line_no);
		ann_log(ANN_LOG_WARN, "%s", msg);
		rc = ann_error_json(&f->line_out, "invalid", msg, 0, r->line_no);
		if (rc == ANN_OK)
			rc = ann_record_edit_set_raw(&f->edit, "error", f->line_out.data,
			    f->line_out.len);
		ann_buf_reset(&f->line_out);
		if (rc)
			return ann_error_set(e, rc, "out of memory marking line %zu", r->line_no);
	}
	rc = ann_record_write(r, &f->edit, &f->line_out);
	if (rc)
		return ann_error_set(e, rc, "out of memory writing line %zu", r->line_no);
	return ANN_OK;
}

int
ann_filter_run(struct ann_filter *f, ann_filter_handler handler, void *ctx,
    struct ann_error *e)
{
	int warned_bom = 0;

	for (;;) {
		struct ann_error why = ANN_ERROR_INIT;
		const char *line;
		size_t len;
		size_t line_no;
		int rc;

		rc = ann_jsonl_read(&f->in, &line, &len, &line_no, &why);
		if (rc == ANN_ERR_EOF)
			break;
		if (rc == ANN_ERR_IO || rc == ANN_ERR_NOMEM) {
			*e = why;
			return rc;
		}
		if (f->in.bom_skipped && !warned_bom) {
			ann_log(ANN_LOG_WARN, "line 1: skipped a UTF-8 byte order mark");
			warned_bom = 1;
		}

		f->records_in++;
		ann_buf_reset(&f->line_out);
		ann_record_edit_reset(&f->edit);
		if (rc == ANN_OK)
			rc = ann_record_parse(&f->rec, line, len, line_no, &why);
		if (rc == ANN_ERR_NOMEM) {
			*e = why;
			return rc;
		}

		if (rc) {
			rc = write_line_error(f, line, len, line_no, &why, e);
		} else if (!f->rec.has_id) {
			rc = mark_missing_id(f, e);
		} else {
			rc = handler(ctx, &f->rec, &f->edit, &f->line_out, e);
			if (rc == ANN_FILTER_SKIP) {
				f->skipped++;
				continue;
			}
			if (rc == ANN_OK && f->line_out.len == 0)
				rc = ann_record_write(&f->rec, &f->edit, &f->line_out);
		}
		if (rc)
			return rc;

		rc = ann_jsonl_write(&f->out, f->line_out.data, f->line_out.len, e);
		if (rc)
			return rc;
	}
	return ann_jsonl_flush(&f->out, e);
}
