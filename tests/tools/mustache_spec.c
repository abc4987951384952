/*
 * Runs Mustache specification files (JSON) against lib/mustache and prints
 * TAP: one test point per specification test, with HTML escaping on as the
 * specification requires. A failure shows the template, the expected and
 * the actual output.
 *
 * Usage: mustache_spec FILE.json...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "mustache.h"

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct ann_buf b = ANN_BUF_INIT;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (ann_buf_add(&b, chunk, n) != ANN_OK) {
			fclose(f);
			ann_buf_release(&b);
			return NULL;
		}
	}
	fclose(f);
	return ann_buf_detach(&b, len);
}

/* Prints s as a TAP diagnostic, one "#" line per line of s, with C escapes. */
static void
diag(const char *label, const char *s)
{
	printf("#   %s: \"", label);
	for (; *s; s++) {
		if (*s == '\n')
			printf("\\n");
		else if (*s == '\r')
			printf("\\r");
		else if (*s == '\t')
			printf("\\t");
		else
			putchar(*s);
	}
	printf("\"\n");
}

/* Runs one specification test; returns 1 when it passes. */
static int
run_test(const cJSON *test, struct ann_buf *out, struct ann_error *err)
{
	const cJSON *tmpl = cJSON_GetObjectItemCaseSensitive(test, "template");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(test, "data");
	const cJSON *expected = cJSON_GetObjectItemCaseSensitive(test, "expected");
	const cJSON *partials = cJSON_GetObjectItemCaseSensitive(test, "partials");
	const cJSON *p;
	struct ann_mustache *t = NULL;
	struct ann_mustache_env *env = ann_mustache_env_new();
	int ok = 0;

	ann_buf_reset(out);
	*err = (struct ann_error)ANN_ERROR_INIT;
	if (env == NULL || !cJSON_IsString(tmpl) || !cJSON_IsString(expected)) {
		ann_error_set(err, ANN_ERR_INVALID, "malformed specification test");
		goto out;
	}
	cJSON_ArrayForEach(p, partials) {
		if (!cJSON_IsString(p) ||
		    ann_mustache_env_add_partial(env, p->string, p->valuestring,
		        strlen(p->valuestring), p->string, 1, err) != ANN_OK)
			goto out;
	}
	if (ann_mustache_compile(&t, tmpl->valuestring, strlen(tmpl->valuestring),
	    "spec", 1, err) != ANN_OK)
		goto out;
	if (ann_mustache_render(t, env, &data, 1, ANN_MUSTACHE_HTML_ESCAPE, out, err) != ANN_OK)
		goto out;
	ok = strlen(expected->valuestring) == out->len &&
	    memcmp(expected->valuestring, out->data, out->len) == 0;
out:
	ann_mustache_free(t);
	ann_mustache_env_free(env);
	return ok;
}

int
main(int argc, char **argv)
{
	struct ann_buf out = ANN_BUF_INIT;
	struct ann_error err;
	cJSON **docs;
	size_t total = 0, passed = 0, n = 0;
	int i;

	docs = calloc((size_t)argc, sizeof *docs);
	if (docs == NULL)
		return 3;
	for (i = 1; i < argc; i++) {
		size_t len;
		char *text = read_file(argv[i], &len);

		docs[i] = text ? cJSON_ParseWithLength(text, len) : NULL;
		free(text);
		if (docs[i] == NULL) {
			printf("1..0\n# cannot read specification file %s\n", argv[i]);
			return 1;
		}
		total += (size_t)cJSON_GetArraySize(
		    cJSON_GetObjectItemCaseSensitive(docs[i], "tests"));
	}

	printf("1..%zu\n", total);
	for (i = 1; i < argc; i++) {
		const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
		const cJSON *test;

		cJSON_ArrayForEach(test, cJSON_GetObjectItemCaseSensitive(docs[i], "tests")) {
			const cJSON *name = cJSON_GetObjectItemCaseSensitive(test, "name");
			const char *label = cJSON_IsString(name) ? name->valuestring : "?";

			n++;
			if (run_test(test, &out, &err)) {
				printf("ok %zu - %s: %s\n", n, base, label);
				passed++;
				continue;
			}
			printf("not ok %zu - %s: %s\n", n, base, label);
			diag("template", cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(test, "template")));
			diag("expected", cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(test, "expected")));
			if (err.code != ANN_OK)
				diag("error", err.msg);
			else
				diag("actual", out.data);
		}
		cJSON_Delete(docs[i]);
	}
	printf("# %zu of %zu specification tests passed\n", passed, total);
	free(docs);
	ann_buf_release(&out);
	return passed == total ? 0 : 1;
}
