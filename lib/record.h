/*
 * Records: one JSON object per line, edited rather than rebuilt.
 *
 * A command parses a line into a struct ann_record, which borrows the line
 * bytes and records where each top-level member sits. It reads the members it
 * needs (parsing only those with cJSON), then writes the record back by
 * splicing: the original bytes of every member it does not own, in input
 * order, then its own members. Members it does not own pass through byte
 * for byte, numbers and escapes included.
 *
 * Every record carries a string "id". A line that cannot be a record (not
 * JSON, not an object, not UTF-8, too long) becomes an error record
 * instead, so it flows downstream and is never dropped:
 *   {"id":"line:N","error":{"kind":"syntax","message":...,"line":N,
 *    "input":"<the line>"}}
 * ("input_base64" replaces "input" when the line is not valid UTF-8).
 * doc/records.md is the contract for members and their owners.
 *
 * cJSON ownership: functions here borrow cJSON pointers unless their name
 * says "take"; a returned cJSON tree belongs to the caller.
 */
#ifndef ANN_RECORD_H
#define ANN_RECORD_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "json.h"

struct ann_record {
	const char *line; /* borrowed; valid until the next read */
	size_t len;
	size_t line_no;   /* 1-based line number in the input stream */
	struct ann_json_members members;
	struct ann_buf id; /* decoded id, "" when absent */
	int has_id;        /* 1 when "id" is a string */
};

void ann_record_init(struct ann_record *r);
void ann_record_release(struct ann_record *r);

/*
 * Scans line[0..len) as a record. Returns ANN_OK, or ANN_ERR_SYNTAX with
 * *e naming the byte offset and the fault (the caller then writes an error
 * record with ann_record_write_line_error). A record without a string id
 * is returned as ANN_OK with has_id 0; the command decides.
 */
int ann_record_parse(struct ann_record *r, const char *line, size_t len,
    size_t line_no, struct ann_error *e);

/* Returns the member named name, or NULL. */
const struct ann_json_member *ann_record_get(const struct ann_record *r, const char *name);

/* Returns the raw bytes of member name's value (and its length), or NULL. */
const char *ann_record_raw(const struct ann_record *r, const char *name, size_t *len);

/* Size of a buffer large enough for any message of ann_record_id_problem or ann_record_type_problem. */
#define ANN_RECORD_PROBLEM_MAX 160

/*
 * Writes into out[size] why member name of r does not have the type
 * expected names ("a string"), showing the value cut to about 50 bytes:
 * `member "text" must be a string, got number 5`. Returns out.
 */
const char *ann_record_type_problem(const struct ann_record *r, const char *name,
    const char *expected, char *out, size_t size);

/*
 * Writes into out[size] why r has no string id, for its error message:
 * `record has no "id" member`, or `member "id" must be a string, got
 * number 42`. Returns out.
 */
const char *ann_record_id_problem(const struct ann_record *r, char *out, size_t size);

/* Parses member name's value with cJSON; NULL when absent or out of memory. */
cJSON *ann_record_parse_member(const struct ann_record *r, const char *name);

/*
 * Returns 1 when name is a member that a pipeline stage owns (request,
 * output, validation, spans, merge and the others doc/records.md lists),
 * 0 for the user's members such as id and text.
 */
int ann_record_is_stage_member(const char *name);

/*
 * Parses member name's value for copying elsewhere: its numbers, and
 * strings holding U+0000, are raw items that print as written
 * (ann_jspan_keep_as_written), so cJSON_IsNumber and cJSON_IsString do not
 * see them. NULL when absent or out of memory.
 */
cJSON *ann_record_parse_member_exact(const struct ann_record *r, const char *name);

/*
 * The members a command sets on output. Each is a name and the JSON text of
 * its value; names listed here are dropped from the original record and
 * written after the remaining members, in the order they were set.
 */
struct ann_record_edit {
	struct ann_buf names;  /* NUL-separated */
	struct ann_buf values; /* NUL-separated JSON texts */
	size_t n;
	const char *remove[16];/* owned member names to drop without a new value */
	size_t n_remove;
};

void ann_record_edit_init(struct ann_record_edit *ed);
void ann_record_edit_release(struct ann_record_edit *ed);
void ann_record_edit_reset(struct ann_record_edit *ed);

/* Sets member name to the JSON text json[0..len), which must be valid JSON. */
int ann_record_edit_set_raw(struct ann_record_edit *ed, const char *name,
    const char *json, size_t len);

/* Sets member name to the cJSON value v (printed unformatted; v is borrowed). */
int ann_record_edit_set_json(struct ann_record_edit *ed, const char *name, const cJSON *v);

/* Drops member name from the output (name must outlive the edit). */
int ann_record_edit_remove(struct ann_record_edit *ed, const char *name);

/*
 * Appends the edited record and a newline to out: the original members not
 * named in ed, byte for byte, then ed's members.
 */
int ann_record_write(const struct ann_record *r, const struct ann_record_edit *ed,
    struct ann_buf *out);

/*
 * Appends an error object's JSON text to out:
 * {"kind":KIND,"message":MSG[,"status":S][,"line":N]}; status and line
 * are left out when 0.
 */
int ann_error_json(struct ann_buf *out, const char *kind, const char *message,
    int status, size_t line_no);

/*
 * Appends the error record for an input line that is not a record. A NULL
 * line (one too long to keep) leaves out the copy of the input.
 */
int ann_record_write_line_error(struct ann_buf *out, const char *line, size_t len,
    size_t line_no, const struct ann_error *e);

#endif
