#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "harness.h"
#include "mustache.h"

/* Renders tmpl over the JSON text data; returns the output or "<error: ...>". */
static char *
render(const char *tmpl, const char *data, unsigned flags)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_buf out = ANN_BUF_INIT;
	struct ann_mustache *t = NULL;
	cJSON *root = cJSON_Parse(data);
	const cJSON *stack[1];

	stack[0] = root;
	if (ann_mustache_compile(&t, tmpl, strlen(tmpl), "t", 1, &e) != ANN_OK ||
	    ann_mustache_render(t, NULL, stack, 1, flags, &out, &e) != ANN_OK) {
		ann_buf_reset(&out);
		ann_buf_addf(&out, "<error: %s>", e.msg);
	}
	ann_mustache_free(t);
	cJSON_Delete(root);
	return ann_buf_detach(&out, NULL);
}

/* Returns the compile error message for tmpl, or "" when it compiles. */
static char *
compile_error(const char *tmpl, size_t first_line)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_mustache *t = NULL;

	if (ann_mustache_compile(&t, tmpl, strlen(tmpl), "prompt.tmpl", first_line, &e) == ANN_OK) {
		ann_mustache_free(t);
		return strdup("");
	}
	CHECK_INT(ANN_ERR_SYNTAX, e.code);
	return strdup(e.msg);
}

#define CHECK_RENDER(expected, tmpl, data, flags) \
	do { char *got_ = render(tmpl, data, flags); CHECK_STR(expected, got_); free(got_); } while (0)

#define CHECK_COMPILE_ERROR(expected, tmpl, first_line) \
	do { char *got_ = compile_error(tmpl, first_line); CHECK_STR(expected, got_); free(got_); } while (0)

static void
values_inserted_verbatim_by_default(void)
{
	CHECK_RENDER("a & b <c> \"d\" 'e'", "{{s}}", "{\"s\":\"a & b <c> \\\"d\\\" 'e'\"}", 0);
	CHECK_RENDER("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39;", "{{s}}",
	    "{\"s\":\"a & b <c> \\\"d\\\" 'e'\"}", ANN_MUSTACHE_HTML_ESCAPE);
	CHECK_RENDER("a & b", "{{{s}}}", "{\"s\":\"a & b\"}", ANN_MUSTACHE_HTML_ESCAPE);
}

static void
data_never_expanded_again(void)
{
	CHECK_RENDER("請求書 {{total}} {{#x}}y{{/x}}", "{{text}}",
	    "{\"text\":\"請求書 {{total}} {{#x}}y{{/x}}\",\"total\":5,\"x\":true}", 0);
	CHECK_RENDER("{{=<% %>=}}", "{{text}}", "{\"text\":\"{{=<% %>=}}\"}", 0);
}

static void
value_kinds_interpolate(void)
{
	CHECK_RENDER("1.5|100|true|false||", "{{a}}|{{b}}|{{c}}|{{d}}|{{e}}|{{missing}}",
	    "{\"a\":1.5,\"b\":1e2,\"c\":true,\"d\":false,\"e\":null}", 0);
	CHECK_RENDER("{\"k\":[1,\"二\"]}", "{{o}}", "{\"o\":{\"k\":[1,\"二\"]}}", 0);
	CHECK_RENDER("😀 ｱｲｳ", "{{s}}", "{\"s\":\"😀 ｱｲｳ\"}", 0);
}

static void
truthiness_of_values(void)
{
	CHECK_RENDER("no|yes|no|yes|no", "{{#a}}yes{{/a}}{{^a}}no{{/a}}|"
	    "{{#b}}yes{{/b}}{{^b}}no{{/b}}|{{#c}}yes{{/c}}{{^c}}no{{/c}}|"
	    "{{#d}}yes{{/d}}{{^d}}no{{/d}}|{{#e}}yes{{/e}}{{^e}}no{{/e}}",
	    "{\"a\":\"\",\"b\":0,\"c\":[],\"d\":\"x\"}", 0);
}

static void
sections_iterate_and_nest(void)
{
	CHECK_RENDER("- a: 1\n- b: 2\n",
	    "{{#items}}\n- {{name}}: {{qty}}\n{{/items}}\n",
	    "{\"items\":[{\"name\":\"a\",\"qty\":1},{\"name\":\"b\",\"qty\":2}]}", 0);
	CHECK_RENDER("x,y,", "{{#list}}{{.}},{{/list}}", "{\"list\":[\"x\",\"y\"]}", 0);
	CHECK_RENDER("Acme", "{{#vendor}}{{name}}{{/vendor}}", "{\"vendor\":{\"name\":\"Acme\"}}", 0);
	CHECK_RENDER("Acme", "{{vendor.name}}", "{\"vendor\":{\"name\":\"Acme\"}}", 0);
}

static void
errors_name_template_line(void)
{
	CHECK_COMPILE_ERROR("prompt.tmpl:3: section \"items\" is never closed",
	    "a\nb\n{{#items}}\nc\n", 1);
	CHECK_COMPILE_ERROR("prompt.tmpl:12: section \"items\" is never closed",
	    "a\nb\n{{#items}}\nc\n", 10);
	CHECK_COMPILE_ERROR("prompt.tmpl:2: unclosed tag: \"{{\" without a matching \"}}\"",
	    "ok\n{{name\n", 1);
	CHECK_COMPILE_ERROR("prompt.tmpl:2: closing tag \"b\" does not match section \"a\" "
	    "opened on line 1", "{{#a}}\n{{/b}}", 1);
	CHECK_COMPILE_ERROR("prompt.tmpl:1: closing tag \"a\" without an open section",
	    "{{/a}}", 1);
	CHECK_COMPILE_ERROR("prompt.tmpl:2: invalid set-delimiter tag: expected two delimiters "
	    "without spaces or '=', as in {{=<% %>=}}", "\n{{=<%>=}}", 1);
	CHECK_COMPILE_ERROR("prompt.tmpl:1: empty tag name", "x {{ }}", 1);
	CHECK_COMPILE_ERROR("prompt.tmpl:1: invalid tag name \"a..b\"", "{{a..b}}", 1);
	CHECK_COMPILE_ERROR("prompt.tmpl:4: unclosed tag: \"<%\" without a matching \"%>\"",
	    "{{=<% %>=}}\n\n\n<%x", 1);
	CHECK_COMPILE_ERROR("prompt.tmpl:1: unclosed tag: \"{{\" without a matching \"}}}\"",
	    "{{{x}}", 1);
}

static void
partials_render_and_stop_recursion(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_buf out = ANN_BUF_INIT;
	struct ann_mustache_env *env = ann_mustache_env_new();
	struct ann_mustache *t = NULL;
	cJSON *data = cJSON_Parse("{\"n\":\"x\"}");
	const cJSON *stack[1] = { data };

	CHECK(env != NULL);
	CHECK_INT(ANN_OK, ann_mustache_env_add_partial(env, "loop", "{{>loop}}", 9, "loop", 1, &e));
	CHECK_INT(ANN_OK, ann_mustache_env_add_partial(env, "list", "a\nb\n", 4, "list", 1, &e));
	CHECK_INT(ANN_ERR_SYNTAX, ann_mustache_env_add_partial(env, "bad", "\n{{#x}}", 7,
	    "bad.tmpl", 1, &e));
	CHECK_STR("bad.tmpl:2: section \"x\" is never closed", e.msg);

	CHECK_INT(ANN_OK, ann_mustache_compile(&t, "  {{>list}}\n{{n}}", 17, "t", 1, &e));
	CHECK_INT(ANN_OK, ann_mustache_render(t, env, stack, 1, 0, &out, &e));
	CHECK_STR("  a\n  b\nx", out.data);
	ann_mustache_free(t);

	ann_buf_reset(&out);
	CHECK_INT(ANN_OK, ann_mustache_compile(&t, "[{{>loop}}]", 11, "t", 1, &e));
	CHECK_INT(ANN_ERR_TOO_LARGE, ann_mustache_render(t, env, stack, 1, 0, &out, &e));
	CHECK_INT(0, out.len);
	CHECK_STR("render partial \"loop\": nested more than 64 deep (a partial that "
	    "includes itself without end?)", e.msg);
	ann_mustache_free(t);

	/* Data 30 levels deep makes a partial that includes itself twice take 2^30 steps. */
	{
		struct ann_buf deep = ANN_BUF_INIT;
		cJSON *tree;
		const cJSON *tree_stack[1];
		int i;

		for (i = 0; i < 30; i++)
			ann_buf_adds(&deep, "{\"c\":[");
		ann_buf_adds(&deep, "{\"c\":[]}");
		for (i = 0; i < 30; i++)
			ann_buf_adds(&deep, "]}");
		tree = cJSON_Parse(deep.data);
		tree_stack[0] = tree;
		CHECK_INT(ANN_OK, ann_mustache_env_add_partial(env, "tree",
		    "{{#c}}{{>tree}}{{>tree}}{{/c}}", 30, "tree", 1, &e));
		CHECK_INT(ANN_OK, ann_mustache_compile(&t, "{{>tree}}", 9, "t", 1, &e));
		CHECK_INT(ANN_ERR_TOO_LARGE, ann_mustache_render(t, env, tree_stack, 1, 0, &out, &e));
		CHECK_STR("render partial \"tree\": more than 100000 partial inclusions in one "
		    "rendering", e.msg);
		ann_mustache_free(t);
		cJSON_Delete(tree);
		ann_buf_release(&deep);
	}

	ann_buf_release(&out);
	ann_mustache_env_free(env);
	cJSON_Delete(data);
}

static void
render_fails_at_buffer_cap(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_buf out;
	struct ann_mustache *t = NULL;
	cJSON *data = cJSON_Parse("{\"s\":\"0123456789\"}");
	const cJSON *stack[1] = { data };

	ann_buf_init(&out, 8);
	CHECK_INT(ANN_OK, ann_buf_adds(&out, "ab"));
	CHECK_INT(ANN_OK, ann_mustache_compile(&t, "{{s}}", 5, "t", 1, &e));
	CHECK_INT(ANN_ERR_TOO_LARGE, ann_mustache_render(t, NULL, stack, 1, 0, &out, &e));
	CHECK_STR("ab", out.data);
	CHECK_STR("render template: output larger than 8 bytes", e.msg);
	ann_mustache_free(t);
	ann_buf_release(&out);
	cJSON_Delete(data);
}

static void
context_stack_precedence(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_buf out = ANN_BUF_INIT;
	struct ann_mustache *t = NULL;
	cJSON *low = cJSON_Parse("{\"a\":\"low\",\"b\":\"low\"}");
	cJSON *high = cJSON_Parse("{\"a\":\"high\"}");
	const cJSON *stack[2] = { low, high };

	CHECK_INT(ANN_OK, ann_mustache_compile(&t, "{{a}} {{b}}", 11, "t", 1, &e));
	CHECK_INT(ANN_OK, ann_mustache_render(t, NULL, stack, 2, 0, &out, &e));
	CHECK_STR("high low", out.data);
	ann_mustache_free(t);
	ann_buf_release(&out);
	cJSON_Delete(low);
	cJSON_Delete(high);
}

static void
blank_template_detected(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_mustache *t = NULL;

	CHECK_INT(ANN_OK, ann_mustache_compile(&t, " \n{{! note }}\n", 14, "t", 1, &e));
	CHECK_INT(1, ann_mustache_is_blank(t));
	ann_mustache_free(t);
	CHECK_INT(ANN_OK, ann_mustache_compile(&t, "{{x}}", 5, "t", 1, &e));
	CHECK_INT(0, ann_mustache_is_blank(t));
	ann_mustache_free(t);
}

ANN_TEST_MAIN(
	ANN_TEST(values_inserted_verbatim_by_default),
	ANN_TEST(data_never_expanded_again),
	ANN_TEST(value_kinds_interpolate),
	ANN_TEST(truthiness_of_values),
	ANN_TEST(sections_iterate_and_nest),
	ANN_TEST(errors_name_template_line),
	ANN_TEST(partials_render_and_stop_recursion),
	ANN_TEST(render_fails_at_buffer_cap),
	ANN_TEST(context_stack_precedence),
	ANN_TEST(blank_template_detected)
)
