/*
 * Numbers written as text: amounts with currency marks, thousands commas
 * and, on request, the Japanese multipliers 兆, 億, 万 and 千.
 * The grammar is in normalize.h, above ann_norm_number.
 */
#include "normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cursor {
	const char *p;
	const char *end;
};

static void
skip_spaces(struct cursor *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

/* Consumes word when the text continues with it. */
static int
take(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

/* Like take, ignoring ASCII case, and only when no ASCII letter follows. */
static int
take_word(struct cursor *c, const char *word)
{
	size_t n = strlen(word);
	char next;

	if ((size_t)(c->end - c->p) < n || strncasecmp(c->p, word, n) != 0)
		return 0;
	next = c->p + n < c->end ? c->p[n] : '\0';
	if ((next >= 'A' && next <= 'Z') || (next >= 'a' && next <= 'z'))
		return 0;
	c->p += n;
	return 1;
}

/* ISO 4217 codes of the currencies of East and Southeast Asia, and a few others. */
static const char *const iso_codes[] = {
	"JPY", "USD", "MYR", "SGD", "EUR", "GBP", "CNY", "HKD", "TWD", "KRW", "THB",
	"IDR", "PHP", "VND", "INR", "AUD", "CAD", "CHF",
};

static int
take_iso_code(struct cursor *c, int *yen)
{
	size_t i;

	for (i = 0; i < sizeof iso_codes / sizeof iso_codes[0]; i++) {
		if (take_word(c, iso_codes[i])) {
			*yen = i == 0;
			return 1;
		}
	}
	return 0;
}

/*
 * Consumes a currency mark written before an amount. NFKC has already
 * turned the full-width ￥ (U+FFE5) into ¥ (U+00A5) and ＄ into $.
 */
static int
take_currency_prefix(struct cursor *c, int *yen)
{
	if (take(c, "\xc2\xa5") || take(c, "\xe9\x87\x91")) { /* ¥, 金 */
		*yen = 1;
		return 1;
	}
	if (take(c, "US$") || take(c, "S$") || take(c, "$") || take(c, "\xe2\x82\xac") ||
	    take(c, "\xc2\xa3") || take_word(c, "RM"))  /* €, £ */
		return 1;
	return take_iso_code(c, yen);
}

/* Consumes a sign: '-', '+', U+2212 MINUS SIGN, or the accounting marks △ and ▲. */
static int
take_sign(struct cursor *c, int *negative)
{
	if (take(c, "-") || take(c, "\xe2\x88\x92") || take(c, "\xe2\x96\xb3") ||
	    take(c, "\xe2\x96\xb2")) {
		*negative = 1;
		return 1;
	}
	return take(c, "+");
}

static int
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * Reads digits with optional thousands commas and decimals into digits
 * (ASCII, commas removed). Returns 0 unless the text is a well-formed
 * unsigned number: no leading zero before another digit, commas only
 * between groups of three, at least one digit after a decimal point.
 */
static int
read_unsigned(struct cursor *c, char *digits, size_t size)
{
	const char *p = c->p;
	size_t len = 0;
	size_t group = 0;
	int grouped = 0;

	if (p >= c->end || !is_digit(*p))
		return 0;
	if (*p == '0' && p + 1 < c->end && is_digit(p[1]))
		return 0;

	while (p < c->end && (is_digit(*p) || *p == ',')) {
		if (*p == ',') {
			/* A comma needs 1-3 digits before the first one and exactly 3 between. */
			if (group == 0 || group > 3 || (grouped && group != 3))
				return 0;
			if (c->end - p < 4 || !is_digit(p[1]) || !is_digit(p[2]) || !is_digit(p[3]))
				return 0;
			grouped = 1;
			group = 0;
			p++;
			continue;
		}
		if (len + 1 >= size)
			return 0;
		digits[len++] = *p++;
		group++;
	}
	if (grouped && group != 3)
		return 0;

	if (p + 1 < c->end && *p == '.' && is_digit(p[1])) {
		digits[len++] = *p++;
		while (p < c->end && is_digit(*p)) {
			if (len + 1 >= size)
				return 0;
			digits[len++] = *p++;
		}
	}
	digits[len] = '\0';
	c->p = p;
	return 1;
}

/* Returns the power of ten of the multiplier at the cursor and consumes it, or 0. */
static int
take_multiplier(struct cursor *c)
{
	if (take(c, "\xe5\x85\x86")) /* 兆 */
		return 12;
	if (take(c, "\xe5\x84\x84")) /* 億 */
		return 8;
	if (take(c, "\xe4\xb8\x87")) /* 万 */
		return 4;
	if (take(c, "\xe5\x8d\x83")) /* 千 */
		return 3;
	return 0;
}

/*
 * Reads the amount itself: one number, or with kanji multipliers a sum of
 * terms such as 1億 2,000万 500 whose multipliers fall from left to right.
 * scaled gets the text of a single term ("45000", "7e4"), or "" for a sum.
 */
static int
read_amount(struct cursor *c, unsigned flags, double *value, char scaled[80])
{
	char digits[64];
	int last_power = 99;
	double sum = 0;
	int terms = 0;

	for (;;) {
		struct cursor save = *c;
		int power;

		if (terms > 0)
			skip_spaces(c);
		if (!read_unsigned(c, digits, sizeof digits)) {
			*c = save;
			break;
		}
		power = (flags & ANN_NORM_KANJI_MULTIPLIERS) ? take_multiplier(c) : 0;
		if (power >= last_power)
			return 0;
		if (power > 0)
			snprintf(scaled, 80, "%se%d", digits, power);
		else
			snprintf(scaled, 80, "%s", digits);
		sum += strtod(scaled, NULL);
		terms++;
		last_power = power;
		if (power == 0)
			break;
	}
	/* A sum of several terms has no single text to keep. */
	if (terms > 1)
		scaled[0] = '\0';
	*value = sum;
	return terms > 0;
}

int
ann_norm_number(const char *s, size_t n, unsigned flags, double *value)
{
	return ann_norm_number_text(s, n, flags, value, NULL);
}

int
ann_norm_number_text(const char *s, size_t n, unsigned flags, double *value,
    struct ann_buf *text)
{
	char scaled[80];
	struct ann_buf folded = ANN_BUF_INIT;
	struct ann_buf trimmed = ANN_BUF_INIT;
	struct cursor c;
	int negative = 0;
	int have_sign = 0;
	int have_currency = 0;
	int yen = 0;
	double amount;
	int result = 0;

	result = ann_norm_nfkc(s, n, &folded);
	if (result == ANN_OK)
		result = ann_norm_space(folded.data, folded.len, &trimmed);
	if (result)
		goto done;
	c.p = trimmed.data;
	c.end = trimmed.data + trimmed.len;

	for (;;) {
		skip_spaces(&c);
		if (!have_sign && take_sign(&c, &negative)) {
			have_sign = 1;
			continue;
		}
		if (!have_currency && take_currency_prefix(&c, &yen)) {
			have_currency = 1;
			continue;
		}
		break;
	}
	if (!read_amount(&c, flags, &amount, scaled))
		goto done;

	skip_spaces(&c);
	if (take(&c, "\xe5\x86\x86")) { /* 円 */
		yen = 1;
		take(&c, "\xe4\xb9\x9f"); /* 也, "exactly", closing a written amount */
	} else if (!have_currency) {
		if (!take_iso_code(&c, &yen))
			take_word(&c, "RM");
	}
	/* "¥12,000-" and "12,000円.-" mark the amount's end on Japanese receipts. */
	if (yen && !take(&c, ".-"))
		take(&c, "-");
	skip_spaces(&c);
	if (c.p != c.end)
		goto done;

	*value = negative ? -amount : amount;
	result = 1;
	if (text != NULL && scaled[0] != '\0')
		result = ann_buf_addf(text, "%s%s", negative ? "-" : "", scaled) == ANN_OK ? 1 :
		    ANN_ERR_NOMEM;

done:
	ann_buf_release(&folded);
	ann_buf_release(&trimmed);
	return result;
}
