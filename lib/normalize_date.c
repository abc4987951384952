/*
 * Dates written in common forms, read into ISO 8601.
 *
 * Accepted, after NFKC (so full-width digits and ㋿ or ㍻ work) and
 * trimming, optionally followed by a weekday in brackets, "(土)" or "(Sat)":
 *   - 2024-06-01, 2024/6/1, 2024.06.01: a four-digit first number is a year;
 *   - 01/06/2024, 6-1-24 and the like: day, month and year in the order
 *     given (DMY by default), one separator ('/', '-' or '.') throughout;
 *   - 20240601: eight digits, years 1900 to 2099;
 *   - 2024年6月1日, 2024年6月, 2024年, digits ASCII or kanji (二〇二四, 十一);
 *   - Japanese era dates: 令和6年6月1日, 令和元年, R6.6.1, H31/4/30, from
 *     明治 6 (1873, when Japan adopted the Gregorian calendar) to 令和;
 *   - English month names or their abbreviations: 14 MAR 2015,
 *     02/JAN/2017, OCT 3, 2016, March 14 2015.
 * Two-digit years follow POSIX strptime %y: 69-99 are 1969-1999 and 00-68
 * are 2000-2068. An era date must fall inside its era: 平成31年4月30日 is
 * 2019-04-30, but 平成31年5月1日 (a day of 令和) is not a date, so a
 * wrong era shows up as a difference instead of being silently accepted.
 */
#include "normalize.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct cursor {
	const char *p;
	const char *end;
};

/* A date as read. Month and day are 0 when the text gives only a year or a month. */
struct date {
	int year;
	int month;
	int day;
};

struct era {
	const char *name;
	char letter;
	int offset;    /* Gregorian year of the era's year 0 */
	int first;     /* first day, as yyyymmdd */
	int last;      /* last day, as yyyymmdd */
};

/*
 * Each era begins the day after the previous one ends. 明治 is accepted
 * only from 1873-01-01, the day Japan adopted the Gregorian calendar.
 */
static const struct era eras[] = {
	{ "\xe4\xbb\xa4\xe5\x92\x8c", 'R', 2018, 20190501, 99991231 }, /* 令和 */
	{ "\xe5\xb9\xb3\xe6\x88\x90", 'H', 1988, 19890108, 20190430 }, /* 平成 */
	{ "\xe6\x98\xad\xe5\x92\x8c", 'S', 1925, 19261225, 19890107 }, /* 昭和 */
	{ "\xe5\xa4\xa7\xe6\xad\xa3", 'T', 1911, 19120730, 19261224 }, /* 大正 */
	{ "\xe6\x98\x8e\xe6\xb2\xbb", 'M', 1867, 18730101, 19120729 }, /* 明治 */
};

static const char *const month_names[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static const char *const weekdays_en[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
};

/* 日 月 火 水 木 金 土 */
static const char *const weekdays_ja[] = {
	"\xe6\x97\xa5", "\xe6\x9c\x88", "\xe7\x81\xab", "\xe6\xb0\xb4", "\xe6\x9c\xa8",
	"\xe9\x87\x91", "\xe5\x9c\x9f",
};

/* 〇 一 二 三 四 五 六 七 八 九 */
static const char *const kanji_digits[] = {
	"\xe3\x80\x87", "\xe4\xb8\x80", "\xe4\xba\x8c", "\xe4\xb8\x89", "\xe5\x9b\x9b",
	"\xe4\xba\x94", "\xe5\x85\xad", "\xe4\xb8\x83", "\xe5\x85\xab", "\xe4\xb9\x9d",
};

#define KANJI_TEN "\xe5\x8d\x81"        /* 十 */
#define KANJI_FIRST_YEAR "\xe5\x85\x83" /* 元, the first year of an era */
#define KANJI_YEAR "\xe5\xb9\xb4"       /* 年 */
#define KANJI_MONTH "\xe6\x9c\x88"      /* 月 */
#define KANJI_DAY "\xe6\x97\xa5"        /* 日 */
#define KANJI_WEEKDAY "\xe6\x9b\x9c"    /* 曜 */

static int
take(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

static void
skip_spaces(struct cursor *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

static int
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_letter(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* Reads up to 8 ASCII digits and stores their count in *ndigits. */
static int
read_digits(struct cursor *c, int *value, int *ndigits)
{
	int v = 0;
	int n = 0;

	while (c->p < c->end && is_digit(*c->p) && n < 8) {
		v = v * 10 + (*c->p - '0');
		c->p++;
		n++;
	}
	if (n == 0 || (c->p < c->end && is_digit(*c->p)))
		return 0;
	*value = v;
	*ndigits = n;
	return 1;
}

static int
take_kanji_digit(struct cursor *c)
{
	int d;

	for (d = 0; d < 10; d++)
		if (take(c, kanji_digits[d]))
			return d;
	return -1;
}

/*
 * Reads a kanji numeral: digits written positionally (二〇二四) or a
 * number below 100 with 十 (十一, 二十, 三十一).
 */
static int
read_kanji_number(struct cursor *c, int *value)
{
	struct cursor save = *c;
	int tens = -1;
	int v = 0;
	int n = 0;
	int d;

	while (n < 4 && (d = take_kanji_digit(c)) >= 0) {
		v = v * 10 + d;
		n++;
	}
	if (take(c, KANJI_TEN)) {
		if (n > 1 || (n == 1 && v == 0)) {
			*c = save;
			return 0;
		}
		tens = n == 1 ? v : 1;
		d = take_kanji_digit(c);
		if (d == 0) {
			*c = save;
			return 0;
		}
		v = tens * 10 + (d > 0 ? d : 0);
		n = 1;
	}
	if (n == 0) {
		*c = save;
		return 0;
	}
	*value = v;
	return 1;
}

/* Reads a number in ASCII or kanji digits. *ndigits is 0 for kanji. */
static int
read_number(struct cursor *c, int *value, int *ndigits)
{
	if (c->p < c->end && is_digit(*c->p))
		return read_digits(c, value, ndigits);
	*ndigits = 0;
	return read_kanji_number(c, value);
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static int
date_valid(const struct date *d)
{
	if (d->year < 1 || d->year > 9999)
		return 0;
	if (d->month == 0)
		return d->day == 0;
	if (d->month < 1 || d->month > 12)
		return 0;
	return d->day == 0 || (d->day >= 1 && d->day <= days_in_month(d->year, d->month));
}

/* Returns 1 when some day of the (possibly partial) date lies inside the era. */
static int
date_in_era(const struct date *d, const struct era *era)
{
	int first = d->year * 10000 + (d->month ? d->month : 1) * 100 + (d->day ? d->day : 1);
	int last = d->year * 10000 + (d->month ? d->month : 12) * 100 +
	    (d->day ? d->day : (d->month ? days_in_month(d->year, d->month) : 31));

	return last >= era->first && first <= era->last;
}

/* POSIX strptime %y: 69-99 are 1969-1999, 00-68 are 2000-2068. */
static int
expand_year(int year, int ndigits)
{
	if (ndigits == 2)
		return year >= 69 ? 1900 + year : 2000 + year;
	return year;
}

/* Consumes a weekday in brackets, "(土)", "(土曜日)", "(Sat)" or "(Saturday)". */
static void
skip_weekday(struct cursor *c)
{
	struct cursor save = *c;
	size_t i;

	skip_spaces(c);
	if (!take(c, "(")) {
		*c = save;
		return;
	}
	skip_spaces(c);
	for (i = 0; i < 7; i++) {
		size_t len;

		if (take(c, weekdays_ja[i])) {
			if (take(c, KANJI_WEEKDAY))
				take(c, KANJI_DAY);
			break;
		}
		/* Three letters, or the whole name. */
		len = strlen(weekdays_en[i]);
		if ((size_t)(c->end - c->p) >= len && strncasecmp(c->p, weekdays_en[i], len) == 0) {
			c->p += len;
			break;
		}
		if (c->end - c->p >= 3 && strncasecmp(c->p, weekdays_en[i], 3) == 0 &&
		    (c->end - c->p == 3 || !is_letter(c->p[3]))) {
			c->p += 3;
			break;
		}
	}
	skip_spaces(c);
	if (i == 7 || !take(c, ")"))
		*c = save;
}

/* Returns 1 when only an optional weekday is left. */
static int
at_end(struct cursor *c)
{
	skip_weekday(c);
	skip_spaces(c);
	return c->p == c->end;
}

static const struct era *
take_era(struct cursor *c)
{
	size_t i;

	for (i = 0; i < sizeof eras / sizeof eras[0]; i++)
		if (take(c, eras[i].name))
			return &eras[i];
	/* A letter form (R6.6.1) needs a digit right after the letter. */
	if (c->end - c->p >= 2 && is_digit(c->p[1])) {
		for (i = 0; i < sizeof eras / sizeof eras[0]; i++) {
			if (c->p[0] == eras[i].letter || c->p[0] == eras[i].letter + ('a' - 'A')) {
				c->p++;
				return &eras[i];
			}
		}
	}
	return NULL;
}

/*
 * Reads the month and day after a year that ended with 年 (so 6月1日) or
 * with a separator (so 6.1). A year or a month alone is accepted when the
 * text ends there.
 */
static int
read_month_day(struct cursor *c, struct date *d, int kanji, char sep)
{
	int nd;

	skip_spaces(c);
	if (kanji && at_end(c))
		return 1;
	if (!read_number(c, &d->month, &nd))
		return 0;
	skip_spaces(c);
	if (kanji) {
		if (!take(c, KANJI_MONTH))
			return 0;
		skip_spaces(c);
	}
	if (at_end(c))
		return 1;
	if (!kanji) {
		if (c->p >= c->end || *c->p != sep)
			return 0;
		c->p++;
	}
	if (!read_number(c, &d->day, &nd))
		return 0;
	skip_spaces(c);
	if (kanji && !take(c, KANJI_DAY))
		return 0;
	return at_end(c);
}

/* 令和6年6月1日, 令和元年, R6.6.1, H31/4/30. */
static int
read_era_date(struct cursor *c, struct date *d)
{
	const struct era *era = take_era(c);
	int year;
	int nd;
	char sep = 0;
	int kanji;

	if (era == NULL)
		return 0;
	skip_spaces(c);
	if (take(c, KANJI_FIRST_YEAR))
		year = 1;
	else if (!read_number(c, &year, &nd) || year < 1)
		return 0;
	skip_spaces(c);
	kanji = take(c, KANJI_YEAR);
	if (!kanji) {
		if (c->p >= c->end || strchr("./-", *c->p) == NULL)
			return 0;
		sep = *c->p++;
	}
	d->year = era->offset + year;
	if (!read_month_day(c, d, kanji, sep))
		return 0;
	return date_valid(d) && date_in_era(d, era);
}

/* 2024年6月1日, 2024年6月, 2024年, 二〇二四年六月一日. */
static int
read_kanji_date(struct cursor *c, struct date *d)
{
	int nd;

	/* Four ASCII digits, or a kanji year written out digit by digit (二〇二四). */
	if (!read_number(c, &d->year, &nd) || (nd != 0 && nd != 4) || d->year < 1000)
		return 0;
	skip_spaces(c);
	if (!take(c, KANJI_YEAR))
		return 0;
	return read_month_day(c, d, 1, 0) && date_valid(d);
}

/* Returns the month (1-12) for an English month name or abbreviation at the cursor. */
static int
take_month_name(struct cursor *c)
{
	const char *start = c->p;
	size_t len = 0;
	size_t i;

	while (start + len < c->end && is_letter(start[len]))
		len++;
	if (len < 3)
		return 0;
	for (i = 0; i < 12; i++) {
		size_t full = strlen(month_names[i]);

		/* The whole name, its first three letters, or "Sept". */
		if ((len == full || len == 3 || (i == 8 && len == 4)) && len <= full &&
		    strncasecmp(start, month_names[i], len) == 0) {
			c->p += len;
			return (int)i + 1;
		}
	}
	return 0;
}

/* Skips one separator between the parts of a date with a month name. */
static void
skip_name_separator(struct cursor *c)
{
	skip_spaces(c);
	if (c->p < c->end && strchr("/-.,", *c->p))
		c->p++;
	skip_spaces(c);
}

/* 14 MAR 2015, 02/JAN/2017, 14-Mar-15, OCT 3, 2016, March 14 2015. */
static int
read_named_month_date(struct cursor *c, struct date *d)
{
	struct cursor save = *c;
	int nd;
	int ny;

	if ((d->month = take_month_name(c)) != 0) {
		skip_name_separator(c);
		if (!read_digits(c, &d->day, &nd) || nd > 2)
			return 0;
	} else {
		*c = save;
		if (!read_digits(c, &d->day, &nd) || nd > 2)
			return 0;
		skip_name_separator(c);
		if ((d->month = take_month_name(c)) == 0)
			return 0;
	}
	skip_name_separator(c);
	if (!read_digits(c, &d->year, &ny) || (ny != 2 && ny != 4))
		return 0;
	d->year = expand_year(d->year, ny);
	return at_end(c) && date_valid(d);
}

/* 2024-06-01, 01/06/2024, 6.1.24, 20240601. */
static int
read_numeric_date(struct cursor *c, struct date *d, enum ann_date_order order)
{
	int a, b, v;
	int na, nb, nv;
	char sep;

	if (!read_digits(c, &a, &na))
		return 0;
	if (na == 8) {
		d->year = a / 10000;
		d->month = a / 100 % 100;
		d->day = a % 100;
		return d->year >= 1900 && d->year <= 2099 && at_end(c) && date_valid(d);
	}
	if (c->p >= c->end || strchr("/-.", *c->p) == NULL)
		return 0;
	sep = *c->p++;
	if (!read_digits(c, &b, &nb) || nb > 2)
		return 0;
	if (c->p >= c->end || *c->p != sep)
		return 0;
	c->p++;
	if (!read_digits(c, &v, &nv) || !at_end(c))
		return 0;

	if (na == 4) {
		if (nv > 2)
			return 0;
		d->year = a;
		d->month = b;
		d->day = v;
	} else if (order == ANN_DATE_YMD) {
		if (na != 2 || nv > 2)
			return 0;
		d->year = expand_year(a, na);
		d->month = b;
		d->day = v;
	} else {
		if (na > 2 || (nv != 2 && nv != 4))
			return 0;
		d->year = expand_year(v, nv);
		d->month = order == ANN_DATE_MDY ? a : b;
		d->day = order == ANN_DATE_MDY ? b : a;
	}
	return date_valid(d);
}

static void
format_iso(const struct date *d, char iso[11])
{
	if (d->month == 0)
		snprintf(iso, 11, "%04d", d->year);
	else if (d->day == 0)
		snprintf(iso, 11, "%04d-%02d", d->year, d->month);
	else
		snprintf(iso, 11, "%04d-%02d-%02d", d->year, d->month, d->day);
}

int
ann_norm_date(const char *s, size_t n, enum ann_date_order order, char iso[11])
{
	struct ann_buf folded = ANN_BUF_INIT;
	struct ann_buf trimmed = ANN_BUF_INIT;
	int (*readers[3])(struct cursor *, struct date *) = {
		read_era_date, read_kanji_date, read_named_month_date,
	};
	struct cursor start;
	int result;
	size_t i;

	result = ann_norm_nfkc(s, n, &folded);
	if (result == ANN_OK)
		result = ann_norm_space(folded.data, folded.len, &trimmed);
	if (result)
		goto done;
	start.p = trimmed.data;
	start.end = trimmed.data + trimmed.len;

	for (i = 0; i <= 3; i++) {
		struct cursor c = start;
		struct date d = { 0, 0, 0 };
		int ok = i < 3 ? readers[i](&c, &d) : read_numeric_date(&c, &d, order);

		if (ok) {
			format_iso(&d, iso);
			result = 1;
			goto done;
		}
	}
	result = 0;

done:
	ann_buf_release(&folded);
	ann_buf_release(&trimmed);
	return result;
}
