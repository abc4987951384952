/*
 * Client-side request and token rate limits (--rpm, --tpm), optionally
 * shared by every process that names the same rate group.
 *
 * Each limit is a token bucket that holds at most one minute's allowance
 * and refills continuously at limit/60 per second. A request reserves one
 * request and its token estimate (input tokens plus max_tokens, as Bedrock
 * reserves quota when a request starts); when the reply arrives, the
 * reservation is settled on the real usage and the difference returns to
 * the bucket. A reservation larger than a whole minute's allowance is
 * granted only when the bucket is full, so it waits but never hangs.
 *
 * Rate group: a small text file holding the buckets' levels and the time
 * they were last updated (lib/statefile.h). Every reservation and
 * settlement locks it with flock(2), refills by the time passed, updates
 * and unlocks, so processes that share it share the limits. Each process
 * brings its own --rpm and --tpm; give them all the same values. Times are wall-clock seconds
 * (a clock stepping back counts as no time passed).
 *
 * Errors: functions return 0 or a negative enum ann_err with *e filled.
 */
#ifndef ANN_RATELIMIT_H
#define ANN_RATELIMIT_H

#include "err.h"
#include "statefile.h"

struct ann_bucket {
	double capacity; /* one minute's allowance; 0 means no limit */
	double level;    /* may go below 0 after a settlement larger than the reservation */
	double rate;     /* refill per second */
};

void ann_bucket_init(struct ann_bucket *b, double per_minute);
void ann_bucket_refill(struct ann_bucket *b, double elapsed_s);
/* Returns the seconds until amount can be taken (0 when it can be now). */
double ann_bucket_wait(const struct ann_bucket *b, double amount);
void ann_bucket_take(struct ann_bucket *b, double amount);
/* Returns amount to the bucket (negative amounts take more), up to capacity. */
void ann_bucket_give(struct ann_bucket *b, double amount);

struct ann_ratelimit {
	struct ann_bucket requests;
	struct ann_bucket tokens;
	double last;     /* time of the last refill */
	struct ann_state_file file; /* the rate group file; fd -1 without a group */
};

/* Sets up the limits (0 for none) and, when group is not NULL, opens or
 * creates the rate group file. group is a path when it contains '/', else
 * a name for a file in $ANN_RATE_DIR, $XDG_RUNTIME_DIR or /tmp. */
int ann_ratelimit_open(struct ann_ratelimit *rl, double rpm, double tpm, const char *group,
    double now, struct ann_error *e);
void ann_ratelimit_close(struct ann_ratelimit *rl);

/* Reserves one request and tokens at time now. Sets *wait to 0 when the
 * reservation was made, or to the seconds to wait before trying again. */
int ann_ratelimit_reserve(struct ann_ratelimit *rl, double now, double tokens,
    double *wait, struct ann_error *e);

/* Settles a reservation of reserved tokens on the actual usage. */
int ann_ratelimit_settle(struct ann_ratelimit *rl, double now, double reserved,
    double actual, struct ann_error *e);

#endif
