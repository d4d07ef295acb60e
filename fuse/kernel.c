/* kernel.c - the notifier thread (see kernel.h). */
#include "ops.h"          /* first: it sets FUSE_USE_VERSION */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "log.h"

#define KERNEL_QUEUE 64

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct fuse *the_fuse;           /* NULL: not running */
static int stopping;
static pthread_t thread;
static char *queue[KERNEL_QUEUE];       /* a ring: head is the oldest */
static unsigned head, count;

static void *notifier(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (!stopping && count == 0)
			pthread_cond_wait(&cv, &mu);
		if (stopping)
			break;
		char *path = queue[head];
		queue[head] = NULL;
		head = (head + 1) % KERNEL_QUEUE;
		count--;
		struct fuse *f = the_fuse;
		pthread_mutex_unlock(&mu);
		/* -ENOENT: the kernel does not know the path (nothing cached) */
		int rc = fuse_invalidate_path(f, path);
		if (rc != 0 && rc != -ENOENT)
			ftps_debug("%s: telling the kernel its attributes are stale: %s", path,
			           strerror(-rc));
		else
			ftps_debug("%s: the kernel's attributes are stale: dropped", path);
		free(path);
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int ftpsfs_kernel_start(struct fuse *fuse)
{
	int rc;

	pthread_mutex_lock(&mu);
	the_fuse = fuse;
	stopping = 0;
	rc = pthread_create(&thread, NULL, notifier, NULL);
	if (rc != 0)
		the_fuse = NULL;
	pthread_mutex_unlock(&mu);
	return -rc;
}

void ftpsfs_kernel_stop(void)
{
	pthread_mutex_lock(&mu);
	if (!the_fuse) {
		pthread_mutex_unlock(&mu);
		return;
	}
	stopping = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
	pthread_mutex_lock(&mu);
	the_fuse = NULL;
	for (; count > 0; count--, head = (head + 1) % KERNEL_QUEUE) {
		free(queue[head]);
		queue[head] = NULL;
	}
	pthread_mutex_unlock(&mu);
}

void ftpsfs_kernel_stale(const char *path)
{
	char *p = strdup(path);

	if (!p)
		return;
	pthread_mutex_lock(&mu);
	if (!the_fuse || stopping) {
		pthread_mutex_unlock(&mu);
		free(p);
		return;
	}
	if (count == KERNEL_QUEUE) {
		free(queue[head]);
		head = (head + 1) % KERNEL_QUEUE;
		count--;
	}
	queue[(head + count) % KERNEL_QUEUE] = p;
	count++;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}
