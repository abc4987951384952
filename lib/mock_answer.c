/*
 * Answers: reference outputs read from a JSONL file, looked up by record id
 * or by document text, and answers synthesised from a JSON Schema.
 */
#include "mock_impl.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "jsonl.h"

struct answer {
	char *id;
	char *text;    /* document text to match when no id is sent, or NULL */
	cJSON *output;
};

struct mock_answers {
	struct answer *v;
	size_t n, cap;
	size_t *index;  /* open addressing over v by id; SIZE_MAX marks a free slot */
	size_t nindex;  /* a power of two */
};

/* Nesting limit for synthesis, so a recursive schema still ends. */
#define SYNTH_MAX_DEPTH 12

size_t
mock_answers_count(const struct mock_answers *a)
{
	return a ? a->n : 0;
}

void
mock_answers_free(struct mock_answers *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->v[i].id);
		free(a->v[i].text);
		cJSON_Delete(a->v[i].output);
	}
	free(a->v);
	free(a->index);
	free(a);
}

static size_t *
index_slot(const struct mock_answers *a, const char *id)
{
	size_t i = (size_t)mock_hash64(id, strlen(id)) & (a->nindex - 1);

	while (a->index[i] != SIZE_MAX && strcmp(a->v[a->index[i]].id, id) != 0)
		i = (i + 1) & (a->nindex - 1);
	return &a->index[i];
}

static int
build_index(struct mock_answers *a, const char *path, struct ann_error *e)
{
	size_t i, *slot;

	a->nindex = 16;
	while (a->nindex < a->n * 2)
		a->nindex *= 2;
	a->index = malloc(a->nindex * sizeof *a->index);
	if (a->index == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "read answers '%s': out of memory", path);
	for (i = 0; i < a->nindex; i++)
		a->index[i] = SIZE_MAX;
	for (i = 0; i < a->n; i++) {
		slot = index_slot(a, a->v[i].id);
		if (*slot != SIZE_MAX)
			return ann_error_set(e, ANN_ERR_INVALID, "read answers '%s': duplicate id '%.80s'",
			    path, a->v[i].id);
		*slot = i;
	}
	return ANN_OK;
}

/* Adds one answers line; fails with the line number on a bad line. */
static int
add_line(struct mock_answers *a, const char *line, size_t len, size_t line_no,
    const char *path, struct ann_error *e)
{
	struct answer *grown, ans = { NULL, NULL, NULL };
	cJSON *root;
	const cJSON *id, *text, *output;

	if (ann_json_check_file(line, len, line_no, "answers file", path, e) < 0)
		return ANN_ERR_SYNTAX;
	root = cJSON_ParseWithLength(line, len);
	if (root == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "read answers '%s': out of memory", path);
	id = cJSON_GetObjectItemCaseSensitive(root, "id");
	text = cJSON_GetObjectItemCaseSensitive(root, "text");
	output = cJSON_GetObjectItemCaseSensitive(root, "output");
	if (!cJSON_IsObject(root) || !cJSON_IsString(id) || output == NULL ||
	    (text != NULL && !cJSON_IsString(text))) {
		cJSON_Delete(root);
		return ann_error_set(e, ANN_ERR_INVALID,
		    "read answers '%s': line %zu: expected an object with a string id, an output "
		    "and an optional string text", path, line_no);
	}
	if (a->n == a->cap) {
		grown = realloc(a->v, (a->cap ? a->cap * 2 : 64) * sizeof *grown);
		if (grown == NULL)
			goto nomem;
		a->v = grown;
		a->cap = a->cap ? a->cap * 2 : 64;
	}
	ans.id = strdup(id->valuestring);
	ans.text = text && text->valuestring[0] ? strdup(text->valuestring) : NULL;
	ans.output = cJSON_DetachItemFromObjectCaseSensitive(root, "output");
	if (ans.id == NULL || (text && text->valuestring[0] && ans.text == NULL))
		goto nomem;
	cJSON_Delete(root);
	a->v[a->n++] = ans;
	return ANN_OK;
nomem:
	free(ans.id);
	free(ans.text);
	cJSON_Delete(ans.output);
	cJSON_Delete(root);
	return ann_error_set(e, ANN_ERR_NOMEM, "read answers '%s': out of memory", path);
}

int
mock_answers_load(struct mock_answers **out, const char *path, struct ann_error *e)
{
	struct ann_jsonl_reader rd;
	struct mock_answers *a;
	const char *line;
	size_t len, line_no;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ann_error_set(e, ANN_ERR_IO, "open answers '%s': %m", path);
	a = calloc(1, sizeof *a);
	if (a == NULL) {
		close(fd);
		return ann_error_set(e, ANN_ERR_NOMEM, "read answers '%s': out of memory", path);
	}
	ann_jsonl_reader_init(&rd, fd, ANN_JSONL_MAX_LINE_DEFAULT);
	rd.name = path;
	for (;;) {
		rc = ann_jsonl_read(&rd, &line, &len, &line_no, e);
		if (rc == ANN_ERR_EOF) {
			rc = ANN_OK;
			break;
		}
		if (rc < 0) {
			ann_error_prefix(e, "read answers '%s'", path);
			break;
		}
		if ((rc = add_line(a, line, len, line_no, path, e)) < 0)
			break;
	}
	ann_jsonl_reader_release(&rd);
	close(fd);
	if (rc == ANN_OK)
		rc = build_index(a, path, e);
	if (rc < 0) {
		mock_answers_free(a);
		return rc;
	}
	*out = a;
	return ANN_OK;
}

const cJSON *
mock_answers_by_id(const struct mock_answers *a, const char *id)
{
	size_t *slot;

	if (a == NULL || a->n == 0)
		return NULL;
	slot = index_slot(a, id);
	return *slot == SIZE_MAX ? NULL : a->v[*slot].output;
}

const cJSON *
mock_answers_by_text(const struct mock_answers *a, const char *user_text)
{
	size_t i;

	if (a == NULL)
		return NULL;
	/* NOTE: a linear scan, one strstr per line with a text; fine for test
	 * and demo files of a few thousand lines, slow for millions. */
	for (i = 0; i < a->n; i++)
		if (a->v[i].text != NULL && strstr(user_text, a->v[i].text) != NULL)
			return a->v[i].output;
	return NULL;
}

/* ---- Synthesis from a JSON Schema ---- */

const cJSON *
mock_schema_resolve(const cJSON *s, const cJSON *root)
{
	const char *ref, *name;
	const cJSON *defs;
	int hops;

	for (hops = 0; hops < 8; hops++) {
		ref = cJSON_IsObject(s) ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "$ref")) : NULL;
		if (ref == NULL)
			return s;
		if (strncmp(ref, "#/$defs/", 8) == 0) {
			defs = cJSON_GetObjectItemCaseSensitive(root, "$defs");
			name = ref + 8;
		} else if (strncmp(ref, "#/definitions/", 14) == 0) {
			defs = cJSON_GetObjectItemCaseSensitive(root, "definitions");
			name = ref + 14;
		} else if (strcmp(ref, "#") == 0) {
			s = root;
			continue;
		} else {
			return s;
		}
		if (cJSON_GetObjectItemCaseSensitive(defs, name) == NULL)
			return s;
		s = cJSON_GetObjectItemCaseSensitive(defs, name);
	}
	return s;
}

static const char *const words[] = {
	"株式会社 山田商事", "東京都千代田区丸の内1-1-1", "請求書", "御中", "Acme Trading Ltd.",
	"Northwind Supplies", "consulting services", "monthly maintenance", "office supplies",
	"有限会社 青葉工業", "大阪府大阪市北区梅田2-2-2", "translation", "宿泊費", "交通費",
};

static double
number_bound(const cJSON *s, const char *name, double fallback)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, name);

	return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}

/* Cuts s (UTF-8) to at most max characters or pads it with 'x' to min. */
static cJSON *
string_within(const char *s, double min, double max)
{
	char buf[512];
	size_t len = 0, chars = 0;

	while (s[len] != '\0' && len < sizeof buf - 8 && (double)chars < max) {
		size_t step = 1;

		while ((s[len + step] & 0xC0) == 0x80)
			step++;
		memcpy(buf + len, s + len, step);
		len += step;
		chars++;
	}
	while ((double)chars < min && len < sizeof buf - 1) {
		buf[len++] = 'x';
		chars++;
	}
	buf[len] = '\0';
	return cJSON_CreateString(buf);
}

static cJSON *
synth_string(const cJSON *s, struct mock_rng *r)
{
	const char *format = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "format"));
	char buf[64];
	int y = 2020 + (int)mock_rng_below(r, 7), mo = 1 + (int)mock_rng_below(r, 12);
	int d = 1 + (int)mock_rng_below(r, 28);

	if (format != NULL && strcmp(format, "date") == 0) {
		snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, mo, d);
		return cJSON_CreateString(buf);
	}
	if (format != NULL && strcmp(format, "date-time") == 0) {
		snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:00Z", y, mo, d,
		    (int)mock_rng_below(r, 24), (int)mock_rng_below(r, 60));
		return cJSON_CreateString(buf);
	}
	if (format != NULL && strcmp(format, "email") == 0) {
		snprintf(buf, sizeof buf, "user%u@example.com", (unsigned)mock_rng_below(r, 1000));
		return cJSON_CreateString(buf);
	}
	/* NOTE: "pattern" is not honoured; a synthesised string may not match it. */
	return string_within(words[mock_rng_below(r, sizeof words / sizeof words[0])],
	    number_bound(s, "minLength", 0), number_bound(s, "maxLength", 1e9));
}

static cJSON *
synth_number(const cJSON *s, int integer, struct mock_rng *r)
{
	double lo = number_bound(s, "minimum", 0), hi = number_bound(s, "maximum", 1e6);
	double step = number_bound(s, "multipleOf", integer ? 1 : 0.01), v;
	const cJSON *ex;

	if ((ex = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMinimum")) && cJSON_IsNumber(ex))
		lo = ex->valuedouble + step;
	if ((ex = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMaximum")) && cJSON_IsNumber(ex))
		hi = ex->valuedouble - step;
	if (step <= 0)
		step = integer ? 1 : 0.01;
	if (hi < lo)
		hi = lo;
	lo = ceil(lo / step) * step;
	v = lo + floor(mock_rng_uniform(r) * ((hi - lo) / step + 1)) * step;
	if (v > hi)
		v = lo;
	if (integer)
		v = round(v);
	else
		v = round(v * 100) / 100;
	return cJSON_CreateNumber(v);
}

static cJSON *synth(const cJSON *schema, const cJSON *root, struct mock_rng *r, int depth);

static cJSON *
synth_object(const cJSON *s, const cJSON *root, struct mock_rng *r, int depth)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
	const cJSON *required = cJSON_GetObjectItemCaseSensitive(s, "required");
	const cJSON *p, *q;
	cJSON *obj = cJSON_CreateObject(), *v;
	int needed;

	if (obj == NULL)
		return NULL;
	cJSON_ArrayForEach(p, props) {
		needed = 0;
		cJSON_ArrayForEach(q, required)
			if (cJSON_IsString(q) && strcmp(q->valuestring, p->string) == 0)
				needed = 1;
		/* Optional members appear in most answers, not all, for variety. */
		if (!needed && mock_rng_uniform(r) >= 0.75)
			continue;
		v = synth(p, root, r, depth + 1);
		if (v == NULL) {
			cJSON_Delete(obj);
			return NULL;
		}
		cJSON_AddItemToObject(obj, p->string, v);
	}
	return obj;
}

static cJSON *
synth_array(const cJSON *s, const cJSON *root, struct mock_rng *r, int depth)
{
	double lo = number_bound(s, "minItems", 1), hi = number_bound(s, "maxItems", lo + 3);
	cJSON *arr = cJSON_CreateArray(), *v;
	long n, i;

	if (arr == NULL)
		return NULL;
	if (hi > lo + 3)
		hi = lo + 3;
	if (depth >= SYNTH_MAX_DEPTH)
		hi = lo;
	n = (long)lo + (long)mock_rng_below(r, (uint64_t)(hi - lo) + 1);
	for (i = 0; i < n; i++) {
		v = synth(cJSON_GetObjectItemCaseSensitive(s, "items"), root, r, depth + 1);
		if (v == NULL) {
			cJSON_Delete(arr);
			return NULL;
		}
		cJSON_AddItemToArray(arr, v);
	}
	return arr;
}

/* Picks the type to produce: a non-null one when the schema allows several. */
static const char *
pick_type(const cJSON *s, struct mock_rng *r)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(s, "type"), *t;
	const char *names[8];
	size_t n = 0;

	if (cJSON_IsString(type))
		return type->valuestring;
	if (cJSON_IsArray(type)) {
		cJSON_ArrayForEach(t, type)
			if (cJSON_IsString(t) && strcmp(t->valuestring, "null") != 0 && n < 8)
				names[n++] = t->valuestring;
		if (n > 0)
			return names[mock_rng_below(r, n)];
		return "null";
	}
	if (cJSON_HasObjectItem(s, "properties"))
		return "object";
	if (cJSON_HasObjectItem(s, "items"))
		return "array";
	return "string";
}

static cJSON *
synth(const cJSON *schema, const cJSON *root, struct mock_rng *r, int depth)
{
	const cJSON *s = mock_schema_resolve(schema, root), *v;
	const char *type;

	if (!cJSON_IsObject(s) || depth > SYNTH_MAX_DEPTH)
		return cJSON_CreateNull();
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "const")) != NULL)
		return cJSON_Duplicate(v, 1);
	v = cJSON_GetObjectItemCaseSensitive(s, "enum");
	if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0)
		return cJSON_Duplicate(cJSON_GetArrayItem(v, (int)mock_rng_below(r,
		    (uint64_t)cJSON_GetArraySize(v))), 1);
	if (((v = cJSON_GetObjectItemCaseSensitive(s, "anyOf")) != NULL ||
	    (v = cJSON_GetObjectItemCaseSensitive(s, "oneOf")) != NULL) &&
	    cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0)
		return synth(cJSON_GetArrayItem(v, (int)mock_rng_below(r, (uint64_t)cJSON_GetArraySize(v))),
		    root, r, depth + 1);
	/* NOTE: allOf is answered from its first subschema only. */
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "allOf")) != NULL && cJSON_GetArraySize(v) > 0)
		return synth(cJSON_GetArrayItem(v, 0), root, r, depth + 1);

	type = pick_type(s, r);
	if (strcmp(type, "object") == 0)
		return synth_object(s, root, r, depth);
	if (strcmp(type, "array") == 0)
		return synth_array(s, root, r, depth);
	if (strcmp(type, "integer") == 0)
		return synth_number(s, 1, r);
	if (strcmp(type, "number") == 0)
		return synth_number(s, 0, r);
	if (strcmp(type, "boolean") == 0)
		return cJSON_CreateBool(mock_rng_below(r, 2) == 1);
	if (strcmp(type, "null") == 0)
		return cJSON_CreateNull();
	return synth_string(s, r);
}

cJSON *
mock_synthesise(const cJSON *schema, const cJSON *root, struct mock_rng *r)
{
	return synth(schema, root, r, 0);
}
