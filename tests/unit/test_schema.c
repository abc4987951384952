#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "jsonv.h"
#include "schema.h"

/* Returns 1 valid, 0 invalid, -1 when the schema or instance is rejected. */
static int
verdict_opts(const char *schema, const char *instance, const struct ann_schema_options *o)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_schema *s = NULL;
	struct ann_schema_validator *v = NULL;
	struct ann_schema_result r;
	int out = -1;

	ann_schema_result_init(&r);
	if (ann_schema_compile_text(&s, schema, strlen(schema), NULL, o, &e) == ANN_OK &&
	    ann_schema_validator_new(&v, s, 0, &e) == ANN_OK &&
	    ann_schema_validate_text(v, instance, strlen(instance), &r, &e) == ANN_OK)
		out = r.valid;
	if (out < 0)
		printf("# %s | %s: %s\n", schema, instance, e.msg);
	ann_schema_result_release(&r);
	ann_schema_validator_free(v);
	ann_schema_free(s);
	return out;
}

static int
verdict(const char *schema, const char *instance)
{
	return verdict_opts(schema, instance, NULL);
}

#define VALID(schema, inst) CHECK_INT(1, verdict(schema, inst))
#define INVALID(schema, inst) CHECK_INT(0, verdict(schema, inst))

/* Compiles schema and returns the error code, with the message in *e. */
static int
compile_error(const char *schema, struct ann_error *e)
{
	struct ann_schema *s = NULL;
	int rc = ann_schema_compile_text(&s, schema, strlen(schema), NULL, NULL, e);

	ann_schema_free(s);
	return rc;
}

static void
multiple_of_decimal_divisor(void)
{
	static const char *const cent_valid[] = {
		"1.11", "19.99", "0.07", "150.0", "0", "-3.33", "1e-2", "12345678901234567890.01",
		"4.35", "0.29", "1.1e1",
	};
	static const char *const cent_invalid[] = { "1.115", "0.001", "1.1100001", "-0.005" };
	const char *cent = "{\"type\":\"number\",\"multipleOf\":0.01}";
	size_t i;

	for (i = 0; i < sizeof cent_valid / sizeof cent_valid[0]; i++)
		VALID(cent, cent_valid[i]);
	for (i = 0; i < sizeof cent_invalid / sizeof cent_invalid[0]; i++)
		INVALID(cent, cent_invalid[i]);
	VALID("{\"multipleOf\":0.1}", "92.6");
	VALID("{\"multipleOf\":0.3}", "0.9");
	VALID("{\"multipleOf\":0.0001}", "0.0075");
	INVALID("{\"multipleOf\":0.0001}", "0.00075");
	VALID("{\"multipleOf\":1e-8}", "0.00000003");
	VALID("{\"multipleOf\":0.5}", "1e308");
	VALID("{\"multipleOf\":3}", "9.0");
	INVALID("{\"multipleOf\":3}", "10");
	VALID("{\"multipleOf\":7}", "700000000000000000000000000000000000007");
	INVALID("{\"multipleOf\":7}", "700000000000000000000000000000000000008");
	VALID("{\"multipleOf\":123456789012345678901234567}", "246913578024691357802469134");
	INVALID("{\"multipleOf\":123456789012345678901234567}", "246913578024691357802469135");
}

static void
integer_recognised_by_value(void)
{
	static const char *const ints[] = {
		"1.0", "1e2", "-0.0", "12345678910111213141516171819202122232425262728293031.0",
		"10e-1", "0", "-7", "1.50e1", "9007199254740993",
	};
	static const char *const non_ints[] = { "1.5", "1e-2", "0.1", "-1.000001", "\"1\"" };
	size_t i;

	for (i = 0; i < sizeof ints / sizeof ints[0]; i++)
		VALID("{\"type\":\"integer\"}", ints[i]);
	for (i = 0; i < sizeof non_ints / sizeof non_ints[0]; i++)
		INVALID("{\"type\":\"integer\"}", non_ints[i]);
	/* draft-07 agrees: 1.0 has been an integer since draft-06 */
	{
		struct ann_schema_options o = { ANN_SCHEMA_DRAFT_7, 0, NULL, 0 };

		CHECK_INT(1, verdict_opts("{\"type\":\"integer\"}", "1.0", &o));
	}
}

static void
large_numbers_compare_exactly(void)
{
	const char *max = "{\"type\":\"integer\",\"maximum\":9007199254740992}";

	INVALID(max, "9007199254740993");
	VALID(max, "9007199254740992");
	VALID("{\"maximum\":9007199254740992}", "9007199254740991.999999999999");
	INVALID("{\"maximum\":9007199254740992}", "9007199254740992.000000000001");
	INVALID("{\"minimum\":9007199254740993}", "9007199254740992");
	INVALID("{\"exclusiveMaximum\":1e20}", "100000000000000000000");
	VALID("{\"exclusiveMaximum\":1e20}", "99999999999999999999.99");
	INVALID("{\"exclusiveMinimum\":0.1}", "0.1000");
	VALID("{\"minimum\":-1e-30}", "-0.0000000000000000000000000000009");
	INVALID("{\"const\":9007199254740992}", "9007199254740993");
	VALID("{\"const\":9007199254740992}", "9007199254740992.0");
	INVALID("{\"enum\":[12345678901234567890]}", "12345678901234567891");
	VALID("{\"uniqueItems\":true}", "[9007199254740992,9007199254740993]");
	INVALID("{\"uniqueItems\":true}", "[1,1.0]");
	INVALID("{\"uniqueItems\":true}", "[{\"a\":[1e2]},{\"a\":[100]}]");
	VALID("{\"const\":{\"a\":1,\"b\":2}}", "{\"b\":2.0,\"a\":1}");
}

static void
length_counts_code_points(void)
{
	INVALID("{\"type\":\"string\",\"minLength\":2}", "\"😀\"");
	VALID("{\"type\":\"string\",\"maxLength\":3}", "\"日本語\"");
	VALID("{\"type\":\"string\",\"minLength\":2}", "\"か\\u3099\"");
	VALID("{\"type\":\"string\",\"maxLength\":1}", "\"\\ud83d\\ude00\"");
	INVALID("{\"maxLength\":2}", "\"日本語\"");
	VALID("{\"minLength\":3,\"maxLength\":3}", "\"a\\u0000b\"");
	VALID("{\"maxLength\":6}", "\"株式会社山田\"");
	INVALID("{\"maxLength\":5}", "\"株式会社山田\"");
	VALID("{\"minLength\":1,\"maxLength\":1}", "\"\\u00e9\"");
	/* a string of 4-byte characters: bytes are four times the count */
	VALID("{\"maxLength\":4}", "\"𠀋𠀋𠀋𠀋\"");
}

static void
regex_ascii_digit_and_word(void)
{
	const char *zip = "{\"type\":\"string\",\"pattern\":\"^\\\\d{3}-\\\\d{4}$\"}";

	VALID(zip, "\"123-4567\"");
	INVALID(zip, "\"１２３-４５６７\"");
	INVALID(zip, "\"١٢٣-٤٥٦٧\"");
	VALID("{\"pattern\":\"^\\\\w+$\"}", "\"abc_1\"");
	INVALID("{\"pattern\":\"^\\\\w+$\"}", "\"東京\"");
	INVALID("{\"pattern\":\"^\\\\w$\"}", "\"é\"");
	VALID("{\"pattern\":\"^\\\\D$\"}", "\"１\"");
	VALID("{\"pattern\":\"^\\\\W$\"}", "\"é\"");
	VALID("{\"pattern\":\"^[\\\\d]+$\"}", "\"42\"");
	INVALID("{\"pattern\":\"^[\\\\d]+$\"}", "\"４２\"");
	VALID("{\"pattern\":\"\\\\d\"}", "\"a1\"");
	VALID("{\"pattern\":\"\\\\bfoo\\\\b\"}", "\"a foo b\"");
	/* \b is ASCII too: é is not a word character */
	VALID("{\"pattern\":\"\\\\bfoo\"}", "\"éfoo\"");
}

static void
regex_space_includes_unicode(void)
{
	const char *sp = "{\"pattern\":\"^\\\\s$\"}";

	VALID(sp, "\"\\u3000\"");
	VALID(sp, "\"\\u00a0\"");
	VALID(sp, "\"\\ufeff\"");
	VALID(sp, "\"\\u2028\"");
	VALID(sp, "\"\\t\"");
	INVALID(sp, "\"x\"");
	INVALID("{\"pattern\":\"^\\\\S$\"}", "\"\\u3000\"");
	VALID("{\"pattern\":\"^\\\\S$\"}", "\"あ\"");
	VALID("{\"pattern\":\"^[\\\\s]$\"}", "\"\\u3000\"");
	INVALID("{\"pattern\":\"^[^\\\\s]$\"}", "\"\\u3000\"");
	VALID("{\"pattern\":\"^[a\\\\S]$\"}", "\"あ\"");
	INVALID("{\"pattern\":\"^[a\\\\S]$\"}", "\"\\u3000\"");
	VALID("{\"pattern\":\"^[^a\\\\S]$\"}", "\"\\u3000\"");
	INVALID("{\"pattern\":\"^[^a\\\\S]$\"}", "\"b\"");
}

static void
regex_dot_dollar_and_syntax(void)
{
	const char *regno = "{\"pattern\":\"^T[0-9]{13}$\"}";
	struct ann_error e = ANN_ERROR_INIT;

	VALID(regno, "\"T1234567890123\"");
	INVALID(regno, "\"T1234567890123\\n\"");
	INVALID("{\"pattern\":\"^.$\"}", "\"\\n\"");
	INVALID("{\"pattern\":\"^.$\"}", "\"\\u2028\"");
	VALID("{\"pattern\":\"^.$\"}", "\"😀\"");
	VALID("{\"pattern\":\"^\\\\u0041$\"}", "\"A\"");
	VALID("{\"pattern\":\"^\\\\ud83d\\\\ude00$\"}", "\"😀\"");
	VALID("{\"pattern\":\"^\\\\p{Letter}+$\"}", "\"請求書\"");
	VALID("{\"pattern\":\"^[^]$\"}", "\"\\n\"");
	/* PCRE-only syntax that ECMA-262 rejects makes the schema invalid */
	CHECK_INT(ANN_ERR_INVALID, compile_error("{\"pattern\":\"\\\\Z\"}", &e));
	CHECK(strstr(e.msg, "pattern") != NULL);
	CHECK_INT(ANN_ERR_INVALID, compile_error("{\"pattern\":\"a++\"}", &e));
	CHECK_INT(ANN_ERR_INVALID, compile_error("{\"pattern\":\"(?i)a\"}", &e));
	CHECK_INT(ANN_ERR_INVALID, compile_error("{\"pattern\":\"(\"}", &e));
	CHECK(ann_schema_format_check("regex", "^\\d+$", 5));
	CHECK(!ann_schema_format_check("regex", "\\a", 2));
}

static void
error_paths_invalid_schema(void)
{
	static const struct { const char *schema; const char *where; } bad[] = {
		{ "{\"type\":1}", "#" },
		{ "{\"properties\":{\"a\":{\"minLength\":-1}}}", "#/properties/a" },
		{ "{\"properties\":{\"a\":{\"type\":\"text\"}}}", "#/properties/a" },
		{ "{\"required\":\"a\"}", "#" },
		{ "{\"items\":5}", "#/items" },
		{ "{\"multipleOf\":0}", "#" },
		{ "{\"$ref\":\"#/$defs/missing\"}", "missing" },
		{ "{\"$ref\":\"http://example.com/other.json\"}", "example.com" },
		{ "{\"$schema\":\"http://json-schema.org/draft-04/schema#\"}", "draft-04" },
		{ "17", "#" },
	};
	struct ann_error e = ANN_ERROR_INIT;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		e.msg[0] = '\0';
		CHECK(compile_error(bad[i].schema, &e) != ANN_OK);
		if (strstr(e.msg, bad[i].where) == NULL)
			printf("# %s: message \"%s\" does not name \"%s\"\n", bad[i].schema, e.msg,
			    bad[i].where);
		CHECK(strstr(e.msg, bad[i].where) != NULL);
	}
	CHECK_INT(ANN_ERR_SYNTAX, compile_error("{\"type\":", &e));
}

static void
error_paths_reference_cycles(void)
{
	struct ann_error e = ANN_ERROR_INIT;

	CHECK_INT(ANN_ERR_INVALID, compile_error("{\"$ref\":\"#\"}", &e));
	CHECK(strstr(e.msg, "cycle") != NULL);
	CHECK_INT(ANN_ERR_INVALID, compile_error(
	    "{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"allOf\":[{\"$ref\":\"#/$defs/a\"}]}},"
	    "\"$ref\":\"#/$defs/a\"}", &e));
	CHECK(strstr(e.msg, "cycle") != NULL);
	CHECK_INT(ANN_ERR_INVALID, compile_error(
	    "{\"anyOf\":[{\"type\":\"string\"},{\"$ref\":\"#\"}]}", &e));
	/* Recursion through a child instance is fine: it ends with the data. */
	VALID("{\"properties\":{\"next\":{\"$ref\":\"#\"}},\"required\":[\"v\"]}",
	    "{\"v\":1,\"next\":{\"v\":2,\"next\":{\"v\":3}}}");
	INVALID("{\"properties\":{\"next\":{\"$ref\":\"#\"}},\"required\":[\"v\"]}",
	    "{\"v\":1,\"next\":{\"next\":{\"v\":3}}}");
}

/* Validates instance and returns the result (caller releases). */
static void
validate_into(const char *schema, const char *instance, struct ann_schema_result *r)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_schema *s = NULL;
	struct ann_schema_validator *v = NULL;

	ann_schema_result_init(r);
	CHECK_INT(ANN_OK, ann_schema_compile_text(&s, schema, strlen(schema), NULL, NULL, &e));
	if (s)
		CHECK_INT(ANN_OK, ann_schema_validator_new(&v, s, 0, &e));
	if (v)
		CHECK_INT(ANN_OK, ann_schema_validate_text(v, instance, strlen(instance), r, &e));
	ann_schema_validator_free(v);
	ann_schema_free(s);
}

static void
errors_use_basic_output_format(void)
{
	struct ann_schema_result r;
	struct ann_buf json = ANN_BUF_INIT;

	validate_into("{\"$defs\":{\"yen\":{\"type\":\"number\"}},"
	    "\"properties\":{\"total\":{\"$ref\":\"#/$defs/yen\"}},"
	    "\"required\":[\"seller\"],\"additionalProperties\":false}",
	    "{\"total\":\"¥12,000\",\"note\":1}", &r);
	CHECK_INT(0, r.valid);
	CHECK_INT(3, r.n_errors);
	if (r.n_errors == 3) {
		CHECK_STR("", r.errors[0].instance_location);
		CHECK_STR("/required", r.errors[0].keyword_location);
		CHECK_STR("missing required property \"seller\"", r.errors[0].message);
		CHECK_STR("/total", r.errors[1].instance_location);
		CHECK_STR("/properties/total/$ref/type", r.errors[1].keyword_location);
		CHECK_STR("#/$defs/yen/type", r.errors[1].absolute_location);
		CHECK_STR("must be a number, got string \"¥12,000\"", r.errors[1].message);
		CHECK_STR("/note", r.errors[2].instance_location);
		CHECK_STR("/additionalProperties", r.errors[2].keyword_location);
		CHECK_STR("property \"note\" is not allowed", r.errors[2].message);
	}
	CHECK_INT(ANN_OK, ann_schema_result_json(&r, &json));
	CHECK(strncmp(json.data, "{\"valid\":false,\"errors\":[{\"instanceLocation\":\"\","
	    "\"keywordLocation\":\"/required\"", 71) == 0);
	ann_buf_release(&json);
	ann_schema_result_release(&r);

	validate_into("{\"items\":{\"enum\":[8,10]}}", "[10,0.08]", &r);
	CHECK_INT(1, r.n_errors);
	if (r.n_errors == 1) {
		CHECK_STR("/1", r.errors[0].instance_location);
		CHECK_STR("/items/enum", r.errors[0].keyword_location);
		CHECK_STR("must be one of [8,10], got number 0.08", r.errors[0].message);
	}
	ann_schema_result_release(&r);
}

static void
max_errors_stops_early(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_schema *s = NULL;
	struct ann_schema_validator *v = NULL;
	struct ann_schema_result r;
	const char *schema = "{\"items\":{\"type\":\"string\"}}";

	ann_schema_result_init(&r);
	CHECK_INT(ANN_OK, ann_schema_compile_text(&s, schema, strlen(schema), NULL, NULL, &e));
	CHECK_INT(ANN_OK, ann_schema_validator_new(&v, s, 1, &e));
	CHECK_INT(ANN_OK, ann_schema_validate_text(v, "[1,2,3]", 7, &r, &e));
	CHECK_INT(0, r.valid);
	CHECK_INT(1, r.n_errors);
	CHECK_INT(ANN_ERR_SYNTAX, ann_schema_validate_text(v, "[1,", 3, &r, &e));
	ann_schema_result_release(&r);
	ann_schema_validator_free(v);
	ann_schema_free(s);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void
references_resolve_from_local_files(void)
{
	char dir[] = "/tmp/ann-schema-XXXXXX";
	char path[256], sub[256];
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_schema *s = NULL;
	struct ann_schema_options o;
	struct ann_schema_map map;
	const char *schema = "{\"$ref\":\"https://schemas.example/ann/amount.json\"}";

	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof sub, "%s/defs", dir);
	CHECK_INT(0, mkdir(sub, 0700));
	snprintf(path, sizeof path, "%s/defs/amount.json", dir);
	write_file(path, "{\"type\":\"integer\",\"minimum\":0}");
	snprintf(path, sizeof path, "%s/main.json", dir);
	write_file(path, "{\"properties\":{\"total\":{\"$ref\":\"defs/amount.json\"}}}");

	/* relative to the schema file's own location */
	CHECK_INT(ANN_OK, ann_schema_compile_file(&s, path, NULL, &e));
	ann_schema_free(s);
	s = NULL;

	/* through a schema map */
	memset(&o, 0, sizeof o);
	map.prefix = "https://schemas.example/ann/";
	map.dir = sub;
	o.maps = &map;
	o.n_maps = 1;
	CHECK_INT(1, verdict_opts(schema, "5", &o));
	CHECK_INT(0, verdict_opts(schema, "-5", &o));
	/* without the map nothing is fetched: the reference is an error */
	CHECK_INT(ANN_ERR_NOT_FOUND, compile_error(schema, &e));
	CHECK(strstr(e.msg, "schemas.example") != NULL);

	snprintf(path, sizeof path, "%s/defs/amount.json", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/main.json", dir);
	CHECK(ann_schema_compile_file(&s, path, NULL, &e) != ANN_OK);
	CHECK(strstr(e.msg, "amount.json") != NULL);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

static int
format_ok(const char *name, const char *value)
{
	return ann_schema_format_check(name, value, strlen(value));
}

static void
formats_check_japanese_hosts_and_dates(void)
{
	CHECK(format_ok("idn-hostname", "例え.テスト"));
	CHECK(format_ok("idn-hostname", "株式会社-山田.jp"));
	CHECK(format_ok("idn-hostname", "例え。テスト"));
	CHECK(!format_ok("idn-hostname", "ＡＢＣ.com"));         /* full-width: NFKC changes it */
	CHECK(!format_ok("idn-hostname", "\xe2\x84\xaa" "elvin.com")); /* KELVIN SIGN */
	CHECK(!format_ok("idn-hostname", "請求書　.jp"));        /* ideographic space */
	CHECK(!format_ok("hostname", "例え.テスト"));
	CHECK(format_ok("hostname", "xn--r8jz45g.xn--zckzah"));
	CHECK(!format_ok("hostname", "xn--r8jz45g.xn--"));
	CHECK(format_ok("idn-email", "山田@例え.テスト"));
	CHECK(!format_ok("email", "山田@example.com"));
	CHECK(format_ok("date", "2024-02-29"));
	CHECK(!format_ok("date", "2023-02-29"));
	CHECK(!format_ok("date", "2024/06/01"));
	CHECK(!format_ok("date", "２０２４-０６-０１"));
	CHECK(format_ok("date-time", "2024-06-01T09:00:00+09:00"));
	CHECK(!format_ok("date-time", "2024-06-01 09:00:00"));
	CHECK(format_ok("time", "23:59:60Z"));
	CHECK(format_ok("time", "08:59:60+09:00"));     /* 23:59:60 UTC */
	CHECK(!format_ok("time", "12:59:60+09:00"));
}

static void
work_limit_stops_exponential_schemas(void)
{
	/* Both anyOf branches recurse into every level, and unevaluatedItems
	 * keeps both alive: 2^60 evaluations without the limit. */
	const char *schema = "{\"$defs\":{\"t\":{\"anyOf\":[{\"items\":{\"$ref\":\"#/$defs/t\"}},"
	    "{\"items\":{\"$ref\":\"#/$defs/t\"}}],\"unevaluatedItems\":false}},"
	    "\"$ref\":\"#/$defs/t\"}";
	struct ann_schema_result r;
	struct ann_buf deep = ANN_BUF_INIT;
	size_t i;

	for (i = 0; i < 60; i++)
		ann_buf_addc(&deep, '[');
	for (i = 0; i < 60; i++)
		ann_buf_addc(&deep, ']');
	validate_into(schema, deep.data, &r);
	CHECK_INT(0, r.valid);
	CHECK(r.n_errors >= 1);
	if (r.n_errors >= 1)
		CHECK(strstr(r.errors[r.n_errors - 1].message, "validation stopped") != NULL);
	ann_schema_result_release(&r);
	ann_buf_release(&deep);
}

static void
jsonv_parser_rejects_malformed_input(void)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\"}", "{\"a\":}", "01", "1.", "-", "1e", "\"\\x\"",
		"\"\\ud800\"", "\"\\udc00x\"", "\"\xff\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"",
		"tru", "nul", "[1 2]", "{\"a\":1,}", "1 2", "\"a\nb\"", "\"\\u12\"",
	};
	struct ann_jsonv_doc d;
	const struct ann_jsonv *root;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_buf deep = ANN_BUF_INIT;
	size_t i;

	ann_jsonv_doc_init(&d);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (ann_jsonv_parse(&d, bad[i], strlen(bad[i]), &root, &e) == ANN_OK)
			printf("# accepted: %s\n", bad[i]);
		CHECK(ann_jsonv_parse(&d, bad[i], strlen(bad[i]), &root, &e) != ANN_OK);
	}
	for (i = 0; i < 600; i++)
		ann_buf_addc(&deep, '[');
	CHECK_INT(ANN_ERR_TOO_LARGE, ann_jsonv_parse(&d, deep.data, deep.len, &root, &e));
	CHECK_INT(ANN_OK, ann_jsonv_parse(&d, " {\"a\":[1,2.50,\"\\u00e9\"],\"a\":true} ", 34,
	    &root, &e));
	CHECK_INT(1, root->n); /* a later duplicate replaces the earlier member */
	CHECK_INT(ANN_JSON_TRUE, ann_jsonv_gets(root, "a")->type);
	ann_buf_release(&deep);
	ann_jsonv_doc_release(&d);
}

ANN_TEST_MAIN(
	ANN_TEST(multiple_of_decimal_divisor),
	ANN_TEST(integer_recognised_by_value),
	ANN_TEST(large_numbers_compare_exactly),
	ANN_TEST(length_counts_code_points),
	ANN_TEST(regex_ascii_digit_and_word),
	ANN_TEST(regex_space_includes_unicode),
	ANN_TEST(regex_dot_dollar_and_syntax),
	ANN_TEST(error_paths_invalid_schema),
	ANN_TEST(error_paths_reference_cycles),
	ANN_TEST(errors_use_basic_output_format),
	ANN_TEST(max_errors_stops_early),
	ANN_TEST(references_resolve_from_local_files),
	ANN_TEST(formats_check_japanese_hosts_and_dates),
	ANN_TEST(work_limit_stops_exponential_schemas),
	ANN_TEST(jsonv_parser_rejects_malformed_input),
)
