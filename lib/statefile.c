#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void
ann_state_file_init(struct ann_state_file *f)
{
	f->fd = -1;
	f->path = NULL;
	f->kind = "state file";
}

int
ann_state_file_open(struct ann_state_file *f, const char *path, const char *kind,
    struct ann_error *e)
{
	struct stat st;

	ann_state_file_init(f);
	f->kind = kind;
	f->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f->fd < 0)
		return ann_error_set(e, ANN_ERR_CONFIG, "cannot open %s %s: %s", kind, path,
		    strerror(errno));
	if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ann_state_file_close(f);
		return ann_error_set(e, ANN_ERR_CONFIG, "cannot use %s %s: not a regular file",
		    kind, path);
	}
	f->path = strdup(path);
	if (f->path == NULL) {
		ann_state_file_close(f);
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory opening %s %s", kind, path);
	}
	return ANN_OK;
}

void
ann_state_file_close(struct ann_state_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	free(f->path);
	f->path = NULL;
}

int
ann_state_file_lock(struct ann_state_file *f, struct ann_error *e)
{
	while (flock(f->fd, LOCK_EX) != 0) {
		if (errno != EINTR)
			return ann_error_set(e, ANN_ERR_IO, "lock failed on %s %s: %s", f->kind,
			    f->path, strerror(errno));
	}
	return ANN_OK;
}

void
ann_state_file_unlock(struct ann_state_file *f)
{
	flock(f->fd, LOCK_UN);
}

int
ann_state_file_read(struct ann_state_file *f, char *text, size_t size, size_t *len,
    struct ann_error *e)
{
	size_t got = 0;

	/* The text and its NUL must fit, so filling all size bytes means the file is too long. */
	while (got < size) {
		ssize_t n = pread(f->fd, text + got, size - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ann_error_set(e, ANN_ERR_IO, "read failed on %s %s: %s", f->kind,
			    f->path, strerror(errno));
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == size)
		return ann_error_set(e, ANN_ERR_TOO_LARGE, "%s %s is longer than %zu bytes",
		    f->kind, f->path, size - 1);
	text[got] = '\0';
	*len = got;
	return ANN_OK;
}

int
ann_state_file_write(struct ann_state_file *f, const char *text, size_t len,
    struct ann_error *e)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(f->fd, text + done, len - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ann_error_set(e, ANN_ERR_IO, "write failed on %s %s: %s", f->kind,
			    f->path, n < 0 ? strerror(errno) : "nothing written");
		done += (size_t)n;
	}
	if (ftruncate(f->fd, (off_t)len) != 0)
		return ann_error_set(e, ANN_ERR_IO, "write failed on %s %s: %s", f->kind, f->path,
		    strerror(errno));
	return ANN_OK;
}
