/*
 * Scoring annotations against reference labels, field by field.
 *
 * Each document is a pair of JSON values (the reference and the
 * annotation) walked together: object members by name, array elements by
 * position or, when a match rule names a key member, by that member's
 * normalised value. Every leaf either side has becomes a slot of the field
 * named by its pattern (eval_pointer.h). Each slot is one of:
 *   correct  both sides have a value and the values are equal
 *   wrong    both have a value and the values differ
 *   missing  only the reference has a value
 *   extra    only the annotation has a value
 *   (agree)  neither has a value (null or "" on both sides)
 * and from those, per field:
 *   support   = correct + wrong + missing  (reference values)
 *   predicted = correct + wrong + extra    (annotation values)
 *   precision = correct / predicted, recall = correct / support,
 *   f1        = 2 correct / (predicted + support),
 *   accuracy  = (correct + agree) / slots.
 * A ratio whose denominator is 0 is 1 when the numerator's side had
 * nothing to find either (no values on either side), and 0 otherwise.
 *
 * Use:
 *   1. ann_eval_init(&ev), then set ev.norm, add rules and field filters;
 *   2. ann_eval_document for every pair (eval_run.c does it for streams);
 *   3. read ev.fields and ann_eval_overall, then ann_eval_release(&ev).
 *
 * Errors: functions return ANN_OK or a negative enum ann_err and fill the
 * caller's struct ann_error. cJSON ownership: everything here borrows.
 */
#ifndef ANN_EVAL_H
#define ANN_EVAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "normalize.h"

struct ann_eval_field {
	char *pattern;  /* JSON Pointer with "*" for array indexes */
	size_t slots;
	size_t agree;   /* slots where neither side has a value */
	size_t correct;
	size_t wrong;
	size_t missing;
	size_t extra;
};

struct ann_eval_scores {
	size_t support;
	double precision;
	double recall;
	double f1;
	double accuracy;
};

enum ann_eval_diff_kind {
	ANN_EVAL_DIFF_WRONG,
	ANN_EVAL_DIFF_MISSING,
	ANN_EVAL_DIFF_EXTRA,
	ANN_EVAL_DIFF_MISSING_RECORD,      /* a reference record has no annotation */
	ANN_EVAL_DIFF_ERROR_RECORD,        /* the annotation is an error record */
	ANN_EVAL_DIFF_NO_MEMBER,           /* the record lacks the compared member */
	ANN_EVAL_DIFF_UNREFERENCED_RECORD, /* an annotation has no reference record */
	ANN_EVAL_DIFF_DUPLICATE,           /* a second record with an id already read */
	ANN_EVAL_DIFF_NO_ID,               /* a record without a string id */
	ANN_EVAL_DIFF_UNREADABLE,          /* a line that is not a record */
};

/* One difference, valid during the callback only. Unused members are NULL or 0. */
struct ann_eval_diff {
	enum ann_eval_diff_kind kind;
	const char *id;
	size_t id_len;
	const char *side;            /* "reference" or "annotations", for record kinds */
	size_t line;                 /* input line, for record kinds */
	const char *message;         /* why a line is unreadable */
	const cJSON *error;          /* an error record's "error" member */
	const char *field;           /* the field's pattern */
	const char *path;            /* the leaf's pointer in the reference (or annotation) */
	const char *annotation_path; /* the leaf's pointer in the annotation, when it differs */
	const cJSON *reference;
	const cJSON *annotation;
	const struct ann_norm_value *reference_norm;
	const struct ann_norm_value *annotation_norm;
};

typedef int (*ann_eval_diff_fn)(void *ctx, const struct ann_eval_diff *d, struct ann_error *e);

/* Counts of what one input stream held besides scorable records. */
struct ann_eval_stream_counts {
	size_t records;     /* lines read, blank lines aside */
	size_t unreadable;  /* lines that were not records */
	size_t no_id;
	size_t errors;      /* records with an "error" member */
	size_t duplicates;  /* records whose id came earlier in the stream */
	size_t no_member;   /* records without the compared member */
};

/* Pairs array elements by the member key (a name) in arrays at array_pattern, or in every array when NULL. */
struct ann_eval_match_rule {
	char *array_pattern;
	char *key;
};

struct ann_eval {
	struct ann_norm_options norm;
	ann_eval_diff_fn on_diff; /* NULL: no diffs */
	void *diff_ctx;

	struct ann_eval_match_rule *rules;
	size_t n_rules;
	char **only;          /* field filters: score only leaves under these patterns */
	size_t n_only;

	struct ann_eval_field *fields; /* sorted by pattern, byte order */
	size_t n_fields;
	size_t cap_fields;
	size_t documents;
	size_t documents_exact;

	/* Filled by ann_eval_run (eval_run.c). */
	struct ann_eval_stream_counts reference;
	struct ann_eval_stream_counts annotations;
	size_t paired;
	size_t missing_annotations;
	size_t unreferenced_annotations;

	/* Scratch for the walk. */
	struct ann_buf pattern;
	struct ann_buf ref_path;
	struct ann_buf ann_path;
	struct ann_norm_value ref_value;
	struct ann_norm_value ann_value;
	const char *doc_id;
	size_t doc_id_len;
	int doc_agrees;
	int quiet;
};

void ann_eval_init(struct ann_eval *ev);
void ann_eval_release(struct ann_eval *ev);

/*
 * Adds a match rule from "[ARRAY=]KEY": pair the elements of the array at
 * the pattern ARRAY (every array when left out) by their member KEY.
 */
int ann_eval_add_match_rule(struct ann_eval *ev, const char *spec, struct ann_error *e);

/* Restricts scoring to the leaves at or under the pattern ptr; several filters add up. */
int ann_eval_add_field_filter(struct ann_eval *ev, const char *ptr, struct ann_error *e);

/* Flags for ann_eval_document. */
enum ann_eval_document_flags {
	/* The annotation is absent (no record, an error record, no member):
	 * reference values count as missing, without a diff per field, and the
	 * document is never an exact match. */
	ANN_EVAL_NO_ANNOTATION = 1 << 0,
};

/* Scores one document: ref against ann (NULL when absent). */
int ann_eval_document(struct ann_eval *ev, const char *id, size_t id_len,
    const cJSON *ref, const cJSON *ann, unsigned flags, struct ann_error *e);

/* Computes the scores of one field from its counts. */
void ann_eval_field_scores(const struct ann_eval_field *f, struct ann_eval_scores *s);

struct ann_eval_overall {
	struct ann_eval_field total; /* counts summed over the fields */
	struct ann_eval_scores micro; /* from the summed counts */
	struct ann_eval_scores macro; /* unweighted means of the fields' scores */
	double document_exact_match;  /* documents_exact / documents */
};

/*
 * Computes the overall scores. A score with nothing to measure is NAN, so
 * that it is never read as perfect: the micro and macro scores when no
 * field was compared, and document_exact_match when no document was scored.
 */
void ann_eval_overall(const struct ann_eval *ev, struct ann_eval_overall *o);

#endif
