/* The ann-retry loop: records in, a child command kept running, records out. */
#include "reask.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "budget.h"
#include "jsonl.h"
#include "jspan.h"
#include "log.h"
#include "pricing.h"

/* A record that is inside the loop: sent to the child and not yet out. */
struct flight {
	char *id;
	size_t line_no;    /* the record's line in the input, for messages */
	char *request;     /* the original request's JSON text */
	cJSON *history;    /* one entry per answer */
	char *last_errors; /* JSON text of the last answer's validation errors */
	struct ann_buf last; /* the record as it last came in, for a child that dies */
	enum ann_reask_rank last_rank;
	struct ann_buf best; /* the record with the best answer, unless that is last */
	enum ann_reask_rank best_rank;
	int best_round;    /* history round of the best answer; 0: no answer yet */
	int best_is_last;  /* the best answer is in last, and best is empty */
	long max_tokens;   /* grown after truncation; 0 keeps the original's */
	int reasks;
	long long usage[4];
	int has_usage;
	double cost;
	int has_cost;
};

/* Records failed by the child that are warned about one by one; the rest are counted. */
#define CHILD_WARNINGS_MAX 20

static const char *const usage_names[4] = {
	"input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
};

/* Members the child's stages own: dropped before a record goes round again. */
static const char *const stage_members[] = {
	"output", "output_text", "validation", "spans", "error", "stop_reason", "usage",
	"cost_usd", "latency_ms", "model", "attempts",
};

struct loop {
	const struct ann_reask_opts *o;
	struct ann_reask_stats *stats;
	struct ann_error *e;
	const char *feedback;

	struct flight **table; /* open addressing by id; NULL is empty */
	size_t table_size;
	size_t in_flight;
	size_t child_warnings;     /* records failed by the child, warned about one by one */

	struct ann_jsonl_reader in;
	struct ann_jsonl_reader from_child;
	struct ann_jsonl_writer out;
	struct ann_buf to_child;   /* queued bytes for the child's stdin */
	size_t to_child_sent;

	struct ann_budget budget;  /* the shared budget file, when budget_on */
	int budget_on;
	struct ann_error budget_failure; /* code set once the budget file failed */

	pid_t child;
	int child_in;
	int child_out;
	int child_gone;            /* stdout closed or stdin broken */

	struct ann_record rec;
	struct ann_record_edit edit;
	struct ann_buf line;
	struct ann_buf scratch;
};

static uint64_t
hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* Returns the slot holding id, or the empty slot where it would go. */
static size_t
table_slot(const struct loop *l, const char *id)
{
	size_t i = (size_t)hash_id(id) & (l->table_size - 1);

	while (l->table[i] != NULL && strcmp(l->table[i]->id, id) != 0)
		i = (i + 1) & (l->table_size - 1);
	return i;
}

static void
flight_free(struct flight *f)
{
	if (f == NULL)
		return;
	free(f->id);
	free(f->request);
	free(f->last_errors);
	ann_buf_release(&f->last);
	ann_buf_release(&f->best);
	cJSON_Delete(f->history);
	free(f);
}

/* Removes the flight in slot i, moving later entries of its run back (no tombstones). */
static void
table_remove(struct loop *l, size_t i)
{
	size_t mask = l->table_size - 1;
	size_t j = i;

	l->table[i] = NULL;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (l->table[j] == NULL)
			break;
		home = (size_t)hash_id(l->table[j]->id) & mask;
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			l->table[i] = l->table[j];
			l->table[j] = NULL;
			i = j;
		}
	}
	l->in_flight--;
}

/* Adds the usage and cost members of r to f's totals. */
static void
add_usage(struct flight *f, const struct ann_record *r)
{
	cJSON *usage = ann_record_parse_member(r, "usage");
	cJSON *cost = ann_record_parse_member(r, "cost_usd");
	size_t i;

	for (i = 0; i < 4; i++) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(usage, usage_names[i]);
		if (cJSON_IsNumber(n)) {
			f->usage[i] += (long long)n->valuedouble;
			f->has_usage = 1;
		}
	}
	if (cJSON_IsNumber(cost)) {
		f->cost += cost->valuedouble;
		f->has_cost = 1;
	}
	cJSON_Delete(usage);
	cJSON_Delete(cost);
}

/* Appends one answer to f's history: round, output, validation errors, error. */
static int
add_history(struct flight *f, const struct ann_record *r)
{
	static const char *const kept[][2] = {
		{ "output", "output" }, { "error", "error" }, { "stop_reason", "stop_reason" },
	};
	cJSON *entry = cJSON_CreateObject();
	cJSON *validation;
	size_t i;

	if (entry == NULL || !cJSON_AddItemToArray(f->history, entry)) {
		cJSON_Delete(entry);
		return ANN_ERR_NOMEM;
	}
	cJSON_AddNumberToObject(entry, "round", cJSON_GetArraySize(f->history));
	/* Exact parses: the history copies each answer with its digits as written. */
	for (i = 0; i < sizeof kept / sizeof kept[0]; i++) {
		cJSON *v = ann_record_parse_member_exact(r, kept[i][0]);
		if (v != NULL)
			cJSON_AddItemToObject(entry, kept[i][1], v);
	}
	validation = ann_record_parse_member_exact(r, "validation");
	if (validation != NULL) {
		cJSON *errors = cJSON_DetachItemFromObjectCaseSensitive(validation, "errors");
		if (errors != NULL)
			cJSON_AddItemToObject(entry, "errors", errors);
	}
	cJSON_Delete(validation);
	return ANN_OK;
}

/*
 * Stores r (its text is line) as f's latest state, and as its best answer
 * when it ranks at least as high as the best so far, so a later answer
 * wins among equals. Call after add_history. While the latest state is the
 * best, one copy serves both.
 */
static int
keep_record(struct flight *f, const struct ann_record *r, const char *line, size_t len)
{
	enum ann_reask_rank rank = ann_reask_rank(r);
	struct ann_buf swap;

	if (rank > ANN_REASK_RANK_NONE && rank >= f->best_rank) {
		f->best_rank = rank;
		f->best_round = cJSON_GetArraySize(f->history);
		f->best_is_last = 1;
		ann_buf_release(&f->best);
	} else if (f->best_is_last) {
		/* The previous state held the best answer: keep it aside. */
		swap = f->best;
		f->best = f->last;
		f->last = swap;
		f->best_is_last = 0;
	}
	f->last_rank = rank;
	ann_buf_reset(&f->last);
	return ann_buf_add(&f->last, line, len);
}

/* Returns 1 when r is written out as a failure: invalid, or with an error. */
static int
is_failing(const struct ann_record *r)
{
	cJSON *validation;
	int failing;

	if (ann_record_get(r, "error") != NULL)
		return 1;
	validation = ann_record_parse_member(r, "validation");
	failing = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(validation, "valid"));
	cJSON_Delete(validation);
	return failing;
}

static int
write_out(struct loop *l, const char *line, size_t len)
{
	return ann_jsonl_write(&l->out, line, len, l->e);
}

/* Writes r with an edit, counting it as failing or not. */
static int
write_record(struct loop *l, const struct ann_record *r, const struct ann_record_edit *ed)
{
	ann_buf_reset(&l->line);
	if (ann_record_write(r, ed, &l->line))
		return ann_error_set(l->e, ANN_ERR_NOMEM, "out of memory writing record %s",
		    r->id.data);
	if (is_failing(r))
		l->stats->failed_records++;
	return write_out(l, l->line.data, l->line.len);
}

/* Sets member name to the number v in the edit. */
static int
edit_number(struct loop *l, const char *name, double v)
{
	ann_buf_reset(&l->scratch);
	if (ann_buf_add_json_number(&l->scratch, v))
		return ANN_ERR_INVALID;
	return ann_record_edit_set_raw(&l->edit, name, l->scratch.data, l->scratch.len);
}

/* Counts how flight f ended: re-asked and fixed or still failing, or why it was not re-asked. */
static void
count_outcome(struct ann_reask_stats *st, const struct flight *f, enum ann_reask_stop stop,
    int failing)
{
	/* Only the budget, --rounds 0 or a child that ended stop a record before its first re-ask. */
	if (f->reasks == 0) {
		if (stop == ANN_REASK_STOP_BUDGET)
			st->not_reasked_budget++;
		else if (stop == ANN_REASK_STOP_ROUNDS)
			st->not_reasked_rounds++;
		else
			st->not_reasked_child++;
		return;
	}
	if (failing)
		st->still_failing++;
	else
		st->fixed++;
	if (stop == ANN_REASK_STOP_REPEATED)
		st->repeated++;
	if (stop == ANN_REASK_STOP_BUDGET)
		st->budget_stops++;
}

/* Warns that the child failed flight f, one by one up to CHILD_WARNINGS_MAX records. */
static void
warn_child_failure(struct loop *l, const struct flight *f, const char *message)
{
	l->child_warnings++;
	if (l->child_warnings <= CHILD_WARNINGS_MAX)
		ann_log_record(ANN_LOG_WARN, f->line_no, f->id, strlen(f->id), "%s", message);
	if (l->child_warnings == CHILD_WARNINGS_MAX)
		ann_log(ANN_LOG_WARN, "further records the retry command failed are not listed; "
		    "each carries an error of kind \"child\"");
}

/*
 * Writes flight f (slot i), whose latest state is r, with the best answer
 * any round gave, its original request, summed usage and cost, and
 * attempts. A child_message, when given, replaces the record's error with
 * one of kind "child" and is logged. Frees the flight.
 */
static int
finish(struct loop *l, size_t i, const struct ann_record *r, enum ann_reask_stop stop,
    const char *child_message)
{
	struct flight *f = l->table[i];
	cJSON *attempts = cJSON_CreateObject();
	struct ann_record kept;
	struct ann_buf error_text = ANN_BUF_INIT;
	char *text = NULL;
	int failing;
	int rc = ANN_ERR_NOMEM;

	ann_record_init(&kept);
	ann_record_edit_reset(&l->edit);
	if (attempts == NULL)
		goto out;
	if (child_message != NULL) {
		warn_child_failure(l, f, child_message);
		if (ann_error_json(&error_text, "child", child_message, 0, 0))
			goto out;
	}
	if (f->best_round > 0 && !f->best_is_last) {
		/* An earlier round answered better than the last one did. */
		rc = ann_record_parse(&kept, f->best.data, f->best.len, 0, l->e);
		if (rc)
			goto out;
		ann_log_record(ANN_LOG_INFO, f->line_no, f->id, strlen(f->id), "keeping the answer "
		    "of round %d, better than the last round's", f->best_round);
		r = &kept;
		rc = ANN_ERR_NOMEM;
	}
	cJSON_AddNumberToObject(attempts, "rounds", f->reasks);
	cJSON_AddStringToObject(attempts, "stopped", ann_reask_stop_name(stop));
	if (f->best_round > 0)
		cJSON_AddNumberToObject(attempts, "answer_round", f->best_round);
	cJSON_AddItemReferenceToObject(attempts, "history", f->history);
	text = cJSON_PrintUnformatted(attempts);
	if (text == NULL)
		goto out;

	rc = ann_record_edit_set_raw(&l->edit, "request", f->request, strlen(f->request));
	if (rc == ANN_OK && f->has_usage) {
		ann_buf_reset(&l->scratch);
		rc = ann_buf_addf(&l->scratch, "{\"input_tokens\":%lld,\"output_tokens\":%lld,"
		    "\"cache_read_tokens\":%lld,\"cache_write_tokens\":%lld}",
		    f->usage[0], f->usage[1], f->usage[2], f->usage[3]);
		if (rc == ANN_OK)
			rc = ann_record_edit_set_raw(&l->edit, "usage", l->scratch.data, l->scratch.len);
	}
	if (rc == ANN_OK && f->has_cost)
		rc = edit_number(l, "cost_usd", ann_price_round(f->cost));
	if (rc == ANN_OK && child_message != NULL)
		rc = ann_record_edit_set_raw(&l->edit, "error", error_text.data, error_text.len);
	if (rc == ANN_OK)
		rc = ann_record_edit_set_raw(&l->edit, "attempts", text, strlen(text));
	if (rc)
		goto out;

	ann_buf_reset(&l->line);
	rc = ann_record_write(r, &l->edit, &l->line);
	if (rc)
		goto out;
	failing = child_message != NULL || is_failing(r);
	if (failing)
		l->stats->failed_records++;
	count_outcome(l->stats, f, stop, failing);
	rc = write_out(l, l->line.data, l->line.len);

out:
	if (rc == ANN_ERR_NOMEM)
		ann_error_set(l->e, rc, "out of memory finishing record %s", f->id);
	free(text);
	ann_buf_release(&error_text);
	cJSON_Delete(attempts);
	ann_record_release(&kept);
	flight_free(f);
	table_remove(l, i);
	return rc;
}

/* Returns 1 while the budget file's total is below max_cost, 0 once not or after a failure. */
static int
shared_budget_left(struct loop *l)
{
	struct ann_budget_totals t;
	struct ann_error why = ANN_ERROR_INIT;

	if (l->budget_failure.code != ANN_OK)
		return 0;
	if (ann_budget_read(&l->budget, &t, &why) != ANN_OK) {
		l->budget_failure = why;
		ann_log(ANN_LOG_ERROR, "%s; re-asking no more records", why.msg);
		return 0;
	}
	return ann_budget_usd(&t) < l->o->max_cost;
}

/* Returns 1 when the budget allows another record to go to the child. */
static int
budget_left(struct loop *l)
{
	if (l->o->max_calls > 0 && (long)l->stats->calls >= l->o->max_calls)
		return 0;
	if (l->o->max_cost > 0 && l->stats->cost_added >= l->o->max_cost)
		return 0;
	if (l->o->max_cost > 0 && l->budget_on && !shared_budget_left(l))
		return 0;
	return 1;
}

/* Queues record r for the child with the next request for need. */
static int
send_round(struct loop *l, struct flight *f, const struct ann_record *r, enum ann_reask_need need)
{
	cJSON *original = cJSON_Parse(f->request);
	cJSON *output = NULL;
	cJSON *validation = NULL;
	cJSON *next = NULL;
	char *text = NULL;
	size_t i;
	int rc = ANN_ERR_NOMEM;

	ann_buf_reset(&l->scratch);
	if (original == NULL)
		goto out;
	if (need == ANN_REASK_FEEDBACK) {
		output = ann_record_parse_member_exact(r, "output");
		validation = ann_record_parse_member(r, "validation");
		rc = ann_reask_feedback(l->feedback,
		    cJSON_GetObjectItemCaseSensitive(validation, "errors"), &l->scratch, l->e);
		if (rc)
			goto out;
	}
	if (need == ANN_REASK_LONGER)
		f->max_tokens = ann_reask_grow_tokens(original, f->max_tokens, l->o->max_tokens_cap);
	/* From here the request is only copied, so its schema and examples keep their digits. */
	rc = ann_jspan_keep_as_written(original, f->request, strlen(f->request));
	if (rc == ANN_ERR_SYNTAX)
		ann_error_set(l->e, rc, "the request of record %s does not match its JSON text", f->id);
	if (rc)
		goto out;
	rc = ANN_ERR_NOMEM;
	next = ann_reask_next_request(original, need, output, l->scratch.data, f->max_tokens);
	text = next ? cJSON_PrintUnformatted(next) : NULL;
	if (text == NULL)
		goto out;

	ann_record_edit_reset(&l->edit);
	for (i = 0; i < sizeof stage_members / sizeof stage_members[0]; i++)
		ann_record_edit_remove(&l->edit, stage_members[i]);
	rc = ann_record_edit_set_raw(&l->edit, "request", text, strlen(text));
	if (rc == ANN_OK)
		rc = ann_record_write(r, &l->edit, &l->to_child);
	if (rc == ANN_OK) {
		f->reasks++;
		l->stats->calls++;
	}

out:
	if (rc == ANN_ERR_NOMEM)
		ann_error_set(l->e, rc, "out of memory building a request for record %s", f->id);
	free(text);
	cJSON_Delete(next);
	cJSON_Delete(original);
	cJSON_Delete(output);
	cJSON_Delete(validation);
	return rc;
}

static char *
dup_member_text(const struct ann_record *r, const char *name)
{
	size_t len;
	const char *raw = ann_record_raw(r, name, &len);
	char *copy;

	if (raw == NULL)
		return NULL;
	copy = malloc(len + 1);
	if (copy != NULL) {
		memcpy(copy, raw, len);
		copy[len] = '\0';
	}
	return copy;
}

/* Returns the JSON text of r's validation errors (malloc'd), or NULL. */
static char *
errors_text(const struct ann_record *r)
{
	cJSON *validation = ann_record_parse_member(r, "validation");
	const cJSON *errors = cJSON_GetObjectItemCaseSensitive(validation, "errors");
	char *text = errors ? cJSON_PrintUnformatted(errors) : NULL;

	cJSON_Delete(validation);
	return text;
}

/*
 * Decides the next step for flight f (slot i) whose latest state is r:
 * finish it, or send it round again.
 */
static int
advance(struct loop *l, size_t i, const struct ann_record *r)
{
	struct flight *f = l->table[i];
	enum ann_reask_need need = ann_reask_classify(r);
	char *errors;

	if (need == ANN_REASK_NONE)
		return finish(l, i, r, ann_reask_rank(r) == ANN_REASK_RANK_VALID ?
		    ANN_REASK_STOP_VALID : ANN_REASK_STOP_FINAL, NULL);
	if (f->reasks >= l->o->max_rounds)
		return finish(l, i, r, ANN_REASK_STOP_ROUNDS, NULL);
	if (!budget_left(l))
		return finish(l, i, r, ANN_REASK_STOP_BUDGET, NULL);
	if (l->child_gone)
		return finish(l, i, r, ANN_REASK_STOP_CHILD,
		    "the retry command ended before this record could be re-asked");

	if (need == ANN_REASK_FEEDBACK) {
		errors = errors_text(r);
		if (errors != NULL && f->last_errors != NULL && strcmp(errors, f->last_errors) == 0) {
			free(errors);
			return finish(l, i, r, ANN_REASK_STOP_REPEATED, NULL);
		}
		free(f->last_errors);
		f->last_errors = errors;
	}
	return send_round(l, f, r, need);
}

/*
 * Passes on record r, which has no string id and so cannot be matched with
 * the child's answers, with an "error" of kind invalid unless it has one.
 */
static int
pass_without_id(struct loop *l, const struct ann_record *r)
{
	char problem[ANN_RECORD_PROBLEM_MAX];
	char msg[ANN_RECORD_PROBLEM_MAX + 32];

	l->stats->no_id++;
	ann_record_edit_reset(&l->edit);
	if (ann_record_get(r, "error") != NULL)
		return write_record(l, r, NULL);
	snprintf(msg, sizeof msg, "line %zu: %s", r->line_no,
	    ann_record_id_problem(r, problem, sizeof problem));
	ann_log(ANN_LOG_WARN, "%s", msg);
	ann_buf_reset(&l->scratch);
	if (ann_error_json(&l->scratch, "invalid", msg, 0, r->line_no) ||
	    ann_record_edit_set_raw(&l->edit, "error", l->scratch.data, l->scratch.len))
		return ann_error_set(l->e, ANN_ERR_NOMEM, "out of memory marking line %zu",
		    r->line_no);
	/* write_record counts r as failing only when it was so before the edit. */
	if (!is_failing(r))
		l->stats->failed_records++;
	return write_record(l, r, &l->edit);
}

/* Takes one record from the input: passes it on, or starts its flight. */
static int
take_input(struct loop *l, const char *line, size_t len, size_t line_no)
{
	struct ann_error why = ANN_ERROR_INIT;
	struct flight *f;
	size_t i;
	int rc;

	l->stats->records++;
	rc = ann_record_parse(&l->rec, line, len, line_no, &why);
	if (rc == ANN_ERR_NOMEM)
		return ann_error_set(l->e, rc, "out of memory reading line %zu", line_no);
	if (rc) {
		ann_log(ANN_LOG_WARN, "line %zu: %s", line_no, why.msg);
		ann_buf_reset(&l->line);
		if (ann_record_write_line_error(&l->line, line, len, line_no, &why))
			return ann_error_set(l->e, ANN_ERR_NOMEM, "out of memory");
		l->stats->line_errors++;
		l->stats->failed_records++;
		return write_out(l, l->line.data, l->line.len);
	}
	if (!l->rec.has_id)
		return pass_without_id(l, &l->rec);

	if (ann_reask_classify(&l->rec) == ANN_REASK_NONE) {
		if (is_failing(&l->rec))
			l->stats->unfixable++;
		else
			l->stats->passed++;
		return write_record(l, &l->rec, NULL);
	}
	if (ann_record_get(&l->rec, "request") == NULL) {
		ann_log_record(ANN_LOG_WARN, line_no, l->rec.id.data, l->rec.id.len,
		    "no \"request\" member, so it is not re-asked");
		l->stats->no_request++;
		return write_record(l, &l->rec, NULL);
	}

	i = table_slot(l, l->rec.id.data);
	if (l->table[i] != NULL) {
		ann_log_record(ANN_LOG_WARN, line_no, l->rec.id.data, l->rec.id.len,
		    "an earlier record with this id is being re-asked; passed on as it is");
		l->stats->repeated_ids++;
		return write_record(l, &l->rec, NULL);
	}

	f = calloc(1, sizeof *f);
	if (f == NULL || (f->id = strdup(l->rec.id.data)) == NULL ||
	    (f->request = dup_member_text(&l->rec, "request")) == NULL ||
	    (f->history = cJSON_CreateArray()) == NULL) {
		flight_free(f);
		return ann_error_set(l->e, ANN_ERR_NOMEM, "out of memory at line %zu", line_no);
	}
	ann_buf_init(&f->last, 0);
	ann_buf_init(&f->best, 0);
	f->line_no = line_no;
	l->table[i] = f;
	l->in_flight++;
	l->stats->sent++;
	add_usage(f, &l->rec);
	if (add_history(f, &l->rec) || keep_record(f, &l->rec, line, len))
		return ann_error_set(l->e, ANN_ERR_NOMEM, "out of memory at line %zu", line_no);
	return advance(l, i, &l->rec);
}

/* Takes one record back from the child. */
static int
take_answer(struct loop *l, const char *line, size_t len, size_t line_no)
{
	struct ann_error why = ANN_ERROR_INIT;
	size_t i;
	int rc;

	rc = ann_record_parse(&l->rec, line, len, line_no, &why);
	if (rc == ANN_ERR_NOMEM)
		return ann_error_set(l->e, rc, "out of memory reading the child's output");
	if (rc || !l->rec.has_id) {
		ann_log(ANN_LOG_WARN, "child output line %zu is not a record with an id; passed on",
		    line_no);
		l->stats->extra_lines++;
		l->stats->failed_records++;
		ann_buf_reset(&l->line);
		if (ann_buf_add(&l->line, line, len) || ann_buf_addc(&l->line, '\n'))
			return ann_error_set(l->e, ANN_ERR_NOMEM, "out of memory");
		return write_out(l, l->line.data, l->line.len);
	}

	i = table_slot(l, l->rec.id.data);
	if (l->table[i] == NULL) {
		char id[64];

		ann_log(ANN_LOG_WARN, "the retry command returned record \"%s\", which was not "
		    "sent to it; passed on", ann_printable(l->rec.id.data, l->rec.id.len, id, sizeof id));
		l->stats->extra_lines++;
		return write_record(l, &l->rec, NULL);
	}

	add_usage(l->table[i], &l->rec);
	{
		cJSON *cost = ann_record_parse_member(&l->rec, "cost_usd");
		if (cJSON_IsNumber(cost))
			l->stats->cost_added += cost->valuedouble;
		cJSON_Delete(cost);
	}
	if (add_history(l->table[i], &l->rec) || keep_record(l->table[i], &l->rec, line, len))
		return ann_error_set(l->e, ANN_ERR_NOMEM, "out of memory");
	return advance(l, i, &l->rec);
}

static int
set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Starts the child with pipes to its stdin and from its stdout. */
static int
start_child(struct loop *l)
{
	int to[2] = { -1, -1 };
	int from[2] = { -1, -1 };
	int ready[2] = { -1, -1 };
	int child_errno = 0;
	ssize_t n;

	if (pipe(to) || pipe(from) || pipe(ready)) {
		ann_error_set(l->e, ANN_ERR_IO, "cannot create pipes: %s", strerror(errno));
		goto fail;
	}
	fcntl(ready[1], F_SETFD, FD_CLOEXEC);
	l->child = fork();
	if (l->child < 0) {
		ann_error_set(l->e, ANN_ERR_IO, "cannot start %s: %s", l->o->child_argv[0],
		    strerror(errno));
		goto fail;
	}
	if (l->child == 0) {
		/* A process group of its own, so a stuck pipeline can be stopped whole. */
		setpgid(0, 0);
		dup2(to[0], STDIN_FILENO);
		dup2(from[1], STDOUT_FILENO);
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		close(ready[0]);
		signal(SIGPIPE, SIG_DFL);
		execvp(l->o->child_argv[0], l->o->child_argv);
		child_errno = errno;
		n = write(ready[1], &child_errno, sizeof child_errno);
		(void)n;
		_exit(127);
	}

	close(to[0]);
	close(from[1]);
	close(ready[1]);
	/* The ready pipe closes on exec; a failed exec sends its errno first. */
	n = read(ready[0], &child_errno, sizeof child_errno);
	close(ready[0]);
	if (n == (ssize_t)sizeof child_errno) {
		waitpid(l->child, NULL, 0);
		l->child = -1;
		close(to[1]);
		close(from[0]);
		return ann_error_set(l->e, ANN_ERR_CONFIG, "cannot run %s: %s", l->o->child_argv[0],
		    strerror(child_errno));
	}
	l->child_in = to[1];
	l->child_out = from[0];
	fcntl(l->child_in, F_SETFD, FD_CLOEXEC);
	fcntl(l->child_out, F_SETFD, FD_CLOEXEC);
	if (set_nonblocking(l->child_in) || set_nonblocking(l->child_out))
		return ann_error_set(l->e, ANN_ERR_IO, "cannot set up pipes: %s", strerror(errno));
	return ANN_OK;

fail:
	if (to[0] >= 0) {
		close(to[0]);
		close(to[1]);
	}
	if (from[0] >= 0) {
		close(from[0]);
		close(from[1]);
	}
	if (ready[0] >= 0) {
		close(ready[0]);
		close(ready[1]);
	}
	return l->e->code;
}

/* Writes queued bytes to the child without blocking. */
static int
feed_child(struct loop *l)
{
	while (l->to_child_sent < l->to_child.len) {
		ssize_t n = write(l->child_in, l->to_child.data + l->to_child_sent,
		    l->to_child.len - l->to_child_sent);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return ANN_OK;
		if (n < 0) {
			/* EPIPE means the child stopped reading, and its output shows why. */
			ann_log(ANN_LOG_WARN, "writing to the retry command failed: %s", strerror(errno));
			l->child_gone = 1;
			ann_buf_reset(&l->to_child);
			l->to_child_sent = 0;
			return ANN_OK;
		}
		l->to_child_sent += (size_t)n;
	}
	ann_buf_reset(&l->to_child);
	l->to_child_sent = 0;
	return ANN_OK;
}

/* Describes the child's wait status for an error message. */
static void
describe_status(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, size, "ended");
}

/* Fails every record still in flight after the child ended. */
static int
fail_in_flight(struct loop *l)
{
	char why[64];
	char text[256];
	size_t i;
	int rc;

	if (l->in_flight == 0)
		return ANN_OK;
	if (l->child > 0 && waitpid(l->child, &l->stats->child_status, 0) == l->child)
		l->child = -1;
	describe_status(l->stats->child_status, why, sizeof why);
	snprintf(text, sizeof text, "the retry command %s before answering this record", why);
	/* A shell pipeline reports its last command's status, so 0 can hide a failure. */
	ann_log(ANN_LOG_ERROR, "the retry command %s with %zu record%s unanswered; "
	    "see its messages above", why, l->in_flight, l->in_flight == 1 ? "" : "s");
	l->stats->child_failed = 1;

	for (i = 0; i < l->table_size; i++) {
		struct flight *f = l->table[i];
		struct ann_record r;

		if (f == NULL)
			continue;
		/* The record as it last came in keeps the user's members; finish frees f after writing. */
		ann_record_init(&r);
		rc = ann_record_parse(&r, f->last.data, f->last.len, 0, l->e);
		if (rc == ANN_OK)
			rc = finish(l, i, &r, ANN_REASK_STOP_CHILD, text);
		ann_record_release(&r);
		if (rc)
			return rc;
		i = (size_t)-1; /* slots moved: scan again */
	}
	return ANN_OK;
}

/* Reads every whole line available from reader, handing each to take. */
static int
drain(struct loop *l, struct ann_jsonl_reader *reader, int *eof,
    int (*take)(struct loop *, const char *, size_t, size_t))
{
	for (;;) {
		struct ann_error why = ANN_ERROR_INIT;
		const char *line;
		size_t len, no;
		int rc = ann_jsonl_read(reader, &line, &len, &no, &why);

		if (rc == ANN_ERR_AGAIN)
			return ANN_OK;
		if (rc == ANN_ERR_EOF) {
			*eof = 1;
			return ANN_OK;
		}
		if (rc == ANN_ERR_TOO_LARGE) {
			ann_buf_reset(&l->line);
			ann_record_write_line_error(&l->line, NULL, 0, no, &why);
			if (reader == &l->in) {
				ann_log(ANN_LOG_WARN, "line %zu: %s", no, why.msg);
				l->stats->records++;
				l->stats->line_errors++;
			} else {
				l->stats->extra_lines++;
			}
			l->stats->failed_records++;
			rc = write_out(l, l->line.data, l->line.len);
		} else if (rc == ANN_OK) {
			rc = take(l, line, len, no);
		} else {
			*l->e = why;
		}
		if (rc)
			return rc;
		/* Stop taking input once the flight table is full. */
		if (reader == &l->in && l->in_flight >= l->o->max_in_flight)
			return ANN_OK;
	}
}

/*
 * Reads the child's output to its end once its input is closed, so a
 * child that prints more than it was sent cannot block on a full pipe.
 */
static int
drain_leftovers(struct loop *l)
{
	int eof = 0;
	int rc;

	while (!eof) {
		struct pollfd p = { l->child_out, POLLIN, 0 };

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return ann_error_set(l->e, ANN_ERR_IO, "poll failed: %s", strerror(errno));
		rc = drain(l, &l->from_child, &eof, take_answer);
		if (rc)
			return rc;
	}
	return ann_jsonl_flush(&l->out, l->e);
}

static int
run_loop(struct loop *l, int in_fd)
{
	int in_eof = 0;
	int child_eof = 0;
	time_t last_answer = time(NULL);
	int ready;
	int rc;

	for (;;) {
		struct pollfd p[3];
		nfds_t n = 0;
		int want_in = !in_eof && l->in_flight < l->o->max_in_flight;
		int want_feed = l->to_child.len > 0 && !l->child_gone;

		if (in_eof && l->in_flight == 0)
			break;
		if (child_eof && l->in_flight > 0) {
			l->child_gone = 1;
			rc = fail_in_flight(l);
			if (rc)
				return rc;
			continue;
		}

		if (want_in)
			p[n++] = (struct pollfd){ in_fd, POLLIN, 0 };
		if (want_feed)
			p[n++] = (struct pollfd){ l->child_in, POLLOUT, 0 };
		if (!child_eof)
			p[n++] = (struct pollfd){ l->child_out, POLLIN, 0 };
		rc = ann_jsonl_flush(&l->out, l->e);
		if (rc)
			return rc;
		ready = poll(p, n, l->in_flight > 0 && l->o->idle_timeout > 0 ?
		    (int)(l->o->idle_timeout * 1000 < 60000 ? l->o->idle_timeout * 1000 : 60000) : -1);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			return ann_error_set(l->e, ANN_ERR_IO, "poll failed: %s", strerror(errno));
		}
		if (l->in_flight == 0 || (!child_eof && (p[n - 1].revents & (POLLIN | POLLHUP))))
			last_answer = time(NULL);
		if (l->in_flight > 0 && l->o->idle_timeout > 0 && !l->child_gone &&
		    time(NULL) - last_answer >= l->o->idle_timeout) {
			/* The child has records and has written nothing, so stop it and fail them. */
			ann_log(ANN_LOG_ERROR, "the retry command returned nothing for %ld s with %zu "
			    "records inside it; stopping it", l->o->idle_timeout, l->in_flight);
			kill(-l->child, SIGKILL);
			l->child_gone = 1;
		}

		if (!child_eof && (rc = drain(l, &l->from_child, &child_eof, take_answer)) != ANN_OK)
			return rc;
		if (want_in && (rc = drain(l, &l->in, &in_eof, take_input)) != ANN_OK)
			return rc;
		if (l->to_child.len > 0 && !l->child_gone && (rc = feed_child(l)) != ANN_OK)
			return rc;
	}
	return ANN_OK;
}

/* Opens the shared budget file and logs the total it already contains. */
static int
open_budget(struct loop *l)
{
	struct ann_budget_totals t;
	double usd;
	int rc = ann_budget_open(&l->budget, l->o->budget_file, &t, l->e);

	if (rc)
		return rc;
	l->budget_on = 1;
	usd = ann_budget_usd(&t);
	ann_log(ANN_LOG_INFO, "budget file %s: %.6f USD spent in %lld calls before this run",
	    l->o->budget_file, usd, t.calls);
	if (l->o->max_cost > 0 && usd >= l->o->max_cost)
		ann_log(ANN_LOG_WARN, "budget file %s already contains %.6f USD, which spends the "
		    "--max-cost budget, so nothing will be re-asked; a new job needs a new budget "
		    "file", l->o->budget_file, usd);
	return ANN_OK;
}

int
ann_reask_run(const struct ann_reask_opts *o, int in_fd, int out_fd,
    struct ann_reask_stats *stats, struct ann_error *e)
{
	struct loop l;
	int in_flags = fcntl(in_fd, F_GETFL);
	int rc;
	size_t i;

	memset(stats, 0, sizeof *stats);
	stats->child_status = -1;
	memset(&l, 0, sizeof l);
	l.o = o;
	l.stats = stats;
	l.e = e;
	l.feedback = o->feedback ? o->feedback : ann_reask_builtin_feedback(o->japanese);
	l.child = -1;
	l.child_in = -1;
	l.child_out = -1;
	for (l.table_size = 64; l.table_size < o->max_in_flight * 2; l.table_size *= 2)
		;
	l.table = calloc(l.table_size, sizeof *l.table);
	if (l.table == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory");
	ann_record_init(&l.rec);
	ann_record_edit_init(&l.edit);
	ann_buf_init(&l.line, 0);
	ann_buf_init(&l.scratch, 0);
	ann_buf_init(&l.to_child, 0);
	ann_jsonl_writer_init(&l.out, out_fd, 0);
	ann_jsonl_reader_init(&l.in, in_fd, 0);

	/* Check the template before starting anything. */
	ann_buf_reset(&l.scratch);
	rc = ann_reask_feedback(l.feedback, NULL, &l.scratch, e);
	if (rc) {
		ann_error_prefix(e, "invalid feedback template");
		rc = ANN_ERR_CONFIG;
		e->code = rc;
		goto out;
	}
	if (o->budget_file) {
		rc = open_budget(&l);
		if (rc)
			goto out;
	}
	rc = start_child(&l);
	if (rc)
		goto out;
	ann_jsonl_reader_init(&l.from_child, l.child_out, 0);
	l.from_child.name = "the command's output";
	if (in_flags >= 0)
		fcntl(in_fd, F_SETFL, in_flags | O_NONBLOCK);

	rc = run_loop(&l, in_fd);
	if (rc == ANN_OK)
		rc = ann_jsonl_flush(&l.out, e);

out:
	if (in_flags >= 0)
		fcntl(in_fd, F_SETFL, in_flags);
	if (l.child_in >= 0)
		close(l.child_in);
	if (rc == ANN_OK && l.child_out >= 0)
		rc = drain_leftovers(&l);
	if (l.child > 0) {
		/* Nothing is in flight: whatever the child still prints is not ours. */
		if (rc != ANN_OK)
			kill(l.child, SIGTERM);
		waitpid(l.child, &stats->child_status, 0);
		if (rc == ANN_OK && !(WIFEXITED(stats->child_status) &&
		    WEXITSTATUS(stats->child_status) <= 1)) {
			char why[64];
			describe_status(stats->child_status, why, sizeof why);
			ann_log(ANN_LOG_WARN, "the retry command %s", why);
		}
	}
	if (l.child_out >= 0)
		close(l.child_out);
	/* Every record is out; the run still failed if the budget file did. */
	if (rc == ANN_OK && l.budget_failure.code != ANN_OK) {
		*e = l.budget_failure;
		rc = e->code;
	}
	if (l.budget_on)
		ann_budget_close(&l.budget);
	stats->broken_pipe = l.out.broken_pipe;
	for (i = 0; i < l.table_size; i++)
		flight_free(l.table[i]);
	free(l.table);
	ann_record_release(&l.rec);
	ann_record_edit_release(&l.edit);
	ann_buf_release(&l.line);
	ann_buf_release(&l.scratch);
	ann_buf_release(&l.to_child);
	ann_jsonl_writer_release(&l.out);
	ann_jsonl_reader_release(&l.in);
	ann_jsonl_reader_release(&l.from_child);
	return rc;
}
