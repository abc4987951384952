#include "strtab.h"

#include <stdlib.h>
#include <string.h>

void
ann_strtab_init(struct ann_strtab *t)
{
	ann_buf_init(&t->bytes, SIZE_MAX / 2);
	t->v = NULL;
	t->n = 0;
	t->cap = 0;
	t->slots = NULL;
	t->n_slots = 0;
}

void
ann_strtab_release(struct ann_strtab *t)
{
	ann_buf_release(&t->bytes);
	free(t->v);
	free(t->slots);
	ann_strtab_init(t);
}

/*
 * FNV-1a, 32 bits: fast and simple.
 * NOTE: keys crafted to collide slow the table down; ids come from the user's own data.
 */
static uint32_t
hash_bytes(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static size_t
find_slot(const struct ann_strtab *t, const char *s, size_t len, uint32_t h)
{
	size_t mask = t->n_slots - 1;
	size_t i = h & mask;

	for (;;) {
		uint32_t k = t->slots[i];
		const struct ann_strtab_entry *en;

		if (k == 0)
			return i;
		en = &t->v[k - 1];
		if (en->hash == h && en->len == len && memcmp(t->bytes.data + en->off, s, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

static int
rehash(struct ann_strtab *t)
{
	size_t n_slots = t->n_slots ? t->n_slots * 2 : 1024;
	uint32_t *slots = calloc(n_slots, sizeof *slots);
	size_t i;

	if (slots == NULL)
		return ANN_ERR_NOMEM;
	free(t->slots);
	t->slots = slots;
	t->n_slots = n_slots;
	for (i = 0; i < t->n; i++) {
		size_t mask = n_slots - 1;
		size_t j = t->v[i].hash & mask;

		while (slots[j] != 0)
			j = (j + 1) & mask;
		slots[j] = (uint32_t)(i + 1);
	}
	return ANN_OK;
}

long
ann_strtab_find(const struct ann_strtab *t, const char *s, size_t len)
{
	size_t slot;

	if (t->n_slots == 0 || len > UINT32_MAX)
		return -1;
	slot = find_slot(t, s, len, hash_bytes(s, len));
	return t->slots[slot] ? (long)t->slots[slot] - 1 : -1;
}

int
ann_strtab_intern(struct ann_strtab *t, const char *s, size_t len,
    size_t *index, int *added)
{
	uint32_t h = hash_bytes(s, len);
	size_t slot;
	int rc;

	if (added)
		*added = 0;
	if (len > UINT32_MAX)
		return ANN_ERR_TOO_LARGE;
	if (t->n_slots == 0) {
		rc = rehash(t);
		if (rc)
			return rc;
	}
	slot = find_slot(t, s, len, h);
	if (t->slots[slot]) {
		*index = t->slots[slot] - 1;
		return ANN_OK;
	}

	if (t->n == ANN_STRTAB_MAX)
		return ANN_ERR_TOO_LARGE;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct ann_strtab_entry *v = realloc(t->v, cap * sizeof *v);

		if (v == NULL)
			return ANN_ERR_NOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].off = t->bytes.len;
	t->v[t->n].len = (uint32_t)len;
	t->v[t->n].hash = h;
	rc = ann_buf_add(&t->bytes, s, len);
	if (rc == ANN_OK)
		rc = ann_buf_addc(&t->bytes, '\0');
	if (rc)
		return rc;
	t->n++;
	*index = t->n - 1;
	if (added)
		*added = 1;

	/* Keep the load at or below one half so probes stay short. */
	if (t->n * 2 > t->n_slots)
		return rehash(t);
	t->slots[slot] = (uint32_t)t->n;
	return ANN_OK;
}

const char *
ann_strtab_str(const struct ann_strtab *t, size_t i, size_t *len)
{
	if (len)
		*len = t->v[i].len;
	return t->bytes.data + t->v[i].off;
}
