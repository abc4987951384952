/*
 * SigV4 tests: every case folder of the AWS signing test suite (header
 * mode: canonical request, string to sign and signature byte for byte),
 * Bedrock-shaped requests whose values botocore 1.43.11 computed, the
 * field failures of other signers, and the server-side verification.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "harness.h"
#include "sigv4.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define B_TIME 1736942400 /* 20250115T120000Z */

/* ---- the AWS signing test suite ---- */

#define MAX_HEADERS 32

struct suite_request {
	char *text; /* request.txt, cut in place into the strings below */
	char method[16];
	char *path;
	char *query;
	struct ann_sigv4_header headers[MAX_HEADERS];
	char *values[MAX_HEADERS]; /* malloc'd values (continuation lines joined) */
	size_t nheaders;
	char *body;
	size_t body_len;
};

static char **case_names;
static size_t ncases;
static size_t next_case;
static char suite_dir[4096];

static void
suite_request_free(struct suite_request *r)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		free(r->values[i]);
	free(r->text);
}

/* Parses request.txt: "METHOD path HTTP/1.1", header lines (a line starting
 * with whitespace continues the previous value), a blank line, the body. */
static int
parse_request(struct suite_request *r, char *text, size_t len)
{
	char *line_end = strchr(text, '\n');
	char *line = text;
	char *sp, *proto, *q;

	memset(r, 0, sizeof *r);
	r->text = text;
	if (line_end == NULL)
		line_end = text + len;
	*line_end = '\0';
	sp = strchr(line, ' ');
	proto = strstr(line, " HTTP/1.1");
	if (sp == NULL || proto == NULL || (size_t)(sp - line) >= sizeof r->method)
		return -1;
	memcpy(r->method, line, (size_t)(sp - line));
	*proto = '\0';
	r->path = sp + 1;
	q = strchr(r->path, '?');
	if (q != NULL) {
		*q = '\0';
		r->query = q + 1;
	}
	line = line_end < text + len ? line_end + 1 : text + len;
	while (line < text + len) {
		char *colon;

		line_end = strchr(line, '\n');
		if (line_end == NULL)
			line_end = text + len;
		*line_end = '\0';
		if (*line == '\0') {
			line = line_end + 1;
			break;
		}
		if ((*line == ' ' || *line == '\t') && r->nheaders > 0) {
			char *prev = r->values[r->nheaders - 1];
			size_t n = strlen(prev);
			char *joined = realloc(prev, n + strlen(line) + 2);

			if (joined == NULL)
				return -1;
			joined[n] = '\n';
			strcpy(joined + n + 1, line);
			r->values[r->nheaders - 1] = joined;
			r->headers[r->nheaders - 1].value = joined;
		} else {
			colon = strchr(line, ':');
			if (colon == NULL || r->nheaders == MAX_HEADERS)
				return -1;
			*colon = '\0';
			r->values[r->nheaders] = strdup(colon + 1);
			if (r->values[r->nheaders] == NULL)
				return -1;
			r->headers[r->nheaders].name = line;
			r->headers[r->nheaders].value = r->values[r->nheaders];
			r->nheaders++;
		}
		line = line_end + 1;
	}
	if (line < text + len) {
		r->body = line;
		r->body_len = (size_t)(text + len - line);
	}
	return 0;
}

static char *
read_case_file(const char *name, const char *file, size_t *len)
{
	char path[8192];

	snprintf(path, sizeof path, "%s/%s/%s", suite_dir, name, file);
	return ann_test_read_file(path, len);
}

/* Finds the Authorization line of header-signed-request.txt. */
static char *
expected_authorization(const char *signed_request)
{
	const char *p = strstr(signed_request, "\nAuthorization:");
	const char *end;
	char *out;

	if (p == NULL)
		return NULL;
	p += strlen("\nAuthorization:");
	end = strchr(p, '\n');
	if (end == NULL)
		end = p + strlen(p);
	out = malloc((size_t)(end - p) + 1);
	if (out != NULL) {
		memcpy(out, p, (size_t)(end - p));
		out[end - p] = '\0';
	}
	return out;
}

struct suite_key {
	const char *secret;
	const char *token;
};

static int
lookup_suite_key(void *ctx, const char *akid, struct ann_sigv4_known_key *key)
{
	const struct suite_key *k = ctx;

	if (strcmp(akid, AKID) != 0)
		return -1;
	key->secret_access_key = k->secret;
	key->session_token = k->token;
	key->expires = 0;
	return 0;
}

/* Sends the signed request through the verifier, as the look-alike server would. */
static void
check_verifies(const struct suite_request *r, const struct ann_sigv4_signed *s,
    const struct ann_sigv4_params *p, const char *token, int expect_valid)
{
	struct ann_sigv4_header all[MAX_HEADERS + 4];
	struct ann_sigv4_request got;
	struct ann_sigv4_verdict v;
	struct ann_error e = ANN_ERROR_INIT;
	struct suite_key key = { SECRET, token };
	struct ann_sigv4_verify_params vp = {
		p->region, p->service, p->time, 0, p->flags, lookup_suite_key, &key,
	};
	size_t n = 0;
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		all[n++] = r->headers[i];
	for (i = 0; i < s->nadded; i++)
		all[n++] = s->added[i];
	if (!expect_valid)
		all[n++] = (struct ann_sigv4_header){ "X-Amz-Security-Token", token };
	got = (struct ann_sigv4_request){ r->method, NULL, r->path, r->query, all, n,
	    r->body, r->body_len, NULL };
	CHECK_INT(ANN_OK, ann_sigv4_verify(&got, &vp, &v, &e));
	if (expect_valid)
		CHECK_STR("signature valid", v.message);
	else
		CHECK_INT(ANN_SIGV4_BAD_SIGNATURE, v.code);
}

static void
run_suite_case(const char *name)
{
	struct suite_request r;
	struct ann_sigv4_signed s;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_sigv4_params p = { NULL, NULL, 0, 0 };
	struct ann_sigv4_creds c = { NULL, NULL, NULL };
	struct ann_sigv4_request req;
	cJSON *ctx = NULL;
	size_t len = 0;
	char *text = read_case_file(name, "request.txt", &len);
	char *context = read_case_file(name, "context.json", NULL);
	char *creq = read_case_file(name, "header-canonical-request.txt", NULL);
	char *sts = read_case_file(name, "header-string-to-sign.txt", NULL);
	char *sig = read_case_file(name, "header-signature.txt", NULL);
	char *signed_req = read_case_file(name, "header-signed-request.txt", NULL);
	char *auth = NULL;
	int omit_token;

	ann_sigv4_signed_init(&s);
	CHECK(text != NULL);
	CHECK(context != NULL);
	CHECK(creq != NULL);
	CHECK(sts != NULL);
	CHECK(sig != NULL);
	CHECK(signed_req != NULL);
	if (!(text && context && creq && sts && sig && signed_req)) {
		free(text);
		goto done;
	}
	CHECK_INT(0, parse_request(&r, text, len));
	ctx = cJSON_Parse(context);
	CHECK(ctx != NULL);
	if (ctx == NULL) {
		suite_request_free(&r);
		goto done;
	}

	c.access_key_id = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(ctx, "credentials"), "access_key_id"));
	c.secret_access_key = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(ctx, "credentials"), "secret_access_key"));
	c.session_token = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(ctx, "credentials"), "token"));
	p.region = cJSON_GetStringValue(cJSON_GetObjectItem(ctx, "region"));
	p.service = cJSON_GetStringValue(cJSON_GetObjectItem(ctx, "service"));
	CHECK_STR("2015-08-30T12:36:00Z",
	    cJSON_GetStringValue(cJSON_GetObjectItem(ctx, "timestamp")));
	CHECK_INT(ANN_OK, ann_sigv4_parse_date("20150830T123600Z", &p.time, &e));
	if (cJSON_IsFalse(cJSON_GetObjectItem(ctx, "normalize")))
		p.flags |= ANN_SIGV4_NO_NORMALIZE;
	if (cJSON_IsTrue(cJSON_GetObjectItem(ctx, "sign_body")))
		p.flags |= ANN_SIGV4_CONTENT_SHA256;
	/* "Token added after signing" is what signing without a token yields;
	 * our signer has no mode that leaves a token it sends unsigned. */
	omit_token = cJSON_IsTrue(cJSON_GetObjectItem(ctx, "omit_session_token"));
	if (omit_token)
		c.session_token = NULL;

	req = (struct ann_sigv4_request){ r.method, NULL, r.path, r.query, r.headers,
	    r.nheaders, r.body, r.body_len, NULL };
	CHECK_INT(ANN_OK, ann_sigv4_sign(&s, &req, &c, &p, &e));
	CHECK_STR("", e.msg);
	CHECK_STR(creq, s.canonical_request.data);
	CHECK_STR(sts, s.string_to_sign.data);
	CHECK_STR(sig, s.signature);
	auth = expected_authorization(signed_req);
	CHECK_STR(auth, s.authorization.data);
	if (omit_token) {
		const char *token = cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(ctx, "credentials"), "token"));

		check_verifies(&r, &s, &p, token, 0);
	} else {
		check_verifies(&r, &s, &p, c.session_token, 1);
	}
	suite_request_free(&r);

done:
	ann_sigv4_signed_release(&s);
	cJSON_Delete(ctx);
	free(context);
	free(creq);
	free(sts);
	free(sig);
	free(signed_req);
	free(auth);
}

/* Runs the suite cases in the order main listed them, one per call. */
static void
suite_case(void)
{
	if (next_case < ncases)
		run_suite_case(case_names[next_case++]);
}

static void
suite_folder_found(void)
{
	CHECK(suite_dir[0] != '\0');
	CHECK(ncases > 0);
}

/* ---- shared helpers for single requests ---- */

struct one {
	const char *method;
	const char *host;
	const char *path;
	const char *query;
	struct ann_sigv4_header headers[8];
	size_t nheaders;
	const char *body;
	const char *token;
	const char *region;
	unsigned flags;
};

static int
sign_one(struct ann_sigv4_signed *s, const struct one *o)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_sigv4_request req = { o->method, o->host, o->path, o->query, o->headers,
	    o->nheaders, o->body, o->body ? strlen(o->body) : 0, NULL };
	struct ann_sigv4_creds c = { AKID, SECRET, o->token };
	struct ann_sigv4_params p = { o->region ? o->region : "us-east-1", "bedrock", B_TIME,
	    o->flags };

	return ann_sigv4_sign(s, &req, &c, &p, &e);
}

static int
has_prefix_suffix(const char *s, const char *prefix, const char *suffix)
{
	size_t n = strlen(s);

	return strncmp(s, prefix, strlen(prefix)) == 0 && n >= strlen(suffix) &&
	    strcmp(s + n - strlen(suffix), suffix) == 0;
}

/* Returns line n (0-based) of the canonical request as a static string. */
static const char *
creq_line(const struct ann_sigv4_signed *s, int n)
{
	static char line[1024];
	const char *p = s->canonical_request.data;
	const char *end;

	while (n-- > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	if (p == NULL)
		return "";
	end = strchr(p, '\n');
	if (end == NULL)
		end = p + strlen(p);
	snprintf(line, sizeof line, "%.*s", (int)(end - p), p);
	return line;
}

static const struct one b01 = {
	"POST", "bedrock-runtime.us-east-1.amazonaws.com",
	"/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke", NULL,
	{ { "content-type", "application/json" }, { "x-amz-date", "20250115T120000Z" },
	  { "x-amz-security-token", "EXAMPLESESSIONTOKEN" },
	  { "host", "bedrock-runtime.us-east-1.amazonaws.com" } }, 4,
	"{\"x\":1}", "EXAMPLESESSIONTOKEN", NULL, 0,
};

/* ---- field cases ---- */

static void
b01_colon_encoded_twice(void)
{
	struct ann_sigv4_signed s;
	struct one literal = b01;

	ann_sigv4_signed_init(&s);
	CHECK_INT(ANN_OK, sign_one(&s, &b01));
	CHECK_STR("/model/us.anthropic.claude-3-5-haiku-20241022-v1%253A0/invoke", creq_line(&s, 1));
	CHECK_STR("content-type;host;x-amz-date;x-amz-security-token", s.signed_headers.data);
	CHECK_STR("9fa437863d94a8e19fcc7a6e3e83831705dea81dc8436a539114aac34ae8f886", s.signature);
	CHECK_STR("5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22",
	    s.payload_hash);

	/* The single-encoded canonical URI is the bug: it must give another value. */
	literal.flags = ANN_SIGV4_NO_DOUBLE_ENCODE;
	CHECK_INT(ANN_OK, sign_one(&s, &literal));
	CHECK(has_prefix_suffix(s.signature, "12aed2c0", "1cdb"));

	/* A literal ':' on the wire signs as %3A. */
	literal.flags = 0;
	literal.path = "/model/us.anthropic.claude-3-5-haiku-20241022-v1:0/invoke";
	CHECK_INT(ANN_OK, sign_one(&s, &literal));
	CHECK_STR("/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke", creq_line(&s, 1));
	ann_sigv4_signed_release(&s);
}

/* Every byte of a label survives: wire = encode(label), canonical = encode(wire). */
static void
b01_every_byte_encoded_twice(void)
{
	struct ann_buf label = ANN_BUF_INIT;
	struct ann_buf wire = ANN_BUF_INIT;
	struct ann_buf canon = ANN_BUF_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	int c;
	size_t i;

	for (c = 1; c < 256; c++)
		ann_buf_addc(&label, (char)c);
	ann_buf_addc(&wire, '/');
	CHECK_INT(ANN_OK, ann_sigv4_uri_encode(&wire, label.data, label.len, 0));
	CHECK(strchr(wire.data + 1, '/') == NULL);
	CHECK_INT(ANN_OK, ann_sigv4_canonical_uri(&canon, wire.data, 0, &e));
	CHECK_INT(wire.len + 2 * (255 - 66), canon.len);
	for (i = 0; i < canon.len; i++)
		CHECK(strchr("%0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-._~/",
		    canon.data[i]) != NULL);
	CHECK(strstr(canon.data, "%253A") != NULL);
	CHECK(strstr(canon.data, "%252F") != NULL);
	CHECK(strstr(canon.data, "%2525") != NULL);
	ann_buf_release(&label);
	ann_buf_release(&wire);
	ann_buf_release(&canon);
}

static void
b01_host_signed_once(void)
{
	struct ann_sigv4_signed s;
	struct one o = b01;

	ann_sigv4_signed_init(&s);
	o.headers[3].value = "BEDROCK-RUNTIME.us-east-1.amazonaws.com ";
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR("content-type;host;x-amz-date;x-amz-security-token", s.signed_headers.data);
	o.headers[3].value = "evil.example.com";
	CHECK_INT(ANN_ERR_INVALID, sign_one(&s, &o));
	o.host = NULL;
	o.headers[3].value = "bedrock-runtime.us-east-1.amazonaws.com";
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR("9fa437863d94a8e19fcc7a6e3e83831705dea81dc8436a539114aac34ae8f886", s.signature);
	o.nheaders = 3;
	CHECK_INT(ANN_ERR_INVALID, sign_one(&s, &o));
	ann_sigv4_signed_release(&s);
}

static void
b02_arn_slash_travels_encoded(void)
{
	const char *model = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123example";
	struct ann_buf wire = ANN_BUF_INIT;
	struct ann_sigv4_signed s;
	struct one o = b01;

	ann_sigv4_signed_init(&s);
	ann_buf_adds(&wire, "/model/");
	CHECK_INT(ANN_OK, ann_sigv4_uri_encode(&wire, model, strlen(model), 0));
	ann_buf_adds(&wire, "/invoke");
	CHECK_STR("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A111122223333%3Aapplication-inference-profile%2Fabc123example/invoke",
	    wire.data);
	o.path = wire.data;
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR("/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A111122223333%253Aapplication-inference-profile%252Fabc123example/invoke",
	    creq_line(&s, 1));
	CHECK_STR("7e579e666971fd66dde713bf4fd12fa63a34dbabb401e14d86635fbe94a25e31", s.signature);
	ann_sigv4_signed_release(&s);
	ann_buf_release(&wire);
}

static const struct one b03 = {
	"GET", "bedrock.us-east-1.amazonaws.com", "/foundation-models",
	"byProvider=anthropic&byOutputModality=TEXT", { { NULL, NULL } }, 0, NULL, NULL, NULL, 0,
};

/* Replaces line n of the canonical request and signs the result by stages. */
static void
sign_edited(char sig[65], const struct ann_sigv4_signed *s, int n, const char *line)
{
	struct ann_buf creq = ANN_BUF_INIT;
	struct ann_buf sts = ANN_BUF_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	unsigned char key[32];
	const char *p = s->canonical_request.data;
	const char *start, *end;
	int i;

	for (i = 0; i < n; i++)
		p = strchr(p, '\n') + 1;
	start = p;
	end = strchr(p, '\n');
	ann_buf_add(&creq, s->canonical_request.data, (size_t)(start - s->canonical_request.data));
	ann_buf_adds(&creq, line);
	ann_buf_adds(&creq, end);
	CHECK_INT(ANN_OK, ann_sigv4_string_to_sign(&sts, s->amz_date, s->scope.data, creq.data,
	    creq.len));
	CHECK_INT(ANN_OK, ann_sigv4_signing_key(key, SECRET, "20250115", "us-east-1", "bedrock", &e));
	CHECK_INT(ANN_OK, ann_sigv4_signature(sig, key, sts.data, sts.len, &e));
	ann_buf_release(&creq);
	ann_buf_release(&sts);
}

static void
b03_query_sorted_after_encoding(void)
{
	struct ann_sigv4_signed s;
	char wrong[65];

	ann_sigv4_signed_init(&s);
	CHECK_INT(ANN_OK, sign_one(&s, &b03));
	CHECK_STR("byOutputModality=TEXT&byProvider=anthropic", creq_line(&s, 2));
	CHECK_STR("fe39c2ff5aae466ff8296f81599a6237472e25d19a8f28696a22ffd86c4fdb53", s.signature);
	sign_edited(wrong, &s, 2, "byProvider=anthropic&byOutputModality=TEXT");
	CHECK(has_prefix_suffix(wrong, "9af7db67", "eef3"));
	ann_sigv4_signed_release(&s);
}

/* The whole kind: order, repeated names, empty values, reserved and non-ASCII bytes. */
static void
b03_query_kind(void)
{
	static const struct {
		const char *wire;
		const char *canonical;
	} cases[] = {
		{ "b=2&a=1", "a=1&b=2" },
		{ "a=2&a=1&a=10", "a=1&a=10&a=2" },
		{ "a&b=", "a=&b=" },
		{ "k=%e6%97%a5", "k=%E6%97%A5" },
		{ "k=\xe6\x97\xa5", "k=%E6%97%A5" },
		{ "k=a+b%20c", "k=a%2Bb%20c" },
		{ "k=%2F%3A%2a", "k=%2F%3A%2A" },
		{ "k=100%", "k=100%25" },
		{ "Z=1&a=1&_=1&~=1&-=1", "-=1&Z=1&_=1&a=1&~=1" },
		{ "%E1%88%B4=x&Param=y", "%E1%88%B4=x&Param=y" },
		{ "a=1&&b=2", "a=1&b=2" },
		{ "x=a=b", "x=a%3Db" },
	};
	struct ann_buf out = ANN_BUF_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ann_buf_reset(&out);
		CHECK_INT(ANN_OK, ann_sigv4_canonical_query(&out, cases[i].wire, &e));
		CHECK_STR(cases[i].canonical, out.data);
	}
	ann_buf_reset(&out);
	CHECK_INT(ANN_OK, ann_sigv4_canonical_query(&out, NULL, &e));
	CHECK_STR("", out.data);
	ann_buf_release(&out);
}

static void
b04_header_values_trimmed(void)
{
	struct ann_sigv4_signed s;
	struct one o = b03;
	char wrong[65];

	ann_sigv4_signed_init(&s);
	o.query = NULL;
	o.headers[0] = (struct ann_sigv4_header){ "X-Amz-Meta-Note", "   two  spaces   here  " };
	o.nheaders = 1;
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR("x-amz-meta-note:two spaces here", creq_line(&s, 5));
	CHECK_STR("18481268fd9b50997131c50e432c5ee1be97222c64c80a9670e73ced1609e40b", s.signature);
	sign_edited(wrong, &s, 5, "x-amz-meta-note:   two  spaces   here  ");
	CHECK(has_prefix_suffix(wrong, "99aa2340", "5098"));
	ann_sigv4_signed_release(&s);
}

static void
b04_trim_kind(void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "a   b", "a b" }, { "a \t\r\n b", "a b" }, { "\"a   b   c\"", "\"a b c\"" },
		{ "   ", "" }, { "x", "x" }, { " x\t", "x" }, { "a\n  b\n     c", "a b c" },
	};
	struct ann_buf out = ANN_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ann_buf_reset(&out);
		CHECK_INT(ANN_OK, ann_sigv4_trim_value(&out, cases[i].in));
		CHECK_STR(cases[i].out, out.data);
	}
	ann_buf_release(&out);
}

/* Hop-by-hop, proxy and client-library headers never enter SignedHeaders. */
static void
b04_volatile_headers_unsigned(void)
{
	struct ann_sigv4_signed s;
	struct one o = b03;

	ann_sigv4_signed_init(&s);
	o.query = NULL;
	o.headers[0] = (struct ann_sigv4_header){ "User-Agent", "ann/0.1" };
	o.headers[1] = (struct ann_sigv4_header){ "Expect", "100-continue" };
	o.headers[2] = (struct ann_sigv4_header){ "Connection", "keep-alive" };
	o.headers[3] = (struct ann_sigv4_header){ "Transfer-Encoding", "chunked" };
	o.headers[4] = (struct ann_sigv4_header){ "X-Amzn-Trace-Id", "Root=1" };
	o.headers[5] = (struct ann_sigv4_header){ "Via", "1.1 proxy" };
	o.headers[6] = (struct ann_sigv4_header){ "X-Forwarded-For", "10.0.0.1" };
	o.headers[7] = (struct ann_sigv4_header){ "Accept", "application/json" };
	o.nheaders = 8;
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR("accept;host;x-amz-date", s.signed_headers.data);
	ann_sigv4_signed_release(&s);
}

static void
b05_token_signed_and_trimmed(void)
{
	struct ann_sigv4_signed s;
	struct one o = b01;
	char wrong[65];

	ann_sigv4_signed_init(&s);
	o.token = "EXAMPLESESSIONTOKEN  ";
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR("9fa437863d94a8e19fcc7a6e3e83831705dea81dc8436a539114aac34ae8f886", s.signature);
	CHECK_INT(3, s.nadded);
	CHECK_STR("X-Amz-Security-Token", s.added[1].name);
	CHECK_STR("EXAMPLESESSIONTOKEN", s.added[1].value);

	/* The token header is signed; leaving it out gives the known wrong value. */
	o.token = NULL;
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR("content-type;host;x-amz-date", s.signed_headers.data);
	CHECK(has_prefix_suffix(s.signature, "0ddec875", "4b46"));
	CHECK_INT(2, s.nadded);
	sign_edited(wrong, &s, 0, "POST");
	CHECK_STR(s.signature, wrong);
	ann_sigv4_signed_release(&s);
}

/* A stale token header in the caller's list never survives signing. */
static void
b05_caller_token_replaced(void)
{
	struct ann_sigv4_signed s;
	struct one o = b01;

	ann_sigv4_signed_init(&s);
	o.headers[2].value = "TOKEN-OF-ROLE-X";
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR("9fa437863d94a8e19fcc7a6e3e83831705dea81dc8436a539114aac34ae8f886", s.signature);
	o.token = NULL;
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK(strstr(s.canonical_request.data, "TOKEN-OF-ROLE-X") == NULL);
	CHECK_STR("content-type;host;x-amz-date", s.signed_headers.data);
	ann_sigv4_signed_release(&s);
}

/* ---- Bedrock vectors computed with botocore for ap-northeast-1 ---- */

static void
bedrock_tokyo_vectors(void)
{
	static const char body[] = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":16,"
	    "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}";
	static const char creq_a[] = "POST\n"
	    "/model/jp.anthropic.claude-haiku-4-5-20251001-v1%253A0/invoke\n"
	    "\n"
	    "accept:application/json\n"
	    "content-type:application/json\n"
	    "host:bedrock-runtime.ap-northeast-1.amazonaws.com\n"
	    "x-amz-date:20250115T120000Z\n"
	    "\n"
	    "accept;content-type;host;x-amz-date\n"
	    "c3ec48970b223731acddd7f1fb5de4de8c6568bf55460d86fcd7b7dd3cf908e7";
	const char *arn = "arn:aws:bedrock:ap-northeast-1:123456789012:inference-profile/"
	    "jp.anthropic.claude-haiku-4-5-20251001-v1:0";
	struct ann_buf wire = ANN_BUF_INIT;
	struct ann_sigv4_signed s;
	struct ann_error e = ANN_ERROR_INIT;
	unsigned char key[32];
	char key_hex[65];
	char hash[65];
	struct one o = {
		"POST", "bedrock-runtime.ap-northeast-1.amazonaws.com",
		"/model/jp.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke", NULL,
		{ { "Content-Type", "application/json" }, { "Accept", "application/json" } }, 2,
		body, NULL, "ap-northeast-1", 0,
	};

	ann_sigv4_signed_init(&s);
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR(creq_a, s.canonical_request.data);
	ann_sigv4_sha256_hex(hash, s.canonical_request.data, s.canonical_request.len);
	CHECK_STR("bc0932e51b4234ff47e3f8119cc77efeecde449c7b98cbcefd508d1ed89c488f", hash);
	CHECK_STR("9bbb79187f11797b3f3735733884dd3f76f8c70d3896a5a05f01237850a036c8", s.signature);
	CHECK_STR("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250115/ap-northeast-1/bedrock/aws4_request, "
	    "SignedHeaders=accept;content-type;host;x-amz-date, "
	    "Signature=9bbb79187f11797b3f3735733884dd3f76f8c70d3896a5a05f01237850a036c8",
	    s.authorization.data);

	CHECK_INT(ANN_OK, ann_sigv4_signing_key(key, SECRET, "20250115", "ap-northeast-1",
	    "bedrock", &e));
	for (int i = 0; i < 32; i++)
		snprintf(key_hex + 2 * i, 3, "%02x", key[i]);
	CHECK_STR("f4765d81187d7d58ab5f1512a5fef586f4e5f521aeb42b14463eca37babd815f", key_hex);

	ann_buf_adds(&wire, "/model/");
	ann_sigv4_uri_encode(&wire, arn, strlen(arn), 0);
	ann_buf_adds(&wire, "/invoke");
	o.path = wire.data;
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR("d4d2f98c2025d2a90220f4a31c1a9cdc162f43d6a93eea92a99e7c199109b107", s.signature);

	o.path = "/model/jp.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke";
	o.token = "FwoGZXIvYXdzEXAMPLETOKEN";
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR("accept;content-type;host;x-amz-date;x-amz-security-token", s.signed_headers.data);
	CHECK_STR("48fc1d6b2d41b56509c3b7f29a54929d2492525c6974386541f7a63d1bce62a4", s.signature);
	ann_sigv4_signed_release(&s);
	ann_buf_release(&wire);
}

/* ---- stages and helpers ---- */

static void
canonical_uri_rules(void)
{
	static const struct {
		const char *path;
		unsigned flags;
		const char *canonical;
	} cases[] = {
		{ "/a/./b/../c//d/", 0, "/a/c/d/" },
		{ "/a/./b/../c//d/", ANN_SIGV4_S3, "/a/./b/../c//d/" },
		{ "/a%3Ab", 0, "/a%253Ab" },
		{ "/a%3Ab", ANN_SIGV4_S3, "/a%3Ab" },
		{ "/a%3Ab", ANN_SIGV4_NO_NORMALIZE, "/a%253Ab" },
		{ "/..", 0, "/" },
		{ "", 0, "/" },
		{ "/~user/x y", 0, "/~user/x%20y" },
		{ "/photos/2024/%E5%86%99%E7%9C%9F.jpg", ANN_SIGV4_S3, "/photos/2024/%E5%86%99%E7%9C%9F.jpg" },
	};
	struct ann_buf out = ANN_BUF_INIT;
	struct ann_error e = ANN_ERROR_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ann_buf_reset(&out);
		CHECK_INT(ANN_OK, ann_sigv4_canonical_uri(&out, cases[i].path, cases[i].flags, &e));
		CHECK_STR(cases[i].canonical, out.data);
	}
	CHECK_INT(ANN_ERR_INVALID, ann_sigv4_canonical_uri(&out, "model/x", 0, &e));
	ann_buf_release(&out);
}

static void
signing_time_pinned_by_env(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	char text[ANN_SIGV4_DATE_LEN + 1];
	time_t t = 0;

	setenv("ANN_SIGNING_TIME", "20250115T120000Z", 1);
	CHECK_INT(ANN_OK, ann_sigv4_now(&t, &e));
	CHECK_INT(B_TIME, t);
	ann_sigv4_format_date(t, text);
	CHECK_STR("20250115T120000Z", text);

	setenv("ANN_SIGNING_TIME", "2025-01-15T12:00:00Z", 1);
	CHECK_INT(ANN_ERR_CONFIG, ann_sigv4_now(&t, &e));
	CHECK(strstr(e.msg, "ANN_SIGNING_TIME") != NULL);
	setenv("ANN_SIGNING_TIME", "20250230T120000Z", 1);
	CHECK_INT(ANN_ERR_CONFIG, ann_sigv4_now(&t, &e));
	setenv("ANN_SIGNING_TIME", "20240229T235959Z", 1);
	CHECK_INT(ANN_OK, ann_sigv4_now(&t, &e));
	ann_sigv4_format_date(t, text);
	CHECK_STR("20240229T235959Z", text);

	unsetenv("ANN_SIGNING_TIME");
	CHECK_INT(ANN_OK, ann_sigv4_now(&t, &e));
	CHECK(t > B_TIME);
}

static void
s3_signs_content_sha256(void)
{
	struct ann_sigv4_signed s;
	struct one o = {
		"PUT", "ann-batch.s3.us-east-1.amazonaws.com", "/in/a%3Ab.jsonl", NULL,
		{ { NULL, NULL } }, 0, "{\"x\":1}", NULL, NULL, ANN_SIGV4_S3,
	};

	ann_sigv4_signed_init(&s);
	CHECK_INT(ANN_OK, sign_one(&s, &o));
	CHECK_STR("/in/a%3Ab.jsonl", creq_line(&s, 1));
	CHECK_STR("host;x-amz-content-sha256;x-amz-date", s.signed_headers.data);
	CHECK_INT(3, s.nadded);
	CHECK_STR("X-Amz-Content-Sha256", s.added[1].name);
	CHECK_STR("5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22",
	    s.added[1].value);
	ann_sigv4_signed_release(&s);
}

static void
sign_rejects_bad_inputs(void)
{
	struct ann_sigv4_signed s;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_sigv4_request req = { "GET", "h", "/", NULL, NULL, 0, NULL, 0, NULL };
	struct ann_sigv4_creds c = { AKID, SECRET, NULL };
	struct ann_sigv4_params p = { "us-east-1/x", "bedrock", B_TIME, 0 };

	ann_sigv4_signed_init(&s);
	CHECK_INT(ANN_ERR_INVALID, ann_sigv4_sign(&s, &req, &c, &p, &e));
	p.region = "us-east-1";
	c.access_key_id = "AKID/EXAMPLE";
	CHECK_INT(ANN_ERR_INVALID, ann_sigv4_sign(&s, &req, &c, &p, &e));
	c.access_key_id = AKID;
	c.secret_access_key = "";
	CHECK_INT(ANN_ERR_INVALID, ann_sigv4_sign(&s, &req, &c, &p, &e));
	CHECK(strstr(e.msg, "secret") != NULL);
	c.secret_access_key = SECRET;
	req.payload_hash = "not a hash";
	CHECK_INT(ANN_ERR_INVALID, ann_sigv4_sign(&s, &req, &c, &p, &e));
	CHECK(strstr(e.msg, SECRET) == NULL);
	ann_sigv4_signed_release(&s);
}

/* ---- verification ---- */

struct verify_fixture {
	struct ann_sigv4_signed s;
	struct ann_sigv4_header headers[12];
	size_t n;
	struct ann_sigv4_request req;
	struct suite_key key;
	struct ann_sigv4_verify_params vp;
};

static void
fixture_sign(struct verify_fixture *f, const char *token)
{
	struct one o = b01;
	size_t i;

	o.token = token;
	o.nheaders = 1;
	ann_sigv4_signed_init(&f->s);
	CHECK_INT(ANN_OK, sign_one(&f->s, &o));
	f->n = 0;
	f->headers[f->n++] = (struct ann_sigv4_header){ "Host", o.host };
	f->headers[f->n++] = o.headers[0];
	f->headers[f->n++] = (struct ann_sigv4_header){ "User-Agent", "test" };
	for (i = 0; i < f->s.nadded; i++)
		f->headers[f->n++] = f->s.added[i];
	f->req = (struct ann_sigv4_request){ "POST", NULL, o.path, NULL, f->headers, f->n,
	    o.body, strlen(o.body), NULL };
	f->key = (struct suite_key){ SECRET, token };
	f->vp = (struct ann_sigv4_verify_params){ "us-east-1", "bedrock", B_TIME + 60, 0, 0,
	    lookup_suite_key, &f->key };
}

static enum ann_sigv4_verdict_code
verify_code(struct verify_fixture *f, struct ann_sigv4_verdict *v)
{
	struct ann_error e = ANN_ERROR_INIT;

	f->req.headers = f->headers;
	f->req.nheaders = f->n;
	CHECK_INT(ANN_OK, ann_sigv4_verify(&f->req, &f->vp, v, &e));
	CHECK(strstr(v->message, SECRET) == NULL);
	CHECK(strstr(v->message, f->s.signature) == NULL);
	CHECK(strstr(v->message, "EXAMPLESESSIONTOKEN") == NULL);
	return v->code;
}

static void
verify_accepts_own_signature(void)
{
	struct verify_fixture f;
	struct ann_sigv4_verdict v;

	fixture_sign(&f, "EXAMPLESESSIONTOKEN");
	CHECK_INT(ANN_SIGV4_VALID, verify_code(&f, &v));
	CHECK_INT(200, v.http_status);
	ann_sigv4_signed_release(&f.s);

	fixture_sign(&f, NULL);
	CHECK_INT(ANN_SIGV4_VALID, verify_code(&f, &v));
	ann_sigv4_signed_release(&f.s);
}

static void
verify_rejects_each_fault(void)
{
	struct verify_fixture f;
	struct ann_sigv4_verdict v;
	char tampered[65];

	fixture_sign(&f, "EXAMPLESESSIONTOKEN");

	f.req.body = "{\"x\":2}";
	CHECK_INT(ANN_SIGV4_BAD_SIGNATURE, verify_code(&f, &v));
	CHECK_STR("InvalidSignatureException", v.error_type);
	CHECK_INT(403, v.http_status);
	f.req.body = "{\"x\":1}";

	f.req.path = "/model/us.anthropic.claude-3-5-haiku-20241022-v1:0/invoke";
	CHECK_INT(ANN_SIGV4_BAD_SIGNATURE, verify_code(&f, &v));
	f.req.path = b01.path;

	f.vp.now = B_TIME + 16 * 60;
	CHECK_INT(ANN_SIGV4_EXPIRED, verify_code(&f, &v));
	CHECK(strstr(v.message, "expired") != NULL);
	CHECK(strstr(v.message, "20250115T120000Z") != NULL);
	f.vp.now = B_TIME - 16 * 60;
	CHECK_INT(ANN_SIGV4_EXPIRED, verify_code(&f, &v));
	f.vp.now = B_TIME;

	f.vp.region = "ap-northeast-1";
	CHECK_INT(ANN_SIGV4_BAD_SCOPE, verify_code(&f, &v));
	CHECK(strstr(v.message, "us-east-1") != NULL);
	f.vp.region = "us-east-1";

	f.key.secret = "another-secret";
	CHECK_INT(ANN_SIGV4_BAD_SIGNATURE, verify_code(&f, &v));
	f.key.secret = SECRET;

	f.key.token = "OTHER-TOKEN";
	CHECK_INT(ANN_SIGV4_BAD_TOKEN, verify_code(&f, &v));
	CHECK_STR("UnrecognizedClientException", v.error_type);
	f.key.token = NULL;
	CHECK_INT(ANN_SIGV4_BAD_TOKEN, verify_code(&f, &v));
	f.key.token = "EXAMPLESESSIONTOKEN";

	f.headers[f.n - 1].value = "AWS4-HMAC-SHA256 Credential=AKIDOTHER/20250115/us-east-1/bedrock/aws4_request, "
	    "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=00";
	CHECK_INT(ANN_SIGV4_UNKNOWN_KEY, verify_code(&f, &v));
	CHECK(strstr(v.message, "AKIDOTHER") == NULL);

	memcpy(tampered, f.s.signature, sizeof tampered);
	tampered[0] = tampered[0] == '0' ? '1' : '0';
	f.s.authorization.len = 0;
	ann_sigv4_authorization(&f.s.authorization, AKID, f.s.scope.data, f.s.signed_headers.data,
	    tampered);
	f.headers[f.n - 1].value = f.s.authorization.data;
	CHECK_INT(ANN_SIGV4_BAD_SIGNATURE, verify_code(&f, &v));
	CHECK(strstr(v.message, tampered) == NULL);

	f.headers[f.n - 1].value = "Bearer abc";
	CHECK_INT(ANN_SIGV4_MALFORMED, verify_code(&f, &v));
	CHECK_INT(400, v.http_status);
	f.headers[f.n - 1].value = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250115/us-east-1/bedrock/aws4_request";
	CHECK_INT(ANN_SIGV4_MALFORMED, verify_code(&f, &v));
	f.headers[f.n - 1].value = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250115/us-east-1/bedrock, "
	    "SignedHeaders=host;x-amz-date, Signature=00";
	CHECK_INT(ANN_SIGV4_MALFORMED, verify_code(&f, &v));
	f.headers[f.n - 1].value = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250115/us-east-1/bedrock/aws4_request, "
	    "SignedHeaders=x-amz-date;host, Signature=00";
	CHECK_INT(ANN_SIGV4_MALFORMED, verify_code(&f, &v));
	f.headers[f.n - 1].value = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250114/us-east-1/bedrock/aws4_request, "
	    "SignedHeaders=host;x-amz-date, Signature=00";
	CHECK_INT(ANN_SIGV4_BAD_SCOPE, verify_code(&f, &v));
	f.headers[f.n - 1].value = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250115/us-east-1/bedrock/aws4_request, "
	    "SignedHeaders=content-type;host;x-amz-date, Signature=00";
	CHECK_INT(ANN_SIGV4_BAD_SIGNATURE, verify_code(&f, &v));
	CHECK(strstr(v.message, "X-Amz-Security-Token") != NULL);

	f.n = 3;
	CHECK_INT(ANN_SIGV4_MISSING, verify_code(&f, &v));
	CHECK_STR("MissingAuthenticationTokenException", v.error_type);
	ann_sigv4_signed_release(&f.s);
}

static int
lookup_expiring_key(void *ctx, const char *akid, struct ann_sigv4_known_key *key)
{
	int rc = lookup_suite_key(ctx, akid, key);

	key->expires = B_TIME + 30;
	return rc;
}

static void
verify_expired_credentials(void)
{
	struct verify_fixture f;
	struct ann_sigv4_verdict v;

	fixture_sign(&f, "EXAMPLESESSIONTOKEN");
	f.vp.lookup = lookup_expiring_key;
	f.vp.now = B_TIME + 29;
	CHECK_INT(ANN_SIGV4_VALID, verify_code(&f, &v));
	f.vp.now = B_TIME + 30;
	CHECK_INT(ANN_SIGV4_EXPIRED_TOKEN, verify_code(&f, &v));
	CHECK_STR("ExpiredTokenException", v.error_type);
	ann_sigv4_signed_release(&f.s);
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
list_suite_cases(void)
{
	const char *top = getenv("ANN_TOP");
	size_t cap = 0;
	struct dirent *d;
	DIR *dir;

	if (top == NULL)
		return;
	snprintf(suite_dir, sizeof suite_dir, "%s/../shared/testdata/sigv4/v4", top);
	dir = opendir(suite_dir);
	if (dir == NULL) {
		suite_dir[0] = '\0';
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		if (ncases == cap) {
			cap = cap ? cap * 2 : 64;
			case_names = realloc(case_names, cap * sizeof *case_names);
			if (case_names == NULL)
				abort();
		}
		case_names[ncases++] = strdup(d->d_name);
	}
	closedir(dir);
	qsort(case_names, ncases, sizeof *case_names, compare_names);
}

int
main(void)
{
	static const struct ann_test named[] = {
		ANN_TEST(suite_folder_found),
		ANN_TEST(b01_colon_encoded_twice),
		ANN_TEST(b01_every_byte_encoded_twice),
		ANN_TEST(b01_host_signed_once),
		ANN_TEST(b02_arn_slash_travels_encoded),
		ANN_TEST(b03_query_sorted_after_encoding),
		ANN_TEST(b03_query_kind),
		ANN_TEST(b04_header_values_trimmed),
		ANN_TEST(b04_trim_kind),
		ANN_TEST(b04_volatile_headers_unsigned),
		ANN_TEST(b05_token_signed_and_trimmed),
		ANN_TEST(b05_caller_token_replaced),
		ANN_TEST(bedrock_tokyo_vectors),
		ANN_TEST(canonical_uri_rules),
		ANN_TEST(signing_time_pinned_by_env),
		ANN_TEST(s3_signs_content_sha256),
		ANN_TEST(sign_rejects_bad_inputs),
		ANN_TEST(verify_accepts_own_signature),
		ANN_TEST(verify_rejects_each_fault),
		ANN_TEST(verify_expired_credentials),
	};
	size_t nnamed = sizeof named / sizeof named[0];
	struct ann_test *all;
	size_t i;
	int rc;

	list_suite_cases();
	all = calloc(nnamed + ncases, sizeof *all);
	if (all == NULL)
		return 1;
	memcpy(all, named, sizeof named);
	for (i = 0; i < ncases; i++)
		all[nnamed + i] = (struct ann_test){ case_names[i], suite_case };
	rc = ann_test_run(all, nnamed + ncases);
	for (i = 0; i < ncases; i++)
		free(case_names[i]);
	free(case_names);
	free(all);
	return rc;
}
