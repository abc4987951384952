/*
 * Schema documents, identifiers and references: loading schema documents,
 * finding their resources ($id) and anchors, and resolving a reference to
 * the schema it names. lib/schema_compile.c turns the result into nodes.
 */
#include "schema_load.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest schema file read; real schemas are kilobytes. */
#define MAX_SCHEMA_FILE (64 << 20)

#define VOCAB_PREFIX "https://json-schema.org/draft/2020-12/vocab/"

/* Keywords whose values hold subschemas, by the shape of the value. */
enum sub_kind { SUB_ONE, SUB_ARRAY, SUB_MAP, SUB_ITEMS7, SUB_DEPS7 };

static const struct {
	const char *name;
	enum sub_kind kind;
	int drafts; /* 1: draft-07, 2: 2020-12 */
} sub_keywords[] = {
	{ "$defs", SUB_MAP, 3 },
	{ "additionalItems", SUB_ONE, 1 },
	{ "additionalProperties", SUB_ONE, 3 },
	{ "allOf", SUB_ARRAY, 3 },
	{ "anyOf", SUB_ARRAY, 3 },
	{ "contains", SUB_ONE, 3 },
	{ "contentSchema", SUB_ONE, 2 },
	{ "definitions", SUB_MAP, 3 },
	{ "dependencies", SUB_DEPS7, 3 },
	{ "dependentSchemas", SUB_MAP, 2 },
	{ "else", SUB_ONE, 3 },
	{ "if", SUB_ONE, 3 },
	{ "items", SUB_ONE, 2 },
	{ "items", SUB_ITEMS7, 1 },
	{ "not", SUB_ONE, 3 },
	{ "oneOf", SUB_ARRAY, 3 },
	{ "patternProperties", SUB_MAP, 3 },
	{ "prefixItems", SUB_ARRAY, 2 },
	{ "properties", SUB_MAP, 3 },
	{ "propertyNames", SUB_ONE, 3 },
	{ "then", SUB_ONE, 3 },
	{ "unevaluatedItems", SUB_ONE, 2 },
	{ "unevaluatedProperties", SUB_ONE, 2 },
};

const char *
sch_adup(struct cctx *c, const char *s, size_t n)
{
	char *p = ann_jsonv_alloc(&c->s->arena, n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
sch_nomem(struct cctx *c)
{
	return ann_error_set(c->e, ANN_ERR_NOMEM, "compile schema: out of memory");
}

/* Pointer-keyed hash table of struct sch_info. */
static size_t
ptr_slot(const void *p, size_t mask)
{
	uintptr_t x = (uintptr_t)p;

	x ^= x >> 17;
	x *= 0xed5ad4bbu;
	x ^= x >> 11;
	return (size_t)x & mask;
}

struct sch_info *
sch_info_get(struct cctx *c, const struct ann_jsonv *jv)
{
	size_t i;

	if (c->info_cap == 0)
		return NULL;
	for (i = ptr_slot(jv, c->info_cap - 1); c->infos[i]; i = (i + 1) & (c->info_cap - 1)) {
		if (c->infos[i]->jv == jv)
			return c->infos[i];
	}
	return NULL;
}

static int
info_insert(struct cctx *c, struct sch_info *info)
{
	size_t i;

	if ((c->info_n + 1) * 2 > c->info_cap) {
		size_t cap = c->info_cap ? c->info_cap * 2 : 256;
		struct sch_info **t = calloc(cap, sizeof *t);

		if (t == NULL)
			return sch_nomem(c);
		for (i = 0; i < c->info_cap; i++) {
			size_t k;

			if (c->infos[i] == NULL)
				continue;
			for (k = ptr_slot(c->infos[i]->jv, cap - 1); t[k]; k = (k + 1) & (cap - 1))
				;
			t[k] = c->infos[i];
		}
		free(c->infos);
		c->infos = t;
		c->info_cap = cap;
	}
	for (i = ptr_slot(info->jv, c->info_cap - 1); c->infos[i]; i = (i + 1) & (c->info_cap - 1))
		;
	c->infos[i] = info;
	c->info_n++;
	return ANN_OK;
}

static struct sch_info *
info_add(struct cctx *c, const struct ann_jsonv *jv, const char *base, const char *ptr,
    struct sch_resource *res, struct sch_dialect d)
{
	struct sch_info *info = ann_jsonv_alloc(&c->s->arena, sizeof *info);

	if (info == NULL)
		return NULL;
	memset(info, 0, sizeof *info);
	info->jv = jv;
	info->base = base;
	info->ptr = ptr;
	info->res = res;
	info->dialect = d;
	if (info_insert(c, info))
		return NULL;
	return info;
}

static const struct sch_reg *
reg_find(struct cctx *c, const char *uri, size_t len)
{
	size_t i;

	for (i = 0; i < c->reg_n; i++) {
		if (strlen(c->regs[i].uri) == len && memcmp(c->regs[i].uri, uri, len) == 0)
			return &c->regs[i];
	}
	return NULL;
}

static int
reg_add(struct cctx *c, const char *uri, size_t len, const struct ann_jsonv *jv, int dynamic)
{
	const struct sch_reg *old = reg_find(c, uri, len);

	if (old) {
		if (old->jv == jv)
			return ANN_OK;
		/* Two schemas claiming one URI: the first loaded wins, the way a
		 * retrieval URI and an $id may both name one document. */
		return ANN_OK;
	}
	if (c->reg_n == c->reg_cap) {
		size_t cap = c->reg_cap ? c->reg_cap * 2 : 32;
		struct sch_reg *r = realloc(c->regs, cap * sizeof *r);

		if (r == NULL)
			return sch_nomem(c);
		c->regs = r;
		c->reg_cap = cap;
	}
	c->regs[c->reg_n].uri = sch_adup(c, uri, len);
	if (c->regs[c->reg_n].uri == NULL)
		return sch_nomem(c);
	c->regs[c->reg_n].jv = jv;
	c->regs[c->reg_n].dynamic = dynamic;
	c->reg_n++;
	return ANN_OK;
}

int
sch_dyn_name_id(struct cctx *c, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < c->dyn_n; i++) {
		if (strlen(c->dyn_names[i]) == len && memcmp(c->dyn_names[i], name, len) == 0)
			return (int)i;
	}
	if (c->dyn_n == c->dyn_cap) {
		size_t cap = c->dyn_cap ? c->dyn_cap * 2 : 8;
		const char **t = realloc(c->dyn_names, cap * sizeof *t);

		if (t == NULL)
			return -1;
		c->dyn_names = t;
		c->dyn_cap = cap;
	}
	c->dyn_names[c->dyn_n] = sch_adup(c, name, len);
	if (c->dyn_names[c->dyn_n] == NULL)
		return -1;
	return (int)c->dyn_n++;
}

static struct sch_resource *
resource_new(struct cctx *c, const char *uri)
{
	struct sch_resource *r = ann_jsonv_alloc(&c->s->arena, sizeof *r);

	if (r == NULL)
		return NULL;
	memset(r, 0, sizeof *r);
	r->uri = uri;
	r->next = c->resources;
	c->resources = r;
	return r;
}

static int
pending_add(struct cctx *c, struct sch_resource *res, int name_id, const struct ann_jsonv *jv)
{
	if (c->pend_n == c->pend_cap) {
		size_t cap = c->pend_cap ? c->pend_cap * 2 : 16;
		struct sch_pending *p = realloc(c->pending, cap * sizeof *p);

		if (p == NULL)
			return sch_nomem(c);
		c->pending = p;
		c->pend_cap = cap;
	}
	c->pending[c->pend_n].res = res;
	c->pending[c->pend_n].name_id = name_id;
	c->pending[c->pend_n].jv = jv;
	c->pend_n++;
	return ANN_OK;
}

/* Appends "/" and the escaped segment to a pointer, in the arena. */
static const char *
ptr_join(struct cctx *c, const char *ptr, const char *seg, size_t seg_len)
{
	size_t start = c->tmp.len;
	const char *out = NULL;

	if (ann_buf_adds(&c->tmp, ptr) == ANN_OK && ann_buf_addc(&c->tmp, '/') == ANN_OK &&
	    sch_pointer_escape(&c->tmp, seg, seg_len) == ANN_OK)
		out = sch_adup(c, c->tmp.data + start, c->tmp.len - start);
	ann_buf_truncate(&c->tmp, start);
	return out;
}

static const char *
ptr_join_index(struct cctx *c, const char *ptr, size_t index)
{
	char num[32];
	int n = snprintf(num, sizeof num, "%zu", index);

	return ptr_join(c, ptr, num, (size_t)n);
}

int
sch_invalid(struct cctx *c, const char *base, const char *ptr, const char *fmt, ...)
{
	char msg[ANN_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ann_error_set(c->e, ANN_ERR_INVALID, "invalid schema at %s#%s: %s",
	    base && *base ? base : "", ptr ? ptr : "", msg);
}

/* Sets *d for the dialect named by a $schema value. */
static int
dialect_for(struct cctx *c, const struct ann_jsonv *schema_v, const char *base, const char *ptr,
    struct sch_dialect *d)
{
	size_t len;
	const char *u;
	const struct sch_info *meta;
	const struct ann_jsonv *vocab;
	size_t i;
	int rc;

	if (schema_v->type != ANN_JSON_STRING)
		return sch_invalid(c, base, ptr, "$schema must be a string");
	u = schema_v->u.s;
	len = schema_v->n;
	if (len > 0 && u[len - 1] == '#')
		len--;
	if ((len == 44 && memcmp(u, "https://json-schema.org/draft/2020-12/schema", 44) == 0) ||
	    (len == 44 && memcmp(u, "https://json-schema.org/draft/2019-09/schema", 44) == 0)) {
		d->draft = 2020;
		d->vocab = VOC_ALL_2020;
		return ANN_OK;
	}
	if ((len == 38 && memcmp(u, "http://json-schema.org/draft-07/schema", 38) == 0) ||
	    (len == 38 && memcmp(u, "http://json-schema.org/draft-06/schema", 38) == 0)) {
		d->draft = 7;
		d->vocab = VOC_ALL_2020 & ~VOC_UNEVALUATED;
		return ANN_OK;
	}
	if (len > 23 && memcmp(u, "http://json-schema.org/", 23) == 0)
		return sch_invalid(c, base, ptr, "unsupported dialect \"%s\"", u);

	/* A custom meta-schema: its $vocabulary lists what is enabled. */
	if (++c->meta_depth > 8) {
		c->meta_depth--;
		return sch_invalid(c, base, ptr, "meta-schema chain too long at \"%s\"", u);
	}
	rc = sch_resolve(c, u, "", *d, &meta);
	c->meta_depth--;
	if (rc)
		return rc;
	*d = meta->dialect;
	vocab = ann_jsonv_gets(meta->jv, "$vocabulary");
	if (vocab == NULL || vocab->type != ANN_JSON_OBJECT)
		return ANN_OK;
	d->vocab = 0;
	for (i = 0; i < vocab->n; i++) {
		const struct ann_jsonv_member *m = &vocab->u.members[i];
		static const struct { const char *name; unsigned bit; } known[] = {
			{ "core", VOC_CORE }, { "applicator", VOC_APPLICATOR },
			{ "unevaluated", VOC_UNEVALUATED }, { "validation", VOC_VALIDATION },
			{ "format-annotation", VOC_FORMAT_ANNOTATION },
			{ "format-assertion", VOC_FORMAT_ASSERTION },
			{ "content", VOC_CONTENT }, { "meta-data", VOC_METADATA },
		};
		size_t k;
		int found = 0;

		if (m->name_len > strlen(VOCAB_PREFIX) &&
		    memcmp(m->name, VOCAB_PREFIX, strlen(VOCAB_PREFIX)) == 0) {
			const char *v = m->name + strlen(VOCAB_PREFIX);

			for (k = 0; k < sizeof known / sizeof known[0]; k++) {
				if (strcmp(v, known[k].name) == 0) {
					d->vocab |= known[k].bit;
					found = 1;
				}
			}
		}
		if (!found && m->value.type == ANN_JSON_TRUE)
			return sch_invalid(c, base, ptr, "meta-schema requires unknown vocabulary \"%s\"",
			    m->name);
	}
	d->vocab |= VOC_CORE;
	return ANN_OK;
}

static int discover(struct cctx *c, const struct ann_jsonv *jv, const char *base, const char *ptr,
    struct sch_resource *res, struct sch_dialect d, int doc_root);

static int
discover_children(struct cctx *c, const struct ann_jsonv *jv, const char *base, const char *ptr,
    struct sch_resource *res, struct sch_dialect d, int only_defs)
{
	size_t k, i;
	int rc;
	int bit = d.draft == 7 ? 1 : 2;

	for (k = 0; k < sizeof sub_keywords / sizeof sub_keywords[0]; k++) {
		const struct ann_jsonv *v;
		const char *kptr;

		if (!(sub_keywords[k].drafts & bit))
			continue;
		if (only_defs && strcmp(sub_keywords[k].name, "definitions") != 0)
			continue;
		v = ann_jsonv_gets(jv, sub_keywords[k].name);
		if (v == NULL)
			continue;
		kptr = ptr_join(c, ptr, sub_keywords[k].name, strlen(sub_keywords[k].name));
		if (kptr == NULL)
			return sch_nomem(c);
		switch (sub_keywords[k].kind) {
		case SUB_ITEMS7:
		case SUB_ARRAY:
			if (v->type != ANN_JSON_ARRAY) {
				if (sub_keywords[k].kind == SUB_ITEMS7) {
					rc = discover(c, v, base, kptr, res, d, 0);
					if (rc)
						return rc;
				}
				break;
			}
			for (i = 0; i < v->n; i++) {
				const char *p = ptr_join_index(c, kptr, i);

				if (p == NULL)
					return sch_nomem(c);
				rc = discover(c, &v->u.items[i], base, p, res, d, 0);
				if (rc)
					return rc;
			}
			break;
		case SUB_ONE:
			rc = discover(c, v, base, kptr, res, d, 0);
			if (rc)
				return rc;
			break;
		case SUB_MAP:
		case SUB_DEPS7:
			if (v->type != ANN_JSON_OBJECT)
				break;
			for (i = 0; i < v->n; i++) {
				const struct ann_jsonv_member *m = &v->u.members[i];
				const char *p;

				if (sub_keywords[k].kind == SUB_DEPS7 && m->value.type == ANN_JSON_ARRAY)
					continue;
				p = ptr_join(c, kptr, m->name, m->name_len);
				if (p == NULL)
					return sch_nomem(c);
				rc = discover(c, &m->value, base, p, res, d, 0);
				if (rc)
					return rc;
			}
			break;
		}
	}
	return ANN_OK;
}

/*
 * Records the base URI, pointer and dialect of the schema jv and of every
 * subschema below it, and registers the identifiers they declare.
 */
static int
discover(struct cctx *c, const struct ann_jsonv *jv, const char *base, const char *ptr,
    struct sch_resource *res, struct sch_dialect d, int doc_root)
{
	const struct ann_jsonv *id, *v;
	struct sch_info *info;
	int rc;

	if (sch_info_get(c, jv))
		return ANN_OK;
	if (jv->type != ANN_JSON_OBJECT) {
		/* Booleans are schemas; other values are reported at compile time. */
		return info_add(c, jv, base, ptr, res, d) ? ANN_OK : sch_nomem(c);
	}

	id = ann_jsonv_gets(jv, "$id");
	v = ann_jsonv_gets(jv, "$schema");
	if (v && (doc_root || id)) {
		rc = dialect_for(c, v, base, ptr, &d);
		if (rc)
			return rc;
	}

	if (d.draft == 7 && ann_jsonv_gets(jv, "$ref")) {
		/* Draft-07: $ref makes every sibling keyword, $id included, be
		 * ignored; definitions are still searched for identifiers. */
		if (info_add(c, jv, base, ptr, res, d) == NULL)
			return sch_nomem(c);
		return discover_children(c, jv, base, ptr, res, d, 1);
	}

	if (id) {
		const char *frag;
		size_t blen;
		const char *nb;

		if (id->type != ANN_JSON_STRING)
			return sch_invalid(c, base, ptr, "$id must be a string");
		ann_buf_reset(&c->tmp);
		if (sch_uri_resolve(base, id->u.s, &c->tmp))
			return sch_nomem(c);
		sch_uri_split_fragment(c->tmp.data, &blen, &frag);
		if (d.draft == 2020 && frag && *frag)
			return sch_invalid(c, base, ptr, "$id must not contain a fragment: \"%s\"", id->u.s);
		if (d.draft == 7 && id->u.s[0] == '#') {
			/* A location-independent identifier: an anchor. */
			if (reg_add(c, c->tmp.data, c->tmp.len, jv, 0))
				return sch_nomem(c);
		} else {
			nb = sch_adup(c, c->tmp.data, blen);
			if (nb == NULL)
				return sch_nomem(c);
			if (frag && *frag && reg_add(c, c->tmp.data, c->tmp.len, jv, 0))
				return sch_nomem(c);
			base = nb;
			ptr = "";
			res = resource_new(c, nb);
			if (res == NULL || reg_add(c, nb, strlen(nb), jv, 0))
				return sch_nomem(c);
		}
	}

	info = info_add(c, jv, base, ptr, res, d);
	if (info == NULL)
		return sch_nomem(c);

	if (d.draft == 2020) {
		static const char *const anchor_kw[] = { "$anchor", "$dynamicAnchor" };
		size_t k;

		for (k = 0; k < 2; k++) {
			const struct ann_jsonv *a = ann_jsonv_gets(jv, anchor_kw[k]);

			if (a == NULL)
				continue;
			if (a->type != ANN_JSON_STRING || a->n == 0)
				return sch_invalid(c, base, ptr, "%s must be a non-empty string",
				    anchor_kw[k]);
			ann_buf_reset(&c->tmp);
			if (ann_buf_adds(&c->tmp, base) || ann_buf_addc(&c->tmp, '#') ||
			    ann_buf_add(&c->tmp, a->u.s, a->n))
				return sch_nomem(c);
			if (reg_add(c, c->tmp.data, c->tmp.len, jv, (int)k))
				return sch_nomem(c);
			if (k == 1) {
				int id_num = sch_dyn_name_id(c, a->u.s, a->n);

				if (id_num < 0 || pending_add(c, res, id_num, jv))
					return sch_nomem(c);
			}
		}
	}
	return discover_children(c, jv, base, ptr, res, d, 0);
}

/* Reads a whole file into a malloc'd buffer. */
static int
read_file(struct cctx *c, const char *path, char **out, size_t *len)
{
	struct ann_buf b = ANN_BUF_INIT;
	char chunk[65536];
	struct stat st;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return ann_error_set(c->e, ANN_ERR_NOT_FOUND, "read schema \"%s\": %s", path,
		    strerror(errno));
	/* Only regular files: a reference to a device or FIFO would block or
	 * never end. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_SCHEMA_FILE) {
		close(fd);
		return ann_error_set(c->e, ANN_ERR_NOT_FOUND,
		    "read schema \"%s\": not a regular file of at most %d MiB", path,
		    MAX_SCHEMA_FILE >> 20);
	}
	for (;;) {
		got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (ann_buf_add(&b, chunk, (size_t)got)) {
			close(fd);
			ann_buf_release(&b);
			return sch_nomem(c);
		}
	}
	if (got < 0) {
		int saved = errno;

		close(fd);
		ann_buf_release(&b);
		return ann_error_set(c->e, ANN_ERR_IO, "read schema \"%s\": %s", path, strerror(saved));
	}
	close(fd);
	*out = ann_buf_detach(&b, len);
	return *out ? ANN_OK : sch_nomem(c);
}

int
sch_load_text(struct cctx *c, const char *text, size_t len, const char *uri,
    struct sch_dialect d, const struct sch_info **root)
{
	struct ann_jsonv_doc *doc, **docs;
	const struct ann_jsonv *jv;
	const char *base;
	int rc;

	doc = malloc(sizeof *doc);
	docs = realloc(c->s->docs, (c->s->n_docs + 1) * sizeof *docs);
	if (doc == NULL || docs == NULL) {
		free(doc);
		if (docs)
			c->s->docs = docs;
		return sch_nomem(c);
	}
	c->s->docs = docs;
	ann_jsonv_doc_init(doc);
	docs[c->s->n_docs++] = doc;
	rc = ann_jsonv_parse(doc, text, len, &jv, c->e);
	if (rc)
		return ann_error_prefix(c->e, "read schema \"%s\"", *uri ? uri : "(text)");

	base = sch_adup(c, uri, strlen(uri));
	if (base == NULL)
		return sch_nomem(c);
	if (reg_add(c, base, strlen(base), jv, 0))
		return sch_nomem(c);
	{
		struct sch_resource *res = resource_new(c, base);

		if (res == NULL)
			return sch_nomem(c);
		rc = discover(c, jv, base, "", res, d, 1);
	}
	if (rc)
		return rc;
	*root = sch_info_get(c, jv);
	return ANN_OK;
}

/* Loads the document at uri (no fragment) from the built-in meta-schemas,
 * a schema map or a file: URI. */
static int
load_uri(struct cctx *c, const char *uri, struct sch_dialect d)
{
	const struct sch_info *root;
	const char *meta = sch_meta_text(uri, strlen(uri));
	struct ann_buf path = ANN_BUF_INIT;
	char *text = NULL;
	size_t len = 0, i, rest = 0;
	int rc;

	if (meta) {
		struct sch_dialect md = { 2020, VOC_ALL_2020 };

		if (strstr(uri, "draft-07"))
			md.draft = 7;
		return sch_load_text(c, meta, strlen(meta), uri, md, &root);
	}
	for (i = 0; i < c->opts->n_maps; i++) {
		const char *prefix = c->opts->maps[i].prefix;
		size_t plen = strlen(prefix);

		if (strncmp(uri, prefix, plen) != 0)
			continue;
		ann_buf_reset(&path);
		if (ann_buf_adds(&path, c->opts->maps[i].dir) || ann_buf_addc(&path, '/')) {
			rc = sch_nomem(c);
			goto done;
		}
		rest = path.len;
		if (sch_percent_decode(uri + plen, strlen(uri + plen), &path)) {
			rc = sch_nomem(c);
			goto done;
		}
		break;
	}
	if (path.len == 0 && strncmp(uri, "file://", 7) == 0) {
		const char *p = uri + 7;

		/* file://localhost/path and file:///path name local files. */
		if (strncmp(p, "localhost/", 10) == 0)
			p += 9;
		if (*p == '/' && sch_percent_decode(p, strlen(p), &path)) {
			rc = sch_nomem(c);
			goto done;
		}
	}
	if (path.len == 0) {
		rc = ann_error_set(c->e, ANN_ERR_NOT_FOUND,
		    "reference to \"%s\" cannot be resolved: it is not a built-in meta-schema, "
		    "not under a schema map prefix and not a file: URI", uri);
		goto done;
	}
	/* A mapped URI may not climb out of its directory ("%2e%2e" decodes
	 * to ".." after dot segments were already removed). */
	if (strncmp(path.data + rest, "../", 3) == 0 || strstr(path.data + rest, "/../") ||
	    (path.len - rest >= 3 && strcmp(path.data + path.len - 3, "/..") == 0)) {
		rc = ann_error_set(c->e, ANN_ERR_NOT_FOUND, "reference \"%s\" leaves its directory", uri);
		goto done;
	}
	rc = read_file(c, path.data, &text, &len);
	if (rc)
		goto done;
	rc = ann_json_check_file(text, len, 1, "schema", path.data, c->e);
	if (rc)
		goto done;
	rc = sch_load_text(c, text, len, uri, d, &root);

done:
	free(text);
	ann_buf_release(&path);
	return rc;
}

/* Follows the JSON Pointer fragment ptr (percent-decoded) from the root. */
static int
navigate(struct cctx *c, const struct sch_info *root, const char *frag, const char *uri,
    const struct sch_info **out)
{
	struct ann_buf dec = ANN_BUF_INIT;
	struct ann_buf seg = ANN_BUF_INIT;
	const struct ann_jsonv *cur = root->jv;
	const char *base = root->base, *ptr = root->ptr;
	struct sch_resource *res = root->res;
	struct sch_dialect d = root->dialect;
	const struct sch_info *info;
	size_t i;
	int rc;

	rc = sch_percent_decode(frag, strlen(frag), &dec);
	if (rc)
		goto done;
	i = 1; /* skip the leading '/' */
	while (i <= dec.len) {
		const struct ann_jsonv *next = NULL;

		ann_buf_reset(&seg);
		while (i < dec.len && dec.data[i] != '/') {
			char ch = dec.data[i];

			if (ch == '~' && i + 1 < dec.len && (dec.data[i + 1] == '0' || dec.data[i + 1] == '1')) {
				ch = dec.data[i + 1] == '0' ? '~' : '/';
				i++;
			}
			if (ann_buf_addc(&seg, ch)) {
				rc = sch_nomem(c);
				goto done;
			}
			i++;
		}
		i++;
		if (cur->type == ANN_JSON_OBJECT) {
			next = ann_jsonv_get(cur, seg.data, seg.len);
		} else if (cur->type == ANN_JSON_ARRAY) {
			char *end;
			unsigned long idx = strtoul(seg.data, &end, 10);

			if (seg.len > 0 && *end == '\0' && (seg.data[0] != '0' || seg.len == 1) &&
			    idx < cur->n)
				next = &cur->u.items[idx];
		}
		if (next == NULL) {
			rc = ann_error_set(c->e, ANN_ERR_NOT_FOUND,
			    "reference \"%s\" names no schema", uri);
			goto done;
		}
		cur = next;
		info = sch_info_get(c, cur);
		if (info) {
			base = info->base;
			ptr = info->ptr;
			res = info->res;
			d = info->dialect;
		} else {
			ptr = ptr_join(c, ptr, seg.data, seg.len);
			if (ptr == NULL) {
				rc = sch_nomem(c);
				goto done;
			}
		}
	}
	info = sch_info_get(c, cur);
	if (info == NULL) {
		rc = discover(c, cur, base, ptr, res, d, 0);
		if (rc)
			goto done;
		info = sch_info_get(c, cur);
	}
	*out = info;
	rc = ANN_OK;

done:
	ann_buf_release(&dec);
	ann_buf_release(&seg);
	return rc;
}

int
sch_resolve(struct cctx *c, const char *ref, const char *base, struct sch_dialect d,
    const struct sch_info **out)
{
	struct ann_buf abs = ANN_BUF_INIT;
	const struct sch_reg *reg;
	const char *frag;
	size_t blen;
	int rc;

	rc = sch_uri_resolve(base, ref, &abs);
	if (rc)
		goto done;
	sch_uri_split_fragment(abs.data, &blen, &frag);

	reg = reg_find(c, abs.data, blen);
	if (reg == NULL) {
		char *doc_uri = strndup(abs.data, blen);

		if (doc_uri == NULL) {
			rc = sch_nomem(c);
			goto done;
		}
		rc = load_uri(c, doc_uri, d);
		free(doc_uri);
		if (rc)
			goto done;
		reg = reg_find(c, abs.data, blen);
		if (reg == NULL) {
			rc = ann_error_set(c->e, ANN_ERR_NOT_FOUND, "reference \"%s\" cannot be resolved",
			    abs.data);
			goto done;
		}
	}

	if (frag == NULL || *frag == '\0') {
		*out = sch_info_get(c, reg->jv);
	} else if (*frag == '/') {
		rc = navigate(c, sch_info_get(c, reg->jv), frag, abs.data, out);
		if (rc)
			goto done;
	} else {
		reg = reg_find(c, abs.data, abs.len);
		if (reg == NULL) {
			rc = ann_error_set(c->e, ANN_ERR_NOT_FOUND,
			    "reference \"%s\" names no anchor", abs.data);
			goto done;
		}
		*out = sch_info_get(c, reg->jv);
	}
	if (*out == NULL) {
		rc = ann_error_set(c->e, ANN_ERR_NOT_FOUND, "reference \"%s\" names no schema", abs.data);
		goto done;
	}
	rc = ANN_OK;

done:
	ann_buf_release(&abs);
	return rc;
}

int
sch_is_dynamic_anchor(struct cctx *c, const char *ref, const char *base)
{
	struct ann_buf abs = ANN_BUF_INIT;
	const struct sch_reg *reg = NULL;
	const char *frag;
	size_t blen;

	if (sch_uri_resolve(base, ref, &abs) == ANN_OK) {
		sch_uri_split_fragment(abs.data, &blen, &frag);
		if (frag && *frag && *frag != '/')
			reg = reg_find(c, abs.data, abs.len);
	}
	ann_buf_release(&abs);
	return reg && reg->dynamic;
}
