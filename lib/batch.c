#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "jsonl.h"
#include "log.h"

enum entry_kind {
	ENTRY_OUTPUT,   /* has modelOutput */
	ENTRY_ERROR,    /* has error */
	ENTRY_NEITHER,  /* has a recordId and nothing to answer with */
};

struct ann_batch_entry {
	uint64_t offset;
	uint64_t line_no;
	uint32_t len;
	uint32_t path;
	uint8_t kind;
	uint8_t used;
};

/* Maximum length of a line indexed; lines contain whole requests, attachments included. */
#define MAX_LINE ANN_JSONL_MAX_LINE_DEFAULT

void
ann_batch_init(struct ann_batch *b)
{
	memset(b, 0, sizeof *b);
	ann_strtab_init(&b->ids);
	ann_buf_init(&b->line, MAX_LINE);
	ann_json_members_init(&b->members);
	b->fd = -1;
}

void
ann_batch_release(struct ann_batch *b)
{
	size_t i;

	for (i = 0; i < b->n_paths; i++)
		free(b->paths[i]);
	free(b->paths);
	ann_strtab_release(&b->ids);
	free(b->entries);
	if (b->fd >= 0)
		close(b->fd);
	ann_buf_release(&b->line);
	ann_json_members_release(&b->members);
	ann_batch_init(b);
}

/* Appends at most max bytes of s as one line of text for a message: control
 * characters become spaces, a cut falls on a UTF-8 boundary and shows "...". */
static int
add_excerpt(struct ann_buf *out, const char *s, size_t len, size_t max)
{
	size_t n = len;
	size_t i;
	int rc = ANN_OK;

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	for (i = 0; rc == ANN_OK && i < n; i++)
		rc = ann_buf_addc(out, (unsigned char)s[i] < 0x20 ? ' ' : s[i]);
	if (rc == ANN_OK && n < len)
		rc = ann_buf_adds(out, "...");
	return rc;
}

/* Logs a line that cannot be joined; the first ANN_BATCH_LOGGED go out as warnings. */
static void
bad_line(struct ann_batch *b, const char *path, size_t line_no, const char *why,
    const char *value, size_t value_len)
{
	struct ann_buf excerpt = ANN_BUF_INIT;

	b->bad_lines++;
	if (value)
		add_excerpt(&excerpt, value, value_len, 60);
	ann_log(b->bad_lines <= ANN_BATCH_LOGGED ? ANN_LOG_WARN : ANN_LOG_INFO,
	    "%s:%zu: %s%s%s", path, line_no, why, value ? ": " : "", excerpt.data);
	ann_buf_release(&excerpt);
}

/* Returns member name of the last line scanned, or NULL when absent or null. */
static const struct ann_json_member *
member(const struct ann_json_members *m, const char *name)
{
	long i = ann_json_members_find(m, name);

	return i < 0 || m->v[i].type == ANN_JSON_NULL ? NULL : &m->v[i];
}

/* Keeps the new line for an id seen before when it answers and the old one
 * does not, or when neither answers; the later line wins a tie. */
static int
new_line_wins(const struct ann_batch_entry *old, enum entry_kind kind)
{
	return kind == ENTRY_OUTPUT || old->kind != ENTRY_OUTPUT;
}

/* Counts a repeated recordId and keeps the first few distinct ones for the report. */
static void
note_duplicate(struct ann_batch *b, size_t index)
{
	size_t max = sizeof b->first_duplicates / sizeof b->first_duplicates[0];
	size_t kept = b->n_first_duplicates;
	size_t i;

	b->duplicates++;
	for (i = 0; i < kept; i++)
		if (b->first_duplicates[i] == index)
			return;
	if (kept < max)
		b->first_duplicates[b->n_first_duplicates++] = index;
}

static int
add_entry(struct ann_batch *b, const char *id, size_t id_len, const struct ann_batch_entry *en,
    struct ann_error *e)
{
	size_t index;
	int added;
	int rc;

	rc = ann_strtab_intern(&b->ids, id, id_len, &index, &added);
	if (rc)
		return ann_error_set(e, rc, "out of memory indexing the batch output");
	if (added) {
		if (index >= b->cap_entries) {
			size_t cap = b->cap_entries ? 2 * b->cap_entries : 1024;
			struct ann_batch_entry *v = realloc(b->entries, cap * sizeof *v);

			if (v == NULL)
				return ann_error_set(e, ANN_ERR_NOMEM, "out of memory indexing the batch "
				    "output");
			b->entries = v;
			b->cap_entries = cap;
		}
		b->entries[index] = *en;
		return ANN_OK;
	}

	note_duplicate(b, index);
	if (new_line_wins(&b->entries[index], (enum entry_kind)en->kind))
		b->entries[index] = *en;
	return ANN_OK;
}

/* Indexes one line, or logs why it cannot be joined; *kind is the line's
 * entry_kind, or -1 for a line that cannot be joined. */
static int
index_line(struct ann_batch *b, const char *line, size_t len, uint64_t offset,
    size_t line_no, int *kind, struct ann_error *e)
{
	const char *path = b->paths[b->n_paths - 1];
	struct ann_error why = ANN_ERROR_INIT;
	const struct ann_json_member *id;
	struct ann_buf decoded = ANN_BUF_INIT;
	struct ann_batch_entry en;
	int rc;

	*kind = -1;
	b->lines++;
	rc = ann_json_scan_object(line, len, &b->members, NULL, &why);
	if (rc == ANN_ERR_NOMEM)
		return ann_error_set(e, rc, "out of memory reading %s", path);
	if (rc) {
		bad_line(b, path, line_no, why.msg, line, len);
		return ANN_OK;
	}
	id = member(&b->members, "recordId");
	if (id == NULL || id->type != ANN_JSON_STRING) {
		bad_line(b, path, line_no, id ? "recordId is not a string" : "no recordId member",
		    id ? line + id->value_start : NULL, id ? id->value_end - id->value_start : 0);
		return ANN_OK;
	}

	memset(&en, 0, sizeof en);
	en.offset = offset;
	en.len = (uint32_t)len;
	en.line_no = line_no;
	en.path = (uint32_t)(b->n_paths - 1);
	if (member(&b->members, "modelOutput"))
		en.kind = ENTRY_OUTPUT;
	else if (member(&b->members, "error"))
		en.kind = ENTRY_ERROR;
	else
		en.kind = ENTRY_NEITHER;

	rc = ann_json_string_decode(line + id->value_start, id->value_end - id->value_start,
	    &decoded);
	if (rc == ANN_OK)
		rc = add_entry(b, decoded.data, decoded.len, &en, e);
	else
		ann_error_set(e, rc, "out of memory reading %s", path);
	ann_buf_release(&decoded);
	*kind = en.kind;
	return rc;
}

/* Reads the file last added to paths line by line and indexes each line. */
static int
index_file(struct ann_batch *b, size_t *outputs, size_t *errors, struct ann_error *e)
{
	const char *path = b->paths[b->n_paths - 1];
	FILE *f = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	size_t line_no = 0;
	ssize_t got;
	int rc = ANN_OK;

	if (f == NULL)
		return ann_error_set(e, errno == ENOENT ? ANN_ERR_NOT_FOUND : ANN_ERR_IO,
		    "cannot open batch output %s: %s", path, strerror(errno));
	for (;;) {
		off_t offset = ftello(f);
		size_t len;
		int kind;

		errno = 0;
		got = getline(&line, &cap, f);
		if (got < 0)
			break;
		line_no++;
		len = (size_t)got;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		/* A byte order mark at the start of the file is not part of the line. */
		if (offset == 0 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
			memmove(line, line + 3, len - 3);
			len -= 3;
			offset = 3;
		}
		if (len == 0)
			continue;
		if (len > MAX_LINE) {
			bad_line(b, path, line_no, "line longer than 256 MiB", NULL, 0);
			b->lines++;
			continue;
		}
		rc = index_line(b, line, len, (uint64_t)offset, line_no, &kind, e);
		if (rc)
			break;
		if (kind == ENTRY_OUTPUT)
			++*outputs;
		else if (kind == ENTRY_ERROR)
			++*errors;
	}
	if (rc == ANN_OK && ferror(f))
		rc = ann_error_set(e, ANN_ERR_IO, "read failed on batch output %s: %s", path,
		    strerror(errno ? errno : EIO));
	free(line);
	fclose(f);
	return rc;
}

static int
push_path(struct ann_batch *b, const char *path, struct ann_error *e)
{
	char **v = realloc(b->paths, (b->n_paths + 1) * sizeof *v);

	if (v == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	b->paths = v;
	if ((b->paths[b->n_paths] = strdup(path)) == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	b->n_paths++;
	if (b->n_paths > UINT32_MAX)
		return ann_error_set(e, ANN_ERR_TOO_LARGE, "too many batch output files");
	return ANN_OK;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads a number member of the manifest; -1 when absent or not a count. */
static double
manifest_count(const cJSON *root, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? v->valuedouble : -1;
}

/*
 * Compares the manifest of directory dir, when there is one, with the
 * lines found in its output files, and logs what disagrees. The manifest
 * is advisory: nothing here fails the run.
 */
static void
check_manifest(const char *dir, size_t outputs, size_t errors)
{
	struct ann_buf path = ANN_BUF_INIT;
	struct ann_buf text = ANN_BUF_INIT;
	char chunk[4096];
	cJSON *root = NULL;
	double total, processed, success, failed;
	FILE *f;
	size_t got;

	if (ann_buf_addf(&path, "%s%smanifest.json.out", dir, ends_with(dir, "/") ? "" : "/") !=
	    ANN_OK)
		goto done;
	f = fopen(path.data, "rb");
	if (f == NULL)
		goto done;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && text.len < 65536)
		if (ann_buf_add(&text, chunk, got) != ANN_OK)
			break;
	fclose(f);
	root = cJSON_ParseWithLength(text.data, text.len);
	if (!cJSON_IsObject(root)) {
		ann_log(ANN_LOG_WARN, "%s is not a JSON object; its counts are not checked",
		    path.data);
		goto done;
	}
	total = manifest_count(root, "totalRecordCount");
	processed = manifest_count(root, "processedRecordCount");
	success = manifest_count(root, "successRecordCount");
	failed = manifest_count(root, "errorRecordCount");
	ann_log(ANN_LOG_INFO, "%s: %.0f records, %.0f processed, %.0f succeeded, %.0f failed",
	    path.data, total, processed, success, failed);
	if (success >= 0 && success != (double)outputs)
		ann_log(ANN_LOG_WARN, "%s gives successRecordCount %.0f, but the output files "
		    "hold %zu lines with modelOutput", path.data, success, outputs);
	if (failed >= 0 && failed != (double)errors)
		ann_log(ANN_LOG_WARN, "%s gives errorRecordCount %.0f, but the output files "
		    "hold %zu lines with an error", path.data, failed, errors);
	if (total >= 0 && processed >= 0 && processed < total)
		ann_log(ANN_LOG_WARN, "%s: the job processed %.0f of %.0f records; the others "
		    "get an \"unanswered\" error", path.data, processed, total);
done:
	cJSON_Delete(root);
	ann_buf_release(&path);
	ann_buf_release(&text);
}

/* Lists the names in dir that end in ".jsonl.out", sorted, into *names. */
static int
list_outputs(const char *dir, char ***names, size_t *n, struct ann_error *e)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	size_t cap = 0;
	int rc = ANN_OK;

	*names = NULL;
	*n = 0;
	if (d == NULL)
		return ann_error_set(e, ANN_ERR_IO, "cannot open directory %s: %s", dir,
		    strerror(errno));
	while (rc == ANN_OK && (ent = readdir(d)) != NULL) {
		if (!ends_with(ent->d_name, ".jsonl.out"))
			continue;
		if (*n == cap) {
			char **v = realloc(*names, (cap ? 2 * cap : 16) * sizeof *v);

			if (v == NULL) {
				rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
				break;
			}
			*names = v;
			cap = cap ? 2 * cap : 16;
		}
		if (((*names)[*n] = strdup(ent->d_name)) == NULL)
			rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
		else
			++*n;
	}
	closedir(d);
	if (rc == ANN_OK && *n == 0)
		rc = ann_error_set(e, ANN_ERR_NOT_FOUND, "no file ending in .jsonl.out in "
		    "directory %s", dir);
	if (rc == ANN_OK)
		qsort(*names, *n, sizeof **names, compare_names);
	return rc;
}

static int
add_directory(struct ann_batch *b, const char *dir, struct ann_error *e)
{
	struct ann_buf path = ANN_BUF_INIT;
	size_t outputs = 0, errors = 0;
	char **names;
	size_t n, i;
	int rc;

	rc = list_outputs(dir, &names, &n, e);
	for (i = 0; rc == ANN_OK && i < n; i++) {
		ann_buf_reset(&path);
		rc = ann_buf_addf(&path, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", names[i]);
		if (rc)
			rc = ann_error_set(e, rc, "out of memory");
		if (rc == ANN_OK)
			rc = push_path(b, path.data, e);
		if (rc == ANN_OK)
			rc = index_file(b, &outputs, &errors, e);
	}
	if (rc == ANN_OK)
		check_manifest(dir, outputs, errors);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	ann_buf_release(&path);
	return rc;
}

int
ann_batch_add(struct ann_batch *b, const char *path, struct ann_error *e)
{
	struct stat st;
	size_t outputs = 0, errors = 0;
	int rc;

	if (stat(path, &st) != 0)
		return ann_error_set(e, errno == ENOENT ? ANN_ERR_NOT_FOUND : ANN_ERR_IO,
		    "cannot read batch output %s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return add_directory(b, path, e);
	if (!S_ISREG(st.st_mode))
		return ann_error_set(e, ANN_ERR_CONFIG, "batch output %s is neither a file nor a "
		    "directory; it is read twice, so a pipe cannot be used", path);
	rc = push_path(b, path, e);
	if (rc == ANN_OK)
		rc = index_file(b, &outputs, &errors, e);
	return rc;
}

void
ann_batch_answer_init(struct ann_batch_answer *a)
{
	memset(a, 0, sizeof *a);
	ann_provider_result_init(&a->result);
}

void
ann_batch_answer_release(struct ann_batch_answer *a)
{
	ann_provider_result_release(&a->result);
}

/* Reads entry en's line into b->line and scans it into b->members. */
static int
read_entry(struct ann_batch *b, const struct ann_batch_entry *en, struct ann_error *e)
{
	const char *path = b->paths[en->path];
	size_t done = 0;
	int rc;

	if (b->fd < 0 || b->fd_path != en->path) {
		if (b->fd >= 0)
			close(b->fd);
		b->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (b->fd < 0)
			return ann_error_set(e, ANN_ERR_IO, "cannot open batch output %s: %s", path,
			    strerror(errno));
		b->fd_path = en->path;
	}
	ann_buf_reset(&b->line);
	rc = ann_buf_grow(&b->line, en->len);
	if (rc)
		return ann_error_set(e, rc, "out of memory reading %s line %llu", path,
		    (unsigned long long)en->line_no);
	while (done < en->len) {
		ssize_t got = pread(b->fd, b->line.data + done, en->len - done,
		    (off_t)(en->offset + done));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return ann_error_set(e, ANN_ERR_IO, "read failed on batch output %s line %llu: "
			    "%s", path, (unsigned long long)en->line_no,
			    got < 0 ? strerror(errno) : "the file became shorter");
		done += (size_t)got;
	}
	b->line.len = en->len;
	b->line.data[b->line.len] = '\0';
	rc = ann_json_scan_object(b->line.data, b->line.len, &b->members, NULL, e);
	if (rc == ANN_ERR_SYNTAX)
		return ann_error_set(e, ANN_ERR_IO, "batch output %s line %llu changed after it "
		    "was indexed", path, (unsigned long long)en->line_no);
	return rc;
}

/* Copies the value of member name, when it is a string, decoded, to out. */
static void
string_member(const cJSON *object, const char *name, char *out, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, name);

	out[0] = '\0';
	if (cJSON_IsString(v))
		snprintf(out, size, "%s", v->valuestring);
}

/*
 * Fills a from the error object of an error line: the errorCode as HTTP
 * status (a number, or digits in a string) or as an error name, and the
 * kind ann-invoke would give that reply. A line without a usable
 * errorCode is a server failure: the job gave no reason, and sending the
 * request again may work.
 */
static int
answer_error(struct ann_batch *b, const struct ann_batch_entry *en, struct ann_batch_answer *a)
{
	const struct ann_json_member *m = member(&b->members, "error");
	const char *where = b->paths[en->path];
	struct ann_retry_outcome outcome;
	char code[128] = "";
	char message[512] = "";
	cJSON *error;
	const cJSON *v;

	error = cJSON_ParseWithLength(b->line.data + m->value_start, m->value_end - m->value_start);
	if (error == NULL)
		return ANN_ERR_NOMEM;
	v = cJSON_GetObjectItemCaseSensitive(error, "errorCode");
	if (cJSON_IsNumber(v) && v->valuedouble >= 100 && v->valuedouble < 600)
		a->status = (int)v->valuedouble;
	string_member(error, "errorCode", code, sizeof code);
	if (code[0] && strspn(code, "0123456789") == strlen(code) && strlen(code) == 3)
		a->status = atoi(code);
	else if (code[0])
		ann_retry_error_code(code, a->error_type, sizeof a->error_type);
	string_member(error, "errorMessage", message, sizeof message);
	cJSON_Delete(error);

	memset(&outcome, 0, sizeof outcome);
	outcome.http_status = a->status;
	outcome.error_type = a->error_type[0] ? a->error_type : NULL;
	a->fail = a->status || a->error_type[0] ? ann_retry_classify(&outcome) : ANN_FAIL_SERVER;
	if (message[0] == '\0')
		snprintf(message, sizeof message, "%s", a->error_type[0] ? a->error_type :
		    "no errorMessage given");
	snprintf(a->message, sizeof a->message, "%s:%llu: the batch job failed the record: %s",
	    where, (unsigned long long)en->line_no, message);
	return ANN_OK;
}

/* Parses the modelOutput of an answer line as a live InvokeModel reply. */
static int
answer_output(struct ann_batch *b, const struct ann_batch_entry *en,
    const struct ann_provider_call *call, struct ann_batch_answer *a, struct ann_error *e)
{
	const struct ann_json_member *m = member(&b->members, "modelOutput");
	const char *value = b->line.data + m->value_start;
	size_t len = m->value_end - m->value_start;
	struct ann_error why = ANN_ERROR_INIT;
	struct ann_buf excerpt = ANN_BUF_INIT;
	int rc;

	rc = ann_provider_parse_reply(ANN_PROVIDER_BEDROCK_INVOKE, call->tool_mode,
	    call->tool_name, value, len, &a->result, &why);
	if (rc == ANN_OK) {
		a->answered = 1;
		return ANN_OK;
	}
	if (rc == ANN_ERR_NOMEM)
		return ann_error_set(e, rc, "%s", why.msg);
	add_excerpt(&excerpt, value, len, 80);
	a->fail = ANN_FAIL_RESPONSE;
	snprintf(a->message, sizeof a->message, "%s:%llu: modelOutput: %s: %s",
	    b->paths[en->path], (unsigned long long)en->line_no, why.msg, excerpt.data);
	ann_buf_release(&excerpt);
	return ANN_OK;
}

int
ann_batch_answer(struct ann_batch *b, const char *id, size_t id_len,
    const struct ann_provider_call *call, struct ann_batch_answer *a, struct ann_error *e)
{
	const struct ann_json_member *input;
	struct ann_batch_entry *en;
	long index;
	int same;
	int rc;

	a->answered = 0;
	a->unanswered = 0;
	a->fail = ANN_FAIL_NONE;
	a->status = 0;
	a->error_type[0] = '\0';
	a->message[0] = '\0';

	index = ann_strtab_find(&b->ids, id, id_len);
	if (index < 0) {
		a->unanswered = 1;
		snprintf(a->message, sizeof a->message, "no line with this recordId in the batch "
		    "output");
		return ANN_OK;
	}
	en = &b->entries[index];
	en->used = 1;
	rc = read_entry(b, en, e);
	if (rc)
		return rc;

	/* NOTE: AWS describes modelInput in an output line as the input's copy;
	 * a real job has not been run here. Comparing JSON values, not bytes,
	 * tolerates re-serialisation, but not a service that edits the body. */
	input = member(&b->members, "modelInput");
	if (input) {
		same = ann_batch_same_json(b->line.data + input->value_start,
		    input->value_end - input->value_start, call->body.data, call->body.len);
		if (same < 0)
			return ann_error_set(e, same, "out of memory comparing modelInput");
		if (!same) {
			a->unanswered = 1;
			snprintf(a->message, sizeof a->message, "%s:%llu: the line's modelInput is not "
			    "this record's request; were the batch input and the records written by "
			    "different ann-prompt runs?", b->paths[en->path],
			    (unsigned long long)en->line_no);
			return ANN_OK;
		}
	}

	switch ((enum entry_kind)en->kind) {
	case ENTRY_OUTPUT:
		return answer_output(b, en, call, a, e);
	case ENTRY_ERROR:
		rc = answer_error(b, en, a);
		return rc ? ann_error_set(e, rc, "out of memory reading a batch error") : ANN_OK;
	default:
		a->unanswered = 1;
		snprintf(a->message, sizeof a->message, "%s:%llu: the line has neither modelOutput "
		    "nor error", b->paths[en->path], (unsigned long long)en->line_no);
		return ANN_OK;
	}
}

size_t
ann_batch_unmatched(const struct ann_batch *b, size_t max, struct ann_buf *list)
{
	size_t count = 0;
	size_t i;

	for (i = 0; i < b->ids.n; i++) {
		const struct ann_batch_entry *en = &b->entries[i];

		if (en->used)
			continue;
		if (count < max)
			ann_buf_addf(list, "%s%s (%s:%llu)", count ? ", " : "",
			    ann_strtab_str(&b->ids, i, NULL), b->paths[en->path],
			    (unsigned long long)en->line_no);
		count++;
	}
	return count;
}

int
ann_batch_duplicate_ids(const struct ann_batch *b, struct ann_buf *list)
{
	size_t i;
	int rc = ANN_OK;

	for (i = 0; rc == ANN_OK && i < b->n_first_duplicates; i++)
		rc = ann_buf_addf(list, "%s%s", i ? ", " : "",
		    ann_strtab_str(&b->ids, b->first_duplicates[i], NULL));
	return rc;
}

int
ann_batch_same_json(const char *a, size_t a_len, const char *b, size_t b_len)
{
	cJSON *x = cJSON_ParseWithLength(a, a_len);
	cJSON *y = cJSON_ParseWithLength(b, b_len);
	int same = ANN_ERR_NOMEM;

	if (x && y)
		same = cJSON_Compare(x, y, 1) ? 1 : 0;
	cJSON_Delete(x);
	cJSON_Delete(y);
	return same;
}
