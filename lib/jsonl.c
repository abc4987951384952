#include "jsonl.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define READ_CHUNK ((size_t)64 << 10)

void
ann_jsonl_reader_init(struct ann_jsonl_reader *r, int fd, size_t max_line)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->max_line = max_line ? max_line : ANN_JSONL_MAX_LINE_DEFAULT;
	/* The buffer may hold one maximal line plus one read ahead. */
	ann_buf_init(&r->buf, r->max_line + READ_CHUNK + 1);
}

void
ann_jsonl_reader_release(struct ann_jsonl_reader *r)
{
	ann_buf_release(&r->buf);
}

/* Returns 1 when a read from fd would not block (data, end of file or error). */
static int
input_ready(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) != 0;
}

/* Reads more input after the unconsumed bytes; sets eof at the end. */
static int
fill(struct ann_jsonl_reader *r, struct ann_error *e)
{
	ssize_t got;
	int rc;

	if (r->start > 0) {
		memmove(r->buf.data, r->buf.data + r->start, r->buf.len - r->start);
		ann_buf_truncate(&r->buf, r->buf.len - r->start);
		r->start = 0;
	}
	rc = ann_buf_grow(&r->buf, READ_CHUNK);
	if (rc)
		return ann_error_set(e, rc, "out of memory reading input");

	if (r->flush_before_wait != NULL && r->flush_before_wait->buf.len > 0 &&
	    !input_ready(r->fd)) {
		rc = ann_jsonl_flush(r->flush_before_wait, e);
		if (rc)
			return rc;
	}

	do {
		got = read(r->fd, r->buf.data + r->buf.len, READ_CHUNK);
	} while (got < 0 && errno == EINTR);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return ANN_ERR_AGAIN;
	if (got < 0)
		return ann_error_set(e, ANN_ERR_IO, "read failed: %s", strerror(errno));
	if (got == 0)
		r->eof = 1;
	r->buf.len += (size_t)got;
	r->buf.data[r->buf.len] = '\0';
	return ANN_OK;
}

static int
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int
ann_jsonl_read(struct ann_jsonl_reader *r, const char **line, size_t *len,
    size_t *line_no, struct ann_error *e)
{
	int rc;

	for (;;) {
		char *begin = r->buf.data + r->start;
		size_t avail = r->buf.len - r->start;
		char *nl = memchr(begin + r->scanned, '\n', avail - r->scanned);
		size_t n;

		/* At the end of input a last line without newline still counts. */
		if (nl == NULL && !(r->eof && (avail > 0 || r->skipping))) {
			if (r->eof)
				return ANN_ERR_EOF;
			r->scanned = avail;
			if (avail > r->max_line) {
				/* Drop what we have of an over-long line and keep skipping. */
				r->skipping = 1;
				r->start = r->buf.len;
				r->scanned = 0;
			}
			rc = fill(r, e);
			if (rc)
				return rc;
			continue;
		}

		n = nl ? (size_t)(nl - begin) : avail;
		r->start += nl ? n + 1 : n;
		r->scanned = 0;
		r->line_no++;

		if (r->skipping || n > r->max_line) {
			r->skipping = 0;
			*line = NULL;
			*len = 0;
			*line_no = r->line_no;
			return ann_error_set(e, ANN_ERR_TOO_LARGE,
			    "line %zu is longer than the limit of %zu bytes", r->line_no, r->max_line);
		}

		/* One byte order mark at the very start of the stream is skipped. */
		if (r->line_no == 1 && n >= 3 && memcmp(begin, "\xEF\xBB\xBF", 3) == 0) {
			begin += 3;
			n -= 3;
			r->bom_skipped = 1;
			ann_log(ANN_LOG_WARN, "%s%sline 1: skipped a UTF-8 byte order mark",
			    r->name ? r->name : "", r->name ? ": " : "");
		}
		if (n > 0 && begin[n - 1] == '\r')
			n--;
		if (is_blank(begin, n)) {
			r->blank_lines++;
			continue;
		}

		*line = begin;
		*len = n;
		*line_no = r->line_no;
		return ANN_OK;
	}
}

void
ann_jsonl_writer_init(struct ann_jsonl_writer *w, int fd, int flush_each)
{
	w->fd = fd;
	w->flush_each = flush_each;
	w->broken_pipe = 0;
	ann_buf_init(&w->buf, 0);
}

void
ann_jsonl_writer_release(struct ann_jsonl_writer *w)
{
	ann_buf_release(&w->buf);
}

static int
write_all(struct ann_jsonl_writer *w, const char *p, size_t n, struct ann_error *e)
{
	while (n > 0) {
		ssize_t put = write(w->fd, p, n);
		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0 && errno == EPIPE) {
			w->broken_pipe = 1;
			return ann_error_set(e, ANN_ERR_IO, "output closed by the reader");
		}
		if (put < 0)
			return ann_error_set(e, ANN_ERR_IO, "write failed: %s", strerror(errno));
		p += put;
		n -= (size_t)put;
	}
	return ANN_OK;
}

int
ann_jsonl_flush(struct ann_jsonl_writer *w, struct ann_error *e)
{
	int rc;

	if (w->broken_pipe)
		return ann_error_set(e, ANN_ERR_IO, "output closed by the reader");
	rc = write_all(w, w->buf.data, w->buf.len, e);
	ann_buf_reset(&w->buf);
	return rc;
}

int
ann_jsonl_write(struct ann_jsonl_writer *w, const char *line, size_t len,
    struct ann_error *e)
{
	int rc;

	if (w->broken_pipe)
		return ann_error_set(e, ANN_ERR_IO, "output closed by the reader");

	/* A record that does not fit behind the queued ones goes out on its own. */
	if (w->buf.len > 0 && w->buf.len + len > ANN_JSONL_WRITE_BUFFER) {
		rc = ann_jsonl_flush(w, e);
		if (rc)
			return rc;
	}
	if (len > ANN_JSONL_WRITE_BUFFER)
		return write_all(w, line, len, e);

	rc = ann_buf_add(&w->buf, line, len);
	if (rc)
		return ann_error_set(e, rc, "out of memory buffering output");
	if (w->flush_each)
		return ann_jsonl_flush(w, e);
	return ANN_OK;
}
