/*
 * Japanese qualified-invoice registration numbers (適格請求書発行事業者の
 * 登録番号): "T" and 13 digits.
 *
 * For a corporation the 13 digits are its corporate number (法人番号). Its
 * first digit is a check digit over the other 12, the base number. With
 * P(n) the n-th base digit counted from the right and Q(n) 1 for odd n and
 * 2 for even n, the check digit is 9 - (sum of P(n) * Q(n)) mod 9, so it
 * is 1 to 9. The National Tax Agency's corporate number FAQ
 * (houjin-bangou.nta.go.jp, "法人番号とはどのような番号ですか") says the
 * check digit is computed by a Ministry of Finance ordinance; the formula
 * is article 2 of 法人番号の指定等に関する省令, read here as quoted on
 * secondary pages and checked against their worked example 7123456789012.
 *
 * For sole proprietors and other businesses without a corporate number
 * the National Tax Agency's publication site (invoice-kohyo.nta.go.jp,
 * "登録番号とは") says only that the 13 digits are not the personal
 * My Number and do not collide with corporate numbers; it publishes no
 * check digit for them. So the check digit is tested only when the
 * caller knows the business is a corporation.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "normalize.h"
#include "rules.h"

int
ann_rules_jp_registration(const char *s, size_t n, int corporate, char *why, size_t why_size)
{
	struct ann_buf folded = ANN_BUF_INIT;
	char digits[14];
	size_t i, nd = 0;
	int t = 0, bad = 0, sum = 0, check;

	if (ann_norm_text(s, n, ANN_NORM_NFKC, &folded))
		return ANN_ERR_NOMEM;
	/* Spaces and hyphens grouping the digits ("T1-2345-...") are layout, not content. */
	for (i = 0; i < folded.len && !bad; i++) {
		char c = folded.data[i];

		if (c == ' ' || c == '-')
			continue;
		if (i + 3 <= folded.len && memcmp(folded.data + i, "\xe2\x88\x92", 3) == 0) {
			i += 2;  /* U+2212 MINUS SIGN */
			continue;
		}
		if (!t && nd == 0 && c == 'T')
			t = 1;
		else if (t && c >= '0' && c <= '9' && nd < 13)
			digits[nd++] = c;
		else
			bad = 1;
	}
	ann_buf_release(&folded);
	if (bad || !t || nd != 13) {
		snprintf(why, why_size, "not a registration number: expected \"T\" and 13 digits");
		return 0;
	}
	digits[13] = '\0';
	if (!corporate)
		return 1;
	for (i = 1; i <= 12; i++)
		sum += (digits[13 - i] - '0') * (i % 2 == 1 ? 1 : 2);
	check = 9 - sum % 9;
	if (digits[0] - '0' == check)
		return 1;
	snprintf(why, why_size, "check digit %c of corporate number %s is wrong: "
	    "the other 12 digits give %d", digits[0], digits, check);
	return 0;
}
