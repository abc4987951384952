#include "convert.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

/* The types in the order they are tried, with their names. */
static const struct {
	unsigned bit;
	const char *name;
} type_order[] = {
	{ ANN_SCHEMA_NULL, "null" },
	{ ANN_SCHEMA_BOOLEAN, "boolean" },
	{ ANN_SCHEMA_INTEGER, "integer" },
	{ ANN_SCHEMA_NUMBER, "number" },
	{ ANN_SCHEMA_OBJECT, "object" },
	{ ANN_SCHEMA_ARRAY, "array" },
	{ ANN_SCHEMA_STRING, "string" },
};

#define N_TYPES (sizeof type_order / sizeof type_order[0])

static int
is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int
same(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(s, word, n) == 0;
}

/* Returns 1 when s[0..n) is one JSON value of type want. */
static int
is_json_of_type(const char *s, size_t n, enum ann_json_type want)
{
	return n > 0 && ann_json_check(s, n, NULL, NULL) == ANN_OK && ann_json_type_at(s) == want;
}

/* Sets *integer to whether the JSON number literal s[0..n) has no fractional part. */
static int
number_is_integer(const char *s, size_t n, int *integer)
{
	struct ann_decnum d;
	char *digits = malloc(n);

	if (digits == NULL)
		return ANN_ERR_NOMEM;
	ann_decnum_from_literal(&d, s, n, digits);
	*integer = ann_decnum_is_integer(&d);
	free(digits);
	return ANN_OK;
}

/* Returns the first type of the order that takes the trimmed text s[0..n), or 0. */
static int
first_type(const char *s, size_t n, unsigned types, unsigned *found)
{
	size_t i;
	int integer;
	int rc;

	*found = 0;
	for (i = 0; i < N_TYPES; i++) {
		unsigned bit = type_order[i].bit;

		if (!(types & bit))
			continue;
		switch (bit) {
		case ANN_SCHEMA_NULL:
			if (n == 0 || same(s, n, "null"))
				*found = bit;
			break;
		case ANN_SCHEMA_BOOLEAN:
			if (same(s, n, "true") || same(s, n, "false"))
				*found = bit;
			break;
		case ANN_SCHEMA_INTEGER:
			if (!is_json_of_type(s, n, ANN_JSON_NUMBER))
				break;
			rc = number_is_integer(s, n, &integer);
			if (rc)
				return rc;
			if (integer)
				*found = bit;
			break;
		case ANN_SCHEMA_NUMBER:
			if (is_json_of_type(s, n, ANN_JSON_NUMBER))
				*found = bit;
			break;
		case ANN_SCHEMA_OBJECT:
			if (is_json_of_type(s, n, ANN_JSON_OBJECT))
				*found = bit;
			break;
		case ANN_SCHEMA_ARRAY:
			if (is_json_of_type(s, n, ANN_JSON_ARRAY))
				*found = bit;
			break;
		case ANN_SCHEMA_STRING:
			*found = bit;
			break;
		}
		if (*found)
			return ANN_OK;
	}
	return ANN_OK;
}

int
ann_convert_text(const char *text, size_t len, unsigned types, struct ann_buf *out,
    enum ann_convert_status *status)
{
	const char *s = text;
	size_t n = len;
	unsigned found;
	int rc;

	while (n > 0 && is_space(s[0])) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;

	rc = first_type(s, n, types, &found);
	if (rc)
		return rc;

	*status = ANN_CONVERT_DONE;
	switch (found) {
	case ANN_SCHEMA_NULL:
		return ann_buf_adds(out, "null");
	case ANN_SCHEMA_STRING:
		return ann_buf_add_json_string(out, text, len);
	case 0:
		break;
	default:
		return ann_buf_add(out, s, n);
	}

	if (n == 0) {
		*status = ANN_CONVERT_EMPTY;
		return ANN_OK;
	}
	*status = ANN_CONVERT_TEXT;
	return ann_buf_add_json_string(out, text, len);
}

void
ann_converter_init(struct ann_converter *c, const struct ann_schema *schema)
{
	memset(c, 0, sizeof *c);
	c->schema = schema;
	ann_buf_init(&c->note_text, 0);
	ann_buf_init(&c->pointer, 0);
	ann_buf_init(&c->value, 0);
	ann_jsonv_doc_init(&c->doc);
}

void
ann_converter_release(struct ann_converter *c)
{
	free(c->notes);
	ann_buf_release(&c->note_text);
	ann_buf_release(&c->pointer);
	ann_buf_release(&c->value);
	ann_jsonv_doc_release(&c->doc);
	ann_converter_init(c, NULL);
}

const char *
ann_convert_note_pointer(const struct ann_converter *c, size_t i)
{
	return c->note_text.data + c->notes[i].pointer_off;
}

const char *
ann_convert_note_text(const struct ann_converter *c, size_t i, size_t *len)
{
	*len = c->notes[i].text_len;
	return c->note_text.data + c->notes[i].text_off;
}

static int
add_note(struct ann_converter *c, const char *pointer, const char *text, size_t len,
    unsigned types, enum ann_convert_status status)
{
	struct ann_convert_note *note;
	int rc;

	if (c->n_notes == c->cap_notes) {
		size_t cap = c->cap_notes ? c->cap_notes * 2 : 8;
		struct ann_convert_note *v = realloc(c->notes, cap * sizeof *v);

		if (v == NULL)
			return ANN_ERR_NOMEM;
		c->notes = v;
		c->cap_notes = cap;
	}
	note = &c->notes[c->n_notes];
	note->pointer_off = c->note_text.len;
	rc = ann_buf_add(&c->note_text, pointer, strlen(pointer) + 1);
	note->text_off = c->note_text.len;
	note->text_len = len;
	if (rc == ANN_OK)
		rc = ann_buf_add(&c->note_text, text, len);
	if (rc == ANN_OK)
		rc = ann_buf_addc(&c->note_text, '\0');
	if (rc)
		return rc;
	note->types = types;
	note->status = status;
	c->n_notes++;
	return ANN_OK;
}

/* Returns 1 when types restrict the value: neither every type nor none. */
static int
restricts(unsigned types)
{
	return types != 0 && (types & ANN_SCHEMA_ANY_TYPE) != ANN_SCHEMA_ANY_TYPE;
}

static int write_value(struct ann_converter *c, const struct ann_jsonv *v, struct ann_buf *out,
    int *changed, struct ann_error *e);

/*
 * Writes the string v at c->pointer: converted to null, boolean or a
 * number when its types exclude string, else as it is.
 */
static int
write_string(struct ann_converter *c, const struct ann_jsonv *v, struct ann_buf *out,
    int *changed, struct ann_error *e)
{
	enum ann_convert_status status;
	unsigned types;
	int rc;

	rc = ann_schema_types_at(c->schema, c->pointer.data, &types, e);
	if (rc)
		return rc;
	if (!restricts(types) || (types & ANN_SCHEMA_STRING))
		return ann_buf_add_json_string(out, v->u.s, v->n);

	/* Text inside JSON text becomes no object or array: that would be JSON in a string. */
	rc = ann_convert_text(v->u.s, v->n, types & ~(unsigned)(ANN_SCHEMA_OBJECT | ANN_SCHEMA_ARRAY),
	    out, &status);
	if (rc == ANN_OK && status == ANN_CONVERT_DONE) {
		*changed = 1;
		return ANN_OK;
	}
	if (rc == ANN_OK && status == ANN_CONVERT_EMPTY)
		rc = ann_buf_add_json_string(out, v->u.s, v->n);
	if (rc == ANN_OK)
		rc = add_note(c, c->pointer.data, v->u.s, v->n, types, ANN_CONVERT_TEXT);
	return rc;
}

static int
write_array(struct ann_converter *c, const struct ann_jsonv *v, struct ann_buf *out,
    int *changed, struct ann_error *e)
{
	size_t mark = c->pointer.len;
	size_t i;
	int rc = ann_buf_addc(out, '[');

	for (i = 0; rc == ANN_OK && i < v->n; i++) {
		if (i > 0)
			rc = ann_buf_addc(out, ',');
		if (rc == ANN_OK)
			rc = ann_buf_addf(&c->pointer, "/%zu", i);
		if (rc == ANN_OK)
			rc = write_value(c, &v->u.items[i], out, changed, e);
		ann_buf_truncate(&c->pointer, mark);
	}
	return rc ? rc : ann_buf_addc(out, ']');
}

static int
write_object(struct ann_converter *c, const struct ann_jsonv *v, struct ann_buf *out,
    int *changed, struct ann_error *e)
{
	size_t mark = c->pointer.len;
	size_t i;
	size_t k;
	int rc = ann_buf_addc(out, '{');

	for (i = 0; rc == ANN_OK && i < v->n; i++) {
		const struct ann_jsonv_member *m = &v->u.members[i];

		if (i > 0)
			rc = ann_buf_addc(out, ',');
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(out, m->name, m->name_len);
		if (rc == ANN_OK)
			rc = ann_buf_addc(out, ':');
		/* The member's pointer segment: '/' then the name with ~0 and ~1 escapes. */
		if (rc == ANN_OK)
			rc = ann_buf_addc(&c->pointer, '/');
		for (k = 0; rc == ANN_OK && k < m->name_len; k++) {
			if (m->name[k] == '~')
				rc = ann_buf_adds(&c->pointer, "~0");
			else if (m->name[k] == '/')
				rc = ann_buf_adds(&c->pointer, "~1");
			else
				rc = ann_buf_addc(&c->pointer, m->name[k]);
		}
		if (rc == ANN_OK)
			rc = write_value(c, &m->value, out, changed, e);
		ann_buf_truncate(&c->pointer, mark);
	}
	return rc ? rc : ann_buf_addc(out, '}');
}

/* Writes v, found at c->pointer, as compact JSON with its strings converted; sets *changed when one was. */
static int
write_value(struct ann_converter *c, const struct ann_jsonv *v, struct ann_buf *out,
    int *changed, struct ann_error *e)
{
	switch (v->type) {
	case ANN_JSON_STRING:
		return write_string(c, v, out, changed, e);
	case ANN_JSON_ARRAY:
		return write_array(c, v, out, changed, e);
	case ANN_JSON_OBJECT:
		return write_object(c, v, out, changed, e);
	default:
		return ann_jsonv_write(out, v);
	}
}

/* Converts the strings inside the object or array text out[mark..] in place. */
static int
convert_inside(struct ann_converter *c, const char *pointer, struct ann_buf *out, size_t mark,
    struct ann_error *e)
{
	const struct ann_jsonv *root;
	int changed = 0;
	int rc;

	rc = ann_jsonv_parse(&c->doc, out->data + mark, out->len - mark, &root, e);
	if (rc)
		return rc;
	ann_buf_reset(&c->pointer);
	ann_buf_reset(&c->value);
	rc = ann_buf_adds(&c->pointer, pointer);
	if (rc == ANN_OK)
		rc = write_value(c, root, &c->value, &changed, e);
	if (rc == ANN_OK && changed) {
		ann_buf_truncate(out, mark);
		rc = ann_buf_add(out, c->value.data, c->value.len);
	}
	return rc;
}

int
ann_convert_field(struct ann_converter *c, const char *pointer, const char *text, size_t len,
    struct ann_buf *out, enum ann_convert_status *status, struct ann_error *e)
{
	size_t mark = out->len;
	unsigned types;
	int rc;

	c->n_notes = 0;
	ann_buf_reset(&c->note_text);
	*status = ANN_CONVERT_UNTYPED;
	rc = ann_schema_types_at(c->schema, pointer, &types, e);
	if (rc || !restricts(types))
		return rc;

	rc = ann_convert_text(text, len, types, out, status);
	if (rc == ANN_OK && (*status == ANN_CONVERT_TEXT || *status == ANN_CONVERT_EMPTY))
		rc = add_note(c, pointer, text, len, types, *status);
	if (rc == ANN_OK && *status == ANN_CONVERT_DONE && out->len > mark
	    && (out->data[mark] == '{' || out->data[mark] == '['))
		rc = convert_inside(c, pointer, out, mark, e);
	if (rc == ANN_ERR_NOMEM || rc == ANN_ERR_TOO_LARGE)
		return ann_error_set(e, rc, "out of memory converting the text at %s", pointer);
	return rc;
}

int
ann_convert_types_add(struct ann_buf *out, unsigned types, int json)
{
	size_t i;
	size_t count = 0;
	size_t total = 0;
	int rc = json ? ann_buf_addc(out, '[') : ANN_OK;

	/* "number" already covers the integers. */
	if (types & ANN_SCHEMA_NUMBER)
		types &= ~(unsigned)ANN_SCHEMA_INTEGER;
	for (i = 0; i < N_TYPES; i++)
		total += (types & type_order[i].bit) != 0;
	for (i = 0; rc == ANN_OK && i < N_TYPES; i++) {
		if (!(types & type_order[i].bit))
			continue;
		if (count > 0 && json)
			rc = ann_buf_addc(out, ',');
		else if (count > 0)
			rc = ann_buf_adds(out, count + 1 == total ? " or " : ", ");
		if (rc == ANN_OK)
			rc = json ? ann_buf_addf(out, "\"%s\"", type_order[i].name)
			    : ann_buf_adds(out, type_order[i].name);
		count++;
	}
	if (rc == ANN_OK && json)
		rc = ann_buf_addc(out, ']');
	return rc;
}
