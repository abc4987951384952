/*
 * AWS credentials: the chain the AWS CLI walks, and a provider that
 * refreshes temporary credentials before they expire.
 *
 * Chain, first match wins:
 *   1. keys given by the caller (options), with a token only from there;
 *   2. AWS_BEARER_TOKEN_BEDROCK, when the caller allows a bearer token
 *      (Bedrock API keys, sent as "Authorization: Bearer" without SigV4);
 *   3. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN,
 *      skipped when a profile was given as argument (as the AWS CLI's
 *      --profile does); AWS_CREDENTIAL_EXPIRATION is honoured;
 *   4. the profile's keys in the shared credentials file;
 *   5. the profile's credential_process (run without a shell; JSON
 *      "Version": 1 output; re-run before "Expiration");
 *   6. the profile's keys in the config file;
 *   7. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
 *      (fetched from http://169.254.170.2), else
 *      AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http to a loopback
 *      or container-agent address), with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
 *      or AWS_CONTAINER_AUTHORIZATION_TOKEN sent as Authorization.
 * The EC2 instance metadata service is never used. Profiles that need
 * role assumption, SSO or web identity are reported as unsupported rather
 * than skipped. When nothing matches, the error lists every setting looked at.
 *
 * Secrets: struct ann_creds owns its strings and ann_creds_clear wipes
 * them. No message produced here contains a key, a token or the output of
 * credential_process. The origin text names only the source: the
 * environment, a profile and its file, or a container variable.
 *
 * Network: only the container source connects, with libcurl (no proxy, no
 * redirects). The program calls curl_global_init before using it.
 */
#ifndef ANN_CREDS_H
#define ANN_CREDS_H

#include <stddef.h>
#include <time.h>

#include "err.h"

enum ann_creds_source {
	ANN_CREDS_NONE = 0,
	ANN_CREDS_EXPLICIT,
	ANN_CREDS_BEARER,
	ANN_CREDS_ENV,
	ANN_CREDS_SHARED_FILE,
	ANN_CREDS_PROCESS,
	ANN_CREDS_CONFIG_FILE,
	ANN_CREDS_CONTAINER,
};

struct ann_creds {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;   /* NULL for long-term keys */
	char *bearer_token;    /* only with ANN_CREDS_BEARER; the keys are NULL then */
	time_t expiration;     /* 0 when they do not expire */
	enum ann_creds_source source;
	char origin[256];      /* where they came from; safe to log */
};

struct ann_creds_options {
	const char *profile;            /* profile argument, or NULL */
	const char *access_key_id;      /* keys given by the caller, or NULL */
	const char *secret_access_key;
	const char *session_token;
	int allow_bearer;               /* use AWS_BEARER_TOKEN_BEDROCK when set */
	long refresh_seconds;           /* refresh this long before expiry; 0: 900 */
	long required_seconds;          /* below this, a failed refresh is an error; 0: 600 */
	long process_timeout_ms;        /* credential_process limit; 0: 60000 */
	long container_timeout_ms;      /* per attempt; 0: 2000 */
	int container_attempts;         /* 0: 3, one second apart */
};

#define ANN_CREDS_REFRESH_SECONDS 900
#define ANN_CREDS_REQUIRED_SECONDS 600
#define ANN_CREDS_PROCESS_TIMEOUT_MS 60000
#define ANN_CREDS_CONTAINER_TIMEOUT_MS 2000
#define ANN_CREDS_CONTAINER_ATTEMPTS 3

/* Largest credential_process or container response accepted. */
#define ANN_CREDS_MAX_RESPONSE (64 * 1024)

/* Returns a short name for source ("environment", "credential_process", ...). */
const char *ann_creds_source_name(enum ann_creds_source source);

/* Walks the chain once; opt may be NULL. */
int ann_creds_resolve(struct ann_creds *out, const struct ann_creds_options *opt,
    struct ann_error *e);

/* Wipes and frees the strings of c and zeroes it. */
void ann_creds_clear(struct ann_creds *c);
int ann_creds_copy(struct ann_creds *dst, const struct ann_creds *src);

/*
 * A provider resolves the chain when created (so a missing source fails at
 * start-up) and hands out copies. ann_creds_provider_get walks the chain
 * again when the credentials expire within refresh_seconds of now. If that
 * refresh fails while more than required_seconds remain, the current
 * credentials are returned and the refresh is retried at most once a
 * minute. Safe to share between threads.
 */
struct ann_creds_provider;

int ann_creds_provider_new(struct ann_creds_provider **out, const struct ann_creds_options *opt,
    struct ann_error *e);
int ann_creds_provider_get(struct ann_creds_provider *p, time_t now, struct ann_creds *out,
    struct ann_error *e);
/* Returns how many times the chain was walked (1 after creation). */
unsigned ann_creds_provider_resolutions(struct ann_creds_provider *p);
void ann_creds_provider_free(struct ann_creds_provider *p);

/* ---- steps of the chain, for tests and diagnostics ---- */

/* Parses an ISO 8601 UTC time such as "2026-01-15T12:00:00Z" (fraction and
 * a numeric offset allowed). */
int ann_creds_parse_time(const char *s, time_t *out);

/* Splits a command line as a POSIX shell would split words (quotes and
 * backslashes), without expansion. *argv is NULL-terminated; free with
 * ann_creds_free_argv. */
int ann_creds_split_command(const char *cmd, char ***argv, struct ann_error *e);
void ann_creds_free_argv(char **argv);

/* Parses credential_process output (JSON, "Version": 1). */
int ann_creds_parse_process_output(struct ann_creds *out, const char *json, size_t n,
    struct ann_error *e);

/* Runs command (stdin from /dev/null, stderr inherited) and parses its output. */
int ann_creds_from_process(struct ann_creds *out, const char *command, long timeout_ms,
    struct ann_error *e);

/* Forms the container credentials URL from the environment; *url is NULL
 * when neither variable is set. The URL is checked, never fetched. */
int ann_creds_container_url(char **url, struct ann_error *e);

/* Fetches and parses container credentials from url. */
int ann_creds_from_container(struct ann_creds *out, const char *url,
    const struct ann_creds_options *opt, struct ann_error *e);

#endif
