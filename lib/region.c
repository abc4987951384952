#include "region.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "awsconfig.h"

int
ann_region_valid(const char *name)
{
	size_t n = strlen(name);
	size_t i;

	if (n == 0 || n >= sizeof ((struct ann_region *)0)->name || name[0] == '-' ||
	    name[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '-'))
			return 0;
	return 1;
}

static int
set_region(struct ann_region *out, const char *value, const char *from, struct ann_error *e)
{
	if (!ann_region_valid(value))
		return ann_error_set(e, ANN_ERR_CONFIG,
		    "invalid region \"%.64s\" from %s: expected a name such as ap-northeast-1",
		    value, from);
	snprintf(out->name, sizeof out->name, "%s", value);
	out->from = from;
	return ANN_OK;
}

int
ann_region_resolve(struct ann_region *out, const char *explicit_region, const char *profile,
    struct ann_error *e)
{
	static const char *const vars[] = { "AWS_REGION", "AWS_DEFAULT_REGION" };
	struct ann_aws_config cfg;
	const struct ann_aws_setting *s;
	const char *path = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof *out);
	if (explicit_region != NULL && explicit_region[0] != '\0')
		return set_region(out, explicit_region, "--region", e);
	for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);

		if (v != NULL && v[0] != '\0')
			return set_region(out, v, vars[i], e);
	}

	if ((rc = ann_aws_config_load(&cfg, profile, e)) < 0)
		return rc;
	s = ann_aws_config_get(&cfg, "region", &path);
	if (s != NULL && s->value[0] != '\0') {
		rc = set_region(out, s->value, "profile", e);
		if (rc < 0)
			ann_error_prefix(e, "%s:%u", path, s->line);
	} else {
		rc = ann_error_set(e, ANN_ERR_CONFIG,
		    "no AWS region set; looked at --region, AWS_REGION, AWS_DEFAULT_REGION and "
		    "\"region\" of profile \"%s\" in %s and %s; set one, e.g. AWS_REGION=ap-northeast-1",
		    cfg.profile, cfg.credentials.path ? cfg.credentials.path : "~/.aws/credentials",
		    cfg.config.path ? cfg.config.path : "~/.aws/config");
	}
	ann_aws_config_clear(&cfg);
	return rc;
}

/* Checks an endpoint override and stores it without a trailing slash. */
static int
check_url(char **url, const char *value, const char *from, struct ann_error *e)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *query = NULL, *fragment = NULL;
	size_t n;
	int rc = ANN_OK;

	if (u == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "endpoint: out of memory");
	if (curl_url_set(u, CURLUPART_URL, value, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0' ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		rc = ann_error_set(e, ANN_ERR_CONFIG,
		    "invalid endpoint URL \"%.200s\" from %s: expected http:// or https:// and a host",
		    value, from);
		goto done;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK) {
		rc = ann_error_set(e, ANN_ERR_CONFIG,
		    "invalid endpoint URL \"%.200s\" from %s: no query or fragment allowed", value, from);
		goto done;
	}
	*url = strdup(value);
	if (*url == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "endpoint: out of memory");
		goto done;
	}
	n = strlen(*url);
	while (n > 0 && (*url)[n - 1] == '/')
		(*url)[--n] = '\0';

done:
	curl_free(scheme);
	curl_free(host);
	curl_free(query);
	curl_free(fragment);
	curl_url_cleanup(u);
	return rc;
}

/*
 * Takes the endpoint from a setting that is present. An empty one is an
 * error rather than a way to the region's endpoint, since it is most often
 * a script that failed to fill it in, and that endpoint is AWS itself.
 */
static int
endpoint_from(char **url, const char **from, const char *value, const char *setting,
    const char *source, struct ann_error *e)
{
	if (value[0] == '\0')
		return ann_error_set(e, ANN_ERR_CONFIG,
		    "%s is set but empty; unset it to use the region's endpoint", setting);
	if (from != NULL)
		*from = source;
	return check_url(url, value, setting, e);
}

int
ann_endpoint_resolve(char **url, const char **from, const char *explicit_url,
    const char *service_env, const char *host_prefix, const char *region, struct ann_error *e)
{
	char var[128];
	const char *v;

	*url = NULL;
	if (from != NULL)
		*from = NULL;
	if (explicit_url != NULL)
		return endpoint_from(url, from, explicit_url, "--endpoint-url", "--endpoint-url", e);
	snprintf(var, sizeof var, "AWS_ENDPOINT_URL_%s", service_env);
	v = getenv(var);
	if (v != NULL)
		return endpoint_from(url, from, v, var, "AWS_ENDPOINT_URL_<service>", e);
	v = getenv("AWS_ENDPOINT_URL");
	if (v != NULL)
		return endpoint_from(url, from, v, "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL", e);
	if (region == NULL || !ann_region_valid(region))
		return ann_error_set(e, ANN_ERR_CONFIG,
		    "cannot form the %s endpoint: invalid region \"%.64s\"", host_prefix,
		    region ? region : "");
	*url = malloc(strlen(host_prefix) + strlen(region) + sizeof "https://..amazonaws.com");
	if (*url == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "endpoint: out of memory");
	sprintf(*url, "https://%s.%s.amazonaws.com", host_prefix, region);
	if (from != NULL)
		*from = "region";
	return ANN_OK;
}
