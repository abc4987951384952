#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "pricing.h"

static char path[] = "/tmp/ann-pricing-test.XXXXXX";

static void
write_table(const char *text)
{
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void
remove_table(void)
{
	unlink(path);
	strcpy(path, "/tmp/ann-pricing-test.XXXXXX");
}

static void
longest_key_wins(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_price p;

	write_table("{\"models\":{\"claude\":{\"input\":9},\"claude-haiku-4-5\":{\"input\":1,"
	    "\"output\":5}}}");
	CHECK_INT(ANN_OK, ann_pricing_lookup(path, "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
	    &p, &e));
	CHECK_STR("claude-haiku-4-5", p.key);
	CHECK(p.input == 1);
	CHECK(p.output == 5);
	CHECK_INT(ANN_ERR_NOT_FOUND, ann_pricing_lookup(path, "gpt-4o", &p, &e));
	remove_table();
}

static void
batch_discount_from_table_or_model(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_price p;

	write_table("{\"batch_discount\":0.5,\"models\":{"
	    "\"haiku\":{\"input\":1,\"output\":5,\"cache_read\":0.1,\"cache_write\":1.25},"
	    "\"sonnet\":{\"input\":3,\"output\":15,\"batch_discount\":0.25}}}");
	CHECK_INT(ANN_OK, ann_pricing_lookup(path, "claude-haiku", &p, &e));
	CHECK(p.batch_discount == 0.5);
	CHECK_INT(0, p.batch);
	CHECK_INT(1, ann_price_apply_batch(&p));
	CHECK(p.input == 0.5);
	CHECK(p.output == 2.5);
	CHECK(p.cache_read == 0.05);
	CHECK(p.cache_write == 0.625);
	/* Applying twice does not discount twice. */
	CHECK_INT(1, ann_price_apply_batch(&p));
	CHECK(p.input == 0.5);
	CHECK(fabs(ann_price_cost(&p, 1000000, 1000000, 0, 0) - 3.0) < 1e-12);

	/* A model's own discount wins over the table's. */
	CHECK_INT(ANN_OK, ann_pricing_lookup(path, "claude-sonnet", &p, &e));
	CHECK(p.batch_discount == 0.25);
	CHECK_INT(1, ann_price_apply_batch(&p));
	CHECK(p.input == 2.25);
	CHECK(p.output == 11.25);
	remove_table();
}

static void
batch_discount_absent_or_invalid(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_price p;

	write_table("{\"models\":{\"haiku\":{\"input\":1,\"output\":5}}}");
	CHECK_INT(ANN_OK, ann_pricing_lookup(path, "haiku", &p, &e));
	CHECK(p.batch_discount < 0);
	CHECK_INT(0, ann_price_apply_batch(&p));
	CHECK(p.input == 1);
	CHECK(p.output == 5);
	remove_table();

	write_table("{\"batch_discount\":1.5,\"models\":{\"haiku\":{\"input\":1}}}");
	CHECK_INT(ANN_ERR_CONFIG, ann_pricing_lookup(path, "haiku", &p, &e));
	CHECK(strstr(e.msg, "batch_discount") != NULL);
	remove_table();

	write_table("{\"models\":{\"haiku\":{\"input\":1,\"batch_discount\":\"half\"}}}");
	CHECK_INT(ANN_ERR_CONFIG, ann_pricing_lookup(path, "haiku", &p, &e));
	remove_table();
}

ANN_TEST_MAIN(
	ANN_TEST(longest_key_wins),
	ANN_TEST(batch_discount_from_table_or_model),
	ANN_TEST(batch_discount_absent_or_invalid),
)
