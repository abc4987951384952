#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int current_failed;

void
ann_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	current_failed = 1;
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Prints s as a C-like literal, so invisible bytes show in a diagnostic. */
static void
print_quoted(const unsigned char *s, size_t n)
{
	size_t i;

	putchar('"');
	for (i = 0; i < n && i < 400; i++) {
		if (s[i] == '"' || s[i] == '\\')
			printf("\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] == 0x7f)
			printf("\\x%02x", s[i]);
		else
			putchar(s[i]);
	}
	if (n > 400)
		printf("...(%zu bytes)", n);
	putchar('"');
}

void
ann_test_check_mem(const char *file, int line, const char *what,
    const void *expected, size_t expected_len, const void *actual, size_t actual_len)
{
	if (actual_len == (size_t)-1 || actual == NULL) {
		if (expected == NULL)
			return;
		ann_test_fail(file, line, "%s: expected a value, got NULL", what);
		return;
	}
	if (expected != NULL && expected_len == actual_len &&
	    memcmp(expected, actual, actual_len) == 0)
		return;
	ann_test_fail(file, line, "%s differs", what);
	printf("#   expected: ");
	if (expected)
		print_quoted(expected, expected_len);
	else
		printf("NULL");
	printf("\n#   actual:   ");
	print_quoted(actual, actual_len);
	printf("\n");
}

int
ann_test_run(const struct ann_test *tests, size_t n)
{
	size_t i;
	int failed = 0;

	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		current_failed = 0;
		tests[i].fn();
		printf("%s %zu - %s\n", current_failed ? "not ok" : "ok", i + 1, tests[i].name);
		fflush(stdout);
		failed += current_failed;
	}
	return failed ? 1 : 0;
}

char *
ann_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0;
	size_t n = 0;
	size_t got;

	if (f == NULL)
		return NULL;
	do {
		if (cap - n < 4096) {
			char *p = realloc(data, cap = cap ? cap * 2 : 8192);
			if (p == NULL) {
				free(data);
				fclose(f);
				return NULL;
			}
			data = p;
		}
		got = fread(data + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}
