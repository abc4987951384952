#include "redact.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "sigv4.h"

static const char *const secret_headers[] = {
	"authorization", "proxy-authorization", "x-amz-security-token", "x-api-key",
	"cookie", "set-cookie",
};

int
ann_redact_is_secret_header(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof secret_headers / sizeof secret_headers[0]; i++)
		if (strcasecmp(name, secret_headers[i]) == 0)
			return 1;
	return 0;
}

/* Appends the SigV4 Authorization value with the key id and signature replaced. */
static int
redact_sigv4(struct ann_buf *out, const char *value)
{
	const char *cred = strstr(value, "Credential=");
	const char *slash = cred ? strchr(cred, '/') : NULL;
	const char *comma = slash ? strchr(slash, ',') : NULL;
	const char *sh = strstr(value, "SignedHeaders=");
	const char *sh_end = sh ? strchr(sh, ',') : NULL;
	int rc;

	if (slash == NULL || comma == NULL || sh == NULL || sh_end == NULL)
		return ann_buf_adds(out, ANN_SIGV4_ALGORITHM " " ANN_REDACTED);
	if ((rc = ann_buf_adds(out, ANN_SIGV4_ALGORITHM " Credential=" ANN_REDACTED)) < 0 ||
	    (rc = ann_buf_add(out, slash, (size_t)(comma - slash))) < 0 ||
	    (rc = ann_buf_adds(out, ", ")) < 0 ||
	    (rc = ann_buf_add(out, sh, (size_t)(sh_end - sh))) < 0)
		return rc;
	return ann_buf_adds(out, ", Signature=" ANN_REDACTED);
}

int
ann_redact_header_value(struct ann_buf *out, const char *name, const char *value)
{
	const char *v = value;

	if (!ann_redact_is_secret_header(name))
		return ann_buf_adds(out, value);
	while (*v == ' ' || *v == '\t')
		v++;
	if (strncmp(v, ANN_SIGV4_ALGORITHM " ", strlen(ANN_SIGV4_ALGORITHM) + 1) == 0)
		return redact_sigv4(out, v);
	if (strncasecmp(v, "Bearer ", 7) == 0)
		return ann_buf_adds(out, "Bearer " ANN_REDACTED);
	return ann_buf_adds(out, ANN_REDACTED);
}

/* Length of the token that starts at p: up to whitespace, ',', ';' or a quote. */
static size_t
token_len(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && !isspace((unsigned char)p[i]) && p[i] != ',' && p[i] != ';' &&
	    p[i] != '"' && p[i] != '\'')
		i++;
	return i;
}

int
ann_redact_text(struct ann_buf *out, const char *text, size_t n, const char *const *secrets)
{
	static const char *const markers[] = { "Bearer ", "Signature=" };
	size_t i = 0;
	int rc;

	while (i < n) {
		size_t skip = 0;
		size_t k;

		for (k = 0; secrets != NULL && secrets[k] != NULL && skip == 0; k++) {
			size_t len = strlen(secrets[k]);

			if (len >= 4 && len <= n - i && memcmp(text + i, secrets[k], len) == 0) {
				if ((rc = ann_buf_adds(out, ANN_REDACTED)) < 0)
					return rc;
				skip = len;
			}
		}
		for (k = 0; k < sizeof markers / sizeof markers[0] && skip == 0; k++) {
			size_t len = strlen(markers[k]);
			size_t tok;

			if (len > n - i || strncasecmp(text + i, markers[k], len) != 0)
				continue;
			tok = token_len(text + i + len, n - i - len);
			if (tok == 0)
				continue;
			if ((rc = ann_buf_add(out, text + i, len)) < 0 ||
			    (rc = ann_buf_adds(out, ANN_REDACTED)) < 0)
				return rc;
			skip = len + tok;
		}
		if (skip == 0) {
			if ((rc = ann_buf_addc(out, text[i])) < 0)
				return rc;
			skip = 1;
		}
		i += skip;
	}
	return 0;
}
