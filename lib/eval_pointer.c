#include "eval_pointer.h"

#include <stdio.h>
#include <string.h>

int
ann_eval_pointer_check(const char *ptr)
{
	const char *p;

	if (*ptr != '\0' && *ptr != '/')
		return ANN_ERR_INVALID;
	for (p = ptr; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return ANN_ERR_INVALID;
	return ANN_OK;
}

int
ann_eval_pointer_append(struct ann_buf *path, const char *token, size_t len)
{
	size_t start = path->len;
	size_t i;
	int rc = ann_buf_addc(path, '/');

	for (i = 0; rc == ANN_OK && i < len; i++) {
		if (token[i] == '~')
			rc = ann_buf_add(path, "~0", 2);
		else if (token[i] == '/')
			rc = ann_buf_add(path, "~1", 2);
		else
			rc = ann_buf_addc(path, token[i]);
	}
	if (rc)
		ann_buf_truncate(path, start);
	return rc;
}

int
ann_eval_pointer_append_index(struct ann_buf *path, size_t index)
{
	return ann_buf_addf(path, "/%zu", index);
}

int
ann_eval_pointer_first(const char *ptr, struct ann_buf *token, const char **rest)
{
	const char *p = ptr + 1;
	int rc = ANN_OK;

	ann_buf_reset(token);
	for (; rc == ANN_OK && *p && *p != '/'; p++) {
		if (*p == '~') {
			p++;
			rc = ann_buf_addc(token, *p == '1' ? '/' : '~');
		} else {
			rc = ann_buf_addc(token, *p);
		}
	}
	*rest = p;
	return rc;
}

/* Reads an array index token: digits without a leading zero, nothing else. */
static int
parse_index(const char *s, size_t len, int *index)
{
	size_t i;
	long v = 0;

	if (len == 0 || len > 9 || (len > 1 && s[0] == '0'))
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*index = (int)v;
	return 1;
}

const cJSON *
ann_eval_pointer_get(const cJSON *root, const char *ptr)
{
	struct ann_buf token = ANN_BUF_INIT;
	const cJSON *cur = root;
	const char *rest = ptr;

	while (cur != NULL && *rest == '/') {
		int index;

		if (ann_eval_pointer_first(rest, &token, &rest)) {
			cur = NULL;
			break;
		}
		if (cJSON_IsArray(cur))
			cur = parse_index(token.data, token.len, &index) ?
			    cJSON_GetArrayItem(cur, index) : NULL;
		else if (cJSON_IsObject(cur) && strlen(token.data) == token.len)
			cur = cJSON_GetObjectItemCaseSensitive(cur, token.data);
		else
			cur = NULL;
	}
	ann_buf_release(&token);
	return cur;
}

int
ann_eval_pointer_covers(const char *prefix, const char *pattern)
{
	size_t n = strlen(prefix);

	if (strncmp(prefix, pattern, n) != 0)
		return 0;
	return pattern[n] == '\0' || pattern[n] == '/';
}
