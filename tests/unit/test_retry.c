#include <math.h>

#include "harness.h"
#include "retry.h"

struct retry_case {
	int status;
	const char *type;
	int timeout;
	int transport;
	enum ann_fail kind;
	int retryable;
	int throttling;
};

/* Bedrock's modelled errors and transport failures, with the decision for each. */
static const struct retry_case cases[] = {
	{ 400, "ValidationException", 0, 0, ANN_FAIL_VALIDATION, 0, 0 },
	{ 400, "ServiceQuotaExceededException", 0, 0, ANN_FAIL_CLIENT, 0, 0 },
	{ 403, "AccessDeniedException", 0, 0, ANN_FAIL_ACCESS, 0, 0 },
	{ 403, "UnrecognizedClientException", 0, 0, ANN_FAIL_ACCESS, 0, 0 },
	{ 403, "InvalidSignatureException", 0, 0, ANN_FAIL_ACCESS, 0, 0 },
	{ 404, "ResourceNotFoundException", 0, 0, ANN_FAIL_CLIENT, 0, 0 },
	{ 408, "ModelTimeoutException", 0, 0, ANN_FAIL_TIMEOUT, 1, 0 },
	{ 424, "ModelErrorException", 0, 0, ANN_FAIL_CLIENT, 0, 0 },
	{ 429, "ThrottlingException", 0, 0, ANN_FAIL_THROTTLED, 1, 1 },
	{ 429, "ModelNotReadyException", 0, 0, ANN_FAIL_SERVER, 1, 0 },
	{ 429, NULL, 0, 0, ANN_FAIL_THROTTLED, 1, 1 },
	{ 500, "InternalServerException", 0, 0, ANN_FAIL_SERVER, 1, 0 },
	{ 502, NULL, 0, 0, ANN_FAIL_SERVER, 1, 0 },
	{ 503, "ServiceUnavailableException", 0, 0, ANN_FAIL_SERVER, 1, 0 },
	{ 504, NULL, 0, 0, ANN_FAIL_SERVER, 1, 0 },
	{ 501, NULL, 0, 0, ANN_FAIL_SERVER, 0, 0 },
	{ 529, "overloaded_error", 0, 0, ANN_FAIL_THROTTLED, 1, 1 },
	{ 400, "invalid_request_error", 0, 0, ANN_FAIL_VALIDATION, 0, 0 },
	{ 401, "authentication_error", 0, 0, ANN_FAIL_ACCESS, 0, 0 },
	{ 400, NULL, 0, 0, ANN_FAIL_VALIDATION, 0, 0 },
	{ 0, NULL, 1, 0, ANN_FAIL_TIMEOUT, 1, 0 },
	{ 0, NULL, 0, 1, ANN_FAIL_NETWORK, 1, 0 },
	{ 200, NULL, 0, 0, ANN_FAIL_RESPONSE, 0, 0 },
};

static void
classify_bedrock_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct retry_case *c = &cases[i];
		struct ann_retry_outcome o = { c->status, c->type, c->timeout, c->transport };

		if (ann_retry_classify(&o) != c->kind || ann_retry_is_retryable(&o) != c->retryable ||
		    ann_retry_is_throttling(&o) != c->throttling)
			ann_test_fail(__FILE__, __LINE__, "case %zu (HTTP %d %s): kind %s retryable %d "
			    "throttling %d", i, c->status, c->type ? c->type : "-",
			    ann_fail_kind(ann_retry_classify(&o)), ann_retry_is_retryable(&o),
			    ann_retry_is_throttling(&o));
	}
}

static void
error_code_is_shortened(void)
{
	char code[64];

	ann_retry_error_code("ValidationException:http://internal.amazon.com/coral/com.amazon."
	    "bedrock/", code, sizeof code);
	CHECK_STR("ValidationException", code);
	ann_retry_error_code("aws.protocoltests#ThrottlingException", code, sizeof code);
	CHECK_STR("ThrottlingException", code);
	ann_retry_error_code(" ThrottlingException \r\n", code, sizeof code);
	CHECK_STR("ThrottlingException", code);
	ann_retry_error_code(NULL, code, sizeof code);
	CHECK_STR("", code);
	ann_retry_error_code("ABCDEFGHIJ", code, 5);
	CHECK_STR("ABCD", code);
}

static void
backoff_is_full_jitter_capped(void)
{
	struct ann_retry_policy p;

	ann_retry_policy_default(&p);
	CHECK_INT(5, p.max_attempts);
	CHECK(fabs(ann_retry_backoff(&p, 1, 0, 0.5) - 0.5) < 1e-9);
	CHECK(fabs(ann_retry_backoff(&p, 2, 0, 0.5) - 1.0) < 1e-9);
	CHECK(fabs(ann_retry_backoff(&p, 3, 1, 0.5) - 2.0) < 1e-9);
	CHECK(fabs(ann_retry_backoff(&p, 10, 0, 0.5) - 10.0) < 1e-9);
	CHECK(fabs(ann_retry_backoff(&p, 1000, 0, 0.999) - 19.98) < 1e-9);
	CHECK(ann_retry_backoff(&p, 4, 0, 0.0) == 0.0);
	p.throttle_base_s = 2.0;
	CHECK(fabs(ann_retry_backoff(&p, 1, 1, 0.5) - 1.0) < 1e-9);
	CHECK(fabs(ann_retry_backoff(&p, 1, 0, 0.5) - 0.5) < 1e-9);
}

static void
server_hint_lengthens_backoff(void)
{
	struct ann_retry_policy p;

	ann_retry_policy_default(&p);
	CHECK(fabs(ann_retry_apply_hint(&p, 0.3, 0) - 0.3) < 1e-9);
	CHECK(fabs(ann_retry_apply_hint(&p, 0.3, 2.0) - 2.0) < 1e-9);
	CHECK(fabs(ann_retry_apply_hint(&p, 3.0, 2.0) - 3.0) < 1e-9);
	/* A hint of an hour is capped at the maximum backoff. */
	CHECK(fabs(ann_retry_apply_hint(&p, 0.3, 3600) - 20.0) < 1e-9);
	CHECK(fabs(ann_retry_apply_hint(&p, 0.3, -1) - 0.3) < 1e-9);
}

static void
quota_stops_retry_storms(void)
{
	struct ann_retry_policy p;
	struct ann_retry_quota q;
	int i, taken = 0;

	ann_retry_policy_default(&p);
	ann_retry_quota_init(&q, &p);
	for (i = 0; i < 200; i++)
		if (ann_retry_quota_acquire(&q, &p, 0))
			taken++;
	CHECK_INT(100, taken);
	CHECK_INT(0, q.tokens);
	CHECK_INT(0, ann_retry_quota_acquire(&q, &p, 0));
	ann_retry_quota_release(&q, &p, 5);
	CHECK_INT(5, q.tokens);
	ann_retry_quota_release(&q, &p, 0);
	CHECK_INT(6, q.tokens);
	/* A timeout retry costs 10 and there are only 6. */
	CHECK_INT(0, ann_retry_quota_acquire(&q, &p, 1));
	CHECK_INT(5, ann_retry_quota_acquire(&q, &p, 0));
	for (i = 0; i < 1000; i++)
		ann_retry_quota_release(&q, &p, 0);
	CHECK_INT(500, q.tokens);
}

static void
aimd_backs_off_and_recovers(void)
{
	struct ann_aimd a;
	int i;

	ann_aimd_init(&a, 32);
	CHECK_INT(32, ann_aimd_limit(&a));
	ann_aimd_on_throttle(&a, 100.0);
	CHECK_INT(22, ann_aimd_limit(&a));
	/* A burst of throttles from requests already in flight counts once. */
	ann_aimd_on_throttle(&a, 100.5);
	CHECK_INT(22, ann_aimd_limit(&a));
	ann_aimd_on_throttle(&a, 101.5);
	CHECK_INT(15, ann_aimd_limit(&a));
	for (i = 0; i < 16; i++)
		ann_aimd_on_success(&a);
	CHECK_INT(16, ann_aimd_limit(&a));
	for (i = 0; i < 10000; i++)
		ann_aimd_on_success(&a);
	CHECK_INT(32, ann_aimd_limit(&a));
	for (i = 0; i < 50; i++)
		ann_aimd_on_throttle(&a, 200.0 + 2 * i);
	CHECK_INT(1, ann_aimd_limit(&a));
}

ANN_TEST_MAIN(
	ANN_TEST(classify_bedrock_errors),
	ANN_TEST(error_code_is_shortened),
	ANN_TEST(backoff_is_full_jitter_capped),
	ANN_TEST(server_hint_lengthens_backoff),
	ANN_TEST(quota_stops_retry_storms),
	ANN_TEST(aimd_backs_off_and_recovers),
)
