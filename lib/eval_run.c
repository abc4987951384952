#include "eval_run.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval_pointer.h"
#include "jsonl.h"
#include "log.h"
#include "record.h"

/* A reference record kept for the join. */
struct ref_entry {
	char *id;
	size_t id_len;
	cJSON *tree;        /* the parsed top-level member, owned */
	const cJSON *value; /* the compared value inside tree, or NULL when unusable */
	int seen;           /* an annotation with this id was read */
};

/* Ids in input order, with an open-addressing hash table over them. */
struct id_index {
	struct ref_entry *entries;
	size_t n;
	size_t cap;
	size_t *slots; /* entry index + 1, or 0 for an empty slot */
	size_t n_slots;
};

static void
index_release(struct id_index *x)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		free(x->entries[i].id);
		cJSON_Delete(x->entries[i].tree);
	}
	free(x->entries);
	free(x->slots);
	memset(x, 0, sizeof *x);
}

/* FNV-1a, 64 bits. */
static uint64_t
hash_id(const char *id, size_t len)
{
	uint64_t h = 14695981039346656037u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)id[i];
		h *= 1099511628211u;
	}
	return h;
}

/* Returns the slot where id is, or the empty slot where it would go. */
static size_t *
index_slot(const struct id_index *x, const char *id, size_t len)
{
	size_t mask = x->n_slots - 1;
	size_t i = (size_t)hash_id(id, len) & mask;

	for (;;) {
		size_t *slot = &x->slots[i];
		const struct ref_entry *en;

		if (*slot == 0)
			return slot;
		en = &x->entries[*slot - 1];
		if (en->id_len == len && memcmp(en->id, id, len) == 0)
			return slot;
		i = (i + 1) & mask;
	}
}

static struct ref_entry *
index_find(const struct id_index *x, const char *id, size_t len)
{
	size_t *slot;

	if (x->n_slots == 0)
		return NULL;
	slot = index_slot(x, id, len);
	return *slot ? &x->entries[*slot - 1] : NULL;
}

static int
index_grow(struct id_index *x)
{
	size_t n_slots = x->n_slots ? x->n_slots * 2 : 64;
	size_t *old = x->slots;
	size_t old_n = x->n_slots;
	size_t i;

	x->slots = calloc(n_slots, sizeof *x->slots);
	if (x->slots == NULL) {
		x->slots = old;
		return ANN_ERR_NOMEM;
	}
	x->n_slots = n_slots;
	for (i = 0; i < old_n; i++) {
		if (old[i] != 0) {
			const struct ref_entry *en = &x->entries[old[i] - 1];

			*index_slot(x, en->id, en->id_len) = old[i];
		}
	}
	free(old);
	return ANN_OK;
}

/* Adds id (known to be absent) and returns its entry, or NULL when out of memory. */
static struct ref_entry *
index_add(struct id_index *x, const char *id, size_t len)
{
	struct ref_entry *en;

	/* Keep the table at most half full. */
	if ((x->n + 1) * 2 > x->n_slots && index_grow(x))
		return NULL;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct ref_entry *grown = realloc(x->entries, cap * sizeof *grown);

		if (grown == NULL)
			return NULL;
		x->entries = grown;
		x->cap = cap;
	}
	en = &x->entries[x->n];
	memset(en, 0, sizeof *en);
	en->id = malloc(len + 1);
	if (en->id == NULL)
		return NULL;
	memcpy(en->id, id, len);
	en->id[len] = '\0';
	en->id_len = len;
	x->n++;
	*index_slot(x, id, len) = x->n;
	return en;
}

int
ann_eval_member_check(const char *spec, struct ann_error *e)
{
	if (spec[0] == '\0')
		return ann_error_set(e, ANN_ERR_INVALID, "empty member name");
	if (spec[0] == '/' && (ann_eval_pointer_check(spec) || spec[1] == '/' || spec[1] == '\0'))
		return ann_error_set(e, ANN_ERR_INVALID,
		    "invalid member pointer \"%s\", expected /MEMBER or /MEMBER/NAME...", spec);
	return ANN_OK;
}

/*
 * Parses the member that spec names into *tree and points *value at the
 * compared value in it (NULL when the record has none).
 */
static int
extract_member(const struct ann_record *rec, const char *spec, cJSON **tree,
    const cJSON **value, struct ann_error *e)
{
	struct ann_buf name = ANN_BUF_INIT;
	const char *rest = "";
	int rc = ANN_OK;

	*tree = NULL;
	*value = NULL;
	if (spec[0] == '/') {
		rc = ann_eval_pointer_first(spec, &name, &rest);
		spec = name.data;
	}
	if (rc == ANN_OK && ann_record_get(rec, spec) != NULL) {
		/* Numbers stay as written, so values of more than 15 digits compare exactly. */
		*tree = ann_record_parse_member_exact(rec, spec);
		if (*tree == NULL)
			rc = ANN_ERR_NOMEM;
		else
			*value = ann_eval_pointer_get(*tree, rest);
	}
	ann_buf_release(&name);
	if (rc)
		return ann_error_set(e, rc, "out of memory reading line %zu", rec->line_no);
	return ANN_OK;
}

/* Reports a record that is not scored normally. */
static int
report_record(struct ann_eval *ev, enum ann_eval_diff_kind kind, const char *side,
    const struct ann_record *rec, const char *message, struct ann_error *e)
{
	struct ann_eval_diff d;
	cJSON *error = NULL;
	int rc;

	if (ev->on_diff == NULL)
		return ANN_OK;
	memset(&d, 0, sizeof d);
	d.kind = kind;
	d.side = side;
	d.message = message;
	if (rec != NULL) {
		d.id = rec->has_id ? rec->id.data : NULL;
		d.id_len = rec->has_id ? rec->id.len : 0;
		d.line = rec->line_no;
		if (kind == ANN_EVAL_DIFF_ERROR_RECORD)
			d.error = error = ann_record_parse_member(rec, "error");
	}
	rc = ev->on_diff(ev->diff_ctx, &d, e);
	cJSON_Delete(error);
	return rc;
}

/* Reports a reference record that no annotation named. */
static int
report_missing(struct ann_eval *ev, const struct ref_entry *en, struct ann_error *e)
{
	struct ann_eval_diff d;

	if (ev->on_diff == NULL)
		return ANN_OK;
	memset(&d, 0, sizeof d);
	d.kind = ANN_EVAL_DIFF_MISSING_RECORD;
	d.side = "annotations";
	d.id = en->id;
	d.id_len = en->id_len;
	return ev->on_diff(ev->diff_ctx, &d, e);
}

/*
 * Reads the next record with a string id into rec. Lines that are not
 * records and records without an id are counted, logged and reported here,
 * and reading goes on. Returns ANN_OK, ANN_ERR_EOF or a failure.
 */
static int
next_record(struct ann_eval *ev, struct ann_jsonl_reader *rd, struct ann_record *rec,
    const struct ann_eval_input *in, const char *side, struct ann_eval_stream_counts *counts,
    struct ann_error *e)
{
	for (;;) {
		struct ann_error why = ANN_ERROR_INIT;
		const char *line;
		size_t len;
		size_t line_no;
		int rc;

		rc = ann_jsonl_read(rd, &line, &len, &line_no, &why);
		if (rc == ANN_ERR_EOF)
			return rc;
		if (rc == ANN_ERR_IO || rc == ANN_ERR_NOMEM) {
			*e = why;
			return ann_error_prefix(e, "%s", in->name);
		}
		counts->records++;
		if (rc == ANN_OK)
			rc = ann_record_parse(rec, line, len, line_no, &why);
		if (rc == ANN_ERR_NOMEM) {
			*e = why;
			return rc;
		}
		if (rc) {
			counts->unreadable++;
			ann_log(ANN_LOG_WARN, "%s:%zu: %s", in->name, line_no, why.msg);
			rec->has_id = 0;
			rec->line_no = line_no;
			rc = report_record(ev, ANN_EVAL_DIFF_UNREADABLE, side, rec, why.msg, e);
			if (rc)
				return rc;
			continue;
		}
		if (!rec->has_id) {
			char problem[ANN_RECORD_PROBLEM_MAX];

			counts->no_id++;
			ann_log(ANN_LOG_WARN, "%s:%zu: %s", in->name, line_no,
			    ann_record_id_problem(rec, problem, sizeof problem));
			rc = report_record(ev, ANN_EVAL_DIFF_NO_ID, side, rec, problem, e);
			if (rc)
				return rc;
			continue;
		}
		return ANN_OK;
	}
}

static int
report_duplicate(struct ann_eval *ev, const struct ann_record *rec,
    const struct ann_eval_input *in, const char *side, struct ann_eval_stream_counts *counts,
    struct ann_error *e)
{
	char id[64];

	counts->duplicates++;
	ann_log(ANN_LOG_WARN, "%s:%zu: id \"%s\" appeared before; this record is not scored",
	    in->name, rec->line_no, ann_printable(rec->id.data, rec->id.len, id, sizeof id));
	return report_record(ev, ANN_EVAL_DIFF_DUPLICATE, side, rec, NULL, e);
}

static int
read_reference(struct ann_eval *ev, const struct ann_eval_input *in, struct id_index *refs,
    struct ann_error *e)
{
	struct ann_jsonl_reader rd;
	struct ann_record rec;
	int rc;

	ann_jsonl_reader_init(&rd, in->fd, 0);
	rd.name = in->name;
	ann_record_init(&rec);
	while ((rc = next_record(ev, &rd, &rec, in, "reference", &ev->reference, e)) == ANN_OK) {
		struct ref_entry *en;

		if (index_find(refs, rec.id.data, rec.id.len) != NULL) {
			rc = report_duplicate(ev, &rec, in, "reference", &ev->reference, e);
			if (rc)
				break;
			continue;
		}
		en = index_add(refs, rec.id.data, rec.id.len);
		if (en == NULL) {
			rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading %s", in->name);
			break;
		}
		if (ann_record_get(&rec, "error") != NULL) {
			ev->reference.errors++;
			rc = report_record(ev, ANN_EVAL_DIFF_ERROR_RECORD, "reference", &rec, NULL, e);
		} else {
			rc = extract_member(&rec, in->member, &en->tree, &en->value, e);
			if (rc == ANN_OK && en->value == NULL) {
				ev->reference.no_member++;
				rc = report_record(ev, ANN_EVAL_DIFF_NO_MEMBER, "reference", &rec, NULL, e);
			}
		}
		if (rc)
			break;
	}
	ann_record_release(&rec);
	ann_jsonl_reader_release(&rd);
	return rc == ANN_ERR_EOF ? ANN_OK : rc;
}

/* Scores one annotation record against its reference entry. */
static int
score_annotation(struct ann_eval *ev, const struct ann_record *rec,
    const struct ann_eval_input *in, struct ref_entry *ref, struct ann_error *e)
{
	cJSON *tree = NULL;
	const cJSON *value = NULL;
	int rc;

	ref->seen = 1;
	if (ann_record_get(rec, "error") != NULL) {
		ev->annotations.errors++;
		ann_log(ANN_LOG_INFO, "%s:%zu: id \"%.60s\" is an error record, so its reference "
		    "values count as missing", in->name, rec->line_no, rec->id.data);
		rc = report_record(ev, ANN_EVAL_DIFF_ERROR_RECORD, "annotations", rec, NULL, e);
		if (rc == ANN_OK && ref->value != NULL)
			rc = ann_eval_document(ev, ref->id, ref->id_len, ref->value, NULL,
			    ANN_EVAL_NO_ANNOTATION, e);
		return rc;
	}

	rc = extract_member(rec, in->member, &tree, &value, e);
	if (rc)
		return rc;
	if (value == NULL) {
		ev->annotations.no_member++;
		ann_log(ANN_LOG_INFO, "%s:%zu: id \"%.60s\" has no \"%s\", so its reference "
		    "values count as missing", in->name, rec->line_no, rec->id.data, in->member);
		rc = report_record(ev, ANN_EVAL_DIFF_NO_MEMBER, "annotations", rec, NULL, e);
		if (rc == ANN_OK && ref->value != NULL)
			rc = ann_eval_document(ev, ref->id, ref->id_len, ref->value, NULL,
			    ANN_EVAL_NO_ANNOTATION, e);
	} else if (ref->value != NULL) {
		ev->paired++;
		rc = ann_eval_document(ev, ref->id, ref->id_len, ref->value, value, 0, e);
	}
	cJSON_Delete(tree);
	return rc;
}

static int
read_annotations(struct ann_eval *ev, const struct ann_eval_input *in, struct id_index *refs,
    struct id_index *unreferenced, struct ann_error *e)
{
	struct ann_jsonl_reader rd;
	struct ann_record rec;
	int rc;

	ann_jsonl_reader_init(&rd, in->fd, 0);
	rd.name = in->name;
	ann_record_init(&rec);
	while ((rc = next_record(ev, &rd, &rec, in, "annotations", &ev->annotations, e)) == ANN_OK) {
		struct ref_entry *ref = index_find(refs, rec.id.data, rec.id.len);

		if ((ref != NULL && ref->seen) ||
		    (ref == NULL && index_find(unreferenced, rec.id.data, rec.id.len) != NULL)) {
			rc = report_duplicate(ev, &rec, in, "annotations", &ev->annotations, e);
		} else if (ref == NULL) {
			ev->unreferenced_annotations++;
			ann_log(ANN_LOG_INFO, "%s:%zu: id \"%.60s\" is not in the reference",
			    in->name, rec.line_no, rec.id.data);
			if (index_add(unreferenced, rec.id.data, rec.id.len) == NULL)
				rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading %s", in->name);
			else
				rc = report_record(ev, ANN_EVAL_DIFF_UNREFERENCED_RECORD, "annotations",
				    &rec, NULL, e);
		} else {
			rc = score_annotation(ev, &rec, in, ref, e);
		}
		if (rc)
			break;
	}
	ann_record_release(&rec);
	ann_jsonl_reader_release(&rd);
	return rc == ANN_ERR_EOF ? ANN_OK : rc;
}

int
ann_eval_run(struct ann_eval *ev, const struct ann_eval_input *reference,
    const struct ann_eval_input *annotations, struct ann_error *e)
{
	struct id_index refs;
	struct id_index unreferenced;
	size_t i;
	int rc;

	memset(&refs, 0, sizeof refs);
	memset(&unreferenced, 0, sizeof unreferenced);

	rc = read_reference(ev, reference, &refs, e);
	if (rc)
		goto done;
	rc = read_annotations(ev, annotations, &refs, &unreferenced, e);
	if (rc)
		goto done;

	for (i = 0; i < refs.n; i++) {
		const struct ref_entry *en = &refs.entries[i];

		if (en->seen || en->value == NULL)
			continue;
		ev->missing_annotations++;
		ann_log(ANN_LOG_INFO, "id \"%.60s\" has no annotation", en->id);
		rc = report_missing(ev, en, e);
		if (rc == ANN_OK)
			rc = ann_eval_document(ev, en->id, en->id_len, en->value, NULL,
			    ANN_EVAL_NO_ANNOTATION, e);
		if (rc)
			goto done;
	}
	rc = ANN_OK;

done:
	index_release(&refs);
	index_release(&unreferenced);
	return rc;
}

static size_t
stream_problems(const struct ann_eval_stream_counts *c)
{
	return c->unreadable + c->no_id + c->errors + c->duplicates + c->no_member;
}

size_t
ann_eval_problems(const struct ann_eval *ev)
{
	return stream_problems(&ev->reference) + stream_problems(&ev->annotations) +
	    ev->missing_annotations + ev->unreferenced_annotations;
}
