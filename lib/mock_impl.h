/*
 * Internals shared by the ann-mock modules (mock_*.c); not a public API.
 *
 *   mock_server.c   libmicrohttpd daemon, routing, credentials, request flow
 *   mock_wire.c     request parsing and response shapes of the four APIs
 *   mock_answer.c   reference answers and answers synthesised from a schema
 *   mock_mistake.c  the realistic mistakes
 *   mock_fault.c    option parsing, per-request decisions, quotas, latency
 *   mock_stats.c    counters and their JSON
 *
 * cJSON ownership: functions borrow cJSON pointers unless their name says
 * "take" or they return a new tree, which then belongs to the caller.
 */
#ifndef ANN_MOCK_IMPL_H
#define ANN_MOCK_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "mock.h"

/* ---- Deterministic random numbers (splitmix64). ---- */

struct mock_rng {
	uint64_t state;
};

static inline uint64_t
mock_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
mock_rng_next(struct mock_rng *r)
{
	r->state += 0x9e3779b97f4a7c15ULL;
	return mock_mix64(r->state);
}

/* Returns a uniform double in [0, 1) from the top 53 bits. */
static inline double
mock_rng_uniform(struct mock_rng *r)
{
	return (double)(mock_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Returns a uniform integer in [0, n); n must be positive. */
static inline uint64_t
mock_rng_below(struct mock_rng *r, uint64_t n)
{
	return mock_rng_next(r) % n;
}

/* Seeds a stream from (seed, key hash, call number, stream tag). */
static inline void
mock_rng_seed(struct mock_rng *r, uint64_t seed, uint64_t key_hash, uint64_t n, uint64_t tag)
{
	r->state = mock_mix64(seed ^ mock_mix64(key_hash ^ mock_mix64(n * 0x9e3779b97f4a7c15ULL + tag)));
}

/* Returns the 64-bit FNV-1a hash of n bytes. */
uint64_t mock_hash64(const void *p, size_t n);

/*
 * Estimates the tokens of n bytes of UTF-8 text: one per 4 ASCII bytes
 * (rounded up) plus one per non-ASCII character, which suits Japanese.
 */
long mock_token_estimate(const char *s, size_t n);

/* ---- One parsed request (mock_wire.c). ---- */

enum mock_api {
	MOCK_API_CONVERSE,
	MOCK_API_INVOKE,
	MOCK_API_ANTHROPIC,
	MOCK_API_OPENAI,
	MOCK_API_COUNT
};

enum mock_mode {
	MOCK_MODE_TEXT, /* no schema given: answer text */
	MOCK_MODE_JSON, /* a JSON Schema for the text answer */
	MOCK_MODE_TOOL, /* a tool whose input schema the answer fills */
};

struct mock_call {
	enum mock_api api;
	char *model;               /* decoded model id; malloc'd */
	cJSON *body;               /* the parsed request body */
	enum mock_mode mode;
	const cJSON *schema;       /* borrowed from body or schema_owned; NULL in text mode */
	cJSON *schema_owned;       /* a schema that arrived as a string */
	const char *tool_name;     /* borrowed from body */
	long max_tokens;
	struct ann_buf first_user; /* text of the record's first user turn, the document */
	struct ann_buf user_text;  /* text of the record's user turns, joined by newlines */
	long input_tokens;
	int reask;                 /* the turns after the last answer carry a re-ask marker */
	const char *reask_marker;  /* extra re-ask marker text, borrowed, or NULL */
	struct ann_buf record_id;  /* "" when the request carries none */
};

void mock_call_init(struct mock_call *c, enum mock_api api);
void mock_call_release(struct mock_call *c);

/* Error classes, each mapped to the status and type of the API's own shape. */
enum mock_error_kind {
	MOCK_E_VALIDATION,
	MOCK_E_NOT_FOUND,
	MOCK_E_THROTTLE,
	MOCK_E_UNAVAILABLE,
	MOCK_E_INTERNAL,
	MOCK_E_TIMEOUT,
	MOCK_E_AUTH,       /* status and Bedrock type set by the caller */
};

struct mock_error {
	enum mock_error_kind kind;
	int status;        /* 0: the API's status for kind */
	const char *type;  /* Bedrock error type override (auth), or NULL */
	char message[256]; /* safe to send: never a secret */
};

void mock_error_set(struct mock_error *err, enum mock_error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A response header; the value is copied. */
struct mock_header {
	const char *name;
	char value[96];
};

#define MOCK_MAX_HEADERS 10

struct mock_response {
	int status;
	struct ann_buf body;
	struct mock_header headers[MOCK_MAX_HEADERS];
	size_t nheaders;
};

void mock_response_header(struct mock_response *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Parses a request body for api into c. model_id is the decoded model id
 * from a Bedrock path (NULL for the other APIs). metadata_header is the
 * X-Amzn-Bedrock-Request-Metadata value (or NULL); id_header the
 * X-Ann-Record-Id value (or NULL). Set c->reask_marker, if any, before
 * the call. Returns 0, or -1 with *err set.
 */
int mock_wire_parse(struct mock_call *c, const char *body, size_t len, const char *model_id,
    const char *metadata_header, const char *id_header, struct mock_error *err);

/* The model output the mock sends back. */
enum mock_stop {
	MOCK_STOP_END,
	MOCK_STOP_TOOL,
	MOCK_STOP_MAX_TOKENS,
};

struct mock_reply {
	cJSON *value;          /* the answer object, owned */
	int as_text;           /* 1: send text (JSON or prose); 0: a tool call */
	struct ann_buf text;   /* the text to send when as_text */
	enum mock_stop stop;
	long output_tokens;
};

void mock_reply_init(struct mock_reply *r);
void mock_reply_release(struct mock_reply *r);

/* Writes the success response for c and rp into *resp. */
int mock_wire_success(struct mock_response *resp, const struct mock_call *c,
    const struct mock_reply *rp, long latency_ms, const char *request_id);

/* Writes the error response of api for err into *resp. */
int mock_wire_error(struct mock_response *resp, enum mock_api api, const struct mock_error *err,
    const char *request_id);

/* ---- Answers (mock_answer.c). ---- */

struct mock_answers;

int mock_answers_load(struct mock_answers **out, const char *path, struct ann_error *e);
void mock_answers_free(struct mock_answers *a);
size_t mock_answers_count(const struct mock_answers *a);

/* Returns the reference output for record id, or NULL (borrowed). */
const cJSON *mock_answers_by_id(const struct mock_answers *a, const char *id);

/* Returns the output of the first line whose text occurs in user_text, or NULL. */
const cJSON *mock_answers_by_text(const struct mock_answers *a, const char *user_text);

/*
 * Returns a new value valid against schema (resolving "$ref" within root),
 * drawing choices from r; NULL when out of memory.
 */
cJSON *mock_synthesise(const cJSON *schema, const cJSON *root, struct mock_rng *r);

/* Resolves a local "$ref" ("#/$defs/x", "#/definitions/x"); returns s itself otherwise. */
const cJSON *mock_schema_resolve(const cJSON *s, const cJSON *root);

/* ---- Mistakes (mock_mistake.c). ---- */

/*
 * Makes mistake kind in rp (whose value is a correct answer for c).
 * Returns 1 when made, 0 when the answer has nothing it could apply to
 * (no number, no date, no enum), -1 when out of memory.
 */
int mock_mistake_apply(enum ann_mock_mistake kind, struct mock_reply *rp,
    const struct mock_call *c, struct mock_rng *r);

/* ---- Decisions, quotas and latency (mock_fault.c). ---- */

#define MOCK_NO_FAULT ANN_MOCK_FAULT_COUNT
#define MOCK_NO_MISTAKE ANN_MOCK_MISTAKE_COUNT

struct mock_decision {
	enum ann_mock_fault fault;      /* MOCK_NO_FAULT for none */
	enum ann_mock_mistake mistake;  /* MOCK_NO_MISTAKE for none */
	int reask_fixed;                /* a re-ask drawn to be answered correctly */
	long latency_ms;
};

/* Draws the decision for one call from r (seeded for the call). */
void mock_decide(struct mock_decision *d, const struct ann_mock_opts *o, int reask,
    struct mock_rng *r);

enum mock_quota_verdict {
	MOCK_QUOTA_OK,
	MOCK_QUOTA_RPM,
	MOCK_QUOTA_TPM,
};

/* Token buckets refilled continuously: capacity rpm (tpm), refill per minute. */
struct mock_quota {
	pthread_mutex_t lock;
	double requests;
	double tokens;
	double last;  /* monotonic seconds of the last refill */
	unsigned long rpm, tpm;
};

void mock_quota_init(struct mock_quota *q, unsigned long rpm, unsigned long tpm);
void mock_quota_release(struct mock_quota *q);

/* Takes one request and cost tokens, or takes nothing and returns the quota that is spent. */
enum mock_quota_verdict mock_quota_take(struct mock_quota *q, long cost);

/* ---- Counters (mock_stats.c). ---- */

struct mock_stats;

int mock_stats_new(struct mock_stats **out);
void mock_stats_free(struct mock_stats *s);

/* Counts a call for key and returns how many calls with key came before it. */
uint64_t mock_stats_call(struct mock_stats *s, const char *key, enum mock_api api);

void mock_stats_status(struct mock_stats *s, int status);
void mock_stats_fault(struct mock_stats *s, enum ann_mock_fault f);
void mock_stats_quota(struct mock_stats *s, enum mock_quota_verdict v);
void mock_stats_mistake(struct mock_stats *s, enum ann_mock_mistake m, int applied);
void mock_stats_reask(struct mock_stats *s, int fixed);
void mock_stats_auth_rejected(struct mock_stats *s);
void mock_stats_tokens(struct mock_stats *s, long in, long out);

int mock_stats_json(struct mock_stats *s, struct ann_buf *out);

#endif
