/*
 * sigv4-sign: signs one request described on stdin and prints the headers
 * the signer adds, for comparing lib/sigv4 with another implementation.
 *
 * Input, one "key value" line each (the value is the rest of the line):
 *   method POST
 *   host bedrock-runtime.us-east-1.amazonaws.com
 *   path /model/a%3A0/invoke            (wire path, already encoded)
 *   query a=1&b=2                        (wire query, optional)
 *   header Content-Type: application/json   (repeatable; value kept raw)
 *   body-hex 7b2278223a317d              (optional)
 *   region us-east-1
 *   service bedrock
 *   access-key-id AKIDEXAMPLE
 *   secret-access-key ...
 *   session-token ...                    (optional)
 *   flags s3                             (optional)
 * The signing time comes from ANN_SIGNING_TIME or the clock.
 *
 * Output: "Name: value" for each added header; with -v also the canonical
 * request and the string to sign after a blank line. This is a test tool:
 * it prints the Authorization value and the token on purpose.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "buf.h"
#include "err.h"
#include "sigv4.h"

#define MAX_HEADERS 64

struct input {
	char *method, *host, *path, *query, *region, *service;
	char *akid, *secret, *token, *flags;
	struct ann_sigv4_header headers[MAX_HEADERS];
	size_t nheaders;
	struct ann_buf body;
};

static int
parse_line(struct input *in, char *line)
{
	char *sp = strchr(line, ' ');
	char *value;
	char **slot = NULL;

	if (sp == NULL)
		return -1;
	*sp = '\0';
	value = strdup(sp + 1);
	if (value == NULL)
		return -1;
	if (strcmp(line, "method") == 0)
		slot = &in->method;
	else if (strcmp(line, "host") == 0)
		slot = &in->host;
	else if (strcmp(line, "path") == 0)
		slot = &in->path;
	else if (strcmp(line, "query") == 0)
		slot = &in->query;
	else if (strcmp(line, "region") == 0)
		slot = &in->region;
	else if (strcmp(line, "service") == 0)
		slot = &in->service;
	else if (strcmp(line, "access-key-id") == 0)
		slot = &in->akid;
	else if (strcmp(line, "secret-access-key") == 0)
		slot = &in->secret;
	else if (strcmp(line, "session-token") == 0)
		slot = &in->token;
	else if (strcmp(line, "flags") == 0)
		slot = &in->flags;
	if (slot != NULL) {
		free(*slot);
		*slot = value;
		return 0;
	}
	if (strcmp(line, "header") == 0) {
		char *colon = strchr(value, ':');

		if (colon == NULL || in->nheaders == MAX_HEADERS) {
			free(value);
			return -1;
		}
		*colon = '\0';
		in->headers[in->nheaders].name = value;
		in->headers[in->nheaders].value = colon + 1;
		in->nheaders++;
		return 0;
	}
	if (strcmp(line, "body-hex") == 0) {
		size_t i, n = strlen(value);

		for (i = 0; i + 1 < n; i += 2) {
			int hi = ann_ascii_hex_value((unsigned char)value[i]), lo = ann_ascii_hex_value((unsigned char)value[i + 1]);

			if (hi < 0 || lo < 0 || ann_buf_addc(&in->body, (char)(hi * 16 + lo)) < 0) {
				free(value);
				return -1;
			}
		}
		free(value);
		return n % 2 == 0 ? 0 : -1;
	}
	free(value);
	return -1;
}

int
main(int argc, char **argv)
{
	struct input in;
	struct ann_sigv4_signed s;
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_sigv4_request req;
	struct ann_sigv4_creds c;
	struct ann_sigv4_params p;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	size_t i;
	int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
	int status = 1;

	memset(&in, 0, sizeof in);
	ann_buf_init(&in.body, ANN_BUF_MAX_DEFAULT);
	ann_sigv4_signed_init(&s);
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (parse_line(&in, line) < 0) {
			fprintf(stderr, "sigv4-sign: invalid input line starting \"%.20s\"\n", line);
			goto done;
		}
	}
	req = (struct ann_sigv4_request){ in.method, in.host, in.path, in.query, in.headers,
	    in.nheaders, in.body.data, in.body.len, NULL };
	c = (struct ann_sigv4_creds){ in.akid, in.secret, in.token };
	p = (struct ann_sigv4_params){ in.region, in.service, 0, 0 };
	if (in.flags != NULL && strcmp(in.flags, "s3") == 0)
		p.flags = ANN_SIGV4_S3;
	if (ann_sigv4_now(&p.time, &e) < 0 || ann_sigv4_sign(&s, &req, &c, &p, &e) < 0) {
		fprintf(stderr, "sigv4-sign: %s\n", e.msg);
		goto done;
	}
	for (i = 0; i < s.nadded; i++)
		printf("%s: %s\n", s.added[i].name, s.added[i].value);
	if (verbose)
		printf("\n%s\n\n%s\n", s.canonical_request.data, s.string_to_sign.data);
	status = 0;

done:
	ann_sigv4_signed_release(&s);
	for (i = 0; i < in.nheaders; i++)
		free((char *)in.headers[i].name);
	free(in.method);
	free(in.host);
	free(in.path);
	free(in.query);
	free(in.region);
	free(in.service);
	free(in.akid);
	free(in.secret);
	free(in.token);
	free(in.flags);
	free(line);
	ann_buf_release(&in.body);
	return status;
}
