/*
 * Searching the normalised source for one value: exact text, the number
 * and date indexes, then approximate text within an edit budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ground_int.h"

static int
is_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

static int
is_latin(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Returns 1 when a match of the value at [i, j) neither starts nor ends
 * inside a number or a Latin word of the source: "80.9" is not found in
 * "80.91", nor "122" in "122.124", nor "TAN" in "TANJUNG".
 */
static int
boundary_ok(const struct ann_ground *g, uint32_t first, uint32_t last, size_t i, size_t j)
{
	const uint32_t *cp = g->src.cp;
	size_t n = g->src.n;

	if (i > 0) {
		uint32_t before = cp[i - 1];

		if (is_digit(first) && (is_digit(before) ||
		    ((before == '.' || before == ',') && i > 1 && is_digit(cp[i - 2]))))
			return 0;
		if (is_latin(first) && is_latin(before))
			return 0;
	}
	if (j < n) {
		uint32_t after = cp[j];

		if (is_digit(last) && (is_digit(after) ||
		    ((after == '.' || after == ',') && j + 1 < n && is_digit(cp[j + 1]))))
			return 0;
		if (is_latin(last) && is_latin(after))
			return 0;
	}
	return 1;
}

/* Turns normalised source positions [i, j) into a match in original code points. */
static void
set_match(const struct ann_ground *g, struct ann_ground_match *m, enum ann_ground_how how,
    size_t i, size_t j, unsigned edits)
{
	m->how = how;
	m->start = g->src.start[i];
	m->end = j > i ? g->src.end[j - 1] : m->start;
	m->edits = edits;
}

static int
find_exact(const struct ann_ground *g, struct ann_ground_match *m)
{
	const uint32_t *v = g->val.cp, *s = g->src.cp;
	size_t vn = g->val.n, n = g->src.n;
	size_t i;

	if (vn == 0 || vn > n)
		return 0;
	for (i = 0; i + vn <= n; i++) {
		if (s[i] != v[0] || memcmp(s + i, v, vn * sizeof *v) != 0)
			continue;
		if (boundary_ok(g, v[0], v[vn - 1], i, i + vn)) {
			set_match(g, m, ANN_GROUND_TEXT, i, i + vn, 0);
			return 1;
		}
	}
	return 0;
}

static int
find_value(const struct ann_ground *g, double value, struct ann_ground_match *m)
{
	size_t lo = 0, hi = g->n_nums;

	if (value < 0)
		value = -value;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->nums[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == g->n_nums || g->nums[lo].value != value)
		return 0;
	set_match(g, m, ANN_GROUND_NUMBER, g->nums[lo].start, g->nums[lo].end, 0);
	return 1;
}

static int
find_date(struct ann_ground *g, const char *iso, struct ann_ground_match *m)
{
	size_t lo = 0, hi;

	if (!g->dates_built && ground_index_dates(g))
		return -1;
	hi = g->n_dates;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(g->dates[mid].iso, iso) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == g->n_dates || strcmp(g->dates[lo].iso, iso) != 0)
		return 0;
	set_match(g, m, ANN_GROUND_DATE, g->dates[lo].start, g->dates[lo].end, 0);
	return 1;
}

/* Edit costs: an edit that touches a digit costs more than the budget. */
static unsigned
cost_sub(uint32_t a, uint32_t b, unsigned forbidden)
{
	if (a == b)
		return 0;
	return is_digit(a) || is_digit(b) ? forbidden : 1;
}

static unsigned
cost_indel(uint32_t a, unsigned forbidden)
{
	return is_digit(a) ? forbidden : 1;
}

static int
is_alnum(uint32_t c)
{
	return is_digit(c) || is_latin(c);
}

/*
 * Returns 1 when a[i] is a hyphen between two letters or digits: the
 * grouping in "T9-9915-0157-0935" or "03-0519-2284", which a value may
 * keep or drop, so skipping it costs nothing on either side.
 */
static int
is_joiner(const uint32_t *a, size_t n, size_t i)
{
	return a[i] == '-' && i > 0 && i + 1 < n && is_alnum(a[i - 1]) && is_alnum(a[i + 1]);
}

/*
 * Approximate search with Sellers' algorithm, where a match may start
 * anywhere in the source, and Ukkonen's cut-off: only the rows whose cost
 * can still be within the budget k are computed. A column then costs
 * about O(k) on typical text instead of O(length of the value). Each cell
 * carries the source position where its alignment starts, so a match
 * knows its span. With digits_fixed, edits touching digits cost more
 * than k.
 */
static int
find_fuzzy(struct ann_ground *g, unsigned k, int digits_fixed, int check_boundary,
    struct ann_ground_match *m)
{
	const uint32_t *v = g->val.cp, *s = g->src.cp;
	size_t vn = g->val.n, n = g->src.n;
	unsigned forbidden = digits_fixed ? k + 1 : 1;
	unsigned *cost, *from;
	size_t i, j, last;
	unsigned best = k + 1;
	size_t best_i = 0, best_j = 0;

	if (vn == 0 || n == 0)
		return 0;
	if (g->cap_dp < 2 * (vn + 1)) {
		unsigned *p = realloc(g->dp, 2 * (vn + 1) * sizeof *p);

		if (p == NULL)
			return -1;
		g->dp = p;
		g->cap_dp = 2 * (vn + 1);
	}
	cost = g->dp;
	from = g->dp + vn + 1;

	/*
	 * Column 0: the value's first i code points deleted. Every row past
	 * the computed ones contains k + 1, so a stale row is never below budget.
	 */
	cost[0] = 0;
	from[0] = 0;
	last = 0;
	for (i = 1; i <= vn; i++) {
		cost[i] = cost[i - 1] + (is_joiner(v, vn, i - 1) ? 0 : cost_indel(v[i - 1], forbidden));
		if (cost[i] > k + 1)
			cost[i] = k + 1;
		from[i] = 0;
		if (cost[i] <= k)
			last = i;
	}

	for (j = 1; j <= n; j++) {
		unsigned diag = cost[0], diag_from = from[0];
		size_t top = last + 1 < vn ? last + 1 : vn;

		cost[0] = 0;
		from[0] = (unsigned)j;
		/*
		 * Rows past top are computed too while the row above is within
		 * budget: costs above 1 for digits break the unit-cost property
		 * that lets Ukkonen's cut-off stop at last + 1.
		 */
		for (i = 1; i <= vn && (i <= top || cost[i - 1] <= k); i++) {
			unsigned up = cost[i - 1] + (v[i - 1] == '-' && is_joiner(v, vn, i - 1) ? 0 :
			    cost_indel(v[i - 1], forbidden));
			unsigned left = cost[i] + (s[j - 1] == '-' && is_joiner(s, n, j - 1) ? 0 :
			    cost_indel(s[j - 1], forbidden));
			unsigned sub = diag + cost_sub(v[i - 1], s[j - 1], forbidden);
			unsigned c = sub, f = diag_from;
			unsigned old = cost[i], old_from = from[i];

			/* On a tie the earlier start wins, so the span covers whole words. */
			if (up < c || (up == c && from[i - 1] < f)) {
				c = up;
				f = from[i - 1];
			}
			if (left < c || (left == c && old_from < f)) {
				c = left;
				f = old_from;
			}
			diag = old;
			diag_from = old_from;
			cost[i] = c > k + 1 ? k + 1 : c;
			from[i] = f;
		}
		top = i - 1;
		for (i = top + 1; i <= vn; i++)
			cost[i] = k + 1;
		last = 0;
		for (i = top; i > 0; i--) {
			if (cost[i] <= k) {
				last = i;
				break;
			}
		}
		if (last == vn && cost[vn] < best && from[vn] < j &&
		    (!check_boundary || boundary_ok(g, v[0], v[vn - 1], from[vn], j))) {
			best = cost[vn];
			best_i = from[vn];
			best_j = j;
			if (best == 0)
				break;
		}
	}
	if (best > k)
		return 0;
	set_match(g, m, best == 0 ? ANN_GROUND_TEXT : ANN_GROUND_FUZZY, best_i, best_j, best);
	return 1;
}

static int
normalise_value(struct ann_ground *g, const char *s, size_t n)
{
	ground_cpvec_reset(&g->val);
	return ground_normalise(&g->val, &g->scratch, s, n, 0);
}

int
ann_ground_find_string(struct ann_ground *g, const char *s, size_t n,
    struct ann_ground_match *m, struct ann_error *e)
{
	double number;
	char iso[11];
	unsigned k;
	int rc;

	memset(m, 0, sizeof *m);
	if (normalise_value(g, s, n))
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	if (find_exact(g, m))
		return 1;
	if (ann_norm_number(s, n, 0, &number) == 1 && find_value(g, number, m))
		return 1;
	if (ann_norm_date(s, n, g->o.date_order, iso) == 1 && strlen(iso) == 10) {
		rc = find_date(g, iso, m);
		if (rc < 0)
			return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
		if (rc)
			return 1;
	}
	/* With a budget of 0 this still finds the value across hyphens that group digits. */
	k = (unsigned)(g->o.edits_per_char * (double)g->val.n);
	rc = find_fuzzy(g, k, 1, 1, m);
	if (rc < 0)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	return rc;
}

int
ann_ground_find_number(struct ann_ground *g, const char *literal, size_t n,
    struct ann_ground_match *m, struct ann_error *e)
{
	char buf[64];
	double value;

	memset(m, 0, sizeof *m);
	if (n >= sizeof buf)
		return ann_ground_find_string(g, literal, n, m, e);
	memcpy(buf, literal, n);
	buf[n] = '\0';
	value = strtod(buf, NULL);
	if (find_value(g, value, m))
		return 1;
	/* digits beyond a double's precision: the literal itself as text */
	return ann_ground_find_string(g, literal, n, m, e);
}

/* Values longer than this are cut for the nearest-text search, to bound its cost. */
#define NEAREST_MAX_CP 64

/*
 * The budget grows from 1 edit, so near misses cost little; text needing
 * edits to more than half of the value is not reported as near, which
 * also bounds the cost for an invented value to about O(length / 2)
 * rows per source code point.
 */
int
ann_ground_nearest(struct ann_ground *g, const char *s, size_t n,
    struct ann_ground_match *m, struct ann_error *e)
{
	unsigned k, cap;
	int rc = 0;

	memset(m, 0, sizeof *m);
	if (normalise_value(g, s, n))
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	if (g->val.n > NEAREST_MAX_CP)
		g->val.n = NEAREST_MAX_CP;
	cap = (unsigned)(g->val.n + 1) / 2;
	k = 1;
	while (k <= cap) {
		/* "80.90" rather than "80.9": only text that respects boundaries */
		rc = find_fuzzy(g, k, 0, 1, m);
		if (rc != 0 || k == cap)
			break;
		k = k * 2 < cap ? k * 2 : cap;
	}
	if (rc < 0)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	return ANN_OK;
}
