#include "mock_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An open-addressing table of call counts by request key. */
struct key_slot {
	char *key;
	uint64_t calls;
};

struct mock_stats {
	pthread_mutex_t lock;
	struct key_slot *slots;
	size_t nslots; /* a power of two */
	size_t nkeys;
	uint64_t calls;
	uint64_t by_api[MOCK_API_COUNT];
	uint64_t by_status[600];
	uint64_t faults[ANN_MOCK_FAULT_COUNT];
	uint64_t quota_rpm, quota_tpm;
	uint64_t mistakes[ANN_MOCK_MISTAKE_COUNT];
	uint64_t mistakes_not_applicable;
	uint64_t reasks, reasks_fixed;
	uint64_t auth_rejected;
	uint64_t tokens_in, tokens_out;
};

static const char *const api_names[MOCK_API_COUNT] = {
	"converse", "invoke", "anthropic_messages", "openai_chat",
};

uint64_t
mock_hash64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int
mock_stats_new(struct mock_stats **out)
{
	struct mock_stats *s = calloc(1, sizeof *s);

	*out = NULL;
	if (s == NULL)
		return ANN_ERR_NOMEM;
	s->nslots = 1024;
	s->slots = calloc(s->nslots, sizeof *s->slots);
	if (s->slots == NULL) {
		free(s);
		return ANN_ERR_NOMEM;
	}
	pthread_mutex_init(&s->lock, NULL);
	*out = s;
	return ANN_OK;
}

void
mock_stats_free(struct mock_stats *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nslots; i++)
		free(s->slots[i].key);
	free(s->slots);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static struct key_slot *
find_slot(struct key_slot *slots, size_t nslots, const char *key)
{
	size_t i = (size_t)mock_hash64(key, strlen(key)) & (nslots - 1);

	while (slots[i].key != NULL && strcmp(slots[i].key, key) != 0)
		i = (i + 1) & (nslots - 1);
	return &slots[i];
}

/* Doubles the table when it is over half full; 0 or -1 when out of memory. */
static int
grow_table(struct mock_stats *s)
{
	struct key_slot *bigger;
	size_t i, n = s->nslots * 2;

	if (s->nkeys * 2 < s->nslots)
		return 0;
	bigger = calloc(n, sizeof *bigger);
	if (bigger == NULL)
		return -1;
	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].key != NULL)
			*find_slot(bigger, n, s->slots[i].key) = s->slots[i];
	free(s->slots);
	s->slots = bigger;
	s->nslots = n;
	return 0;
}

uint64_t
mock_stats_call(struct mock_stats *s, const char *key, enum mock_api api)
{
	struct key_slot *slot;
	uint64_t before = 0;

	pthread_mutex_lock(&s->lock);
	s->calls++;
	s->by_api[api]++;
	slot = find_slot(s->slots, s->nslots, key);
	if (slot->key == NULL) {
		/* Out of memory: the call is still answered, with call number 0. */
		if (grow_table(s) < 0)
			goto done;
		slot = find_slot(s->slots, s->nslots, key);
		slot->key = strdup(key);
		if (slot->key == NULL)
			goto done;
		s->nkeys++;
	}
	before = slot->calls++;
done:
	pthread_mutex_unlock(&s->lock);
	return before;
}

void
mock_stats_status(struct mock_stats *s, int status)
{
	pthread_mutex_lock(&s->lock);
	if (status >= 0 && status < 600)
		s->by_status[status]++;
	pthread_mutex_unlock(&s->lock);
}

void
mock_stats_fault(struct mock_stats *s, enum ann_mock_fault f)
{
	pthread_mutex_lock(&s->lock);
	s->faults[f]++;
	pthread_mutex_unlock(&s->lock);
}

void
mock_stats_quota(struct mock_stats *s, enum mock_quota_verdict v)
{
	pthread_mutex_lock(&s->lock);
	if (v == MOCK_QUOTA_RPM)
		s->quota_rpm++;
	else if (v == MOCK_QUOTA_TPM)
		s->quota_tpm++;
	pthread_mutex_unlock(&s->lock);
}

void
mock_stats_mistake(struct mock_stats *s, enum ann_mock_mistake m, int applied)
{
	pthread_mutex_lock(&s->lock);
	if (applied)
		s->mistakes[m]++;
	else
		s->mistakes_not_applicable++;
	pthread_mutex_unlock(&s->lock);
}

void
mock_stats_reask(struct mock_stats *s, int fixed)
{
	pthread_mutex_lock(&s->lock);
	s->reasks++;
	if (fixed)
		s->reasks_fixed++;
	pthread_mutex_unlock(&s->lock);
}

void
mock_stats_auth_rejected(struct mock_stats *s)
{
	pthread_mutex_lock(&s->lock);
	s->auth_rejected++;
	pthread_mutex_unlock(&s->lock);
}

void
mock_stats_tokens(struct mock_stats *s, long in, long out)
{
	pthread_mutex_lock(&s->lock);
	s->tokens_in += (uint64_t)in;
	s->tokens_out += (uint64_t)out;
	pthread_mutex_unlock(&s->lock);
}

static int
compare_slots(const void *a, const void *b)
{
	const struct key_slot *x = *(const struct key_slot *const *)a;
	const struct key_slot *y = *(const struct key_slot *const *)b;

	return strcmp(x->key, y->key);
}

static int
add_counter(struct ann_buf *out, int *first, const char *name, uint64_t n)
{
	int rc;

	if (!*first && (rc = ann_buf_addc(out, ',')) < 0)
		return rc;
	*first = 0;
	if ((rc = ann_buf_add_json_string(out, name, strlen(name))) < 0)
		return rc;
	return ann_buf_addf(out, ":%llu", (unsigned long long)n);
}

/* Writes the members of the snapshot; records sorted by key. */
static int
write_json(const struct mock_stats *s, struct key_slot **sorted, struct ann_buf *out)
{
	char name[16];
	size_t i, k = 0;
	int rc = 0, first;

	rc |= ann_buf_addf(out, "{\"calls\":%llu,\"by_api\":{", (unsigned long long)s->calls);
	first = 1;
	for (i = 0; i < MOCK_API_COUNT; i++)
		rc |= add_counter(out, &first, api_names[i], s->by_api[i]);
	rc |= ann_buf_adds(out, "},\"by_record\":{");
	first = 1;
	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].key != NULL)
			sorted[k++] = &s->slots[i];
	qsort(sorted, k, sizeof *sorted, compare_slots);
	for (i = 0; i < k; i++)
		rc |= add_counter(out, &first, sorted[i]->key, sorted[i]->calls);
	rc |= ann_buf_adds(out, "},\"by_status\":{");
	first = 1;
	for (i = 0; i < 600; i++) {
		if (s->by_status[i] == 0)
			continue;
		snprintf(name, sizeof name, "%zu", i);
		rc |= add_counter(out, &first, name, s->by_status[i]);
	}
	rc |= ann_buf_adds(out, "},\"faults\":{");
	first = 1;
	for (i = 0; i < ANN_MOCK_FAULT_COUNT; i++)
		rc |= add_counter(out, &first, ann_mock_fault_name((enum ann_mock_fault)i), s->faults[i]);
	rc |= ann_buf_adds(out, "},\"quota\":{");
	first = 1;
	rc |= add_counter(out, &first, "rpm", s->quota_rpm);
	rc |= add_counter(out, &first, "tpm", s->quota_tpm);
	rc |= ann_buf_adds(out, "},\"mistakes\":{");
	first = 1;
	for (i = 0; i < ANN_MOCK_MISTAKE_COUNT; i++)
		rc |= add_counter(out, &first, ann_mock_mistake_name((enum ann_mock_mistake)i),
		    s->mistakes[i]);
	rc |= ann_buf_addf(out, "},\"mistakes_not_applicable\":%llu,"
	    "\"reasks\":%llu,\"reasks_fixed\":%llu,\"auth_rejected\":%llu,"
	    "\"tokens\":{\"input\":%llu,\"output\":%llu}}",
	    (unsigned long long)s->mistakes_not_applicable, (unsigned long long)s->reasks,
	    (unsigned long long)s->reasks_fixed, (unsigned long long)s->auth_rejected,
	    (unsigned long long)s->tokens_in, (unsigned long long)s->tokens_out);
	return rc < 0 ? ANN_ERR_NOMEM : 0;
}

int
mock_stats_json(struct mock_stats *s, struct ann_buf *out)
{
	struct key_slot **sorted;
	int rc;

	pthread_mutex_lock(&s->lock);
	sorted = malloc((s->nkeys + 1) * sizeof *sorted);
	if (sorted == NULL) {
		pthread_mutex_unlock(&s->lock);
		return ANN_ERR_NOMEM;
	}
	rc = write_json(s, sorted, out);
	pthread_mutex_unlock(&s->lock);
	free(sorted);
	return rc;
}
