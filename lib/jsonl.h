/*
 * JSONL streams: a line reader and a whole-line writer.
 *
 * Reader: lines of any length up to a cap, LF or CRLF endings (a CR split
 * from its LF across reads is handled), one UTF-8 byte order mark at the
 * start of the stream skipped (with a warning through ann_log, and
 * reported through bom_skipped), a last line
 * without newline, blank lines skipped (counted in blank_lines). Memory is
 * bounded by the longest line, not by the stream. A reader can be tied to
 * a writer (flush_before_wait): buffered output is written whenever input
 * runs dry, so a filter in the middle of a pipeline that feeds back into
 * its own input (ann-retry's child) never sits on finished records.
 *
 * Writer: whole lines only. Each record goes out in one write() loop,
 * never split between buffer flushes, so concurrent writers appending to
 * one file cannot splice records. With flush_each set every record is
 * written at once (for commands whose records arrive slowly); otherwise
 * output is buffered up to ANN_JSONL_WRITE_BUFFER bytes.
 */
#ifndef ANN_JSONL_H
#define ANN_JSONL_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define ANN_JSONL_MAX_LINE_DEFAULT ((size_t)256 << 20)
#define ANN_JSONL_WRITE_BUFFER ((size_t)64 << 10)

struct ann_jsonl_writer;

struct ann_jsonl_reader {
	int fd;
	struct ann_buf buf; /* bytes read and not yet consumed, from start */
	size_t start;       /* first unconsumed byte in buf */
	size_t scanned;     /* bytes after start known to hold no newline */
	size_t max_line;
	size_t line_no;     /* number of the line last returned */
	int eof;
	int bom_skipped;    /* 1 once a leading byte order mark was skipped */
	const char *name;   /* input named in the warning ("ref.jsonl: line 1: ..."), or NULL */
	size_t blank_lines;
	int skipping;       /* inside an over-long line being discarded */
	/* When set, its queued lines are written before a read that would
	 * block, so records reach a slow consumer without waiting for more input. */
	struct ann_jsonl_writer *flush_before_wait;
};

void ann_jsonl_reader_init(struct ann_jsonl_reader *r, int fd, size_t max_line);
void ann_jsonl_reader_release(struct ann_jsonl_reader *r);

/*
 * Returns the next non-blank line without its line ending in *line and
 * *len (valid until the next call) and its 1-based number in *line_no.
 * Returns ANN_ERR_EOF at the end, ANN_ERR_IO on a read error,
 * ANN_ERR_AGAIN when fd is non-blocking and no whole line has arrived yet
 * (call again once poll() reports fd readable), and
 * ANN_ERR_TOO_LARGE for a line longer than max_line: that line is consumed
 * and discarded, *line_no names it, *line is NULL and *len 0, and the next
 * call goes on after it.
 */
int ann_jsonl_read(struct ann_jsonl_reader *r, const char **line, size_t *len,
    size_t *line_no, struct ann_error *e);

struct ann_jsonl_writer {
	int fd;
	struct ann_buf buf;
	int flush_each;
	int broken_pipe; /* 1 once the reader went away (EPIPE) */
};

void ann_jsonl_writer_init(struct ann_jsonl_writer *w, int fd, int flush_each);
void ann_jsonl_writer_release(struct ann_jsonl_writer *w);

/* Queues one line (which must end with '\n'), writing it out at once with flush_each. */
int ann_jsonl_write(struct ann_jsonl_writer *w, const char *line, size_t len,
    struct ann_error *e);
int ann_jsonl_flush(struct ann_jsonl_writer *w, struct ann_error *e);

#endif
