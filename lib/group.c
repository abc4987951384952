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

const char *
ann_merge_printable(const char *s, size_t len, char *out, size_t size)
{
	size_t room = size - 4; /* for "..." and the NUL */
	size_t i;

	if (len < size) {
		room = len;
	} else {
		/* Back up to the start of a UTF-8 character. */
		while (room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80)
			room--;
	}
	for (i = 0; i < room; i++) {
		unsigned char ch = (unsigned char)s[i];

		out[i] = ch < 0x20 || ch == 0x7F ? '?' : (char)ch;
	}
	if (room < len) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
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

int
ann_merge_add_dropped(struct ann_merge_ctx *c, const struct ann_group *g, const char *keep)
{
	size_t i;
	int first = 1;
	int rc = ANN_OK;

	for (i = 0; rc == ANN_OK && i < g->n; i++) {
		if (keep[i])
			continue;
		rc = ann_buf_adds(&c->info, first ? ",\"dropped\":[" : ",");
		if (rc == ANN_OK)
			rc = ann_merge_add_source(c, &g->v[i]);
		c->stats->duplicates++;
		first = 0;
	}
	if (rc == ANN_OK && !first)
		rc = ann_buf_addc(&c->info, ']');
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
