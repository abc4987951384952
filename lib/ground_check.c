/*
 * The walk over an answer: which values are grounded, the findings for
 * those that are not, and the "spans" member for those that are.
 */
#include <stdio.h>
#include <string.h>

#include "ground_int.h"

/* Longest value text quoted in a finding, in bytes. */
#define QUOTE_MAX 80

/* Matches an instance location against a pattern whose "*" segments match any segment. */
static int
pattern_matches(const char *pattern, const char *pointer)
{
	const char *p = pattern, *q = pointer;

	while (*p == '/') {
		size_t plen = strcspn(p + 1, "/");
		size_t qlen;

		if (*q != '/')
			return 0;
		qlen = strcspn(q + 1, "/");
		if (!(plen == 1 && p[1] == '*') && (plen != qlen || memcmp(p + 1, q + 1, plen) != 0))
			return 0;
		p += 1 + plen;
		q += 1 + qlen;
	}
	/* A pattern exempts the whole value it names, members and items included. */
	return *p == '\0';
}

int
ann_ground_is_derived(const struct ann_ground *g, const char *pointer)
{
	size_t i;

	for (i = 0; i < g->n_patterns; i++)
		if (pattern_matches(g->patterns[i], pointer))
			return 1;
	return 0;
}

/* Appends s[0..n), cut at QUOTE_MAX bytes on a character boundary, as a JSON-escaped quote. */
static int
add_quote(struct ann_buf *b, const char *s, size_t n)
{
	struct ann_buf json = ANN_BUF_INIT;
	size_t max = n;
	int rc;

	if (max > QUOTE_MAX) {
		max = QUOTE_MAX;
		while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
			max--;
	}
	rc = ann_buf_add_json_string(&json, s, max);
	if (rc == ANN_OK && max < n) {
		ann_buf_truncate(&json, json.len - 1);
		rc = ann_buf_adds(&json, "...\"");
	}
	if (rc == ANN_OK)
		rc = ann_buf_add(b, json.data, json.len);
	ann_buf_release(&json);
	return rc;
}

static int
add_span(struct ann_ground *g, struct ann_buf *spans, const char *pointer,
    const struct ann_ground_match *m)
{
	static const char *const how_names[] = { "none", "text", "number", "date", "fuzzy" };
	const char *text;
	size_t len, w;
	int rc, first = 1;

	text = ann_ground_text(g, m->start, m->end, &len);
	rc = ann_buf_adds(spans, spans->len > 1 ? ",{\"pointer\":" : "{\"pointer\":");
	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(spans, pointer, strlen(pointer));
	if (rc == ANN_OK)
		rc = ann_buf_addf(spans, ",\"start\":%zu,\"end\":%zu,\"text\":", m->start, m->end);
	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(spans, text, len);
	if (rc == ANN_OK)
		rc = ann_buf_addf(spans, ",\"match\":\"%s\",\"edits\":%u", how_names[m->how], m->edits);
	if (rc == ANN_OK && g->n_words > 0) {
		/* The words the span overlaps, with their boxes when the source has them. */
		struct ann_buf boxes = ANN_BUF_INIT;

		rc = ann_buf_adds(spans, ",\"words\":[");
		for (w = 0; rc == ANN_OK && w < g->n_words; w++) {
			const struct ground_word *word = &g->words[w];

			if (word->end <= m->start || word->start >= m->end)
				continue;
			rc = ann_buf_addf(spans, first ? "%zu" : ",%zu", w);
			if (rc == ANN_OK && word->box_len > 0) {
				if (boxes.len > 0)
					rc = ann_buf_addc(&boxes, ',');
				if (rc == ANN_OK)
					rc = ann_buf_add(&boxes, g->boxes.data + word->box_off, word->box_len);
			}
			first = 0;
		}
		if (rc == ANN_OK)
			rc = ann_buf_adds(spans, "]");
		if (rc == ANN_OK && boxes.len > 0) {
			rc = ann_buf_adds(spans, ",\"boxes\":[");
			if (rc == ANN_OK)
				rc = ann_buf_add(spans, boxes.data, boxes.len);
			if (rc == ANN_OK)
				rc = ann_buf_addc(spans, ']');
		}
		ann_buf_release(&boxes);
	}
	if (rc == ANN_OK)
		rc = ann_buf_addc(spans, '}');
	return rc;
}

/* Adds the finding for a value that is not in the source, with the nearest text. */
static int
add_ungrounded(struct ann_ground *g, struct ann_finding_list *findings, const char *pointer,
    const char *s, size_t n, struct ann_error *e)
{
	struct ann_ground_match near;
	struct ann_buf msg = ANN_BUF_INIT;
	int rc;

	rc = ann_ground_nearest(g, s, n, &near, e);
	if (rc)
		return rc;
	rc = ann_buf_adds(&msg, "value ");
	if (rc == ANN_OK)
		rc = add_quote(&msg, s, n);
	if (rc == ANN_OK)
		rc = ann_buf_adds(&msg, " is not in the source text");
	if (rc == ANN_OK && near.how != ANN_GROUND_NONE) {
		size_t len;
		const char *text = ann_ground_text(g, near.start, near.end, &len);

		rc = ann_buf_adds(&msg, "; nearest text: ");
		if (rc == ANN_OK)
			rc = add_quote(&msg, text, len);
		if (rc == ANN_OK)
			rc = ann_buf_addf(&msg, " (%u edit%s, characters %zu-%zu)", near.edits,
			    near.edits == 1 ? "" : "s", near.start, near.end);
	} else if (rc == ANN_OK) {
		rc = ann_buf_adds(&msg, "; no similar text found");
	}
	if (rc == ANN_OK)
		rc = ann_finding_add(findings, pointer, ANN_GROUND_KEYWORD, "%s", msg.data);
	ann_buf_release(&msg);
	return rc ? ann_error_set(e, ANN_ERR_NOMEM, "out of memory") : ANN_OK;
}

/* Appends "/segment" with '~' and '/' escaped as JSON Pointer requires. */
static int
push_segment(struct ann_buf *path, const char *s, size_t n)
{
	size_t i;
	int rc = ann_buf_addc(path, '/');

	for (i = 0; rc == ANN_OK && i < n; i++) {
		if (s[i] == '~')
			rc = ann_buf_adds(path, "~0");
		else if (s[i] == '/')
			rc = ann_buf_adds(path, "~1");
		else
			rc = ann_buf_addc(path, s[i]);
	}
	return rc;
}

static int
walk(struct ann_ground *g, const struct ann_jsonv *v, struct ann_finding_list *findings,
    struct ann_buf *spans, struct ann_error *e)
{
	struct ann_ground_match m;
	size_t mark = g->path.len;
	size_t i;
	int rc = ANN_OK, found;

	if (ann_ground_is_derived(g, g->path.data))
		return ANN_OK;
	switch (v->type) {
	case ANN_JSON_OBJECT:
		for (i = 0; rc == ANN_OK && i < v->n; i++) {
			rc = push_segment(&g->path, v->u.members[i].name, v->u.members[i].name_len);
			if (rc == ANN_OK)
				rc = walk(g, &v->u.members[i].value, findings, spans, e);
			ann_buf_truncate(&g->path, mark);
		}
		return rc;
	case ANN_JSON_ARRAY:
		for (i = 0; rc == ANN_OK && i < v->n; i++) {
			rc = ann_buf_addf(&g->path, "/%zu", i);
			if (rc == ANN_OK)
				rc = walk(g, &v->u.items[i], findings, spans, e);
			ann_buf_truncate(&g->path, mark);
		}
		return rc;
	case ANN_JSON_STRING:
		if (v->n == 0)
			return ANN_OK;
		found = ann_ground_find_string(g, v->u.s, v->n, &m, e);
		if (found < 0)
			return found;
		if (found == 0 && g->val.n == 0)
			return ANN_OK;  /* only white space: nothing to ground */
		return found ? add_span(g, spans, g->path.data, &m) :
		    add_ungrounded(g, findings, g->path.data, v->u.s, v->n, e);
	case ANN_JSON_NUMBER:
		found = ann_ground_find_number(g, v->text, v->text_len, &m, e);
		if (found < 0)
			return found;
		return found ? add_span(g, spans, g->path.data, &m) :
		    add_ungrounded(g, findings, g->path.data, v->text, v->text_len, e);
	default:
		return ANN_OK;  /* true, false and null are never read from the text */
	}
}

int
ann_ground_check(struct ann_ground *g, const struct ann_jsonv *answer,
    struct ann_finding_list *findings, struct ann_buf *spans, struct ann_error *e)
{
	int rc;

	ann_buf_reset(spans);
	ann_buf_reset(&g->path);
	rc = ann_buf_addc(spans, '[');
	if (rc == ANN_OK)
		rc = walk(g, answer, findings, spans, e);
	else
		ann_error_set(e, rc, "out of memory");
	if (rc == ANN_OK && ann_buf_addc(spans, ']'))
		rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	return rc;
}
