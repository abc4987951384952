#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "json.h"

static int
check_text(const char *s)
{
	return ann_json_check(s, strlen(s), NULL, NULL);
}

static void
scanner_accepts_valid_json(void)
{
	static const char *const valid[] = {
		"{}", "[]", "0", "-0", "1.5e10", "-1E-5", "1e+2", "\"\"", "true", "false", "null",
		" { \"a\" : [ 1 , 2 , { } ] } ", "{}", "[]", "[{}]", "{\"a\":[]}", "\"\\u00e9\\ud83d\\ude00\\n\\/\"",
		"\"請求書 ¥12,000\"", "[9007199254740993]", "[1.7976931348623157e308]",
		"\"a\\u0000b\"", "[1e-400]", "\"\xF0\x9F\x98\x80\"",
	};
	size_t i;

	for (i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		if (check_text(valid[i]) != ANN_OK)
			ann_test_fail(__FILE__, __LINE__, "rejected valid JSON: %s", valid[i]);
	}
}

static void
scanner_rejects_invalid_json(void)
{
	static const char *const invalid[] = {
		"", " ", "{", "[1,]", "{\"a\":1,}", "[01]", "[-]", "[1.]", "[.5]", "[1e]",
		"[+1]", "[1e400]", "[-1e400]", "[NaN]", "[Infinity]", "'a'", "\"\\uX000abc\"",
		"\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\tb\"",
		"\"a\xff\x62\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
		"\"\xe0\x80\xaf\"", "[1] [2]", "{\"a\" 1}", "{a:1}", "[tru]", "nul",
		"\xEF\xBB\xBF{}", "[\"unterminated]", "\"\xe3\x81\"",
	};
	size_t i;

	for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		if (check_text(invalid[i]) != ANN_ERR_SYNTAX)
			ann_test_fail(__FILE__, __LINE__, "accepted invalid JSON: %s", invalid[i]);
	}
}

static void
scanner_reports_offset_and_fault(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	size_t offset = 0;

	CHECK_INT(ANN_ERR_SYNTAX, ann_json_check("[012]", 5, &offset, &e));
	CHECK_INT(2, offset);
	CHECK_STR("invalid JSON at byte 2: leading zeros are not allowed in numbers, got '1'", e.msg);

	CHECK_INT(ANN_ERR_SYNTAX, ann_json_check("[\"\\uX000abc\"]", 13, &offset, &e));
	CHECK_INT(2, offset);

	CHECK_INT(ANN_ERR_SYNTAX, ann_json_check("[1e400]", 7, &offset, &e));
	CHECK_INT(1, offset);
	CHECK_STR("invalid JSON at byte 1: number is too large for a double, got '1'", e.msg);
}

static void
scanner_limits_nesting_depth(void)
{
	size_t n = ANN_JSON_MAX_DEPTH + 1;
	char *deep = malloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		deep[i] = '[';
		deep[2 * n - 1 - i] = ']';
	}
	deep[2 * n] = '\0';
	CHECK_INT(ANN_ERR_TOO_LARGE, ann_json_check(deep, 2 * n, NULL, NULL));
	CHECK_INT(ANN_OK, ann_json_check(deep + 1, 2 * n - 2, NULL, NULL));
	free(deep);
}

static void
object_scan_records_member_spans(void)
{
	const char *s = "{ \"id\" : \"r1\", \"n\":[1, {\"x\":\"}\"}], \"t\":true}";
	struct ann_json_members m;

	ann_json_members_init(&m);
	CHECK_INT(ANN_OK, ann_json_scan_object(s, strlen(s), &m, NULL, NULL));
	CHECK_INT(3, m.n);
	CHECK_STR("id", ann_json_member_name(&m, 0));
	CHECK_MEM("\"r1\"", 4, s + m.v[0].value_start, m.v[0].value_end - m.v[0].value_start);
	CHECK_MEM("\"id\" : \"r1\"", 11, s + m.v[0].start, m.v[0].value_end - m.v[0].start);
	CHECK_MEM("[1, {\"x\":\"}\"}]", 14, s + m.v[1].value_start,
	    m.v[1].value_end - m.v[1].value_start);
	CHECK_INT(ANN_JSON_ARRAY, m.v[1].type);
	CHECK_INT(ANN_JSON_TRUE, m.v[2].type);
	CHECK_INT(2, ann_json_members_find(&m, "t"));
	CHECK_INT(-1, ann_json_members_find(&m, "x"));
	ann_json_members_release(&m);
}

static void
object_scan_rejects_duplicates_after_decoding(void)
{
	const char *s = "{\"id\":1,\"\\u0069d\":2}";
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_json_members m;
	struct ann_buf big = ANN_BUF_INIT;
	size_t offset = 0;
	int i;

	ann_json_members_init(&m);
	CHECK_INT(ANN_ERR_SYNTAX, ann_json_scan_object(s, strlen(s), &m, &offset, &e));
	CHECK_INT(8, offset);
	CHECK_STR("invalid record at byte 8: duplicate member name \"id\"", e.msg);

	/* Nested objects may repeat names: only the top level is a record. */
	s = "{\"a\":{\"b\":1,\"b\":2}}";
	CHECK_INT(ANN_OK, ann_json_scan_object(s, strlen(s), &m, NULL, NULL));

	/* Many members take the hashed path; the duplicate is still found. */
	ann_buf_addc(&big, '{');
	for (i = 0; i < 1000; i++)
		ann_buf_addf(&big, "\"k%d\":%d,", i, i);
	ann_buf_adds(&big, "\"k500\":0}");
	CHECK_INT(ANN_ERR_SYNTAX, ann_json_scan_object(big.data, big.len, &m, NULL, &e));
	CHECK_STR("duplicate member name \"k500\"", strstr(e.msg, "duplicate"));
	ann_buf_truncate(&big, big.len - 9);
	ann_buf_adds(&big, "\"k1000\":0}");
	CHECK_INT(ANN_OK, ann_json_scan_object(big.data, big.len, &m, NULL, &e));
	CHECK_INT(1001, m.n);

	ann_buf_release(&big);
	ann_json_members_release(&m);
}

static void
object_scan_names_non_objects(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_json_members m;

	ann_json_members_init(&m);
	CHECK_INT(ANN_ERR_SYNTAX, ann_json_scan_object("[1,2]", 5, &m, NULL, &e));
	CHECK_STR("record is not a JSON object", e.msg);
	CHECK_INT(ANN_ERR_SYNTAX, ann_json_scan_object("{\"a\":1} x", 9, &m, NULL, &e));
	CHECK_STR("invalid JSON at byte 8: expected end of line after the record, got 'x'", e.msg);
	ann_json_members_release(&m);
}

static void
string_decode_handles_escapes(void)
{
	struct ann_buf out = ANN_BUF_INIT;
	const char *s = "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u5186\\ud83d\\ude00\\u0000z\"";

	CHECK_INT(ANN_OK, ann_json_string_decode(s, strlen(s), &out));
	CHECK_MEM("a\"\\/\b\f\n\r\t\xc3\xa9\xe5\x86\x86\xf0\x9f\x98\x80\0z", 20, out.data, out.len);
	ann_buf_release(&out);
}

static void
utf8_check_finds_first_bad_byte(void)
{
	CHECK_INT(5, ann_utf8_check("ab\xe5\x86\x86", 5));
	CHECK_INT(2, ann_utf8_check("ab\xff", 3));
	CHECK_INT(0, ann_utf8_check("\xc0\xaf", 2));
	CHECK_INT(1, ann_utf8_check("a\xe5\x86", 3));
}

static void
file_errors_name_line_and_column(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	size_t line;
	size_t column;
	const char *text = "{\n  \"a\": 1,\n}";

	CHECK_INT(ANN_ERR_SYNTAX, ann_json_check_file(text, strlen(text), 1, "schema", "s.json", &e));
	CHECK_STR("schema s.json:3:1: invalid JSON: expected a member name in double quotes, got '}'",
	    e.msg);

	/* One line of a JSON Lines file keeps the file's line number. */
	CHECK_INT(ANN_ERR_SYNTAX, ann_json_check_file("[1,]", 4, 7, "examples file", "ex.jsonl", &e));
	CHECK_STR("examples file ex.jsonl:7:4: invalid JSON: expected a JSON value, got ']'", e.msg);
	CHECK_INT(ANN_OK, ann_json_check_file("[1]", 3, 1, "schema", "s.json", &e));

	/* Columns count characters, not bytes. */
	ann_json_line_column("\"請求\"x", 8, &line, &column);
	CHECK_INT(1, line);
	CHECK_INT(5, column);
	ann_json_line_column("a\nb", 3, &line, &column);
	CHECK_INT(2, line);
	CHECK_INT(2, column);
}

ANN_TEST_MAIN(
	ANN_TEST(file_errors_name_line_and_column),
	ANN_TEST(scanner_accepts_valid_json),
	ANN_TEST(scanner_rejects_invalid_json),
	ANN_TEST(scanner_reports_offset_and_fault),
	ANN_TEST(scanner_limits_nesting_depth),
	ANN_TEST(object_scan_records_member_spans),
	ANN_TEST(object_scan_rejects_duplicates_after_decoding),
	ANN_TEST(object_scan_names_non_objects),
	ANN_TEST(string_decode_handles_escapes),
	ANN_TEST(utf8_check_finds_first_bad_byte),
)
