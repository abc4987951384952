#include "access.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

/*
 * Sets *out to the endpoint: the explicit URL, else the variable, else the
 * fallback. A setting that is present but empty is an error rather than a
 * way to the fallback, since it is most often a script that failed to
 * fill it in, and the fallback is a public service.
 */
static int
dup_env_url(char **out, const char *explicit_url, const char *variable,
    const char *fallback, const char **from, struct ann_error *e)
{
	const char *url = explicit_url;
	size_t len;

	*from = "--endpoint-url";
	if (url == NULL) {
		url = getenv(variable);
		*from = variable;
	}
	if (url != NULL && *url == '\0')
		return ann_error_set(e, ANN_ERR_CONFIG,
		    "%s is set but empty; unset it to use %s", *from, fallback);
	if (url == NULL) {
		url = fallback;
		*from = "default";
	}
	len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		len--;
	*out = strndup(url, len);
	return *out ? ANN_OK : ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading settings");
}

/* Logs where the credentials came from: the source's name, never a secret. */
static int
log_origin(struct ann_creds_provider *chain, struct ann_error *e)
{
	struct ann_creds c;
	int rc = ann_creds_provider_get(chain, time(NULL), &c, e);

	if (rc == ANN_OK)
		ann_log(ANN_LOG_INFO, "credentials from %s", c.origin);
	ann_creds_clear(&c);
	return rc;
}

int
ann_access_setup(struct ann_access *a, enum ann_provider p, const char *region,
    const char *endpoint, const char *profile, struct ann_error *e)
{
	const char *key;
	int rc;

	memset(a, 0, sizeof *a);
	a->provider = p;

	if (p == ANN_PROVIDER_ANTHROPIC) {
		rc = dup_env_url(&a->endpoint, endpoint, "ANTHROPIC_BASE_URL",
		    "https://api.anthropic.com", &a->endpoint_from, e);
		if (rc)
			return rc;
		key = getenv("ANTHROPIC_API_KEY");
		if (key == NULL || *key == '\0')
			return ann_error_set(e, ANN_ERR_CONFIG, "ANTHROPIC_API_KEY is not set");
		if ((a->api_key = strdup(key)) == NULL)
			return ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading settings");
		return ANN_OK;
	}

	if (p == ANN_PROVIDER_OPENAI) {
		size_t len;

		rc = dup_env_url(&a->endpoint, endpoint, "OPENAI_BASE_URL", "https://api.openai.com",
		    &a->endpoint_from, e);
		if (rc)
			return rc;
		len = strlen(a->endpoint);
		if (len >= 3 && strcmp(a->endpoint + len - 3, "/v1") == 0)
			a->endpoint[len - 3] = '\0';
		key = getenv("OPENAI_API_KEY");
		if (key && *key && (a->api_key = strdup(key)) == NULL)
			return ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading settings");
		return ANN_OK;
	}

	rc = ann_region_resolve(&a->region, region, profile, e);
	if (rc)
		return rc;
	rc = ann_endpoint_resolve(&a->endpoint, &a->endpoint_from, endpoint, "BEDROCK_RUNTIME",
	    "bedrock-runtime", a->region.name, e);
	if (rc)
		return rc;
	{
		struct ann_creds_options opt;

		memset(&opt, 0, sizeof opt);
		opt.profile = profile;
		opt.allow_bearer = 1;
		rc = ann_creds_provider_new(&a->chain, &opt, e);
	}
	if (rc == ANN_OK)
		rc = log_origin(a->chain, e);
	return rc;
}

int
ann_access_secrets(void *ctx, struct ann_invoke_secrets *out, struct ann_error *e)
{
	struct ann_access *a = ctx;
	int rc;

	memset(out, 0, sizeof *out);
	if (a->provider == ANN_PROVIDER_ANTHROPIC) {
		out->api_key = a->api_key;
		return ANN_OK;
	}
	if (a->provider == ANN_PROVIDER_OPENAI) {
		out->bearer_token = a->api_key;
		return ANN_OK;
	}

	ann_creds_clear(&a->current);
	rc = ann_creds_provider_get(a->chain, time(NULL), &a->current, e);
	if (rc)
		return rc;
	out->access_key_id = a->current.access_key_id;
	out->secret_access_key = a->current.secret_access_key;
	out->session_token = a->current.session_token;
	out->bearer_token = a->current.bearer_token;
	return ANN_OK;
}

void
ann_access_release(struct ann_access *a)
{
	free(a->endpoint);
	a->endpoint = NULL;
	if (a->api_key) {
		explicit_bzero(a->api_key, strlen(a->api_key));
		free(a->api_key);
		a->api_key = NULL;
	}
	ann_creds_clear(&a->current);
	if (a->chain)
		ann_creds_provider_free(a->chain);
	a->chain = NULL;
}
