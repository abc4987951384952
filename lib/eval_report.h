/*
 * ann-eval's outputs: the table for people, the JSON summary for
 * machines, and one JSON line per difference for error analysis.
 *
 * The writers append to a caller's ann_buf and return ANN_OK or
 * ANN_ERR_NOMEM; ann_eval_diff_write also writes the line out.
 * Numbers are printed in the C locale's form whatever the process locale.
 */
#ifndef ANN_EVAL_REPORT_H
#define ANN_EVAL_REPORT_H

#include "buf.h"
#include "eval.h"

/*
 * Appends the table: one row per field, then micro and macro averages,
 * then document and record counts. Columns line up in a terminal for
 * Japanese field names too: wide characters count as two columns.
 */
int ann_eval_report_table(const struct ann_eval *ev, struct ann_buf *out);

/* Appends the summary as one JSON object and a newline (members in ann-eval(1)). */
int ann_eval_report_json(const struct ann_eval *ev, struct ann_buf *out);

/* Appends one difference as a JSON line. */
int ann_eval_diff_json(const struct ann_eval_diff *d, struct ann_buf *out);

/*
 * An ann_eval_diff_fn: writes the difference as a JSON line through ctx,
 * a struct ann_jsonl_writer.
 */
int ann_eval_diff_write(void *ctx, const struct ann_eval_diff *d, struct ann_error *e);

/* Returns the number of terminal columns s[0..n) takes (UTF-8; wide characters are 2). */
size_t ann_eval_display_width(const char *s, size_t n);

#endif
