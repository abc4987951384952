/*
 * Reading Label Studio exports back: the corrections reviewers made to the
 * tasks that ann-merge --format label-studio wrote.
 *
 * The export is the "JSON" format of Label Studio: an array of tasks, each
 * with "data" (the document members) and "annotations", whose "result"
 * items carry from_name (here: the field path inside "output", as written
 * on export) and a value. Text comes back from value.text, choices from
 * value.choices, and number and rating values as they are.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "export.h"
#include "record.h"

int
ann_label_studio_detect(int fd)
{
	char head[4096];
	ssize_t n = pread(fd, head, sizeof head, 0);
	ssize_t i = 0;

	if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\n' || head[i] == '\r'))
		i++;
	return i < n && head[i] == '[';
}

static int
write_all(int fd, const char *p, size_t n, struct ann_error *e)
{
	while (n > 0) {
		ssize_t put = write(fd, p, n);

		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0)
			return ann_error_set(e, ANN_ERR_IO, "write failed on a temporary file: %s",
			    strerror(errno));
		p += put;
		n -= (size_t)put;
	}
	return ANN_OK;
}

/* Returns the annotation value of one result item as a new cJSON value, or NULL. */
static cJSON *
result_value(const cJSON *value)
{
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(value, "text");
	const cJSON *choices = cJSON_GetObjectItemCaseSensitive(value, "choices");
	const cJSON *v;

	if (cJSON_IsArray(text)) {
		struct ann_buf joined = ANN_BUF_INIT;
		cJSON *out;

		/* A textarea with several entries: one text, entries on separate lines. */
		cJSON_ArrayForEach(v, text) {
			if (!cJSON_IsString(v))
				continue;
			if ((joined.len > 0 && ann_buf_addc(&joined, '\n'))
			    || ann_buf_adds(&joined, v->valuestring)) {
				ann_buf_release(&joined);
				return NULL;
			}
		}
		out = cJSON_CreateString(joined.data);
		ann_buf_release(&joined);
		return out;
	}
	if (cJSON_IsString(text))
		return cJSON_CreateString(text->valuestring);
	if (cJSON_IsArray(choices) && cJSON_GetArraySize(choices) == 1)
		return cJSON_Duplicate(cJSON_GetArrayItem(choices, 0), 1);
	if (cJSON_IsArray(choices))
		return cJSON_Duplicate(choices, 1);
	if ((v = cJSON_GetObjectItemCaseSensitive(value, "number")) != NULL)
		return cJSON_Duplicate(v, 1);
	if ((v = cJSON_GetObjectItemCaseSensitive(value, "rating")) != NULL)
		return cJSON_Duplicate(v, 1);
	return NULL;
}

/* Puts v at the field path from_name ("vendor/name", ~ escapes as in JSON Pointer). */
static int
put_field(cJSON *output, const char *from_name, cJSON *v)
{
	struct ann_buf seg = ANN_BUF_INIT;
	cJSON *parent = output;
	const char *p = from_name;
	int rc = ANN_OK;

	for (;;) {
		ann_buf_reset(&seg);
		for (; rc == ANN_OK && *p && *p != '/'; p++) {
			if (*p == '~' && (p[1] == '0' || p[1] == '1')) {
				rc = ann_buf_addc(&seg, p[1] == '1' ? '/' : '~');
				p++;
			} else {
				rc = ann_buf_addc(&seg, *p);
			}
		}
		if (rc)
			break;
		if (*p == '\0') {
			cJSON_DeleteItemFromObjectCaseSensitive(parent, seg.data);
			if (!cJSON_AddItemToObject(parent, seg.data, v))
				rc = ANN_ERR_NOMEM;
			v = NULL;
			break;
		}
		p++;
		cJSON *child = cJSON_GetObjectItemCaseSensitive(parent, seg.data);
		if (child == NULL)
			child = cJSON_AddObjectToObject(parent, seg.data);
		if (child == NULL || !cJSON_IsObject(child)) {
			rc = child ? ANN_ERR_INVALID : ANN_ERR_NOMEM;
			break;
		}
		parent = child;
	}
	cJSON_Delete(v);
	ann_buf_release(&seg);
	return rc;
}

/* Returns the last annotation that was not cancelled, or NULL. */
static const cJSON *
last_annotation(const cJSON *task)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(task, "annotations");
	const cJSON *found = NULL;
	const cJSON *a;

	cJSON_ArrayForEach(a, list) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "was_cancelled")))
			continue;
		found = a;
	}
	return found;
}

/* Turns task number k into one JSONL record appended to line. */
static int
task_record(const cJSON *task, size_t k, struct ann_buf *line)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(task, "data");
	const cJSON *ann = last_annotation(task);
	const cJSON *item;
	cJSON *rec = NULL;
	cJSON *output;
	char *text = NULL;
	int rc = ANN_ERR_NOMEM;

	if (!cJSON_IsObject(data)) {
		char msg[128];

		snprintf(msg, sizeof msg, "Label Studio task %zu has no \"data\" object", k);
		rc = ann_buf_adds(line, "{\"error\":");
		if (rc == ANN_OK)
			rc = ann_error_json(line, "invalid", msg, 0, k);
		return rc ? rc : ann_buf_add(line, "}\n", 2);
	}
	rec = cJSON_Duplicate(data, 1);
	if (rec == NULL)
		goto done;
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "output");
	if (ann != NULL) {
		output = cJSON_AddObjectToObject(rec, "output");
		if (output == NULL)
			goto done;
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(ann, "result")) {
			const cJSON *from = cJSON_GetObjectItemCaseSensitive(item, "from_name");
			cJSON *v;

			if (!cJSON_IsString(from))
				continue;
			v = result_value(cJSON_GetObjectItemCaseSensitive(item, "value"));
			if (v == NULL)
				continue;
			rc = put_field(output, from->valuestring, v);
			if (rc == ANN_ERR_NOMEM)
				goto done;
		}
	}
	text = cJSON_PrintUnformatted(rec);
	rc = ANN_ERR_NOMEM;
	if (text == NULL)
		goto done;
	rc = ann_buf_adds(line, text);
	if (rc == ANN_OK)
		rc = ann_buf_addc(line, '\n');
done:
	cJSON_free(text);
	cJSON_Delete(rec);
	return rc;
}

int
ann_label_studio_import(int fd, const char *name, int out_fd, size_t *tasks,
    struct ann_error *e)
{
	struct ann_buf all = ANN_BUF_INIT;
	struct ann_buf line = ANN_BUF_INIT;
	cJSON *root = NULL;
	const cJSON *task;
	size_t offset = 0;
	size_t k = 0;
	int rc;

	*tasks = 0;
	for (;;) {
		ssize_t n;

		rc = ann_buf_grow(&all, 65536);
		if (rc) {
			rc = ann_error_set(e, rc, "%s: Label Studio export too large to read", name);
			goto done;
		}
		n = read(fd, all.data + all.len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ann_error_set(e, ANN_ERR_IO, "read failed on %s: %s", name, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		all.len += (size_t)n;
		all.data[all.len] = '\0';
	}

	/* The export is one JSON text, so the strict scanner checks it whole first. */
	offset = (all.len >= 3 && memcmp(all.data, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
	/* A file starting with '[' is taken for an export, so the message names what it was read as. */
	rc = ann_json_check_file(all.data + offset, all.len - offset, 1, "Label Studio export", name,
	    e);
	if (rc)
		goto done;
	root = cJSON_ParseWithLength(all.data + offset, all.len - offset);
	if (root == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading %s", name);
		goto done;
	}

	cJSON_ArrayForEach(task, root) {
		k++;
		ann_buf_reset(&line);
		rc = task_record(task, k, &line);
		if (rc) {
			rc = ann_error_set(e, rc, "out of memory converting task %zu of %s", k, name);
			goto done;
		}
		rc = write_all(out_fd, line.data, line.len, e);
		if (rc)
			goto done;
	}
	*tasks = k;
	rc = ANN_OK;
done:
	cJSON_Delete(root);
	ann_buf_release(&all);
	ann_buf_release(&line);
	return rc;
}
