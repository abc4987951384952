/*
 * The ann-invoke run: request records in, one result record per input
 * record out, many calls in flight.
 *
 * One thread drives libcurl's multi interface. Input is read only while a
 * request slot is free (and, with keep_order, while the reorder window has
 * room), so memory is bounded by the number of slots and the window, not
 * by the input. Every input record comes out exactly once (unless reading
 * or writing fails, the reader of the output goes away, or dry_run is set,
 * which writes requests instead of records):
 *   - a line that is not a record, a record without a string id, and a
 *     record that already carries "error" pass through as the record
 *     loop of every command handles them (ann_filter);
 *   - a record without "request" gets an error of kind "invalid";
 *   - every other record gets the answer members (output or output_text,
 *     usage, model, latency_ms, stop_reason, cost_usd) or an "error"
 *     member saying why not, with the HTTP status, the service's error
 *     type, message and request id and the attempts made.
 *
 * Transport: connections are reused, HTTP/2 is used where TLS offers it,
 * no "Expect: 100-continue" is sent (servers that ignore it would stall
 * every large body by a second) and libcurl never uses signals
 * (CURLOPT_NOSIGNAL), which are unsafe for timeouts in a program that may
 * have threads.
 *
 * Secrets come from the caller's secrets callback for each attempt and
 * never appear in records, logs or the dry-run listing.
 *
 * Budgets: with max_cost or max_tokens_total, a record not yet sent once
 * the budget is spent gets an error of kind "budget". Requests already in
 * flight finish. With budget_file, each answered call adds its cost and
 * tokens to that file (lib/budget.h), and the budgets apply to the file's
 * totals, which every process that names the file adds to. When the file
 * fails during the run (unreadable, damaged, not writable), no new request
 * is sent and the records left get budget errors. ann_invoke_run then
 * returns ANN_ERR_IO once every record is out.
 *
 * Batch mode (opts.batch set): no call is made. Each record that would be
 * sent gets its answer from the output of a Bedrock batch inference job
 * instead (lib/batch.h), parsed as an InvokeModel reply, with the same
 * members as a live call except latency_ms; a record the output does not
 * answer gets an error of kind "unanswered". Records are written in input
 * order. The endpoint, credentials, rate limits, retries, cache and budgets
 * are not used.
 *
 * Caller steps:
 *   1. ann_invoke_opts_init(&o), then set the options;
 *   2. ann_invoke_run(&o, in_fd, out_fd, &stats, &e);
 *   3. read stats (ann_invoke_stats_json for --stats), ann_invoke_stats_release.
 * The caller must have called curl_global_init, unless opts.batch is set.
 */
#ifndef ANN_INVOKE_H
#define ANN_INVOKE_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "err.h"
#include "pricing.h"
#include "provider.h"
#include "retry.h"

/* Secrets for one attempt; pointers stay valid until the next call. */
struct ann_invoke_secrets {
	const char *access_key_id;     /* SigV4, Bedrock */
	const char *secret_access_key;
	const char *session_token;     /* or NULL */
	const char *bearer_token;      /* Bedrock API key or OpenAI key, or NULL */
	const char *api_key;           /* Anthropic x-api-key, or NULL */
};

typedef int (*ann_invoke_secrets_fn)(void *ctx, struct ann_invoke_secrets *out,
    struct ann_error *e);

/* Outcome kinds counted in the statistics, in this order. */
enum ann_invoke_kind {
	ANN_KIND_OK,
	ANN_KIND_PASSED,     /* passed through: an earlier stage's error or a bad line */
	ANN_KIND_THROTTLED,
	ANN_KIND_TIMEOUT,
	ANN_KIND_SERVER,
	ANN_KIND_CLIENT,
	ANN_KIND_VALIDATION,
	ANN_KIND_ACCESS,
	ANN_KIND_NETWORK,
	ANN_KIND_RESPONSE,
	ANN_KIND_TRUNCATED,
	ANN_KIND_REFUSED,
	ANN_KIND_MALFORMED,
	ANN_KIND_INVALID,
	ANN_KIND_BUDGET,
	ANN_KIND_UNANSWERED, /* batch mode: the job's output holds no answer */
	ANN_KIND_COUNT
};

const char *ann_invoke_kind_name(enum ann_invoke_kind k);

struct ann_invoke_stats {
	size_t records;           /* input records (lines that were records or bad lines) */
	size_t counts[ANN_KIND_COUNT];
	size_t cached;            /* answered from the cache */
	size_t attempts;          /* HTTP requests sent */
	size_t retries;
	size_t in_flight;
	double rate_wait_s;       /* time requests were held back by --rpm or --tpm */
	long long input_tokens;
	long long output_tokens;
	long long cache_read_tokens;
	long long cache_write_tokens;
	double cost_usd;          /* spent by this run, cache hits excluded */
	double batch_discount;    /* batch mode: the discount in the prices, else -1 */
	double elapsed_s;
	double fraction_read;     /* of a regular input file, else -1 */
	uint32_t *latencies_ms;   /* one per answered call */
	size_t n_latencies;
	size_t cap_latencies;
};

struct ann_invoke_opts {
	enum ann_provider provider;
	const char *model;
	const char *endpoint;      /* base URL: scheme, host, optional port and path */
	const char *region;        /* SigV4 signing region (Bedrock) */
	int jobs;                  /* requests in flight, at most */
	double rpm;                /* 0: no limit */
	double tpm;
	const char *rate_group;    /* NULL: limits for this process only */
	struct ann_retry_policy retry;
	double max_cost;           /* < 0: no budget */
	double max_tokens_total;   /* < 0: no budget */
	const char *budget_file;   /* NULL: the budgets count this run alone */
	int keep_order;
	size_t reorder_window;     /* records; 0: 4 * jobs + 16 */
	const char *cache_dir;
	long timeout_ms;           /* per attempt */
	long connect_timeout_ms;
	int dry_run;               /* print requests to out_fd, send nothing */
	const struct ann_price *price; /* NULL when the model has no price */
	struct ann_batch *batch;   /* answers from a batch job's output; NULL: call the model */
	ann_invoke_secrets_fn secrets;
	void *secrets_ctx;
	/* Called about every progress_interval_s with the running counts. */
	void (*progress)(void *ctx, const struct ann_invoke_stats *s);
	void *progress_ctx;
	double progress_interval_s;
};

void ann_invoke_opts_init(struct ann_invoke_opts *o);

/*
 * Runs until the end of input. Returns ANN_OK (records that failed are
 * counted in stats, not errors here), or an error that stopped the run:
 * a read or write failure, or an unusable setting. *broken_pipe is set
 * when the reader of the output went away.
 */
int ann_invoke_run(const struct ann_invoke_opts *o, int in_fd, int out_fd,
    struct ann_invoke_stats *stats, int *broken_pipe, struct ann_error *e);

/* Number of records that ended with an error added here. */
size_t ann_invoke_stats_failed(const struct ann_invoke_stats *s);

/* Appends the statistics as one JSON object. */
int ann_invoke_stats_json(struct ann_invoke_stats *s, struct ann_buf *out);
void ann_invoke_stats_release(struct ann_invoke_stats *s);

#endif
