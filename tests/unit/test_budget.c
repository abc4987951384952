#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "budget.h"
#include "harness.h"

/* A fresh directory for one test's files; the caller removes it with cleanup_dir. */
static void
make_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/ann-budget-test.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
}

static void
cleanup_dir(const char *dir, const char *file)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, file);
	unlink(path);
	rmdir(dir);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

static void
empty_text_is_zero(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_budget_totals t = { 5, 5, 5 };

	CHECK_INT(ANN_OK, ann_budget_parse("", 0, "b", &t, &e));
	CHECK_INT(0, t.cost_nusd);
	CHECK_INT(0, t.tokens);
	CHECK_INT(0, t.calls);
}

static void
format_then_parse_round_trips(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_budget_totals t = { 12345678901LL, 987654, 42 };
	struct ann_budget_totals back;
	char text[256];
	size_t len = ann_budget_format(&t, text, sizeof text);

	CHECK_STR("ann-budget 1\ncost_usd 12.345678901\ntokens 987654\ncalls 42\n", text);
	CHECK_INT(ANN_OK, ann_budget_parse(text, len, "b", &back, &e));
	CHECK_INT(t.cost_nusd, back.cost_nusd);
	CHECK_INT(t.tokens, back.tokens);
	CHECK_INT(t.calls, back.calls);
	CHECK(fabs(ann_budget_usd(&back) - 12.345678901) < 1e-12);
}

static void
parse_accepts_short_decimals(void)
{
	static const char text[] = "ann-budget 1\ncost_usd 2.5\ntokens 0\ncalls 0";
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_budget_totals t;

	/* A hand-written file: fewer decimals, no final newline. */
	CHECK_INT(ANN_OK, ann_budget_parse(text, sizeof text - 1, "b", &t, &e));
	CHECK_INT(2500000000LL, t.cost_nusd);
}

static void
parse_rejects_corrupt_text(void)
{
	static const struct {
		const char *text;
		const char *message_start;
	} cases[] = {
		{ "ann-rate 1 1 2 3\n", "budget file /x/b line 1: expected \"ann-budget 1\"" },
		{ "ann-budget 1\ncost_usd -1\ntokens 0\ncalls 0\n",
		  "budget file /x/b line 2: expected \"cost_usd <US dollars" },
		{ "ann-budget 1\ncost_usd 0.0000000001\ntokens 0\ncalls 0\n",
		  "budget file /x/b line 2:" },
		{ "ann-budget 1\ncost_usd 1.\ntokens 0\ncalls 0\n", "budget file /x/b line 2:" },
		{ "ann-budget 1\ncost_usd 1\ntokens 9999999999999999999\ncalls 0\n",
		  "budget file /x/b line 3: expected \"tokens <a whole number>\"" },
		{ "ann-budget 1\ncost_usd 1\ntokens 1\n", "budget file /x/b line 4: expected \"calls" },
		{ "ann-budget 1\ncost_usd 1\n",
		  "budget file /x/b line 3: expected \"tokens <a whole number>\", found the end" },
		{ "ann-budget 1", "budget file /x/b line 2: expected \"cost_usd" },
		{ "ann-budget 1\ncost_usd 1\ntokens 1\ncalls 1\nmore\n",
		  "budget file /x/b line 5: expected the end of the file, found \"more?\"" },
		{ "ann-budget 1\ncost_usd 1\ntokens  1\ncalls 1\n", "budget file /x/b line 3:" },
	};
	struct ann_budget_totals t;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ann_error e = ANN_ERROR_INIT;
		size_t n = strlen(cases[i].message_start);

		CHECK_INT(ANN_ERR_INVALID, ann_budget_parse(cases[i].text, strlen(cases[i].text),
		    "/x/b", &t, &e));
		if (strncmp(e.msg, cases[i].message_start, n) != 0)
			ann_test_fail(__FILE__, __LINE__, "case %zu: message %s", i, e.msg);
	}
}

static void
open_creates_and_add_sums(void)
{
	char dir[64], path[128];
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_budget b;
	struct ann_budget_totals t;
	char *text;
	int i;

	make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/budget", dir);
	CHECK_INT(ANN_OK, ann_budget_open(&b, path, &t, &e));
	CHECK_INT(0, t.calls);
	/* Ten additions of 0.1 USD come to exactly 1 USD, unlike summing doubles. */
	for (i = 0; i < 10; i++)
		CHECK_INT(ANN_OK, ann_budget_add(&b, 0.1, 150, &t, &e));
	CHECK_INT(1000000000LL, t.cost_nusd);
	CHECK_INT(1500, t.tokens);
	CHECK_INT(10, t.calls);
	/* A price rounds to the nanodollar, as cost_usd in records does. */
	CHECK_INT(ANN_OK, ann_budget_add(&b, 0.0000000026, 0, &t, &e));
	CHECK_INT(1000000003LL, t.cost_nusd);
	ann_budget_close(&b);

	text = ann_test_read_file(path, NULL);
	CHECK_STR("ann-budget 1\ncost_usd 1.000000003\ntokens 1500\ncalls 11\n", text);
	free(text);

	/* A second open reads the totals: the file carries them over. */
	CHECK_INT(ANN_OK, ann_budget_open(&b, path, &t, &e));
	CHECK_INT(11, t.calls);
	ann_budget_close(&b);
	cleanup_dir(dir, "budget");
}

static void
open_rejects_corrupt_file(void)
{
	char dir[64], path[128];
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_budget b;
	struct ann_budget_totals t;

	make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/budget", dir);
	write_text(path, "ann-rate 1 0.5 0.5 1700000000\n");
	CHECK_INT(ANN_ERR_CONFIG, ann_budget_open(&b, path, &t, &e));
	CHECK_INT(ANN_ERR_CONFIG, e.code);
	CHECK(strstr(e.msg, path) != NULL);
	CHECK(strstr(e.msg, "line 1") != NULL);
	CHECK_INT(-1, b.file.fd);
	cleanup_dir(dir, "budget");
}

static void
open_rejects_directory_and_long_file(void)
{
	char dir[64], path[128];
	char big[1024];
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_budget b;
	struct ann_budget_totals t;

	make_dir(dir, sizeof dir);
	CHECK_INT(ANN_ERR_CONFIG, ann_budget_open(&b, dir, &t, &e));
	CHECK(strstr(e.msg, dir) != NULL);

	snprintf(path, sizeof path, "%s/budget", dir);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	write_text(path, big);
	CHECK_INT(ANN_ERR_CONFIG, ann_budget_open(&b, path, &t, &e));
	CHECK(strstr(e.msg, "longer than") != NULL);
	cleanup_dir(dir, "budget");
}

static void
add_fails_on_file_damaged_later(void)
{
	char dir[64], path[128];
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_budget b;
	struct ann_budget_totals t;

	make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/budget", dir);
	CHECK_INT(ANN_OK, ann_budget_open(&b, path, &t, &e));
	CHECK_INT(ANN_OK, ann_budget_add(&b, 1, 1, NULL, &e));
	write_text(path, "garbage\n");
	/* After the start, a damaged file is a failure of the run, not of its settings. */
	CHECK_INT(ANN_ERR_IO, ann_budget_add(&b, 1, 1, &t, &e));
	CHECK(strstr(e.msg, path) != NULL);
	CHECK_INT(ANN_ERR_IO, ann_budget_read(&b, &t, &e));
	ann_budget_close(&b);
	cleanup_dir(dir, "budget");
}

/* Each child opens the file itself: flock(2) locks belong to an open file. */
static int
add_many(const char *path, int n)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_budget b;
	struct ann_budget_totals t;
	int i;

	if (ann_budget_open(&b, path, &t, &e) != ANN_OK)
		return 1;
	for (i = 0; i < n; i++) {
		if (ann_budget_add(&b, 0.000001234, 7, NULL, &e) != ANN_OK) {
			ann_budget_close(&b);
			return 2;
		}
	}
	ann_budget_close(&b);
	return 0;
}

static void
concurrent_processes_sum_exactly(void)
{
	enum { CHILDREN = 4, ADDS = 500 };
	char dir[64], path[128];
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_budget b;
	struct ann_budget_totals t;
	pid_t pids[CHILDREN];
	int i, status;

	make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/budget", dir);
	fflush(stdout);
	for (i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		CHECK(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(add_many(path, ADDS));
	}
	for (i = 0; i < CHILDREN; i++) {
		CHECK(waitpid(pids[i], &status, 0) == pids[i]);
		CHECK(WIFEXITED(status));
		CHECK_INT(0, WEXITSTATUS(status));
	}

	CHECK_INT(ANN_OK, ann_budget_open(&b, path, &t, &e));
	CHECK_INT(CHILDREN * ADDS * 1234LL, t.cost_nusd);
	CHECK_INT(CHILDREN * ADDS * 7LL, t.tokens);
	CHECK_INT(CHILDREN * ADDS, t.calls);
	ann_budget_close(&b);
	cleanup_dir(dir, "budget");
}

ANN_TEST_MAIN(
	ANN_TEST(empty_text_is_zero),
	ANN_TEST(format_then_parse_round_trips),
	ANN_TEST(parse_accepts_short_decimals),
	ANN_TEST(parse_rejects_corrupt_text),
	ANN_TEST(open_creates_and_add_sums),
	ANN_TEST(open_rejects_corrupt_file),
	ANN_TEST(open_rejects_directory_and_long_file),
	ANN_TEST(add_fails_on_file_damaged_later),
	ANN_TEST(concurrent_processes_sum_exactly),
)
