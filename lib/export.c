#include "export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "record.h"

int
ann_export_init(struct ann_export *x, const struct ann_merge_options *opt, int fd,
    struct ann_error *e)
{
	memset(x, 0, sizeof *x);
	x->opt = opt;
	ann_jsonl_writer_init(&x->w, fd, 0);
	ann_strtab_init(&x->columns);
	ann_fields_init(&x->fields);
	ann_buf_init(&x->line, 0);
	ann_buf_init(&x->text, 0);
	if (opt->format == ANN_MERGE_CSV) {
		x->rows = tmpfile();
		if (x->rows == NULL)
			return ann_error_set(e, ANN_ERR_IO, "cannot create a temporary file for "
			    "the CSV rows: %s", strerror(errno));
	}
	return ANN_OK;
}

void
ann_export_release(struct ann_export *x)
{
	if (x->rows)
		fclose(x->rows);
	x->rows = NULL;
	ann_jsonl_writer_release(&x->w);
	ann_strtab_release(&x->columns);
	ann_fields_release(&x->fields);
	ann_buf_release(&x->line);
	ann_buf_release(&x->text);
}

/* Returns the number at member path of the "agreement" object, or -1. */
static double
agreement_of(const cJSON *merge, const char *path)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(merge, "agreement");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, path);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* The prediction score: mean agreement after a vote, else 1 valid, 0 invalid, else -1. */
static double
prediction_score(const struct ann_record *r, const cJSON *merge)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(merge, "agreement");
	const cJSON *v;
	const char *raw;
	size_t len;
	double sum = 0;
	int n = 0;

	cJSON_ArrayForEach(v, a) {
		if (cJSON_IsNumber(v)) {
			sum += v->valuedouble;
			n++;
		}
	}
	if (n > 0)
		return sum / n;
	raw = ann_record_raw(r, "validation", &len);
	if (raw && ann_json_pointer_get(raw, len, "/valid", &raw, &len) == ANN_OK) {
		if (len == 4 && memcmp(raw, "true", 4) == 0)
			return 1;
		if (len == 5 && memcmp(raw, "false", 5) == 0)
			return 0;
	}
	return -1;
}

/* Appends the "result" items: one textarea per output field. */
static int
add_results(struct ann_export *x, const struct ann_record *r, const cJSON *merge)
{
	const char *to = x->opt->ls_to_name ? x->opt->ls_to_name : "text";
	const char *raw;
	size_t len;
	size_t i;
	int rc;

	raw = ann_record_raw(r, "output", &len);
	ann_fields_reset(&x->fields);
	rc = ann_fields_collect(&x->fields, raw, len, "");
	for (i = 0; rc == ANN_OK && i < x->fields.n; i++) {
		const struct ann_field *f = &x->fields.v[i];
		const char *path = ann_fields_path(&x->fields, i);
		double score;

		rc = ann_buf_addf(&x->line, "%s{\"id\":\"t%zu-%zu\",\"from_name\":", i ? "," : "",
		    x->tasks + 1, i + 1);
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(&x->line, path + 1, strlen(path + 1));
		if (rc == ANN_OK)
			rc = ann_buf_adds(&x->line, ",\"to_name\":");
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(&x->line, to, strlen(to));
		if (rc == ANN_OK)
			rc = ann_buf_adds(&x->line, ",\"type\":\"textarea\",\"value\":{\"text\":[");
		/* A textarea contains text: strings go as they are, other values as their JSON. */
		if (rc == ANN_OK && f->type == ANN_JSON_STRING)
			rc = ann_buf_add(&x->line, f->raw, f->raw_len);
		else if (rc == ANN_OK)
			rc = ann_buf_add_json_string(&x->line, f->raw, f->raw_len);
		if (rc == ANN_OK)
			rc = ann_buf_adds(&x->line, "]}");
		ann_buf_reset(&x->text);
		if (rc == ANN_OK)
			rc = ann_buf_addf(&x->text, "/output%s", path);
		score = rc == ANN_OK ? agreement_of(merge, x->text.data) : -1;
		if (rc == ANN_OK && score >= 0) {
			rc = ann_buf_adds(&x->line, ",\"score\":");
			if (rc == ANN_OK)
				rc = ann_buf_add_json_number(&x->line, score);
		}
		if (rc == ANN_OK)
			rc = ann_buf_addc(&x->line, '}');
	}
	return rc;
}

/* Builds one Label Studio task from record r into x->line. */
static int
build_task(struct ann_export *x, const struct ann_record *r)
{
	const char *raw;
	size_t len;
	cJSON *merge = ann_record_parse_member(r, "merge");
	double score;
	size_t i;
	int first = 1;
	int rc;

	rc = ann_buf_adds(&x->line, "{\"data\":{");
	for (i = 0; rc == ANN_OK && i < r->members.n; i++) {
		const struct ann_json_member *m = &r->members.v[i];

		if (ann_record_is_stage_member(ann_json_member_name(&r->members, i)))
			continue;
		if (!first)
			rc = ann_buf_addc(&x->line, ',');
		if (rc == ANN_OK)
			rc = ann_buf_add(&x->line, r->line + m->start, m->value_end - m->start);
		first = 0;
	}
	if (rc == ANN_OK)
		rc = ann_buf_adds(&x->line, "},\"predictions\":[");

	raw = ann_record_raw(r, "output", &len);
	if (rc == ANN_OK && raw && raw[0] == '{' && ann_record_get(r, "error") == NULL) {
		rc = ann_buf_adds(&x->line, "{");
		if (x->opt->model_version) {
			rc = ann_buf_adds(&x->line, "\"model_version\":");
			if (rc == ANN_OK)
				rc = ann_buf_add_json_string(&x->line, x->opt->model_version,
				    strlen(x->opt->model_version));
			if (rc == ANN_OK)
				rc = ann_buf_addc(&x->line, ',');
		} else if ((raw = ann_record_raw(r, "model", &len)) && raw[0] == '"') {
			rc = ann_buf_adds(&x->line, "\"model_version\":");
			if (rc == ANN_OK)
				rc = ann_buf_add(&x->line, raw, len);
			if (rc == ANN_OK)
				rc = ann_buf_addc(&x->line, ',');
		}
		score = prediction_score(r, merge);
		if (rc == ANN_OK && score >= 0) {
			rc = ann_buf_adds(&x->line, "\"score\":");
			if (rc == ANN_OK)
				rc = ann_buf_add_json_number(&x->line, score);
			if (rc == ANN_OK)
				rc = ann_buf_addc(&x->line, ',');
		}
		if (rc == ANN_OK)
			rc = ann_buf_adds(&x->line, "\"result\":[");
		if (rc == ANN_OK)
			rc = add_results(x, r, merge);
		if (rc == ANN_OK)
			rc = ann_buf_adds(&x->line, "]}");
	}
	if (rc == ANN_OK)
		rc = ann_buf_adds(&x->line, "]}");
	cJSON_Delete(merge);
	return rc;
}

int
ann_export_record(struct ann_export *x, const char *line, size_t len, struct ann_error *e)
{
	struct ann_record r;
	size_t i;
	int rc;

	switch (x->opt->format) {
	case ANN_MERGE_JSONL:
		return ann_jsonl_write(&x->w, line, len, e);

	case ANN_MERGE_CSV:
		if (fwrite(line, 1, len, x->rows) != len)
			return ann_error_set(e, ANN_ERR_IO, "write failed on a temporary file: %s",
			    strerror(errno));
		ann_fields_reset(&x->fields);
		rc = ann_fields_collect(&x->fields, line, len - 1, "");
		for (i = 0; rc == ANN_OK && i < x->fields.n; i++) {
			size_t k;

			rc = ann_strtab_intern(&x->columns, ann_fields_path(&x->fields, i),
			    x->fields.v[i].path_len, &k, NULL);
		}
		if (rc)
			return ann_error_set(e, rc, "out of memory collecting CSV columns");
		return ANN_OK;

	case ANN_MERGE_LABEL_STUDIO:
		break;
	}

	/* The previous task goes out once we know another follows, so it gets its comma. */
	if (x->tasks > 0) {
		rc = ann_buf_add(&x->line, ",\n", 2);
		if (rc == ANN_OK)
			rc = ann_jsonl_write(&x->w, x->line.data, x->line.len, e);
		if (rc)
			return rc;
	} else {
		rc = ann_jsonl_write(&x->w, "[\n", 2, e);
		if (rc)
			return rc;
	}
	ann_buf_reset(&x->line);
	ann_record_init(&r);
	rc = ann_record_parse(&r, line, len - 1, 0, e);
	if (rc == ANN_OK)
		rc = build_task(x, &r);
	ann_record_release(&r);
	if (rc)
		return ann_error_set(e, rc, "out of memory building a Label Studio task");
	x->tasks++;
	return ANN_OK;
}

/* Appends one CSV cell, quoted when it contains a comma, quote, CR or LF (RFC 4180). */
static int
add_cell(struct ann_buf *out, const char *s, size_t n)
{
	size_t i;
	int rc;

	if (strcspn(s, ",\"\r\n") >= n && memchr(s, '\0', n) == NULL)
		return ann_buf_add(out, s, n);
	rc = ann_buf_addc(out, '"');
	for (i = 0; rc == ANN_OK && i < n; i++) {
		if (s[i] == '"')
			rc = ann_buf_addc(out, '"');
		if (rc == ANN_OK)
			rc = ann_buf_addc(out, s[i]);
	}
	return rc ? rc : ann_buf_addc(out, '"');
}

static int
write_csv(struct ann_export *x, struct ann_error *e)
{
	struct ann_jsonl_reader rd;
	const struct ann_field **cells = NULL;
	size_t n = x->columns.n;
	size_t i;
	int rc;

	ann_buf_reset(&x->line);
	rc = x->opt->csv_bom ? ann_buf_add(&x->line, "\xEF\xBB\xBF", 3) : ANN_OK;
	for (i = 0; rc == ANN_OK && i < n; i++) {
		size_t len;
		const char *name = ann_strtab_str(&x->columns, i, &len);

		if (i > 0)
			rc = ann_buf_addc(&x->line, ',');
		if (rc == ANN_OK)
			rc = add_cell(&x->line, name, len);
	}
	if (rc == ANN_OK && n > 0)
		rc = ann_buf_add(&x->line, "\r\n", 2);
	if (rc)
		return ann_error_set(e, rc, "out of memory writing the CSV header");
	if (x->line.len > 0 && (rc = ann_jsonl_write(&x->w, x->line.data, x->line.len, e)))
		return rc;

	if (fflush(x->rows) != 0 || lseek(fileno(x->rows), 0, SEEK_SET) != 0)
		return ann_error_set(e, ANN_ERR_IO, "cannot read back the CSV rows: %s",
		    strerror(errno));
	cells = calloc(n ? n : 1, sizeof *cells);
	if (cells == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory writing CSV rows");
	ann_jsonl_reader_init(&rd, fileno(x->rows), 0);
	for (;;) {
		const char *line;
		size_t len;
		size_t line_no;

		rc = ann_jsonl_read(&rd, &line, &len, &line_no, e);
		if (rc == ANN_ERR_EOF) {
			rc = ANN_OK;
			break;
		}
		if (rc)
			break;
		memset(cells, 0, n * sizeof *cells);
		ann_fields_reset(&x->fields);
		rc = ann_fields_collect(&x->fields, line, len, "");
		for (i = 0; rc == ANN_OK && i < x->fields.n; i++) {
			long k = ann_strtab_find(&x->columns, ann_fields_path(&x->fields, i),
			    x->fields.v[i].path_len);
			if (k >= 0)
				cells[k] = &x->fields.v[i];
		}
		ann_buf_reset(&x->line);
		for (i = 0; rc == ANN_OK && i < n; i++) {
			const struct ann_field *f = cells[i];

			if (i > 0)
				rc = ann_buf_addc(&x->line, ',');
			if (rc || f == NULL)
				continue;
			ann_buf_reset(&x->text);
			if (f->type == ANN_JSON_STRING)
				rc = ann_json_string_decode(f->raw, f->raw_len, &x->text);
			else
				rc = ann_buf_add(&x->text, f->raw, f->raw_len);
			if (rc == ANN_OK)
				rc = add_cell(&x->line, x->text.data, x->text.len);
		}
		if (rc == ANN_OK)
			rc = ann_buf_add(&x->line, "\r\n", 2);
		if (rc) {
			rc = ann_error_set(e, rc, "out of memory writing CSV rows");
			break;
		}
		rc = ann_jsonl_write(&x->w, x->line.data, x->line.len, e);
		if (rc)
			break;
	}
	ann_jsonl_reader_release(&rd);
	free(cells);
	return rc;
}

int
ann_export_finish(struct ann_export *x, struct ann_error *e)
{
	int rc = ANN_OK;

	if (x->opt->format == ANN_MERGE_CSV) {
		rc = write_csv(x, e);
	} else if (x->opt->format == ANN_MERGE_LABEL_STUDIO) {
		if (x->tasks == 0) {
			rc = ann_jsonl_write(&x->w, "[]\n", 3, e);
		} else {
			rc = ann_buf_add(&x->line, "\n]\n", 3);
			if (rc)
				return ann_error_set(e, rc, "out of memory");
			rc = ann_jsonl_write(&x->w, x->line.data, x->line.len, e);
		}
	}
	return rc ? rc : ann_jsonl_flush(&x->w, e);
}
