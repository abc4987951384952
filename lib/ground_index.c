/*
 * The numbers and dates written in a source, found once per source so
 * that each value costs a binary search instead of a scan.
 */
#include <stdlib.h>
#include <string.h>

#include "ground_int.h"

static int
is_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

static int
is_sep(uint32_t c)
{
	return c == '.' || c == ',';
}

static int
add_num(struct ann_ground *g, double value, size_t start, size_t end)
{
	if (g->n_nums == g->cap_nums) {
		size_t cap = g->cap_nums ? 2 * g->cap_nums : 64;
		struct ground_num *p = realloc(g->nums, cap * sizeof *p);

		if (p == NULL)
			return ANN_ERR_NOMEM;
		g->nums = p;
		g->cap_nums = cap;
	}
	g->nums[g->n_nums].value = value < 0 ? -value : value;
	g->nums[g->n_nums].start = start;
	g->nums[g->n_nums].end = end;
	g->n_nums++;
	return ANN_OK;
}

/* Reads the normalised code points [i, j) as a number and indexes it. */
static int
try_number(struct ann_ground *g, size_t i, size_t j, unsigned flags, int *found)
{
	const char *s = g->utf8.data + g->utf8_off[i];
	size_t n = g->utf8_off[j] - g->utf8_off[i];
	double v;

	*found = 0;
	if (ann_norm_number(s, n, flags, &v) != 1)
		return ANN_OK;
	*found = 1;
	return add_num(g, v, i, j);
}

static int
cmp_num(const void *a, const void *b)
{
	const struct ground_num *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* 万, 億, 千 and 兆 after digits scale them: 7万円 is 70000. */
static int
is_multiplier(uint32_t c)
{
	return c == 0x4E07 || c == 0x5104 || c == 0x5343 || c == 0x5146;
}

/*
 * Indexes every run of digits with single '.' or ',' between digits.
 * A run that is not one number ("25.12.2018", "1,2") is indexed piece by
 * piece between its separators. Kanji multipliers that follow a run are
 * read with it as well.
 */
int
ground_index_numbers(struct ann_ground *g)
{
	const uint32_t *cp = g->src.cp;
	size_t n = g->src.n;
	size_t i = 0;
	int found, rc;

	g->n_nums = 0;
	while (i < n) {
		size_t j, k, piece;

		if (!is_digit(cp[i])) {
			i++;
			continue;
		}
		j = i;
		while (j < n && (is_digit(cp[j]) || (is_sep(cp[j]) && j + 1 < n && is_digit(cp[j + 1]))))
			j++;
		rc = try_number(g, i, j, 0, &found);
		if (rc)
			return rc;
		if (!found) {
			for (piece = i, k = i; k <= j; k++) {
				if (k == j || is_sep(cp[k])) {
					rc = try_number(g, piece, k, 0, &found);
					if (rc)
						return rc;
					piece = k + 1;
				}
			}
		}
		if (j < n && is_multiplier(cp[j])) {
			k = j + 1;
			while (k < n && (is_multiplier(cp[k]) || is_digit(cp[k]) || cp[k] == ','))
				k++;
			for (; k > j; k--) {
				rc = try_number(g, i, k, ANN_NORM_KANJI_MULTIPLIERS, &found);
				if (rc)
					return rc;
				if (found)
					break;
			}
		}
		i = j;
	}
	if (g->n_nums > 1)
		qsort(g->nums, g->n_nums, sizeof *g->nums, cmp_num);
	return ANN_OK;
}

static int
is_latin(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 令 平 昭 大 明: the first characters of the era names. */
static int
is_era_start(uint32_t c)
{
	return c == 0x4EE4 || c == 0x5E73 || c == 0x662D || c == 0x5927 || c == 0x660E;
}

/* A date may end after a digit, a Latin letter, 年 月 日, or a closing bracket. */
static int
may_end_date(const uint32_t *cp, size_t n, size_t j)
{
	uint32_t last = cp[j - 1];

	if (j < n && is_digit(last) && is_digit(cp[j]))
		return 0;
	if (j < n && is_latin(last) && is_latin(cp[j]))
		return 0;
	return is_digit(last) || is_latin(last) || last == 0x5E74 || last == 0x6708 ||
	    last == 0x65E5 || last == ')';
}

static int
cmp_date(const void *a, const void *b)
{
	const struct ground_date *x = a, *y = b;
	int c = strcmp(x->iso, y->iso);

	if (c)
		return c;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Longest text, in code points, that a date in the source is read from. */
#define DATE_MAX_CP 32

/*
 * Indexes the dates written in the source: from every place where a
 * number, a Latin word or an era name starts, the longest text of at
 * most DATE_MAX_CP code points that ann_norm_date reads as a whole date.
 */
int
ground_index_dates(struct ann_ground *g)
{
	const uint32_t *cp = g->src.cp;
	size_t n = g->src.n;
	size_t i;

	g->n_dates = 0;
	g->dates_built = 1;
	for (i = 0; i < n; i++) {
		size_t j, best = 0;
		char iso[11], best_iso[11];

		if (!(is_digit(cp[i]) && (i == 0 || !is_digit(cp[i - 1]))) &&
		    !(is_latin(cp[i]) && (i == 0 || !is_latin(cp[i - 1]))) &&
		    !is_era_start(cp[i]))
			continue;
		for (j = i + 1; j <= n && j - i <= DATE_MAX_CP; j++) {
			if (!may_end_date(cp, n, j))
				continue;
			if (ann_norm_date(g->utf8.data + g->utf8_off[i], g->utf8_off[j] - g->utf8_off[i],
			    g->o.date_order, iso) == 1 && strlen(iso) == 10) {
				best = j;
				memcpy(best_iso, iso, sizeof iso);
			}
		}
		if (best == 0)
			continue;
		if (g->n_dates == g->cap_dates) {
			size_t cap = g->cap_dates ? 2 * g->cap_dates : 16;
			struct ground_date *p = realloc(g->dates, cap * sizeof *p);

			if (p == NULL)
				return ANN_ERR_NOMEM;
			g->dates = p;
			g->cap_dates = cap;
		}
		memcpy(g->dates[g->n_dates].iso, best_iso, sizeof best_iso);
		g->dates[g->n_dates].start = i;
		g->dates[g->n_dates].end = best;
		g->n_dates++;
	}
	if (g->n_dates > 1)
		qsort(g->dates, g->n_dates, sizeof *g->dates, cmp_date);
	return ANN_OK;
}
