/* Unit tests for the ann-mock modules: option parsing, decisions, quotas,
 * token estimates, request parsing, synthesis and mistakes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mock_impl.h"

static const char invoice_schema[] =
	"{\"type\":\"object\",\"$defs\":{\"money\":{\"type\":\"number\",\"minimum\":0,\"maximum\":100}},"
	"\"properties\":{"
	"\"vendor\":{\"type\":\"string\",\"maxLength\":4},"
	"\"date\":{\"type\":\"string\",\"format\":\"date\"},"
	"\"total\":{\"$ref\":\"#/$defs/money\"},"
	"\"count\":{\"type\":\"integer\",\"minimum\":3,\"maximum\":5},"
	"\"kind\":{\"type\":\"string\",\"enum\":[\"invoice\",\"receipt\"]},"
	"\"note\":{\"type\":[\"string\",\"null\"]}},"
	"\"required\":[\"vendor\",\"date\",\"total\",\"count\",\"kind\"]}";

static void
faults_parse_rate_and_pairs(void)
{
	double r[ANN_MOCK_FAULT_COUNT], m[ANN_MOCK_MISTAKE_COUNT];
	struct ann_error e = ANN_ERROR_INIT;

	CHECK_INT(0, ann_mock_parse_faults("0.6", r, &e));
	CHECK(fabs(r[ANN_MOCK_FAULT_THROTTLE] - 0.1) < 1e-12);
	CHECK(fabs(r[ANN_MOCK_FAULT_STALL] - 0.1) < 1e-12);

	CHECK_INT(0, ann_mock_parse_faults("throttle=0.25,stall=0.5", r, &e));
	CHECK(r[ANN_MOCK_FAULT_THROTTLE] == 0.25);
	CHECK(r[ANN_MOCK_FAULT_STALL] == 0.5);
	CHECK(r[ANN_MOCK_FAULT_RESET] == 0.0);

	CHECK_INT(ANN_ERR_INVALID, ann_mock_parse_faults("throttle=0.7,internal=0.4", r, &e));
	CHECK_STR("invalid --faults, the rates add up to 1.1, more than 1", e.msg);
	CHECK_INT(ANN_ERR_INVALID, ann_mock_parse_faults("slow=0.1", r, &e));
	CHECK_STR("invalid --faults, unknown kind 'slow'", e.msg);
	CHECK_INT(ANN_ERR_INVALID, ann_mock_parse_faults("throttle=", r, &e));
	CHECK_INT(ANN_ERR_INVALID, ann_mock_parse_faults("nan", r, &e));
	CHECK_INT(ANN_ERR_INVALID, ann_mock_parse_mistakes("fenced", m, &e));
}

static void
decide_rates_match_settings(void)
{
	struct ann_mock_opts o;
	struct mock_decision d;
	struct mock_rng r;
	long faults = 0, throttles = 0, mistakes = 0, n = 200000, i;
	double sd;

	ann_mock_opts_init(&o);
	o.fault_rate[ANN_MOCK_FAULT_THROTTLE] = 0.1;
	o.fault_rate[ANN_MOCK_FAULT_INTERNAL] = 0.05;
	o.mistake_rate[ANN_MOCK_MISTAKE_PROSE] = 0.2;
	for (i = 0; i < n; i++) {
		mock_rng_seed(&r, 42, (uint64_t)i, 0, 1);
		mock_decide(&d, &o, 0, &r);
		faults += d.fault != MOCK_NO_FAULT;
		throttles += d.fault == ANN_MOCK_FAULT_THROTTLE;
		mistakes += d.mistake == ANN_MOCK_MISTAKE_PROSE;
		CHECK(d.mistake == MOCK_NO_MISTAKE || d.mistake == ANN_MOCK_MISTAKE_PROSE);
	}
	/* Bounds of 5 binomial standard deviations. */
	sd = sqrt(n * 0.15 * 0.85);
	CHECK(fabs(faults - n * 0.15) < 5 * sd);
	sd = sqrt(n * 0.1 * 0.9);
	CHECK(fabs(throttles - n * 0.1) < 5 * sd);
	sd = sqrt(n * 0.2 * 0.8);
	CHECK(fabs(mistakes - n * 0.2) < 5 * sd);
}

static void
decide_is_a_function_of_the_seed(void)
{
	struct ann_mock_opts o;
	struct mock_decision a, b;
	struct mock_rng r;

	ann_mock_opts_init(&o);
	o.fault_rate[ANN_MOCK_FAULT_THROTTLE] = 0.5;
	o.latency_ms = 100;
	mock_rng_seed(&r, 7, 99, 3, 1);
	mock_decide(&a, &o, 0, &r);
	mock_rng_seed(&r, 7, 99, 3, 1);
	mock_decide(&b, &o, 0, &r);
	CHECK(memcmp(&a, &b, sizeof a) == 0);
	CHECK(a.latency_ms >= 0);
	CHECK(a.latency_ms <= 500);
}

static void
decide_reask_follows_fix_rate(void)
{
	struct ann_mock_opts o;
	struct mock_decision d;
	struct mock_rng r;
	int i;

	ann_mock_opts_init(&o);
	o.fix_rate = 1.0;
	o.mistake_rate[ANN_MOCK_MISTAKE_FENCED] = 1.0;
	for (i = 0; i < 100; i++) {
		mock_rng_seed(&r, 1, (uint64_t)i, 0, 1);
		mock_decide(&d, &o, 1, &r);
		CHECK(d.reask_fixed);
		CHECK(d.mistake == MOCK_NO_MISTAKE);
	}
	o.fix_rate = 0.0;
	o.mistake_rate[ANN_MOCK_MISTAKE_FENCED] = 0.0;
	for (i = 0; i < 100; i++) {
		mock_rng_seed(&r, 1, (uint64_t)i, 0, 1);
		mock_decide(&d, &o, 1, &r);
		CHECK(!d.reask_fixed);
		CHECK(d.mistake < ANN_MOCK_MISTAKE_COUNT);
	}
}

static void
quota_buckets_throttle_when_spent(void)
{
	struct mock_quota q;

	mock_quota_init(&q, 2, 0);
	CHECK_INT(MOCK_QUOTA_OK, mock_quota_take(&q, 10));
	CHECK_INT(MOCK_QUOTA_OK, mock_quota_take(&q, 10));
	CHECK_INT(MOCK_QUOTA_RPM, mock_quota_take(&q, 10));
	mock_quota_release(&q);

	mock_quota_init(&q, 0, 100);
	CHECK_INT(MOCK_QUOTA_OK, mock_quota_take(&q, 60));
	CHECK_INT(MOCK_QUOTA_TPM, mock_quota_take(&q, 60));
	CHECK_INT(MOCK_QUOTA_OK, mock_quota_take(&q, 30));
	mock_quota_release(&q);
}

static void
token_estimate_counts_ascii_and_cjk(void)
{
	CHECK_INT(0, mock_token_estimate("", 0));
	CHECK_INT(1, mock_token_estimate("abcd", 4));
	CHECK_INT(2, mock_token_estimate("abcde", 5));
	CHECK_INT(3, mock_token_estimate("請求書", strlen("請求書")));
	CHECK_INT(4, mock_token_estimate("a請求書", strlen("a請求書")));
}

static void
wire_parses_converse_tool_and_reask(void)
{
	static const char body[] =
		"{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"doc A\"},"
		"{\"document\":{\"format\":\"txt\",\"name\":\"d\",\"source\":{\"text\":\"doc B\"}}}]},"
		"{\"role\":\"assistant\",\"content\":[{\"text\":\"{}\"}]},"
		"{\"role\":\"user\",\"content\":[{\"text\":\"Your previous answer does not match "
		"the required JSON Schema. 1 problem found\"}]}],"
		"\"inferenceConfig\":{\"maxTokens\":77},"
		"\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"a\",\"inputSchema\":{\"json\":{\"type\":\"object\"}}}},"
		"{\"toolSpec\":{\"name\":\"b\",\"inputSchema\":{\"json\":{\"type\":\"object\",\"title\":\"B\"}}}}],"
		"\"toolChoice\":{\"tool\":{\"name\":\"b\"}}},"
		"\"requestMetadata\":{\"ann_record_id\":\"r-9\"}}";
	struct mock_call c;
	struct mock_error err;

	mock_call_init(&c, MOCK_API_CONVERSE);
	CHECK_INT(0, mock_wire_parse(&c, body, strlen(body), "m:0", NULL, "ignored", &err));
	CHECK_INT(MOCK_MODE_TOOL, c.mode);
	CHECK_STR("b", c.tool_name);
	CHECK_STR("B", cJSON_GetStringValue(cJSON_GetObjectItem(c.schema, "title")));
	CHECK_INT(77, c.max_tokens);
	CHECK_INT(1, c.reask);
	CHECK_STR("r-9", c.record_id.data);
	CHECK_STR("doc A\ndoc B", c.first_user.data);
	/* The feedback is not part of the document. */
	CHECK_STR("doc A\ndoc B", c.user_text.data);
	CHECK_STR("m:0", c.model);
	CHECK(c.input_tokens > 5);
	mock_call_release(&c);
}

/* Parses a Converse body with the given messages; returns c.reask, fills c. */
static int
parse_messages(struct mock_call *c, const char *messages, const char *marker)
{
	struct ann_buf body = ANN_BUF_INIT;
	struct mock_error err;

	mock_call_init(c, MOCK_API_CONVERSE);
	c->reask_marker = marker;
	CHECK_INT(ANN_OK, ann_buf_addf(&body, "{\"messages\":%s}", messages));
	CHECK_INT(0, mock_wire_parse(c, body.data, body.len, "m", NULL, NULL, &err));
	ann_buf_release(&body);
	return c->reask;
}

static void
wire_tells_few_shot_from_reask(void)
{
	/* A few-shot example, then the record's own turn. */
	static const char few_shot[] =
		"[{\"role\":\"user\",\"content\":[{\"text\":\"example doc\"}]},"
		"{\"role\":\"assistant\",\"content\":[{\"text\":\"{\\\"a\\\":1}\"}]},"
		"{\"role\":\"user\",\"content\":[{\"text\":\"record doc\"}]}]";
	/* The same, in tool mode: the example's tool call and its result. */
	static const char few_shot_tool[] =
		"[{\"role\":\"user\",\"content\":[{\"text\":\"example doc\"}]},"
		"{\"role\":\"assistant\",\"content\":[{\"toolUse\":{\"toolUseId\":\"example-1\","
		"\"name\":\"t\",\"input\":{\"a\":1}}}]},"
		"{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":\"example-1\","
		"\"content\":[{\"text\":\"recorded\"}]}},{\"text\":\"record doc\"}]}]";
	/* A re-ask of the few-shot request, with the Japanese built-in feedback. */
	static const char reask[] =
		"[{\"role\":\"user\",\"content\":[{\"text\":\"example doc\"}]},"
		"{\"role\":\"assistant\",\"content\":[{\"text\":\"{\\\"a\\\":1}\"}]},"
		"{\"role\":\"user\",\"content\":[{\"text\":\"record doc\"}]},"
		"{\"role\":\"assistant\",\"content\":[{\"text\":\"{}\"}]},"
		"{\"role\":\"user\",\"content\":[{\"text\":\"前回の回答は指定された JSON スキーマに"
		"適合していません。問題が 1 件あります。\"}]}]";
	/* Feedback from a custom template, marked with --reask-marker. */
	static const char custom[] =
		"[{\"role\":\"user\",\"content\":[{\"text\":\"record doc\"}]},"
		"{\"role\":\"assistant\",\"content\":[{\"text\":\"{}\"}]},"
		"{\"role\":\"user\",\"content\":[{\"text\":\"FIX: total is missing\"}]}]";
	struct mock_call c;

	CHECK_INT(0, parse_messages(&c, few_shot, NULL));
	CHECK_STR("record doc", c.first_user.data);
	CHECK_STR("record doc", c.user_text.data);
	mock_call_release(&c);

	CHECK_INT(0, parse_messages(&c, few_shot_tool, NULL));
	CHECK_STR("recorded\nrecord doc", c.first_user.data);
	mock_call_release(&c);

	CHECK_INT(1, parse_messages(&c, reask, NULL));
	CHECK_STR("record doc", c.first_user.data);
	CHECK_STR("record doc", c.user_text.data);
	mock_call_release(&c);

	CHECK_INT(0, parse_messages(&c, custom, NULL));
	mock_call_release(&c);
	CHECK_INT(1, parse_messages(&c, custom, "FIX:"));
	CHECK_STR("record doc", c.first_user.data);
	mock_call_release(&c);
}

static void
wire_rejects_invoke_model_key(void)
{
	static const char body[] = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,"
		"\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
	static const char no_version[] = "{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
	struct mock_call c;
	struct mock_error err;

	mock_call_init(&c, MOCK_API_INVOKE);
	CHECK_INT(-1, mock_wire_parse(&c, body, strlen(body), "m", NULL, NULL, &err));
	CHECK_INT(MOCK_E_VALIDATION, err.kind);
	CHECK(strstr(err.message, "extraneous key [model]") != NULL);
	mock_call_release(&c);

	mock_call_init(&c, MOCK_API_INVOKE);
	CHECK_INT(-1, mock_wire_parse(&c, no_version, strlen(no_version), "m", NULL, NULL, &err));
	CHECK(strstr(err.message, "anthropic_version") != NULL);
	mock_call_release(&c);
}

static void
wire_reads_invoke_metadata_header(void)
{
	static const char body[] = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,"
		"\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}";
	struct mock_call c;
	struct mock_error err;

	mock_call_init(&c, MOCK_API_INVOKE);
	CHECK_INT(0, mock_wire_parse(&c, body, strlen(body), "m", "{\"ann_record_id\":\"inv-7\"}", NULL, &err));
	CHECK_STR("inv-7", c.record_id.data);
	CHECK_INT(MOCK_MODE_TEXT, c.mode);
	mock_call_release(&c);

	mock_call_init(&c, MOCK_API_INVOKE);
	CHECK_INT(-1, mock_wire_parse(&c, body, strlen(body), "m", "not json", NULL, &err));
	mock_call_release(&c);
}

static void
wire_error_shapes_per_api(void)
{
	struct mock_response resp;
	struct mock_error err;

	memset(&resp, 0, sizeof resp);
	ann_buf_init(&resp.body, 1 << 20);
	mock_error_set(&err, MOCK_E_TIMEOUT, "slow");
	CHECK_INT(0, mock_wire_error(&resp, MOCK_API_CONVERSE, &err, "rid"));
	CHECK_INT(408, resp.status);
	CHECK_STR("{\"message\":\"slow\"}", resp.body.data);
	CHECK_STR("x-amzn-ErrorType", resp.headers[2].name);
	CHECK_STR("ModelTimeoutException:http://internal.amazon.com/coral/com.amazon.bedrock/",
	    resp.headers[2].value);

	resp.nheaders = 0;
	mock_error_set(&err, MOCK_E_UNAVAILABLE, "busy");
	CHECK_INT(0, mock_wire_error(&resp, MOCK_API_ANTHROPIC, &err, "rid"));
	CHECK_INT(529, resp.status);
	CHECK_STR("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"},"
	    "\"request_id\":\"req_rid\"}", resp.body.data);

	resp.nheaders = 0;
	mock_error_set(&err, MOCK_E_THROTTLE, "slow down");
	CHECK_INT(0, mock_wire_error(&resp, MOCK_API_OPENAI, &err, "rid"));
	CHECK_INT(429, resp.status);
	CHECK_STR("{\"error\":{\"message\":\"slow down\",\"type\":\"requests\",\"param\":null,"
	    "\"code\":\"rate_limit_exceeded\"}}", resp.body.data);
	ann_buf_release(&resp.body);
}

static void
synthesis_is_valid_and_seeded(void)
{
	cJSON *schema = cJSON_Parse(invoice_schema), *a, *b, *v;
	struct mock_rng r;
	const char *s;
	int i, differs = 0;

	for (i = 0; i < 50; i++) {
		mock_rng_seed(&r, 5, (uint64_t)i, 0, 3);
		a = mock_synthesise(schema, schema, &r);
		mock_rng_seed(&r, 5, (uint64_t)i, 0, 3);
		b = mock_synthesise(schema, schema, &r);
		CHECK(cJSON_Compare(a, b, 1));
		mock_rng_seed(&r, 6, (uint64_t)i, 0, 3);
		cJSON_Delete(b);
		b = mock_synthesise(schema, schema, &r);
		differs += !cJSON_Compare(a, b, 1);

		s = cJSON_GetStringValue(cJSON_GetObjectItem(a, "date"));
		CHECK(s != NULL);
		CHECK(s != NULL && strlen(s) == 10);
		CHECK(s != NULL && s[4] == '-' && s[7] == '-');
		v = cJSON_GetObjectItem(a, "total");
		CHECK(cJSON_IsNumber(v));
		CHECK(v != NULL && v->valuedouble >= 0);
		CHECK(v != NULL && v->valuedouble <= 100);
		v = cJSON_GetObjectItem(a, "count");
		CHECK(cJSON_IsNumber(v));
		CHECK(v != NULL && v->valuedouble >= 3);
		CHECK(v != NULL && v->valuedouble <= 5);
		CHECK(v != NULL && v->valuedouble == floor(v->valuedouble));
		s = cJSON_GetStringValue(cJSON_GetObjectItem(a, "kind"));
		CHECK(s != NULL && (strcmp(s, "invoice") == 0 || strcmp(s, "receipt") == 0));
		v = cJSON_GetObjectItem(a, "vendor");
		CHECK(cJSON_IsString(v));
		v = cJSON_GetObjectItem(a, "note");
		CHECK(v == NULL || cJSON_IsString(v));
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	CHECK(differs > 40);
	cJSON_Delete(schema);
}

/* Applies kind to the reference answer and returns the result as compact JSON or text. */
static char *
with_mistake(enum ann_mock_mistake kind, int as_text, int *applied)
{
	static const char answer[] = "{\"vendor\":\"ACME\",\"date\":\"2024-05-01\",\"total\":1234.5,"
		"\"count\":4,\"kind\":\"invoice\"}";
	struct mock_call c;
	struct mock_reply rp;
	struct mock_rng r;
	char *out;

	mock_call_init(&c, MOCK_API_CONVERSE);
	c.schema_owned = cJSON_Parse(invoice_schema);
	c.schema = c.schema_owned;
	ann_buf_adds(&c.user_text, "Invoice from ACME dated 2024-05-01, total $1,234.50");
	mock_reply_init(&rp);
	rp.value = cJSON_Parse(answer);
	rp.as_text = as_text;
	mock_rng_seed(&r, 1, 2, 3, 4);
	*applied = mock_mistake_apply(kind, &rp, &c, &r);
	if (rp.as_text && rp.text.len > 0)
		out = strdup(rp.text.data);
	else
		out = cJSON_PrintUnformatted(rp.value);
	if (rp.stop == MOCK_STOP_MAX_TOKENS)
		out[0] = out[0] == '{' ? '<' : out[0];
	mock_reply_release(&rp);
	mock_call_release(&c);
	return out;
}

static void
mistakes_change_the_answer(void)
{
	int applied;
	char *s;

	s = with_mistake(ANN_MOCK_MISTAKE_STRING_NUMBER, 1, &applied);
	CHECK_INT(1, applied);
	CHECK(strstr(s, "\"$1,234.50\"") != NULL || strstr(s, "\"$4.00\"") != NULL);
	free(s);

	s = with_mistake(ANN_MOCK_MISTAKE_MISSING_FIELD, 1, &applied);
	CHECK_INT(1, applied);
	/* Required members are vendor, date, total, count and kind: one is gone. */
	CHECK_INT(4, (strstr(s, "\"vendor\"") != NULL) + (strstr(s, "\"date\"") != NULL) +
	    (strstr(s, "\"total\"") != NULL) + (strstr(s, "\"count\"") != NULL) +
	    (strstr(s, "\"kind\"") != NULL));
	free(s);

	s = with_mistake(ANN_MOCK_MISTAKE_EXTRA_FIELD, 1, &applied);
	CHECK_INT(1, applied);
	CHECK(strstr(s, "\"confidence\":0.87") != NULL);
	free(s);

	s = with_mistake(ANN_MOCK_MISTAKE_DATE_FORMAT, 1, &applied);
	CHECK_INT(1, applied);
	CHECK(strstr(s, "2024-05-01") == NULL);
	free(s);

	s = with_mistake(ANN_MOCK_MISTAKE_ENUM_VALUE, 1, &applied);
	CHECK_INT(1, applied);
	CHECK(strstr(s, "\"kind\":\"INVOICE\"") != NULL);
	free(s);

	s = with_mistake(ANN_MOCK_MISTAKE_HALLUCINATION, 1, &applied);
	CHECK_INT(1, applied);
	CHECK(strstr(s, "ACME") == NULL);
	CHECK(strstr(s, "\"vendor\":\"") != NULL);
	free(s);

	s = with_mistake(ANN_MOCK_MISTAKE_FENCED, 0, &applied);
	CHECK_INT(1, applied);
	CHECK(strncmp(s, "```json\n{", 9) == 0);
	free(s);

	s = with_mistake(ANN_MOCK_MISTAKE_PROSE, 1, &applied);
	CHECK_INT(1, applied);
	CHECK(strncmp(s, "Here is", 7) == 0);
	free(s);

	s = with_mistake(ANN_MOCK_MISTAKE_TRUNCATED, 1, &applied);
	CHECK_INT(1, applied);
	CHECK(s[0] == '<');
	CHECK(strlen(s) < strlen("{\"vendor\":\"ACME\",\"date\":\"2024-05-01\",\"total\":1234.5,"
	    "\"count\":4,\"kind\":\"invoice\"}"));
	free(s);
}

static void
mistake_without_target_is_not_applied(void)
{
	struct mock_call c;
	struct mock_reply rp;
	struct mock_rng r;

	mock_call_init(&c, MOCK_API_CONVERSE);
	mock_reply_init(&rp);
	rp.value = cJSON_Parse("{\"name\":\"x\"}");
	rp.as_text = 1;
	mock_rng_seed(&r, 1, 2, 3, 4);
	CHECK_INT(0, mock_mistake_apply(ANN_MOCK_MISTAKE_DATE_FORMAT, &rp, &c, &r));
	CHECK_INT(0, mock_mistake_apply(ANN_MOCK_MISTAKE_ENUM_VALUE, &rp, &c, &r));
	CHECK_INT(0, mock_mistake_apply(ANN_MOCK_MISTAKE_STRING_NUMBER, &rp, &c, &r));
	mock_reply_release(&rp);
	mock_call_release(&c);
}

ANN_TEST_MAIN(
	ANN_TEST(faults_parse_rate_and_pairs),
	ANN_TEST(decide_rates_match_settings),
	ANN_TEST(decide_is_a_function_of_the_seed),
	ANN_TEST(decide_reask_follows_fix_rate),
	ANN_TEST(quota_buckets_throttle_when_spent),
	ANN_TEST(token_estimate_counts_ascii_and_cjk),
	ANN_TEST(wire_parses_converse_tool_and_reask),
	ANN_TEST(wire_tells_few_shot_from_reask),
	ANN_TEST(wire_rejects_invoke_model_key),
	ANN_TEST(wire_reads_invoke_metadata_header),
	ANN_TEST(wire_error_shapes_per_api),
	ANN_TEST(synthesis_is_valid_and_seeded),
	ANN_TEST(mistakes_change_the_answer),
	ANN_TEST(mistake_without_target_is_not_applied),
)
