/*
 * The record loop shared by filters that handle one record at a time.
 *
 * ann_filter_run reads JSONL, turns every line that is not a record into
 * an error record (written straight through, never dropped), passes a
 * record without a string "id" on with an "error" member, hands every
 * other record to the command's handler, and writes what it produced.
 * Steps for a caller:
 *   1. ann_filter_init(&f, in_fd, out_fd, flush_each);
 *   2. ann_filter_run(&f, handler, ctx, &err);
 *   3. read the counters, then ann_filter_release(&f).
 *
 * The handler gets the parsed record and an empty edit and output buffer.
 * It either fills the edit (the loop then writes the record spliced with
 * it) or appends whole lines to out itself (for commands that route or
 * rebuild). Returning ANN_FILTER_SKIP leaves the record out of the output.
 * Returning ANN_FILTER_REJECT says the edit or out holds an error record:
 * it goes to the rejects writer when one is set, else to the output like
 * any other. Returning a negative error stops the run: use it for system
 * failures only, since a failing record is data, not a stop.
 *
 * Two optional settings, made between init and run:
 *   select, select_ctx: called for every line before anything else with
 *     the line's shard key (the decoded id of a record with a string id,
 *     else "line:N"); a line for which it returns 0 is left out silently,
 *     line errors included, and counted in skipped only. A negative
 *     return stops the run like a handler error.
 *   rejects: a second writer for error records (lines that are not
 *     records, records without an id, and ANN_FILTER_REJECT), for formats
 *     whose output file must hold nothing else.
 */
#ifndef ANN_FILTER_H
#define ANN_FILTER_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "jsonl.h"
#include "record.h"

#define ANN_FILTER_SKIP 1
#define ANN_FILTER_REJECT 2

struct ann_filter;

typedef int (*ann_filter_select)(void *ctx, const char *key, size_t len, struct ann_error *e);

typedef int (*ann_filter_handler)(void *ctx, const struct ann_record *rec,
    struct ann_record_edit *edit, struct ann_buf *out, struct ann_error *e);

struct ann_filter {
	struct ann_jsonl_reader in;
	struct ann_jsonl_writer out;
	struct ann_record rec;
	struct ann_record_edit edit;
	struct ann_buf line_out;
	size_t records_in;   /* lines that were records or line errors, selected ones only */
	size_t line_errors;  /* lines turned into error records, or marked, here */
	size_t skipped;      /* lines left out by select or by ANN_FILTER_SKIP */
	ann_filter_select select;  /* NULL: every line */
	void *select_ctx;
	struct ann_jsonl_writer *rejects; /* NULL: error records go to out */
};

void ann_filter_init(struct ann_filter *f, int in_fd, int out_fd, int flush_each);
void ann_filter_release(struct ann_filter *f);

/*
 * Runs handler over every record until the end of input. Returns ANN_OK,
 * the handler's error, or a read or write error; f->out.broken_pipe is set
 * when the error was the reader closing early (EPIPE).
 */
int ann_filter_run(struct ann_filter *f, ann_filter_handler handler, void *ctx,
    struct ann_error *e);

#endif
