/*
 * Internal to ann-merge (lib/merge.c, lib/prefer.c, lib/vote.c): a group of records that
 * share one key, the best-record rule, and the context the modes write
 * through. Not part of the interface other commands use.
 */
#ifndef ANN_GROUP_H
#define ANN_GROUP_H

#include <stddef.h>

#include "buf.h"
#include "convert.h"
#include "err.h"
#include "export.h"
#include "fields.h"
#include "merge.h"
#include "record.h"

/* Rank of a record, best last: the order of the best-record rule. */
enum ann_rank {
	ANN_RANK_ERROR = 0,     /* has an "error" member */
	ANN_RANK_INVALID = 1,   /* validation.valid is false */
	ANN_RANK_UNCHECKED = 2, /* no "validation", or valid is null */
	ANN_RANK_VALID = 3,     /* validation.valid is true */
};

/* One record of a group: its own copy of the line, parsed. */
struct ann_group_rec {
	size_t input;
	size_t line_no;
	struct ann_buf line;
	struct ann_record rec;
	enum ann_rank rank;
};

struct ann_group {
	struct ann_group_rec *v;
	size_t n;
	size_t cap;
};

void ann_group_init(struct ann_group *g);
void ann_group_release(struct ann_group *g);
void ann_group_reset(struct ann_group *g);

/* Copies line[0..len) into the group and parses it (the line must be a record). */
int ann_group_add(struct ann_group *g, size_t input, size_t line_no, const char *line,
    size_t len, struct ann_error *e);

enum ann_rank ann_record_rank(const struct ann_record *r);
const char *ann_rank_name(enum ann_rank rank);

/*
 * Returns the index of the best record whose input is in [lo, hi), or -1:
 * highest rank, and among equal ranks the later one (records are added in
 * input order, then line order).
 */
long ann_group_best(const struct ann_group *g, size_t lo, size_t hi);

struct ann_merge_ctx {
	const struct ann_merge_options *opt;
	const struct ann_merge_input *in;
	size_t n_in;
	const int *from_label_studio;  /* per input: converted from a Label Studio export */
	struct ann_converter *converter; /* prefer: Label Studio text to schema types, or NULL */
	struct ann_export *sink;
	struct ann_merge_stats *stats;
	struct ann_record_edit edit;
	struct ann_buf out;
	struct ann_buf info;            /* the "merge" member being built */
	struct ann_buf key;
	struct ann_buf key2;
	struct ann_fields fields;
	struct ann_fields fields2;
	const char *group_key;          /* the key of the group being decided */
	size_t group_key_len;
	size_t warnings;
};

/* Logs a warning about one key, up to a fixed number per run (control characters become '?'). */
void ann_merge_warn(struct ann_merge_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes r with c->edit applied to the sink and counts it. */
int ann_merge_emit(struct ann_merge_ctx *c, const struct ann_record *r, struct ann_error *e);

/* Appends {"input":NAME,"line":N,"status":RANK} for group record i to c->info. */
int ann_merge_add_source(struct ann_merge_ctx *c, const struct ann_group_rec *gr);

/*
 * Appends ,"dropped":[...] listing every record of g not flagged in keep,
 * and counts them in the stats. A dropped record whose members that no
 * stage owns (ann_record_is_stage_member) differ from those of every kept
 * record gets "differs", the pointers of those members, since it is
 * probably another document with the same key rather than another attempt.
 */
int ann_merge_add_dropped(struct ann_merge_ctx *c, const struct ann_group *g, const char *keep);

/* Collects the fields of record r's "output" (paths start with "/output"). */
int ann_merge_output_fields(struct ann_fields *f, const struct ann_record *r);

/* Sets the "merge" member from c->info (an object's members without braces). */
int ann_merge_set_info(struct ann_merge_ctx *c);

/* The prefer mode: the output of the lowest layer, overridden field by field by later inputs. */
int ann_prefer_group(struct ann_merge_ctx *c, const struct ann_group *g, struct ann_error *e);

/* The vote mode: decides one group. */
int ann_vote_group(struct ann_merge_ctx *c, const struct ann_group *g, struct ann_error *e);

#endif
