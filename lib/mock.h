/*
 * ann-mock: a local look-alike of the Bedrock Runtime HTTP API.
 *
 * The server answers Converse and InvokeModel (Anthropic Messages body) on
 * Bedrock's paths, the Anthropic Messages API on /v1/messages and OpenAI
 * chat completions on /v1/chat/completions. It checks credentials the way
 * each service does, answers from a reference file or from the request's
 * JSON Schema, and injects mistakes, faults and quota throttling at set
 * rates. doc/mock.md is the wire contract; doc/ann-mock.1 the manual.
 *
 * Caller steps:
 *   1. fill a struct ann_mock_opts (ann_mock_opts_init sets the defaults;
 *      ann_mock_parse_faults / ann_mock_parse_mistakes read option text);
 *   2. ann_mock_start() loads the answers file and starts listening;
 *   3. ann_mock_url() gives the base URL, ann_mock_stats_json() the counters;
 *   4. ann_mock_stop() ends stalled and sleeping requests and stops the
 *      listener, after which the counters are final;
 *   5. ann_mock_free() frees everything.
 *
 * Determinism: with a seed, every decision about a request (fault, mistake,
 * re-ask fix, latency, synthesised values) is a function of the seed, the
 * request's key (record id, else a hash of the record's first user turn)
 * and the number of earlier calls with that key. Quota throttling is the
 * exception: it depends on arrival times.
 *
 * Secrets: the credential strings in the options are borrowed and never
 * copied into a response, a log message or an error.
 * Errors: functions return 0 or a negative enum ann_err and fill *e.
 */
#ifndef ANN_MOCK_H
#define ANN_MOCK_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "err.h"

enum ann_mock_fault {
	ANN_MOCK_FAULT_THROTTLE,    /* 429 ThrottlingException */
	ANN_MOCK_FAULT_UNAVAILABLE, /* 503 ServiceUnavailableException */
	ANN_MOCK_FAULT_INTERNAL,    /* 500 InternalServerException */
	ANN_MOCK_FAULT_TIMEOUT,     /* 408 ModelTimeoutException */
	ANN_MOCK_FAULT_RESET,       /* connection reset, no response */
	ANN_MOCK_FAULT_STALL,       /* no response for stall_ms, then close */
	ANN_MOCK_FAULT_COUNT
};

enum ann_mock_mistake {
	ANN_MOCK_MISTAKE_STRING_NUMBER, /* a number as a string with a currency mark */
	ANN_MOCK_MISTAKE_MISSING_FIELD, /* a required member left out */
	ANN_MOCK_MISTAKE_EXTRA_FIELD,   /* a member the schema does not have */
	ANN_MOCK_MISTAKE_DATE_FORMAT,   /* a date not in YYYY-MM-DD */
	ANN_MOCK_MISTAKE_ENUM_VALUE,    /* a value outside the enum */
	ANN_MOCK_MISTAKE_HALLUCINATION, /* a string that is not in the document */
	ANN_MOCK_MISTAKE_FENCED,        /* JSON inside a ```json fenced block */
	ANN_MOCK_MISTAKE_PROSE,         /* JSON after a sentence of prose */
	ANN_MOCK_MISTAKE_TRUNCATED,     /* cut off, stop reason max_tokens */
	ANN_MOCK_MISTAKE_COUNT
};

/* Names used in options and statistics ("throttle", "string_number", ...). */
const char *ann_mock_fault_name(enum ann_mock_fault f);
const char *ann_mock_mistake_name(enum ann_mock_mistake m);

struct ann_mock_opts {
	const char *host;          /* listen address; default "127.0.0.1" */
	unsigned port;             /* 0 picks a free port */
	const char *answers_path;  /* JSONL of id, output and optional text; or NULL */
	double mistake_rate[ANN_MOCK_MISTAKE_COUNT]; /* per kind; sum at most 1 */
	double fix_rate;           /* probability a re-ask is answered correctly */
	const char *reask_marker;  /* text that marks a re-ask's feedback, besides the
	                              openings of ann-retry's built-in feedback; or NULL */
	double fault_rate[ANN_MOCK_FAULT_COUNT];     /* per kind; sum at most 1 */
	unsigned latency_ms;       /* mean added latency; 0 for none */
	unsigned stall_ms;         /* how long a stalled request hangs */
	unsigned long rpm;         /* requests per minute quota; 0 for none */
	unsigned long tpm;         /* tokens per minute quota; 0 for none */
	uint64_t seed;
	const char *region;        /* SigV4 region; NULL when no SigV4 key is set */
	int no_auth;               /* accept requests on paths without credentials */
	unsigned threads_max;      /* connection limit */

	/* Credentials, borrowed; NULL or "" when not set. */
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;
	time_t token_expires;      /* 0: the session token never expires */
	const char *bedrock_bearer;
	const char *anthropic_key;
	const char *openai_key;
};

void ann_mock_opts_init(struct ann_mock_opts *o);

/*
 * Reads "R" (a total rate split evenly over every kind) or
 * "kind=R,kind=R,..." into rates[]. Each rate is in [0,1] and the sum must
 * not exceed 1.
 */
int ann_mock_parse_faults(const char *text, double rates[ANN_MOCK_FAULT_COUNT],
    struct ann_error *e);
int ann_mock_parse_mistakes(const char *text, double rates[ANN_MOCK_MISTAKE_COUNT],
    struct ann_error *e);

struct ann_mock;

/*
 * Starts the server; *out is NULL on failure. opts is copied (its strings
 * are borrowed). Unusable settings or answers file: ANN_ERR_CONFIG;
 * failing to listen: ANN_ERR_IO.
 */
int ann_mock_start(struct ann_mock **out, const struct ann_mock_opts *opts, struct ann_error *e);

/* Returns "http://127.0.0.1:PORT", valid until ann_mock_stop. */
const char *ann_mock_url(const struct ann_mock *m);

/* Appends the counters as one JSON object (doc/mock.md lists the members). */
int ann_mock_stats_json(struct ann_mock *m, struct ann_buf *out);

/* Wakes sleeping and stalled requests, stops listening and waits for the
 * connection threads to end. Calling it twice is fine. */
void ann_mock_stop(struct ann_mock *m);

/* Stops m when still running and frees it; NULL is fine. */
void ann_mock_free(struct ann_mock *m);

#endif
