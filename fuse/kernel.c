/* kernel.c - the notifier thread (see kernel.h). */
#include "ops.h"          /* first: it sets FUSE_USE_VERSION */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fuse_lowlevel.h>

#include "kernel.h"
#include "log.h"

#define KERNEL_QUEUE 64
#define KERNEL_STOP_WAIT_S 2

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
		/* Once the loop is ending, nobody answers requests any more, and a
		 * notification could wait in the kernel for a page a queued read
		 * holds: none is sent then. -ENOENT: the kernel does not know the
		 * path (nothing cached). */
		int rc = fuse_session_exited(fuse_get_session(f)) ? -ENOENT
		         : fuse_invalidate_path(f, path);
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
	/* A notification already in the kernel when the loop ended can wait
	 * there for a page that a queued read holds locked, a read nobody
	 * answers any more: the unmount is not held up by it. The thread is
	 * left behind (it holds no lock of ours and touches nothing after
	 * the call but its own path). */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += KERNEL_STOP_WAIT_S;
	if (pthread_timedjoin_np(thread, NULL, &until) != 0) {
		ftps_warn("a notification to the kernel did not return; leaving it");
		pthread_detach(thread);
	}
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
