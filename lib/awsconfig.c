#include "awsconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

static void
wipe_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

static char *
dup_range(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Trims ASCII whitespace from both ends of [*s, *s + *n). */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

void
ann_aws_file_clear(struct ann_aws_file *f)
{
	size_t i, j;

	for (i = 0; i < f->n; i++) {
		struct ann_aws_section *s = &f->sections[i];

		for (j = 0; j < s->n; j++) {
			free(s->settings[j].key);
			wipe_free(s->settings[j].value);
		}
		free(s->settings);
		free(s->name);
	}
	free(f->sections);
	free(f->path);
	memset(f, 0, sizeof *f);
}

const struct ann_aws_section *
ann_aws_file_section(const struct ann_aws_file *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->sections[i].name, name) == 0)
			return &f->sections[i];
	return NULL;
}

const struct ann_aws_setting *
ann_aws_section_get(const struct ann_aws_section *s, const char *key)
{
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->settings[i].key, key) == 0)
			return &s->settings[i];
	return NULL;
}

static int
add_section(struct ann_aws_file *f, const char *name, size_t n, unsigned line)
{
	struct ann_aws_section *s;

	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 8;
		struct ann_aws_section *nv = realloc(f->sections, ncap * sizeof *nv);

		if (nv == NULL)
			return ANN_ERR_NOMEM;
		f->sections = nv;
		f->cap = ncap;
	}
	s = &f->sections[f->n];
	memset(s, 0, sizeof *s);
	s->name = dup_range(name, n);
	if (s->name == NULL)
		return ANN_ERR_NOMEM;
	s->line = line;
	f->n++;
	return ANN_OK;
}

static int
add_setting(struct ann_aws_section *s, const char *key, size_t key_len, const char *value,
    size_t value_len, unsigned line)
{
	struct ann_aws_setting *st;
	size_t i;

	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		struct ann_aws_setting *nv = realloc(s->settings, ncap * sizeof *nv);

		if (nv == NULL)
			return ANN_ERR_NOMEM;
		s->settings = nv;
		s->cap = ncap;
	}
	st = &s->settings[s->n];
	st->key = dup_range(key, key_len);
	st->value = dup_range(value, value_len);
	st->line = line;
	if (st->key == NULL || st->value == NULL) {
		free(st->key);
		wipe_free(st->value);
		return ANN_ERR_NOMEM;
	}
	for (i = 0; i < key_len; i++)
		st->key[i] = (char)tolower((unsigned char)st->key[i]);
	s->n++;
	return ANN_OK;
}

/* Appends an indented continuation line to the last value of s. */
static int
continue_value(struct ann_aws_section *s, const char *text, size_t n)
{
	struct ann_aws_setting *st = &s->settings[s->n - 1];
	size_t old = strlen(st->value);
	char *joined = malloc(old + n + 2);

	if (joined == NULL)
		return ANN_ERR_NOMEM;
	memcpy(joined, st->value, old);
	joined[old] = '\n';
	memcpy(joined + old + 1, text, n);
	joined[old + n + 1] = '\0';
	wipe_free(st->value);
	st->value = joined;
	return ANN_OK;
}

static int
parse_line(struct ann_aws_file *f, const char *line, size_t len, unsigned lineno,
    int *continuable, struct ann_error *e)
{
	const char *p = line;
	size_t n = len;
	struct ann_aws_section *cur = f->n > 0 ? &f->sections[f->n - 1] : NULL;
	int indented = len > 0 && (line[0] == ' ' || line[0] == '\t');
	const char *delim;
	const char *key, *value;
	size_t key_len, value_len;
	int rc;

	trim(&p, &n);
	if (n == 0 || p[0] == '#' || p[0] == ';')
		return ANN_OK;
	if (indented && *continuable && cur != NULL && cur->n > 0)
		return continue_value(cur, p, n);
	*continuable = 0;

	if (p[0] == '[') {
		const char *close = NULL;
		size_t i;

		for (i = n; i > 1; i--)
			if (p[i - 1] == ']') {
				close = p + i - 1;
				break;
			}
		if (close == NULL)
			return ann_error_set(e, ANN_ERR_CONFIG,
			    "%s:%u: section header has no closing ']'", f->path, lineno);
		key = p + 1;
		key_len = (size_t)(close - key);
		trim(&key, &key_len);
		if (key_len == 0)
			return ann_error_set(e, ANN_ERR_CONFIG, "%s:%u: empty section name",
			    f->path, lineno);
		for (i = 0; i < f->n; i++)
			if (strlen(f->sections[i].name) == key_len &&
			    strncmp(f->sections[i].name, key, key_len) == 0)
				return ann_error_set(e, ANN_ERR_CONFIG,
				    "%s:%u: section [%.*s] repeats the one at line %u", f->path,
				    lineno, (int)(key_len > 100 ? 100 : key_len), key,
				    f->sections[i].line);
		return add_section(f, key, key_len, lineno);
	}

	delim = NULL;
	for (key = p; key < p + n; key++)
		if (*key == '=' || *key == ':') {
			delim = key;
			break;
		}
	if (delim == NULL || delim == p)
		return ann_error_set(e, ANN_ERR_CONFIG,
		    "%s:%u: expected \"key = value\" or \"[section]\"", f->path, lineno);
	if (cur == NULL)
		return ann_error_set(e, ANN_ERR_CONFIG,
		    "%s:%u: setting before the first [section] header", f->path, lineno);
	key = p;
	key_len = (size_t)(delim - p);
	trim(&key, &key_len);
	value = delim + 1;
	value_len = (size_t)(p + n - value);
	trim(&value, &value_len);
	for (size_t i = 0; i < cur->n; i++)
		if (strlen(cur->settings[i].key) == key_len &&
		    strncasecmp(cur->settings[i].key, key, key_len) == 0)
			return ann_error_set(e, ANN_ERR_CONFIG,
			    "%s:%u: key \"%.*s\" repeats the one at line %u in [%s]", f->path,
			    lineno, (int)(key_len > 60 ? 60 : key_len), key, cur->settings[i].line,
			    cur->name);
	if ((rc = add_setting(cur, key, key_len, value, value_len, lineno)) < 0)
		return ann_error_set(e, rc, "%s:%u: out of memory", f->path, lineno);
	*continuable = 1;
	return ANN_OK;
}

static int
read_all(FILE *fp, char **data, size_t *len)
{
	size_t cap = 4096;
	size_t n = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		return ANN_ERR_NOMEM;
	for (;;) {
		size_t got;

		if (n + 1 >= cap) {
			char *nb;

			if (cap > ANN_AWSCONFIG_MAX_FILE) {
				OPENSSL_cleanse(buf, n);
				free(buf);
				return ANN_ERR_TOO_LARGE;
			}
			nb = malloc(cap * 2);
			if (nb == NULL) {
				OPENSSL_cleanse(buf, n);
				free(buf);
				return ANN_ERR_NOMEM;
			}
			memcpy(nb, buf, n);
			OPENSSL_cleanse(buf, n);
			free(buf);
			buf = nb;
			cap *= 2;
		}
		got = fread(buf + n, 1, cap - n - 1, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		OPENSSL_cleanse(buf, n);
		free(buf);
		return ANN_ERR_IO;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return ANN_OK;
}

int
ann_aws_file_load(struct ann_aws_file *f, const char *path, struct ann_error *e)
{
	char *data = NULL;
	size_t len = 0;
	size_t pos = 0;
	unsigned lineno = 0;
	int continuable = 0;
	FILE *fp;
	int rc;

	memset(f, 0, sizeof *f);
	if (path == NULL)
		return ANN_OK;
	f->path = strdup(path);
	if (f->path == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "read %s: out of memory", path);
	fp = fopen(path, "rb");
	if (fp == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ANN_OK;
		return ann_error_set(e, ANN_ERR_CONFIG, "open %s: %s", path, strerror(errno));
	}
	f->exists = 1;
	rc = read_all(fp, &data, &len);
	fclose(fp);
	if (rc == ANN_ERR_TOO_LARGE)
		return ann_error_set(e, ANN_ERR_CONFIG, "read %s: larger than %d bytes", path,
		    ANN_AWSCONFIG_MAX_FILE);
	if (rc < 0)
		return ann_error_set(e, ANN_ERR_CONFIG, "read %s: %s", path, ann_err_name(rc));

	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *start = data + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;

		lineno++;
		if (memchr(start, '\0', n) != NULL) {
			rc = ann_error_set(e, ANN_ERR_CONFIG, "%s:%u: contains a NUL byte", path, lineno);
			break;
		}
		if ((rc = parse_line(f, start, n, lineno, &continuable, e)) < 0)
			break;
		pos += n + 1;
	}
	OPENSSL_cleanse(data, len);
	free(data);
	return rc < 0 ? rc : ANN_OK;
}

char *
ann_aws_file_path(const char *env, const char *default_rel)
{
	const char *value = getenv(env);
	const char *home = getenv("HOME");
	char *path;

	if (value != NULL && value[0] != '\0') {
		if (value[0] == '~' && value[1] == '/' && home != NULL) {
			path = malloc(strlen(home) + strlen(value));
			if (path != NULL)
				sprintf(path, "%s%s", home, value + 1);
			return path;
		}
		return strdup(value);
	}
	if (home == NULL || home[0] == '\0')
		return NULL;
	path = malloc(strlen(home) + strlen(default_rel) + 2);
	if (path != NULL)
		sprintf(path, "%s/%s", home, default_rel);
	return path;
}

/* Finds "[profile NAME]" (any whitespace after "profile"), or "[default]" for "default". */
static const struct ann_aws_section *
config_profile(const struct ann_aws_file *f, const char *name)
{
	const struct ann_aws_section *found = NULL;
	size_t i;

	for (i = 0; i < f->n; i++) {
		const char *s = f->sections[i].name;

		if (strncmp(s, "profile", 7) == 0 && isspace((unsigned char)s[7])) {
			s += 7;
			while (isspace((unsigned char)*s))
				s++;
			if (strcmp(s, name) == 0)
				return &f->sections[i];
		} else if (strcmp(s, "default") == 0 && strcmp(name, "default") == 0) {
			found = &f->sections[i];
		}
	}
	return found;
}

int
ann_aws_config_load(struct ann_aws_config *c, const char *profile, struct ann_error *e)
{
	const char *env_profile = getenv("AWS_PROFILE");
	char *path;
	int rc;

	memset(c, 0, sizeof *c);
	if (profile != NULL && profile[0] != '\0') {
		c->profile_from = "argument";
	} else if (env_profile != NULL && env_profile[0] != '\0') {
		profile = env_profile;
		c->profile_from = "AWS_PROFILE";
	} else {
		profile = "default";
		c->profile_from = "default";
	}
	if (strlen(profile) >= sizeof c->profile)
		return ann_error_set(e, ANN_ERR_CONFIG, "profile name \"%.40s...\" is too long", profile);
	strcpy(c->profile, profile);

	path = ann_aws_file_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
	rc = ann_aws_file_load(&c->credentials, path, e);
	free(path);
	if (rc < 0)
		goto fail;
	path = ann_aws_file_path("AWS_CONFIG_FILE", ".aws/config");
	rc = ann_aws_file_load(&c->config, path, e);
	free(path);
	if (rc < 0)
		goto fail;

	c->cred_section = ann_aws_file_section(&c->credentials, c->profile);
	c->config_section = config_profile(&c->config, c->profile);
	if (c->cred_section == NULL && c->config_section == NULL &&
	    strcmp(c->profile_from, "default") != 0) {
		rc = ann_error_set(e, ANN_ERR_CONFIG,
		    "profile \"%s\" (from %s) not found in %s or %s", c->profile,
		    strcmp(c->profile_from, "argument") == 0 ? "the profile option" : "AWS_PROFILE",
		    c->credentials.path ? c->credentials.path : "(no credentials file: HOME unset)",
		    c->config.path ? c->config.path : "(no config file: HOME unset)");
		goto fail;
	}
	return ANN_OK;

fail:
	ann_aws_config_clear(c);
	return rc;
}

void
ann_aws_config_clear(struct ann_aws_config *c)
{
	ann_aws_file_clear(&c->credentials);
	ann_aws_file_clear(&c->config);
	c->cred_section = NULL;
	c->config_section = NULL;
}

const struct ann_aws_setting *
ann_aws_config_get(const struct ann_aws_config *c, const char *key, const char **path)
{
	const struct ann_aws_setting *s = ann_aws_section_get(c->cred_section, key);

	if (s != NULL) {
		if (path)
			*path = c->credentials.path;
		return s;
	}
	s = ann_aws_section_get(c->config_section, key);
	if (s != NULL && path)
		*path = c->config.path;
	return s;
}
