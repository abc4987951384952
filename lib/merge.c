#include "merge.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert.h"
#include "group.h"
#include "strtab.h"
#include "jsonl.h"
#include "log.h"

const char *
ann_merge_mode_name(enum ann_merge_mode mode)
{
	switch (mode) {
	case ANN_MERGE_UNION:
		return "union";
	case ANN_MERGE_JOIN:
		return "join";
	case ANN_MERGE_VOTE:
		return "vote";
	case ANN_MERGE_PREFER:
		return "prefer";
	}
	return "unknown";
}

/* Appends path to the NUL-separated list unless it is there already. */
static int
add_unique(struct ann_buf *list, size_t *n, const char *path)
{
	const char *p = list->data;
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp(p, path) == 0)
			return ANN_OK;
		p += strlen(p) + 1;
	}
	(*n)++;
	return ann_buf_add(list, path, strlen(path) + 1);
}

/* Returns the NUL-separated list of n paths as one string, the paths separated by commas. */
static const char *
list_text(struct ann_buf *list, size_t n)
{
	size_t i;

	for (i = 0; n > 0 && i + 1 < list->len; i++)
		if (list->data[i] == '\0')
			list->data[i] = ',';
	return list->data;
}

/* Appends ,"NAME":[paths...] from a NUL-separated list of n paths. */
static int
add_path_list(struct ann_buf *out, const char *name, const struct ann_buf *list, size_t n)
{
	const char *p = list->data;
	size_t i;
	int rc = ann_buf_addf(out, ",\"%s\":[", name);

	for (i = 0; rc == ANN_OK && i < n; i++) {
		if (i > 0)
			rc = ann_buf_addc(out, ',');
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(out, p, strlen(p));
		p += strlen(p) + 1;
	}
	return rc ? rc : ann_buf_addc(out, ']');
}

/*
 * Adds to list the output fields on which records a and b disagree: a
 * different value, or a field only one of them has.
 */
static int
diff_outputs(struct ann_merge_ctx *c, const struct ann_record *a, const struct ann_record *b,
    struct ann_buf *list, size_t *n)
{
	struct ann_fields *fa = &c->fields;
	struct ann_fields *fb = &c->fields2;
	size_t i;
	int rc;

	rc = ann_merge_output_fields(fa, a);
	if (rc == ANN_OK)
		rc = ann_merge_output_fields(fb, b);
	for (i = 0; rc == ANN_OK && i < fa->n; i++) {
		long j = ann_fields_find(fb, ann_fields_path(fa, i));

		if (j < 0) {
			rc = add_unique(list, n, ann_fields_path(fa, i));
			continue;
		}
		ann_buf_reset(&c->key);
		ann_buf_reset(&c->key2);
		rc = ann_field_key(&c->key, fa->v[i].raw, fa->v[i].raw_len);
		if (rc == ANN_OK)
			rc = ann_field_key(&c->key2, fb->v[j].raw, fb->v[j].raw_len);
		if (rc == ANN_OK && (c->key.len != c->key2.len
		    || memcmp(c->key.data, c->key2.data, c->key.len) != 0))
			rc = add_unique(list, n, ann_fields_path(fa, i));
	}
	for (i = 0; rc == ANN_OK && i < fb->n; i++)
		if (ann_fields_find(fa, ann_fields_path(fb, i)) < 0)
			rc = add_unique(list, n, ann_fields_path(fb, i));
	return rc;
}

/* Union: keep the best record, list the others, and report disagreeing equals. */
static int
union_group(struct ann_merge_ctx *c, const struct ann_group *g, struct ann_error *e)
{
	struct ann_buf conflicts = ANN_BUF_INIT;
	size_t n_conflicts = 0;
	char *keepv = NULL;
	long best = ann_group_best(g, 0, SIZE_MAX);
	const struct ann_group_rec *kept = &g->v[best];
	size_t i;
	int rc = ANN_OK;

	if (g->n == 1)
		return ann_merge_emit(c, &kept->rec, e);

	keepv = calloc(g->n, 1);
	if (keepv == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory merging records");
	keepv[best] = 1;
	for (i = 0; rc == ANN_OK && i < g->n; i++)
		if ((long)i != best && g->v[i].rank == kept->rank)
			rc = diff_outputs(c, &kept->rec, &g->v[i].rec, &conflicts, &n_conflicts);

	if (rc == ANN_OK)
		rc = ann_buf_adds(&c->info, ",\"kept\":");
	if (rc == ANN_OK)
		rc = ann_merge_add_source(c, kept);
	if (rc == ANN_OK)
		rc = ann_merge_add_dropped(c, g, keepv);
	if (rc == ANN_OK && n_conflicts > 0) {
		c->stats->conflicts++;
		rc = add_path_list(&c->info, "conflicts", &conflicts, n_conflicts);
		ann_merge_warn(c, "id \"%s\": %zu records disagree on %s; kept %s line %zu "
		    "(the later of equally good records)", kept->rec.id.data, g->n,
		    list_text(&conflicts, n_conflicts), c->in[kept->input].name, kept->line_no);
	}
	if (rc == ANN_OK)
		rc = ann_merge_set_info(c);
	if (rc)
		rc = ann_error_set(e, rc, "out of memory merging records");
	else
		rc = ann_merge_emit(c, &kept->rec, e);
	free(keepv);
	ann_buf_release(&conflicts);
	return rc;
}

/* Join: the best document (first input) with the best annotation (other inputs). */
static int
join_group(struct ann_merge_ctx *c, const struct ann_group *g, struct ann_error *e)
{
	struct ann_buf conflicts = ANN_BUF_INIT;
	size_t n_conflicts = 0;
	long doc = ann_group_best(g, 0, 1);
	long ann = ann_group_best(g, 1, SIZE_MAX);
	const struct ann_group_rec *out = &g->v[doc >= 0 ? doc : ann];
	char *keep = calloc(g->n, 1);
	size_t i;
	int rc = ANN_OK;

	if (keep == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory joining records");
	if (doc >= 0)
		keep[doc] = 1;
	if (ann >= 0)
		keep[ann] = 1;

	if (doc >= 0 && ann >= 0) {
		const struct ann_record *d = &g->v[doc].rec;
		const struct ann_record *a = &g->v[ann].rec;

		rc = ann_buf_adds(&c->info, ",\"document\":");
		if (rc == ANN_OK)
			rc = ann_merge_add_source(c, &g->v[doc]);
		if (rc == ANN_OK)
			rc = ann_buf_adds(&c->info, ",\"annotation\":");
		if (rc == ANN_OK)
			rc = ann_merge_add_source(c, &g->v[ann]);
		for (i = 0; rc == ANN_OK && i < a->members.n; i++) {
			const char *name = ann_json_member_name(&a->members, i);
			const struct ann_json_member *am = &a->members.v[i];
			const struct ann_json_member *dm = ann_record_get(d, name);
			const char *araw = a->line + am->value_start;
			size_t alen = am->value_end - am->value_start;

			if (strcmp(name, "id") == 0 || strcmp(name, "merge") == 0)
				continue;
			/* A member a stage owns comes from the annotation, never as a conflict. */
			if (dm == NULL || ann_record_is_stage_member(name)) {
				rc = ann_record_edit_set_raw(&c->edit, name, araw, alen);
				continue;
			}
			ann_buf_reset(&c->key);
			ann_buf_reset(&c->key2);
			rc = ann_field_key(&c->key, araw, alen);
			if (rc == ANN_OK)
				rc = ann_field_key(&c->key2, d->line + dm->value_start,
				    dm->value_end - dm->value_start);
			if (rc == ANN_OK && (c->key.len != c->key2.len
			    || memcmp(c->key.data, c->key2.data, c->key.len) != 0)) {
				ann_buf_reset(&c->key);
				rc = ann_json_pointer_add(&c->key, name, strlen(name));
				if (rc == ANN_OK)
					rc = add_unique(&conflicts, &n_conflicts, c->key.data);
			}
		}
		if (rc == ANN_OK && n_conflicts > 0) {
			c->stats->conflicts++;
			rc = add_path_list(&c->info, "conflicts", &conflicts, n_conflicts);
			ann_merge_warn(c, "id \"%s\": document and annotation disagree on %s; "
			    "kept the document's value", d->id.data, list_text(&conflicts, n_conflicts));
		}
	} else {
		c->stats->missing++;
		ann_merge_warn(c, "id \"%s\": %s line %zu has no %s", out->rec.id.data,
		    c->in[out->input].name, out->line_no, doc >= 0 ? "annotation" : "document");
		rc = ann_buf_addf(&c->info, ",\"missing\":\"%s\"",
		    doc >= 0 ? "annotation" : "document");
	}

	if (rc == ANN_OK)
		rc = ann_merge_add_dropped(c, g, keep);
	if (rc == ANN_OK)
		rc = ann_merge_set_info(c);
	if (rc)
		rc = ann_error_set(e, rc, "out of memory joining records");
	else
		rc = ann_merge_emit(c, &out->rec, e);
	free(keep);
	ann_buf_release(&conflicts);
	return rc;
}

static int
decide(struct ann_merge_ctx *c, const struct ann_group *g, struct ann_error *e)
{
	ann_record_edit_reset(&c->edit);
	ann_buf_reset(&c->info);
	switch (c->opt->mode) {
	case ANN_MERGE_JOIN:
		return join_group(c, g, e);
	case ANN_MERGE_VOTE:
		return ann_vote_group(c, g, e);
	case ANN_MERGE_PREFER:
		return ann_prefer_group(c, g, e);
	case ANN_MERGE_UNION:
		break;
	}
	return union_group(c, g, e);
}

/* State of one run: the mode's context plus the readers' scratch space. */
struct driver {
	struct ann_merge_ctx c;
	struct ann_record rec;      /* the record just read */
	struct ann_record aux;      /* an error record made here */
	struct ann_buf aux_line;
	struct ann_group g;
	const int *fds;
};

/* Sets key to the record's key. Returns 1 when it has one, 0 when not, or an error. */
static int
record_key(const struct ann_merge_options *opt, const struct ann_record *r, struct ann_buf *key)
{
	const char *raw;
	size_t len;
	int rc;

	ann_buf_reset(key);

	/*
	 * An error record made from a line that was not a record has the id
	 * "line:N", which names a line of some earlier input, not a document:
	 * such records from different files must not be taken for duplicates.
	 */
	if (r->has_id && r->id.len > 5 && memcmp(r->id.data, "line:", 5) == 0
	    && ann_record_get(r, "error") != NULL)
		return 0;
	if (strcmp(opt->key, "/id") == 0) {
		if (!r->has_id)
			return 0;
		rc = ann_buf_add(key, r->id.data, r->id.len);
		return rc ? rc : 1;
	}
	if (ann_json_pointer_get(r->line, r->len, opt->key, &raw, &len) != ANN_OK
	    || ann_json_type_at(raw) != ANN_JSON_STRING)
		return 0;
	rc = ann_json_string_decode(raw, len, key);
	return rc ? rc : 1;
}

/* Sets the "merge" member to {"input":NAME}, for records that are not grouped. */
static int
tag_input(struct ann_merge_ctx *c, size_t input)
{
	int rc;

	ann_buf_reset(&c->info);
	rc = ann_buf_adds(&c->info, ",\"input\":");
	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(&c->info, c->in[input].name, strlen(c->in[input].name));
	return rc ? rc : ann_merge_set_info(c);
}

/* Writes the error record for a line that is not a record. */
static int
pass_line_error(struct driver *d, size_t input, const char *line, size_t len,
    size_t line_no, const struct ann_error *why, struct ann_error *e)
{
	struct ann_merge_ctx *c = &d->c;
	int rc;

	ann_log(ANN_LOG_WARN, "%s: line %zu: %s", c->in[input].name, line_no, why->msg);
	ann_buf_reset(&d->aux_line);
	ann_record_edit_reset(&c->edit);
	rc = ann_record_write_line_error(&d->aux_line, line, len, line_no, why);
	if (rc == ANN_OK)
		rc = ann_record_parse(&d->aux, d->aux_line.data, d->aux_line.len - 1, line_no, NULL);
	if (rc == ANN_OK)
		rc = tag_input(c, input);
	if (rc)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory writing an error record "
		    "for %s line %zu", c->in[input].name, line_no);
	return ann_merge_emit(c, &d->aux, e);
}

/* Writes ", got TYPE VALUE" for the value at pointer in r into out, or "" when r has none. */
static const char *
key_value(const struct ann_record *r, const char *pointer, char *out, size_t size)
{
	const char *raw;
	size_t len;
	char value[64];

	out[0] = '\0';
	if (ann_json_pointer_get(r->line, r->len, pointer, &raw, &len) == ANN_OK)
		snprintf(out, size, ", got %s", ann_json_describe(raw, len, value, sizeof value));
	return out;
}

/* Writes a record without a string key, with an error unless it has one. */
static int
pass_unkeyed(struct driver *d, size_t input, struct ann_error *e)
{
	struct ann_merge_ctx *c = &d->c;
	const struct ann_record *r = &d->rec;
	char problem[ANN_RECORD_PROBLEM_MAX];
	char msg[ANN_RECORD_PROBLEM_MAX + 160];
	int rc = ANN_OK;

	ann_record_edit_reset(&c->edit);
	if (ann_record_get(r, "error") == NULL) {
		if (strcmp(c->opt->key, "/id") == 0)
			snprintf(msg, sizeof msg, "line %zu: %s", r->line_no,
			    ann_record_id_problem(r, problem, sizeof problem));
		else
			snprintf(msg, sizeof msg, "line %zu: record has no string at %.100s%s",
			    r->line_no, c->opt->key, key_value(r, c->opt->key, problem,
			    sizeof problem));
		ann_log(ANN_LOG_WARN, "%s: %s", c->in[input].name, msg);
		ann_buf_reset(&d->aux_line);
		rc = ann_error_json(&d->aux_line, "invalid", msg, 0, r->line_no);
		if (rc == ANN_OK)
			rc = ann_record_edit_set_raw(&c->edit, "error", d->aux_line.data,
			    d->aux_line.len);
	}
	if (rc == ANN_OK)
		rc = tag_input(c, input);
	if (rc)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory marking %s line %zu",
		    c->in[input].name, r->line_no);
	return ann_merge_emit(c, r, e);
}

/*
 * Reads up to the next record that has a key, writing every line that is
 * not one on the way. Leaves the record in d->rec and its key in key.
 */
static int
next_keyed(struct driver *d, struct ann_jsonl_reader *rd, size_t input, struct ann_buf *key,
    struct ann_error *e)
{
	struct ann_merge_ctx *c = &d->c;

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
			return ann_error_prefix(e, "%s", c->in[input].name);
		}
		c->stats->records_in++;
		if (rc == ANN_OK)
			rc = ann_record_parse(&d->rec, line, len, line_no, &why);
		if (rc == ANN_ERR_NOMEM) {
			*e = why;
			return rc;
		}
		if (rc) {
			rc = pass_line_error(d, input, line, len, line_no, &why, e);
			if (rc)
				return rc;
			continue;
		}
		rc = record_key(c->opt, &d->rec, key);
		if (rc < 0)
			return ann_error_set(e, rc, "out of memory reading the key of %s line %zu",
			    c->in[input].name, line_no);
		if (rc == 0) {
			rc = pass_unkeyed(d, input, e);
			if (rc)
				return rc;
			continue;
		}
		return ANN_OK;
	}
}

static int
key_cmp(const struct ann_buf *a, const struct ann_buf *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int d = memcmp(a->data, b->data, n);

	if (d != 0)
		return d;
	return a->len < b->len ? -1 : a->len > b->len;
}

struct stream {
	struct ann_jsonl_reader rd;
	struct ann_buf line;
	struct ann_buf key;
	struct ann_buf prev;
	size_t line_no;
	int has;      /* line and key hold the next record */
	int has_prev;
};

static int
stream_advance(struct driver *d, struct stream *s, size_t input, struct ann_error *e)
{
	int rc = next_keyed(d, &s->rd, input, &s->key, e);

	s->has = 0;
	if (rc == ANN_ERR_EOF)
		return ANN_OK;
	if (rc)
		return rc;
	if (s->has_prev && key_cmp(&s->key, &s->prev) < 0) {
		char key[96];
		char prev[96];

		return ann_error_set(e, ANN_ERR_INVALID, "%s line %zu: key \"%s\" comes after "
		    "\"%s\", so the input is not sorted by %s in byte order; sort it or "
		    "leave out --sorted", d->c.in[input].name, d->rec.line_no,
		    ann_printable(s->key.data, s->key.len, key, sizeof key),
		    ann_printable(s->prev.data, s->prev.len, prev, sizeof prev), d->c.opt->key);
	}
	ann_buf_reset(&s->prev);
	ann_buf_reset(&s->line);
	rc = ann_buf_add(&s->prev, s->key.data, s->key.len);
	if (rc == ANN_OK)
		rc = ann_buf_add(&s->line, d->rec.line, d->rec.len);
	if (rc)
		return ann_error_set(e, rc, "out of memory reading %s", d->c.in[input].name);
	s->line_no = d->rec.line_no;
	s->has = 1;
	s->has_prev = 1;
	return ANN_OK;
}

/* Sorted inputs: a k-way merge that keeps one group in memory at a time, like join(1). */
static int
merge_sorted(struct driver *d, struct ann_error *e)
{
	size_t n = d->c.n_in;
	struct stream *s = calloc(n, sizeof *s);
	size_t i;
	int rc = ANN_OK;

	if (s == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory opening inputs");
	for (i = 0; i < n; i++) {
		ann_jsonl_reader_init(&s[i].rd, d->fds[i], 0);
		s[i].rd.name = d->c.in[i].name;
		ann_buf_init(&s[i].line, 0);
		ann_buf_init(&s[i].key, 0);
		ann_buf_init(&s[i].prev, 0);
	}
	for (i = 0; rc == ANN_OK && i < n; i++)
		rc = stream_advance(d, &s[i], i, e);

	while (rc == ANN_OK) {
		const struct ann_buf *min = NULL;
		struct ann_buf key = ANN_BUF_INIT;

		for (i = 0; i < n; i++)
			if (s[i].has && (min == NULL || key_cmp(&s[i].key, min) < 0))
				min = &s[i].key;
		if (min == NULL)
			break;
		rc = ann_buf_add(&key, min->data, min->len);
		if (rc)
			rc = ann_error_set(e, rc, "out of memory merging");

		ann_group_reset(&d->g);
		for (i = 0; rc == ANN_OK && i < n; i++) {
			while (rc == ANN_OK && s[i].has && key_cmp(&s[i].key, &key) == 0) {
				rc = ann_group_add(&d->g, i, s[i].line_no, s[i].line.data,
				    s[i].line.len, e);
				if (rc == ANN_OK)
					rc = stream_advance(d, &s[i], i, e);
			}
		}
		d->c.group_key = key.data;
		d->c.group_key_len = key.len;
		if (rc == ANN_OK)
			rc = decide(&d->c, &d->g, e);
		ann_buf_release(&key);
	}

	for (i = 0; i < n; i++) {
		ann_jsonl_reader_release(&s[i].rd);
		ann_buf_release(&s[i].line);
		ann_buf_release(&s[i].key);
		ann_buf_release(&s[i].prev);
	}
	free(s);
	return rc;
}

/*
 * Location of one record in its input. The first record of a key lives in
 * the key's own slot, later ones in a chain of extra slots, so a key read
 * once costs one slot.
 */
struct slot {
	uint64_t offset;
	uint64_t line_no;
	uint32_t len;
	uint32_t input;
	uint32_t next; /* extra slot index + 1, 0 at the end of the chain */
	uint32_t last; /* in a key's slot: its last extra slot + 1 */
};

struct slots {
	struct slot *v;
	size_t n;
	size_t cap;
};

static int
slots_push(struct slots *s, const struct slot *x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct slot *v = realloc(s->v, cap * sizeof *v);

		if (v == NULL)
			return ANN_ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *x;
	return ANN_OK;
}

static int
load_slot(struct driver *d, const struct slot *x, struct ann_error *e)
{
	const char *name = d->c.in[x->input].name;
	size_t got = 0;
	int rc;

	ann_buf_reset(&d->aux_line);
	rc = ann_buf_grow(&d->aux_line, x->len);
	if (rc)
		return ann_error_set(e, rc, "out of memory reading %s line %llu", name,
		    (unsigned long long)x->line_no);
	while (got < x->len) {
		ssize_t n = pread(d->fds[x->input], d->aux_line.data + got, x->len - got,
		    (off_t)(x->offset + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ann_error_set(e, ANN_ERR_IO, "read failed on %s line %llu: %s", name,
			    (unsigned long long)x->line_no, n < 0 ? strerror(errno)
			    : "the file became shorter");
		got += (size_t)n;
	}
	return ann_group_add(&d->g, x->input, (size_t)x->line_no, d->aux_line.data, x->len, e);
}

/* Unsorted inputs: index every key with where its records sit, then group. */
static int
merge_unsorted(struct driver *d, struct ann_error *e)
{
	struct ann_strtab keys;
	struct slots first = { NULL, 0, 0 };
	struct slots extra = { NULL, 0, 0 };
	struct ann_buf key = ANN_BUF_INIT;
	size_t i;
	int rc = ANN_OK;

	ann_strtab_init(&keys);
	for (i = 0; rc == ANN_OK && i < d->c.n_in; i++) {
		struct ann_jsonl_reader rd;

		ann_jsonl_reader_init(&rd, d->fds[i], 0);
		rd.name = d->c.in[i].name;
		for (;;) {
			struct slot x;
			off_t end;
			size_t k;
			int added;

			rc = next_keyed(d, &rd, i, &key, e);
			if (rc)
				break;
			/* The reader's buffer contains the bytes just before the file position. */
			end = lseek(d->fds[i], 0, SEEK_CUR);
			if (end < 0) {
				rc = ann_error_set(e, ANN_ERR_IO, "cannot seek in %s: %s",
				    d->c.in[i].name, strerror(errno));
				break;
			}
			x.offset = (uint64_t)end - rd.buf.len + (uint64_t)(d->rec.line - rd.buf.data);
			x.line_no = d->rec.line_no;
			x.len = (uint32_t)d->rec.len;
			x.input = (uint32_t)i;
			x.next = 0;
			x.last = 0;
			rc = ann_strtab_intern(&keys, key.data, key.len, &k, &added);
			if (rc == ANN_OK && !added && extra.n >= UINT32_MAX - 1)
				rc = ANN_ERR_TOO_LARGE;
			if (rc == ANN_OK && added) {
				rc = slots_push(&first, &x);
			} else if (rc == ANN_OK) {
				rc = slots_push(&extra, &x);
				if (rc == ANN_OK && first.v[k].last)
					extra.v[first.v[k].last - 1].next = (uint32_t)extra.n;
				else if (rc == ANN_OK)
					first.v[k].next = (uint32_t)extra.n;
				first.v[k].last = (uint32_t)extra.n;
			}
			if (rc) {
				rc = ann_error_set(e, rc, "%s indexing %s line %zu (%zu distinct keys "
				    "so far); sort the inputs by key and use --sorted", rc == ANN_ERR_NOMEM
				    ? "out of memory" : "too many records", d->c.in[i].name,
				    d->rec.line_no, keys.n);
				break;
			}
		}
		if (rc == ANN_ERR_EOF)
			rc = ANN_OK;
		ann_jsonl_reader_release(&rd);
	}
	ann_log(ANN_LOG_INFO, "indexed %zu distinct keys, %zu repeated records", first.n, extra.n);

	for (i = 0; rc == ANN_OK && i < first.n; i++) {
		uint32_t next = first.v[i].next;

		ann_group_reset(&d->g);
		rc = load_slot(d, &first.v[i], e);
		while (rc == ANN_OK && next) {
			rc = load_slot(d, &extra.v[next - 1], e);
			next = extra.v[next - 1].next;
		}
		d->c.group_key = ann_strtab_str(&keys, i, &d->c.group_key_len);
		if (rc == ANN_OK)
			rc = decide(&d->c, &d->g, e);
	}

	ann_strtab_release(&keys);
	free(first.v);
	free(extra.v);
	ann_buf_release(&key);
	return rc;
}

/* Copies fd to a new temporary file and returns the file, or NULL with *e set. */
static FILE *
spool(int fd, const char *name, struct ann_error *e)
{
	FILE *tmp = tmpfile();
	char chunk[65536];

	if (tmp == NULL) {
		ann_error_set(e, ANN_ERR_IO, "cannot create a temporary file for %s: %s", name,
		    strerror(errno));
		return NULL;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ann_error_set(e, ANN_ERR_IO, "read failed on %s: %s", name, strerror(errno));
			break;
		}
		if (n == 0) {
			if (fflush(tmp) == 0 && lseek(fileno(tmp), 0, SEEK_SET) == 0)
				return tmp;
			ann_error_set(e, ANN_ERR_IO, "write failed on a temporary file: %s",
			    strerror(errno));
			break;
		}
		if (fwrite(chunk, 1, (size_t)n, tmp) != (size_t)n) {
			ann_error_set(e, ANN_ERR_IO, "write failed on a temporary file: %s",
			    strerror(errno));
			break;
		}
	}
	fclose(tmp);
	return NULL;
}

/*
 * Turns inputs into regular JSONL files where needed: Label Studio exports
 * are converted, and without --sorted, pipes are copied so that records
 * can be read again by offset.
 */
static int
prepare_inputs(const struct ann_merge_options *opt, const struct ann_merge_input *in,
    size_t n_in, int *fds, int *is_ls, FILE **tmps, struct ann_merge_stats *st,
    struct ann_error *e)
{
	size_t i;

	for (i = 0; i < n_in; i++) {
		struct stat sb;
		int regular;

		fds[i] = in[i].fd;
		if (fstat(in[i].fd, &sb) != 0)
			return ann_error_set(e, ANN_ERR_IO, "cannot read %s: %s", in[i].name,
			    strerror(errno));
		regular = S_ISREG(sb.st_mode);
		if (regular && ann_label_studio_detect(in[i].fd)) {
			size_t tasks = 0;
			int rc;

			tmps[i] = tmpfile();
			if (tmps[i] == NULL)
				return ann_error_set(e, ANN_ERR_IO, "cannot create a temporary file "
				    "for %s: %s", in[i].name, strerror(errno));
			rc = ann_label_studio_import(in[i].fd, in[i].name, fileno(tmps[i]), &tasks, e);
			if (rc)
				return rc;
			if (lseek(fileno(tmps[i]), 0, SEEK_SET) != 0)
				return ann_error_set(e, ANN_ERR_IO, "cannot seek in a temporary file: %s",
				    strerror(errno));
			ann_log(ANN_LOG_INFO, "%s: read as a Label Studio export of %zu tasks",
			    in[i].name, tasks);
			fds[i] = fileno(tmps[i]);
			is_ls[i] = 1;
			st->label_studio++;
		} else if (!regular && !opt->sorted) {
			tmps[i] = spool(in[i].fd, in[i].name, e);
			if (tmps[i] == NULL)
				return e->code;
			fds[i] = fileno(tmps[i]);
		}
	}
	return ANN_OK;
}

/* Compiles the schema of --schema; a schema that cannot be used is ANN_ERR_CONFIG. */
static int
load_schema(const struct ann_merge_options *opt, struct ann_schema **schema,
    struct ann_error *e)
{
	int rc = ann_schema_compile_file(schema, opt->schema_path, &opt->schema, e);

	if (rc && rc != ANN_ERR_NOMEM)
		rc = e->code = ANN_ERR_CONFIG;
	return rc;
}

int
ann_merge_run(const struct ann_merge_options *opt_in, const struct ann_merge_input *in,
    size_t n_in, int out_fd, struct ann_merge_stats *stats, struct ann_error *e)
{
	struct ann_merge_options opt = *opt_in;
	struct ann_export sink;
	struct ann_schema *schema = NULL;
	struct ann_converter converter;
	struct driver d;
	int *fds = calloc(n_in ? n_in : 1, sizeof *fds);
	int *is_ls = calloc(n_in ? n_in : 1, sizeof *is_ls);
	FILE **tmps = calloc(n_in ? n_in : 1, sizeof *tmps);
	size_t i;
	int sink_open = 0;
	int rc;

	memset(stats, 0, sizeof *stats);
	memset(&d, 0, sizeof d);
	ann_converter_init(&converter, NULL);
	if (opt.key == NULL)
		opt.key = "/id";
	ann_record_init(&d.rec);
	ann_record_init(&d.aux);
	ann_buf_init(&d.aux_line, 0);
	ann_group_init(&d.g);
	ann_record_edit_init(&d.c.edit);
	ann_buf_init(&d.c.out, 0);
	ann_buf_init(&d.c.info, 0);
	ann_buf_init(&d.c.key, 0);
	ann_buf_init(&d.c.key2, 0);
	ann_fields_init(&d.c.fields);
	ann_fields_init(&d.c.fields2);

	rc = ANN_ERR_NOMEM;
	if (fds == NULL || is_ls == NULL || tmps == NULL) {
		ann_error_set(e, rc, "out of memory opening inputs");
		goto done;
	}
	if (ann_json_pointer_check(opt.key)) {
		rc = ann_error_set(e, ANN_ERR_CONFIG, "invalid key pointer: %s", opt.key);
		goto done;
	}
	if (n_in == 0 || n_in > ANN_MERGE_MAX_INPUTS) {
		rc = ann_error_set(e, ANN_ERR_CONFIG, "expected 1 to %d inputs, got %zu",
		    ANN_MERGE_MAX_INPUTS, n_in);
		goto done;
	}
	if (opt.schema_path != NULL && opt.mode == ANN_MERGE_PREFER) {
		rc = load_schema(&opt, &schema, e);
		if (rc)
			goto done;
		ann_converter_init(&converter, schema);
		d.c.converter = &converter;
	}
	rc = prepare_inputs(&opt, in, n_in, fds, is_ls, tmps, stats, e);
	if (rc)
		goto done;
	rc = ann_export_init(&sink, &opt, out_fd, e);
	if (rc)
		goto done;
	sink_open = 1;

	d.fds = fds;
	d.c.opt = &opt;
	d.c.in = in;
	d.c.n_in = n_in;
	d.c.from_label_studio = is_ls;
	d.c.sink = &sink;
	d.c.stats = stats;
	rc = opt.sorted ? merge_sorted(&d, e) : merge_unsorted(&d, e);
	if (rc == ANN_OK)
		rc = ann_export_finish(&sink, e);

done:
	if (sink_open) {
		stats->broken_pipe = sink.w.broken_pipe;
		ann_export_release(&sink);
	}
	for (i = 0; tmps && i < n_in; i++)
		if (tmps[i])
			fclose(tmps[i]);
	free(fds);
	free(is_ls);
	free(tmps);
	ann_record_release(&d.rec);
	ann_record_release(&d.aux);
	ann_buf_release(&d.aux_line);
	ann_group_release(&d.g);
	ann_record_edit_release(&d.c.edit);
	ann_buf_release(&d.c.out);
	ann_buf_release(&d.c.info);
	ann_buf_release(&d.c.key);
	ann_buf_release(&d.c.key2);
	ann_fields_release(&d.c.fields);
	ann_fields_release(&d.c.fields2);
	ann_converter_release(&converter);
	ann_schema_free(schema);
	return rc;
}
