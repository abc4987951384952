/*
 * Grounding: source preparation, the number and date indexes, and the
 * search for one value. The walk over an answer is in ground_check.c.
 */
#include "ground.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "ground_int.h"

void
ann_ground_opts_init(struct ann_ground_opts *o)
{
	memset(o, 0, sizeof *o);
	o->edits_per_char = ANN_GROUND_EDITS_DEFAULT;
	o->date_order = ANN_DATE_DMY;
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t cap2;
	void *q;

	if (need <= *cap)
		return ANN_OK;
	cap2 = *cap ? *cap : 64;
	while (cap2 < need)
		cap2 *= 2;
	q = realloc(*p, cap2 * size);
	if (q == NULL)
		return ANN_ERR_NOMEM;
	*p = q;
	*cap = cap2;
	return ANN_OK;
}

int
ground_cpvec_push(struct ground_cpvec *v, uint32_t cp, size_t start, size_t end)
{
	size_t cap = v->cap;

	if (v->n + 1 >= v->cap) {
		if (grow((void **)&v->cp, &cap, v->n + 2, sizeof *v->cp))
			return ANN_ERR_NOMEM;
		cap = v->cap;
		if (grow((void **)&v->start, &cap, v->n + 2, sizeof *v->start))
			return ANN_ERR_NOMEM;
		cap = v->cap;
		if (grow((void **)&v->end, &cap, v->n + 2, sizeof *v->end))
			return ANN_ERR_NOMEM;
		v->cap = cap;
	}
	v->cp[v->n] = cp;
	v->start[v->n] = start;
	v->end[v->n] = end;
	v->n++;
	return ANN_OK;
}

void
ground_cpvec_reset(struct ground_cpvec *v)
{
	v->n = 0;
	v->space = 0;
}

void
ground_cpvec_release(struct ground_cpvec *v)
{
	free(v->cp);
	free(v->start);
	free(v->end);
	memset(v, 0, sizeof *v);
}

/* Unicode White_Space, after NFKC (which already maps most spaces to U+0020). */
int
ground_is_space(uint32_t c)
{
	return c == 0x20 || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202F || c == 0x205F || c == 0x3000;
}

/*
 * Appends one normalised code point; white space is held back and written
 * as one space only when more text follows, so a run of it becomes one
 * space and none is left at either end.
 */
static int
push_normal(struct ground_cpvec *v, uint32_t c, size_t start, size_t end)
{
	if (ground_is_space(c)) {
		if (v->n > 0 && !v->space) {
			v->space = 1;
			v->space_start = start;
		}
		if (v->space)
			v->space_end = end;
		return ANN_OK;
	}
	if (v->space) {
		v->space = 0;
		if (ground_cpvec_push(v, ' ', v->space_start, v->space_end))
			return ANN_ERR_NOMEM;
	}
	return ground_cpvec_push(v, c, start, end);
}

/*
 * Appends the normalised form of s[0..n) to v. Each normalised code
 * point remembers the original code points [start, end) it came from,
 * counted from base. The text is cut into grapheme clusters, so NFKC
 * never composes across a cluster boundary and every output code point
 * maps back to one cluster.
 */
int
ground_normalise(struct ground_cpvec *v, struct ann_buf *scratch, const char *s, size_t n,
    size_t base)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t pos = 0, idx = base;

	while (pos < n) {
		size_t seg_pos = pos, seg_idx = idx;
		utf8proc_int32_t c;
		utf8proc_ssize_t len = utf8proc_iterate(p + pos, (utf8proc_ssize_t)(n - pos), &c);

		if (len < 1) {
			len = 1;
			c = 0xFFFD;
		}
		pos += (size_t)len;
		idx++;
		/* the rest of this grapheme cluster: combining marks, ﾞ after ｶ, Hangul jamo */
		{
			utf8proc_int32_t prev = c, state = 0;

			while (pos < n) {
				utf8proc_int32_t d;
				utf8proc_ssize_t l2 = utf8proc_iterate(p + pos, (utf8proc_ssize_t)(n - pos),
				    &d);

				if (l2 < 1 || utf8proc_grapheme_break_stateful(prev, d, &state))
					break;
				pos += (size_t)l2;
				idx++;
				prev = d;
			}
		}
		if (pos - seg_pos == 1 && c < 0x80) {
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (push_normal(v, (uint32_t)c, seg_idx, idx))
				return ANN_ERR_NOMEM;
			continue;
		}
		ann_buf_reset(scratch);
		if (c == 0xFFFD) {
			if (push_normal(v, 0xFFFD, seg_idx, idx))
				return ANN_ERR_NOMEM;
			continue;
		}
		if (ann_norm_text(s + seg_pos, pos - seg_pos, ANN_NORM_NFKC | ANN_NORM_CASE, scratch))
			return ANN_ERR_NOMEM;
		{
			const utf8proc_uint8_t *q = (const utf8proc_uint8_t *)scratch->data;
			size_t qpos = 0;

			while (qpos < scratch->len) {
				utf8proc_int32_t d;
				utf8proc_ssize_t l3 = utf8proc_iterate(q + qpos,
				    (utf8proc_ssize_t)(scratch->len - qpos), &d);

				if (l3 < 1)
					break;
				qpos += (size_t)l3;
				if (push_normal(v, (uint32_t)d, seg_idx, idx))
					return ANN_ERR_NOMEM;
			}
		}
	}
	return ANN_OK;
}

int
ann_ground_new(struct ann_ground **out, const struct ann_ground_opts *o, struct ann_error *e)
{
	struct ann_ground *g;
	size_t i;
	int rc;

	*out = NULL;
	if (!(o->edits_per_char >= 0 && o->edits_per_char <= 1))
		return ann_error_set(e, ANN_ERR_CONFIG,
		    "invalid edits per character, expected 0 to 1: %g", o->edits_per_char);
	g = calloc(1, sizeof *g);
	if (g == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	g->o = *o;
	ann_buf_init(&g->orig, 0);
	ann_buf_init(&g->utf8, 0);
	ann_buf_init(&g->scratch, 0);
	ann_buf_init(&g->boxes, 0);
	ann_buf_init(&g->path, 0);
	ann_buf_init(&g->tmp, 0);
	ann_jsonv_doc_init(&g->doc);
	for (i = 0; i < o->n_derived; i++) {
		rc = ground_add_pattern(g, o->derived[i], strlen(o->derived[i]));
		if (rc) {
			ann_error_set(e, rc, "out of memory");
			goto fail;
		}
	}
	if (o->schema_path) {
		rc = ground_schema_derived(g, o->schema_path, e);
		if (rc)
			goto fail;
	}
	*out = g;
	return ANN_OK;

fail:
	ann_ground_free(g);
	return rc;
}

void
ann_ground_free(struct ann_ground *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n_patterns; i++)
		free(g->patterns[i]);
	free(g->patterns);
	ann_buf_release(&g->orig);
	ann_buf_release(&g->utf8);
	ann_buf_release(&g->scratch);
	ann_buf_release(&g->boxes);
	ann_buf_release(&g->path);
	ann_buf_release(&g->tmp);
	ann_jsonv_doc_release(&g->doc);
	free(g->orig_off);
	free(g->utf8_off);
	ground_cpvec_release(&g->src);
	ground_cpvec_release(&g->val);
	free(g->words);
	free(g->nums);
	free(g->dates);
	free(g->dp);
	free(g);
}

int
ground_add_pattern(struct ann_ground *g, const char *p, size_t n)
{
	char *copy;

	if (grow((void **)&g->patterns, &g->cap_patterns, g->n_patterns + 1, sizeof *g->patterns))
		return ANN_ERR_NOMEM;
	copy = malloc(n + 1);
	if (copy == NULL)
		return ANN_ERR_NOMEM;
	memcpy(copy, p, n);
	copy[n] = '\0';
	g->patterns[g->n_patterns++] = copy;
	return ANN_OK;
}

/* Resets the source; the text is then added piece by piece. */
static void
source_reset(struct ann_ground *g)
{
	ann_buf_reset(&g->orig);
	ann_buf_reset(&g->utf8);
	ann_buf_reset(&g->boxes);
	ground_cpvec_reset(&g->src);
	g->n_orig = 0;
	g->n_words = 0;
	g->n_nums = 0;
	g->n_dates = 0;
	g->dates_built = 0;
}

/* Appends s[0..n) to the original text, recording each code point's byte offset. */
static int
source_add(struct ann_ground *g, const char *s, size_t n)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t pos = 0;
	size_t base = g->n_orig;

	while (pos < n) {
		utf8proc_int32_t c;
		utf8proc_ssize_t len = utf8proc_iterate(p + pos, (utf8proc_ssize_t)(n - pos), &c);

		if (len < 1)
			len = 1;
		if (grow((void **)&g->orig_off, &g->cap_orig, g->n_orig + 2, sizeof *g->orig_off))
			return ANN_ERR_NOMEM;
		g->orig_off[g->n_orig++] = g->orig.len + pos;
		pos += (size_t)len;
	}
	if (ground_normalise(&g->src, &g->scratch, s, n, base))
		return ANN_ERR_NOMEM;
	return ann_buf_add(&g->orig, s, n);
}

/* Finishes the source: sentinels, the UTF-8 form and the number index. */
static int
source_finish(struct ann_ground *g)
{
	size_t i;

	if (grow((void **)&g->orig_off, &g->cap_orig, g->n_orig + 1, sizeof *g->orig_off))
		return ANN_ERR_NOMEM;
	g->orig_off[g->n_orig] = g->orig.len;
	if (grow((void **)&g->utf8_off, &g->cap_utf8, g->src.n + 1, sizeof *g->utf8_off))
		return ANN_ERR_NOMEM;
	for (i = 0; i < g->src.n; i++) {
		utf8proc_uint8_t enc[4];
		utf8proc_ssize_t len = utf8proc_encode_char((utf8proc_int32_t)g->src.cp[i], enc);

		g->utf8_off[i] = g->utf8.len;
		if (ann_buf_add(&g->utf8, enc, (size_t)len))
			return ANN_ERR_NOMEM;
	}
	g->utf8_off[g->src.n] = g->utf8.len;
	return ground_index_numbers(g);
}

int
ann_ground_set_text(struct ann_ground *g, const char *s, size_t n, struct ann_error *e)
{
	int rc;

	source_reset(g);
	rc = source_add(g, s, n);
	if (rc == ANN_OK)
		rc = source_finish(g);
	return rc ? ann_error_set(e, rc, "out of memory") : ANN_OK;
}

int
ann_ground_set_source(struct ann_ground *g, const struct ann_jsonv *src, struct ann_error *e)
{
	size_t i;
	int rc = ANN_OK;

	if (src->type == ANN_JSON_STRING)
		return ann_ground_set_text(g, src->u.s, src->n, e);
	if (src->type != ANN_JSON_ARRAY)
		return ann_error_set(e, ANN_ERR_INVALID,
		    "source is not a string or an array of words, got %s",
		    ann_json_type_name(src->type));
	source_reset(g);
	for (i = 0; i < src->n && rc == ANN_OK; i++) {
		const struct ann_jsonv *w = &src->u.items[i];
		const struct ann_jsonv *text = w, *box = NULL;
		struct ground_word *word;

		if (w->type == ANN_JSON_OBJECT) {
			text = ann_jsonv_gets(w, "text");
			box = ann_jsonv_gets(w, "box");
		}
		if (text == NULL || text->type != ANN_JSON_STRING)
			return ann_error_set(e, ANN_ERR_INVALID,
			    "source word %zu has no \"text\" string", i);
		if (i > 0 && (rc = source_add(g, " ", 1)) != ANN_OK)
			break;
		if (grow((void **)&g->words, &g->cap_words, g->n_words + 1, sizeof *g->words)) {
			rc = ANN_ERR_NOMEM;
			break;
		}
		word = &g->words[g->n_words++];
		word->start = g->n_orig;
		rc = source_add(g, text->u.s, text->n);
		word->end = g->n_orig;
		word->box_off = g->boxes.len;
		if (rc == ANN_OK && box)
			rc = ann_jsonv_write(&g->boxes, box);
		word->box_len = g->boxes.len - word->box_off;
	}
	if (rc == ANN_OK)
		rc = source_finish(g);
	return rc ? ann_error_set(e, rc, "out of memory") : ANN_OK;
}

const char *
ann_ground_text(const struct ann_ground *g, size_t start, size_t end, size_t *len)
{
	if (end > g->n_orig)
		end = g->n_orig;
	if (start > end)
		start = end;
	*len = g->orig_off[end] - g->orig_off[start];
	return g->orig.data + g->orig_off[start];
}
