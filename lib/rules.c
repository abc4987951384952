/*
 * Rules: loading a rules file, checking its structure, and running each
 * rule over an answer. Expressions and conditions are in rules_eval.c.
 */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rules_int.h"

static int
config_error(struct ann_error *e, const struct ann_buf *loc, const char *what)
{
	return ann_error_set(e, ANN_ERR_CONFIG, "%s: %s", loc->len ? loc->data : "/", what);
}

static int
is_ref(const struct ann_jsonv *v)
{
	return v->type == ANN_JSON_STRING && v->n > 0 && (v->u.s[0] == '/' || v->u.s[0] == '$');
}

int
rules_check_for_each(const struct ann_jsonv *f, struct ann_buf *loc, struct ann_error *e)
{
	if (f->type != ANN_JSON_OBJECT || f->n != 1 || f->u.members[0].name_len == 0 ||
	    !is_ref(&f->u.members[0].value))
		return config_error(e, loc, "\"for_each\" must be an object with one member, "
		    "a variable name and a reference to an array such as {\"item\": \"/items\"}");
	return ANN_OK;
}

static const char *const expr_ops[] = { "add", "sub", "mul", "sum", "round" };
static const char *const cmp_ops[] = { "eq", "ne", "lt", "le", "gt", "ge" };

static int
check_expr(struct ann_rules *r, const struct ann_jsonv *x, struct ann_buf *loc,
    struct ann_error *e);

/* Checks each member of object x against the allowed names. */
static int
check_members(const struct ann_jsonv *x, const char *const *names, size_t n,
    struct ann_buf *loc, struct ann_error *e)
{
	size_t i, k;

	for (i = 0; i < x->n; i++) {
		for (k = 0; k < n; k++)
			if (strcmp(x->u.members[i].name, names[k]) == 0)
				break;
		if (k == n) {
			char what[160];

			snprintf(what, sizeof what, "unknown member \"%.60s\"", x->u.members[i].name);
			return config_error(e, loc, what);
		}
	}
	return ANN_OK;
}

static int
child(struct ann_rules *r, const struct ann_jsonv *x, const char *seg, long idx, int cond,
    struct ann_buf *loc, struct ann_error *e)
{
	size_t mark = loc->len;
	int rc = idx >= 0 ? ann_buf_addf(loc, "/%s/%ld", seg, idx) : ann_buf_addf(loc, "/%s", seg);

	if (rc)
		return ann_error_set(e, rc, "out of memory");
	rc = cond ? rules_check_cond(r, x, loc, e) : check_expr(r, x, loc, e);
	ann_buf_truncate(loc, mark);
	return rc;
}

static int
check_expr(struct ann_rules *r, const struct ann_jsonv *x, struct ann_buf *loc,
    struct ann_error *e)
{
	const struct ann_jsonv *a;
	const char *op;
	size_t i;
	int rc;

	if (x->type == ANN_JSON_NUMBER || x->type == ANN_JSON_STRING ||
	    x->type == ANN_JSON_TRUE || x->type == ANN_JSON_FALSE)
		return ANN_OK;
	if (x->type != ANN_JSON_OBJECT || x->n == 0)
		return config_error(e, loc, "an expression is a number, a string, true, false, a reference "
		    "(\"/total\", \"$item/amount\") or an object such as {\"add\": [...]}");
	op = x->u.members[0].name;
	a = &x->u.members[0].value;
	for (i = 0; i < sizeof expr_ops / sizeof expr_ops[0]; i++)
		if (strcmp(op, expr_ops[i]) == 0)
			break;
	if (i == sizeof expr_ops / sizeof expr_ops[0]) {
		char what[200];

		snprintf(what, sizeof what, "unknown expression \"%.40s\"; expected add, sub, mul, "
		    "sum or round as the first member", op);
		return config_error(e, loc, what);
	}
	if (strcmp(op, "add") == 0 || strcmp(op, "mul") == 0 || strcmp(op, "sub") == 0) {
		static const char *const names[] = { "add", "mul", "sub" };

		if (x->n != 1 || check_members(x, names, 3, loc, e))
			return x->n != 1 ? config_error(e, loc, "an operator has no other members") :
			    ANN_ERR_CONFIG;
		if (a->type != ANN_JSON_ARRAY || a->n < 2 || (op[0] == 's' && a->n != 2))
			return config_error(e, loc, op[0] == 's' ?
			    "\"sub\" takes an array of two expressions" :
			    "\"add\" and \"mul\" take an array of two or more expressions");
		for (i = 0; i < a->n; i++)
			if ((rc = child(r, &a->u.items[i], op, (long)i, 0, loc, e)) != ANN_OK)
				return rc;
		return ANN_OK;
	}
	if (strcmp(op, "sum") == 0) {
		static const char *const names[] = { "sum", "for_each", "where" };
		const struct ann_jsonv *f = ann_jsonv_gets(x, "for_each");
		const struct ann_jsonv *w = ann_jsonv_gets(x, "where");

		if ((rc = check_members(x, names, 3, loc, e)) != ANN_OK)
			return rc;
		if (f == NULL)
			return config_error(e, loc, "\"sum\" needs \"for_each\"");
		if ((rc = rules_check_for_each(f, loc, e)) != ANN_OK)
			return rc;
		if ((rc = child(r, a, "sum", -1, 0, loc, e)) != ANN_OK)
			return rc;
		return w ? child(r, w, "where", -1, 1, loc, e) : ANN_OK;
	}
	/* round */
	{
		static const char *const names[] = { "round", "unit", "mode" };
		static const char *const modes[] = { "floor", "ceil", "round", "half_even",
		    "truncate", "any" };
		const struct ann_jsonv *unit = ann_jsonv_gets(x, "unit");
		const struct ann_jsonv *mode = ann_jsonv_gets(x, "mode");
		size_t n_modes, k;

		if ((rc = check_members(x, names, 3, loc, e)) != ANN_OK)
			return rc;
		if (unit && (unit->type != ANN_JSON_NUMBER || unit->num.neg || unit->num.ndigits == 0))
			return config_error(e, loc, "\"unit\" must be a number above 0, such as 1 or 0.01");
		if (mode == NULL)
			return config_error(e, loc, "\"round\" needs \"mode\": floor, ceil, round, "
			    "half_even, truncate, any, a reference, or a list of them");
		n_modes = mode->type == ANN_JSON_ARRAY ? mode->n : 1;
		if (n_modes == 0)
			return config_error(e, loc, "\"mode\" is an empty list");
		for (i = 0; i < n_modes; i++) {
			const struct ann_jsonv *m = mode->type == ANN_JSON_ARRAY ? &mode->u.items[i] : mode;

			if (m->type != ANN_JSON_STRING)
				return config_error(e, loc, "\"mode\" must be a string or a list of strings");
			if (is_ref(m))
				continue;
			for (k = 0; k < sizeof modes / sizeof modes[0]; k++)
				if (strcmp(m->u.s, modes[k]) == 0)
					break;
			if (k == sizeof modes / sizeof modes[0])
				return config_error(e, loc, "unknown rounding mode; expected floor, ceil, "
				    "round, half_even, truncate or any");
		}
		return child(r, a, "round", -1, 0, loc, e);
	}
}

static int
add_regex(struct ann_rules *r, const struct ann_jsonv *node, const struct ann_jsonv *pattern,
    struct ann_buf *loc, struct ann_error *e)
{
	struct rules_regex *grown;
	pcre2_code *code;
	int err;
	PCRE2_SIZE off;

	code = pcre2_compile((PCRE2_SPTR)pattern->u.s, pattern->n, PCRE2_UTF | PCRE2_UCP, &err,
	    &off, NULL);
	if (code == NULL) {
		PCRE2_UCHAR text[120];
		char what[200];

		pcre2_get_error_message(err, text, sizeof text);
		snprintf(what, sizeof what, "invalid regular expression at offset %zu: %s",
		    (size_t)off, (const char *)text);
		return config_error(e, loc, what);
	}
	grown = realloc(r->regexes, (r->n_regexes + 1) * sizeof *grown);
	if (grown == NULL) {
		pcre2_code_free(code);
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	}
	r->regexes = grown;
	r->regexes[r->n_regexes].node = node;
	r->regexes[r->n_regexes].code = code;
	r->n_regexes++;
	return ANN_OK;
}

int
rules_check_cond(struct ann_rules *r, const struct ann_jsonv *c, struct ann_buf *loc,
    struct ann_error *e)
{
	const struct ann_jsonv *a;
	const char *op;
	size_t i;
	int rc;

	if (c->type != ANN_JSON_OBJECT || c->n == 0)
		return config_error(e, loc, "a condition is an object such as {\"eq\": [a, b]}");
	op = c->u.members[0].name;
	a = &c->u.members[0].value;
	for (i = 0; i < sizeof cmp_ops / sizeof cmp_ops[0]; i++)
		if (strcmp(op, cmp_ops[i]) == 0)
			break;
	if (i < sizeof cmp_ops / sizeof cmp_ops[0]) {
		static const char *const names[] = { "eq", "ne", "lt", "le", "gt", "ge", "tolerance" };
		const struct ann_jsonv *t = ann_jsonv_gets(c, "tolerance");

		if (c->n > 2 || check_members(c, names, 7, loc, e) ||
		    (c->n == 2 && t == NULL))
			return config_error(e, loc, "a comparison has one operator and an optional "
			    "\"tolerance\"");
		if (a->type != ANN_JSON_ARRAY || a->n != 2)
			return config_error(e, loc, "a comparison takes an array of two expressions");
		if (t && (t->type != ANN_JSON_NUMBER || t->num.neg))
			return config_error(e, loc, "\"tolerance\" must be a number of 0 or more");
		for (i = 0; i < 2; i++)
			if ((rc = child(r, &a->u.items[i], op, (long)i, 0, loc, e)) != ANN_OK)
				return rc;
		return ANN_OK;
	}
	if (strcmp(op, "all") == 0 || strcmp(op, "any") == 0) {
		if (c->n != 1 || a->type != ANN_JSON_ARRAY || a->n == 0)
			return config_error(e, loc, "\"all\" and \"any\" take a non-empty array of "
			    "conditions");
		for (i = 0; i < a->n; i++)
			if ((rc = child(r, &a->u.items[i], op, (long)i, 1, loc, e)) != ANN_OK)
				return rc;
		return ANN_OK;
	}
	if (strcmp(op, "not") == 0) {
		if (c->n != 1)
			return config_error(e, loc, "\"not\" has no other members");
		return child(r, a, "not", -1, 1, loc, e);
	}
	if (strcmp(op, "exists") == 0) {
		if (c->n != 1 || !is_ref(a))
			return config_error(e, loc, "\"exists\" takes one reference");
		return ANN_OK;
	}
	if (strcmp(op, "matches") == 0) {
		if (c->n != 1 || a->type != ANN_JSON_ARRAY || a->n != 2 ||
		    a->u.items[1].type != ANN_JSON_STRING)
			return config_error(e, loc, "\"matches\" takes [expression, \"regular expression\"]");
		if ((rc = child(r, &a->u.items[0], op, 0, 0, loc, e)) != ANN_OK)
			return rc;
		return add_regex(r, c, &a->u.items[1], loc, e);
	}
	if (strcmp(op, "jp_registration_number") == 0) {
		static const char *const names[] = { "jp_registration_number", "corporate" };
		const struct ann_jsonv *corp = ann_jsonv_gets(c, "corporate");

		if ((rc = check_members(c, names, 2, loc, e)) != ANN_OK)
			return rc;
		if ((rc = child(r, a, op, -1, 0, loc, e)) != ANN_OK)
			return rc;
		return corp ? child(r, corp, "corporate", -1, 1, loc, e) : ANN_OK;
	}
	{
		char what[240];

		snprintf(what, sizeof what, "unknown condition \"%.40s\"; expected eq, ne, lt, le, "
		    "gt, ge, all, any, not, exists, matches or jp_registration_number", op);
		return config_error(e, loc, what);
	}
}

static int
check_rule(struct ann_rules *r, const struct ann_jsonv *rule, size_t index, struct ann_error *e)
{
	static const char *const names[] = { "id", "description", "for_each", "when", "assert" };
	struct ann_buf loc = ANN_BUF_INIT;
	const struct ann_jsonv *id, *x;
	size_t k;
	int rc;

	ann_buf_addf(&loc, "/rules/%zu", index);
	if (rule->type != ANN_JSON_OBJECT) {
		rc = config_error(e, &loc, "a rule is an object");
		goto done;
	}
	if ((rc = check_members(rule, names, 5, &loc, e)) != ANN_OK)
		goto done;
	id = ann_jsonv_gets(rule, "id");
	if (id == NULL || id->type != ANN_JSON_STRING || id->n == 0 ||
	    strcspn(id->u.s, "/~") != id->n) {
		rc = config_error(e, &loc, "\"id\" must be a non-empty string without '/' or '~'");
		goto done;
	}
	for (k = 0; k < index; k++) {
		const struct ann_jsonv *other = ann_jsonv_gets(&r->list->u.items[k], "id");

		if (other && other->type == ANN_JSON_STRING && strcmp(other->u.s, id->u.s) == 0) {
			rc = config_error(e, &loc, "\"id\" is used by an earlier rule");
			goto done;
		}
	}
	x = ann_jsonv_gets(rule, "description");
	if (x && x->type != ANN_JSON_STRING) {
		rc = config_error(e, &loc, "\"description\" must be a string");
		goto done;
	}
	x = ann_jsonv_gets(rule, "for_each");
	if (x && (rc = rules_check_for_each(x, &loc, e)) != ANN_OK)
		goto done;
	x = ann_jsonv_gets(rule, "when");
	if (x && (rc = child(r, x, "when", -1, 1, &loc, e)) != ANN_OK)
		goto done;
	x = ann_jsonv_gets(rule, "assert");
	if (x == NULL) {
		rc = config_error(e, &loc, "a rule needs \"assert\"");
		goto done;
	}
	rc = child(r, x, "assert", -1, 1, &loc, e);

done:
	ann_buf_release(&loc);
	return rc;
}

int
ann_rules_load_text(struct ann_rules **out, const char *s, size_t n, const char *name,
    struct ann_error *e)
{
	struct ann_rules *r;
	const struct ann_jsonv *root;
	size_t i;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof *r);
	if (r == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	ann_jsonv_doc_init(&r->doc);
	ann_buf_init(&r->loc, 0);
	ann_buf_init(&r->msg, 0);
	ann_buf_init(&r->tmp, 0);
	for (i = 0; i < RULES_MAX_BINDINGS; i++)
		ann_buf_init(&r->b[i].path, 0);
	r->name = strdup(name);
	if (r->name == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
		goto fail;
	}
	rc = ann_jsonv_parse(&r->doc, s, n, &root, e);
	if (rc == ANN_OK && (root->type != ANN_JSON_OBJECT ||
	    (r->list = ann_jsonv_gets(root, "rules")) == NULL || r->list->type != ANN_JSON_ARRAY))
		rc = ann_error_set(e, ANN_ERR_CONFIG, "expected an object with a \"rules\" array");
	for (i = 0; rc == ANN_OK && i < r->list->n; i++)
		rc = check_rule(r, &r->list->u.items[i], i, e);
	if (rc == ANN_OK) {
		r->match_data = pcre2_match_data_create(1, NULL);
		if (r->match_data == NULL)
			rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	}
	if (rc) {
		if (rc != ANN_ERR_NOMEM)
			rc = ANN_ERR_CONFIG;
		ann_error_prefix(e, "rules file \"%s\"", name);
		goto fail;
	}
	*out = r;
	return ANN_OK;

fail:
	ann_rules_free(r);
	return rc;
}

int
ann_rules_load(struct ann_rules **out, const char *path, struct ann_error *e)
{
	struct ann_buf text = ANN_BUF_INIT;
	char chunk[8192];
	FILE *f;
	size_t n;
	int rc = ANN_OK;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return ann_error_set(e, ANN_ERR_CONFIG, "cannot open rules file \"%s\"", path);
	while (rc == ANN_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = ann_buf_add(&text, chunk, n);
	if (rc == ANN_OK && ferror(f))
		rc = ann_error_set(e, ANN_ERR_CONFIG, "cannot read rules file \"%s\"", path);
	else if (rc)
		ann_error_set(e, rc, "out of memory");
	fclose(f);
	if (rc == ANN_OK && ann_json_check_file(text.data, text.len, 1, "rules file", path, e))
		rc = ANN_ERR_CONFIG;
	if (rc == ANN_OK)
		rc = ann_rules_load_text(out, text.data, text.len, path, e);
	ann_buf_release(&text);
	return rc;
}

void
ann_rules_free(struct ann_rules *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_regexes; i++)
		pcre2_code_free(r->regexes[i].code);
	free(r->regexes);
	pcre2_match_data_free(r->match_data);
	for (i = 0; i < RULES_MAX_BINDINGS; i++)
		ann_buf_release(&r->b[i].path);
	ann_jsonv_doc_release(&r->doc);
	ann_buf_release(&r->loc);
	ann_buf_release(&r->msg);
	ann_buf_release(&r->tmp);
	free(r->name);
	free(r);
}

/* Runs one rule for the current bindings; adds a finding when it fails. */
static int
run_rule(struct ann_rules *r, const struct ann_jsonv *rule, struct ann_finding_list *findings)
{
	const struct ann_jsonv *id = ann_jsonv_gets(rule, "id");
	const struct ann_jsonv *desc = ann_jsonv_gets(rule, "description");
	const struct ann_jsonv *when = ann_jsonv_gets(rule, "when");
	struct ann_buf kw = ANN_BUF_INIT;
	enum tri t;
	int rc;

	if (when && rules_eval_cond(r, when) != TRI_TRUE)
		return r->nomem ? ANN_ERR_NOMEM : ANN_OK;
	ann_buf_reset(&r->loc);
	ann_buf_reset(&r->msg);
	t = rules_eval_cond(r, ann_jsonv_gets(rule, "assert"));
	if (r->nomem)
		return ANN_ERR_NOMEM;
	if (t != TRI_FALSE)
		return ANN_OK;
	rc = ann_buf_adds(&kw, ANN_RULES_KEYWORD);
	if (rc == ANN_OK)
		rc = ann_buf_add(&kw, id->u.s, id->n);
	if (rc == ANN_OK)
		rc = ann_finding_add(findings, r->loc.data, kw.data, "rule %s%s%s%s: %s", id->u.s,
		    desc ? " (" : "", desc ? desc->u.s : "", desc ? ")" : "", r->msg.data);
	ann_buf_release(&kw);
	return rc;
}

static int
run_each(struct ann_rules *r, const struct ann_jsonv *rule, struct ann_finding_list *findings)
{
	const struct ann_jsonv *f = ann_jsonv_gets(rule, "for_each");
	const struct ann_jsonv *array;
	const char *name;
	size_t name_len, i, mark;
	int rc = ANN_OK;

	if (f == NULL)
		return run_rule(r, rule, findings);
	if (r->nb == RULES_MAX_BINDINGS)
		return ANN_OK;
	rc = rules_bind_push(r, f, &name, &name_len, &array);
	if (rc || array == NULL)
		return rc;
	mark = r->b[r->nb].path.len;
	for (i = 0; rc == ANN_OK && i < array->n; i++) {
		struct rules_binding *b = &r->b[r->nb];

		b->name = name;
		b->name_len = name_len;
		b->value = &array->u.items[i];
		ann_buf_truncate(&b->path, mark);
		if (ann_buf_addf(&b->path, "/%zu", i))
			return ANN_ERR_NOMEM;
		r->nb++;
		rc = run_rule(r, rule, findings);
		r->nb--;
	}
	return rc;
}

int
ann_rules_check(struct ann_rules *r, const struct ann_jsonv *answer,
    struct ann_finding_list *findings, struct ann_error *e)
{
	size_t i;
	int rc = ANN_OK;

	r->root = answer;
	r->nb = 0;
	r->nomem = 0;
	for (i = 0; rc == ANN_OK && i < r->list->n; i++)
		rc = run_each(r, &r->list->u.items[i], findings);
	return rc ? ann_error_set(e, rc, "out of memory") : ANN_OK;
}
