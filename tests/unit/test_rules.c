#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rules.h"
#include "rules_int.h"

static void
check_format(const char *file, int line, const char *text, const char *expected)
{
	struct rdec d;
	struct ann_buf b = ANN_BUF_INIT;

	if (rdec_from_text(&d, text) != 0) {
		ann_test_fail(file, line, "\"%s\" not read", text);
		return;
	}
	rdec_format(&b, &d);
	if (strcmp(b.data, expected) != 0)
		ann_test_fail(file, line, "\"%s\": expected %s, got %s", text, expected, b.data);
	ann_buf_release(&b);
}

#define CHECK_FORMAT(text, expected) check_format(__FILE__, __LINE__, text, expected)

static void
check_round(const char *file, int line, const char *value, const char *unit,
    enum rdec_mode mode, const char *expected)
{
	struct rdec v, u, r;
	struct ann_buf b = ANN_BUF_INIT;

	if (rdec_from_text(&v, value) || rdec_from_text(&u, unit) || rdec_round(&r, &v, &u, mode)) {
		ann_test_fail(file, line, "round %s to %s failed", value, unit);
		return;
	}
	rdec_format(&b, &r);
	if (strcmp(b.data, expected) != 0)
		ann_test_fail(file, line, "round %s to %s (mode %d): expected %s, got %s", value, unit,
		    (int)mode, expected, b.data);
	ann_buf_release(&b);
}

#define CHECK_ROUND(value, unit, mode, expected) \
	check_round(__FILE__, __LINE__, value, unit, mode, expected)

static void
test_decimal(void)
{
	struct rdec a, b, r;
	struct ann_buf out = ANN_BUF_INIT;

	CHECK_FORMAT("80.90", "80.9");
	CHECK_FORMAT("-0.01", "-0.01");
	CHECK_FORMAT("1e3", "1000");
	CHECK_FORMAT("1.5e-3", "0.0015");
	CHECK_FORMAT("0", "0");
	CHECK(rdec_from_text(&a, "abc") != 0);
	CHECK(rdec_from_text(&a, "1e500") != 0);

	/* 0.1 + 0.2 is exactly 0.3 */
	rdec_from_text(&a, "0.1");
	rdec_from_text(&b, "0.2");
	CHECK_INT(0, rdec_add(&r, &a, &b));
	rdec_from_text(&a, "0.3");
	CHECK_INT(0, rdec_cmp(&r, &a));
	rdec_from_text(&a, "1234");
	rdec_from_text(&b, "0.08");
	CHECK_INT(0, rdec_mul(&r, &a, &b));
	rdec_format(&out, &r);
	CHECK_STR("98.72", out.data);
	ann_buf_release(&out);
}

static void
test_rounding_modes(void)
{
	CHECK_ROUND("98.72", "1", RDEC_FLOOR, "98");
	CHECK_ROUND("98.72", "1", RDEC_CEIL, "99");
	CHECK_ROUND("98.72", "1", RDEC_ROUND, "99");
	CHECK_ROUND("98.5", "1", RDEC_ROUND, "99");
	CHECK_ROUND("98.5", "1", RDEC_HALF_EVEN, "98");
	CHECK_ROUND("99.5", "1", RDEC_HALF_EVEN, "100");
	CHECK_ROUND("98.72", "1", RDEC_TRUNCATE, "98");
	CHECK_ROUND("-98.72", "1", RDEC_FLOOR, "-99");
	CHECK_ROUND("-98.72", "1", RDEC_CEIL, "-98");
	CHECK_ROUND("-98.5", "1", RDEC_ROUND, "-99");
	CHECK_ROUND("-98.72", "1", RDEC_TRUNCATE, "-98");
	CHECK_ROUND("80.93", "0.05", RDEC_ROUND, "80.95");
	CHECK_ROUND("80.92", "0.05", RDEC_ROUND, "80.9");
	CHECK_ROUND("1234.5678", "0.01", RDEC_FLOOR, "1234.56");
	CHECK_ROUND("100", "1", RDEC_FLOOR, "100");
}

/* Loads rules and checks answer; returns the number of findings, first message in msg. */
static size_t
run(const char *rules, const char *answer, char *loc, char *kw, char *msg, size_t size)
{
	struct ann_rules *r = NULL;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_finding_list f;
	struct ann_jsonv_doc d;
	const struct ann_jsonv *v;
	size_t n;

	ann_finding_list_init(&f);
	ann_jsonv_doc_init(&d);
	if (ann_rules_load_text(&r, rules, strlen(rules), "test", &e) != ANN_OK) {
		ann_test_fail(__FILE__, __LINE__, "load: %s", e.msg);
		return (size_t)-1;
	}
	CHECK_INT(ANN_OK, ann_jsonv_parse(&d, answer, strlen(answer), &v, &e));
	CHECK_INT(ANN_OK, ann_rules_check(r, v, &f, &e));
	n = f.n;
	loc[0] = kw[0] = msg[0] = '\0';
	if (n > 0) {
		snprintf(loc, size, "%s", f.text.data + f.offsets[0]);
		snprintf(kw, size, "%s", f.text.data + f.offsets[1]);
		snprintf(msg, size, "%s", f.text.data + f.offsets[2]);
	}
	ann_rules_free(r);
	ann_finding_list_release(&f);
	ann_jsonv_doc_release(&d);
	return n;
}

static const char line_rules[] =
    "{\"rules\":[{\"id\":\"line-amount\",\"description\":\"amount is quantity times price\","
    "\"for_each\":{\"line\":\"/lines\"},"
    "\"assert\":{\"eq\":[\"$line/amount\",{\"mul\":[\"$line/qty\",\"$line/price\"]}]}}]}";

static void
test_product_rule(void)
{
	char loc[256], kw[256], msg[512];

	CHECK_INT(0, run(line_rules, "{\"lines\":[{\"qty\":2,\"price\":550,\"amount\":1100},"
	    "{\"qty\":1.5,\"price\":0.1,\"amount\":0.15}]}", loc, kw, msg, sizeof loc));
	CHECK_INT(1, run(line_rules, "{\"lines\":[{\"qty\":2,\"price\":550,\"amount\":1100},"
	    "{\"qty\":2,\"price\":550,\"amount\":1200}]}", loc, kw, msg, sizeof loc));
	CHECK_STR("/lines/1/amount", loc);
	CHECK_STR("/x-ann-rules/line-amount", kw);
	CHECK_STR("rule line-amount (amount is quantity times price): /lines/1/amount is 1200, "
	    "expected equal to /lines/1/qty * /lines/1/price = 1100", msg);
	/* a missing or non-numeric operand skips the rule for that line */
	CHECK_INT(0, run(line_rules, "{\"lines\":[{\"qty\":null,\"price\":550,\"amount\":1200},"
	    "{\"price\":550,\"amount\":1},{\"qty\":true,\"price\":1,\"amount\":2}]}",
	    loc, kw, msg, sizeof loc));
	/* amounts as printed strings are read as numbers */
	CHECK_INT(0, run(line_rules, "{\"lines\":[{\"qty\":\"2\",\"price\":\"¥550\","
	    "\"amount\":\"1,100円\"}]}", loc, kw, msg, sizeof loc));
}

static const char tolerance_rules[] =
    "{\"rules\":[{\"id\":\"total\",\"assert\":{\"eq\":[\"/total\","
    "{\"add\":[\"/subtotal\",\"/tax\"]}],\"tolerance\":0.02}}]}";

static void
test_tolerance(void)
{
	char loc[256], kw[256], msg[512];

	CHECK_INT(0, run(tolerance_rules, "{\"subtotal\":80.91,\"tax\":0,\"total\":80.90}",
	    loc, kw, msg, sizeof loc));
	CHECK_INT(0, run(tolerance_rules, "{\"subtotal\":80.91,\"tax\":0,\"total\":80.93}",
	    loc, kw, msg, sizeof loc));
	CHECK_INT(1, run(tolerance_rules, "{\"subtotal\":80.91,\"tax\":0,\"total\":80.94}",
	    loc, kw, msg, sizeof loc));
	CHECK_STR("rule total: /total is 80.94, expected equal to /subtotal + /tax = 80.91 "
	    "within 0.02", msg);
}

static const char per_rate_rules[] =
    "{\"rules\":["
    "{\"id\":\"taxable\",\"for_each\":{\"t\":\"/taxes\"},"
    "\"assert\":{\"eq\":[\"$t/taxable\",{\"sum\":\"$l/amount\",\"for_each\":{\"l\":\"/lines\"},"
    "\"where\":{\"eq\":[\"$l/rate\",\"$t/rate\"]}}]}},"
    "{\"id\":\"tax\",\"for_each\":{\"t\":\"/taxes\"},"
    "\"assert\":{\"eq\":[\"$t/tax\",{\"round\":{\"mul\":[\"$t/taxable\",\"$t/rate\",0.01]},"
    "\"unit\":1,\"mode\":[\"$t/rounding\",\"/rounding\",\"any\"]}]}}]}";

static void
test_sum_per_rate(void)
{
	char loc[256], kw[256], msg[512];
	const char *good = "{\"lines\":[{\"amount\":1000,\"rate\":10},{\"amount\":1234,\"rate\":8},"
	    "{\"amount\":500,\"rate\":10}],\"taxes\":[{\"rate\":10,\"taxable\":1500,\"tax\":150},"
	    "{\"rate\":8,\"taxable\":1234,\"tax\":98}],\"rounding\":\"floor\"}";
	const char *bad = "{\"lines\":[{\"amount\":1000,\"rate\":10},{\"amount\":1234,\"rate\":8},"
	    "{\"amount\":500,\"rate\":10}],\"taxes\":[{\"rate\":10,\"taxable\":1600,\"tax\":160},"
	    "{\"rate\":8,\"taxable\":1234,\"tax\":98}],\"rounding\":\"floor\"}";

	CHECK_INT(0, run(per_rate_rules, good, loc, kw, msg, sizeof loc));
	CHECK_INT(1, run(per_rate_rules, bad, loc, kw, msg, sizeof loc));
	CHECK_STR("/taxes/0/taxable", loc);
	CHECK_STR("rule taxable: /taxes/0/taxable is 1600, expected equal to sum of "
	    "/lines/*/amount over the selected items = 1500", msg);
}

static void
test_rounding_rule(void)
{
	char loc[256], kw[256], msg[512];
	const char *round_doc = "{\"lines\":[{\"amount\":1234,\"rate\":8}],"
	    "\"taxes\":[{\"rate\":8,\"taxable\":1234,\"tax\":98}],\"rounding\":\"round\"}";
	const char *per_rate = "{\"lines\":[{\"amount\":1234,\"rate\":8}],"
	    "\"taxes\":[{\"rate\":8,\"taxable\":1234,\"tax\":99,\"rounding\":\"四捨五入\"}],"
	    "\"rounding\":\"floor\"}";
	const char *unstated_98 = "{\"lines\":[{\"amount\":1234,\"rate\":8}],"
	    "\"taxes\":[{\"rate\":8,\"taxable\":1234,\"tax\":98}]}";
	const char *unstated_99 = "{\"lines\":[{\"amount\":1234,\"rate\":8}],"
	    "\"taxes\":[{\"rate\":8,\"taxable\":1234,\"tax\":99}]}";
	const char *unstated_97 = "{\"lines\":[{\"amount\":1234,\"rate\":8}],"
	    "\"taxes\":[{\"rate\":8,\"taxable\":1234,\"tax\":97}]}";

	/* 1234 * 8% = 98.72: round gives 99, so 98 is wrong when the document says round */
	CHECK_INT(1, run(per_rate_rules, round_doc, loc, kw, msg, sizeof loc));
	CHECK_STR("rule tax: /taxes/0/tax is 98, expected equal to "
	    "round(/taxes/0/taxable * /taxes/0/rate * 0.01 to 1) = 99", msg);
	/* the rate's own rounding wins over the document's */
	CHECK_INT(0, run(per_rate_rules, per_rate, loc, kw, msg, sizeof loc));
	/* when no rounding is stated, floor and ceil are both accepted */
	CHECK_INT(0, run(per_rate_rules, unstated_98, loc, kw, msg, sizeof loc));
	CHECK_INT(0, run(per_rate_rules, unstated_99, loc, kw, msg, sizeof loc));
	CHECK_INT(1, run(per_rate_rules, unstated_97, loc, kw, msg, sizeof loc));
	CHECK_STR("rule tax: /taxes/0/tax is 97, expected equal to "
	    "floor or ceil(/taxes/0/taxable * /taxes/0/rate * 0.01 to 1) = 98 to 99", msg);
}

static const char date_rules[] =
    "{\"rules\":[{\"id\":\"due-date\",\"assert\":{\"ge\":[\"/due\",\"/issued\"]}}]}";

static void
test_date_order(void)
{
	char loc[256], kw[256], msg[512];

	CHECK_INT(0, run(date_rules, "{\"issued\":\"2024-06-01\",\"due\":\"2024-06-30\"}",
	    loc, kw, msg, sizeof loc));
	CHECK_INT(0, run(date_rules, "{\"issued\":\"令和6年6月1日\",\"due\":\"2024-06-01\"}",
	    loc, kw, msg, sizeof loc));
	CHECK_INT(0, run(date_rules, "{\"issued\":\"2024-06-01\",\"due\":null}",
	    loc, kw, msg, sizeof loc));
	CHECK_INT(1, run(date_rules, "{\"issued\":\"2024-06-01\",\"due\":\"2024-05-31\"}",
	    loc, kw, msg, sizeof loc));
	CHECK_STR("/due", loc);
	CHECK_STR("rule due-date: /due is \"2024-05-31\", expected not before /issued = "
	    "\"2024-06-01\"", msg);
}

static const char registration_rules[] =
    "{\"rules\":[{\"id\":\"reg\",\"assert\":{\"jp_registration_number\":\"/reg\","
    "\"corporate\":{\"matches\":[\"/name\",\"株式会社|合同会社\"]}}}]}";

static void
test_registration_number(void)
{
	char loc[256], kw[256], msg[512], why[200];

	/* 7123456789012: base digits from the right 2,1,0,9,... weighted 1,2 give 74; 9 - 74 % 9 = 7 */
	CHECK_INT(1, ann_rules_jp_registration("T7123456789012", 14, 1, why, sizeof why));
	CHECK_INT(1, ann_rules_jp_registration("Ｔ７－１２３４－５６７８－９０１２",
	    strlen("Ｔ７－１２３４－５６７８－９０１２"), 1, why, sizeof why));
	CHECK_INT(0, ann_rules_jp_registration("T8123456789012", 14, 1, why, sizeof why));
	CHECK_STR("check digit 8 of corporate number 8123456789012 is wrong: "
	    "the other 12 digits give 7", why);
	/* a number not known to be a corporation's is never rejected for its check digit */
	CHECK_INT(1, ann_rules_jp_registration("T8123456789012", 14, 0, why, sizeof why));
	CHECK_INT(1, ann_rules_jp_registration("T0123456789012", 14, 0, why, sizeof why));
	CHECK_INT(0, ann_rules_jp_registration("T712345678901", 13, 0, why, sizeof why));
	CHECK_STR("not a registration number: expected \"T\" and 13 digits", why);
	CHECK_INT(0, ann_rules_jp_registration("7123456789012", 13, 0, why, sizeof why));
	CHECK_INT(0, ann_rules_jp_registration("T71234567890123", 15, 0, why, sizeof why));
	CHECK_INT(0, ann_rules_jp_registration("T712345678901X", 14, 0, why, sizeof why));

	CHECK_INT(0, run(registration_rules, "{\"name\":\"株式会社さくら\",\"reg\":\"T7123456789012\"}",
	    loc, kw, msg, sizeof loc));
	CHECK_INT(1, run(registration_rules, "{\"name\":\"株式会社さくら\",\"reg\":\"T7123456789013\"}",
	    loc, kw, msg, sizeof loc));
	CHECK_STR("/reg", loc);
	CHECK_STR("rule reg: /reg: check digit 7 of corporate number 7123456789013 is wrong: "
	    "the other 12 digits give 6", msg);
	CHECK_INT(0, run(registration_rules, "{\"name\":\"やまびこ造園\",\"reg\":\"T7123456789013\"}",
	    loc, kw, msg, sizeof loc));
	CHECK_INT(1, run(registration_rules, "{\"name\":\"やまびこ造園\",\"reg\":\"T71234567890\"}",
	    loc, kw, msg, sizeof loc));
}

static const char logic_rules[] =
    "{\"rules\":[{\"id\":\"logic\",\"when\":{\"exists\":\"/a\"},"
    "\"assert\":{\"all\":[{\"any\":[{\"eq\":[\"/a\",1]},{\"eq\":[\"/a\",2]}]},"
    "{\"not\":{\"eq\":[\"/b\",\"x\"]}},{\"matches\":[\"/c\",\"^[A-Z]+$\"]},"
    "{\"ne\":[\"/flag\",true]},{\"lt\":[\"/a\",10]}]}}]}";

static void
test_logic(void)
{
	char loc[256], kw[256], msg[512];

	CHECK_INT(0, run(logic_rules, "{\"a\":2,\"b\":\"y\",\"c\":\"ABC\",\"flag\":false}",
	    loc, kw, msg, sizeof loc));
	CHECK_INT(0, run(logic_rules, "{\"b\":\"x\"}", loc, kw, msg, sizeof loc));
	CHECK_INT(1, run(logic_rules, "{\"a\":3,\"b\":\"y\",\"c\":\"ABC\"}", loc, kw, msg, sizeof loc));
	CHECK_STR("rule logic: /a is 3, expected equal to 1", msg);
	CHECK_INT(1, run(logic_rules, "{\"a\":1,\"b\":\"ｘ\",\"c\":\"ABC\"}", loc, kw, msg, sizeof loc));
	CHECK_STR("rule logic: the condition under \"not\" holds", msg);
	CHECK_INT(1, run(logic_rules, "{\"a\":1,\"c\":\"abc\"}", loc, kw, msg, sizeof loc));
	CHECK_STR("/c", loc);
	CHECK_STR("rule logic: /c is \"abc\", which does not match \"^[A-Z]+$\"", msg);
	CHECK_INT(1, run(logic_rules, "{\"a\":1,\"flag\":true}", loc, kw, msg, sizeof loc));
	/* unknown (b and c missing) is not false */
	CHECK_INT(0, run(logic_rules, "{\"a\":1}", loc, kw, msg, sizeof loc));
}

/* Numeric strings compare with every digit: as doubles these pairs are equal. */
static void
test_long_numbers_exact(void)
{
	const char *rules = "{\"rules\":[{\"id\":\"same\",\"assert\":{\"eq\":[\"/a\",\"/b\"]}}]}";
	char loc[256], kw[256], msg[512];

	CHECK_INT(1, run(rules, "{\"a\":\"12345678901234567\",\"b\":\"12345678901234568\"}",
	    loc, kw, msg, sizeof loc));
	CHECK_STR("rule same: /a is 12345678901234567, expected equal to /b = 12345678901234568", msg);
	CHECK_INT(1, run(rules, "{\"a\":\"1234567890123456\",\"b\":1234567890123457}",
	    loc, kw, msg, sizeof loc));
	CHECK_INT(1, run(rules, "{\"a\":9007199254740993,\"b\":\"9,007,199,254,740,992\"}",
	    loc, kw, msg, sizeof loc));
	CHECK_INT(0, run(rules, "{\"a\":\"１２，３４５，６７８，９０１，２３４，５６７円\","
	    "\"b\":12345678901234567}", loc, kw, msg, sizeof loc));
}

/* PCRE2 with Unicode properties, unlike the schema's ECMA-262 pattern (doc/rules.md). */
static void
test_matches_unicode_classes(void)
{
	const char *rules = "{\"rules\":[{\"id\":\"d\",\"assert\":{\"matches\":[\"/a\",\"^\\\\d+$\"]}},"
	    "{\"id\":\"ascii\",\"assert\":{\"matches\":[\"/a\",\"^[0-9]+$\"]}}]}";
	char loc[256], kw[256], msg[512];

	CHECK_INT(1, run(rules, "{\"a\":\"１２３\"}", loc, kw, msg, sizeof loc));
	CHECK_STR("/x-ann-rules/ascii", kw);
	CHECK_INT(0, run(rules, "{\"a\":\"123\"}", loc, kw, msg, sizeof loc));
}

static void
check_load_error(const char *file, int line, const char *rules, const char *expected)
{
	struct ann_rules *r = NULL;
	struct ann_error e = ANN_ERROR_INIT;
	int rc = ann_rules_load_text(&r, rules, strlen(rules), "x.json", &e);

	if (rc != ANN_ERR_CONFIG)
		ann_test_fail(file, line, "expected a config error, got %d", rc);
	else if (strcmp(e.msg, expected) != 0)
		ann_test_fail(file, line, "expected \"%s\", got \"%s\"", expected, e.msg);
	ann_rules_free(r);
}

#define CHECK_LOAD_ERROR(rules, expected) check_load_error(__FILE__, __LINE__, rules, expected)

static void
test_load_errors(void)
{
	CHECK_LOAD_ERROR("[]", "rules file \"x.json\": expected an object with a \"rules\" array");
	CHECK_LOAD_ERROR("{\"rules\":[{\"assert\":{\"eq\":[1,1]}}]}",
	    "rules file \"x.json\": /rules/0: \"id\" must be a non-empty string without '/' or '~'");
	CHECK_LOAD_ERROR("{\"rules\":[{\"id\":\"a\",\"assert\":{\"equal\":[1,1]}}]}",
	    "rules file \"x.json\": /rules/0/assert: unknown condition \"equal\"; expected eq, ne, "
	    "lt, le, gt, ge, all, any, not, exists, matches or jp_registration_number");
	CHECK_LOAD_ERROR("{\"rules\":[{\"id\":\"a\",\"assert\":{\"eq\":[1]}}]}",
	    "rules file \"x.json\": /rules/0/assert: a comparison takes an array of two expressions");
	CHECK_LOAD_ERROR("{\"rules\":[{\"id\":\"a\",\"for_each\":\"/items\",\"assert\":{\"eq\":[1,1]}}]}",
	    "rules file \"x.json\": /rules/0: \"for_each\" must be an object with one member, "
	    "a variable name and a reference to an array such as {\"item\": \"/items\"}");
	CHECK_LOAD_ERROR("{\"rules\":[{\"id\":\"a\",\"assert\":{\"eq\":[{\"round\":1,\"mode\":\"up\"},1]}}]}",
	    "rules file \"x.json\": /rules/0/assert/eq/0: unknown rounding mode; expected floor, "
	    "ceil, round, half_even, truncate or any");
	CHECK_LOAD_ERROR("{\"rules\":[{\"id\":\"a\",\"assert\":{\"eq\":[1,1]}},"
	    "{\"id\":\"a\",\"assert\":{\"eq\":[1,1]}}]}",
	    "rules file \"x.json\": /rules/1: \"id\" is used by an earlier rule");
	CHECK_LOAD_ERROR("{\"rules\":[{\"id\":\"a\",\"assert\":{\"matches\":[\"/a\",\"(\"]}}]}",
	    "rules file \"x.json\": /rules/0/assert: invalid regular expression at offset 1: "
	    "missing closing parenthesis");
	CHECK_LOAD_ERROR("{\"rules\":[{\"id\":\"a\",\"assert\":{\"eq\":[1,1],\"tolerance\":-1}}]}",
	    "rules file \"x.json\": /rules/0/assert: \"tolerance\" must be a number of 0 or more");
}

/* The rules files shipped in share/ load. */
static void
test_shipped_rules(void)
{
	static const char *const files[] = { "share/rules/invoice.json", "share/rules/receipt.json" };
	const char *top = getenv("ANN_TOP");
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		struct ann_rules *r = NULL;
		struct ann_error e = ANN_ERROR_INIT;

		snprintf(path, sizeof path, "%s/%s", top ? top : ".", files[i]);
		CHECK_INT(ANN_OK, ann_rules_load(&r, path, &e));
		if (e.msg[0])
			ann_test_fail(__FILE__, __LINE__, "%s", e.msg);
		ann_rules_free(r);
	}
}

ANN_TEST_MAIN(
	ANN_TEST(test_decimal),
	ANN_TEST(test_rounding_modes),
	ANN_TEST(test_product_rule),
	ANN_TEST(test_tolerance),
	ANN_TEST(test_sum_per_rate),
	ANN_TEST(test_rounding_rule),
	ANN_TEST(test_date_order),
	ANN_TEST(test_registration_number),
	ANN_TEST(test_logic),
	ANN_TEST(test_long_numbers_exact),
	ANN_TEST(test_matches_unicode_classes),
	ANN_TEST(test_load_errors),
	ANN_TEST(test_shipped_rules)
)
