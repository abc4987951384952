#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "eval.h"
#include "eval_pointer.h"
#include "eval_report.h"
#include "eval_run.h"
#include "harness.h"

/* Collects diffs as JSON lines, for checks on what was reported. */
static int
collect_diff(void *ctx, const struct ann_eval_diff *d, struct ann_error *e)
{
	(void)e;
	return ann_eval_diff_json(d, ctx);
}

/* Scores one hand-made pair of JSON texts. */
static void
score_pair(struct ann_eval *ev, const char *id, const char *ref_json, const char *ann_json)
{
	struct ann_error e = ANN_ERROR_INIT;
	cJSON *ref = cJSON_Parse(ref_json);
	cJSON *ann = ann_json ? cJSON_Parse(ann_json) : NULL;

	CHECK(ref != NULL);
	CHECK(ann_json == NULL || ann != NULL);
	CHECK_INT(ANN_OK, ann_eval_document(ev, id, strlen(id), ref, ann,
	    ann_json ? 0 : ANN_EVAL_NO_ANNOTATION, &e));
	cJSON_Delete(ref);
	cJSON_Delete(ann);
}

static const struct ann_eval_field *
field(const struct ann_eval *ev, const char *pattern)
{
	size_t i;

	for (i = 0; i < ev->n_fields; i++)
		if (strcmp(ev->fields[i].pattern, pattern) == 0)
			return &ev->fields[i];
	return NULL;
}

/* Checks a field's counts: slots, agree, correct, wrong, missing, extra. */
static void
check_counts(const char *file, int line, const struct ann_eval *ev, const char *pattern,
    size_t slots, size_t agree, size_t correct, size_t wrong, size_t missing, size_t extra)
{
	const struct ann_eval_field *f = field(ev, pattern);

	if (f == NULL) {
		ann_test_fail(file, line, "no field %s", pattern);
		return;
	}
	if (f->slots != slots || f->agree != agree || f->correct != correct ||
	    f->wrong != wrong || f->missing != missing || f->extra != extra)
		ann_test_fail(file, line, "%s: expected slots %zu agree %zu correct %zu wrong %zu "
		    "missing %zu extra %zu, got %zu %zu %zu %zu %zu %zu", pattern, slots, agree,
		    correct, wrong, missing, extra, f->slots, f->agree, f->correct, f->wrong,
		    f->missing, f->extra);
}

#define CHECK_COUNTS(ev, pattern, slots, agree, correct, wrong, missing, extra) \
	check_counts(__FILE__, __LINE__, ev, pattern, slots, agree, correct, wrong, missing, extra)

#define CHECK_NEAR(expected, actual) \
	do { double e_ = (expected), a_ = (actual); \
	     if (fabs(e_ - a_) > 1e-12) ann_test_fail(__FILE__, __LINE__, "%s: expected %.15g, got %.15g", \
	         #actual, e_, a_); } while (0)

static void
counts_correct_wrong_missing_extra(void)
{
	struct ann_eval ev;

	ann_eval_init(&ev);
	score_pair(&ev, "a", "{\"total\":\"¥12,000\",\"date\":\"令和6年6月1日\",\"name\":\"ＡＢＣ\"}",
	    "{\"total\":12000,\"date\":\"2024-06-01\",\"name\":\"ABC\"}");
	score_pair(&ev, "b", "{\"total\":\"100\",\"date\":\"2024-06-01\",\"name\":\"X\"}",
	    "{\"total\":\"101\",\"name\":\"X\",\"note\":\"extra\"}");
	score_pair(&ev, "c", "{\"total\":null,\"date\":\"\",\"name\":\"Y\"}",
	    "{\"total\":null,\"name\":\"y\"}");

	CHECK_INT(4, ev.n_fields);
	/* Fields come sorted by pattern. */
	CHECK_STR("/date", ev.fields[0].pattern);
	CHECK_STR("/note", ev.fields[2].pattern);
	CHECK_STR("/total", ev.fields[3].pattern);
	CHECK_COUNTS(&ev, "/total", 3, 1, 1, 1, 0, 0);
	CHECK_COUNTS(&ev, "/date", 3, 1, 1, 0, 1, 0);
	CHECK_COUNTS(&ev, "/name", 3, 0, 2, 1, 0, 0);
	CHECK_COUNTS(&ev, "/note", 1, 0, 0, 0, 0, 1);
	CHECK_INT(3, ev.documents);
	CHECK_INT(1, ev.documents_exact);
	ann_eval_release(&ev);
}

static void
scores_follow_the_definitions(void)
{
	struct ann_eval_field f;
	struct ann_eval_scores s;

	memset(&f, 0, sizeof f);
	f.slots = 10;
	f.agree = 1;
	f.correct = 5;
	f.wrong = 2;
	f.missing = 1;
	f.extra = 1;
	ann_eval_field_scores(&f, &s);
	CHECK_INT(8, s.support);
	CHECK_NEAR(5.0 / 8, s.precision);
	CHECK_NEAR(5.0 / 8, s.recall);
	CHECK_NEAR(10.0 / 16, s.f1);
	CHECK_NEAR(6.0 / 10, s.accuracy);

	f.wrong = 0;
	f.extra = 3;
	ann_eval_field_scores(&f, &s);
	CHECK_NEAR(5.0 / 8, s.precision);
	CHECK_NEAR(5.0 / 6, s.recall);
	CHECK_NEAR(2.0 * 5 / (8 + 6), s.f1);

	/* Nothing on either side: every ratio is 1. */
	memset(&f, 0, sizeof f);
	f.slots = 2;
	f.agree = 2;
	ann_eval_field_scores(&f, &s);
	CHECK_NEAR(1, s.precision);
	CHECK_NEAR(1, s.recall);
	CHECK_NEAR(1, s.f1);
	CHECK_NEAR(1, s.accuracy);

	/* Values only in the reference: no predictions, precision 0. */
	f.agree = 0;
	f.missing = 2;
	ann_eval_field_scores(&f, &s);
	CHECK_NEAR(0, s.precision);
	CHECK_NEAR(0, s.recall);
	CHECK_NEAR(0, s.f1);
}

static void
overall_micro_and_macro(void)
{
	struct ann_eval ev;
	struct ann_eval_overall o;

	ann_eval_init(&ev);
	/* /a has 3 correct values. /b has 1 correct, 1 wrong and 1 missing. */
	score_pair(&ev, "1", "{\"a\":\"x\",\"b\":\"p\"}", "{\"a\":\"x\",\"b\":\"p\"}");
	score_pair(&ev, "2", "{\"a\":\"y\",\"b\":\"q\"}", "{\"a\":\"y\",\"b\":\"Q\"}");
	score_pair(&ev, "3", "{\"a\":\"z\",\"b\":\"r\"}", "{\"a\":\"z\"}");
	ann_eval_overall(&ev, &o);
	CHECK_INT(6, o.micro.support);
	CHECK_INT(4, o.total.correct);
	CHECK_NEAR(4.0 / 5, o.micro.precision);
	CHECK_NEAR(4.0 / 6, o.micro.recall);
	CHECK_NEAR(8.0 / 11, o.micro.f1);
	CHECK_NEAR((1.0 + 1.0 / 2) / 2, o.macro.precision);
	CHECK_NEAR((1.0 + 1.0 / 3) / 2, o.macro.recall);
	CHECK_NEAR((1.0 + 2.0 / 5) / 2, o.macro.f1);
	CHECK_NEAR(1.0 / 3, o.document_exact_match);
	ann_eval_release(&ev);
}

static void
missing_annotation_counts_every_value(void)
{
	struct ann_eval ev;
	struct ann_buf diffs = ANN_BUF_INIT;

	ann_eval_init(&ev);
	ev.on_diff = collect_diff;
	ev.diff_ctx = &diffs;
	score_pair(&ev, "m", "{\"a\":\"x\",\"b\":{\"c\":1},\"d\":null}", NULL);
	CHECK_COUNTS(&ev, "/a", 1, 0, 0, 0, 1, 0);
	CHECK_COUNTS(&ev, "/b/c", 1, 0, 0, 0, 1, 0);
	CHECK_COUNTS(&ev, "/d", 1, 1, 0, 0, 0, 0);
	CHECK_INT(1, ev.documents);
	CHECK_INT(0, ev.documents_exact);
	/* The caller reports the missing record once, so there is no diff per field. */
	CHECK_INT(0, diffs.len);

	/* An empty reference and a missing annotation are still not an exact match. */
	score_pair(&ev, "n", "{}", NULL);
	CHECK_INT(2, ev.documents);
	CHECK_INT(0, ev.documents_exact);
	ann_buf_release(&diffs);
	ann_eval_release(&ev);
}

static void
arrays_by_position(void)
{
	struct ann_eval ev;

	ann_eval_init(&ev);
	score_pair(&ev, "p",
	    "{\"items\":[{\"name\":\"A\",\"price\":\"100円\"},{\"name\":\"B\",\"price\":\"200円\"}]}",
	    "{\"items\":[{\"name\":\"B\",\"price\":200},{\"name\":\"A\",\"price\":100},"
	    "{\"name\":\"C\",\"price\":5}]}");
	CHECK_INT(2, ev.n_fields);
	CHECK_COUNTS(&ev, "/items/*/name", 3, 0, 0, 2, 0, 1);
	CHECK_COUNTS(&ev, "/items/*/price", 3, 0, 0, 2, 0, 1);
	CHECK_INT(0, ev.documents_exact);

	/* Arrays of scalars line up the same way. */
	score_pair(&ev, "q", "{\"tags\":[\"a\",\"b\"]}", "{\"tags\":[\"a\"]}");
	CHECK_COUNTS(&ev, "/tags/*", 2, 0, 1, 0, 1, 0);
	ann_eval_release(&ev);
}

static void
arrays_by_key(void)
{
	struct ann_eval ev;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_buf diffs = ANN_BUF_INIT;

	ann_eval_init(&ev);
	ev.on_diff = collect_diff;
	ev.diff_ctx = &diffs;
	CHECK_INT(ANN_OK, ann_eval_add_match_rule(&ev, "/items=sku", &e));
	score_pair(&ev, "k",
	    "{\"items\":[{\"sku\":\"A1\",\"price\":\"100円\"},{\"sku\":\"B2\",\"price\":\"200円\"},"
	    "{\"sku\":\"D4\",\"price\":\"9\"}]}",
	    "{\"items\":[{\"sku\":\"Ｂ２\",\"price\":200},{\"sku\":\"A1\",\"price\":101},"
	    "{\"sku\":\"C3\",\"price\":5}]}");
	/* A1 and B2 pair up (B2 through NFKC). D4 is missing and C3 is extra. */
	CHECK_COUNTS(&ev, "/items/*/sku", 4, 0, 2, 0, 1, 1);
	CHECK_COUNTS(&ev, "/items/*/price", 4, 0, 1, 1, 1, 1);
	/* The wrong price names both positions. */
	CHECK(strstr(diffs.data, "{\"id\":\"k\",\"kind\":\"wrong\",\"field\":\"/items/*/price\","
	    "\"path\":\"/items/0/price\",\"annotation_path\":\"/items/1/price\","
	    "\"reference\":\"100円\",\"annotation\":101,") != NULL);
	CHECK(strstr(diffs.data, "\"kind\":\"extra\",\"field\":\"/items/*/sku\","
	    "\"path\":\"/items/2/sku\",\"reference\":null,\"annotation\":\"C3\"") != NULL);

	/* The rule applies only to /items, so /lines still pairs by position. */
	score_pair(&ev, "l", "{\"lines\":[{\"sku\":\"A\"},{\"sku\":\"B\"}]}",
	    "{\"lines\":[{\"sku\":\"B\"},{\"sku\":\"A\"}]}");
	CHECK_COUNTS(&ev, "/lines/*/sku", 2, 0, 0, 2, 0, 0);
	ann_buf_release(&diffs);
	ann_eval_release(&ev);
}

static void
arrays_by_key_everywhere_and_duplicates(void)
{
	struct ann_eval ev;
	struct ann_error e = ANN_ERROR_INIT;

	ann_eval_init(&ev);
	CHECK_INT(ANN_OK, ann_eval_add_match_rule(&ev, "sku", &e));
	/* Two elements with the same key pair in order. An element without the key stays alone. */
	score_pair(&ev, "d",
	    "{\"lines\":[{\"sku\":\"A\",\"n\":1},{\"sku\":\"A\",\"n\":2},{\"n\":3}]}",
	    "{\"lines\":[{\"n\":3},{\"sku\":\"A\",\"n\":1},{\"sku\":\"A\",\"n\":2}]}");
	CHECK_COUNTS(&ev, "/lines/*/n", 4, 0, 2, 0, 1, 1);
	CHECK_COUNTS(&ev, "/lines/*/sku", 2, 0, 2, 0, 0, 0);
	CHECK_INT(ANN_ERR_INVALID, ann_eval_add_match_rule(&ev, "items=sku", &e));
	CHECK_INT(ANN_ERR_INVALID, ann_eval_add_match_rule(&ev, "/items=", &e));
	ann_eval_release(&ev);
}

static void
kinds_that_differ_are_walked_apart(void)
{
	struct ann_eval ev;

	ann_eval_init(&ev);
	score_pair(&ev, "s", "{\"total\":\"9.00\",\"list\":[1]}",
	    "{\"total\":{\"amount\":9},\"list\":{\"0\":1}}");
	CHECK_COUNTS(&ev, "/total", 1, 0, 0, 0, 1, 0);
	CHECK_COUNTS(&ev, "/total/amount", 1, 0, 0, 0, 0, 1);
	CHECK_COUNTS(&ev, "/list/*", 1, 0, 0, 0, 1, 0);
	CHECK_COUNTS(&ev, "/list/0", 1, 0, 0, 0, 0, 1);

	/* A scalar compared as a whole value has the pointer "". */
	score_pair(&ev, "w", "\"株式会社ミスミ\"", "\"株式会社　ミスミ\"");
	CHECK_COUNTS(&ev, "", 1, 0, 0, 1, 0, 0);
	ann_eval_release(&ev);
}

static void
field_filters_select_leaves(void)
{
	struct ann_eval ev;
	struct ann_error e = ANN_ERROR_INIT;

	ann_eval_init(&ev);
	CHECK_INT(ANN_OK, ann_eval_add_field_filter(&ev, "/items/*/price", &e));
	CHECK_INT(ANN_OK, ann_eval_add_field_filter(&ev, "/total", &e));
	CHECK_INT(ANN_ERR_INVALID, ann_eval_add_field_filter(&ev, "total", &e));
	score_pair(&ev, "f", "{\"items\":[{\"name\":\"A\",\"price\":1}],\"total\":1,\"totals\":2}",
	    "{\"items\":[{\"name\":\"B\",\"price\":1}],\"total\":1,\"totals\":3}");
	CHECK_INT(2, ev.n_fields);
	CHECK_COUNTS(&ev, "/items/*/price", 1, 0, 1, 0, 0, 0);
	CHECK_COUNTS(&ev, "/total", 1, 0, 1, 0, 0, 0);
	CHECK_INT(1, ev.documents_exact);
	ann_eval_release(&ev);
}

static void
pointers_escape_and_resolve(void)
{
	struct ann_buf b = ANN_BUF_INIT;
	const char *rest;
	cJSON *doc = cJSON_Parse("{\"a/b\":{\"m~n\":[10,{\"x\":true}]},\"\":1}");

	CHECK_INT(ANN_OK, ann_eval_pointer_append(&b, "a/b", 3));
	CHECK_INT(ANN_OK, ann_eval_pointer_append(&b, "m~n", 3));
	CHECK_STR("/a~1b/m~0n", b.data);
	CHECK(cJSON_IsArray(ann_eval_pointer_get(doc, b.data)));
	CHECK(cJSON_IsTrue(ann_eval_pointer_get(doc, "/a~1b/m~0n/1/x")));
	CHECK(ann_eval_pointer_get(doc, "/a~1b/m~0n/01") == NULL);
	CHECK(ann_eval_pointer_get(doc, "/a~1b/m~0n/2") == NULL);
	CHECK(ann_eval_pointer_get(doc, "/nope") == NULL);
	CHECK(ann_eval_pointer_get(doc, "") == doc);
	CHECK(cJSON_IsNumber(ann_eval_pointer_get(doc, "/")));
	CHECK_INT(ANN_OK, ann_eval_pointer_first("/a~1b/m~0n", &b, &rest));
	CHECK_STR("a/b", b.data);
	CHECK_STR("/m~0n", rest);
	CHECK_INT(ANN_ERR_INVALID, ann_eval_pointer_check("a"));
	CHECK_INT(ANN_ERR_INVALID, ann_eval_pointer_check("/a~2"));
	CHECK_INT(1, ann_eval_pointer_covers("/items", "/items/*/price"));
	CHECK_INT(0, ann_eval_pointer_covers("/item", "/items/*/price"));
	CHECK_INT(1, ann_eval_pointer_covers("", "/x"));
	cJSON_Delete(doc);
	ann_buf_release(&b);
}

static void
display_width_counts_wide_characters(void)
{
	CHECK_INT(5, ann_eval_display_width("/name", 5));
	CHECK_INT(5, ann_eval_display_width("/合計", strlen("/合計")));
	CHECK_INT(4, ann_eval_display_width("ＡＢ", strlen("ＡＢ")));
	CHECK_INT(3, ann_eval_display_width("ｶﾅ/", strlen("ｶﾅ/")));
}

static void
table_aligns_japanese_fields(void)
{
	struct ann_eval ev;
	struct ann_buf out = ANN_BUF_INIT;
	char *line;
	char *save = NULL;
	size_t width = 0;

	ann_eval_init(&ev);
	score_pair(&ev, "t", "{\"合計金額\":\"４５，０００円\",\"total\":1}",
	    "{\"合計金額\":45000,\"total\":2}");
	CHECK_INT(ANN_OK, ann_eval_report_table(&ev, &out));
	CHECK(strstr(out.data, "/合計金額") != NULL);
	/* Every row of the table proper has the same display width. */
	for (line = strtok_r(out.data, "\n", &save); line != NULL && *line;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t w = ann_eval_display_width(line, strlen(line));

		if (strncmp(line, "documents:", 10) == 0)
			break;
		if (width == 0)
			width = w;
		CHECK_INT(width, w);
	}
	CHECK(width > 0);
	ann_buf_release(&out);
	ann_eval_release(&ev);
}

/* Writes text to a pipe and returns its read end. */
static int
pipe_with(const char *text)
{
	int fds[2];
	size_t len = strlen(text);

	if (pipe(fds) != 0)
		return -1;
	if (write(fds[1], text, len) != (ssize_t)len) {
		close(fds[0]);
		fds[0] = -1;
	}
	close(fds[1]);
	return fds[0];
}

static void
run_joins_streams_and_counts_problems(void)
{
	struct ann_eval ev;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_buf diffs = ANN_BUF_INIT;
	struct ann_eval_input ref = { -1, "ref", "/labels/fields" };
	struct ann_eval_input ann = { -1, "ann", "output" };

	ref.fd = pipe_with(
	    "{\"id\":\"1\",\"labels\":{\"fields\":{\"t\":\"1\"}}}\n"
	    "{\"id\":\"2\",\"labels\":{\"fields\":{\"t\":\"2\"}}}\n"
	    "{\"id\":\"3\",\"labels\":{}}\n"
	    "{\"id\":\"4\",\"error\":{\"kind\":\"io\"}}\n"
	    "{\"id\":\"1\",\"labels\":{\"fields\":{\"t\":\"9\"}}}\n"
	    "{\"id\":\"5\",\"labels\":{\"fields\":{\"t\":\"5\"}}}\n"
	    "{\"id\":\"6\",\"labels\":{\"fields\":{\"t\":\"6\"}}}\n"
	    "{\"id\":\"7\",\"labels\":{\"fields\":{\"t\":\"7\"}}}\n");
	ann.fd = pipe_with(
	    "{\"id\":\"2\",\"output\":{\"t\":2}}\n"
	    "{\"id\":\"1\",\"output\":{\"t\":\"１\"}}\n"
	    "[1]\n"
	    "{\"id\":2,\"output\":{}}\n"
	    "{\"id\":\"3\",\"output\":{\"t\":\"3\"}}\n"
	    "{\"id\":\"4\",\"output\":{\"t\":\"4\"}}\n"
	    "{\"id\":\"5\",\"error\":{\"kind\":\"throttled\"}}\n"
	    "{\"id\":\"6\"}\n"
	    "{\"id\":\"2\",\"output\":{\"t\":2}}\n"
	    "{\"id\":\"x\",\"output\":{}}\n");
	CHECK(ref.fd >= 0);
	CHECK(ann.fd >= 0);

	ann_eval_init(&ev);
	ev.on_diff = collect_diff;
	ev.diff_ctx = &diffs;
	CHECK_INT(ANN_OK, ann_eval_run(&ev, &ref, &ann, &e));
	CHECK_INT(8, ev.reference.records);
	CHECK_INT(1, ev.reference.duplicates);
	CHECK_INT(1, ev.reference.errors);
	CHECK_INT(1, ev.reference.no_member);
	CHECK_INT(10, ev.annotations.records);
	CHECK_INT(1, ev.annotations.unreadable);
	CHECK_INT(1, ev.annotations.no_id);
	CHECK_INT(1, ev.annotations.errors);
	CHECK_INT(1, ev.annotations.no_member);
	CHECK_INT(1, ev.annotations.duplicates);
	CHECK_INT(2, ev.paired);
	CHECK_INT(1, ev.missing_annotations);
	CHECK_INT(1, ev.unreferenced_annotations);
	CHECK_INT(3 + 5 + 1 + 1, ann_eval_problems(&ev));
	/* Ids 1 and 2 match. The values of 5 (error), 6 (no member) and 7 (no record) count as missing. */
	CHECK_INT(5, ev.documents);
	CHECK_INT(2, ev.documents_exact);
	CHECK_COUNTS(&ev, "/t", 5, 0, 2, 0, 3, 0);
	CHECK(strstr(diffs.data, "{\"id\":\"7\",\"kind\":\"missing_record\",\"side\":\"annotations\"}\n") != NULL);
	CHECK(strstr(diffs.data, "{\"id\":\"5\",\"kind\":\"error_record\",\"side\":\"annotations\","
	    "\"line\":7,\"error\":{\"kind\":\"throttled\"}}\n") != NULL);
	CHECK(strstr(diffs.data, "{\"id\":\"line:3\",\"kind\":\"unreadable\",\"side\":\"annotations\","
	    "\"line\":3,\"message\":\"record is not a JSON object\"}\n") != NULL);
	CHECK(strstr(diffs.data, "{\"id\":\"1\",\"kind\":\"duplicate\",\"side\":\"reference\",\"line\":5}\n") != NULL);

	close(ref.fd);
	close(ann.fd);
	ann_buf_release(&diffs);
	ann_eval_release(&ev);
}

static void
member_specs_are_checked(void)
{
	struct ann_error e = ANN_ERROR_INIT;

	CHECK_INT(ANN_OK, ann_eval_member_check("output", &e));
	CHECK_INT(ANN_OK, ann_eval_member_check("/output/fields", &e));
	CHECK_INT(ANN_ERR_INVALID, ann_eval_member_check("", &e));
	CHECK_INT(ANN_ERR_INVALID, ann_eval_member_check("/", &e));
	CHECK_INT(ANN_ERR_INVALID, ann_eval_member_check("/out~put", &e));
}

static void
overall_without_anything_scored_is_nan(void)
{
	struct ann_eval ev;
	struct ann_eval_overall o;

	ann_eval_init(&ev);
	ann_eval_overall(&ev, &o);
	CHECK(isnan(o.micro.f1));
	CHECK(isnan(o.micro.accuracy));
	CHECK(isnan(o.macro.precision));
	CHECK(isnan(o.document_exact_match));

	/* Documents without any field: their exact match is known, field scores are not. */
	score_pair(&ev, "1", "{}", "{}");
	ann_eval_overall(&ev, &o);
	CHECK(isnan(o.micro.recall));
	CHECK(isnan(o.macro.f1));
	CHECK_NEAR(1.0, o.document_exact_match);
	ann_eval_release(&ev);
}

ANN_TEST_MAIN(
	ANN_TEST(overall_without_anything_scored_is_nan),
	ANN_TEST(counts_correct_wrong_missing_extra),
	ANN_TEST(scores_follow_the_definitions),
	ANN_TEST(overall_micro_and_macro),
	ANN_TEST(missing_annotation_counts_every_value),
	ANN_TEST(arrays_by_position),
	ANN_TEST(arrays_by_key),
	ANN_TEST(arrays_by_key_everywhere_and_duplicates),
	ANN_TEST(kinds_that_differ_are_walked_apart),
	ANN_TEST(field_filters_select_leaves),
	ANN_TEST(pointers_escape_and_resolve),
	ANN_TEST(display_width_counts_wide_characters),
	ANN_TEST(table_aligns_japanese_fields),
	ANN_TEST(run_joins_streams_and_counts_problems),
	ANN_TEST(member_specs_are_checked),
)
