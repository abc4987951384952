#include "jsonv.h"

#include <stdlib.h>
#include <string.h>

struct ann_arena_chunk {
	struct ann_arena_chunk *next;
	size_t size; /* bytes usable after the header */
	size_t used;
};

#define CHUNK_HEADER ((sizeof(struct ann_arena_chunk) + 15) & ~(size_t)15)
#define CHUNK_DEFAULT ((size_t)64 << 10)

void
ann_jsonv_doc_init(struct ann_jsonv_doc *d)
{
	memset(d, 0, sizeof *d);
}

void
ann_jsonv_doc_reset(struct ann_jsonv_doc *d)
{
	struct ann_arena_chunk *c, *next;

	/* Keep one default-sized chunk for the next document, free the rest,
	 * so memory stays flat across a stream of records. */
	for (c = d->chunks; c; c = next) {
		next = c->next;
		if (d->spare == NULL && c->size == CHUNK_DEFAULT) {
			c->used = 0;
			c->next = NULL;
			d->spare = c;
		} else {
			free(c);
		}
	}
	d->chunks = NULL;
	d->stack_n = 0;
	d->mstack_n = 0;
	d->root = NULL;
}

void
ann_jsonv_doc_release(struct ann_jsonv_doc *d)
{
	ann_jsonv_doc_reset(d);
	free(d->spare);
	free(d->stack);
	free(d->mstack);
	memset(d, 0, sizeof *d);
}

void *
ann_jsonv_alloc(struct ann_jsonv_doc *d, size_t n)
{
	struct ann_arena_chunk *c = d->chunks;
	size_t size;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (c == NULL || c->size - c->used < n) {
		if (n <= CHUNK_DEFAULT && d->spare) {
			c = d->spare;
			d->spare = NULL;
		} else {
			size = n > CHUNK_DEFAULT ? n : CHUNK_DEFAULT;
			c = malloc(CHUNK_HEADER + size);
			if (c == NULL)
				return NULL;
			c->size = size;
		}
		c->used = 0;
		/* A big block goes behind the current chunk so the current
		 * chunk's free space stays usable. */
		if (n > CHUNK_DEFAULT / 4 && d->chunks) {
			c->next = d->chunks->next;
			d->chunks->next = c;
		} else {
			c->next = d->chunks;
			d->chunks = c;
		}
	}
	p = (unsigned char *)c + CHUNK_HEADER + c->used;
	c->used += n;
	return p;
}

uint32_t
ann_jsonv_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

size_t
ann_utf8_count(const char *s, size_t n)
{
	const uint64_t highs = 0x8080808080808080u;
	size_t i = 0, continuation = 0;

	/* Counts continuation bytes (10xxxxxx) eight at a time. */
	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, s + i, 8);
		continuation += (size_t)__builtin_popcountll(x & ~(x << 1) & highs);
	}
	for (; i < n; i++)
		continuation += ((unsigned char)s[i] & 0xC0) == 0x80;
	return n - continuation;
}

/* Parser state. */
struct parser {
	struct ann_jsonv_doc *d;
	const char *s;
	size_t n;
	size_t pos;
	struct ann_error *e;
};

static int
fail(struct parser *p, const char *what)
{
	return ann_error_set(p->e, ANN_ERR_SYNTAX, "parse JSON: %s at byte %zu", what, p->pos);
}

static int
nomem(struct parser *p)
{
	return ann_error_set(p->e, ANN_ERR_NOMEM, "parse JSON: out of memory at byte %zu", p->pos);
}

static void
skip_ws(struct parser *p)
{
	while (p->pos < p->n) {
		char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int
push_value(struct parser *p, const struct ann_jsonv *v)
{
	struct ann_jsonv_doc *d = p->d;

	if (d->stack_n == d->stack_cap) {
		size_t cap = d->stack_cap ? d->stack_cap * 2 : 64;
		struct ann_jsonv *s = realloc(d->stack, cap * sizeof *s);

		if (s == NULL)
			return nomem(p);
		d->stack = s;
		d->stack_cap = cap;
	}
	d->stack[d->stack_n++] = *v;
	return ANN_OK;
}

static int
push_member(struct parser *p, const struct ann_jsonv_member *m)
{
	struct ann_jsonv_doc *d = p->d;

	if (d->mstack_n == d->mstack_cap) {
		size_t cap = d->mstack_cap ? d->mstack_cap * 2 : 64;
		struct ann_jsonv_member *s = realloc(d->mstack, cap * sizeof *s);

		if (s == NULL)
			return nomem(p);
		d->mstack = s;
		d->mstack_cap = cap;
	}
	d->mstack[d->mstack_n++] = *m;
	return ANN_OK;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
read_hex4(struct parser *p, size_t at, unsigned *out)
{
	unsigned v = 0;
	int i, h;

	if (at + 4 > p->n)
		return -1;
	for (i = 0; i < 4; i++) {
		h = hexval(p->s[at + (size_t)i]);
		if (h < 0)
			return -1;
		v = v * 16 + (unsigned)h;
	}
	*out = v;
	return 0;
}

static size_t
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Returns the length of the valid UTF-8 sequence at s[0..n), or 0. */
static inline size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

/* Returns 1 when s[0..n) is valid UTF-8, skipping ASCII runs quickly. */
static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t k;

		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(s + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* Decodes the escapes of a string body p->s[pos..end) into o. */
static int
decode_escaped(struct parser *p, size_t end, char *o, size_t *olen_out)
{
	size_t olen = 0;

	while (p->pos < end) {
		unsigned char c = (unsigned char)p->s[p->pos];

		if (c < 0x20)
			return fail(p, "control character in string");
		if (c == '\\') {
			char x = p->s[p->pos + 1];
			unsigned cp, lo;

			switch (x) {
			case '"': o[olen++] = '"'; break;
			case '\\': o[olen++] = '\\'; break;
			case '/': o[olen++] = '/'; break;
			case 'b': o[olen++] = '\b'; break;
			case 'f': o[olen++] = '\f'; break;
			case 'n': o[olen++] = '\n'; break;
			case 'r': o[olen++] = '\r'; break;
			case 't': o[olen++] = '\t'; break;
			case 'u':
				if (read_hex4(p, p->pos + 2, &cp))
					return fail(p, "bad \\u escape");
				if (cp >= 0xDC00 && cp <= 0xDFFF)
					return fail(p, "unpaired low surrogate");
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					if (p->pos + 12 > end || p->s[p->pos + 6] != '\\' ||
					    p->s[p->pos + 7] != 'u' ||
					    read_hex4(p, p->pos + 8, &lo) ||
					    lo < 0xDC00 || lo > 0xDFFF)
						return fail(p, "unpaired high surrogate");
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p->pos += 6;
				}
				/* A \u escape never decodes longer than its 6 bytes. */
				olen += put_utf8(o + olen, cp);
				p->pos += 4;
				break;
			default:
				return fail(p, "bad escape");
			}
			p->pos += 2;
			continue;
		}
		{
			size_t k = utf8_seq((const unsigned char *)p->s + p->pos, end - p->pos);

			if (k == 0)
				return fail(p, "invalid UTF-8");
			memcpy(o + olen, p->s + p->pos, k);
			olen += k;
			p->pos += k;
		}
	}
	*olen_out = olen;
	return ANN_OK;
}

/* Parses the string literal at pos into *out (decoded, NUL-terminated). */
static int
parse_string(struct parser *p, const char **out, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)p->s;
	size_t start = ++p->pos; /* after the opening quote */
	size_t end = start;
	int escaped = 0, control = 0;
	unsigned high = 0;
	char *o;
	size_t olen = 0;
	int rc;

	/* One pass finds the closing quote and tells whether the body needs
	 * decoding, since most strings can be copied as they are. The scan
	 * takes eight bytes at a time while none is a quote, a backslash or a
	 * control character. */
	while (end + 8 <= p->n) {
		const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
		uint64_t x, q, b, ctl;

		memcpy(&x, u + end, 8);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		ctl = (x - ones * 0x20) & ~x & highs;
		if ((((q - ones) & ~q) | ((b - ones) & ~b)) & highs || ctl)
			break;
		high |= (unsigned)((x & highs) != 0) << 7;
		end += 8;
	}
	while (end < p->n && u[end] != '"') {
		unsigned char c = u[end];

		high |= c;
		if (c == '\\') {
			escaped = 1;
			end++;
		} else if (c < 0x20) {
			control = 1;
		}
		end++;
	}
	if (end >= p->n)
		return fail(p, "unterminated string");
	o = ann_jsonv_alloc(p->d, end - start + 1);
	if (o == NULL)
		return nomem(p);

	if (escaped || control) {
		rc = decode_escaped(p, end, o, &olen);
		if (rc)
			return rc;
	} else {
		if ((high & 0x80) && !utf8_valid(u + start, end - start))
			return fail(p, "invalid UTF-8");
		olen = end - start;
		memcpy(o, p->s + start, olen);
	}
	o[olen] = '\0';
	p->pos = end + 1;
	*out = o;
	*out_len = olen;
	return ANN_OK;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
parse_number(struct parser *p, struct ann_jsonv *v)
{
	size_t start = p->pos;
	size_t len;
	char *text, *scratch;

	if (p->pos < p->n && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->n || !is_digit(p->s[p->pos]))
		return fail(p, "bad number");
	if (p->s[p->pos] == '0') {
		p->pos++;
	} else {
		while (p->pos < p->n && is_digit(p->s[p->pos]))
			p->pos++;
	}
	if (p->pos < p->n && p->s[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->n || !is_digit(p->s[p->pos]))
			return fail(p, "bad number fraction");
		while (p->pos < p->n && is_digit(p->s[p->pos]))
			p->pos++;
	}
	if (p->pos < p->n && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->n && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->n || !is_digit(p->s[p->pos]))
			return fail(p, "bad number exponent");
		while (p->pos < p->n && is_digit(p->s[p->pos]))
			p->pos++;
	}
	len = p->pos - start;
	text = ann_jsonv_alloc(p->d, 2 * len + 1);
	if (text == NULL)
		return nomem(p);
	memcpy(text, p->s + start, len);
	text[len] = '\0';
	scratch = text + len + 1;
	v->type = ANN_JSON_NUMBER;
	v->text = text;
	v->text_len = len;
	ann_decnum_from_literal(&v->num, text, len, scratch);
	return ANN_OK;
}

static int
match_word(struct parser *p, const char *w)
{
	size_t n = strlen(w);

	if (p->n - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
		return fail(p, "unexpected character");
	p->pos += n;
	return ANN_OK;
}

static int parse_value(struct parser *p, struct ann_jsonv *v, int depth);

static int
parse_array(struct parser *p, struct ann_jsonv *v, int depth)
{
	size_t base = p->d->stack_n;
	struct ann_jsonv item;
	int rc;

	p->pos++;
	skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] == ']') {
		p->pos++;
	} else {
		for (;;) {
			rc = parse_value(p, &item, depth + 1);
			if (rc)
				return rc;
			rc = push_value(p, &item);
			if (rc)
				return rc;
			skip_ws(p);
			if (p->pos < p->n && p->s[p->pos] == ',') {
				p->pos++;
				continue;
			}
			if (p->pos < p->n && p->s[p->pos] == ']') {
				p->pos++;
				break;
			}
			return fail(p, "expected ',' or ']'");
		}
	}
	memset(v, 0, sizeof *v);
	v->type = ANN_JSON_ARRAY;
	v->n = p->d->stack_n - base;
	if (v->n) {
		v->u.items = ann_jsonv_alloc(p->d, v->n * sizeof *v->u.items);
		if (v->u.items == NULL)
			return nomem(p);
		memcpy(v->u.items, p->d->stack + base, v->n * sizeof *v->u.items);
	}
	p->d->stack_n = base;
	return ANN_OK;
}

static int
parse_object(struct parser *p, struct ann_jsonv *v, int depth)
{
	size_t base = p->d->mstack_n;
	struct ann_jsonv_member m;
	size_t i;
	int rc;

	p->pos++;
	skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] == '}') {
		p->pos++;
	} else {
		for (;;) {
			skip_ws(p);
			if (p->pos >= p->n || p->s[p->pos] != '"')
				return fail(p, "expected member name");
			rc = parse_string(p, &m.name, &m.name_len);
			if (rc)
				return rc;
			m.hash = ann_jsonv_hash(m.name, m.name_len);
			skip_ws(p);
			if (p->pos >= p->n || p->s[p->pos] != ':')
				return fail(p, "expected ':'");
			p->pos++;
			rc = parse_value(p, &m.value, depth + 1);
			if (rc)
				return rc;
			/* A later duplicate replaces the earlier one, so lookups
			 * and iteration agree on a single value per name. */
			for (i = base; i < p->d->mstack_n; i++) {
				if (p->d->mstack[i].hash == m.hash &&
				    p->d->mstack[i].name_len == m.name_len &&
				    memcmp(p->d->mstack[i].name, m.name, m.name_len) == 0)
					break;
			}
			if (i < p->d->mstack_n) {
				p->d->mstack[i] = m;
			} else {
				rc = push_member(p, &m);
				if (rc)
					return rc;
			}
			skip_ws(p);
			if (p->pos < p->n && p->s[p->pos] == ',') {
				p->pos++;
				continue;
			}
			if (p->pos < p->n && p->s[p->pos] == '}') {
				p->pos++;
				break;
			}
			return fail(p, "expected ',' or '}'");
		}
	}
	memset(v, 0, sizeof *v);
	v->type = ANN_JSON_OBJECT;
	v->n = p->d->mstack_n - base;
	if (v->n) {
		v->u.members = ann_jsonv_alloc(p->d, v->n * sizeof *v->u.members);
		if (v->u.members == NULL)
			return nomem(p);
		memcpy(v->u.members, p->d->mstack + base, v->n * sizeof *v->u.members);
	}
	p->d->mstack_n = base;
	return ANN_OK;
}

static int
parse_value(struct parser *p, struct ann_jsonv *v, int depth)
{
	char c;

	if (depth > ANN_JSON_MAX_DEPTH)
		return ann_error_set(p->e, ANN_ERR_TOO_LARGE,
		    "parse JSON: nesting deeper than %d at byte %zu", ANN_JSON_MAX_DEPTH, p->pos);
	skip_ws(p);
	if (p->pos >= p->n)
		return fail(p, "unexpected end of input");
	memset(v, 0, sizeof *v);
	c = p->s[p->pos];
	switch (c) {
	case '{':
		return parse_object(p, v, depth);
	case '[':
		return parse_array(p, v, depth);
	case '"':
		v->type = ANN_JSON_STRING;
		return parse_string(p, &v->u.s, &v->n);
	case 't':
		v->type = ANN_JSON_TRUE;
		return match_word(p, "true");
	case 'f':
		v->type = ANN_JSON_FALSE;
		return match_word(p, "false");
	case 'n':
		v->type = ANN_JSON_NULL;
		return match_word(p, "null");
	default:
		if (c == '-' || is_digit(c))
			return parse_number(p, v);
		return fail(p, "unexpected character");
	}
}

int
ann_jsonv_parse(struct ann_jsonv_doc *d, const char *s, size_t n,
    const struct ann_jsonv **root, struct ann_error *e)
{
	struct parser p = { d, s, n, 0, e };
	struct ann_jsonv *v;
	int rc;

	ann_jsonv_doc_reset(d);
	v = ann_jsonv_alloc(d, sizeof *v);
	if (v == NULL)
		return nomem(&p);
	rc = parse_value(&p, v, 0);
	if (rc)
		return rc;
	skip_ws(&p);
	if (p.pos != n)
		return fail(&p, "trailing data");
	d->root = v;
	*root = v;
	return ANN_OK;
}

const struct ann_jsonv *
ann_jsonv_get(const struct ann_jsonv *v, const char *name, size_t len)
{
	uint32_t h;
	size_t i;

	if (v == NULL || v->type != ANN_JSON_OBJECT)
		return NULL;
	h = ann_jsonv_hash(name, len);
	for (i = 0; i < v->n; i++) {
		const struct ann_jsonv_member *m = &v->u.members[i];

		if (m->hash == h && m->name_len == len && memcmp(m->name, name, len) == 0)
			return &m->value;
	}
	return NULL;
}

const struct ann_jsonv *
ann_jsonv_gets(const struct ann_jsonv *v, const char *name)
{
	return ann_jsonv_get(v, name, strlen(name));
}

int
ann_jsonv_equal(const struct ann_jsonv *a, const struct ann_jsonv *b)
{
	size_t i;

	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case ANN_JSON_NULL:
	case ANN_JSON_TRUE:
	case ANN_JSON_FALSE:
		return 1;
	case ANN_JSON_NUMBER:
		return ann_decnum_cmp(&a->num, &b->num) == 0;
	case ANN_JSON_STRING:
		return a->n == b->n && memcmp(a->u.s, b->u.s, a->n) == 0;
	case ANN_JSON_ARRAY:
		if (a->n != b->n)
			return 0;
		for (i = 0; i < a->n; i++) {
			if (!ann_jsonv_equal(&a->u.items[i], &b->u.items[i]))
				return 0;
		}
		return 1;
	case ANN_JSON_OBJECT:
		if (a->n != b->n)
			return 0;
		for (i = 0; i < a->n; i++) {
			const struct ann_jsonv_member *m = &a->u.members[i];
			const struct ann_jsonv *o = ann_jsonv_get(b, m->name, m->name_len);

			if (o == NULL || !ann_jsonv_equal(&m->value, o))
				return 0;
		}
		return 1;
	}
	return 0;
}

uint32_t
ann_jsonv_value_hash(const struct ann_jsonv *v)
{
	uint32_t h = (uint32_t)v->type * 0x9E3779B1u;
	size_t i;

	switch (v->type) {
	case ANN_JSON_NUMBER:
		h ^= ann_jsonv_hash(v->num.digits, v->num.ndigits);
		h ^= (uint32_t)v->num.exp * 31u + (uint32_t)v->num.neg;
		break;
	case ANN_JSON_STRING:
		h ^= ann_jsonv_hash(v->u.s, v->n);
		break;
	case ANN_JSON_ARRAY:
		for (i = 0; i < v->n; i++)
			h = h * 31u + ann_jsonv_value_hash(&v->u.items[i]);
		break;
	case ANN_JSON_OBJECT:
		/* Order-independent: members may come in any order. */
		for (i = 0; i < v->n; i++)
			h += v->u.members[i].hash ^ ann_jsonv_value_hash(&v->u.members[i].value);
		break;
	default:
		break;
	}
	return h;
}

int
ann_jsonv_write(struct ann_buf *out, const struct ann_jsonv *v)
{
	size_t i;
	int rc = ANN_OK;

	switch (v->type) {
	case ANN_JSON_NULL:
		return ann_buf_adds(out, "null");
	case ANN_JSON_TRUE:
		return ann_buf_adds(out, "true");
	case ANN_JSON_FALSE:
		return ann_buf_adds(out, "false");
	case ANN_JSON_NUMBER:
		return ann_buf_add(out, v->text, v->text_len);
	case ANN_JSON_STRING:
		return ann_buf_add_json_string(out, v->u.s, v->n);
	case ANN_JSON_ARRAY:
		rc = ann_buf_addc(out, '[');
		for (i = 0; rc == ANN_OK && i < v->n; i++) {
			if (i)
				rc = ann_buf_addc(out, ',');
			if (rc == ANN_OK)
				rc = ann_jsonv_write(out, &v->u.items[i]);
		}
		return rc ? rc : ann_buf_addc(out, ']');
	case ANN_JSON_OBJECT:
		rc = ann_buf_addc(out, '{');
		for (i = 0; rc == ANN_OK && i < v->n; i++) {
			const struct ann_jsonv_member *m = &v->u.members[i];

			if (i)
				rc = ann_buf_addc(out, ',');
			if (rc == ANN_OK)
				rc = ann_buf_add_json_string(out, m->name, m->name_len);
			if (rc == ANN_OK)
				rc = ann_buf_addc(out, ':');
			if (rc == ANN_OK)
				rc = ann_jsonv_write(out, &m->value);
		}
		return rc ? rc : ann_buf_addc(out, '}');
	}
	return ANN_ERR_INVALID;
}
