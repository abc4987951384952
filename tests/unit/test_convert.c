/*
 * Converting reviewers' text to schema types (lib/convert.c) and the
 * schema lookup behind it, ann_schema_types_at (lib/schema_types.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "harness.h"
#include "schema.h"

#define T_NULL ANN_SCHEMA_NULL
#define T_BOOL ANN_SCHEMA_BOOLEAN
#define T_INT ANN_SCHEMA_INTEGER
#define T_NUM (ANN_SCHEMA_NUMBER | ANN_SCHEMA_INTEGER)
#define T_STR ANN_SCHEMA_STRING
#define T_OBJ ANN_SCHEMA_OBJECT
#define T_ARR ANN_SCHEMA_ARRAY

struct text_case {
	const char *text;
	unsigned types;
	enum ann_convert_status status;
	const char *json; /* what is appended; "" for nothing */
};

static void
text_takes_first_type_that_parses(void)
{
	static const struct text_case cases[] = {
		{ "73720", T_INT, ANN_CONVERT_DONE, "73720" },
		{ " 73720\n", T_INT, ANN_CONVERT_DONE, "73720" },
		{ "73720.0", T_INT, ANN_CONVERT_DONE, "73720.0" },
		{ "1e3", T_INT, ANN_CONVERT_DONE, "1e3" },
		{ "-0", T_INT, ANN_CONVERT_DONE, "-0" },
		{ "0.1", T_INT, ANN_CONVERT_TEXT, "\"0.1\"" },
		{ "0.1", T_NUM, ANN_CONVERT_DONE, "0.1" },
		{ "1.10", T_NUM, ANN_CONVERT_DONE, "1.10" },
		{ "9007199254740993", T_INT, ANN_CONVERT_DONE, "9007199254740993" },
		{ "123456789012345678901234567890", T_INT | T_NULL, ANN_CONVERT_DONE,
		  "123456789012345678901234567890" },
		{ "1e400", T_NUM, ANN_CONVERT_TEXT, "\"1e400\"" },
		{ "¥73,720", T_INT, ANN_CONVERT_TEXT, "\"¥73,720\"" },
		{ "73,720", T_NUM, ANN_CONVERT_TEXT, "\"73,720\"" },
		{ "７３７２０", T_INT, ANN_CONVERT_TEXT, "\"７３７２０\"" },
		{ "+5", T_NUM, ANN_CONVERT_TEXT, "\"+5\"" },
		{ ".5", T_NUM, ANN_CONVERT_TEXT, "\".5\"" },
		{ "5.", T_NUM, ANN_CONVERT_TEXT, "\"5.\"" },
		{ "12", T_INT | T_STR, ANN_CONVERT_DONE, "12" },
		{ "012", T_INT | T_STR, ANN_CONVERT_DONE, "\"012\"" },
		{ "null", T_STR | T_NULL, ANN_CONVERT_DONE, "null" },
		{ "null", T_STR, ANN_CONVERT_DONE, "\"null\"" },
		{ "NULL", T_INT | T_NULL, ANN_CONVERT_TEXT, "\"NULL\"" },
		{ "", T_INT | T_NULL, ANN_CONVERT_DONE, "null" },
		{ " \n", T_STR | T_NULL, ANN_CONVERT_DONE, "null" },
		{ "", T_STR, ANN_CONVERT_DONE, "\"\"" },
		{ "  ", T_STR, ANN_CONVERT_DONE, "\"  \"" },
		{ "", T_INT, ANN_CONVERT_EMPTY, "" },
		{ " \t", T_BOOL, ANN_CONVERT_EMPTY, "" },
		{ "true", T_BOOL, ANN_CONVERT_DONE, "true" },
		{ " false ", T_BOOL | T_STR, ANN_CONVERT_DONE, "false" },
		{ "True", T_BOOL, ANN_CONVERT_TEXT, "\"True\"" },
		{ "[1, 2]", T_ARR | T_NULL, ANN_CONVERT_DONE, "[1, 2]" },
		{ "{\"a\":1}", T_OBJ, ANN_CONVERT_DONE, "{\"a\":1}" },
		{ "{\"a\":1}", T_ARR, ANN_CONVERT_TEXT, "\"{\\\"a\\\":1}\"" },
		{ "[1,", T_ARR | T_STR, ANN_CONVERT_DONE, "\"[1,\"" },
		{ " 請求書\n", T_STR, ANN_CONVERT_DONE, "\" 請求書\\n\"" },
	};
	struct ann_buf out = ANN_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct text_case *t = &cases[i];
		enum ann_convert_status status = ANN_CONVERT_UNTYPED;

		ann_buf_reset(&out);
		CHECK_INT(ANN_OK, ann_convert_text(t->text, strlen(t->text), t->types, &out, &status));
		if (status != t->status)
			printf("# case %zu: \"%s\"\n", i, t->text);
		CHECK_INT(t->status, status);
		CHECK_STR(t->json, out.data);
	}
	ann_buf_release(&out);
}

static struct ann_schema *
compile(const char *text)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_schema *s = NULL;

	if (ann_schema_compile_text(&s, text, strlen(text), NULL, NULL, &e) != ANN_OK)
		printf("# compile failed: %s\n", e.msg);
	return s;
}

static unsigned
types_at(const struct ann_schema *s, const char *pointer)
{
	struct ann_error e = ANN_ERROR_INIT;
	unsigned types = 0;

	if (ann_schema_types_at(s, pointer, &types, &e) != ANN_OK)
		printf("# %s: %s\n", pointer, e.msg);
	return types;
}

static const char invoice_like[] =
    "{\"$defs\":{"
    "  \"money\":{\"type\":\"integer\"},"
    "  \"item\":{\"type\":\"object\",\"properties\":{"
    "    \"amount\":{\"$ref\":\"#/$defs/money\"},"
    "    \"unit_price\":{\"type\":[\"integer\",\"null\"]},"
    "    \"tax_rate\":{\"type\":\"number\",\"enum\":[10,8]},"
    "    \"ratio\":{\"enum\":[0.5,1]}}}},"
    " \"type\":\"object\","
    " \"properties\":{"
    "  \"total\":{\"$ref\":\"#/$defs/money\"},"
    "  \"due_date\":{\"type\":[\"string\",\"null\"],\"format\":\"date\"},"
    "  \"paid\":{\"const\":true},"
    "  \"line_items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/item\"}},"
    "  \"pair\":{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"number\"}],"
    "    \"items\":{\"type\":\"boolean\"}},"
    "  \"bank\":{\"anyOf\":[{\"type\":\"null\"},{\"type\":\"object\","
    "    \"properties\":{\"account\":{\"type\":\"string\"}}}]},"
    "  \"code\":{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\",\"pattern\":\"^T\"}]},"
    "  \"narrow\":{\"type\":\"number\",\"allOf\":[{\"type\":[\"integer\",\"string\"]}]},"
    "  \"a/b~c\":{\"type\":\"boolean\"},"
    "  \"free\":{},"
    "  \"extra\":{\"type\":\"object\",\"patternProperties\":{\"^n_\":{\"type\":\"number\"}},"
    "    \"additionalProperties\":false}},"
    " \"additionalProperties\":{\"type\":\"string\"}}";

static void
types_follow_refs_items_and_unions(void)
{
	struct ann_schema *s = compile(invoice_like);

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_INT(T_OBJ, types_at(s, ""));
	CHECK_INT(T_INT, types_at(s, "/total"));
	CHECK_INT(T_STR | T_NULL, types_at(s, "/due_date"));
	CHECK_INT(T_BOOL, types_at(s, "/paid"));
	CHECK_INT(T_ARR, types_at(s, "/line_items"));
	CHECK_INT(T_OBJ, types_at(s, "/line_items/0"));
	CHECK_INT(T_INT, types_at(s, "/line_items/3/amount"));
	CHECK_INT(T_INT | T_NULL, types_at(s, "/line_items/12/unit_price"));
	CHECK_INT(T_INT, types_at(s, "/line_items/0/tax_rate"));
	CHECK_INT(T_NUM, types_at(s, "/line_items/0/ratio"));
	CHECK_INT(ANN_SCHEMA_ANY_TYPE, types_at(s, "/line_items/0/other"));
	/* "01" is no array index, and an array has no members. */
	CHECK_INT(0, types_at(s, "/line_items/01"));
	CHECK_INT(T_STR, types_at(s, "/pair/0"));
	CHECK_INT(T_NUM, types_at(s, "/pair/1"));
	CHECK_INT(T_BOOL, types_at(s, "/pair/2"));
	CHECK_INT(T_OBJ | T_NULL, types_at(s, "/bank"));
	CHECK_INT(T_STR, types_at(s, "/bank/account"));
	CHECK_INT(T_INT | T_STR, types_at(s, "/code"));
	CHECK_INT(T_INT, types_at(s, "/narrow"));
	CHECK_INT(T_BOOL, types_at(s, "/a~1b~0c"));
	CHECK_INT(ANN_SCHEMA_ANY_TYPE, types_at(s, "/free"));
	CHECK_INT(T_STR, types_at(s, "/undeclared"));
	CHECK_INT(T_NUM, types_at(s, "/extra/n_1"));
	CHECK_INT(0, types_at(s, "/extra/other"));
	ann_schema_free(s);
}

static void
types_reject_bad_pointers(void)
{
	struct ann_schema *s = compile("{\"type\":\"object\"}");
	struct ann_error e = ANN_ERROR_INIT;
	unsigned types = 0;

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_INT(ANN_ERR_INVALID, ann_schema_types_at(s, "total", &types, &e));
	CHECK_INT(ANN_ERR_INVALID, ann_schema_types_at(s, "/a~2", &types, &e));
	CHECK(strstr(e.msg, "/a~2") != NULL);
	ann_schema_free(s);
}

static void
types_read_draft7_items(void)
{
	struct ann_schema *s = compile("{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
	    "\"definitions\":{\"n\":{\"type\":\"integer\"}},"
	    "\"properties\":{\"t\":{\"items\":[{\"$ref\":\"#/definitions/n\"}],"
	    "\"additionalItems\":{\"type\":\"null\"}}}}");

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_INT(T_INT, types_at(s, "/t/0"));
	CHECK_INT(T_NULL, types_at(s, "/t/1"));
	ann_schema_free(s);
}

/* Converts text at pointer; returns the status, with the value in out. */
static enum ann_convert_status
convert(struct ann_converter *c, const char *pointer, const char *text, struct ann_buf *out)
{
	struct ann_error e = ANN_ERROR_INIT;
	enum ann_convert_status status = ANN_CONVERT_UNTYPED;

	ann_buf_reset(out);
	if (ann_convert_field(c, pointer, text, strlen(text), out, &status, &e) != ANN_OK)
		printf("# %s: %s\n", pointer, e.msg);
	return status;
}

static void
field_converts_strings_inside_arrays(void)
{
	struct ann_schema *s = compile(invoice_like);
	struct ann_buf out = ANN_BUF_INIT;
	struct ann_converter c;
	size_t len = 0;

	CHECK(s != NULL);
	if (s == NULL)
		return;
	ann_converter_init(&c, s);

	CHECK_INT(ANN_CONVERT_DONE, convert(&c, "/total", "73720", &out));
	CHECK_STR("73720", out.data);
	CHECK_INT(0, c.n_notes);

	CHECK_INT(ANN_CONVERT_TEXT, convert(&c, "/total", "¥73,720", &out));
	CHECK_STR("\"¥73,720\"", out.data);
	CHECK_INT(1, c.n_notes);
	CHECK_STR("/total", ann_convert_note_pointer(&c, 0));
	CHECK_STR("¥73,720", ann_convert_note_text(&c, 0, &len));
	CHECK_INT(strlen("¥73,720"), len);
	CHECK_INT(T_INT, c.notes[0].types);
	CHECK_INT(ANN_CONVERT_TEXT, c.notes[0].status);

	CHECK_INT(ANN_CONVERT_EMPTY, convert(&c, "/total", "", &out));
	CHECK_STR("", out.data);
	CHECK_INT(1, c.n_notes);
	CHECK_INT(ANN_CONVERT_EMPTY, c.notes[0].status);

	CHECK_INT(ANN_CONVERT_UNTYPED, convert(&c, "/free", "12", &out));
	CHECK_STR("", out.data);
	CHECK_INT(0, c.n_notes);

	/* Strings where the item schema wants numbers or null convert; the rest stays. */
	CHECK_INT(ANN_CONVERT_DONE, convert(&c, "/line_items",
	    "[{\"amount\":\"1000\",\"unit_price\":\"\",\"tax_rate\":\"8\",\"note\":\"12\"},"
	    " {\"amount\":\"1,000\",\"unit_price\":null,\"ratio\":\"0.5\"}]", &out));
	CHECK_STR("[{\"amount\":1000,\"unit_price\":null,\"tax_rate\":8,\"note\":\"12\"},"
	    "{\"amount\":\"1,000\",\"unit_price\":null,\"ratio\":0.5}]", out.data);
	CHECK_INT(1, c.n_notes);
	CHECK_STR("/line_items/1/amount", ann_convert_note_pointer(&c, 0));
	CHECK_STR("1,000", ann_convert_note_text(&c, 0, &len));

	/* Nothing to convert: the text's own bytes, spaces included. */
	CHECK_INT(ANN_CONVERT_DONE, convert(&c, "/line_items", " [ {\"amount\": 5} ] ", &out));
	CHECK_STR("[ {\"amount\": 5} ]", out.data);

	CHECK_INT(ANN_CONVERT_DONE, convert(&c, "/bank", "{\"account\":\"0012\"}", &out));
	CHECK_STR("{\"account\":\"0012\"}", out.data);
	CHECK_INT(ANN_CONVERT_DONE, convert(&c, "/bank", "null", &out));
	CHECK_STR("null", out.data);

	ann_converter_release(&c);
	ann_buf_release(&out);
	ann_schema_free(s);
}

static void
types_named_in_conversion_order(void)
{
	struct ann_buf out = ANN_BUF_INIT;

	CHECK_INT(ANN_OK, ann_convert_types_add(&out, T_STR | T_INT | T_NULL, 1));
	CHECK_STR("[\"null\",\"integer\",\"string\"]", out.data);
	ann_buf_reset(&out);
	CHECK_INT(ANN_OK, ann_convert_types_add(&out, T_NUM | T_BOOL | T_NULL, 0));
	CHECK_STR("null, boolean or number", out.data);
	ann_buf_reset(&out);
	CHECK_INT(ANN_OK, ann_convert_types_add(&out, T_INT, 0));
	CHECK_STR("integer", out.data);
	ann_buf_release(&out);
}

ANN_TEST_MAIN(
	ANN_TEST(text_takes_first_type_that_parses),
	ANN_TEST(types_follow_refs_items_and_unions),
	ANN_TEST(types_reject_bad_pointers),
	ANN_TEST(types_read_draft7_items),
	ANN_TEST(field_converts_strings_inside_arrays),
	ANN_TEST(types_named_in_conversion_order),
)
