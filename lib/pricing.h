/*
 * Estimated prices per model, from a JSON table the user can edit
 * (share/pricing.json in the source tree, installed under the data
 * directory).
 *
 * Table form: {"currency":"USD", "source":..., "date":..., "models":
 * {"<key>": {"input": P, "output": P, "cache_read": P, "cache_write": P}}}
 * with prices in US dollars per million tokens. A model id matches the
 * longest key it contains, so "claude-haiku-4-5" prices
 * "jp.anthropic.claude-haiku-4-5-20251001-v1:0", an inference-profile ARN
 * ending in that id, and the Anthropic API's "claude-haiku-4-5-20251001".
 *
 * Batch inference: "batch_discount" (top level, or in a model's entry,
 * which wins) is the fraction taken off every price of a record answered
 * by a batch job, from 0 to 1; ann_price_apply_batch applies it.
 *
 * Errors: functions return 0 or a negative enum ann_err and fill *e.
 */
#ifndef ANN_PRICING_H
#define ANN_PRICING_H

#include "err.h"

struct ann_price {
	char key[128];      /* the table key that matched */
	double input;       /* USD per million tokens */
	double output;
	double cache_read;
	double cache_write;
	double batch_discount; /* fraction off for batch inference, -1 when the table has none */
	int batch;          /* 1 once ann_price_apply_batch discounted the prices */
};

/* Looks model up in the table file path. ANN_ERR_NOT_FOUND when no key
 * matches; ANN_ERR_CONFIG when the file is unreadable or malformed. */
int ann_pricing_lookup(const char *path, const char *model, struct ann_price *out,
    struct ann_error *e);

/*
 * Returns the table to use, malloc'd: explicit when not NULL, else
 * $ANN_PRICING, else pricing.json in the installed data directory, else
 * share/pricing.json next to the program's bin directory (a source tree).
 * NULL when none of them is a readable file.
 */
char *ann_pricing_default_path(const char *explicit_path);

/* Turns on-demand prices into batch prices. Returns 0 when the table
 * gives no batch_discount, which leaves the prices as they are. */
int ann_price_apply_batch(struct ann_price *p);

/* Returns the estimated cost in USD of the given token counts. */
double ann_price_cost(const struct ann_price *p, long input, long output, long cache_read,
    long cache_write);

/* Rounds a cost in USD to a billionth of a dollar, the precision records
 * carry, so that sums of costs print without binary noise. */
double ann_price_round(double usd);

#endif
