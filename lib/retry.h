/*
 * Retry policy as data: which failures are retried, how long to wait, and
 * how many retries a process may spend.
 *
 * The policy follows the AWS SDKs' "standard" retry mode: throttling
 * errors, HTTP 500, 502, 503 and 504, ModelNotReadyException and
 * connection failures are retried; validation, access and other client
 * errors never are. The wait before retry k (k = 1 for the first retry)
 * is a uniformly random time in [0, min(base * 2^(k-1), max_backoff)),
 * "full jitter", with a larger base for throttling. A retry quota (a token
 * bucket shared by all requests of a process) stops retry storms when
 * most requests fail: a retry costs retry_cost tokens (timeout_cost after
 * a timeout), a success returns what its last retry cost, or
 * no_retry_increment when it needed none.
 *
 * Where this policy differs from the SDKs' defaults on purpose (the man
 * page explains why): max attempts default to 5, not 3, and a model
 * timeout (HTTP 408 ModelTimeoutException) is retried like a timeout.
 *
 * In-flight control: an AIMD window on the number of requests in flight,
 * multiplied by decrease_factor on throttling at most once per
 * decrease_interval, and grown by one request per window of successes.
 *
 * Everything here is pure arithmetic: the caller passes the clock and the
 * random numbers, so tests can replay any sequence.
 */
#ifndef ANN_RETRY_H
#define ANN_RETRY_H

#include <stddef.h>

/* Error kinds of a failed call, as written in "error.kind". */
enum ann_fail {
	ANN_FAIL_NONE = 0,
	ANN_FAIL_THROTTLED,  /* 429, throttling error codes */
	ANN_FAIL_TIMEOUT,    /* 408, RequestTimeout, client-side timeout */
	ANN_FAIL_SERVER,     /* 5xx, ModelNotReadyException */
	ANN_FAIL_CLIENT,     /* other 4xx: not found, model error, quota */
	ANN_FAIL_VALIDATION, /* 400 ValidationException, invalid request */
	ANN_FAIL_ACCESS,     /* 401, 403: credentials, signature, permissions */
	ANN_FAIL_NETWORK,    /* connection refused or reset, DNS, TLS */
	ANN_FAIL_RESPONSE,   /* a 2xx reply that is not the expected JSON */
};

/* Returns the "error.kind" word for f ("throttled", ...). */
const char *ann_fail_kind(enum ann_fail f);

/* The outcome of one attempt, as the reply or the transport reported it. */
struct ann_retry_outcome {
	int http_status;        /* 0 when no reply arrived */
	const char *error_type; /* service error code, already shortened, or NULL */
	int transport_timeout;  /* no reply within the time limit */
	int transport_error;    /* the connection failed (refused, reset, ...) */
};

/*
 * Shortens a service error code as the SDKs do: the part before the first
 * ':' and after the last '#' ("ValidationException:http://..." and
 * "aws#ValidationException" both give "ValidationException"). Writes at
 * most size-1 bytes to out.
 */
void ann_retry_error_code(const char *raw, char *out, size_t size);

/* Classifies one failed attempt. */
enum ann_fail ann_retry_classify(const struct ann_retry_outcome *o);

/* Returns 1 when a failure of this outcome may be retried. */
int ann_retry_is_retryable(const struct ann_retry_outcome *o);

/* Returns 1 when the outcome counts as throttling (for backoff and AIMD). */
int ann_retry_is_throttling(const struct ann_retry_outcome *o);

struct ann_retry_policy {
	int max_attempts;          /* total, the first included */
	double base_s;             /* backoff base for non-throttling errors */
	double throttle_base_s;    /* backoff base for throttling */
	double max_backoff_s;
	int quota_max;
	int retry_cost;
	int timeout_cost;
	int no_retry_increment;
};

#define ANN_RETRY_MAX_ATTEMPTS 5

/* Fills p with the defaults: 5 attempts, base 1 s for both kinds (as
 * botocore's standard mode), cap 20 s, quota 500, costs 5 and 10, +1. */
void ann_retry_policy_default(struct ann_retry_policy *p);

/* Returns the wait in seconds before retry number retry (1-based), for a
 * uniform random number rand01 in [0, 1). */
double ann_retry_backoff(const struct ann_retry_policy *p, int retry, int throttling,
    double rand01);

/*
 * Lengthens a backoff to the server's hint (Retry-After in seconds, or
 * x-amz-retry-after in milliseconds, converted to seconds): the wait is
 * the larger of the two, but a hint never raises it past max_backoff_s.
 * A hint of 0 or less means none.
 */
double ann_retry_apply_hint(const struct ann_retry_policy *p, double backoff_s, double hint_s);

struct ann_retry_quota {
	int tokens;
	int max;
};

void ann_retry_quota_init(struct ann_retry_quota *q, const struct ann_retry_policy *p);

/* Takes the cost of one retry; returns the cost taken, or 0 (and takes
 * nothing) when the quota cannot pay it, in which case the caller must not
 * retry. */
int ann_retry_quota_acquire(struct ann_retry_quota *q, const struct ann_retry_policy *p,
    int timeout);

/* Returns tokens after a success: last_cost (the cost of the retry that
 * led to it) or, when it needed no retry, no_retry_increment. */
void ann_retry_quota_release(struct ann_retry_quota *q, const struct ann_retry_policy *p,
    int last_cost);

struct ann_aimd {
	double window;          /* current in-flight limit, >= 1 */
	double max;             /* the -j value */
	double decrease_factor; /* 0.7, as CUBIC's beta */
	double decrease_interval_s;
	double last_decrease;   /* clock value of the last decrease */
};

void ann_aimd_init(struct ann_aimd *a, int max_in_flight);
void ann_aimd_on_success(struct ann_aimd *a);
void ann_aimd_on_throttle(struct ann_aimd *a, double now);
/* Returns the current limit as a whole number of requests. */
int ann_aimd_limit(const struct ann_aimd *a);

#endif
