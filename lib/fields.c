#include "fields.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

void
ann_fields_init(struct ann_fields *f)
{
	f->v = NULL;
	f->n = 0;
	f->cap = 0;
	ann_buf_init(&f->paths, 0);
}

void
ann_fields_release(struct ann_fields *f)
{
	free(f->v);
	ann_buf_release(&f->paths);
	ann_fields_init(f);
}

void
ann_fields_reset(struct ann_fields *f)
{
	f->n = 0;
	ann_buf_reset(&f->paths);
}

const char *
ann_fields_path(const struct ann_fields *f, size_t i)
{
	return f->paths.data + f->v[i].path_off;
}

long
ann_fields_find(const struct ann_fields *f, const char *path)
{
	size_t len = strlen(path);
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->v[i].path_len == len && memcmp(ann_fields_path(f, i), path, len) == 0)
			return (long)i;
	return -1;
}

static size_t
skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Returns the offset just past the string literal that starts at s[i]. */
static size_t
skip_string(const char *s, size_t n, size_t i)
{
	for (i++; i < n && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i < n ? i + 1 : n;
}

/* Returns the offset just past the value that starts at s[i] (already checked JSON). */
static size_t
skip_value(const char *s, size_t n, size_t i)
{
	int depth = 0;

	if (i >= n)
		return n;
	if (s[i] == '"')
		return skip_string(s, n, i);
	if (s[i] != '{' && s[i] != '[') {
		while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' '
		    && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			i++;
		return i;
	}
	for (; i < n; i++) {
		if (s[i] == '"') {
			i = skip_string(s, n, i) - 1;
		} else if (s[i] == '{' || s[i] == '[') {
			depth++;
		} else if (s[i] == '}' || s[i] == ']') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return n;
}

int
ann_json_pointer_add(struct ann_buf *out, const char *name, size_t len)
{
	size_t i;
	int rc = ann_buf_addc(out, '/');

	for (i = 0; rc == ANN_OK && i < len; i++) {
		if (name[i] == '~')
			rc = ann_buf_add(out, "~0", 2);
		else if (name[i] == '/')
			rc = ann_buf_add(out, "~1", 2);
		else
			rc = ann_buf_addc(out, name[i]);
	}
	return rc;
}

static int
add_field(struct ann_fields *f, const struct ann_buf *path, const char *raw, size_t raw_len)
{
	int rc;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct ann_field *v = realloc(f->v, cap * sizeof *v);

		if (v == NULL)
			return ANN_ERR_NOMEM;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n].path_off = f->paths.len;
	f->v[f->n].path_len = path->len;
	f->v[f->n].raw = raw;
	f->v[f->n].raw_len = raw_len;
	f->v[f->n].type = ann_json_type_at(raw);
	rc = ann_buf_add(&f->paths, path->data, path->len + 1);
	if (rc)
		return rc;
	f->n++;
	return ANN_OK;
}

/* Collects the fields of the value at s[i..end) with path in *path. */
static int
collect(struct ann_fields *f, const char *s, size_t i, size_t end, struct ann_buf *path,
    struct ann_buf *name)
{
	size_t path_len = path->len;
	int members = 0;
	int rc;

	if (s[i] != '{')
		return add_field(f, path, s + i, end - i);

	i = skip_ws(s, end, i + 1);
	while (i < end && s[i] == '"') {
		size_t key_end = skip_string(s, end, i);
		size_t value_start;
		size_t value_end;

		ann_buf_reset(name);
		rc = ann_json_string_decode(s + i, key_end - i, name);
		if (rc == ANN_OK)
			rc = ann_json_pointer_add(path, name->data, name->len);
		if (rc)
			return rc;
		value_start = skip_ws(s, end, skip_ws(s, end, key_end) + 1);
		value_end = skip_value(s, end, value_start);
		rc = collect(f, s, value_start, value_end, path, name);
		if (rc)
			return rc;
		ann_buf_truncate(path, path_len);
		members++;
		i = skip_ws(s, end, value_end);
		if (i < end && s[i] == ',')
			i = skip_ws(s, end, i + 1);
	}
	if (members == 0)
		return add_field(f, path, "{}", 2);
	return ANN_OK;
}

int
ann_fields_collect(struct ann_fields *f, const char *json, size_t len, const char *prefix)
{
	struct ann_buf path = ANN_BUF_INIT;
	struct ann_buf name = ANN_BUF_INIT;
	size_t start = skip_ws(json, len, 0);
	size_t end = len;
	int rc;

	while (end > start && (json[end - 1] == ' ' || json[end - 1] == '\t'
	    || json[end - 1] == '\n' || json[end - 1] == '\r'))
		end--;
	rc = ann_buf_adds(&path, prefix);
	if (rc == ANN_OK && start < end)
		rc = collect(f, json, start, end, &path, &name);
	ann_buf_release(&path);
	ann_buf_release(&name);
	return rc;
}

int
ann_json_pointer_check(const char *pointer)
{
	const char *p;

	if (pointer[0] != '\0' && pointer[0] != '/')
		return ANN_ERR_INVALID;
	for (p = pointer; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return ANN_ERR_INVALID;
	return ANN_OK;
}

/* Decodes the pointer segment starting at p into seg; returns the end of the segment. */
static const char *
next_segment(const char *p, struct ann_buf *seg, int *rc)
{
	ann_buf_reset(seg);
	*rc = ANN_OK;
	for (; *p && *p != '/' && *rc == ANN_OK; p++) {
		if (*p == '~') {
			*rc = ann_buf_addc(seg, p[1] == '1' ? '/' : '~');
			p++;
		} else {
			*rc = ann_buf_addc(seg, *p);
		}
	}
	return p;
}

/* Finds member seg in the object at s[i..end); sets *vs and *ve to its value's span. */
static int
object_member(const char *s, size_t i, size_t end, const struct ann_buf *seg,
    struct ann_buf *name, size_t *vs, size_t *ve)
{
	i = skip_ws(s, end, i + 1);
	while (i < end && s[i] == '"') {
		size_t key_end = skip_string(s, end, i);
		size_t value_start = skip_ws(s, end, skip_ws(s, end, key_end) + 1);
		size_t value_end = skip_value(s, end, value_start);

		ann_buf_reset(name);
		if (ann_json_string_decode(s + i, key_end - i, name))
			return ANN_ERR_NOMEM;
		if (name->len == seg->len && memcmp(name->data, seg->data, seg->len) == 0) {
			*vs = value_start;
			*ve = value_end;
			return ANN_OK;
		}
		i = skip_ws(s, end, value_end);
		if (i < end && s[i] == ',')
			i = skip_ws(s, end, i + 1);
	}
	return ANN_ERR_NOT_FOUND;
}

/* Finds element number seg (decimal, no leading zeros) of the array at s[i..end). */
static int
array_element(const char *s, size_t i, size_t end, const struct ann_buf *seg,
    size_t *vs, size_t *ve)
{
	unsigned long want;
	unsigned long k;
	char *stop;

	if (seg->len == 0 || seg->len > 18 || (seg->len > 1 && seg->data[0] == '0')
	    || strspn(seg->data, "0123456789") != seg->len)
		return ANN_ERR_NOT_FOUND;
	want = strtoul(seg->data, &stop, 10);
	i = skip_ws(s, end, i + 1);
	for (k = 0; i < end && s[i] != ']'; k++) {
		size_t value_end = skip_value(s, end, i);

		if (k == want) {
			*vs = i;
			*ve = value_end;
			return ANN_OK;
		}
		i = skip_ws(s, end, value_end);
		if (i < end && s[i] == ',')
			i = skip_ws(s, end, i + 1);
	}
	return ANN_ERR_NOT_FOUND;
}

int
ann_json_pointer_get(const char *json, size_t len, const char *pointer,
    const char **raw, size_t *raw_len)
{
	struct ann_buf seg = ANN_BUF_INIT;
	struct ann_buf name = ANN_BUF_INIT;
	size_t start = skip_ws(json, len, 0);
	size_t end = skip_value(json, len, start);
	const char *p = pointer;
	int rc = ANN_OK;

	if (ann_json_pointer_check(pointer))
		return ANN_ERR_INVALID;
	while (rc == ANN_OK && *p == '/') {
		size_t vs = 0;
		size_t ve = 0;

		p = next_segment(p + 1, &seg, &rc);
		if (rc)
			break;
		if (start < end && json[start] == '{')
			rc = object_member(json, start, end, &seg, &name, &vs, &ve);
		else if (start < end && json[start] == '[')
			rc = array_element(json, start, end, &seg, &vs, &ve);
		else
			rc = ANN_ERR_NOT_FOUND;
		start = vs;
		end = ve;
	}
	if (rc == ANN_OK) {
		*raw = json + start;
		*raw_len = end - start;
	}
	ann_buf_release(&seg);
	ann_buf_release(&name);
	return rc;
}

int
ann_field_key(struct ann_buf *out, const char *raw, size_t raw_len)
{
	size_t i;
	int rc = ANN_OK;

	if (raw_len > 0 && raw[0] == '"') {
		rc = ann_buf_addc(out, 's');
		return rc ? rc : ann_json_string_decode(raw, raw_len, out);
	}
	if (raw_len > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'))) {
		char tmp[64];
		double d;

		size_t digits = raw_len - (raw[0] == '-');

		/* Integers of up to 15 digits already are in the form a double prints. */
		if (digits <= 15 && strspn(raw + (raw[0] == '-'), "0123456789") == digits
		    && !(raw_len > 1 && raw[0] == '-' && raw[1] == '0')) {
			rc = ann_buf_addc(out, 'n');
			return rc ? rc : ann_buf_add(out, raw, raw_len);
		}
		/* Digits beyond a double's precision keep their text, so they never match by rounding. */
		if (raw_len < sizeof tmp) {
			memcpy(tmp, raw, raw_len);
			tmp[raw_len] = '\0';
			errno = 0;
			d = strtod(tmp, NULL);
			if (errno == 0 && fabs(d) < 9007199254740992.0) {
				rc = ann_buf_addc(out, 'n');
				return rc ? rc : ann_buf_add_json_number(out, d);
			}
		}
		rc = ann_buf_addc(out, 'n');
		return rc ? rc : ann_buf_add(out, raw, raw_len);
	}

	rc = ann_buf_addc(out, 'j');
	for (i = 0; rc == ANN_OK && i < raw_len; i++) {
		if (raw[i] == '"') {
			size_t next = skip_string(raw, raw_len, i);

			rc = ann_buf_add(out, raw + i, next - i);
			i = next - 1;
		} else if (raw[i] != ' ' && raw[i] != '\t' && raw[i] != '\n' && raw[i] != '\r') {
			rc = ann_buf_addc(out, raw[i]);
		}
	}
	return rc;
}

int
ann_fields_build(struct ann_buf *out, const char *const *paths,
    const char *const *raws, const size_t *raw_lens, size_t n, unsigned char *skipped)
{
	struct ann_buf seg = ANN_BUF_INIT;
	struct ann_buf value = ANN_BUF_INIT;
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;
	size_t i;
	int rc = ANN_ERR_NOMEM;

	if (skipped)
		memset(skipped, 0, n);
	if (root == NULL)
		goto done;

	for (i = 0; i < n; i++) {
		const char *p = paths[i];
		cJSON *parent = root;
		cJSON *leaf;
		int ok = 1;

		/* Walk to the parent object, creating the members on the way. */
		while (ok && *p == '/') {
			p = next_segment(p + 1, &seg, &rc);
			if (rc)
				goto done;
			if (*p == '\0')
				break;
			cJSON *child = cJSON_GetObjectItemCaseSensitive(parent, seg.data);
			if (child == NULL) {
				child = cJSON_AddObjectToObject(parent, seg.data);
				if (child == NULL)
					goto nomem;
			}
			if (!cJSON_IsObject(child))
				ok = 0;
			parent = child;
		}
		if (!ok || paths[i][0] != '/'
		    || cJSON_GetObjectItemCaseSensitive(parent, seg.data) != NULL) {
			if (skipped)
				skipped[i] = 1;
			continue;
		}

		ann_buf_reset(&value);
		rc = ann_buf_add(&value, raws[i], raw_lens[i]);
		if (rc)
			goto done;
		leaf = cJSON_CreateRaw(value.data);
		if (leaf == NULL || !cJSON_AddItemToObject(parent, seg.data, leaf)) {
			cJSON_Delete(leaf);
			goto nomem;
		}
	}

	text = cJSON_PrintUnformatted(root);
	if (text == NULL)
		goto nomem;
	rc = ann_buf_adds(out, text);
	goto done;
nomem:
	rc = ANN_ERR_NOMEM;
done:
	cJSON_free(text);
	cJSON_Delete(root);
	ann_buf_release(&seg);
	ann_buf_release(&value);
	return rc;
}
