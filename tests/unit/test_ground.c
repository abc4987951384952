#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ground.h"
#include "harness.h"

/* Finds value in text with the default options; returns the verdict, fills *m. */
static int
find_in(const char *text, const char *value, struct ann_ground_match *m)
{
	struct ann_ground_opts o;
	struct ann_ground *g = NULL;
	struct ann_error e = ANN_ERROR_INIT;
	int found;

	ann_ground_opts_init(&o);
	CHECK_INT(ANN_OK, ann_ground_new(&g, &o, &e));
	CHECK_INT(ANN_OK, ann_ground_set_text(g, text, strlen(text), &e));
	found = ann_ground_find_string(g, value, strlen(value), m, &e);
	ann_ground_free(g);
	return found;
}

static int
find_number_in(const char *text, const char *literal, struct ann_ground_match *m)
{
	struct ann_ground_opts o;
	struct ann_ground *g = NULL;
	struct ann_error e = ANN_ERROR_INIT;
	int found;

	ann_ground_opts_init(&o);
	CHECK_INT(ANN_OK, ann_ground_new(&g, &o, &e));
	CHECK_INT(ANN_OK, ann_ground_set_text(g, text, strlen(text), &e));
	found = ann_ground_find_number(g, literal, strlen(literal), m, &e);
	ann_ground_free(g);
	return found;
}

/* Full-width digits and comma fold to ASCII on both sides (NFKC). */
static void
test_nfkc_full_width(void)
{
	const char *text = "合計 ４５，０００円（税込）";
	struct ann_ground_match m;

	CHECK_INT(1, find_in(text, "45,000円", &m));
	CHECK_INT(ANN_GROUND_TEXT, m.how);
	CHECK_INT(3, m.start);
	CHECK_INT(10, m.end);
	CHECK_INT(1, find_in(text, "４５，０００円", &m));
	CHECK_INT(ANN_GROUND_TEXT, m.how);
	CHECK_INT(1, find_in("ｶﾞｲﾄﾞ", "ガイド", &m));
}

/* Runs of white space, line breaks and U+3000 are one space; case is folded. */
static void
test_white_space_and_case(void)
{
	struct ann_ground_match m;

	CHECK_INT(1, find_in("NO 122.124 JALAN\n\n   DEDAP 13", "no 122.124 jalan dedap 13", &m));
	CHECK_INT(0, m.start);
	CHECK_INT(29, m.end);
	CHECK_INT(1, find_in("株式会社\u3000さくら", "株式会社 さくら", &m));
	CHECK_INT(0, find_in("株式会社さくら", "株式会社 さくら", &m));
}

/* A number matches however its thousands are grouped and whatever marks its currency. */
static void
test_thousands_and_currency(void)
{
	struct ann_ground_match m;

	CHECK_INT(1, find_in("ご請求金額 ¥45,000-", "45000", &m));
	CHECK_INT(ANN_GROUND_NUMBER, m.how);
	CHECK_INT(7, m.start);
	CHECK_INT(13, m.end);
	CHECK_INT(1, find_in("TOTAL: RM80.90", "RM 80.90", &m));
	CHECK_INT(1, find_in("TOTAL 80.90", "80.9", &m));
	CHECK_INT(ANN_GROUND_NUMBER, m.how);
	CHECK_INT(1, find_in("合計 12,000円", "￥12,000", &m));
	CHECK_INT(1, find_number_in("合計 ４５，０００円（税込）", "45000", &m));
	CHECK_INT(ANN_GROUND_NUMBER, m.how);
	CHECK_INT(1, find_number_in("ROUNDING -0.01", "-0.01", &m));
	CHECK_INT(1, find_number_in("値引 △500", "-500", &m));
	CHECK_INT(0, find_number_in("合計 45,000円", "45001", &m));
	CHECK_INT(0, find_number_in("合計 45,000円", "4500", &m));
}

/* 7万円 in the source grounds 70000; a bare 7 does not. */
static void
test_kanji_multipliers(void)
{
	struct ann_ground_match m;

	CHECK_INT(1, find_number_in("予算 7万円 まで", "70000", &m));
	CHECK_INT(3, m.start);
	CHECK_INT(5, m.end);
	CHECK_INT(1, find_number_in("予算 7万円 まで", "7", &m));
	CHECK_INT(0, find_number_in("予算 7円 まで", "70000", &m));
}

/* Dates match across forms: era, slashes, kanji, month names. */
static void
test_dates(void)
{
	struct ann_ground_match m;

	CHECK_INT(1, find_in("発行日：令和6年6月1日", "2024-06-01", &m));
	CHECK_INT(ANN_GROUND_DATE, m.how);
	CHECK_INT(4, m.start);
	CHECK_INT(12, m.end);
	CHECK_INT(1, find_in("DATE 25/12/2018 TIME", "2018-12-25", &m));
	CHECK_INT(5, m.start);
	CHECK_INT(15, m.end);
	CHECK_INT(1, find_in("Date: 14 MAR 2015", "2015-03-14", &m));
	CHECK_INT(1, find_in("H31/4/30 発行", "平成31年4月30日", &m));
	CHECK_INT(0, find_in("発行日：令和6年6月1日", "2024-06-02", &m));
	CHECK_INT(0, find_in("DATE 25/12/2018", "2018-12-26", &m));
}

/* A match may not start or end inside a number or a Latin word. */
static void
test_boundaries(void)
{
	struct ann_ground_match m;

	CHECK_INT(0, find_in("TOTAL 80.91", "80.9", &m));
	CHECK_INT(0, find_in("NO 122.124 JALAN", "122", &m));
	CHECK_INT(0, find_in("JALAN TANJUNG", "TAN", &m));
	CHECK_INT(0, find_in("INV 12345", "2345", &m));
	CHECK_INT(1, find_in("(JM0517726)", "JM0517726", &m));
	CHECK_INT(1, find_in("合計金額12,000円", "12,000", &m));
}

/* The budget is floor(0.1 * length) edits, and no edit may touch a digit. */
static void
test_edit_bound(void)
{
	const char *text = "SUBANG HEALTHCARE SDN BHD";
	struct ann_ground_match m;

	/* 25 code points: 2 edits allowed */
	CHECK_INT(1, find_in(text, "SUBANG HEALTHCARR SDN BHX", &m));
	CHECK_INT(ANN_GROUND_FUZZY, m.how);
	CHECK_INT(2, m.edits);
	CHECK_INT(0, m.start);
	CHECK_INT(25, m.end);
	CHECK_INT(0, find_in(text, "SUBANG HEALTHXARR SDN BHX", &m));
	/* 9 code points: no edit allowed */
	CHECK_INT(0, find_in("ENTERPRISE", "ENTERPRIS", &m));
	/* 14 code points allow 1 edit, but not on a digit */
	CHECK_INT(0, find_in("登録番号 T7123456789012", "T7123456789013", &m));
	CHECK_INT(0, find_in("登録番号 T7123456789012", "T712345678901", &m));
	CHECK_INT(1, find_in("登録番号 T7123456789012", "T 7123456789012", &m));
	CHECK_INT(1, m.edits);
	/* hyphens grouping digits are skipped free of charge */
	CHECK_INT(1, find_in("登録番号：T9-9915-0157-0935", "T9991501570935", &m));
	CHECK_INT(0, m.edits);
	CHECK_INT(5, m.start);
	CHECK_INT(22, m.end);
	CHECK_INT(1, find_in("TEL 0305192284", "03-0519-2284", &m));
}

/* Reference edit distance: best alignment of v against any substring of s. */
static unsigned
naive_distance(const char *const *s, size_t n, const char *const *v, size_t vn)
{
	unsigned *prev = calloc(vn + 1, sizeof *prev), *cur = calloc(vn + 1, sizeof *cur);
	unsigned best;
	size_t i, j;

	for (i = 0; i <= vn; i++)
		prev[i] = (unsigned)i;
	best = prev[vn];
	for (j = 1; j <= n; j++) {
		cur[0] = 0;
		for (i = 1; i <= vn; i++) {
			unsigned sub = prev[i - 1] + (strcmp(v[i - 1], s[j - 1]) != 0);
			unsigned up = cur[i - 1] + 1, left = prev[i] + 1;

			cur[i] = sub;
			if (up < cur[i])
				cur[i] = up;
			if (left < cur[i])
				cur[i] = left;
		}
		if (cur[vn] < best)
			best = cur[vn];
		memcpy(prev, cur, (vn + 1) * sizeof *prev);
	}
	free(prev);
	free(cur);
	return best;
}

/* The cut-off search agrees with the full table on random kana text. */
static void
test_edit_distance_matches_reference(void)
{
	static const char *const kana[] = { "あ", "い", "う", "え", "お" };
	const char *s[120], *v[40];
	char text[512], value[160];
	unsigned seed = 12345;
	int round;

	for (round = 0; round < 300; round++) {
		size_t n = 20 + round % 100, vn = 10 + round % 30, i;
		struct ann_ground_match m;
		unsigned expected, k;
		int found;

		text[0] = value[0] = '\0';
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = kana[(seed >> 16) % 5];
			strcat(text, s[i]);
		}
		for (i = 0; i < vn; i++) {
			seed = seed * 1103515245u + 12345u;
			v[i] = kana[(seed >> 16) % 5];
			strcat(value, v[i]);
		}
		expected = naive_distance(s, n, v, vn);
		k = (unsigned)(0.1 * (double)vn);
		found = find_in(text, value, &m);
		if (expected <= k) {
			CHECK_INT(1, found);
			CHECK_INT(expected, m.edits);
		} else {
			CHECK_INT(0, found);
		}
	}
}

/* Offsets count code points of the original text, whatever their UTF-8 length. */
static void
test_span_offsets_multibyte(void)
{
	const char *text = "𠮷野家 café ４５，０００円 e\u0301tude";
	struct ann_ground_opts o;
	struct ann_ground *g = NULL;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_ground_match m;
	const char *found;
	size_t len;

	ann_ground_opts_init(&o);
	CHECK_INT(ANN_OK, ann_ground_new(&g, &o, &e));
	CHECK_INT(ANN_OK, ann_ground_set_text(g, text, strlen(text), &e));

	CHECK_INT(1, ann_ground_find_string(g, "45000円", strlen("45000円"), &m, &e));
	CHECK_INT(9, m.start);
	CHECK_INT(15, m.end);
	found = ann_ground_text(g, m.start, m.end, &len);
	CHECK_MEM("４５，０００", strlen("４５，０００"), found, len);

	CHECK_INT(1, ann_ground_find_string(g, "CAFÉ", strlen("CAFÉ"), &m, &e));
	CHECK_INT(4, m.start);
	CHECK_INT(8, m.end);

	/* "é" written as e and a combining accent is two code points in the source */
	CHECK_INT(1, ann_ground_find_string(g, "étude", strlen("étude"), &m, &e));
	CHECK_INT(17, m.start);
	CHECK_INT(23, m.end);
	found = ann_ground_text(g, m.start, m.end, &len);
	CHECK_MEM("e\u0301tude", strlen("e\u0301tude"), found, len);

	CHECK_INT(1, ann_ground_find_string(g, "𠮷野家", strlen("𠮷野家"), &m, &e));
	CHECK_INT(0, m.start);
	CHECK_INT(3, m.end);
	ann_ground_free(g);
}

/* Runs ann_ground_check on answer against source (both JSON) and returns spans. */
static void
check_answer(const char *schema_path, const char *derived, const char *source,
    const char *answer, struct ann_finding_list *f, struct ann_buf *spans)
{
	struct ann_ground_opts o;
	struct ann_ground *g = NULL;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_jsonv_doc d1, d2;
	const struct ann_jsonv *src, *ans;

	ann_ground_opts_init(&o);
	o.schema_path = schema_path;
	if (derived)
		o.derived[o.n_derived++] = derived;
	ann_jsonv_doc_init(&d1);
	ann_jsonv_doc_init(&d2);
	CHECK_INT(ANN_OK, ann_ground_new(&g, &o, &e));
	CHECK_INT(ANN_OK, ann_jsonv_parse(&d1, source, strlen(source), &src, &e));
	CHECK_INT(ANN_OK, ann_jsonv_parse(&d2, answer, strlen(answer), &ans, &e));
	CHECK_INT(ANN_OK, ann_ground_set_source(g, src, &e));
	CHECK_INT(ANN_OK, ann_ground_check(g, ans, f, spans, &e));
	ann_ground_free(g);
	ann_jsonv_doc_release(&d1);
	ann_jsonv_doc_release(&d2);
}

static void
test_words_and_boxes(void)
{
	struct ann_finding_list f;
	struct ann_buf spans = ANN_BUF_INIT;

	ann_finding_list_init(&f);
	check_answer(NULL, NULL,
	    "[{\"text\":\"TOTAL\",\"box\":[1,2,3,4]},{\"text\":\"RM\",\"box\":[5,6,7,8]},"
	    "{\"text\":\"80.90\",\"box\":[9,10,11,12]},\"ｶﾞｲﾄﾞ\"]",
	    "{\"total\":\"RM 80.90\",\"n\":80.9,\"ok\":true}", &f, &spans);
	CHECK_INT(0, f.n);
	CHECK_STR("[{\"pointer\":\"/total\",\"start\":6,\"end\":14,\"text\":\"RM 80.90\","
	    "\"match\":\"text\",\"edits\":0,\"words\":[1,2],\"boxes\":[[5,6,7,8],[9,10,11,12]]},"
	    "{\"pointer\":\"/n\",\"start\":9,\"end\":14,\"text\":\"80.90\",\"match\":\"number\","
	    "\"edits\":0,\"words\":[2],\"boxes\":[[9,10,11,12]]}]", spans.data);
	ann_finding_list_release(&f);
	ann_buf_release(&spans);
}

/* An ungrounded value is a finding naming the field, the value and the nearest text. */
static void
test_ungrounded_message(void)
{
	struct ann_finding_list f;
	struct ann_buf spans = ANN_BUF_INIT;

	ann_finding_list_init(&f);
	check_answer(NULL, NULL, "\"TOTAL RM 80.90\\nCASH 100.00\"",
	    "{\"items\":[{\"total\":\"80.95\"}],\"cash\":100}", &f, &spans);
	CHECK_INT(1, f.n);
	CHECK_STR("/items/0/total", f.text.data + f.offsets[0]);
	CHECK_STR(ANN_GROUND_KEYWORD, f.text.data + f.offsets[1]);
	CHECK_STR("value \"80.95\" is not in the source text; nearest text: \"80.90\" "
	    "(1 edit, characters 9-14)", f.text.data + f.offsets[2]);
	CHECK_STR("[{\"pointer\":\"/cash\",\"start\":20,\"end\":26,\"text\":\"100.00\","
	    "\"match\":\"number\",\"edits\":0}]", spans.data);
	ann_finding_list_release(&f);
	ann_buf_release(&spans);
}

/* x-ann-derived in the schema and --derived patterns exempt values. */
static void
test_derived(void)
{
	char path[] = "/tmp/ann-test-ground-XXXXXX";
	const char *schema =
	    "{\"type\":\"object\",\"properties\":{"
	    "\"rate\":{\"type\":\"number\",\"x-ann-derived\":true},"
	    "\"lines\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/line\"}}},"
	    "\"$defs\":{\"line\":{\"properties\":{\"kind\":{\"x-ann-derived\":true}}}}}";
	struct ann_finding_list f;
	struct ann_buf spans = ANN_BUF_INIT;
	FILE *fp;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	fp = fdopen(fd, "w");
	fputs(schema, fp);
	fclose(fp);
	ann_finding_list_init(&f);
	check_answer(path, "/note", "\"total 100\"",
	    "{\"rate\":0.1,\"lines\":[{\"kind\":\"goods\",\"amount\":100}],\"note\":\"x\","
	    "\"total\":101}", &f, &spans);
	CHECK_INT(1, f.n);
	CHECK_STR("/total", f.text.data + f.offsets[0]);
	remove(path);
	ann_finding_list_release(&f);
	ann_buf_release(&spans);
}

/* Truncating a finding list keeps the first findings whole, so merging shows only them. */
static void
test_finding_truncate(void)
{
	struct ann_finding_list f;
	struct ann_buf validation = ANN_BUF_INIT;
	const char *loc, *keyword, *message;

	ann_finding_list_init(&f);
	CHECK_INT(ANN_OK, ann_finding_add(&f, "/a", "/x-ann-ground", "first %d", 1));
	CHECK_INT(ANN_OK, ann_finding_add(&f, "/b", "/x-ann-rules/r", "second"));
	CHECK_INT(ANN_OK, ann_finding_add(&f, "/c", "/x-ann-rules/r", "third"));
	ann_finding_list_truncate(&f, 5);
	CHECK_INT(3, f.n);
	ann_finding_list_truncate(&f, 2);
	CHECK_INT(2, f.n);
	ann_finding_get(&f, 1, &loc, &keyword, &message);
	CHECK_STR("/b", loc);
	CHECK_STR("/x-ann-rules/r", keyword);
	CHECK_STR("second", message);

	CHECK_INT(ANN_OK, ann_buf_adds(&validation, "{\"valid\":true,\"errors\":[]}"));
	CHECK_INT(ANN_OK, ann_finding_merge(&f, &validation));
	CHECK_STR("{\"valid\":false,\"errors\":["
	    "{\"instanceLocation\":\"/a\",\"keywordLocation\":\"/x-ann-ground\",\"error\":\"first 1\"},"
	    "{\"instanceLocation\":\"/b\",\"keywordLocation\":\"/x-ann-rules/r\",\"error\":\"second\"}]}",
	    validation.data);

	/* A finding added after truncation follows the ones kept. */
	CHECK_INT(ANN_OK, ann_finding_add(&f, "/d", "/x-ann-ground", "fourth"));
	ann_finding_get(&f, 2, &loc, &keyword, &message);
	CHECK_STR("/d", loc);
	CHECK_STR("fourth", message);
	ann_finding_list_release(&f);
	ann_buf_release(&validation);
}

/* The case of full-width digits split differently by two stages: one normaliser for both. */
static void
test_full_width_citation(void)
{
	struct ann_finding_list f;
	struct ann_buf spans = ANN_BUF_INIT;

	ann_finding_list_init(&f);
	check_answer(NULL, NULL, "\"合計 ４５，０００円（税込）\"",
	    "{\"total_jpy\":45000,\"evidence\":\"45,000円\",\"as_text\":\"４５，０００円\"}",
	    &f, &spans);
	CHECK_INT(0, f.n);
	CHECK_STR("[{\"pointer\":\"/total_jpy\",\"start\":3,\"end\":9,\"text\":\"４５，０００\","
	    "\"match\":\"number\",\"edits\":0},"
	    "{\"pointer\":\"/evidence\",\"start\":3,\"end\":10,\"text\":\"４５，０００円\","
	    "\"match\":\"text\",\"edits\":0},"
	    "{\"pointer\":\"/as_text\",\"start\":3,\"end\":10,\"text\":\"４５，０００円\","
	    "\"match\":\"text\",\"edits\":0}]", spans.data);
	ann_finding_list_reset(&f);
	check_answer(NULL, NULL, "\"合計 ４５，０００円（税込）\"", "{\"total_jpy\":46000}",
	    &f, &spans);
	CHECK_INT(1, f.n);
	ann_finding_list_release(&f);
	ann_buf_release(&spans);
}

static void
test_bad_source(void)
{
	struct ann_ground_opts o;
	struct ann_ground *g = NULL;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_jsonv_doc d;
	const struct ann_jsonv *src;

	ann_ground_opts_init(&o);
	ann_jsonv_doc_init(&d);
	CHECK_INT(ANN_OK, ann_ground_new(&g, &o, &e));
	CHECK_INT(ANN_OK, ann_jsonv_parse(&d, "[{\"box\":[1]}]", 13, &src, &e));
	CHECK_INT(ANN_ERR_INVALID, ann_ground_set_source(g, src, &e));
	CHECK_STR("source word 0 has no \"text\" string", e.msg);
	CHECK_INT(ANN_OK, ann_jsonv_parse(&d, "42", 2, &src, &e));
	CHECK_INT(ANN_ERR_INVALID, ann_ground_set_source(g, src, &e));
	ann_ground_free(g);
	ann_jsonv_doc_release(&d);
	o.edits_per_char = 1.5;
	CHECK_INT(ANN_ERR_CONFIG, ann_ground_new(&g, &o, &e));
}

ANN_TEST_MAIN(
	ANN_TEST(test_nfkc_full_width),
	ANN_TEST(test_white_space_and_case),
	ANN_TEST(test_thousands_and_currency),
	ANN_TEST(test_kanji_multipliers),
	ANN_TEST(test_dates),
	ANN_TEST(test_boundaries),
	ANN_TEST(test_edit_bound),
	ANN_TEST(test_edit_distance_matches_reference),
	ANN_TEST(test_span_offsets_multibyte),
	ANN_TEST(test_words_and_boxes),
	ANN_TEST(test_ungrounded_message),
	ANN_TEST(test_derived),
	ANN_TEST(test_finding_truncate),
	ANN_TEST(test_full_width_citation),
	ANN_TEST(test_bad_source)
)
