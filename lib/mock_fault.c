#include "mock_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const fault_names[ANN_MOCK_FAULT_COUNT] = {
	"throttle", "unavailable", "internal", "timeout", "reset", "stall",
};

static const char *const mistake_names[ANN_MOCK_MISTAKE_COUNT] = {
	"string_number", "missing_field", "extra_field", "date_format", "enum_value",
	"hallucination", "fenced", "prose", "truncated",
};

/* Latency is log-normal with this sigma around the configured mean. */
#define LATENCY_SIGMA 0.5
/* Latency draws are capped at this multiple of the mean. */
#define LATENCY_CAP 5.0

const char *
ann_mock_fault_name(enum ann_mock_fault f)
{
	return (unsigned)f < ANN_MOCK_FAULT_COUNT ? fault_names[f] : "none";
}

const char *
ann_mock_mistake_name(enum ann_mock_mistake m)
{
	return (unsigned)m < ANN_MOCK_MISTAKE_COUNT ? mistake_names[m] : "none";
}

void
ann_mock_opts_init(struct ann_mock_opts *o)
{
	memset(o, 0, sizeof *o);
	o->host = "127.0.0.1";
	o->fix_rate = -1.0; /* re-asks draw mistakes like first requests */
	o->stall_ms = 60000;
	o->threads_max = 1024;
}

static int
parse_rate(const char *s, size_t n, double *out)
{
	char text[64];
	char *end;
	double d;

	if (n == 0 || n >= sizeof text)
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	errno = 0;
	d = strtod(text, &end);
	if (errno != 0 || *end != '\0' || !(d >= 0.0 && d <= 1.0))
		return -1;
	*out = d;
	return 0;
}

/*
 * Reads "R" or "name=R,..." for count kinds called names[]; what names
 * the option in messages ("--faults").
 */
static int
parse_rates(const char *text, double *rates, const char *const *names, size_t count,
    const char *what, struct ann_error *e)
{
	const char *p = text, *comma, *eq;
	double sum = 0.0, d;
	size_t i, n;

	for (i = 0; i < count; i++)
		rates[i] = 0.0;
	if (strchr(text, '=') == NULL) {
		if (parse_rate(text, strlen(text), &d) < 0)
			return ann_error_set(e, ANN_ERR_INVALID,
			    "invalid %s, expected a rate from 0 to 1 or name=rate,...: '%s'", what, text);
		for (i = 0; i < count; i++)
			rates[i] = d / (double)count;
		return ANN_OK;
	}
	while (*p != '\0') {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		eq = memchr(p, '=', n);
		if (eq == NULL)
			return ann_error_set(e, ANN_ERR_INVALID, "invalid %s, expected name=rate: '%.*s'",
			    what, (int)n, p);
		for (i = 0; i < count; i++)
			if (strlen(names[i]) == (size_t)(eq - p) && memcmp(names[i], p, (size_t)(eq - p)) == 0)
				break;
		if (i == count)
			return ann_error_set(e, ANN_ERR_INVALID, "invalid %s, unknown kind '%.*s'", what,
			    (int)(eq - p), p);
		if (parse_rate(eq + 1, n - (size_t)(eq + 1 - p), &rates[i]) < 0)
			return ann_error_set(e, ANN_ERR_INVALID,
			    "invalid %s, expected a rate from 0 to 1 for %s: '%.*s'", what, names[i],
			    (int)(n - (size_t)(eq + 1 - p)), eq + 1);
		p += n;
		if (*p == ',')
			p++;
	}
	for (i = 0; i < count; i++)
		sum += rates[i];
	if (sum > 1.0 + 1e-9)
		return ann_error_set(e, ANN_ERR_INVALID, "invalid %s, the rates add up to %g, more than 1",
		    what, sum);
	return ANN_OK;
}

int
ann_mock_parse_faults(const char *text, double rates[ANN_MOCK_FAULT_COUNT], struct ann_error *e)
{
	return parse_rates(text, rates, fault_names, ANN_MOCK_FAULT_COUNT, "--faults", e);
}

int
ann_mock_parse_mistakes(const char *text, double rates[ANN_MOCK_MISTAKE_COUNT],
    struct ann_error *e)
{
	return parse_rates(text, rates, mistake_names, ANN_MOCK_MISTAKE_COUNT, "--mistakes", e);
}

/* Returns the index whose cumulative rate band contains u, or count. */
static size_t
pick_band(const double *rates, size_t count, double u)
{
	double cum = 0.0;
	size_t i;

	for (i = 0; i < count; i++) {
		cum += rates[i];
		if (u < cum)
			return i;
	}
	return count;
}

void
mock_decide(struct mock_decision *d, const struct ann_mock_opts *o, int reask, struct mock_rng *r)
{
	/* Every call draws the same uniforms in the same order, so enabling one
	 * option never shifts the draws that decide another. */
	double u_fault = mock_rng_uniform(r);
	double u_mistake = mock_rng_uniform(r);
	double u_kind = mock_rng_uniform(r);
	double u_fix = mock_rng_uniform(r);
	double u_lat1 = mock_rng_uniform(r);
	double u_lat2 = mock_rng_uniform(r);
	double sum = 0.0, mean, median, z, v;
	size_t i;

	memset(d, 0, sizeof *d);
	d->fault = (enum ann_mock_fault)pick_band(o->fault_rate, ANN_MOCK_FAULT_COUNT, u_fault);

	if (reask && o->fix_rate >= 0.0) {
		d->reask_fixed = u_fix < o->fix_rate;
		d->mistake = MOCK_NO_MISTAKE;
		if (!d->reask_fixed) {
			/* An unfixed re-ask repeats a mistake, drawn by the configured
			 * weights, or evenly when no mistake rate is set. */
			for (i = 0; i < ANN_MOCK_MISTAKE_COUNT; i++)
				sum += o->mistake_rate[i];
			if (sum > 0.0)
				d->mistake = (enum ann_mock_mistake)pick_band(o->mistake_rate,
				    ANN_MOCK_MISTAKE_COUNT, u_kind * sum);
			else
				d->mistake = (enum ann_mock_mistake)(u_kind * ANN_MOCK_MISTAKE_COUNT);
			if (d->mistake >= ANN_MOCK_MISTAKE_COUNT)
				d->mistake = ANN_MOCK_MISTAKE_COUNT - 1;
		}
	} else {
		d->mistake = (enum ann_mock_mistake)pick_band(o->mistake_rate, ANN_MOCK_MISTAKE_COUNT,
		    u_mistake);
		d->reask_fixed = reask && d->mistake == MOCK_NO_MISTAKE;
	}

	if (o->latency_ms > 0) {
		/* Log-normal: median * exp(sigma * z) has mean median * exp(sigma^2 / 2). */
		mean = (double)o->latency_ms;
		median = mean * exp(-LATENCY_SIGMA * LATENCY_SIGMA / 2.0);
		z = sqrt(-2.0 * log(1.0 - u_lat1)) * cos(2.0 * M_PI * u_lat2);
		v = median * exp(LATENCY_SIGMA * z);
		if (v > LATENCY_CAP * mean)
			v = LATENCY_CAP * mean;
		d->latency_ms = lround(v);
	}
}

static double
monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
mock_quota_init(struct mock_quota *q, unsigned long rpm, unsigned long tpm)
{
	pthread_mutex_init(&q->lock, NULL);
	q->rpm = rpm;
	q->tpm = tpm;
	q->requests = (double)rpm;
	q->tokens = (double)tpm;
	q->last = monotonic_seconds();
}

void
mock_quota_release(struct mock_quota *q)
{
	pthread_mutex_destroy(&q->lock);
}

enum mock_quota_verdict
mock_quota_take(struct mock_quota *q, long cost)
{
	enum mock_quota_verdict v = MOCK_QUOTA_OK;
	double now, dt;

	if (q->rpm == 0 && q->tpm == 0)
		return MOCK_QUOTA_OK;
	pthread_mutex_lock(&q->lock);
	now = monotonic_seconds();
	dt = now - q->last;
	q->last = now;
	q->requests += dt * (double)q->rpm / 60.0;
	if (q->requests > (double)q->rpm)
		q->requests = (double)q->rpm;
	q->tokens += dt * (double)q->tpm / 60.0;
	if (q->tokens > (double)q->tpm)
		q->tokens = (double)q->tpm;

	if (q->rpm > 0 && q->requests < 1.0)
		v = MOCK_QUOTA_RPM;
	else if (q->tpm > 0 && q->tokens < (double)cost)
		v = MOCK_QUOTA_TPM;
	if (v == MOCK_QUOTA_OK) {
		if (q->rpm > 0)
			q->requests -= 1.0;
		if (q->tpm > 0)
			q->tokens -= (double)cost;
	}
	pthread_mutex_unlock(&q->lock);
	return v;
}
