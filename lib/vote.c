/*
 * Voting: several annotation runs of the same documents, one run per
 * input, decided field by field by majority.
 *
 * Each run gives at most one vote per document: its best record for the
 * key (the best-record rule picks among a run's own duplicates). A run
 * whose record has an "error" or no "output" object abstains. For every
 * field that any voter has, each voter votes for its value or for the
 * field's absence. The value with the most votes wins, and agreement is
 * its share of the voters. When two or more values share the most votes
 * the field is a tie: it is left out of the output and listed, never
 * decided by order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"

struct voter {
	const struct ann_group_rec *gr;
	struct ann_fields f;
};

/* A distinct value of one field, and the voters that chose it. */
struct tally {
	size_t key_off;  /* into the key store; SIZE_MAX for "absent" */
	size_t key_len;
	size_t votes;
	long voter;      /* first voter with this value */
	long field;      /* that voter's field index, -1 for absent */
};

struct vote_state {
	struct voter *voters;
	size_t n_voters;
	struct tally *tallies;
	struct ann_buf keys;
	struct ann_buf paths;   /* distinct field paths, NUL-separated */
	size_t n_paths;
	const char **chosen_paths;
	const char **chosen_raws;
	size_t *chosen_lens;
	size_t n_chosen;
};

static int
add_rounded(struct ann_buf *b, double x)
{
	return ann_buf_add_json_number(b, floor(x * 1000 + 0.5) / 1000);
}

/* Appends every distinct path of the voters' fields to s->paths, in first-seen order. */
static int
collect_paths(struct vote_state *s)
{
	size_t v;
	size_t i;
	int rc = ANN_OK;

	for (v = 0; v < s->n_voters; v++) {
		const struct ann_fields *f = &s->voters[v].f;

		for (i = 0; rc == ANN_OK && i < f->n; i++) {
			const char *path = ann_fields_path(f, i);
			const char *p = s->paths.data;
			size_t k;
			int seen = 0;

			for (k = 0; k < s->n_paths && !seen; k++) {
				seen = strcmp(p, path) == 0;
				p += strlen(p) + 1;
			}
			if (!seen) {
				rc = ann_buf_add(&s->paths, path, strlen(path) + 1);
				s->n_paths++;
			}
		}
	}
	return rc;
}

/* Counts the voters' values for path; returns the number of distinct values in *n. */
static int
tally_path(struct vote_state *s, const char *path, size_t *n)
{
	size_t v;
	int rc = ANN_OK;

	*n = 0;
	ann_buf_reset(&s->keys);
	for (v = 0; rc == ANN_OK && v < s->n_voters; v++) {
		long fi = ann_fields_find(&s->voters[v].f, path);
		size_t off = SIZE_MAX;
		size_t len = 0;
		size_t t;

		if (fi >= 0) {
			const struct ann_field *fd = &s->voters[v].f.v[fi];

			off = s->keys.len;
			rc = ann_field_key(&s->keys, fd->raw, fd->raw_len);
			len = s->keys.len - off;
		}
		for (t = 0; rc == ANN_OK && t < *n; t++) {
			struct tally *ty = &s->tallies[t];

			if (ty->key_off == SIZE_MAX || off == SIZE_MAX) {
				if (ty->key_off == off)
					break;
				continue;
			}
			if (ty->key_len == len && memcmp(s->keys.data + ty->key_off,
			    s->keys.data + off, len) == 0)
				break;
		}
		if (rc)
			break;
		if (t < *n) {
			s->tallies[t].votes++;
			continue;
		}
		s->tallies[*n].key_off = off;
		s->tallies[*n].key_len = len;
		s->tallies[*n].votes = 1;
		s->tallies[*n].voter = (long)v;
		s->tallies[*n].field = fi;
		(*n)++;
	}
	return rc;
}

/* Appends the raw value of tally t, or null for an absent field. */
static int
add_tally_value(struct ann_buf *b, const struct vote_state *s, const struct tally *t)
{
	const struct ann_field *fd;

	if (t->field < 0)
		return ann_buf_adds(b, "{\"absent\":true");
	fd = &s->voters[t->voter].f.v[t->field];
	return ann_buf_adds(b, "{\"value\":") ? ANN_ERR_NOMEM : ann_buf_add(b, fd->raw, fd->raw_len);
}

static void
vote_state_release(struct vote_state *s)
{
	size_t v;

	for (v = 0; v < s->n_voters; v++)
		ann_fields_release(&s->voters[v].f);
	free(s->voters);
	free(s->tallies);
	free(s->chosen_paths);
	free(s->chosen_raws);
	free(s->chosen_lens);
	ann_buf_release(&s->keys);
	ann_buf_release(&s->paths);
}

/* Lists the runs that have no record (missing) or no usable output (abstained). */
static int
add_non_voters(struct ann_merge_ctx *c, const struct ann_group *g, char *keep,
    struct vote_state *s, size_t *missing)
{
	struct ann_buf abstained = ANN_BUF_INIT;
	struct ann_buf absent = ANN_BUF_INIT;
	size_t i;
	int rc = ANN_OK;

	*missing = 0;
	for (i = 0; rc == ANN_OK && i < c->n_in; i++) {
		long best = ann_group_best(g, i, i + 1);
		const struct ann_group_rec *gr;
		const char *raw;
		size_t len;

		if (best < 0) {
			rc = ann_buf_adds(&absent, *missing ? "," : ",\"missing\":[");
			if (rc == ANN_OK)
				rc = ann_buf_add_json_string(&absent, c->in[i].name, strlen(c->in[i].name));
			(*missing)++;
			continue;
		}
		keep[best] = 1;
		gr = &g->v[best];
		raw = ann_record_raw(&gr->rec, "output", &len);
		if (gr->rank == ANN_RANK_ERROR || raw == NULL || raw[0] != '{') {
			struct ann_buf *info = &c->info;

			/* Build the entry in c->info, then move it to the abstained list. */
			size_t mark = info->len;
			rc = ann_merge_add_source(c, gr);
			if (rc == ANN_OK)
				rc = ann_buf_adds(&abstained, abstained.len ? "," : ",\"abstained\":[");
			if (rc == ANN_OK)
				rc = ann_buf_add(&abstained, info->data + mark, info->len - mark);
			ann_buf_truncate(info, mark);
			continue;
		}
		s->voters[s->n_voters].gr = gr;
		ann_fields_init(&s->voters[s->n_voters].f);
		rc = ann_fields_collect(&s->voters[s->n_voters].f, raw, len, "/output");
		s->n_voters++;
	}
	if (rc == ANN_OK && abstained.len)
		rc = ann_buf_add(&c->info, abstained.data, abstained.len) ? ANN_ERR_NOMEM
		    : ann_buf_addc(&c->info, ']');
	if (rc == ANN_OK && absent.len)
		rc = ann_buf_add(&c->info, absent.data, absent.len) ? ANN_ERR_NOMEM
		    : ann_buf_addc(&c->info, ']');
	ann_buf_release(&abstained);
	ann_buf_release(&absent);
	return rc;
}

static int
vote_fields(struct ann_merge_ctx *c, struct vote_state *s, const char *id, int *changed)
{
	struct ann_buf review = ANN_BUF_INIT;
	struct ann_buf ties = ANN_BUF_INIT;
	const char *path = s->paths.data;
	size_t n_review = 0;
	size_t n_ties = 0;
	size_t p;
	int rc;

	rc = ann_buf_adds(&c->info, ",\"agreement\":{");
	for (p = 0; rc == ANN_OK && p < s->n_paths; p++, path += strlen(path) + 1) {
		size_t n_values = 0;
		size_t top = 0;
		size_t n_top = 0;
		long win = -1;
		double agreement;
		size_t t;

		rc = tally_path(s, path, &n_values);
		for (t = 0; rc == ANN_OK && t < n_values; t++) {
			if (s->tallies[t].votes > top) {
				top = s->tallies[t].votes;
				n_top = 1;
				win = (long)t;
			} else if (s->tallies[t].votes == top) {
				n_top++;
			}
		}
		if (rc)
			break;
		agreement = (double)top / (double)s->n_voters;
		if (p > 0)
			rc = ann_buf_addc(&c->info, ',');
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(&c->info, path, strlen(path));
		if (rc == ANN_OK)
			rc = ann_buf_addc(&c->info, ':');
		if (rc == ANN_OK)
			rc = add_rounded(&c->info, agreement);

		if (rc == ANN_OK && (n_top > 1 || agreement < c->opt->threshold)) {
			rc = ann_buf_adds(&review, n_review ? "," : ",\"review\":[");
			if (rc == ANN_OK)
				rc = ann_buf_add_json_string(&review, path, strlen(path));
			n_review++;
		}
		if (rc == ANN_OK && n_top > 1) {
			ann_merge_warn(c, "id \"%s\": %zu values tie for %s with %zu votes each; "
			    "left out of the output for review", id, n_top, path, top);
			rc = ann_buf_adds(&ties, n_ties ? ",{\"field\":" : ",\"ties\":[{\"field\":");
			if (rc == ANN_OK)
				rc = ann_buf_add_json_string(&ties, path, strlen(path));
			if (rc == ANN_OK)
				rc = ann_buf_addf(&ties, ",\"votes\":%zu,\"values\":[", top);
			for (t = 0; rc == ANN_OK && t < n_values; t++) {
				if (s->tallies[t].votes != top)
					continue;
				if (ties.data[ties.len - 1] != '[')
					rc = ann_buf_addc(&ties, ',');
				if (rc == ANN_OK)
					rc = add_tally_value(&ties, s, &s->tallies[t]);
				if (rc == ANN_OK)
					rc = ann_buf_addc(&ties, '}');
			}
			if (rc == ANN_OK)
				rc = ann_buf_add(&ties, "]}", 2);
			n_ties++;
			c->stats->ties++;
			*changed = 1;
			continue;
		}
		if (rc)
			break;

		if (s->tallies[win].field < 0)
			continue;
		s->chosen_paths[s->n_chosen] = path;
		s->chosen_raws[s->n_chosen] = s->voters[s->tallies[win].voter].f.v[s->tallies[win].field].raw;
		s->chosen_lens[s->n_chosen] = s->voters[s->tallies[win].voter].f.v[s->tallies[win].field].raw_len;
		s->n_chosen++;
	}
	if (rc == ANN_OK)
		rc = ann_buf_addc(&c->info, '}');
	if (rc == ANN_OK && n_review) {
		c->stats->review++;
		rc = ann_buf_add(&c->info, review.data, review.len) ? ANN_ERR_NOMEM
		    : ann_buf_addc(&c->info, ']');
	}
	if (rc == ANN_OK && n_ties)
		rc = ann_buf_add(&c->info, ties.data, ties.len) ? ANN_ERR_NOMEM
		    : ann_buf_addc(&c->info, ']');
	ann_buf_release(&review);
	ann_buf_release(&ties);
	return rc;
}

/* Sets *changed unless the chosen fields are exactly the base record's own output. */
static int
output_changed(const struct vote_state *s, const struct ann_record *base, struct ann_buf *k1,
    struct ann_buf *k2, int *changed)
{
	const struct ann_fields *own = NULL;
	size_t v;
	size_t i;
	int rc = ANN_OK;

	for (v = 0; v < s->n_voters; v++)
		if (s->voters[v].gr->rec.line == base->line)
			own = &s->voters[v].f;
	if (own == NULL || own->n != s->n_chosen) {
		*changed = 1;
		return ANN_OK;
	}
	for (i = 0; rc == ANN_OK && i < s->n_chosen && !*changed; i++) {
		long j = ann_fields_find(own, s->chosen_paths[i]);

		if (j < 0) {
			*changed = 1;
			break;
		}
		ann_buf_reset(k1);
		ann_buf_reset(k2);
		rc = ann_field_key(k1, s->chosen_raws[i], s->chosen_lens[i]);
		if (rc == ANN_OK)
			rc = ann_field_key(k2, own->v[j].raw, own->v[j].raw_len);
		if (rc == ANN_OK && (k1->len != k2->len || memcmp(k1->data, k2->data, k1->len) != 0))
			*changed = 1;
	}
	return rc;
}

/*
 * Lists as conflicts the winning fields that did not fit in the output.
 * A plurality cannot elect both "/output/vendor" and "/output/vendor/name"
 * (each voter with one of them votes "absent" for the other), so this only
 * guards against a field being dropped without a trace.
 */
static int
add_unplaced(struct ann_merge_ctx *c, const struct vote_state *s, const unsigned char *skipped,
    const char *id)
{
	size_t n = 0;
	size_t i;
	int rc = ANN_OK;

	for (i = 0; rc == ANN_OK && i < s->n_chosen; i++) {
		if (!skipped[i])
			continue;
		rc = ann_buf_adds(&c->info, n ? "," : ",\"conflicts\":[");
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(&c->info, s->chosen_paths[i],
			    strlen(s->chosen_paths[i]));
		if (rc == ANN_OK && n == 0) {
			c->stats->conflicts++;
			ann_merge_warn(c, "id \"%s\": runs disagree on the structure of the output; "
			    "left out %s", id, s->chosen_paths[i]);
		}
		n++;
	}
	if (rc == ANN_OK && n)
		rc = ann_buf_addc(&c->info, ']');
	return rc;
}

int
ann_vote_group(struct ann_merge_ctx *c, const struct ann_group *g, struct ann_error *e)
{
	struct vote_state s;
	struct ann_buf built = ANN_BUF_INIT;
	long base = ann_group_best(g, 0, SIZE_MAX);
	const struct ann_record *r = &g->v[base].rec;
	char *keep = calloc(g->n, 1);
	unsigned char *skipped = NULL;
	size_t missing = 0;
	int changed = 0;
	int rc = ANN_ERR_NOMEM;

	memset(&s, 0, sizeof s);
	ann_buf_init(&s.keys, 0);
	ann_buf_init(&s.paths, 0);
	s.voters = calloc(c->n_in, sizeof *s.voters);
	s.tallies = calloc(c->n_in, sizeof *s.tallies);
	if (keep == NULL || s.voters == NULL || s.tallies == NULL)
		goto done;

	rc = ann_buf_addf(&c->info, ",\"runs\":%zu", c->n_in);
	if (rc == ANN_OK)
		rc = add_non_voters(c, g, keep, &s, &missing);
	if (rc == ANN_OK)
		rc = ann_buf_addf(&c->info, ",\"voters\":%zu", s.n_voters);
	if (rc == ANN_OK && missing) {
		c->stats->missing++;
		ann_merge_warn(c, "id \"%s\": missing from %zu of %zu runs", r->id.data, missing,
		    c->n_in);
	}
	if (rc == ANN_OK)
		rc = collect_paths(&s);
	if (rc == ANN_OK && s.n_voters > 0) {
		rc = ANN_ERR_NOMEM;
		s.chosen_paths = calloc(s.n_paths + 1, sizeof *s.chosen_paths);
		s.chosen_raws = calloc(s.n_paths + 1, sizeof *s.chosen_raws);
		s.chosen_lens = calloc(s.n_paths + 1, sizeof *s.chosen_lens);
		if (s.chosen_paths && s.chosen_raws && s.chosen_lens)
			rc = vote_fields(c, &s, r->id.data, &changed);
	}
	if (rc == ANN_OK)
		rc = ann_merge_add_dropped(c, g, keep);
	if (rc == ANN_OK && !changed)
		rc = output_changed(&s, r, &c->key, &c->key2, &changed);

	if (rc == ANN_OK && s.n_voters > 0 && changed) {
		rc = ANN_ERR_NOMEM;
		skipped = calloc(s.n_chosen + 1, 1);
		if (skipped)
			rc = ann_fields_build(&built, s.chosen_paths, s.chosen_raws, s.chosen_lens,
			    s.n_chosen, skipped);
		if (rc == ANN_OK)
			rc = add_unplaced(c, &s, skipped, r->id.data);
		if (rc == ANN_OK && built.len >= 12 && memcmp(built.data, "{\"output\":", 10) == 0)
			rc = ann_record_edit_set_raw(&c->edit, "output", built.data + 10,
			    built.len - 11);
		else if (rc == ANN_OK)
			rc = ann_record_edit_set_raw(&c->edit, "output", "{}", 2);
		if (rc == ANN_OK && ann_record_get(r, "validation"))
			rc = ann_record_edit_remove(&c->edit, "validation");
	}
	if (rc == ANN_OK) {
		c->info.data[0] = '{';
		rc = ann_buf_addc(&c->info, '}');
	}
	if (rc == ANN_OK)
		rc = ann_record_edit_set_raw(&c->edit, "merge", c->info.data, c->info.len);

done:
	if (rc)
		rc = ann_error_set(e, rc, "out of memory voting on id \"%.80s\"", r->id.data);
	else
		rc = ann_merge_emit(c, r, e);
	vote_state_release(&s);
	ann_buf_release(&built);
	free(skipped);
	free(keep);
	return rc;
}
