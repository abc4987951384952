#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "harness.h"

static char dir[] = "/tmp/ann-cache-test.XXXXXX";

static void
remove_tree(const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	CHECK_INT(0, system(cmd));
}

/* Counts files in the entry directory of key whose names start with prefix. */
static int
count_files(const char *key, const char *prefix)
{
	char sub[512];
	struct dirent *d;
	DIR *dp;
	int n = 0;

	snprintf(sub, sizeof sub, "%s/%.2s", dir, key);
	dp = opendir(sub);
	if (dp == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL)
		if (strncmp(d->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(dp);
	return n;
}

static void
keys_separate_fields(void)
{
	char a[ANN_CACHE_KEY_LEN + 1], b[ANN_CACHE_KEY_LEN + 1], c[ANN_CACHE_KEY_LEN + 1];

	ann_cache_key(a, "bedrock", "m", "{}", 2);
	ann_cache_key(b, "bedrock", "m", "{}", 2);
	CHECK_STR(a, b);
	CHECK_INT(64, strlen(a));
	ann_cache_key(b, "bedrock-invoke", "m", "{}", 2);
	CHECK(strcmp(a, b) != 0);
	/* ("ab", "c") and ("a", "bc") must not collide. */
	ann_cache_key(b, "ab", "c", "", 0);
	ann_cache_key(c, "a", "bc", "", 0);
	CHECK(strcmp(b, c) != 0);
}

static void
put_then_get(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_cache cache;
	struct ann_buf out = ANN_BUF_INIT;
	char key[ANN_CACHE_KEY_LEN + 1];
	const char *reply = "{\"output\":{\"message\":{\"content\":[]}},\"stopReason\":\"end_turn\"}";

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(ANN_OK, ann_cache_open(&cache, dir, &e));
	ann_cache_key(key, "bedrock", "model", "{\"a\":1}", 7);
	CHECK_INT(ANN_ERR_NOT_FOUND, ann_cache_get(&cache, key, &out, &e));
	CHECK_INT(ANN_OK, ann_cache_put(&cache, key, reply, strlen(reply), &e));
	CHECK_INT(ANN_OK, ann_cache_get(&cache, key, &out, &e));
	CHECK_MEM(reply, strlen(reply), out.data, out.len);
	/* No temporary file is left behind. */
	CHECK_INT(0, count_files(key, ".tmp."));
	CHECK_INT(1, count_files(key, key));

	/* A second write replaces the entry whole. */
	ann_buf_reset(&out);
	CHECK_INT(ANN_OK, ann_cache_put(&cache, key, "{}", 2, &e));
	CHECK_INT(ANN_OK, ann_cache_get(&cache, key, &out, &e));
	CHECK_MEM("{}", 2, out.data, out.len);
	ann_buf_release(&out);
	ann_cache_close(&cache);
	remove_tree(dir);
}

static void
torn_write_is_never_read(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_cache cache;
	struct ann_buf out = ANN_BUF_INIT;
	char key[ANN_CACHE_KEY_LEN + 1];
	char path[512];
	FILE *f;

	strcpy(dir, "/tmp/ann-cache-test.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(ANN_OK, ann_cache_open(&cache, dir, &e));
	ann_cache_key(key, "bedrock", "model", "torn", 4);

	/* What a writer killed before its rename leaves: a partial temporary file. */
	snprintf(path, sizeof path, "%s/%.2s", dir, key);
	CHECK_INT(0, mkdir(path, 0700) == 0 ? 0 : -1);
	snprintf(path, sizeof path, "%s/%.2s/.tmp.%s.abc123", dir, key, key);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("{\"output\":{\"mess", f);
		fclose(f);
	}
	CHECK_INT(ANN_ERR_NOT_FOUND, ann_cache_get(&cache, key, &out, &e));
	CHECK_INT(0, out.len);
	ann_buf_release(&out);
	ann_cache_close(&cache);
	remove_tree(dir);
}

/*
 * A writer rewrites one entry with two 1 MiB versions while this process
 * reads it, then is killed with SIGKILL: every read sees a whole version.
 */
static void
readers_see_whole_entries_only(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_cache cache;
	struct ann_buf out = ANN_BUF_INIT;
	char key[ANN_CACHE_KEY_LEN + 1];
	size_t size = (size_t)1 << 20;
	char *a = malloc(size), *b = malloc(size);
	int reads = 0, torn = 0, status = 0;
	pid_t child;

	CHECK(a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		return;
	memset(a, 'a', size);
	memset(b, 'b', size);
	strcpy(dir, "/tmp/ann-cache-test.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(ANN_OK, ann_cache_open(&cache, dir, &e));
	ann_cache_key(key, "bedrock", "model", "race", 4);
	CHECK_INT(ANN_OK, ann_cache_put(&cache, key, a, size, &e));

	child = fork();
	if (child == 0) {
		for (;;) {
			ann_cache_put(&cache, key, b, size, NULL);
			ann_cache_put(&cache, key, a, size, NULL);
		}
	}
	CHECK(child > 0);
	while (reads < 200) {
		ann_buf_reset(&out);
		if (ann_cache_get(&cache, key, &out, &e) != ANN_OK)
			continue;
		reads++;
		if (out.len != size || (memcmp(out.data, a, size) != 0 &&
		    memcmp(out.data, b, size) != 0))
			torn++;
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	CHECK_INT(0, torn);

	/* After the kill the entry is still one whole version. */
	ann_buf_reset(&out);
	CHECK_INT(ANN_OK, ann_cache_get(&cache, key, &out, &e));
	CHECK_INT((long long)size, out.len);
	CHECK(memcmp(out.data, a, size) == 0 || memcmp(out.data, b, size) == 0);
	ann_buf_release(&out);
	ann_cache_close(&cache);
	remove_tree(dir);
	free(a);
	free(b);
}

static void
open_rejects_a_file(void)
{
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_cache cache;

	CHECK_INT(ANN_ERR_CONFIG, ann_cache_open(&cache, "/dev/null", &e));
	CHECK(strstr(e.msg, "/dev/null") != NULL);
}

ANN_TEST_MAIN(
	ANN_TEST(keys_separate_fields),
	ANN_TEST(put_then_get),
	ANN_TEST(torn_write_is_never_read),
	ANN_TEST(readers_see_whole_entries_only),
	ANN_TEST(open_rejects_a_file),
)
