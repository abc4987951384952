#include "budget.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define BUDGET_MAGIC "ann-budget 1"
#define NANO_PER_USD 1000000000LL
#define BUDGET_TEXT_MAX 512 /* bytes; the format needs at most about 100 */

/* The lines after the first, in order: the name and what the value is. */
static const struct {
	const char *name;
	const char *value;
} budget_lines[] = {
	{ "cost_usd", "US dollars with at most 9 decimals" },
	{ "tokens", "a whole number" },
	{ "calls", "a whole number" },
};

/* Parses a whole non-negative decimal integer of len bytes. Returns 0, or -1. */
static int
parse_count(const char *s, size_t len, long long *out)
{
	long long v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (LLONG_MAX - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Parses dollars such as 12.5 or 0.012345678 into nanodollars. Returns 0, or -1. */
static int
parse_dollars(const char *s, size_t len, long long *out)
{
	const char *dot = memchr(s, '.', len);
	size_t whole_len = dot ? (size_t)(dot - s) : len;
	size_t frac_len = dot ? len - whole_len - 1 : 0;
	long long whole, frac = 0;
	size_t i;

	if (parse_count(s, whole_len, &whole) || whole > LLONG_MAX / NANO_PER_USD)
		return -1;
	if (dot && (frac_len == 0 || frac_len > 9 || parse_count(dot + 1, frac_len, &frac)))
		return -1;
	for (i = frac_len; i < 9; i++)
		frac *= 10;
	if (whole * NANO_PER_USD > LLONG_MAX - frac)
		return -1;
	*out = whole * NANO_PER_USD + frac;
	return 0;
}

/* Copies up to 40 bytes of a line into out for a message, with '?' for control bytes. */
static void
quote_line(const char *s, size_t len, char *out, size_t size)
{
	size_t i, n = len < 40 ? len : 40;

	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[n] = '\0';
}

/* Reports a line that is not what the format expects; a NULL line is the end of the text. */
static int
bad_line(const char *source, int line_no, const char *expected, const char *line, size_t len,
    struct ann_error *e)
{
	char found[48];

	if (line == NULL) {
		snprintf(found, sizeof found, "the end of the file");
	} else {
		found[0] = '"';
		quote_line(line, len, found + 1, 41);
		strcat(found, len > 40 ? "...\"" : "\"");
	}
	return ann_error_set(e, ANN_ERR_INVALID, "budget file %s line %d: expected %s, found %s; "
	    "it is not an ann budget file, or it is damaged", source, line_no, expected, found);
}

int
ann_budget_parse(const char *text, size_t len, const char *source,
    struct ann_budget_totals *out, struct ann_error *e)
{
	long long *values[] = { &out->cost_nusd, &out->tokens, &out->calls };
	const char *p = text;
	const char *end = text + len;
	char expected[96];
	int line_no;

	memset(out, 0, sizeof *out);
	if (len == 0)
		return ANN_OK;

	for (line_no = 1; line_no <= 4; line_no++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		size_t line_len = (size_t)(line_end - p);

		if (p == end) {
			snprintf(expected, sizeof expected, "\"%s <%s>\"",
			    budget_lines[line_no - 2].name, budget_lines[line_no - 2].value);
			return bad_line(source, line_no, expected, NULL, 0, e);
		}
		if (line_no == 1) {
			if (line_len != strlen(BUDGET_MAGIC) || memcmp(p, BUDGET_MAGIC, line_len) != 0)
				return bad_line(source, 1, "\"" BUDGET_MAGIC "\"", p, line_len, e);
		} else {
			size_t name_len = strlen(budget_lines[line_no - 2].name);
			const char *value = p + name_len + 1;
			size_t value_len = line_len > name_len ? line_len - name_len - 1 : 0;
			int bad = line_len <= name_len + 1 ||
			    memcmp(p, budget_lines[line_no - 2].name, name_len) != 0 ||
			    p[name_len] != ' ';

			if (!bad)
				bad = line_no == 2 ? parse_dollars(value, value_len, values[0]) :
				    parse_count(value, value_len, values[line_no - 2]);
			if (bad) {
				snprintf(expected, sizeof expected, "\"%s <%s>\"",
				    budget_lines[line_no - 2].name, budget_lines[line_no - 2].value);
				return bad_line(source, line_no, expected, p, line_len, e);
			}
		}
		p = nl ? nl + 1 : end;
	}
	if (p != end)
		return bad_line(source, 5, "the end of the file", p, (size_t)(end - p), e);
	return ANN_OK;
}

size_t
ann_budget_format(const struct ann_budget_totals *t, char *text, size_t size)
{
	int n = snprintf(text, size, BUDGET_MAGIC "\ncost_usd %lld.%09lld\ntokens %lld\ncalls %lld\n",
	    t->cost_nusd / NANO_PER_USD, t->cost_nusd % NANO_PER_USD, t->tokens, t->calls);

	return n < 0 ? 0 : (size_t)n;
}

double
ann_budget_usd(const struct ann_budget_totals *t)
{
	return (double)t->cost_nusd / (double)NANO_PER_USD;
}

/* Reads and parses the file; the caller holds the lock. */
static int
load(struct ann_budget *b, struct ann_budget_totals *out, struct ann_error *e)
{
	char text[BUDGET_TEXT_MAX];
	size_t len;
	int rc = ann_state_file_read(&b->file, text, sizeof text, &len, e);

	if (rc == ANN_ERR_TOO_LARGE)
		return ann_error_set(e, ANN_ERR_INVALID, "budget file %s is longer than an ann "
		    "budget file can be; it is not one, or it is damaged", b->file.path);
	if (rc)
		return rc;
	return ann_budget_parse(text, len, b->file.path, out, e);
}

/* Returns rc as code, so each caller reports one class of failure; memory stays NOMEM. */
static int
recode(int rc, enum ann_err code, struct ann_error *e)
{
	if (rc == ANN_OK || rc == ANN_ERR_NOMEM)
		return rc;
	if (e)
		e->code = code;
	return code;
}

static int
read_locked(struct ann_budget *b, struct ann_budget_totals *out, struct ann_error *e)
{
	int rc = ann_state_file_lock(&b->file, e);

	if (rc)
		return rc;
	rc = load(b, out, e);
	ann_state_file_unlock(&b->file);
	return rc;
}

int
ann_budget_open(struct ann_budget *b, const char *path, struct ann_budget_totals *now,
    struct ann_error *e)
{
	int rc = ann_state_file_open(&b->file, path, "budget file", e);

	if (rc)
		return rc;
	rc = read_locked(b, now, e);
	if (rc) {
		ann_budget_close(b);
		return recode(rc, ANN_ERR_CONFIG, e);
	}
	return ANN_OK;
}

void
ann_budget_close(struct ann_budget *b)
{
	ann_state_file_close(&b->file);
}

int
ann_budget_read(struct ann_budget *b, struct ann_budget_totals *out, struct ann_error *e)
{
	return recode(read_locked(b, out, e), ANN_ERR_IO, e);
}

/* Adds cost (nanodollars) and tokens to t, and one call. Returns -1 on overflow. */
static int
add_totals(struct ann_budget_totals *t, long long cost_nusd, long long tokens)
{
	if (cost_nusd > LLONG_MAX - t->cost_nusd || tokens > LLONG_MAX - t->tokens ||
	    t->calls == LLONG_MAX)
		return -1;
	t->cost_nusd += cost_nusd;
	t->tokens += tokens;
	t->calls++;
	return 0;
}

int
ann_budget_add(struct ann_budget *b, double cost_usd, long long tokens,
    struct ann_budget_totals *after, struct ann_error *e)
{
	struct ann_budget_totals t;
	char text[BUDGET_TEXT_MAX];
	long long cost_nusd;
	size_t len;
	int rc;

	/* A cost that is not a number (no price) adds nothing rather than poisoning the total. */
	if (!(cost_usd >= 0))
		cost_usd = 0;
	if (cost_usd > 1e9)
		return ann_error_set(e, ANN_ERR_IO, "budget file %s: a cost of %g USD for one "
		    "reply is out of range", b->file.path, cost_usd);
	cost_nusd = llround(cost_usd * (double)NANO_PER_USD);
	if (tokens < 0)
		tokens = 0;

	rc = ann_state_file_lock(&b->file, e);
	if (rc)
		return rc;
	rc = load(b, &t, e);
	if (rc == ANN_OK && add_totals(&t, cost_nusd, tokens) != 0)
		rc = ann_error_set(e, ANN_ERR_INVALID, "budget file %s: the totals would "
		    "overflow", b->file.path);
	if (rc == ANN_OK) {
		len = ann_budget_format(&t, text, sizeof text);
		rc = ann_state_file_write(&b->file, text, len, e);
	}
	ann_state_file_unlock(&b->file);
	if (rc == ANN_OK && after)
		*after = t;
	return recode(rc, ANN_ERR_IO, e);
}
