/*
 * A small TAP-emitting test harness for lib/.
 *
 * A test file defines static test functions, lists them with ANN_TEST_MAIN,
 * and checks with the CHECK_* macros below. A failed check prints file, line,
 * expected and actual as a TAP diagnostic and marks the current test failed;
 * the test function goes on, so one run shows every failing check.
 */
#ifndef ANN_TEST_HARNESS_H
#define ANN_TEST_HARNESS_H

#include <stddef.h>
#include <string.h>

struct ann_test {
	const char *name;
	void (*fn)(void);
};

void ann_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ann_test_check_mem(const char *file, int line, const char *what,
    const void *expected, size_t expected_len, const void *actual, size_t actual_len);
int ann_test_run(const struct ann_test *tests, size_t n);

/* Reads a whole file into a malloc'd NUL-terminated buffer, or NULL. */
char *ann_test_read_file(const char *path, size_t *len);

#define CHECK(cond) \
	do { if (!(cond)) ann_test_fail(__FILE__, __LINE__, "check failed: %s", #cond); } while (0)

#define CHECK_INT(expected, actual) \
	do { long long e_ = (long long)(expected), a_ = (long long)(actual); \
	     if (e_ != a_) ann_test_fail(__FILE__, __LINE__, "%s: expected %lld, got %lld", \
	         #actual, e_, a_); } while (0)

#define CHECK_STR(expected, actual) \
	do { const char *e_ = (expected), *a_ = (actual); \
	     ann_test_check_mem(__FILE__, __LINE__, #actual, e_, e_ ? strlen(e_) : 0, \
	         a_, a_ ? strlen(a_) : (size_t)-1); } while (0)

#define CHECK_MEM(expected, expected_len, actual, actual_len) \
	ann_test_check_mem(__FILE__, __LINE__, #actual, expected, expected_len, actual, actual_len)

#define ANN_TEST(fn) { #fn, fn }

#define ANN_TEST_MAIN(...) \
	int main(void) { \
		static const struct ann_test tests_[] = { __VA_ARGS__ }; \
		return ann_test_run(tests_, sizeof tests_ / sizeof tests_[0]); \
	}

#endif
