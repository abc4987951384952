/*
 * A spending budget that the processes of one job share through a file
 * the user names (ann-invoke and ann-retry --budget-file).
 *
 * The file contains the job's totals so far, as text that `cat` shows:
 *   ann-budget 1
 *   cost_usd 0.012345678
 *   tokens 5678
 *   calls 12
 * cost_usd is kept in whole nanodollars (10^-9 USD, the precision of
 * cost_usd in records), so additions from many processes sum exactly.
 * tokens counts input, output, cache read and cache write tokens; calls
 * counts the replies added. An empty file is a new budget with every
 * total 0; any other content is rejected as corrupt.
 *
 * ann_budget_add locks the file (lib/statefile.h), reads it, adds and
 * writes it back, so no addition from a concurrent process is lost.
 * The totals only grow, so each write is at least as long as the text it
 * replaces. Nothing ever resets the file: a job that should start from 0
 * needs a new file, or the old one removed.
 *
 * Errors: functions return 0 or a negative enum ann_err with *e filled,
 * naming the file. ann_budget_open returns ANN_ERR_CONFIG for a file that
 * cannot be opened or read or is corrupt; later calls return ANN_ERR_IO
 * for the same failures.
 */
#ifndef ANN_BUDGET_H
#define ANN_BUDGET_H

#include <stddef.h>

#include "err.h"
#include "statefile.h"

struct ann_budget_totals {
	long long cost_nusd; /* nanodollars */
	long long tokens;
	long long calls;
};

struct ann_budget {
	struct ann_state_file file;
};

/* Opens or creates the budget file at path and reads its totals into *now. */
int ann_budget_open(struct ann_budget *b, const char *path, struct ann_budget_totals *now,
    struct ann_error *e);
void ann_budget_close(struct ann_budget *b);

/* Reads the current totals. */
int ann_budget_read(struct ann_budget *b, struct ann_budget_totals *out, struct ann_error *e);

/*
 * Adds one reply's cost (USD, rounded to the nanodollar) and tokens, and
 * counts one call. *after (may be NULL) gets the totals with them added.
 */
int ann_budget_add(struct ann_budget *b, double cost_usd, long long tokens,
    struct ann_budget_totals *after, struct ann_error *e);

/* Returns the total cost in USD. */
double ann_budget_usd(const struct ann_budget_totals *t);

/*
 * Parses the file's text (len bytes) into *out; source names the file in
 * the error. Returns ANN_ERR_INVALID, naming the line, when the text is
 * not an empty file or the format above.
 */
int ann_budget_parse(const char *text, size_t len, const char *source,
    struct ann_budget_totals *out, struct ann_error *e);

/* Writes the totals in the file's format into text (size bytes); returns the length. */
size_t ann_budget_format(const struct ann_budget_totals *t, char *text, size_t size);

#endif
