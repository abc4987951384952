/* The pure steps of a re-ask round: what a record needs, the next request, the feedback. */
#include "reask.h"

#include <string.h>

#include "ground.h"
#include "mustache.h"
#include "rules.h"

extern const char ann_reask_feedback_en[];
extern const char ann_reask_feedback_ja[];

/* Error kinds that a new request may fix: the invoker's retries ran out,
 * or a batch job's output held no answer for the record. */
static const char *const transient_kinds[] = {
	"throttled", "timeout", "server", "network", "unanswered",
};

enum ann_reask_need
ann_reask_classify(const struct ann_record *r)
{
	enum ann_reask_need need = ANN_REASK_NONE;
	cJSON *member;
	const cJSON *field;
	size_t i;

	if (ann_record_get(r, "error") != NULL) {
		member = ann_record_parse_member(r, "error");
		field = cJSON_GetObjectItemCaseSensitive(member, "kind");
		if (cJSON_IsString(field)) {
			for (i = 0; i < sizeof transient_kinds / sizeof transient_kinds[0]; i++)
				if (strcmp(field->valuestring, transient_kinds[i]) == 0)
					need = ANN_REASK_AGAIN;
			if (strcmp(field->valuestring, "truncated") == 0)
				need = ANN_REASK_LONGER;
		}
		cJSON_Delete(member);
		return need;
	}

	member = ann_record_parse_member(r, "validation");
	field = cJSON_GetObjectItemCaseSensitive(member, "valid");
	if (cJSON_IsFalse(field))
		need = ANN_REASK_FEEDBACK;
	cJSON_Delete(member);
	return need;
}

/* Returns 1 when error, one of validation.errors, comes from grounding or a rule. */
static int
is_check_error(const cJSON *error)
{
	const cJSON *keyword = cJSON_GetObjectItemCaseSensitive(error, "keywordLocation");
	const char *k = cJSON_GetStringValue(keyword);

	if (k == NULL)
		return 0;
	return strcmp(k, ANN_GROUND_KEYWORD) == 0 ||
	    strncmp(k, ANN_RULES_KEYWORD, strlen(ANN_RULES_KEYWORD)) == 0;
}

enum ann_reask_rank
ann_reask_rank(const struct ann_record *r)
{
	enum ann_reask_rank rank = ANN_REASK_RANK_NONE;
	cJSON *validation;
	const cJSON *valid, *errors, *error;

	if (ann_record_get(r, "error") != NULL)
		return ANN_REASK_RANK_NONE;
	validation = ann_record_parse_member(r, "validation");
	valid = cJSON_GetObjectItemCaseSensitive(validation, "valid");
	errors = cJSON_GetObjectItemCaseSensitive(validation, "errors");
	if (cJSON_IsTrue(valid)) {
		rank = ANN_REASK_RANK_VALID;
	} else if (cJSON_IsFalse(valid)) {
		/* Only grounding and rule errors, at least one: the schema passed. */
		rank = cJSON_GetArraySize(errors) > 0 ? ANN_REASK_RANK_CHECKS : ANN_REASK_RANK_INVALID;
		cJSON_ArrayForEach(error, errors) {
			if (!is_check_error(error))
				rank = ANN_REASK_RANK_INVALID;
		}
	}
	cJSON_Delete(validation);
	return rank;
}

/* Appends {"role": role, "content": [part]} to messages; takes part. */
static int
add_turn(cJSON *messages, const char *role, cJSON *part)
{
	cJSON *turn = cJSON_CreateObject();
	cJSON *content = cJSON_CreateArray();

	if (turn == NULL || content == NULL || part == NULL ||
	    !cJSON_AddItemToObject(turn, "content", content)) {
		cJSON_Delete(turn);
		cJSON_Delete(content);
		cJSON_Delete(part);
		return ANN_ERR_NOMEM;
	}
	if (!cJSON_AddItemToArray(content, part) ||
	    cJSON_AddStringToObject(turn, "role", role) == NULL ||
	    !cJSON_AddItemToArray(messages, turn)) {
		cJSON_Delete(turn);
		return ANN_ERR_NOMEM;
	}
	return ANN_OK;
}

/* Returns {"type": type, key: value}; takes value. */
static cJSON *
make_part(const char *type, const char *key, cJSON *value)
{
	cJSON *part = cJSON_CreateObject();

	if (part == NULL || value == NULL || cJSON_AddStringToObject(part, "type", type) == NULL ||
	    !cJSON_AddItemToObject(part, key, value)) {
		cJSON_Delete(part);
		cJSON_Delete(value);
		return NULL;
	}
	return part;
}

long
ann_reask_grow_tokens(const cJSON *request, long current, long cap)
{
	const cJSON *max_tokens = cJSON_GetObjectItemCaseSensitive(request, "max_tokens");
	double grown;

	if (current > 0)
		grown = 2.0 * (double)current;
	else if (cJSON_IsNumber(max_tokens))
		grown = 2.0 * max_tokens->valuedouble;
	else
		grown = 8192;
	return grown > (double)cap ? cap : (long)grown;
}

cJSON *
ann_reask_next_request(const cJSON *original, enum ann_reask_need need,
    const cJSON *output, const char *feedback_text, long max_tokens)
{
	cJSON *req = cJSON_Duplicate(original, 1);
	cJSON *messages;

	if (req == NULL)
		return NULL;

	if (max_tokens > 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(req, "max_tokens");
		if (cJSON_AddNumberToObject(req, "max_tokens", (double)max_tokens) == NULL)
			goto fail;
	}

	if (need == ANN_REASK_FEEDBACK) {
		messages = cJSON_GetObjectItemCaseSensitive(req, "messages");
		if (!cJSON_IsArray(messages)) {
			cJSON_DeleteItemFromObjectCaseSensitive(req, "messages");
			messages = cJSON_AddArrayToObject(req, "messages");
		}
		if (messages == NULL)
			goto fail;
		if (add_turn(messages, "assistant", output != NULL ?
			make_part("json", "json", cJSON_Duplicate(output, 1)) :
			make_part("text", "text", cJSON_CreateString("(no answer)"))))
			goto fail;
		if (add_turn(messages, "user",
			make_part("text", "text", cJSON_CreateString(feedback_text))))
			goto fail;
	}
	return req;

fail:
	cJSON_Delete(req);
	return NULL;
}

/* Builds the data the feedback template sees from the validation errors. */
static cJSON *
feedback_data(const cJSON *errors)
{
	cJSON *data = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(data, "errors");
	const cJSON *item;
	int count = 0;

	if (data == NULL || list == NULL) {
		cJSON_Delete(data);
		return NULL;
	}
	cJSON_ArrayForEach(item, errors) {
		const cJSON *where = cJSON_GetObjectItemCaseSensitive(item, "instanceLocation");
		const cJSON *keyword = cJSON_GetObjectItemCaseSensitive(item, "keywordLocation");
		const cJSON *message = cJSON_GetObjectItemCaseSensitive(item, "error");
		cJSON *entry = cJSON_CreateObject();
		const char *location = cJSON_IsString(where) ? where->valuestring : "";

		if (entry == NULL || !cJSON_AddItemToArray(list, entry)) {
			cJSON_Delete(entry);
			cJSON_Delete(data);
			return NULL;
		}
		cJSON_AddStringToObject(entry, "location", location[0] ? location : "/");
		cJSON_AddStringToObject(entry, "keyword", cJSON_IsString(keyword) ? keyword->valuestring : "");
		cJSON_AddStringToObject(entry, "message", cJSON_IsString(message) ?
		    message->valuestring : "invalid value");
		count++;
	}
	cJSON_AddNumberToObject(data, "count", count);
	cJSON_AddBoolToObject(data, "one", count == 1);
	return data;
}

int
ann_reask_feedback(const char *template_text, const cJSON *errors, struct ann_buf *out,
    struct ann_error *e)
{
	struct ann_mustache *t = NULL;
	cJSON *data = NULL;
	int rc;

	if (template_text == NULL)
		template_text = ann_reask_feedback_en;
	rc = ann_mustache_compile(&t, template_text, strlen(template_text), "feedback template", 1, e);
	if (rc)
		return rc;
	data = feedback_data(errors);
	if (data == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "out of memory building feedback");
		goto out;
	}
	rc = ann_mustache_render(t, NULL, (const cJSON *const *)&data, 1, 0, out, e);

out:
	cJSON_Delete(data);
	ann_mustache_free(t);
	return rc;
}

const char *
ann_reask_stop_name(enum ann_reask_stop stop)
{
	switch (stop) {
	case ANN_REASK_STOP_VALID: return "valid";
	case ANN_REASK_STOP_FINAL: return "final";
	case ANN_REASK_STOP_ROUNDS: return "max_rounds";
	case ANN_REASK_STOP_REPEATED: return "repeated_errors";
	case ANN_REASK_STOP_BUDGET: return "budget";
	case ANN_REASK_STOP_CHILD: return "child_failed";
	}
	return "unknown";
}

void
ann_reask_opts_init(struct ann_reask_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_rounds = 3;
	o->max_tokens_cap = 32768;
	o->max_in_flight = 256;
	o->idle_timeout = 1800;
}

const char *
ann_reask_builtin_feedback(int japanese)
{
	return japanese ? ann_reask_feedback_ja : ann_reask_feedback_en;
}
