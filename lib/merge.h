/*
 * ann-merge: union with deduplication, join, vote and layered preference
 * over several JSONL inputs, written as JSONL, Label Studio tasks or CSV.
 *
 * Records are grouped by a key: the string at a JSON Pointer ("/id" by
 * default), compared as decoded bytes, never as a number. Each group of
 * records with one key becomes one output record. Members ann-merge does
 * not own pass through byte for byte; it sets "output" (vote, prefer, and
 * join when the annotation brings it) and adds "merge" to records that have
 * something to report: dropped duplicates, conflicts, missing
 * counterparts, agreement. Lines that are not records, and records without
 * a string key, are written straight out as error records, never grouped.
 *
 * Which record of a group is kept (the best-record rule, used by every
 * mode): validation.valid true, then no verdict (no "validation", or valid
 * null), then valid false, then a record with an "error" member; among
 * equals, the later attempt (later input, then later line).
 *
 * Label Studio returns text, so in prefer the text of a layer read from a
 * Label Studio export is converted. With schema_path it takes the type
 * the schema gives at the field's pointer (lib/convert.h). Without it,
 * or where the schema allows every type, it takes the type of the value
 * it replaces when the text spells one.
 *
 * Memory: with sorted inputs (every input in byte order of its keys) the
 * inputs are merged as streams and memory holds one group. Otherwise the
 * inputs are indexed first, which takes memory per distinct key (the key
 * bytes plus about 80 bytes) and 32 bytes per extra record of a key, and
 * inputs that are not regular files are first copied to a temporary file.
 *
 * Steps for a caller:
 *   1. fill struct ann_merge_options and an array of struct ann_merge_input
 *      with open file descriptors;
 *   2. ann_merge_run(), which reads every input and writes the result;
 *   3. read struct ann_merge_stats; the caller closes the descriptors.
 * Errors: ann_merge_run returns 0 or a negative enum ann_err with *e set.
 * ANN_ERR_CONFIG means a bad option or a schema that cannot be compiled,
 * found before any output. ANN_ERR_INVALID means an input given as
 * sorted is not; ANN_ERR_IO with
 * stats.broken_pipe set means the reader of the output went away.
 */
#ifndef ANN_MERGE_H
#define ANN_MERGE_H

#include <stddef.h>

#include "err.h"
#include "schema.h"

enum ann_merge_mode {
	ANN_MERGE_UNION,   /* deduplicate: the best record of each key */
	ANN_MERGE_JOIN,    /* documents (first input) with their annotations */
	ANN_MERGE_VOTE,    /* field-by-field majority over runs (one per input) */
	ANN_MERGE_PREFER,  /* layers: later inputs override output fields */
};

enum ann_merge_format {
	ANN_MERGE_JSONL,
	ANN_MERGE_LABEL_STUDIO,
	ANN_MERGE_CSV,
};

struct ann_merge_options {
	enum ann_merge_mode mode;
	enum ann_merge_format format;
	const char *key;           /* JSON Pointer of the key; "/id" when NULL */
	int sorted;                /* inputs are sorted by key: stream them */
	double threshold;          /* vote: agreement below this is listed for review */
	int csv_bom;               /* CSV: start with a UTF-8 byte order mark */
	const char *ls_to_name;    /* Label Studio: object tag name; "text" when NULL */
	const char *model_version; /* Label Studio: overrides the record's "model" */
	const char *schema_path;   /* prefer: JSON Schema of "output", or NULL (see below) */
	struct ann_schema_options schema; /* how to compile it: dialect and schema maps */
};

struct ann_merge_input {
	const char *name; /* for messages and the "merge" member; "-" for stdin */
	int fd;
};

/* Keys listed in each list of ann_merge_stats, and the room for them. */
#define ANN_MERGE_LISTED_KEYS 5
#define ANN_MERGE_LIST_MAX 512

struct ann_merge_stats {
	size_t records_in;   /* lines read that were records or line errors */
	size_t records_out;
	size_t duplicates;   /* records dropped for a better one with the same key */
	size_t duplicate_keys; /* keys that had such records */
	size_t differing;    /* duplicates whose members no stage owns differ from the
	                        kept record's: probably another document with the key */
	size_t differing_keys; /* keys that had such records */
	char duplicate_list[ANN_MERGE_LIST_MAX]; /* the first keys with duplicates, for
	                        messages: printable, separated by ", " */
	char differing_list[ANN_MERGE_LIST_MAX]; /* the same for differing duplicates,
	                        each key followed by the differing members in brackets */
	size_t conflicts;    /* keys whose kept records disagree on some value */
	size_t missing;      /* keys without a counterpart (join, prefer, vote) */
	size_t ties;         /* vote: fields left undecided */
	size_t review;       /* vote: records with fields below the threshold */
	size_t errors;       /* output records that carry an "error" member */
	size_t label_studio; /* inputs read as Label Studio exports */
	size_t unconverted;  /* prefer: reviewer texts the schema's types did not take */
	int broken_pipe;
};

/* Maximum number of inputs of one run (each may need a descriptor and a buffer). */
#define ANN_MERGE_MAX_INPUTS 1000

/* The names of enum ann_merge_mode values, as the "merge" member spells them. */
const char *ann_merge_mode_name(enum ann_merge_mode mode);

int ann_merge_run(const struct ann_merge_options *opt, const struct ann_merge_input *in,
    size_t n_in, int out_fd, struct ann_merge_stats *stats, struct ann_error *e);

#endif
