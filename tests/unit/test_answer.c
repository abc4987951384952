#include <stdlib.h>

#include "answer.h"
#include "harness.h"
#include "jspan.h"

/* Checks that text yields exactly the JSON value expected. */
static void
expect_json(const char *text, const char *expected)
{
	struct ann_jspan span = { 0, 0 };

	CHECK_INT(ANN_OK, ann_answer_find_json(text, strlen(text), &span));
	CHECK_MEM(expected, strlen(expected), text + span.start, span.end - span.start);
}

static void
expect_none(const char *text)
{
	struct ann_jspan span;

	CHECK_INT(ANN_ERR_NOT_FOUND, ann_answer_find_json(text, strlen(text), &span));
}

static void
fence_with_backticks_in_string(void)
{
	/* A fence stripper that splits on ``` would cut this value in half. */
	expect_json("Here is the result:\n```json\n"
	    "{\"summary\": \"Run ```make test``` before merging\", \"label\": \"dev\"}\n```\n",
	    "{\"summary\": \"Run ```make test``` before merging\", \"label\": \"dev\"}");
	expect_json("```\n{\"a\":\"```\\n```\"}\n```",
	    "{\"a\":\"```\\n```\"}");
}

static void
bare_object_without_fence(void)
{
	expect_json("{\"a\":1}", "{\"a\":1}");
	expect_json("  \n{\"a\":1}\n\n", "{\"a\":1}");
	expect_json("[1,2,{\"b\":[]}]", "[1,2,{\"b\":[]}]");
}

static void
fence_labels(void)
{
	expect_json("```JSON\n{\"a\":1}\n```", "{\"a\":1}");
	expect_json("```Json  \n  {\"a\":1}  \n```", "{\"a\":1}");
	expect_json("   ```json\n{\"a\":1}\n   ```", "{\"a\":1}");
}

static void
other_language_fence_first(void)
{
	expect_json("Run this:\n```bash\n[ -f x ] && echo '{\"no\":1}'\n```\nThen:\n"
	    "```json\n{\"a\":1}\n```\n", "{\"a\":1}");
	expect_json("```python\nd = {\"x\": 1}\n```\n```json\n[{\"a\":1}]\n```", "[{\"a\":1}]");
}

static void
prose_around_the_value(void)
{
	expect_json("```json\n{\"a\":1}\n```\nI hope this helps {or not}.", "{\"a\":1}");
	expect_json("The fields are: {\"a\":[1,2]}", "{\"a\":[1,2]}");
	expect_json("Use {braces} and [brackets] like this: {\"a\":1}\n", "{\"a\":1}");
	/* Without a fence only whitespace may follow the value. */
	expect_none("{\"a\":1}\nLet me know if you need more.");
}

static void
invalid_or_cut_off_json(void)
{
	expect_none("```json\n{\"a\":1,}\n```");
	expect_none("{\"items\":[{\"id\":1,\"label\":\"A\"},{\"id\":2,\"lab");
	expect_none("I can't help with that document.");
	expect_none("");
	expect_none("{\"a\":\"\xff\"}");
	/* The strict scanner rejects what lenient parsers accept. */
	expect_none("{\"a\":012}");
	expect_none("{\"a\":1e400}");
}

static void
unclosed_fence_falls_back(void)
{
	expect_json("```json\n{\"a\":1}", "{\"a\":1}");
}

static void
numbers_keep_their_digits(void)
{
	expect_json("```json\n{\"n\":12345678901234567890,\"f\":1.0}\n```",
	    "{\"n\":12345678901234567890,\"f\":1.0}");
}

static void
stop_reasons_map_to_outcomes(void)
{
	CHECK_INT(ANN_STOP_DONE, ann_answer_stop("end_turn"));
	CHECK_INT(ANN_STOP_DONE, ann_answer_stop("tool_use"));
	CHECK_INT(ANN_STOP_DONE, ann_answer_stop("stop_sequence"));
	CHECK_INT(ANN_STOP_DONE, ann_answer_stop("stop"));
	CHECK_INT(ANN_STOP_DONE, ann_answer_stop("tool_calls"));
	CHECK_INT(ANN_STOP_DONE, ann_answer_stop(NULL));
	CHECK_INT(ANN_STOP_TRUNCATED, ann_answer_stop("max_tokens"));
	CHECK_INT(ANN_STOP_TRUNCATED, ann_answer_stop("length"));
	CHECK_INT(ANN_STOP_TRUNCATED, ann_answer_stop("model_context_window_exceeded"));
	CHECK_INT(ANN_STOP_REFUSED, ann_answer_stop("refusal"));
	CHECK_INT(ANN_STOP_REFUSED, ann_answer_stop("content_filtered"));
	CHECK_INT(ANN_STOP_REFUSED, ann_answer_stop("guardrail_intervened"));
	CHECK_INT(ANN_STOP_REFUSED, ann_answer_stop("content_filter"));
	CHECK_INT(ANN_STOP_MALFORMED, ann_answer_stop("malformed_tool_use"));
	CHECK_STR("truncated", ann_answer_stop_kind(ANN_STOP_TRUNCATED));
	CHECK_STR("refused", ann_answer_stop_kind(ANN_STOP_REFUSED));
	CHECK(ann_answer_stop_kind(ANN_STOP_DONE) == NULL);
}

static void
spans_follow_paths(void)
{
	const char *s = "{\"a\":{\"b\":[10, {\"c\":\"x\\\"}\"}, 12345678901234567890]},"
	    "\"\\u0064\":true}";
	struct ann_jspan root = { 0, strlen(s) }, out;
	const char *path[] = { "a", "b", "#2" };
	const char *path_c[] = { "a", "b", "#1", "c" };

	CHECK_INT(ANN_OK, ann_jspan_path(s, strlen(s), root, path, 3, &out));
	CHECK_MEM("12345678901234567890", 20, s + out.start, out.end - out.start);
	CHECK_INT(ANN_OK, ann_jspan_path(s, strlen(s), root, path_c, 4, &out));
	CHECK_MEM("\"x\\\"}\"", 6, s + out.start, out.end - out.start);
	/* Member names compare after decoding escapes. */
	CHECK_INT(ANN_OK, ann_jspan_member(s, strlen(s), root, "d", &out));
	CHECK_MEM("true", 4, s + out.start, out.end - out.start);
	CHECK_INT(ANN_ERR_NOT_FOUND, ann_jspan_member(s, strlen(s), root, "zz", &out));
	CHECK_INT(ANN_ERR_NOT_FOUND, ann_jspan_index(s, strlen(s), root, 0, &out));
}

static void
compact_keeps_tokens(void)
{
	const char *s = "{\n  \"a b\" : [ 1.0 ,\t12345678901234567890 ],\r\n  \"c\":\"x \\\" y\\n\" }";
	struct ann_buf out = ANN_BUF_INIT;

	CHECK_INT(ANN_OK, ann_jspan_compact(&out, s, strlen(s)));
	CHECK_STR("{\"a b\":[1.0,12345678901234567890],\"c\":\"x \\\" y\\n\"}", out.data);
	ann_buf_release(&out);
}

/* cJSON prints 9007199254740991 as 9.00719925474099e+15; raw items keep the digits. */
static void
keep_numbers_prints_as_written(void)
{
	const char *s = "{\"v\": [9007199254740991, 1234567890123460, 1.7976931348623157e308, "
	    "-0, 1.0, 0.1], \"k\": {\"k\": 1e2, \"k\": [ -1.50E-3 ]}, \"s\": \"9.0\", "
	    "\"t\": true}";
	const char *compact = "{\"v\":[9007199254740991,1234567890123460,1.7976931348623157e308,"
	    "-0,1.0,0.1],\"k\":{\"k\":1e2,\"k\":[-1.50E-3]},\"s\":\"9.0\",\"t\":true}";
	cJSON *v = cJSON_Parse(s);
	char *text = cJSON_PrintUnformatted(v);

	/* The fault being fixed: plain cJSON output changes the numbers. */
	CHECK(strcmp(compact, text) != 0);
	cJSON_free(text);

	CHECK_INT(ANN_OK, ann_jspan_keep_as_written(v, s, strlen(s)));
	text = cJSON_PrintUnformatted(v);
	CHECK_STR(compact, text);
	cJSON_free(text);
	text = cJSON_Print(v);
	CHECK(strstr(text, "9007199254740991,") != NULL);
	CHECK(strstr(text, "1.7976931348623157e308,") != NULL);
	cJSON_free(text);
	cJSON_Delete(v);

	v = cJSON_Parse("[1]");
	CHECK_INT(ANN_ERR_SYNTAX, ann_jspan_keep_as_written(v, "", 0));
	cJSON_Delete(v);
}

/* A cJSON string ends at U+0000; the raw item keeps the rest. */
static void
keep_as_written_holds_nul_strings(void)
{
	const char *s = "[\"a\\u0000b\", \"\\\\u0000\", \"c\\u00001\", {\"k\\u0000\": \"\\u0000\"}]";
	cJSON *v = cJSON_Parse(s);
	char *text;

	CHECK_INT(ANN_OK, ann_jspan_keep_as_written(v, s, strlen(s)));
	/* An escaped backslash before u0000 is no U+0000, so that string stays a string. */
	CHECK(cJSON_IsString(cJSON_GetArrayItem(v, 1)));
	CHECK(cJSON_IsRaw(cJSON_GetArrayItem(v, 0)));
	/* Member names are not kept: "k\u0000" still prints as "k". */
	text = cJSON_PrintUnformatted(v);
	CHECK_STR("[\"a\\u0000b\",\"\\\\u0000\",\"c\\u00001\",{\"k\":\"\\u0000\"}]", text);
	cJSON_free(text);
	cJSON_Delete(v);
}

ANN_TEST_MAIN(
	ANN_TEST(compact_keeps_tokens),
	ANN_TEST(keep_numbers_prints_as_written),
	ANN_TEST(keep_as_written_holds_nul_strings),
	ANN_TEST(fence_with_backticks_in_string),
	ANN_TEST(bare_object_without_fence),
	ANN_TEST(fence_labels),
	ANN_TEST(other_language_fence_first),
	ANN_TEST(prose_around_the_value),
	ANN_TEST(invalid_or_cut_off_json),
	ANN_TEST(unclosed_fence_falls_back),
	ANN_TEST(numbers_keep_their_digits),
	ANN_TEST(stop_reasons_map_to_outcomes),
	ANN_TEST(spans_follow_paths),
)
