#include "record.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "jspan.h"

void
ann_record_init(struct ann_record *r)
{
	r->line = NULL;
	r->len = 0;
	r->line_no = 0;
	ann_json_members_init(&r->members);
	ann_buf_init(&r->id, 0);
	r->has_id = 0;
}

void
ann_record_release(struct ann_record *r)
{
	ann_json_members_release(&r->members);
	ann_buf_release(&r->id);
	ann_record_init(r);
}

int
ann_record_parse(struct ann_record *r, const char *line, size_t len,
    size_t line_no, struct ann_error *e)
{
	const struct ann_json_member *id;
	int rc;

	r->line = line;
	r->len = len;
	r->line_no = line_no;
	r->has_id = 0;
	ann_buf_reset(&r->id);

	rc = ann_json_scan_object(line, len, &r->members, NULL, e);
	if (rc)
		return rc;

	id = ann_record_get(r, "id");
	if (id == NULL || id->type != ANN_JSON_STRING)
		return ANN_OK;
	rc = ann_json_string_decode(line + id->value_start, id->value_end - id->value_start, &r->id);
	if (rc)
		return ann_error_set(e, rc, "out of memory reading the record id");
	r->has_id = 1;
	return ANN_OK;
}

const struct ann_json_member *
ann_record_get(const struct ann_record *r, const char *name)
{
	long i = ann_json_members_find(&r->members, name);

	return i < 0 ? NULL : &r->members.v[i];
}

const char *
ann_record_raw(const struct ann_record *r, const char *name, size_t *len)
{
	const struct ann_json_member *m = ann_record_get(r, name);

	if (m == NULL)
		return NULL;
	if (len)
		*len = m->value_end - m->value_start;
	return r->line + m->value_start;
}

/* The members doc/records.md gives to a pipeline stage. */
static const char *const stage_members[] = {
	"request", "output", "output_text", "usage", "model", "latency_ms",
	"stop_reason", "cost_usd", "validation", "spans", "attempts", "error", "merge",
};

int
ann_record_is_stage_member(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof stage_members / sizeof stage_members[0]; i++)
		if (strcmp(name, stage_members[i]) == 0)
			return 1;
	return 0;
}

const char *
ann_record_type_problem(const struct ann_record *r, const char *name, const char *expected,
    char *out, size_t size)
{
	size_t len = 0;
	const char *raw = ann_record_raw(r, name, &len);
	char value[64];

	ann_json_describe(raw, raw ? len : 0, value, sizeof value);
	snprintf(out, size, "member \"%s\" must be %s, got %s", name, expected, value);
	return out;
}

const char *
ann_record_id_problem(const struct ann_record *r, char *out, size_t size)
{
	if (ann_record_get(r, "id") == NULL) {
		snprintf(out, size, "record has no \"id\" member");
		return out;
	}
	return ann_record_type_problem(r, "id", "a string", out, size);
}

cJSON *
ann_record_parse_member(const struct ann_record *r, const char *name)
{
	const struct ann_json_member *m = ann_record_get(r, name);

	if (m == NULL)
		return NULL;
	return cJSON_ParseWithLength(r->line + m->value_start, m->value_end - m->value_start);
}

cJSON *
ann_record_parse_member_exact(const struct ann_record *r, const char *name)
{
	const struct ann_json_member *m = ann_record_get(r, name);
	cJSON *v = ann_record_parse_member(r, name);

	if (v != NULL && ann_jspan_keep_as_written(v, r->line + m->value_start,
	    m->value_end - m->value_start) != ANN_OK) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

void
ann_record_edit_init(struct ann_record_edit *ed)
{
	ann_buf_init(&ed->names, 0);
	ann_buf_init(&ed->values, 0);
	ed->n = 0;
	ed->n_remove = 0;
}

void
ann_record_edit_release(struct ann_record_edit *ed)
{
	ann_buf_release(&ed->names);
	ann_buf_release(&ed->values);
	ann_record_edit_init(ed);
}

void
ann_record_edit_reset(struct ann_record_edit *ed)
{
	ann_buf_reset(&ed->names);
	ann_buf_reset(&ed->values);
	ed->n = 0;
	ed->n_remove = 0;
}

int
ann_record_edit_set_raw(struct ann_record_edit *ed, const char *name,
    const char *json, size_t len)
{
	size_t names_len = ed->names.len;
	size_t values_len = ed->values.len;
	int rc;

	rc = ann_buf_add(&ed->names, name, strlen(name) + 1);
	if (rc == ANN_OK)
		rc = ann_buf_add(&ed->values, json, len);
	if (rc == ANN_OK)
		rc = ann_buf_addc(&ed->values, '\0');
	if (rc) {
		ann_buf_truncate(&ed->names, names_len);
		ann_buf_truncate(&ed->values, values_len);
		return rc;
	}
	ed->n++;
	return ANN_OK;
}

int
ann_record_edit_set_json(struct ann_record_edit *ed, const char *name, const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);
	int rc;

	if (text == NULL)
		return ANN_ERR_NOMEM;
	rc = ann_record_edit_set_raw(ed, name, text, strlen(text));
	cJSON_free(text);
	return rc;
}

int
ann_record_edit_remove(struct ann_record_edit *ed, const char *name)
{
	if (ed->n_remove == sizeof ed->remove / sizeof ed->remove[0])
		return ANN_ERR_TOO_LARGE;
	ed->remove[ed->n_remove++] = name;
	return ANN_OK;
}

/* Returns 1 when the edit sets or removes the member named name[0..len). */
static int
edit_owns(const struct ann_record_edit *ed, const char *name, size_t len)
{
	const char *p = ed->names.data;
	size_t i;

	for (i = 0; i < ed->n; i++) {
		size_t plen = strlen(p);
		if (plen == len && memcmp(p, name, len) == 0)
			return 1;
		p += plen + 1;
	}
	for (i = 0; i < ed->n_remove; i++) {
		if (strlen(ed->remove[i]) == len && memcmp(ed->remove[i], name, len) == 0)
			return 1;
	}
	return 0;
}

int
ann_record_write(const struct ann_record *r, const struct ann_record_edit *ed,
    struct ann_buf *out)
{
	size_t start = out->len;
	const char *name;
	const char *value;
	int first = 1;
	size_t i;
	int rc;

	rc = ann_buf_addc(out, '{');
	for (i = 0; rc == ANN_OK && i < r->members.n; i++) {
		const struct ann_json_member *m = &r->members.v[i];

		if (ed && edit_owns(ed, ann_json_member_name(&r->members, i), m->name_len))
			continue;
		if (!first)
			rc = ann_buf_addc(out, ',');
		if (rc == ANN_OK)
			rc = ann_buf_add(out, r->line + m->start, m->value_end - m->start);
		first = 0;
	}

	name = ed ? ed->names.data : NULL;
	value = ed ? ed->values.data : NULL;
	for (i = 0; rc == ANN_OK && ed && i < ed->n; i++) {
		if (!first)
			rc = ann_buf_addc(out, ',');
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(out, name, strlen(name));
		if (rc == ANN_OK)
			rc = ann_buf_addc(out, ':');
		if (rc == ANN_OK)
			rc = ann_buf_adds(out, value);
		name += strlen(name) + 1;
		value += strlen(value) + 1;
		first = 0;
	}

	if (rc == ANN_OK)
		rc = ann_buf_add(out, "}\n", 2);
	if (rc)
		ann_buf_truncate(out, start);
	return rc;
}

int
ann_error_json(struct ann_buf *out, const char *kind, const char *message,
    int status, size_t line_no)
{
	size_t start = out->len;
	int rc;

	rc = ann_buf_adds(out, "{\"kind\":");
	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(out, kind, strlen(kind));
	if (rc == ANN_OK)
		rc = ann_buf_adds(out, ",\"message\":");
	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(out, message, strlen(message));
	if (rc == ANN_OK && status)
		rc = ann_buf_addf(out, ",\"status\":%d", status);
	if (rc == ANN_OK && line_no)
		rc = ann_buf_addf(out, ",\"line\":%zu", line_no);
	if (rc == ANN_OK)
		rc = ann_buf_addc(out, '}');
	if (rc)
		ann_buf_truncate(out, start);
	return rc;
}

/* Appends the line as "input" when it is UTF-8, else as "input_base64". */
static int
add_input_copy(struct ann_buf *out, const char *line, size_t len)
{
	size_t b64_len;
	int rc;

	if (ann_utf8_check(line, len) == len) {
		rc = ann_buf_adds(out, ",\"input\":");
		return rc ? rc : ann_buf_add_json_string(out, line, len);
	}

	if (len > (SIZE_MAX / 4) * 3 - 3)
		return ANN_ERR_TOO_LARGE;
	b64_len = 4 * ((len + 2) / 3);
	rc = ann_buf_adds(out, ",\"input_base64\":\"");
	if (rc == ANN_OK)
		rc = ann_buf_grow(out, b64_len + 1);
	if (rc)
		return rc;
	/* EVP_EncodeBlock takes an int length, so encode in whole 3-byte groups. */
	while (len > 0) {
		size_t chunk = len > 3 * (1 << 20) ? 3 * (1 << 20) : len;
		int n = EVP_EncodeBlock((unsigned char *)out->data + out->len,
		    (const unsigned char *)line, (int)chunk);
		out->len += (size_t)n;
		line += chunk;
		len -= chunk;
	}
	out->data[out->len] = '\0';
	return ann_buf_addc(out, '"');
}

int
ann_record_write_line_error(struct ann_buf *out, const char *line, size_t len,
    size_t line_no, const struct ann_error *e)
{
	size_t start = out->len;
	int rc;

	rc = ann_buf_addf(out, "{\"id\":\"line:%zu\",\"error\":{\"kind\":", line_no);
	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(out, ann_err_name(e->code), strlen(ann_err_name(e->code)));
	if (rc == ANN_OK)
		rc = ann_buf_adds(out, ",\"message\":");
	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(out, e->msg, strlen(e->msg));
	if (rc == ANN_OK)
		rc = ann_buf_addf(out, ",\"line\":%zu", line_no);
	if (rc == ANN_OK && line != NULL)
		rc = add_input_copy(out, line, len);
	if (rc == ANN_OK)
		rc = ann_buf_add(out, "}}\n", 3);
	if (rc)
		ann_buf_truncate(out, start);
	return rc;
}
