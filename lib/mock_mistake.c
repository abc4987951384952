/*
 * The realistic mistakes: each takes a correct answer and makes it wrong
 * the way models do, so validation and retries can be measured.
 */
#include "mock_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values the walk can change: a node, its parent and the schemas of both. */
struct site {
	cJSON *node;
	cJSON *parent;
	const cJSON *schema;        /* resolved schema of node, or NULL */
	const cJSON *parent_schema; /* resolved schema of parent, or NULL */
};

#define MAX_SITES 256

struct sites {
	struct site v[MAX_SITES];
	size_t n;
};

static int
type_matches(const char *type, const cJSON *v)
{
	if (strcmp(type, "object") == 0)
		return cJSON_IsObject(v);
	if (strcmp(type, "array") == 0)
		return cJSON_IsArray(v);
	if (strcmp(type, "string") == 0)
		return cJSON_IsString(v);
	if (strcmp(type, "number") == 0 || strcmp(type, "integer") == 0)
		return cJSON_IsNumber(v);
	if (strcmp(type, "boolean") == 0)
		return cJSON_IsBool(v);
	return cJSON_IsNull(v);
}

/* Returns the schema that describes v: s itself, or the matching anyOf/oneOf branch. */
static const cJSON *
schema_for(const cJSON *s, const cJSON *root, const cJSON *v)
{
	const cJSON *branches, *b, *type;

	s = mock_schema_resolve(s, root);
	if (!cJSON_IsObject(s))
		return NULL;
	branches = cJSON_GetObjectItemCaseSensitive(s, "anyOf");
	if (branches == NULL)
		branches = cJSON_GetObjectItemCaseSensitive(s, "oneOf");
	if (branches == NULL)
		return s;
	cJSON_ArrayForEach(b, branches) {
		b = mock_schema_resolve(b, root);
		type = cJSON_GetObjectItemCaseSensitive(b, "type");
		if (cJSON_IsString(type) && type_matches(type->valuestring, v))
			return b;
	}
	return NULL;
}

static void
collect(struct sites *out, cJSON *node, cJSON *parent, const cJSON *schema,
    const cJSON *parent_schema, const cJSON *root)
{
	const cJSON *s = schema_for(schema, root, node), *child_schema;
	cJSON *child;

	if (out->n < MAX_SITES)
		out->v[out->n++] = (struct site){ node, parent, s, parent_schema };
	if (cJSON_IsObject(node)) {
		cJSON_ArrayForEach(child, node) {
			child_schema = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(s, "properties"), child->string);
			collect(out, child, node, child_schema, s, root);
		}
	} else if (cJSON_IsArray(node)) {
		cJSON_ArrayForEach(child, node)
			collect(out, child, node, cJSON_GetObjectItemCaseSensitive(s, "items"), s, root);
	}
}

static int
looks_like_date(const char *s)
{
	int i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return 0;
		} else if (s[i] < '0' || s[i] > '9') {
			return 0;
		}
	}
	return s[10] == '\0' || s[10] == 'T';
}

static int
in_required(const cJSON *parent_schema, const char *name)
{
	const cJSON *q;

	cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(parent_schema, "required"))
		if (cJSON_IsString(q) && strcmp(q->valuestring, name) == 0)
			return 1;
	return 0;
}

static int
eligible(enum ann_mock_mistake kind, const struct site *st, int have_schema)
{
	const cJSON *n = st->node;

	switch (kind) {
	case ANN_MOCK_MISTAKE_STRING_NUMBER:
		return cJSON_IsNumber(n);
	case ANN_MOCK_MISTAKE_MISSING_FIELD:
		if (!cJSON_IsObject(st->parent) || n->string == NULL)
			return 0;
		return have_schema ? in_required(st->parent_schema, n->string) : 1;
	case ANN_MOCK_MISTAKE_EXTRA_FIELD:
		return cJSON_IsObject(n);
	case ANN_MOCK_MISTAKE_DATE_FORMAT:
		return cJSON_IsString(n) && looks_like_date(n->valuestring);
	case ANN_MOCK_MISTAKE_ENUM_VALUE:
		return cJSON_IsString(n) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(st->schema, "enum"));
	case ANN_MOCK_MISTAKE_HALLUCINATION:
		return cJSON_IsString(n) && !looks_like_date(n->valuestring) &&
		    !cJSON_HasObjectItem(st->schema, "enum") && !cJSON_HasObjectItem(st->schema, "const");
	default:
		return 0;
	}
}

/* Replaces the node at st with v (taken); -1 when out of memory. */
static int
replace_node(struct site *st, cJSON *v)
{
	/* cJSON_ReplaceItemViaPointer keeps the replacement's own name, so an
	 * object member needs its name copied over first. */
	if (st->node->string != NULL) {
		v->string = strdup(st->node->string);
		if (v->string == NULL) {
			cJSON_Delete(v);
			return -1;
		}
	}
	cJSON_ReplaceItemViaPointer(st->parent, st->node, v);
	st->node = v;
	return 0;
}

/* Formats d with thousands separators and a currency mark: "¥12,000", "$1,234.50". */
static cJSON *
money_string(double d, int yen)
{
	char digits[64], out[96];
	size_t i, n, o = 0;
	const char *frac;
	int neg = d < 0;

	if (yen)
		snprintf(digits, sizeof digits, "%.0f", fabs(d));
	else
		snprintf(digits, sizeof digits, "%.2f", fabs(d));
	frac = strchr(digits, '.');
	n = frac ? (size_t)(frac - digits) : strlen(digits);
	if (neg)
		out[o++] = '-';
	o += (size_t)snprintf(out + o, sizeof out - o, "%s", yen ? "¥" : "$");
	for (i = 0; i < n && o < sizeof out - 8; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	if (frac)
		snprintf(out + o, sizeof out - o, "%s", frac);
	return cJSON_CreateString(out);
}

static int
document_is_japanese(const struct mock_call *c)
{
	size_t i;

	for (i = 0; i < c->user_text.len; i++)
		if ((unsigned char)c->user_text.data[i] >= 0x80)
			return 1;
	return 0;
}

static cJSON *
reformat_date(const char *iso, struct mock_rng *r)
{
	char out[64];
	int y, m, d;

	if (sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return cJSON_CreateString("01/01/2024");
	switch (mock_rng_below(r, 4)) {
	case 0:
		snprintf(out, sizeof out, "%04d/%02d/%02d", y, m, d);
		break;
	case 1:
		snprintf(out, sizeof out, "%02d/%02d/%04d", d, m, y);
		break;
	case 2:
		snprintf(out, sizeof out, "%d年%d月%d日", y, m, d);
		break;
	default:
		snprintf(out, sizeof out, "%04d%02d%02d", y, m, d);
		break;
	}
	return cJSON_CreateString(out);
}

static int
enum_has(const cJSON *list, const char *s)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, list)
		if (cJSON_IsString(v) && strcmp(v->valuestring, s) == 0)
			return 1;
	return 0;
}

static cJSON *
off_enum(const cJSON *list, const char *current)
{
	static const char *const guesses[] = { "other", "unknown", "N/A", "その他" };
	char up[128];
	size_t i;

	/* Models most often change the case of a valid value. */
	for (i = 0; current[i] != '\0' && i < sizeof up - 1; i++)
		up[i] = (char)((current[i] >= 'a' && current[i] <= 'z') ? current[i] - 32 : current[i]);
	up[i] = '\0';
	if (!enum_has(list, up))
		return cJSON_CreateString(up);
	for (i = 0; i < sizeof guesses / sizeof guesses[0]; i++)
		if (!enum_has(list, guesses[i]))
			return cJSON_CreateString(guesses[i]);
	return cJSON_CreateNumber(0);
}

static cJSON *
invented_string(const struct mock_call *c, struct mock_rng *r)
{
	static const char *const names[] = {
		"株式会社 架空商会", "Fabricated Holdings Inc.", "合同会社 幻影", "Imaginary Supply Co.",
	};
	char out[96];
	int tries;

	for (tries = 0; tries < 16; tries++) {
		snprintf(out, sizeof out, "%s %u", names[mock_rng_below(r, 4)],
		    (unsigned)mock_rng_below(r, 90000) + 10000);
		if (strstr(c->user_text.data, out) == NULL)
			break;
	}
	return cJSON_CreateString(out);
}

static cJSON *
extra_member_name(const cJSON *obj, const cJSON *schema, char *name, size_t size)
{
	static const char *const names[] = { "confidence", "notes", "remarks", "source_page" };
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (cJSON_HasObjectItem(obj, names[i]) || cJSON_HasObjectItem(props, names[i]))
			continue;
		snprintf(name, size, "%s", names[i]);
		return i == 0 ? cJSON_CreateNumber(0.87) : cJSON_CreateString("extracted from the document");
	}
	snprintf(name, size, "extra_%u", (unsigned)cJSON_GetArraySize(obj));
	return cJSON_CreateString("extracted from the document");
}

/* Applies a value-level mistake at one eligible site; 0 when none is eligible. */
static int
change_value(enum ann_mock_mistake kind, struct mock_reply *rp, const struct mock_call *c,
    struct mock_rng *r)
{
	struct sites *all = malloc(sizeof *all);
	struct site *st;
	size_t pick[MAX_SITES], n = 0, i;
	char name[32];
	cJSON *v;
	int rc = 1;

	if (all == NULL)
		return -1;
	all->n = 0;
	collect(all, rp->value, NULL, c->schema, NULL, c->schema);
	for (i = 0; i < all->n; i++)
		if (eligible(kind, &all->v[i], c->schema != NULL))
			pick[n++] = i;
	if (n == 0) {
		free(all);
		return 0;
	}
	st = &all->v[pick[mock_rng_below(r, n)]];
	if (kind == ANN_MOCK_MISTAKE_EXTRA_FIELD) {
		/* The outermost object, where a model most often adds a member. */
		st = &all->v[pick[0]];
		v = extra_member_name(st->node, st->schema, name, sizeof name);
		if (v == NULL)
			rc = -1;
		else
			cJSON_AddItemToObject(st->node, name, v);
		free(all);
		return rc;
	}
	if (kind == ANN_MOCK_MISTAKE_MISSING_FIELD) {
		cJSON_DetachItemViaPointer(st->parent, st->node);
		cJSON_Delete(st->node);
		free(all);
		return 1;
	}
	switch (kind) {
	case ANN_MOCK_MISTAKE_STRING_NUMBER:
		v = money_string(st->node->valuedouble, document_is_japanese(c));
		break;
	case ANN_MOCK_MISTAKE_DATE_FORMAT:
		v = reformat_date(st->node->valuestring, r);
		break;
	case ANN_MOCK_MISTAKE_ENUM_VALUE:
		v = off_enum(cJSON_GetObjectItemCaseSensitive(st->schema, "enum"), st->node->valuestring);
		break;
	default:
		v = invented_string(c, r);
		break;
	}
	if (v == NULL) {
		free(all);
		return -1;
	}
	if (st->parent == NULL) {
		cJSON_Delete(rp->value);
		rp->value = v;
	} else if (replace_node(st, v) < 0) {
		rc = -1;
	}
	free(all);
	return rc;
}

static int
print_value(struct ann_buf *out, const cJSON *v, int pretty)
{
	char *printed = pretty ? cJSON_Print(v) : cJSON_PrintUnformatted(v);
	int rc;

	if (printed == NULL)
		return -1;
	rc = ann_buf_adds(out, printed);
	free(printed);
	return rc < 0 ? -1 : 0;
}

/* Cuts the answer between 30% and 90% of its length, at a UTF-8 boundary. */
static int
truncate_answer(struct mock_reply *rp, struct mock_rng *r)
{
	size_t cut;
	int n;

	if (!rp->as_text) {
		/* A tool call cut off: its trailing members never arrive. */
		n = cJSON_GetArraySize(rp->value);
		if (!cJSON_IsObject(rp->value) || n == 0)
			return 0;
		n = 1 + (int)mock_rng_below(r, (uint64_t)(n + 1) / 2);
		while (n-- > 0)
			cJSON_DeleteItemFromArray(rp->value, cJSON_GetArraySize(rp->value) - 1);
		rp->stop = MOCK_STOP_MAX_TOKENS;
		return 1;
	}
	ann_buf_reset(&rp->text);
	if (print_value(&rp->text, rp->value, 0) < 0)
		return -1;
	cut = rp->text.len * (30 + (size_t)mock_rng_below(r, 61)) / 100;
	while (cut > 0 && (rp->text.data[cut] & 0xC0) == 0x80)
		cut--;
	ann_buf_truncate(&rp->text, cut);
	rp->stop = MOCK_STOP_MAX_TOKENS;
	return 1;
}

int
mock_mistake_apply(enum ann_mock_mistake kind, struct mock_reply *rp,
    const struct mock_call *c, struct mock_rng *r)
{
	switch (kind) {
	case ANN_MOCK_MISTAKE_FENCED:
		rp->as_text = 1;
		ann_buf_reset(&rp->text);
		if (ann_buf_adds(&rp->text, "```json\n") < 0 || print_value(&rp->text, rp->value, 1) < 0 ||
		    ann_buf_adds(&rp->text, "\n```") < 0)
			return -1;
		return 1;
	case ANN_MOCK_MISTAKE_PROSE:
		rp->as_text = 1;
		ann_buf_reset(&rp->text);
		if (ann_buf_adds(&rp->text, "Here is the information extracted from the document:\n\n") < 0 ||
		    print_value(&rp->text, rp->value, 1) < 0)
			return -1;
		return 1;
	case ANN_MOCK_MISTAKE_TRUNCATED:
		return truncate_answer(rp, r);
	default:
		return change_value(kind, rp, c, r);
	}
}
