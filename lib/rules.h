/*
 * Cross-field rules: checks between the values of one answer, written as
 * data in a JSON rules file (the format is in doc/rules.md). A rule says
 * for example that each line's amount is its quantity times its unit
 * price, or that the subtotal plus the tax is the total.
 *
 * Arithmetic is exact decimal (no binary floating point), so 0.1 + 0.2
 * equals 0.3 and a tolerance of 0 means equal. A rule whose values are
 * missing, of the wrong type or out of range is skipped: the schema
 * reports those, and a rule only rejects what it knows to be wrong.
 *
 * Use: ann_rules_load() once (every fault in the file is reported there,
 * with its location, as ANN_ERR_CONFIG), ann_rules_check() per answer,
 * ann_rules_free(). A compiled rule set is read-only during checks except
 * for its scratch memory, so use one per thread.
 */
#ifndef ANN_RULES_H
#define ANN_RULES_H

#include "err.h"
#include "finding.h"
#include "jsonv.h"

/* keywordLocation of a rule's findings is this prefix and the rule's id. */
#define ANN_RULES_KEYWORD "/x-ann-rules/"

struct ann_rules;

int ann_rules_load(struct ann_rules **out, const char *path, struct ann_error *e);

/* Loads rules from the JSON text s[0..n); name is used in messages. */
int ann_rules_load_text(struct ann_rules **out, const char *s, size_t n, const char *name,
    struct ann_error *e);

void ann_rules_free(struct ann_rules *r);

/* Checks answer against every rule; each failure becomes a finding. */
int ann_rules_check(struct ann_rules *r, const struct ann_jsonv *answer,
    struct ann_finding_list *findings, struct ann_error *e);

/*
 * Checks a Japanese qualified-invoice registration number: "T" and 13
 * digits after NFKC, with spaces and hyphens ignored. With corporate set,
 * the 13 digits are a corporate number and its check digit must hold.
 * Returns 1 when valid, 0 when not (with the reason in why), or a
 * negative enum ann_err.
 */
int ann_rules_jp_registration(const char *s, size_t n, int corporate, char *why, size_t why_size);

#endif
