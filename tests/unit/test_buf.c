#include <math.h>
#include <stdlib.h>

#include "buf.h"
#include "err.h"
#include "harness.h"

static void
check_invariants(const struct ann_buf *b)
{
	CHECK(b->data != NULL);
	CHECK(b->len <= b->max);
	CHECK(b->data[b->len] == '\0');
	CHECK(b->cap == 0 || b->len < b->cap);
}

static void
buf_appends_and_stays_terminated(void)
{
	struct ann_buf b = ANN_BUF_INIT;

	check_invariants(&b);
	CHECK_INT(ANN_OK, ann_buf_adds(&b, "abc"));
	CHECK_INT(ANN_OK, ann_buf_addc(&b, '-'));
	CHECK_INT(ANN_OK, ann_buf_addf(&b, "%d/%s", 42, "x"));
	CHECK_STR("abc-42/x", b.data);
	check_invariants(&b);
	ann_buf_reset(&b);
	CHECK_STR("", b.data);
	check_invariants(&b);
	ann_buf_release(&b);
	check_invariants(&b);
}

static void
buf_rejects_growth_past_max(void)
{
	struct ann_buf b;

	ann_buf_init(&b, 8);
	CHECK_INT(ANN_OK, ann_buf_adds(&b, "12345678"));
	CHECK_INT(ANN_ERR_TOO_LARGE, ann_buf_addc(&b, '9'));
	CHECK_STR("12345678", b.data);
	CHECK_INT(ANN_ERR_TOO_LARGE, ann_buf_addf(&b, "%s", "more"));
	CHECK_INT(8, b.len);
	check_invariants(&b);
	ann_buf_release(&b);
}

static void
buf_detach_hands_over_bytes(void)
{
	struct ann_buf b = ANN_BUF_INIT;
	size_t len = 99;
	char *s = ann_buf_detach(&b, &len);

	CHECK_STR("", s);
	CHECK_INT(0, len);
	free(s);

	ann_buf_adds(&b, "kept");
	s = ann_buf_detach(&b, &len);
	CHECK_STR("kept", s);
	CHECK_INT(4, len);
	CHECK_INT(0, b.len);
	check_invariants(&b);
	free(s);
}

static void
json_string_escapes_only_what_json_needs(void)
{
	struct ann_buf b = ANN_BUF_INIT;
	const char in[] = "a\"b\\c\n\x01 請求書 ¥12,000";

	CHECK_INT(ANN_OK, ann_buf_add_json_string(&b, in, sizeof in - 1));
	CHECK_STR("\"a\\\"b\\\\c\\n\\u0001 請求書 ¥12,000\"", b.data);
	ann_buf_reset(&b);
	CHECK_INT(ANN_OK, ann_buf_add_json_string(&b, "a\0b", 3));
	CHECK_STR("\"a\\u0000b\"", b.data);
	ann_buf_release(&b);
}

static void
json_number_prints_shortest_round_trip(void)
{
	static const struct { double d; const char *text; } cases[] = {
		{ 9007199254740991.0, "9007199254740991" },
		{ 1234567890123460.0, "1234567890123460" },
		{ 0.1, "0.1" },
		{ 1.0, "1" },
		{ -0.0, "-0" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 12.34, "12.34" },
		{ 1e-7, "1e-07" },
	};
	struct ann_buf b = ANN_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ann_buf_reset(&b);
		CHECK_INT(ANN_OK, ann_buf_add_json_number(&b, cases[i].d));
		CHECK_STR(cases[i].text, b.data);
		CHECK(strtod(b.data, NULL) == cases[i].d);
	}
	CHECK_INT(ANN_ERR_INVALID, ann_buf_add_json_number(&b, NAN));
	CHECK_INT(ANN_ERR_INVALID, ann_buf_add_json_number(&b, INFINITY));
	ann_buf_release(&b);
}

static void
error_message_is_cut_on_character_boundary(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	char big[600];
	size_t len;

	memset(big, 'a', sizeof big);
	strcpy(big + 509, "請求書");
	CHECK_INT(ANN_ERR_INVALID, ann_error_set(&e, ANN_ERR_INVALID, "%s", big));
	len = strlen(e.msg);
	CHECK_INT(509, len);
	ann_error_set(&e, ANN_ERR_IO, "read failed");
	ann_error_prefix(&e, "line %d", 7);
	CHECK_STR("line 7: read failed", e.msg);
	CHECK_STR("io", ann_err_name(e.code));
}

ANN_TEST_MAIN(
	ANN_TEST(buf_appends_and_stays_terminated),
	ANN_TEST(buf_rejects_growth_past_max),
	ANN_TEST(buf_detach_hands_over_bytes),
	ANN_TEST(json_string_escapes_only_what_json_needs),
	ANN_TEST(json_number_prints_shortest_round_trip),
	ANN_TEST(error_message_is_cut_on_character_boundary),
)
