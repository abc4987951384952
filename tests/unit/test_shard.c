#include <stdint.h>

#include "err.h"
#include "harness.h"
#include "shard.h"

static uint64_t
shard_of(const char *key, uint64_t count)
{
	uint64_t shard = 0;

	CHECK_INT(ANN_OK, ann_shard_of(key, strlen(key), count, &shard));
	return shard;
}

/*
 * Expected values are 1 + (first 8 bytes of SHA-256, big-endian) mod N,
 * computed independently with Python's hashlib; SHA-256("") starts with
 * e3b0c44298fc1c14.
 */
static void
shard_of_matches_sha256_prefix(void)
{
	CHECK_INT(1, (int)shard_of("", 1));
	CHECK_INT(2, (int)shard_of("", 3));
	CHECK_INT(2, (int)shard_of("", 7));
	CHECK_INT(261653, (int)shard_of("", 1000000));
	CHECK_INT(3, (int)shard_of("inv-1", 3));
	CHECK_INT(801211, (int)shard_of("inv-1", 1000000));
	CHECK_INT(2, (int)shard_of("請求書", 3));
	CHECK_INT(113313, (int)shard_of("請求書", 1000000));
}

static void
shard_parse_accepts_k_of_n(void)
{
	struct ann_shard s = { 0, 0 };

	CHECK_INT(ANN_OK, ann_shard_parse("2/3", &s));
	CHECK_INT(2, (int)s.index);
	CHECK_INT(3, (int)s.count);
	CHECK_INT(ANN_OK, ann_shard_parse("1/1", &s));
	CHECK_INT(ANN_OK, ann_shard_parse("1000000/1000000", &s));
	CHECK_INT(1000000, (int)s.count);
}

static void
shard_parse_rejects_bad_specs(void)
{
	static const char *const bad[] = {
		"", "3", "/3", "3/", "0/3", "4/3", "1/0", "-1/3", "+1/3", " 1/3", "1/3 ",
		"1//3", "a/b", "1/1000001", "99999999/99999999",
	};
	struct ann_shard s = { 0, 0 };
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (ann_shard_parse(bad[i], &s) != ANN_ERR_INVALID)
			ann_test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
	}
}

ANN_TEST_MAIN(
	ANN_TEST(shard_of_matches_sha256_prefix),
	ANN_TEST(shard_parse_accepts_k_of_n),
	ANN_TEST(shard_parse_rejects_bad_specs),
)
