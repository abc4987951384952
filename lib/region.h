/*
 * The AWS region and the service endpoint a request goes to.
 *
 * Region, first set wins: the explicit value (the --region option), then
 * AWS_REGION, then AWS_DEFAULT_REGION, then "region" in the selected
 * profile of the shared files (see awsconfig.h). There is no fallback
 * region: a missing one is an ANN_ERR_CONFIG error naming each setting
 * looked at. A region must be lower-case letters, digits and '-', because
 * it becomes part of a host name.
 *
 * Endpoint, first set wins: the explicit value (--endpoint-url), then
 * AWS_ENDPOINT_URL_<SERVICE> (for Bedrock Runtime,
 * AWS_ENDPOINT_URL_BEDROCK_RUNTIME), then AWS_ENDPOINT_URL, then
 * https://<host prefix>.<region>.amazonaws.com. A setting present but
 * empty is an ANN_ERR_CONFIG error, never a way to AWS. The endpoint is only
 * computed here, and nothing connects to it. An override must be an http or
 * https URL with a host and without query or fragment. A trailing '/' is
 * removed so callers can append "/model/...".
 */
#ifndef ANN_REGION_H
#define ANN_REGION_H

#include "err.h"

/* Names of the settings a region or endpoint came from, for logs. */
struct ann_region {
	char name[64];
	const char *from;  /* "--region", "AWS_REGION", "AWS_DEFAULT_REGION" or "profile" */
};

/* Resolves the region; profile is the profile argument or NULL. */
int ann_region_resolve(struct ann_region *out, const char *explicit_region, const char *profile,
    struct ann_error *e);

/* Returns 1 when name is a syntactically valid region ("ap-northeast-1"). */
int ann_region_valid(const char *name);

/*
 * Resolves the endpoint into a malloc'd *url. service_env is the suffix of
 * the service-specific variable ("BEDROCK_RUNTIME"); host_prefix forms the
 * default host ("bedrock-runtime"). *from (when not NULL) names the source.
 */
int ann_endpoint_resolve(char **url, const char **from, const char *explicit_url,
    const char *service_env, const char *host_prefix, const char *region, struct ann_error *e);

#endif
