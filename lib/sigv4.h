/*
 * AWS Signature Version 4 (AWS4-HMAC-SHA256) in the Authorization header.
 *
 * One request description serves both sides: the client (ann-invoke) signs
 * the request it is about to send, and the look-alike server verifies the
 * request it received by computing the signature again. Each step of the
 * algorithm is a function of its own, so tests compare every intermediate
 * string byte for byte.
 *
 * Paths: req->path is the path exactly as it travels on the wire, already
 * percent-encoded (a model id "a:0" travels as "a%3A0"). For every service
 * but S3 the canonical URI encodes that wire path once more ("a%253A0")
 * after removing "." and ".." and empty segments; for S3 it is the wire path
 * as sent. ANN_SIGV4_S3 selects the S3 rules.
 *
 * Query: req->query is the query as sent, without '?'. Each name and value
 * is percent-decoded and encoded again with only A-Z a-z 0-9 - . _ ~ left
 * literal, so "%e1" and raw UTF-8 both sign as "%E1...". A '+' is a literal
 * plus sign (RFC 3986), not a space, so send spaces as %20.
 *
 * Headers: when signing, every header in req->headers is signed except
 * hop-by-hop and proxy headers (Via, Forwarded, X-Forwarded-*), User-Agent,
 * Expect and X-Amzn-Trace-Id (see ann_sigv4_header_is_unsigned). The signer owns X-Amz-Date,
 * X-Amz-Security-Token, X-Amz-Content-Sha256 and Authorization: copies of
 * them in req->headers are ignored and fresh values are produced, so a
 * retry can be signed again from the same list and a token can never come
 * from another principal than the key pair. Host comes from req->host or,
 * when that is NULL, from a Host header; both may be given when they agree.
 *
 * Secrets: the signing key and intermediate HMAC values are wiped before
 * the functions return. The outputs that carry secrets (the canonical
 * request holds the session token; the signature and Authorization value
 * are credentials for the request) are wiped by ann_sigv4_signed_release.
 * Error messages never contain a secret, a signature or a token.
 *
 * Errors: functions return 0 or a negative enum ann_err and fill *e.
 */
#ifndef ANN_SIGV4_H
#define ANN_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

#define ANN_SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

/* Length of an X-Amz-Date value "YYYYMMDDTHHMMSSZ" without the NUL. */
#define ANN_SIGV4_DATE_LEN 16

/* Hex SHA-256 of the empty string, the payload hash of a request without body. */
#define ANN_SIGV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Keep "." and ".." and empty path segments in the canonical URI. */
#define ANN_SIGV4_NO_NORMALIZE 0x1u
/* Use the wire path as the canonical URI without encoding it again. */
#define ANN_SIGV4_NO_DOUBLE_ENCODE 0x2u
/* Send and sign X-Amz-Content-Sha256 carrying the payload hash. */
#define ANN_SIGV4_CONTENT_SHA256 0x4u
/* The rules for S3: all three of the above. */
#define ANN_SIGV4_S3 (ANN_SIGV4_NO_NORMALIZE | ANN_SIGV4_NO_DOUBLE_ENCODE | \
	ANN_SIGV4_CONTENT_SHA256)

/* Maximum clock difference the server side accepts, as AWS services do. */
#define ANN_SIGV4_MAX_SKEW_SECONDS (15 * 60)

struct ann_sigv4_header {
	const char *name;
	const char *value;
};

/* A request as sent or as received; every pointer is borrowed. */
struct ann_sigv4_request {
	const char *method;  /* "POST"; compared and signed as given */
	const char *host;    /* "host" or "host:port" as in the Host header, or NULL */
	const char *path;    /* wire path, percent-encoded, starting with '/' */
	const char *query;   /* wire query without '?', or NULL */
	const struct ann_sigv4_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	/* Hex SHA-256 of the body computed by the caller, "UNSIGNED-PAYLOAD"
	 * (S3 only), or NULL to hash body here. */
	const char *payload_hash;
};

struct ann_sigv4_creds {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "" for long-term keys */
};

struct ann_sigv4_params {
	const char *region;  /* "ap-northeast-1" */
	const char *service; /* signing name: "bedrock" for runtime and control plane */
	time_t time;         /* signing time, UTC seconds; see ann_sigv4_now */
	unsigned flags;      /* ANN_SIGV4_* */
};

/*
 * Everything one signing produced. The added[] headers must be sent with
 * the request, in this order, next to the headers of req (minus any
 * signer-owned copies): X-Amz-Date, then X-Amz-Security-Token when there is
 * a token, then X-Amz-Content-Sha256 with ANN_SIGV4_CONTENT_SHA256, then
 * Authorization. Their values point into this struct.
 */
struct ann_sigv4_signed {
	char amz_date[ANN_SIGV4_DATE_LEN + 1];
	char payload_hash[65];
	char signature[65];
	struct ann_buf scope;             /* "20250115/us-east-1/bedrock/aws4_request" */
	struct ann_buf canonical_request;
	struct ann_buf signed_headers;    /* "content-type;host;x-amz-date" */
	struct ann_buf string_to_sign;
	struct ann_buf authorization;
	struct ann_buf token;             /* trimmed session token, or empty */
	struct ann_sigv4_header added[4];
	size_t nadded;
};

void ann_sigv4_signed_init(struct ann_sigv4_signed *s);
/* Wipes the secret-bearing strings and frees everything. */
void ann_sigv4_signed_release(struct ann_sigv4_signed *s);

/*
 * Returns the signing time: ANN_SIGNING_TIME ("20250115T120000Z") when the
 * variable is set, so tests and dry runs are reproducible, else the clock.
 * A malformed ANN_SIGNING_TIME is an ANN_ERR_CONFIG error, never ignored.
 */
int ann_sigv4_now(time_t *out, struct ann_error *e);

/* Formats t as "YYYYMMDDTHHMMSSZ" (UTC). */
void ann_sigv4_format_date(time_t t, char out[ANN_SIGV4_DATE_LEN + 1]);
/* Parses exactly "YYYYMMDDTHHMMSSZ" with a valid calendar date and time. */
int ann_sigv4_parse_date(const char *s, time_t *out, struct ann_error *e);

/*
 * Percent-encodes n bytes of s: bytes outside A-Z a-z 0-9 - . _ ~ become
 * %XX with upper-case hex; '/' stays literal when keep_slash is set. This
 * is the encoding of a URI path label (keep_slash 0) and of query names
 * and values.
 */
int ann_sigv4_uri_encode(struct ann_buf *out, const char *s, size_t n, int keep_slash);

/* Appends the canonical URI of wire path path (see the file comment). */
int ann_sigv4_canonical_uri(struct ann_buf *out, const char *path, unsigned flags,
    struct ann_error *e);

/* Appends the canonical query string of wire query query (NULL or ""). */
int ann_sigv4_canonical_query(struct ann_buf *out, const char *query, struct ann_error *e);

/* Appends value with leading and trailing whitespace removed and each inner
 * run of whitespace (space, tab, CR, LF, VT, FF) folded to one space. */
int ann_sigv4_trim_value(struct ann_buf *out, const char *value);

/* Returns 1 when a header named name (any case) is never signed. */
int ann_sigv4_header_is_unsigned(const char *name);

/*
 * Appends the canonical request for signing req: the signer-owned headers
 * are taken from amz_date, token (NULL or "" for none) and, with
 * ANN_SIGV4_CONTENT_SHA256, payload_hash. signed_headers receives the
 * SignedHeaders list. payload_hash is the request's payload hash.
 */
int ann_sigv4_canonical_request(struct ann_buf *out, struct ann_buf *signed_headers,
    const struct ann_sigv4_request *req, const char *amz_date, const char *token,
    const char *payload_hash, unsigned flags, struct ann_error *e);

/* Appends "YYYYMMDD/region/service/aws4_request" for X-Amz-Date amz_date. */
int ann_sigv4_scope(struct ann_buf *out, const char *amz_date, const char *region,
    const char *service);

/* Appends the string to sign for a canonical request of creq_len bytes. */
int ann_sigv4_string_to_sign(struct ann_buf *out, const char *amz_date, const char *scope,
    const char *creq, size_t creq_len);

/* Derives the signing key: HMAC chain over date (8 digits), region, service. */
int ann_sigv4_signing_key(unsigned char key[32], const char *secret, const char *date8,
    const char *region, const char *service, struct ann_error *e);

/* Computes the lower-case hex signature of sts with key. */
int ann_sigv4_signature(char out[65], const unsigned char key[32], const char *sts,
    size_t sts_len, struct ann_error *e);

/* Appends the Authorization header value. */
int ann_sigv4_authorization(struct ann_buf *out, const char *access_key_id,
    const char *scope, const char *signed_headers, const char *signature);

/* Writes the hex SHA-256 of n bytes at p into out. */
void ann_sigv4_sha256_hex(char out[65], const void *p, size_t n);

/*
 * Signs req with c and p, filling *s (which must have been initialised; it
 * is reset first, so one struct serves many requests).
 */
int ann_sigv4_sign(struct ann_sigv4_signed *s, const struct ann_sigv4_request *req,
    const struct ann_sigv4_creds *c, const struct ann_sigv4_params *p, struct ann_error *e);

/*
 * Server side. The verifier looks up the secret for an access key id with
 * lookup(ctx, access_key_id, &key), which returns 0 and fills key (pointers
 * stay owned by ctx) or a negative value when the key is unknown.
 * expires, when not 0, is when temporary credentials stop being valid.
 */
struct ann_sigv4_known_key {
	const char *secret_access_key;
	const char *session_token; /* required token, or NULL for long-term keys */
	time_t expires;
};

typedef int (*ann_sigv4_lookup_fn)(void *ctx, const char *access_key_id,
    struct ann_sigv4_known_key *key);

struct ann_sigv4_verify_params {
	const char *region;   /* expected region in the credential scope */
	const char *service;  /* expected signing name */
	time_t now;
	long max_skew;        /* seconds; 0 means ANN_SIGV4_MAX_SKEW_SECONDS */
	unsigned flags;       /* ANN_SIGV4_* rules for the canonical URI */
	ann_sigv4_lookup_fn lookup;
	void *lookup_ctx;
};

/* Verdict of a verification, with the error type Bedrock returns for each rejection. */
enum ann_sigv4_verdict_code {
	ANN_SIGV4_VALID = 0,
	ANN_SIGV4_MISSING,        /* MissingAuthenticationTokenException */
	ANN_SIGV4_MALFORMED,      /* IncompleteSignatureException */
	ANN_SIGV4_UNKNOWN_KEY,    /* UnrecognizedClientException */
	ANN_SIGV4_BAD_TOKEN,      /* UnrecognizedClientException */
	ANN_SIGV4_EXPIRED_TOKEN,  /* ExpiredTokenException */
	ANN_SIGV4_EXPIRED,        /* InvalidSignatureException, "Signature expired" */
	ANN_SIGV4_BAD_SCOPE,      /* InvalidSignatureException */
	ANN_SIGV4_BAD_SIGNATURE,  /* InvalidSignatureException */
};

struct ann_sigv4_verdict {
	enum ann_sigv4_verdict_code code;
	int http_status;          /* 403, or 400 for ANN_SIGV4_MALFORMED */
	const char *error_type;   /* "InvalidSignatureException", ... or NULL */
	char message[256];        /* safe to send and log: no secret, no signature */
};

/*
 * Verifies the SigV4 Authorization header of a received request. req must
 * describe the request exactly as received: the raw path and query (with
 * libmicrohttpd, install an unescape callback that leaves the URL as is)
 * and every header in arrival order. Signatures and tokens are compared in
 * constant time. Returns 0 with v->code set (ANN_SIGV4_VALID or a reason),
 * or a negative enum ann_err when memory ran out or OpenSSL failed.
 * vp->region and vp->service must not be NULL.
 */
int ann_sigv4_verify(const struct ann_sigv4_request *req, const struct ann_sigv4_verify_params *vp,
    struct ann_sigv4_verdict *v, struct ann_error *e);

#endif
