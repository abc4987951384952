/*
 * Providers: the neutral request (the "request" member that ann-prompt
 * writes) turned into one provider's HTTP request body, and the
 * provider's reply turned back into an answer, usage and stop reason.
 *
 *   bedrock         Bedrock Runtime Converse: POST /model/{id}/converse
 *   bedrock-invoke  Bedrock InvokeModel with the Anthropic Messages body:
 *                   POST /model/{id}/invoke
 *   anthropic       Anthropic Messages API: POST /v1/messages
 *   openai          OpenAI-compatible chat completions:
 *                   POST /v1/chat/completions
 *
 * The model id is percent-encoded once into the Bedrock path (":" travels
 * as %3A, "/" of an ARN as %2F), which is what the signer expects.
 *
 * Fidelity: the JSON Schema and the example answers of the request are
 * copied into the body byte for byte, and the answer is copied out of the
 * reply byte for byte (a tool call's input, or the JSON found in the
 * text), so numbers keep their digits. Attachments given as "path" are
 * read and base64-encoded here.
 *
 * Errors: functions return 0 or a negative enum ann_err and fill *e; an
 * unusable request is ANN_ERR_INVALID, a reply that is not the provider's
 * JSON shape ANN_ERR_SYNTAX.
 */
#ifndef ANN_PROVIDER_H
#define ANN_PROVIDER_H

#include <stddef.h>

#include "answer.h"
#include "buf.h"
#include "err.h"

enum ann_provider {
	ANN_PROVIDER_BEDROCK,
	ANN_PROVIDER_BEDROCK_INVOKE,
	ANN_PROVIDER_ANTHROPIC,
	ANN_PROVIDER_OPENAI,
};

/* Parses "bedrock", "bedrock-invoke", "anthropic" or "openai". */
int ann_provider_parse(const char *name, enum ann_provider *out);
const char *ann_provider_name(enum ann_provider p);
/* Returns 1 for the providers that sign with SigV4 (Bedrock). */
int ann_provider_is_bedrock(enum ann_provider p);

/* Largest attachment file read for a part given by "path". */
#define ANN_PROVIDER_MAX_ATTACHMENT ((size_t)20000000)

struct ann_provider_call {
	struct ann_buf body;
	struct ann_buf path;   /* wire path, percent-encoded */
	long max_tokens;       /* from the request; 0 when absent */
	double input_estimate; /* rough input tokens, for the rate limiter */
	int tool_mode;         /* answer.mode is "tool" */
	int structured;        /* answer.mode is "structured" */
	char tool_name[65];
};

void ann_provider_call_init(struct ann_provider_call *c);
void ann_provider_call_release(struct ann_provider_call *c);

/*
 * Builds the body and path for the request member request[0..len) (valid
 * JSON, as the record scanner checked it). record_id travels in the
 * request metadata (Converse requestMetadata; the InvokeModel metadata
 * header is the caller's, see ann_provider_metadata_header). For the two
 * Bedrock providers model may be NULL: the body is built (it does not name
 * the model) and out->path is left empty, as a batch input file needs.
 */
int ann_provider_build(enum ann_provider p, const char *model, const char *record_id,
    const char *request, size_t len, struct ann_provider_call *out, struct ann_error *e);

/* Appends the value of X-Amzn-Bedrock-Request-Metadata for record_id:
 * the JSON text {"ann_record_id":"<id>"}. */
int ann_provider_metadata_header(struct ann_buf *out, const char *record_id);

struct ann_provider_result {
	int has_output;           /* output holds a JSON value */
	struct ann_buf output;    /* the answer as JSON text */
	struct ann_buf text;      /* the reply's text (all text blocks) */
	char stop_reason[64];     /* as the provider wrote it */
	enum ann_stop stop;
	long input_tokens;
	long output_tokens;
	long cache_read_tokens;
	long cache_write_tokens;
	char model[256];          /* model the reply names, or "" */
};

void ann_provider_result_init(struct ann_provider_result *r);
void ann_provider_result_release(struct ann_provider_result *r);

/* Parses a 2xx reply body. tool_mode and tool_name say where the answer
 * is; in tool mode a reply without the tool call falls back to the text. */
int ann_provider_parse_reply(enum ann_provider p, int tool_mode, const char *tool_name,
    const char *body, size_t len, struct ann_provider_result *r, struct ann_error *e);

/* What an error reply says. */
struct ann_provider_error {
	char type[128];    /* shortened error code, "" when none */
	char message[512]; /* the service's message, cut to fit */
};

/* Reads the error code (the x-amzn-ErrorType header value when given,
 * else the body's code, Code, __type or error.type) and message. */
void ann_provider_parse_error(enum ann_provider p, const char *type_header,
    const char *body, size_t len, struct ann_provider_error *out);

#endif
