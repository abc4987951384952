#include "eval_report.h"

#include <math.h>
#include <string.h>

#include <utf8proc.h>

#include "jsonl.h"

size_t
ann_eval_display_width(const char *s, size_t n)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t width = 0;
	size_t i = 0;

	while (i < n) {
		utf8proc_int32_t c;
		utf8proc_ssize_t step = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &c);
		int w;

		if (step < 0) {
			/* Not UTF-8: one column per byte, as most terminals show a replacement. */
			width++;
			i++;
			continue;
		}
		w = utf8proc_charwidth(c);
		width += w > 0 ? (size_t)w : 0;
		i += (size_t)step;
	}
	return width;
}

/* Appends s and then spaces up to width columns. */
static int
add_padded(struct ann_buf *out, const char *s, size_t width)
{
	size_t used = ann_eval_display_width(s, strlen(s));
	int rc = ann_buf_adds(out, s);

	while (rc == ANN_OK && used++ < width)
		rc = ann_buf_addc(out, ' ');
	return rc;
}

static const char *const count_headers[] = { "support", "correct", "wrong", "missing", "extra" };
static const char *const score_headers[] = { "accuracy", "precision", "recall", "f1" };

/* Column widths: counts up to 9,999,999 and scores printed as 0.0000 fit. */
static const int count_widths[] = { 7, 7, 7, 7, 7 };
static const int score_widths[] = { 8, 9, 6, 6 };

/* Appends one row: label, five counts (blank when counts is NULL), four scores. */
static int
add_row(struct ann_buf *out, const char *label, size_t label_width, const size_t counts[5],
    const struct ann_eval_scores *s)
{
	double scores[4];
	int rc;
	int i;

	scores[0] = s->accuracy;
	scores[1] = s->precision;
	scores[2] = s->recall;
	scores[3] = s->f1;
	rc = add_padded(out, label, label_width);
	for (i = 0; rc == ANN_OK && i < 5; i++) {
		if (counts != NULL)
			rc = ann_buf_addf(out, "  %*zu", count_widths[i], counts[i]);
		else
			rc = ann_buf_addf(out, "  %*s", count_widths[i], "");
	}
	for (i = 0; rc == ANN_OK && i < 4; i++) {
		if (isnan(scores[i]))
			rc = ann_buf_addf(out, "  %*s", score_widths[i], "n/a");
		else
			rc = ann_buf_addf(out, "  %*.4f", score_widths[i], scores[i]);
	}
	if (rc == ANN_OK)
		rc = ann_buf_addc(out, '\n');
	return rc;
}

static void
field_counts(const struct ann_eval_field *f, const struct ann_eval_scores *s, size_t counts[5])
{
	counts[0] = s->support;
	counts[1] = f->correct;
	counts[2] = f->wrong;
	counts[3] = f->missing;
	counts[4] = f->extra;
}

/* The table's name for the whole compared value, whose pointer is "". */
static const char *
field_label(const char *pattern)
{
	return pattern[0] ? pattern : "(whole value)";
}

/* Appends "what: N", after ", " unless *first, when n is not 0. */
static int
add_count(struct ann_buf *out, int *first, size_t n, const char *what)
{
	int rc;

	if (n == 0)
		return ANN_OK;
	rc = ann_buf_addf(out, "%s%s: %zu", *first ? " (" : ", ", what, n);
	*first = 0;
	return rc;
}

static int
add_stream_line(struct ann_buf *out, const char *side, const struct ann_eval_stream_counts *c)
{
	int first = 1;
	int rc;

	rc = ann_buf_addf(out, "%s: %zu records", side, c->records);
	if (rc == ANN_OK)
		rc = add_count(out, &first, c->unreadable, "unreadable lines");
	if (rc == ANN_OK)
		rc = add_count(out, &first, c->no_id, "without a string id");
	if (rc == ANN_OK)
		rc = add_count(out, &first, c->errors, "error records");
	if (rc == ANN_OK)
		rc = add_count(out, &first, c->duplicates, "duplicate ids");
	if (rc == ANN_OK)
		rc = add_count(out, &first, c->no_member, "without the compared member");
	if (rc == ANN_OK && !first)
		rc = ann_buf_addc(out, ')');
	if (rc == ANN_OK)
		rc = ann_buf_addc(out, '\n');
	return rc;
}

int
ann_eval_report_table(const struct ann_eval *ev, struct ann_buf *out)
{
	struct ann_eval_overall o;
	size_t label_width = strlen("macro average");
	size_t counts[5];
	size_t i;
	int rc;

	for (i = 0; i < ev->n_fields; i++) {
		const char *label = field_label(ev->fields[i].pattern);
		size_t w = ann_eval_display_width(label, strlen(label));

		if (w > label_width)
			label_width = w;
	}

	rc = add_padded(out, "field", label_width);
	for (i = 0; rc == ANN_OK && i < 5; i++)
		rc = ann_buf_addf(out, "  %*s", count_widths[i], count_headers[i]);
	for (i = 0; rc == ANN_OK && i < 4; i++)
		rc = ann_buf_addf(out, "  %*s", score_widths[i], score_headers[i]);
	if (rc == ANN_OK)
		rc = ann_buf_addc(out, '\n');

	for (i = 0; rc == ANN_OK && i < ev->n_fields; i++) {
		struct ann_eval_scores s;

		ann_eval_field_scores(&ev->fields[i], &s);
		field_counts(&ev->fields[i], &s, counts);
		rc = add_row(out, field_label(ev->fields[i].pattern), label_width, counts, &s);
	}

	ann_eval_overall(ev, &o);
	field_counts(&o.total, &o.micro, counts);
	if (rc == ANN_OK)
		rc = add_row(out, "micro average", label_width, counts, &o.micro);
	if (rc == ANN_OK)
		rc = add_row(out, "macro average", label_width, NULL, &o.macro);

	if (rc == ANN_OK && isnan(o.document_exact_match))
		rc = ann_buf_addf(out, "\ndocuments: %zu scored, %zu exact match (n/a)\n",
		    ev->documents, ev->documents_exact);
	else if (rc == ANN_OK)
		rc = ann_buf_addf(out, "\ndocuments: %zu scored, %zu exact match (%.4f)\n",
		    ev->documents, ev->documents_exact, o.document_exact_match);
	if (rc == ANN_OK)
		rc = add_stream_line(out, "reference", &ev->reference);
	if (rc == ANN_OK)
		rc = add_stream_line(out, "annotations", &ev->annotations);
	if (rc == ANN_OK)
		rc = ann_buf_addf(out, "paired: %zu; reference records without annotation: %zu; "
		    "annotations without reference: %zu\n", ev->paired, ev->missing_annotations,
		    ev->unreferenced_annotations);
	return rc;
}

/* Appends "name":number, with a comma before unless first; NAN, a score with nothing to measure, is null. */
static int
add_number_member(struct ann_buf *out, const char *name, double v, int first)
{
	int rc = ann_buf_addf(out, "%s\"%s\":", first ? "" : ",", name);

	if (rc == ANN_OK && isnan(v))
		return ann_buf_adds(out, "null");
	return rc ? rc : ann_buf_add_json_number(out, v);
}

static int
add_scores(struct ann_buf *out, const struct ann_eval_field *f, const struct ann_eval_scores *s)
{
	int rc = ANN_OK;

	rc = rc ? rc : add_number_member(out, "precision", s->precision, 1);
	rc = rc ? rc : add_number_member(out, "recall", s->recall, 0);
	rc = rc ? rc : add_number_member(out, "f1", s->f1, 0);
	rc = rc ? rc : add_number_member(out, "accuracy", s->accuracy, 0);
	rc = rc ? rc : add_number_member(out, "support", (double)s->support, 0);
	rc = rc ? rc : add_number_member(out, "slots", (double)f->slots, 0);
	rc = rc ? rc : add_number_member(out, "correct", (double)f->correct, 0);
	rc = rc ? rc : add_number_member(out, "wrong", (double)f->wrong, 0);
	rc = rc ? rc : add_number_member(out, "missing", (double)f->missing, 0);
	rc = rc ? rc : add_number_member(out, "extra", (double)f->extra, 0);
	return rc;
}

static int
add_stream_json(struct ann_buf *out, const char *name, const struct ann_eval_stream_counts *c)
{
	int rc = ann_buf_addf(out, ",\"%s\":{", name);

	rc = rc ? rc : add_number_member(out, "records", (double)c->records, 1);
	rc = rc ? rc : add_number_member(out, "unreadable", (double)c->unreadable, 0);
	rc = rc ? rc : add_number_member(out, "no_id", (double)c->no_id, 0);
	rc = rc ? rc : add_number_member(out, "errors", (double)c->errors, 0);
	rc = rc ? rc : add_number_member(out, "duplicates", (double)c->duplicates, 0);
	rc = rc ? rc : add_number_member(out, "no_member", (double)c->no_member, 0);
	return rc ? rc : ann_buf_addc(out, '}');
}

int
ann_eval_report_json(const struct ann_eval *ev, struct ann_buf *out)
{
	struct ann_eval_overall o;
	size_t i;
	int rc;

	rc = ann_buf_adds(out, "{\"fields\":{");
	for (i = 0; rc == ANN_OK && i < ev->n_fields; i++) {
		const struct ann_eval_field *f = &ev->fields[i];
		struct ann_eval_scores s;

		ann_eval_field_scores(f, &s);
		if (i > 0)
			rc = ann_buf_addc(out, ',');
		rc = rc ? rc : ann_buf_add_json_string(out, f->pattern, strlen(f->pattern));
		rc = rc ? rc : ann_buf_add(out, ":{", 2);
		rc = rc ? rc : add_scores(out, f, &s);
		rc = rc ? rc : ann_buf_addc(out, '}');
	}

	ann_eval_overall(ev, &o);
	rc = rc ? rc : ann_buf_adds(out, "},\"overall\":{");
	rc = rc ? rc : add_number_member(out, "micro_precision", o.micro.precision, 1);
	rc = rc ? rc : add_number_member(out, "micro_recall", o.micro.recall, 0);
	rc = rc ? rc : add_number_member(out, "micro_f1", o.micro.f1, 0);
	rc = rc ? rc : add_number_member(out, "macro_precision", o.macro.precision, 0);
	rc = rc ? rc : add_number_member(out, "macro_recall", o.macro.recall, 0);
	rc = rc ? rc : add_number_member(out, "macro_f1", o.macro.f1, 0);
	rc = rc ? rc : add_number_member(out, "accuracy", o.micro.accuracy, 0);
	rc = rc ? rc : add_number_member(out, "macro_accuracy", o.macro.accuracy, 0);
	rc = rc ? rc : add_number_member(out, "document_exact_match", o.document_exact_match, 0);
	rc = rc ? rc : add_number_member(out, "documents", (double)ev->documents, 0);
	rc = rc ? rc : add_number_member(out, "documents_exact", (double)ev->documents_exact, 0);
	rc = rc ? rc : add_number_member(out, "support", (double)o.micro.support, 0);
	rc = rc ? rc : add_number_member(out, "slots", (double)o.total.slots, 0);
	rc = rc ? rc : add_number_member(out, "correct", (double)o.total.correct, 0);
	rc = rc ? rc : add_number_member(out, "wrong", (double)o.total.wrong, 0);
	rc = rc ? rc : add_number_member(out, "missing", (double)o.total.missing, 0);
	rc = rc ? rc : add_number_member(out, "extra", (double)o.total.extra, 0);

	rc = rc ? rc : ann_buf_adds(out, "},\"records\":{");
	rc = rc ? rc : add_number_member(out, "paired", (double)ev->paired, 1);
	rc = rc ? rc : add_number_member(out, "missing_annotations", (double)ev->missing_annotations, 0);
	rc = rc ? rc : add_number_member(out, "unreferenced_annotations",
	    (double)ev->unreferenced_annotations, 0);
	rc = rc ? rc : add_stream_json(out, "reference", &ev->reference);
	rc = rc ? rc : add_stream_json(out, "annotations", &ev->annotations);
	return rc ? rc : ann_buf_adds(out, "}}\n");
}

static const char *
diff_kind_name(enum ann_eval_diff_kind kind)
{
	switch (kind) {
	case ANN_EVAL_DIFF_WRONG: return "wrong";
	case ANN_EVAL_DIFF_MISSING: return "missing";
	case ANN_EVAL_DIFF_EXTRA: return "extra";
	case ANN_EVAL_DIFF_MISSING_RECORD: return "missing_record";
	case ANN_EVAL_DIFF_ERROR_RECORD: return "error_record";
	case ANN_EVAL_DIFF_NO_MEMBER: return "no_member";
	case ANN_EVAL_DIFF_UNREFERENCED_RECORD: return "unreferenced_record";
	case ANN_EVAL_DIFF_DUPLICATE: return "duplicate";
	case ANN_EVAL_DIFF_NO_ID: return "no_id";
	case ANN_EVAL_DIFF_UNREADABLE: return "unreadable";
	}
	return "unknown";
}

/* Appends ,"name": and the cJSON value v printed unformatted (null when NULL). */
static int
add_cjson_member(struct ann_buf *out, const char *name, const cJSON *v)
{
	char *text;
	int rc = ann_buf_addf(out, ",\"%s\":", name);

	if (rc)
		return rc;
	if (v == NULL)
		return ann_buf_adds(out, "null");
	text = cJSON_PrintUnformatted(v);
	if (text == NULL)
		return ANN_ERR_NOMEM;
	rc = ann_buf_adds(out, text);
	cJSON_free(text);
	return rc;
}

static int
add_string_member(struct ann_buf *out, const char *name, const char *s)
{
	int rc = ann_buf_addf(out, ",\"%s\":", name);

	return rc ? rc : ann_buf_add_json_string(out, s, strlen(s));
}

static int
add_field_diff(const struct ann_eval_diff *d, struct ann_buf *out)
{
	int rc = ANN_OK;

	rc = rc ? rc : add_string_member(out, "field", d->field);
	rc = rc ? rc : add_string_member(out, "path", d->path);
	if (d->annotation_path != NULL)
		rc = rc ? rc : add_string_member(out, "annotation_path", d->annotation_path);
	rc = rc ? rc : add_cjson_member(out, "reference", d->reference);
	rc = rc ? rc : add_cjson_member(out, "annotation", d->annotation);
	rc = rc ? rc : ann_buf_adds(out, ",\"normalized\":{\"reference\":");
	rc = rc ? rc : ann_norm_value_json(d->reference_norm, out);
	rc = rc ? rc : ann_buf_adds(out, ",\"annotation\":");
	rc = rc ? rc : ann_norm_value_json(d->annotation_norm, out);
	return rc ? rc : ann_buf_addc(out, '}');
}

int
ann_eval_diff_json(const struct ann_eval_diff *d, struct ann_buf *out)
{
	int rc = ann_buf_adds(out, "{\"id\":");

	/* A line without an id gets the id error records use, "line:N". */
	if (rc == ANN_OK && d->id != NULL)
		rc = ann_buf_add_json_string(out, d->id, d->id_len);
	else if (rc == ANN_OK)
		rc = ann_buf_addf(out, "\"line:%zu\"", d->line);
	rc = rc ? rc : add_string_member(out, "kind", diff_kind_name(d->kind));

	if (d->field != NULL) {
		rc = rc ? rc : add_field_diff(d, out);
	} else {
		if (d->side != NULL)
			rc = rc ? rc : add_string_member(out, "side", d->side);
		if (d->line != 0)
			rc = rc ? rc : ann_buf_addf(out, ",\"line\":%zu", d->line);
		if (d->message != NULL)
			rc = rc ? rc : add_string_member(out, "message", d->message);
		if (d->error != NULL)
			rc = rc ? rc : add_cjson_member(out, "error", d->error);
	}
	return rc ? rc : ann_buf_adds(out, "}\n");
}

int
ann_eval_diff_write(void *ctx, const struct ann_eval_diff *d, struct ann_error *e)
{
	struct ann_jsonl_writer *w = ctx;
	struct ann_buf line = ANN_BUF_INIT;
	int rc;

	rc = ann_eval_diff_json(d, &line);
	if (rc)
		rc = ann_error_set(e, rc, "out of memory writing a difference");
	else
		rc = ann_jsonl_write(w, line.data, line.len, e);
	ann_buf_release(&line);
	return rc;
}
