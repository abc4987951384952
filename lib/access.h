/*
 * Where ann-invoke's requests go and what authenticates them, per
 * provider.
 *
 *   bedrock, bedrock-invoke: region and endpoint as region.h resolves
 *     them, credentials from the chain in creds.h (AWS_BEARER_TOKEN_BEDROCK
 *     included); refreshed temporary credentials are picked up for each
 *     request.
 *   anthropic: --endpoint-url, else ANTHROPIC_BASE_URL, else
 *     https://api.anthropic.com; the key from ANTHROPIC_API_KEY (required).
 *   openai: --endpoint-url, else OPENAI_BASE_URL, else
 *     https://api.openai.com; a trailing "/v1" is dropped because the
 *     request path carries it. OPENAI_API_KEY is sent as a bearer token
 *     when set; local servers usually need none.
 *
 * Secrets are owned here and wiped by ann_access_release; the pointers
 * handed out by ann_access_secrets stay valid until its next call.
 */
#ifndef ANN_ACCESS_H
#define ANN_ACCESS_H

#include "creds.h"
#include "err.h"
#include "invoke.h"
#include "provider.h"
#include "region.h"

struct ann_access {
	enum ann_provider provider;
	char *endpoint;                /* malloc'd base URL */
	const char *endpoint_from;
	struct ann_region region;
	struct ann_creds_provider *chain; /* Bedrock only */
	struct ann_creds current;
	char *api_key;
};

/* Resolves endpoint, region and credentials; a missing setting is
 * ANN_ERR_CONFIG with a message naming what was looked at. */
int ann_access_setup(struct ann_access *a, enum ann_provider p, const char *region,
    const char *endpoint, const char *profile, struct ann_error *e);

/* The ann_invoke_secrets_fn for a struct ann_access. */
int ann_access_secrets(void *ctx, struct ann_invoke_secrets *out, struct ann_error *e);

void ann_access_release(struct ann_access *a);

#endif
