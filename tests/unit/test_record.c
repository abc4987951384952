#include <stdlib.h>

#include "harness.h"
#include "record.h"

static void
write_passes_unowned_members_byte_for_byte(void)
{
	/* cJSON would print these as 9.00719925474099e+15, 1.23456789012346e+15, ... */
	const char *line = "{\"id\":\"n1\",\"v\":[9007199254740991, 1234567890123460, "
	    "1.7976931348623157e308, -0, 1.0, 0.1],\"s\":\"\\u00e9\\/\",\"big\":9007199254740993}";
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_record r;
	struct ann_buf out = ANN_BUF_INIT;

	ann_record_init(&r);
	CHECK_INT(ANN_OK, ann_record_parse(&r, line, strlen(line), 1, &e));
	CHECK_INT(1, r.has_id);
	CHECK_STR("n1", r.id.data);
	CHECK_INT(ANN_OK, ann_record_write(&r, NULL, &out));
	CHECK_MEM(line, strlen(line), out.data, out.len - 1);
	CHECK(out.data[out.len - 1] == '\n');
	ann_buf_release(&out);
	ann_record_release(&r);
}

static void
write_replaces_owned_members_at_the_end(void)
{
	const char *line = "{\"id\":\"r\",\"validation\":{\"valid\":false},\"x\":1,\"tmp\":2}";
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_record_edit ed;
	struct ann_record r;
	struct ann_buf out = ANN_BUF_INIT;
	cJSON *v = cJSON_CreateObject();

	cJSON_AddBoolToObject(v, "valid", 1);
	ann_record_init(&r);
	ann_record_edit_init(&ed);
	CHECK_INT(ANN_OK, ann_record_parse(&r, line, strlen(line), 3, &e));
	CHECK_INT(ANN_OK, ann_record_edit_set_json(&ed, "validation", v));
	CHECK_INT(ANN_OK, ann_record_edit_set_raw(&ed, "note", "\"請求書\"", strlen("\"請求書\"")));
	CHECK_INT(ANN_OK, ann_record_edit_remove(&ed, "tmp"));
	CHECK_INT(ANN_OK, ann_record_write(&r, &ed, &out));
	CHECK_STR("{\"id\":\"r\",\"x\":1,\"validation\":{\"valid\":true},\"note\":\"請求書\"}\n", out.data);

	ann_buf_reset(&out);
	ann_record_edit_reset(&ed);
	CHECK_INT(ANN_OK, ann_record_write(&r, &ed, &out));
	CHECK_STR("{\"id\":\"r\",\"validation\":{\"valid\":false},\"x\":1,\"tmp\":2}\n", out.data);

	cJSON_Delete(v);
	ann_record_edit_release(&ed);
	ann_record_release(&r);
	ann_buf_release(&out);
}

static void
members_read_raw_and_parsed(void)
{
	const char *line = "{\"id\":\"r\",\"output\":{\"total\":12000,\"currency\":\"JPY\"}}";
	struct ann_record r;
	size_t len = 0;
	const char *raw;
	cJSON *output;

	ann_record_init(&r);
	CHECK_INT(ANN_OK, ann_record_parse(&r, line, strlen(line), 1, NULL));
	raw = ann_record_raw(&r, "output", &len);
	CHECK_MEM("{\"total\":12000,\"currency\":\"JPY\"}", 32, raw, len);
	output = ann_record_parse_member(&r, "output");
	CHECK(output != NULL);
	CHECK_INT(12000, cJSON_GetObjectItem(output, "total")->valueint);
	CHECK(ann_record_raw(&r, "missing", &len) == NULL);
	CHECK(ann_record_parse_member(&r, "missing") == NULL);
	cJSON_Delete(output);
	ann_record_release(&r);
}

static void
ids_must_be_strings(void)
{
	struct ann_record r;

	ann_record_init(&r);
	CHECK_INT(ANN_OK, ann_record_parse(&r, "{\"id\":9007199254740993}", 23, 1, NULL));
	CHECK_INT(0, r.has_id);
	CHECK_INT(ANN_OK, ann_record_parse(&r, "{\"x\":1}", 7, 2, NULL));
	CHECK_INT(0, r.has_id);
	CHECK_INT(ANN_OK, ann_record_parse(&r, "{\"id\":\"\\u0041\"}", 15, 3, NULL));
	CHECK_INT(1, r.has_id);
	CHECK_STR("A", r.id.data);
	ann_record_release(&r);
}

static void
line_error_record_keeps_the_input(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_buf out = ANN_BUF_INIT;

	ann_error_set(&e, ANN_ERR_SYNTAX, "invalid JSON at byte 0: expected '{'");
	CHECK_INT(ANN_OK, ann_record_write_line_error(&out, "x \"1\"", 5, 7, &e));
	CHECK_STR("{\"id\":\"line:7\",\"error\":{\"kind\":\"syntax\",\"message\":"
	    "\"invalid JSON at byte 0: expected '{'\",\"line\":7,\"input\":\"x \\\"1\\\"\"}}\n", out.data);
	CHECK_INT(ANN_OK, ann_json_check(out.data, out.len - 1, NULL, NULL));

	ann_buf_reset(&out);
	CHECK_INT(ANN_OK, ann_record_write_line_error(&out, "{\"a\":\"\xff\"}", 9, 2, &e));
	CHECK(strstr(out.data, "\"input_base64\":\"eyJhIjoi/yJ9\"") != NULL);

	ann_buf_reset(&out);
	ann_error_set(&e, ANN_ERR_TOO_LARGE, "line 3 is longer than the limit of 10 bytes");
	CHECK_INT(ANN_OK, ann_record_write_line_error(&out, NULL, 0, 3, &e));
	CHECK_STR("{\"id\":\"line:3\",\"error\":{\"kind\":\"too_large\",\"message\":"
	    "\"line 3 is longer than the limit of 10 bytes\",\"line\":3}}\n", out.data);
	ann_buf_release(&out);
}

static void
error_json_leaves_out_unset_fields(void)
{
	struct ann_buf out = ANN_BUF_INIT;

	CHECK_INT(ANN_OK, ann_error_json(&out, "throttled", "rate exceeded", 429, 0));
	CHECK_STR("{\"kind\":\"throttled\",\"message\":\"rate exceeded\",\"status\":429}", out.data);
	ann_buf_reset(&out);
	CHECK_INT(ANN_OK, ann_error_json(&out, "invalid", "bad \"x\"", 0, 12));
	CHECK_STR("{\"kind\":\"invalid\",\"message\":\"bad \\\"x\\\"\",\"line\":12}", out.data);
	ann_buf_release(&out);
}

static void
problems_show_the_value(void)
{
	struct ann_record r;
	char out[ANN_RECORD_PROBLEM_MAX];
	const char *line;

	ann_record_init(&r);
	line = "{\"id\":42,\"text\":5}";
	CHECK_INT(ANN_OK, ann_record_parse(&r, line, strlen(line), 1, NULL));
	CHECK_STR("member \"id\" must be a string, got number 42",
	    ann_record_id_problem(&r, out, sizeof out));
	CHECK_STR("member \"text\" must be a string, got number 5",
	    ann_record_type_problem(&r, "text", "a string", out, sizeof out));
	CHECK_STR("member \"none\" must be a string, got nothing",
	    ann_record_type_problem(&r, "none", "a string", out, sizeof out));

	line = "{\"text\":\"x\"}";
	CHECK_INT(ANN_OK, ann_record_parse(&r, line, strlen(line), 2, NULL));
	CHECK_STR("record has no \"id\" member", ann_record_id_problem(&r, out, sizeof out));

	line = "{\"id\":null}";
	CHECK_INT(ANN_OK, ann_record_parse(&r, line, strlen(line), 3, NULL));
	CHECK_STR("member \"id\" must be a string, got null", ann_record_id_problem(&r, out, sizeof out));

	/* A small buffer cuts the message, never overflows. */
	line = "{\"id\":[1,2,3]}";
	CHECK_INT(ANN_OK, ann_record_parse(&r, line, strlen(line), 4, NULL));
	CHECK_STR("member \"id\" must be ", ann_record_id_problem(&r, out, 21));
	ann_record_release(&r);
}

static void
describe_cuts_and_hides_control_characters(void)
{
	char out[24];

	CHECK_STR("boolean true", ann_json_describe("true", 4, out, sizeof out));
	CHECK_STR("string \"abc\"", ann_json_describe("\"abc\"", 5, out, sizeof out));
	CHECK_STR("array [1,?2]", ann_json_describe("[1,\t2]", 6, out, sizeof out));
	CHECK_STR("object {\"key\":\"value...",
	    ann_json_describe("{\"key\":\"value, long\"}", 21, out, sizeof out));
	CHECK_STR("number", ann_json_describe("12345", 5, out, 9));
}

ANN_TEST_MAIN(
	ANN_TEST(problems_show_the_value),
	ANN_TEST(describe_cuts_and_hides_control_characters),
	ANN_TEST(write_passes_unowned_members_byte_for_byte),
	ANN_TEST(write_replaces_owned_members_at_the_end),
	ANN_TEST(members_read_raw_and_parsed),
	ANN_TEST(ids_must_be_strings),
	ANN_TEST(line_error_record_keeps_the_input),
	ANN_TEST(error_json_leaves_out_unset_fields),
)
