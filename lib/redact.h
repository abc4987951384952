/*
 * Redaction of credentials in dry-run and verbose output.
 *
 * Header values that carry a credential are replaced by "[redacted]":
 * Authorization, Proxy-Authorization, X-Amz-Security-Token, X-Api-Key,
 * Cookie and Set-Cookie. An AWS4-HMAC-SHA256 Authorization value keeps the
 * parts useful for debugging: the algorithm, the credential scope and
 * SignedHeaders. Its access key id and signature are replaced. A "Bearer"
 * value keeps only the word Bearer.
 *
 * ann_redact_text replaces, in free text, every occurrence of the given
 * secret strings and any token that follows "Bearer " or "Signature=".
 */
#ifndef ANN_REDACT_H
#define ANN_REDACT_H

#include <stddef.h>

#include "buf.h"

#define ANN_REDACTED "[redacted]"

/* Returns 1 when a header named name (any case) carries a credential. */
int ann_redact_is_secret_header(const char *name);

/* Appends the value of header name to out, redacted when it is secret. */
int ann_redact_header_value(struct ann_buf *out, const char *name, const char *value);

/*
 * Appends n bytes of text to out with credentials replaced. secrets is a
 * NULL-terminated list (may be NULL); entries shorter than 4 bytes are
 * ignored, because replacing them would mangle ordinary text.
 */
int ann_redact_text(struct ann_buf *out, const char *text, size_t n,
    const char *const *secrets);

#endif
