/*
 * Output formats of ann-merge, and the Label Studio export reader.
 *
 * An export takes finished JSONL records one by one and writes them as
 * JSONL (unchanged), as a Label Studio task import (a JSON array of tasks,
 * each with "data" and "predictions"), or as CSV with one column per field
 * path. CSV needs every column before the first row, so it keeps the rows
 * in a temporary file until ann_export_finish; memory then grows with the
 * number of distinct columns only.
 *
 * Steps: ann_export_init, ann_export_record for each record (a line ending
 * in '\n'), ann_export_finish, ann_export_release. Functions return 0 or a
 * negative enum ann_err with *e set.
 */
#ifndef ANN_EXPORT_H
#define ANN_EXPORT_H

#include <stdio.h>

#include "buf.h"
#include "err.h"
#include "fields.h"
#include "jsonl.h"
#include "merge.h"
#include "strtab.h"

struct ann_export {
	const struct ann_merge_options *opt;
	struct ann_jsonl_writer w;
	FILE *rows;              /* CSV: records kept until the header is known */
	struct ann_strtab columns;
	struct ann_fields fields;
	struct ann_buf line;
	struct ann_buf text;
	size_t tasks;            /* Label Studio: tasks written */
};

int ann_export_init(struct ann_export *x, const struct ann_merge_options *opt, int fd,
    struct ann_error *e);
int ann_export_record(struct ann_export *x, const char *line, size_t len, struct ann_error *e);
int ann_export_finish(struct ann_export *x, struct ann_error *e);
void ann_export_release(struct ann_export *x);

/*
 * Reads a Label Studio JSON export (an array of tasks) from fd and writes
 * one JSONL record per task to out_fd: the members of the task's "data",
 * and an "output" built from its last annotation that was not cancelled
 * (each result's from_name is the field path, as ann-merge writes it).
 * Sets *tasks to the number of tasks. Text fields come back as strings.
 */
int ann_label_studio_import(int fd, const char *name, int out_fd, size_t *tasks,
    struct ann_error *e);

/* Returns 1 when the file at fd starts, after white space, with '['. */
int ann_label_studio_detect(int fd);

#endif
