#include "invoke.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "answer.h"
#include "budget.h"
#include "cache.h"
#include "jsonl.h"
#include "log.h"
#include "ratelimit.h"
#include "record.h"
#include "redact.h"
#include "sigv4.h"

/* Largest reply body kept; a model reply is far smaller. */
#define MAX_REPLY ((size_t)64 << 20)

static const char *const kind_names[ANN_KIND_COUNT] = {
	"ok", "passed", "throttled", "timeout", "server", "client", "validation", "access",
	"network", "response", "truncated", "refused", "malformed", "invalid", "budget",
	"unanswered",
};

const char *
ann_invoke_kind_name(enum ann_invoke_kind k)
{
	return (unsigned)k < ANN_KIND_COUNT ? kind_names[k] : "unknown";
}

void
ann_invoke_opts_init(struct ann_invoke_opts *o)
{
	memset(o, 0, sizeof *o);
	o->provider = ANN_PROVIDER_BEDROCK;
	o->jobs = 8;
	ann_retry_policy_default(&o->retry);
	o->max_cost = -1;
	o->max_tokens_total = -1;
	o->timeout_ms = 300000;
	o->connect_timeout_ms = 10000;
	o->progress_interval_s = 0.5;
}

enum slot_state {
	SLOT_FREE,
	SLOT_QUEUED, /* waiting for not_before, the rate limit or the in-flight limit */
	SLOT_ACTIVE, /* on the wire */
};

struct slot {
	enum slot_state state;
	size_t seq;
	char *line;                /* copy of the input line, which rec borrows */
	struct ann_record rec;
	struct ann_provider_call call;
	char cache_key[ANN_CACHE_KEY_LEN + 1];
	CURL *easy;
	struct curl_slist *headers;
	struct ann_buf reply;
	struct ann_buf header_scratch;
	char error_type_header[128];
	char request_id[128];
	char retry_after[32];      /* Retry-After value, seconds */
	char amz_retry_after[32];  /* x-amz-retry-after value, milliseconds */
	char curl_error[CURL_ERROR_SIZE];
	int attempts;
	int last_retry_cost;
	double not_before;         /* monotonic seconds */
	double reserved_tokens;
	double first_start;
	double attempt_start;
	int reply_too_large;
	int sends;                 /* times libcurl began to send this attempt */
};

struct reorder_entry {
	int ready;
	struct ann_buf line;
};

struct run {
	const struct ann_invoke_opts *o;
	struct ann_invoke_stats *stats;
	struct ann_error *e;
	struct ann_jsonl_reader in;
	struct ann_jsonl_writer out;
	int in_fd;
	int in_eof;
	off_t in_size;             /* size of a regular input file, else -1 */
	CURLM *multi;
	struct slot *slots;
	size_t nslots;
	size_t active;
	size_t busy;               /* slots not free */
	struct reorder_entry *window;
	size_t window_size;
	size_t next_seq;
	size_t write_seq;
	struct ann_ratelimit rate;
	int rate_on;
	struct ann_retry_quota quota;
	struct ann_aimd aimd;
	struct ann_cache cache;
	int cache_on;
	double spent_tokens;
	struct ann_budget budget;  /* the shared budget file, when budget_on */
	int budget_on;
	struct ann_error budget_failure; /* code set once the budget file failed */
	char budget_why[ANN_ERROR_MSG_MAX + 16]; /* message of the last budget error */
	double rate_blocked_since;  /* when the rate limit last held a request back, or 0 */
	double start;
	double last_progress;
	struct ann_record scratch;
	struct ann_record_edit edit;
	struct ann_buf line_out;
	struct ann_buf scratch_buf;
	char scheme_host[512];     /* "http://127.0.0.1:8080" */
	char authority[256];       /* "127.0.0.1:8080", the Host header */
	char base_path[256];       /* "" or "/prefix" without a trailing slash */
	unsigned long long rng;
	int fatal;                 /* a write or read failure stopped the run */
};

static double
monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: jitter needs spread, not cryptographic strength. */
static double
random01(struct run *r)
{
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return (double)((r->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* ---- output ---- */

static int
write_line(struct run *r, const char *line, size_t len)
{
	int rc = ann_jsonl_write(&r->out, line, len, r->e);

	if (rc)
		r->fatal = 1;
	return rc;
}

/* Writes line for record seq now, or keeps it until the records before it are out. */
static int
emit(struct run *r, size_t seq, const struct ann_buf *line)
{
	struct reorder_entry *entry;
	int rc;

	if (!r->o->keep_order || r->o->dry_run)
		return write_line(r, line->data, line->len);

	entry = &r->window[seq % r->window_size];
	ann_buf_reset(&entry->line);
	rc = ann_buf_add(&entry->line, line->data, line->len);
	if (rc) {
		r->fatal = 1;
		return ann_error_set(r->e, rc, "out of memory holding a record for --keep-order");
	}
	entry->ready = 1;
	while (r->write_seq < r->next_seq) {
		entry = &r->window[r->write_seq % r->window_size];
		if (!entry->ready)
			break;
		rc = write_line(r, entry->line.data, entry->line.len);
		if (rc)
			return rc;
		entry->ready = 0;
		r->write_seq++;
	}
	return ANN_OK;
}

static void
count(struct run *r, enum ann_invoke_kind k)
{
	r->stats->counts[k]++;
}

/* Appends an error object with the members ann-invoke adds to the common ones. */
struct error_info {
	const char *kind;
	const char *message;
	int status;
	const char *error_type;
	const char *request_id;
	int attempts;
	long max_tokens;           /* for truncated replies, else 0 */
};

static int
error_object(struct ann_buf *out, const struct error_info *x)
{
	int rc = ann_buf_adds(out, "{\"kind\":");

	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(out, x->kind, strlen(x->kind));
	if (rc == ANN_OK)
		rc = ann_buf_adds(out, ",\"message\":");
	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(out, x->message, strlen(x->message));
	if (rc == ANN_OK && x->status)
		rc = ann_buf_addf(out, ",\"status\":%d", x->status);
	if (rc == ANN_OK && x->error_type && *x->error_type) {
		rc = ann_buf_adds(out, ",\"error_type\":");
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(out, x->error_type, strlen(x->error_type));
	}
	if (rc == ANN_OK && x->request_id && *x->request_id) {
		rc = ann_buf_adds(out, ",\"request_id\":");
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(out, x->request_id, strlen(x->request_id));
	}
	if (rc == ANN_OK && x->max_tokens)
		rc = ann_buf_addf(out, ",\"max_tokens\":%ld", x->max_tokens);
	if (rc == ANN_OK && x->attempts)
		rc = ann_buf_addf(out, ",\"attempts\":%d", x->attempts);
	if (rc == ANN_OK)
		rc = ann_buf_addc(out, '}');
	return rc;
}

/* The members ann-invoke owns; an error record drops stale copies of them. */
static const char *const owned_members[] = {
	"output", "output_text", "usage", "model", "latency_ms", "stop_reason", "cost_usd",
	"error",
};

/* Writes rec with an error member and no stale answer members. */
static int
emit_error(struct run *r, size_t seq, const struct ann_record *rec, const struct error_info *x)
{
	size_t i;
	int rc;

	ann_record_edit_reset(&r->edit);
	ann_buf_reset(&r->scratch_buf);
	ann_buf_reset(&r->line_out);
	for (i = 0; i + 1 < sizeof owned_members / sizeof owned_members[0]; i++)
		ann_record_edit_remove(&r->edit, owned_members[i]);
	rc = error_object(&r->scratch_buf, x);
	if (rc == ANN_OK)
		rc = ann_record_edit_set_raw(&r->edit, "error", r->scratch_buf.data,
		    r->scratch_buf.len);
	if (rc == ANN_OK)
		rc = ann_record_write(rec, &r->edit, &r->line_out);
	if (rc) {
		r->fatal = 1;
		return ann_error_set(r->e, rc, "out of memory writing record %s", rec->id.data);
	}
	ann_log(ANN_LOG_INFO, "record %s: %s: %s", rec->id.data, x->kind, x->message);
	return emit(r, seq, &r->line_out);
}

/* ---- requests ---- */

static int
parse_endpoint(struct run *r, const char *url)
{
	const char *sep = strstr(url, "://");
	const char *host, *path;
	size_t host_len, path_len;

	if (sep == NULL || (strncmp(url, "http", 4) != 0))
		return ann_error_set(r->e, ANN_ERR_CONFIG, "endpoint URL must start with http:// "
		    "or https://: %s", url);
	host = sep + 3;
	path = strchr(host, '/');
	host_len = path ? (size_t)(path - host) : strlen(host);
	path_len = path ? strlen(path) : 0;
	while (path_len > 0 && path[path_len - 1] == '/')
		path_len--;
	if (host_len == 0 || host_len >= sizeof r->authority || memchr(host, '@', host_len) ||
	    path_len >= sizeof r->base_path || (size_t)(host - url) + host_len >=
	    sizeof r->scheme_host)
		return ann_error_set(r->e, ANN_ERR_CONFIG, "invalid endpoint URL: %s", url);
	memcpy(r->authority, host, host_len);
	r->authority[host_len] = '\0';
	memcpy(r->scheme_host, url, (size_t)(host - url) + host_len);
	r->scheme_host[(size_t)(host - url) + host_len] = '\0';
	if (path_len)
		memcpy(r->base_path, path, path_len);
	r->base_path[path_len] = '\0';
	return ANN_OK;
}

static size_t
on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct slot *s = ctx;
	size_t len = size * n;

	if (s->reply.len + len > MAX_REPLY || ann_buf_add(&s->reply, data, len) != ANN_OK) {
		s->reply_too_large = 1;
		return 0;
	}
	return len;
}

/* Copies the value of header line data if its name is name. */
static void
take_header(const char *data, size_t len, const char *name, char *out, size_t size)
{
	size_t name_len = strlen(name);
	size_t vlen;

	if (len <= name_len || data[name_len] != ':' || strncasecmp(data, name, name_len) != 0)
		return;
	data += name_len + 1;
	len -= name_len + 1;
	while (len > 0 && (*data == ' ' || *data == '\t')) {
		data++;
		len--;
	}
	while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n' || data[len - 1] == ' '))
		len--;
	vlen = len < size - 1 ? len : size - 1;
	memcpy(out, data, vlen);
	out[vlen] = '\0';
}

/*
 * When a reused connection dies before any byte of the reply, libcurl
 * sends the request again on a new connection by itself. The model may
 * have received and billed the first copy, and the resend would bypass
 * the retry policy and its counts. So an attempt is sent once: a second
 * send is refused here and the attempt fails as a network error, which
 * the policy retries (or not) like any other.
 */
static int
on_prereq(void *ctx, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
    int conn_local_port)
{
	struct slot *s = ctx;

	(void)conn_primary_ip;
	(void)conn_local_ip;
	(void)conn_primary_port;
	(void)conn_local_port;
	s->sends++;
	return s->sends == 1 ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

static size_t
on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct slot *s = ctx;
	size_t len = size * n;

	take_header(data, len, "x-amzn-ErrorType", s->error_type_header,
	    sizeof s->error_type_header);
	take_header(data, len, "x-amzn-RequestId", s->request_id, sizeof s->request_id);
	take_header(data, len, "request-id", s->request_id, sizeof s->request_id);
	take_header(data, len, "x-request-id", s->request_id, sizeof s->request_id);
	take_header(data, len, "retry-after", s->retry_after, sizeof s->retry_after);
	take_header(data, len, "x-amz-retry-after", s->amz_retry_after,
	    sizeof s->amz_retry_after);
	return len;
}

/* One header line for the request; NULL value means a header without value. */
static int
add_header(struct ann_buf *scratch, struct curl_slist **list, const char *name,
    const char *value)
{
	struct curl_slist *next;

	ann_buf_reset(scratch);
	if (ann_buf_addf(scratch, "%s:%s%s", name, value ? " " : "", value ? value : "") != ANN_OK)
		return ANN_ERR_NOMEM;
	next = curl_slist_append(*list, scratch->data);
	if (next == NULL)
		return ANN_ERR_NOMEM;
	*list = next;
	return ANN_OK;
}

/*
 * Builds the header list of one attempt: content headers, the provider's
 * authentication, and the signature. The scratch buffer is wiped after
 * use, since it held credentials.
 */
static int
build_headers(struct run *r, struct slot *s, struct curl_slist **list, struct ann_buf *url)
{
	const struct ann_invoke_opts *o = r->o;
	struct ann_invoke_secrets sec;
	struct ann_sigv4_header signed_list[4];
	struct ann_buf path = ANN_BUF_INIT;
	struct ann_buf meta = ANN_BUF_INIT;
	size_t nsigned = 0;
	int rc;

	memset(&sec, 0, sizeof sec);
	*list = NULL;
	rc = o->secrets ? o->secrets(o->secrets_ctx, &sec, r->e) : ANN_OK;
	if (rc)
		return rc;

	rc = ann_buf_addf(&path, "%s%s", r->base_path, s->call.path.data);
	if (rc == ANN_OK)
		rc = ann_buf_addf(url, "%s%s", r->scheme_host, path.data);
	if (rc == ANN_OK)
		rc = add_header(&s->header_scratch, list, "Host", r->authority);
	if (rc == ANN_OK)
		rc = add_header(&s->header_scratch, list, "Content-Type", "application/json");
	if (rc == ANN_OK)
		rc = add_header(&s->header_scratch, list, "Accept", "application/json");
	/* An empty Expect: stops libcurl's 100-continue wait on large bodies. */
	if (rc == ANN_OK)
		rc = add_header(&s->header_scratch, list, "Expect", NULL);
	signed_list[nsigned++] = (struct ann_sigv4_header){ "Content-Type", "application/json" };
	signed_list[nsigned++] = (struct ann_sigv4_header){ "Accept", "application/json" };

	if (rc == ANN_OK && o->provider == ANN_PROVIDER_BEDROCK_INVOKE) {
		rc = ann_provider_metadata_header(&meta, s->rec.id.data);
		if (rc == ANN_OK)
			rc = add_header(&s->header_scratch, list, "X-Amzn-Bedrock-Request-Metadata",
			    meta.data);
		signed_list[nsigned++] = (struct ann_sigv4_header){
			"X-Amzn-Bedrock-Request-Metadata", meta.data };
	}

	if (rc == ANN_OK && o->provider == ANN_PROVIDER_ANTHROPIC) {
		rc = add_header(&s->header_scratch, list, "anthropic-version", "2023-06-01");
		if (rc == ANN_OK && s->call.structured)
			rc = add_header(&s->header_scratch, list, "anthropic-beta",
			    "structured-outputs-2025-11-13");
		if (rc == ANN_OK && sec.api_key)
			rc = add_header(&s->header_scratch, list, "x-api-key", sec.api_key);
	} else if (rc == ANN_OK && (o->provider == ANN_PROVIDER_OPENAI ||
	    (sec.bearer_token && ann_provider_is_bedrock(o->provider)))) {
		if (sec.bearer_token) {
			ann_buf_reset(&meta);
			rc = ann_buf_addf(&meta, "Bearer %s", sec.bearer_token);
			if (rc == ANN_OK)
				rc = add_header(&s->header_scratch, list, "Authorization", meta.data);
			explicit_bzero(meta.data, meta.len);
		}
	} else if (rc == ANN_OK && ann_provider_is_bedrock(o->provider)) {
		struct ann_sigv4_request req = {
			.method = "POST", .host = r->authority, .path = path.data, .query = NULL,
			.headers = signed_list, .nheaders = nsigned,
			.body = s->call.body.data, .body_len = s->call.body.len,
		};
		struct ann_sigv4_creds creds = {
			sec.access_key_id, sec.secret_access_key, sec.session_token,
		};
		struct ann_sigv4_params params = { o->region, "bedrock", 0, 0 };
		struct ann_sigv4_signed sig;
		size_t i;

		ann_sigv4_signed_init(&sig);
		if (sec.access_key_id == NULL || sec.secret_access_key == NULL) {
			rc = ann_error_set(r->e, ANN_ERR_CONFIG, "no AWS credentials for signing");
		} else {
			rc = ann_sigv4_now(&params.time, r->e);
			if (rc == ANN_OK)
				rc = ann_sigv4_sign(&sig, &req, &creds, &params, r->e);
		}
		for (i = 0; rc == ANN_OK && i < sig.nadded; i++)
			rc = add_header(&s->header_scratch, list, sig.added[i].name,
			    sig.added[i].value);
		ann_sigv4_signed_release(&sig);
	}
	explicit_bzero(s->header_scratch.data, s->header_scratch.len);
	ann_buf_release(&path);
	ann_buf_release(&meta);
	if (rc && r->e->code == ANN_OK)
		ann_error_set(r->e, rc, "out of memory building request headers");
	return rc;
}

/* Appends a header line for --dry-run with credentials replaced. */
static int
print_redacted_header(struct ann_buf *out, const char *line)
{
	const char *colon = strchr(line, ':');
	char name[128];
	size_t name_len = colon ? (size_t)(colon - line) : strlen(line);
	const char *value = colon ? colon + 1 : "";
	int rc;

	if (name_len >= sizeof name)
		name_len = sizeof name - 1;
	memcpy(name, line, name_len);
	name[name_len] = '\0';
	while (*value == ' ')
		value++;
	rc = ann_buf_addf(out, "%s: ", name);
	if (rc == ANN_OK)
		rc = ann_redact_header_value(out, name, value);
	if (rc == ANN_OK)
		rc = ann_buf_adds(out, "\r\n");
	return rc;
}

static int
dry_run(struct run *r, struct slot *s)
{
	struct curl_slist *headers = NULL, *h;
	struct ann_buf url = ANN_BUF_INIT;
	struct ann_buf text = ANN_BUF_INIT;
	int rc;

	rc = build_headers(r, s, &headers, &url);
	if (rc == ANN_OK)
		rc = ann_buf_addf(&text, "POST %s HTTP/1.1\r\n", url.data);
	for (h = headers; rc == ANN_OK && h; h = h->next) {
		if (strcmp(h->data, "Expect:") == 0)
			continue;
		rc = print_redacted_header(&text, h->data);
	}
	if (rc == ANN_OK)
		rc = ann_buf_addf(&text, "Content-Length: %zu\r\n\r\n", s->call.body.len);
	if (rc == ANN_OK)
		rc = ann_buf_add(&text, s->call.body.data, s->call.body.len);
	if (rc == ANN_OK)
		rc = ann_buf_adds(&text, "\n\n");
	if (rc == ANN_OK)
		rc = write_line(r, text.data, text.len);
	else if (r->e->code == ANN_OK)
		ann_error_set(r->e, rc, "out of memory printing a request");
	for (h = headers; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(headers);
	ann_buf_release(&url);
	ann_buf_release(&text);
	return rc;
}

static int
start_attempt(struct run *r, struct slot *s, double now)
{
	const struct ann_invoke_opts *o = r->o;
	struct ann_buf url = ANN_BUF_INIT;
	CURLMcode mc;
	int rc;

	if (s->headers) {
		struct curl_slist *h;

		for (h = s->headers; h; h = h->next)
			explicit_bzero(h->data, strlen(h->data));
		curl_slist_free_all(s->headers);
		s->headers = NULL;
	}
	rc = build_headers(r, s, &s->headers, &url);
	if (rc) {
		ann_buf_release(&url);
		r->fatal = 1;
		return rc;
	}
	if (s->easy == NULL) {
		s->easy = curl_easy_init();
		if (s->easy == NULL) {
			ann_buf_release(&url);
			r->fatal = 1;
			return ann_error_set(r->e, ANN_ERR_NOMEM, "cannot create a libcurl handle");
		}
		curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
		curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
		curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, s);
		curl_easy_setopt(s->easy, CURLOPT_PREREQFUNCTION, on_prereq);
		curl_easy_setopt(s->easy, CURLOPT_PREREQDATA, s);
		curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->curl_error);
		curl_easy_setopt(s->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
		curl_easy_setopt(s->easy, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(s->easy, CURLOPT_USERAGENT, "ann-invoke/" ANN_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
		curl_easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	}
	curl_easy_setopt(s->easy, CURLOPT_URL, url.data);
	curl_easy_setopt(s->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->call.body.data);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->call.body.len);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	ann_buf_release(&url);

	ann_buf_reset(&s->reply);
	s->reply_too_large = 0;
	s->error_type_header[0] = '\0';
	s->request_id[0] = '\0';
	s->retry_after[0] = '\0';
	s->amz_retry_after[0] = '\0';
	s->curl_error[0] = '\0';
	s->sends = 0;
	s->attempts++;
	s->attempt_start = now;
	if (s->attempts == 1)
		s->first_start = now;
	mc = curl_multi_add_handle(r->multi, s->easy);
	if (mc != CURLM_OK) {
		r->fatal = 1;
		return ann_error_set(r->e, ANN_ERR_NETWORK, "cannot start a request: %s",
		    curl_multi_strerror(mc));
	}
	s->state = SLOT_ACTIVE;
	r->active++;
	r->stats->attempts++;
	r->stats->in_flight = r->active;
	return ANN_OK;
}

static void
free_slot(struct run *r, struct slot *s)
{
	free(s->line);
	s->line = NULL;
	s->state = SLOT_FREE;
	s->attempts = 0;
	s->last_retry_cost = 0;
	r->busy--;
}

static void
add_latency(struct run *r, double seconds)
{
	struct ann_invoke_stats *st = r->stats;

	if (st->n_latencies == st->cap_latencies) {
		size_t cap = st->cap_latencies ? 2 * st->cap_latencies : 1024;
		uint32_t *v = realloc(st->latencies_ms, cap * sizeof *v);

		if (v == NULL)
			return; /* statistics only: drop the sample */
		st->latencies_ms = v;
		st->cap_latencies = cap;
	}
	st->latencies_ms[st->n_latencies++] = (uint32_t)(seconds * 1000.0 + 0.5);
}

static enum ann_invoke_kind
kind_of_fail(enum ann_fail f)
{
	switch (f) {
	case ANN_FAIL_THROTTLED:
		return ANN_KIND_THROTTLED;
	case ANN_FAIL_TIMEOUT:
		return ANN_KIND_TIMEOUT;
	case ANN_FAIL_SERVER:
		return ANN_KIND_SERVER;
	case ANN_FAIL_CLIENT:
		return ANN_KIND_CLIENT;
	case ANN_FAIL_VALIDATION:
		return ANN_KIND_VALIDATION;
	case ANN_FAIL_ACCESS:
		return ANN_KIND_ACCESS;
	case ANN_FAIL_NETWORK:
		return ANN_KIND_NETWORK;
	default:
		return ANN_KIND_RESPONSE;
	}
}

/* Stops new requests for good after the budget file failed, saying why once. */
static void
budget_file_failed(struct run *r, const struct ann_error *why)
{
	if (r->budget_failure.code != ANN_OK)
		return;
	r->budget_failure = *why;
	ann_log(ANN_LOG_ERROR, "%s; sending no more requests", why->msg);
}

/* Adds an answered call's cost and tokens to the shared budget file. */
static void
record_shared_spend(struct run *r, double cost, const struct ann_provider_result *res)
{
	struct ann_error why = ANN_ERROR_INIT;
	long long tokens = res->input_tokens + res->output_tokens + res->cache_read_tokens +
	    res->cache_write_tokens;

	if (!r->budget_on || r->budget_failure.code != ANN_OK)
		return;
	if (ann_budget_add(&r->budget, cost, tokens, NULL, &why) != ANN_OK)
		budget_file_failed(r, &why);
}

/*
 * Writes the record of an answered call: the answer members, or an error
 * of kind truncated, refused or malformed with the text kept. A negative
 * latency_s (a batch answer, whose time is unknown) leaves latency_ms out.
 */
static int
emit_answer(struct run *r, struct slot *s, const struct ann_provider_result *res,
    double latency_s, int cached)
{
	const struct ann_invoke_opts *o = r->o;
	enum ann_invoke_kind kind = ANN_KIND_OK;
	const char *stop_kind = ann_answer_stop_kind(res->stop);
	struct ann_buf *v = &r->scratch_buf;
	double cost = 0;
	int rc = ANN_OK;

	ann_record_edit_reset(&r->edit);
	ann_buf_reset(&r->line_out);

	if (stop_kind == NULL && res->has_output) {
		rc = ann_record_edit_set_raw(&r->edit, "output", res->output.data, res->output.len);
		if (rc == ANN_OK)
			rc = ann_record_edit_remove(&r->edit, "output_text");
	} else {
		ann_buf_reset(v);
		rc = ann_buf_add_json_string(v, res->text.data, res->text.len);
		if (rc == ANN_OK)
			rc = ann_record_edit_set_raw(&r->edit, "output_text", v->data, v->len);
		if (rc == ANN_OK)
			rc = ann_record_edit_remove(&r->edit, "output");
	}

	ann_buf_reset(v);
	if (rc == ANN_OK)
		rc = ann_buf_addf(v, "{\"input_tokens\":%ld,\"output_tokens\":%ld,"
		    "\"cache_read_tokens\":%ld,\"cache_write_tokens\":%ld}", res->input_tokens,
		    res->output_tokens, res->cache_read_tokens, res->cache_write_tokens);
	if (rc == ANN_OK)
		rc = ann_record_edit_set_raw(&r->edit, "usage", v->data, v->len);
	ann_buf_reset(v);
	if (rc == ANN_OK)
		rc = ann_buf_add_json_string(v, o->model, strlen(o->model));
	if (rc == ANN_OK)
		rc = ann_record_edit_set_raw(&r->edit, "model", v->data, v->len);
	ann_buf_reset(v);
	if (rc == ANN_OK && latency_s >= 0) {
		rc = ann_buf_addf(v, "%.0f", latency_s * 1000.0);
		if (rc == ANN_OK)
			rc = ann_record_edit_set_raw(&r->edit, "latency_ms", v->data, v->len);
	} else if (rc == ANN_OK) {
		rc = ann_record_edit_remove(&r->edit, "latency_ms");
	}
	if (rc == ANN_OK && res->stop_reason[0]) {
		ann_buf_reset(v);
		rc = ann_buf_add_json_string(v, res->stop_reason, strlen(res->stop_reason));
		if (rc == ANN_OK)
			rc = ann_record_edit_set_raw(&r->edit, "stop_reason", v->data, v->len);
	} else if (rc == ANN_OK) {
		rc = ann_record_edit_remove(&r->edit, "stop_reason");
	}
	if (rc == ANN_OK && o->price) {
		cost = ann_price_cost(o->price, res->input_tokens, res->output_tokens,
		    res->cache_read_tokens, res->cache_write_tokens);
		ann_buf_reset(v);
		rc = ann_buf_add_json_number(v, ann_price_round(cost));
		if (rc == ANN_OK)
			rc = ann_record_edit_set_raw(&r->edit, "cost_usd", v->data, v->len);
	} else if (rc == ANN_OK) {
		rc = ann_record_edit_remove(&r->edit, "cost_usd");
	}

	if (rc == ANN_OK && stop_kind) {
		char message[200];
		struct error_info x = {
			.kind = stop_kind, .message = message, .status = 200,
			.request_id = s->request_id, .attempts = s->attempts,
		};

		if (res->stop == ANN_STOP_TRUNCATED) {
			x.max_tokens = s->call.max_tokens;
			snprintf(message, sizeof message, "reply cut off by the output token limit "
			    "(max_tokens %ld, stop reason %s)", s->call.max_tokens, res->stop_reason);
			kind = ANN_KIND_TRUNCATED;
		} else if (res->stop == ANN_STOP_REFUSED) {
			snprintf(message, sizeof message, "the model or a filter declined to answer "
			    "(stop reason %s)", res->stop_reason);
			kind = ANN_KIND_REFUSED;
		} else {
			snprintf(message, sizeof message, "the model's reply was malformed (stop "
			    "reason %s)", res->stop_reason);
			kind = ANN_KIND_MALFORMED;
		}
		ann_buf_reset(v);
		rc = error_object(v, &x);
		if (rc == ANN_OK)
			rc = ann_record_edit_set_raw(&r->edit, "error", v->data, v->len);
		ann_log(ANN_LOG_INFO, "record %s: %s: %s", s->rec.id.data, stop_kind, message);
	} else if (rc == ANN_OK) {
		rc = ann_record_edit_remove(&r->edit, "error");
	}
	if (rc == ANN_OK)
		rc = ann_record_write(&s->rec, &r->edit, &r->line_out);
	if (rc) {
		r->fatal = 1;
		return ann_error_set(r->e, rc, "out of memory writing record %s", s->rec.id.data);
	}

	count(r, kind);
	if (cached) {
		r->stats->cached++;
	} else {
		r->stats->input_tokens += res->input_tokens;
		r->stats->output_tokens += res->output_tokens;
		r->stats->cache_read_tokens += res->cache_read_tokens;
		r->stats->cache_write_tokens += res->cache_write_tokens;
		r->stats->cost_usd += cost;
		r->spent_tokens += (double)(res->input_tokens + res->output_tokens +
		    res->cache_read_tokens + res->cache_write_tokens);
		record_shared_spend(r, cost, res);
		if (latency_s >= 0)
			add_latency(r, latency_s);
	}
	return emit(r, s->seq, &r->line_out);
}

/* Settles the rate reservation of an attempt on its real usage. */
static int
settle(struct run *r, struct slot *s, double actual)
{
	if (!r->rate_on || s->reserved_tokens == 0)
		return ANN_OK;
	s->reserved_tokens = 0;
	if (ann_ratelimit_settle(&r->rate, wall_now(), s->call.input_estimate +
	    (double)s->call.max_tokens, actual, r->e) != ANN_OK) {
		r->fatal = 1;
		return r->e->code;
	}
	return ANN_OK;
}

/* Returns the server's retry hint in seconds, or 0. Only the delta-seconds
 * form of Retry-After is read; an HTTP date is ignored. */
static double
retry_hint(const struct slot *s)
{
	char *end;
	double v;

	if (s->amz_retry_after[0]) {
		v = strtod(s->amz_retry_after, &end);
		if (*end == '\0' && v > 0)
			return v / 1000.0;
	}
	if (s->retry_after[0]) {
		v = strtod(s->retry_after, &end);
		if (*end == '\0' && v > 0)
			return v;
	}
	return 0;
}

static int
finish_attempt(struct run *r, struct slot *s, CURLcode cc)
{
	const struct ann_invoke_opts *o = r->o;
	struct ann_retry_outcome outcome;
	struct ann_provider_error perr;
	struct ann_provider_result res;
	struct error_info x;
	double now = monotonic_now();
	long status = 0;
	char message[700];
	enum ann_fail fail;
	int rc;

	curl_multi_remove_handle(r->multi, s->easy);
	r->active--;
	r->stats->in_flight = r->active;
	memset(&outcome, 0, sizeof outcome);
	memset(&perr, 0, sizeof perr);
	ann_provider_result_init(&res);

	if (cc == CURLE_OK) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		outcome.http_status = (int)status;
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		outcome.transport_timeout = 1;
	} else {
		outcome.transport_error = 1;
	}

	if (cc == CURLE_OK && status >= 200 && status < 300) {
		struct ann_error why = ANN_ERROR_INIT;

		rc = ann_provider_parse_reply(o->provider, s->call.tool_mode, s->call.tool_name,
		    s->reply.data, s->reply.len, &res, &why);
		if (rc == ANN_OK) {
			rc = settle(r, s, (double)(res.input_tokens + res.output_tokens +
			    res.cache_read_tokens + res.cache_write_tokens));
			if (rc == ANN_OK && r->cache_on) {
				struct ann_error cache_err = ANN_ERROR_INIT;

				if (ann_cache_put(&r->cache, s->cache_key, s->reply.data, s->reply.len,
				    &cache_err) != ANN_OK)
					ann_log(ANN_LOG_WARN, "record %s: %s", s->rec.id.data, cache_err.msg);
			}
			ann_retry_quota_release(&r->quota, &o->retry, s->last_retry_cost);
			ann_aimd_on_success(&r->aimd);
			if (rc == ANN_OK)
				rc = emit_answer(r, s, &res, now - s->first_start, 0);
			ann_provider_result_release(&res);
			free_slot(r, s);
			return rc;
		}
		snprintf(perr.message, sizeof perr.message, "%s", why.msg);
	} else if (cc == CURLE_OK) {
		ann_provider_parse_error(o->provider, s->error_type_header, s->reply.data,
		    s->reply.len, &perr);
		outcome.error_type = perr.type[0] ? perr.type : NULL;
	} else if (cc == CURLE_ABORTED_BY_CALLBACK && s->sends > 1) {
		snprintf(perr.message, sizeof perr.message,
		    "the connection closed before any reply");
	} else {
		snprintf(perr.message, sizeof perr.message, "%s", s->curl_error[0] ?
		    s->curl_error : curl_easy_strerror(cc));
	}
	ann_provider_result_release(&res);
	rc = settle(r, s, 0);
	if (rc)
		return rc;

	fail = ann_retry_classify(&outcome);
	if (ann_retry_is_throttling(&outcome))
		ann_aimd_on_throttle(&r->aimd, now);

	if (ann_retry_is_retryable(&outcome) && s->attempts < o->retry.max_attempts) {
		int cost = ann_retry_quota_acquire(&r->quota, &o->retry, fail == ANN_FAIL_TIMEOUT);

		if (cost > 0) {
			double wait = ann_retry_backoff(&o->retry, s->attempts,
			    ann_retry_is_throttling(&outcome), random01(r));

			wait = ann_retry_apply_hint(&o->retry, wait, retry_hint(s));

			s->last_retry_cost = cost;
			s->not_before = now + wait;
			s->state = SLOT_QUEUED;
			r->stats->retries++;
			ann_log(ANN_LOG_INFO, "record %s: %s (HTTP %ld%s%s), retry %d of %d in %.2f s",
			    s->rec.id.data, ann_fail_kind(fail), status, perr.type[0] ? " " : "",
			    perr.type, s->attempts, o->retry.max_attempts - 1, wait);
			return ANN_OK;
		}
		ann_log(ANN_LOG_INFO, "record %s: retry quota exhausted, not retrying",
		    s->rec.id.data);
	}

	snprintf(message, sizeof message, "%s%s%s (%s after %d attempt%s)",
	    perr.type[0] ? perr.type : "", perr.type[0] && perr.message[0] ? ": " : "",
	    perr.message[0] ? perr.message : (perr.type[0] ? "" : "request failed"),
	    ann_retry_is_retryable(&outcome) ? "gave up" : "not retryable", s->attempts,
	    s->attempts == 1 ? "" : "s");
	memset(&x, 0, sizeof x);
	x.kind = ann_fail_kind(fail);
	x.message = message;
	x.status = (int)status;
	x.error_type = perr.type;
	x.request_id = s->request_id;
	x.attempts = s->attempts;
	count(r, kind_of_fail(fail));
	rc = emit_error(r, s->seq, &s->rec, &x);
	free_slot(r, s);
	return rc;
}

/* ---- input ---- */

/*
 * Returns 1, with the message for the record in *why, when no new request
 * may be sent: a budget is spent, or the budget file failed. With a budget
 * file the budgets apply to its totals, which include this run's spend.
 */
static int
budget_exhausted(struct run *r, const char **why)
{
	const struct ann_invoke_opts *o = r->o;
	struct ann_budget_totals shared;
	struct ann_error read_error = ANN_ERROR_INIT;
	double cost = r->stats->cost_usd;
	double tokens = r->spent_tokens;
	const char *where = "";

	if (r->budget_on && r->budget_failure.code == ANN_OK &&
	    (o->max_cost >= 0 || o->max_tokens_total >= 0)) {
		if (ann_budget_read(&r->budget, &shared, &read_error) == ANN_OK) {
			cost = ann_budget_usd(&shared);
			tokens = (double)shared.tokens;
			where = " in the budget file";
		} else {
			budget_file_failed(r, &read_error);
		}
	}
	if (r->budget_failure.code != ANN_OK) {
		snprintf(r->budget_why, sizeof r->budget_why, "not sent: %s", r->budget_failure.msg);
		*why = r->budget_why;
		return 1;
	}
	if (o->max_cost >= 0 && cost >= o->max_cost) {
		snprintf(r->budget_why, sizeof r->budget_why, "not sent: the --max-cost budget is "
		    "spent (%.6f of %g USD%s)", cost, o->max_cost, where);
		*why = r->budget_why;
		return 1;
	}
	if (o->max_tokens_total >= 0 && tokens >= o->max_tokens_total) {
		snprintf(r->budget_why, sizeof r->budget_why, "not sent: the --max-tokens-total "
		    "budget is spent (%.0f of %.0f tokens%s)", tokens, o->max_tokens_total, where);
		*why = r->budget_why;
		return 1;
	}
	return 0;
}

static struct slot *
free_slot_find(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nslots; i++)
		if (r->slots[i].state == SLOT_FREE)
			return &r->slots[i];
	return NULL;
}

/* Answers a record from the cache; returns 1 when it did. */
static int
answer_from_cache(struct run *r, struct slot *s, int *rc)
{
	struct ann_provider_result res;
	struct ann_error why = ANN_ERROR_INIT;
	int hit = 0;

	*rc = ANN_OK;
	ann_buf_reset(&s->reply);
	if (ann_cache_get(&r->cache, s->cache_key, &s->reply, &why) != ANN_OK)
		return 0;
	ann_provider_result_init(&res);
	if (ann_provider_parse_reply(r->o->provider, s->call.tool_mode, s->call.tool_name,
	    s->reply.data, s->reply.len, &res, &why) == ANN_OK) {
		hit = 1;
		*rc = emit_answer(r, s, &res, 0, 1);
	} else {
		ann_log(ANN_LOG_WARN, "record %s: ignoring unreadable cache entry %s: %s",
		    s->rec.id.data, s->cache_key, why.msg);
	}
	ann_provider_result_release(&res);
	return hit;
}

/* Writes the record in slot s with its answer from the batch output, or
 * with the error that says why there is none. */
static int
answer_from_batch(struct run *r, struct slot *s)
{
	struct ann_batch_answer a;
	struct error_info x;
	int rc;

	ann_batch_answer_init(&a);
	rc = ann_batch_answer(r->o->batch, s->rec.id.data, s->rec.id.len, &s->call, &a, r->e);
	if (rc) {
		r->fatal = 1;
	} else if (a.answered) {
		rc = emit_answer(r, s, &a.result, -1, 0);
	} else {
		memset(&x, 0, sizeof x);
		x.kind = a.unanswered ? "unanswered" : ann_fail_kind(a.fail);
		x.message = a.message;
		x.status = a.status;
		x.error_type = a.error_type;
		count(r, a.unanswered ? ANN_KIND_UNANSWERED : kind_of_fail(a.fail));
		rc = emit_error(r, s->seq, &s->rec, &x);
	}
	ann_batch_answer_release(&a);
	return rc;
}

/* Takes a record that needs a call into slot s. */
static int
take_record(struct run *r, struct slot *s, const char *line, size_t len, size_t line_no,
    size_t seq)
{
	struct ann_error why = ANN_ERROR_INIT;
	const char *request;
	size_t request_len;
	const char *budget_why;
	struct error_info x;
	int rc;

	s->line = malloc(len + 1);
	if (s->line == NULL) {
		r->fatal = 1;
		return ann_error_set(r->e, ANN_ERR_NOMEM, "out of memory reading line %zu", line_no);
	}
	memcpy(s->line, line, len);
	s->line[len] = '\0';
	s->seq = seq;
	s->state = SLOT_QUEUED;
	s->attempts = 0;
	s->last_retry_cost = 0;
	s->reserved_tokens = 0;
	r->busy++;
	rc = ann_record_parse(&s->rec, s->line, len, line_no, &why);
	if (rc) {
		r->fatal = 1;
		*r->e = why;
		return rc;
	}
	request = ann_record_raw(&s->rec, "request", &request_len);

	memset(&x, 0, sizeof x);
	rc = ann_provider_build(r->o->provider, r->o->model, s->rec.id.data, request, request_len,
	    &s->call, &why);
	if (rc == ANN_ERR_NOMEM) {
		r->fatal = 1;
		*r->e = why;
		return rc;
	}
	if (rc) {
		x.kind = rc == ANN_ERR_NOT_FOUND ? "not_found" :
		    rc == ANN_ERR_TOO_LARGE ? "too_large" : "invalid";
		x.message = why.msg;
		count(r, ANN_KIND_INVALID);
		rc = emit_error(r, seq, &s->rec, &x);
		free_slot(r, s);
		return rc;
	}

	if (r->o->dry_run) {
		rc = dry_run(r, s);
		free_slot(r, s);
		return rc;
	}

	if (r->o->batch) {
		rc = answer_from_batch(r, s);
		free_slot(r, s);
		return rc;
	}

	if (r->cache_on) {
		ann_cache_key(s->cache_key, ann_provider_name(r->o->provider), r->o->model,
		    s->call.body.data, s->call.body.len);
		if (answer_from_cache(r, s, &rc)) {
			free_slot(r, s);
			return rc;
		}
	}

	if (budget_exhausted(r, &budget_why)) {
		x.kind = "budget";
		x.message = budget_why;
		count(r, ANN_KIND_BUDGET);
		rc = emit_error(r, seq, &s->rec, &x);
		free_slot(r, s);
		return rc;
	}
	s->not_before = 0;
	return ANN_OK;
}

/* Handles one input line: passes it through, or takes it into a slot. */
static int
handle_line(struct run *r, int read_rc, const char *line, size_t len, size_t line_no,
    struct ann_error *why)
{
	size_t seq = r->next_seq++;
	struct error_info x;
	char problem[ANN_RECORD_PROBLEM_MAX];
	char message[ANN_RECORD_PROBLEM_MAX + 32];
	int rc;

	r->stats->records++;
	ann_buf_reset(&r->line_out);
	ann_record_edit_reset(&r->edit);
	if (read_rc == ANN_OK)
		read_rc = ann_record_parse(&r->scratch, line, len, line_no, why);
	if (read_rc == ANN_ERR_NOMEM) {
		r->fatal = 1;
		*r->e = *why;
		return read_rc;
	}
	if (read_rc) {
		ann_log(ANN_LOG_WARN, "line %zu: %s", line_no, why->msg);
		count(r, ANN_KIND_INVALID);
		rc = ann_record_write_line_error(&r->line_out, line, len, line_no, why);
		return rc ? ann_error_set(r->e, rc, "out of memory") : emit(r, seq, &r->line_out);
	}

	if (!r->scratch.has_id || ann_record_get(&r->scratch, "error")) {
		/* An earlier stage's error passes through untouched. */
		if (r->scratch.has_id) {
			count(r, ANN_KIND_PASSED);
			rc = ann_buf_add(&r->line_out, line, len);
			if (rc == ANN_OK)
				rc = ann_buf_addc(&r->line_out, '\n');
			return rc ? ann_error_set(r->e, rc, "out of memory") : emit(r, seq, &r->line_out);
		}
		snprintf(message, sizeof message, "line %zu: %s", line_no,
		    ann_record_id_problem(&r->scratch, problem, sizeof problem));
		ann_log(ANN_LOG_WARN, "%s", message);
		count(r, ANN_KIND_INVALID);
		ann_buf_reset(&r->scratch_buf);
		rc = ann_error_json(&r->scratch_buf, "invalid", message, 0, line_no);
		if (rc == ANN_OK && ann_record_get(&r->scratch, "error") == NULL)
			rc = ann_record_edit_set_raw(&r->edit, "error", r->scratch_buf.data,
			    r->scratch_buf.len);
		ann_buf_reset(&r->scratch_buf);
		if (rc == ANN_OK)
			rc = ann_record_write(&r->scratch, &r->edit, &r->line_out);
		return rc ? ann_error_set(r->e, rc, "out of memory") : emit(r, seq, &r->line_out);
	}

	if (ann_record_get(&r->scratch, "request") == NULL) {
		memset(&x, 0, sizeof x);
		x.kind = "invalid";
		x.message = "record has no \"request\" member; ann-prompt writes it";
		count(r, ANN_KIND_INVALID);
		return emit_error(r, seq, &r->scratch, &x);
	}
	return take_record(r, free_slot_find(r), line, len, line_no, seq);
}

/* Returns 1 when the reader holds a whole line, so reading cannot block. */
static int
line_buffered(const struct ann_jsonl_reader *in)
{
	size_t avail = in->buf.len - in->start;

	return avail > 0 && (in->eof || memchr(in->buf.data + in->start, '\n', avail));
}

static int
want_input(const struct run *r)
{
	if (r->in_eof || r->fatal || r->busy >= r->nslots)
		return 0;
	if (r->o->keep_order && r->next_seq - r->write_seq >= r->window_size)
		return 0;
	return 1;
}

static int
read_one(struct run *r)
{
	struct ann_error why = ANN_ERROR_INIT;
	const char *line = NULL;
	size_t len = 0, line_no = 0;
	int rc;

	rc = ann_jsonl_read(&r->in, &line, &len, &line_no, &why);
	if (rc == ANN_ERR_EOF) {
		r->in_eof = 1;
		return ANN_OK;
	}
	if (rc == ANN_ERR_AGAIN)
		return ANN_OK; /* a non-blocking input without a whole line yet */
	if (rc == ANN_ERR_IO || rc == ANN_ERR_NOMEM) {
		r->fatal = 1;
		*r->e = why;
		return rc;
	}
	return handle_line(r, rc, line, len, line_no, &why);
}

/* ---- scheduling ---- */

/* Returns the queued slot that is due with the oldest record, or NULL, and
 * lowers *next_wake to the earliest time a waiting slot becomes due. */
static struct slot *
oldest_due(struct run *r, double now, double *next_wake)
{
	struct slot *best = NULL;
	size_t i;

	for (i = 0; i < r->nslots; i++) {
		struct slot *s = &r->slots[i];

		if (s->state != SLOT_QUEUED)
			continue;
		if (s->not_before > now) {
			if (s->not_before < *next_wake)
				*next_wake = s->not_before;
			continue;
		}
		if (best == NULL || s->seq < best->seq)
			best = s;
	}
	return best;
}

/*
 * Starts queued requests, oldest record first, while the in-flight limit
 * and the rate limits allow. A record not yet sent when a budget is spent
 * gets its budget error here.
 */
static int
start_ready(struct run *r, double now, double *next_wake)
{
	const char *budget_why;
	struct slot *s;
	int rc;

	while ((s = oldest_due(r, now, next_wake)) != NULL) {
		if (s->attempts == 0 && budget_exhausted(r, &budget_why)) {
			struct error_info x;

			memset(&x, 0, sizeof x);
			x.kind = "budget";
			x.message = budget_why;
			count(r, ANN_KIND_BUDGET);
			rc = emit_error(r, s->seq, &s->rec, &x);
			free_slot(r, s);
			if (rc)
				return rc;
			continue;
		}
		if ((int)r->active >= ann_aimd_limit(&r->aimd))
			return ANN_OK;
		if (r->rate_on) {
			double wait = 0;

			rc = ann_ratelimit_reserve(&r->rate, wall_now(), s->call.input_estimate +
			    (double)s->call.max_tokens, &wait, r->e);
			if (rc) {
				r->fatal = 1;
				return rc;
			}
			if (wait > 0) {
				/* Everyone waits for the bucket; retry when it has refilled. */
				if (now + wait < *next_wake)
					*next_wake = now + wait;
				if (r->rate_blocked_since == 0)
					r->rate_blocked_since = now;
				return ANN_OK;
			}
			if (r->rate_blocked_since > 0) {
				r->stats->rate_wait_s += now - r->rate_blocked_since;
				r->rate_blocked_since = 0;
			}
			s->reserved_tokens = s->call.input_estimate + (double)s->call.max_tokens;
		}
		rc = start_attempt(r, s, now);
		if (rc)
			return rc;
	}
	return ANN_OK;
}

static void
progress(struct run *r, double now, int force)
{
	struct ann_invoke_stats *st = r->stats;

	if (r->o->progress == NULL || (!force && now - r->last_progress < r->o->progress_interval_s))
		return;
	r->last_progress = now;
	st->elapsed_s = now - r->start;
	st->fraction_read = -1;
	if (r->in_size > 0) {
		off_t pos = lseek(r->in_fd, 0, SEEK_CUR);

		if (pos >= 0) {
			/* Bytes handed to the reader but not yet consumed are not done. */
			double consumed = (double)pos - (double)(r->in.buf.len - r->in.start);

			st->fraction_read = consumed / (double)r->in_size;
		}
	}
	r->o->progress(r->o->progress_ctx, st);
}

static int
drain_done(struct run *r)
{
	CURLMsg *msg;
	int left;
	int rc;

	while ((msg = curl_multi_info_read(r->multi, &left)) != NULL) {
		struct slot *s = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		rc = finish_attempt(r, s, msg->data.result);
		if (rc)
			return rc;
	}
	return ANN_OK;
}

static int
loop(struct run *r)
{
	int rc;

	for (;;) {
		double now = monotonic_now();
		double next_wake = now + 1.0;
		struct curl_waitfd extra;
		unsigned nextra = 0;
		long curl_timeout = -1;
		int running = 0;
		int timeout_ms;
		CURLMcode mc;

		/* Read while there is room and input that cannot block. */
		while (want_input(r) && line_buffered(&r->in)) {
			rc = read_one(r);
			if (rc)
				return rc;
		}

		rc = start_ready(r, now, &next_wake);
		if (rc)
			return rc;
		mc = curl_multi_perform(r->multi, &running);
		if (mc != CURLM_OK)
			return ann_error_set(r->e, ANN_ERR_NETWORK, "libcurl failed: %s",
			    curl_multi_strerror(mc));
		rc = drain_done(r);
		if (rc)
			return rc;
		progress(r, now, 0);

		/* Fill the capacity that finished calls freed, and learn when the
		 * earliest retry is due, before sleeping. */
		now = monotonic_now();
		next_wake = now + 1.0;
		rc = start_ready(r, now, &next_wake);
		if (rc)
			return rc;

		if (r->in_eof && r->busy == 0)
			return ANN_OK;

		/* Wait for sockets, input, or the next retry or rate-limit time. */
		if (want_input(r)) {
			if (line_buffered(&r->in))
				continue;
			extra.fd = r->in_fd;
			extra.events = CURL_WAIT_POLLIN;
			extra.revents = 0;
			nextra = 1;
		}
		curl_multi_timeout(r->multi, &curl_timeout);
		timeout_ms = (int)ceil((next_wake - monotonic_now()) * 1000.0);
		if (timeout_ms < 0)
			timeout_ms = 0;
		if (curl_timeout >= 0 && curl_timeout < timeout_ms)
			timeout_ms = (int)curl_timeout;
		if (r->o->progress && timeout_ms > 250)
			timeout_ms = 250;
		mc = curl_multi_poll(r->multi, nextra ? &extra : NULL, nextra, timeout_ms, NULL);
		if (mc != CURLM_OK)
			return ann_error_set(r->e, ANN_ERR_NETWORK, "libcurl failed: %s",
			    curl_multi_strerror(mc));
		if (nextra && extra.revents) {
			rc = read_one(r);
			if (rc)
				return rc;
		}
	}
}

/*
 * Batch mode: each record is answered as soon as it is read, so reading is
 * the whole loop, and records come out in input order.
 */
static int
batch_loop(struct run *r)
{
	struct pollfd wait_input = { .fd = r->in_fd, .events = POLLIN };
	int rc;

	while (!r->in_eof && !r->fatal) {
		if (!line_buffered(&r->in) && poll(&wait_input, 1, -1) < 0 && errno != EINTR)
			return ann_error_set(r->e, ANN_ERR_IO, "poll failed on input: %s",
			    strerror(errno));
		rc = read_one(r);
		if (rc)
			return rc;
	}
	return ANN_OK;
}

/* Opens the shared budget file and logs the totals it already contains. */
static int
open_budget(struct run *r)
{
	const struct ann_invoke_opts *o = r->o;
	struct ann_budget_totals t;
	double usd;
	int rc;

	rc = ann_budget_open(&r->budget, o->budget_file, &t, r->e);
	if (rc)
		return rc;
	r->budget_on = 1;
	usd = ann_budget_usd(&t);
	ann_log(ANN_LOG_INFO, "budget file %s: %.6f USD and %lld tokens spent in %lld calls "
	    "before this run", o->budget_file, usd, t.tokens, t.calls);
	if ((o->max_cost >= 0 && usd >= o->max_cost) ||
	    (o->max_tokens_total >= 0 && (double)t.tokens >= o->max_tokens_total))
		ann_log(ANN_LOG_WARN, "budget file %s already contains %.6f USD and %lld tokens, "
		    "which spends the budget, so nothing will be sent; a new job needs a new "
		    "budget file", o->budget_file, usd, t.tokens);
	return ANN_OK;
}

static int
setup(struct run *r, int in_fd, int out_fd)
{
	const struct ann_invoke_opts *o = r->o;
	struct stat st;
	size_t i;
	int rc;

	r->in_fd = in_fd;
	r->in_size = fstat(in_fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
	ann_jsonl_reader_init(&r->in, in_fd, 0);
	/* Live answers arrive slowly, so each goes out at once; batch answers do not. */
	ann_jsonl_writer_init(&r->out, out_fd, o->batch == NULL);
	ann_record_init(&r->scratch);
	ann_record_edit_init(&r->edit);
	ann_buf_init(&r->line_out, 0);
	ann_buf_init(&r->scratch_buf, 0);
	r->rng = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32) ^
	    (unsigned long long)(uintptr_t)r;
	if (r->rng == 0)
		r->rng = 88172645463325252ULL;
	r->start = monotonic_now();
	r->last_progress = r->start;

	if (o->model == NULL || *o->model == '\0')
		return ann_error_set(r->e, ANN_ERR_CONFIG, "no model given");
	if (o->jobs < 1)
		return ann_error_set(r->e, ANN_ERR_CONFIG, "jobs must be at least 1");

	r->nslots = (size_t)o->jobs;
	r->slots = calloc(r->nslots, sizeof *r->slots);
	r->window_size = o->reorder_window ? o->reorder_window : 4 * r->nslots + 16;
	if (r->window_size < r->nslots)
		r->window_size = r->nslots;
	r->window = o->keep_order ? calloc(r->window_size, sizeof *r->window) : NULL;
	if (r->slots == NULL || (o->keep_order && r->window == NULL))
		return ann_error_set(r->e, ANN_ERR_NOMEM, "out of memory for %d request slots",
		    o->jobs);
	for (i = 0; i < r->nslots; i++) {
		ann_record_init(&r->slots[i].rec);
		ann_provider_call_init(&r->slots[i].call);
		ann_buf_init(&r->slots[i].reply, 0);
		ann_buf_init(&r->slots[i].header_scratch, 0);
	}
	for (i = 0; r->window && i < r->window_size; i++)
		ann_buf_init(&r->window[i].line, 0);
	if (o->batch)
		return ANN_OK;

	rc = parse_endpoint(r, o->endpoint ? o->endpoint : "");
	if (rc)
		return rc;

	ann_retry_quota_init(&r->quota, &o->retry);
	ann_aimd_init(&r->aimd, o->jobs);
	if (o->rpm > 0 || o->tpm > 0) {
		rc = ann_ratelimit_open(&r->rate, o->rpm, o->tpm, o->rate_group, wall_now(), r->e);
		if (rc)
			return rc;
		r->rate_on = 1;
	}
	if (o->budget_file && !o->dry_run) {
		rc = open_budget(r);
		if (rc)
			return rc;
	}
	if (o->cache_dir) {
		rc = ann_cache_open(&r->cache, o->cache_dir, r->e);
		if (rc)
			return rc;
		r->cache_on = 1;
	}

	r->multi = curl_multi_init();
	if (r->multi == NULL)
		return ann_error_set(r->e, ANN_ERR_NOMEM, "cannot create a libcurl multi handle");
	curl_multi_setopt(r->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(r->multi, CURLMOPT_MAXCONNECTS, (long)o->jobs + 4);
	return ANN_OK;
}

static void
teardown(struct run *r)
{
	size_t i;

	for (i = 0; r->slots && i < r->nslots; i++) {
		struct slot *s = &r->slots[i];
		struct curl_slist *h;

		if (s->easy) {
			if (s->state == SLOT_ACTIVE)
				curl_multi_remove_handle(r->multi, s->easy);
			curl_easy_cleanup(s->easy);
		}
		for (h = s->headers; h; h = h->next)
			explicit_bzero(h->data, strlen(h->data));
		curl_slist_free_all(s->headers);
		free(s->line);
		ann_record_release(&s->rec);
		ann_provider_call_release(&s->call);
		ann_buf_release(&s->reply);
		ann_buf_release(&s->header_scratch);
	}
	free(r->slots);
	for (i = 0; r->window && i < r->window_size; i++)
		ann_buf_release(&r->window[i].line);
	free(r->window);
	if (r->multi)
		curl_multi_cleanup(r->multi);
	if (r->rate_on)
		ann_ratelimit_close(&r->rate);
	if (r->budget_on)
		ann_budget_close(&r->budget);
	if (r->cache_on)
		ann_cache_close(&r->cache);
	ann_jsonl_reader_release(&r->in);
	ann_jsonl_writer_release(&r->out);
	ann_record_release(&r->scratch);
	ann_record_edit_release(&r->edit);
	ann_buf_release(&r->line_out);
	ann_buf_release(&r->scratch_buf);
}

int
ann_invoke_run(const struct ann_invoke_opts *o, int in_fd, int out_fd,
    struct ann_invoke_stats *stats, int *broken_pipe, struct ann_error *e)
{
	struct run r;
	int rc;

	memset(&r, 0, sizeof r);
	memset(stats, 0, sizeof *stats);
	stats->fraction_read = -1;
	r.o = o;
	r.stats = stats;
	r.e = e;
	*broken_pipe = 0;

	stats->batch_discount = o->batch && o->price && o->price->batch ?
	    o->price->batch_discount : -1;

	rc = setup(&r, in_fd, out_fd);
	if (rc == ANN_OK)
		rc = o->batch ? batch_loop(&r) : loop(&r);
	if (rc == ANN_OK)
		rc = ann_jsonl_flush(&r.out, e);
	if (rc == ANN_OK && r.budget_failure.code != ANN_OK) {
		*e = r.budget_failure;
		rc = e->code;
	}
	*broken_pipe = r.out.broken_pipe;
	progress(&r, monotonic_now(), 1);
	stats->elapsed_s = monotonic_now() - r.start;
	teardown(&r);
	return rc;
}

size_t
ann_invoke_stats_failed(const struct ann_invoke_stats *s)
{
	size_t n = 0;
	int k;

	for (k = ANN_KIND_THROTTLED; k < ANN_KIND_COUNT; k++)
		n += s->counts[k];
	return n;
}

static int
compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t
percentile(const struct ann_invoke_stats *s, double p)
{
	size_t i;

	if (s->n_latencies == 0)
		return 0;
	/* Nearest rank. */
	i = (size_t)ceil(p * (double)s->n_latencies);
	if (i < 1)
		i = 1;
	return s->latencies_ms[i - 1];
}

static double
mean_latency(const struct ann_invoke_stats *s)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < s->n_latencies; i++)
		sum += s->latencies_ms[i];
	return s->n_latencies ? sum / (double)s->n_latencies : 0;
}

int
ann_invoke_stats_json(struct ann_invoke_stats *s, struct ann_buf *out)
{
	int k;
	int rc;

	if (s->n_latencies)
		qsort(s->latencies_ms, s->n_latencies, sizeof *s->latencies_ms, compare_u32);
	rc = ann_buf_addf(out, "{\"records\":%zu,\"succeeded\":%zu,\"failed\":%zu,"
	    "\"passed_through\":%zu,\"cached\":%zu,\"outcomes\":{", s->records,
	    s->counts[ANN_KIND_OK], ann_invoke_stats_failed(s), s->counts[ANN_KIND_PASSED],
	    s->cached);
	for (k = 0; rc == ANN_OK && k < ANN_KIND_COUNT; k++)
		rc = ann_buf_addf(out, "%s\"%s\":%zu", k ? "," : "", kind_names[k], s->counts[k]);
	if (rc == ANN_OK)
		rc = ann_buf_addf(out, "},\"requests\":%zu,\"retries\":%zu,\"rate_wait_s\":%.3f,"
		    "\"tokens\":{\"input\":%lld,\"output\":%lld,\"cache_read\":%lld,"
		    "\"cache_write\":%lld},\"cost_usd\":", s->attempts, s->retries, s->rate_wait_s,
		    s->input_tokens, s->output_tokens,
		    s->cache_read_tokens, s->cache_write_tokens);
	if (rc == ANN_OK)
		rc = ann_buf_add_json_number(out, round(s->cost_usd * 1e6) / 1e6);
	if (rc == ANN_OK && s->batch_discount >= 0) {
		rc = ann_buf_adds(out, ",\"batch_discount\":");
		if (rc == ANN_OK)
			rc = ann_buf_add_json_number(out, s->batch_discount);
	}
	if (rc == ANN_OK)
		rc = ann_buf_addf(out, ",\"latency_ms\":{\"mean\":%.1f,\"p50\":%u,\"p95\":%u,"
		    "\"p99\":%u,\"max\":%u},\"elapsed_s\":%.3f}\n", mean_latency(s),
		    percentile(s, 0.50), percentile(s, 0.95), percentile(s, 0.99),
		    s->n_latencies ? s->latencies_ms[s->n_latencies - 1] : 0, s->elapsed_s);
	return rc;
}

void
ann_invoke_stats_release(struct ann_invoke_stats *s)
{
	free(s->latencies_ms);
	s->latencies_ms = NULL;
	s->n_latencies = s->cap_latencies = 0;
}
