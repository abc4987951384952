#include "retry.h"

#include <math.h>
#include <string.h>

/* Error codes that the AWS SDKs' standard retry mode treats as throttling. */
static const char *const throttling_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException",
	"RequestThrottledException", "TooManyRequestsException",
	"ProvisionedThroughputExceededException", "TransactionInProgressException",
	"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
	"RequestThrottled", "SlowDown", "EC2ThrottledException",
	/* Anthropic API error types with the same meaning. */
	"rate_limit_error", "overloaded_error",
};

/* Codes the SDKs treat as transient. */
static const char *const transient_codes[] = {
	"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
	/* The only Bedrock error shape with the "retryable" trait. */
	"ModelNotReadyException",
};

static const char *const access_codes[] = {
	"AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
	"IncompleteSignatureException", "MissingAuthenticationTokenException",
	"ExpiredTokenException", "SignatureDoesNotMatch", "authentication_error",
	"permission_error",
};

static int
in_list(const char *code, const char *const *list, size_t n)
{
	size_t i;

	if (code == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return 1;
	return 0;
}

#define IN(code, list) in_list(code, list, sizeof list / sizeof list[0])

const char *
ann_fail_kind(enum ann_fail f)
{
	switch (f) {
	case ANN_FAIL_NONE:
		return "none";
	case ANN_FAIL_THROTTLED:
		return "throttled";
	case ANN_FAIL_TIMEOUT:
		return "timeout";
	case ANN_FAIL_SERVER:
		return "server";
	case ANN_FAIL_CLIENT:
		return "client";
	case ANN_FAIL_VALIDATION:
		return "validation";
	case ANN_FAIL_ACCESS:
		return "access";
	case ANN_FAIL_NETWORK:
		return "network";
	case ANN_FAIL_RESPONSE:
		return "response";
	}
	return "unknown";
}

void
ann_retry_error_code(const char *raw, char *out, size_t size)
{
	const char *start, *end, *hash;
	size_t len;

	if (size == 0)
		return;
	out[0] = '\0';
	if (raw == NULL)
		return;
	while (*raw == ' ' || *raw == '\t')
		raw++;
	end = strchr(raw, ':');
	if (end == NULL)
		end = raw + strlen(raw);
	while (end > raw && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
	    end[-1] == '\n'))
		end--;
	start = raw;
	for (hash = raw; hash < end; hash++)
		if (*hash == '#')
			start = hash + 1;
	len = (size_t)(end - start);
	if (len >= size)
		len = size - 1;
	memcpy(out, start, len);
	out[len] = '\0';
}

int
ann_retry_is_throttling(const struct ann_retry_outcome *o)
{
	if (IN(o->error_type, throttling_codes))
		return 1;
	/* Any 429 except ModelNotReady, which Bedrock marks as not throttling. */
	return o->http_status == 429 && !IN(o->error_type, transient_codes);
}

enum ann_fail
ann_retry_classify(const struct ann_retry_outcome *o)
{
	int s = o->http_status;

	if (o->transport_timeout)
		return ANN_FAIL_TIMEOUT;
	if (o->transport_error)
		return ANN_FAIL_NETWORK;
	if (ann_retry_is_throttling(o))
		return ANN_FAIL_THROTTLED;
	if (o->error_type && (strcmp(o->error_type, "ModelTimeoutException") == 0 ||
	    strcmp(o->error_type, "RequestTimeout") == 0 ||
	    strcmp(o->error_type, "RequestTimeoutException") == 0))
		return ANN_FAIL_TIMEOUT;
	if (IN(o->error_type, transient_codes) || s >= 500)
		return ANN_FAIL_SERVER;
	if (s == 408)
		return ANN_FAIL_TIMEOUT;
	if (s == 401 || s == 403 || IN(o->error_type, access_codes))
		return ANN_FAIL_ACCESS;
	if (o->error_type && (strcmp(o->error_type, "ValidationException") == 0 ||
	    strcmp(o->error_type, "invalid_request_error") == 0))
		return ANN_FAIL_VALIDATION;
	if (s == 400 && o->error_type == NULL)
		return ANN_FAIL_VALIDATION;
	if (s >= 400)
		return ANN_FAIL_CLIENT;
	if (s >= 200 && s < 300)
		return ANN_FAIL_RESPONSE;
	return ANN_FAIL_NETWORK;
}

int
ann_retry_is_retryable(const struct ann_retry_outcome *o)
{
	int s = o->http_status;

	switch (ann_retry_classify(o)) {
	case ANN_FAIL_THROTTLED:
	case ANN_FAIL_TIMEOUT:
	case ANN_FAIL_NETWORK:
		return 1;
	case ANN_FAIL_SERVER:
		/* 501 Not Implemented and the like will not get better. */
		return IN(o->error_type, transient_codes) || s == 500 || s == 502 ||
		    s == 503 || s == 504 || s == 529;
	default:
		return 0;
	}
}

void
ann_retry_policy_default(struct ann_retry_policy *p)
{
	p->max_attempts = ANN_RETRY_MAX_ATTEMPTS;
	p->base_s = 1.0;
	p->throttle_base_s = 1.0;
	p->max_backoff_s = 20.0;
	p->quota_max = 500;
	p->retry_cost = 5;
	p->timeout_cost = 10;
	p->no_retry_increment = 1;
}

double
ann_retry_backoff(const struct ann_retry_policy *p, int retry, int throttling, double rand01)
{
	double base = throttling ? p->throttle_base_s : p->base_s;
	double ceiling;

	if (retry < 1)
		retry = 1;
	/* 2^(retry-1) overflows nothing below 2^1023; cap the exponent anyway. */
	ceiling = base * ldexp(1.0, retry - 1 > 60 ? 60 : retry - 1);
	if (ceiling > p->max_backoff_s)
		ceiling = p->max_backoff_s;
	if (rand01 < 0)
		rand01 = 0;
	if (rand01 >= 1)
		rand01 = 0.999999;
	return rand01 * ceiling;
}

double
ann_retry_apply_hint(const struct ann_retry_policy *p, double backoff_s, double hint_s)
{
	if (hint_s <= backoff_s)
		return backoff_s;
	/* backoff_s never exceeds max_backoff_s, so neither does the result. */
	return hint_s < p->max_backoff_s ? hint_s : p->max_backoff_s;
}

void
ann_retry_quota_init(struct ann_retry_quota *q, const struct ann_retry_policy *p)
{
	q->tokens = p->quota_max;
	q->max = p->quota_max;
}

int
ann_retry_quota_acquire(struct ann_retry_quota *q, const struct ann_retry_policy *p,
    int timeout)
{
	int cost = timeout ? p->timeout_cost : p->retry_cost;

	if (q->tokens < cost)
		return 0;
	q->tokens -= cost;
	return cost;
}

void
ann_retry_quota_release(struct ann_retry_quota *q, const struct ann_retry_policy *p,
    int last_cost)
{
	q->tokens += last_cost > 0 ? last_cost : p->no_retry_increment;
	if (q->tokens > q->max)
		q->tokens = q->max;
}

void
ann_aimd_init(struct ann_aimd *a, int max_in_flight)
{
	a->max = max_in_flight < 1 ? 1 : max_in_flight;
	a->window = a->max;
	a->decrease_factor = 0.7;
	a->decrease_interval_s = 1.0;
	a->last_decrease = -1e9;
}

void
ann_aimd_on_success(struct ann_aimd *a)
{
	/* One more request per window's worth of successes. */
	a->window += 1.0 / a->window;
	if (a->window > a->max)
		a->window = a->max;
}

void
ann_aimd_on_throttle(struct ann_aimd *a, double now)
{
	/* Throttles of requests sent before the last decrease add no new information. */
	if (now - a->last_decrease < a->decrease_interval_s)
		return;
	a->last_decrease = now;
	a->window *= a->decrease_factor;
	if (a->window < 1)
		a->window = 1;
}

int
ann_aimd_limit(const struct ann_aimd *a)
{
	int w = (int)a->window;

	return w < 1 ? 1 : w;
}
