#include "filter.h"

#include <stdio.h>
#include <string.h>

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
	f->select = NULL;
	f->select_ctx = NULL;
	f->rejects = NULL;
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
	char problem[ANN_RECORD_PROBLEM_MAX];
	char msg[ANN_RECORD_PROBLEM_MAX + 32];
	int rc;

	f->line_errors++;
	if (ann_record_get(r, "error") == NULL) {
		snprintf(msg, sizeof msg, "line %zu: %s", r->line_no,
		    ann_record_id_problem(r, problem, sizeof problem));
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

static struct ann_jsonl_writer *
reject_writer(struct ann_filter *f)
{
	return f->rejects != NULL ? f->rejects : &f->out;
}

/* Asks f->select whether this run handles the line; returns 1, 0 or an error. */
static int
selected(struct ann_filter *f, int is_record, size_t line_no, struct ann_error *e)
{
	char key[32];

	if (f->select == NULL)
		return 1;
	if (is_record && f->rec.has_id)
		return f->select(f->select_ctx, f->rec.id.data, f->rec.id.len, e);
	snprintf(key, sizeof key, "line:%zu", line_no);
	return f->select(f->select_ctx, key, strlen(key), e);
}

int
ann_filter_run(struct ann_filter *f, ann_filter_handler handler, void *ctx,
    struct ann_error *e)
{

	for (;;) {
		struct ann_error why = ANN_ERROR_INIT;
		struct ann_jsonl_writer *to;
		const char *line;
		size_t len;
		size_t line_no;
		int keep;
		int rc;

		rc = ann_jsonl_read(&f->in, &line, &len, &line_no, &why);
		if (rc == ANN_ERR_EOF)
			break;
		if (rc == ANN_ERR_IO || rc == ANN_ERR_NOMEM) {
			*e = why;
			return rc;
		}

		ann_buf_reset(&f->line_out);
		ann_record_edit_reset(&f->edit);
		if (rc == ANN_OK)
			rc = ann_record_parse(&f->rec, line, len, line_no, &why);
		if (rc == ANN_ERR_NOMEM) {
			*e = why;
			return rc;
		}
		keep = selected(f, rc == ANN_OK, line_no, e);
		if (keep < 0)
			return keep;
		if (keep == 0) {
			f->skipped++;
			continue;
		}
		f->records_in++;

		to = &f->out;
		if (rc) {
			rc = write_line_error(f, line, len, line_no, &why, e);
			to = reject_writer(f);
		} else if (!f->rec.has_id) {
			rc = mark_missing_id(f, e);
			to = reject_writer(f);
		} else {
			rc = handler(ctx, &f->rec, &f->edit, &f->line_out, e);
			if (rc == ANN_FILTER_SKIP) {
				f->skipped++;
				continue;
			}
			if (rc == ANN_FILTER_REJECT) {
				to = reject_writer(f);
				rc = ANN_OK;
			}
			if (rc == ANN_OK && f->line_out.len == 0)
				rc = ann_record_write(&f->rec, &f->edit, &f->line_out);
		}
		if (rc)
			return rc;

		rc = ann_jsonl_write(to, f->line_out.data, f->line_out.len, e);
		if (rc)
			return rc;
	}
	if (f->rejects != NULL) {
		int rc = ann_jsonl_flush(f->rejects, e);

		if (rc)
			return rc;
	}
	return ann_jsonl_flush(&f->out, e);
}
