#include "pricing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "json.h"

/* A pricing table larger than this is not one. */
#define MAX_TABLE (4u << 20)

static int
read_file(const char *path, struct ann_buf *out, struct ann_error *e)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t got;

	if (f == NULL)
		return ann_error_set(e, ANN_ERR_CONFIG, "cannot open pricing table %s", path);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (out->len + got > MAX_TABLE || ann_buf_add(out, chunk, got) != ANN_OK) {
			fclose(f);
			return ann_error_set(e, ANN_ERR_CONFIG, "pricing table %s is too large", path);
		}
	}
	if (ferror(f)) {
		fclose(f);
		return ann_error_set(e, ANN_ERR_CONFIG, "read failed on pricing table %s", path);
	}
	fclose(f);
	return ANN_OK;
}

static double
price_member(const cJSON *entry, const char *name, int *ok)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, name);

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0)
		*ok = 0;
	return cJSON_GetNumberValue(v);
}

/* Reads batch_discount from object, a fraction from 0 to 1; keeps *out when absent. */
static int
batch_discount(const cJSON *object, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, "batch_discount");

	if (v == NULL)
		return 1;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1)
		return 0;
	*out = v->valuedouble;
	return 1;
}

int
ann_pricing_lookup(const char *path, const char *model, struct ann_price *out,
    struct ann_error *e)
{
	struct ann_buf text = ANN_BUF_INIT;
	cJSON *root = NULL;
	const cJSON *models, *entry, *best = NULL;
	size_t best_len = 0;
	int ok = 1;
	int rc;

	rc = read_file(path, &text, e);
	if (rc)
		goto done;
	if (ann_json_check_file(text.data, text.len, 1, "pricing table", path, e) != ANN_OK) {
		rc = e->code = ANN_ERR_CONFIG;
		goto done;
	}
	root = cJSON_ParseWithLength(text.data, text.len);
	if (root == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory reading pricing table %s", path);
		goto done;
	}
	models = cJSON_GetObjectItemCaseSensitive(root, "models");
	if (!cJSON_IsObject(models)) {
		rc = ann_error_set(e, ANN_ERR_CONFIG, "pricing table %s has no \"models\" object",
		    path);
		goto done;
	}
	cJSON_ArrayForEach(entry, models) {
		size_t len = strlen(entry->string);

		if (len > best_len && len < sizeof out->key && strstr(model, entry->string)) {
			best = entry;
			best_len = len;
		}
	}
	if (best == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOT_FOUND, "no price for model %s in %s", model, path);
		goto done;
	}
	memcpy(out->key, best->string, best_len + 1);
	out->input = price_member(best, "input", &ok);
	out->output = price_member(best, "output", &ok);
	out->cache_read = price_member(best, "cache_read", &ok);
	out->cache_write = price_member(best, "cache_write", &ok);
	if (!ok) {
		rc = ann_error_set(e, ANN_ERR_CONFIG, "price of %s in %s must be non-negative "
		    "numbers", best->string, path);
		goto done;
	}
	out->batch_discount = -1;
	out->batch = 0;
	if (!batch_discount(root, &out->batch_discount) ||
	    !batch_discount(best, &out->batch_discount)) {
		rc = ann_error_set(e, ANN_ERR_CONFIG, "batch_discount in %s must be a number from "
		    "0 to 1", path);
		goto done;
	}
	rc = ANN_OK;
done:
	cJSON_Delete(root);
	ann_buf_release(&text);
	return rc;
}

double
ann_price_cost(const struct ann_price *p, long input, long output, long cache_read,
    long cache_write)
{
	return ((double)input * p->input + (double)output * p->output +
	    (double)cache_read * p->cache_read + (double)cache_write * p->cache_write) / 1e6;
}

int
ann_price_apply_batch(struct ann_price *p)
{
	double keep = 1 - p->batch_discount;

	if (p->batch_discount < 0 || p->batch)
		return p->batch;
	p->input *= keep;
	p->output *= keep;
	p->cache_read *= keep;
	p->cache_write *= keep;
	p->batch = 1;
	return 1;
}

static char *
readable(const char *path)
{
	return path && *path && access(path, R_OK) == 0 ? strdup(path) : NULL;
}

char *
ann_pricing_default_path(const char *explicit_path)
{
	char exe[4096];
	ssize_t n;
	char *path;
	char *slash;

	if (explicit_path)
		return strdup(explicit_path);
	path = readable(getenv("ANN_PRICING"));
	if (path == NULL)
		path = readable(ANN_DATADIR "/pricing.json");
	if (path)
		return path;

	/* A program run from a build tree: <top>/bin/ann-invoke. */
	n = readlink("/proc/self/exe", exe, sizeof exe - 32);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return NULL;
	strcpy(slash, "/share/pricing.json");
	return readable(exe);
}

double
ann_price_round(double usd)
{
	return round(usd * 1e9) / 1e9;
}
