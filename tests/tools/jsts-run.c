/*
 * Runs JSON Schema Test Suite files through the schema engine.
 *
 * Usage: jsts-run [--draft 7|2020-12] [--formats] [--quiet-failures]
 *                 --remotes DIR FILE...
 *
 * Each file contains an array of cases {description, schema, tests[]}.
 * Every test prints one TAP line "ok - file: case: test" or "not ok ...";
 * with --quiet-failures a failure prints "# FAIL ..." instead (for the
 * optional suites, judged by their pass rate). The last line is
 * "# passed P of T"; the caller prints the TAP plan. http://localhost:1234/ maps to the remotes folder,
 * as the suite expects; nothing is fetched over the network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "schema.h"

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct ann_buf b = ANN_BUF_INIT;
	char chunk[65536];
	size_t got;

	if (f == NULL)
		return NULL;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		ann_buf_add(&b, chunk, got);
	fclose(f);
	return ann_buf_detach(&b, len);
}

static const char *
base_name(const char *path, const char *marker)
{
	const char *p = strstr(path, marker);

	return p ? p + strlen(marker) : path;
}

int
main(int argc, char **argv)
{
	struct ann_schema_options opts;
	struct ann_schema_map map;
	struct ann_jsonv_doc doc;
	struct ann_schema_result result;
	struct ann_buf schema_text = ANN_BUF_INIT;
	const char *remotes = NULL;
	int quiet_failures = 0;
	size_t total = 0, passed = 0;
	int i;

	memset(&opts, 0, sizeof opts);
	opts.draft = ANN_SCHEMA_DRAFT_2020_12;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--draft") == 0 && i + 1 < argc) {
			opts.draft = strcmp(argv[++i], "7") == 0 ? ANN_SCHEMA_DRAFT_7
			    : ANN_SCHEMA_DRAFT_2020_12;
		} else if (strcmp(argv[i], "--formats") == 0) {
			opts.assert_formats = 1;
		} else if (strcmp(argv[i], "--quiet-failures") == 0) {
			quiet_failures = 1;
		} else if (strcmp(argv[i], "--remotes") == 0 && i + 1 < argc) {
			remotes = argv[++i];
		} else {
			fprintf(stderr, "jsts-run: unknown option \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (remotes == NULL || i >= argc) {
		fprintf(stderr, "usage: jsts-run [--draft 7|2020-12] [--formats] --remotes DIR FILE...\n");
		return 2;
	}
	map.prefix = "http://localhost:1234/";
	map.dir = remotes;
	opts.maps = &map;
	opts.n_maps = 1;
	ann_jsonv_doc_init(&doc);
	ann_schema_result_init(&result);

	for (; i < argc; i++) {
		struct ann_error e = ANN_ERROR_INIT;
		const struct ann_jsonv *root;
		const char *name = base_name(argv[i], "tests/");
		size_t len, c;
		char *text = read_file(argv[i], &len);

		if (text == NULL || ann_jsonv_parse(&doc, text, len, &root, &e) ||
		    root->type != ANN_JSON_ARRAY) {
			printf("not ok - %s: cannot read test file: %s\n", name, e.msg);
			total++;
			free(text);
			continue;
		}
		for (c = 0; c < root->n; c++) {
			const struct ann_jsonv *tc = &root->u.items[c];
			const struct ann_jsonv *desc = ann_jsonv_gets(tc, "description");
			const struct ann_jsonv *schema = ann_jsonv_gets(tc, "schema");
			const struct ann_jsonv *tests = ann_jsonv_gets(tc, "tests");
			struct ann_schema *s = NULL;
			struct ann_schema_validator *v = NULL;
			size_t t;
			int rc;

			if (desc == NULL || schema == NULL || tests == NULL ||
			    tests->type != ANN_JSON_ARRAY)
				continue;
			ann_buf_reset(&schema_text);
			ann_jsonv_write(&schema_text, schema);
			rc = ann_schema_compile_text(&s, schema_text.data, schema_text.len, NULL, &opts, &e);
			if (rc == ANN_OK)
				rc = ann_schema_validator_new(&v, s, 0, &e);
			for (t = 0; t < tests->n; t++) {
				const struct ann_jsonv *test = &tests->u.items[t];
				const struct ann_jsonv *tdesc = ann_jsonv_gets(test, "description");
				const struct ann_jsonv *data = ann_jsonv_gets(test, "data");
				const struct ann_jsonv *valid = ann_jsonv_gets(test, "valid");
				int expect = valid && valid->type == ANN_JSON_TRUE;
				int ok = 0;
				const char *why = "";

				total++;
				if (rc != ANN_OK) {
					why = e.msg;
				} else if (ann_schema_validate(v, data, &result, &e) != ANN_OK) {
					why = e.msg;
				} else if (result.valid == expect) {
					ok = 1;
				} else {
					why = result.n_errors ? result.errors[0].message
					    : "valid, expected invalid";
				}
				passed += ok;
				if (ok && !quiet_failures)
					printf("ok - %s: %s: %s\n", name, desc->u.s,
					    tdesc ? tdesc->u.s : "");
				else if (!ok)
					printf("%s - %s: %s: %s (%s)\n",
					    quiet_failures ? "# FAIL" : "not ok", name, desc->u.s,
					    tdesc ? tdesc->u.s : "", why);
			}
			ann_schema_validator_free(v);
			ann_schema_free(s);
		}
		free(text);
	}
	printf("# passed %zu of %zu\n", passed, total);
	ann_schema_result_release(&result);
	ann_jsonv_doc_release(&doc);
	ann_buf_release(&schema_text);
	return 0;
}
