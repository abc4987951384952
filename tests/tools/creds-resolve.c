/*
 * creds-resolve: walks the credential chain and resolves region and
 * endpoint the way a command would, then prints what it found with every
 * secret redacted. Tests run it with fake secrets and grep its output.
 *
 * Usage: creds-resolve [--profile P] [--region R] [--endpoint-url U]
 *                      [--bearer] [--sign]
 * --sign also signs an InvokeModel request (at ANN_SIGNING_TIME when set)
 * and prints its headers as a dry run would. Exit status 3 on a
 * configuration error, with the message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "creds.h"
#include "err.h"
#include "redact.h"
#include "region.h"
#include "sigv4.h"

static void
print_header(const char *name, const char *value)
{
	struct ann_buf line = ANN_BUF_INIT;

	ann_redact_header_value(&line, name, value);
	printf("%s: %s\n", name, line.data);
	ann_buf_release(&line);
}

static int
sign_dry_run(const struct ann_creds *c, const char *region, const char *endpoint,
    struct ann_error *e)
{
	static const char body[] = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":16,\"messages\":[]}";
	static const struct ann_sigv4_header headers[] = {
		{ "Content-Type", "application/json" }, { "Accept", "application/json" },
	};
	const char *host = strstr(endpoint, "://");
	struct ann_sigv4_request req = { "POST", host ? host + 3 : endpoint,
	    "/model/jp.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke", NULL, headers, 2,
	    body, sizeof body - 1, NULL };
	struct ann_sigv4_creds sc = { c->access_key_id, c->secret_access_key, c->session_token };
	struct ann_sigv4_params p = { region, "bedrock", 0, 0 };
	struct ann_sigv4_signed s;
	size_t i;
	int rc;

	printf("POST %s%s\n", endpoint, req.path);
	if (c->bearer_token != NULL) {
		struct ann_buf auth = ANN_BUF_INIT;

		ann_buf_addf(&auth, "Bearer %s", c->bearer_token);
		print_header("Authorization", auth.data);
		ann_buf_release(&auth);
		return ANN_OK;
	}
	if ((rc = ann_sigv4_now(&p.time, e)) < 0)
		return rc;
	ann_sigv4_signed_init(&s);
	rc = ann_sigv4_sign(&s, &req, &sc, &p, e);
	for (i = 0; rc == ANN_OK && i < s.nadded; i++)
		print_header(s.added[i].name, s.added[i].value);
	ann_sigv4_signed_release(&s);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ann_creds_options opt = { 0 };
	struct ann_creds_provider *p = NULL;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_creds c = { 0 };
	struct ann_region region;
	const char *region_opt = NULL, *endpoint_opt = NULL, *from = NULL;
	char *endpoint = NULL;
	int sign = 0;
	int status = 3;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
			opt.profile = argv[++i];
		else if (strcmp(argv[i], "--region") == 0 && i + 1 < argc)
			region_opt = argv[++i];
		else if (strcmp(argv[i], "--endpoint-url") == 0 && i + 1 < argc)
			endpoint_opt = argv[++i];
		else if (strcmp(argv[i], "--bearer") == 0)
			opt.allow_bearer = 1;
		else if (strcmp(argv[i], "--sign") == 0)
			sign = 1;
		else {
			fprintf(stderr, "creds-resolve: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	opt.container_attempts = 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (ann_creds_provider_new(&p, &opt, &e) < 0 ||
	    ann_creds_provider_get(p, time(NULL), &c, &e) < 0 ||
	    ann_region_resolve(&region, region_opt, opt.profile, &e) < 0 ||
	    ann_endpoint_resolve(&endpoint, &from, endpoint_opt, "BEDROCK_RUNTIME",
	    "bedrock-runtime", region.name, &e) < 0)
		goto done;
	printf("source=%s\norigin=%s\nexpiration=%lld\ntoken=%s\nregion=%s (%s)\nendpoint=%s (%s)\n",
	    ann_creds_source_name(c.source), c.origin, (long long)c.expiration,
	    c.session_token ? "yes" : "no", region.name, region.from, endpoint, from);
	if (sign && sign_dry_run(&c, region.name, endpoint, &e) < 0)
		goto done;
	status = 0;

done:
	if (status != 0)
		fprintf(stderr, "creds-resolve: %s\n", e.msg);
	free(endpoint);
	ann_creds_clear(&c);
	ann_creds_provider_free(p);
	curl_global_cleanup();
	return status;
}
