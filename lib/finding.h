/*
 * Findings: errors from the checks that run after the schema (grounding
 * and rules), kept in the JSON Schema "basic" output shape so they join
 * the schema's errors in one "validation" member.
 *
 * A list owns copies of its strings. ann_finding_list_reset() empties it
 * for the next record and keeps the memory. Errors: ANN_ERR_NOMEM only.
 */
#ifndef ANN_FINDING_H
#define ANN_FINDING_H

#include <stddef.h>

#include "buf.h"

struct ann_finding_list {
	struct ann_buf text;  /* instance location, keyword location, message; NUL-separated */
	size_t *offsets;      /* 3 per finding into text */
	size_t n;
	size_t cap;
};

void ann_finding_list_init(struct ann_finding_list *l);
void ann_finding_list_release(struct ann_finding_list *l);
void ann_finding_list_reset(struct ann_finding_list *l);

/* Adds one finding; message is a printf format. */
int ann_finding_add(struct ann_finding_list *l, const char *instance_location,
    const char *keyword_location, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Sets the instance location, keyword location and message of finding i (i < l->n). */
void ann_finding_get(const struct ann_finding_list *l, size_t i, const char **instance_location,
    const char **keyword_location, const char **message);

/* Keeps the first n findings and drops the rest; a larger n changes nothing. */
void ann_finding_list_truncate(struct ann_finding_list *l, size_t n);

/*
 * Appends the findings to validation, a "validation" member written by
 * ann_schema_result_json ({"valid":...,"errors":[...]}): each finding
 * becomes one more error object, and "valid" becomes false when there is
 * at least one. ANN_ERR_INVALID when validation does not have that shape.
 */
int ann_finding_merge(const struct ann_finding_list *l, struct ann_buf *validation);

#endif
