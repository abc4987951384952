#include "prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "buf.h"
#include "filter.h"
#include "json.h"
#include "jspan.h"
#include "log.h"
#include "mustache.h"
#include "provider.h"

#define SCHEMA_FILE_MAX ((size_t)16 << 20)
#define TEMPLATE_FILE_MAX ((size_t)4 << 20)
#define EXAMPLES_FILE_MAX ((size_t)64 << 20)
#define SCHEMA_MAX_DEPTH 16

/*
 * Claude's InvokeModel body may be at most 20 MB (AWS documentation of the
 * Anthropic Messages body), so the attachments' base64 text must stay below.
 * NOTE: the room left for the rest of the request is an estimate.
 */
#define ATTACHED_BASE64_MAX ((size_t)20000000)

/* The built-in templates, generated from share/templates/default.*.tmpl. */
extern const char ann_prompt_template_en[];
extern const char ann_prompt_template_ja[];

static const char *const default_attach_members[] = {
	"image", "images", "pdf", "document", "documents", "attachments",
};

struct ann_prompt {
	struct ann_prompt_opts o;
	char *root_real;
	const char *origin;       /* template file name, for messages */
	int builtin;              /* 1 when the built-in template is used */
	struct ann_mustache *system; /* NULL when the template has no system part */
	struct ann_mustache *user;
	struct ann_mustache_env *env;
	cJSON *schema;
	cJSON *ann;               /* the values templates see under "ann" */
	cJSON *ann_context;       /* {"ann": ann}, the top of the context stack */
	cJSON *example_turns;     /* messages that come before each record's */
	size_t record_errors;
};

void
ann_prompt_opts_init(struct ann_prompt_opts *o)
{
	memset(o, 0, sizeof *o);
	o->lang = ANN_PROMPT_EN;
	o->answer = ANN_PROMPT_ANSWER_TOOL;
	o->pdf_read = ANN_PROMPT_PDF_VISUAL;
	o->max_tokens = ANN_PROMPT_DEFAULT_MAX_TOKENS;
	o->temperature = 0;
	o->has_temperature = 1;
	o->format = ANN_PROMPT_FORMAT_RECORDS;
	o->reject_fd = STDERR_FILENO;
}

static int
read_file(const char *what, const char *path, size_t max, struct ann_buf *out,
    struct ann_error *e)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = ANN_OK;

	if (fd < 0)
		return ann_error_set(e, errno == ENOENT ? ANN_ERR_NOT_FOUND : ANN_ERR_IO,
		    "cannot open %s \"%s\": %s", what, path, strerror(errno));
	ann_buf_init(out, max);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ann_error_set(e, ANN_ERR_IO, "cannot read %s \"%s\": %s", what, path,
			    strerror(errno));
			break;
		}
		if (n == 0)
			break;
		rc = ann_buf_add(out, chunk, (size_t)n);
		if (rc) {
			ann_error_set(e, rc, "%s \"%s\" is larger than %zu bytes", what, path, max);
			break;
		}
	}
	close(fd);
	if (rc)
		ann_buf_release(out);
	return rc;
}

/* Adds item to obj under key; a NULL item (failed allocation) sets *nomem. */
static cJSON *
put(cJSON *obj, const char *key, cJSON *item, int *nomem)
{
	if (item == NULL || obj == NULL || !cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		*nomem = 1;
		return NULL;
	}
	return item;
}

static void
append(cJSON *array, cJSON *item, int *nomem)
{
	if (item == NULL || array == NULL || !cJSON_AddItemToArray(array, item)) {
		cJSON_Delete(item);
		*nomem = 1;
	}
}

/* Replaces (or adds) obj[key] with item. */
static void
replace(cJSON *obj, const char *key, cJSON *item, int *nomem)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	put(obj, key, item, nomem);
}

/*
 * Prints v as JSON indented by two spaces. cJSON's formatted output uses
 * tabs, and a tab can only be formatting there because strings escape
 * theirs, so each tab becomes two spaces of indent or the space after ':'.
 */
static char *
print_pretty(const cJSON *v)
{
	char *text = cJSON_Print(v);
	struct ann_buf b = ANN_BUF_INIT;
	int at_line_start = 1;
	int rc = ANN_OK;
	char *s;

	if (text == NULL)
		return NULL;
	for (s = text; rc == ANN_OK && *s; s++) {
		if (*s == '\t')
			rc = ann_buf_adds(&b, at_line_start ? "  " : " ");
		else
			rc = ann_buf_addc(&b, *s);
		if (*s == '\n')
			at_line_start = 1;
		else if (*s != '\t')
			at_line_start = 0;
	}
	cJSON_free(text);
	if (rc) {
		ann_buf_release(&b);
		return NULL;
	}
	return ann_buf_detach(&b, NULL);
}

/* Follows a local "$ref" ("#/$defs/x") within root, decoding ~0 and ~1. */
static const cJSON *
resolve_pointer(const cJSON *root, const char *ptr)
{
	const cJSON *v = root;
	char seg[256];

	if (*ptr == '\0')
		return root;
	while (v != NULL && *ptr == '/') {
		size_t n = 0;

		ptr++;
		while (*ptr && *ptr != '/' && n + 1 < sizeof seg) {
			if (ptr[0] == '~' && (ptr[1] == '0' || ptr[1] == '1')) {
				seg[n++] = ptr[1] == '0' ? '~' : '/';
				ptr += 2;
			} else {
				seg[n++] = *ptr++;
			}
		}
		seg[n] = '\0';
		if (cJSON_IsArray(v))
			v = cJSON_GetArrayItem(v, atoi(seg));
		else
			v = cJSON_GetObjectItemCaseSensitive(v, seg);
	}
	return *ptr == '\0' ? v : NULL;
}

static const cJSON *
deref(const cJSON *root, const cJSON *s)
{
	int hops;

	for (hops = 0; s != NULL && hops < SCHEMA_MAX_DEPTH; hops++) {
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(s, "$ref");

		if (!cJSON_IsString(ref) || ref->valuestring[0] != '#')
			return s;
		s = resolve_pointer(root, ref->valuestring + 1);
	}
	return s;
}

static int
is_required(const cJSON *schema, const char *name)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(schema, "required"))
		if (cJSON_IsString(r) && strcmp(r->valuestring, name) == 0)
			return 1;
	return 0;
}

/* Appends the schema "type" as text: "string", or "string or null" ("string または null"). */
static int
add_type_text(struct ann_buf *b, const cJSON *s, enum ann_prompt_lang lang)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(s, "type");
	const cJSON *t;
	int first = 1;
	int rc = ANN_OK;

	if (cJSON_IsString(type))
		return ann_buf_adds(b, type->valuestring);
	cJSON_ArrayForEach(t, type) {
		if (!cJSON_IsString(t))
			continue;
		if (!first)
			rc = ann_buf_adds(b, lang == ANN_PROMPT_JA ? " または " : " or ");
		if (rc == ANN_OK)
			rc = ann_buf_adds(b, t->valuestring);
		first = 0;
	}
	return rc;
}

/*
 * Appends one line of the field list:
 *   en: "- name (type, required, one of: "A", "B"): description"
 *   ja: "- name（type、必須、"A"・"B" のいずれか）：description"
 */
static int
add_field_line(struct ann_buf *list, const char *name, const cJSON *s, int required,
    enum ann_prompt_lang lang)
{
	const int ja = lang == ANN_PROMPT_JA;
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(s, "description");
	const cJSON *choices = cJSON_GetObjectItemCaseSensitive(s, "enum");
	const char *sep = ja ? "、" : ", ";
	struct ann_buf attrs = ANN_BUF_INIT;
	const cJSON *c;
	int rc;

	rc = add_type_text(&attrs, s, lang);
	if (rc == ANN_OK && required)
		rc = ann_buf_addf(&attrs, "%s%s", attrs.len ? sep : "", ja ? "必須" : "required");
	if (rc == ANN_OK && cJSON_IsArray(choices) && choices->child) {
		rc = ann_buf_adds(&attrs, attrs.len ? sep : "");
		if (rc == ANN_OK && !ja)
			rc = ann_buf_adds(&attrs, "one of: ");
		cJSON_ArrayForEach(c, choices) {
			char *json = cJSON_PrintUnformatted(c);

			if (json == NULL) {
				rc = ANN_ERR_NOMEM;
				break;
			}
			if (c != choices->child)
				rc = ann_buf_adds(&attrs, ja ? "・" : ", ");
			if (rc == ANN_OK)
				rc = ann_buf_adds(&attrs, json);
			cJSON_free(json);
		}
		if (rc == ANN_OK && ja)
			rc = ann_buf_adds(&attrs, " のいずれか");
	}

	if (rc == ANN_OK && list->len)
		rc = ann_buf_addc(list, '\n');
	if (rc == ANN_OK)
		rc = ann_buf_addf(list, "- %s", name);
	if (rc == ANN_OK && attrs.len)
		rc = ann_buf_addf(list, ja ? "（%s）" : " (%s)", attrs.data);
	if (rc == ANN_OK && cJSON_IsString(desc) && desc->valuestring[0])
		rc = ann_buf_addf(list, "%s%s", ja ? "：" : ": ", desc->valuestring);
	ann_buf_release(&attrs);
	return rc;
}

/*
 * Lists the properties of schema s (and of nested objects and arrays of
 * objects, as "a.b" and "a[].b") into fields and the text list.
 */
static int
walk_fields(const cJSON *root, const cJSON *schema, const char *prefix, int depth,
    enum ann_prompt_lang lang, cJSON *fields, struct ann_buf *list)
{
	const cJSON *s = deref(root, schema);
	const cJSON *prop;
	int nomem = 0;
	int rc = ANN_OK;

	if (depth > SCHEMA_MAX_DEPTH)
		return ANN_OK;
	cJSON_ArrayForEach(prop, cJSON_GetObjectItemCaseSensitive(s, "properties")) {
		const cJSON *ps = deref(root, prop);
		const cJSON *items = deref(root, cJSON_GetObjectItemCaseSensitive(ps, "items"));
		const cJSON *desc = cJSON_GetObjectItemCaseSensitive(ps, "description");
		struct ann_buf name = ANN_BUF_INIT;
		struct ann_buf type = ANN_BUF_INIT;
		int required = is_required(s, prop->string);
		cJSON *entry = cJSON_CreateObject();

		rc = ann_buf_addf(&name, "%s%s", prefix, prop->string);
		if (rc == ANN_OK)
			rc = add_type_text(&type, ps, ANN_PROMPT_EN);
		put(entry, "name", cJSON_CreateString(name.data), &nomem);
		put(entry, "type", cJSON_CreateString(type.data), &nomem);
		put(entry, "required", cJSON_CreateBool(required), &nomem);
		put(entry, "description", cJSON_CreateString(cJSON_IsString(desc) ?
		    desc->valuestring : ""), &nomem);
		append(fields, entry, &nomem);
		if (rc == ANN_OK && nomem)
			rc = ANN_ERR_NOMEM;
		if (rc == ANN_OK)
			rc = add_field_line(list, name.data, ps, required, lang);

		if (rc == ANN_OK && cJSON_GetObjectItemCaseSensitive(ps, "properties")) {
			rc = ann_buf_addc(&name, '.');
			if (rc == ANN_OK)
				rc = walk_fields(root, ps, name.data, depth + 1, lang, fields, list);
			ann_buf_truncate(&name, name.len - 1);
		}
		if (rc == ANN_OK && cJSON_GetObjectItemCaseSensitive(items, "properties")) {
			rc = ann_buf_adds(&name, "[].");
			if (rc == ANN_OK)
				rc = walk_fields(root, items, name.data, depth + 1, lang, fields, list);
		}
		ann_buf_release(&name);
		ann_buf_release(&type);
		if (rc)
			return rc;
	}
	return rc;
}

static int
load_schema(struct ann_prompt *p, struct ann_error *e)
{
	const char *path = p->o.schema_path;
	struct ann_buf text;
	const cJSON *type;
	int rc;

	rc = read_file("schema", path, SCHEMA_FILE_MAX, &text, e);
	if (rc)
		return rc;
	rc = ann_json_check_file(text.data, text.len, 1, "schema", path, e);
	if (rc) {
		ann_buf_release(&text);
		return ANN_ERR_SYNTAX;
	}
	/* The schema is only copied and shown, never read for its numbers, so
	 * they stay as written (9007199254740993, 0.10) wherever it is printed. */
	p->schema = cJSON_ParseWithLength(text.data, text.len);
	if (p->schema != NULL && ann_jspan_keep_as_written(p->schema, text.data, text.len) != ANN_OK) {
		cJSON_Delete(p->schema);
		p->schema = NULL;
	}
	ann_buf_release(&text);
	if (p->schema == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "schema \"%s\": out of memory", path);
	if (!cJSON_IsObject(p->schema))
		return ann_error_set(e, ANN_ERR_INVALID,
		    "schema \"%s\": expected a JSON object (a JSON Schema)", path);

	/* A tool's input, and a structured answer, must be an object. */
	type = cJSON_GetObjectItemCaseSensitive(p->schema, "type");
	if (p->o.answer != ANN_PROMPT_ANSWER_JSON &&
	    !(cJSON_IsString(type) && strcmp(type->valuestring, "object") == 0))
		return ann_error_set(e, ANN_ERR_INVALID,
		    "schema \"%s\": the top-level \"type\" must be \"object\" with --answer "
		    "%s, because the answer must be a JSON object; use --answer json for "
		    "other schemas", path,
		    p->o.answer == ANN_PROMPT_ANSWER_TOOL ? "tool" : "structured");
	return ANN_OK;
}

/* Fills the values templates see under "ann" that do not change per record. */
static int
init_ann_values(struct ann_prompt *p, struct ann_error *e)
{
	struct ann_buf list = ANN_BUF_INIT;
	cJSON *fields;
	char *pretty = print_pretty(p->schema);
	char *compact = cJSON_PrintUnformatted(p->schema);
	static const char *const modes[] = { "tool", "json", "structured" };
	enum ann_prompt_answer answer = p->o.answer;
	int nomem = 0;
	int rc = ANN_OK;

	p->ann = cJSON_CreateObject();
	p->ann_context = cJSON_CreateObject();
	put(p->ann_context, "ann", p->ann, &nomem);
	if (nomem) {
		p->ann = NULL;
		rc = ANN_ERR_NOMEM;
		goto out;
	}
	put(p->ann, "schema", cJSON_CreateString(pretty ? pretty : ""), &nomem);
	put(p->ann, "schema_compact", cJSON_CreateString(compact ? compact : ""), &nomem);
	fields = put(p->ann, "fields", cJSON_CreateArray(), &nomem);
	if (fields != NULL)
		rc = walk_fields(p->schema, p->schema, "", 0, p->o.lang, fields, &list);
	put(p->ann, "field_list", cJSON_CreateString(list.data), &nomem);
	put(p->ann, "answer_mode", cJSON_CreateString(modes[answer]), &nomem);
	put(p->ann, "tool_mode", cJSON_CreateBool(answer == ANN_PROMPT_ANSWER_TOOL), &nomem);
	put(p->ann, "json_mode", cJSON_CreateBool(answer == ANN_PROMPT_ANSWER_JSON), &nomem);
	put(p->ann, "structured_mode", cJSON_CreateBool(answer == ANN_PROMPT_ANSWER_STRUCTURED),
	    &nomem);
	put(p->ann, "tool_name", cJSON_CreateString(p->o.tool_name), &nomem);
	put(p->ann, "lang", cJSON_CreateString(p->o.lang == ANN_PROMPT_JA ? "ja" : "en"), &nomem);
	if (pretty == NULL || compact == NULL || nomem)
		rc = ANN_ERR_NOMEM;
out:
	free(pretty);
	cJSON_free(compact);
	ann_buf_release(&list);
	if (rc)
		return ann_error_set(e, rc, "prepare template values: out of memory");
	return ANN_OK;
}

enum part_kind { PART_SYSTEM, PART_USER, PART_PARTIAL };

struct part {
	enum part_kind kind;
	const char *name;  /* partials: points into the template text */
	size_t name_len;
	size_t start;
	size_t end;
	size_t first_line;
};

/* Recognises a part marker line; returns 1 and fills *pt, 0 for other text, -1 when malformed. */
static int
parse_marker(const char *s, size_t len, struct part *pt)
{
	size_t i;

	if (len < 4 || memcmp(s, "--- ", 4) != 0)
		return 0;
	s += 4;
	len -= 4;
	if (len == 6 && memcmp(s, "system", 6) == 0) {
		pt->kind = PART_SYSTEM;
		return 1;
	}
	if (len == 4 && memcmp(s, "user", 4) == 0) {
		pt->kind = PART_USER;
		return 1;
	}
	if (len > 8 && memcmp(s, "partial ", 8) == 0) {
		pt->kind = PART_PARTIAL;
		pt->name = s + 8;
		pt->name_len = len - 8;
		for (i = 0; i < pt->name_len; i++) {
			char c = pt->name[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
				return -1;
		}
		return 1;
	}
	return -1;
}

static int
compile_part(struct ann_prompt *p, const char *text, const struct part *pt,
    struct ann_error *e)
{
	const char *src = text + pt->start;
	size_t len = pt->end - pt->start;
	char name[128];

	switch (pt->kind) {
	case PART_SYSTEM:
		if (p->system)
			return ann_error_set(e, ANN_ERR_SYNTAX, "%s:%zu: second \"--- system\" part",
			    p->origin, pt->first_line - 1);
		return ann_mustache_compile(&p->system, src, len, p->origin, pt->first_line, e);
	case PART_USER:
		if (p->user)
			return ann_error_set(e, ANN_ERR_SYNTAX, "%s:%zu: second \"--- user\" part",
			    p->origin, pt->first_line - 1);
		return ann_mustache_compile(&p->user, src, len, p->origin, pt->first_line, e);
	case PART_PARTIAL:
		if (pt->name_len >= sizeof name)
			return ann_error_set(e, ANN_ERR_SYNTAX, "%s:%zu: partial name too long",
			    p->origin, pt->first_line - 1);
		memcpy(name, pt->name, pt->name_len);
		name[pt->name_len] = '\0';
		return ann_mustache_env_add_partial(p->env, name, src, len, p->origin,
		    pt->first_line, e);
	}
	return ANN_OK;
}

/*
 * Splits the template text into parts at marker lines and compiles each,
 * keeping the file's line numbers for error messages.
 */
static int
compile_template(struct ann_prompt *p, const char *text, size_t len, struct ann_error *e)
{
	struct part cur = { PART_USER, NULL, 0, 0, 0, 1 };
	int have_part = 0;
	size_t stray_line = 0;
	size_t pos = 0;
	size_t line = 1;
	int rc;

	while (pos < len) {
		const char *eol = memchr(text + pos, '\n', len - pos);
		size_t next = eol ? (size_t)(eol - text) + 1 : len;
		size_t end = eol ? (size_t)(eol - text) : len;
		struct part marker = { PART_USER, NULL, 0, next, next, line + 1 };
		int kind;

		while (end > pos && (text[end - 1] == '\r' || text[end - 1] == ' ' ||
		    text[end - 1] == '\t'))
			end--;
		kind = parse_marker(text + pos, end - pos, &marker);
		if (kind < 0)
			return ann_error_set(e, ANN_ERR_SYNTAX,
			    "%s:%zu: invalid part marker \"%.*s\"; expected \"--- system\", "
			    "\"--- user\" or \"--- partial NAME\"", p->origin, line,
			    (int)(end - pos > 60 ? 60 : end - pos), text + pos);
		if (kind > 0) {
			if (have_part) {
				cur.end = pos;
				rc = compile_part(p, text, &cur, e);
				if (rc)
					return rc;
			} else if (stray_line) {
				return ann_error_set(e, ANN_ERR_SYNTAX,
				    "%s:%zu: text before the first part marker; start the "
				    "template with \"--- system\" or \"--- user\"", p->origin,
				    stray_line);
			}
			cur = marker;
			have_part = 1;
		} else if (!have_part && stray_line == 0) {
			size_t i;

			for (i = pos; i < end && (text[i] == ' ' || text[i] == '\t'); i++)
				;
			if (i < end)
				stray_line = line;
		}
		pos = next;
		line++;
	}

	/* A file without markers is the user part alone. */
	cur.end = len;
	rc = compile_part(p, text, &cur, e);
	if (rc)
		return rc;
	if (p->user == NULL)
		return ann_error_set(e, ANN_ERR_SYNTAX, "%s: no \"--- user\" part", p->origin);
	return ANN_OK;
}

static int
load_template(struct ann_prompt *p, struct ann_error *e)
{
	struct ann_buf text;
	int rc;

	p->env = ann_mustache_env_new();
	if (p->env == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "load template: out of memory");
	if (p->o.template_path == NULL) {
		const char *builtin = ann_prompt_builtin_template(p->o.lang);

		p->builtin = 1;
		p->origin = p->o.lang == ANN_PROMPT_JA ? "built-in template (ja)" :
		    "built-in template (en)";
		return compile_template(p, builtin, strlen(builtin), e);
	}
	p->origin = p->o.template_path;
	rc = read_file("template", p->o.template_path, TEMPLATE_FILE_MAX, &text, e);
	if (rc)
		return rc;
	rc = compile_template(p, text.data, text.len, e);
	ann_buf_release(&text);
	return rc;
}

/* Trims spaces, tabs and line breaks at both ends of b. */
static void
trim(struct ann_buf *b)
{
	size_t start = 0;

	while (b->len > 0 && strchr(" \t\r\n", b->data[b->len - 1]) != NULL)
		ann_buf_truncate(b, b->len - 1);
	while (start < b->len && strchr(" \t\r\n", b->data[start]) != NULL)
		start++;
	if (start > 0) {
		memmove(b->data, b->data + start, b->len - start + 1);
		b->len -= start;
	}
}

static int
render_part(struct ann_prompt *p, const struct ann_mustache *t, const cJSON *record,
    struct ann_buf *out, struct ann_error *e)
{
	const cJSON *stack[2];
	unsigned flags = p->o.html_escape ? ANN_MUSTACHE_HTML_ESCAPE : 0;
	int rc;

	stack[0] = record;
	stack[1] = p->ann_context;
	ann_buf_reset(out);
	rc = ann_mustache_render(t, p->env, stack, 2, flags, out, e);
	if (rc == ANN_OK)
		trim(out);
	return rc;
}

/* Sets the per-record values under "ann": the attachments and their list. */
static int
set_record_values(struct ann_prompt *p, cJSON *attachments, const char *list)
{
	int nomem = 0;

	replace(p->ann, "has_attachments",
	    cJSON_CreateBool(attachments != NULL && cJSON_GetArraySize(attachments) > 0),
	    &nomem);
	replace(p->ann, "attachment_list", cJSON_CreateString(list), &nomem);
	replace(p->ann, "attachments", attachments ? attachments : cJSON_CreateArray(), &nomem);
	return nomem ? ANN_ERR_NOMEM : ANN_OK;
}

static cJSON *
text_message(const char *role, const char *text)
{
	cJSON *msg = cJSON_CreateObject();
	cJSON *content = cJSON_CreateArray();
	cJSON *part = cJSON_CreateObject();
	int nomem = 0;

	put(part, "type", cJSON_CreateString("text"), &nomem);
	put(part, "text", cJSON_CreateString(text), &nomem);
	append(content, part, &nomem);
	put(msg, "role", cJSON_CreateString(role), &nomem);
	put(msg, "content", content, &nomem);
	if (nomem) {
		cJSON_Delete(msg);
		return NULL;
	}
	return msg;
}

/* Turns one example ({"input": record, "output": answer}) into two turns or an ann.examples entry. */
/*
 * Returns the "output" member of the example line line[0..len) as a raw
 * cJSON item, compacted but with its numbers as written (1100.0 stays
 * 1100.0), or NULL when out of memory.
 */
static cJSON *
raw_output(const char *line, size_t len)
{
	struct ann_jspan whole = { 0, len }, span;
	struct ann_buf compact = ANN_BUF_INIT;
	cJSON *item = NULL;

	if (ann_jspan_member(line, len, whole, "output", &span) == ANN_OK &&
	    ann_jspan_compact(&compact, line + span.start, span.end - span.start) == ANN_OK)
		item = cJSON_CreateRaw(compact.data);
	ann_buf_release(&compact);
	return item;
}

static int
add_example(struct ann_prompt *p, cJSON *example, const char *line, size_t len,
    size_t number, struct ann_buf *text, struct ann_error *e)
{
	cJSON *input = cJSON_GetObjectItemCaseSensitive(example, "input");
	cJSON *answer;
	cJSON *part;
	int nomem = 0;
	int rc;

	if (p->o.examples_in_prompt) {
		answer = raw_output(line, len);
		put(example, "number", cJSON_CreateNumber((double)number), &nomem);
		put(example, "output_json", cJSON_CreateString(answer ? answer->valuestring : ""),
		    &nomem);
		nomem = nomem || answer == NULL;
		cJSON_Delete(answer);
		append(cJSON_GetObjectItemCaseSensitive(p->ann, "examples"),
		    cJSON_Duplicate(example, 1), &nomem);
		return nomem ? ANN_ERR_NOMEM : ANN_OK;
	}

	rc = render_part(p, p->user, input, text, e);
	if (rc)
		return rc;
	append(p->example_turns, text_message("user", text->data), &nomem);
	answer = cJSON_CreateObject();
	part = cJSON_CreateObject();
	put(part, "type", cJSON_CreateString("json"), &nomem);
	put(part, "json", raw_output(line, len), &nomem);
	put(answer, "role", cJSON_CreateString("assistant"), &nomem);
	append(put(answer, "content", cJSON_CreateArray(), &nomem), part, &nomem);
	append(p->example_turns, answer, &nomem);
	return nomem ? ANN_ERR_NOMEM : ANN_OK;
}

/*
 * Reads the examples file: JSONL lines {"input": {...}, "output": ...}.
 * Each becomes a user turn (the user template over the input) and an
 * assistant turn with the output, or, with examples_in_prompt, an entry of
 * ann.examples for the template to place.
 */
static int
load_examples(struct ann_prompt *p, struct ann_error *e)
{
	const char *path = p->o.examples_path;
	struct ann_buf text;
	struct ann_buf rendered = ANN_BUF_INIT;
	size_t pos = 0, line = 0, number = 0;
	int nomem = 0;
	int rc;

	p->example_turns = cJSON_CreateArray();
	put(p->ann, "examples", cJSON_CreateArray(), &nomem);
	if (p->example_turns == NULL || nomem)
		return ann_error_set(e, ANN_ERR_NOMEM, "load examples: out of memory");
	if (path == NULL)
		return ANN_OK;
	rc = read_file("examples file", path, EXAMPLES_FILE_MAX, &text, e);
	if (rc)
		return rc;
	rc = set_record_values(p, NULL, "");

	while (rc == ANN_OK && pos < text.len) {
		struct ann_error why = ANN_ERROR_INIT;
		const char *s = text.data + pos;
		const char *eol = memchr(s, '\n', text.len - pos);
		size_t len = eol ? (size_t)(eol - s) : text.len - pos;
		cJSON *example;

		pos += len + (eol != NULL);
		line++;
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (strspn(s, " \t") >= len)
			continue;
		if (ann_json_check_file(s, len, line, "examples file", path, e) != ANN_OK) {
			rc = ANN_ERR_SYNTAX;
			break;
		}
		example = cJSON_ParseWithLength(s, len);
		if (example == NULL) {
			rc = ann_error_set(e, ANN_ERR_NOMEM, "load examples: out of memory");
			break;
		}
		if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(example, "input")) ||
		    cJSON_GetObjectItemCaseSensitive(example, "output") == NULL) {
			cJSON_Delete(example);
			rc = ann_error_set(e, ANN_ERR_INVALID,
			    "examples file \"%s\": line %zu: expected an object with an "
			    "\"input\" record and an \"output\" answer", path, line);
			break;
		}
		rc = add_example(p, example, s, len, ++number, &rendered, &why);
		cJSON_Delete(example);
		if (rc)
			rc = ann_error_set(e, rc, "examples file \"%s\": line %zu: %s", path, line,
			    why.msg);
	}
	ann_buf_release(&text);
	ann_buf_release(&rendered);
	return rc;
}

int
ann_prompt_new(struct ann_prompt **out, const struct ann_prompt_opts *o,
    struct ann_error *e)
{
	struct ann_prompt *p;
	const char *root;
	struct stat st;
	int rc;

	*out = NULL;
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	p->o = *o;
	if (p->o.tool_name == NULL)
		p->o.tool_name = ANN_PROMPT_DEFAULT_TOOL;
	if (p->o.n_attach_members == 0) {
		size_t i;

		for (i = 0; i < sizeof default_attach_members / sizeof default_attach_members[0]; i++)
			p->o.attach_members[i] = default_attach_members[i];
		p->o.n_attach_members = i;
	}

	if (p->o.format == ANN_PROMPT_FORMAT_BEDROCK_BATCH && p->o.attach_refs) {
		rc = ann_error_set(e, ANN_ERR_INVALID, "--attach-refs cannot be used with --format "
		    "bedrock-batch, because a batch input file must carry its attachments");
		goto fail;
	}
	if (p->o.shard.count > 0 && (p->o.shard.index < 1 || p->o.shard.index > p->o.shard.count)) {
		rc = ann_error_set(e, ANN_ERR_INVALID, "shard %llu is not between 1 and %llu",
		    (unsigned long long)p->o.shard.index, (unsigned long long)p->o.shard.count);
		goto fail;
	}

	root = p->o.root ? p->o.root : ".";
	p->root_real = realpath(root, NULL);
	if (p->root_real == NULL || stat(p->root_real, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rc = ann_error_set(e, ANN_ERR_NOT_FOUND, "root directory \"%s\": %s", root,
		    p->root_real ? "not a directory" : strerror(errno));
		goto fail;
	}

	rc = load_schema(p, e);
	if (rc == ANN_OK)
		rc = init_ann_values(p, e);
	if (rc == ANN_OK)
		rc = load_template(p, e);
	if (rc == ANN_OK)
		rc = load_examples(p, e);
	if (rc)
		goto fail;
	*out = p;
	return ANN_OK;
fail:
	ann_prompt_free(p);
	return rc;
}

void
ann_prompt_free(struct ann_prompt *p)
{
	if (p == NULL)
		return;
	free(p->root_real);
	ann_mustache_free(p->system);
	ann_mustache_free(p->user);
	ann_mustache_env_free(p->env);
	cJSON_Delete(p->schema);
	cJSON_Delete(p->ann_context);
	cJSON_Delete(p->example_turns);
	free(p);
}

/* Per-record attachment state while the request is assembled. */
struct attach_state {
	cJSON *parts;       /* request content parts */
	cJSON *info;        /* ann.attachments */
	cJSON *doc_names;   /* names given so far, to keep them distinct */
	struct ann_buf list;
	size_t images;
	size_t documents;
	size_t base64_total;
};

/* Makes a document name unique within the message by adding " (2)", " (3)", ... */
static int
unique_document_name(struct attach_state *st, const char *file, struct ann_buf *name)
{
	size_t base_len;
	unsigned k;
	int rc;

	rc = ann_attach_document_name(name, file, st->documents);
	base_len = name->len;
	for (k = 2; rc == ANN_OK; k++) {
		const cJSON *n;
		int taken = 0;

		cJSON_ArrayForEach(n, st->doc_names)
			taken |= strcmp(n->valuestring, name->data) == 0;
		if (!taken)
			break;
		ann_buf_truncate(name, base_len > ANN_ATTACH_NAME_MAX - 8 ?
		    ANN_ATTACH_NAME_MAX - 8 : base_len);
		rc = ann_buf_addf(name, " (%u)", k);
	}
	return rc;
}

static int
add_attachment(struct ann_prompt *p, struct attach_state *st, const char *file,
    struct ann_error *e)
{
	struct ann_attachment a;
	struct ann_buf name = ANN_BUF_INIT;
	struct ann_buf data = ANN_BUF_INIT;
	cJSON *part = NULL;
	cJSON *info = NULL;
	int image;
	int nomem = 0;
	int rc;

	rc = ann_attach_load(&a, p->root_real, file, e);
	if (rc)
		return rc;
	image = a.kind == ANN_ATTACH_IMAGE;
	if (image && ++st->images > ANN_ATTACH_IMAGES_PER_MESSAGE) {
		rc = ann_error_set(e, ANN_ERR_TOO_LARGE,
		    "attachment \"%s\": more than %d images in one record; Bedrock accepts "
		    "at most %d per message", file, ANN_ATTACH_IMAGES_PER_MESSAGE,
		    ANN_ATTACH_IMAGES_PER_MESSAGE);
		goto out;
	}
	if (!image && ++st->documents > ANN_ATTACH_DOCUMENTS_PER_MESSAGE) {
		rc = ann_error_set(e, ANN_ERR_TOO_LARGE,
		    "attachment \"%s\": more than %d documents in one record; Bedrock accepts "
		    "at most %d per message", file, ANN_ATTACH_DOCUMENTS_PER_MESSAGE,
		    ANN_ATTACH_DOCUMENTS_PER_MESSAGE);
		goto out;
	}
	st->base64_total += ann_base64_len(a.size);
	if (st->base64_total > ATTACHED_BASE64_MAX) {
		rc = ann_error_set(e, ANN_ERR_TOO_LARGE,
		    "attachment \"%s\": the record's attachments come to %zu bytes of base64 "
		    "text, over the %zu bytes a Claude request body can carry", file,
		    st->base64_total, ATTACHED_BASE64_MAX);
		goto out;
	}

	part = cJSON_CreateObject();
	info = cJSON_CreateObject();
	put(part, "type", cJSON_CreateString(image ? "image" : "document"), &nomem);
	put(part, "media_type", cJSON_CreateString(a.media_type), &nomem);
	put(part, "format", cJSON_CreateString(a.format), &nomem);
	put(part, "file", cJSON_CreateString(file), &nomem);
	if (image) {
		put(part, "width", cJSON_CreateNumber(a.width), &nomem);
		put(part, "height", cJSON_CreateNumber(a.height), &nomem);
	} else {
		rc = unique_document_name(st, file, &name);
		if (rc)
			goto out;
		append(st->doc_names, cJSON_CreateString(name.data), &nomem);
		put(part, "name", cJSON_CreateString(name.data), &nomem);
		put(part, "read", cJSON_CreateString(p->o.pdf_read == ANN_PROMPT_PDF_TEXT ?
		    "text" : "visual"), &nomem);
	}
	if (p->o.attach_refs) {
		put(part, "path", cJSON_CreateString(a.path), &nomem);
	} else {
		rc = ann_base64_add(&data, a.data, a.size);
		if (rc)
			goto out;
		put(part, "data", cJSON_CreateString(data.data), &nomem);
	}

	put(info, "file", cJSON_CreateString(file), &nomem);
	put(info, "type", cJSON_CreateString(image ? "image" : "document"), &nomem);
	put(info, "media_type", cJSON_CreateString(a.media_type), &nomem);
	if (!image)
		put(info, "name", cJSON_CreateString(name.data), &nomem);
	rc = ann_buf_addf(&st->list, "%s%s", st->list.len ? ", " : "", file);
	if (nomem)
		rc = ANN_ERR_NOMEM;
	if (rc == ANN_OK) {
		append(st->parts, part, &nomem);
		append(st->info, info, &nomem);
		part = info = NULL;
		rc = nomem ? ANN_ERR_NOMEM : ANN_OK;
	}
out:
	if (rc == ANN_ERR_NOMEM)
		ann_error_set(e, rc, "attachment \"%s\": out of memory", file);
	cJSON_Delete(part);
	cJSON_Delete(info);
	ann_buf_release(&name);
	ann_buf_release(&data);
	ann_attachment_release(&a);
	return rc;
}

/* Loads the files named by the attachment members of record r (parsed as record). */
static int
collect_attachments(struct ann_prompt *p, const struct ann_record *r, const cJSON *record,
    struct attach_state *st, struct ann_error *e)
{
	char problem[ANN_RECORD_PROBLEM_MAX];
	size_t i;
	int rc = ANN_OK;

	for (i = 0; rc == ANN_OK && i < p->o.n_attach_members; i++) {
		const char *member = p->o.attach_members[i];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(record, member);
		const cJSON *item;

		if (v == NULL || cJSON_IsNull(v))
			continue;
		if (cJSON_IsString(v)) {
			rc = add_attachment(p, st, v->valuestring, e);
			continue;
		}
		if (!cJSON_IsArray(v))
			return ann_error_set(e, ANN_ERR_INVALID, "%s", ann_record_type_problem(r, member,
			    "a file path or an array of file paths", problem, sizeof problem));
		cJSON_ArrayForEach(item, v) {
			if (!cJSON_IsString(item))
				return ann_error_set(e, ANN_ERR_INVALID, "%s", ann_record_type_problem(r,
				    member, "a file path or an array of file paths", problem,
				    sizeof problem));
			rc = add_attachment(p, st, item->valuestring, e);
			if (rc)
				break;
		}
	}
	return rc;
}

/*
 * Returns 1 when the string member name holds U+0000, which cJSON would
 * silently cut the text at.
 */
static int
has_nul(const struct ann_record *r, const char *name)
{
	const struct ann_json_member *m = ann_record_get(r, name);
	struct ann_buf decoded = ANN_BUF_INIT;
	int found;

	if (m == NULL || m->type != ANN_JSON_STRING)
		return 0;
	if (ann_json_string_decode(r->line + m->value_start, m->value_end - m->value_start,
	    &decoded) != ANN_OK) {
		ann_buf_release(&decoded);
		return 0;
	}
	found = memchr(decoded.data, '\0', decoded.len) != NULL;
	ann_buf_release(&decoded);
	return found;
}

/* Checks what the record must provide before anything is rendered. */
static int
check_record(const struct ann_prompt *p, const struct ann_record *r, const cJSON *record,
    size_t n_attachments, struct ann_error *e)
{
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(record, "text");
	char problem[ANN_RECORD_PROBLEM_MAX];

	if (text != NULL && !cJSON_IsString(text) && !cJSON_IsNull(text))
		return ann_error_set(e, ANN_ERR_INVALID, "%s",
		    ann_record_type_problem(r, "text", "a string", problem, sizeof problem));
	if (has_nul(r, "text"))
		return ann_error_set(e, ANN_ERR_INVALID,
		    "member \"text\" contains U+0000 (\\u0000), which a prompt cannot carry; "
		    "remove it from the text");
	if (p->builtin && n_attachments == 0 &&
	    !(cJSON_IsString(text) && text->valuestring[0] != '\0'))
		return ann_error_set(e, ANN_ERR_INVALID,
		    "record has no \"text\" and no attachment, so there is nothing to "
		    "extract fields from");
	return ANN_OK;
}

static cJSON *
build_answer(const struct ann_prompt *p, int *nomem)
{
	cJSON *answer = cJSON_CreateObject();
	int ja = p->o.lang == ANN_PROMPT_JA;

	if (p->o.answer == ANN_PROMPT_ANSWER_JSON) {
		put(answer, "mode", cJSON_CreateString("json"), nomem);
		return answer;
	}
	if (p->o.answer == ANN_PROMPT_ANSWER_STRUCTURED) {
		put(answer, "mode", cJSON_CreateString("structured"), nomem);
		return answer;
	}
	put(answer, "mode", cJSON_CreateString("tool"), nomem);
	put(answer, "tool_name", cJSON_CreateString(p->o.tool_name), nomem);
	put(answer, "tool_description", cJSON_CreateString(ja ?
	    "文書から抽出した項目を、入力スキーマに従って記録します。" :
	    "Records the fields extracted from the document, following the input schema."),
	    nomem);
	return answer;
}

/* Assembles the request member from the rendered parts and the attachments. */
static cJSON *
build_request(const struct ann_prompt *p, const char *system, const char *user,
    cJSON *parts)
{
	cJSON *req = cJSON_CreateObject();
	cJSON *messages;
	cJSON *msg;
	cJSON *text = cJSON_CreateObject();
	size_t i;
	int nomem = 0;

	if (system[0] != '\0')
		put(req, "system", cJSON_CreateString(system), &nomem);
	messages = put(req, "messages", cJSON_Duplicate(p->example_turns, 1), &nomem);

	/* Images and documents come before the question, which Claude reads best. */
	put(text, "type", cJSON_CreateString("text"), &nomem);
	put(text, "text", cJSON_CreateString(user), &nomem);
	append(parts, text, &nomem);
	msg = cJSON_CreateObject();
	put(msg, "role", cJSON_CreateString("user"), &nomem);
	put(msg, "content", parts, &nomem);
	append(messages, msg, &nomem);

	put(req, "schema", cJSON_Duplicate(p->schema, 1), &nomem);
	put(req, "answer", build_answer(p, &nomem), &nomem);
	put(req, "max_tokens", cJSON_CreateNumber((double)p->o.max_tokens), &nomem);
	if (p->o.has_temperature)
		put(req, "temperature", cJSON_CreateNumber(p->o.temperature), &nomem);
	if (p->o.cache_prefix)
		put(req, "cache_prefix", cJSON_CreateTrue(), &nomem);
	if (p->o.n_stop > 0) {
		cJSON *stop = put(req, "stop_sequences", cJSON_CreateArray(), &nomem);

		for (i = 0; i < p->o.n_stop; i++)
			append(stop, cJSON_CreateString(p->o.stop[i]), &nomem);
	}
	if (nomem) {
		cJSON_Delete(req);
		return NULL;
	}
	return req;
}

int
ann_prompt_build(struct ann_prompt *p, const struct ann_record *r, cJSON **request,
    struct ann_error *e)
{
	struct attach_state st;
	struct ann_buf system = ANN_BUF_INIT;
	struct ann_buf user = ANN_BUF_INIT;
	cJSON *record;
	int rc;

	*request = NULL;
	memset(&st, 0, sizeof st);
	ann_buf_init(&st.list, 0);
	record = cJSON_ParseWithLength(r->line, r->len);
	st.parts = cJSON_CreateArray();
	st.info = cJSON_CreateArray();
	st.doc_names = cJSON_CreateArray();
	if (record == NULL || st.parts == NULL || st.info == NULL || st.doc_names == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "build request: out of memory");
		goto out;
	}

	rc = collect_attachments(p, r, record, &st, e);
	if (rc == ANN_OK)
		rc = check_record(p, r, record, st.images + st.documents, e);
	if (rc)
		goto out;

	rc = set_record_values(p, st.info, st.list.data);
	st.info = NULL;
	if (rc == ANN_OK && p->system)
		rc = render_part(p, p->system, record, &system, e);
	if (rc == ANN_OK)
		rc = render_part(p, p->user, record, &user, e);
	if (rc)
		goto out;
	if (user.len == 0) {
		rc = ann_error_set(e, ANN_ERR_INVALID,
		    "the user part of %s rendered to empty text for this record", p->origin);
		goto out;
	}

	*request = build_request(p, system.data, user.data, st.parts);
	st.parts = NULL;
	if (*request == NULL)
		rc = ann_error_set(e, ANN_ERR_NOMEM, "build request: out of memory");
out:
	cJSON_Delete(record);
	cJSON_Delete(st.parts);
	cJSON_Delete(st.info);
	cJSON_Delete(st.doc_names);
	ann_buf_release(&st.list);
	ann_buf_release(&system);
	ann_buf_release(&user);
	return rc;
}

/* Turns rec into an error record with why, for the rejects stream. */
static int
reject_record(struct ann_prompt *p, const struct ann_record *rec, const struct ann_error *why,
    struct ann_record_edit *edit, struct ann_buf *out, struct ann_error *e)
{
	int rc;

	p->record_errors++;
	ann_log_record(ANN_LOG_WARN, rec->line_no, rec->id.data, rec->id.len, "%s", why->msg);
	rc = ann_error_json(out, ann_err_name(why->code), why->msg, 0, rec->line_no);
	if (rc == ANN_OK)
		rc = ann_record_edit_set_raw(edit, "error", out->data, out->len);
	ann_buf_reset(out);
	if (rc == ANN_OK)
		rc = ann_record_edit_remove(edit, "request");
	if (rc)
		return ann_error_set(e, rc, "line %zu: cannot write the error record", rec->line_no);
	return ANN_FILTER_REJECT;
}

/*
 * Returns NULL when id can be a Bedrock batch recordId, else the reason.
 * NOTE: AWS documents recordId only as an alphanumeric string (older pages
 * gave 11 characters, with the example "CALL0000001") and publishes no
 * length or character limit. So ids are held to a conservative guess:
 * ASCII letters, digits, '-', '_' and '.', at most ANN_PROMPT_BATCH_ID_MAX.
 */
static const char *
batch_id_problem(const struct ann_buf *id)
{
	size_t i;

	if (id->len == 0)
		return "it is empty";
	if (id->len > ANN_PROMPT_BATCH_ID_MAX)
		return "it is longer than 128 characters";
	for (i = 0; i < id->len; i++) {
		unsigned char ch = (unsigned char)id->data[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
			return "it may hold only ASCII letters, digits, '-', '_' and '.'";
	}
	return NULL;
}

/*
 * Appends the batch input line {"recordId":ID,"modelInput":BODY} for the
 * request, BODY being the InvokeModel body that ann-invoke would send.
 * A request the body builder rejects is a record error in *why.
 */
static int
add_batch_line(const struct ann_record *rec, const cJSON *request, struct ann_buf *out,
    struct ann_error *why)
{
	struct ann_provider_call call;
	char *text = cJSON_PrintUnformatted(request);
	int rc;

	if (text == NULL)
		return ann_error_set(why, ANN_ERR_NOMEM, "print the request: out of memory");
	ann_provider_call_init(&call);
	/* The model id is not part of the body, because a batch job names it once. */
	rc = ann_provider_build(ANN_PROVIDER_BEDROCK_INVOKE, NULL, rec->id.data, text,
	    strlen(text), &call, why);
	if (rc == ANN_OK) {
		rc = ann_buf_adds(out, "{\"recordId\":");
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(out, rec->id.data, rec->id.len);
		if (rc == ANN_OK)
			rc = ann_buf_adds(out, ",\"modelInput\":");
		if (rc == ANN_OK)
			rc = ann_buf_add(out, call.body.data, call.body.len);
		if (rc == ANN_OK)
			rc = ann_buf_adds(out, "}\n");
		if (rc)
			rc = ann_error_set(why, rc, "write the batch record: out of memory");
	}
	ann_provider_call_release(&call);
	cJSON_free(text);
	return rc;
}

static int
handle_record(void *ctx, const struct ann_record *rec, struct ann_record_edit *edit,
    struct ann_buf *out, struct ann_error *e)
{
	struct ann_prompt *p = ctx;
	struct ann_error why = ANN_ERROR_INIT;
	const int batch = p->o.format == ANN_PROMPT_FORMAT_BEDROCK_BATCH;
	const char *problem;
	cJSON *request = NULL;
	int rc;

	/* An earlier stage failed on this record: keep its error as it is. */
	if (ann_record_get(rec, "error") != NULL) {
		p->record_errors++;
		return ANN_FILTER_REJECT;
	}
	if (batch && (problem = batch_id_problem(&rec->id)) != NULL) {
		ann_error_set(&why, ANN_ERR_INVALID, "id cannot be a Bedrock batch recordId: %s",
		    problem);
		return reject_record(p, rec, &why, edit, out, e);
	}

	rc = ann_prompt_build(p, rec, &request, &why);
	if (rc == ANN_OK && batch) {
		rc = add_batch_line(rec, request, out, &why);
		if (rc)
			ann_buf_reset(out);
	} else if (rc == ANN_OK) {
		rc = ann_record_edit_set_json(edit, "request", request);
		if (rc)
			rc = ann_error_set(&why, rc, "line %zu: cannot write the request",
			    rec->line_no);
	}
	cJSON_Delete(request);
	if (rc == ANN_ERR_NOMEM) {
		*e = why;
		return rc;
	}
	if (rc)
		return reject_record(p, rec, &why, edit, out, e);
	return ANN_OK;
}

/* Selects the lines whose shard key falls in the requested shard. */
static int
select_shard(void *ctx, const char *key, size_t len, struct ann_error *e)
{
	const struct ann_prompt *p = ctx;
	uint64_t shard;

	if (ann_shard_of(key, len, p->o.shard.count, &shard) != ANN_OK)
		return ann_error_set(e, ANN_ERR_NOMEM, "compute the shard of a record: out of memory");
	return shard == p->o.shard.index;
}

int
ann_prompt_run(struct ann_prompt *p, int in_fd, int out_fd,
    struct ann_prompt_stats *stats, struct ann_error *e)
{
	struct ann_filter f;
	struct ann_jsonl_writer rejects;
	const int batch = p->o.format == ANN_PROMPT_FORMAT_BEDROCK_BATCH;
	int rc;

	ann_filter_init(&f, in_fd, out_fd, p->o.flush_each);
	if (p->o.shard.count > 0) {
		f.select = select_shard;
		f.select_ctx = p;
	}
	if (batch) {
		/* Error records are few and belong next to their warnings, so each is written at once. */
		ann_jsonl_writer_init(&rejects, p->o.reject_fd, 1);
		f.rejects = &rejects;
	}
	p->record_errors = 0;
	rc = ann_filter_run(&f, handle_record, p, e);
	stats->records = f.records_in;
	stats->errors = f.line_errors + p->record_errors;
	stats->broken_pipe = f.out.broken_pipe;
	if (batch)
		ann_jsonl_writer_release(&rejects);
	ann_filter_release(&f);
	return rc;
}

const char *
ann_prompt_builtin_template(enum ann_prompt_lang lang)
{
	return lang == ANN_PROMPT_JA ? ann_prompt_template_ja : ann_prompt_template_en;
}
