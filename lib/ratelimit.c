#include "ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
ann_bucket_init(struct ann_bucket *b, double per_minute)
{
	b->capacity = per_minute > 0 ? per_minute : 0;
	b->level = b->capacity;
	b->rate = b->capacity / 60.0;
}

void
ann_bucket_refill(struct ann_bucket *b, double elapsed_s)
{
	if (b->capacity == 0 || elapsed_s <= 0)
		return;
	b->level += elapsed_s * b->rate;
	if (b->level > b->capacity)
		b->level = b->capacity;
}

double
ann_bucket_wait(const struct ann_bucket *b, double amount)
{
	double need;

	if (b->capacity == 0)
		return 0;
	/* More than a minute's allowance: wait for a full bucket. */
	need = amount > b->capacity ? b->capacity : amount;
	if (b->level >= need)
		return 0;
	return (need - b->level) / b->rate;
}

void
ann_bucket_take(struct ann_bucket *b, double amount)
{
	if (b->capacity > 0)
		b->level -= amount;
}

void
ann_bucket_give(struct ann_bucket *b, double amount)
{
	if (b->capacity == 0)
		return;
	b->level += amount;
	if (b->level > b->capacity)
		b->level = b->capacity;
}

static int
group_path(struct ann_buf *out, const char *group)
{
	const char *dir;

	if (strchr(group, '/'))
		return ann_buf_adds(out, group);
	dir = getenv("ANN_RATE_DIR");
	if (dir == NULL || *dir == '\0')
		dir = getenv("XDG_RUNTIME_DIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	return ann_buf_addf(out, "%s/ann-rate-%s", dir, group);
}

/* Reads the shared state into rl; an empty or unreadable file means full buckets. */
static void
load_state(struct ann_ratelimit *rl)
{
	char text[256];
	size_t len;
	double requests, tokens, last;

	if (ann_state_file_read(&rl->file, text, sizeof text, &len, NULL) != ANN_OK || len == 0)
		return;
	if (sscanf(text, "ann-rate 1 %lf %lf %lf", &requests, &tokens, &last) != 3)
		return;
	rl->requests.level = requests < rl->requests.capacity ? requests : rl->requests.capacity;
	rl->tokens.level = tokens < rl->tokens.capacity ? tokens : rl->tokens.capacity;
	rl->last = last;
}

static int
store_state(struct ann_ratelimit *rl, struct ann_error *e)
{
	char text[256];
	int len = snprintf(text, sizeof text, "ann-rate 1 %.6f %.6f %.6f\n",
	    rl->requests.level, rl->tokens.level, rl->last);

	return ann_state_file_write(&rl->file, text, (size_t)len, e);
}

static int
lock_group(struct ann_ratelimit *rl, struct ann_error *e)
{
	int rc;

	if (rl->file.fd < 0)
		return ANN_OK;
	rc = ann_state_file_lock(&rl->file, e);
	if (rc)
		return rc;
	load_state(rl);
	return ANN_OK;
}

static int
unlock_group(struct ann_ratelimit *rl, int store, struct ann_error *e)
{
	int rc = ANN_OK;

	if (rl->file.fd < 0)
		return ANN_OK;
	if (store)
		rc = store_state(rl, e);
	ann_state_file_unlock(&rl->file);
	return rc;
}

static void
refill(struct ann_ratelimit *rl, double now)
{
	double elapsed = now - rl->last;

	ann_bucket_refill(&rl->requests, elapsed);
	ann_bucket_refill(&rl->tokens, elapsed);
	if (elapsed > 0)
		rl->last = now;
}

int
ann_ratelimit_open(struct ann_ratelimit *rl, double rpm, double tpm, const char *group,
    double now, struct ann_error *e)
{
	struct ann_buf path = ANN_BUF_INIT;
	int rc;

	memset(rl, 0, sizeof *rl);
	ann_state_file_init(&rl->file);
	ann_bucket_init(&rl->requests, rpm);
	ann_bucket_init(&rl->tokens, tpm);
	rl->last = now;
	if (group == NULL)
		return ANN_OK;

	if (group_path(&path, group) != ANN_OK) {
		ann_buf_release(&path);
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory opening rate group");
	}
	rc = ann_state_file_open(&rl->file, path.data, "rate group file", e);
	ann_buf_release(&path);
	return rc;
}

void
ann_ratelimit_close(struct ann_ratelimit *rl)
{
	ann_state_file_close(&rl->file);
}

int
ann_ratelimit_reserve(struct ann_ratelimit *rl, double now, double tokens,
    double *wait, struct ann_error *e)
{
	double wait_requests, wait_tokens;
	int rc;

	*wait = 0;
	if (rl->requests.capacity == 0 && rl->tokens.capacity == 0)
		return ANN_OK;
	rc = lock_group(rl, e);
	if (rc)
		return rc;

	refill(rl, now);
	wait_requests = ann_bucket_wait(&rl->requests, 1);
	wait_tokens = ann_bucket_wait(&rl->tokens, tokens);
	*wait = wait_requests > wait_tokens ? wait_requests : wait_tokens;
	if (*wait == 0) {
		ann_bucket_take(&rl->requests, 1);
		ann_bucket_take(&rl->tokens, tokens);
	}
	return unlock_group(rl, 1, e);
}

int
ann_ratelimit_settle(struct ann_ratelimit *rl, double now, double reserved,
    double actual, struct ann_error *e)
{
	int rc;

	if (rl->tokens.capacity == 0)
		return ANN_OK;
	rc = lock_group(rl, e);
	if (rc)
		return rc;
	refill(rl, now);
	ann_bucket_give(&rl->tokens, reserved - actual);
	return unlock_group(rl, 1, e);
}
