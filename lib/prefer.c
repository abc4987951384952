/*
 * The prefer mode of ann-merge: layers, from the base (first input) to
 * the highest priority (last), each overriding the output fields of the
 * layers below it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "group.h"
#include "json.h"

/*
 * Returns the value a field from a Label Studio export should take, and
 * its length in *len. Label Studio gives text back, so a correction of a
 * number, true, false or null field becomes that type again when its text
 * is one.
 */
static const char *
coerce_text(const struct ann_field *upper, const struct ann_field *lower,
    struct ann_buf *scratch, size_t *len)
{
	enum ann_json_type t;

	*len = upper->raw_len;
	if (upper->type != ANN_JSON_STRING || lower == NULL || lower->type == ANN_JSON_STRING)
		return upper->raw;
	ann_buf_reset(scratch);
	if (ann_json_string_decode(upper->raw, upper->raw_len, scratch)
	    || scratch->len == 0 || ann_json_check(scratch->data, scratch->len, NULL, NULL))
		return upper->raw;
	t = ann_json_type_at(scratch->data);
	if (t != lower->type && !(t == ANN_JSON_TRUE && lower->type == ANN_JSON_FALSE)
	    && !(t == ANN_JSON_FALSE && lower->type == ANN_JSON_TRUE))
		return upper->raw;
	*len = scratch->len;
	return scratch->data;
}

/*
 * Sets *raw and *len to the value a field from a Label Studio export
 * should take: converted to the schema's types at its pointer when
 * ann-merge has a schema that restricts them, else as coerce_text decides.
 * *status reports what the conversion did. On ANN_CONVERT_EMPTY *raw is
 * the field's text unchanged, so the caller can see whether it changed.
 * *by_schema is set when the converter's notes are about this field.
 */
static int
label_studio_value(struct ann_merge_ctx *c, const struct ann_field *upper,
    const struct ann_field *lower, const char *path, struct ann_buf *scratch,
    const char **raw, size_t *len, enum ann_convert_status *status, int *by_schema,
    struct ann_error *e)
{
	int rc;

	*status = ANN_CONVERT_DONE;
	*by_schema = 0;
	if (c->converter != NULL && upper->type == ANN_JSON_STRING) {
		/* Paths start with "/output"; the schema describes what follows. */
		ann_buf_reset(&c->key);
		ann_buf_reset(scratch);
		rc = ann_json_string_decode(upper->raw, upper->raw_len, &c->key);
		if (rc == ANN_OK)
			rc = ann_convert_field(c->converter, path + strlen("/output"), c->key.data,
			    c->key.len, scratch, status, e);
		if (rc)
			return rc;
		*by_schema = *status != ANN_CONVERT_UNTYPED;
		if (*status == ANN_CONVERT_DONE || *status == ANN_CONVERT_TEXT) {
			*raw = scratch->data;
			*len = scratch->len;
			return ANN_OK;
		}
		if (*status == ANN_CONVERT_EMPTY) {
			*raw = upper->raw;
			*len = upper->raw_len;
			return ANN_OK;
		}
		*status = ANN_CONVERT_DONE;
	}
	*raw = coerce_text(upper, lower, scratch, len);
	return ANN_OK;
}

/* Appends one member of "unconverted" for note i of the converter to list. */
static int
add_unconverted_entry(struct ann_merge_ctx *c, const struct ann_group_rec *gr, size_t i,
    struct ann_buf *list)
{
	const struct ann_converter *cv = c->converter;
	const char *field = ann_convert_note_pointer(cv, i);
	const char *kept = cv->notes[i].status == ANN_CONVERT_EMPTY ? "previous" : "text";
	struct ann_buf pointer = ANN_BUF_INIT;
	size_t mark;
	int rc;

	rc = ann_buf_addf(&pointer, "/output%s", field);
	if (rc == ANN_OK)
		rc = ann_buf_adds(list, "{\"field\":");
	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(list, pointer.data, pointer.len);
	ann_buf_release(&pointer);
	if (rc == ANN_OK)
		rc = ann_buf_adds(list, ",\"types\":");
	if (rc == ANN_OK)
		rc = ann_convert_types_add(list, cv->notes[i].types, 1);
	if (rc == ANN_OK)
		rc = ann_buf_addf(list, ",\"kept\":\"%s\",\"source\":", kept);
	if (rc == ANN_OK) {
		/* ann_merge_add_source writes to c->info: move its text to list. */
		mark = c->info.len;
		rc = ann_merge_add_source(c, gr);
		if (rc == ANN_OK)
			rc = ann_buf_add(list, c->info.data + mark, c->info.len - mark);
		ann_buf_truncate(&c->info, mark);
	}
	return rc ? rc : ann_buf_addc(list, '}');
}

/* Logs note i of the converter: the record, the source, the field and the text. */
static int
warn_unconverted(struct ann_merge_ctx *c, const struct ann_group_rec *gr, size_t i)
{
	const struct ann_converter *cv = c->converter;
	const char *field = ann_convert_note_pointer(cv, i);
	const char *name = c->in[gr->input].name;
	struct ann_buf types = ANN_BUF_INIT;
	char shown[80];
	size_t len;
	const char *text = ann_convert_note_text(cv, i, &len);
	int rc = ann_convert_types_add(&types, cv->notes[i].types, 0);

	if (rc == ANN_OK && cv->notes[i].status == ANN_CONVERT_EMPTY)
		ann_merge_warn(c, "id \"%s\": %s line %zu: /output%s: empty text does not parse "
		    "as %s; kept the previous value", gr->rec.id.data, name, gr->line_no, field,
		    types.data);
	else if (rc == ANN_OK)
		ann_merge_warn(c, "id \"%s\": %s line %zu: /output%s: \"%s\" does not parse as "
		    "%s; kept as text", gr->rec.id.data, name, gr->line_no, field,
		    ann_printable(text, len, shown, sizeof shown), types.data);
	ann_buf_release(&types);
	return rc;
}

/*
 * Lists every note of the converter (the texts of one field that did not
 * convert) in list, the members of "unconverted" counted in *n, and on
 * standard error.
 */
static int
add_unconverted(struct ann_merge_ctx *c, const struct ann_group_rec *gr, struct ann_buf *list,
    size_t *n)
{
	size_t i;
	int rc = ANN_OK;

	for (i = 0; rc == ANN_OK && i < c->converter->n_notes; i++) {
		rc = ann_buf_adds(list, *n > 0 ? "," : ",\"unconverted\":[");
		if (rc == ANN_OK)
			rc = add_unconverted_entry(c, gr, i, list);
		if (rc == ANN_OK)
			rc = warn_unconverted(c, gr, i);
		(*n)++;
		c->stats->unconverted++;
	}
	return rc;
}

struct layered {
	const char **paths;
	const char **raws;
	size_t *lens;
	size_t n;
	size_t cap;
	struct ann_buf store; /* paths and coerced values, kept by offset until the end */
	size_t *path_off;
	size_t *raw_off;      /* SIZE_MAX when raws[i] points into a record */
};

static int
layered_grow(struct layered *l)
{
	size_t cap = l->cap ? l->cap * 2 : 32;
	void *p;

	if ((p = realloc(l->paths, cap * sizeof *l->paths)) == NULL)
		return ANN_ERR_NOMEM;
	l->paths = p;
	if ((p = realloc(l->raws, cap * sizeof *l->raws)) == NULL)
		return ANN_ERR_NOMEM;
	l->raws = p;
	if ((p = realloc(l->lens, cap * sizeof *l->lens)) == NULL)
		return ANN_ERR_NOMEM;
	l->lens = p;
	if ((p = realloc(l->path_off, cap * sizeof *l->path_off)) == NULL)
		return ANN_ERR_NOMEM;
	l->path_off = p;
	if ((p = realloc(l->raw_off, cap * sizeof *l->raw_off)) == NULL)
		return ANN_ERR_NOMEM;
	l->raw_off = p;
	l->cap = cap;
	return ANN_OK;
}

static void
layered_release(struct layered *l)
{
	free(l->paths);
	free(l->raws);
	free(l->lens);
	free(l->path_off);
	free(l->raw_off);
	ann_buf_release(&l->store);
}

static long
layered_find(const struct layered *l, const char *path)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->store.data + l->path_off[i], path) == 0)
			return (long)i;
	return -1;
}

/* Returns 1 when pointer a names an object that contains the field at pointer b. */
static int
is_ancestor(const char *a, const char *b)
{
	size_t n = strlen(a);

	return strncmp(a, b, n) == 0 && b[n] == '/';
}

/*
 * Removes the fields that a new field at path replaces because the layers
 * disagree on the structure: "/output/vendor" set to a string replaces
 * "/output/vendor/name", and the other way round. Counts them in *removed.
 */
static void
layered_remove_overlaps(struct layered *l, const char *path, size_t *removed)
{
	size_t i = 0;

	while (i < l->n) {
		const char *p = l->store.data + l->path_off[i];
		size_t rest = l->n - i - 1;

		if (!is_ancestor(p, path) && !is_ancestor(path, p)) {
			i++;
			continue;
		}
		memmove(&l->raws[i], &l->raws[i + 1], rest * sizeof *l->raws);
		memmove(&l->lens[i], &l->lens[i + 1], rest * sizeof *l->lens);
		memmove(&l->path_off[i], &l->path_off[i + 1], rest * sizeof *l->path_off);
		memmove(&l->raw_off[i], &l->raw_off[i + 1], rest * sizeof *l->raw_off);
		l->n--;
		(*removed)++;
	}
}

/* Sets field path to raw (copied into the store when copy is set). */
static int
layered_set(struct layered *l, long i, const char *path, const char *raw, size_t len, int copy)
{
	int rc;

	if (i < 0) {
		if (l->n == l->cap && (rc = layered_grow(l)))
			return rc;
		i = (long)l->n++;
		l->path_off[i] = l->store.len;
		if ((rc = ann_buf_add(&l->store, path, strlen(path) + 1)))
			return rc;
	}
	l->raws[i] = raw;
	l->lens[i] = len;
	l->raw_off[i] = SIZE_MAX;
	if (copy) {
		l->raw_off[i] = l->store.len;
		if ((rc = ann_buf_add(&l->store, raw, len + 1)))
			return rc;
	}
	return ANN_OK;
}

int
ann_prefer_group(struct ann_merge_ctx *c, const struct ann_group *g, struct ann_error *e)
{
	struct layered l;
	struct ann_buf scratch = ANN_BUF_INIT;
	struct ann_buf built = ANN_BUF_INIT;
	struct ann_buf layers = ANN_BUF_INIT;
	struct ann_buf unconverted = ANN_BUF_INIT;
	struct ann_fields lower;
	size_t n_unconverted = 0;
	char *keep = calloc(g->n, 1);
	size_t n_layers = 0;
	long base = -1;
	size_t changed = 0;
	size_t layer;
	size_t i;
	int first_override = 1;
	int rc = ANN_OK;

	memset(&l, 0, sizeof l);
	ann_buf_init(&l.store, 0);
	ann_fields_init(&lower);
	if (keep == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory layering records");

	for (layer = 0; rc == ANN_OK && layer < c->n_in; layer++) {
		long best = ann_group_best(g, layer, layer + 1);
		const struct ann_group_rec *gr;
		struct ann_fields *f = &c->fields;

		if (best < 0)
			continue;
		keep[best] = 1;
		gr = &g->v[best];
		n_layers++;
		if (rc == ANN_OK)
			rc = ann_buf_adds(&layers, n_layers > 1 ? "," : ",\"layers\":[");
		if (rc == ANN_OK) {
			/* Build the source in c->info, then move it to the list of layers. */
			size_t mark = c->info.len;

			rc = ann_merge_add_source(c, gr);
			if (rc == ANN_OK)
				rc = ann_buf_add(&layers, c->info.data + mark, c->info.len - mark);
			ann_buf_truncate(&c->info, mark);
		}
		if (base < 0) {
			base = best;
			rc = ann_merge_output_fields(&lower, &gr->rec);
			for (i = 0; rc == ANN_OK && i < lower.n; i++)
				rc = layered_set(&l, -1, ann_fields_path(&lower, i), lower.v[i].raw,
				    lower.v[i].raw_len, 0);
			continue;
		}
		if (gr->rank == ANN_RANK_ERROR)
			continue;

		rc = ann_merge_output_fields(f, &gr->rec);
		for (i = 0; rc == ANN_OK && i < f->n; i++) {
			const char *path = ann_fields_path(f, i);
			long at = layered_find(&l, path);
			long lo = ann_fields_find(&lower, path);
			const char *raw = f->v[i].raw;
			size_t len = f->v[i].raw_len;
			enum ann_convert_status status = ANN_CONVERT_DONE;
			int by_schema = 0;
			int copy = 0;

			if (c->from_label_studio[layer]) {
				rc = label_studio_value(c, &f->v[i], lo >= 0 ? &lower.v[lo] : NULL, path,
				    &scratch, &raw, &len, &status, &by_schema, e);
				if (rc)
					break;
				copy = raw == scratch.data;
			}
			if (at >= 0) {
				ann_buf_reset(&c->key);
				ann_buf_reset(&c->key2);
				rc = ann_field_key(&c->key, raw, len);
				if (rc == ANN_OK)
					rc = ann_field_key(&c->key2, l.raw_off[at] == SIZE_MAX
					    ? l.raws[at] : l.store.data + l.raw_off[at], l.lens[at]);
				if (rc || (c->key.len == c->key2.len
				    && memcmp(c->key.data, c->key2.data, c->key.len) == 0))
					continue;
			}

			/* A text a reviewer emptied where the schema takes no empty value changes nothing. */
			if (status == ANN_CONVERT_EMPTY) {
				rc = add_unconverted(c, gr, &unconverted, &n_unconverted);
				continue;
			}
			if (at < 0)
				layered_remove_overlaps(&l, path, &changed);
			rc = layered_set(&l, at, path, raw, len, copy);
			if (rc == ANN_OK)
				rc = ann_buf_adds(&c->info, first_override ? ",\"overrides\":[" : ",");
			if (rc == ANN_OK)
				rc = ann_buf_adds(&c->info, "{\"field\":");
			if (rc == ANN_OK)
				rc = ann_buf_add_json_string(&c->info, path, strlen(path));
			if (rc == ANN_OK)
				rc = ann_buf_adds(&c->info, ",\"source\":");
			if (rc == ANN_OK)
				rc = ann_merge_add_source(c, gr);
			if (rc == ANN_OK)
				rc = ann_buf_addc(&c->info, '}');
			if (rc == ANN_OK && by_schema)
				rc = add_unconverted(c, gr, &unconverted, &n_unconverted);
			first_override = 0;
			changed++;
		}
	}
	if (rc == ANN_OK && !first_override)
		rc = ann_buf_addc(&c->info, ']');
	if (rc == ANN_OK && n_unconverted > 0) {
		rc = ann_buf_add(&c->info, unconverted.data, unconverted.len);
		if (rc == ANN_OK)
			rc = ann_buf_addc(&c->info, ']');
	}

	/* With one layer there is nothing to account for beyond the record itself. */
	if (rc == ANN_OK && n_layers > 1) {
		rc = ann_buf_add(&c->info, layers.data, layers.len);
		if (rc == ANN_OK)
			rc = ann_buf_addc(&c->info, ']');
	}

	/* Pointers into the store are only final now that it has stopped growing. */
	for (i = 0; rc == ANN_OK && i < l.n; i++) {
		l.paths[i] = l.store.data + l.path_off[i];
		if (l.raw_off[i] != SIZE_MAX)
			l.raws[i] = l.store.data + l.raw_off[i];
	}

	if (rc == ANN_OK && g->v[base].input != 0) {
		c->stats->missing++;
		ann_merge_warn(c, "id \"%s\": not in %s, the base layer; layered on %s line %zu",
		    g->v[base].rec.id.data, c->in[0].name, c->in[g->v[base].input].name,
		    g->v[base].line_no);
		rc = ann_buf_adds(&c->info, ",\"missing\":[");
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(&c->info, c->in[0].name, strlen(c->in[0].name));
		if (rc == ANN_OK)
			rc = ann_buf_addc(&c->info, ']');
	}
	if (rc == ANN_OK)
		rc = ann_merge_add_dropped(c, g, keep);
	if (rc == ANN_OK && changed > 0) {
		/* Overlapping paths were removed above, so every field finds its place. */
		rc = ann_fields_build(&built, l.paths, l.raws, l.lens, l.n, NULL);
		/* Paths start with "/output", so the built object contains one member. */
		if (rc == ANN_OK && built.len >= 12 && memcmp(built.data, "{\"output\":", 10) == 0) {
			rc = ann_record_edit_set_raw(&c->edit, "output", built.data + 10,
			    built.len - 11);
			if (rc == ANN_OK && ann_record_get(&g->v[base].rec, "validation"))
				rc = ann_record_edit_remove(&c->edit, "validation");
		}
	}
	if (rc == ANN_OK)
		rc = ann_merge_set_info(c);
	if (rc)
		rc = ann_error_set(e, rc, "out of memory layering records");
	else
		rc = ann_merge_emit(c, &g->v[base].rec, e);

	free(keep);
	layered_release(&l);
	ann_buf_release(&layers);
	ann_buf_release(&unconverted);
	ann_fields_release(&lower);
	ann_buf_release(&scratch);
	ann_buf_release(&built);
	return rc;
}
