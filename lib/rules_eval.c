/*
 * Evaluating rules: references, expressions over exact decimals, and
 * conditions in three-valued logic (true, false, unknown). A condition
 * whose values are missing is unknown, and a rule reports only false.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "normalize.h"
#include "rules_int.h"

enum vkind { V_MISSING, V_NUM, V_STR, V_BOOL, V_OTHER };

struct val {
	enum vkind k;
	struct rdec lo, hi;   /* V_NUM: the value, or the range rounding "any" allows */
	const char *s;        /* V_STR */
	size_t n;
	int b;                /* V_BOOL */
};

static void
nomem_if(struct ann_rules *r, int rc)
{
	if (rc)
		r->nomem = 1;
}

/* Appends "$name/rest" or "/rest" resolved against the bindings to path. */
static const struct ann_jsonv *
resolve(struct ann_rules *r, const char *s, size_t n, struct ann_buf *path)
{
	const struct ann_jsonv *v = r->root;
	const char *p = s, *end = s + n;

	if (*p == '$') {
		size_t len = strcspn(p + 1, "/");
		size_t i;

		if (len > (size_t)(end - p - 1))
			len = (size_t)(end - p - 1);
		for (i = r->nb; i > 0; i--) {
			const struct rules_binding *b = &r->b[i - 1];

			if (b->name_len == len && memcmp(b->name, p + 1, len) == 0)
				break;
		}
		if (i == 0) {
			nomem_if(r, ann_buf_add(path, s, n));
			return NULL;
		}
		v = r->b[i - 1].value;
		nomem_if(r, ann_buf_add(path, r->b[i - 1].path.data, r->b[i - 1].path.len));
		p += 1 + len;
	}
	nomem_if(r, ann_buf_add(path, p, (size_t)(end - p)));
	while (v && p < end && *p == '/') {
		const char *next = memchr(p + 1, '/', (size_t)(end - p - 1));
		size_t len = next ? (size_t)(next - p - 1) : (size_t)(end - p - 1);
		size_t i, k = 0;

		ann_buf_reset(&r->tmp);
		for (i = 0; i < len; i++) {
			char ch = p[1 + i];

			if (ch == '~' && i + 1 < len && (p[2 + i] == '0' || p[2 + i] == '1')) {
				ch = p[2 + i] == '0' ? '~' : '/';
				i++;
			}
			nomem_if(r, ann_buf_addc(&r->tmp, ch));
			k++;
		}
		if (v->type == ANN_JSON_OBJECT) {
			v = ann_jsonv_get(v, r->tmp.data, r->tmp.len);
		} else if (v->type == ANN_JSON_ARRAY) {
			char *stop;
			unsigned long idx = strtoul(r->tmp.data, &stop, 10);

			v = k > 0 && *stop == '\0' && r->tmp.data[0] >= '0' && r->tmp.data[0] <= '9' &&
			    (r->tmp.data[0] != '0' || k == 1) && idx < v->n ? &v->u.items[idx] : NULL;
		} else {
			v = NULL;
		}
		p += 1 + len;
	}
	return v && v->type != ANN_JSON_NULL ? v : NULL;
}

static int
is_ref(const struct ann_jsonv *x)
{
	return x->type == ANN_JSON_STRING && x->n > 0 && (x->u.s[0] == '/' || x->u.s[0] == '$');
}

/*
 * Reads a string value as a number, the way ann_norm_number reads amounts,
 * keeping every digit: a double would make "12345678901234567" and
 * "12345678901234568" equal.
 */
static int
to_number(struct val *v)
{
	struct ann_buf text = ANN_BUF_INIT;
	double d;
	int ok;

	if (v->k == V_NUM)
		return 1;
	if (v->k != V_STR)
		return 0;
	ok = ann_norm_number_text(v->s, v->n, 0, &d, &text) == 1 && text.len > 0 &&
	    rdec_from_text(&v->lo, text.data) == 0;
	ann_buf_release(&text);
	if (!ok)
		return 0;
	v->hi = v->lo;
	v->k = V_NUM;
	return 1;
}

static void eval_expr(struct ann_rules *r, const struct ann_jsonv *x, struct val *out,
    struct ann_buf *loc);

/* "any" rounding: floor or ceil, a range of two values. */
#define MODE_ANY 5

/* Maps a rounding mode name, English or Japanese, to its mode; -1 when unknown. */
static int
mode_from_name(const char *s, size_t n)
{
	static const struct { const char *name; int mode; } names[] = {
		{ "floor", RDEC_FLOOR }, { "ceil", RDEC_CEIL }, { "round", RDEC_ROUND },
		{ "half_even", RDEC_HALF_EVEN }, { "truncate", RDEC_TRUNCATE }, { "any", MODE_ANY },
		{ "\xe5\x88\x87\xe3\x82\x8a\xe6\x8d\xa8\xe3\x81\xa6", RDEC_FLOOR },   /* 切り捨て */
		{ "\xe5\x88\x87\xe6\x8d\xa8", RDEC_FLOOR },                         /* 切捨 */
		{ "\xe5\x88\x87\xe3\x82\x8a\xe4\xb8\x8a\xe3\x81\x92", RDEC_CEIL },    /* 切り上げ */
		{ "\xe5\x88\x87\xe4\xb8\x8a", RDEC_CEIL },                          /* 切上 */
		{ "\xe5\x9b\x9b\xe6\x8d\xa8\xe4\xba\x94\xe5\x85\xa5", RDEC_ROUND },  /* 四捨五入 */
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == n && memcmp(names[i].name, s, n) == 0)
			return names[i].mode;
	return -1;
}

/* Returns the first mode in the list that is given: a name, or a reference to a string naming one. */
static int
pick_mode(struct ann_rules *r, const struct ann_jsonv *mode)
{
	size_t i, n = mode->type == ANN_JSON_ARRAY ? mode->n : 1;

	for (i = 0; i < n; i++) {
		const struct ann_jsonv *m = mode->type == ANN_JSON_ARRAY ? &mode->u.items[i] : mode;
		int found;

		if (is_ref(m)) {
			struct ann_buf ignored = ANN_BUF_INIT;
			const struct ann_jsonv *v = resolve(r, m->u.s, m->n, &ignored);

			ann_buf_release(&ignored);
			if (v == NULL || v->type != ANN_JSON_STRING)
				continue;
			found = mode_from_name(v->u.s, v->n);
		} else {
			found = mode_from_name(m->u.s, m->n);
		}
		if (found >= 0)
			return found;
	}
	return MODE_ANY;
}

static void
eval_round(struct ann_rules *r, const struct ann_jsonv *x, struct val *out, struct ann_buf *loc)
{
	const struct ann_jsonv *unit_node = ann_jsonv_gets(x, "unit");
	struct rdec unit = { 1, 0 };
	int mode = pick_mode(r, ann_jsonv_gets(x, "mode"));

	eval_expr(r, &x->u.members[0].value, out, loc);
	if (!to_number(out) || (unit_node && rdec_from_decnum(&unit, &unit_node->num))) {
		out->k = V_MISSING;
		return;
	}
	if (mode == MODE_ANY) {
		if (rdec_round(&out->lo, &out->lo, &unit, RDEC_FLOOR) ||
		    rdec_round(&out->hi, &out->hi, &unit, RDEC_CEIL))
			out->k = V_MISSING;
		return;
	}
	if (rdec_round(&out->lo, &out->lo, &unit, (enum rdec_mode)mode) ||
	    rdec_round(&out->hi, &out->hi, &unit, (enum rdec_mode)mode))
		out->k = V_MISSING;
}

static void
eval_sum(struct ann_rules *r, const struct ann_jsonv *x, struct val *out)
{
	const struct ann_jsonv *where = ann_jsonv_gets(x, "where");
	const struct ann_jsonv *array;
	const char *name;
	size_t name_len, i, mark, msg_mark = r->msg.len, loc_mark = r->loc.len;

	out->k = V_NUM;
	out->lo.m = out->hi.m = 0;
	out->lo.scale = out->hi.scale = 0;
	if (r->nb == RULES_MAX_BINDINGS ||
	    rules_bind_push(r, ann_jsonv_gets(x, "for_each"), &name, &name_len, &array) ||
	    array == NULL) {
		out->k = V_MISSING;
		return;
	}
	mark = r->b[r->nb].path.len;
	for (i = 0; i < array->n && out->k == V_NUM; i++) {
		struct rules_binding *b = &r->b[r->nb];
		struct ann_buf ignored = ANN_BUF_INIT;
		struct val item;
		enum tri keep = TRI_TRUE;

		b->name = name;
		b->name_len = name_len;
		b->value = &array->u.items[i];
		ann_buf_truncate(&b->path, mark);
		nomem_if(r, ann_buf_addf(&b->path, "/%zu", i));
		r->nb++;
		if (where) {
			keep = rules_eval_cond(r, where);
			ann_buf_truncate(&r->msg, msg_mark);
			ann_buf_truncate(&r->loc, loc_mark);
		}
		if (keep == TRI_TRUE)
			eval_expr(r, &x->u.members[0].value, &item, &ignored);
		r->nb--;
		ann_buf_release(&ignored);
		if (keep == TRI_UNKNOWN || (keep == TRI_TRUE && !to_number(&item)))
			out->k = V_MISSING;
		else if (keep == TRI_TRUE && (rdec_add(&out->lo, &out->lo, &item.lo) ||
		    rdec_add(&out->hi, &out->hi, &item.hi)))
			out->k = V_MISSING;
	}
}

/* Evaluates x; loc gets the location of the first reference when it is empty. */
static void
eval_expr(struct ann_rules *r, const struct ann_jsonv *x, struct val *out, struct ann_buf *loc)
{
	const char *op;
	const struct ann_jsonv *a;
	size_t i;

	memset(out, 0, sizeof *out);
	if (x->type == ANN_JSON_NUMBER) {
		out->k = rdec_from_decnum(&out->lo, &x->num) ? V_MISSING : V_NUM;
		out->hi = out->lo;
		return;
	}
	if (x->type == ANN_JSON_TRUE || x->type == ANN_JSON_FALSE) {
		out->k = V_BOOL;
		out->b = x->type == ANN_JSON_TRUE;
		return;
	}
	if (x->type == ANN_JSON_STRING && !is_ref(x)) {
		out->k = V_STR;
		out->s = x->u.s;
		out->n = x->n;
		return;
	}
	if (x->type == ANN_JSON_STRING) {
		struct ann_buf path = ANN_BUF_INIT;
		const struct ann_jsonv *v = resolve(r, x->u.s, x->n, &path);

		if (loc->len == 0)
			nomem_if(r, ann_buf_add(loc, path.data, path.len));
		ann_buf_release(&path);
		if (v == NULL) {
			out->k = V_MISSING;
		} else if (v->type == ANN_JSON_NUMBER) {
			out->k = rdec_from_decnum(&out->lo, &v->num) ? V_MISSING : V_NUM;
			out->hi = out->lo;
		} else if (v->type == ANN_JSON_STRING) {
			out->k = V_STR;
			out->s = v->u.s;
			out->n = v->n;
		} else if (v->type == ANN_JSON_TRUE || v->type == ANN_JSON_FALSE) {
			out->k = V_BOOL;
			out->b = v->type == ANN_JSON_TRUE;
		} else {
			out->k = V_OTHER;
		}
		return;
	}
	op = x->u.members[0].name;
	a = &x->u.members[0].value;
	if (strcmp(op, "sum") == 0) {
		eval_sum(r, x, out);
		return;
	}
	if (strcmp(op, "round") == 0) {
		eval_round(r, x, out, loc);
		return;
	}
	/* add, sub, mul over intervals */
	for (i = 0; i < a->n; i++) {
		struct val v;

		eval_expr(r, &a->u.items[i], &v, loc);
		if (!to_number(&v)) {
			out->k = V_MISSING;
			return;
		}
		if (i == 0) {
			*out = v;
			continue;
		}
		if (op[0] == 'a') {
			if (rdec_add(&out->lo, &out->lo, &v.lo) || rdec_add(&out->hi, &out->hi, &v.hi))
				out->k = V_MISSING;
		} else if (op[0] == 's') {
			struct rdec lo = out->lo;

			if (rdec_sub(&out->lo, &lo, &v.hi) || rdec_sub(&out->hi, &out->hi, &v.lo))
				out->k = V_MISSING;
		} else {
			struct rdec p[4];
			int k, fail = rdec_mul(&p[0], &out->lo, &v.lo) | rdec_mul(&p[1], &out->lo, &v.hi) |
			    rdec_mul(&p[2], &out->hi, &v.lo) | rdec_mul(&p[3], &out->hi, &v.hi);

			if (fail) {
				out->k = V_MISSING;
			} else {
				out->lo = out->hi = p[0];
				for (k = 1; k < 4; k++) {
					if (rdec_cmp(&p[k], &out->lo) < 0)
						out->lo = p[k];
					if (rdec_cmp(&p[k], &out->hi) > 0)
						out->hi = p[k];
				}
			}
		}
		if (out->k != V_NUM)
			return;
	}
}

/* Rendering expressions and values for messages. */

static void render_expr(struct ann_rules *r, const struct ann_jsonv *x, struct ann_buf *b);

static int
is_compound(const struct ann_jsonv *x)
{
	return x->type == ANN_JSON_OBJECT && x->n > 0 &&
	    (strcmp(x->u.members[0].name, "add") == 0 || strcmp(x->u.members[0].name, "sub") == 0);
}

static void
render_expr(struct ann_rules *r, const struct ann_jsonv *x, struct ann_buf *b)
{
	const char *op;
	const struct ann_jsonv *a;
	size_t i;

	if (x->type == ANN_JSON_NUMBER) {
		nomem_if(r, ann_buf_add(b, x->text, x->text_len));
		return;
	}
	if (x->type == ANN_JSON_TRUE || x->type == ANN_JSON_FALSE) {
		nomem_if(r, ann_buf_adds(b, x->type == ANN_JSON_TRUE ? "true" : "false"));
		return;
	}
	if (x->type == ANN_JSON_STRING) {
		if (is_ref(x))
			(void)resolve(r, x->u.s, x->n, b);
		else
			nomem_if(r, ann_buf_add_json_string(b, x->u.s, x->n));
		return;
	}
	op = x->u.members[0].name;
	a = &x->u.members[0].value;
	if (strcmp(op, "sum") == 0) {
		const struct ann_jsonv *f = ann_jsonv_gets(x, "for_each");
		const struct ann_jsonv *array;
		const char *name;
		size_t name_len;

		nomem_if(r, ann_buf_adds(b, "sum of "));
		if (r->nb == RULES_MAX_BINDINGS || rules_bind_push(r, f, &name, &name_len, &array))
			return;
		r->b[r->nb].name = name;
		r->b[r->nb].name_len = name_len;
		r->b[r->nb].value = NULL;
		nomem_if(r, ann_buf_adds(&r->b[r->nb].path, "/*"));
		r->nb++;
		render_expr(r, a, b);
		if (ann_jsonv_gets(x, "where"))
			nomem_if(r, ann_buf_adds(b, " over the selected items"));
		r->nb--;
		return;
	}
	if (strcmp(op, "round") == 0) {
		static const char *const names[] = { "floor", "ceil", "round", "half_even",
		    "truncate", "floor or ceil" };
		const struct ann_jsonv *unit = ann_jsonv_gets(x, "unit");

		nomem_if(r, ann_buf_addf(b, "%s(", names[pick_mode(r, ann_jsonv_gets(x, "mode"))]));
		render_expr(r, a, b);
		if (unit) {
			nomem_if(r, ann_buf_adds(b, " to "));
			nomem_if(r, ann_buf_add(b, unit->text, unit->text_len));
		}
		nomem_if(r, ann_buf_addc(b, ')'));
		return;
	}
	for (i = 0; i < a->n; i++) {
		int paren = op[0] == 'm' ? is_compound(&a->u.items[i]) :
		    (op[0] == 's' && i > 0 && is_compound(&a->u.items[i]));

		if (i > 0 && op[0] == 'a')
			nomem_if(r, ann_buf_adds(b, " + "));
		else if (i > 0 && op[0] == 's')
			nomem_if(r, ann_buf_adds(b, " - "));
		else if (i > 0)
			nomem_if(r, ann_buf_adds(b, " * "));
		if (paren)
			nomem_if(r, ann_buf_addc(b, '('));
		render_expr(r, &a->u.items[i], b);
		if (paren)
			nomem_if(r, ann_buf_addc(b, ')'));
	}
}

static void
render_val(struct ann_rules *r, const struct val *v, struct ann_buf *b)
{
	if (v->k == V_STR) {
		nomem_if(r, ann_buf_add_json_string(b, v->s, v->n));
		return;
	}
	if (v->k == V_BOOL) {
		nomem_if(r, ann_buf_adds(b, v->b ? "true" : "false"));
		return;
	}
	nomem_if(r, rdec_format(b, &v->lo));
	if (rdec_cmp(&v->lo, &v->hi) != 0) {
		nomem_if(r, ann_buf_adds(b, " to "));
		nomem_if(r, rdec_format(b, &v->hi));
	}
}

/* Records why a condition failed, unless an earlier failure is already recorded. */
static void
fail_at(struct ann_rules *r, const struct ann_buf *loc)
{
	ann_buf_reset(&r->loc);
	nomem_if(r, ann_buf_add(&r->loc, loc->data, loc->len));
}

static enum tri
eval_compare(struct ann_rules *r, const struct ann_jsonv *c)
{
	static const char *const num_words[] = { "equal to", "different from", "less than",
	    "at most", "greater than", "at least" };
	static const char *const date_words[] = { "the same date as", "a different date from",
	    "before", "not after", "after", "not before" };
	const char *op = c->u.members[0].name;
	const struct ann_jsonv *a = &c->u.members[0].value;
	const struct ann_jsonv *tol_node = ann_jsonv_gets(c, "tolerance");
	struct ann_buf loc = ANN_BUF_INIT;
	struct rdec tol = { 0, 0 };
	struct val x, y;
	char dx[11], dy[11];
	int op_index, ok, cmp, dates = 0;

	op_index = strcmp(op, "eq") == 0 ? 0 : strcmp(op, "ne") == 0 ? 1 : strcmp(op, "lt") == 0 ? 2 :
	    strcmp(op, "le") == 0 ? 3 : strcmp(op, "gt") == 0 ? 4 : 5;
	eval_expr(r, &a->u.items[0], &x, &loc);
	eval_expr(r, &a->u.items[1], &y, &loc);
	if (tol_node && rdec_from_decnum(&tol, &tol_node->num)) {
		ann_buf_release(&loc);
		return TRI_UNKNOWN;
	}
	if (x.k == V_MISSING || y.k == V_MISSING || x.k == V_OTHER || y.k == V_OTHER) {
		ann_buf_release(&loc);
		return TRI_UNKNOWN;
	}
	if (x.k == V_BOOL || y.k == V_BOOL) {
		if (x.k != y.k || op_index > 1) {
			ann_buf_release(&loc);
			return TRI_UNKNOWN;
		}
		ok = op_index == 0 ? x.b == y.b : x.b != y.b;
	} else if (to_number(&x) && to_number(&y)) {
		struct rdec xlo, xhi;

		/* x widened by the tolerance against y's range: lenient, so an
		 * answer is rejected only when no allowed reading satisfies it */
		if (rdec_sub(&xlo, &x.lo, &tol) || rdec_add(&xhi, &x.hi, &tol)) {
			ann_buf_release(&loc);
			return TRI_UNKNOWN;
		}
		switch (op_index) {
		case 0: ok = rdec_cmp(&xlo, &y.hi) <= 0 && rdec_cmp(&y.lo, &xhi) <= 0; break;
		case 1: ok = !(rdec_cmp(&xlo, &y.hi) <= 0 && rdec_cmp(&y.lo, &xhi) <= 0); break;
		case 2: ok = rdec_cmp(&xlo, &y.hi) < 0; break;
		case 3: ok = rdec_cmp(&xlo, &y.hi) <= 0; break;
		case 4: ok = rdec_cmp(&xhi, &y.lo) > 0; break;
		default: ok = rdec_cmp(&xhi, &y.lo) >= 0; break;
		}
	} else if (x.k == V_STR && y.k == V_STR &&
	    ann_norm_date(x.s, x.n, ANN_DATE_DMY, dx) == 1 && strlen(dx) == 10 &&
	    ann_norm_date(y.s, y.n, ANN_DATE_DMY, dy) == 1 && strlen(dy) == 10) {
		dates = 1;
		cmp = strcmp(dx, dy);
		switch (op_index) {
		case 0: ok = cmp == 0; break;
		case 1: ok = cmp != 0; break;
		case 2: ok = cmp < 0; break;
		case 3: ok = cmp <= 0; break;
		case 4: ok = cmp > 0; break;
		default: ok = cmp >= 0; break;
		}
	} else if (x.k == V_STR && y.k == V_STR && op_index <= 1) {
		struct ann_buf nx = ANN_BUF_INIT, ny = ANN_BUF_INIT;
		unsigned flags = ANN_NORM_NFKC | ANN_NORM_SPACE;

		nomem_if(r, ann_norm_text(x.s, x.n, flags, &nx) | ann_norm_text(y.s, y.n, flags, &ny));
		cmp = nx.len != ny.len || memcmp(nx.data, ny.data, nx.len) != 0;
		ann_buf_release(&nx);
		ann_buf_release(&ny);
		ok = op_index == 0 ? cmp == 0 : cmp != 0;
	} else {
		ann_buf_release(&loc);
		return TRI_UNKNOWN;
	}
	if (ok) {
		ann_buf_release(&loc);
		return TRI_TRUE;
	}
	if (r->msg.len == 0) {
		fail_at(r, &loc);
		render_expr(r, &a->u.items[0], &r->msg);
		nomem_if(r, ann_buf_adds(&r->msg, " is "));
		render_val(r, &x, &r->msg);
		nomem_if(r, ann_buf_addf(&r->msg, ", expected %s ",
		    dates ? date_words[op_index] : num_words[op_index]));
		render_expr(r, &a->u.items[1], &r->msg);
		if (a->u.items[1].type == ANN_JSON_OBJECT || is_ref(&a->u.items[1])) {
			nomem_if(r, ann_buf_adds(&r->msg, " = "));
			render_val(r, &y, &r->msg);
		}
		if (tol_node && tol.m != 0) {
			nomem_if(r, ann_buf_adds(&r->msg, " within "));
			nomem_if(r, ann_buf_add(&r->msg, tol_node->text, tol_node->text_len));
		}
	}
	ann_buf_release(&loc);
	return TRI_FALSE;
}

static enum tri
eval_registration(struct ann_rules *r, const struct ann_jsonv *c)
{
	const struct ann_jsonv *corp = ann_jsonv_gets(c, "corporate");
	struct ann_buf loc = ANN_BUF_INIT;
	struct val v;
	char why[200];
	int corporate = 0, rc;

	eval_expr(r, &c->u.members[0].value, &v, &loc);
	if (v.k != V_STR) {
		ann_buf_release(&loc);
		return TRI_UNKNOWN;
	}
	if (corp) {
		size_t msg_mark = r->msg.len, loc_mark = r->loc.len;

		corporate = rules_eval_cond(r, corp) == TRI_TRUE;
		ann_buf_truncate(&r->msg, msg_mark);
		ann_buf_truncate(&r->loc, loc_mark);
	}
	rc = ann_rules_jp_registration(v.s, v.n, corporate, why, sizeof why);
	if (rc < 0)
		r->nomem = 1;
	if (rc != 0) {
		ann_buf_release(&loc);
		return rc < 0 ? TRI_UNKNOWN : TRI_TRUE;
	}
	if (r->msg.len == 0) {
		fail_at(r, &loc);
		render_expr(r, &c->u.members[0].value, &r->msg);
		nomem_if(r, ann_buf_addf(&r->msg, ": %s", why));
	}
	ann_buf_release(&loc);
	return TRI_FALSE;
}

static enum tri
eval_matches(struct ann_rules *r, const struct ann_jsonv *c)
{
	const struct ann_jsonv *a = &c->u.members[0].value;
	struct ann_buf loc = ANN_BUF_INIT;
	struct val v;
	size_t i;
	int rc;

	eval_expr(r, &a->u.items[0], &v, &loc);
	for (i = 0; i < r->n_regexes && r->regexes[i].node != c; i++)
		;
	if (v.k != V_STR || i == r->n_regexes) {
		ann_buf_release(&loc);
		return TRI_UNKNOWN;
	}
	rc = pcre2_match(r->regexes[i].code, (PCRE2_SPTR)v.s, v.n, 0, 0, r->match_data, NULL);
	if (rc >= 0 || rc != PCRE2_ERROR_NOMATCH) {
		ann_buf_release(&loc);
		return rc >= 0 ? TRI_TRUE : TRI_UNKNOWN;
	}
	if (r->msg.len == 0) {
		fail_at(r, &loc);
		render_expr(r, &a->u.items[0], &r->msg);
		nomem_if(r, ann_buf_adds(&r->msg, " is "));
		render_val(r, &v, &r->msg);
		nomem_if(r, ann_buf_adds(&r->msg, ", which does not match "));
		nomem_if(r, ann_buf_add_json_string(&r->msg, a->u.items[1].u.s, a->u.items[1].n));
	}
	ann_buf_release(&loc);
	return TRI_FALSE;
}

enum tri
rules_eval_cond(struct ann_rules *r, const struct ann_jsonv *c)
{
	const char *op = c->u.members[0].name;
	const struct ann_jsonv *a = &c->u.members[0].value;
	size_t i, msg_mark = r->msg.len, loc_mark = r->loc.len;
	enum tri t, result;

	if (strcmp(op, "all") == 0) {
		result = TRI_TRUE;
		for (i = 0; i < a->n; i++) {
			t = rules_eval_cond(r, &a->u.items[i]);
			if (t == TRI_FALSE)
				return TRI_FALSE;
			if (t == TRI_UNKNOWN)
				result = TRI_UNKNOWN;
		}
		return result;
	}
	if (strcmp(op, "any") == 0) {
		result = TRI_FALSE;
		for (i = 0; i < a->n && result != TRI_TRUE; i++) {
			t = rules_eval_cond(r, &a->u.items[i]);
			if (t != TRI_FALSE)
				result = t;
		}
		if (result != TRI_FALSE) {
			ann_buf_truncate(&r->msg, msg_mark);
			ann_buf_truncate(&r->loc, loc_mark);
		}
		return result;
	}
	if (strcmp(op, "not") == 0) {
		t = rules_eval_cond(r, a);
		ann_buf_truncate(&r->msg, msg_mark);
		ann_buf_truncate(&r->loc, loc_mark);
		if (t == TRI_TRUE && r->msg.len == 0)
			nomem_if(r, ann_buf_adds(&r->msg, "the condition under \"not\" holds"));
		if (t == TRI_UNKNOWN)
			return TRI_UNKNOWN;
		return t == TRI_TRUE ? TRI_FALSE : TRI_TRUE;
	}
	if (strcmp(op, "exists") == 0) {
		struct ann_buf path = ANN_BUF_INIT;

		if (resolve(r, a->u.s, a->n, &path)) {
			ann_buf_release(&path);
			return TRI_TRUE;
		}
		if (r->msg.len == 0) {
			fail_at(r, &path);
			nomem_if(r, ann_buf_add(&r->msg, path.data, path.len));
			nomem_if(r, ann_buf_adds(&r->msg, " is missing"));
		}
		ann_buf_release(&path);
		return TRI_FALSE;
	}
	if (strcmp(op, "matches") == 0)
		return eval_matches(r, c);
	if (strcmp(op, "jp_registration_number") == 0)
		return eval_registration(r, c);
	return eval_compare(r, c);
}

int
rules_bind_push(struct ann_rules *r, const struct ann_jsonv *for_each, const char **name,
    size_t *name_len, const struct ann_jsonv **array)
{
	const struct ann_jsonv *ref = &for_each->u.members[0].value;
	struct ann_buf *path = &r->b[r->nb].path;
	const struct ann_jsonv *v;

	*name = for_each->u.members[0].name;
	*name_len = for_each->u.members[0].name_len;
	ann_buf_reset(path);
	/* the path buffer of the slot being filled is not among the bindings searched */
	v = resolve(r, ref->u.s, ref->n, path);
	*array = v && v->type == ANN_JSON_ARRAY ? v : NULL;
	return r->nomem ? ANN_ERR_NOMEM : ANN_OK;
}
