/*
 * A string table: interns byte strings and numbers them in insertion order.
 *
 * ann-merge uses it for the ids of unsorted inputs and for CSV column
 * names, so memory grows with the distinct strings, not with the records.
 * Strings may contain NUL bytes (lengths are explicit). Indexes are dense,
 * 0 .. n-1 in the order the strings were first added, and stay valid for
 * the life of the table; the pointers returned by ann_strtab_str stay
 * valid only until the next ann_strtab_intern.
 *
 * Lifecycle: ann_strtab_init, then interns and lookups, then
 * ann_strtab_release. Functions return 0 or a negative enum ann_err.
 */
#ifndef ANN_STRTAB_H
#define ANN_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* At most this many strings, so an index fits in 32 bits. */
#define ANN_STRTAB_MAX ((size_t)UINT32_MAX - 1)

struct ann_strtab_entry {
	size_t off;     /* into bytes */
	uint32_t len;
	uint32_t hash;
};

struct ann_strtab {
	struct ann_buf bytes;           /* the strings, NUL after each */
	struct ann_strtab_entry *v;
	size_t n;
	size_t cap;
	uint32_t *slots;                /* open addressing: index + 1, 0 is empty */
	size_t n_slots;                 /* a power of two, at least 2 * n */
};

void ann_strtab_init(struct ann_strtab *t);
void ann_strtab_release(struct ann_strtab *t);

/*
 * Sets *index to the number of s[0..len), adding the string when it is new;
 * *added (when not NULL) is 1 when it was added. Fails with ANN_ERR_NOMEM
 * or ANN_ERR_TOO_LARGE (a string of 4 GiB or more, or too many strings).
 */
int ann_strtab_intern(struct ann_strtab *t, const char *s, size_t len,
    size_t *index, int *added);

/* Returns the index of s[0..len), or -1 when the table does not contain it. */
long ann_strtab_find(const struct ann_strtab *t, const char *s, size_t len);

/* Returns string i (NUL-terminated) and its length in *len when len is not NULL. */
const char *ann_strtab_str(const struct ann_strtab *t, size_t i, size_t *len);

#endif
