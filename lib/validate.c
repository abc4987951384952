#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonl.h"
#include "jsonv.h"
#include "log.h"
#include "record.h"
#include "rules.h"
#include "validate_checks.h"

/* Distinct failure places tracked for the summary; more are not counted,
 * so memory stays flat on a stream with ever-new member names. */
#define MAX_PLACES 4096

struct place {
	char where[160];
	size_t records;
};

struct ann_validate {
	struct ann_validate_opts o;
	struct ann_schema *schema;
	struct ann_schema_validator *validator;
	struct ann_schema_result result;
	struct ann_validate_checks *checks; /* grounding and rules, or NULL */
	struct ann_jsonv_doc doc;
	char *member;               /* top-level member holding the value; NULL for the record */
	int whole_record;           /* --field "": validate the record itself */
	const char *pointer_rest;   /* rest of a JSON Pointer field, or "" */
	struct place *places;
	size_t n_places;
	struct ann_buf json;
	struct ann_buf reason;
	struct ann_buf key;
};

void
ann_validate_opts_init(struct ann_validate_opts *o)
{
	memset(o, 0, sizeof *o);
	o->field = "output";
	o->draft = ANN_SCHEMA_DRAFT_AUTO;
	ann_ground_opts_init(&o->ground);
}

int
ann_validate_add_map(struct ann_validate_opts *o, char *arg, struct ann_error *e)
{
	int rc;

	if (o->n_maps == ANN_VALIDATE_MAX_MAPS)
		return ann_error_set(e, ANN_ERR_CONFIG, "too many --schema-map options (at most %d)",
		    ANN_VALIDATE_MAX_MAPS);
	rc = ann_schema_map_parse(arg, &o->maps[o->n_maps], e);
	if (rc == ANN_OK)
		o->n_maps++;
	return rc;
}

/* Decodes one JSON Pointer segment (~1 is '/', ~0 is '~') into out. */
static int
pointer_segment(const char *s, size_t n, struct ann_buf *out)
{
	size_t i;
	int rc = ANN_OK;

	for (i = 0; i < n && rc == ANN_OK; i++) {
		if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
			rc = ann_buf_addc(out, s[i + 1] == '0' ? '~' : '/');
			i++;
		} else {
			rc = ann_buf_addc(out, s[i]);
		}
	}
	return rc;
}

int
ann_validate_new(struct ann_validate **out, const struct ann_validate_opts *o,
    struct ann_error *e)
{
	struct ann_schema_options so;
	struct ann_validate *v;
	int rc;

	*out = NULL;
	v = calloc(1, sizeof *v);
	if (v == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	v->o = *o;
	ann_schema_result_init(&v->result);
	ann_jsonv_doc_init(&v->doc);
	ann_buf_init(&v->json, 0);
	ann_buf_init(&v->reason, 0);
	ann_buf_init(&v->key, 0);

	/* "" is the JSON Pointer to the whole record, and "/output/fields" names
	 * member "output", then "/fields" inside it. */
	if (o->field[0] == '\0') {
		v->whole_record = 1;
		v->pointer_rest = "";
	} else if (o->field[0] == '/') {
		struct ann_buf seg = ANN_BUF_INIT;
		const char *slash = strchr(o->field + 1, '/');
		size_t len = slash ? (size_t)(slash - o->field - 1) : strlen(o->field + 1);

		rc = pointer_segment(o->field + 1, len, &seg);
		v->member = ann_buf_detach(&seg, NULL);
		v->pointer_rest = slash ? slash : "";
		if (rc || v->member == NULL) {
			rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
			goto fail;
		}
	} else {
		v->member = strdup(o->field);
		v->pointer_rest = "";
		if (v->member == NULL) {
			rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}

	memset(&so, 0, sizeof so);
	so.draft = o->draft;
	so.assert_formats = o->assert_formats;
	so.maps = v->o.maps;
	so.n_maps = o->n_maps;
	rc = ann_schema_compile_file(&v->schema, o->schema_path, &so, e);
	if (rc == ANN_OK)
		rc = ann_schema_validator_new(&v->validator, v->schema, o->max_errors, e);
	if (rc == ANN_OK)
		rc = ann_validate_checks_new(&v->checks, o, e);
	if (rc)
		goto fail;
	*out = v;
	return ANN_OK;

fail:
	ann_validate_free(v);
	return rc;
}

void
ann_validate_free(struct ann_validate *v)
{
	if (v == NULL)
		return;
	ann_validate_checks_free(v->checks);
	ann_schema_validator_free(v->validator);
	ann_schema_free(v->schema);
	ann_schema_result_release(&v->result);
	ann_jsonv_doc_release(&v->doc);
	ann_buf_release(&v->json);
	ann_buf_release(&v->reason);
	ann_buf_release(&v->key);
	free(v->places);
	free(v->member);
	free(v);
}

/* Follows the rest of a JSON Pointer field inside the member's value. */
static const struct ann_jsonv *
follow_pointer(struct ann_validate *v, const struct ann_jsonv *cur, const char *p)
{
	struct ann_buf seg = ANN_BUF_INIT;

	while (cur && *p == '/') {
		const char *next = strchr(p + 1, '/');
		size_t len = next ? (size_t)(next - p - 1) : strlen(p + 1);

		ann_buf_reset(&seg);
		if (pointer_segment(p + 1, len, &seg)) {
			cur = NULL;
			break;
		}
		if (cur->type == ANN_JSON_OBJECT) {
			cur = ann_jsonv_get(cur, seg.data, seg.len);
		} else if (cur->type == ANN_JSON_ARRAY) {
			char *end;
			unsigned long i = strtoul(seg.data, &end, 10);

			cur = seg.len && *end == '\0' && (seg.data[0] != '0' || seg.len == 1) &&
			    i < cur->n ? &cur->u.items[i] : NULL;
		} else {
			cur = NULL;
		}
		p += 1 + len;
	}
	ann_buf_release(&seg);
	(void)v;
	return cur;
}

/* Returns the index of the summary place for key, adding it when there is room, or
 * SIZE_MAX when the table is full or cannot be allocated. */
static size_t
find_place(struct ann_validate *v, const char *key)
{
	size_t p;

	for (p = 0; p < v->n_places; p++) {
		if (strncmp(v->places[p].where, key, sizeof v->places[p].where - 1) == 0)
			return p;
	}
	if (v->n_places == MAX_PLACES)
		return SIZE_MAX;
	if (v->places == NULL) {
		v->places = calloc(MAX_PLACES, sizeof *v->places);
		if (v->places == NULL)
			return SIZE_MAX;
	}
	snprintf(v->places[p].where, sizeof v->places[p].where, "%s", key);
	v->places[p].records = 0;
	v->n_places++;
	return p;
}

/*
 * Builds the summary key of one error in v->key: the instance location with
 * array indices folded to "*", and the failing keyword. A rule's keyword
 * keeps its "x-ann-rules/" prefix, so a rule id never reads as a schema
 * keyword.
 */
static void
place_key(struct ann_validate *v, const char *loc, const char *keyword_location)
{
	struct ann_buf *key = &v->key;
	const char *kw = strrchr(keyword_location, '/');

	if (strncmp(keyword_location, ANN_RULES_KEYWORD, strlen(ANN_RULES_KEYWORD)) == 0)
		kw = keyword_location;
	ann_buf_reset(key);
	while (*loc) {
		const char *seg = loc + 1;
		const char *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);

		if (len > 0 && strspn(seg, "0123456789") >= len)
			ann_buf_adds(key, "/*");
		else {
			ann_buf_addc(key, '/');
			ann_buf_add(key, seg, len);
		}
		loc = seg + len;
	}
	if (key->len == 0)
		ann_buf_addc(key, '/');
	ann_buf_addf(key, " (%s)", kw ? kw + 1 : "schema");
}

/* Counts the place of one error once per record; seen lists the places counted so far. */
static void
count_place(struct ann_validate *v, const char *loc, const char *keyword_location,
    size_t *seen, size_t *n_seen)
{
	size_t p, k;

	place_key(v, loc, keyword_location);
	p = find_place(v, v->key.data);
	if (p == SIZE_MAX)
		return;
	for (k = 0; k < *n_seen; k++) {
		if (seen[k] == p)
			return;
	}
	seen[(*n_seen)++] = p;
	v->places[p].records++;
}

/* Counts one record's failures by place: the schema's errors, then the
 * grounding and rule findings kept in the record (findings may be NULL). */
static void
count_failures(struct ann_validate *v, const struct ann_finding_list *findings)
{
	const struct ann_schema_result *r = &v->result;
	size_t n_findings = findings ? findings->n : 0;
	size_t *seen;
	size_t n_seen = 0;
	size_t i;

	if (r->n_errors + n_findings == 0)
		return;
	seen = malloc((r->n_errors + n_findings) * sizeof *seen);
	if (seen == NULL)
		return;
	for (i = 0; i < r->n_errors; i++)
		count_place(v, r->errors[i].instance_location, r->errors[i].keyword_location, seen,
		    &n_seen);
	for (i = 0; i < n_findings; i++) {
		const char *loc, *keyword_location, *message;

		ann_finding_get(findings, i, &loc, &keyword_location, &message);
		count_place(v, loc, keyword_location, seen, &n_seen);
	}
	free(seen);
}

/* Logs the line, the id and the first error of an invalid record, schema errors first. */
static void
log_invalid(struct ann_validate *v, const struct ann_record *rec,
    const struct ann_finding_list *findings)
{
	const char *loc, *keyword_location, *message;

	if (!ann_log_enabled(ANN_LOG_INFO))
		return;
	if (v->result.n_errors > 0) {
		loc = v->result.errors[0].instance_location;
		message = v->result.errors[0].message;
	} else if (findings != NULL && findings->n > 0) {
		ann_finding_get(findings, 0, &loc, &keyword_location, &message);
	} else {
		return;
	}
	if (!rec->has_id) {
		ann_log(ANN_LOG_INFO, "line %zu: record is invalid: %s: %s", rec->line_no, loc,
		    message);
		return;
	}
	/* The id is quoted as JSON so control characters cannot break the log line. */
	ann_buf_reset(&v->reason);
	ann_buf_add_json_string(&v->reason, rec->id.data, rec->id.len);
	ann_log(ANN_LOG_INFO, "line %zu: record %s is invalid: %s: %s", rec->line_no,
	    v->reason.data, loc, message);
}

static void
fill_top(struct ann_validate *v, struct ann_validate_stats *st)
{
	size_t i, k;

	st->n_top = 0;
	for (i = 0; i < v->n_places; i++) {
		const struct place *p = &v->places[i];

		/* insertion into the sorted top list, most records first */
		for (k = st->n_top; k > 0 && st->top[k - 1].records < p->records; k--) {
			if (k < ANN_VALIDATE_TOP)
				st->top[k] = st->top[k - 1];
		}
		if (k < ANN_VALIDATE_TOP) {
			snprintf(st->top[k].where, sizeof st->top[k].where, "%s", p->where);
			st->top[k].records = p->records;
			if (st->n_top < ANN_VALIDATE_TOP)
				st->n_top++;
		}
	}
}

/* Sets the validation member to "not validated" with the reason. */
static int
set_not_validated(struct ann_validate *v, struct ann_record_edit *ed, const char *reason)
{
	ann_buf_reset(&v->json);
	if (ann_buf_adds(&v->json, "{\"valid\":null,\"errors\":[],\"reason\":") ||
	    ann_buf_add_json_string(&v->json, reason, strlen(reason)) ||
	    ann_buf_addc(&v->json, '}'))
		return ANN_ERR_NOMEM;
	return ann_record_edit_set_raw(ed, "validation", v->json.data, v->json.len);
}

enum verdict { NOT_VALIDATED, VALID, INVALID };

/* Returns how many grounding and rule errors still fit under --max-errors
 * after the schema's errors. */
static size_t
findings_room(const struct ann_validate *v)
{
	if (v->o.max_errors == 0)
		return SIZE_MAX;
	if (v->result.n_errors >= v->o.max_errors)
		return 0;
	return v->o.max_errors - v->result.n_errors;
}

/* Sets an "error" of kind invalid on a record without a string id, unless it has an error. */
static int
mark_missing_id(struct ann_validate *v, const struct ann_record *rec, struct ann_record_edit *ed,
    struct ann_error *e)
{
	char problem[ANN_RECORD_PROBLEM_MAX];
	char msg[ANN_RECORD_PROBLEM_MAX + 32];
	int rc;

	if (ann_record_get(rec, "error") != NULL)
		return ANN_OK;
	snprintf(msg, sizeof msg, "line %zu: %s", rec->line_no,
	    ann_record_id_problem(rec, problem, sizeof problem));
	ann_log(ANN_LOG_WARN, "%s", msg);
	ann_buf_reset(&v->json);
	rc = ann_error_json(&v->json, "invalid", msg, 0, rec->line_no);
	if (rc == ANN_OK)
		rc = ann_record_edit_set_raw(ed, "error", v->json.data, v->json.len);
	return rc ? ann_error_set(e, rc, "out of memory") : ANN_OK;
}

/*
 * Finds the value to validate: the whole record, or the value --field
 * names. *value is NULL when the record cannot be validated, and then
 * v->reason contains the reason.
 */
static int
find_value(struct ann_validate *v, const struct ann_record *rec, const struct ann_jsonv **value,
    struct ann_error *e)
{
	const struct ann_json_member *m;
	struct ann_error why = ANN_ERROR_INIT;
	int rc;

	*value = NULL;
	ann_buf_reset(&v->reason);
	if (v->whole_record) {
		/* The id and an earlier error are part of the record, so they do not stop the check. */
		rc = ann_jsonv_parse(&v->doc, rec->line, rec->len, value, &why);
		if (rc == ANN_ERR_NOMEM)
			return ann_error_set(e, rc, "out of memory");
		if (rc)
			ann_buf_addf(&v->reason, "record cannot be read: %s", why.msg);
		return ANN_OK;
	}
	if (!rec->has_id) {
		char problem[ANN_RECORD_PROBLEM_MAX];

		ann_buf_adds(&v->reason, ann_record_id_problem(rec, problem, sizeof problem));
		return ANN_OK;
	}
	if (ann_record_get(rec, "error")) {
		ann_buf_adds(&v->reason, "record has an \"error\" from an earlier stage");
		return ANN_OK;
	}
	m = ann_record_get(rec, v->member);
	if (m == NULL) {
		ann_buf_addf(&v->reason, "record has no \"%s\" member", v->member);
		return ANN_OK;
	}
	rc = ann_jsonv_parse(&v->doc, rec->line + m->value_start, m->value_end - m->value_start,
	    value, &why);
	if (rc == ANN_ERR_NOMEM)
		return ann_error_set(e, rc, "out of memory");
	if (rc) {
		*value = NULL;
		ann_buf_addf(&v->reason, "member \"%s\" cannot be read: %s", v->member, why.msg);
		return ANN_OK;
	}
	*value = follow_pointer(v, *value, v->pointer_rest);
	if (*value == NULL)
		ann_buf_addf(&v->reason, "record has no value at %s", v->o.field);
	return ANN_OK;
}

/* Validates one parsed record and fills the edit; returns the verdict. */
static int
check_record(struct ann_validate *v, const struct ann_record *rec, struct ann_record_edit *ed,
    enum verdict *out, struct ann_error *e)
{
	const struct ann_jsonv *value;
	const struct ann_finding_list *findings = NULL;
	int rc, valid;

	*out = NOT_VALIDATED;
	if (!rec->has_id && (rc = mark_missing_id(v, rec, ed, e)) != ANN_OK)
		return rc;
	rc = find_value(v, rec, &value, e);
	if (rc)
		return rc;
	if (value == NULL) {
		rc = set_not_validated(v, ed, v->reason.data);
		return rc ? ann_error_set(e, rc, "out of memory") : ANN_OK;
	}

	rc = ann_schema_validate(v->validator, value, &v->result, e);
	if (rc)
		return rc;
	ann_buf_reset(&v->json);
	rc = ann_schema_result_json(&v->result, &v->json);
	if (rc)
		return ann_error_set(e, rc, "out of memory");
	valid = v->result.valid;
	if (v->checks) {
		rc = ann_validate_checks_run(v->checks, rec, value, findings_room(v), &v->json,
		    &valid, e);
		if (rc)
			return rc;
		findings = ann_validate_checks_findings(v->checks);
	}
	rc = ann_record_edit_set_raw(ed, "validation", v->json.data, v->json.len);
	if (rc)
		return ann_error_set(e, rc, "out of memory");
	if (v->checks && (rc = ann_validate_checks_write(v->checks, ed, e)) != ANN_OK)
		return rc;
	*out = valid ? VALID : INVALID;
	if (!valid) {
		count_failures(v, findings);
		log_invalid(v, rec, findings);
	}
	return ANN_OK;
}

int
ann_validate_run(struct ann_validate *v, int in_fd, int out_fd,
    struct ann_validate_stats *st, struct ann_error *e)
{
	struct ann_jsonl_reader in;
	struct ann_jsonl_writer out, rejects;
	struct ann_record rec;
	struct ann_record_edit ed;
	struct ann_buf line_out = ANN_BUF_INIT;
	int rejects_fd = -1;
	int rc;

	memset(st, 0, sizeof *st);
	if (v->o.rejects_path) {
		rejects_fd = open(v->o.rejects_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (rejects_fd < 0)
			return ann_error_set(e, ANN_ERR_CONFIG, "cannot open --rejects file \"%s\": %s",
			    v->o.rejects_path, strerror(errno));
	}
	ann_jsonl_reader_init(&in, in_fd, 0);
	ann_jsonl_writer_init(&out, out_fd, v->o.flush_each);
	ann_jsonl_writer_init(&rejects, rejects_fd, v->o.flush_each);
	in.flush_before_wait = &out;
	ann_record_init(&rec);
	ann_record_edit_init(&ed);

	for (;;) {
		struct ann_error why = ANN_ERROR_INIT;
		const char *line;
		size_t len, line_no;
		enum verdict verdict = NOT_VALIDATED;
		struct ann_jsonl_writer *dest = &out;

		rc = ann_jsonl_read(&in, &line, &len, &line_no, &why);
		if (rc == ANN_ERR_EOF)
			break;
		if (rc != ANN_OK && rc != ANN_ERR_TOO_LARGE) {
			*e = why;
			goto done;
		}
		st->records++;
		ann_buf_reset(&line_out);
		ann_record_edit_reset(&ed);
		if (rc == ANN_OK)
			rc = ann_record_parse(&rec, line, len, line_no, &why);
		if (rc == ANN_ERR_NOMEM) {
			*e = why;
			goto done;
		}
		if (rc) {
			/* Not a record: an error record, as every filter writes. */
			ann_log(ANN_LOG_WARN, "line %zu: %s", line_no, why.msg);
			rc = ann_record_write_line_error(&line_out, line, len, line_no, &why);
		} else {
			rc = check_record(v, &rec, &ed, &verdict, e);
			if (rc == ANN_OK)
				rc = ann_record_write(&rec, &ed, &line_out);
		}
		if (rc) {
			if (e->msg[0] == '\0')
				ann_error_set(e, rc, "out of memory writing line %zu", line_no);
			goto done;
		}

		if (verdict == VALID)
			st->valid++;
		else if (verdict == INVALID)
			st->invalid++;
		else
			st->not_validated++;

		if (verdict == INVALID && rejects_fd >= 0)
			dest = &rejects;
		else if ((verdict == INVALID && v->o.route == ANN_VALIDATE_VALID_ONLY) ||
		    (verdict == VALID && v->o.route == ANN_VALIDATE_INVALID_ONLY))
			dest = NULL;
		if (dest == NULL) {
			st->dropped++;
			continue;
		}
		if (v->o.status_only && dest == &out)
			continue;
		rc = ann_jsonl_write(dest, line_out.data, line_out.len, e);
		if (rc)
			goto done;
	}
	rc = ann_jsonl_flush(&out, e);
	if (rc == ANN_OK && rejects_fd >= 0)
		rc = ann_jsonl_flush(&rejects, e);

done:
	st->broken_pipe = out.broken_pipe;
	fill_top(v, st);
	ann_record_release(&rec);
	ann_record_edit_release(&ed);
	ann_jsonl_reader_release(&in);
	ann_jsonl_writer_release(&out);
	ann_jsonl_writer_release(&rejects);
	ann_buf_release(&line_out);
	if (rejects_fd >= 0 && close(rejects_fd) != 0 && rc == ANN_OK)
		rc = ann_error_set(e, ANN_ERR_IO, "close --rejects file \"%s\": %s",
		    v->o.rejects_path, strerror(errno));
	return rc;
}
