#include "group.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Conflicts, missing counterparts and ties are logged one by one up to this count. */
#define MERGE_WARN_MAX 20

void
ann_group_init(struct ann_group *g)
{
	g->v = NULL;
	g->n = 0;
	g->cap = 0;
}

void
ann_group_release(struct ann_group *g)
{
	size_t i;

	for (i = 0; i < g->cap; i++) {
		ann_buf_release(&g->v[i].line);
		ann_record_release(&g->v[i].rec);
	}
	free(g->v);
	ann_group_init(g);
}

void
ann_group_reset(struct ann_group *g)
{
	g->n = 0;
}

int
ann_group_add(struct ann_group *g, size_t input, size_t line_no, const char *line,
    size_t len, struct ann_error *e)
{
	struct ann_group_rec *gr;
	int rc;

	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		struct ann_group_rec *v = realloc(g->v, cap * sizeof *v);
		size_t i;

		if (v == NULL)
			return ann_error_set(e, ANN_ERR_NOMEM, "out of memory grouping records");
		for (i = g->cap; i < cap; i++) {
			ann_buf_init(&v[i].line, 0);
			ann_record_init(&v[i].rec);
		}
		g->v = v;
		g->cap = cap;
	}
	gr = &g->v[g->n];
	gr->input = input;
	gr->line_no = line_no;
	ann_buf_reset(&gr->line);
	rc = ann_buf_add(&gr->line, line, len);
	if (rc)
		return ann_error_set(e, rc, "out of memory grouping records");
	rc = ann_record_parse(&gr->rec, gr->line.data, gr->line.len, line_no, e);
	if (rc == ANN_ERR_SYNTAX)
		return ann_error_prefix(e, "line %zu changed between two reads of its file", line_no);
	if (rc)
		return rc;
	gr->rank = ann_record_rank(&gr->rec);
	g->n++;
	return ANN_OK;
}

enum ann_rank
ann_record_rank(const struct ann_record *r)
{
	const char *raw;
	const char *valid;
	size_t len;
	size_t valid_len;

	if (ann_record_get(r, "error") != NULL)
		return ANN_RANK_ERROR;
	raw = ann_record_raw(r, "validation", &len);
	if (raw == NULL || ann_json_pointer_get(raw, len, "/valid", &valid, &valid_len))
		return ANN_RANK_UNCHECKED;
	if (valid_len == 4 && memcmp(valid, "true", 4) == 0)
		return ANN_RANK_VALID;
	if (valid_len == 5 && memcmp(valid, "false", 5) == 0)
		return ANN_RANK_INVALID;
	return ANN_RANK_UNCHECKED;
}

const char *
ann_rank_name(enum ann_rank rank)
{
	switch (rank) {
	case ANN_RANK_ERROR:
		return "error";
	case ANN_RANK_INVALID:
		return "invalid";
	case ANN_RANK_UNCHECKED:
		return "unchecked";
	case ANN_RANK_VALID:
		return "valid";
	}
	return "unknown";
}

long
ann_group_best(const struct ann_group *g, size_t lo, size_t hi)
{
	long best = -1;
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (g->v[i].input < lo || g->v[i].input >= hi)
			continue;
		if (best < 0 || g->v[i].rank >= g->v[best].rank)
			best = (long)i;
	}
	return best;
}

void
ann_merge_warn(struct ann_merge_ctx *c, const char *fmt, ...)
{
	char msg[ANN_ERROR_MSG_MAX];
	va_list ap;
	char *p;

	c->warnings++;
	if (c->warnings > MERGE_WARN_MAX || !ann_log_enabled(ANN_LOG_WARN))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			*p = '?';
	ann_log(ANN_LOG_WARN, "%s", msg);
	if (c->warnings == MERGE_WARN_MAX)
		ann_log(ANN_LOG_WARN, "further conflicts, ties, missing records and unconverted "
		    "texts are counted in the summary and reported in each record's \"merge\" "
		    "member only");
}

/* Returns 1 when the edit sets member name. */
static int
edit_sets(const struct ann_record_edit *ed, const char *name)
{
	const char *p = ed->names.data;
	size_t i;

	for (i = 0; i < ed->n; i++) {
		if (strcmp(p, name) == 0)
			return 1;
		p += strlen(p) + 1;
	}
	return 0;
}

static int
edit_removes(const struct ann_record_edit *ed, const char *name)
{
	size_t i;

	for (i = 0; i < ed->n_remove; i++)
		if (strcmp(ed->remove[i], name) == 0)
			return 1;
	return 0;
}

int
ann_merge_emit(struct ann_merge_ctx *c, const struct ann_record *r, struct ann_error *e)
{
	int rc;

	ann_buf_reset(&c->out);
	rc = ann_record_write(r, &c->edit, &c->out);
	if (rc)
		return ann_error_set(e, rc, "out of memory writing the record for line %zu",
		    r->line_no);
	if (edit_sets(&c->edit, "error")
	    || (ann_record_get(r, "error") != NULL && !edit_removes(&c->edit, "error")))
		c->stats->errors++;
	c->stats->records_out++;
	return ann_export_record(c->sink, c->out.data, c->out.len, e);
}

int
ann_merge_add_source(struct ann_merge_ctx *c, const struct ann_group_rec *gr)
{
	const char *name = c->in[gr->input].name;
	const char *status = ann_rank_name(gr->rank);
	int rc;

	rc = ann_buf_adds(&c->info, "{\"input\":");
	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(&c->info, name, strlen(name));
	if (rc == ANN_OK)
		rc = ann_buf_addf(&c->info, ",\"line\":%zu,\"status\":\"%s\"}", gr->line_no, status);
	return rc;
}

/* Returns 1 when member i of a has a member of the same name in b with an equal value, 0 if not. */
static int
member_matches(struct ann_merge_ctx *c, const struct ann_record *a, size_t i,
    const struct ann_record *b, int *rc)
{
	const struct ann_json_member *am = &a->members.v[i];
	const struct ann_json_member *bm = ann_record_get(b, ann_json_member_name(&a->members, i));

	if (bm == NULL)
		return 0;
	ann_buf_reset(&c->key);
	ann_buf_reset(&c->key2);
	*rc = ann_field_key(&c->key, a->line + am->value_start, am->value_end - am->value_start);
	if (*rc == ANN_OK)
		*rc = ann_field_key(&c->key2, b->line + bm->value_start, bm->value_end - bm->value_start);
	return *rc == ANN_OK && c->key.len == c->key2.len
	    && memcmp(c->key.data, c->key2.data, c->key.len) == 0;
}

/*
 * Adds to list (NUL-separated, *n entries) the pointers of the members of
 * a and b that no stage owns and that only one of them has, or that
 * differ in value (numbers by value, strings decoded).
 */
static int
diff_user_members(struct ann_merge_ctx *c, const struct ann_record *a,
    const struct ann_record *b, struct ann_buf *list, size_t *n)
{
	const struct ann_record *pair[2] = { a, b };
	struct ann_buf ptr = ANN_BUF_INIT;
	size_t side;
	size_t i;
	int rc = ANN_OK;

	for (side = 0; side < 2 && rc == ANN_OK; side++) {
		const struct ann_record *x = pair[side];
		const struct ann_record *y = pair[1 - side];

		for (i = 0; rc == ANN_OK && i < x->members.n; i++) {
			const char *name = ann_json_member_name(&x->members, i);

			if (ann_record_is_stage_member(name))
				continue;
			/* The second pass only adds the members a lacks. */
			if (side == 1 && ann_record_get(y, name) != NULL)
				continue;
			if (side == 0 && member_matches(c, x, i, y, &rc))
				continue;
			if (rc)
				break;
			ann_buf_reset(&ptr);
			rc = ann_json_pointer_add(&ptr, name, x->members.v[i].name_len);
			if (rc == ANN_OK)
				rc = ann_buf_add(list, ptr.data, ptr.len + 1);
			(*n)++;
		}
	}
	ann_buf_release(&ptr);
	return rc;
}

/*
 * Sets list to the members in which dropped record d differs from the kept
 * records of g. The list is empty when d matches one of them. Otherwise it
 * holds the differences from the kept record of d's own input, or from the
 * first kept record when its input has none.
 */
static int
differs_from_kept(struct ann_merge_ctx *c, const struct ann_group *g, const char *keep,
    size_t d, struct ann_buf *list, size_t *n)
{
	long nearest = -1;
	size_t j;
	int rc = ANN_OK;

	for (j = 0; rc == ANN_OK && j < g->n; j++) {
		if (!keep[j])
			continue;
		if (nearest < 0 || g->v[j].input == g->v[d].input)
			nearest = (long)j;
		ann_buf_reset(list);
		*n = 0;
		rc = diff_user_members(c, &g->v[d].rec, &g->v[j].rec, list, n);
		if (rc == ANN_OK && *n == 0)
			return ANN_OK;
	}
	ann_buf_reset(list);
	*n = 0;
	if (rc == ANN_OK && nearest >= 0)
		rc = diff_user_members(c, &g->v[d].rec, &g->v[nearest].rec, list, n);
	return rc;
}

/* Appends item to the ", "-separated list for messages, for the first few keys only. */
static void
list_key(char *list, size_t listed, const char *item)
{
	size_t used = strlen(list);

	if (listed >= ANN_MERGE_LISTED_KEYS)
		return;
	snprintf(list + used, ANN_MERGE_LIST_MAX - used, "%s%s", used ? ", " : "", item);
}

/* Lists the group's key in the stats: once among duplicates, and with differs when given. */
static void
count_key(struct ann_merge_ctx *c, const struct ann_buf *differs, size_t n_differs)
{
	struct ann_merge_stats *st = c->stats;
	char key[48];
	char item[ANN_MERGE_LIST_MAX / ANN_MERGE_LISTED_KEYS];
	const char *p = differs->data;
	size_t used;
	size_t i;

	ann_printable(c->group_key, c->group_key_len, key, sizeof key);
	if (n_differs == 0) {
		list_key(st->duplicate_list, st->duplicate_keys++, key);
		return;
	}
	used = (size_t)snprintf(item, sizeof item, "%s (", key);
	for (i = 0; i < n_differs && used < sizeof item; i++) {
		used += (size_t)snprintf(item + used, sizeof item - used, "%s%s", i ? ", " : "", p);
		p += strlen(p) + 1;
	}
	if (used < sizeof item)
		snprintf(item + used, sizeof item - used, ")");
	list_key(st->differing_list, st->differing_keys++, item);
}

/* Appends ,"differs":[pointers...] from a NUL-separated list of n pointers. */
static int
add_differs(struct ann_buf *out, const struct ann_buf *list, size_t n)
{
	const char *p = list->data;
	size_t i;
	int rc = ann_buf_adds(out, ",\"differs\":[");

	for (i = 0; rc == ANN_OK && i < n; i++) {
		if (i > 0)
			rc = ann_buf_addc(out, ',');
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(out, p, strlen(p));
		p += strlen(p) + 1;
	}
	return rc ? rc : ann_buf_addc(out, ']');
}

int
ann_merge_add_dropped(struct ann_merge_ctx *c, const struct ann_group *g, const char *keep)
{
	struct ann_buf differs = ANN_BUF_INIT;
	struct ann_buf first_differs = ANN_BUF_INIT;
	size_t n_first_differs = 0;
	size_t n_differs = 0;
	size_t dropped = 0;
	size_t i;
	int rc = ANN_OK;

	for (i = 0; rc == ANN_OK && i < g->n; i++) {
		if (keep[i])
			continue;
		rc = ann_buf_adds(&c->info, dropped == 0 ? ",\"dropped\":[" : ",");
		if (rc == ANN_OK)
			rc = ann_merge_add_source(c, &g->v[i]);
		if (rc == ANN_OK)
			rc = differs_from_kept(c, g, keep, i, &differs, &n_differs);
		if (rc == ANN_OK && n_differs > 0) {
			/* Reopen the source object (drop its '}') to add the differing members. */
			c->info.data[--c->info.len] = '\0';
			rc = add_differs(&c->info, &differs, n_differs);
			if (rc == ANN_OK)
				rc = ann_buf_addc(&c->info, '}');
			if (rc == ANN_OK && n_first_differs == 0) {
				n_first_differs = n_differs;
				rc = ann_buf_add(&first_differs, differs.data, differs.len);
			}
			c->stats->differing++;
		}
		c->stats->duplicates++;
		dropped++;
	}
	if (rc == ANN_OK && dropped > 0) {
		rc = ann_buf_addc(&c->info, ']');
		count_key(c, &first_differs, 0);
		if (n_first_differs > 0)
			count_key(c, &first_differs, n_first_differs);
	}
	ann_buf_release(&differs);
	ann_buf_release(&first_differs);
	return rc;
}

int
ann_merge_output_fields(struct ann_fields *f, const struct ann_record *r)
{
	size_t len;
	const char *raw = ann_record_raw(r, "output", &len);

	ann_fields_reset(f);
	return raw ? ann_fields_collect(f, raw, len, "/output") : ANN_OK;
}

int
ann_merge_set_info(struct ann_merge_ctx *c)
{
	struct ann_buf *b = &c->info;
	int rc;

	/* c->info starts with a comma before its first member; turn it into the brace. */
	if (b->len == 0)
		return ANN_OK;
	b->data[0] = '{';
	rc = ann_buf_addc(b, '}');
	return rc ? rc : ann_record_edit_set_raw(&c->edit, "merge", b->data, b->len);
}
