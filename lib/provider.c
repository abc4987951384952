#include "provider.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "json.h"
#include "jspan.h"
#include "retry.h"
#include "sigv4.h"

static const char *const provider_names[] = {
	[ANN_PROVIDER_BEDROCK] = "bedrock",
	[ANN_PROVIDER_BEDROCK_INVOKE] = "bedrock-invoke",
	[ANN_PROVIDER_ANTHROPIC] = "anthropic",
	[ANN_PROVIDER_OPENAI] = "openai",
};

int
ann_provider_parse(const char *name, enum ann_provider *out)
{
	size_t i;

	for (i = 0; i < sizeof provider_names / sizeof provider_names[0]; i++) {
		if (strcmp(name, provider_names[i]) == 0) {
			*out = (enum ann_provider)i;
			return ANN_OK;
		}
	}
	return ANN_ERR_INVALID;
}

const char *
ann_provider_name(enum ann_provider p)
{
	return provider_names[p];
}

int
ann_provider_is_bedrock(enum ann_provider p)
{
	return p == ANN_PROVIDER_BEDROCK || p == ANN_PROVIDER_BEDROCK_INVOKE;
}

void
ann_provider_call_init(struct ann_provider_call *c)
{
	memset(c, 0, sizeof *c);
	ann_buf_init(&c->body, ANN_BUF_MAX_DEFAULT);
	ann_buf_init(&c->path, 64 * 1024);
}

void
ann_provider_call_release(struct ann_provider_call *c)
{
	ann_buf_release(&c->body);
	ann_buf_release(&c->path);
}

/* ---- building requests ---- */

/* State of one translation: the raw request text for byte-exact copies. */
struct build {
	enum ann_provider p;
	const char *raw;
	size_t raw_len;
	struct ann_jspan root;
	const cJSON *req;
	int tool_mode;
	int structured;
	int cache_prefix;
	size_t n_messages;
	const char *tool_name;
	double estimate;
	unsigned example;      /* count of example tool calls, for their ids */
	int pending_result;    /* the next user turn must carry a tool result */
	struct ann_error *e;
};

static cJSON *
raw_span(const struct build *b, const char *const *path, size_t depth)
{
	struct ann_jspan span;
	char *text;
	cJSON *item;

	if (ann_jspan_path(b->raw, b->raw_len, b->root, path, depth, &span) != ANN_OK)
		return NULL;
	text = strndup(b->raw + span.start, span.end - span.start);
	if (text == NULL)
		return NULL;
	item = cJSON_CreateRaw(text);
	free(text);
	return item;
}

static char *
raw_span_text(const struct build *b, const char *const *path, size_t depth)
{
	struct ann_jspan span;

	if (ann_jspan_path(b->raw, b->raw_len, b->root, path, depth, &span) != ANN_OK)
		return NULL;
	return strndup(b->raw + span.start, span.end - span.start);
}

/* Reads and base64-encodes an attachment given by path. */
static char *
encode_file(const char *path, size_t *raw_size, struct ann_error *e)
{
	struct stat st;
	unsigned char *data = NULL;
	char *encoded = NULL;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ann_error_set(e, ANN_ERR_NOT_FOUND, "cannot open attachment %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > ANN_PROVIDER_MAX_ATTACHMENT) {
		ann_error_set(e, ANN_ERR_TOO_LARGE, "attachment %s is not a regular file of at "
		    "most %zu bytes", path, ANN_PROVIDER_MAX_ATTACHMENT);
		goto done;
	}
	data = malloc((size_t)st.st_size + 1);
	encoded = data ? malloc(((size_t)st.st_size + 2) / 3 * 4 + 1) : NULL;
	if (encoded == NULL) {
		ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading attachment %s", path);
		goto done;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ann_error_set(e, ANN_ERR_IO, "read failed on attachment %s", path);
			free(encoded);
			encoded = NULL;
			goto done;
		}
		got += (size_t)n;
	}
	EVP_EncodeBlock((unsigned char *)encoded, data, (int)got);
	*raw_size = got;
done:
	free(data);
	close(fd);
	return encoded;
}

/* Returns the base64 data of an image or document part, malloc'd. */
static char *
part_data(const cJSON *part, struct build *b, size_t *raw_size)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(part, "data");
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(part, "path");
	char *copy;

	if (cJSON_IsString(data)) {
		copy = strdup(data->valuestring);
		if (copy == NULL)
			ann_error_set(b->e, ANN_ERR_NOMEM, "out of memory copying an attachment");
		*raw_size = strlen(data->valuestring) / 4 * 3;
		return copy;
	}
	if (cJSON_IsString(path))
		return encode_file(path->valuestring, raw_size, b->e);
	ann_error_set(b->e, ANN_ERR_INVALID, "attachment part has neither data nor path");
	return NULL;
}

static const char *
string_member(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Adds rough input tokens for an attachment: images by area (about 750
 * pixels a token, as Anthropic documents, and at most about 1600 after
 * the model's own downscaling), documents by size. */
static void
estimate_attachment(struct build *b, const cJSON *part, size_t raw_size, int image)
{
	if (image) {
		double w = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(part, "width"));
		double h = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(part, "height"));
		double t = (w > 0 && h > 0) ? w * h / 750.0 : 1600.0;

		b->estimate += t > 1600.0 ? 1600.0 : t;
	} else {
		/* NOTE: a guess of 3,000 tokens per 100 KB of PDF; pages vary widely. */
		b->estimate += 1500.0 + (double)raw_size * 0.03;
	}
}

static int
add_item(cJSON *to, cJSON *item, struct build *b)
{
	if (item == NULL || !cJSON_AddItemToArray(to, item)) {
		cJSON_Delete(item);
		return ann_error_set(b->e, ANN_ERR_NOMEM, "out of memory building the request");
	}
	return ANN_OK;
}

/* Builds one content block in the provider's form; NULL with *e set on failure. */
static cJSON *
build_part(struct build *b, const cJSON *part, size_t mi, size_t pi, int assistant)
{
	const char *type = string_member(part, "type");
	char mi_text[32], pi_text[32];
	const char *json_path[] = { "messages", mi_text, "content", pi_text, "json" };
	cJSON *block = cJSON_CreateObject();
	cJSON *inner;
	char *data = NULL;
	size_t raw_size = 0;

	snprintf(mi_text, sizeof mi_text, "#%zu", mi);
	snprintf(pi_text, sizeof pi_text, "#%zu", pi);
	if (block == NULL || type == NULL)
		goto invalid;

	if (strcmp(type, "text") == 0) {
		const char *text = string_member(part, "text");

		if (text == NULL)
			goto invalid;
		b->estimate += (double)strlen(text) / 3.0;
		if (b->p == ANN_PROVIDER_BEDROCK) {
			cJSON_AddStringToObject(block, "text", text);
		} else {
			cJSON_AddStringToObject(block, "type", "text");
			cJSON_AddStringToObject(block, "text", text);
		}
		return block;
	}

	if (strcmp(type, "json") == 0) {
		char *text = raw_span_text(b, json_path, 5);

		if (text == NULL)
			goto invalid;
		b->estimate += (double)strlen(text) / 3.0;
		if (b->tool_mode && assistant) {
			char id[32];

			snprintf(id, sizeof id, "example-%u", ++b->example);
			b->pending_result = 1;
			if (b->p == ANN_PROVIDER_BEDROCK) {
				inner = cJSON_AddObjectToObject(block, "toolUse");
				cJSON_AddStringToObject(inner, "toolUseId", id);
				cJSON_AddStringToObject(inner, "name", b->tool_name);
				cJSON_AddItemToObject(inner, "input", raw_span(b, json_path, 5));
			} else if (b->p == ANN_PROVIDER_OPENAI) {
				/* OpenAI carries tool calls outside the content; see build_message. */
				cJSON_AddStringToObject(block, "type", "tool_call");
				cJSON_AddStringToObject(block, "id", id);
				cJSON_AddStringToObject(block, "arguments", text);
			} else {
				cJSON_AddStringToObject(block, "type", "tool_use");
				cJSON_AddStringToObject(block, "id", id);
				cJSON_AddStringToObject(block, "name", b->tool_name);
				cJSON_AddItemToObject(block, "input", raw_span(b, json_path, 5));
			}
		} else if (b->p == ANN_PROVIDER_BEDROCK) {
			cJSON_AddStringToObject(block, "text", text);
		} else {
			cJSON_AddStringToObject(block, "type", "text");
			cJSON_AddStringToObject(block, "text", text);
		}
		free(text);
		return block;
	}

	if (strcmp(type, "image") == 0 || strcmp(type, "document") == 0) {
		int image = type[0] == 'i';
		const char *media = string_member(part, "media_type");
		const char *format = string_member(part, "format");
		const char *name = string_member(part, "name");
		const char *read = string_member(part, "read");

		if (media == NULL || format == NULL)
			goto invalid;
		data = part_data(part, b, &raw_size);
		if (data == NULL)
			goto fail;
		estimate_attachment(b, part, raw_size, image);

		if (b->p == ANN_PROVIDER_BEDROCK) {
			inner = cJSON_AddObjectToObject(block, type);
			cJSON_AddStringToObject(inner, "format", format);
			if (!image) {
				cJSON_AddStringToObject(inner, "name", name ? name : "document");
				/* Converse reads a PDF as plain text unless citations are on. */
				if (read == NULL || strcmp(read, "text") != 0)
					cJSON_AddItemToObject(cJSON_AddObjectToObject(inner, "citations"),
					    "enabled", cJSON_CreateTrue());
			}
			cJSON_AddStringToObject(cJSON_AddObjectToObject(inner, "source"), "bytes", data);
		} else if (b->p == ANN_PROVIDER_OPENAI) {
			struct ann_buf url = ANN_BUF_INIT;

			if (ann_buf_addf(&url, "data:%s;base64,%s", media, data) != ANN_OK) {
				ann_buf_release(&url);
				ann_error_set(b->e, ANN_ERR_NOMEM, "out of memory building the request");
				goto fail;
			}
			if (image) {
				cJSON_AddStringToObject(block, "type", "image_url");
				cJSON_AddStringToObject(cJSON_AddObjectToObject(block, "image_url"), "url",
				    url.data);
			} else {
				cJSON_AddStringToObject(block, "type", "file");
				inner = cJSON_AddObjectToObject(block, "file");
				cJSON_AddStringToObject(inner, "filename", name ? name : "document");
				cJSON_AddStringToObject(inner, "file_data", url.data);
			}
			ann_buf_release(&url);
		} else {
			cJSON_AddStringToObject(block, "type", type);
			inner = cJSON_AddObjectToObject(block, "source");
			cJSON_AddStringToObject(inner, "type", "base64");
			cJSON_AddStringToObject(inner, "media_type", media);
			cJSON_AddStringToObject(inner, "data", data);
		}
		free(data);
		return block;
	}

invalid:
	{
		char *shown = cJSON_PrintUnformatted(part);
		char value[72];

		ann_error_set(b->e, ANN_ERR_INVALID, "request.messages[%zu].content[%zu] is not a "
		    "valid text, json, image or document part, got %s", mi, pi, shown ?
		    ann_json_describe(shown, strlen(shown), value, sizeof value) : "a value");
		free(shown);
	}
fail:
	free(data);
	cJSON_Delete(block);
	return NULL;
}

/* Builds the tool result that must follow an example tool call. */
static cJSON *
example_result(struct build *b)
{
	char id[32];
	cJSON *block = cJSON_CreateObject();
	cJSON *inner, *content;

	snprintf(id, sizeof id, "example-%u", b->example);
	if (block == NULL)
		return NULL;
	if (b->p == ANN_PROVIDER_BEDROCK) {
		inner = cJSON_AddObjectToObject(block, "toolResult");
		cJSON_AddStringToObject(inner, "toolUseId", id);
		content = cJSON_AddArrayToObject(inner, "content");
		inner = cJSON_CreateObject();
		cJSON_AddStringToObject(inner, "text", "recorded");
		cJSON_AddItemToArray(content, inner);
	} else {
		cJSON_AddStringToObject(block, "type", "tool_result");
		cJSON_AddStringToObject(block, "tool_use_id", id);
		cJSON_AddStringToObject(block, "content", "recorded");
	}
	return block;
}

/* Moves OpenAI tool-call placeholders out of an assistant message's content. */
static void
openai_tool_calls(struct build *b, cJSON *msg, cJSON *content)
{
	cJSON *calls = NULL;
	cJSON *part = content->child;

	while (part) {
		cJSON *next = part->next;
		const char *type = string_member(part, "type");

		if (type && strcmp(type, "tool_call") == 0) {
			cJSON *call = cJSON_CreateObject();
			cJSON *fn;

			if (calls == NULL)
				calls = cJSON_AddArrayToObject(msg, "tool_calls");
			cJSON_AddStringToObject(call, "id", string_member(part, "id"));
			cJSON_AddStringToObject(call, "type", "function");
			fn = cJSON_AddObjectToObject(call, "function");
			cJSON_AddStringToObject(fn, "name", b->tool_name);
			cJSON_AddStringToObject(fn, "arguments", string_member(part, "arguments"));
			cJSON_AddItemToArray(calls, call);
			cJSON_Delete(cJSON_DetachItemViaPointer(content, part));
		}
		part = next;
	}
	/* An assistant turn of tool calls only has no content. */
	if (calls && content->child == NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(msg, "content", cJSON_CreateNull());
}

/*
 * Marks the end of the prefix shared by every record for the provider's
 * prompt cache: a cachePoint block after blocks in Converse, or
 * cache_control on the last of blocks in the Messages format. OpenAI
 * caches prefixes by itself, so nothing is marked there.
 */
static int
mark_cache(struct build *b, cJSON *blocks)
{
	cJSON *mark, *last;

	if (b->p == ANN_PROVIDER_OPENAI)
		return ANN_OK;
	if (b->p == ANN_PROVIDER_BEDROCK) {
		mark = cJSON_CreateObject();
		if (mark == NULL)
			return ann_error_set(b->e, ANN_ERR_NOMEM, "out of memory building the request");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(mark, "cachePoint"), "type",
		    "default");
		return add_item(blocks, mark, b);
	}
	last = cJSON_GetArrayItem(blocks, cJSON_GetArraySize(blocks) - 1);
	if (last == NULL)
		return ANN_OK;
	cJSON_AddStringToObject(cJSON_AddObjectToObject(last, "cache_control"), "type",
	    "ephemeral");
	return ANN_OK;
}

/* Adds the provider's structured-output setting that constrains the text
 * reply to the schema. */
static int
build_structured(struct build *b, cJSON *body)
{
	const char *schema_path[] = { "schema" };
	char *text = raw_span_text(b, schema_path, 1);
	cJSON *format, *inner;

	if (text == NULL)
		return ann_error_set(b->e, ANN_ERR_INVALID, "request.answer.mode is structured but "
		    "request.schema is missing");
	b->estimate += (double)strlen(text) / 3.0;
	/* NOTE: the Messages-format fields (output_config on Bedrock InvokeModel,
	 * output_format on the Anthropic API) follow the providers' announcements
	 * and have not been checked against the live services. */
	switch (b->p) {
	case ANN_PROVIDER_BEDROCK:
		format = cJSON_AddObjectToObject(cJSON_AddObjectToObject(body, "outputConfig"),
		    "textFormat");
		cJSON_AddStringToObject(format, "type", "json_schema");
		inner = cJSON_AddObjectToObject(cJSON_AddObjectToObject(format, "structure"),
		    "jsonSchema");
		cJSON_AddStringToObject(inner, "schema", text);
		cJSON_AddStringToObject(inner, "name", "answer");
		break;
	case ANN_PROVIDER_OPENAI:
		format = cJSON_AddObjectToObject(body, "response_format");
		cJSON_AddStringToObject(format, "type", "json_schema");
		inner = cJSON_AddObjectToObject(format, "json_schema");
		cJSON_AddStringToObject(inner, "name", "answer");
		cJSON_AddItemToObject(inner, "schema", cJSON_CreateRaw(text));
		break;
	default:
		format = cJSON_AddObjectToObject(b->p == ANN_PROVIDER_BEDROCK_INVOKE ?
		    cJSON_AddObjectToObject(body, "output_config") : body,
		    b->p == ANN_PROVIDER_BEDROCK_INVOKE ? "format" : "output_format");
		cJSON_AddStringToObject(format, "type", "json_schema");
		cJSON_AddItemToObject(format, "schema", cJSON_CreateRaw(text));
		break;
	}
	free(text);
	return ANN_OK;
}

static int
build_messages(struct build *b, cJSON *body)
{
	const cJSON *messages = cJSON_GetObjectItemCaseSensitive(b->req, "messages");
	cJSON *out = cJSON_AddArrayToObject(body, "messages");
	const cJSON *msg;
	size_t mi = 0;
	int rc;

	if (!cJSON_IsArray(messages) || cJSON_GetArraySize(messages) == 0)
		return ann_error_set(b->e, ANN_ERR_INVALID, "request.messages is missing or empty");
	b->n_messages = (size_t)cJSON_GetArraySize(messages);

	if (b->p == ANN_PROVIDER_OPENAI) {
		const char *system = string_member(b->req, "system");

		if (system) {
			cJSON *sys = cJSON_CreateObject();

			cJSON_AddStringToObject(sys, "role", "system");
			cJSON_AddStringToObject(sys, "content", system);
			rc = add_item(out, sys, b);
			if (rc)
				return rc;
		}
	}

	cJSON_ArrayForEach(msg, messages) {
		const char *role = string_member(msg, "role");
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg, "content");
		int assistant = role && strcmp(role, "assistant") == 0;
		cJSON *m = cJSON_CreateObject();
		cJSON *blocks;
		const cJSON *part;
		size_t pi = 0;

		if (m == NULL || role == NULL || (!assistant && strcmp(role, "user") != 0) ||
		    !cJSON_IsArray(content)) {
			cJSON_Delete(m);
			return ann_error_set(b->e, ANN_ERR_INVALID,
			    "request.messages[%zu] needs a role of user or assistant and a content "
			    "array", mi);
		}
		cJSON_AddStringToObject(m, "role", role);
		blocks = cJSON_AddArrayToObject(m, "content");

		if (!assistant && b->pending_result) {
			b->pending_result = 0;
			if (b->p == ANN_PROVIDER_OPENAI) {
				cJSON *tool = cJSON_CreateObject();
				char id[32];

				snprintf(id, sizeof id, "example-%u", b->example);
				cJSON_AddStringToObject(tool, "role", "tool");
				cJSON_AddStringToObject(tool, "tool_call_id", id);
				cJSON_AddStringToObject(tool, "content", "recorded");
				rc = add_item(out, tool, b);
			} else {
				rc = add_item(blocks, example_result(b), b);
			}
			if (rc) {
				cJSON_Delete(m);
				return rc;
			}
		}

		cJSON_ArrayForEach(part, content) {
			cJSON *block = build_part(b, part, mi, pi, assistant);

			if (block == NULL) {
				cJSON_Delete(m);
				return b->e ? b->e->code : ANN_ERR_INVALID;
			}
			rc = add_item(blocks, block, b);
			if (rc) {
				cJSON_Delete(m);
				return rc;
			}
			pi++;
		}
		if (b->p == ANN_PROVIDER_OPENAI && assistant)
			openai_tool_calls(b, m, blocks);
		if (b->cache_prefix && b->n_messages >= 3 && mi == b->n_messages - 2) {
			rc = mark_cache(b, blocks);
			if (rc) {
				cJSON_Delete(m);
				return rc;
			}
		}
		rc = add_item(out, m, b);
		if (rc)
			return rc;
		mi++;
	}
	return ANN_OK;
}

static int
build_tool(struct build *b, cJSON *body)
{
	const char *schema_path[] = { "schema" };
	const char *description = NULL;
	const cJSON *answer = cJSON_GetObjectItemCaseSensitive(b->req, "answer");
	cJSON *schema = raw_span(b, schema_path, 1);
	cJSON *tools, *tool, *spec, *choice;

	if (schema == NULL)
		return ann_error_set(b->e, ANN_ERR_INVALID, "request.answer.mode is tool but "
		    "request.schema is missing");
	description = string_member(answer, "tool_description");
	if (description == NULL)
		description = "Records the answer.";
	b->estimate += (double)strlen(schema->valuestring) / 3.0;

	tools = cJSON_CreateArray();
	tool = cJSON_CreateObject();
	cJSON_AddItemToArray(tools, tool);
	switch (b->p) {
	case ANN_PROVIDER_BEDROCK:
		spec = cJSON_AddObjectToObject(tool, "toolSpec");
		cJSON_AddStringToObject(spec, "name", b->tool_name);
		cJSON_AddStringToObject(spec, "description", description);
		cJSON_AddItemToObject(cJSON_AddObjectToObject(spec, "inputSchema"), "json", schema);
		spec = cJSON_AddObjectToObject(body, "toolConfig");
		cJSON_AddItemToObject(spec, "tools", tools);
		choice = cJSON_AddObjectToObject(spec, "toolChoice");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(choice, "tool"), "name", b->tool_name);
		break;
	case ANN_PROVIDER_OPENAI:
		cJSON_AddStringToObject(tool, "type", "function");
		spec = cJSON_AddObjectToObject(tool, "function");
		cJSON_AddStringToObject(spec, "name", b->tool_name);
		cJSON_AddStringToObject(spec, "description", description);
		cJSON_AddItemToObject(spec, "parameters", schema);
		cJSON_AddItemToObject(body, "tools", tools);
		choice = cJSON_AddObjectToObject(body, "tool_choice");
		cJSON_AddStringToObject(choice, "type", "function");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(choice, "function"), "name",
		    b->tool_name);
		break;
	default:
		cJSON_AddStringToObject(tool, "name", b->tool_name);
		cJSON_AddStringToObject(tool, "description", description);
		cJSON_AddItemToObject(tool, "input_schema", schema);
		cJSON_AddItemToObject(body, "tools", tools);
		choice = cJSON_AddObjectToObject(body, "tool_choice");
		cJSON_AddStringToObject(choice, "type", "tool");
		cJSON_AddStringToObject(choice, "name", b->tool_name);
		break;
	}
	return ANN_OK;
}

/* Appends the model id percent-encoded as one path segment. */
static int
add_model_path(struct ann_buf *path, const char *model, const char *operation)
{
	int rc = ann_buf_adds(path, "/model/");

	if (rc == ANN_OK)
		rc = ann_sigv4_uri_encode(path, model, strlen(model), 0);
	if (rc == ANN_OK)
		rc = ann_buf_adds(path, operation);
	return rc;
}

static int
read_answer(struct build *b, struct ann_provider_call *out)
{
	const cJSON *answer = cJSON_GetObjectItemCaseSensitive(b->req, "answer");
	const char *mode = string_member(answer, "mode");
	const char *name = string_member(answer, "tool_name");

	if (mode == NULL || strcmp(mode, "json") == 0) {
		b->tool_mode = 0;
		return ANN_OK;
	}
	if (strcmp(mode, "structured") == 0) {
		b->structured = 1;
		out->structured = 1;
		return ANN_OK;
	}
	if (strcmp(mode, "tool") != 0)
		return ann_error_set(b->e, ANN_ERR_INVALID,
		    "request.answer.mode must be tool, json or structured, not %.40s", mode);
	if (name == NULL || *name == '\0' || strlen(name) >= sizeof out->tool_name)
		return ann_error_set(b->e, ANN_ERR_INVALID,
		    "request.answer.tool_name is missing or longer than 64 bytes");
	b->tool_mode = 1;
	memcpy(out->tool_name, name, strlen(name) + 1);
	b->tool_name = out->tool_name;
	out->tool_mode = 1;
	return ANN_OK;
}

int
ann_provider_build(enum ann_provider p, const char *model, const char *record_id,
    const char *request, size_t len, struct ann_provider_call *out, struct ann_error *e)
{
	struct build b;
	cJSON *req = NULL;
	cJSON *body = NULL;
	const cJSON *v;
	char *text = NULL;
	int rc;

	memset(&b, 0, sizeof b);
	b.p = p;
	b.raw = request;
	b.raw_len = len;
	b.root.start = 0;
	b.root.end = len;
	b.e = e;
	ann_buf_reset(&out->body);
	ann_buf_reset(&out->path);
	out->tool_mode = 0;
	out->structured = 0;
	out->tool_name[0] = '\0';

	req = cJSON_ParseWithLength(request, len);
	body = cJSON_CreateObject();
	if (req == NULL || body == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading the request");
		goto done;
	}
	if (!cJSON_IsObject(req)) {
		char value[72];

		rc = ann_error_set(e, ANN_ERR_INVALID, "request is not an object, got %s",
		    ann_json_describe(request, len, value, sizeof value));
		goto done;
	}
	b.req = req;
	b.cache_prefix = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "cache_prefix"));
	rc = read_answer(&b, out);
	if (rc)
		goto done;

	v = cJSON_GetObjectItemCaseSensitive(req, "max_tokens");
	out->max_tokens = cJSON_IsNumber(v) && v->valuedouble >= 1 ? (long)v->valuedouble : 4096;

	if (p == ANN_PROVIDER_BEDROCK_INVOKE)
		cJSON_AddStringToObject(body, "anthropic_version", "bedrock-2023-05-31");
	if (p == ANN_PROVIDER_ANTHROPIC || p == ANN_PROVIDER_OPENAI)
		cJSON_AddStringToObject(body, "model", model);
	if (p != ANN_PROVIDER_BEDROCK)
		cJSON_AddNumberToObject(body, "max_tokens", (double)out->max_tokens);

	rc = build_messages(&b, body);
	if (rc)
		goto done;

	if (p != ANN_PROVIDER_OPENAI && string_member(req, "system")) {
		const char *system = string_member(req, "system");

		b.estimate += (double)strlen(system) / 3.0;
		if (p == ANN_PROVIDER_BEDROCK || b.cache_prefix) {
			cJSON *blocks = cJSON_AddArrayToObject(body, "system");
			cJSON *block = cJSON_CreateObject();

			if (p != ANN_PROVIDER_BEDROCK)
				cJSON_AddStringToObject(block, "type", "text");
			cJSON_AddStringToObject(block, "text", system);
			cJSON_AddItemToArray(blocks, block);
			if (b.cache_prefix) {
				rc = mark_cache(&b, blocks);
				if (rc)
					goto done;
			}
		} else {
			cJSON_AddStringToObject(body, "system", system);
		}
	}

	if (p == ANN_PROVIDER_BEDROCK) {
		cJSON *config = cJSON_AddObjectToObject(body, "inferenceConfig");

		cJSON_AddNumberToObject(config, "maxTokens", (double)out->max_tokens);
		v = cJSON_GetObjectItemCaseSensitive(req, "temperature");
		if (cJSON_IsNumber(v))
			cJSON_AddNumberToObject(config, "temperature", v->valuedouble);
		v = cJSON_GetObjectItemCaseSensitive(req, "stop_sequences");
		if (cJSON_IsArray(v))
			cJSON_AddItemToObject(config, "stopSequences", cJSON_Duplicate(v, 1));
	} else {
		v = cJSON_GetObjectItemCaseSensitive(req, "temperature");
		if (cJSON_IsNumber(v))
			cJSON_AddNumberToObject(body, "temperature", v->valuedouble);
		v = cJSON_GetObjectItemCaseSensitive(req, "stop_sequences");
		if (cJSON_IsArray(v))
			cJSON_AddItemToObject(body, p == ANN_PROVIDER_OPENAI ? "stop" : "stop_sequences",
			    cJSON_Duplicate(v, 1));
	}

	if (b.tool_mode) {
		rc = build_tool(&b, body);
		if (rc)
			goto done;
	}
	if (b.structured) {
		rc = build_structured(&b, body);
		if (rc)
			goto done;
	}

	if (p == ANN_PROVIDER_BEDROCK)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(body, "requestMetadata"),
		    "ann_record_id", record_id);

	text = cJSON_PrintUnformatted(body);
	if (text == NULL || ann_buf_adds(&out->body, text) != ANN_OK) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory printing the request");
		goto done;
	}

	/* Without a model there is no path: only the body is wanted. */
	rc = ANN_OK;
	if (model != NULL) {
		switch (p) {
		case ANN_PROVIDER_BEDROCK:
			rc = add_model_path(&out->path, model, "/converse");
			break;
		case ANN_PROVIDER_BEDROCK_INVOKE:
			rc = add_model_path(&out->path, model, "/invoke");
			break;
		case ANN_PROVIDER_ANTHROPIC:
			rc = ann_buf_adds(&out->path, "/v1/messages");
			break;
		case ANN_PROVIDER_OPENAI:
			rc = ann_buf_adds(&out->path, "/v1/chat/completions");
			break;
		}
	}
	if (rc) {
		ann_error_set(e, rc, "model id is too long for a request path");
		goto done;
	}
	out->input_estimate = b.estimate;
	rc = ANN_OK;
done:
	cJSON_free(text);
	cJSON_Delete(body);
	cJSON_Delete(req);
	return rc;
}

int
ann_provider_metadata_header(struct ann_buf *out, const char *record_id)
{
	int rc = ann_buf_adds(out, "{\"ann_record_id\":");

	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(out, record_id, strlen(record_id));
	if (rc == ANN_OK)
		rc = ann_buf_addc(out, '}');
	return rc;
}

/* ---- reading replies ---- */

void
ann_provider_result_init(struct ann_provider_result *r)
{
	memset(r, 0, sizeof *r);
	ann_buf_init(&r->output, ANN_BUF_MAX_DEFAULT);
	ann_buf_init(&r->text, ANN_BUF_MAX_DEFAULT);
}

void
ann_provider_result_release(struct ann_provider_result *r)
{
	ann_buf_release(&r->output);
	ann_buf_release(&r->text);
}

static long
number_at(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ? (long)v->valuedouble : 0;
}

static void
copy_string(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Appends the decoded string at span to text. */
static int
append_text(struct ann_provider_result *r, const char *body, struct ann_jspan span)
{
	if (span.end <= span.start || body[span.start] != '"')
		return ANN_ERR_SYNTAX;
	return ann_json_string_decode(body + span.start, span.end - span.start, &r->text);
}

/* Sets the output from the raw JSON text of an answer, on one line. */
static int
set_output(struct ann_provider_result *r, const char *text, size_t n)
{
	ann_buf_reset(&r->output);
	if (ann_jspan_compact(&r->output, text, n) != ANN_OK)
		return ANN_ERR_NOMEM;
	r->has_output = 1;
	return ANN_OK;
}

/*
 * Walks an array of content blocks (Converse or Messages form): appends
 * the text blocks and takes the tool call's input in tool mode.
 */
static int
read_blocks(enum ann_provider p, const char *body, size_t len, const cJSON *content,
    struct ann_jspan content_span, int tool_mode, const char *tool_name,
    struct ann_provider_result *r)
{
	const cJSON *block;
	size_t i = 0;
	int rc;

	cJSON_ArrayForEach(block, content) {
		struct ann_jspan span, value;
		const cJSON *tool = NULL;
		int is_text;

		if (ann_jspan_index(body, len, content_span, i, &span) != ANN_OK)
			return ANN_ERR_SYNTAX;
		if (p == ANN_PROVIDER_BEDROCK) {
			is_text = cJSON_GetObjectItemCaseSensitive(block, "text") != NULL;
			tool = cJSON_GetObjectItemCaseSensitive(block, "toolUse");
			if (tool && ann_jspan_member(body, len, span, "toolUse", &span) != ANN_OK)
				return ANN_ERR_SYNTAX;
		} else {
			const char *type = string_member(block, "type");

			is_text = type && strcmp(type, "text") == 0;
			if (type && strcmp(type, "tool_use") == 0)
				tool = block;
		}

		if (is_text) {
			if (ann_jspan_member(body, len, span, "text", &value) != ANN_OK)
				return ANN_ERR_SYNTAX;
			rc = append_text(r, body, value);
			if (rc)
				return rc;
		} else if (tool && tool_mode && !r->has_output) {
			const char *name = string_member(tool, "name");

			if (name && strcmp(name, tool_name) == 0 &&
			    ann_jspan_member(body, len, span, "input", &value) == ANN_OK) {
				rc = set_output(r, body + value.start, value.end - value.start);
				if (rc)
					return rc;
			}
		}
		i++;
	}
	return ANN_OK;
}

static int
parse_converse(const char *body, size_t len, const cJSON *root, int tool_mode,
    const char *tool_name, struct ann_provider_result *r)
{
	static const char *const content_path[] = { "output", "message", "content" };
	struct ann_jspan whole = { 0, len }, span;
	const cJSON *content, *usage;

	content = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(root, "output"), "message"), "content");
	if (!cJSON_IsArray(content) ||
	    ann_jspan_path(body, len, whole, content_path, 3, &span) != ANN_OK)
		return ANN_ERR_SYNTAX;
	copy_string(r->stop_reason, sizeof r->stop_reason, string_member(root, "stopReason"));
	usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
	r->input_tokens = number_at(usage, "inputTokens");
	r->output_tokens = number_at(usage, "outputTokens");
	r->cache_read_tokens = number_at(usage, "cacheReadInputTokens");
	r->cache_write_tokens = number_at(usage, "cacheWriteInputTokens");
	return read_blocks(ANN_PROVIDER_BEDROCK, body, len, content, span, tool_mode, tool_name, r);
}

static int
parse_messages(const char *body, size_t len, const cJSON *root, int tool_mode,
    const char *tool_name, struct ann_provider_result *r)
{
	struct ann_jspan whole = { 0, len }, span;
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(root, "content");
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");

	if (!cJSON_IsArray(content) || ann_jspan_member(body, len, whole, "content", &span))
		return ANN_ERR_SYNTAX;
	copy_string(r->stop_reason, sizeof r->stop_reason, string_member(root, "stop_reason"));
	copy_string(r->model, sizeof r->model, string_member(root, "model"));
	r->input_tokens = number_at(usage, "input_tokens");
	r->output_tokens = number_at(usage, "output_tokens");
	r->cache_read_tokens = number_at(usage, "cache_read_input_tokens");
	r->cache_write_tokens = number_at(usage, "cache_creation_input_tokens");
	return read_blocks(ANN_PROVIDER_ANTHROPIC, body, len, content, span, tool_mode, tool_name,
	    r);
}

static int
parse_openai(const char *body, size_t len, const cJSON *root, int tool_mode,
    const char *tool_name, struct ann_provider_result *r)
{
	static const char *const message_path[] = { "choices", "#0", "message" };
	struct ann_jspan whole = { 0, len }, span, value;
	const cJSON *choice = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root,
	    "choices"), 0);
	const cJSON *message = cJSON_GetObjectItemCaseSensitive(choice, "message");
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
	const cJSON *calls, *call;
	long cached;
	int rc;

	if (!cJSON_IsObject(message) ||
	    ann_jspan_path(body, len, whole, message_path, 3, &span) != ANN_OK)
		return ANN_ERR_SYNTAX;
	copy_string(r->stop_reason, sizeof r->stop_reason, string_member(choice, "finish_reason"));
	copy_string(r->model, sizeof r->model, string_member(root, "model"));
	cached = number_at(cJSON_GetObjectItemCaseSensitive(usage, "prompt_tokens_details"),
	    "cached_tokens");
	r->input_tokens = number_at(usage, "prompt_tokens") - cached;
	if (r->input_tokens < 0)
		r->input_tokens = 0;
	r->cache_read_tokens = cached;
	r->output_tokens = number_at(usage, "completion_tokens");

	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(message, "refusal")) &&
	    ann_jspan_member(body, len, span, "refusal", &value) == ANN_OK) {
		copy_string(r->stop_reason, sizeof r->stop_reason, "refusal");
		return append_text(r, body, value);
	}
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(message, "content")) &&
	    ann_jspan_member(body, len, span, "content", &value) == ANN_OK) {
		rc = append_text(r, body, value);
		if (rc)
			return rc;
	}

	calls = cJSON_GetObjectItemCaseSensitive(message, "tool_calls");
	cJSON_ArrayForEach(call, calls) {
		const cJSON *fn = cJSON_GetObjectItemCaseSensitive(call, "function");
		const char *name = string_member(fn, "name");
		const char *args = string_member(fn, "arguments");
		struct ann_buf decoded = ANN_BUF_INIT;
		size_t i = 0;
		const cJSON *c;

		if (!tool_mode || name == NULL || args == NULL || strcmp(name, tool_name) != 0)
			continue;
		/* Decode from the raw text: cJSON strings stop at a \u0000. */
		cJSON_ArrayForEach(c, calls) {
			if (c == call)
				break;
			i++;
		}
		{
			char index[32];
			const char *args_path[] = { "tool_calls", index, "function", "arguments" };

			snprintf(index, sizeof index, "#%zu", i);
			if (ann_jspan_path(body, len, span, args_path, 4, &value) != ANN_OK ||
			    ann_json_string_decode(body + value.start, value.end - value.start,
			    &decoded) != ANN_OK) {
				ann_buf_release(&decoded);
				return ANN_ERR_SYNTAX;
			}
		}
		/* The arguments are JSON text the model wrote: check it strictly. */
		if (ann_json_check(decoded.data, decoded.len, NULL, NULL) == ANN_OK) {
			struct ann_jspan v;
			size_t start;

			v.end = ann_jspan_skip(decoded.data, decoded.len, 0, &start);
			v.start = start;
			rc = set_output(r, decoded.data + v.start, v.end - v.start);
		} else {
			rc = ann_buf_add(&r->text, decoded.data, decoded.len);
		}
		ann_buf_release(&decoded);
		if (rc)
			return rc;
		break;
	}
	return ANN_OK;
}

int
ann_provider_parse_reply(enum ann_provider p, int tool_mode, const char *tool_name,
    const char *body, size_t len, struct ann_provider_result *r, struct ann_error *e)
{
	cJSON *root;
	size_t offset = 0;
	int rc;

	ann_buf_reset(&r->output);
	ann_buf_reset(&r->text);
	r->has_output = 0;
	r->stop_reason[0] = '\0';
	r->model[0] = '\0';

	if (ann_json_check(body, len, &offset, NULL) != ANN_OK)
		return ann_error_set(e, ANN_ERR_SYNTAX, "reply is not valid JSON (byte %zu)", offset);
	root = cJSON_ParseWithLength(body, len);
	if (root == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading the reply");

	switch (p) {
	case ANN_PROVIDER_BEDROCK:
		rc = parse_converse(body, len, root, tool_mode, tool_name, r);
		break;
	case ANN_PROVIDER_OPENAI:
		rc = parse_openai(body, len, root, tool_mode, tool_name, r);
		break;
	default:
		rc = parse_messages(body, len, root, tool_mode, tool_name, r);
		break;
	}
	cJSON_Delete(root);
	if (rc == ANN_ERR_NOMEM)
		return ann_error_set(e, rc, "out of memory reading the reply");
	if (rc)
		return ann_error_set(e, ANN_ERR_SYNTAX, "reply is not a %s response",
		    ann_provider_name(p));

	r->stop = ann_answer_stop(r->stop_reason[0] ? r->stop_reason : NULL);

	/* JSON mode, or a tool-mode reply without the call: look in the text. */
	if (!r->has_output && r->stop == ANN_STOP_DONE) {
		struct ann_jspan span;

		if (ann_answer_find_json(r->text.data, r->text.len, &span) == ANN_OK)
			return set_output(r, r->text.data + span.start, span.end - span.start) ?
			    ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading the reply") : ANN_OK;
	}
	return ANN_OK;
}

void
ann_provider_parse_error(enum ann_provider p, const char *type_header,
    const char *body, size_t len, struct ann_provider_error *out)
{
	cJSON *root = NULL;
	const char *type = NULL;
	const char *message = NULL;
	const cJSON *inner;

	(void)p;
	out->type[0] = '\0';
	out->message[0] = '\0';
	if (len > 0 && ann_json_check(body, len, NULL, NULL) == ANN_OK)
		root = cJSON_ParseWithLength(body, len);

	/* The order botocore reads them in, then the Anthropic and OpenAI forms. */
	if (type_header && *type_header)
		type = type_header;
	if (type == NULL)
		type = string_member(root, "code");
	if (type == NULL)
		type = string_member(root, "Code");
	if (type == NULL)
		type = string_member(root, "__type");
	inner = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (type == NULL && cJSON_IsObject(inner)) {
		type = string_member(inner, "type");
		if (type == NULL)
			type = string_member(inner, "code");
	}
	message = string_member(root, "message");
	if (message == NULL)
		message = string_member(root, "Message");
	if (message == NULL && cJSON_IsObject(inner))
		message = string_member(inner, "message");

	ann_retry_error_code(type, out->type, sizeof out->type);
	copy_string(out->message, sizeof out->message, message);
	cJSON_Delete(root);
}
