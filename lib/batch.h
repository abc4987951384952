/*
 * The output of a Bedrock batch inference job, joined back to the records
 * whose requests went into it.
 *
 * A job writes one output file per input file, named after it with ".out"
 * added (in.jsonl -> in.jsonl.out), with one line per record it processed,
 * in no guaranteed order:
 *   {"recordId":ID,"modelInput":{...},"modelOutput":{InvokeModel reply body}}
 *   {"recordId":ID,"modelInput":{...},"error":{"errorCode":400,"errorMessage":"..."}}
 * and a manifest.json.out with counts next to them.
 *
 * Index: ann_batch_add reads each file once and keeps, for every line, its
 * recordId, file, byte offset, length and line number, never the line
 * itself; ann_batch_answer reads one line back with pread(2) when a record
 * asks for it. Memory is about 65 bytes plus the id's length per distinct
 * recordId (75 bytes for 11-character ids in bench/batch.bench.sh), plus
 * the longest line; the files must stay unchanged until the last lookup.
 *
 * Lines that cannot be joined (not a JSON object, no string recordId) are
 * logged with file, line and fault (the first ANN_BATCH_LOGGED at WARN,
 * the rest at INFO) and counted in bad_lines. A line with a recordId but
 * neither a modelOutput nor an error object is kept, and the record it
 * names gets an "unanswered" error that says so.
 *
 * Duplicate recordIds (the same file given twice, or a second job run on
 * the records the first one failed): a line with modelOutput is kept over
 * one without; otherwise the later line wins (later on the command line,
 * later in its file). Each repeat is counted in duplicates.
 *
 * Errors: functions return 0 or a negative enum ann_err and fill *e.
 * Lifecycle: ann_batch_init, ann_batch_add for each path, then
 * ann_batch_answer for each record, ann_batch_unmatched, ann_batch_release.
 */
#ifndef ANN_BATCH_H
#define ANN_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "provider.h"
#include "retry.h"
#include "strtab.h"

/* Bad lines logged at WARN; later ones go to INFO (-v). */
#define ANN_BATCH_LOGGED 10

struct ann_batch_entry;

struct ann_batch {
	char **paths;                   /* the files indexed, in order */
	size_t n_paths;
	struct ann_strtab ids;          /* recordId -> entry index */
	struct ann_batch_entry *entries;/* parallel to ids */
	size_t cap_entries;
	size_t lines;                   /* non-blank lines read, bad ones included */
	size_t bad_lines;
	size_t duplicates;              /* lines whose recordId came earlier */
	size_t first_duplicates[5];     /* entry indexes of the first repeated ids */
	size_t n_first_duplicates;
	int fd;                         /* open file for lookups, or -1 */
	size_t fd_path;                 /* index of the path fd belongs to */
	struct ann_buf line;            /* the line of the last lookup */
	struct ann_json_members members;
};

void ann_batch_init(struct ann_batch *b);
void ann_batch_release(struct ann_batch *b);

/*
 * Indexes path: a batch output file, or a directory whose files ending in
 * ".jsonl.out" are indexed in name order. For a directory with a
 * manifest.json.out, counts that disagree with the lines found are logged
 * at WARN. ANN_ERR_NOT_FOUND when path (or any .jsonl.out file in the
 * directory) does not exist, ANN_ERR_CONFIG when it is neither a regular
 * file nor a directory, ANN_ERR_IO when reading fails.
 */
int ann_batch_add(struct ann_batch *b, const char *path, struct ann_error *e);

/* The batch output's answer for one record, or why there is none. */
struct ann_batch_answer {
	int answered;                   /* 1: result contains the parsed modelOutput */
	struct ann_provider_result result;
	/* When answered is 0: */
	int unanswered;                 /* no usable line: kind "unanswered" */
	enum ann_fail fail;             /* else the kind, from errorCode or the reply */
	int status;                     /* errorCode, 0 when it is not a number */
	char error_type[128];           /* errorCode when it is a name, shortened */
	char message[700];              /* names the file and line */
};

void ann_batch_answer_init(struct ann_batch_answer *a);
void ann_batch_answer_release(struct ann_batch_answer *a);

/*
 * Fills *a with the answer for record id, whose request the caller built
 * with ann_provider_build for bedrock-invoke into *call (tool mode and
 * body). The line's modelOutput is parsed exactly as a live InvokeModel
 * reply is. A line whose modelInput differs from call->body (compared as
 * JSON values) is no answer for this record. An error line becomes the
 * kind ann-invoke gives that HTTP status or error code. Returns ANN_OK
 * (a record without an answer is not an error here), or ANN_ERR_IO or
 * ANN_ERR_NOMEM, which stop the run.
 */
int ann_batch_answer(struct ann_batch *b, const char *id, size_t id_len,
    const struct ann_provider_call *call, struct ann_batch_answer *a, struct ann_error *e);

/*
 * Returns the number of indexed recordIds that no ann_batch_answer asked
 * for, and appends the first max of them to list as "id (file:line)",
 * separated by ", ".
 */
size_t ann_batch_unmatched(const struct ann_batch *b, size_t max, struct ann_buf *list);

/* Appends the first repeated recordIds (up to five) to list, separated by ", ". */
int ann_batch_duplicate_ids(const struct ann_batch *b, struct ann_buf *list);

/* Returns 1 when the JSON texts a and b hold equal values, 0 when not,
 * ANN_ERR_NOMEM when they cannot be parsed for lack of memory. */
int ann_batch_same_json(const char *a, size_t a_len, const char *b, size_t b_len);

#endif
