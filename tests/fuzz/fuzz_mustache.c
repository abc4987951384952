/*
 * libFuzzer harness for the Mustache compiler and renderer.
 *
 * The input is a template. It is compiled, and when it compiles it is
 * rendered over fixed data with and without HTML escaping, with itself
 * registered as the partial "p" so recursion is exercised. Compile errors
 * must be ANN_ERR_SYNTAX with a message naming a line; rendering may only
 * fail by hitting the partial depth limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mustache.h"

static const char data_json[] =
    "{\"a\":[{\"b\":\"x\"},{\"b\":\"{{a}}\"}],\"c\":true,\"d\":{\"e\":\"<&>\"},"
    "\"n\":1.5,\"z\":null,\"s\":\"\",\"l\":[1,[2,3],\"t\"]}";

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_mustache *t = NULL;
	struct ann_mustache_env *env;
	cJSON *data;
	const cJSON *stack[1];
	unsigned flags;
	int rc;

	rc = ann_mustache_compile(&t, (const char *)bytes, size, "fuzz", 1, &e);
	if (rc != ANN_OK) {
		if (rc != ANN_ERR_SYNTAX || strncmp(e.msg, "fuzz:", 5) != 0)
			abort();
		return 0;
	}

	env = ann_mustache_env_new();
	data = cJSON_Parse(data_json);
	if (env == NULL || data == NULL)
		abort();
	if (ann_mustache_env_add_partial(env, "p", (const char *)bytes, size, "p", 1, &e) != ANN_OK)
		abort();
	stack[0] = data;
	for (flags = 0; flags <= ANN_MUSTACHE_HTML_ESCAPE; flags++) {
		struct ann_buf out;

		ann_buf_init(&out, (size_t)1 << 24);
		rc = ann_mustache_render(t, env, stack, 1, flags, &out, &e);
		if (rc != ANN_OK && rc != ANN_ERR_TOO_LARGE)
			abort();
		if (rc != ANN_OK && out.len != 0)
			abort();
		ann_buf_release(&out);
	}
	cJSON_Delete(data);
	ann_mustache_env_free(env);
	ann_mustache_free(t);
	return 0;
}
