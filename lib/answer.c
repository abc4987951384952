#include "answer.h"

#include <strings.h>
#include <string.h>

#include "json.h"

/* Bounds the work on a long reply full of braces that never parse. */
#define MAX_CANDIDATES 4096

static const struct {
	const char *reason;
	enum ann_stop stop;
} stop_reasons[] = {
	{ "max_tokens", ANN_STOP_TRUNCATED },
	{ "length", ANN_STOP_TRUNCATED },
	{ "model_context_window_exceeded", ANN_STOP_TRUNCATED },
	{ "refusal", ANN_STOP_REFUSED },
	{ "content_filtered", ANN_STOP_REFUSED },
	{ "content_filter", ANN_STOP_REFUSED },
	{ "guardrail_intervened", ANN_STOP_REFUSED },
	{ "malformed_model_output", ANN_STOP_MALFORMED },
	{ "malformed_tool_use", ANN_STOP_MALFORMED },
};

enum ann_stop
ann_answer_stop(const char *reason)
{
	size_t i;

	if (reason == NULL)
		return ANN_STOP_DONE;
	for (i = 0; i < sizeof stop_reasons / sizeof stop_reasons[0]; i++)
		if (strcmp(reason, stop_reasons[i].reason) == 0)
			return stop_reasons[i].stop;
	return ANN_STOP_DONE;
}

const char *
ann_answer_stop_kind(enum ann_stop stop)
{
	switch (stop) {
	case ANN_STOP_TRUNCATED:
		return "truncated";
	case ANN_STOP_REFUSED:
		return "refused";
	case ANN_STOP_MALFORMED:
		return "malformed";
	case ANN_STOP_DONE:
		break;
	}
	return NULL;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t
skip_space(const char *s, size_t n, size_t p)
{
	while (p < n && is_space(s[p]))
		p++;
	return p;
}

static size_t
line_end(const char *s, size_t n, size_t p)
{
	const char *nl = memchr(s + p, '\n', n - p);

	return nl ? (size_t)(nl - s) : n;
}

/* Returns 1 when the line at p opens or closes a fence: up to three
 * spaces, then three backticks. *label gets the offset after them. */
static int
is_fence(const char *s, size_t n, size_t p, size_t *label)
{
	size_t indent = 0;

	while (p < n && s[p] == ' ' && indent < 3) {
		p++;
		indent++;
	}
	if (n - p < 3 || memcmp(s + p, "```", 3) != 0)
		return 0;
	*label = p + 3;
	return 1;
}

/* Returns 1 when the fence label s[a..b) (trimmed) is empty or "json". */
static int
is_json_label(const char *s, size_t a, size_t b)
{
	while (a < b && is_space(s[a]))
		a++;
	while (b > a && is_space(s[b - 1]))
		b--;
	return b == a || (b - a == 4 && strncasecmp(s + a, "json", 4) == 0);
}

/* Parses an object or array starting exactly at p; returns its end or 0. */
static size_t
value_at(const char *s, size_t n, size_t p)
{
	size_t start, end;

	if (p >= n || (s[p] != '{' && s[p] != '['))
		return 0;
	end = ann_jspan_skip(s, n, p, &start);
	if (end == 0 || ann_json_check(s + p, end - p, NULL, NULL) != ANN_OK)
		return 0;
	return end;
}

static int
find_fenced(const char *text, size_t n, struct ann_jspan *out)
{
	size_t p = 0;

	while (p < n) {
		size_t eol = line_end(text, n, p);
		size_t label;

		if (is_fence(text, n, p, &label) && label <= eol) {
			size_t body = eol < n ? eol + 1 : n;

			if (is_json_label(text, label, eol)) {
				size_t start = skip_space(text, n, body);
				size_t end = value_at(text, n, start);
				size_t after = end ? skip_space(text, n, end) : 0;

				if (end && n - after >= 3 && memcmp(text + after, "```", 3) == 0) {
					out->start = start;
					out->end = end;
					return ANN_OK;
				}
			}

			/* Not the answer: go past this block's closing fence. */
			p = body;
			while (p < n) {
				size_t close_eol = line_end(text, n, p);
				size_t unused;
				int closes = is_fence(text, n, p, &unused);

				p = close_eol < n ? close_eol + 1 : n;
				if (closes)
					break;
			}
			continue;
		}
		p = eol < n ? eol + 1 : n;
	}
	return ANN_ERR_NOT_FOUND;
}

static int
find_trailing(const char *text, size_t n, struct ann_jspan *out)
{
	size_t last = n;
	size_t p;
	unsigned tries = 0;

	while (last > 0 && is_space(text[last - 1]))
		last--;
	if (last == 0 || (text[last - 1] != '}' && text[last - 1] != ']'))
		return ANN_ERR_NOT_FOUND;

	for (p = 0; p < last && tries < MAX_CANDIDATES; p++) {
		if (text[p] != '{' && text[p] != '[')
			continue;
		tries++;
		if (value_at(text, last, p) == last) {
			out->start = p;
			out->end = last;
			return ANN_OK;
		}
	}
	return ANN_ERR_NOT_FOUND;
}

int
ann_answer_find_json(const char *text, size_t n, struct ann_jspan *out)
{
	if (find_fenced(text, n, out) == ANN_OK)
		return ANN_OK;
	return find_trailing(text, n, out);
}
