#include "validate_checks.h"

#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "ground.h"
#include "rules.h"

struct ann_validate_checks {
	struct ann_ground *ground;
	struct ann_rules *rules;
	char *member;             /* record member holding the source */
	const char *rest;         /* rest of the source pointer inside it */
	const char *source;       /* the whole pointer, for messages */
	struct ann_finding_list findings;
	struct ann_jsonv_doc doc;
	struct ann_buf spans;
	int have_spans;           /* spans contains this record's "spans" member */
	struct ann_buf seg;
};

void
ann_validate_checks_free(struct ann_validate_checks *c)
{
	if (c == NULL)
		return;
	ann_ground_free(c->ground);
	ann_rules_free(c->rules);
	ann_finding_list_release(&c->findings);
	ann_jsonv_doc_release(&c->doc);
	ann_buf_release(&c->spans);
	ann_buf_release(&c->seg);
	free(c->member);
	free(c);
}

/* Decodes the JSON Pointer segment s[0..n) ("~1" is '/', "~0" is '~') into out. */
static int
decode_segment(const char *s, size_t n, struct ann_buf *out)
{
	size_t i;
	int rc = ANN_OK;

	ann_buf_reset(out);
	for (i = 0; i < n && rc == ANN_OK; i++) {
		if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
			rc = ann_buf_addc(out, s[i + 1] == '0' ? '~' : '/');
			i++;
		} else {
			rc = ann_buf_addc(out, s[i]);
		}
	}
	return rc;
}

int
ann_validate_checks_new(struct ann_validate_checks **out, const struct ann_validate_opts *o,
    struct ann_error *e)
{
	struct ann_validate_checks *c;
	int rc = ANN_OK;

	*out = NULL;
	if (o->ground.source == NULL && o->rules_path == NULL)
		return ANN_OK;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	ann_finding_list_init(&c->findings);
	ann_jsonv_doc_init(&c->doc);
	ann_buf_init(&c->spans, 0);
	ann_buf_init(&c->seg, 0);

	if (o->ground.source) {
		struct ann_ground_opts go = o->ground;
		const char *p = go.source;
		const char *slash;

		if (p[0] != '/' || p[1] == '\0') {
			rc = ann_error_set(e, ANN_ERR_CONFIG,
			    "invalid --ground, expected a JSON Pointer such as /text: %s", p);
			goto fail;
		}
		slash = strchr(p + 1, '/');
		rc = decode_segment(p + 1, slash ? (size_t)(slash - p - 1) : strlen(p + 1), &c->seg);
		if (rc == ANN_OK && (c->member = strdup(c->seg.data)) == NULL)
			rc = ANN_ERR_NOMEM;
		if (rc) {
			ann_error_set(e, rc, "out of memory");
			goto fail;
		}
		c->rest = slash ? slash : "";
		c->source = p;
		go.schema_path = o->schema_path;
		rc = ann_ground_new(&c->ground, &go, e);
		if (rc)
			goto fail;
	}
	if (o->rules_path) {
		rc = ann_rules_load(&c->rules, o->rules_path, e);
		if (rc)
			goto fail;
	}
	*out = c;
	return ANN_OK;

fail:
	ann_validate_checks_free(c);
	return rc;
}

/* Follows a JSON Pointer rest inside v; NULL when a step is missing. */
static const struct ann_jsonv *
follow(struct ann_validate_checks *c, const struct ann_jsonv *v, const char *p)
{
	while (v && *p == '/') {
		const char *next = strchr(p + 1, '/');
		size_t len = next ? (size_t)(next - p - 1) : strlen(p + 1);

		if (decode_segment(p + 1, len, &c->seg))
			return NULL;
		if (v->type == ANN_JSON_OBJECT) {
			v = ann_jsonv_get(v, c->seg.data, c->seg.len);
		} else if (v->type == ANN_JSON_ARRAY) {
			char *end;
			unsigned long i = strtoul(c->seg.data, &end, 10);

			v = c->seg.len > 0 && *end == '\0' && c->seg.data[0] != '-' &&
			    (c->seg.data[0] != '0' || c->seg.len == 1) && i < v->n ?
			    &v->u.items[i] : NULL;
		} else {
			v = NULL;
		}
		p += 1 + len;
	}
	return v;
}

static int
run_ground(struct ann_validate_checks *c, const struct ann_record *rec,
    const struct ann_jsonv *value, struct ann_error *e)
{
	const struct ann_json_member *m = ann_record_get(rec, c->member);
	const struct ann_jsonv *src = NULL;
	struct ann_error why = ANN_ERROR_INIT;
	int rc;

	if (m) {
		rc = ann_jsonv_parse(&c->doc, rec->line + m->value_start,
		    m->value_end - m->value_start, &src, &why);
		if (rc == ANN_ERR_NOMEM)
			return ann_error_set(e, rc, "out of memory");
		src = rc == ANN_OK ? follow(c, src, c->rest) : NULL;
	}
	if (src == NULL) {
		rc = ann_finding_add(&c->findings, "", ANN_GROUND_KEYWORD,
		    "record has no source text at %s, so no value can be grounded", c->source);
		return rc ? ann_error_set(e, rc, "out of memory") : ANN_OK;
	}
	rc = ann_ground_set_source(c->ground, src, &why);
	if (rc == ANN_ERR_INVALID) {
		rc = ann_finding_add(&c->findings, "", ANN_GROUND_KEYWORD, "source at %s: %s",
		    c->source, why.msg);
		return rc ? ann_error_set(e, rc, "out of memory") : ANN_OK;
	}
	if (rc)
		return ann_error_set(e, rc, "%s", why.msg);
	c->have_spans = 1;
	return ann_ground_check(c->ground, value, &c->findings, &c->spans, e);
}

int
ann_validate_checks_run(struct ann_validate_checks *c, const struct ann_record *rec,
    const struct ann_jsonv *value, size_t max_findings, struct ann_buf *validation, int *valid,
    struct ann_error *e)
{
	int rc = ANN_OK;

	ann_finding_list_reset(&c->findings);
	c->have_spans = 0;
	if (c->ground)
		rc = run_ground(c, rec, value, e);
	if (rc == ANN_OK && c->rules)
		rc = ann_rules_check(c->rules, value, &c->findings, e);
	if (rc)
		return rc;
	if (c->findings.n == 0)
		return ANN_OK;
	*valid = 0;
	ann_finding_list_truncate(&c->findings, max_findings);
	rc = ann_finding_merge(&c->findings, validation);
	return rc ? ann_error_set(e, rc, "cannot add grounding and rule errors to the validation") :
	    ANN_OK;
}

const struct ann_finding_list *
ann_validate_checks_findings(const struct ann_validate_checks *c)
{
	return &c->findings;
}

int
ann_validate_checks_write(struct ann_validate_checks *c, struct ann_record_edit *ed,
    struct ann_error *e)
{
	int rc;

	if (!c->have_spans)
		return ANN_OK;
	rc = ann_record_edit_set_raw(ed, "spans", c->spans.data, c->spans.len);
	return rc ? ann_error_set(e, rc, "out of memory") : ANN_OK;
}
