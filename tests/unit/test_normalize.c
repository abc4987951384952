#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "jspan.h"
#include "normalize.h"

/* Runs a text normaliser and compares its whole output. */
#define CHECK_NORM(fn, expected, input) \
	do { struct ann_buf b_ = ANN_BUF_INIT; \
	     CHECK_INT(ANN_OK, fn(input, strlen(input), &b_)); \
	     CHECK_STR(expected, b_.data); \
	     ann_buf_release(&b_); } while (0)

#define CHECK_TEXT(flags, expected, input) \
	do { struct ann_buf b_ = ANN_BUF_INIT; \
	     CHECK_INT(ANN_OK, ann_norm_text(input, strlen(input), flags, &b_)); \
	     CHECK_STR(expected, b_.data); \
	     ann_buf_release(&b_); } while (0)

static void
check_number(const char *file, int line, unsigned flags, const char *input, double expected)
{
	double v = -12345.678;
	int rc = ann_norm_number(input, strlen(input), flags, &v);

	if (rc != 1)
		ann_test_fail(file, line, "\"%s\": expected a number, got result %d", input, rc);
	else if (v != expected)
		ann_test_fail(file, line, "\"%s\": expected %.17g, got %.17g", input, expected, v);
}

#define CHECK_NUMBER(input, expected) \
	check_number(__FILE__, __LINE__, ANN_NORM_DEFAULT, input, expected)
#define CHECK_KANJI_NUMBER(input, expected) \
	check_number(__FILE__, __LINE__, ANN_NORM_DEFAULT | ANN_NORM_KANJI_MULTIPLIERS, \
	    input, expected)

static void
check_not_number(const char *file, int line, unsigned flags, const char *input)
{
	double v = 0;
	int rc = ann_norm_number(input, strlen(input), flags, &v);

	if (rc != 0)
		ann_test_fail(file, line, "\"%s\": expected no number, got result %d (%.17g)",
		    input, rc, v);
}

#define CHECK_NOT_NUMBER(input) check_not_number(__FILE__, __LINE__, ANN_NORM_DEFAULT, input)

static void
check_date(const char *file, int line, enum ann_date_order order, const char *input,
    const char *expected)
{
	char iso[11] = "unset";
	int rc = ann_norm_date(input, strlen(input), order, iso);

	if (expected == NULL) {
		if (rc != 0)
			ann_test_fail(file, line, "\"%s\": expected no date, got %s", input, iso);
		return;
	}
	if (rc != 1)
		ann_test_fail(file, line, "\"%s\": expected %s, got result %d", input, expected, rc);
	else if (strcmp(iso, expected) != 0)
		ann_test_fail(file, line, "\"%s\": expected %s, got %s", input, expected, iso);
}

#define CHECK_DATE(input, expected) check_date(__FILE__, __LINE__, ANN_DATE_DMY, input, expected)
#define CHECK_NOT_DATE(input) check_date(__FILE__, __LINE__, ANN_DATE_DMY, input, NULL)

static void
nfkc_folds_full_width_forms(void)
{
	CHECK_NORM(ann_norm_nfkc, "45,000円", "４５，０００円");
	CHECK_NORM(ann_norm_nfkc, "\xc2\xa5" "12,000", "\xef\xbf\xa5" "１２，０００");
	CHECK_NORM(ann_norm_nfkc, "ABC Sdn Bhd", "ＡＢＣ　Ｓｄｎ　Ｂｈｄ");
	CHECK_NORM(ann_norm_nfkc, "カブシキガイシャ", "ｶﾌﾞｼｷｶﾞｲｼｬ");
	CHECK_NORM(ann_norm_nfkc, "令和", "\xe3\x8b\xbf"); /* ㋿ */
	CHECK_NORM(ann_norm_nfkc, "(株)ミスミ", "\xe3\x88\xb1" "ミスミ"); /* ㈱ */
	CHECK_NORM(ann_norm_nfkc, "", "");
}

static void
nfkc_keeps_japanese_text(void)
{
	CHECK_NORM(ann_norm_nfkc, "有限会社オオサワボディ", "有限会社オオサワボディ");
	/* NFKC composes a decomposed voiced mark: カ + U+3099 is ガ. */
	CHECK_NORM(ann_norm_nfkc, "ガ", "\xe3\x82\xab\xe3\x82\x99");
}

static void
casefold_lowers_and_expands(void)
{
	CHECK_NORM(ann_norm_casefold, "abc sdn bhd", "ABC Sdn Bhd");
	CHECK_NORM(ann_norm_casefold, "strasse", "STRAßE");
	CHECK_NORM(ann_norm_casefold, "請求書", "請求書");
}

static void
space_trims_and_collapses(void)
{
	CHECK_NORM(ann_norm_space, "a b c", "  a \t\n b\xe3\x80\x80\xc2\xa0" "c \r\n");
	CHECK_NORM(ann_norm_space, "株式会社 ミスミ", "株式会社\xe3\x80\x80\xe3\x80\x80ミスミ");
	CHECK_NORM(ann_norm_space, "", " \t ");
	CHECK_NORM(ann_norm_space, "x", "x");
}

static void
text_applies_selected_normalisers(void)
{
	CHECK_TEXT(0, " ＡＢＣ ", " ＡＢＣ ");
	CHECK_TEXT(ANN_NORM_NFKC, " ABC ", " ＡＢＣ ");
	CHECK_TEXT(ANN_NORM_NFKC | ANN_NORM_SPACE, "ABC", " ＡＢＣ ");
	CHECK_TEXT(ANN_NORM_NFKC | ANN_NORM_SPACE | ANN_NORM_CASE, "abc d", " ＡＢＣ　Ｄ ");
	CHECK_TEXT(ANN_NORM_SPACE | ANN_NORM_CASE, "ａｂｃ", " ＡＢＣ ");
}

static void
invalid_utf8_is_rejected(void)
{
	struct ann_buf b = ANN_BUF_INIT;

	CHECK_INT(ANN_ERR_SYNTAX, ann_norm_nfkc("a\xff", 2, &b));
	CHECK_INT(ANN_ERR_SYNTAX, ann_norm_space("a\xc0\xaf", 3, &b));
	ann_buf_release(&b);
}

static void
number_plain_and_grouped(void)
{
	CHECK_NUMBER("80.90", 80.9);
	CHECK_NUMBER("0", 0);
	CHECK_NUMBER("0.50", 0.5);
	CHECK_NUMBER("1,007.50", 1007.5);
	CHECK_NUMBER("12,345,678", 12345678);
	CHECK_NUMBER(" 45000 ", 45000);
	CHECK_NUMBER("-3.5", -3.5);
	CHECK_NUMBER("+7", 7);
	CHECK_NUMBER("\xe2\x88\x92" "20", -20); /* U+2212 MINUS SIGN */
	CHECK_NUMBER("\xe2\x96\xb3" "1,000", -1000); /* △, negative in Japanese accounts */
}

static void
number_currency_marks(void)
{
	CHECK_NUMBER("\xc2\xa5" "12,000", 12000);   /* ¥ */
	CHECK_NUMBER("\xef\xbf\xa5" "12,000", 12000); /* ￥, full-width */
	CHECK_NUMBER("12,000円", 12000);
	CHECK_NUMBER("12,000 円", 12000);
	CHECK_NUMBER("\xc2\xa5" "12,000-", 12000);
	CHECK_NUMBER("12,000円.-", 12000);
	CHECK_NUMBER("金12,000円也", 12000);
	CHECK_NUMBER("RM 9.00", 9);
	CHECK_NUMBER("RM9.00", 9);
	CHECK_NUMBER("rm 9.00", 9);
	CHECK_NUMBER("$8.20", 8.2);
	CHECK_NUMBER("US$ 8.20", 8.2);
	CHECK_NUMBER("-RM 1.50", -1.5);
	CHECK_NUMBER("\xc2\xa5-500", -500);
	CHECK_NUMBER("JPY 1,000", 1000);
	CHECK_NUMBER("1,000 JPY", 1000);
	CHECK_NUMBER("9.00 MYR", 9);
	CHECK_NUMBER("\xe2\x82\xac" "3", 3); /* € */
}

/* Full-width digits, comma and yen marks before and after: every spelling of 45000. */
static void
number_full_width_spellings(void)
{
	CHECK_NUMBER("４５，０００円", 45000);
	CHECK_NUMBER("４５０００", 45000);
	CHECK_NUMBER("￥４５，０００", 45000);
	CHECK_NUMBER("\xc2\xa5" "４５，０００", 45000);
	CHECK_NUMBER("４５，０００ 円", 45000);
	CHECK_NUMBER("　４５，０００円　", 45000);
	CHECK_NUMBER("45,000円", 45000);
	CHECK_NUMBER("￥４５，０００－", 45000); /* full-width hyphen-minus */
	CHECK_NUMBER("４５，０００．５０", 45000.5);
	CHECK_NUMBER("ＲＭ　９．００", 9);
}

static void
number_rejects_other_text(void)
{
	CHECK_NOT_NUMBER("");
	CHECK_NOT_NUMBER("円");
	CHECK_NOT_NUMBER("abc");
	CHECK_NOT_NUMBER("0123");          /* a code with a leading zero */
	CHECK_NOT_NUMBER("03-1234-5678");  /* a telephone number */
	CHECK_NOT_NUMBER("1,2");
	CHECK_NOT_NUMBER("12,00");
	CHECK_NOT_NUMBER("1234,567");
	CHECK_NOT_NUMBER("1,000,00");
	CHECK_NOT_NUMBER("1.");
	CHECK_NOT_NUMBER("12,50 EUR");
	CHECK_NOT_NUMBER("合計 45,000円");
	CHECK_NOT_NUMBER("45,000円（税込）");
	CHECK_NOT_NUMBER("1,000-");         /* a trailing dash only closes a yen amount */
	CHECK_NOT_NUMBER("--5");
	CHECK_NOT_NUMBER("RMB9");
	CHECK_NOT_NUMBER("7万円");           /* only with the kanji multiplier rule */
}

static void
number_kanji_multipliers(void)
{
	CHECK_KANJI_NUMBER("7万円", 70000);
	CHECK_KANJI_NUMBER(" 7万円", 70000);
	CHECK_KANJI_NUMBER("39,800万円", 398000000);
	CHECK_KANJI_NUMBER("1億2,000万円", 120000000);
	CHECK_KANJI_NUMBER("1億 2000万 500円", 120000500);
	CHECK_KANJI_NUMBER("1万5千円", 15000);
	CHECK_KANJI_NUMBER("1.5万", 15000);
	CHECK_KANJI_NUMBER("3兆", 3e12);
	CHECK_KANJI_NUMBER("７万円", 70000);
	CHECK_KANJI_NUMBER("12,000円", 12000);
	check_not_number(__FILE__, __LINE__, ANN_NORM_KANJI_MULTIPLIERS, "5千3万");
	check_not_number(__FILE__, __LINE__, ANN_NORM_KANJI_MULTIPLIERS, "1万1万");
	check_not_number(__FILE__, __LINE__, ANN_NORM_KANJI_MULTIPLIERS, "七万円");
	check_not_number(__FILE__, __LINE__, ANN_NORM_KANJI_MULTIPLIERS, "万円");
}

static void
date_numeric_forms(void)
{
	CHECK_DATE("2024-06-01", "2024-06-01");
	CHECK_DATE("2024/6/1", "2024-06-01");
	CHECK_DATE("2024.06.01", "2024-06-01");
	CHECK_DATE("14/03/2015", "2015-03-14");
	CHECK_DATE("9/3/2018", "2018-03-09");
	CHECK_DATE("25-03-2018", "2018-03-25");
	CHECK_DATE("18/03/18", "2018-03-18");
	CHECK_DATE("28-12-17", "2017-12-28");
	CHECK_DATE("01.02.69", "1969-02-01");
	CHECK_DATE("01.02.68", "2068-02-01");
	CHECK_DATE("20180304", "2018-03-04");
	CHECK_DATE("２０２４／０６／０１", "2024-06-01");
	CHECK_DATE("29/02/2024", "2024-02-29");
	CHECK_NOT_DATE("29/02/2023");
	CHECK_NOT_DATE("12/28/2017");
	CHECK_NOT_DATE("2024-06");
	CHECK_NOT_DATE("2024-06-01T10:00:00");
	CHECK_NOT_DATE("14/03-2015");
	CHECK_NOT_DATE("14/03/215");
	CHECK_NOT_DATE("99999999");
	CHECK_NOT_DATE("80.90");
	CHECK_NOT_DATE("");
	check_date(__FILE__, __LINE__, ANN_DATE_MDY, "12/28/2017", "2017-12-28");
	check_date(__FILE__, __LINE__, ANN_DATE_MDY, "03/04/2020", "2020-03-04");
	check_date(__FILE__, __LINE__, ANN_DATE_DMY, "03/04/2020", "2020-04-03");
	check_date(__FILE__, __LINE__, ANN_DATE_YMD, "24/06/01", "2024-06-01");
	check_date(__FILE__, __LINE__, ANN_DATE_YMD, "2024/06/01", "2024-06-01");
}

static void
date_month_names(void)
{
	CHECK_DATE("03 MAR 2018", "2018-03-03");
	CHECK_DATE("02/JAN/2017", "2017-01-02");
	CHECK_DATE("14-Mar-15", "2015-03-14");
	CHECK_DATE("OCT 3, 2016", "2016-10-03");
	CHECK_DATE("March 14 2015", "2015-03-14");
	CHECK_DATE("14 September 2015", "2015-09-14");
	CHECK_DATE("14 Sept 2015", "2015-09-14");
	CHECK_NOT_DATE("14 Ma 2015");
	CHECK_NOT_DATE("31 FEB 2015");
	CHECK_NOT_DATE("MARCH");
}

static void
date_kanji_forms(void)
{
	CHECK_DATE("2024年6月1日", "2024-06-01");
	CHECK_DATE("2024年 6月 1日", "2024-06-01");
	CHECK_DATE("２０２４年６月１日", "2024-06-01");
	CHECK_DATE("2024年6月1日(土)", "2024-06-01");
	CHECK_DATE("2024年6月1日（土曜日）", "2024-06-01");
	CHECK_DATE("14/03/2015 (Sat)", "2015-03-14");
	CHECK_DATE("2024年6月", "2024-06");
	CHECK_DATE("2024年", "2024");
	CHECK_DATE("二〇二四年六月一日", "2024-06-01");
	CHECK_DATE("2024年十二月三十一日", "2024-12-31");
	CHECK_NOT_DATE("2024年13月1日");
	CHECK_NOT_DATE("2024年6月31日");
	CHECK_NOT_DATE("24年6月1日");
	CHECK_NOT_DATE("2024年6月1日(土) 10:00");
	CHECK_NOT_DATE("2024年6月1");
	CHECK_NOT_DATE("二〇二四五年六月一日");
	CHECK_NOT_DATE("十〇年");
}

static void
date_japanese_eras(void)
{
	CHECK_DATE("令和6年6月1日", "2024-06-01");
	CHECK_DATE("令和６年６月１日", "2024-06-01");
	CHECK_DATE("令和 6 年 6 月 1 日", "2024-06-01");
	CHECK_DATE("令和六年六月一日", "2024-06-01");
	CHECK_DATE("\xe3\x8b\xbf" "6年6月1日", "2024-06-01"); /* ㋿, one character */
	CHECK_DATE("R6.6.1", "2024-06-01");
	CHECK_DATE("R06.06.01", "2024-06-01");
	CHECK_DATE("r6/6/1", "2024-06-01");
	CHECK_DATE("Ｒ６．６．１", "2024-06-01");
	CHECK_DATE("H31.4.30", "2019-04-30");
	CHECK_DATE("令和元年", "2019");
	CHECK_DATE("令和元年5月1日", "2019-05-01");
	CHECK_DATE("令和元年5月", "2019-05");
	CHECK_DATE("令和6年", "2024");
	CHECK_DATE("平成31年4月30日", "2019-04-30");
	CHECK_DATE("平成元年1月8日", "1989-01-08");
	CHECK_DATE("\xe3\x8d\xbb" "元年1月8日", "1989-01-08"); /* ㍻ */
	CHECK_DATE("昭和64年1月7日", "1989-01-07");
	CHECK_DATE("昭和元年12月25日", "1926-12-25");
	CHECK_DATE("大正15年12月24日", "1926-12-24");
	CHECK_DATE("大正元年7月30日", "1912-07-30");
	CHECK_DATE("明治45年7月29日", "1912-07-29");
	CHECK_DATE("明治6年1月1日", "1873-01-01");
	CHECK_DATE("令和6年6月1日(土)", "2024-06-01");
}

/* Each era ends the day before the next begins; dates outside their era are not dates. */
static void
date_era_boundaries(void)
{
	CHECK_NOT_DATE("平成31年5月1日");
	CHECK_NOT_DATE("令和元年4月30日");
	CHECK_NOT_DATE("令和元年4月");
	CHECK_NOT_DATE("平成31年5月");
	CHECK_NOT_DATE("平成32年1月1日");
	CHECK_NOT_DATE("昭和64年1月8日");
	CHECK_NOT_DATE("平成元年1月7日");
	CHECK_NOT_DATE("昭和元年12月24日");
	CHECK_NOT_DATE("大正元年7月29日");
	CHECK_NOT_DATE("明治45年7月30日");
	CHECK_NOT_DATE("明治5年12月2日"); /* before the Gregorian calendar */
	CHECK_NOT_DATE("令和0年1月1日");
	CHECK_NOT_DATE("令和年6月1日");
	CHECK_NOT_DATE("X6.6.1");
	CHECK_DATE("昭和64年1月", "1989-01");
	CHECK_DATE("平成元年", "1989");
	CHECK_DATE("平成31年", "2019");
}

static void
value_readings_and_equality(void)
{
	struct ann_norm_options o = ANN_NORM_OPTIONS_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_norm_value a, b;
	cJSON *items = cJSON_Parse("[\"４５，０００円\", 45000, \"45,001\", \"令和6年6月1日\","
	    "\"2024-06-01\", \"  \", null, \"20180304\", \"2018-03-04\", \"true\", true, \"ＡＢＣ\", \"abc\"]");

	ann_norm_value_init(&a);
	ann_norm_value_init(&b);
	CHECK(items != NULL);

	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 0), &o, &e));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 1), &o, &e));
	CHECK_INT(1, a.present);
	CHECK_INT(1, a.has_number);
	CHECK(a.number == 45000);
	CHECK_INT(1, ann_norm_value_equal(&a, &b, &o));

	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 2), &o, &e));
	CHECK_INT(0, ann_norm_value_equal(&a, &b, &o));
	o.tolerance = 1;
	CHECK_INT(1, ann_norm_value_equal(&a, &b, &o));
	o.tolerance = 0;
	o.relative_tolerance = 0.0001;
	CHECK_INT(1, ann_norm_value_equal(&a, &b, &o));
	o.relative_tolerance = 0.00001;
	CHECK_INT(0, ann_norm_value_equal(&a, &b, &o));
	o.relative_tolerance = 0;

	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 3), &o, &e));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 4), &o, &e));
	CHECK_STR("2024-06-01", a.date);
	CHECK_INT(1, ann_norm_value_equal(&a, &b, &o));

	/* Blank text and null are absent values unless kept. */
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 5), &o, &e));
	CHECK_INT(0, a.present);
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 6), &o, &e));
	CHECK_INT(0, a.present);
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, NULL, &o, &e));
	CHECK_INT(0, a.present);
	o.flags |= ANN_NORM_KEEP_EMPTY;
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 6), &o, &e));
	CHECK_INT(1, a.present);
	o.flags &= ~(unsigned)ANN_NORM_KEEP_EMPTY;

	/* Eight digits read as both a number and a date: the date reading matches. */
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 7), &o, &e));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 8), &o, &e));
	CHECK_INT(1, a.has_number);
	CHECK_INT(1, a.has_date);
	CHECK_INT(1, ann_norm_value_equal(&a, &b, &o));

	/* The string "true" is not the literal true. */
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 9), &o, &e));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 10), &o, &e));
	CHECK_INT(0, ann_norm_value_equal(&a, &b, &o));

	/* Case matters unless folded. */
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 11), &o, &e));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 12), &o, &e));
	CHECK_INT(0, ann_norm_value_equal(&a, &b, &o));
	o.flags |= ANN_NORM_CASE;
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 11), &o, &e));
	CHECK_INT(1, ann_norm_value_equal(&a, &b, &o));

	/* Without the number reader "４５，０００円" and 45000 compare as different text. */
	o.flags = 0;
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 0), &o, &e));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 1), &o, &e));
	CHECK_INT(0, a.has_number);
	CHECK_INT(0, ann_norm_value_equal(&a, &b, &o));

	cJSON_Delete(items);
	ann_norm_value_release(&a);
	ann_norm_value_release(&b);
}

/* Beyond 15 digits two amounts can be one double, but their decimals differ. */
static void
values_past_double_precision_stay_apart(void)
{
	const char *text = "[9007199254740993, 9007199254740992, \"12345678901234567\", "
	    "\"12345678901234568\", \"１２，３４５，６７８，９０１，２３４，５６７円\", 45000, \"4.5万円\"]";
	struct ann_norm_options o = ANN_NORM_OPTIONS_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_norm_value v[7];
	struct ann_buf shown = ANN_BUF_INIT;
	cJSON *items = cJSON_Parse(text);
	size_t i;

	CHECK_INT(ANN_OK, ann_jspan_keep_as_written(items, text, strlen(text)));
	o.flags |= ANN_NORM_KANJI_MULTIPLIERS;
	for (i = 0; i < 7; i++) {
		ann_norm_value_init(&v[i]);
		CHECK_INT(ANN_OK, ann_norm_value_set(&v[i], cJSON_GetArrayItem(items, (int)i), &o, &e));
		CHECK_INT(1, v[i].has_number);
	}
	CHECK(v[0].number == v[1].number);
	CHECK_INT(0, ann_norm_value_equal(&v[0], &v[1], &o));
	CHECK(v[2].number == v[3].number);
	CHECK_INT(0, ann_norm_value_equal(&v[2], &v[3], &o));
	CHECK_INT(1, ann_norm_value_equal(&v[2], &v[4], &o));
	CHECK_INT(0, ann_norm_value_equal(&v[3], &v[4], &o));
	CHECK_INT(1, ann_norm_value_equal(&v[5], &v[6], &o));

	/* With a tolerance, the nearness of the doubles decides. */
	o.tolerance = 1;
	CHECK_INT(1, ann_norm_value_equal(&v[2], &v[3], &o));

	CHECK_INT(ANN_OK, ann_norm_value_json(&v[3], &shown));
	CHECK_STR("12345678901234568", shown.data);
	ann_buf_reset(&shown);
	CHECK_INT(ANN_OK, ann_norm_value_json(&v[0], &shown));
	CHECK_STR("9007199254740993", shown.data);

	for (i = 0; i < 7; i++)
		ann_norm_value_release(&v[i]);
	ann_buf_release(&shown);
	cJSON_Delete(items);
}

/* cJSON would cut both at U+0000 and call them equal. */
static void
values_compare_past_nul(void)
{
	const char *text = "[\"x\\u0000A\", \"x\\u0000B\", \"x\\u0000A\", \"x\"]";
	struct ann_norm_options o = ANN_NORM_OPTIONS_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_norm_value a, b;
	cJSON *items = cJSON_Parse(text);

	ann_norm_value_init(&a);
	ann_norm_value_init(&b);
	CHECK_INT(ANN_OK, ann_jspan_keep_as_written(items, text, strlen(text)));
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 0), &o, &e));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 1), &o, &e));
	CHECK_INT(cJSON_String, a.type);
	CHECK_INT(3, a.text.len);
	CHECK_INT(0, ann_norm_value_equal(&a, &b, &o));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 2), &o, &e));
	CHECK_INT(1, ann_norm_value_equal(&a, &b, &o));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 3), &o, &e));
	CHECK_INT(0, ann_norm_value_equal(&a, &b, &o));
	ann_norm_value_release(&a);
	ann_norm_value_release(&b);
	cJSON_Delete(items);
}

static void
tolerance_allows_binary_rounding(void)
{
	struct ann_norm_options o = ANN_NORM_OPTIONS_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_norm_value a, b;
	cJSON *items = cJSON_Parse("[\"100.00\", \"100.01\", \"100.02\", 0.3, 0.30000000000000004]");

	ann_norm_value_init(&a);
	ann_norm_value_init(&b);
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 0), &o, &e));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 1), &o, &e));
	CHECK_INT(0, ann_norm_value_equal(&a, &b, &o));
	o.tolerance = 0.01;
	CHECK_INT(1, ann_norm_value_equal(&a, &b, &o));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 2), &o, &e));
	CHECK_INT(0, ann_norm_value_equal(&a, &b, &o));

	/* Without a tolerance, numbers must be the same double. */
	o.tolerance = 0;
	CHECK_INT(ANN_OK, ann_norm_value_set(&a, cJSON_GetArrayItem(items, 3), &o, &e));
	CHECK_INT(ANN_OK, ann_norm_value_set(&b, cJSON_GetArrayItem(items, 4), &o, &e));
	CHECK_INT(0, ann_norm_value_equal(&a, &b, &o));
	cJSON_Delete(items);
	ann_norm_value_release(&a);
	ann_norm_value_release(&b);
}

static void
value_json_shows_reading(void)
{
	struct ann_norm_options o = ANN_NORM_OPTIONS_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_norm_value v;
	struct ann_buf out = ANN_BUF_INIT;
	cJSON *items = cJSON_Parse("[\"￥１，２００\", \"R6.6.1\", \" Ａ  b \", null]");
	static const char *const expected[] = { "1200", "\"2024-06-01\"", "\"A b\"", "null" };
	int i;

	ann_norm_value_init(&v);
	for (i = 0; i < 4; i++) {
		ann_buf_reset(&out);
		CHECK_INT(ANN_OK, ann_norm_value_set(&v, cJSON_GetArrayItem(items, i), &o, &e));
		CHECK_INT(ANN_OK, ann_norm_value_json(&v, &out));
		CHECK_STR(expected[i], out.data);
	}
	cJSON_Delete(items);
	ann_norm_value_release(&v);
	ann_buf_release(&out);
}

ANN_TEST_MAIN(
	ANN_TEST(nfkc_folds_full_width_forms),
	ANN_TEST(nfkc_keeps_japanese_text),
	ANN_TEST(casefold_lowers_and_expands),
	ANN_TEST(space_trims_and_collapses),
	ANN_TEST(text_applies_selected_normalisers),
	ANN_TEST(invalid_utf8_is_rejected),
	ANN_TEST(number_plain_and_grouped),
	ANN_TEST(number_currency_marks),
	ANN_TEST(number_full_width_spellings),
	ANN_TEST(number_rejects_other_text),
	ANN_TEST(number_kanji_multipliers),
	ANN_TEST(date_numeric_forms),
	ANN_TEST(date_month_names),
	ANN_TEST(date_kanji_forms),
	ANN_TEST(date_japanese_eras),
	ANN_TEST(date_era_boundaries),
	ANN_TEST(value_readings_and_equality),
	ANN_TEST(values_past_double_precision_stay_apart),
	ANN_TEST(values_compare_past_nul),
	ANN_TEST(tolerance_allows_binary_rounding),
	ANN_TEST(value_json_shows_reading),
)
