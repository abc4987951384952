#include "jspan.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

static size_t
skip_space(const char *s, size_t n, size_t p)
{
	while (p < n && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r'))
		p++;
	return p;
}

/* Returns the offset past the string literal whose quote is at s[p]. */
static size_t
skip_string(const char *s, size_t n, size_t p)
{
	for (p++; p < n; p++) {
		if (s[p] == '\\')
			p++;
		else if (s[p] == '"')
			return p + 1;
	}
	return 0;
}

size_t
ann_jspan_skip(const char *s, size_t n, size_t p, size_t *start)
{
	size_t depth = 0;

	p = skip_space(s, n, p);
	if (start)
		*start = p;
	if (p >= n)
		return 0;

	/* Scalars end at the first structural byte or space. */
	if (s[p] != '{' && s[p] != '[' && s[p] != '"') {
		while (p < n && !strchr(",]}: \t\r\n", s[p]))
			p++;
		return p;
	}

	while (p < n) {
		char c = s[p];

		if (c == '"') {
			p = skip_string(s, n, p);
			if (p == 0)
				return 0;
			if (depth == 0)
				return p;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return 0;
			if (--depth == 0)
				return p + 1;
		}
		p++;
	}
	return 0;
}

/* Compares the string literal s[a..b) (quotes included) with name. */
static int
name_equals(const char *s, size_t a, size_t b, const char *name)
{
	struct ann_buf decoded = ANN_BUF_INIT;
	size_t len = strlen(name);
	int same;

	/* Names without escapes compare directly, which is the common case. */
	if (memchr(s + a, '\\', b - a) == NULL)
		return b - a == len + 2 && memcmp(s + a + 1, name, len) == 0;
	if (ann_json_string_decode(s + a, b - a, &decoded) != ANN_OK) {
		ann_buf_release(&decoded);
		return 0;
	}
	same = decoded.len == len && memcmp(decoded.data, name, len) == 0;
	ann_buf_release(&decoded);
	return same;
}

int
ann_jspan_member(const char *s, size_t n, struct ann_jspan obj, const char *name,
    struct ann_jspan *out)
{
	size_t p = skip_space(s, obj.end, obj.start);

	if (obj.end > n || p >= obj.end || s[p] != '{')
		return ANN_ERR_NOT_FOUND;
	p++;
	for (;;) {
		size_t key_start, key_end, value_start, value_end;

		p = skip_space(s, obj.end, p);
		if (p >= obj.end || s[p] == '}')
			return ANN_ERR_NOT_FOUND;
		if (s[p] != '"')
			return ANN_ERR_SYNTAX;
		key_start = p;
		key_end = skip_string(s, obj.end, p);
		if (key_end == 0)
			return ANN_ERR_SYNTAX;
		p = skip_space(s, obj.end, key_end);
		if (p >= obj.end || s[p] != ':')
			return ANN_ERR_SYNTAX;
		value_end = ann_jspan_skip(s, obj.end, p + 1, &value_start);
		if (value_end == 0)
			return ANN_ERR_SYNTAX;
		if (name_equals(s, key_start, key_end, name)) {
			out->start = value_start;
			out->end = value_end;
			return ANN_OK;
		}
		p = skip_space(s, obj.end, value_end);
		if (p < obj.end && s[p] == ',')
			p++;
	}
}

int
ann_jspan_index(const char *s, size_t n, struct ann_jspan arr, size_t i,
    struct ann_jspan *out)
{
	size_t p = skip_space(s, arr.end, arr.start);
	size_t k;

	if (arr.end > n || p >= arr.end || s[p] != '[')
		return ANN_ERR_NOT_FOUND;
	p++;
	for (k = 0;; k++) {
		size_t value_start, value_end;

		p = skip_space(s, arr.end, p);
		if (p >= arr.end || s[p] == ']')
			return ANN_ERR_NOT_FOUND;
		value_end = ann_jspan_skip(s, arr.end, p, &value_start);
		if (value_end == 0)
			return ANN_ERR_SYNTAX;
		if (k == i) {
			out->start = value_start;
			out->end = value_end;
			return ANN_OK;
		}
		p = skip_space(s, arr.end, value_end);
		if (p < arr.end && s[p] == ',')
			p++;
	}
}

int
ann_jspan_path(const char *s, size_t n, struct ann_jspan root, const char *const *path,
    size_t depth, struct ann_jspan *out)
{
	struct ann_jspan at = root;
	size_t i;
	int rc;

	for (i = 0; i < depth; i++) {
		if (path[i][0] == '#')
			rc = ann_jspan_index(s, n, at, (size_t)strtoul(path[i] + 1, NULL, 10), &at);
		else
			rc = ann_jspan_member(s, n, at, path[i], &at);
		if (rc)
			return rc;
	}
	*out = at;
	return ANN_OK;
}

int
ann_jspan_compact(struct ann_buf *out, const char *s, size_t n)
{
	size_t p = 0;
	int rc;

	while (p < n) {
		size_t run = p;

		if (s[p] == '"') {
			size_t end = skip_string(s, n, p);

			if (end == 0)
				return ANN_ERR_SYNTAX;
			rc = ann_buf_add(out, s + p, end - p);
			if (rc)
				return rc;
			p = end;
			continue;
		}
		if (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r') {
			p++;
			continue;
		}
		while (run < n && s[run] != '"' && s[run] != ' ' && s[run] != '\t' &&
		    s[run] != '\n' && s[run] != '\r')
			run++;
		rc = ann_buf_add(out, s + p, run - p);
		if (rc)
			return rc;
		p = run;
	}
	return ANN_OK;
}

/* Makes item v a raw item holding s[start..end), its JSON text. */
static int
raw_as_written(cJSON *v, const char *s, size_t start, size_t end)
{
	char *text = cJSON_malloc(end - start + 1);

	if (text == NULL)
		return ANN_ERR_NOMEM;
	memcpy(text, s + start, end - start);
	text[end - start] = '\0';
	if (v->valuestring != NULL && !(v->type & cJSON_IsReference))
		cJSON_free(v->valuestring);
	v->valuestring = text;
	v->type = (v->type & ~0xFF) | cJSON_Raw;
	return ANN_OK;
}

/* Returns 1 when the string literal s[start..end) has the escape \u0000. */
static int
literal_has_nul(const char *s, size_t start, size_t end)
{
	size_t i = start + 1;

	while (i + 1 < end) {
		if (s[i] != '\\') {
			i++;
			continue;
		}
		if (s[i + 1] == 'u' && i + 6 <= end && memcmp(s + i + 2, "0000", 4) == 0)
			return 1;
		i += s[i + 1] == 'u' ? 6 : 2;
	}
	return 0;
}

/*
 * Walks item v and its text s[start..end) together. cJSON keeps the
 * members and elements in the order of the text, repeated names included,
 * so the i-th child is the i-th value in the text.
 */
static int
keep_at(cJSON *v, const char *s, size_t start, size_t end)
{
	cJSON *child;
	size_t p;
	int rc;

	if (cJSON_IsNumber(v) || (cJSON_IsString(v) && literal_has_nul(s, start, end)))
		return raw_as_written(v, s, start, end);
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return ANN_OK;

	p = start + 1;
	for (child = v->child; child != NULL; child = child->next) {
		size_t value_start, value_end;

		p = skip_space(s, end, p);
		if (cJSON_IsObject(v)) {
			if (p >= end || s[p] != '"')
				return ANN_ERR_SYNTAX;
			p = skip_string(s, end, p);
			if (p == 0)
				return ANN_ERR_SYNTAX;
			p = skip_space(s, end, p);
			if (p >= end || s[p] != ':')
				return ANN_ERR_SYNTAX;
			p++;
		}
		value_end = ann_jspan_skip(s, end, p, &value_start);
		if (value_end == 0)
			return ANN_ERR_SYNTAX;
		rc = keep_at(child, s, value_start, value_end);
		if (rc)
			return rc;
		p = skip_space(s, end, value_end);
		if (p < end && s[p] == ',')
			p++;
	}
	return ANN_OK;
}

int
ann_jspan_keep_as_written(cJSON *v, const char *s, size_t n)
{
	size_t start;
	size_t end = ann_jspan_skip(s, n, 0, &start);

	if (end == 0)
		return ANN_ERR_SYNTAX;
	return keep_at(v, s, start, end);
}
