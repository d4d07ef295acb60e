/* leftovers.c - what failed uploads left on the server (see leftovers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leftovers.h"

#define ORPHAN_BACKOFF_MIN 5
#define ORPHAN_BACKOFF_MAX 60

void ftpsfs_orphan_add(struct ftpsfs *fs, const char *path)
{
	char *dup = strdup(path);

	pthread_mutex_lock(&fs->orphan_mu);
	if (dup && fs->norphans < FTPSFS_MAX_ORPHANS) {
		fs->orphans[fs->norphans++] = dup;
		dup = NULL;
		if (fs->orphan_backoff == 0) {
			fs->orphan_backoff = ORPHAN_BACKOFF_MIN;
			fs->orphan_next_try = time(NULL) + ORPHAN_BACKOFF_MIN;
		}
	}
	pthread_mutex_unlock(&fs->orphan_mu);
	if (dup)
		ftps_warn("too many temporary files to remove later: %s stays on the server", path);
	free(dup);
}

void ftpsfs_orphans_sweep(struct ftpsfs *fs, int now_anyway)
{
	char *todo[FTPSFS_MAX_ORPHANS];
	struct ftps_status st = { 0 };
	struct ftps_conn *c = NULL;
	int n, left = 0;

	/* Take the list: a concurrent sweep finds it empty. */
	pthread_mutex_lock(&fs->orphan_mu);
	n = fs->norphans;
	if (n == 0 || (!now_anyway && time(NULL) < fs->orphan_next_try)) {
		pthread_mutex_unlock(&fs->orphan_mu);
		return;
	}
	memcpy(todo, fs->orphans, sizeof(todo[0]) * (size_t)n);
	fs->norphans = 0;
	pthread_mutex_unlock(&fs->orphan_mu);

	ftps_err got = ftps_pool_get(fs->pool, FTPS_USE_SHORT, &c, &st), e = got;
	for (int i = 0; i < n; i++) {
		if (got != FTPS_OK) {
			todo[left++] = todo[i];     /* no connection: later */
			continue;
		}
		if (e == FTPS_OK)
			e = ftps_dele(c, todo[i], &st);
		if (e == FTPS_OK || e == FTPS_E_NOENT) {
			if (e == FTPS_OK)
				ftps_info("removed the temporary file %s that a failed upload left", todo[i]);
			free(todo[i]);
			e = FTPS_OK;
		} else if (e == FTPS_E_CONN || e == FTPS_E_TIMEOUT || e == FTPS_E_REFUSED ||
		           e == FTPS_E_TLS || e == FTPS_E_TOOMANY) {
			todo[left++] = todo[i];    /* still down: later */
		} else {
			ftps_warn("cannot remove the temporary file %s: %s", todo[i], st.msg);
			free(todo[i]);
			e = FTPS_OK;
		}
	}
	if (c)
		ftps_pool_put(fs->pool, c, e);

	pthread_mutex_lock(&fs->orphan_mu);
	for (int i = 0; i < left; i++) {
		if (fs->norphans < FTPSFS_MAX_ORPHANS) {
			fs->orphans[fs->norphans++] = todo[i];
		} else {
			ftps_warn("too many temporary files to remove later: %s stays on the server",
			          todo[i]);
			free(todo[i]);
		}
	}
	if (left > 0) {
		int next = fs->orphan_backoff * 2;
		fs->orphan_backoff = next < ORPHAN_BACKOFF_MIN ? ORPHAN_BACKOFF_MIN
		                     : next > ORPHAN_BACKOFF_MAX ? ORPHAN_BACKOFF_MAX : next;
		fs->orphan_next_try = time(NULL) + fs->orphan_backoff;
	} else if (fs->norphans == 0) {
		fs->orphan_backoff = 0;
	}
	pthread_mutex_unlock(&fs->orphan_mu);
}

void ftpsfs_orphans_free(struct ftpsfs *fs)
{
	pthread_mutex_lock(&fs->orphan_mu);
	for (int i = 0; i < fs->norphans; i++) {
		ftps_warn("the temporary file %s is left on the server", fs->orphans[i]);
		free(fs->orphans[i]);
	}
	fs->norphans = 0;
	pthread_mutex_unlock(&fs->orphan_mu);
}

void ftpsfs_stranded_add(struct ftpsfs *fs, const char *temp, const char *final)
{
	char *t = strdup(temp), *f = strdup(final);

	pthread_mutex_lock(&fs->orphan_mu);
	if (t && f && fs->nstranded < FTPSFS_MAX_ORPHANS) {
		fs->stranded[fs->nstranded].temp = t;
		fs->stranded[fs->nstranded].final = f;
		fs->nstranded++;
		t = f = NULL;
		if (!fs->stranded_next_try)
			fs->stranded_next_try = time(NULL) + ORPHAN_BACKOFF_MIN;
	}
	pthread_mutex_unlock(&fs->orphan_mu);
	if (t || f)
		ftps_error("too many uploads to put in place later: %s stays on the server as %s",
		           final, temp);
	free(t);
	free(f);
}

/* path (a server path) at or below prefix: the rest after it, or NULL. */
static const char *under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return NULL;
	return path + n;
}

/* Replace *p (malloc'd) by to + the rest of it after from, when under from. */
static void follow(char **p, const char *from, const char *to)
{
	const char *rest = under(*p, from);
	size_t n;
	char *np;

	if (!rest)
		return;
	n = strlen(to) + strlen(rest) + 1;
	if (n > FTPS_MAX_PATH || !(np = malloc(n)))
		return;
	memcpy(np, to, strlen(to));
	memcpy(np + strlen(to), rest, strlen(rest) + 1);
	free(*p);
	*p = np;
}

void ftpsfs_leftovers_renamed(struct ftpsfs *fs, const char *from, const char *to)
{
	pthread_mutex_lock(&fs->orphan_mu);
	for (int i = 0; i < fs->norphans; i++)
		follow(&fs->orphans[i], from, to);
	for (int i = 0; i < fs->nstranded; i++) {
		follow(&fs->stranded[i].temp, from, to);
		follow(&fs->stranded[i].final, from, to);
	}
	pthread_mutex_unlock(&fs->orphan_mu);
}

void ftpsfs_stranded_superseded(struct ftpsfs *fs, const char *final)
{
	char *gone[FTPSFS_MAX_ORPHANS];
	int n = 0, k = 0;

	pthread_mutex_lock(&fs->orphan_mu);
	for (int i = 0; i < fs->nstranded; i++) {
		if (strcmp(fs->stranded[i].final, final) == 0) {
			gone[n++] = fs->stranded[i].temp;
			free(fs->stranded[i].final);
		} else {
			fs->stranded[k++] = fs->stranded[i];
		}
	}
	fs->nstranded = k;
	pthread_mutex_unlock(&fs->orphan_mu);
	/* A newer upload of the same file is in place: the stranded copy is
	 * an older version nobody needs, to be removed like any leftover. */
	for (int i = 0; i < n; i++) {
		ftps_info("%s: its earlier upload kept as %s is not needed any more: removing it",
		          final, gone[i]);
		ftpsfs_orphan_add(fs, gone[i]);
		free(gone[i]);
	}
}

/* One stranded upload: 1 when it is settled (in place, or left for good),
 * 0 to try again later. */
static int stranded_settle(struct ftps_conn *c, const char *temp, const char *final)
{
	struct ftps_status st = { 0 };
	struct ftps_entry e;
	ftps_err err = ftps_stat(c, final, &e, &st);

	if (err == FTPS_OK) {
		ftps_warn("%s exists again; the upload kept as %s is left there (delete it if "
		          "you do not need it)", final, temp);
		return 1;
	}
	if (err != FTPS_E_NOENT)
		return ftps_err_class(err) == FTPS_CLASS_REFUSED;
	err = ftps_rename(c, temp, final, &st);
	if (err == FTPS_OK) {
		ftps_info("put %s in place (from %s)", final, temp);
		return 1;
	}
	if (ftps_err_class(err) == FTPS_CLASS_REFUSED) {
		ftps_error("cannot rename %s to %s (%s): the upload stays there", temp, final, st.msg);
		return 1;
	}
	return 0;
}

void ftpsfs_stranded_sweep(struct ftpsfs *fs, int now_anyway)
{
	struct ftpsfs_stranded todo[FTPSFS_MAX_ORPHANS];
	struct ftps_status st = { 0 };
	struct ftps_conn *c = NULL;
	int n, left = 0;

	pthread_mutex_lock(&fs->orphan_mu);
	n = fs->nstranded;
	if (n == 0 || (!now_anyway && time(NULL) < fs->stranded_next_try)) {
		pthread_mutex_unlock(&fs->orphan_mu);
		return;
	}
	memcpy(todo, fs->stranded, sizeof(todo[0]) * (size_t)n);
	fs->nstranded = 0;
	pthread_mutex_unlock(&fs->orphan_mu);

	ftps_err e = ftps_pool_get(fs->pool, FTPS_USE_SHORT, &c, &st);
	for (int i = 0; i < n; i++) {
		if (e == FTPS_OK && ftps_conn_usable(c) && stranded_settle(c, todo[i].temp, todo[i].final)) {
			free(todo[i].temp);
			free(todo[i].final);
		} else {
			todo[left++] = todo[i];
		}
	}
	if (c)
		ftps_pool_put(fs->pool, c, ftps_conn_usable(c) ? FTPS_OK : FTPS_E_CONN);
	pthread_mutex_lock(&fs->orphan_mu);
	for (int i = 0; i < left; i++) {
		if (fs->nstranded < FTPSFS_MAX_ORPHANS) {
			fs->stranded[fs->nstranded++] = todo[i];
		} else {
			ftps_error("%s stays on the server as %s", todo[i].final, todo[i].temp);
			free(todo[i].temp);
			free(todo[i].final);
		}
	}
	fs->stranded_next_try = fs->nstranded ? time(NULL) + ORPHAN_BACKOFF_MIN : 0;
	pthread_mutex_unlock(&fs->orphan_mu);
}

void ftpsfs_stranded_free(struct ftpsfs *fs)
{
	pthread_mutex_lock(&fs->orphan_mu);
	for (int i = 0; i < fs->nstranded; i++) {
		ftps_error("%s could not be put in place: the upload is on the server as %s",
		           fs->stranded[i].final, fs->stranded[i].temp);
		free(fs->stranded[i].temp);
		free(fs->stranded[i].final);
	}
	fs->nstranded = 0;
	pthread_mutex_unlock(&fs->orphan_mu);
}
