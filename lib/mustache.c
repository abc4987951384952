#include "mustache.h"

#include <stdlib.h>
#include <string.h>

enum node_type {
	NODE_TEXT,
	NODE_VAR,      /* {{name}}: escaped when the caller asks */
	NODE_RAW,      /* {{{name}}} and {{& name}}: never escaped */
	NODE_SECTION,
	NODE_INVERTED,
	NODE_PARTIAL,
};

/*
 * A compiled template is a flat array of nodes. A section's body is the
 * nodes after it up to (not including) its end index, so rendering needs no
 * tree and the closing tag leaves no node.
 */
struct node {
	enum node_type type;
	size_t off;        /* text, or the name, as a span of src */
	size_t len;
	size_t indent_off; /* partials: the whitespace before a standalone tag */
	size_t indent_len;
	size_t end;        /* sections: index of the first node after the body */
	size_t line;
};

struct ann_mustache {
	char *src;
	size_t len;
	struct node *nodes;
	size_t n;
	size_t cap;
};

struct parser {
	struct ann_mustache *t;
	const char *origin;
	const char *otag; /* current delimiters; point into src or a literal */
	size_t olen;
	const char *ctag;
	size_t clen;
	size_t pos;       /* first byte not yet consumed */
	size_t line;      /* line number of byte line_pos */
	size_t line_pos;
	size_t *open;     /* indices of the sections still open */
	size_t n_open;
	size_t cap_open;
	struct ann_error *e;
};

static const char *
find(const char *s, size_t len, size_t from, const char *needle, size_t nlen)
{
	const char *p = s + from;
	const char *last;

	if (from > len || nlen == 0 || nlen > len - from)
		return NULL;
	last = s + len - nlen;
	while (p <= last) {
		p = memchr(p, needle[0], (size_t)(last - p) + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, needle, nlen) == 0)
			return p;
		p++;
	}
	return NULL;
}

static int
is_blank_char(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_space_char(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Returns the line number of byte off, counting forward from the last call. */
static size_t
line_at(struct parser *p, size_t off)
{
	const char *s = p->t->src;

	while (p->line_pos < off) {
		if (s[p->line_pos] == '\n')
			p->line++;
		p->line_pos++;
	}
	return p->line;
}

static int
add_node(struct parser *p, const struct node *n)
{
	struct ann_mustache *t = p->t;
	struct node *v;
	size_t cap;

	if (t->n == t->cap) {
		cap = t->cap ? t->cap * 2 : 16;
		v = realloc(t->nodes, cap * sizeof *v);
		if (v == NULL)
			return ann_error_set(p->e, ANN_ERR_NOMEM, "compile template: out of memory");
		t->nodes = v;
		t->cap = cap;
	}
	t->nodes[t->n++] = *n;
	return ANN_OK;
}

static int
add_text(struct parser *p, size_t from, size_t to)
{
	struct node n = { NODE_TEXT, from, to - from, 0, 0, 0, 0 };

	if (to <= from)
		return ANN_OK;
	return add_node(p, &n);
}

static int
push_open(struct parser *p, size_t index)
{
	size_t *v;
	size_t cap;

	if (p->n_open == p->cap_open) {
		cap = p->cap_open ? p->cap_open * 2 : 8;
		v = realloc(p->open, cap * sizeof *v);
		if (v == NULL)
			return ann_error_set(p->e, ANN_ERR_NOMEM, "compile template: out of memory");
		p->open = v;
		p->cap_open = cap;
	}
	p->open[p->n_open++] = index;
	return ANN_OK;
}

/* Trims whitespace from the span [*off, *off + *len) of s. */
static void
trim_span(const char *s, size_t *off, size_t *len)
{
	while (*len > 0 && is_space_char(s[*off])) {
		(*off)++;
		(*len)--;
	}
	while (*len > 0 && is_space_char(s[*off + *len - 1]))
		(*len)--;
}

/*
 * Checks a tag name: "." alone, or dot-separated non-empty parts without
 * whitespace.
 */
static int
check_name(struct parser *p, size_t off, size_t len, size_t line)
{
	const char *s = p->t->src + off;
	size_t i;

	if (len == 0)
		return ann_error_set(p->e, ANN_ERR_SYNTAX, "%s:%zu: empty tag name",
		    p->origin, line);
	if (len == 1 && s[0] == '.')
		return ANN_OK;
	for (i = 0; i < len; i++) {
		int bad_dot = s[i] == '.' && (i == 0 || i == len - 1 || s[i + 1] == '.');

		if (is_space_char(s[i]) || bad_dot)
			return ann_error_set(p->e, ANN_ERR_SYNTAX,
			    "%s:%zu: invalid tag name \"%.*s\"", p->origin, line,
			    (int)(len > 60 ? 60 : len), s);
	}
	return ANN_OK;
}

/* Applies a set-delimiter tag whose content (between the '='s) is s[off..off+len). */
static int
set_delimiters(struct parser *p, size_t off, size_t len, size_t line)
{
	const char *s = p->t->src;
	size_t a_off = off, a_len = 0, b_off, b_len = 0;
	size_t end = off + len;
	size_t i = off;

	while (i < end && is_space_char(s[i]))
		i++;
	a_off = i;
	while (i < end && !is_space_char(s[i]))
		i++;
	a_len = i - a_off;
	while (i < end && is_space_char(s[i]))
		i++;
	b_off = i;
	while (i < end && !is_space_char(s[i]))
		i++;
	b_len = i - b_off;
	while (i < end && is_space_char(s[i]))
		i++;

	if (a_len == 0 || b_len == 0 || i != end ||
	    memchr(s + a_off, '=', a_len) || memchr(s + b_off, '=', b_len))
		return ann_error_set(p->e, ANN_ERR_SYNTAX,
		    "%s:%zu: invalid set-delimiter tag: expected two delimiters "
		    "without spaces or '=', as in {{=<%% %%>=}}", p->origin, line);
	p->otag = s + a_off;
	p->olen = a_len;
	p->ctag = s + b_off;
	p->clen = b_len;
	return ANN_OK;
}

/*
 * Decides whether the tag at [start, end) stands alone on its line (only
 * spaces and tabs around it). If so, *line_begin gets the start of its
 * line and *line_end the byte after the line's newline (or the end).
 */
static int
standalone(const char *s, size_t len, size_t start, size_t end,
    size_t *line_begin, size_t *line_end)
{
	size_t b = start;
	size_t q = end;

	while (b > 0 && is_blank_char(s[b - 1]))
		b--;
	if (b > 0 && s[b - 1] != '\n')
		return 0;
	while (q < len && is_blank_char(s[q]))
		q++;
	if (q < len && s[q] == '\r' && q + 1 < len && s[q + 1] == '\n')
		q += 2;
	else if (q < len && s[q] == '\n')
		q += 1;
	else if (q < len)
		return 0;
	*line_begin = b;
	*line_end = q;
	return 1;
}

static int
close_section(struct parser *p, size_t off, size_t len, size_t line)
{
	struct ann_mustache *t = p->t;
	struct node *open;

	if (p->n_open == 0)
		return ann_error_set(p->e, ANN_ERR_SYNTAX,
		    "%s:%zu: closing tag \"%.*s\" without an open section",
		    p->origin, line, (int)(len > 60 ? 60 : len), t->src + off);
	open = &t->nodes[p->open[p->n_open - 1]];
	if (open->len != len || memcmp(t->src + open->off, t->src + off, len) != 0)
		return ann_error_set(p->e, ANN_ERR_SYNTAX,
		    "%s:%zu: closing tag \"%.*s\" does not match section \"%.*s\" "
		    "opened on line %zu", p->origin, line,
		    (int)(len > 60 ? 60 : len), t->src + off,
		    (int)(open->len > 60 ? 60 : open->len), t->src + open->off,
		    open->line);
	open->end = t->n;
	p->n_open--;
	return ANN_OK;
}

/* Handles one tag of kind sigil with content [off, off + len). */
static int
add_tag(struct parser *p, char sigil, size_t off, size_t len, size_t line,
    size_t indent_off, size_t indent_len)
{
	struct node n = { NODE_VAR, 0, 0, 0, 0, 0, line };
	int rc;

	if (sigil == '!')
		return ANN_OK;
	if (sigil == '=')
		return set_delimiters(p, off, len, line);

	trim_span(p->t->src, &off, &len);
	rc = check_name(p, off, len, line);
	if (rc)
		return rc;
	n.off = off;
	n.len = len;

	switch (sigil) {
	case '/':
		return close_section(p, off, len, line);
	case '#':
	case '^':
		n.type = sigil == '#' ? NODE_SECTION : NODE_INVERTED;
		rc = push_open(p, p->t->n);
		if (rc)
			return rc;
		return add_node(p, &n);
	case '>':
		n.type = NODE_PARTIAL;
		n.indent_off = indent_off;
		n.indent_len = indent_len;
		return add_node(p, &n);
	case '{':
	case '&':
		n.type = NODE_RAW;
		return add_node(p, &n);
	default:
		return add_node(p, &n);
	}
}

/* Parses the next tag, which starts at tag_start, and the text before it. */
static int
parse_tag(struct parser *p, size_t tag_start)
{
	const char *s = p->t->src;
	size_t len = p->t->len;
	size_t line = line_at(p, tag_start);
	size_t q = tag_start + p->olen;
	char sigil = q < len ? s[q] : '\0';
	char closer[2] = { 0, 0 };
	const char *close_at;
	size_t content_end;
	size_t tag_end;
	size_t begin, end;
	size_t indent_off = 0, indent_len = 0;
	int rc;

	if (strchr("{&#^/!>=", sigil) != NULL && sigil != '\0')
		q++;
	else
		sigil = '\0';

	/* {{{name}}} ends with "}" before the closing delimiter, {{=a b=}} with "=". */
	if (sigil == '{' || sigil == '=')
		closer[0] = sigil == '{' ? '}' : '=';
	close_at = NULL;
	for (size_t from = q; from <= len; ) {
		const char *c = find(s, len, from, p->ctag, p->clen);

		if (c == NULL)
			break;
		if (closer[0] == '\0') {
			close_at = c;
			break;
		}
		if ((size_t)(c - s) > q && c[-1] == closer[0]) {
			close_at = c - 1;
			break;
		}
		from = (size_t)(c - s) + 1;
	}
	if (close_at == NULL)
		return ann_error_set(p->e, ANN_ERR_SYNTAX,
		    "%s:%zu: unclosed tag: \"%.*s\" without a matching \"%s%.*s\"",
		    p->origin, line, (int)p->olen, p->otag, closer, (int)p->clen, p->ctag);
	content_end = (size_t)(close_at - s);
	tag_end = content_end + (closer[0] ? 1 : 0) + p->clen;

	/* Section, comment, partial and delimiter tags alone on a line take the line with them. */
	if (sigil != '\0' && sigil != '{' && sigil != '&' &&
	    standalone(s, len, tag_start, tag_end, &begin, &end) && begin >= p->pos) {
		indent_off = begin;
		indent_len = tag_start - begin;
		rc = add_text(p, p->pos, begin);
		p->pos = end;
	} else {
		rc = add_text(p, p->pos, tag_start);
		p->pos = tag_end;
	}
	if (rc)
		return rc;
	return add_tag(p, sigil, q, content_end - q, line, indent_off, indent_len);
}

static int
parse(struct parser *p)
{
	const struct ann_mustache *t = p->t;
	int rc;

	while (p->pos < t->len) {
		const char *tag = find(t->src, t->len, p->pos, p->otag, p->olen);

		if (tag == NULL)
			break;
		rc = parse_tag(p, (size_t)(tag - t->src));
		if (rc)
			return rc;
	}
	rc = add_text(p, p->pos, t->len);
	if (rc)
		return rc;
	if (p->n_open > 0) {
		const struct node *open = &t->nodes[p->open[p->n_open - 1]];

		return ann_error_set(p->e, ANN_ERR_SYNTAX,
		    "%s:%zu: section \"%.*s\" is never closed", p->origin, open->line,
		    (int)(open->len > 60 ? 60 : open->len), t->src + open->off);
	}
	return ANN_OK;
}

int
ann_mustache_compile(struct ann_mustache **out, const char *src, size_t len,
    const char *origin, size_t first_line, struct ann_error *e)
{
	struct parser p;
	struct ann_mustache *t;
	int rc = ANN_ERR_NOMEM;

	*out = NULL;
	memset(&p, 0, sizeof p);
	t = calloc(1, sizeof *t);
	if (t == NULL)
		goto out;
	t->src = malloc(len + 1);
	if (t->src == NULL)
		goto out;
	memcpy(t->src, src, len);
	t->src[len] = '\0';
	t->len = len;

	p.t = t;
	p.origin = origin ? origin : "template";
	p.otag = "{{";
	p.olen = 2;
	p.ctag = "}}";
	p.clen = 2;
	p.line = first_line ? first_line : 1;
	p.e = e;
	rc = parse(&p);
	if (rc)
		goto out;
	*out = t;
	t = NULL;
	rc = ANN_OK;
out:
	if (rc == ANN_ERR_NOMEM)
		ann_error_set(e, rc, "compile template: out of memory");
	free(p.open);
	ann_mustache_free(t);
	return rc;
}

void
ann_mustache_free(struct ann_mustache *t)
{
	if (t == NULL)
		return;
	free(t->src);
	free(t->nodes);
	free(t);
}

int
ann_mustache_is_blank(const struct ann_mustache *t)
{
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		if (t->nodes[i].type != NODE_TEXT)
			return 0;
		for (j = 0; j < t->nodes[i].len; j++)
			if (!is_space_char(t->src[t->nodes[i].off + j]))
				return 0;
	}
	return 1;
}

/* Partials: the plain compiled source plus the indented variants made so far. */
struct variant {
	char *indent;
	size_t indent_len;
	struct ann_mustache *t;
	struct variant *next;
};

struct partial {
	char *name;
	char *origin;
	size_t first_line;
	struct ann_mustache *plain;
	struct variant *variants;
};

struct ann_mustache_env {
	struct partial *v;
	size_t n;
	size_t cap;
};

struct ann_mustache_env *
ann_mustache_env_new(void)
{
	return calloc(1, sizeof(struct ann_mustache_env));
}

static void
partial_release(struct partial *p)
{
	struct variant *v, *next;

	for (v = p->variants; v != NULL; v = next) {
		next = v->next;
		free(v->indent);
		ann_mustache_free(v->t);
		free(v);
	}
	free(p->name);
	free(p->origin);
	ann_mustache_free(p->plain);
}

void
ann_mustache_env_free(struct ann_mustache_env *env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; i < env->n; i++)
		partial_release(&env->v[i]);
	free(env->v);
	free(env);
}

static struct partial *
env_find(struct ann_mustache_env *env, const char *name, size_t len)
{
	size_t i;

	if (env == NULL)
		return NULL;
	for (i = 0; i < env->n; i++)
		if (strlen(env->v[i].name) == len && memcmp(env->v[i].name, name, len) == 0)
			return &env->v[i];
	return NULL;
}

int
ann_mustache_env_add_partial(struct ann_mustache_env *env, const char *name,
    const char *src, size_t len, const char *origin, size_t first_line,
    struct ann_error *e)
{
	struct partial np;
	struct partial *slot;
	int rc;

	memset(&np, 0, sizeof np);
	np.first_line = first_line;
	np.name = strdup(name);
	np.origin = strdup(origin ? origin : name);
	if (np.name == NULL || np.origin == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "add partial \"%s\": out of memory", name);
		goto fail;
	}
	rc = ann_mustache_compile(&np.plain, src, len, np.origin, first_line, e);
	if (rc)
		goto fail;

	slot = env_find(env, name, strlen(name));
	if (slot != NULL) {
		partial_release(slot);
		*slot = np;
		return ANN_OK;
	}
	if (env->n == env->cap) {
		size_t cap = env->cap ? env->cap * 2 : 8;
		struct partial *v = realloc(env->v, cap * sizeof *v);

		if (v == NULL) {
			rc = ann_error_set(e, ANN_ERR_NOMEM, "add partial \"%s\": out of memory", name);
			goto fail;
		}
		env->v = v;
		env->cap = cap;
	}
	env->v[env->n++] = np;
	return ANN_OK;
fail:
	partial_release(&np);
	return rc;
}

/*
 * Returns the partial compiled with every line indented by indent, making
 * and caching it on first use. The specification indents the partial's
 * own lines, not text interpolated into it, which is why the source is
 * indented before compiling. A final newline starts no new line.
 */
static int
partial_indented(struct partial *p, const char *indent, size_t ilen,
    const struct ann_mustache **out, struct ann_error *e)
{
	struct ann_buf src = ANN_BUF_INIT;
	struct variant *v;
	const char *s = p->plain->src;
	size_t len = p->plain->len;
	size_t i;
	int rc;

	if (ilen == 0) {
		*out = p->plain;
		return ANN_OK;
	}
	for (v = p->variants; v != NULL; v = v->next) {
		if (v->indent_len == ilen && memcmp(v->indent, indent, ilen) == 0) {
			*out = v->t;
			return ANN_OK;
		}
	}

	rc = ANN_OK;
	for (i = 0; rc == ANN_OK && i < len; i++) {
		if (i == 0 || s[i - 1] == '\n')
			rc = ann_buf_add(&src, indent, ilen);
		if (rc == ANN_OK)
			rc = ann_buf_addc(&src, s[i]);
	}
	v = rc == ANN_OK ? calloc(1, sizeof *v) : NULL;
	if (v == NULL) {
		ann_buf_release(&src);
		return ann_error_set(e, ANN_ERR_NOMEM, "render partial \"%s\": out of memory",
		    p->name);
	}
	v->indent = malloc(ilen);
	if (v->indent == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "render partial \"%s\": out of memory", p->name);
		goto fail;
	}
	memcpy(v->indent, indent, ilen);
	v->indent_len = ilen;
	rc = ann_mustache_compile(&v->t, src.data, src.len, p->origin, p->first_line, e);
	if (rc)
		goto fail;
	ann_buf_release(&src);
	v->next = p->variants;
	p->variants = v;
	*out = v->t;
	return ANN_OK;
fail:
	ann_buf_release(&src);
	free(v->indent);
	free(v);
	return rc;
}

struct render {
	struct ann_mustache_env *env;
	const cJSON **stack;
	size_t n;
	size_t cap;
	unsigned flags;
	size_t partial_depth;
	size_t partial_count; /* inclusions so far, against exponential recursion */
	int reported;     /* 1 once *e holds this render's error */
	struct ann_buf *out;
	struct ann_error *e;
};

static int
push(struct render *r, const cJSON *v)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		const cJSON **s = realloc(r->stack, cap * sizeof *s);

		if (s == NULL)
			return ann_error_set(r->e, ANN_ERR_NOMEM, "render template: out of memory");
		r->stack = s;
		r->cap = cap;
	}
	r->stack[r->n++] = v;
	return ANN_OK;
}

static const cJSON *
member(const cJSON *obj, const char *name, size_t len)
{
	const cJSON *c;

	if (!cJSON_IsObject(obj))
		return NULL;
	for (c = obj->child; c != NULL; c = c->next)
		if (c->string && strlen(c->string) == len && memcmp(c->string, name, len) == 0)
			return c;
	return NULL;
}

/*
 * Resolves a name against the context stack. The first part is looked up
 * from the top of the stack down; the rest are looked up only inside what
 * the first part found, so a broken chain resolves to nothing.
 */
static const cJSON *
lookup(const struct render *r, const char *name, size_t len)
{
	const cJSON *v = NULL;
	const char *dot;
	size_t seg;
	size_t k;

	if (len == 1 && name[0] == '.')
		return r->n ? r->stack[r->n - 1] : NULL;

	dot = memchr(name, '.', len);
	seg = dot ? (size_t)(dot - name) : len;
	for (k = r->n; k-- > 0; ) {
		v = member(r->stack[k], name, seg);
		if (v != NULL)
			break;
	}
	while (v != NULL && dot != NULL) {
		name = dot + 1;
		len -= seg + 1;
		dot = memchr(name, '.', len);
		seg = dot ? (size_t)(dot - name) : len;
		v = member(v, name, seg);
	}
	return v;
}

static int
truthy(const cJSON *v)
{
	if (v == NULL || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return 0;
	if (cJSON_IsArray(v))
		return v->child != NULL;
	if (cJSON_IsString(v))
		return v->valuestring != NULL && v->valuestring[0] != '\0';
	return 1;
}

static int
add_escaped(struct ann_buf *out, const char *s, size_t n)
{
	size_t i, run = 0;
	int rc = ANN_OK;

	for (i = 0; rc == ANN_OK && i < n; i++) {
		const char *rep;

		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		rc = ann_buf_add(out, s + run, i - run);
		if (rc == ANN_OK)
			rc = ann_buf_adds(out, rep);
		run = i + 1;
	}
	if (rc == ANN_OK)
		rc = ann_buf_add(out, s + run, n - run);
	return rc;
}

static int
interpolate(struct render *r, const cJSON *v, int escape)
{
	struct ann_buf tmp = ANN_BUF_INIT;
	char *json;
	int rc;

	if (v == NULL || cJSON_IsNull(v))
		return ANN_OK;
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring ? v->valuestring : "";

		return escape ? add_escaped(r->out, s, strlen(s)) : ann_buf_adds(r->out, s);
	}
	if (cJSON_IsNumber(v)) {
		/* NOTE: cJSON keeps numbers as doubles, so integers past 2^53 print rounded. */
		rc = ann_buf_add_json_number(&tmp, v->valuedouble);
		if (rc == ANN_OK)
			rc = ann_buf_add(r->out, tmp.data, tmp.len);
		ann_buf_release(&tmp);
		return rc;
	}
	if (cJSON_IsBool(v))
		return ann_buf_adds(r->out, cJSON_IsTrue(v) ? "true" : "false");

	json = cJSON_PrintUnformatted(v);
	if (json == NULL)
		return ANN_ERR_NOMEM;
	rc = escape ? add_escaped(r->out, json, strlen(json)) : ann_buf_adds(r->out, json);
	cJSON_free(json);
	return rc;
}

static int render_nodes(struct render *r, const struct ann_mustache *t, size_t from,
    size_t to);

static int
render_section(struct render *r, const struct ann_mustache *t, size_t i)
{
	const struct node *n = &t->nodes[i];
	const cJSON *v = lookup(r, t->src + n->off, n->len);
	const cJSON *item;
	int rc = ANN_OK;

	if (n->type == NODE_INVERTED)
		return truthy(v) ? ANN_OK : render_nodes(r, t, i + 1, n->end);
	if (!truthy(v))
		return ANN_OK;
	if (!cJSON_IsArray(v)) {
		rc = push(r, v);
		if (rc == ANN_OK)
			rc = render_nodes(r, t, i + 1, n->end);
		r->n--;
		return rc;
	}
	for (item = v->child; rc == ANN_OK && item != NULL; item = item->next) {
		rc = push(r, item);
		if (rc)
			return rc;
		rc = render_nodes(r, t, i + 1, n->end);
		r->n--;
	}
	return rc;
}

static int
render_partial(struct render *r, const struct ann_mustache *t, const struct node *n)
{
	struct partial *p = env_find(r->env, t->src + n->off, n->len);
	const struct ann_mustache *pt = NULL;
	int rc;

	if (p == NULL)
		return ANN_OK;
	if (++r->partial_count > ANN_MUSTACHE_MAX_PARTIAL_COUNT) {
		r->reported = 1;
		return ann_error_set(r->e, ANN_ERR_TOO_LARGE,
		    "render partial \"%s\": more than %d partial inclusions in one "
		    "rendering", p->name, ANN_MUSTACHE_MAX_PARTIAL_COUNT);
	}
	if (r->partial_depth >= ANN_MUSTACHE_MAX_PARTIAL_DEPTH) {
		r->reported = 1;
		return ann_error_set(r->e, ANN_ERR_TOO_LARGE,
		    "render partial \"%s\": nested more than %d deep (a partial that "
		    "includes itself without end?)", p->name, ANN_MUSTACHE_MAX_PARTIAL_DEPTH);
	}
	rc = partial_indented(p, t->src + n->indent_off, n->indent_len, &pt, r->e);
	if (rc) {
		r->reported = 1;
		return rc;
	}
	r->partial_depth++;
	rc = render_nodes(r, pt, 0, pt->n);
	r->partial_depth--;
	return rc;
}

static int
render_nodes(struct render *r, const struct ann_mustache *t, size_t from, size_t to)
{
	size_t i = from;
	int rc = ANN_OK;

	while (rc == ANN_OK && i < to) {
		const struct node *n = &t->nodes[i];

		switch (n->type) {
		case NODE_TEXT:
			rc = ann_buf_add(r->out, t->src + n->off, n->len);
			i++;
			break;
		case NODE_VAR:
		case NODE_RAW:
			rc = interpolate(r, lookup(r, t->src + n->off, n->len),
			    n->type == NODE_VAR && (r->flags & ANN_MUSTACHE_HTML_ESCAPE));
			i++;
			break;
		case NODE_SECTION:
		case NODE_INVERTED:
			rc = render_section(r, t, i);
			i = n->end;
			break;
		case NODE_PARTIAL:
			rc = render_partial(r, t, n);
			i++;
			break;
		}
	}
	return rc;
}

int
ann_mustache_render(const struct ann_mustache *t, struct ann_mustache_env *env,
    const cJSON *const *stack, size_t depth, unsigned flags, struct ann_buf *out,
    struct ann_error *e)
{
	struct render r;
	size_t start = out->len;
	size_t i;
	int rc = ANN_OK;

	memset(&r, 0, sizeof r);
	r.env = env;
	r.flags = flags;
	r.out = out;
	r.e = e;
	for (i = 0; rc == ANN_OK && i < depth; i++)
		rc = push(&r, stack[i]);
	if (rc == ANN_OK)
		rc = render_nodes(&r, t, 0, t->n);
	free(r.stack);
	if (rc) {
		ann_buf_truncate(out, start);
		if (r.reported)
			return rc;
		if (rc == ANN_ERR_TOO_LARGE)
			ann_error_set(e, rc, "render template: output larger than %zu bytes",
			    out->max);
		else
			ann_error_set(e, rc, "render template: out of memory");
	}
	return rc;
}
