/*
 * ann-validate's filter: checks one member of each record against a JSON
 * Schema and writes the record back with a "validation" member.
 *
 * Steps for a caller (cmd/ann-validate.c):
 *   1. fill struct ann_validate_opts (ann_validate_opts_init sets defaults);
 *   2. ann_validate_new() compiles the schema; every failure there except
 *      ANN_ERR_NOMEM is a usage error naming the schema location;
 *   3. ann_validate_run() reads JSONL and writes every record once;
 *   4. read the stats, ann_validate_free().
 *
 * The member is {"valid":true|false,"errors":[...]} with errors in the JSON
 * Schema "basic" output format. A record that cannot be validated (not a
 * record, no string id, an "error" from an earlier stage, or no value at
 * the field) gets {"valid":null,"errors":[],"reason":"..."} and is never
 * dropped: the routing options only ever drop or divert records that were
 * validated. When the field is "", the record itself is validated, its id
 * and any "error" member included.
 */
#ifndef ANN_VALIDATE_H
#define ANN_VALIDATE_H

#include <stddef.h>

#include "err.h"
#include "ground.h"
#include "schema.h"

#define ANN_VALIDATE_MAX_MAPS 16
#define ANN_VALIDATE_TOP 10

enum ann_validate_route {
	ANN_VALIDATE_ALL,          /* every record to the output */
	ANN_VALIDATE_VALID_ONLY,   /* drop invalid records */
	ANN_VALIDATE_INVALID_ONLY, /* drop valid records */
};

struct ann_validate_opts {
	const char *schema_path;
	const char *field;         /* member name, a JSON Pointer starting with '/', or ""
	                              (the JSON Pointer to the whole record) */
	enum ann_schema_draft draft;
	int assert_formats;
	struct ann_schema_map maps[ANN_VALIDATE_MAX_MAPS];
	size_t n_maps;
	const char *rejects_path;  /* invalid records go to this file instead */
	enum ann_validate_route route;
	int status_only;           /* write no records to the output */
	size_t max_errors;         /* per record; 0: all */
	int flush_each;
	struct ann_ground_opts ground; /* ground.source NULL: no grounding */
	const char *rules_path;        /* NULL: no rules */
};

/* A failing place and the number of records that failed there. */
struct ann_validate_failure {
	char where[160];  /* instance location (array indices as "*") and keyword */
	size_t records;
};

struct ann_validate_stats {
	size_t records;
	size_t valid;
	size_t invalid;
	size_t not_validated;
	size_t dropped;   /* validated records left out by the routing options */
	int broken_pipe;
	struct ann_validate_failure top[ANN_VALIDATE_TOP]; /* most records first */
	size_t n_top;
};

struct ann_validate;

void ann_validate_opts_init(struct ann_validate_opts *o);

/* Parses "PREFIX=DIR" into o->maps; ANN_ERR_CONFIG when malformed or full. */
int ann_validate_add_map(struct ann_validate_opts *o, char *arg, struct ann_error *e);

int ann_validate_new(struct ann_validate **out, const struct ann_validate_opts *o,
    struct ann_error *e);
int ann_validate_run(struct ann_validate *v, int in_fd, int out_fd,
    struct ann_validate_stats *stats, struct ann_error *e);
void ann_validate_free(struct ann_validate *v);

#endif
