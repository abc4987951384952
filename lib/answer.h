/*
 * The answer in a model's reply: how generation stopped, and the JSON
 * value in a text reply.
 *
 * Stop reasons come from three vocabularies (Bedrock Converse stopReason,
 * Anthropic Messages stop_reason, OpenAI finish_reason); each maps to one
 * outcome. A reply cut off by the token limit or withheld by the model or
 * a filter is never an answer, so callers check the outcome before they
 * look for JSON in the text.
 *
 * JSON in text, in order of preference:
 *   1. a fenced block (``` or ```json, any case) whose content, after
 *      leading whitespace, is one JSON object or array followed by only
 *      whitespace and the closing fence; text after the closing fence is
 *      ignored, and fenced blocks labelled with another language are
 *      skipped;
 *   2. otherwise an object or array that ends the text (only whitespace
 *      may follow it), after any prose: the first '{' or '[' from which
 *      such a value parses.
 * The end of a value is where the value ends as JSON (strings included),
 * never the next fence marker, so a string holding ``` stays whole. Every
 * candidate is checked by the strict scanner, so what is returned is valid
 * JSON that can be copied into a record byte for byte.
 */
#ifndef ANN_ANSWER_H
#define ANN_ANSWER_H

#include <stddef.h>

#include "err.h"
#include "jspan.h"

enum ann_stop {
	ANN_STOP_DONE,      /* end_turn, tool_use, stop_sequence, stop, tool_calls */
	ANN_STOP_TRUNCATED, /* max_tokens, length, model_context_window_exceeded */
	ANN_STOP_REFUSED,   /* refusal, content_filtered, guardrail_intervened, content_filter */
	ANN_STOP_MALFORMED, /* malformed_model_output, malformed_tool_use */
};

/* Maps a provider's stop reason to an outcome; NULL and unknown reasons
 * map to ANN_STOP_DONE, so the text is still examined. */
enum ann_stop ann_answer_stop(const char *reason);

/* Returns the error kind for a stop outcome other than ANN_STOP_DONE
 * ("truncated", "refused", "malformed"), or NULL. */
const char *ann_answer_stop_kind(enum ann_stop stop);

/* Finds the JSON answer in text[0..n) by the rules above. Returns ANN_OK
 * with the value's span, or ANN_ERR_NOT_FOUND. */
int ann_answer_find_json(const char *text, size_t n, struct ann_jspan *out);

#endif
