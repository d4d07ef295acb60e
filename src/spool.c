/* spool.c - an open file's spool file: where its bytes wait for the
 * server (see file_int.h), and the report of spool files an earlier upload
 * could not save.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file_int.h"
#include <dirent.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include "upload.h"
#include "download.h"

#define SPOOL_RESERVE (64ULL * 1024 * 1024)  /* left free on the spool's disk */

int file_spool_has_room(struct ftps_file *f, uint64_t need)
{
	struct statvfs sv;

	if (fstatvfs(f->spool_fd, &sv) != 0)
		return 1;
	return (uint64_t)sv.f_bavail * sv.f_frsize >= need + SPOOL_RESERVE;
}

int file_spool_room(struct ftps_file *f, uint64_t need)
{
	if (!file_spool_has_room(f, need)) {
		ftps_error("spool folder %s is nearly full: refusing %s", f->fs->set.spool_dir,
		           f->path);
		return -ENOSPC;
	}
	return 0;
}

/* A size the spool's filesystem could never hold is EFBIG, not ENOSPC:
 * no amount of cleaning up makes room for it. */
int file_spool_max_size(struct ftps_file *f, uint64_t size)
{
	struct statvfs sv;

	if (fstatvfs(f->spool_fd, &sv) != 0 || sv.f_frsize == 0)
		return 0;
	if (size / sv.f_frsize >= (uint64_t)sv.f_blocks) {
		ftps_warn("%s: %llu bytes is more than the spool folder's filesystem (%s) holds",
		          f->path, (unsigned long long)size, f->fs->set.spool_dir);
		return -EFBIG;
	}
	return 0;
}

int file_spool_open(struct ftps_file *f)
{
	int n = snprintf(f->spool_path, sizeof(f->spool_path), "%s/ftpsfs-XXXXXX",
	                 f->fs->set.spool_dir);

	if (n < 0 || (size_t)n >= sizeof(f->spool_path))
		return -ENAMETOOLONG;
	f->spool_named = 0;
	f->spool_fd = mkostemp(f->spool_path, O_CLOEXEC);
	if (f->spool_fd < 0) {
		int err = errno;
		ftps_error("cannot create a spool file in %s: %s", f->fs->set.spool_dir,
		           strerror(err));
		f->spool_path[0] = '\0';
		return -err;
	}
	/* Held while in use: ftps_spool_report (of this or another mount
	 * sharing the folder) tells kept files from files being written. */
	flock(f->spool_fd, LOCK_EX | LOCK_NB);
	return 0;
}

unsigned ftps_spool_kept(const char *dir, char *first, size_t firstlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	if (first && firstlen > 0)
		first[0] = '\0';
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL && n < 100000) {
		char path[PATH_MAX];
		struct stat sb;
		int fd;

		if (strncmp(de->d_name, "ftpsfs-", 7) != 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (n++ == 0 && first && firstlen > 0)
				snprintf(first, firstlen, "%s", path);
		}
		close(fd);
	}
	closedir(d);
	return n;
}

void ftps_spool_report(const char *dir)
{
	char first[PATH_MAX];
	unsigned n = ftps_spool_kept(dir, first, sizeof(first));

	if (n > 0)
		ftps_warn("the spool folder %s keeps %u file%s with changes that could not be "
		          "uploaded (%s%s): copy what you need back, then delete them", dir, n,
		          n == 1 ? "" : "s", first, n > 1 ? ", ..." : "");
}

void file_spool_close(struct ftps_file *f, int keep)
{
	if (f->spool_fd < 0)
		return;
	if (keep)
		file_spool_name_kept(f);
	close(f->spool_fd);
	f->spool_fd = -1;
	if (!keep)
		unlink(f->spool_path);
}

/* A failed upload leaves the spool file for the user: say where, once,
 * and what it holds (an append's holds only the appended bytes, at their
 * offsets: the server's version is before them). */
void file_spool_name_kept(struct ftps_file *f)
{
	if (f->spool_fd < 0 || f->spool_named)
		return;
	if (f->state == F_APPEND)
		ftps_error("the bytes appended to %s could not be uploaded; they are kept in %s "
		           "from offset %llu on (the bytes before it are the server's version)",
		           f->path, f->spool_path, (unsigned long long)f->base);
	else
		ftps_error("the changes to %s could not be uploaded; they are kept in %s", f->path,
		           f->spool_path);
	f->spool_named = 1;
}

/* Bring the whole file into the spool (state becomes SPOOL). A download
 * that comes back short of the known size never becomes the base of an
 * edit (ftps_download_fd checks). */
int file_make_spool(struct ftps_file *f)
{
	int64_t n;
	int rc;

	switch (f->state) {
	case F_SPOOL:
		return 0;
	case F_NEW:
		if ((rc = file_spool_open(f)) < 0)
			return rc;
		file_view_size(f, 0);
		break;
	case F_CLEAN:
		if ((rc = file_spool_open(f)) < 0 || (rc = file_spool_room(f, f->base)) < 0)
			return rc;
		n = ftps_download_fd(&f->fs->eng, f->remote, f->spool_fd,
		                       f->base_known ? (int64_t)f->base : -1, 0);
		if (n < 0) {
			file_spool_close(f, 0);
			return (int)n;
		}
		f->base = (uint64_t)n;
		f->base_known = 1;
		pthread_mutex_lock(&file_open_mu);
		f->size = f->base;
		pthread_mutex_unlock(&file_open_mu);
		break;
	case F_APPEND:
		if ((rc = file_spool_room(f, f->base)) < 0)
			return rc;
		n = ftps_download_fd(&f->fs->eng, f->remote, f->spool_fd, (int64_t)f->base, 1);
		if (n < 0)
			return (int)n;
		if ((uint64_t)n != f->base) {
			ftps_error("%s changed on the server while open for appending", f->path);
			return -EIO;
		}
		break;
	case F_STREAM:
		/* The spool copy has every byte: the upload starts over from it
		 * at flush. Without a copy (the spool folder was full) there is
		 * nowhere to rewrite the file. */
		if (f->spool_fd < 0) {
			ftps_error("%s: no spool copy to change it in while it uploads", f->path);
			return -ENOSPC;
		}
		ftps_upload_abort(f->up);
		f->up = NULL;
		break;
	}
	f->state = F_SPOOL;
	return 0;
}
