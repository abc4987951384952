#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "fields.h"
#include "group.h"
#include "harness.h"
#include "merge.h"
#include "strtab.h"

static void
strtab_numbers_strings_in_order(void)
{
	struct ann_strtab t;
	size_t i;
	size_t k = 99;
	size_t len = 0;
	int added = 0;
	const char *name_of_1;
	char name[32];

	ann_strtab_init(&t);
	CHECK_INT(ANN_OK, ann_strtab_intern(&t, "b", 1, &k, &added));
	CHECK_INT(0, k);
	CHECK_INT(1, added);
	CHECK_INT(ANN_OK, ann_strtab_intern(&t, "a\0x", 3, &k, &added));
	CHECK_INT(1, k);
	CHECK_INT(ANN_OK, ann_strtab_intern(&t, "b", 1, &k, &added));
	CHECK_INT(0, k);
	CHECK_INT(0, added);
	CHECK_INT(-1, ann_strtab_find(&t, "a", 1));
	CHECK_INT(1, ann_strtab_find(&t, "a\0x", 3));
	name_of_1 = ann_strtab_str(&t, 1, &len);
	CHECK_MEM("a\0x", 3, name_of_1, len);

	/* Enough strings to force several rehashes; every index must survive them. */
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "doc-%05zu", i);
		CHECK_INT(ANN_OK, ann_strtab_intern(&t, name, strlen(name), &k, NULL));
		CHECK_INT(i + 2, k);
	}
	CHECK_INT(5002, t.n);
	CHECK_INT(2 + 1234, ann_strtab_find(&t, "doc-01234", 9));
	CHECK_STR("doc-04999", ann_strtab_str(&t, 5001, NULL));
	ann_strtab_release(&t);
}

static void
fields_name_leaves_by_pointer(void)
{
	const char *json = "{ \"total\" : 45000.0, \"vendor\":{\"name\":\"株式会社\\u0041\",\"a/b~c\":null},"
	    "\"items\":[1, {\"x\":2}], \"empty\":{}}";
	struct ann_fields f;

	ann_fields_init(&f);
	CHECK_INT(ANN_OK, ann_fields_collect(&f, json, strlen(json), "/output"));
	CHECK_INT(5, f.n);
	CHECK_STR("/output/total", ann_fields_path(&f, 0));
	CHECK_MEM("45000.0", 7, f.v[0].raw, f.v[0].raw_len);
	CHECK_STR("/output/vendor/name", ann_fields_path(&f, 1));
	CHECK_MEM("\"株式会社\\u0041\"", strlen("\"株式会社\\u0041\""), f.v[1].raw, f.v[1].raw_len);
	CHECK_INT(ANN_JSON_STRING, f.v[1].type);
	CHECK_STR("/output/vendor/a~1b~0c", ann_fields_path(&f, 2));
	CHECK_STR("/output/items", ann_fields_path(&f, 3));
	CHECK_MEM("[1, {\"x\":2}]", 12, f.v[3].raw, f.v[3].raw_len);
	CHECK_INT(ANN_JSON_ARRAY, f.v[3].type);
	CHECK_STR("/output/empty", ann_fields_path(&f, 4));
	CHECK_INT(4, ann_fields_find(&f, "/output/empty"));
	CHECK_INT(-1, ann_fields_find(&f, "/output/vendor"));
	ann_fields_release(&f);
}

static void
pointer_get_walks_objects_and_arrays(void)
{
	const char *json = "{\"meta\":{\"doc\":\"d-1\",\"a/b\":[10, \"x\", {\"k\":true}]}}";
	const char *raw = NULL;
	size_t len = 0;

	CHECK_INT(ANN_OK, ann_json_pointer_get(json, strlen(json), "/meta/doc", &raw, &len));
	CHECK_MEM("\"d-1\"", 5, raw, len);
	CHECK_INT(ANN_OK, ann_json_pointer_get(json, strlen(json), "/meta/a~1b/2/k", &raw, &len));
	CHECK_MEM("true", 4, raw, len);
	CHECK_INT(ANN_OK, ann_json_pointer_get(json, strlen(json), "/meta/a~1b/1", &raw, &len));
	CHECK_MEM("\"x\"", 3, raw, len);
	CHECK_INT(ANN_ERR_NOT_FOUND, ann_json_pointer_get(json, strlen(json), "/meta/a~1b/3", &raw, &len));
	CHECK_INT(ANN_ERR_NOT_FOUND, ann_json_pointer_get(json, strlen(json), "/meta/a~1b/01", &raw, &len));
	CHECK_INT(ANN_ERR_NOT_FOUND, ann_json_pointer_get(json, strlen(json), "/meta/doc/x", &raw, &len));
	CHECK_INT(ANN_ERR_INVALID, ann_json_pointer_get(json, strlen(json), "meta", &raw, &len));
	CHECK_INT(ANN_ERR_INVALID, ann_json_pointer_check("/a~2"));
	CHECK_INT(ANN_OK, ann_json_pointer_check(""));
}

/* Returns 1 when raw values a and b have the same voting key. */
static int
same_key(const char *a, const char *b)
{
	struct ann_buf ka = ANN_BUF_INIT;
	struct ann_buf kb = ANN_BUF_INIT;
	int same;

	CHECK_INT(ANN_OK, ann_field_key(&ka, a, strlen(a)));
	CHECK_INT(ANN_OK, ann_field_key(&kb, b, strlen(b)));
	same = ka.len == kb.len && memcmp(ka.data, kb.data, ka.len) == 0;
	ann_buf_release(&ka);
	ann_buf_release(&kb);
	return same;
}

static void
field_key_compares_values_not_spelling(void)
{
	CHECK(same_key("45000", "45000.0"));
	CHECK(same_key("1e2", "100"));
	CHECK(same_key("\"\\u00e9\"", "\"é\""));
	CHECK(same_key("[1, 2]", "[1,2]"));
	CHECK(!same_key("\"45000\"", "45000"));
	CHECK(!same_key("[\"a b\"]", "[\"ab\"]"));
	/* Past 2^53 a double cannot tell these apart, so their digits decide. */
	CHECK(!same_key("9007199254740993", "9007199254740992"));
	CHECK(!same_key("true", "false"));
	CHECK(!same_key("null", "\"null\""));
}

static void
fields_build_nests_members(void)
{
	const char *paths[] = { "/output/total", "/output/vendor/name", "/output/vendor/tel",
	    "/output/total/x" };
	const char *raws[] = { "45000", "\"株式会社\"", "null", "1" };
	size_t lens[] = { 5, strlen("\"株式会社\""), 4, 1 };
	struct ann_buf out = ANN_BUF_INIT;
	unsigned char skipped[4] = { 9, 9, 9, 9 };

	CHECK_INT(ANN_OK, ann_fields_build(&out, paths, raws, lens, 4, skipped));
	CHECK_STR("{\"output\":{\"total\":45000,\"vendor\":{\"name\":\"株式会社\",\"tel\":null}}}",
	    out.data);
	CHECK_INT(0, skipped[0]);
	CHECK_INT(0, skipped[2]);
	CHECK_INT(1, skipped[3]);
	ann_buf_release(&out);
}

static void
best_record_rule_orders_ranks_then_attempts(void)
{
	struct ann_group g;
	const char *err = "{\"id\":\"a\",\"error\":{\"kind\":\"io\",\"message\":\"m\"}}";
	const char *invalid = "{\"id\":\"a\",\"validation\":{\"valid\":false}}";
	const char *unchecked = "{\"id\":\"a\",\"validation\":{\"valid\":null}}";
	const char *valid = "{\"id\":\"a\",\"validation\":{\"errors\":[],\"valid\":true}}";

	ann_group_init(&g);
	CHECK_INT(ANN_OK, ann_group_add(&g, 0, 1, valid, strlen(valid), NULL));
	CHECK_INT(ANN_OK, ann_group_add(&g, 0, 2, err, strlen(err), NULL));
	CHECK_INT(ANN_OK, ann_group_add(&g, 1, 1, invalid, strlen(invalid), NULL));
	CHECK_INT(ANN_OK, ann_group_add(&g, 1, 2, unchecked, strlen(unchecked), NULL));
	CHECK_INT(ANN_RANK_VALID, g.v[0].rank);
	CHECK_INT(ANN_RANK_ERROR, g.v[1].rank);
	CHECK_INT(ANN_RANK_INVALID, g.v[2].rank);
	CHECK_INT(ANN_RANK_UNCHECKED, g.v[3].rank);
	CHECK_INT(0, ann_group_best(&g, 0, 2));
	CHECK_INT(3, ann_group_best(&g, 1, 2));
	CHECK_INT(-1, ann_group_best(&g, 2, 3));

	/* A later valid record beats an earlier one. */
	CHECK_INT(ANN_OK, ann_group_add(&g, 1, 3, valid, strlen(valid), NULL));
	CHECK_INT(4, ann_group_best(&g, 0, 2));
	ann_group_release(&g);
}

/* Runs ann_merge_run over the given input texts; returns the output (malloc'd). */
static char *
run_merge(const struct ann_merge_options *opt, const char *const *texts, size_t n,
    struct ann_merge_stats *st, int *rc)
{
	static const char *const names[] = { "a.jsonl", "b.jsonl", "c.jsonl", "d.jsonl" };
	struct ann_merge_input in[4];
	FILE *files[4];
	FILE *out = tmpfile();
	struct ann_error e = ANN_ERROR_INIT;
	char *result;
	long size;
	size_t i;

	for (i = 0; i < n; i++) {
		files[i] = tmpfile();
		fputs(texts[i], files[i]);
		fflush(files[i]);
		rewind(files[i]);
		in[i].name = names[i];
		in[i].fd = fileno(files[i]);
	}
	*rc = ann_merge_run(opt, in, n, fileno(out), st, &e);
	if (*rc)
		fprintf(stderr, "# %s\n", e.msg);
	size = lseek(fileno(out), 0, SEEK_END);
	result = calloc(1, (size_t)size + 1);
	if (pread(fileno(out), result, (size_t)size, 0) != size)
		CHECK(!"read back the output");
	for (i = 0; i < n; i++)
		fclose(files[i]);
	fclose(out);
	return result;
}

static void
vote_reports_ties_and_agreement(void)
{
	struct ann_merge_options o = { .mode = ANN_MERGE_VOTE, .format = ANN_MERGE_JSONL, .threshold = 0.9 };
	const char *runs[] = {
		"{\"id\":\"d1\",\"output\":{\"total\":100,\"vendor\":\"A\"}}\n",
		"{\"id\":\"d1\",\"output\":{\"total\":100.0,\"vendor\":\"B\"}}\n",
		"{\"id\":\"d1\",\"output\":{\"total\":200}}\n",
	};
	struct ann_merge_stats st;
	char *out;
	int rc;

	out = run_merge(&o, runs, 3, &st, &rc);
	CHECK_INT(ANN_OK, rc);
	CHECK_STR("{\"id\":\"d1\",\"output\":{\"total\":100},\"merge\":{\"runs\":3,\"voters\":3,"
	    "\"agreement\":{\"/output/total\":0.667,\"/output/vendor\":0.333},"
	    "\"review\":[\"/output/total\",\"/output/vendor\"],"
	    "\"ties\":[{\"field\":\"/output/vendor\",\"votes\":1,\"values\":[{\"value\":\"A\"},"
	    "{\"value\":\"B\"},{\"absent\":true}]}]}}\n", out);
	CHECK_INT(1, st.ties);
	CHECK_INT(1, st.review);
	CHECK_INT(3, st.records_in);
	CHECK_INT(1, st.records_out);
	free(out);
}

static void
sorted_input_out_of_order_is_rejected(void)
{
	struct ann_merge_options o = { .mode = ANN_MERGE_UNION, .format = ANN_MERGE_JSONL, .sorted = 1,
	    .threshold = 1 };
	const char *in[] = { "{\"id\":\"b\"}\n{\"id\":\"a\"}\n" };
	struct ann_merge_stats st;
	char *out;
	int rc;

	out = run_merge(&o, in, 1, &st, &rc);
	CHECK_INT(ANN_ERR_INVALID, rc);
	free(out);

	/* Without --sorted the same input is fine, in order of first appearance. */
	o.sorted = 0;
	out = run_merge(&o, in, 1, &st, &rc);
	CHECK_INT(ANN_OK, rc);
	CHECK_STR("{\"id\":\"b\"}\n{\"id\":\"a\"}\n", out);
	free(out);
}

static void
union_keeps_large_numeric_ids_apart(void)
{
	struct ann_merge_options o = { .mode = ANN_MERGE_UNION, .format = ANN_MERGE_JSONL, .key = "/n",
	    .threshold = 1 };
	const char *in[] = {
		"{\"id\":\"9007199254740992\",\"n\":\"k\"}\n{\"id\":\"9007199254740993\",\"n\":\"k\"}\n",
	};
	struct ann_merge_stats st;
	char *out;
	int rc;

	out = run_merge(&o, in, 1, &st, &rc);
	CHECK_INT(ANN_OK, rc);
	CHECK_INT(1, st.duplicates);
	free(out);

	o.key = NULL;
	out = run_merge(&o, in, 1, &st, &rc);
	CHECK_INT(ANN_OK, rc);
	CHECK_INT(0, st.duplicates);
	CHECK_INT(2, st.records_out);
	free(out);
}

static void
printable_cuts_at_characters(void)
{
	char out[16];

	CHECK_STR("a?b", ann_printable("a\nb", 3, out, sizeof out));
	CHECK_STR("?x?", ann_printable("\x7fx\x01", 3, out, sizeof out));
	/* Twelve bytes fit before "...", and the fifth 3-byte character would straddle them. */
	CHECK_STR("請求書合...", ann_printable("請求書合計金額", strlen("請求書合計金額"), out, sizeof out));
	CHECK_STR("0123456789abcde", ann_printable("0123456789abcde", 15, out, sizeof out));
	CHECK_STR("0123456789ab...", ann_printable("0123456789abcdef", 16, out, sizeof out));
}

/* Converts a Label Studio export text; returns the JSONL (malloc'd) or NULL. */
static char *
import_export(const char *text, size_t *tasks, int *rc)
{
	FILE *in = tmpfile();
	FILE *out = tmpfile();
	struct ann_error e = ANN_ERROR_INIT;
	char *result;
	long size;

	fputs(text, in);
	fflush(in);
	rewind(in);
	*rc = ann_label_studio_import(fileno(in), "export.json", fileno(out), tasks, &e);
	size = lseek(fileno(out), 0, SEEK_END);
	result = calloc(1, (size_t)size + 1);
	if (pread(fileno(out), result, (size_t)size, 0) != size)
		CHECK(!"read back the records");
	fclose(in);
	fclose(out);
	return result;
}

static void
label_studio_import_reads_annotations(void)
{
	const char *text = "\xEF\xBB\xBF [\n"
	    " {\"id\":1,\"data\":{\"id\":\"d1\",\"text\":\"請求書\"},\"annotations\":["
	    "  {\"id\":7,\"was_cancelled\":false,\"result\":[{\"from_name\":\"total\","
	    "   \"value\":{\"text\":[\"45000\"]}}]},"
	    "  {\"id\":8,\"was_cancelled\":false,\"result\":["
	    "   {\"from_name\":\"vendor/name\",\"value\":{\"text\":[\"株式会社\",\"本店\"]}},"
	    "   {\"from_name\":\"kind\",\"value\":{\"choices\":[\"invoice\"]}},"
	    "   {\"from_name\":\"tags\",\"value\":{\"choices\":[\"a\",\"b\"]}},"
	    "   {\"from_name\":\"pages\",\"value\":{\"number\":3}},"
	    "   {\"from_name\":\"a~1b\",\"value\":{\"rating\":4}},"
	    "   {\"from_name\":\"box\",\"value\":{\"rectanglelabels\":[\"x\"]}}]},"
	    "  {\"id\":9,\"was_cancelled\":true,\"result\":[{\"from_name\":\"total\","
	    "   \"value\":{\"text\":[\"0\"]}}]}]},\n"
	    " {\"id\":2,\"data\":{\"id\":\"d2\"}},\n"
	    " {\"id\":3}\n]\n";
	size_t tasks = 0;
	char *out;
	int rc;

	out = import_export(text, &tasks, &rc);
	CHECK_INT(ANN_OK, rc);
	CHECK_INT(3, tasks);
	CHECK_STR("{\"id\":\"d1\",\"text\":\"請求書\",\"output\":{\"vendor\":{\"name\":\"株式会社\\n本店\"},"
	    "\"kind\":\"invoice\",\"tags\":[\"a\",\"b\"],\"pages\":3,\"a/b\":4}}\n"
	    "{\"id\":\"d2\"}\n"
	    "{\"error\":{\"kind\":\"invalid\",\"message\":\"Label Studio task 3 has no \\\"data\\\" object\","
	    "\"line\":3}}\n", out);
	free(out);

	out = import_export("[{\"data\":{}},]", &tasks, &rc);
	CHECK_INT(ANN_ERR_SYNTAX, rc);
	free(out);
}

ANN_TEST_MAIN(
	ANN_TEST(strtab_numbers_strings_in_order),
	ANN_TEST(fields_name_leaves_by_pointer),
	ANN_TEST(pointer_get_walks_objects_and_arrays),
	ANN_TEST(field_key_compares_values_not_spelling),
	ANN_TEST(fields_build_nests_members),
	ANN_TEST(best_record_rule_orders_ranks_then_attempts),
	ANN_TEST(vote_reports_ties_and_agreement),
	ANN_TEST(sorted_input_out_of_order_is_rejected),
	ANN_TEST(union_keeps_large_numeric_ids_apart),
	ANN_TEST(printable_cuts_at_characters),
	ANN_TEST(label_studio_import_reads_annotations),
)
