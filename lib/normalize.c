#include "normalize.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "jsonv.h"

/* Runs utf8proc_map with options over s[0..n) and appends the result to out. */
static int
map_append(const char *s, size_t n, utf8proc_option_t options, struct ann_buf *out)
{
	utf8proc_uint8_t *mapped = NULL;
	utf8proc_ssize_t len;
	int rc;

	if (n == 0)
		return ANN_OK;
	len = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &mapped, options);
	if (len == UTF8PROC_ERROR_NOMEM)
		return ANN_ERR_NOMEM;
	if (len < 0)
		return ANN_ERR_SYNTAX;
	rc = ann_buf_add(out, mapped, (size_t)len);
	free(mapped);
	return rc;
}

int
ann_norm_nfkc(const char *s, size_t n, struct ann_buf *out)
{
	return map_append(s, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT, out);
}

int
ann_norm_casefold(const char *s, size_t n, struct ann_buf *out)
{
	return map_append(s, n, UTF8PROC_CASEFOLD, out);
}

/* The code points with the Unicode White_Space property. */
static int
is_white_space(utf8proc_int32_t c)
{
	return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202F || c == 0x205F || c == 0x3000;
}

int
ann_norm_space(const char *s, size_t n, struct ann_buf *out)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0;
	int pending_space = 0;
	int wrote = 0;

	while (i < n) {
		utf8proc_int32_t c;
		utf8proc_ssize_t step = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &c);
		int rc;

		if (step < 0)
			return ANN_ERR_SYNTAX;
		if (is_white_space(c)) {
			pending_space = wrote;
			i += (size_t)step;
			continue;
		}
		if (pending_space) {
			rc = ann_buf_addc(out, ' ');
			if (rc)
				return rc;
			pending_space = 0;
		}
		rc = ann_buf_add(out, s + i, (size_t)step);
		if (rc)
			return rc;
		wrote = 1;
		i += (size_t)step;
	}
	return ANN_OK;
}

int
ann_norm_text(const char *s, size_t n, unsigned flags, struct ann_buf *out)
{
	struct ann_buf a = ANN_BUF_INIT;
	struct ann_buf b = ANN_BUF_INIT;
	const char *cur = s;
	size_t cur_len = n;
	int rc = ANN_OK;

	if (flags & ANN_NORM_NFKC) {
		rc = ann_norm_nfkc(cur, cur_len, &a);
		if (rc)
			goto done;
		cur = a.data;
		cur_len = a.len;
	}
	if (flags & ANN_NORM_CASE) {
		rc = ann_norm_casefold(cur, cur_len, &b);
		if (rc)
			goto done;
		cur = b.data;
		cur_len = b.len;
	}
	if (flags & ANN_NORM_SPACE)
		rc = ann_norm_space(cur, cur_len, out);
	else
		rc = ann_buf_add(out, cur, cur_len);

done:
	ann_buf_release(&a);
	ann_buf_release(&b);
	return rc;
}

void
ann_norm_value_init(struct ann_norm_value *v)
{
	v->present = 0;
	v->type = cJSON_NULL;
	ann_buf_init(&v->text, 0);
	v->has_number = 0;
	v->number = 0;
	ann_buf_init(&v->number_text, 0);
	v->has_date = 0;
	v->date[0] = '\0';
}

void
ann_norm_value_release(struct ann_norm_value *v)
{
	ann_buf_release(&v->text);
	ann_buf_release(&v->number_text);
	ann_norm_value_init(v);
}

/*
 * Fills the readings of a JSON string leaf s[0..n). A cJSON string ends at
 * its first U+0000, so callers that must compare past one pass items from
 * ann_jspan_keep_as_written, whose raw literal gives the length.
 */
static int
set_string(struct ann_norm_value *v, const char *s, size_t n, const struct ann_norm_options *o,
    struct ann_error *e)
{
	int rc;

	rc = ann_norm_text(s, n, o->flags, &v->text);
	if (rc)
		return ann_error_set(e, rc, "normalising \"%.40s\" failed: %s", s, ann_err_name(rc));
	v->present = v->text.len > 0 || (o->flags & ANN_NORM_KEEP_EMPTY);

	if (o->flags & ANN_NORM_NUMBERS) {
		rc = ann_norm_number_text(s, n, o->flags, &v->number, &v->number_text);
		if (rc < 0)
			return ann_error_set(e, rc, "reading a number from \"%.40s\" failed", s);
		v->has_number = rc;
	}
	if (o->flags & ANN_NORM_DATES) {
		rc = ann_norm_date(s, n, o->date_order, v->date);
		if (rc < 0)
			return ann_error_set(e, rc, "reading a date from \"%.40s\" failed", s);
		v->has_date = rc;
	}
	return ANN_OK;
}

int
ann_norm_value_set(struct ann_norm_value *v, const cJSON *item,
    const struct ann_norm_options *o, struct ann_error *e)
{
	char *printed;
	int rc = ANN_OK;

	ann_buf_reset(&v->text);
	v->present = 0;
	v->type = cJSON_NULL;
	v->has_number = 0;
	v->number = 0;
	ann_buf_reset(&v->number_text);
	v->has_date = 0;
	v->date[0] = '\0';
	if (item == NULL)
		return ANN_OK;

	v->type = item->type & 0xFF;
	switch (v->type) {
	case cJSON_NULL:
		v->present = (o->flags & ANN_NORM_KEEP_EMPTY) != 0;
		rc = ann_buf_adds(&v->text, "null");
		break;
	case cJSON_True:
	case cJSON_False:
		v->present = 1;
		rc = ann_buf_adds(&v->text, v->type == cJSON_True ? "true" : "false");
		break;
	case cJSON_Number:
		v->present = 1;
		v->has_number = 1;
		v->number = item->valuedouble;
		rc = ann_buf_add_json_number(&v->text, item->valuedouble);
		break;
	case cJSON_String:
		return set_string(v, item->valuestring, strlen(item->valuestring), o, e);
	case cJSON_Raw:
		/* A value kept as written (ann_jspan_keep_as_written): a string holding U+0000 ... */
		if (item->valuestring[0] == '"') {
			struct ann_buf decoded = ANN_BUF_INIT;

			v->type = cJSON_String;
			rc = ann_json_string_decode(item->valuestring, strlen(item->valuestring),
			    &decoded);
			if (rc == ANN_OK)
				rc = set_string(v, decoded.data, decoded.len, o, e);
			else
				rc = ann_error_set(e, rc, "invalid string %.40s", item->valuestring);
			ann_buf_release(&decoded);
			return rc;
		}
		/* ... or a number. */
		v->type = cJSON_Number;
		v->present = 1;
		v->has_number = 1;
		v->number = strtod(item->valuestring, NULL);
		rc = ann_buf_adds(&v->text, item->valuestring);
		if (rc == ANN_OK)
			rc = ann_buf_adds(&v->number_text, item->valuestring);
		break;
	default:
		/* An array or object compared as a whole: its JSON text. */
		v->present = 1;
		printed = cJSON_PrintUnformatted(item);
		if (printed == NULL)
			return ann_error_set(e, ANN_ERR_NOMEM, "out of memory printing a value");
		rc = ann_buf_adds(&v->text, printed);
		cJSON_free(printed);
		break;
	}
	if (rc)
		return ann_error_set(e, rc, "out of memory normalising a value");
	return ANN_OK;
}

static int
numbers_close(double a, double b, const struct ann_norm_options *o)
{
	double diff = fabs(a - b);
	double larger = fmax(fabs(a), fabs(b));
	double allowed = fmax(o->tolerance, o->relative_tolerance * larger);

	if (a == b)
		return 1;
	if (allowed == 0)
		return 0;
	/* As doubles, 100.01 - 100.00 is 0.010000000000005, so allow a few units of rounding. */
	return diff <= allowed + 8 * DBL_EPSILON * larger;
}

/* Returns 1 when the JSON number texts a and b have the same decimal value. */
static int
decimals_equal(const struct ann_buf *a, const struct ann_buf *b)
{
	struct ann_decnum x, y;
	char *scratch = malloc(a->len + b->len + 2);
	int same;

	if (scratch == NULL)
		return 0;
	ann_decnum_from_literal(&x, a->data, a->len, scratch);
	ann_decnum_from_literal(&y, b->data, b->len, scratch + a->len + 1);
	same = ann_decnum_cmp(&x, &y) == 0;
	free(scratch);
	return same;
}

static int
numbers_equal(const struct ann_norm_value *a, const struct ann_norm_value *b,
    const struct ann_norm_options *o)
{
	int exact = a->number_text.len > 0 && b->number_text.len > 0;

	if (exact && decimals_equal(&a->number_text, &b->number_text))
		return 1;
	/* Beyond 15 significant digits two different amounts can be the same double. */
	if (exact && o->tolerance == 0 && o->relative_tolerance == 0)
		return 0;
	return numbers_close(a->number, b->number, o);
}

int
ann_norm_value_equal(const struct ann_norm_value *a, const struct ann_norm_value *b,
    const struct ann_norm_options *o)
{
	if (a->has_number && b->has_number && numbers_equal(a, b, o))
		return 1;
	if (a->has_date && b->has_date && strcmp(a->date, b->date) == 0)
		return 1;
	return a->type == b->type && a->text.len == b->text.len &&
	    memcmp(a->text.data, b->text.data, a->text.len) == 0;
}

int
ann_norm_value_json(const struct ann_norm_value *v, struct ann_buf *out)
{
	if (!v->present)
		return ann_buf_adds(out, "null");
	if (v->has_date)
		return ann_buf_add_json_string(out, v->date, strlen(v->date));
	if (v->has_number && v->number_text.len > 0)
		return ann_buf_add(out, v->number_text.data, v->number_text.len);
	if (v->has_number)
		return ann_buf_add_json_number(out, v->number);
	if (v->type == cJSON_String)
		return ann_buf_add_json_string(out, v->text.data, v->text.len);
	return ann_buf_add(out, v->text.data, v->text.len);
}
