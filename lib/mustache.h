/*
 * Mustache templates rendered over cJSON data.
 *
 * Supported: variables with dotted names, the implicit iterator "{{.}}",
 * sections over lists and truthy values, inverted sections, comments,
 * partials (a standalone partial tag indents every line of the partial),
 * and set-delimiter tags. Lambdas are not supported because the data is
 * JSON, which has no functions.
 *
 * Steps for a caller:
 *   1. ann_mustache_compile() each template once;
 *   2. optionally ann_mustache_env_new() and ann_mustache_env_add_partial()
 *      for every partial the templates may name;
 *   3. ann_mustache_render() per record, appending to a buffer;
 *   4. ann_mustache_free() and ann_mustache_env_free().
 *
 * Values from the data are inserted as they are (or HTML-escaped with
 * ANN_MUSTACHE_HTML_ESCAPE) and never parsed as template text, so document
 * text that contains "{{...}}" stays literal.
 *
 * Truthiness: a missing name, null, false, an empty list and an empty
 * string are falsey; every other value, the number 0 included, is truthy.
 * Interpolation prints strings as their bytes, numbers in the shortest form
 * that reads back to the same double, true and false as words, null and
 * missing names as nothing, and objects and arrays as compact JSON.
 *
 * Errors: compile errors (an unclosed tag or section, a closing tag that
 * does not match, an invalid set-delimiter tag, an empty name) return
 * ANN_ERR_SYNTAX with a message "ORIGIN:LINE: ..." naming the template line.
 * Rendering fails with ANN_ERR_TOO_LARGE when partials nest deeper than
 * ANN_MUSTACHE_MAX_PARTIAL_DEPTH, when one rendering includes partials more
 * than ANN_MUSTACHE_MAX_PARTIAL_COUNT times (a partial that includes itself
 * twice would otherwise take 2^depth steps), or when the output buffer
 * reaches its cap. Otherwise it fails only when memory runs out. A partial the environment lacks renders as
 * nothing, as the specification requires.
 *
 * Ownership: templates copy their source. Rendering borrows the cJSON data.
 * An environment caches indented copies of partials, so it is not
 * thread-safe, but a compiled template is never modified by rendering.
 */
#ifndef ANN_MUSTACHE_H
#define ANN_MUSTACHE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"

#define ANN_MUSTACHE_MAX_PARTIAL_DEPTH 64
#define ANN_MUSTACHE_MAX_PARTIAL_COUNT 100000

/* Render flags. */
#define ANN_MUSTACHE_HTML_ESCAPE 1u /* escape & < > " ' in {{name}} */

struct ann_mustache;
struct ann_mustache_env;

/*
 * Compiles src[0..len). origin names the template in error messages (a
 * file name, for example) and first_line is the number of the source's
 * first line, so a template cut out of a larger file reports that file's
 * line numbers. On success *out owns the compiled template.
 */
int ann_mustache_compile(struct ann_mustache **out, const char *src, size_t len,
    const char *origin, size_t first_line, struct ann_error *e);

void ann_mustache_free(struct ann_mustache *t);

/* Returns 1 when the template has no tags and only whitespace text. */
int ann_mustache_is_blank(const struct ann_mustache *t);

struct ann_mustache_env *ann_mustache_env_new(void);
void ann_mustache_env_free(struct ann_mustache_env *env);

/*
 * Adds the partial called name. The source is compiled at once so syntax
 * errors surface here, naming origin and the line. A second partial with
 * the same name replaces the first.
 */
int ann_mustache_env_add_partial(struct ann_mustache_env *env, const char *name,
    const char *src, size_t len, const char *origin, size_t first_line,
    struct ann_error *e);

/*
 * Renders t and appends the text to out. The context stack is
 * stack[0..depth), stack[depth - 1] on top: names resolve in the topmost
 * object that has the name's first part. env may be NULL (no partials).
 * On failure out keeps its earlier content and nothing is appended.
 */
int ann_mustache_render(const struct ann_mustache *t, struct ann_mustache_env *env,
    const cJSON *const *stack, size_t depth, unsigned flags, struct ann_buf *out,
    struct ann_error *e);

#endif
