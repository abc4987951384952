/*
 * The libmicrohttpd daemon: routing, credentials, and the flow of one
 * request from its bytes to the answer, fault or error it gets.
 */
#include "mock_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "log.h"
#include "sigv4.h"

/* Largest request body accepted: the InvokeModel body limit of the API model. */
#define MAX_BODY 25000000u
/* Headers kept per request for signature checks. */
#define MAX_REQUEST_HEADERS 64
#define MAX_MODEL_ID 2048

/* Stream tags that keep the random streams of one call apart. */
#define STREAM_DECIDE 1
#define STREAM_REQUEST_ID 2
#define STREAM_SYNTH 3
#define STREAM_MISTAKE 4

struct ann_mock {
	struct ann_mock_opts o;
	struct MHD_Daemon *daemon;
	struct mock_answers *answers;
	struct mock_stats *stats;
	struct mock_quota quota;
	char url[96];
	pthread_mutex_t sleep_lock;
	pthread_cond_t sleep_cond;
	int stopping;
};

/* Per-request state, created by the URI callback. */
struct request {
	struct ann_buf target; /* request target as received: path and query */
	struct ann_buf body;
	int headers_seen;
	int too_large;
};

/* The connection handling that follows a request. */
enum outcome {
	OUTCOME_RESPOND,
	OUTCOME_RESET,  /* abort with a TCP reset */
	OUTCOME_CLOSE,  /* close without a response */
};

static int
is_set(const char *s)
{
	return s != NULL && *s != '\0';
}

/* Compares a received secret with the expected one in constant time. */
static int
secret_equal(const char *got, const char *want)
{
	size_t n = strlen(want);

	return got != NULL && strlen(got) == n && CRYPTO_memcmp(got, want, n) == 0;
}

/* Sleeps ms milliseconds, or less when the server stops. */
static void
sleep_ms(struct ann_mock *m, long ms)
{
	struct timespec until;

	if (ms <= 0)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->sleep_lock);
	while (!m->stopping &&
	    pthread_cond_timedwait(&m->sleep_cond, &m->sleep_lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&m->sleep_lock);
}

/* ---- Credentials ---- */

struct header_list {
	struct ann_sigv4_header v[MAX_REQUEST_HEADERS];
	size_t n;
};

static enum MHD_Result
collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct header_list *h = cls;

	(void)kind;
	if (h->n < MAX_REQUEST_HEADERS) {
		h->v[h->n].name = key;
		h->v[h->n].value = value ? value : "";
		h->n++;
	}
	return MHD_YES;
}

static int
lookup_key(void *ctx, const char *access_key_id, struct ann_sigv4_known_key *key)
{
	const struct ann_mock *m = ctx;

	if (!is_set(m->o.access_key_id) || strcmp(access_key_id, m->o.access_key_id) != 0)
		return -1;
	key->secret_access_key = m->o.secret_access_key;
	key->session_token = is_set(m->o.session_token) ? m->o.session_token : NULL;
	key->expires = key->session_token != NULL ? m->o.token_expires : 0;
	return 0;
}

static int
check_sigv4(struct ann_mock *m, struct MHD_Connection *conn, const struct request *rq,
    const char *method, struct mock_error *err)
{
	struct ann_sigv4_verify_params vp;
	struct ann_sigv4_verdict v;
	struct ann_sigv4_request req;
	struct header_list h;
	struct ann_error e = ANN_ERROR_INIT;
	const char *q = strchr(rq->target.data, '?');
	char *path;
	time_t now;

	h.n = 0;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &h);
	path = strndup(rq->target.data, q ? (size_t)(q - rq->target.data) : rq->target.len);
	if (path == NULL) {
		mock_error_set(err, MOCK_E_INTERNAL, "out of memory checking the signature");
		return -1;
	}
	memset(&req, 0, sizeof req);
	req.method = method;
	req.path = path;
	req.query = q ? q + 1 : NULL;
	req.headers = h.v;
	req.nheaders = h.n;
	req.body = rq->body.data;
	req.body_len = rq->body.len;
	if (ann_sigv4_now(&now, &e) < 0)
		now = time(NULL);
	memset(&vp, 0, sizeof vp);
	vp.region = m->o.region;
	vp.service = "bedrock";
	vp.now = now;
	vp.lookup = lookup_key;
	vp.lookup_ctx = m;
	if (ann_sigv4_verify(&req, &vp, &v, &e) < 0) {
		free(path);
		mock_error_set(err, MOCK_E_INTERNAL, "out of memory checking the signature");
		return -1;
	}
	free(path);
	if (v.code == ANN_SIGV4_VALID)
		return 0;
	mock_error_set(err, MOCK_E_AUTH, "%s", v.message);
	err->status = v.http_status;
	err->type = v.error_type;
	return -1;
}

static int
check_bedrock(struct ann_mock *m, struct MHD_Connection *conn, const struct request *rq,
    const char *method, struct mock_error *err)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

	if (auth != NULL && strncmp(auth, "Bearer ", 7) == 0) {
		if (!is_set(m->o.bedrock_bearer)) {
			mock_error_set(err, MOCK_E_AUTH, "ann-mock has no Bedrock API key to check this bearer "
			    "token against: set AWS_BEARER_TOKEN_BEDROCK in its environment or start it with --no-auth");
			return -1;
		}
		if (secret_equal(auth + 7, m->o.bedrock_bearer))
			return 0;
		mock_error_set(err, MOCK_E_AUTH, "Authentication failed: the API key in the request is not valid.");
		return -1;
	}
	if (!is_set(m->o.access_key_id)) {
		mock_error_set(err, MOCK_E_AUTH, "ann-mock has no AWS credentials to check a signature against: "
		    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_BEARER_TOKEN_BEDROCK) in its "
		    "environment or start it with --no-auth");
		if (auth == NULL && is_set(m->o.bedrock_bearer))
			mock_error_set(err, MOCK_E_AUTH, "Authorization header is missing: send Authorization: Bearer <API key>");
		return -1;
	}
	return check_sigv4(m, conn, rq, method, err);
}

static int
check_anthropic(struct ann_mock *m, struct MHD_Connection *conn, struct mock_error *err)
{
	const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "x-api-key");

	if (!is_set(m->o.anthropic_key)) {
		mock_error_set(err, MOCK_E_AUTH, "ann-mock has no Anthropic API key to check x-api-key "
		    "against: set ANTHROPIC_API_KEY in its environment or start it with --no-auth");
		return -1;
	}
	if (key == NULL) {
		mock_error_set(err, MOCK_E_AUTH, "x-api-key header is required");
		return -1;
	}
	if (!secret_equal(key, m->o.anthropic_key)) {
		mock_error_set(err, MOCK_E_AUTH, "invalid x-api-key");
		return -1;
	}
	if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "anthropic-version") == NULL) {
		mock_error_set(err, MOCK_E_VALIDATION, "anthropic-version: header is required");
		return -1;
	}
	return 0;
}

static int
check_openai(struct ann_mock *m, struct MHD_Connection *conn, struct mock_error *err)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

	if (!is_set(m->o.openai_key)) {
		mock_error_set(err, MOCK_E_AUTH, "ann-mock has no OpenAI API key to check the bearer "
		    "token against: set OPENAI_API_KEY in its environment or start it with --no-auth");
		return -1;
	}
	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0) {
		mock_error_set(err, MOCK_E_AUTH, "You didn't provide an API key: send Authorization: Bearer <key>");
		return -1;
	}
	if (!secret_equal(auth + 7, m->o.openai_key)) {
		mock_error_set(err, MOCK_E_AUTH, "Incorrect API key provided.");
		return -1;
	}
	return 0;
}

/* ---- Routing ---- */

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the model id label of a Bedrock path; -1 when it is not a valid id. */
static int
decode_model_id(const char *s, size_t n, char *out, size_t size)
{
	size_t i, o = 0;
	int hi, lo;
	char c;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '%') {
			if (i + 2 >= n || (hi = hex_value(s[i + 1])) < 0 || (lo = hex_value(s[i + 2])) < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == ':' || c == '.' || c == '_' || c == '/'))
			return -1;
		if (o + 1 >= size)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

enum route {
	ROUTE_API,
	ROUTE_STATS,
	ROUTE_NOT_FOUND,
	ROUTE_BAD_MODEL,
};

static enum route
route(const char *method, const char *path, size_t path_len, enum mock_api *api,
    char *model, size_t model_size)
{
	const char *label, *slash;

	*api = MOCK_API_CONVERSE;
	if (path_len == 12 && memcmp(path, "/_mock/stats", 12) == 0)
		return strcmp(method, "GET") == 0 ? ROUTE_STATS : ROUTE_NOT_FOUND;
	if (path_len == 12 && memcmp(path, "/v1/messages", 12) == 0) {
		*api = MOCK_API_ANTHROPIC;
		return strcmp(method, "POST") == 0 ? ROUTE_API : ROUTE_NOT_FOUND;
	}
	if (path_len == 20 && memcmp(path, "/v1/chat/completions", 20) == 0) {
		*api = MOCK_API_OPENAI;
		return strcmp(method, "POST") == 0 ? ROUTE_API : ROUTE_NOT_FOUND;
	}
	if (path_len < 8 || memcmp(path, "/model/", 7) != 0)
		return ROUTE_NOT_FOUND;
	label = path + 7;
	slash = memchr(label, '/', path_len - 7);
	if (slash == NULL || strcmp(method, "POST") != 0)
		return ROUTE_NOT_FOUND;
	if ((size_t)(path + path_len - slash) == 9 && memcmp(slash, "/converse", 9) == 0)
		*api = MOCK_API_CONVERSE;
	else if ((size_t)(path + path_len - slash) == 7 && memcmp(slash, "/invoke", 7) == 0)
		*api = MOCK_API_INVOKE;
	else
		return ROUTE_NOT_FOUND;
	if (decode_model_id(label, (size_t)(slash - label), model, model_size) < 0)
		return ROUTE_BAD_MODEL;
	return ROUTE_API;
}

/* ---- One call ---- */

static void
format_request_id(char out[40], uint64_t seed, uint64_t key_hash, uint64_t n)
{
	struct mock_rng r;
	uint64_t a, b;

	mock_rng_seed(&r, seed, key_hash, n, STREAM_REQUEST_ID);
	a = mock_rng_next(&r);
	b = mock_rng_next(&r);
	snprintf(out, 40, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
	    (unsigned)a & 0xfff, (unsigned)((b >> 48) & 0x3fff) | 0x8000,
	    (unsigned long long)(b & 0xffffffffffffULL));
}

/* Cuts text so its token estimate fits max_tokens. */
static void
cut_to_tokens(struct ann_buf *text, long max_tokens)
{
	size_t i = 0, end = 0;

	while (i < text->len) {
		size_t step = 1;

		while (i + step < text->len && ((unsigned char)text->data[i + step] & 0xC0) == 0x80)
			step++;
		if (mock_token_estimate(text->data, i + step) > max_tokens)
			break;
		i += step;
		end = i;
	}
	ann_buf_truncate(text, end);
}

/* Builds the answer for c: reference, synthesised, then the drawn mistake. */
static int
make_reply(struct ann_mock *m, struct mock_reply *rp, const struct mock_call *c,
    const struct mock_decision *d, uint64_t key_hash, uint64_t n)
{
	const cJSON *ref = NULL;
	struct mock_rng r;
	char *printed;
	int applied;

	if (c->record_id.len > 0) {
		ref = mock_answers_by_id(m->answers, c->record_id.data);
		if (ref == NULL && m->answers != NULL)
			ann_log(ANN_LOG_INFO, "record %.100s is not in the answers file; matching by text",
			    c->record_id.data);
	}
	if (ref == NULL && c->user_text.len > 0)
		ref = mock_answers_by_text(m->answers, c->user_text.data);
	/* Synthesis depends on the key, not the call number: a record's correct
	 * answer stays the same across retries and re-asks. */
	mock_rng_seed(&r, m->o.seed, key_hash, 0, STREAM_SYNTH);
	if (ref != NULL)
		rp->value = cJSON_Duplicate(ref, 1);
	else if (c->schema != NULL)
		rp->value = mock_synthesise(c->schema, c->schema, &r);
	else
		rp->value = cJSON_CreateObject();
	if (rp->value == NULL)
		return -1;
	rp->as_text = c->mode != MOCK_MODE_TOOL;

	if (d->mistake != MOCK_NO_MISTAKE) {
		mock_rng_seed(&r, m->o.seed, key_hash, n, STREAM_MISTAKE);
		applied = mock_mistake_apply(d->mistake, rp, c, &r);
		if (applied < 0)
			return -1;
		mock_stats_mistake(m->stats, d->mistake, applied);
	}

	if (rp->as_text && rp->text.len == 0 && rp->stop != MOCK_STOP_MAX_TOKENS) {
		printed = cJSON_PrintUnformatted(rp->value);
		if (printed == NULL || ann_buf_adds(&rp->text, printed) < 0) {
			free(printed);
			return -1;
		}
		free(printed);
	}
	if (rp->as_text) {
		rp->output_tokens = mock_token_estimate(rp->text.data, rp->text.len);
	} else {
		printed = cJSON_PrintUnformatted(rp->value);
		if (printed == NULL)
			return -1;
		rp->output_tokens = mock_token_estimate(printed, strlen(printed));
		free(printed);
	}
	/* An answer longer than max_tokens is cut there, as a model's would be. */
	if (rp->output_tokens > c->max_tokens) {
		if (rp->as_text)
			cut_to_tokens(&rp->text, c->max_tokens);
		rp->output_tokens = c->max_tokens;
		rp->stop = MOCK_STOP_MAX_TOKENS;
	}
	if (rp->stop != MOCK_STOP_MAX_TOKENS)
		rp->stop = rp->as_text ? MOCK_STOP_END : MOCK_STOP_TOOL;
	return 0;
}

static void
set_reset(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	struct sockaddr unspec;

	/* libmicrohttpd shuts a connection down with a FIN before closing it,
	 * which a client sees as an empty reply. Connecting a TCP socket to
	 * AF_UNSPEC disconnects it at once with a reset (Linux tcp_disconnect),
	 * which is what a dropped connection looks like to the client. */
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return;
	memset(&unspec, 0, sizeof unspec);
	unspec.sa_family = AF_UNSPEC;
	connect(ci->connect_fd, &unspec, sizeof unspec);
}

static enum outcome
fail(struct ann_mock *m, struct mock_response *resp, enum mock_api api, struct mock_error *err,
    const char *request_id)
{
	if (mock_wire_error(resp, api, err, request_id) < 0) {
		resp->status = 500;
		ann_buf_reset(&resp->body);
	}
	mock_stats_status(m->stats, resp->status);
	return OUTCOME_RESPOND;
}

static enum outcome
handle_call(struct ann_mock *m, struct MHD_Connection *conn, struct request *rq,
    const char *method, enum mock_api api, const char *model, struct mock_response *resp)
{
	static const enum mock_error_kind fault_error[] = {
		[ANN_MOCK_FAULT_THROTTLE] = MOCK_E_THROTTLE,
		[ANN_MOCK_FAULT_UNAVAILABLE] = MOCK_E_UNAVAILABLE,
		[ANN_MOCK_FAULT_INTERNAL] = MOCK_E_INTERNAL,
		[ANN_MOCK_FAULT_TIMEOUT] = MOCK_E_TIMEOUT,
	};
	static const char *const fault_message[] = {
		[ANN_MOCK_FAULT_THROTTLE] = "Too many requests, please wait before trying again.",
		[ANN_MOCK_FAULT_UNAVAILABLE] = "The service is temporarily unable to handle the request.",
		[ANN_MOCK_FAULT_INTERNAL] = "The server encountered an internal error while processing the request.",
		[ANN_MOCK_FAULT_TIMEOUT] = "Model has timed out in processing the request. Processing time exceeded the model timeout length.",
	};
	struct mock_call c;
	struct mock_reply rp;
	struct mock_error err;
	struct mock_decision d;
	struct mock_rng r;
	enum mock_quota_verdict qv;
	enum outcome out = OUTCOME_RESPOND;
	char text_key[40], request_id[40];
	const char *key = "-";
	uint64_t key_hash, n;
	int rc = 0;

	mock_call_init(&c, api);
	mock_reply_init(&rp);
	memset(&d, 0, sizeof d);
	d.fault = MOCK_NO_FAULT;
	d.mistake = MOCK_NO_MISTAKE;
	format_request_id(request_id, m->o.seed, mock_hash64(rq->target.data, rq->target.len),
	    (uint64_t)time(NULL));

	/* A body cut at the size limit cannot be verified, so it is rejected
	 * first, with the reason. */
	if (rq->too_large) {
		mock_error_set(&err, MOCK_E_VALIDATION, "the request body is larger than %u bytes", MAX_BODY);
		out = fail(m, resp, api, &err, request_id);
		goto done;
	}
	if (!m->o.no_auth) {
		if (api == MOCK_API_ANTHROPIC)
			rc = check_anthropic(m, conn, &err);
		else if (api == MOCK_API_OPENAI)
			rc = check_openai(m, conn, &err);
		else
			rc = check_bedrock(m, conn, rq, method, &err);
		if (rc < 0) {
			if (err.kind == MOCK_E_AUTH)
				mock_stats_auth_rejected(m->stats);
			out = fail(m, resp, api, &err, request_id);
			goto done;
		}
	}
	c.reask_marker = m->o.reask_marker;
	if (mock_wire_parse(&c, rq->body.data, rq->body.len, model,
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Amzn-Bedrock-Request-Metadata"),
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Ann-Record-Id"), &err) < 0) {
		out = fail(m, resp, api, &err, request_id);
		goto done;
	}

	if (c.record_id.len > 0) {
		key = c.record_id.data;
	} else {
		snprintf(text_key, sizeof text_key, "text:%016llx",
		    (unsigned long long)mock_hash64(c.first_user.data, c.first_user.len));
		key = text_key;
	}
	key_hash = mock_hash64(key, strlen(key));
	n = mock_stats_call(m->stats, key, api);
	format_request_id(request_id, m->o.seed, key_hash, n);
	mock_rng_seed(&r, m->o.seed, key_hash, n, STREAM_DECIDE);
	mock_decide(&d, &m->o, c.reask, &r);

	qv = mock_quota_take(&m->quota, c.input_tokens + c.max_tokens);
	if (qv != MOCK_QUOTA_OK) {
		mock_stats_quota(m->stats, qv);
		mock_error_set(&err, MOCK_E_THROTTLE, "%s", qv == MOCK_QUOTA_RPM ?
		    "Too many requests, please wait before trying again." :
		    "Too many tokens, please wait before trying again.");
		out = fail(m, resp, api, &err, request_id);
		goto done;
	}
	if (d.fault != MOCK_NO_FAULT) {
		mock_stats_fault(m->stats, d.fault);
		if (d.fault == ANN_MOCK_FAULT_RESET) {
			set_reset(conn);
			out = OUTCOME_RESET;
			goto done;
		}
		if (d.fault == ANN_MOCK_FAULT_STALL) {
			sleep_ms(m, (long)m->o.stall_ms);
			out = OUTCOME_CLOSE;
			goto done;
		}
		if (d.fault != ANN_MOCK_FAULT_THROTTLE)
			sleep_ms(m, d.latency_ms);
		mock_error_set(&err, fault_error[d.fault], "%s", fault_message[d.fault]);
		out = fail(m, resp, api, &err, request_id);
		goto done;
	}

	sleep_ms(m, d.latency_ms);
	if (c.reask)
		mock_stats_reask(m->stats, d.reask_fixed);
	if (make_reply(m, &rp, &c, &d, key_hash, n) < 0 ||
	    mock_wire_success(resp, &c, &rp, d.latency_ms, request_id) < 0) {
		ann_buf_reset(&resp->body);
		resp->nheaders = 0;
		ann_log(ANN_LOG_ERROR, "record %.100s: out of memory building the answer", key);
		mock_error_set(&err, MOCK_E_INTERNAL, "out of memory building the answer");
		out = fail(m, resp, api, &err, request_id);
		goto done;
	}
	mock_stats_tokens(m->stats, c.input_tokens, rp.output_tokens);
	mock_stats_status(m->stats, 200);

done:
	ann_log(ANN_LOG_INFO, "%s %.200s %d key=%.100s fault=%s mistake=%s", method, rq->target.data,
	    out == OUTCOME_RESPOND ? resp->status : 0, key, ann_mock_fault_name(d.fault),
	    ann_mock_mistake_name(d.mistake));
	mock_reply_release(&rp);
	mock_call_release(&c);
	return out;
}

static enum MHD_Result
send_response(struct MHD_Connection *conn, struct mock_response *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ok;
	size_t len, i;
	char *data = ann_buf_detach(&resp->body, &len);

	if (data == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(data);
		return MHD_NO;
	}
	for (i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
	ok = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct ann_mock *m = cls;
	struct request *rq = *con_cls;
	struct mock_response resp;
	struct mock_error err;
	enum mock_api api;
	enum outcome out = OUTCOME_RESPOND;
	enum route rt;
	enum MHD_Result ok;
	char model[MAX_MODEL_ID + 1];
	const char *q;
	size_t path_len;

	(void)url;
	(void)version;
	if (rq == NULL)
		return MHD_NO;
	if (!rq->headers_seen) {
		rq->headers_seen = 1;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!rq->too_large && ann_buf_add(&rq->body, upload_data, *upload_data_size) < 0) {
			rq->too_large = 1;
			ann_buf_release(&rq->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	memset(&resp, 0, sizeof resp);
	ann_buf_init(&resp.body, ANN_BUF_MAX_DEFAULT);
	q = strchr(rq->target.data, '?');
	path_len = q ? (size_t)(q - rq->target.data) : rq->target.len;
	rt = route(method, rq->target.data, path_len, &api, model, sizeof model);
	switch (rt) {
	case ROUTE_STATS:
		resp.status = 200;
		mock_response_header(&resp, "Content-Type", "application/json");
		if (mock_stats_json(m->stats, &resp.body) < 0)
			return MHD_NO;
		break;
	case ROUTE_API:
		out = handle_call(m, conn, rq, method, api, api == MOCK_API_CONVERSE ||
		    api == MOCK_API_INVOKE ? model : NULL, &resp);
		break;
	case ROUTE_BAD_MODEL:
		mock_error_set(&err, MOCK_E_VALIDATION, "the model identifier in the path is not valid");
		fail(m, &resp, api, &err, "00000000-0000-4000-8000-000000000000");
		break;
	default:
		mock_error_set(&err, MOCK_E_NOT_FOUND, "ann-mock has no operation %s %.200s", method,
		    rq->target.data);
		fail(m, &resp, api, &err, "00000000-0000-4000-8000-000000000000");
		break;
	}
	if (out != OUTCOME_RESPOND) {
		ann_buf_release(&resp.body);
		return MHD_NO;
	}
	ok = send_response(conn, &resp);
	ann_buf_release(&resp.body);
	return ok;
}

static void *
start_request(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct request *rq = calloc(1, sizeof *rq);

	(void)cls;
	(void)conn;
	if (rq == NULL)
		return NULL;
	ann_buf_init(&rq->target, 64 * 1024);
	ann_buf_init(&rq->body, MAX_BODY);
	if (ann_buf_adds(&rq->target, uri) < 0) {
		ann_buf_release(&rq->target);
		free(rq);
		return NULL;
	}
	return rq;
}

static void
end_request(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq == NULL)
		return;
	ann_buf_release(&rq->target);
	ann_buf_release(&rq->body);
	free(rq);
	*con_cls = NULL;
}

/* Leaves the URL as received, so signatures are checked over the wire path. */
static size_t
keep_url(void *cls, struct MHD_Connection *conn, char *uri)
{
	(void)cls;
	(void)conn;
	return strlen(uri);
}

/* libmicrohttpd's format strings are printf formats; saying so lets clang's
 * -Wformat-nonliteral accept the vsnprintf below. */
static void __attribute__((format(printf, 2, 0)))
log_mhd(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	if (!ann_log_enabled(ANN_LOG_DEBUG))
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	ann_log(ANN_LOG_DEBUG, "libmicrohttpd: %s", line);
}

int
ann_mock_start(struct ann_mock **out, const struct ann_mock_opts *opts, struct ann_error *e)
{
	struct ann_mock *m;
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	const struct sockaddr *addr;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
	int rc;

	*out = NULL;
	memset(&a4, 0, sizeof a4);
	memset(&a6, 0, sizeof a6);
	if (inet_pton(AF_INET, opts->host, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)opts->port);
		addr = (const struct sockaddr *)&a4;
	} else if (inet_pton(AF_INET6, opts->host, &a6.sin6_addr) == 1) {
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)opts->port);
		addr = (const struct sockaddr *)&a6;
		flags |= MHD_USE_IPv6;
	} else {
		return ann_error_set(e, ANN_ERR_CONFIG, "invalid listen address '%.80s', expected an IPv4 "
		    "or IPv6 address such as 127.0.0.1", opts->host);
	}
	if (is_set(opts->access_key_id) && !is_set(opts->region))
		return ann_error_set(e, ANN_ERR_CONFIG,
		    "AWS_ACCESS_KEY_ID is set but no region: set --region or AWS_REGION");
	if (is_set(opts->access_key_id) && !is_set(opts->secret_access_key))
		return ann_error_set(e, ANN_ERR_CONFIG,
		    "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY");

	m = calloc(1, sizeof *m);
	if (m == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "start server: out of memory");
	m->o = *opts;
	pthread_mutex_init(&m->sleep_lock, NULL);
	pthread_cond_init(&m->sleep_cond, NULL);
	mock_quota_init(&m->quota, opts->rpm, opts->tpm);
	if ((rc = mock_stats_new(&m->stats)) < 0) {
		ann_error_set(e, rc, "start server: out of memory");
		goto fail;
	}
	if (opts->answers_path != NULL &&
	    (rc = mock_answers_load(&m->answers, opts->answers_path, e)) < 0) {
		/* A file named by an option that cannot be used is a usage error. */
		if (rc != ANN_ERR_NOMEM)
			rc = e->code = ANN_ERR_CONFIG;
		goto fail;
	}

	m->daemon = MHD_start_daemon(flags, (uint16_t)opts->port, NULL, NULL, access_handler, m,
	    MHD_OPTION_SOCK_ADDR, addr,
	    MHD_OPTION_URI_LOG_CALLBACK, start_request, m,
	    MHD_OPTION_NOTIFY_COMPLETED, end_request, m,
	    MHD_OPTION_UNESCAPE_CALLBACK, keep_url, m,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)opts->threads_max,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	    MHD_OPTION_EXTERNAL_LOGGER, log_mhd, m,
	    MHD_OPTION_END);
	if (m->daemon == NULL) {
		rc = ann_error_set(e, ANN_ERR_IO, "listen on %s port %u failed: %s", opts->host,
		    opts->port, strerror(errno));
		goto fail;
	}
	info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(m->url, sizeof m->url, addr->sa_family == AF_INET6 ? "http://[%s]:%u" : "http://%s:%u",
	    opts->host, info ? (unsigned)info->port : opts->port);
	*out = m;
	return ANN_OK;
fail:
	ann_mock_free(m);
	return rc;
}

const char *
ann_mock_url(const struct ann_mock *m)
{
	return m->url;
}

int
ann_mock_stats_json(struct ann_mock *m, struct ann_buf *out)
{
	return mock_stats_json(m->stats, out);
}

void
ann_mock_stop(struct ann_mock *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->sleep_lock);
	m->stopping = 1;
	pthread_cond_broadcast(&m->sleep_cond);
	pthread_mutex_unlock(&m->sleep_lock);
	if (m->daemon != NULL)
		MHD_stop_daemon(m->daemon);
	m->daemon = NULL;
}

void
ann_mock_free(struct ann_mock *m)
{
	if (m == NULL)
		return;
	ann_mock_stop(m);
	mock_answers_free(m->answers);
	mock_stats_free(m->stats);
	mock_quota_release(&m->quota);
	pthread_cond_destroy(&m->sleep_cond);
	pthread_mutex_destroy(&m->sleep_lock);
	free(m);
}
