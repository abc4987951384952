/*
 * Exact decimal comparison and divisibility on JSON number literals.
 *
 * Binary doubles cannot represent 0.01, so 1.11 / 0.01 computed with fmod
 * leaves a remainder, and integers above 2^53 compare equal to their
 * neighbours. Working on the decimal digits avoids both.
 */
#include "jsonv.h"

#include <string.h>

static int64_t
sat_add(int64_t a, int64_t b)
{
	int64_t r = a + b;

	if (r > ANN_DECNUM_EXP_MAX)
		return ANN_DECNUM_EXP_MAX;
	if (r < -ANN_DECNUM_EXP_MAX)
		return -ANN_DECNUM_EXP_MAX;
	return r;
}

void
ann_decnum_from_literal(struct ann_decnum *d, const char *s, size_t n, char *scratch)
{
	size_t i = 0;
	size_t nd = 0;
	int64_t exp = 0;
	int64_t e = 0;
	int eneg = 0;
	size_t lead = 0;

	d->neg = 0;
	if (i < n && s[i] == '-') {
		d->neg = 1;
		i++;
	}
	while (i < n && s[i] >= '0' && s[i] <= '9')
		scratch[nd++] = s[i++];
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			scratch[nd++] = s[i++];
			exp = sat_add(exp, -1);
		}
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (e < ANN_DECNUM_EXP_MAX)
				e = e * 10 + (s[i] - '0');
			i++;
		}
		exp = sat_add(exp, eneg ? -e : e);
	}

	while (lead < nd && scratch[lead] == '0')
		lead++;
	while (nd > lead && scratch[nd - 1] == '0') {
		nd--;
		exp = sat_add(exp, 1);
	}
	d->digits = scratch + lead;
	d->ndigits = nd - lead;
	d->exp = d->ndigits ? exp : 0;
	if (d->ndigits == 0)
		d->neg = 0; /* -0 equals 0 */
}

/* Compares |a| and |b|. */
static int
cmp_magnitude(const struct ann_decnum *a, const struct ann_decnum *b)
{
	int64_t ma, mb;
	size_t i, n;

	if (a->ndigits == 0 || b->ndigits == 0)
		return (a->ndigits != 0) - (b->ndigits != 0);
	/* Position of the leading digit decides first. */
	ma = sat_add(a->exp, (int64_t)a->ndigits);
	mb = sat_add(b->exp, (int64_t)b->ndigits);
	if (ma != mb)
		return ma < mb ? -1 : 1;
	n = a->ndigits < b->ndigits ? a->ndigits : b->ndigits;
	for (i = 0; i < n; i++) {
		if (a->digits[i] != b->digits[i])
			return a->digits[i] < b->digits[i] ? -1 : 1;
	}
	/* Without trailing zeros, the longer one has a nonzero digit more. */
	if (a->ndigits == b->ndigits)
		return 0;
	return a->ndigits < b->ndigits ? -1 : 1;
}

int
ann_decnum_cmp(const struct ann_decnum *a, const struct ann_decnum *b)
{
	int m;

	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	m = cmp_magnitude(a, b);
	return a->neg ? -m : m;
}

int
ann_decnum_is_integer(const struct ann_decnum *d)
{
	return d->ndigits == 0 || d->exp >= 0;
}

/*
 * Returns 1 when the integer a (digit string) followed by zeros zero digits
 * is divisible by the integer b (digit string, no leading zeros).
 */
static int
digits_divisible(const char *a, size_t na, size_t zeros, const char *b, size_t nb)
{
	if (nb <= 18) {
		uint64_t m = 0, r = 0;
		size_t i;

		for (i = 0; i < nb; i++)
			m = m * 10 + (uint64_t)(b[i] - '0');
		for (i = 0; i < na; i++)
			r = (r * 10 + (uint64_t)(a[i] - '0')) % m;
		for (i = 0; i < zeros && r != 0; i++)
			r = r * 10 % m;
		return r == 0;
	}

	/* Long division by repeated subtraction on decimal digit arrays: r
	 * holds nb + 1 digits, most significant first, and stays below b. */
	{
		unsigned char r[512];
		size_t len = nb + 1, i, k;

		if (len > sizeof r)
			return 0; /* NOTE: divisors of over 510 significant digits are treated as not dividing */
		memset(r, 0, len);
		for (i = 0; i < na + zeros; i++) {
			int digit = i < na ? a[i] - '0' : 0;

			memmove(r, r + 1, len - 1);
			r[len - 1] = (unsigned char)digit;
			for (;;) {
				/* compare r with b (b padded to len digits) */
				int ge = 1;

				if (r[0] == 0) {
					for (k = 0; k < nb; k++) {
						int bd = b[k] - '0';

						if (r[k + 1] != bd) {
							ge = r[k + 1] > bd;
							break;
						}
					}
				}
				if (!ge)
					break;
				{
					int borrow = 0;

					for (k = len; k-- > 0;) {
						int bd = k == 0 ? 0 : b[k - 1] - '0';
						int v = r[k] - bd - borrow;

						borrow = v < 0;
						r[k] = (unsigned char)(v < 0 ? v + 10 : v);
					}
				}
			}
		}
		for (i = 0; i < len; i++) {
			if (r[i])
				return 0;
		}
		return 1;
	}
}

int
ann_decnum_is_multiple(const struct ann_decnum *a, const struct ann_decnum *b)
{
	int64_t k;
	int64_t cap;

	if (a->ndigits == 0)
		return 1;
	if (b->ndigits == 0)
		return 0;
	/* a = A*10^ea, b = B*10^eb with A, B free of trailing zeros. If
	 * ea < eb, the quotient needs 10 to divide A, which it does not. */
	if (a->exp < b->exp)
		return 0;
	/* Otherwise b divides a iff B divides A*10^k, k = ea - eb. Powers of
	 * ten beyond the count of 2s and 5s in B change nothing, so k can be
	 * capped at 4 * digits(B), above log2(B). */
	k = a->exp - b->exp;
	cap = 4 * (int64_t)b->ndigits + 4;
	if (k > cap)
		k = cap;
	return digits_divisible(a->digits, a->ndigits, (size_t)k, b->digits, b->ndigits);
}
