#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "provider.h"

static const char tool_request[] =
    "{\"system\":\"Extract.\",\"messages\":["
    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"example doc\"}]},"
    "{\"role\":\"assistant\",\"content\":[{\"type\":\"json\",\"json\":{\"total\":1.0,"
    "\"n\":12345678901234567890}}]},"
    "{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"media_type\":\"image/png\","
    "\"format\":\"png\",\"width\":10,\"height\":10,\"data\":\"iVBORw0K\"},"
    "{\"type\":\"text\",\"text\":\"請求書\"}]}],"
    "\"schema\":{\"type\":\"object\",\"properties\":{\"total\":{\"type\":\"number\","
    "\"maximum\":1.0e6}}},"
    "\"answer\":{\"mode\":\"tool\",\"tool_name\":\"extract_fields\"},"
    "\"max_tokens\":512,\"temperature\":0,\"cache_prefix\":true}";

/* Builds a request and parses the body back for checks. */
static cJSON *
build(enum ann_provider p, const char *model, const char *request, struct ann_provider_call *c)
{
	struct ann_error e = ANN_ERROR_INIT;

	ann_provider_call_init(c);
	CHECK_INT(ANN_OK, ann_provider_build(p, model, "inv-1", request, strlen(request), c, &e));
	return cJSON_Parse(c->body.data);
}

static const char *
string_at(const cJSON *root, const char *pointer_path)
{
	/* A tiny path walker: "a.b.0.c" */
	char copy[256], *part, *save = NULL;
	const cJSON *at = root;

	snprintf(copy, sizeof copy, "%s", pointer_path);
	for (part = strtok_r(copy, ".", &save); part && at; part = strtok_r(NULL, ".", &save))
		at = (*part >= '0' && *part <= '9') ? cJSON_GetArrayItem(at, atoi(part)) :
		    cJSON_GetObjectItemCaseSensitive(at, part);
	return cJSON_IsString(at) ? at->valuestring : NULL;
}

static void
converse_body(void)
{
	struct ann_provider_call c;
	cJSON *body = build(ANN_PROVIDER_BEDROCK, "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
	    tool_request, &c);

	CHECK(body != NULL);
	CHECK_STR("/model/jp.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse", c.path.data);
	CHECK_STR("inv-1", string_at(body, "requestMetadata.ann_record_id"));
	CHECK_STR("extract_fields", string_at(body, "toolConfig.toolChoice.tool.name"));
	CHECK_STR("Extract.", string_at(body, "system.0.text"));
	CHECK_STR("default", string_at(body, "system.1.cachePoint.type"));
	/* The example answer becomes a tool call, answered in the next user turn. */
	CHECK_STR("extract_fields", string_at(body, "messages.1.content.0.toolUse.name"));
	CHECK_STR("example-1", string_at(body, "messages.2.content.0.toolResult.toolUseId"));
	CHECK_STR("default", string_at(body, "messages.1.content.1.cachePoint.type"));
	CHECK_STR("png", string_at(body, "messages.2.content.1.image.format"));
	CHECK_STR("iVBORw0K", string_at(body, "messages.2.content.1.image.source.bytes"));
	CHECK_INT(512, cJSON_GetObjectItem(cJSON_GetObjectItem(body, "inferenceConfig"),
	    "maxTokens")->valueint);
	/* Schema and example bytes are copied, not reprinted. */
	CHECK(strstr(c.body.data, "\"maximum\":1.0e6") != NULL);
	CHECK(strstr(c.body.data, "\"n\":12345678901234567890") != NULL);
	CHECK(strstr(c.body.data, "\"total\":1.0") != NULL);
	CHECK_INT(1, c.tool_mode);
	CHECK_INT(512, c.max_tokens);
	CHECK(c.input_estimate > 0);
	cJSON_Delete(body);
	ann_provider_call_release(&c);
}

static void
model_arn_is_one_path_segment(void)
{
	struct ann_provider_call c;
	cJSON *body = build(ANN_PROVIDER_BEDROCK_INVOKE, "arn:aws:bedrock:ap-northeast-1:"
	    "123456789012:inference-profile/jp.anthropic.claude-haiku-4-5-20251001-v1:0",
	    tool_request, &c);

	CHECK_STR("/model/arn%3Aaws%3Abedrock%3Aap-northeast-1%3A123456789012%3Ainference-"
	    "profile%2Fjp.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke", c.path.data);
	CHECK_STR("bedrock-2023-05-31", string_at(body, "anthropic_version"));
	CHECK(cJSON_GetObjectItem(body, "model") == NULL);
	CHECK_STR("tool", string_at(body, "tool_choice.type"));
	CHECK_STR("tool_use", string_at(body, "messages.1.content.0.type"));
	CHECK_STR("ephemeral", string_at(body, "messages.1.content.0.cache_control.type"));
	CHECK_STR("tool_result", string_at(body, "messages.2.content.0.type"));
	CHECK_STR("base64", string_at(body, "messages.2.content.1.source.type"));
	CHECK_STR("ephemeral", string_at(body, "system.0.cache_control.type"));
	cJSON_Delete(body);
	ann_provider_call_release(&c);
}

/* An application inference profile ARN travels as one segment, '/' as %2F. */
static void
application_profile_arn_path(void)
{
	static const struct { enum ann_provider p; const char *op; } ops[] = {
		{ ANN_PROVIDER_BEDROCK, "/converse" }, { ANN_PROVIDER_BEDROCK_INVOKE, "/invoke" },
	};
	const char *arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/"
	    "abc123example";
	const char *wire = "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A111122223333%3A"
	    "application-inference-profile%2Fabc123example";
	char expected[256];
	size_t i;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		struct ann_provider_call c;
		cJSON *body = build(ops[i].p, arn, tool_request, &c);

		snprintf(expected, sizeof expected, "%s%s", wire, ops[i].op);
		CHECK_STR(expected, c.path.data);
		cJSON_Delete(body);
		ann_provider_call_release(&c);
	}
}

/* ann-invoke reads whole replies: no request asks for a stream. */
static void
requests_ask_for_whole_replies(void)
{
	static const enum ann_provider providers[] = {
		ANN_PROVIDER_BEDROCK, ANN_PROVIDER_BEDROCK_INVOKE, ANN_PROVIDER_ANTHROPIC,
		ANN_PROVIDER_OPENAI,
	};
	size_t i;

	for (i = 0; i < sizeof providers / sizeof providers[0]; i++) {
		struct ann_provider_call c;
		cJSON *body = build(providers[i], "m.x-v1:0", tool_request, &c);
		const cJSON *stream = cJSON_GetObjectItemCaseSensitive(body, "stream");

		CHECK(stream == NULL || cJSON_IsFalse(stream));
		CHECK(strstr(c.path.data, "stream") == NULL);
		cJSON_Delete(body);
		ann_provider_call_release(&c);
	}
}

static void
openai_body(void)
{
	struct ann_provider_call c;
	cJSON *body = build(ANN_PROVIDER_OPENAI, "qwen2.5", tool_request, &c);

	CHECK_STR("/v1/chat/completions", c.path.data);
	CHECK_STR("qwen2.5", string_at(body, "model"));
	CHECK_STR("system", string_at(body, "messages.0.role"));
	CHECK_STR("example-1", string_at(body, "messages.2.tool_calls.0.id"));
	CHECK_STR("tool", string_at(body, "messages.3.role"));
	CHECK_STR("function", string_at(body, "tool_choice.type"));
	CHECK(strncmp(string_at(body, "messages.4.content.0.image_url.url"),
	    "data:image/png;base64,iVBORw0K", 30) == 0);
	cJSON_Delete(body);
	ann_provider_call_release(&c);
}

static void
bad_requests_are_invalid(void)
{
	static const char *const bad[] = {
		"{}",
		"{\"messages\":[]}",
		"{\"messages\":[{\"role\":\"robot\",\"content\":[]}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}],"
		    "\"answer\":{\"mode\":\"tool\",\"tool_name\":\"t\"}}",
		"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}],"
		    "\"answer\":{\"mode\":\"poem\"}}",
	};
	struct ann_provider_call c;
	size_t i;

	ann_provider_call_init(&c);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ann_error e = ANN_ERROR_INIT;

		CHECK_INT(ANN_ERR_INVALID, ann_provider_build(ANN_PROVIDER_BEDROCK, "m", "id", bad[i],
		    strlen(bad[i]), &c, &e));
		CHECK(e.msg[0] != '\0');
	}
	ann_provider_call_release(&c);
}

static void
missing_attachment_is_not_found(void)
{
	const char *req = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\","
	    "\"media_type\":\"application/pdf\",\"format\":\"pdf\",\"name\":\"x\","
	    "\"path\":\"/nonexistent/x.pdf\"}]}]}";
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_provider_call c;

	ann_provider_call_init(&c);
	CHECK_INT(ANN_ERR_NOT_FOUND, ann_provider_build(ANN_PROVIDER_BEDROCK, "m", "id", req,
	    strlen(req), &c, &e));
	CHECK(strstr(e.msg, "/nonexistent/x.pdf") != NULL);
	ann_provider_call_release(&c);
}

static void
parse(enum ann_provider p, int tool_mode, const char *reply, struct ann_provider_result *r)
{
	struct ann_error e = ANN_ERROR_INIT;

	ann_provider_result_init(r);
	CHECK_INT(ANN_OK, ann_provider_parse_reply(p, tool_mode, "extract_fields", reply,
	    strlen(reply), r, &e));
}

static void
truncated_reply_is_not_an_answer(void)
{
	struct ann_provider_result r;

	/* Cut off at max_tokens: never a JSON syntax error, never an answer. */
	parse(ANN_PROVIDER_ANTHROPIC, 0, "{\"stop_reason\":\"max_tokens\",\"content\":[{\"type\":"
	    "\"text\",\"text\":\"{\\\"items\\\":[{\\\"id\\\":1,\\\"label\\\":\\\"A\\\"},{\\\"id\\\":2,"
	    "\\\"lab\"}],\"usage\":{\"input_tokens\":10,\"output_tokens\":4096}}", &r);
	CHECK_INT(ANN_STOP_TRUNCATED, r.stop);
	CHECK_INT(0, r.has_output);
	CHECK_STR("{\"items\":[{\"id\":1,\"label\":\"A\"},{\"id\":2,\"lab", r.text.data);
	CHECK_INT(4096, r.output_tokens);
	ann_provider_result_release(&r);

	/* Even a reply whose partial text happens to parse stays truncated. */
	parse(ANN_PROVIDER_BEDROCK, 1, "{\"output\":{\"message\":{\"content\":[{\"toolUse\":"
	    "{\"toolUseId\":\"t\",\"name\":\"extract_fields\",\"input\":{}}}]}},\"stopReason\":"
	    "\"max_tokens\",\"usage\":{\"inputTokens\":5,\"outputTokens\":7,\"totalTokens\":12}}", &r);
	CHECK_INT(ANN_STOP_TRUNCATED, r.stop);
	CHECK_STR("max_tokens", r.stop_reason);
	ann_provider_result_release(&r);

	parse(ANN_PROVIDER_OPENAI, 0, "{\"choices\":[{\"message\":{\"content\":\"{\\\"a\\\":\"},"
	    "\"finish_reason\":\"length\"}]}", &r);
	CHECK_INT(ANN_STOP_TRUNCATED, r.stop);
	ann_provider_result_release(&r);
}

static void
refusals_keep_the_text(void)
{
	struct ann_provider_result r;

	parse(ANN_PROVIDER_BEDROCK_INVOKE, 0, "{\"stop_reason\":\"refusal\",\"content\":[{\"type\":"
	    "\"text\",\"text\":\"I can't help with that document.\"}]}", &r);
	CHECK_INT(ANN_STOP_REFUSED, r.stop);
	CHECK_STR("I can't help with that document.", r.text.data);
	ann_provider_result_release(&r);

	parse(ANN_PROVIDER_BEDROCK, 0, "{\"output\":{\"message\":{\"content\":[{\"text\":"
	    "\"{\\\"a\\\":1}\"}]}},\"stopReason\":\"content_filtered\",\"usage\":{}}", &r);
	CHECK_INT(ANN_STOP_REFUSED, r.stop);
	CHECK_INT(0, r.has_output);
	ann_provider_result_release(&r);

	parse(ANN_PROVIDER_BEDROCK, 0, "{\"output\":{\"message\":{\"content\":[{\"text\":"
	    "\"blocked\"}]}},\"stopReason\":\"guardrail_intervened\",\"usage\":{}}", &r);
	CHECK_INT(ANN_STOP_REFUSED, r.stop);
	ann_provider_result_release(&r);

	parse(ANN_PROVIDER_OPENAI, 0, "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":"
	    "\"No.\"},\"finish_reason\":\"stop\"}]}", &r);
	CHECK_INT(ANN_STOP_REFUSED, r.stop);
	CHECK_STR("No.", r.text.data);
	ann_provider_result_release(&r);
}

static void
tool_input_is_copied_byte_for_byte(void)
{
	struct ann_provider_result r;

	parse(ANN_PROVIDER_BEDROCK, 1, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":"
	    "[{\"text\":\"Sure.\"},{\"toolUse\":{\"toolUseId\":\"t1\",\"name\":\"extract_fields\","
	    "\"input\":{\"id\":12345678901234567890,\"total\":1.50,\"s\":\"\\u00e9\"}}}]}},"
	    "\"stopReason\":\"tool_use\",\"usage\":{\"inputTokens\":100,\"outputTokens\":20,"
	    "\"totalTokens\":120,\"cacheReadInputTokens\":7,\"cacheWriteInputTokens\":3},"
	    "\"metrics\":{\"latencyMs\":5}}", &r);
	CHECK_INT(ANN_STOP_DONE, r.stop);
	CHECK_INT(1, r.has_output);
	CHECK_STR("{\"id\":12345678901234567890,\"total\":1.50,\"s\":\"\\u00e9\"}", r.output.data);
	CHECK_INT(100, r.input_tokens);
	CHECK_INT(20, r.output_tokens);
	CHECK_INT(7, r.cache_read_tokens);
	CHECK_INT(3, r.cache_write_tokens);
	ann_provider_result_release(&r);

	parse(ANN_PROVIDER_ANTHROPIC, 1, "{\"model\":\"claude\",\"content\":[{\"type\":\"tool_use\","
	    "\"id\":\"x\",\"name\":\"extract_fields\",\"input\":{\"a\":[1.0]}}],\"stop_reason\":"
	    "\"tool_use\",\"usage\":{\"input_tokens\":3,\"output_tokens\":4,"
	    "\"cache_read_input_tokens\":1,\"cache_creation_input_tokens\":2}}", &r);
	CHECK_STR("{\"a\":[1.0]}", r.output.data);
	CHECK_INT(2, r.cache_write_tokens);
	ann_provider_result_release(&r);

	parse(ANN_PROVIDER_OPENAI, 1, "{\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":"
	    "[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"extract_fields\","
	    "\"arguments\":\"{\\\"n\\\":12345678901234567890}\"}}]},\"finish_reason\":\"tool_calls\"}],"
	    "\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":5,\"prompt_tokens_details\":"
	    "{\"cached_tokens\":20}}}", &r);
	CHECK_STR("{\"n\":12345678901234567890}", r.output.data);
	CHECK_INT(30, r.input_tokens);
	CHECK_INT(20, r.cache_read_tokens);
	ann_provider_result_release(&r);
}

static void
json_mode_takes_fenced_answer(void)
{
	struct ann_provider_result r;

	parse(ANN_PROVIDER_BEDROCK, 0, "{\"output\":{\"message\":{\"content\":[{\"text\":"
	    "\"Here:\\n```json\\n{\\\"summary\\\":\\\"Run ```make``` now\\\"}\\n```\"}]}},"
	    "\"stopReason\":\"end_turn\",\"usage\":{}}", &r);
	CHECK_INT(1, r.has_output);
	CHECK_STR("{\"summary\":\"Run ```make``` now\"}", r.output.data);
	ann_provider_result_release(&r);

	/* A pretty-printed answer comes out on one line. */
	parse(ANN_PROVIDER_BEDROCK, 0, "{\"output\":{\"message\":{\"content\":[{\"text\":"
	    "\"```json\\n{\\n  \\\"a\\\": [1,\\n 2]\\n}\\n```\"}]}},\"stopReason\":\"end_turn\","
	    "\"usage\":{}}", &r);
	CHECK_STR("{\"a\":[1,2]}", r.output.data);
	ann_provider_result_release(&r);

	parse(ANN_PROVIDER_BEDROCK, 0, "{\"output\":{\"message\":{\"content\":[{\"text\":"
	    "\"no json here\"}]}},\"stopReason\":\"end_turn\",\"usage\":{}}", &r);
	CHECK_INT(0, r.has_output);
	CHECK_STR("no json here", r.text.data);
	ann_provider_result_release(&r);
}

/* A string holding ``` does not end the fenced value. */
static void
fenced_answer_with_backticks_whole(void)
{
	struct ann_provider_result r;

	parse(ANN_PROVIDER_BEDROCK_INVOKE, 0, "{\"stop_reason\":\"end_turn\",\"content\":[{\"type\":"
	    "\"text\",\"text\":\"Here is the result:\\n```json\\n{\\\"summary\\\": \\\"Run ```make "
	    "test``` before merging\\\", \\\"label\\\": \\\"dev\\\"}\\n```\\n\"}]}", &r);
	CHECK_INT(ANN_STOP_DONE, r.stop);
	CHECK_INT(1, r.has_output);
	CHECK_STR("{\"summary\":\"Run ```make test``` before merging\",\"label\":\"dev\"}",
	    r.output.data);
	ann_provider_result_release(&r);
}

static void
malformed_reply_is_an_error(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_provider_result r;
	static const char *const bad[] = { "", "not json", "{\"x\":1}", "[]",
		"{\"output\":{\"message\":{\"content\":{}}}}" };
	size_t i;

	ann_provider_result_init(&r);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_INT(ANN_ERR_SYNTAX, ann_provider_parse_reply(ANN_PROVIDER_BEDROCK, 0, "t",
		    bad[i], strlen(bad[i]), &r, &e));
	ann_provider_result_release(&r);
}

static void
error_replies_name_type_and_message(void)
{
	struct ann_provider_error pe;
	const char *body = "{\"message\":\"Malformed input request\"}";

	ann_provider_parse_error(ANN_PROVIDER_BEDROCK, "ValidationException:http://internal."
	    "amazon.com/coral/com.amazon.bedrock/", body, strlen(body), &pe);
	CHECK_STR("ValidationException", pe.type);
	CHECK_STR("Malformed input request", pe.message);

	body = "{\"__type\":\"com.amazon.coral#ThrottlingException\",\"Message\":\"slow\"}";
	ann_provider_parse_error(ANN_PROVIDER_BEDROCK, NULL, body, strlen(body), &pe);
	CHECK_STR("ThrottlingException", pe.type);
	CHECK_STR("slow", pe.message);

	body = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}";
	ann_provider_parse_error(ANN_PROVIDER_ANTHROPIC, NULL, body, strlen(body), &pe);
	CHECK_STR("overloaded_error", pe.type);
	CHECK_STR("busy", pe.message);

	ann_provider_parse_error(ANN_PROVIDER_OPENAI, NULL, "<html>", 6, &pe);
	CHECK_STR("", pe.type);
	CHECK_STR("", pe.message);
}

ANN_TEST_MAIN(
	ANN_TEST(converse_body),
	ANN_TEST(model_arn_is_one_path_segment),
	ANN_TEST(application_profile_arn_path),
	ANN_TEST(requests_ask_for_whole_replies),
	ANN_TEST(openai_body),
	ANN_TEST(bad_requests_are_invalid),
	ANN_TEST(missing_attachment_is_not_found),
	ANN_TEST(truncated_reply_is_not_an_answer),
	ANN_TEST(refusals_keep_the_text),
	ANN_TEST(tool_input_is_copied_byte_for_byte),
	ANN_TEST(json_mode_takes_fenced_answer),
	ANN_TEST(fenced_answer_with_backticks_whole),
	ANN_TEST(malformed_reply_is_an_error),
	ANN_TEST(error_replies_name_type_and_message),
)
