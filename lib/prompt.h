/*
 * Model requests from records, prompt templates and a JSON Schema.
 *
 * Steps for a caller (cmd/ann-prompt.c is the model):
 *   1. fill struct ann_prompt_opts (ann_prompt_opts_init sets defaults);
 *   2. ann_prompt_new() loads the schema, the template and the examples;
 *      any failure there is a usage error (bad file, template syntax);
 *   3. ann_prompt_run() reads JSONL records and writes each one once,
 *      with a "request" member or with an "error" member;
 *   4. ann_prompt_free().
 *
 * The request member is provider-neutral; doc/request.md describes it and
 * schemas/request.schema.json is its JSON Schema.
 *
 * Template files hold parts introduced by marker lines: "--- system",
 * "--- user" and "--- partial NAME". A file without markers is the user
 * part alone. Each part is a Mustache template (see mustache.h) rendered
 * over the record, with the prompt's own values under the name "ann"
 * (ann.schema, ann.field_list, ...; doc/ann-prompt.1 lists them).
 */
#ifndef ANN_PROMPT_H
#define ANN_PROMPT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "record.h"
#include "shard.h"

enum ann_prompt_lang {
	ANN_PROMPT_EN,
	ANN_PROMPT_JA,
};

enum ann_prompt_answer {
	ANN_PROMPT_ANSWER_TOOL, /* the schema is a tool's input schema; the tool is forced */
	ANN_PROMPT_ANSWER_JSON, /* the schema is in the prompt; JSON comes back as text */
	ANN_PROMPT_ANSWER_STRUCTURED, /* the provider constrains the text answer to the schema */
};

enum ann_prompt_pdf_read {
	ANN_PROMPT_PDF_VISUAL, /* page images and text */
	ANN_PROMPT_PDF_TEXT,   /* extracted text only */
};

enum ann_prompt_format {
	ANN_PROMPT_FORMAT_RECORDS,       /* each record with a request or error member */
	ANN_PROMPT_FORMAT_BEDROCK_BATCH, /* {"recordId","modelInput"} lines; errors to reject_fd */
};

/* recordId limits that --format bedrock-batch enforces; see batch_id_problem. */
#define ANN_PROMPT_BATCH_ID_MAX 128

#define ANN_PROMPT_MAX_STOP 16
#define ANN_PROMPT_MAX_ATTACH_MEMBERS 16
#define ANN_PROMPT_DEFAULT_MAX_TOKENS 4096
#define ANN_PROMPT_DEFAULT_TOOL "extract_fields"

struct ann_prompt_opts {
	const char *schema_path;
	const char *template_path;  /* NULL: the built-in template for lang */
	const char *examples_path;  /* NULL: no few-shot examples */
	const char *root;           /* attachments resolve under it; NULL: "." */
	const char *tool_name;      /* NULL: ANN_PROMPT_DEFAULT_TOOL */
	enum ann_prompt_lang lang;
	enum ann_prompt_answer answer;
	enum ann_prompt_pdf_read pdf_read;
	long max_tokens;
	double temperature;
	int has_temperature;
	const char *stop[ANN_PROMPT_MAX_STOP];
	size_t n_stop;
	const char *attach_members[ANN_PROMPT_MAX_ATTACH_MEMBERS]; /* none: defaults */
	size_t n_attach_members;
	int attach_refs;            /* 1: name files by path instead of embedding them */
	int cache_prefix;           /* 1: ask for the shared prefix to be cached */
	int examples_in_prompt;     /* 1: examples go to ann.examples, not to turns */
	int html_escape;            /* 1: HTML-escape {{name}} values */
	int flush_each;             /* 1: write each output record at once */
	enum ann_prompt_format format;
	int reject_fd;              /* bedrock-batch: error records go here */
	struct ann_shard shard;     /* count 0: every record; else shard index of count */
};

struct ann_prompt;

void ann_prompt_opts_init(struct ann_prompt_opts *o);

/*
 * Loads everything the options name; the strings in o must outlive *out.
 * Every error is a usage error (unreadable file, invalid schema, template
 * syntax naming the template line) except ANN_ERR_NOMEM.
 */
int ann_prompt_new(struct ann_prompt **out, const struct ann_prompt_opts *o,
    struct ann_error *e);
void ann_prompt_free(struct ann_prompt *p);

/*
 * Builds the request for one record into *request (owned by the caller).
 * A failure is a record-level error: the message names the member or file
 * and the reason.
 */
int ann_prompt_build(struct ann_prompt *p, const struct ann_record *r, cJSON **request,
    struct ann_error *e);

struct ann_prompt_stats {
	size_t records;     /* records read in the shard, line errors included */
	size_t errors;      /* records written with an error member */
	int broken_pipe;    /* 1 when the reader of the output went away */
};

/*
 * Reads records from in_fd and writes each to out_fd once, with a request
 * or an error member. A record that arrives with an error member passes
 * through unchanged (and counts as an error). With a shard set, only the
 * lines of that shard are read further (shard.h defines the split); the
 * others are not written, logged or counted. With the bedrock-batch
 * format, out_fd gets one batch input line per good record and every
 * error record goes to o.reject_fd instead. Returns 0, or ANN_ERR_IO or
 * ANN_ERR_NOMEM when the stream itself fails.
 */
int ann_prompt_run(struct ann_prompt *p, int in_fd, int out_fd,
    struct ann_prompt_stats *stats, struct ann_error *e);

/*
 * Returns the built-in template text for lang (a static string), which the
 * build embeds from share/templates/default.en.tmpl or default.ja.tmpl.
 */
const char *ann_prompt_builtin_template(enum ann_prompt_lang lang);

#endif
