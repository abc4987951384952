/*
 * Derived fields named in the schema: a subschema with "x-ann-derived":
 * true marks the values it applies to as computed, not read from the
 * document, so grounding skips them.
 *
 * The schema is walked by its applicators without validating anything:
 * properties (by name), patternProperties, additionalProperties and items
 * (any member or index, "*"), prefixItems and draft-07 array-form items
 * (by index), allOf, anyOf, oneOf, if, then, else and local "$ref"s
 * ("#/..."). References to other documents are not followed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ground_int.h"

/* Deepest nesting followed, which also ends reference cycles. */
#define WALK_MAX_DEPTH 64

/* Resolves a local reference "#/a/b" inside root. */
static const cJSON *
resolve_local(const cJSON *root, const char *ref)
{
	const cJSON *cur = root;
	char seg[256];

	if (strcmp(ref, "#") == 0)
		return root;
	if (strncmp(ref, "#/", 2) != 0)
		return NULL;
	ref += 1;
	while (cur && *ref == '/') {
		size_t n = 0;

		ref++;
		while (*ref && *ref != '/' && n + 1 < sizeof seg) {
			if (ref[0] == '~' && (ref[1] == '0' || ref[1] == '1')) {
				seg[n++] = ref[1] == '0' ? '~' : '/';
				ref += 2;
			} else {
				seg[n++] = *ref++;
			}
		}
		seg[n] = '\0';
		if (cJSON_IsArray(cur))
			cur = cJSON_GetArrayItem(cur, atoi(seg));
		else
			cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
	}
	return cur;
}

static int walk_schema(struct ann_ground *g, const cJSON *root, const cJSON *s,
    struct ann_buf *path, int depth);

static int
walk_child(struct ann_ground *g, const cJSON *root, const cJSON *s, struct ann_buf *path,
    const char *seg, int depth)
{
	size_t mark = path->len;
	int rc = ANN_OK;
	const char *c;

	if (seg) {
		rc = ann_buf_addc(path, '/');
		for (c = seg; rc == ANN_OK && *c; c++)
			rc = *c == '~' ? ann_buf_adds(path, "~0") :
			    *c == '/' ? ann_buf_adds(path, "~1") : ann_buf_addc(path, *c);
	}
	if (rc == ANN_OK)
		rc = walk_schema(g, root, s, path, depth + 1);
	ann_buf_truncate(path, mark);
	return rc;
}

static int
walk_schema(struct ann_ground *g, const cJSON *root, const cJSON *s, struct ann_buf *path,
    int depth)
{
	static const char *const same_place[] = { "allOf", "anyOf", "oneOf" };
	static const char *const same_place_one[] = { "if", "then", "else" };
	static const char *const any_segment[] = { "patternProperties" };
	const cJSON *k, *c;
	size_t i;
	int rc = ANN_OK;

	if (!cJSON_IsObject(s) || depth > WALK_MAX_DEPTH)
		return ANN_OK;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "x-ann-derived")))
		return ground_add_pattern(g, path->data, path->len);

	k = cJSON_GetObjectItemCaseSensitive(s, "$ref");
	if (cJSON_IsString(k) && (c = resolve_local(root, k->valuestring)) != NULL)
		rc = walk_child(g, root, c, path, NULL, depth);
	k = cJSON_GetObjectItemCaseSensitive(s, "properties");
	if (!cJSON_IsObject(k))
		k = NULL;
	cJSON_ArrayForEach(c, k) {
		if (rc == ANN_OK)
			rc = walk_child(g, root, c, path, c->string, depth);
	}
	for (i = 0; i < sizeof any_segment / sizeof any_segment[0]; i++) {
		k = cJSON_GetObjectItemCaseSensitive(s, any_segment[i]);
		if (!cJSON_IsObject(k))
			k = NULL;
		cJSON_ArrayForEach(c, k) {
			if (rc == ANN_OK)
				rc = walk_child(g, root, c, path, "*", depth);
		}
	}
	k = cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
	if (rc == ANN_OK && cJSON_IsObject(k))
		rc = walk_child(g, root, k, path, "*", depth);
	k = cJSON_GetObjectItemCaseSensitive(s, "items");
	if (rc == ANN_OK && cJSON_IsObject(k))
		rc = walk_child(g, root, k, path, "*", depth);
	if (!cJSON_IsArray(k))
		k = cJSON_GetObjectItemCaseSensitive(s, "prefixItems");
	if (cJSON_IsArray(k)) {
		char idx[24];

		i = 0;
		cJSON_ArrayForEach(c, k) {
			snprintf(idx, sizeof idx, "%zu", i++);
			if (rc == ANN_OK)
				rc = walk_child(g, root, c, path, idx, depth);
		}
	}
	for (i = 0; i < sizeof same_place / sizeof same_place[0]; i++) {
		k = cJSON_GetObjectItemCaseSensitive(s, same_place[i]);
		if (!cJSON_IsArray(k))
			k = NULL;
		cJSON_ArrayForEach(c, k) {
			if (rc == ANN_OK)
				rc = walk_child(g, root, c, path, NULL, depth);
		}
	}
	for (i = 0; i < sizeof same_place_one / sizeof same_place_one[0]; i++) {
		k = cJSON_GetObjectItemCaseSensitive(s, same_place_one[i]);
		if (rc == ANN_OK && cJSON_IsObject(k))
			rc = walk_child(g, root, k, path, NULL, depth);
	}
	return rc;
}

int
ground_schema_derived(struct ann_ground *g, const char *path, struct ann_error *e)
{
	struct ann_buf text = ANN_BUF_INIT, ptr = ANN_BUF_INIT;
	char chunk[8192];
	cJSON *root = NULL;
	FILE *f;
	size_t n;
	int rc = ANN_OK;

	f = fopen(path, "rb");
	if (f == NULL)
		return ann_error_set(e, ANN_ERR_CONFIG, "cannot open schema \"%s\"", path);
	while (rc == ANN_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = ann_buf_add(&text, chunk, n);
	if (ferror(f) && rc == ANN_OK)
		rc = ann_error_set(e, ANN_ERR_CONFIG, "cannot read schema \"%s\"", path);
	fclose(f);
	if (rc == ANN_ERR_NOMEM)
		ann_error_set(e, rc, "out of memory");
	if (rc)
		goto done;
	if (ann_json_check_file(text.data, text.len, 1, "schema", path, e) != ANN_OK) {
		rc = e->code = ANN_ERR_CONFIG;
		goto done;
	}
	root = cJSON_ParseWithLength(text.data, text.len);
	if (root == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading schema \"%s\"", path);
		goto done;
	}
	rc = walk_schema(g, root, root, &ptr, 0);
	if (rc)
		ann_error_set(e, rc, "out of memory");

done:
	cJSON_Delete(root);
	ann_buf_release(&text);
	ann_buf_release(&ptr);
	return rc;
}
