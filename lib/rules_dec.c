/*
 * Exact decimal arithmetic for rules: a 128-bit integer and a power of
 * ten, enough for 38 digits. Amounts on invoices have a few decimals, so
 * products of amounts and rates stay far inside that.
 */
#include <stdio.h>
#include <string.h>

#include "rules_int.h"

static int
pow10_i128(int k, __int128 *out)
{
	__int128 p = 1;

	if (k < 0 || k > 38)
		return -1;
	while (k-- > 0)
		p *= 10;
	*out = p;
	return 0;
}

/* Brings a to scale s >= a->scale. */
static int
rescale(struct rdec *a, int s)
{
	__int128 p;

	if (s < a->scale || pow10_i128(s - a->scale, &p))
		return -1;
	if (__builtin_mul_overflow(a->m, p, &a->m))
		return -1;
	a->scale = s;
	return 0;
}

int
rdec_from_decnum(struct rdec *d, const struct ann_decnum *n)
{
	size_t i;

	d->m = 0;
	d->scale = 0;
	if (n->ndigits > 36)
		return -1;
	for (i = 0; i < n->ndigits; i++)
		d->m = d->m * 10 + (n->digits[i] - '0');
	if (n->ndigits == 0)
		return 0;
	if (n->exp >= 0) {
		struct rdec t = *d;

		if (n->exp > 38 || rescale(&t, (int)n->exp))
			return -1;
		d->m = t.m;
	} else {
		if (-n->exp > RDEC_MAX_SCALE)
			return -1;
		d->scale = (int)-n->exp;
	}
	if (n->neg)
		d->m = -d->m;
	return 0;
}

/* Reads "[-]digits[.digits][e[+-]digits]", the output of printf's %g among others. */
int
rdec_from_text(struct rdec *d, const char *s)
{
	int neg = 0, exp = 0, eneg = 0, digits = 0;

	d->m = 0;
	d->scale = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (__builtin_mul_overflow(d->m, 10, &d->m) || __builtin_add_overflow(d->m, *s - '0', &d->m))
			return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			if (__builtin_mul_overflow(d->m, 10, &d->m) ||
			    __builtin_add_overflow(d->m, *s - '0', &d->m))
				return -1;
			d->scale++;
		}
	}
	if (digits == 0)
		return -1;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			eneg = *s++ == '-';
		if (!(*s >= '0' && *s <= '9'))
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			exp = exp * 10 + (*s - '0');
			if (exp > 100)
				return -1;
		}
	}
	if (*s != '\0')
		return -1;
	if (eneg) {
		d->scale += exp;
	} else if (exp > d->scale) {
		int up = exp - d->scale;

		d->scale = 0;
		if (rescale(d, up))
			return -1;
		d->scale = 0;
	} else {
		d->scale -= exp;
	}
	if (d->scale > RDEC_MAX_SCALE)
		return -1;
	if (neg)
		d->m = -d->m;
	return 0;
}

static int
align(struct rdec *x, struct rdec *y)
{
	int s = x->scale > y->scale ? x->scale : y->scale;

	return rescale(x, s) || rescale(y, s) ? -1 : 0;
}

int
rdec_add(struct rdec *r, const struct rdec *a, const struct rdec *b)
{
	struct rdec x = *a, y = *b;

	if (align(&x, &y) || __builtin_add_overflow(x.m, y.m, &r->m))
		return -1;
	r->scale = x.scale;
	return 0;
}

int
rdec_sub(struct rdec *r, const struct rdec *a, const struct rdec *b)
{
	struct rdec x = *a, y = *b;

	if (align(&x, &y) || __builtin_sub_overflow(x.m, y.m, &r->m))
		return -1;
	r->scale = x.scale;
	return 0;
}

int
rdec_mul(struct rdec *r, const struct rdec *a, const struct rdec *b)
{
	struct rdec t;

	if (__builtin_mul_overflow(a->m, b->m, &t.m))
		return -1;
	t.scale = a->scale + b->scale;
	if (t.scale > RDEC_MAX_SCALE) {
		struct rdec unit = { 1, RDEC_MAX_SCALE };

		return rdec_round(r, &t, &unit, RDEC_HALF_EVEN);
	}
	*r = t;
	return 0;
}

int
rdec_cmp(const struct rdec *a, const struct rdec *b)
{
	struct rdec x = *a, y = *b;

	if (align(&x, &y)) {
		/* The scales cannot be aligned without overflow, so compare approximately. */
		long double fx = (long double)a->m, fy = (long double)b->m;
		int i;

		for (i = 0; i < a->scale; i++)
			fx /= 10;
		for (i = 0; i < b->scale; i++)
			fy /= 10;
		return fx < fy ? -1 : fx > fy;
	}
	return x.m < y.m ? -1 : x.m > y.m;
}

int
rdec_round(struct rdec *r, const struct rdec *a, const struct rdec *unit, enum rdec_mode mode)
{
	struct rdec x = *a, u = *unit;
	__int128 q, rem, twice;

	if (u.m <= 0 || align(&x, &u))
		return -1;
	q = x.m / u.m;
	rem = x.m % u.m;  /* same sign as x.m */
	if (rem != 0) {
		switch (mode) {
		case RDEC_FLOOR:
			if (rem < 0)
				q--;
			break;
		case RDEC_CEIL:
			if (rem > 0)
				q++;
			break;
		case RDEC_TRUNCATE:
			break;
		case RDEC_ROUND:
		case RDEC_HALF_EVEN:
			twice = (rem < 0 ? -rem : rem) * 2;
			if (twice > u.m || (twice == u.m && (mode == RDEC_ROUND || (q % 2) != 0)))
				q += rem < 0 ? -1 : 1;
			break;
		}
	}
	if (__builtin_mul_overflow(q, u.m, &r->m))
		return -1;
	r->scale = x.scale;
	return 0;
}

int
rdec_format(struct ann_buf *b, const struct rdec *a)
{
	char digits[64];
	__int128 m = a->m < 0 ? -a->m : a->m;
	int n = 0, scale = a->scale, rc = ANN_OK;

	/* Trailing zeros of the fraction carry no value. */
	while (scale > 0 && m % 10 == 0) {
		m /= 10;
		scale--;
	}
	do {
		digits[n++] = (char)('0' + (int)(m % 10));
		m /= 10;
	} while (m > 0);
	while (n <= scale)
		digits[n++] = '0';
	if (a->m < 0)
		rc = ann_buf_addc(b, '-');
	while (rc == ANN_OK && n > 0) {
		rc = ann_buf_addc(b, digits[--n]);
		if (rc == ANN_OK && n == scale && n > 0)
			rc = ann_buf_addc(b, '.');
	}
	return rc;
}
