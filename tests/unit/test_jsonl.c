#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "jsonl.h"

/* Returns a descriptor reading back the n bytes of data from a temporary file. */
static int
input_fd(const char *data, size_t n)
{
	FILE *f = tmpfile();
	int fd;

	if (f == NULL || fwrite(data, 1, n, f) != n)
		abort();
	fflush(f);
	fd = dup(fileno(f));
	fclose(f);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Reads every line of data, joining them as "<no>:<text>|" in *out. */
static void
read_all(const char *data, size_t n, size_t max_line, struct ann_buf *out,
    struct ann_jsonl_reader *r)
{
	struct ann_error e = ANN_ERROR_INIT;
	const char *line;
	size_t len, no;
	int rc;

	ann_jsonl_reader_init(r, input_fd(data, n), max_line);
	while ((rc = ann_jsonl_read(r, &line, &len, &no, &e)) != ANN_ERR_EOF) {
		if (rc == ANN_ERR_TOO_LARGE) {
			CHECK(line == NULL);
			ann_buf_addf(out, "%zu:TOO_LARGE|", no);
			continue;
		}
		CHECK_INT(ANN_OK, rc);
		if (rc != ANN_OK)
			break;
		ann_buf_addf(out, "%zu:", no);
		ann_buf_add(out, line, len);
		ann_buf_addc(out, '|');
	}
	close(r->fd);
}

static void
check_lines(const char *data, size_t n, const char *expected)
{
	struct ann_jsonl_reader r;
	struct ann_buf out = ANN_BUF_INIT;

	read_all(data, n, 0, &out, &r);
	CHECK_STR(expected, out.data);
	ann_jsonl_reader_release(&r);
	ann_buf_release(&out);
}

static void
reader_handles_line_endings(void)
{
	check_lines("{\"id\":1}\n{\"id\":2}\n", 18, "1:{\"id\":1}|2:{\"id\":2}|");
	check_lines("{\"id\":1}\r\n{\"id\":2}\r\n", 20, "1:{\"id\":1}|2:{\"id\":2}|");
	check_lines("{\"id\":1}\n{\"id\":2}", 17, "1:{\"id\":1}|2:{\"id\":2}|");
	check_lines("{\"id\":1}\r\n{\"id\":2}\r", 19, "1:{\"id\":1}|2:{\"id\":2}|");
	check_lines("", 0, "");
	check_lines("\n\n", 2, "");
}

static void
reader_skips_blank_lines_and_counts_them(void)
{
	struct ann_jsonl_reader r;
	struct ann_buf out = ANN_BUF_INIT;
	const char *data = "{\"id\":1}\n\n \t\r\n{\"id\":2}\n";

	read_all(data, strlen(data), 0, &out, &r);
	CHECK_STR("1:{\"id\":1}|4:{\"id\":2}|", out.data);
	CHECK_INT(2, r.blank_lines);
	ann_jsonl_reader_release(&r);
	ann_buf_release(&out);
}

static void
reader_skips_leading_byte_order_mark_only(void)
{
	struct ann_jsonl_reader r;
	struct ann_buf out = ANN_BUF_INIT;
	const char data[] = "\xEF\xBB\xBF{\"id\":\"r1\"}\n\xEF\xBB\xBF{\"id\":\"r2\"}\n";

	read_all(data, sizeof data - 1, 0, &out, &r);
	/* The second mark is left in place, so the record scanner rejects that line. */
	CHECK_STR("1:{\"id\":\"r1\"}|2:\xEF\xBB\xBF{\"id\":\"r2\"}|", out.data);
	CHECK_INT(1, r.bom_skipped);
	ann_jsonl_reader_release(&r);
	ann_buf_release(&out);
}

static void
reader_joins_crlf_split_across_reads(void)
{
	/* The reader takes 64 KiB at a time: put CR last in the first read. */
	size_t first = (size_t)64 << 10;
	struct ann_buf in = ANN_BUF_INIT;
	struct ann_buf out = ANN_BUF_INIT;
	struct ann_jsonl_reader r;
	char expected[64];

	ann_buf_adds(&in, "{\"id\":\"");
	while (in.len < first - 3)
		ann_buf_addc(&in, 'x');
	ann_buf_adds(&in, "\"}\r\n{\"id\":2}\r\n");
	CHECK(in.data[first - 1] == '\r');

	read_all(in.data, in.len, 0, &out, &r);
	snprintf(expected, sizeof expected, "|2:{\"id\":2}|");
	CHECK_INT(2 + (first - 1) + 1 + 11, out.len);
	CHECK_STR(expected, out.data + out.len - strlen(expected));
	CHECK_INT(0, r.blank_lines);
	ann_jsonl_reader_release(&r);
	ann_buf_release(&in);
	ann_buf_release(&out);
}

static void
reader_reads_64_mib_line(void)
{
	size_t big = (size_t)64 << 20;
	char *data = malloc(big + 32);
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_jsonl_reader r;
	const char *line;
	size_t len, no;

	memcpy(data, "{\"id\":\"", 7);
	memset(data + 7, 'a', big - 9);
	memcpy(data + big - 2, "\"}\n{\"id\":\"b\"}\n", 15);
	ann_jsonl_reader_init(&r, input_fd(data, big + 12), 0);
	CHECK_INT(ANN_OK, ann_jsonl_read(&r, &line, &len, &no, &e));
	CHECK_INT(big, len);
	CHECK(memcmp(line + big - 2, "\"}", 2) == 0);
	CHECK_INT(ANN_OK, ann_jsonl_read(&r, &line, &len, &no, &e));
	CHECK_MEM("{\"id\":\"b\"}", 10, line, len);
	CHECK_INT(2, no);
	CHECK_INT(ANN_ERR_EOF, ann_jsonl_read(&r, &line, &len, &no, &e));
	/* Bounded by the longest line and one read ahead, doubled by growth. */
	CHECK(r.buf.cap <= 2 * (big + ((size_t)64 << 10)) + 1);
	close(r.fd);
	ann_jsonl_reader_release(&r);
	free(data);
}

static void
reader_reports_over_long_lines_and_goes_on(void)
{
	struct ann_jsonl_reader r;
	struct ann_buf in = ANN_BUF_INIT;
	struct ann_buf out = ANN_BUF_INIT;
	size_t i;

	ann_buf_adds(&in, "{\"id\":1}\n");
	for (i = 0; i < 200000; i++)
		ann_buf_addc(&in, 'y');
	ann_buf_adds(&in, "\n{\"id\":3}\n");
	for (i = 0; i < 100; i++)
		ann_buf_addc(&in, 'z');

	read_all(in.data, in.len, 50, &out, &r);
	CHECK_STR("1:{\"id\":1}|2:TOO_LARGE|3:{\"id\":3}|4:TOO_LARGE|", out.data);
	ann_jsonl_reader_release(&r);
	ann_buf_release(&in);
	ann_buf_release(&out);
}

static void
writer_buffers_whole_lines(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_jsonl_writer w;
	struct ann_buf big = ANN_BUF_INIT;
	char got[256];
	int p[2];
	ssize_t n;

	signal(SIGPIPE, SIG_IGN);
	CHECK_INT(0, pipe(p));
	ann_jsonl_writer_init(&w, p[1], 0);
	CHECK_INT(ANN_OK, ann_jsonl_write(&w, "{\"id\":1}\n", 9, &e));
	CHECK_INT(9, w.buf.len);
	CHECK_INT(ANN_OK, ann_jsonl_flush(&w, &e));
	n = read(p[0], got, sizeof got);
	CHECK_MEM("{\"id\":1}\n", 9, got, n > 0 ? (size_t)n : 0);

	ann_jsonl_writer_release(&w);
	ann_jsonl_writer_init(&w, p[1], 1);
	CHECK_INT(ANN_OK, ann_jsonl_write(&w, "{\"id\":2}\n", 9, &e));
	CHECK_INT(0, w.buf.len);
	n = read(p[0], got, sizeof got);
	CHECK_INT(9, n);

	/* A line larger than the buffer goes out in one write loop. */
	while (big.len < ANN_JSONL_WRITE_BUFFER + 10)
		ann_buf_addc(&big, 'q');
	ann_buf_addc(&big, '\n');
	close(p[0]);
	CHECK_INT(ANN_ERR_IO, ann_jsonl_write(&w, big.data, big.len, &e));
	CHECK_INT(1, w.broken_pipe);
	CHECK_STR("output closed by the reader", e.msg);
	CHECK_INT(ANN_ERR_IO, ann_jsonl_write(&w, "{}\n", 3, &e));

	close(p[1]);
	ann_jsonl_writer_release(&w);
	ann_buf_release(&big);
}

ANN_TEST_MAIN(
	ANN_TEST(reader_handles_line_endings),
	ANN_TEST(reader_skips_blank_lines_and_counts_them),
	ANN_TEST(reader_skips_leading_byte_order_mark_only),
	ANN_TEST(reader_joins_crlf_split_across_reads),
	ANN_TEST(reader_reads_64_mib_line),
	ANN_TEST(reader_reports_over_long_lines_and_goes_on),
	ANN_TEST(writer_buffers_whole_lines),
)
