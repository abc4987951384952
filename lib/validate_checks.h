/*
 * The checks ann-validate runs after the schema: grounding in the
 * record's source text (--ground) and cross-field rules (--rules). Their
 * findings join the schema's errors in the "validation" member, and
 * grounding writes the "spans" member after it.
 *
 * ann_validate_checks_new() returns NULL in *out when neither check is
 * requested. Errors: 0 or a negative enum ann_err with *e filled; a bad
 * rules file or schema is ANN_ERR_CONFIG.
 */
#ifndef ANN_VALIDATE_CHECKS_H
#define ANN_VALIDATE_CHECKS_H

#include "buf.h"
#include "err.h"
#include "finding.h"
#include "jsonv.h"
#include "record.h"
#include "validate.h"

struct ann_validate_checks;

int ann_validate_checks_new(struct ann_validate_checks **out, const struct ann_validate_opts *o,
    struct ann_error *e);
void ann_validate_checks_free(struct ann_validate_checks *c);

/*
 * Checks value, the answer taken from rec. validation holds the schema's
 * verdict as JSON. *valid becomes 0 when there is a finding. The first
 * max_findings findings are merged into validation and the rest are
 * dropped, which is how --max-errors is applied. Pass max_findings 0 only
 * when validation already has an error, because a verdict with no
 * findings merged is left as it was.
 */
int ann_validate_checks_run(struct ann_validate_checks *c, const struct ann_record *rec,
    const struct ann_jsonv *value, size_t max_findings, struct ann_buf *validation, int *valid,
    struct ann_error *e);

/* Returns the findings merged by the last ann_validate_checks_run. */
const struct ann_finding_list *ann_validate_checks_findings(const struct ann_validate_checks *c);

/* Sets the "spans" member of the last record checked, when grounding ran. */
int ann_validate_checks_write(struct ann_validate_checks *c, struct ann_record_edit *ed,
    struct ann_error *e);

#endif
