/*
 * ann-eval over two JSONL streams joined by id.
 *
 * The reference stream is read whole first and kept in memory, one parsed
 * member per record. The annotation stream is then read one record at a
 * time and scored against its reference. Reference records that no
 * annotation named are scored last, in reference order, as documents
 * without an annotation.
 *
 * Nothing is dropped silently. Every record that cannot be scored normally
 * is counted in ev->reference, ev->annotations, ev->missing_annotations or
 * ev->unreferenced_annotations, and reported through ev->on_diff:
 *   - a line that is not a record, or a record without a string id: counted,
 *     logged as a warning, not scored;
 *   - a record whose id came earlier in the same stream: counted, logged,
 *     not scored (the first one counts);
 *   - a reference record with an "error" member or without the compared
 *     member: counted, not scored, and its annotation is not scored either;
 *   - an annotation with an "error" member or without the compared member,
 *     and a reference record without any annotation: scored as a document
 *     whose values are all missing;
 *   - an annotation whose id is not in the reference: counted, not scored.
 *
 * Errors: ann_eval_run returns ANN_OK, or ANN_ERR_IO or ANN_ERR_NOMEM with
 * *e filled; bad records are data, counted as above, never errors.
 */
#ifndef ANN_EVAL_RUN_H
#define ANN_EVAL_RUN_H

#include "eval.h"

/* One input stream: where it comes from and which member contains its labels. */
struct ann_eval_input {
	int fd;
	const char *name;   /* for messages: a file name, or "standard input" */
	const char *member; /* a top-level member name, or a JSON Pointer starting with '/' */
};

/* Returns ANN_OK when spec is a usable member name or JSON Pointer. */
int ann_eval_member_check(const char *spec, struct ann_error *e);

int ann_eval_run(struct ann_eval *ev, const struct ann_eval_input *reference,
    const struct ann_eval_input *annotations, struct ann_error *e);

/* Returns the number of records that could not be scored normally (0 for a clean run). */
size_t ann_eval_problems(const struct ann_eval *ev);

#endif
