/*
 * Converting reviewers' text back to JSON values of the types a JSON
 * Schema gives: Label Studio returns every TextArea as text, and
 * ann-merge --prefer --schema turns a correction such as "73720" back into
 * the integer its field should be.
 *
 * The types the schema allows at the field's pointer are tried in a fixed
 * order, narrowest first, and the first that takes the text wins:
 *   null     "null", or a text that is empty or only white space
 *   boolean  "true" or "false"
 *   integer  a JSON number without a fractional part ("73720", "1e3", "2.0")
 *   number   a JSON number ("0.1", "-2.5e-3")
 *   object   the JSON text of an object
 *   array    the JSON text of an array
 *   string   any text, as it is (an empty text included)
 * Apart from string, the text is read after trimming ASCII white space
 * (space, tab, CR, LF) and otherwise literally: "¥73,720", "73,720", "+5",
 * ".5", "True" and full-width digits take none of the other types. A
 * number keeps the digits written, so it is exact at any size.
 *
 * Inside an object or array read from text, a string whose own types (by
 * its pointer) exclude string is converted the same way, to null, boolean
 * or a number; every other value keeps the type its JSON text gives.
 * Unless such a string converted, the value keeps the bytes of the text.
 *
 * Functions return 0 or a negative enum ann_err (ANN_ERR_NOMEM, or an
 * error of ann_schema_types_at) with *e set where they take one.
 */
#ifndef ANN_CONVERT_H
#define ANN_CONVERT_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "jsonv.h"
#include "schema.h"

enum ann_convert_status {
	ANN_CONVERT_UNTYPED, /* the schema allows every type there, or none: nothing appended */
	ANN_CONVERT_DONE,    /* out ends in a value of one of the types */
	ANN_CONVERT_TEXT,    /* no type takes the text: out ends in it as a JSON string */
	ANN_CONVERT_EMPTY,   /* the text is empty and no type takes that: nothing appended */
};

/*
 * Converts the UTF-8 text[0..len) to one of the types (enum
 * ann_schema_type bits), appending the JSON value to out. The text of an
 * object or array is appended as it is, trimmed.
 */
int ann_convert_text(const char *text, size_t len, unsigned types, struct ann_buf *out,
    enum ann_convert_status *status);

/* A text that did not convert (status ANN_CONVERT_TEXT or ANN_CONVERT_EMPTY). */
struct ann_convert_note {
	size_t pointer_off;  /* into ann_converter.note_text, NUL-terminated */
	size_t text_off;     /* into ann_converter.note_text */
	size_t text_len;
	unsigned types;
	enum ann_convert_status status;
};

/* A schema and the scratch space of conversions; notes of the last field converted. */
struct ann_converter {
	const struct ann_schema *schema; /* borrowed */
	struct ann_convert_note *notes;
	size_t n_notes;
	size_t cap_notes;
	struct ann_buf note_text;
	struct ann_jsonv_doc doc;
	struct ann_buf pointer;
	struct ann_buf value;
};

void ann_converter_init(struct ann_converter *c, const struct ann_schema *schema);
void ann_converter_release(struct ann_converter *c);

/*
 * Converts text[0..len) to the types the schema gives at pointer (a JSON
 * Pointer into an instance of the schema) and appends the value to out.
 * On ANN_CONVERT_UNTYPED the caller decides the type another way. Replaces
 * c's notes with every text that did not convert: the field's own, or
 * strings inside an object or array read from the text.
 */
int ann_convert_field(struct ann_converter *c, const char *pointer, const char *text,
    size_t len, struct ann_buf *out, enum ann_convert_status *status, struct ann_error *e);

/* Returns the pointer of note i. */
const char *ann_convert_note_pointer(const struct ann_converter *c, size_t i);

/* Returns the text of note i, its length in *len. */
const char *ann_convert_note_text(const struct ann_converter *c, size_t i, size_t *len);

/*
 * Appends the names of the type bits in the order of conversion, as a JSON
 * array (["integer","null"]) when json is set, else as text ("integer or
 * null"). "number" stands for both number bits.
 */
int ann_convert_types_add(struct ann_buf *out, unsigned types, int json);

#endif
