/*
 * Normalisers that make two labels comparable: Unicode NFKC, white space,
 * case, numbers written as text, and dates written in common forms.
 *
 * Text normalisers append to a caller's ann_buf and take their input as
 * UTF-8 with an explicit length. The number and date readers fold their
 * input with NFKC themselves, whatever the flags are, so "４５，０００円"
 * and "45,000円" always read as the same number: the value of a number or
 * a date does not depend on the width of its characters.
 *
 * Errors: functions return ANN_OK (or, for the readers, 1 when the text
 * is a number or date and 0 when it is not) or a negative enum ann_err,
 * ANN_ERR_NOMEM or ANN_ERR_SYNTAX for input that is not valid UTF-8.
 * The value functions fill the caller's struct ann_error.
 *
 * cJSON ownership: functions here borrow cJSON pointers.
 */
#ifndef ANN_NORMALIZE_H
#define ANN_NORMALIZE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"

enum ann_norm_flags {
	ANN_NORM_NFKC = 1 << 0,    /* Unicode NFKC on text */
	ANN_NORM_SPACE = 1 << 1,   /* trim, and collapse white space runs to one space */
	ANN_NORM_CASE = 1 << 2,    /* Unicode case folding */
	ANN_NORM_NUMBERS = 1 << 3, /* read numbers from text */
	ANN_NORM_DATES = 1 << 4,   /* read dates from text */
	ANN_NORM_KANJI_MULTIPLIERS = 1 << 5, /* 7万 is 70000 (with ANN_NORM_NUMBERS) */
	ANN_NORM_KEEP_EMPTY = 1 << 6, /* null and "" are values, not absent ones */
};

#define ANN_NORM_DEFAULT (ANN_NORM_NFKC | ANN_NORM_SPACE | ANN_NORM_NUMBERS | ANN_NORM_DATES)

/* How to read dates whose three numbers are separated by '/', '-' or '.'. */
enum ann_date_order {
	ANN_DATE_DMY, /* 14/03/2015 */
	ANN_DATE_MDY, /* 03/14/2015 */
	ANN_DATE_YMD, /* 15/03/14; a four-digit first number is a year in every order */
};

struct ann_norm_options {
	unsigned flags;             /* enum ann_norm_flags */
	enum ann_date_order date_order;
	double tolerance;           /* numbers within this absolute difference are equal */
	double relative_tolerance;  /* ... or within this fraction of the larger magnitude */
};

#define ANN_NORM_OPTIONS_INIT { ANN_NORM_DEFAULT, ANN_DATE_DMY, 0, 0 }

/* Appends the NFKC form of s[0..n) to out. */
int ann_norm_nfkc(const char *s, size_t n, struct ann_buf *out);

/* Appends s[0..n) with Unicode case folding ("ß" becomes "ss") to out. */
int ann_norm_casefold(const char *s, size_t n, struct ann_buf *out);

/*
 * Appends s[0..n) to out without leading and trailing white space, and
 * with every inner run of white space (Unicode White_Space: ASCII space,
 * tab and line breaks, U+00A0, U+3000 and the other spaces) as one U+0020.
 */
int ann_norm_space(const char *s, size_t n, struct ann_buf *out);

/* Appends s[0..n) with the text normalisers that flags select, in the order NFKC, case, space. */
int ann_norm_text(const char *s, size_t n, unsigned flags, struct ann_buf *out);

/*
 * Reads s[0..n) as an amount of money or a plain number and stores it in
 * *value. Returns 1 when the whole text is one, 0 when it is not.
 * Accepted, after NFKC and trimming, in this order:
 *   - an optional sign and an optional currency mark: ¥ $ € £ RM US$ S$,
 *     an ISO code such as JPY, USD or MYR, or the Japanese 金 "the sum of";
 *   - digits, with or without thousands commas in groups of three;
 *   - an optional decimal point with digits;
 *   - an optional mark after: 円, 円也, an ISO code, or "-" and ".-"
 *     closing a yen amount.
 * Leading zeros ("0123", a postal or phone number) and commas out of
 * groups of three ("1,2") are not numbers. With ANN_NORM_KANJI_MULTIPLIERS
 * the digits may carry 億 (10^8), 万 (10^4) and 千 (10^3) in falling order:
 * "7万円" is 70000 and "1億2,000万" is 120000000.
 */
int ann_norm_number(const char *s, size_t n, unsigned flags, double *value);

/*
 * Reads s[0..n) as ann_norm_number does and, for an amount of one term,
 * appends its exact decimal value to text as a JSON number ("45000",
 * "-1234.50", "7e4" for 7万), because a double cannot hold every amount of
 * more than 15 significant digits exactly. A sum of kanji terms appends
 * nothing.
 */
int ann_norm_number_text(const char *s, size_t n, unsigned flags, double *value,
    struct ann_buf *text);

/*
 * Reads s[0..n) as a calendar date and writes its ISO 8601 form to iso
 * ("2024-06-01", or "2024-06" and "2024" for a month or a year alone).
 * Returns 1 when the whole text is a valid date, 0 when it is not.
 * See ann_norm_date in normalize_date.c for the forms accepted.
 */
int ann_norm_date(const char *s, size_t n, enum ann_date_order order, char iso[11]);

/* A JSON leaf after normalisation, with every reading it allows. */
struct ann_norm_value {
	int present;     /* 0 for an absent value, null or "" (see ANN_NORM_KEEP_EMPTY) */
	int type;        /* cJSON type of the original: cJSON_String, cJSON_Number, ... */
	struct ann_buf text; /* normalised text; a number or literal in JSON form otherwise */
	int has_number;
	double number;
	struct ann_buf number_text; /* the exact decimal as a JSON number; empty when unknown */
	int has_date;
	char date[11];
};

void ann_norm_value_init(struct ann_norm_value *v);
void ann_norm_value_release(struct ann_norm_value *v);

/* Normalises the leaf item (NULL for an absent one) into *v, replacing what it held. */
int ann_norm_value_set(struct ann_norm_value *v, const cJSON *item,
    const struct ann_norm_options *o, struct ann_error *e);

/*
 * Returns 1 when a and b (both present) are equal under one reading both
 * allow: the same number within the tolerance, the same date, or the same
 * normalised text of the same JSON type. Without a tolerance, two numbers
 * whose exact decimals are both known are equal only when those are.
 */
int ann_norm_value_equal(const struct ann_norm_value *a, const struct ann_norm_value *b,
    const struct ann_norm_options *o);

/*
 * Appends the reading used to show *v in reports: its date, else its
 * number, else its text, as JSON (null for an absent value).
 */
int ann_norm_value_json(const struct ann_norm_value *v, struct ann_buf *out);

#endif
