#include <stdlib.h>

#include "harness.h"
#include "reask.h"

static enum ann_reask_need
classify_line(const char *line)
{
	struct ann_record r;
	enum ann_reask_need need;

	ann_record_init(&r);
	if (ann_record_parse(&r, line, strlen(line), 1, NULL) != ANN_OK)
		abort();
	need = ann_reask_classify(&r);
	ann_record_release(&r);
	return need;
}

static void
classify_decides_by_validation_and_error_kind(void)
{
	static const struct { const char *line; enum ann_reask_need need; } cases[] = {
		{ "{\"id\":\"a\",\"validation\":{\"valid\":true}}", ANN_REASK_NONE },
		{ "{\"id\":\"a\",\"validation\":{\"valid\":null}}", ANN_REASK_NONE },
		{ "{\"id\":\"a\"}", ANN_REASK_NONE },
		{ "{\"id\":\"a\",\"validation\":{\"valid\":false,\"errors\":[]}}", ANN_REASK_FEEDBACK },
		{ "{\"id\":\"a\",\"error\":{\"kind\":\"throttled\"}}", ANN_REASK_AGAIN },
		{ "{\"id\":\"a\",\"error\":{\"kind\":\"timeout\"}}", ANN_REASK_AGAIN },
		{ "{\"id\":\"a\",\"error\":{\"kind\":\"server\"}}", ANN_REASK_AGAIN },
		{ "{\"id\":\"a\",\"error\":{\"kind\":\"network\"}}", ANN_REASK_AGAIN },
		{ "{\"id\":\"a\",\"error\":{\"kind\":\"unanswered\"}}", ANN_REASK_AGAIN },
		{ "{\"id\":\"a\",\"error\":{\"kind\":\"truncated\"}}", ANN_REASK_LONGER },
		{ "{\"id\":\"a\",\"error\":{\"kind\":\"validation\"}}", ANN_REASK_NONE },
		{ "{\"id\":\"a\",\"error\":{\"kind\":\"access\"}}", ANN_REASK_NONE },
		{ "{\"id\":\"a\",\"error\":{\"kind\":\"refused\"}}", ANN_REASK_NONE },
		/* An error wins over a stale validation member. */
		{ "{\"id\":\"a\",\"validation\":{\"valid\":false},\"error\":{\"kind\":\"client\"}}", ANN_REASK_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (classify_line(cases[i].line) != cases[i].need)
			ann_test_fail(__FILE__, __LINE__, "wrong need for %s", cases[i].line);
	}
}

static enum ann_reask_rank
rank_line(const char *line)
{
	struct ann_record r;
	enum ann_reask_rank rank;

	ann_record_init(&r);
	if (ann_record_parse(&r, line, strlen(line), 1, NULL) != ANN_OK)
		abort();
	rank = ann_reask_rank(&r);
	ann_record_release(&r);
	return rank;
}

static void
rank_orders_answers(void)
{
	static const struct { const char *line; enum ann_reask_rank rank; } cases[] = {
		{ "{\"id\":\"a\",\"output\":{},\"validation\":{\"valid\":true,\"errors\":[]}}",
		    ANN_REASK_RANK_VALID },
		{ "{\"id\":\"a\",\"output\":{},\"validation\":{\"valid\":false,\"errors\":["
		    "{\"keywordLocation\":\"/x-ann-ground\"},"
		    "{\"keywordLocation\":\"/x-ann-rules/sum\"}]}}", ANN_REASK_RANK_CHECKS },
		{ "{\"id\":\"a\",\"output\":{},\"validation\":{\"valid\":false,\"errors\":["
		    "{\"keywordLocation\":\"/x-ann-rules/sum\"},"
		    "{\"keywordLocation\":\"/properties/total/type\"}]}}", ANN_REASK_RANK_INVALID },
		/* A keyword that only starts like a rule's is a schema keyword. */
		{ "{\"id\":\"a\",\"output\":{},\"validation\":{\"valid\":false,\"errors\":["
		    "{\"keywordLocation\":\"/x-ann-rulesx\"}]}}", ANN_REASK_RANK_INVALID },
		{ "{\"id\":\"a\",\"output\":{},\"validation\":{\"valid\":false,\"errors\":[]}}",
		    ANN_REASK_RANK_INVALID },
		{ "{\"id\":\"a\",\"output_text\":\"no json\",\"validation\":{\"valid\":null}}",
		    ANN_REASK_RANK_NONE },
		{ "{\"id\":\"a\",\"output_text\":\"{\\\"a\",\"error\":{\"kind\":\"truncated\"},"
		    "\"validation\":{\"valid\":null}}", ANN_REASK_RANK_NONE },
		/* A stale verdict does not count once the record has an error. */
		{ "{\"id\":\"a\",\"validation\":{\"valid\":true},\"error\":{\"kind\":\"refused\"}}",
		    ANN_REASK_RANK_NONE },
		{ "{\"id\":\"a\"}", ANN_REASK_RANK_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (rank_line(cases[i].line) != cases[i].rank)
			ann_test_fail(__FILE__, __LINE__, "wrong rank %d for %s", (int)rank_line(cases[i].line),
			    cases[i].line);
	}
}

static void
next_request_adds_answer_and_feedback(void)
{
	cJSON *original = cJSON_Parse("{\"messages\":[{\"role\":\"user\",\"content\":"
	    "[{\"type\":\"text\",\"text\":\"go\"}]}],\"max_tokens\":100}");
	cJSON *output = cJSON_Parse("{\"total\":\"¥12,000\"}");
	cJSON *next = ann_reask_next_request(original, ANN_REASK_FEEDBACK, output, "fix it", 0);
	char *text = cJSON_PrintUnformatted(next);

	CHECK_STR("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"go\"}]},"
	    "{\"content\":[{\"type\":\"json\",\"json\":{\"total\":\"¥12,000\"}}],\"role\":\"assistant\"},"
	    "{\"content\":[{\"type\":\"text\",\"text\":\"fix it\"}],\"role\":\"user\"}],\"max_tokens\":100}", text);
	/* The original is not changed. */
	CHECK_INT(1, cJSON_GetArraySize(cJSON_GetObjectItem(original, "messages")));
	free(text);
	cJSON_Delete(next);

	next = ann_reask_next_request(original, ANN_REASK_AGAIN, NULL, NULL, 400);
	text = cJSON_PrintUnformatted(next);
	CHECK_STR("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"go\"}]}],"
	    "\"max_tokens\":400}", text);
	free(text);
	cJSON_Delete(next);
	cJSON_Delete(output);
	cJSON_Delete(original);
}

static void
grow_tokens_doubles_up_to_cap(void)
{
	cJSON *req = cJSON_Parse("{\"max_tokens\":1000}");
	cJSON *none = cJSON_Parse("{}");

	CHECK_INT(2000, ann_reask_grow_tokens(req, 0, 32768));
	CHECK_INT(4000, ann_reask_grow_tokens(req, 2000, 32768));
	CHECK_INT(3000, ann_reask_grow_tokens(req, 2000, 3000));
	CHECK_INT(8192, ann_reask_grow_tokens(none, 0, 32768));
	cJSON_Delete(req);
	cJSON_Delete(none);
}

static void
feedback_lists_each_error(void)
{
	cJSON *errors = cJSON_Parse("[{\"instanceLocation\":\"/total\",\"keywordLocation\":\"/properties/total/type\","
	    "\"error\":\"must be a number, got string \\\"¥12,000\\\"\"},"
	    "{\"instanceLocation\":\"\",\"keywordLocation\":\"/required\",\"error\":\"missing required member \\\"date\\\"\"}]");
	struct ann_buf out = ANN_BUF_INIT;
	struct ann_error e = ANN_ERROR_INIT;

	CHECK_INT(ANN_OK, ann_reask_feedback("{{count}}{{^one}}+{{/one}}|{{#errors}}{{location}}={{message}};{{/errors}}",
	    errors, &out, &e));
	CHECK_STR("2+|/total=must be a number, got string \"¥12,000\";/=missing required member \"date\";", out.data);

	ann_buf_reset(&out);
	CHECK_INT(ANN_OK, ann_reask_feedback(ann_reask_builtin_feedback(0), errors, &out, &e));
	CHECK(strstr(out.data, "2 problems found:\n- at /total: must be a number") != NULL);
	ann_buf_reset(&out);
	CHECK_INT(ANN_OK, ann_reask_feedback(ann_reask_builtin_feedback(1), errors, &out, &e));
	CHECK(strstr(out.data, "問題が 2 件あります。\n- /total: must be a number") != NULL);

	CHECK(ann_reask_feedback("{{#errors}}", errors, &out, &e) != ANN_OK);
	ann_buf_release(&out);
	cJSON_Delete(errors);
}

ANN_TEST_MAIN(
	ANN_TEST(classify_decides_by_validation_and_error_kind),
	ANN_TEST(rank_orders_answers),
	ANN_TEST(next_request_adds_answer_and_feedback),
	ANN_TEST(grow_tokens_doubles_up_to_cap),
	ANN_TEST(feedback_lists_each_error),
)
