#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "ratelimit.h"

#define NEAR(expected, actual) CHECK(fabs((expected) - (actual)) < 1e-6)

static void
bucket_arithmetic(void)
{
	struct ann_bucket b;

	ann_bucket_init(&b, 60);
	NEAR(60, b.capacity);
	NEAR(1, b.rate);
	NEAR(0, ann_bucket_wait(&b, 60));
	ann_bucket_take(&b, 60);
	NEAR(1, ann_bucket_wait(&b, 1));
	ann_bucket_refill(&b, 0.25);
	NEAR(0.75, ann_bucket_wait(&b, 1));
	ann_bucket_refill(&b, 1000);
	NEAR(60, b.level);
	/* A clock stepping back adds nothing. */
	ann_bucket_refill(&b, -5);
	NEAR(60, b.level);
}

static void
oversized_request_waits_for_full_bucket(void)
{
	struct ann_bucket b;

	ann_bucket_init(&b, 120);
	NEAR(0, ann_bucket_wait(&b, 500));
	ann_bucket_take(&b, 500);
	NEAR(-380, b.level);
	/* 500 tokens at 2 a second: back to full after 250 s. */
	NEAR(250, ann_bucket_wait(&b, 500));
}

static void
no_limit_never_waits(void)
{
	struct ann_bucket b;

	ann_bucket_init(&b, 0);
	ann_bucket_take(&b, 1e9);
	NEAR(0, ann_bucket_wait(&b, 1e9));
}

static void
reserve_then_settle(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_ratelimit rl;
	double wait = -1;

	CHECK_INT(ANN_OK, ann_ratelimit_open(&rl, 0, 120, NULL, 1000.0, &e));
	CHECK_INT(ANN_OK, ann_ratelimit_reserve(&rl, 1000.0, 100, &wait, &e));
	NEAR(0, wait);
	CHECK_INT(ANN_OK, ann_ratelimit_reserve(&rl, 1000.0, 100, &wait, &e));
	NEAR(40, wait);
	/* The reply used 30 of the 100 reserved: 70 come back. */
	CHECK_INT(ANN_OK, ann_ratelimit_settle(&rl, 1000.0, 100, 30, &e));
	CHECK_INT(ANN_OK, ann_ratelimit_reserve(&rl, 1000.0, 100, &wait, &e));
	NEAR(5, wait);
	CHECK_INT(ANN_OK, ann_ratelimit_reserve(&rl, 1005.0, 100, &wait, &e));
	NEAR(0, wait);
	NEAR(0, rl.tokens.level);
	ann_ratelimit_close(&rl);
}

static void
requests_per_minute(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_ratelimit rl;
	double wait = -1;
	int i;

	CHECK_INT(ANN_OK, ann_ratelimit_open(&rl, 6, 0, NULL, 0.0, &e));
	for (i = 0; i < 6; i++) {
		CHECK_INT(ANN_OK, ann_ratelimit_reserve(&rl, 0.0, 1e6, &wait, &e));
		NEAR(0, wait);
	}
	CHECK_INT(ANN_OK, ann_ratelimit_reserve(&rl, 0.0, 1, &wait, &e));
	NEAR(10, wait);
	CHECK_INT(ANN_OK, ann_ratelimit_reserve(&rl, 10.0, 1, &wait, &e));
	NEAR(0, wait);
	ann_ratelimit_close(&rl);
}

static void
rate_group_is_shared(void)
{
	char dir[] = "/tmp/ann-rate-test.XXXXXX";
	char path[256];
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_ratelimit a, b;
	double wait = -1;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/group", dir);
	CHECK_INT(ANN_OK, ann_ratelimit_open(&a, 2, 0, path, 50.0, &e));
	CHECK_INT(ANN_OK, ann_ratelimit_open(&b, 2, 0, path, 50.0, &e));
	CHECK_INT(ANN_OK, ann_ratelimit_reserve(&a, 50.0, 0, &wait, &e));
	NEAR(0, wait);
	CHECK_INT(ANN_OK, ann_ratelimit_reserve(&b, 50.0, 0, &wait, &e));
	NEAR(0, wait);
	/* Two requests a minute between both processes: the third waits 30 s. */
	CHECK_INT(ANN_OK, ann_ratelimit_reserve(&a, 50.0, 0, &wait, &e));
	NEAR(30, wait);
	CHECK_INT(ANN_OK, ann_ratelimit_reserve(&b, 65.0, 0, &wait, &e));
	NEAR(15, wait);
	ann_ratelimit_close(&a);
	ann_ratelimit_close(&b);
	unlink(path);
	rmdir(dir);
}

static void
rate_group_name_uses_directory(void)
{
	char dir[] = "/tmp/ann-rate-test.XXXXXX";
	char path[256];
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_ratelimit a;
	double wait = -1;

	CHECK(mkdtemp(dir) != NULL);
	setenv("ANN_RATE_DIR", dir, 1);
	CHECK_INT(ANN_OK, ann_ratelimit_open(&a, 60, 0, "team", 0.0, &e));
	CHECK_INT(ANN_OK, ann_ratelimit_reserve(&a, 0.0, 0, &wait, &e));
	snprintf(path, sizeof path, "%s/ann-rate-team", dir);
	CHECK_INT(0, access(path, R_OK));
	ann_ratelimit_close(&a);
	unsetenv("ANN_RATE_DIR");
	unlink(path);
	rmdir(dir);
}

ANN_TEST_MAIN(
	ANN_TEST(bucket_arithmetic),
	ANN_TEST(oversized_request_waits_for_full_bucket),
	ANN_TEST(no_limit_never_waits),
	ANN_TEST(reserve_then_settle),
	ANN_TEST(requests_per_minute),
	ANN_TEST(rate_group_is_shared),
	ANN_TEST(rate_group_name_uses_directory),
)
