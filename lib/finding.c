#include "finding.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

void
ann_finding_list_init(struct ann_finding_list *l)
{
	memset(l, 0, sizeof *l);
	ann_buf_init(&l->text, 0);
}

void
ann_finding_list_release(struct ann_finding_list *l)
{
	ann_buf_release(&l->text);
	free(l->offsets);
	ann_finding_list_init(l);
}

void
ann_finding_list_reset(struct ann_finding_list *l)
{
	ann_buf_reset(&l->text);
	l->n = 0;
}

int
ann_finding_add(struct ann_finding_list *l, const char *instance_location,
    const char *keyword_location, const char *fmt, ...)
{
	va_list ap;
	size_t *o;
	int rc;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		size_t *grown = realloc(l->offsets, 3 * cap * sizeof *grown);

		if (grown == NULL)
			return ANN_ERR_NOMEM;
		l->offsets = grown;
		l->cap = cap;
	}
	o = &l->offsets[3 * l->n];
	o[0] = l->text.len;
	rc = ann_buf_add(&l->text, instance_location, strlen(instance_location) + 1);
	o[1] = l->text.len;
	if (rc == ANN_OK)
		rc = ann_buf_add(&l->text, keyword_location, strlen(keyword_location) + 1);
	o[2] = l->text.len;
	if (rc == ANN_OK) {
		va_start(ap, fmt);
		rc = ann_buf_vaddf(&l->text, fmt, ap);
		va_end(ap);
	}
	if (rc == ANN_OK)
		rc = ann_buf_addc(&l->text, '\0');
	if (rc)
		return ANN_ERR_NOMEM;
	l->n++;
	return ANN_OK;
}

void
ann_finding_get(const struct ann_finding_list *l, size_t i, const char **instance_location,
    const char **keyword_location, const char **message)
{
	const size_t *o = &l->offsets[3 * i];

	*instance_location = l->text.data + o[0];
	*keyword_location = l->text.data + o[1];
	*message = l->text.data + o[2];
}

void
ann_finding_list_truncate(struct ann_finding_list *l, size_t n)
{
	if (n >= l->n)
		return;
	ann_buf_truncate(&l->text, l->offsets[3 * n]);
	l->n = n;
}

static int
add_string_member(struct ann_buf *b, const char *name, const char *value)
{
	int rc = ann_buf_addf(b, "\"%s\":", name);

	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(b, value, strlen(value));
	return rc;
}

int
ann_finding_merge(const struct ann_finding_list *l, struct ann_buf *validation)
{
	static const char valid_true[] = "{\"valid\":true,";
	static const char valid_false[] = "{\"valid\":false,";
	struct ann_buf out = ANN_BUF_INIT;
	const char *rest;
	size_t i;
	int rc;

	if (l->n == 0)
		return ANN_OK;
	if (validation->len < 2 || memcmp(validation->data + validation->len - 2, "]}", 2) != 0)
		return ANN_ERR_INVALID;
	if (strncmp(validation->data, valid_true, strlen(valid_true)) == 0)
		rest = validation->data + strlen(valid_true);
	else if (strncmp(validation->data, valid_false, strlen(valid_false)) == 0)
		rest = validation->data + strlen(valid_false);
	else
		return ANN_ERR_INVALID;

	/* Everything up to the closing "]}", then the findings. */
	rc = ann_buf_adds(&out, valid_false);
	if (rc == ANN_OK)
		rc = ann_buf_add(&out, rest, (size_t)(validation->data + validation->len - 2 - rest));
	for (i = 0; rc == ANN_OK && i < l->n; i++) {
		const size_t *o = &l->offsets[3 * i];

		if (out.data[out.len - 1] != '[')
			rc = ann_buf_addc(&out, ',');
		if (rc == ANN_OK)
			rc = ann_buf_addc(&out, '{');
		if (rc == ANN_OK)
			rc = add_string_member(&out, "instanceLocation", l->text.data + o[0]);
		if (rc == ANN_OK)
			rc = ann_buf_addc(&out, ',');
		if (rc == ANN_OK)
			rc = add_string_member(&out, "keywordLocation", l->text.data + o[1]);
		if (rc == ANN_OK)
			rc = ann_buf_addc(&out, ',');
		if (rc == ANN_OK)
			rc = add_string_member(&out, "error", l->text.data + o[2]);
		if (rc == ANN_OK)
			rc = ann_buf_addc(&out, '}');
	}
	if (rc == ANN_OK)
		rc = ann_buf_adds(&out, "]}");
	if (rc == ANN_OK) {
		ann_buf_reset(validation);
		rc = ann_buf_add(validation, out.data, out.len);
	}
	ann_buf_release(&out);
	return rc;
}
