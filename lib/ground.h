/*
 * Grounding: checks that every string and number in an answer occurs in
 * the document's source text, and records where.
 *
 * Both sides go through the same normalisation before they are compared:
 * NFKC and case folding (ann_norm_text), and every run of white space as
 * one space. A value is then found in one of three ways, tried in order:
 *   1. as text: the normalised value occurs in the normalised source, and
 *      does not start or end inside a number or a Latin word there;
 *   2. as a number: the value reads as a number (a JSON number, or a
 *      string such as "RM 80.90" or "４５，０００円" that ann_norm_number
 *      reads) equal to a number written in the source, compared by
 *      magnitude because signs are printed in many ways;
 *   3. as a date: the value reads as a whole date equal to one in the
 *      source (2024-06-01 grounds 令和6年6月1日 and 01/06/2024, read in
 *      the date order of the options, day first by default);
 *   4. as text with OCR noise: at most floor(edits_per_char * length)
 *      insertions, deletions or substitutions, none of which may touch a
 *      digit, so a changed digit is never taken for noise. A hyphen
 *      between letters or digits ("T9-9915-0157-0935") may be dropped or
 *      added at no cost, even with a budget of 0.
 * Offsets are Unicode code points (not bytes) into the source text as
 * decoded from JSON, end exclusive. A word-list source is read as its
 * words joined by one space, and offsets count in that joined text.
 *
 * Use: ann_ground_new() once; per record ann_ground_set_source() (or
 * ann_ground_set_text()) then ann_ground_check(). Errors: functions return
 * 0 or a negative enum ann_err and fill *e; an ungrounded value is not an
 * error but a finding.
 */
#ifndef ANN_GROUND_H
#define ANN_GROUND_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "finding.h"
#include "jsonv.h"
#include "normalize.h"

#define ANN_GROUND_MAX_DERIVED 64
#define ANN_GROUND_EDITS_DEFAULT 0.1

/* keywordLocation of grounding findings */
#define ANN_GROUND_KEYWORD "/x-ann-ground"

struct ann_ground_opts {
	const char *source;       /* JSON Pointer to the source in the record */
	double edits_per_char;    /* OCR noise allowed per code point of the value */
	const char *derived[ANN_GROUND_MAX_DERIVED]; /* exempt pointers; "*" matches any segment */
	size_t n_derived;
	const char *schema_path;  /* x-ann-derived is read from it; may be NULL */
	enum ann_date_order date_order;
};

/* How a value was found. */
enum ann_ground_how {
	ANN_GROUND_NONE,
	ANN_GROUND_TEXT,
	ANN_GROUND_NUMBER,
	ANN_GROUND_DATE,
	ANN_GROUND_FUZZY,
};

struct ann_ground_match {
	enum ann_ground_how how;
	size_t start, end;   /* code points in the source text */
	unsigned edits;
};

struct ann_ground;

void ann_ground_opts_init(struct ann_ground_opts *o);

/* Reads x-ann-derived from the schema, when one is named. */
int ann_ground_new(struct ann_ground **out, const struct ann_ground_opts *o,
    struct ann_error *e);
void ann_ground_free(struct ann_ground *g);

/* Sets the source to the UTF-8 text s[0..n) (invalid bytes read as U+FFFD). */
int ann_ground_set_text(struct ann_ground *g, const char *s, size_t n, struct ann_error *e);

/*
 * Sets the source from a JSON value: a string, or an array of words, each
 * a string or an object {"text": "...", "box": any JSON}. ANN_ERR_INVALID
 * for any other shape.
 */
int ann_ground_set_source(struct ann_ground *g, const struct ann_jsonv *src,
    struct ann_error *e);

/* Finds one string value; returns 1 when found, 0 when not. */
int ann_ground_find_string(struct ann_ground *g, const char *s, size_t n,
    struct ann_ground_match *m, struct ann_error *e);

/* Finds a JSON number given by its literal; returns 1 when found, 0 when not. */
int ann_ground_find_number(struct ann_ground *g, const char *literal, size_t n,
    struct ann_ground_match *m, struct ann_error *e);

/*
 * Fills *m with the source text nearest to s[0..n) by edit distance
 * (unit costs, digits included) that respects number and word
 * boundaries; how is NONE when no text is within edits to half of the
 * value's first 64 code points.
 */
int ann_ground_nearest(struct ann_ground *g, const char *s, size_t n,
    struct ann_ground_match *m, struct ann_error *e);

/* Returns the original source text of [start, end) code points and its length. */
const char *ann_ground_text(const struct ann_ground *g, size_t start, size_t end, size_t *len);

/*
 * Grounds every string and number of answer except exempt ones. Each
 * ungrounded value becomes a finding; spans (reset first) gets a JSON
 * array with one object per grounded value (doc/records.md, "spans").
 */
int ann_ground_check(struct ann_ground *g, const struct ann_jsonv *answer,
    struct ann_finding_list *findings, struct ann_buf *spans, struct ann_error *e);

/* Returns 1 when pointer (an instance location) is exempt from grounding. */
int ann_ground_is_derived(const struct ann_ground *g, const char *pointer);

#endif
