#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "harness.h"
#include "log.h"

/* A request as ann-prompt writes it: tool mode, one user turn. */
#define REQUEST(text) \
	"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"" text "\"}]}]," \
	"\"schema\":{\"type\":\"object\"},\"answer\":{\"mode\":\"tool\",\"tool_name\":\"extract_fields\"}," \
	"\"max_tokens\":64}"

/* An InvokeModel reply calling the tool with input. */
#define TOOL_REPLY(input) \
	"{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\"," \
	"\"id\":\"t1\",\"name\":\"extract_fields\",\"input\":" input "}],\"stop_reason\":\"tool_use\"," \
	"\"usage\":{\"input_tokens\":120,\"output_tokens\":30}}"

static char dir[] = "/tmp/ann-batch-test.XXXXXX";
static struct ann_buf logged = ANN_BUF_INIT;

static void
capture_log(enum ann_log_level level, const char *msg)
{
	ann_buf_addf(&logged, "%s%s\n", level == ANN_LOG_WARN ? "warning: " : "", msg);
}

/* Writes text to dir/name and returns the path (static storage). */
static const char *
write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

/* Builds the InvokeModel call of a request, as ann-invoke does before sending. */
static void
build_call(struct ann_provider_call *call, const char *request)
{
	struct ann_error e = ANN_ERROR_INIT;

	ann_provider_call_init(call);
	CHECK_INT(ANN_OK, ann_provider_build(ANN_PROVIDER_BEDROCK_INVOKE, NULL, "x", request,
	    strlen(request), call, &e));
}

/* Appends one batch output line for id with the body of request as modelInput. */
static void
add_line(struct ann_buf *out, const char *id, const char *request, const char *tail)
{
	struct ann_provider_call call;

	build_call(&call, request);
	ann_buf_addf(out, "{\"recordId\":\"%s\",\"modelInput\":%s,%s}\n", id, call.body.data, tail);
	ann_provider_call_release(&call);
}

/* Answers id against b with the call built from request. */
static void
answer(struct ann_batch *b, const char *id, const char *request, struct ann_batch_answer *a)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_provider_call call;

	build_call(&call, request);
	CHECK_INT(ANN_OK, ann_batch_answer(b, id, strlen(id), &call, a, &e));
	ann_provider_call_release(&call);
}

static void
answers_parse_like_live_replies(void)
{
	struct ann_buf text = ANN_BUF_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_batch_answer a;
	struct ann_batch b;
	const char *path;

	add_line(&text, "b", REQUEST("two"), "\"error\":{\"errorCode\":400,\"errorMessage\":\"bad input\"}");
	add_line(&text, "a", REQUEST("one"), "\"modelOutput\":" TOOL_REPLY("{\"total\": 1.50}"));
	add_line(&text, "c", REQUEST("three"), "\"error\":{\"errorCode\":\"ThrottlingException\"}");
	add_line(&text, "d", REQUEST("four"), "\"error\":{\"errorMessage\":\"gone\"}");
	add_line(&text, "e", REQUEST("five"), "\"error\":{\"errorCode\":\"503\",\"errorMessage\":\"busy\"}");
	path = write_file("job.jsonl.out", text.data);

	ann_batch_init(&b);
	ann_batch_answer_init(&a);
	CHECK_INT(ANN_OK, ann_batch_add(&b, path, &e));
	CHECK_INT(5, b.lines);
	CHECK_INT(5, b.ids.n);

	answer(&b, "a", REQUEST("one"), &a);
	CHECK_INT(1, a.answered);
	/* The tool input is put on one line, and 1.50 keeps its digits. */
	CHECK_STR("{\"total\":1.50}", a.result.output.data);
	CHECK_INT(120, a.result.input_tokens);
	CHECK_INT(30, a.result.output_tokens);
	CHECK_STR("tool_use", a.result.stop_reason);

	answer(&b, "b", REQUEST("two"), &a);
	CHECK_INT(0, a.answered);
	CHECK_INT(0, a.unanswered);
	CHECK_INT(ANN_FAIL_VALIDATION, a.fail);
	CHECK_INT(400, a.status);
	CHECK(strstr(a.message, "job.jsonl.out:1: the batch job failed the record: bad input") != NULL);

	answer(&b, "c", REQUEST("three"), &a);
	CHECK_INT(ANN_FAIL_THROTTLED, a.fail);
	CHECK_INT(0, a.status);
	CHECK_STR("ThrottlingException", a.error_type);
	CHECK(strstr(a.message, ":3: the batch job failed the record: ThrottlingException") != NULL);

	/* No errorCode: the job gave no reason, so the record may be sent again. */
	answer(&b, "d", REQUEST("four"), &a);
	CHECK_INT(ANN_FAIL_SERVER, a.fail);
	CHECK_INT(0, a.status);

	answer(&b, "e", REQUEST("five"), &a);
	CHECK_INT(ANN_FAIL_SERVER, a.fail);
	CHECK_INT(503, a.status);

	ann_batch_answer_release(&a);
	ann_batch_release(&b);
	ann_buf_release(&text);
}

static void
missing_and_foreign_lines_are_unanswered(void)
{
	struct ann_buf text = ANN_BUF_INIT;
	struct ann_buf list = ANN_BUF_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_batch_answer a;
	struct ann_batch b;
	const char *path;

	add_line(&text, "a", REQUEST("one"), "\"modelOutput\":" TOOL_REPLY("{}"));
	add_line(&text, "n", REQUEST("none"), "\"other\":1");
	add_line(&text, "z", REQUEST("zed"), "\"modelOutput\":" TOOL_REPLY("{}"));
	path = write_file("mixed.jsonl.out", text.data);
	ann_batch_init(&b);
	ann_batch_answer_init(&a);
	CHECK_INT(ANN_OK, ann_batch_add(&b, path, &e));

	answer(&b, "q", REQUEST("one"), &a);
	CHECK_INT(1, a.unanswered);
	CHECK_STR("no line with this recordId in the batch output", a.message);

	/* The line for "a" answers another request: the files come from different runs. */
	answer(&b, "a", REQUEST("one, edited"), &a);
	CHECK_INT(0, a.answered);
	CHECK_INT(1, a.unanswered);
	CHECK(strstr(a.message, "mixed.jsonl.out:1: the line's modelInput is not this record's "
	    "request") != NULL);

	answer(&b, "n", REQUEST("none"), &a);
	CHECK_INT(1, a.unanswered);
	CHECK(strstr(a.message, "mixed.jsonl.out:2: the line has neither modelOutput nor error") !=
	    NULL);

	/* "z" was never asked for. */
	CHECK_INT(1, ann_batch_unmatched(&b, 5, &list));
	CHECK(strstr(list.data, "z (") == list.data);
	CHECK(strstr(list.data, "mixed.jsonl.out:3)") != NULL);

	ann_batch_answer_release(&a);
	ann_batch_release(&b);
	ann_buf_release(&text);
	ann_buf_release(&list);
}

static void
bad_model_output_names_file_line_and_value(void)
{
	struct ann_buf text = ANN_BUF_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_batch_answer a;
	struct ann_batch b;
	const char *path;

	add_line(&text, "a", REQUEST("one"), "\"modelOutput\":{\"unexpected\":true}");
	add_line(&text, "b", REQUEST("two"), "\"modelOutput\":\"not an object\"");
	path = write_file("bad-output.jsonl.out", text.data);
	ann_batch_init(&b);
	ann_batch_answer_init(&a);
	CHECK_INT(ANN_OK, ann_batch_add(&b, path, &e));

	answer(&b, "a", REQUEST("one"), &a);
	CHECK_INT(0, a.answered);
	CHECK_INT(ANN_FAIL_RESPONSE, a.fail);
	CHECK(strstr(a.message, "bad-output.jsonl.out:1: modelOutput: reply is not a "
	    "bedrock-invoke response: {\"unexpected\":true}") != NULL);

	answer(&b, "b", REQUEST("two"), &a);
	CHECK_INT(ANN_FAIL_RESPONSE, a.fail);
	CHECK(strstr(a.message, ":2: modelOutput: ") != NULL);
	CHECK(strstr(a.message, "\"not an object\"") != NULL);

	ann_batch_answer_release(&a);
	ann_batch_release(&b);
	ann_buf_release(&text);
}

static void
unjoinable_lines_are_logged_and_skipped(void)
{
	struct ann_buf text = ANN_BUF_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_batch_answer a;
	struct ann_batch b;
	const char *path;

	ann_buf_adds(&text, "\xEF\xBB\xBF");
	add_line(&text, "a", REQUEST("one"), "\"modelOutput\":" TOOL_REPLY("{\"n\":1}"));
	ann_buf_adds(&text, "this is not JSON\r\n");
	ann_buf_adds(&text, "\r\n");
	ann_buf_adds(&text, "{\"modelOutput\":{}}\n");
	ann_buf_adds(&text, "{\"recordId\":12345,\"modelOutput\":{}}\n");
	add_line(&text, "b", REQUEST("two"), "\"modelOutput\":" TOOL_REPLY("{\"n\":2}"));
	/* The last line has no newline. */
	ann_buf_truncate(&text, text.len - 1);
	path = write_file("bad.jsonl.out", text.data);

	ann_buf_reset(&logged);
	ann_log_set(capture_log, ANN_LOG_WARN);
	ann_batch_init(&b);
	ann_batch_answer_init(&a);
	CHECK_INT(ANN_OK, ann_batch_add(&b, path, &e));
	ann_log_set(NULL, ANN_LOG_ERROR);

	CHECK_INT(3, b.bad_lines);
	CHECK_INT(5, b.lines); /* the blank line is not counted, but numbered */
	CHECK_INT(2, b.ids.n);
	CHECK(strstr(logged.data, "bad.jsonl.out:2: invalid JSON at byte 0") != NULL);
	CHECK(strstr(logged.data, ": this is not JSON\n") != NULL);
	CHECK(strstr(logged.data, "bad.jsonl.out:4: no recordId member\n") != NULL);
	CHECK(strstr(logged.data, "bad.jsonl.out:5: recordId is not a string: 12345\n") != NULL);

	/* The lines around them still answer, byte order mark and CRLF or not. */
	answer(&b, "a", REQUEST("one"), &a);
	CHECK_INT(1, a.answered);
	CHECK_STR("{\"n\":1}", a.result.output.data);
	answer(&b, "b", REQUEST("two"), &a);
	CHECK_INT(1, a.answered);
	CHECK_STR("{\"n\":2}", a.result.output.data);

	ann_batch_answer_release(&a);
	ann_batch_release(&b);
	ann_buf_release(&text);
}

static void
duplicates_prefer_answers_then_later_lines(void)
{
	struct ann_buf first = ANN_BUF_INIT, second = ANN_BUF_INIT, list = ANN_BUF_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_batch_answer a;
	struct ann_batch b;

	/* "a": an error, then an answer in a second job. "b": an answer, then an error.
	 * "c": two errors; the later one wins. */
	add_line(&first, "a", REQUEST("one"), "\"error\":{\"errorCode\":500}");
	add_line(&first, "b", REQUEST("two"), "\"modelOutput\":" TOOL_REPLY("{\"b\":1}"));
	add_line(&first, "c", REQUEST("three"), "\"error\":{\"errorCode\":500}");
	add_line(&first, "c", REQUEST("three"), "\"error\":{\"errorCode\":429}");
	add_line(&second, "a", REQUEST("one"), "\"modelOutput\":" TOOL_REPLY("{\"a\":2}"));
	add_line(&second, "b", REQUEST("two"), "\"error\":{\"errorCode\":500}");
	ann_batch_init(&b);
	ann_batch_answer_init(&a);
	CHECK_INT(ANN_OK, ann_batch_add(&b, write_file("one.jsonl.out", first.data), &e));
	CHECK_INT(ANN_OK, ann_batch_add(&b, write_file("two.jsonl.out", second.data), &e));

	CHECK_INT(6, b.lines);
	CHECK_INT(3, b.ids.n);
	CHECK_INT(3, b.duplicates);
	CHECK_INT(ANN_OK, ann_batch_duplicate_ids(&b, &list));
	CHECK_STR("c, a, b", list.data);

	answer(&b, "a", REQUEST("one"), &a);
	CHECK_INT(1, a.answered);
	CHECK_STR("{\"a\":2}", a.result.output.data);
	answer(&b, "b", REQUEST("two"), &a);
	CHECK_INT(1, a.answered);
	CHECK_STR("{\"b\":1}", a.result.output.data);
	answer(&b, "c", REQUEST("three"), &a);
	CHECK_INT(ANN_FAIL_THROTTLED, a.fail);
	CHECK(strstr(a.message, "one.jsonl.out:4:") != NULL);
	CHECK_INT(0, ann_batch_unmatched(&b, 5, &list));

	ann_batch_answer_release(&a);
	ann_batch_release(&b);
	ann_buf_release(&first);
	ann_buf_release(&second);
	ann_buf_release(&list);
}

static void
directory_takes_jsonl_out_files_in_name_order(void)
{
	struct ann_buf text = ANN_BUF_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_batch b;
	char sub[512];

	snprintf(sub, sizeof sub, "%s/job", dir);
	CHECK_INT(0, mkdir(sub, 0700));
	add_line(&text, "b", REQUEST("two"), "\"modelOutput\":" TOOL_REPLY("{}"));
	write_file("job/b.jsonl.out", text.data);
	ann_buf_reset(&text);
	add_line(&text, "a", REQUEST("one"), "\"modelOutput\":" TOOL_REPLY("{}"));
	add_line(&text, "x", REQUEST("ex"), "\"error\":{\"errorCode\":400}");
	write_file("job/a.jsonl.out", text.data);
	write_file("job/notes.txt", "not batch output\n");
	write_file("job/manifest.json.out", "{\"totalRecordCount\":4,\"processedRecordCount\":3,"
	    "\"successRecordCount\":3,\"errorRecordCount\":1}\n");

	ann_buf_reset(&logged);
	ann_log_set(capture_log, ANN_LOG_WARN);
	ann_batch_init(&b);
	CHECK_INT(ANN_OK, ann_batch_add(&b, sub, &e));
	ann_log_set(NULL, ANN_LOG_ERROR);

	CHECK_INT(2, b.n_paths);
	CHECK(strstr(b.paths[0], "/job/a.jsonl.out") != NULL);
	CHECK(strstr(b.paths[1], "/job/b.jsonl.out") != NULL);
	CHECK_INT(3, b.lines);
	/* The manifest claims 3 successes; the files hold 2. */
	CHECK(strstr(logged.data, "gives successRecordCount 3, but the output files hold 2 lines "
	    "with modelOutput") != NULL);
	CHECK(strstr(logged.data, "errorRecordCount") == NULL);
	CHECK(strstr(logged.data, "processed 3 of 4 records") != NULL);
	ann_batch_release(&b);

	/* A directory without output files is an error, and so is a missing path. */
	snprintf(sub, sizeof sub, "%s/empty", dir);
	CHECK_INT(0, mkdir(sub, 0700));
	ann_batch_init(&b);
	CHECK_INT(ANN_ERR_NOT_FOUND, ann_batch_add(&b, sub, &e));
	CHECK(strstr(e.msg, "no file ending in .jsonl.out in directory") != NULL);
	snprintf(sub, sizeof sub, "%s/absent.jsonl.out", dir);
	CHECK_INT(ANN_ERR_NOT_FOUND, ann_batch_add(&b, sub, &e));
	CHECK(strstr(e.msg, "absent.jsonl.out") != NULL);
	ann_batch_release(&b);
	ann_buf_release(&text);
}

static void
same_json_compares_values(void)
{
	static const char *const same[][2] = {
		{ "{\"a\":1,\"b\":[1,2]}", "{\"b\":[1,2],\"a\":1}" },
		{ "{\"t\":0}", "{\"t\":0.0}" },
		{ "{\"s\":\"\\u3042\"}", "{\"s\":\"\xE3\x81\x82\"}" },
		{ "[]", " [ ] " },
	};
	static const char *const differ[][2] = {
		{ "{\"a\":1}", "{\"a\":2}" },
		{ "{\"a\":1}", "{\"a\":1,\"b\":null}" },
		{ "[1,2]", "[2,1]" },
		{ "{\"s\":\"A\"}", "{\"s\":\"a\"}" },
	};
	size_t i;

	for (i = 0; i < sizeof same / sizeof same[0]; i++)
		CHECK_INT(1, ann_batch_same_json(same[i][0], strlen(same[i][0]), same[i][1],
		    strlen(same[i][1])));
	for (i = 0; i < sizeof differ / sizeof differ[0]; i++)
		CHECK_INT(0, ann_batch_same_json(differ[i][0], strlen(differ[i][0]), differ[i][1],
		    strlen(differ[i][1])));
}

static void
setup_dir(void)
{
	CHECK(mkdtemp(dir) != NULL);
}

static void
remove_dir(void)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK_INT(0, system(cmd));
	ann_buf_release(&logged);
}

ANN_TEST_MAIN(
	ANN_TEST(setup_dir),
	ANN_TEST(answers_parse_like_live_replies),
	ANN_TEST(missing_and_foreign_lines_are_unanswered),
	ANN_TEST(bad_model_output_names_file_line_and_value),
	ANN_TEST(unjoinable_lines_are_logged_and_skipped),
	ANN_TEST(duplicates_prefer_answers_then_later_lines),
	ANN_TEST(directory_takes_jsonl_out_files_in_name_order),
	ANN_TEST(same_json_compares_values),
	ANN_TEST(remove_dir),
)
