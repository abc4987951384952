/*
 * URI reference resolution (RFC 3986 section 5) and JSON Pointer escaping
 * (RFC 6901) for schema identifiers and locations.
 */
#include "schema_int.h"

#include <string.h>

struct uri_parts {
	const char *scheme; size_t scheme_len; int has_scheme;
	const char *auth; size_t auth_len; int has_auth;
	const char *path; size_t path_len;
	const char *query; size_t query_len; int has_query;
	const char *frag; size_t frag_len; int has_frag;
};

static int
is_scheme_char(char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	if (first)
		return 0;
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

static void
uri_parse(const char *s, struct uri_parts *u)
{
	size_t n = strlen(s), i = 0, j;

	memset(u, 0, sizeof *u);
	for (j = 0; j < n && is_scheme_char(s[j], j == 0); j++)
		;
	if (j > 0 && j < n && s[j] == ':') {
		u->scheme = s;
		u->scheme_len = j;
		u->has_scheme = 1;
		i = j + 1;
	}
	if (i + 1 < n && s[i] == '/' && s[i + 1] == '/') {
		i += 2;
		u->auth = s + i;
		u->has_auth = 1;
		while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
			i++;
		u->auth_len = (size_t)(s + i - u->auth);
	}
	u->path = s + i;
	while (i < n && s[i] != '?' && s[i] != '#')
		i++;
	u->path_len = (size_t)(s + i - u->path);
	if (i < n && s[i] == '?') {
		u->has_query = 1;
		u->query = s + ++i;
		while (i < n && s[i] != '#')
			i++;
		u->query_len = (size_t)(s + i - u->query);
	}
	if (i < n && s[i] == '#') {
		u->has_frag = 1;
		u->frag = s + i + 1;
		u->frag_len = n - i - 1;
	}
}

/* Appends path[0..n) to out with "." and ".." segments removed. */
static int
add_without_dots(struct ann_buf *out, const char *path, size_t n)
{
	size_t start = out->len;
	size_t i = 0;
	int rc = ANN_OK;

	while (i < n && rc == ANN_OK) {
		if (n - i >= 3 && memcmp(path + i, "../", 3) == 0) {
			i += 3;
		} else if (n - i >= 2 && memcmp(path + i, "./", 2) == 0) {
			i += 2;
		} else if (n - i >= 3 && memcmp(path + i, "/./", 3) == 0) {
			i += 2;
		} else if (n - i == 2 && memcmp(path + i, "/.", 2) == 0) {
			i += 1;
			rc = ann_buf_addc(out, '/');
			i = n;
		} else if ((n - i >= 4 && memcmp(path + i, "/../", 4) == 0) ||
		    (n - i == 3 && memcmp(path + i, "/..", 3) == 0)) {
			/* Drop the last output segment and its slash. */
			size_t k = out->len;

			while (k > start && out->data[k - 1] != '/')
				k--;
			if (k > start)
				k--;
			ann_buf_truncate(out, k);
			if (n - i == 3) {
				rc = ann_buf_addc(out, '/');
				i = n;
			} else {
				i += 3;
			}
		} else if ((n - i == 1 && path[i] == '.') || (n - i == 2 && memcmp(path + i, "..", 2) == 0)) {
			i = n;
		} else {
			size_t j = i;

			if (path[j] == '/')
				j++;
			while (j < n && path[j] != '/')
				j++;
			rc = ann_buf_add(out, path + i, j - i);
			i = j;
		}
	}
	return rc;
}

int
sch_uri_resolve(const char *base, const char *ref, struct ann_buf *out)
{
	struct uri_parts b, r;
	int rc = ANN_OK;

	uri_parse(ref, &r);
	if (base == NULL || *base == '\0' || r.has_scheme) {
		if (r.has_scheme) {
			rc = ann_buf_add(out, r.scheme, r.scheme_len);
			if (rc == ANN_OK)
				rc = ann_buf_addc(out, ':');
		}
		if (rc == ANN_OK && r.has_auth) {
			rc = ann_buf_adds(out, "//");
			if (rc == ANN_OK)
				rc = ann_buf_add(out, r.auth, r.auth_len);
		}
		if (rc == ANN_OK)
			rc = r.has_scheme ? add_without_dots(out, r.path, r.path_len)
			    : ann_buf_add(out, r.path, r.path_len);
		if (rc == ANN_OK && r.has_query) {
			rc = ann_buf_addc(out, '?');
			if (rc == ANN_OK)
				rc = ann_buf_add(out, r.query, r.query_len);
		}
		goto fragment;
	}

	uri_parse(base, &b);
	if (b.has_scheme) {
		rc = ann_buf_add(out, b.scheme, b.scheme_len);
		if (rc == ANN_OK)
			rc = ann_buf_addc(out, ':');
	}
	if (rc)
		return rc;
	if (r.has_auth) {
		rc = ann_buf_adds(out, "//");
		if (rc == ANN_OK)
			rc = ann_buf_add(out, r.auth, r.auth_len);
		if (rc == ANN_OK)
			rc = add_without_dots(out, r.path, r.path_len);
		if (rc == ANN_OK && r.has_query) {
			rc = ann_buf_addc(out, '?');
			if (rc == ANN_OK)
				rc = ann_buf_add(out, r.query, r.query_len);
		}
		goto fragment;
	}
	if (b.has_auth) {
		rc = ann_buf_adds(out, "//");
		if (rc == ANN_OK)
			rc = ann_buf_add(out, b.auth, b.auth_len);
		if (rc)
			return rc;
	}
	if (r.path_len == 0) {
		rc = ann_buf_add(out, b.path, b.path_len);
		if (rc == ANN_OK && (r.has_query || b.has_query)) {
			rc = ann_buf_addc(out, '?');
			if (rc == ANN_OK)
				rc = r.has_query ? ann_buf_add(out, r.query, r.query_len)
				    : ann_buf_add(out, b.query, b.query_len);
		}
		goto fragment;
	}
	if (r.path[0] == '/') {
		rc = add_without_dots(out, r.path, r.path_len);
	} else {
		struct ann_buf merged = ANN_BUF_INIT;
		size_t k = b.path_len;

		if (b.has_auth && b.path_len == 0) {
			rc = ann_buf_addc(&merged, '/');
		} else {
			while (k > 0 && b.path[k - 1] != '/')
				k--;
			rc = ann_buf_add(&merged, b.path, k);
		}
		if (rc == ANN_OK)
			rc = ann_buf_add(&merged, r.path, r.path_len);
		if (rc == ANN_OK)
			rc = add_without_dots(out, merged.data, merged.len);
		ann_buf_release(&merged);
	}
	if (rc == ANN_OK && r.has_query) {
		rc = ann_buf_addc(out, '?');
		if (rc == ANN_OK)
			rc = ann_buf_add(out, r.query, r.query_len);
	}

fragment:
	if (rc == ANN_OK && r.has_frag) {
		rc = ann_buf_addc(out, '#');
		if (rc == ANN_OK)
			rc = ann_buf_add(out, r.frag, r.frag_len);
	}
	return rc;
}

void
sch_uri_split_fragment(const char *uri, size_t *base_len, const char **fragment)
{
	const char *h = strchr(uri, '#');

	if (h == NULL) {
		*base_len = strlen(uri);
		*fragment = NULL;
	} else {
		*base_len = (size_t)(h - uri);
		*fragment = h + 1;
	}
}

int
sch_pointer_escape(struct ann_buf *out, const char *s, size_t n)
{
	size_t i;
	int rc = ANN_OK;

	for (i = 0; i < n && rc == ANN_OK; i++) {
		if (s[i] == '~')
			rc = ann_buf_add(out, "~0", 2);
		else if (s[i] == '/')
			rc = ann_buf_add(out, "~1", 2);
		else
			rc = ann_buf_addc(out, s[i]);
	}
	return rc;
}

int
sch_percent_decode(const char *s, size_t n, struct ann_buf *out)
{
	size_t i;
	int rc = ANN_OK;

	for (i = 0; i < n && rc == ANN_OK; i++) {
		if (s[i] == '%' && i + 2 < n) {
			int hi = -1, lo = -1;
			char a = s[i + 1], b = s[i + 2];

			hi = a >= '0' && a <= '9' ? a - '0' : a >= 'a' && a <= 'f' ? a - 'a' + 10 :
			    a >= 'A' && a <= 'F' ? a - 'A' + 10 : -1;
			lo = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 :
			    b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
			if (hi >= 0 && lo >= 0) {
				rc = ann_buf_addc(out, (char)(hi * 16 + lo));
				i += 2;
				continue;
			}
		}
		rc = ann_buf_addc(out, s[i]);
	}
	return rc;
}

int
ann_schema_map_parse(char *arg, struct ann_schema_map *map, struct ann_error *e)
{
	char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg || eq[1] == '\0')
		return ann_error_set(e, ANN_ERR_CONFIG, "invalid --schema-map, expected PREFIX=DIR: %s",
		    arg);
	*eq = '\0';
	map->prefix = arg;
	map->dir = eq + 1;
	return ANN_OK;
}
