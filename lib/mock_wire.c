/*
 * Request parsing and response shapes for the four APIs the mock answers:
 * Bedrock Converse, Bedrock InvokeModel with an Anthropic Messages body,
 * the Anthropic Messages API and OpenAI chat completions.
 */
#include "mock_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "reask.h"

/* maxTokens when a Converse or OpenAI request leaves it out. */
#define DEFAULT_MAX_TOKENS 4096

#define BEDROCK_ERROR_NAMESPACE "http://internal.amazon.com/coral/com.amazon.bedrock/"

long
mock_token_estimate(const char *s, size_t n)
{
	size_t ascii = 0, other = 0, i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80)
			ascii++;
		else if ((c & 0xC0) != 0x80)
			other++;
	}
	return (long)((ascii + 3) / 4 + other);
}

void
mock_call_init(struct mock_call *c, enum mock_api api)
{
	memset(c, 0, sizeof *c);
	c->api = api;
	ann_buf_init(&c->first_user, ANN_BUF_MAX_DEFAULT);
	ann_buf_init(&c->user_text, ANN_BUF_MAX_DEFAULT);
	ann_buf_init(&c->record_id, 4096);
}

void
mock_call_release(struct mock_call *c)
{
	free(c->model);
	cJSON_Delete(c->body);
	cJSON_Delete(c->schema_owned);
	ann_buf_release(&c->first_user);
	ann_buf_release(&c->user_text);
	ann_buf_release(&c->record_id);
	memset(c, 0, sizeof *c);
}

void
mock_reply_init(struct mock_reply *r)
{
	memset(r, 0, sizeof *r);
	ann_buf_init(&r->text, ANN_BUF_MAX_DEFAULT);
}

void
mock_reply_release(struct mock_reply *r)
{
	cJSON_Delete(r->value);
	ann_buf_release(&r->text);
	memset(r, 0, sizeof *r);
}

void
mock_error_set(struct mock_error *err, enum mock_error_kind kind, const char *fmt, ...)
{
	va_list ap;

	err->kind = kind;
	err->status = 0;
	err->type = NULL;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

void
mock_response_header(struct mock_response *r, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (r->nheaders == MOCK_MAX_HEADERS)
		return;
	r->headers[r->nheaders].name = name;
	va_start(ap, fmt);
	vsnprintf(r->headers[r->nheaders].value, sizeof r->headers[0].value, fmt, ap);
	va_end(ap);
	r->nheaders++;
}

/* ---- Reading requests ---- */

static const char *
string_member(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
append_text(struct ann_buf *b, const char *s)
{
	int rc;

	if (b->len > 0 && (rc = ann_buf_addc(b, '\n')) < 0)
		return rc;
	return ann_buf_adds(b, s);
}

/*
 * Appends the text a message content carries, in any of the four shapes:
 * a plain string, text blocks ({"text"} or {"type":"text","text"}),
 * documents with a text source, and tool results (text or JSON).
 */
static int
append_content(struct ann_buf *b, const cJSON *content)
{
	const cJSON *block, *v, *src;
	char *printed;
	int rc = 0;

	if (cJSON_IsString(content))
		return append_text(b, content->valuestring);
	if (!cJSON_IsArray(content))
		return 0;
	cJSON_ArrayForEach(block, content) {
		if ((v = cJSON_GetObjectItemCaseSensitive(block, "text")) != NULL && cJSON_IsString(v)) {
			rc = append_text(b, v->valuestring);
		} else if ((v = cJSON_GetObjectItemCaseSensitive(block, "document")) != NULL) {
			src = cJSON_GetObjectItemCaseSensitive(v, "source");
			if (string_member(src, "text") != NULL)
				rc = append_text(b, string_member(src, "text"));
			else
				rc = append_content(b, cJSON_GetObjectItemCaseSensitive(src, "content"));
		} else if ((src = cJSON_GetObjectItemCaseSensitive(block, "source")) != NULL &&
		    string_member(src, "type") != NULL && strcmp(string_member(src, "type"), "text") == 0 &&
		    string_member(src, "data") != NULL) {
			rc = append_text(b, string_member(src, "data"));
		} else if ((v = cJSON_GetObjectItemCaseSensitive(block, "toolResult")) != NULL) {
			rc = append_content(b, cJSON_GetObjectItemCaseSensitive(v, "content"));
		} else if ((v = cJSON_GetObjectItemCaseSensitive(block, "json")) != NULL) {
			printed = cJSON_PrintUnformatted(v);
			if (printed == NULL)
				return ANN_ERR_NOMEM;
			rc = append_text(b, printed);
			free(printed);
		} else if (string_member(block, "type") != NULL &&
		    strcmp(string_member(block, "type"), "tool_result") == 0) {
			rc = append_content(b, cJSON_GetObjectItemCaseSensitive(block, "content"));
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * Returns the opening text of ann-retry's built-in feedback template
 * (japanese 0 or 1) in *len bytes: everything before its first tag,
 * without trailing white space. Taken from the same compiled-in template
 * that ann-retry sends, so the two cannot drift apart.
 */
static const char *
builtin_marker(int japanese, size_t *len)
{
	const char *text = ann_reask_builtin_feedback(japanese);
	const char *tag = strstr(text, "{{");
	size_t n = tag ? (size_t)(tag - text) : strlen(text);

	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\n' || text[n - 1] == '\t'))
		n--;
	*len = n;
	return text;
}

/* Returns 1 when haystack[0..n) contains needle[0..m), which is not empty. */
static int
contains_bytes(const char *haystack, size_t n, const char *needle, size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++) {
		if (haystack[i] == needle[0] && memcmp(haystack + i, needle, m) == 0)
			return 1;
	}
	return 0;
}

/* Returns 1 when text contains a re-ask marker: a built-in one or c->reask_marker. */
static int
has_reask_marker(const struct mock_call *c, const struct ann_buf *text)
{
	const char *marker;
	size_t len;
	int japanese;

	for (japanese = 0; japanese <= 1; japanese++) {
		marker = builtin_marker(japanese, &len);
		if (len > 0 && contains_bytes(text->data, text->len, marker, len))
			return 1;
	}
	marker = c->reask_marker;
	return marker != NULL && marker[0] != '\0' &&
	    contains_bytes(text->data, text->len, marker, strlen(marker));
}

/* Returns the index of the last assistant turn among messages[0..end), or -1. */
static int
last_assistant(const cJSON *messages, int end)
{
	int i;

	for (i = end - 1; i >= 0; i--) {
		const char *role = string_member(cJSON_GetArrayItem(messages, i), "role");

		if (role != NULL && strcmp(role, "assistant") == 0)
			return i;
	}
	return -1;
}

/* Appends the text of messages[from..to) to out, one turn a line; with
 * user_only, only the turns whose role is "user". */
static int
append_turns(struct ann_buf *out, const cJSON *messages, int from, int to, int user_only)
{
	struct ann_buf turn = ANN_BUF_INIT;
	int i, rc = 0;

	for (i = from; i < to && rc >= 0; i++) {
		const cJSON *msg = cJSON_GetArrayItem(messages, i);
		const char *role = string_member(msg, "role");

		if (user_only && strcmp(role, "user") != 0)
			continue;
		ann_buf_reset(&turn);
		rc = append_content(&turn, cJSON_GetObjectItemCaseSensitive(msg, "content"));
		if (rc >= 0)
			rc = append_text(out, turn.data);
	}
	ann_buf_release(&turn);
	return rc;
}

/*
 * Finds the record's own turns and whether the request is a re-ask.
 *
 * A re-ask is a request whose turns after the last assistant turn (the
 * earlier answer) carry the validation feedback, recognised by a re-ask
 * marker. Few-shot examples are user and assistant pairs before the
 * record's turn, so a first call with examples ends in the record's
 * document, carries no marker, and is a first call.
 *
 * The record's turns are the user turns after the last assistant turn
 * that comes before the re-ask's answer: after the examples, and before
 * the feedback. first_user is the first of them and user_text all of them.
 */
static int
read_record_turns(struct mock_call *c, const cJSON *messages)
{
	struct ann_buf tail = ANN_BUF_INIT;
	struct ann_buf first = ANN_BUF_INIT;
	int n = cJSON_GetArraySize(messages);
	int answer = last_assistant(messages, n);
	int end = n, start, i, rc = 0;

	if (answer >= 0 && answer < n - 1) {
		rc = append_turns(&tail, messages, answer + 1, n, 0);
		if (rc >= 0 && has_reask_marker(c, &tail)) {
			c->reask = 1;
			end = answer;
		}
	}
	start = last_assistant(messages, end) + 1;
	for (i = start; i < end && rc >= 0; i++) {
		const char *role = string_member(cJSON_GetArrayItem(messages, i), "role");

		if (strcmp(role, "user") != 0)
			continue;
		rc = append_turns(&first, messages, i, i + 1, 1);
		if (rc >= 0)
			rc = ann_buf_add(&c->first_user, first.data, first.len);
		break;
	}
	if (rc >= 0)
		rc = append_turns(&c->user_text, messages, start, end, 1);
	ann_buf_release(&tail);
	ann_buf_release(&first);
	return rc;
}

/* Checks the messages, counts their input tokens and reads the record's turns. */
static int
read_messages(struct mock_call *c, const cJSON *messages, struct mock_error *err)
{
	struct ann_buf turn = ANN_BUF_INIT;
	const cJSON *msg;

	if (!cJSON_IsArray(messages) || cJSON_GetArraySize(messages) == 0) {
		mock_error_set(err, MOCK_E_VALIDATION, "messages must be a non-empty array");
		return -1;
	}
	cJSON_ArrayForEach(msg, messages) {
		if (string_member(msg, "role") == NULL) {
			ann_buf_release(&turn);
			mock_error_set(err, MOCK_E_VALIDATION, "every message needs a string role");
			return -1;
		}
		ann_buf_reset(&turn);
		if (append_content(&turn, cJSON_GetObjectItemCaseSensitive(msg, "content")) < 0)
			goto nomem;
		c->input_tokens += mock_token_estimate(turn.data, turn.len);
	}
	if (read_record_turns(c, messages) < 0)
		goto nomem;
	ann_buf_release(&turn);
	return 0;

nomem:
	ann_buf_release(&turn);
	mock_error_set(err, MOCK_E_INTERNAL, "out of memory reading the messages");
	return -1;
}

static int
add_system_tokens(struct mock_call *c, const cJSON *system)
{
	struct ann_buf text = ANN_BUF_INIT;
	int rc = append_content(&text, system);

	c->input_tokens += mock_token_estimate(text.data, text.len);
	ann_buf_release(&text);
	return rc;
}

static void
add_schema_tokens(struct mock_call *c)
{
	char *printed;

	if (c->schema == NULL)
		return;
	printed = cJSON_PrintUnformatted(c->schema);
	if (printed != NULL)
		c->input_tokens += mock_token_estimate(printed, strlen(printed));
	free(printed);
}

static int
read_max_tokens(struct mock_call *c, const cJSON *v, int required, const char *name,
    struct mock_error *err)
{
	if (v == NULL && !required) {
		c->max_tokens = DEFAULT_MAX_TOKENS;
		return 0;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e9 ||
	    v->valuedouble != (double)(long)v->valuedouble) {
		mock_error_set(err, MOCK_E_VALIDATION, "%s must be a positive integer", name);
		return -1;
	}
	c->max_tokens = (long)v->valuedouble;
	return 0;
}

/* Picks the tool named by choice (when given) or the first tool. */
static const cJSON *
pick_tool(const cJSON *tools, const char *choice, const char *(*name_of)(const cJSON *))
{
	const cJSON *t;

	cJSON_ArrayForEach(t, tools) {
		if (choice == NULL || (name_of(t) != NULL && strcmp(name_of(t), choice) == 0))
			return t;
	}
	return NULL;
}

static const char *
converse_tool_name(const cJSON *t)
{
	return string_member(cJSON_GetObjectItemCaseSensitive(t, "toolSpec"), "name");
}

static const char *
anthropic_tool_name(const cJSON *t)
{
	return string_member(t, "name");
}

static const char *
openai_tool_name(const cJSON *t)
{
	return string_member(cJSON_GetObjectItemCaseSensitive(t, "function"), "name");
}

static int
set_record_id(struct mock_call *c, const char *id)
{
	if (id == NULL || *id == '\0' || c->record_id.len > 0)
		return 0;
	return ann_buf_adds(&c->record_id, id);
}

static int
parse_converse(struct mock_call *c, struct mock_error *err)
{
	const cJSON *b = c->body, *tc, *tools, *tool, *choice, *fmt, *s;
	const char *chosen = NULL, *schema_text;

	if (read_messages(c, cJSON_GetObjectItemCaseSensitive(b, "messages"), err) < 0)
		return -1;
	if (add_system_tokens(c, cJSON_GetObjectItemCaseSensitive(b, "system")) < 0)
		goto nomem;
	if (read_max_tokens(c, cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(b, "inferenceConfig"), "maxTokens"), 0,
	    "inferenceConfig.maxTokens", err) < 0)
		return -1;

	tc = cJSON_GetObjectItemCaseSensitive(b, "toolConfig");
	tools = cJSON_GetObjectItemCaseSensitive(tc, "tools");
	if (cJSON_IsArray(tools) && cJSON_GetArraySize(tools) > 0) {
		choice = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tc,
		    "toolChoice"), "tool");
		chosen = string_member(choice, "name");
		tool = pick_tool(tools, chosen, converse_tool_name);
		if (tool == NULL) {
			mock_error_set(err, MOCK_E_VALIDATION, "toolChoice names a tool that toolConfig.tools lacks");
			return -1;
		}
		c->mode = MOCK_MODE_TOOL;
		c->tool_name = converse_tool_name(tool);
		c->schema = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(tool, "toolSpec"), "inputSchema"), "json");
		if (c->tool_name == NULL || !cJSON_IsObject(c->schema)) {
			mock_error_set(err, MOCK_E_VALIDATION,
			    "each toolSpec needs a name and an inputSchema.json object");
			return -1;
		}
	} else if ((fmt = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b,
	    "outputConfig"), "textFormat")) != NULL) {
		s = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fmt, "structure"),
		    "jsonSchema");
		schema_text = string_member(s, "schema");
		if (schema_text == NULL || (c->schema_owned = cJSON_Parse(schema_text)) == NULL ||
		    !cJSON_IsObject(c->schema_owned)) {
			mock_error_set(err, MOCK_E_VALIDATION,
			    "outputConfig.textFormat.structure.jsonSchema.schema must be a JSON Schema object in a string");
			return -1;
		}
		c->mode = MOCK_MODE_JSON;
		c->schema = c->schema_owned;
	}
	add_schema_tokens(c);
	if (set_record_id(c, string_member(cJSON_GetObjectItemCaseSensitive(b, "requestMetadata"),
	    "ann_record_id")) < 0)
		goto nomem;
	return 0;
nomem:
	mock_error_set(err, MOCK_E_INTERNAL, "out of memory reading the request");
	return -1;
}

/* InvokeModel and the Anthropic Messages API share the body shape. */
static int
parse_anthropic(struct mock_call *c, struct mock_error *err)
{
	const cJSON *b = c->body, *tools, *tool, *fmt;
	const char *version, *chosen = NULL;

	if (c->api == MOCK_API_INVOKE) {
		if (cJSON_HasObjectItem(b, "model") || cJSON_HasObjectItem(b, "stream")) {
			mock_error_set(err, MOCK_E_VALIDATION,
			    "Malformed input request: extraneous key [%s] is not permitted, please reformat your input and try again.",
			    cJSON_HasObjectItem(b, "model") ? "model" : "stream");
			return -1;
		}
		version = string_member(b, "anthropic_version");
		if (version == NULL || strcmp(version, "bedrock-2023-05-31") != 0) {
			mock_error_set(err, MOCK_E_VALIDATION,
			    "Malformed input request: anthropic_version must be \"bedrock-2023-05-31\"");
			return -1;
		}
	} else {
		if (string_member(b, "model") == NULL) {
			mock_error_set(err, MOCK_E_VALIDATION, "model: Field required");
			return -1;
		}
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "stream"))) {
			mock_error_set(err, MOCK_E_VALIDATION, "stream: ann-mock does not stream responses");
			return -1;
		}
		c->model = strdup(string_member(b, "model"));
		if (c->model == NULL)
			goto nomem;
	}
	if (read_max_tokens(c, cJSON_GetObjectItemCaseSensitive(b, "max_tokens"), 1, "max_tokens",
	    err) < 0)
		return -1;
	if (read_messages(c, cJSON_GetObjectItemCaseSensitive(b, "messages"), err) < 0)
		return -1;
	if (add_system_tokens(c, cJSON_GetObjectItemCaseSensitive(b, "system")) < 0)
		goto nomem;

	tools = cJSON_GetObjectItemCaseSensitive(b, "tools");
	fmt = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "output_config"),
	    "format");
	if (fmt == NULL)
		fmt = cJSON_GetObjectItemCaseSensitive(b, "output_format");
	if (cJSON_IsArray(tools) && cJSON_GetArraySize(tools) > 0) {
		chosen = string_member(cJSON_GetObjectItemCaseSensitive(b, "tool_choice"), "name");
		tool = pick_tool(tools, chosen, anthropic_tool_name);
		if (tool == NULL) {
			mock_error_set(err, MOCK_E_VALIDATION, "tool_choice names a tool that tools lacks");
			return -1;
		}
		c->mode = MOCK_MODE_TOOL;
		c->tool_name = anthropic_tool_name(tool);
		c->schema = cJSON_GetObjectItemCaseSensitive(tool, "input_schema");
		if (c->tool_name == NULL || !cJSON_IsObject(c->schema)) {
			mock_error_set(err, MOCK_E_VALIDATION, "each tool needs a name and an input_schema object");
			return -1;
		}
	} else if (fmt != NULL) {
		c->schema = cJSON_GetObjectItemCaseSensitive(fmt, "schema");
		if (!cJSON_IsObject(c->schema)) {
			mock_error_set(err, MOCK_E_VALIDATION, "the output format needs a schema object");
			return -1;
		}
		c->mode = MOCK_MODE_JSON;
	}
	add_schema_tokens(c);
	return 0;
nomem:
	mock_error_set(err, MOCK_E_INTERNAL, "out of memory reading the request");
	return -1;
}

static int
parse_openai(struct mock_call *c, struct mock_error *err)
{
	const cJSON *b = c->body, *tools, *tool, *fmt, *mt;
	const char *chosen, *type;

	if (string_member(b, "model") == NULL) {
		mock_error_set(err, MOCK_E_VALIDATION, "you must provide a model parameter");
		return -1;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "stream"))) {
		mock_error_set(err, MOCK_E_VALIDATION, "stream: ann-mock does not stream responses");
		return -1;
	}
	c->model = strdup(string_member(b, "model"));
	if (c->model == NULL)
		goto nomem;
	mt = cJSON_GetObjectItemCaseSensitive(b, "max_completion_tokens");
	if (mt == NULL)
		mt = cJSON_GetObjectItemCaseSensitive(b, "max_tokens");
	if (read_max_tokens(c, mt, 0, "max_completion_tokens", err) < 0)
		return -1;
	if (read_messages(c, cJSON_GetObjectItemCaseSensitive(b, "messages"), err) < 0)
		return -1;

	tools = cJSON_GetObjectItemCaseSensitive(b, "tools");
	fmt = cJSON_GetObjectItemCaseSensitive(b, "response_format");
	type = string_member(fmt, "type");
	if (cJSON_IsArray(tools) && cJSON_GetArraySize(tools) > 0) {
		chosen = string_member(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b,
		    "tool_choice"), "function"), "name");
		tool = pick_tool(tools, chosen, openai_tool_name);
		if (tool == NULL) {
			mock_error_set(err, MOCK_E_VALIDATION, "tool_choice names a function that tools lacks");
			return -1;
		}
		c->mode = MOCK_MODE_TOOL;
		c->tool_name = openai_tool_name(tool);
		c->schema = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tool,
		    "function"), "parameters");
		if (c->tool_name == NULL || !cJSON_IsObject(c->schema)) {
			mock_error_set(err, MOCK_E_VALIDATION,
			    "each tool needs function.name and a function.parameters object");
			return -1;
		}
	} else if (type != NULL && strcmp(type, "json_schema") == 0) {
		c->schema = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fmt,
		    "json_schema"), "schema");
		if (!cJSON_IsObject(c->schema)) {
			mock_error_set(err, MOCK_E_VALIDATION, "response_format.json_schema.schema must be an object");
			return -1;
		}
		c->mode = MOCK_MODE_JSON;
	} else if (type != NULL && strcmp(type, "json_object") == 0) {
		c->mode = MOCK_MODE_JSON;
	}
	add_schema_tokens(c);
	if (set_record_id(c, string_member(cJSON_GetObjectItemCaseSensitive(b, "metadata"),
	    "ann_record_id")) < 0)
		goto nomem;
	return 0;
nomem:
	mock_error_set(err, MOCK_E_INTERNAL, "out of memory reading the request");
	return -1;
}

/* Reads ann_record_id from the InvokeModel metadata header, a JSON object in a string. */
static int
id_from_metadata_header(struct mock_call *c, const char *header, struct mock_error *err)
{
	cJSON *meta;
	int rc;

	if (header == NULL)
		return 0;
	meta = cJSON_Parse(header);
	if (!cJSON_IsObject(meta)) {
		cJSON_Delete(meta);
		mock_error_set(err, MOCK_E_VALIDATION,
		    "X-Amzn-Bedrock-Request-Metadata must be a JSON object of string values");
		return -1;
	}
	rc = set_record_id(c, string_member(meta, "ann_record_id"));
	cJSON_Delete(meta);
	if (rc < 0) {
		mock_error_set(err, MOCK_E_INTERNAL, "out of memory reading the request metadata");
		return -1;
	}
	return 0;
}

int
mock_wire_parse(struct mock_call *c, const char *body, size_t len, const char *model_id,
    const char *metadata_header, const char *id_header, struct mock_error *err)
{
	struct ann_error je = ANN_ERROR_INIT;
	size_t offset = 0;
	int rc;

	if (ann_json_check(body, len, &offset, &je) < 0) {
		mock_error_set(err, MOCK_E_VALIDATION, "the request body is not valid JSON: %s", je.msg);
		return -1;
	}
	c->body = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(c->body)) {
		mock_error_set(err, MOCK_E_VALIDATION, "the request body must be a JSON object");
		return -1;
	}
	if (model_id != NULL && (c->model = strdup(model_id)) == NULL) {
		mock_error_set(err, MOCK_E_INTERNAL, "out of memory reading the request");
		return -1;
	}
	switch (c->api) {
	case MOCK_API_CONVERSE:
		rc = parse_converse(c, err);
		break;
	case MOCK_API_OPENAI:
		rc = parse_openai(c, err);
		break;
	default:
		rc = parse_anthropic(c, err);
		break;
	}
	if (rc < 0)
		return -1;
	if (c->api == MOCK_API_INVOKE && id_from_metadata_header(c, metadata_header, err) < 0)
		return -1;
	if (set_record_id(c, id_header) < 0) {
		mock_error_set(err, MOCK_E_INTERNAL, "out of memory reading the request");
		return -1;
	}
	return 0;
}

/* ---- Writing responses ---- */

/* Writes prefix and the first 24 hex digits of the request id: "msg_bdrk_3c1c7c4d...". */
static void
derived_id(char *out, size_t size, const char *prefix, const char *request_id)
{
	size_t o = (size_t)snprintf(out, size, "%s", prefix), n = 0;

	for (; *request_id != '\0' && n < 24 && o + 1 < size; request_id++)
		if (*request_id != '-') {
			out[o++] = *request_id;
			n++;
		}
	out[o] = '\0';
}

static const char *
stop_name(enum mock_api api, enum mock_stop stop)
{
	static const char *const names[][3] = {
		[MOCK_API_CONVERSE] = { "end_turn", "tool_use", "max_tokens" },
		[MOCK_API_INVOKE] = { "end_turn", "tool_use", "max_tokens" },
		[MOCK_API_ANTHROPIC] = { "end_turn", "tool_use", "max_tokens" },
		[MOCK_API_OPENAI] = { "stop", "tool_calls", "length" },
	};

	return names[api][stop];
}

/* Moves tree into resp->body as unformatted JSON and frees it. */
static int
take_body(struct mock_response *resp, cJSON *tree)
{
	char *printed;
	int rc;

	if (tree == NULL)
		return ANN_ERR_NOMEM;
	printed = cJSON_PrintUnformatted(tree);
	cJSON_Delete(tree);
	if (printed == NULL)
		return ANN_ERR_NOMEM;
	ann_buf_reset(&resp->body);
	rc = ann_buf_adds(&resp->body, printed);
	free(printed);
	return rc;
}

static cJSON *
converse_body(const struct mock_call *c, const struct mock_reply *rp, long latency_ms,
    const char *request_id)
{
	cJSON *root = cJSON_CreateObject(), *msg, *content, *block, *use, *usage, *metrics;
	char tool_id[64];

	msg = cJSON_AddObjectToObject(cJSON_AddObjectToObject(root, "output"), "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	content = cJSON_AddArrayToObject(msg, "content");
	block = cJSON_CreateObject();
	cJSON_AddItemToArray(content, block);
	if (rp->as_text) {
		cJSON_AddStringToObject(block, "text", rp->text.data);
	} else {
		derived_id(tool_id, sizeof tool_id, "tooluse_", request_id);
		use = cJSON_AddObjectToObject(block, "toolUse");
		cJSON_AddStringToObject(use, "toolUseId", tool_id);
		cJSON_AddStringToObject(use, "name", c->tool_name);
		cJSON_AddItemToObject(use, "input", cJSON_Duplicate(rp->value, 1));
	}
	cJSON_AddStringToObject(root, "stopReason", stop_name(c->api, rp->stop));
	usage = cJSON_AddObjectToObject(root, "usage");
	cJSON_AddNumberToObject(usage, "inputTokens", (double)c->input_tokens);
	cJSON_AddNumberToObject(usage, "outputTokens", (double)rp->output_tokens);
	cJSON_AddNumberToObject(usage, "totalTokens", (double)(c->input_tokens + rp->output_tokens));
	metrics = cJSON_AddObjectToObject(root, "metrics");
	cJSON_AddNumberToObject(metrics, "latencyMs", (double)latency_ms);
	return root;
}

/* The Anthropic message shape, for InvokeModel and the Anthropic API. */
static cJSON *
anthropic_body(const struct mock_call *c, const struct mock_reply *rp, const char *request_id)
{
	cJSON *root = cJSON_CreateObject(), *content, *block, *usage;
	int bedrock = c->api == MOCK_API_INVOKE;
	char id[80];
	const char *model = c->model ? c->model : "";

	derived_id(id, sizeof id, bedrock ? "msg_bdrk_" : "msg_", request_id);
	cJSON_AddStringToObject(root, "id", id);
	cJSON_AddStringToObject(root, "type", "message");
	cJSON_AddStringToObject(root, "role", "assistant");
	cJSON_AddStringToObject(root, "model", model);
	content = cJSON_AddArrayToObject(root, "content");
	block = cJSON_CreateObject();
	cJSON_AddItemToArray(content, block);
	if (rp->as_text) {
		cJSON_AddStringToObject(block, "type", "text");
		cJSON_AddStringToObject(block, "text", rp->text.data);
	} else {
		derived_id(id, sizeof id, bedrock ? "toolu_bdrk_" : "toolu_", request_id);
		cJSON_AddStringToObject(block, "type", "tool_use");
		cJSON_AddStringToObject(block, "id", id);
		cJSON_AddStringToObject(block, "name", c->tool_name);
		cJSON_AddItemToObject(block, "input", cJSON_Duplicate(rp->value, 1));
	}
	cJSON_AddStringToObject(root, "stop_reason", stop_name(c->api, rp->stop));
	cJSON_AddNullToObject(root, "stop_sequence");
	usage = cJSON_AddObjectToObject(root, "usage");
	cJSON_AddNumberToObject(usage, "input_tokens", (double)c->input_tokens);
	cJSON_AddNumberToObject(usage, "output_tokens", (double)rp->output_tokens);
	cJSON_AddNumberToObject(usage, "cache_creation_input_tokens", 0);
	cJSON_AddNumberToObject(usage, "cache_read_input_tokens", 0);
	return root;
}

static cJSON *
openai_body(const struct mock_call *c, const struct mock_reply *rp, const char *request_id)
{
	cJSON *root = cJSON_CreateObject(), *choice, *msg, *calls, *call, *fn, *usage;
	char id[80], *args;

	derived_id(id, sizeof id, "chatcmpl-", request_id);
	cJSON_AddStringToObject(root, "id", id);
	cJSON_AddStringToObject(root, "object", "chat.completion");
	cJSON_AddNumberToObject(root, "created", (double)time(NULL));
	cJSON_AddStringToObject(root, "model", c->model ? c->model : "");
	choice = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "choices"), choice);
	cJSON_AddNumberToObject(choice, "index", 0);
	msg = cJSON_AddObjectToObject(choice, "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	if (rp->as_text) {
		cJSON_AddStringToObject(msg, "content", rp->text.data);
	} else {
		cJSON_AddNullToObject(msg, "content");
		calls = cJSON_AddArrayToObject(msg, "tool_calls");
		call = cJSON_CreateObject();
		cJSON_AddItemToArray(calls, call);
		derived_id(id, sizeof id, "call_", request_id);
		cJSON_AddStringToObject(call, "id", id);
		cJSON_AddStringToObject(call, "type", "function");
		fn = cJSON_AddObjectToObject(call, "function");
		cJSON_AddStringToObject(fn, "name", c->tool_name);
		args = cJSON_PrintUnformatted(rp->value);
		cJSON_AddStringToObject(fn, "arguments", args ? args : "{}");
		free(args);
	}
	cJSON_AddStringToObject(choice, "finish_reason", stop_name(c->api, rp->stop));
	usage = cJSON_AddObjectToObject(root, "usage");
	cJSON_AddNumberToObject(usage, "prompt_tokens", (double)c->input_tokens);
	cJSON_AddNumberToObject(usage, "completion_tokens", (double)rp->output_tokens);
	cJSON_AddNumberToObject(usage, "total_tokens", (double)(c->input_tokens + rp->output_tokens));
	return root;
}

static void
request_id_header(struct mock_response *resp, enum mock_api api, const char *request_id)
{
	if (api == MOCK_API_ANTHROPIC)
		mock_response_header(resp, "request-id", "req_%s", request_id);
	else if (api == MOCK_API_OPENAI)
		mock_response_header(resp, "x-request-id", "req_%s", request_id);
	else
		mock_response_header(resp, "x-amzn-RequestId", "%s", request_id);
}

int
mock_wire_success(struct mock_response *resp, const struct mock_call *c,
    const struct mock_reply *rp, long latency_ms, const char *request_id)
{
	cJSON *tree;

	resp->status = 200;
	request_id_header(resp, c->api, request_id);
	mock_response_header(resp, "Content-Type", "application/json");
	switch (c->api) {
	case MOCK_API_CONVERSE:
		tree = converse_body(c, rp, latency_ms, request_id);
		break;
	case MOCK_API_OPENAI:
		tree = openai_body(c, rp, request_id);
		break;
	default:
		tree = anthropic_body(c, rp, request_id);
		break;
	}
	if (c->api == MOCK_API_INVOKE) {
		mock_response_header(resp, "X-Amzn-Bedrock-Invocation-Latency", "%ld", latency_ms);
		mock_response_header(resp, "X-Amzn-Bedrock-Input-Token-Count", "%ld", c->input_tokens);
		mock_response_header(resp, "X-Amzn-Bedrock-Output-Token-Count", "%ld", rp->output_tokens);
	}
	return take_body(resp, tree);
}

struct error_shape {
	int status;
	const char *type;
	const char *code; /* OpenAI only */
};

static struct error_shape
error_shape(enum mock_api api, enum mock_error_kind kind)
{
	static const struct error_shape bedrock[] = {
		[MOCK_E_VALIDATION] = { 400, "ValidationException", NULL },
		[MOCK_E_NOT_FOUND] = { 404, "UnknownOperationException", NULL },
		[MOCK_E_THROTTLE] = { 429, "ThrottlingException", NULL },
		[MOCK_E_UNAVAILABLE] = { 503, "ServiceUnavailableException", NULL },
		[MOCK_E_INTERNAL] = { 500, "InternalServerException", NULL },
		[MOCK_E_TIMEOUT] = { 408, "ModelTimeoutException", NULL },
		[MOCK_E_AUTH] = { 403, "AccessDeniedException", NULL },
	};
	static const struct error_shape anthropic[] = {
		[MOCK_E_VALIDATION] = { 400, "invalid_request_error", NULL },
		[MOCK_E_NOT_FOUND] = { 404, "not_found_error", NULL },
		[MOCK_E_THROTTLE] = { 429, "rate_limit_error", NULL },
		[MOCK_E_UNAVAILABLE] = { 529, "overloaded_error", NULL },
		[MOCK_E_INTERNAL] = { 500, "api_error", NULL },
		[MOCK_E_TIMEOUT] = { 504, "timeout_error", NULL },
		[MOCK_E_AUTH] = { 401, "authentication_error", NULL },
	};
	static const struct error_shape openai[] = {
		[MOCK_E_VALIDATION] = { 400, "invalid_request_error", NULL },
		[MOCK_E_NOT_FOUND] = { 404, "invalid_request_error", "unknown_url" },
		[MOCK_E_THROTTLE] = { 429, "requests", "rate_limit_exceeded" },
		[MOCK_E_UNAVAILABLE] = { 503, "server_error", "service_unavailable" },
		[MOCK_E_INTERNAL] = { 500, "server_error", NULL },
		[MOCK_E_TIMEOUT] = { 504, "server_error", "timeout" },
		[MOCK_E_AUTH] = { 401, "invalid_request_error", "invalid_api_key" },
	};

	if (api == MOCK_API_ANTHROPIC)
		return anthropic[kind];
	if (api == MOCK_API_OPENAI)
		return openai[kind];
	return bedrock[kind];
}

int
mock_wire_error(struct mock_response *resp, enum mock_api api, const struct mock_error *err,
    const char *request_id)
{
	struct error_shape shape = error_shape(api, err->kind);
	cJSON *root = cJSON_CreateObject(), *inner;
	char rid[80];

	if (err->status != 0)
		shape.status = err->status;
	if (err->type != NULL && (api == MOCK_API_CONVERSE || api == MOCK_API_INVOKE))
		shape.type = err->type;
	resp->status = shape.status;
	request_id_header(resp, api, request_id);
	mock_response_header(resp, "Content-Type", "application/json");
	if (api == MOCK_API_ANTHROPIC) {
		cJSON_AddStringToObject(root, "type", "error");
		inner = cJSON_AddObjectToObject(root, "error");
		cJSON_AddStringToObject(inner, "type", shape.type);
		cJSON_AddStringToObject(inner, "message", err->message);
		snprintf(rid, sizeof rid, "req_%s", request_id);
		cJSON_AddStringToObject(root, "request_id", rid);
	} else if (api == MOCK_API_OPENAI) {
		inner = cJSON_AddObjectToObject(root, "error");
		cJSON_AddStringToObject(inner, "message", err->message);
		cJSON_AddStringToObject(inner, "type", shape.type);
		cJSON_AddNullToObject(inner, "param");
		if (shape.code != NULL)
			cJSON_AddStringToObject(inner, "code", shape.code);
		else
			cJSON_AddNullToObject(inner, "code");
	} else {
		mock_response_header(resp, "x-amzn-ErrorType", "%s:" BEDROCK_ERROR_NAMESPACE, shape.type);
		cJSON_AddStringToObject(root, "message", err->message);
	}
	return take_body(resp, root);
}
