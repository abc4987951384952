#include "creds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "ascii.h"
#include "json.h"
#include "awsconfig.h"
#include "buf.h"

extern char **environ;

/* ---- small helpers ---- */

static void
wipe_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

static void
wipe_buf(struct ann_buf *b)
{
	if (b->cap > 0)
		OPENSSL_cleanse(b->data, b->cap);
	ann_buf_release(b);
}

/* Copies s without surrounding whitespace: a pasted key often ends in a space. */
static char *
dup_trimmed(const char *s)
{
	size_t n;
	char *d;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	d = malloc(n + 1);
	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static const char *
env_value(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static int
has_crlf(const char *s)
{
	return strchr(s, '\r') != NULL || strchr(s, '\n') != NULL;
}

const char *
ann_creds_source_name(enum ann_creds_source source)
{
	switch (source) {
	case ANN_CREDS_NONE: return "none";
	case ANN_CREDS_EXPLICIT: return "options";
	case ANN_CREDS_BEARER: return "bearer token";
	case ANN_CREDS_ENV: return "environment";
	case ANN_CREDS_SHARED_FILE: return "shared credentials file";
	case ANN_CREDS_PROCESS: return "credential_process";
	case ANN_CREDS_CONFIG_FILE: return "config file";
	case ANN_CREDS_CONTAINER: return "container credentials";
	}
	return "unknown";
}

void
ann_creds_clear(struct ann_creds *c)
{
	wipe_free(c->access_key_id);
	wipe_free(c->secret_access_key);
	wipe_free(c->session_token);
	wipe_free(c->bearer_token);
	memset(c, 0, sizeof *c);
}

static int
dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return ANN_OK;
	*dst = strdup(src);
	return *dst ? ANN_OK : ANN_ERR_NOMEM;
}

int
ann_creds_copy(struct ann_creds *dst, const struct ann_creds *src)
{
	memset(dst, 0, sizeof *dst);
	if (dup_opt(&dst->access_key_id, src->access_key_id) < 0 ||
	    dup_opt(&dst->secret_access_key, src->secret_access_key) < 0 ||
	    dup_opt(&dst->session_token, src->session_token) < 0 ||
	    dup_opt(&dst->bearer_token, src->bearer_token) < 0) {
		ann_creds_clear(dst);
		return ANN_ERR_NOMEM;
	}
	dst->expiration = src->expiration;
	dst->source = src->source;
	memcpy(dst->origin, src->origin, sizeof dst->origin);
	return ANN_OK;
}

/* Fills c with trimmed copies of the key pair and optional token. */
static int
set_keys(struct ann_creds *c, const char *akid, const char *secret, const char *token,
    struct ann_error *e)
{
	c->access_key_id = dup_trimmed(akid);
	c->secret_access_key = dup_trimmed(secret);
	c->session_token = token != NULL ? dup_trimmed(token) : NULL;
	if (c->access_key_id == NULL || c->secret_access_key == NULL ||
	    (token != NULL && c->session_token == NULL)) {
		ann_creds_clear(c);
		return ann_error_set(e, ANN_ERR_NOMEM, "copy credentials: out of memory");
	}
	if (c->session_token != NULL && c->session_token[0] == '\0') {
		free(c->session_token);
		c->session_token = NULL;
	}
	if (c->access_key_id[0] == '\0' || c->secret_access_key[0] == '\0') {
		ann_creds_clear(c);
		return ann_error_set(e, ANN_ERR_CONFIG, "empty access key id or secret access key");
	}
	return ANN_OK;
}

/* ---- ISO 8601 times ---- */

int
ann_creds_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	int year, mon, day, hour, min, sec;
	long offset = 0;
	const char *p;

	if (s == NULL || strlen(s) < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
		return ANN_ERR_INVALID;
	year = ann_ascii_digits(s, 4);
	mon = ann_ascii_digits(s + 5, 2);
	day = ann_ascii_digits(s + 8, 2);
	hour = ann_ascii_digits(s + 11, 2);
	min = ann_ascii_digits(s + 14, 2);
	sec = ann_ascii_digits(s + 17, 2);
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 ||
	    hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60)
		return ANN_ERR_INVALID;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return ANN_ERR_INVALID;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		offset = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
	    ann_ascii_digits(p + 1, 2) >= 0 && ann_ascii_digits(p + 4, 2) >= 0) {
		offset = (ann_ascii_digits(p + 1, 2) * 60L + ann_ascii_digits(p + 4, 2)) * 60L;
		if (*p == '-')
			offset = -offset;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 5 && ann_ascii_digits(p + 1, 4) >= 0) {
		offset = (ann_ascii_digits(p + 1, 2) * 60L + ann_ascii_digits(p + 3, 2)) * 60L;
		if (*p == '-')
			offset = -offset;
	} else {
		return ANN_ERR_INVALID;
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*out = timegm(&tm) - offset;
	return ANN_OK;
}

/* ---- JSON credential documents ---- */

/* Overwrites the strings of a parsed credential document before it is freed. */
static void
wipe_json(cJSON *node)
{
	for (; node != NULL; node = node->next) {
		if (node->valuestring != NULL)
			OPENSSL_cleanse(node->valuestring, strlen(node->valuestring));
		wipe_json(node->child);
	}
}

static const char *
json_string(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/*
 * Reads AccessKeyId, SecretAccessKey, the token member token_name and an
 * optional Expiration from a JSON document. what names the source for messages.
 * The strict scanner checks the document first, because cJSON would accept
 * invalid UTF-8 or bad escapes and silently cut a key short. Its message is
 * not passed on: it quotes a byte of the document, which may be a secret.
 */
static int
parse_json_creds(struct ann_creds *out, const char *json, size_t n, const char *token_name,
    int want_version, const char *what, struct ann_error *e)
{
	cJSON *doc = cJSON_ParseWithLength(json, n);
	const cJSON *version;
	const char *akid, *secret, *token, *expiration;
	int rc;

	memset(out, 0, sizeof *out);
	if (ann_json_check(json, n, NULL, NULL) != ANN_OK) {
		rc = ann_error_set(e, ANN_ERR_CONFIG, "%s: output is not valid JSON", what);
		goto done;
	}
	if (doc == NULL || !cJSON_IsObject(doc)) {
		rc = ann_error_set(e, ANN_ERR_CONFIG, "%s: output is not a JSON object", what);
		goto done;
	}
	if (want_version) {
		version = cJSON_GetObjectItemCaseSensitive(doc, "Version");
		if (!cJSON_IsNumber(version) || version->valuedouble != 1.0) {
			rc = ann_error_set(e, ANN_ERR_CONFIG,
			    "%s: \"Version\" must be the number 1", what);
			goto done;
		}
	}
	akid = json_string(doc, "AccessKeyId");
	secret = json_string(doc, "SecretAccessKey");
	token = json_string(doc, token_name);
	expiration = json_string(doc, "Expiration");
	if (akid == NULL || secret == NULL || akid[0] == '\0' || secret[0] == '\0') {
		rc = ann_error_set(e, ANN_ERR_CONFIG,
		    "%s: \"AccessKeyId\" and \"SecretAccessKey\" must be non-empty strings", what);
		goto done;
	}
	if (cJSON_GetObjectItemCaseSensitive(doc, token_name) != NULL && token == NULL) {
		rc = ann_error_set(e, ANN_ERR_CONFIG, "%s: \"%s\" must be a string", what,
		    token_name);
		goto done;
	}
	if ((rc = set_keys(out, akid, secret, token, e)) < 0)
		goto done;
	if (expiration != NULL && ann_creds_parse_time(expiration, &out->expiration) < 0) {
		ann_creds_clear(out);
		rc = ann_error_set(e, ANN_ERR_CONFIG,
		    "%s: \"Expiration\" \"%.40s\" is not an ISO 8601 time such as 2026-01-15T12:00:00Z",
		    what, expiration);
		goto done;
	}
	if (expiration == NULL && cJSON_GetObjectItemCaseSensitive(doc, "Expiration") != NULL) {
		ann_creds_clear(out);
		rc = ann_error_set(e, ANN_ERR_CONFIG, "%s: \"Expiration\" must be a string", what);
		goto done;
	}
	rc = ANN_OK;

done:
	if (doc != NULL)
		wipe_json(doc);
	cJSON_Delete(doc);
	return rc;
}

int
ann_creds_parse_process_output(struct ann_creds *out, const char *json, size_t n,
    struct ann_error *e)
{
	return parse_json_creds(out, json, n, "SessionToken", 1, "credential_process", e);
}

/* ---- credential_process ---- */

static void
free_words(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
ann_creds_free_argv(char **argv)
{
	size_t n = 0;

	if (argv == NULL)
		return;
	while (argv[n] != NULL)
		n++;
	free_words(argv, n);
}

int
ann_creds_split_command(const char *cmd, char ***argv_out, struct ann_error *e)
{
	struct ann_buf word = ANN_BUF_INIT;
	char **argv = NULL;
	size_t n = 0;
	const char *p = cmd;
	int rc = ANN_ERR_NOMEM;

	*argv_out = NULL;
	for (;;) {
		int in_word = 0;
		char **nv;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		ann_buf_reset(&word);
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n') {
			in_word = 1;
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');

				if (end == NULL) {
					rc = ann_error_set(e, ANN_ERR_CONFIG,
					    "credential_process: unterminated single quote");
					goto fail;
				}
				if (ann_buf_add(&word, p + 1, (size_t)(end - p - 1)) < 0)
					goto fail;
				p = end + 1;
			} else if (*p == '"') {
				p++;
				while (*p != '"') {
					if (*p == '\0') {
						rc = ann_error_set(e, ANN_ERR_CONFIG,
						    "credential_process: unterminated double quote");
						goto fail;
					}
					if (*p == '\\' && p[1] != '\0' && strchr("\"\\$`", p[1]) != NULL)
						p++;
					if (ann_buf_addc(&word, *p++) < 0)
						goto fail;
				}
				p++;
			} else if (*p == '\\' && p[1] != '\0') {
				if (ann_buf_addc(&word, p[1]) < 0)
					goto fail;
				p += 2;
			} else {
				if (ann_buf_addc(&word, *p++) < 0)
					goto fail;
			}
		}
		if (!in_word)
			continue;
		nv = realloc(argv, (n + 2) * sizeof *nv);
		if (nv == NULL)
			goto fail;
		argv = nv;
		argv[n] = ann_buf_detach(&word, NULL);
		if (argv[n] == NULL)
			goto fail;
		argv[++n] = NULL;
	}
	if (n == 0) {
		rc = ann_error_set(e, ANN_ERR_CONFIG, "credential_process: empty command");
		goto fail;
	}
	ann_buf_release(&word);
	*argv_out = argv;
	return ANN_OK;

fail:
	if (rc == ANN_ERR_NOMEM)
		ann_error_set(e, rc, "credential_process: out of memory");
	ann_buf_release(&word);
	free_words(argv, n);
	return rc;
}

static long long
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the child's stdout until EOF, the size cap or the deadline. */
static int
read_child(int fd, struct ann_buf *out, long long deadline, const char *name,
    struct ann_error *e)
{
	char chunk[4096];

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long long left = deadline - monotonic_ms();
		ssize_t got;
		int ready;

		if (left <= 0)
			return ann_error_set(e, ANN_ERR_CONFIG,
			    "credential_process \"%s\" timed out", name);
		ready = poll(&pfd, 1, (int)(left > 1000000 ? 1000000 : left));
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			return ann_error_set(e, ANN_ERR_IO, "credential_process: poll: %s",
			    strerror(errno));
		if (ready == 0)
			continue;
		got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return ann_error_set(e, ANN_ERR_IO, "credential_process: read: %s",
			    strerror(errno));
		if (got == 0)
			return ANN_OK;
		if (out->len + (size_t)got > ANN_CREDS_MAX_RESPONSE)
			return ann_error_set(e, ANN_ERR_CONFIG,
			    "credential_process \"%s\" printed more than %d bytes", name,
			    ANN_CREDS_MAX_RESPONSE);
		if (ann_buf_add(out, chunk, (size_t)got) < 0)
			return ann_error_set(e, ANN_ERR_NOMEM, "credential_process: out of memory");
		OPENSSL_cleanse(chunk, sizeof chunk);
	}
}

int
ann_creds_from_process(struct ann_creds *out, const char *command, long timeout_ms,
    struct ann_error *e)
{
	struct ann_buf output = ANN_BUF_INIT;
	posix_spawn_file_actions_t actions;
	char **argv = NULL;
	int fds[2] = { -1, -1 };
	int actions_ready = 0;
	int status = 0;
	pid_t pid = -1;
	int rc;

	memset(out, 0, sizeof *out);
	if (timeout_ms <= 0)
		timeout_ms = ANN_CREDS_PROCESS_TIMEOUT_MS;
	if ((rc = ann_creds_split_command(command, &argv, e)) < 0)
		return rc;
	if (pipe(fds) < 0) {
		rc = ann_error_set(e, ANN_ERR_IO, "credential_process: pipe: %s", strerror(errno));
		goto done;
	}
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	/* stdin comes from /dev/null so the helper cannot eat our JSONL input. */
	if ((rc = posix_spawn_file_actions_init(&actions)) != 0) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "credential_process: %s", strerror(rc));
		goto done;
	}
	actions_ready = 1;
	if (posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&actions, fds[1], 1) != 0 ||
	    posix_spawn_file_actions_addclose(&actions, fds[1]) != 0) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "credential_process: out of memory");
		goto done;
	}
	rc = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
	if (rc != 0) {
		pid = -1;
		rc = ann_error_set(e, ANN_ERR_CONFIG, "credential_process: cannot run \"%.100s\": %s",
		    argv[0], strerror(rc));
		goto done;
	}
	close(fds[1]);
	fds[1] = -1;

	rc = read_child(fds[0], &output, monotonic_ms() + timeout_ms, argv[0], e);
	if (rc < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (rc < 0)
		goto done;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = ann_error_set(e, ANN_ERR_CONFIG, "credential_process \"%.100s\" %s %d", argv[0],
		    WIFEXITED(status) ? "exited with status" : "was killed by signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		goto done;
	}
	rc = ann_creds_parse_process_output(out, output.data, output.len, e);

done:
	if (actions_ready)
		posix_spawn_file_actions_destroy(&actions);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	wipe_buf(&output);
	ann_creds_free_argv(argv);
	return rc;
}

/* ---- container credentials ---- */

#define ECS_AGENT_HOST "169.254.170.2"

/* Hosts that may be reached over plain http, as the AWS SDKs allow. */
static int
allowed_http_host(const char *host)
{
	static const char *const hosts[] = {
		"localhost", "::1", "[::1]", ECS_AGENT_HOST, "169.254.170.23",
		"fd00:ec2::23", "[fd00:ec2::23]",
	};
	size_t i;

	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
		if (strcasecmp(host, hosts[i]) == 0)
			return 1;
	/* 127.0.0.0/8 */
	if (strncmp(host, "127.", 4) == 0) {
		int parts = 0;
		const char *p = host + 4;

		while (*p != '\0') {
			if (!isdigit((unsigned char)*p) && *p != '.')
				return 0;
			parts += *p == '.';
			p++;
		}
		return parts == 2;
	}
	return 0;
}

int
ann_creds_container_url(char **url, struct ann_error *e)
{
	const char *relative = env_value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env_value("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	CURLU *u = NULL;
	char *scheme = NULL;
	char *host = NULL;
	int rc = ANN_OK;

	*url = NULL;
	if (relative != NULL) {
		if (relative[0] != '/')
			return ann_error_set(e, ANN_ERR_CONFIG,
			    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with '/'");
		*url = malloc(strlen(relative) + sizeof "http://" ECS_AGENT_HOST);
		if (*url == NULL)
			return ann_error_set(e, ANN_ERR_NOMEM, "container URL: out of memory");
		sprintf(*url, "http://" ECS_AGENT_HOST "%s", relative);
		return ANN_OK;
	}
	if (full == NULL)
		return ANN_OK;

	u = curl_url();
	if (u == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "container URL: out of memory");
	if (curl_url_set(u, CURLUPART_URL, full, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = ann_error_set(e, ANN_ERR_CONFIG,
		    "AWS_CONTAINER_CREDENTIALS_FULL_URI is not a valid URL");
		goto done;
	}
	if (strcmp(scheme, "https") != 0 &&
	    !(strcmp(scheme, "http") == 0 && allowed_http_host(host))) {
		rc = ann_error_set(e, ANN_ERR_CONFIG,
		    "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https, or http to a loopback "
		    "or container-agent address (got %.10s to %.100s)", scheme, host);
		goto done;
	}
	*url = strdup(full);
	if (*url == NULL)
		rc = ann_error_set(e, ANN_ERR_NOMEM, "container URL: out of memory");

done:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* Reads the authorization token, from the file first (it may be rotated). */
static int
container_token(char **token, struct ann_error *e)
{
	const char *file = env_value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *value = env_value("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	struct ann_buf text = ANN_BUF_INIT;
	int rc = ANN_OK;

	*token = NULL;
	if (file != NULL) {
		FILE *fp = fopen(file, "rb");
		char chunk[1024];
		size_t got;

		if (fp == NULL)
			return ann_error_set(e, ANN_ERR_CONFIG,
			    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: open %s: %s", file, strerror(errno));
		while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0) {
			if (text.len + got > ANN_CREDS_MAX_RESPONSE || ann_buf_add(&text, chunk, got) < 0) {
				rc = ann_error_set(e, ANN_ERR_CONFIG,
				    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %s is too large", file);
				break;
			}
		}
		OPENSSL_cleanse(chunk, sizeof chunk);
		fclose(fp);
		if (rc == ANN_OK) {
			*token = dup_trimmed(text.data);
			if (*token == NULL)
				rc = ann_error_set(e, ANN_ERR_NOMEM, "container token: out of memory");
		}
		wipe_buf(&text);
	} else if (value != NULL) {
		*token = strdup(value);
		if (*token == NULL)
			rc = ann_error_set(e, ANN_ERR_NOMEM, "container token: out of memory");
	}
	if (rc == ANN_OK && *token != NULL && has_crlf(*token))
		rc = ann_error_set(e, ANN_ERR_CONFIG,
		    "container authorization token contains a line break");
	if (rc < 0) {
		wipe_free(*token);
		*token = NULL;
	}
	return rc;
}

static size_t
collect_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct ann_buf *b = userdata;
	size_t n = size * nmemb;

	if (b->len + n > ANN_CREDS_MAX_RESPONSE || ann_buf_add(b, ptr, n) < 0)
		return 0;
	return n;
}

/* One GET of url; *status gets the HTTP status. */
static int
fetch_once(const char *url, const char *token, long timeout_ms, struct ann_buf *body,
    long *status, struct ann_error *e)
{
	struct curl_slist *headers = NULL;
	struct curl_slist *added;
	struct ann_buf auth = ANN_BUF_INIT;
	CURLcode res;
	CURL *h;
	int rc = ANN_OK;

	h = curl_easy_init();
	if (h == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "container credentials: curl init failed");
	added = curl_slist_append(headers, "Accept: application/json");
	if (added != NULL)
		headers = added;
	if (token != NULL) {
		ann_buf_addf(&auth, "Authorization: %s", token);
		added = curl_slist_append(headers, auth.data);
		if (added != NULL)
			headers = added;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	res = curl_easy_perform(h);
	if (res != CURLE_OK)
		rc = ann_error_set(e, ANN_ERR_NETWORK, "container credentials: %s",
		    curl_easy_strerror(res));
	else
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(h);
	/* The slist contains a copy of the token, so wipe it before freeing. */
	for (added = headers; added != NULL; added = added->next)
		OPENSSL_cleanse(added->data, strlen(added->data));
	curl_slist_free_all(headers);
	wipe_buf(&auth);
	return rc;
}

int
ann_creds_from_container(struct ann_creds *out, const char *url,
    const struct ann_creds_options *opt, struct ann_error *e)
{
	struct ann_buf body = ANN_BUF_INIT;
	long timeout = opt && opt->container_timeout_ms > 0 ? opt->container_timeout_ms :
	    ANN_CREDS_CONTAINER_TIMEOUT_MS;
	int attempts = opt && opt->container_attempts > 0 ? opt->container_attempts :
	    ANN_CREDS_CONTAINER_ATTEMPTS;
	char *token = NULL;
	long status = 0;
	int i;
	int rc = ANN_ERR_NETWORK;

	memset(out, 0, sizeof *out);
	for (i = 0; i < attempts; i++) {
		if (i > 0)
			sleep(1);
		wipe_buf(&body);
		/* The token file is read again on each attempt because it may rotate. */
		if ((rc = container_token(&token, e)) < 0)
			goto done;
		status = 0;
		rc = fetch_once(url, token, timeout, &body, &status, e);
		wipe_free(token);
		token = NULL;
		if (rc == ANN_OK && status == 200)
			break;
		if (rc == ANN_OK)
			rc = ann_error_set(e, ANN_ERR_NETWORK,
			    "container credentials: HTTP status %ld", status);
		/* A client error will not change on retry. */
		if (status >= 400 && status < 500)
			goto done;
	}
	if (rc < 0)
		goto done;
	rc = parse_json_creds(out, body.data, body.len, "Token", 0, "container credentials", e);

done:
	wipe_buf(&body);
	return rc;
}

/* ---- the chain ---- */

static int
from_env(struct ann_creds *out, struct ann_error *e)
{
	const char *akid = env_value("AWS_ACCESS_KEY_ID");
	const char *secret = env_value("AWS_SECRET_ACCESS_KEY");
	const char *token = env_value("AWS_SESSION_TOKEN");
	const char *expiration = env_value("AWS_CREDENTIAL_EXPIRATION");
	int rc;

	if (akid == NULL && secret == NULL)
		return 0;
	if (akid == NULL || secret == NULL)
		return ann_error_set(e, ANN_ERR_CONFIG, "%s is set but %s is not",
		    akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	if (token == NULL)
		token = env_value("AWS_SECURITY_TOKEN");
	if ((rc = set_keys(out, akid, secret, token, e)) < 0)
		return rc;
	if (expiration != NULL && ann_creds_parse_time(expiration, &out->expiration) < 0) {
		ann_creds_clear(out);
		return ann_error_set(e, ANN_ERR_CONFIG,
		    "AWS_CREDENTIAL_EXPIRATION \"%.40s\" is not an ISO 8601 time", expiration);
	}
	out->source = ANN_CREDS_ENV;
	snprintf(out->origin, sizeof out->origin, "environment (AWS_ACCESS_KEY_ID)");
	return 1;
}

/* Reads a key pair from one section; 1 found, 0 none, negative on error. */
static int
keys_from_section(struct ann_creds *out, const struct ann_aws_section *s, const char *path,
    const char *profile, struct ann_error *e)
{
	const struct ann_aws_setting *akid = ann_aws_section_get(s, "aws_access_key_id");
	const struct ann_aws_setting *secret = ann_aws_section_get(s, "aws_secret_access_key");
	const struct ann_aws_setting *token = ann_aws_section_get(s, "aws_session_token");
	int rc;

	if (token == NULL)
		token = ann_aws_section_get(s, "aws_security_token");
	if (akid == NULL && secret == NULL)
		return 0;
	if (akid == NULL || secret == NULL)
		return ann_error_set(e, ANN_ERR_CONFIG, "%s:%u: profile \"%s\" has %s but no %s",
		    path, akid ? akid->line : secret->line, profile,
		    akid ? "aws_access_key_id" : "aws_secret_access_key",
		    akid ? "aws_secret_access_key" : "aws_access_key_id");
	rc = set_keys(out, akid->value, secret->value, token ? token->value : NULL, e);
	if (rc < 0)
		return ann_error_prefix(e, "%s:%u", path, akid->line);
	snprintf(out->origin, sizeof out->origin, "profile \"%s\" in %s", profile, path);
	return 1;
}

static const char *const unsupported_keys[] = {
	"role_arn", "sso_session", "sso_start_url", "web_identity_token_file", "login_session",
};

static int
from_profile(struct ann_creds *out, const struct ann_aws_config *cfg,
    const struct ann_creds_options *opt, struct ann_error *e)
{
	const struct ann_aws_setting *process;
	const char *path = NULL;
	size_t i;
	int rc;

	rc = keys_from_section(out, cfg->cred_section, cfg->credentials.path, cfg->profile, e);
	if (rc != 0) {
		out->source = ANN_CREDS_SHARED_FILE;
		return rc;
	}
	process = ann_aws_config_get(cfg, "credential_process", &path);
	if (process != NULL) {
		rc = ann_creds_from_process(out, process->value, opt->process_timeout_ms, e);
		if (rc < 0)
			return ann_error_prefix(e, "profile \"%s\" (%s:%u)", cfg->profile, path,
			    process->line);
		out->source = ANN_CREDS_PROCESS;
		snprintf(out->origin, sizeof out->origin, "credential_process of profile \"%s\" in %s",
		    cfg->profile, path);
		return 1;
	}
	rc = keys_from_section(out, cfg->config_section, cfg->config.path, cfg->profile, e);
	if (rc != 0) {
		out->source = ANN_CREDS_CONFIG_FILE;
		return rc;
	}
	for (i = 0; i < sizeof unsupported_keys / sizeof unsupported_keys[0]; i++) {
		const struct ann_aws_setting *s = ann_aws_config_get(cfg, unsupported_keys[i], &path);

		if (s != NULL)
			return ann_error_set(e, ANN_ERR_CONFIG,
			    "%s:%u: profile \"%s\" uses %s, which ann does not support; "
			    "use credential_process or export the keys", path, s->line, cfg->profile,
			    unsupported_keys[i]);
	}
	return 0;
}

static const char *
file_state(const struct ann_aws_file *f, const struct ann_aws_section *s)
{
	if (f->path == NULL)
		return "not looked for: HOME unset";
	if (!f->exists)
		return "missing";
	if (s == NULL)
		return "no such profile";
	return "no keys";
}

/* Builds the error listing every setting the chain looked at. */
static int
nothing_found(const struct ann_creds_options *opt, const struct ann_aws_config *cfg,
    struct ann_error *e)
{
	return ann_error_set(e, ANN_ERR_CONFIG,
	    "no AWS credentials found; looked at: %s%s, profile \"%s\" (from %s) in %s (%s) "
	    "and %s (%s), AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
	    "AWS_CONTAINER_CREDENTIALS_FULL_URI (unset); the EC2 instance metadata service "
	    "is not used",
	    opt->allow_bearer ? "AWS_BEARER_TOKEN_BEDROCK (unset), " : "",
	    opt->profile ? "AWS_ACCESS_KEY_ID (skipped: a profile was given)" :
	    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (unset)",
	    cfg->profile, cfg->profile_from,
	    cfg->credentials.path ? cfg->credentials.path : "~/.aws/credentials",
	    file_state(&cfg->credentials, cfg->cred_section),
	    cfg->config.path ? cfg->config.path : "~/.aws/config",
	    file_state(&cfg->config, cfg->config_section));
}

int
ann_creds_resolve(struct ann_creds *out, const struct ann_creds_options *opt,
    struct ann_error *e)
{
	static const struct ann_creds_options none;
	struct ann_creds_options local;
	struct ann_aws_config cfg;
	const char *bearer = env_value("AWS_BEARER_TOKEN_BEDROCK");
	char *url = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (opt == NULL)
		opt = &none;
	if (opt->profile != NULL && opt->profile[0] == '\0') {
		local = *opt;
		local.profile = NULL;
		opt = &local;
	}

	if (opt->access_key_id != NULL || opt->secret_access_key != NULL) {
		if (opt->access_key_id == NULL || opt->secret_access_key == NULL)
			return ann_error_set(e, ANN_ERR_CONFIG,
			    "an access key id and a secret access key must be given together");
		/* The token comes from the same place as the keys, never from the environment. */
		if ((rc = set_keys(out, opt->access_key_id, opt->secret_access_key,
		    opt->session_token, e)) < 0)
			return rc;
		out->source = ANN_CREDS_EXPLICIT;
		snprintf(out->origin, sizeof out->origin, "keys given as options");
		return ANN_OK;
	}

	if (opt->allow_bearer && bearer != NULL) {
		if (has_crlf(bearer))
			return ann_error_set(e, ANN_ERR_CONFIG,
			    "AWS_BEARER_TOKEN_BEDROCK contains a line break");
		out->bearer_token = dup_trimmed(bearer);
		if (out->bearer_token == NULL)
			return ann_error_set(e, ANN_ERR_NOMEM, "copy bearer token: out of memory");
		out->source = ANN_CREDS_BEARER;
		snprintf(out->origin, sizeof out->origin, "AWS_BEARER_TOKEN_BEDROCK");
		return ANN_OK;
	}

	if (opt->profile == NULL) {
		rc = from_env(out, e);
		if (rc != 0)
			return rc < 0 ? rc : ANN_OK;
	}

	if ((rc = ann_aws_config_load(&cfg, opt->profile, e)) < 0)
		return rc;
	rc = from_profile(out, &cfg, opt, e);
	if (rc != 0) {
		ann_aws_config_clear(&cfg);
		return rc < 0 ? rc : ANN_OK;
	}

	rc = ann_creds_container_url(&url, e);
	if (rc == ANN_OK && url != NULL) {
		rc = ann_creds_from_container(out, url, opt, e);
		if (rc == ANN_OK) {
			out->source = ANN_CREDS_CONTAINER;
			snprintf(out->origin, sizeof out->origin, "container credentials (%s)",
			    env_value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ?
			    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" : "AWS_CONTAINER_CREDENTIALS_FULL_URI");
		}
	} else if (rc == ANN_OK) {
		rc = nothing_found(opt, &cfg, e);
	}
	free(url);
	ann_aws_config_clear(&cfg);
	return rc;
}

/* ---- provider ---- */

struct ann_creds_provider {
	pthread_mutex_t lock;
	struct ann_creds_options opt;
	char *profile;
	char *access_key_id;
	char *secret_access_key;
	char *session_token;
	struct ann_creds current;
	time_t last_attempt;
	unsigned resolutions;
};

void
ann_creds_provider_free(struct ann_creds_provider *p)
{
	if (p == NULL)
		return;
	ann_creds_clear(&p->current);
	free(p->profile);
	wipe_free(p->access_key_id);
	wipe_free(p->secret_access_key);
	wipe_free(p->session_token);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int
ann_creds_provider_new(struct ann_creds_provider **out, const struct ann_creds_options *opt,
    struct ann_error *e)
{
	struct ann_creds_provider *p = calloc(1, sizeof *p);
	int rc;

	*out = NULL;
	if (p == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "credentials provider: out of memory");
	pthread_mutex_init(&p->lock, NULL);
	if (opt != NULL)
		p->opt = *opt;
	/* Own copies, so the caller's strings may go away. */
	if (dup_opt(&p->profile, p->opt.profile) < 0 ||
	    dup_opt(&p->access_key_id, p->opt.access_key_id) < 0 ||
	    dup_opt(&p->secret_access_key, p->opt.secret_access_key) < 0 ||
	    dup_opt(&p->session_token, p->opt.session_token) < 0) {
		ann_creds_provider_free(p);
		return ann_error_set(e, ANN_ERR_NOMEM, "credentials provider: out of memory");
	}
	p->opt.profile = p->profile;
	p->opt.access_key_id = p->access_key_id;
	p->opt.secret_access_key = p->secret_access_key;
	p->opt.session_token = p->session_token;
	if (p->opt.refresh_seconds <= 0)
		p->opt.refresh_seconds = ANN_CREDS_REFRESH_SECONDS;
	if (p->opt.required_seconds <= 0)
		p->opt.required_seconds = ANN_CREDS_REQUIRED_SECONDS;
	if (p->opt.required_seconds > p->opt.refresh_seconds)
		p->opt.required_seconds = p->opt.refresh_seconds;

	rc = ann_creds_resolve(&p->current, &p->opt, e);
	if (rc < 0) {
		ann_creds_provider_free(p);
		return rc;
	}
	p->resolutions = 1;
	*out = p;
	return ANN_OK;
}

static void
format_utc(time_t t, char out[80])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 80, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Walks the chain again when the credentials are close to expiry. */
static int
refresh_if_due(struct ann_creds_provider *p, time_t now, struct ann_error *e)
{
	struct ann_creds fresh;
	time_t expiration = p->current.expiration;
	int required = now >= expiration - p->opt.required_seconds;
	int rc;

	if (expiration == 0 || now < expiration - p->opt.refresh_seconds)
		return ANN_OK;
	if (!required && now - p->last_attempt < 60)
		return ANN_OK;
	p->last_attempt = now;
	rc = ann_creds_resolve(&fresh, &p->opt, e);
	if (rc == ANN_OK) {
		ann_creds_clear(&p->current);
		p->current = fresh;
		p->resolutions++;
	} else if (required) {
		return ann_error_prefix(e, "refresh credentials from %s", p->current.origin);
	}
	if (p->current.expiration != 0 && now >= p->current.expiration) {
		char when[80];

		format_utc(p->current.expiration, when);
		return ann_error_set(e, ANN_ERR_CONFIG, "credentials from %s expired at %s",
		    p->current.origin, when);
	}
	return ANN_OK;
}

int
ann_creds_provider_get(struct ann_creds_provider *p, time_t now, struct ann_creds *out,
    struct ann_error *e)
{
	int rc;

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&p->lock);
	rc = refresh_if_due(p, now, e);
	if (rc == ANN_OK && ann_creds_copy(out, &p->current) < 0)
		rc = ann_error_set(e, ANN_ERR_NOMEM, "copy credentials: out of memory");
	pthread_mutex_unlock(&p->lock);
	return rc;
}

unsigned
ann_creds_provider_resolutions(struct ann_creds_provider *p)
{
	unsigned n;

	pthread_mutex_lock(&p->lock);
	n = p->resolutions;
	pthread_mutex_unlock(&p->lock);
	return n;
}
