#include "sigv4.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "ascii.h"

/* Headers the signer produces itself; copies in the request are ignored. */
static const char *const signer_owned[] = {
	"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
};

/*
 * Headers never signed: hop-by-hop headers a proxy may drop or rewrite, and
 * headers libcurl or a proxy add or change after signing. botocore 1.43.11
 * skips the same list minus forwarded, proxy-connection and via; we also
 * skip every x-forwarded-* header, because proxies rewrite those.
 */
static const char *const unsigned_headers[] = {
	"connection", "expect", "forwarded", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "proxy-connection", "te", "trailer",
	"transfer-encoding", "upgrade", "user-agent", "via", "x-amzn-trace-id",
};

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void
to_hex(char *out, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xF];
	}
	out[2 * n] = '\0';
}

/* Wipes a buffer's bytes before freeing them. */
static void
release_wiped(struct ann_buf *b)
{
	if (b->cap > 0)
		OPENSSL_cleanse(b->data, b->cap);
	ann_buf_release(b);
}

static int
name_in(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(name, list[i]) == 0)
			return 1;
	return 0;
}

int
ann_sigv4_header_is_unsigned(const char *name)
{
	return strncasecmp(name, "x-forwarded-", 12) == 0 ||
	    name_in(name, unsigned_headers, sizeof unsigned_headers / sizeof unsigned_headers[0]);
}

static int
is_signer_owned(const char *name)
{
	return name_in(name, signer_owned, sizeof signer_owned / sizeof signer_owned[0]);
}

/* ---- time ---- */

void
ann_sigv4_format_date(time_t t, char out[ANN_SIGV4_DATE_LEN + 1])
{
	struct tm tm;
	static const char digits[] = "0123456789";
	int fields[6];
	int widths[6] = { 4, 2, 2, 2, 2, 2 };
	size_t pos = 0;
	int i, j;

	gmtime_r(&t, &tm);
	fields[0] = tm.tm_year + 1900;
	fields[1] = tm.tm_mon + 1;
	fields[2] = tm.tm_mday;
	fields[3] = tm.tm_hour;
	fields[4] = tm.tm_min;
	fields[5] = tm.tm_sec;
	for (i = 0; i < 6; i++) {
		int v = fields[i];

		if (i == 3)
			out[pos++] = 'T';
		for (j = widths[i] - 1; j >= 0; j--) {
			out[pos + (size_t)j] = digits[v % 10];
			v /= 10;
		}
		pos += (size_t)widths[i];
	}
	out[pos++] = 'Z';
	out[pos] = '\0';
}

int
ann_sigv4_parse_date(const char *s, time_t *out, struct ann_error *e)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	int year, mon, day, hour, min, sec;

	if (s == NULL || strlen(s) != ANN_SIGV4_DATE_LEN || s[8] != 'T' || s[15] != 'Z')
		goto invalid;
	year = ann_ascii_digits(s, 4);
	mon = ann_ascii_digits(s + 4, 2);
	day = ann_ascii_digits(s + 6, 2);
	hour = ann_ascii_digits(s + 9, 2);
	min = ann_ascii_digits(s + 11, 2);
	sec = ann_ascii_digits(s + 13, 2);
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] ||
	    hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59)
		goto invalid;
	if (mon == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		goto invalid;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*out = timegm(&tm);
	return ANN_OK;

invalid:
	return ann_error_set(e, ANN_ERR_INVALID,
	    "invalid signing date \"%.40s\": expected YYYYMMDDTHHMMSSZ, e.g. 20250115T120000Z",
	    s ? s : "");
}

int
ann_sigv4_now(time_t *out, struct ann_error *e)
{
	const char *pinned = getenv("ANN_SIGNING_TIME");
	int rc;

	if (pinned == NULL) {
		*out = time(NULL);
		return ANN_OK;
	}
	rc = ann_sigv4_parse_date(pinned, out, e);
	if (rc < 0) {
		if (e != NULL)
			e->code = ANN_ERR_CONFIG;
		ann_error_prefix(e, "ANN_SIGNING_TIME");
		return ANN_ERR_CONFIG;
	}
	return ANN_OK;
}

/* ---- encoding ---- */

int
ann_sigv4_uri_encode(struct ann_buf *out, const char *s, size_t n, int keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c) || (keep_slash && c == '/')) {
			rc = ann_buf_addc(out, (char)c);
		} else {
			char esc[3] = { '%', digits[c >> 4], digits[c & 0xF] };

			rc = ann_buf_add(out, esc, 3);
		}
		if (rc < 0)
			return rc;
	}
	return ANN_OK;
}

/*
 * Removes "." and ".." and empty segments the way AWS services do before
 * signing (RFC 3986 section 5.2.4 plus collapsed slashes). The result keeps
 * a leading slash, and a trailing one when segments remain.
 */
static int
normalize_path(struct ann_buf *out, const char *path)
{
	size_t len = strlen(path);
	size_t *starts = NULL;
	size_t nseg = 0;
	const char *p = path;
	int rc = ANN_ERR_NOMEM;

	starts = malloc((len / 2 + 2) * sizeof *starts);
	if (starts == NULL)
		return ANN_ERR_NOMEM;
	if (path[0] == '/' && (rc = ann_buf_addc(out, '/')) < 0)
		goto done;
	while (*p != '\0') {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg > 0)
				ann_buf_truncate(out, starts[--nseg]);
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			size_t at = out->len;

			if (nseg > 0 && (rc = ann_buf_addc(out, '/')) < 0)
				goto done;
			if ((rc = ann_buf_add(out, p, n)) < 0)
				goto done;
			starts[nseg++] = at;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (len > 0 && path[len - 1] == '/' && nseg > 0 && (rc = ann_buf_addc(out, '/')) < 0)
		goto done;
	rc = ANN_OK;

done:
	free(starts);
	return rc;
}

int
ann_sigv4_canonical_uri(struct ann_buf *out, const char *path, unsigned flags,
    struct ann_error *e)
{
	struct ann_buf norm = ANN_BUF_INIT;
	int rc;

	if (path == NULL || path[0] == '\0')
		return ann_buf_addc(out, '/');
	if (path[0] != '/')
		return ann_error_set(e, ANN_ERR_INVALID,
		    "invalid request path \"%.80s\": must start with '/'", path);
	if (flags & ANN_SIGV4_NO_NORMALIZE) {
		rc = ann_buf_adds(&norm, path);
	} else {
		rc = normalize_path(&norm, path);
	}
	if (rc < 0)
		goto done;
	if (flags & ANN_SIGV4_NO_DOUBLE_ENCODE)
		rc = ann_buf_add(out, norm.data, norm.len);
	else
		rc = ann_sigv4_uri_encode(out, norm.data, norm.len, 1);

done:
	ann_buf_release(&norm);
	if (rc < 0)
		return ann_error_set(e, rc, "build canonical URI: %s", ann_err_name(rc));
	return rc;
}

/* Appends n bytes of s with %XX sequences decoded; a stray '%' stays literal. */
static int
percent_decode(struct ann_buf *out, const char *s, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n &&
		    (hi = ann_ascii_hex_value((unsigned char)s[i + 1])) >= 0 &&
		    (lo = ann_ascii_hex_value((unsigned char)s[i + 2])) >= 0) {
			rc = ann_buf_addc(out, (char)(hi * 16 + lo));
			i += 2;
		} else {
			rc = ann_buf_addc(out, s[i]);
		}
		if (rc < 0)
			return rc;
	}
	return ANN_OK;
}

struct query_pair {
	char *name;
	char *value;
};

static int
compare_pairs(const void *a, const void *b)
{
	const struct query_pair *x = a;
	const struct query_pair *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->value, y->value);
}

/* Decodes then encodes n bytes of s into a malloc'd string. */
static char *
reencode(const char *s, size_t n)
{
	struct ann_buf raw = ANN_BUF_INIT;
	struct ann_buf enc = ANN_BUF_INIT;
	char *result = NULL;

	if (percent_decode(&raw, s, n) == ANN_OK &&
	    ann_sigv4_uri_encode(&enc, raw.data, raw.len, 0) == ANN_OK)
		result = ann_buf_detach(&enc, NULL);
	ann_buf_release(&raw);
	ann_buf_release(&enc);
	return result;
}

int
ann_sigv4_canonical_query(struct ann_buf *out, const char *query, struct ann_error *e)
{
	struct query_pair *pairs = NULL;
	size_t npairs = 0;
	size_t cap = 0;
	const char *p = query;
	size_t i;
	int rc = ANN_ERR_NOMEM;

	if (query == NULL || query[0] == '\0')
		return ANN_OK;
	while (*p != '\0') {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		size_t name_len = eq ? (size_t)(eq - p) : n;

		if (n > 0) {
			if (npairs == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct query_pair *np = realloc(pairs, ncap * sizeof *np);

				if (np == NULL)
					goto done;
				pairs = np;
				cap = ncap;
			}
			pairs[npairs].name = reencode(p, name_len);
			pairs[npairs].value = eq ? reencode(eq + 1, n - name_len - 1) : strdup("");
			npairs++;
			if (pairs[npairs - 1].name == NULL || pairs[npairs - 1].value == NULL)
				goto done;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	qsort(pairs, npairs, sizeof *pairs, compare_pairs);
	for (i = 0; i < npairs; i++) {
		if ((i > 0 && (rc = ann_buf_addc(out, '&')) < 0) ||
		    (rc = ann_buf_adds(out, pairs[i].name)) < 0 ||
		    (rc = ann_buf_addc(out, '=')) < 0 ||
		    (rc = ann_buf_adds(out, pairs[i].value)) < 0)
			goto done;
	}
	rc = ANN_OK;

done:
	for (i = 0; i < npairs; i++) {
		free(pairs[i].name);
		free(pairs[i].value);
	}
	free(pairs);
	if (rc < 0)
		return ann_error_set(e, rc, "build canonical query: %s", ann_err_name(rc));
	return ANN_OK;
}

int
ann_sigv4_trim_value(struct ann_buf *out, const char *value)
{
	const unsigned char *p = (const unsigned char *)value;
	int pending_space = 0;
	int started = 0;
	int rc;

	for (; *p != '\0'; p++) {
		if (is_space(*p)) {
			pending_space = started;
			continue;
		}
		if (pending_space && (rc = ann_buf_addc(out, ' ')) < 0)
			return rc;
		if ((rc = ann_buf_addc(out, (char)*p)) < 0)
			return rc;
		pending_space = 0;
		started = 1;
	}
	return ANN_OK;
}

/* ---- canonical headers ---- */

struct header_entry {
	char *name;         /* lower case, malloc'd */
	const char *value;  /* borrowed, trimmed when written */
	size_t order;       /* position in the request, keeps repeated values in order */
};

struct header_set {
	struct header_entry *v;
	size_t n;
	size_t cap;
};

static void
header_set_release(struct header_set *hs)
{
	size_t i;

	for (i = 0; i < hs->n; i++)
		free(hs->v[i].name);
	free(hs->v);
	hs->v = NULL;
	hs->n = hs->cap = 0;
}

static int
header_set_add(struct header_set *hs, const char *name, const char *value)
{
	struct header_entry *h;
	size_t len;
	size_t i;

	if (hs->n == hs->cap) {
		size_t ncap = hs->cap ? hs->cap * 2 : 16;
		struct header_entry *nv = realloc(hs->v, ncap * sizeof *nv);

		if (nv == NULL)
			return ANN_ERR_NOMEM;
		hs->v = nv;
		hs->cap = ncap;
	}
	while (is_space((unsigned char)*name))
		name++;
	len = strlen(name);
	while (len > 0 && is_space((unsigned char)name[len - 1]))
		len--;
	h = &hs->v[hs->n];
	h->name = malloc(len + 1);
	if (h->name == NULL)
		return ANN_ERR_NOMEM;
	for (i = 0; i < len; i++)
		h->name[i] = (char)tolower((unsigned char)name[i]);
	h->name[len] = '\0';
	h->value = value ? value : "";
	h->order = hs->n;
	hs->n++;
	return ANN_OK;
}

static int
compare_entries(const void *a, const void *b)
{
	const struct header_entry *x = a;
	const struct header_entry *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Writes the canonical header block and the SignedHeaders list of hs,
 * sorted by name, with the values of a repeated name joined by commas in
 * request order.
 */
static int
write_headers(struct ann_buf *out, struct ann_buf *signed_headers, struct header_set *hs)
{
	size_t i;
	int rc;

	qsort(hs->v, hs->n, sizeof *hs->v, compare_entries);
	for (i = 0; i < hs->n; i++) {
		int same = i > 0 && strcmp(hs->v[i].name, hs->v[i - 1].name) == 0;

		if (same) {
			rc = ann_buf_addc(out, ',');
		} else {
			if (i > 0 && (rc = ann_buf_addc(out, '\n')) < 0)
				return rc;
			if (signed_headers->len > 0 && (rc = ann_buf_addc(signed_headers, ';')) < 0)
				return rc;
			if ((rc = ann_buf_adds(signed_headers, hs->v[i].name)) < 0)
				return rc;
			if ((rc = ann_buf_adds(out, hs->v[i].name)) < 0)
				return rc;
			rc = ann_buf_addc(out, ':');
		}
		if (rc < 0 || (rc = ann_sigv4_trim_value(out, hs->v[i].value)) < 0)
			return rc;
	}
	if (hs->n > 0 && (rc = ann_buf_addc(out, '\n')) < 0)
		return rc;
	return ANN_OK;
}

/* Compares two Host values ignoring case and surrounding whitespace. */
static int
same_host(const char *a, const char *b)
{
	size_t la, lb;

	while (is_space((unsigned char)*a))
		a++;
	while (is_space((unsigned char)*b))
		b++;
	la = strlen(a);
	lb = strlen(b);
	while (la > 0 && is_space((unsigned char)a[la - 1]))
		la--;
	while (lb > 0 && is_space((unsigned char)b[lb - 1]))
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* Collects the headers signed for req when signing it ourselves. */
static int
collect_for_signing(struct header_set *hs, const struct ann_sigv4_request *req,
    struct ann_error *e)
{
	const char *host = req->host;
	size_t i;
	int rc;

	for (i = 0; i < req->nheaders; i++) {
		const char *name = req->headers[i].name;
		const char *value = req->headers[i].value ? req->headers[i].value : "";

		if (name == NULL || name[0] == '\0')
			return ann_error_set(e, ANN_ERR_INVALID, "request header %zu has no name", i);
		if (strcasecmp(name, "host") == 0) {
			if (host != NULL && !same_host(host, value))
				return ann_error_set(e, ANN_ERR_INVALID,
				    "Host header \"%.80s\" differs from the request host \"%.80s\"",
				    value, host);
			host = value;
			continue;
		}
		if (is_signer_owned(name) || ann_sigv4_header_is_unsigned(name))
			continue;
		if ((rc = header_set_add(hs, name, value)) < 0)
			return ann_error_set(e, rc, "collect headers: %s", ann_err_name(rc));
	}
	if (host == NULL || host[0] == '\0')
		return ann_error_set(e, ANN_ERR_INVALID, "request has no host to sign");
	if ((rc = header_set_add(hs, "host", host)) < 0)
		return ann_error_set(e, rc, "collect headers: %s", ann_err_name(rc));
	return ANN_OK;
}

static int
write_canonical(struct ann_buf *out, struct ann_buf *signed_headers,
    const struct ann_sigv4_request *req, struct header_set *hs,
    const char *payload_hash, unsigned flags, struct ann_error *e)
{
	int rc;

	if (req->method == NULL || req->method[0] == '\0')
		return ann_error_set(e, ANN_ERR_INVALID, "request has no method");
	if ((rc = ann_buf_adds(out, req->method)) < 0 || (rc = ann_buf_addc(out, '\n')) < 0)
		goto nomem;
	if ((rc = ann_sigv4_canonical_uri(out, req->path, flags, e)) < 0)
		return rc;
	if ((rc = ann_buf_addc(out, '\n')) < 0)
		goto nomem;
	if ((rc = ann_sigv4_canonical_query(out, req->query, e)) < 0)
		return rc;
	if ((rc = ann_buf_addc(out, '\n')) < 0)
		goto nomem;
	if ((rc = write_headers(out, signed_headers, hs)) < 0)
		goto nomem;
	if ((rc = ann_buf_addc(out, '\n')) < 0 ||
	    (rc = ann_buf_add(out, signed_headers->data, signed_headers->len)) < 0 ||
	    (rc = ann_buf_addc(out, '\n')) < 0 ||
	    (rc = ann_buf_adds(out, payload_hash)) < 0)
		goto nomem;
	return ANN_OK;

nomem:
	return ann_error_set(e, rc, "build canonical request: %s", ann_err_name(rc));
}

int
ann_sigv4_canonical_request(struct ann_buf *out, struct ann_buf *signed_headers,
    const struct ann_sigv4_request *req, const char *amz_date, const char *token,
    const char *payload_hash, unsigned flags, struct ann_error *e)
{
	struct header_set hs = { NULL, 0, 0 };
	int rc;

	if ((rc = collect_for_signing(&hs, req, e)) < 0)
		goto done;
	rc = header_set_add(&hs, "x-amz-date", amz_date);
	if (rc == ANN_OK && token != NULL && token[0] != '\0')
		rc = header_set_add(&hs, "x-amz-security-token", token);
	if (rc == ANN_OK && (flags & ANN_SIGV4_CONTENT_SHA256))
		rc = header_set_add(&hs, "x-amz-content-sha256", payload_hash);
	if (rc < 0) {
		ann_error_set(e, rc, "collect headers: %s", ann_err_name(rc));
		goto done;
	}
	rc = write_canonical(out, signed_headers, req, &hs, payload_hash, flags, e);

done:
	header_set_release(&hs);
	return rc;
}

/* ---- hashing and keys ---- */

void
ann_sigv4_sha256_hex(char out[65], const void *p, size_t n)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(p, n, md);
	to_hex(out, md, sizeof md);
}

static int
hmac(unsigned char out[32], const void *key, size_t key_len, const void *data, size_t n)
{
	unsigned int out_len = 0;

	if (HMAC(EVP_sha256(), key, (int)key_len, data, n, out, &out_len) == NULL ||
	    out_len != 32)
		return ANN_ERR_INVALID;
	return ANN_OK;
}

int
ann_sigv4_scope(struct ann_buf *out, const char *amz_date, const char *region,
    const char *service)
{
	return ann_buf_addf(out, "%.8s/%s/%s/aws4_request", amz_date, region, service);
}

int
ann_sigv4_string_to_sign(struct ann_buf *out, const char *amz_date, const char *scope,
    const char *creq, size_t creq_len)
{
	char hash[65];

	ann_sigv4_sha256_hex(hash, creq, creq_len);
	return ann_buf_addf(out, ANN_SIGV4_ALGORITHM "\n%s\n%s\n%s", amz_date, scope, hash);
}

int
ann_sigv4_signing_key(unsigned char key[32], const char *secret, const char *date8,
    const char *region, const char *service, struct ann_error *e)
{
	size_t secret_len = strlen(secret);
	unsigned char *seed = malloc(secret_len + 4);
	unsigned char k[32];
	int rc = ANN_ERR_NOMEM;

	if (seed == NULL)
		return ann_error_set(e, rc, "derive signing key: out of memory");
	memcpy(seed, "AWS4", 4);
	memcpy(seed + 4, secret, secret_len);
	if ((rc = hmac(k, seed, secret_len + 4, date8, 8)) < 0 ||
	    (rc = hmac(k, k, 32, region, strlen(region))) < 0 ||
	    (rc = hmac(k, k, 32, service, strlen(service))) < 0 ||
	    (rc = hmac(key, k, 32, "aws4_request", 12)) < 0)
		ann_error_set(e, rc, "derive signing key: HMAC-SHA256 failed");
	OPENSSL_cleanse(seed, secret_len + 4);
	OPENSSL_cleanse(k, sizeof k);
	free(seed);
	return rc;
}

int
ann_sigv4_signature(char out[65], const unsigned char key[32], const char *sts,
    size_t sts_len, struct ann_error *e)
{
	unsigned char mac[32];

	if (hmac(mac, key, 32, sts, sts_len) < 0)
		return ann_error_set(e, ANN_ERR_INVALID, "compute signature: HMAC-SHA256 failed");
	to_hex(out, mac, sizeof mac);
	OPENSSL_cleanse(mac, sizeof mac);
	return ANN_OK;
}

int
ann_sigv4_authorization(struct ann_buf *out, const char *access_key_id,
    const char *scope, const char *signed_headers, const char *signature)
{
	return ann_buf_addf(out, ANN_SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
	    access_key_id, scope, signed_headers, signature);
}

/* ---- signing ---- */

void
ann_sigv4_signed_init(struct ann_sigv4_signed *s)
{
	memset(s, 0, sizeof *s);
	ann_buf_init(&s->scope, 1024);
	ann_buf_init(&s->canonical_request, ANN_BUF_MAX_DEFAULT);
	ann_buf_init(&s->signed_headers, ANN_BUF_MAX_DEFAULT);
	ann_buf_init(&s->string_to_sign, 4096);
	ann_buf_init(&s->authorization, ANN_BUF_MAX_DEFAULT);
	ann_buf_init(&s->token, ANN_BUF_MAX_DEFAULT);
}

void
ann_sigv4_signed_release(struct ann_sigv4_signed *s)
{
	ann_buf_release(&s->scope);
	release_wiped(&s->canonical_request);
	ann_buf_release(&s->signed_headers);
	release_wiped(&s->string_to_sign);
	release_wiped(&s->authorization);
	release_wiped(&s->token);
	OPENSSL_cleanse(s->signature, sizeof s->signature);
	s->nadded = 0;
}

/* Accepts names made of letters, digits and - _ . so they cannot break the scope. */
static int
valid_scope_part(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return 0;
	return 1;
}

static int
valid_payload_hash(const char *h)
{
	size_t n = strlen(h);
	size_t i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!(isdigit((unsigned char)h[i]) || (h[i] >= 'a' && h[i] <= 'f') ||
		    (h[i] >= 'A' && h[i] <= 'Z') || h[i] == '-'))
			return 0;
	return 1;
}

static int
check_inputs(const struct ann_sigv4_request *req, const struct ann_sigv4_creds *c,
    const struct ann_sigv4_params *p, struct ann_error *e)
{
	if (!valid_scope_part(p->region))
		return ann_error_set(e, ANN_ERR_INVALID, "invalid region \"%.64s\" for signing",
		    p->region ? p->region : "");
	if (!valid_scope_part(p->service))
		return ann_error_set(e, ANN_ERR_INVALID, "invalid service \"%.64s\" for signing",
		    p->service ? p->service : "");
	if (c == NULL || !valid_scope_part(c->access_key_id))
		return ann_error_set(e, ANN_ERR_INVALID,
		    "invalid access key id: expected letters and digits");
	if (c->secret_access_key == NULL || c->secret_access_key[0] == '\0')
		return ann_error_set(e, ANN_ERR_INVALID, "missing secret access key");
	if (req->payload_hash != NULL && !valid_payload_hash(req->payload_hash))
		return ann_error_set(e, ANN_ERR_INVALID,
		    "invalid payload hash \"%.70s\": expected hex SHA-256 or UNSIGNED-PAYLOAD",
		    req->payload_hash);
	return ANN_OK;
}

int
ann_sigv4_sign(struct ann_sigv4_signed *s, const struct ann_sigv4_request *req,
    const struct ann_sigv4_creds *c, const struct ann_sigv4_params *p, struct ann_error *e)
{
	unsigned char key[32];
	int rc;

	ann_sigv4_signed_release(s);
	ann_sigv4_signed_init(s);
	if ((rc = check_inputs(req, c, p, e)) < 0)
		return rc;
	ann_sigv4_format_date(p->time, s->amz_date);
	if (req->payload_hash != NULL)
		snprintf(s->payload_hash, sizeof s->payload_hash, "%s", req->payload_hash);
	else
		ann_sigv4_sha256_hex(s->payload_hash, req->body ? req->body : "", req->body_len);
	if (c->session_token != NULL && (rc = ann_sigv4_trim_value(&s->token, c->session_token)) < 0)
		goto nomem;

	if ((rc = ann_sigv4_canonical_request(&s->canonical_request, &s->signed_headers, req,
	    s->amz_date, s->token.data, s->payload_hash, p->flags, e)) < 0)
		return rc;
	if ((rc = ann_sigv4_scope(&s->scope, s->amz_date, p->region, p->service)) < 0)
		goto nomem;
	if ((rc = ann_sigv4_string_to_sign(&s->string_to_sign, s->amz_date, s->scope.data,
	    s->canonical_request.data, s->canonical_request.len)) < 0)
		goto nomem;
	if ((rc = ann_sigv4_signing_key(key, c->secret_access_key, s->amz_date, p->region,
	    p->service, e)) < 0)
		return rc;
	rc = ann_sigv4_signature(s->signature, key, s->string_to_sign.data,
	    s->string_to_sign.len, e);
	OPENSSL_cleanse(key, sizeof key);
	if (rc < 0)
		return rc;
	if ((rc = ann_sigv4_authorization(&s->authorization, c->access_key_id, s->scope.data,
	    s->signed_headers.data, s->signature)) < 0)
		goto nomem;

	s->added[s->nadded++] = (struct ann_sigv4_header){ "X-Amz-Date", s->amz_date };
	if (s->token.len > 0)
		s->added[s->nadded++] = (struct ann_sigv4_header){ "X-Amz-Security-Token",
		    s->token.data };
	if (p->flags & ANN_SIGV4_CONTENT_SHA256)
		s->added[s->nadded++] = (struct ann_sigv4_header){ "X-Amz-Content-Sha256",
		    s->payload_hash };
	s->added[s->nadded++] = (struct ann_sigv4_header){ "Authorization",
	    s->authorization.data };
	return ANN_OK;

nomem:
	return ann_error_set(e, rc, "sign request: %s", ann_err_name(rc));
}

/* ---- verification ---- */

/*
 * NOTE: the status codes follow AWS's list of common errors (400 for an
 * incomplete signature, 403 for the rest); real Bedrock was not called to
 * confirm each one.
 */
static const struct {
	int status;
	const char *type;
} verdict_kinds[] = {
	[ANN_SIGV4_VALID] = { 200, NULL },
	[ANN_SIGV4_MISSING] = { 403, "MissingAuthenticationTokenException" },
	[ANN_SIGV4_MALFORMED] = { 400, "IncompleteSignatureException" },
	[ANN_SIGV4_UNKNOWN_KEY] = { 403, "UnrecognizedClientException" },
	[ANN_SIGV4_BAD_TOKEN] = { 403, "UnrecognizedClientException" },
	[ANN_SIGV4_EXPIRED_TOKEN] = { 403, "ExpiredTokenException" },
	[ANN_SIGV4_EXPIRED] = { 403, "InvalidSignatureException" },
	[ANN_SIGV4_BAD_SCOPE] = { 403, "InvalidSignatureException" },
	[ANN_SIGV4_BAD_SIGNATURE] = { 403, "InvalidSignatureException" },
};

static void
verdict_set(struct ann_sigv4_verdict *v, enum ann_sigv4_verdict_code code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
verdict_set(struct ann_sigv4_verdict *v, enum ann_sigv4_verdict_code code,
    const char *fmt, ...)
{
	va_list ap;

	v->code = code;
	v->http_status = verdict_kinds[code].status;
	v->error_type = verdict_kinds[code].type;
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof v->message, fmt, ap);
	va_end(ap);
}

/* Copies at most n bytes of client-supplied text for a message, printable ASCII only. */
static const char *
printable(char *dst, size_t size, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size && src[i] != '\0'; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
	return dst;
}

/* Returns the only header named name, NULL when absent, and sets *count. */
static const char *
find_header(const struct ann_sigv4_request *req, const char *name, size_t *count)
{
	const char *found = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < req->nheaders; i++) {
		if (req->headers[i].name != NULL && strcasecmp(req->headers[i].name, name) == 0) {
			if (*count == 0)
				found = req->headers[i].value ? req->headers[i].value : "";
			(*count)++;
		}
	}
	return found;
}

struct auth_parts {
	const char *credential;
	size_t credential_len;
	const char *signed_headers;
	size_t signed_headers_len;
	const char *signature;
	size_t signature_len;
};

/* Splits "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...". */
static int
parse_authorization(const char *value, struct auth_parts *a, struct ann_sigv4_verdict *v)
{
	const char *p = value;
	size_t alg_len = strlen(ANN_SIGV4_ALGORITHM);

	memset(a, 0, sizeof *a);
	while (is_space((unsigned char)*p))
		p++;
	if (strncmp(p, ANN_SIGV4_ALGORITHM, alg_len) != 0 || !is_space((unsigned char)p[alg_len])) {
		verdict_set(v, ANN_SIGV4_MALFORMED,
		    "Authorization header does not use the " ANN_SIGV4_ALGORITHM " algorithm");
		return -1;
	}
	p += alg_len;
	while (*p != '\0') {
		const char *end;
		const char *eq;
		size_t n;

		while (is_space((unsigned char)*p) || *p == ',')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		while (n > 0 && is_space((unsigned char)p[n - 1]))
			n--;
		eq = memchr(p, '=', n);
		if (eq == NULL) {
			verdict_set(v, ANN_SIGV4_MALFORMED,
			    "Authorization header has a component without '='");
			return -1;
		}
		if ((size_t)(eq - p) == 10 && strncmp(p, "Credential", 10) == 0 && !a->credential) {
			a->credential = eq + 1;
			a->credential_len = n - 11;
		} else if ((size_t)(eq - p) == 13 && strncmp(p, "SignedHeaders", 13) == 0 &&
		    !a->signed_headers) {
			a->signed_headers = eq + 1;
			a->signed_headers_len = n - 14;
		} else if ((size_t)(eq - p) == 9 && strncmp(p, "Signature", 9) == 0 && !a->signature) {
			a->signature = eq + 1;
			a->signature_len = n - 10;
		} else {
			verdict_set(v, ANN_SIGV4_MALFORMED,
			    "Authorization header has an unknown or repeated component");
			return -1;
		}
		p += n;
		while (*p != '\0' && *p != ',')
			p++;
	}
	if (a->credential == NULL || a->signed_headers == NULL || a->signature == NULL) {
		verdict_set(v, ANN_SIGV4_MALFORMED,
		    "Authorization header requires Credential, SignedHeaders and Signature");
		return -1;
	}
	return 0;
}

/* The five parts of "AKID/YYYYMMDD/region/service/aws4_request". */
struct credential_scope {
	char akid[129];
	char date[9];
	char region[65];
	char service[65];
	char terminator[17];
};

static int
split_credential(const char *s, size_t n, struct credential_scope *cs)
{
	char *fields[5] = { cs->akid, cs->date, cs->region, cs->service, cs->terminator };
	size_t sizes[5] = { sizeof cs->akid, sizeof cs->date, sizeof cs->region,
	    sizeof cs->service, sizeof cs->terminator };
	size_t field = 0;
	size_t len = 0;
	size_t i;

	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '/') {
			fields[field][len] = '\0';
			if (len == 0 || ++field > 5)
				return -1;
			len = 0;
			if (i < n && field == 5)
				return -1;
			continue;
		}
		if (len + 1 >= sizes[field])
			return -1;
		fields[field][len++] = s[i];
	}
	return field == 5 ? 0 : -1;
}

/* Checks that list is sorted, unique, lower-case header names joined by ';'. */
static int
signed_list_ok(const char *list, size_t n)
{
	size_t i;
	const char *prev = NULL;
	size_t prev_len = 0;
	const char *cur = list;

	for (i = 0; i <= n; i++) {
		if (i == n || list[i] == ';') {
			size_t len = (size_t)(list + i - cur);
			int c;

			if (len == 0)
				return 0;
			if (prev != NULL) {
				c = strncmp(prev, cur, prev_len < len ? prev_len : len);
				if (c > 0 || (c == 0 && prev_len >= len))
					return 0;
			}
			prev = cur;
			prev_len = len;
			cur = list + i + 1;
			continue;
		}
		if (isupper((unsigned char)list[i]) || is_space((unsigned char)list[i]) ||
		    (unsigned char)list[i] < 0x21 || list[i] == ':')
			return 0;
	}
	return 1;
}

static int
list_has(const char *list, size_t n, const char *name)
{
	size_t len = strlen(name);
	size_t i = 0;

	while (i < n) {
		const char *semi = memchr(list + i, ';', n - i);
		size_t end = semi ? (size_t)(semi - list) : n;

		if (end - i == len && strncmp(list + i, name, len) == 0)
			return 1;
		i = end + 1;
	}
	return 0;
}

/* Collects the request's values for each name of the SignedHeaders list. */
static int
collect_signed(struct header_set *hs, const struct ann_sigv4_request *req, const char *list,
    size_t n, struct ann_sigv4_verdict *v)
{
	char name[128];
	size_t i = 0;
	size_t j;
	int rc;

	while (i < n) {
		const char *semi = memchr(list + i, ';', n - i);
		size_t end = semi ? (size_t)(semi - list) : n;
		size_t found = 0;

		if (end - i >= sizeof name) {
			verdict_set(v, ANN_SIGV4_MALFORMED, "SignedHeaders names a header that is too long");
			return 1;
		}
		memcpy(name, list + i, end - i);
		name[end - i] = '\0';
		for (j = 0; j < req->nheaders; j++) {
			if (req->headers[j].name == NULL || strcasecmp(req->headers[j].name, name) != 0)
				continue;
			if ((rc = header_set_add(hs, name, req->headers[j].value)) < 0)
				return rc;
			found++;
		}
		if (found == 0 && strcmp(name, "host") == 0 && req->host != NULL) {
			if ((rc = header_set_add(hs, name, req->host)) < 0)
				return rc;
			found++;
		}
		if (found == 0) {
			char shown[64];

			verdict_set(v, ANN_SIGV4_BAD_SIGNATURE,
			    "signed header '%s' is not present in the request",
			    printable(shown, sizeof shown, name, strlen(name)));
			return 1;
		}
		i = end + 1;
	}
	return 0;
}

static int
tokens_equal(const char *a, const char *b)
{
	struct ann_buf ta = ANN_BUF_INIT;
	struct ann_buf tb = ANN_BUF_INIT;
	int equal;

	if (ann_sigv4_trim_value(&ta, a) < 0 || ann_sigv4_trim_value(&tb, b) < 0)
		equal = 0;
	else
		equal = ta.len == tb.len && CRYPTO_memcmp(ta.data, tb.data, ta.len) == 0;
	release_wiped(&ta);
	release_wiped(&tb);
	return equal;
}

/* Checks the scope, the clock, the key and the token; 1 when rejected. */
static int
check_identity(const struct ann_sigv4_request *req, const struct ann_sigv4_verify_params *vp,
    const struct credential_scope *cs, const char *amz_date, time_t t,
    struct ann_sigv4_known_key *key, struct ann_sigv4_verdict *v)
{
	long max_skew = vp->max_skew > 0 ? vp->max_skew : ANN_SIGV4_MAX_SKEW_SECONDS;
	char shown[80];
	char now_text[ANN_SIGV4_DATE_LEN + 1];
	const char *token;
	size_t ntoken;

	if (strncmp(cs->date, amz_date, 8) != 0 || strcmp(cs->terminator, "aws4_request") != 0) {
		verdict_set(v, ANN_SIGV4_BAD_SCOPE,
		    "credential scope must be <date>/<region>/<service>/aws4_request with the date of X-Amz-Date");
		return 1;
	}
	if (strcmp(cs->region, vp->region) != 0) {
		verdict_set(v, ANN_SIGV4_BAD_SCOPE,
		    "credential should be scoped to region '%s', not '%s'", vp->region,
		    printable(shown, sizeof shown, cs->region, strlen(cs->region)));
		return 1;
	}
	if (strcmp(cs->service, vp->service) != 0) {
		verdict_set(v, ANN_SIGV4_BAD_SCOPE,
		    "credential should be scoped to service '%s', not '%s'", vp->service,
		    printable(shown, sizeof shown, cs->service, strlen(cs->service)));
		return 1;
	}
	if (t > vp->now + max_skew || t < vp->now - max_skew) {
		ann_sigv4_format_date(vp->now, now_text);
		verdict_set(v, ANN_SIGV4_EXPIRED,
		    "signature expired: request time %s is more than %ld seconds from server time %s",
		    amz_date, max_skew, now_text);
		return 1;
	}

	memset(key, 0, sizeof *key);
	if (vp->lookup == NULL || vp->lookup(vp->lookup_ctx, cs->akid, key) < 0 ||
	    key->secret_access_key == NULL) {
		verdict_set(v, ANN_SIGV4_UNKNOWN_KEY,
		    "the access key id in the request is not known to this server");
		return 1;
	}
	if (key->expires != 0 && vp->now >= key->expires) {
		verdict_set(v, ANN_SIGV4_EXPIRED_TOKEN, "the security token in the request has expired");
		return 1;
	}
	token = find_header(req, "x-amz-security-token", &ntoken);
	if (ntoken > 1 || (key->session_token == NULL) != (token == NULL) ||
	    (token != NULL && !tokens_equal(token, key->session_token))) {
		verdict_set(v, ANN_SIGV4_BAD_TOKEN,
		    "the security token in the request does not belong to the access key");
		return 1;
	}
	return 0;
}

int
ann_sigv4_verify(const struct ann_sigv4_request *req, const struct ann_sigv4_verify_params *vp,
    struct ann_sigv4_verdict *v, struct ann_error *e)
{
	struct header_set hs = { NULL, 0, 0 };
	struct ann_buf creq = ANN_BUF_INIT;
	struct ann_buf signed_headers = ANN_BUF_INIT;
	struct ann_buf scope = ANN_BUF_INIT;
	struct ann_buf sts = ANN_BUF_INIT;
	struct ann_error local = ANN_ERROR_INIT;
	struct ann_sigv4_known_key key;
	struct credential_scope cs;
	struct auth_parts a;
	unsigned char signing_key[32];
	char payload_hash[65];
	char expected[65];
	char amz_date[ANN_SIGV4_DATE_LEN + 1];
	const char *auth, *date, *sent_hash;
	size_t count;
	time_t t;
	int rc = ANN_OK;

	memset(v, 0, sizeof *v);
	memset(expected, 0, sizeof expected);
	auth = find_header(req, "authorization", &count);
	if (count == 0) {
		verdict_set(v, ANN_SIGV4_MISSING, "the request has no Authorization header");
		goto done;
	}
	if (count > 1) {
		verdict_set(v, ANN_SIGV4_MALFORMED, "the request has more than one Authorization header");
		goto done;
	}
	if (parse_authorization(auth, &a, v) < 0)
		goto done;
	if (split_credential(a.credential, a.credential_len, &cs) < 0) {
		verdict_set(v, ANN_SIGV4_MALFORMED,
		    "Credential must be <access key id>/<date>/<region>/<service>/aws4_request");
		goto done;
	}
	date = find_header(req, "x-amz-date", &count);
	if (count != 1 || strlen(date) != ANN_SIGV4_DATE_LEN ||
	    ann_sigv4_parse_date(date, &t, NULL) < 0) {
		verdict_set(v, ANN_SIGV4_MALFORMED,
		    "the request needs exactly one X-Amz-Date header in the form YYYYMMDDTHHMMSSZ");
		goto done;
	}
	memcpy(amz_date, date, sizeof amz_date);
	if (!signed_list_ok(a.signed_headers, a.signed_headers_len) ||
	    !list_has(a.signed_headers, a.signed_headers_len, "host") ||
	    !list_has(a.signed_headers, a.signed_headers_len, "x-amz-date")) {
		verdict_set(v, ANN_SIGV4_MALFORMED,
		    "SignedHeaders must be sorted lower-case names and include host and x-amz-date");
		goto done;
	}
	if (check_identity(req, vp, &cs, amz_date, t, &key, v))
		goto done;
	if (find_header(req, "x-amz-security-token", &count) != NULL &&
	    !list_has(a.signed_headers, a.signed_headers_len, "x-amz-security-token")) {
		verdict_set(v, ANN_SIGV4_BAD_SIGNATURE,
		    "the X-Amz-Security-Token header must be signed");
		goto done;
	}

	sent_hash = find_header(req, "x-amz-content-sha256", &count);
	if ((vp->flags & ANN_SIGV4_CONTENT_SHA256) && count == 1 && valid_payload_hash(sent_hash))
		snprintf(payload_hash, sizeof payload_hash, "%s", sent_hash);
	else if (req->payload_hash != NULL && valid_payload_hash(req->payload_hash))
		snprintf(payload_hash, sizeof payload_hash, "%s", req->payload_hash);
	else
		ann_sigv4_sha256_hex(payload_hash, req->body ? req->body : "", req->body_len);

	if ((rc = collect_signed(&hs, req, a.signed_headers, a.signed_headers_len, v)) != 0)
		goto done;
	rc = write_canonical(&creq, &signed_headers, req, &hs, payload_hash, vp->flags, &local);
	if (rc == ANN_ERR_INVALID) {
		verdict_set(v, ANN_SIGV4_BAD_SIGNATURE, "the request path or method cannot be signed");
		rc = ANN_OK;
		goto done;
	}
	if (rc < 0 ||
	    (rc = ann_sigv4_scope(&scope, amz_date, cs.region, cs.service)) < 0 ||
	    (rc = ann_sigv4_string_to_sign(&sts, amz_date, scope.data, creq.data, creq.len)) < 0 ||
	    (rc = ann_sigv4_signing_key(signing_key, key.secret_access_key, amz_date, cs.region,
	    cs.service, &local)) < 0)
		goto done;
	rc = ann_sigv4_signature(expected, signing_key, sts.data, sts.len, &local);
	OPENSSL_cleanse(signing_key, sizeof signing_key);
	if (rc < 0)
		goto done;
	if (a.signature_len != 64 || CRYPTO_memcmp(expected, a.signature, 64) != 0) {
		verdict_set(v, ANN_SIGV4_BAD_SIGNATURE,
		    "the request signature does not match the one computed by the server; "
		    "check the secret access key and the signing method");
		goto done;
	}
	verdict_set(v, ANN_SIGV4_VALID, "signature valid");

done:
	OPENSSL_cleanse(expected, sizeof expected);
	header_set_release(&hs);
	release_wiped(&creq);
	ann_buf_release(&signed_headers);
	ann_buf_release(&scope);
	release_wiped(&sts);
	if (rc < 0)
		return ann_error_set(e, rc, "verify signature: %s", ann_err_name(rc));
	return ANN_OK;
}

