#include "json.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"

/* A file that a command loads, for messages that name its line and column. */
struct source {
	const char *what;  /* "schema", "rules file", ... */
	const char *name;  /* the file's path, as given or as resolved from a $ref */
	size_t first_line; /* the line of the file that the text starts on */
};

struct scanner {
	const unsigned char *s;
	size_t n;
	size_t i;
	size_t *offset;
	struct ann_error *e;
	const struct source *src; /* NULL: messages give the byte offset */
};

void
ann_json_line_column(const char *s, size_t offset, size_t *line, size_t *column)
{
	size_t start = 0;
	size_t i;

	*line = 1;
	for (i = 0; i < offset; i++) {
		if (s[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*column = 1;
	for (i = start; i < offset; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			(*column)++;
}

/* Sets the fault at the current position, worded for a record line or for a file. */
static int
report(struct scanner *sc, enum ann_err code, const char *fault)
{
	size_t line;
	size_t column;

	if (sc->offset)
		*sc->offset = sc->i;
	if (sc->src == NULL)
		return ann_error_set(sc->e, code, "invalid JSON at byte %zu: %s", sc->i, fault);
	ann_json_line_column((const char *)sc->s, sc->i, &line, &column);
	return ann_error_set(sc->e, code, "%s %s:%zu:%zu: invalid JSON: %s", sc->src->what,
	    sc->src->name, sc->src->first_line + line - 1, column, fault);
}

/* Records the fault at the current position and returns ANN_ERR_SYNTAX. */
static int
fail(struct scanner *sc, const char *what)
{
	char fault[160];

	if (sc->i >= sc->n)
		snprintf(fault, sizeof fault, "%s, got end of input", what);
	else if (sc->s[sc->i] >= 0x20 && sc->s[sc->i] < 0x7f)
		snprintf(fault, sizeof fault, "%s, got '%c'", what, sc->s[sc->i]);
	else
		snprintf(fault, sizeof fault, "%s, got byte 0x%02X", what, sc->s[sc->i]);
	return report(sc, ANN_ERR_SYNTAX, fault);
}

static void
skip_space(struct scanner *sc)
{
	while (sc->i < sc->n) {
		unsigned char c = sc->s[sc->i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		sc->i++;
	}
}

/* Reads the four hex digits after "\u" at s[i]; -1 when they are not hex. */
static long
read_hex4(const unsigned char *s, size_t n, size_t i)
{
	long v = 0;
	size_t k;

	if (n - i < 4 || i > n)
		return -1;
	for (k = 0; k < 4; k++) {
		int h = ann_ascii_hex_value(s[i + k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * Returns the length of the well-formed UTF-8 sequence at s[0..n) whose
 * first byte is at least 0x80, or 0 when it is invalid (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF).
 */
static size_t
utf8_sequence_length(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] > 0x9F)
			return 0; /* UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xF4 && s[1] > 0x8F)
			return 0; /* past U+10FFFF */
		return 4;
	}
	return 0;
}

/* Scans the string literal at sc->i (which is '"'); leaves i after it. */
static int
scan_string(struct scanner *sc)
{
	const unsigned char *s = sc->s;
	size_t n = sc->n;

	sc->i++;
	for (;;) {
		unsigned char c;

		while (sc->i < n && s[sc->i] >= 0x20 && s[sc->i] < 0x80 &&
		    s[sc->i] != '"' && s[sc->i] != '\\')
			sc->i++;
		if (sc->i >= n)
			return fail(sc, "unterminated string");
		c = s[sc->i];
		if (c == '"') {
			sc->i++;
			return ANN_OK;
		}
		if (c < 0x20)
			return fail(sc, "control character in string must be escaped");
		if (c >= 0x80) {
			size_t len = utf8_sequence_length(s + sc->i, n - sc->i);
			if (len == 0)
				return fail(sc, "invalid UTF-8 in string");
			sc->i += len;
			continue;
		}

		/* A backslash escape. */
		if (sc->i + 1 >= n)
			return fail(sc, "unterminated escape");
		c = s[sc->i + 1];
		if (strchr("\"\\/bfnrt", c) != NULL && c != '\0') {
			sc->i += 2;
			continue;
		}
		if (c != 'u') {
			sc->i++;
			return fail(sc, "invalid escape");
		}
		long cp = read_hex4(s, n, sc->i + 2);
		if (cp < 0)
			return fail(sc, "\\u must be followed by four hex digits");
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return fail(sc, "unpaired low surrogate in \\u escape");
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			long low = -1;
			if (sc->i + 7 < n && s[sc->i + 6] == '\\' && s[sc->i + 7] == 'u')
				low = read_hex4(s, n, sc->i + 8);
			if (low < 0xDC00 || low > 0xDFFF)
				return fail(sc, "high surrogate in \\u escape without a low surrogate");
			sc->i += 6;
		}
		sc->i += 6;
	}
}

/* Rejects numbers whose magnitude overflows a double, like 1e400. */
static int
check_number_range(struct scanner *sc, size_t start, size_t int_digits, int has_exponent)
{
	char small[64];
	char *text = small;
	size_t len = sc->i - start;
	double d;
	int rc = ANN_OK;

	if (!has_exponent && int_digits <= 308)
		return ANN_OK;
	if (len >= sizeof small) {
		text = malloc(len + 1);
		if (text == NULL)
			return ann_error_set(sc->e, ANN_ERR_NOMEM, "out of memory checking a number");
	}
	memcpy(text, sc->s + start, len);
	text[len] = '\0';
	errno = 0;
	d = strtod(text, NULL);
	if (errno == ERANGE && (d > 1 || d < -1)) {
		sc->i = start;
		rc = fail(sc, "number is too large for a double");
	}
	if (text != small)
		free(text);
	return rc;
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
scan_number(struct scanner *sc)
{
	const unsigned char *s = sc->s;
	size_t start = sc->i;
	size_t int_start;
	int has_exponent = 0;

	if (s[sc->i] == '-')
		sc->i++;
	int_start = sc->i;
	if (sc->i >= sc->n || !is_digit(s[sc->i]))
		return fail(sc, "expected a digit");
	if (s[sc->i] == '0') {
		sc->i++;
		if (sc->i < sc->n && is_digit(s[sc->i]))
			return fail(sc, "leading zeros are not allowed in numbers");
	} else {
		while (sc->i < sc->n && is_digit(s[sc->i]))
			sc->i++;
	}
	size_t int_digits = sc->i - int_start;

	if (sc->i < sc->n && s[sc->i] == '.') {
		sc->i++;
		if (sc->i >= sc->n || !is_digit(s[sc->i]))
			return fail(sc, "expected a digit after the decimal point");
		while (sc->i < sc->n && is_digit(s[sc->i]))
			sc->i++;
	}
	if (sc->i < sc->n && (s[sc->i] == 'e' || s[sc->i] == 'E')) {
		has_exponent = 1;
		sc->i++;
		if (sc->i < sc->n && (s[sc->i] == '+' || s[sc->i] == '-'))
			sc->i++;
		if (sc->i >= sc->n || !is_digit(s[sc->i]))
			return fail(sc, "expected a digit in the exponent");
		while (sc->i < sc->n && is_digit(s[sc->i]))
			sc->i++;
	}
	return check_number_range(sc, start, int_digits, has_exponent);
}

static int
scan_literal(struct scanner *sc, const char *word)
{
	size_t len = strlen(word);

	if (sc->n - sc->i < len || memcmp(sc->s + sc->i, word, len) != 0)
		return fail(sc, "expected a JSON value");
	sc->i += len;
	return ANN_OK;
}

/* Scans an object member's name and the ':' after it; i is at the name. */
static int
scan_member_name(struct scanner *sc)
{
	int rc;

	if (sc->i >= sc->n || sc->s[sc->i] != '"')
		return fail(sc, "expected a member name in double quotes");
	rc = scan_string(sc);
	if (rc)
		return rc;
	skip_space(sc);
	if (sc->i >= sc->n || sc->s[sc->i] != ':')
		return fail(sc, "expected ':' after member name");
	sc->i++;
	skip_space(sc);
	return ANN_OK;
}

/*
 * Scans one value starting at sc->i (no leading space) and leaves i after
 * it. Containers are tracked on an explicit stack, so deep nesting cannot
 * overflow the C stack.
 */
static int
scan_value(struct scanner *sc)
{
	char stack[ANN_JSON_MAX_DEPTH];
	size_t depth = 0;
	int rc;

	for (;;) {
		/* Expect a value. */
		if (sc->i >= sc->n)
			return fail(sc, "expected a JSON value");
		switch (sc->s[sc->i]) {
		case '{':
		case '[':
			if (depth == ANN_JSON_MAX_DEPTH) {
				char fault[64];

				snprintf(fault, sizeof fault, "nesting deeper than %d levels",
				    ANN_JSON_MAX_DEPTH);
				return report(sc, ANN_ERR_TOO_LARGE, fault);
			}
			stack[depth++] = (char)sc->s[sc->i];
			sc->i++;
			skip_space(sc);
			if (sc->i < sc->n && sc->s[sc->i] == (stack[depth - 1] == '{' ? '}' : ']')) {
				sc->i++;
				depth--;
				rc = ANN_OK;
				break;
			}
			if (stack[depth - 1] == '{' && (rc = scan_member_name(sc)) != ANN_OK)
				return rc;
			continue;
		case '"':
			rc = scan_string(sc);
			break;
		case 't':
			rc = scan_literal(sc, "true");
			break;
		case 'f':
			rc = scan_literal(sc, "false");
			break;
		case 'n':
			rc = scan_literal(sc, "null");
			break;
		default:
			if (sc->s[sc->i] == '-' || is_digit(sc->s[sc->i]))
				rc = scan_number(sc);
			else
				rc = fail(sc, "expected a JSON value");
		}
		if (rc)
			return rc;

		/* After a value: close containers or move to the next element. */
		for (;;) {
			if (depth == 0)
				return ANN_OK;
			skip_space(sc);
			if (sc->i >= sc->n)
				return fail(sc, stack[depth - 1] == '{' ? "expected ',' or '}'" :
				    "expected ',' or ']'");
			unsigned char c = sc->s[sc->i];
			if (c == ',') {
				sc->i++;
				skip_space(sc);
				if (stack[depth - 1] == '{' && (rc = scan_member_name(sc)) != ANN_OK)
					return rc;
				break;
			}
			if (c == (stack[depth - 1] == '{' ? '}' : ']')) {
				sc->i++;
				depth--;
				continue;
			}
			return fail(sc, stack[depth - 1] == '{' ? "expected ',' or '}'" :
			    "expected ',' or ']'");
		}
	}
}

/* Checks that the scanner's text is one JSON value with optional white space around it. */
static int
check_text(struct scanner *sc)
{
	int rc;

	skip_space(sc);
	rc = scan_value(sc);
	if (rc)
		return rc;
	skip_space(sc);
	if (sc->i != sc->n)
		return fail(sc, "expected end of input after the JSON value");
	return ANN_OK;
}

int
ann_json_check(const char *s, size_t n, size_t *offset, struct ann_error *e)
{
	struct scanner sc = { (const unsigned char *)s, n, 0, offset, e, NULL };

	return check_text(&sc);
}

int
ann_json_check_file(const char *text, size_t n, size_t first_line, const char *what,
    const char *name, struct ann_error *e)
{
	struct source src = { what, name, first_line };
	struct scanner sc = { (const unsigned char *)text, n, 0, NULL, e, &src };

	return check_text(&sc);
}

void
ann_json_members_init(struct ann_json_members *m)
{
	m->v = NULL;
	m->n = 0;
	m->cap = 0;
	ann_buf_init(&m->names, 0);
}

void
ann_json_members_release(struct ann_json_members *m)
{
	free(m->v);
	ann_buf_release(&m->names);
	ann_json_members_init(m);
}

const char *
ann_json_member_name(const struct ann_json_members *m, size_t i)
{
	return m->names.data + m->v[i].name_off;
}

long
ann_json_members_find(const struct ann_json_members *m, const char *name)
{
	size_t len = strlen(name);
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (m->v[i].name_len == len &&
		    memcmp(m->names.data + m->v[i].name_off, name, len) == 0)
			return (long)i;
	}
	return -1;
}

static int
members_push(struct ann_json_members *m, const struct ann_json_member *member)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct ann_json_member *v = realloc(m->v, cap * sizeof *v);
		if (v == NULL)
			return ANN_ERR_NOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = *member;
	return ANN_OK;
}

static int
name_equal(const struct ann_json_members *m, size_t a, size_t b)
{
	return m->v[a].name_len == m->v[b].name_len &&
	    memcmp(m->names.data + m->v[a].name_off, m->names.data + m->v[b].name_off,
		m->v[a].name_len) == 0;
}

static uint64_t
name_hash(const struct ann_json_members *m, size_t i)
{
	const unsigned char *p = (const unsigned char *)m->names.data + m->v[i].name_off;
	uint64_t h = 1469598103934665603ULL;
	size_t k;

	for (k = 0; k < m->v[i].name_len; k++)
		h = (h ^ p[k]) * 1099511628211ULL;
	return h;
}

/*
 * Finds the first pair of members with equal names; returns the index of
 * the later one, or -1. Small objects compare pairwise; large ones hash, so
 * a hostile line with many members stays linear.
 */
static long
find_duplicate(const struct ann_json_members *m, int *nomem)
{
	size_t i, j;
	size_t size = 64;
	size_t *table;
	long dup = -1;

	*nomem = 0;
	if (m->n <= 32) {
		for (i = 1; i < m->n; i++)
			for (j = 0; j < i; j++)
				if (name_equal(m, i, j))
					return (long)i;
		return -1;
	}

	while (size < m->n * 2)
		size *= 2;
	table = calloc(size, sizeof *table); /* a slot contains index + 1; 0 is empty */
	if (table == NULL) {
		*nomem = 1;
		return -1;
	}
	for (i = 0; i < m->n && dup < 0; i++) {
		size_t slot = (size_t)name_hash(m, i) & (size - 1);
		while (table[slot] != 0) {
			if (name_equal(m, table[slot] - 1, i)) {
				dup = (long)i;
				break;
			}
			slot = (slot + 1) & (size - 1);
		}
		table[slot] = i + 1;
	}
	free(table);
	return dup;
}

int
ann_json_scan_object(const char *s, size_t n, struct ann_json_members *members,
    size_t *offset, struct ann_error *e)
{
	struct scanner sc = { (const unsigned char *)s, n, 0, offset, e, NULL };
	struct ann_json_member member;
	int nomem;
	long dup;
	int rc;

	members->n = 0;
	ann_buf_reset(&members->names);

	skip_space(&sc);
	if (sc.i >= n || s[sc.i] != '{') {
		if (sc.i < n && strchr("[\"-0123456789tfn", s[sc.i]) != NULL &&
		    ann_json_check(s, n, NULL, NULL) == ANN_OK) {
			if (offset)
				*offset = sc.i;
			return ann_error_set(e, ANN_ERR_SYNTAX, "record is not a JSON object");
		}
		return fail(&sc, "expected '{' at the start of a record");
	}
	sc.i++;
	skip_space(&sc);
	if (sc.i < n && s[sc.i] == '}') {
		sc.i++;
		goto end;
	}

	for (;;) {
		memset(&member, 0, sizeof member);
		member.start = sc.i;
		if (sc.i >= n || s[sc.i] != '"')
			return fail(&sc, "expected a member name in double quotes");
		rc = scan_string(&sc);
		if (rc)
			return rc;
		member.name_off = members->names.len;
		rc = ann_json_string_decode(s + member.start, sc.i - member.start, &members->names);
		if (rc == ANN_OK)
			member.name_len = members->names.len - member.name_off;
		if (rc == ANN_OK)
			rc = ann_buf_addc(&members->names, '\0');
		if (rc)
			return ann_error_set(e, rc, "out of memory scanning a record");

		skip_space(&sc);
		if (sc.i >= n || s[sc.i] != ':')
			return fail(&sc, "expected ':' after member name");
		sc.i++;
		skip_space(&sc);
		member.value_start = sc.i;
		rc = scan_value(&sc);
		if (rc)
			return rc;
		member.value_end = sc.i;
		member.type = ann_json_type_at(s + member.value_start);
		if (members_push(members, &member))
			return ann_error_set(e, ANN_ERR_NOMEM, "out of memory scanning a record");

		skip_space(&sc);
		if (sc.i < n && s[sc.i] == ',') {
			sc.i++;
			skip_space(&sc);
			continue;
		}
		if (sc.i < n && s[sc.i] == '}') {
			sc.i++;
			break;
		}
		return fail(&sc, "expected ',' or '}'");
	}

end:
	skip_space(&sc);
	if (sc.i != n)
		return fail(&sc, "expected end of line after the record");

	dup = find_duplicate(members, &nomem);
	if (nomem)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory scanning a record");
	if (dup >= 0) {
		if (offset)
			*offset = members->v[dup].start;
		return ann_error_set(e, ANN_ERR_SYNTAX,
		    "invalid record at byte %zu: duplicate member name \"%s\"",
		    members->v[dup].start, ann_json_member_name(members, (size_t)dup));
	}
	return ANN_OK;
}

/* Appends code point cp as UTF-8. */
static int
add_utf8(struct ann_buf *out, unsigned long cp)
{
	char b[4];
	size_t len;

	if (cp < 0x80) {
		b[0] = (char)cp;
		len = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		len = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		len = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		len = 4;
	}
	return ann_buf_add(out, b, len);
}

/* Returns the character a one-letter escape stands for, or -1 (for 'u'). */
static int
escaped_char(char c)
{
	switch (c) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'u': return -1;
	default: return c; /* '"', '\\' and '/' stand for themselves */
	}
}

int
ann_json_string_decode(const char *s, size_t n, struct ann_buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 1;
	size_t end = n - 1; /* the closing quote */
	int rc = ANN_OK;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return ANN_ERR_INVALID;
	while (i < end && rc == ANN_OK) {
		size_t run = i;
		while (run < end && u[run] != '\\')
			run++;
		rc = ann_buf_add(out, s + i, run - i);
		i = run;
		if (i >= end || rc)
			break;

		int simple = escaped_char(s[i + 1]);
		if (simple >= 0) {
			rc = ann_buf_addc(out, (char)simple);
			i += 2;
			continue;
		}
		long cp = read_hex4(u, n, i + 2);
		if (cp < 0)
			return ANN_ERR_INVALID;
		i += 6;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			long low = read_hex4(u, n, i + 2);
			if (low < 0xDC00 || low > 0xDFFF)
				return ANN_ERR_INVALID;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
			i += 6;
		}
		rc = add_utf8(out, (unsigned long)cp);
	}
	return rc;
}

size_t
ann_utf8_check(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		size_t len = utf8_sequence_length(u + i, n - i);
		if (len == 0)
			return i;
		i += len;
	}
	return n;
}

enum ann_json_type
ann_json_type_at(const char *s)
{
	switch (s[0]) {
	case '{': return ANN_JSON_OBJECT;
	case '[': return ANN_JSON_ARRAY;
	case '"': return ANN_JSON_STRING;
	case 't': return ANN_JSON_TRUE;
	case 'f': return ANN_JSON_FALSE;
	case 'n': return ANN_JSON_NULL;
	default: return ANN_JSON_NUMBER;
	}
}


const char *
ann_json_type_name(enum ann_json_type type)
{
	switch (type) {
	case ANN_JSON_NULL: return "null";
	case ANN_JSON_FALSE: return "boolean";
	case ANN_JSON_TRUE: return "boolean";
	case ANN_JSON_NUMBER: return "number";
	case ANN_JSON_STRING: return "string";
	case ANN_JSON_ARRAY: return "array";
	case ANN_JSON_OBJECT: return "object";
	}
	return "value";
}

const char *
ann_json_describe(const char *raw, size_t len, char *out, size_t size)
{
	const char *type = len > 0 ? ann_json_type_name(ann_json_type_at(raw)) : "nothing";
	size_t used;

	/* The type name of null is its whole text; other types are followed by their text. */
	if (len == 0 || ann_json_type_at(raw) == ANN_JSON_NULL) {
		snprintf(out, size, "%s", type);
		return out;
	}
	used = (size_t)snprintf(out, size, "%s ", type);
	if (used + 4 > size) {
		snprintf(out, size, "%s", type);
		return out;
	}
	ann_printable(raw, len, out + used, size - used);
	return out;
}
