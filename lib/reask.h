/*
 * Re-asking the model for answers that failed validation (ann-retry).
 *
 * ann_reask_run reads validated records, passes the ones that need nothing
 * straight through, and sends the others to a child command (typically
 * `ann-invoke | ann-validate`) started once and kept running. A record
 * that comes back still failing goes round again until it is valid, its
 * errors repeat unchanged, it has used max_rounds re-asks, or the budget
 * is spent. Each record comes out exactly once, with an "attempts" member
 * when it went round at least once.
 *
 * What a record needs (ann_reask_classify):
 *   - validation.valid false: a re-ask with the answer and its errors;
 *   - an error of kind throttled, timeout, server or network: the same
 *     request again, since the invoker's own retries ran out; likewise
 *     unanswered, a record that a batch job's output does not answer;
 *   - an error of kind truncated: the same request with twice the
 *     max_tokens, up to max_tokens_cap;
 *   - anything else (valid, refused, other errors, not validated): none.
 *
 * Only the original request plus the last answer and its errors are sent,
 * never the whole history, so a third round costs about what the second
 * did. The request written out at the end is the original one.
 *
 * Budget: before each re-ask, the loop checks max_calls, the cost that
 * the answers from the child reported (max_cost) and, with budget_file,
 * that file's total against max_cost. The loop adds nothing to the file:
 * the child's ann-invoke, given the same file, records what the re-asks
 * spend. A budget file that fails during the run stops all re-asks, and
 * ann_reask_run returns ANN_ERR_IO once every record is out.
 *
 * However a record stops, it comes out with the best answer any round
 * gave (ann_reask_rank), the latest one among equals. So a last round
 * that was cut off, refused or lost with the child never throws away an
 * earlier answer. attempts.answer_round names the round it came from.
 */
#ifndef ANN_REASK_H
#define ANN_REASK_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "record.h"

enum ann_reask_need {
	ANN_REASK_NONE,
	ANN_REASK_FEEDBACK, /* invalid answer: show it and its errors */
	ANN_REASK_AGAIN,    /* transient failure: the same request */
	ANN_REASK_LONGER,   /* cut off at the token limit: more tokens */
};

/* Reason a record stopped going round, written as attempts.stopped. */
enum ann_reask_stop {
	ANN_REASK_STOP_VALID,    /* "valid" */
	ANN_REASK_STOP_FINAL,    /* "final": nothing a re-ask can fix */
	ANN_REASK_STOP_ROUNDS,   /* "max_rounds" */
	ANN_REASK_STOP_REPEATED, /* "repeated_errors" */
	ANN_REASK_STOP_BUDGET,   /* "budget" */
	ANN_REASK_STOP_CHILD,    /* "child_failed" */
};

/* How good a round's answer is; a higher rank is better. */
enum ann_reask_rank {
	ANN_REASK_RANK_NONE,    /* no validated answer: an error, or not validated */
	ANN_REASK_RANK_INVALID, /* the answer fails the schema */
	ANN_REASK_RANK_CHECKS,  /* schema-valid, but grounding or a rule failed */
	ANN_REASK_RANK_VALID,   /* validation.valid true */
};

struct ann_reask_opts {
	char *const *child_argv;   /* the command after "--"; argv[0] is looked up in PATH */
	int max_rounds;            /* re-asks per record (-n); default 3 */
	long max_calls;            /* records sent to the child in all; 0: no limit */
	double max_cost;           /* USD the re-asks may add; 0: no limit */
	const char *budget_file;   /* with max_cost: also stop once this budget file's
	                              total reaches max_cost (lib/budget.h); NULL: none */
	long max_tokens_cap;       /* ceiling when growing max_tokens; default 32768 */
	size_t max_in_flight;      /* records inside the child at once; default 256 */
	long idle_timeout;         /* seconds without output from the child, while
	                              records are inside it, before it is stopped;
	                              default 1800, 0 for none */
	const char *feedback;      /* Mustache template text; NULL: built-in for lang */
	int japanese;              /* 1: the built-in Japanese feedback */
};

/*
 * Counts of a run. Each input line is counted in exactly one of passed,
 * unfixable, no_request, no_id, repeated_ids, line_errors and sent, and
 * each record of sent in exactly one of fixed, still_failing and the
 * not_reasked counts.
 */
struct ann_reask_stats {
	size_t records;        /* input lines read, line errors included */
	size_t passed;         /* needed nothing: valid, or not validated */
	size_t unfixable;      /* carry an error that no re-ask fixes (refused, ...) */
	size_t no_request;     /* needed a re-ask but have no "request" member */
	size_t no_id;          /* have no string id, so cannot be tracked */
	size_t repeated_ids;   /* came while a record with their id was in the loop */
	size_t line_errors;    /* input lines that are not records */
	size_t sent;           /* records that went into the loop */
	size_t calls;          /* records written to the child */
	size_t fixed;          /* re-asked, and ended valid */
	size_t still_failing;  /* re-asked, and ended invalid or with an error */
	size_t repeated;       /* of those, stopped on repeated errors */
	size_t budget_stops;   /* of those, stopped by the budget */
	size_t not_reasked_budget; /* went into the loop, but the budget was spent */
	size_t not_reasked_rounds; /* went into the loop, but rounds is 0 */
	size_t not_reasked_child;  /* went into the loop, but the child had ended */
	size_t extra_lines;    /* lines from the child that are not records or were not
	                          sent to it, passed on */
	size_t failed_records; /* written invalid or with an error, for the exit status */
	double cost_added;     /* sum of cost_usd in the records the child returned */
	int child_status;      /* wait status of the child, -1 while unknown */
	int child_failed;      /* 1 when the child ended before answering everything */
	int broken_pipe;
};

void ann_reask_opts_init(struct ann_reask_opts *o);

/*
 * Runs the loop from in_fd to out_fd. Returns 0 once every record is out
 * (check stats for failures, including a child that died: its records in
 * flight come out as error records), or ANN_ERR_IO, ANN_ERR_NOMEM or
 * ANN_ERR_CONFIG (bad feedback template, budget file that cannot be
 * opened or read, child not started).
 */
int ann_reask_run(const struct ann_reask_opts *o, int in_fd, int out_fd,
    struct ann_reask_stats *stats, struct ann_error *e);

/* Returns what record r needs (see the file comment). */
enum ann_reask_need ann_reask_classify(const struct ann_record *r);

/*
 * Ranks the answer that record r carries, from its "error" and
 * "validation" members. Grounding and rule errors are told from schema
 * errors by their keywordLocation (ANN_GROUND_KEYWORD, ANN_RULES_KEYWORD).
 */
enum ann_reask_rank ann_reask_rank(const struct ann_record *r);

/*
 * Builds the next request from the original one: for FEEDBACK, appends an
 * assistant turn holding the answer (output, as a "json" part) and a user
 * turn with feedback_text. A positive max_tokens replaces the
 * original's. Returns a new tree owned by the caller, or NULL when out of
 * memory.
 */
cJSON *ann_reask_next_request(const cJSON *original, enum ann_reask_need need,
    const cJSON *output, const char *feedback_text, long max_tokens);

/* Returns the request's max_tokens doubled, at most cap (8192 when it has none). */
long ann_reask_grow_tokens(const cJSON *request, long current, long cap);

/*
 * Renders the feedback template over the validation errors (an array of
 * {instanceLocation, keywordLocation, error}) into out. The template gets
 * errors[] with location (instanceLocation, "/" for the root), keyword and
 * message; count; and one (true when there is a single error).
 */
int ann_reask_feedback(const char *template_text, const cJSON *errors, struct ann_buf *out,
    struct ann_error *e);

/* Returns the built-in feedback template, English or Japanese. */
const char *ann_reask_builtin_feedback(int japanese);

/* Returns the stop reason's name as written in attempts.stopped. */
const char *ann_reask_stop_name(enum ann_reask_stop stop);

#endif
