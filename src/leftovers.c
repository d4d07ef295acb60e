/* leftovers.c - what failed uploads left on the server (see leftovers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leftovers.h"

#define ORPHAN_BACKOFF_MIN 5
#define ORPHAN_BACKOFF_MAX 60

void ftps_orphan_add(struct ftps_engine *eng, const char *path)
{
	char *dup = strdup(path);

	pthread_mutex_lock(&eng->lo.mu);
	if (dup && eng->lo.norphans < FTPS_MAX_LEFTOVERS) {
		eng->lo.orphans[eng->lo.norphans++] = dup;
		dup = NULL;
		if (eng->lo.orphan_backoff == 0) {
			eng->lo.orphan_backoff = ORPHAN_BACKOFF_MIN;
			eng->lo.orphan_next_try = time(NULL) + ORPHAN_BACKOFF_MIN;
		}
	}
	pthread_mutex_unlock(&eng->lo.mu);
	if (dup)
		ftps_warn("too many temporary files to remove later: %s stays on the server", path);
	free(dup);
}

void ftps_orphans_sweep(struct ftps_engine *eng, int now_anyway)
{
	char *todo[FTPS_MAX_LEFTOVERS];
	struct ftps_status st = { 0 };
	struct ftps_conn *c = NULL;
	int n, left = 0;

	/* Take the list: a concurrent sweep finds it empty. */
	pthread_mutex_lock(&eng->lo.mu);
	n = eng->lo.norphans;
	if (n == 0 || (!now_anyway && time(NULL) < eng->lo.orphan_next_try)) {
		pthread_mutex_unlock(&eng->lo.mu);
		return;
	}
	memcpy(todo, eng->lo.orphans, sizeof(todo[0]) * (size_t)n);
	eng->lo.norphans = 0;
	pthread_mutex_unlock(&eng->lo.mu);

	ftps_err got = ftps_pool_get(eng->pool, FTPS_USE_SHORT, &c, &st), e = got;
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
		ftps_pool_put(eng->pool, c, e);

	pthread_mutex_lock(&eng->lo.mu);
	for (int i = 0; i < left; i++) {
		if (eng->lo.norphans < FTPS_MAX_LEFTOVERS) {
			eng->lo.orphans[eng->lo.norphans++] = todo[i];
		} else {
			ftps_warn("too many temporary files to remove later: %s stays on the server",
			          todo[i]);
			free(todo[i]);
		}
	}
	if (left > 0) {
		int next = eng->lo.orphan_backoff * 2;
		eng->lo.orphan_backoff = next < ORPHAN_BACKOFF_MIN ? ORPHAN_BACKOFF_MIN
		                     : next > ORPHAN_BACKOFF_MAX ? ORPHAN_BACKOFF_MAX : next;
		eng->lo.orphan_next_try = time(NULL) + eng->lo.orphan_backoff;
	} else if (eng->lo.norphans == 0) {
		eng->lo.orphan_backoff = 0;
	}
	pthread_mutex_unlock(&eng->lo.mu);
}

void ftps_orphans_free(struct ftps_engine *eng)
{
	pthread_mutex_lock(&eng->lo.mu);
	for (int i = 0; i < eng->lo.norphans; i++) {
		ftps_warn("the temporary file %s is left on the server", eng->lo.orphans[i]);
		free(eng->lo.orphans[i]);
	}
	eng->lo.norphans = 0;
	pthread_mutex_unlock(&eng->lo.mu);
}

void ftps_stranded_add(struct ftps_engine *eng, const char *temp, const char *final)
{
	char *t = strdup(temp), *f = strdup(final);

	pthread_mutex_lock(&eng->lo.mu);
	if (t && f && eng->lo.nstranded < FTPS_MAX_LEFTOVERS) {
		eng->lo.stranded[eng->lo.nstranded].temp = t;
		eng->lo.stranded[eng->lo.nstranded].final = f;
		eng->lo.nstranded++;
		t = f = NULL;
		if (!eng->lo.stranded_next_try)
			eng->lo.stranded_next_try = time(NULL) + ORPHAN_BACKOFF_MIN;
	}
	pthread_mutex_unlock(&eng->lo.mu);
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

void ftps_leftovers_renamed(struct ftps_engine *eng, const char *from, const char *to)
{
	pthread_mutex_lock(&eng->lo.mu);
	for (int i = 0; i < eng->lo.norphans; i++)
		follow(&eng->lo.orphans[i], from, to);
	for (int i = 0; i < eng->lo.nstranded; i++) {
		follow(&eng->lo.stranded[i].temp, from, to);
		follow(&eng->lo.stranded[i].final, from, to);
	}
	pthread_mutex_unlock(&eng->lo.mu);
}

void ftps_stranded_superseded(struct ftps_engine *eng, const char *final)
{
	char *gone[FTPS_MAX_LEFTOVERS];
	int n = 0, k = 0;

	pthread_mutex_lock(&eng->lo.mu);
	for (int i = 0; i < eng->lo.nstranded; i++) {
		if (strcmp(eng->lo.stranded[i].final, final) == 0) {
			gone[n++] = eng->lo.stranded[i].temp;
			free(eng->lo.stranded[i].final);
		} else {
			eng->lo.stranded[k++] = eng->lo.stranded[i];
		}
	}
	eng->lo.nstranded = k;
	pthread_mutex_unlock(&eng->lo.mu);
	/* A newer upload of the same file is in place: the stranded copy is
	 * an older version nobody needs, to be removed like any leftover. */
	for (int i = 0; i < n; i++) {
		ftps_info("%s: its earlier upload kept as %s is not needed any more: removing it",
		          final, gone[i]);
		ftps_orphan_add(eng, gone[i]);
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

void ftps_stranded_sweep(struct ftps_engine *eng, int now_anyway)
{
	struct ftps_stranded todo[FTPS_MAX_LEFTOVERS];
	struct ftps_status st = { 0 };
	struct ftps_conn *c = NULL;
	int n, left = 0;

	pthread_mutex_lock(&eng->lo.mu);
	n = eng->lo.nstranded;
	if (n == 0 || (!now_anyway && time(NULL) < eng->lo.stranded_next_try)) {
		pthread_mutex_unlock(&eng->lo.mu);
		return;
	}
	memcpy(todo, eng->lo.stranded, sizeof(todo[0]) * (size_t)n);
	eng->lo.nstranded = 0;
	pthread_mutex_unlock(&eng->lo.mu);

	ftps_err e = ftps_pool_get(eng->pool, FTPS_USE_SHORT, &c, &st);
	for (int i = 0; i < n; i++) {
		if (e == FTPS_OK && ftps_conn_usable(c) && stranded_settle(c, todo[i].temp, todo[i].final)) {
			free(todo[i].temp);
			free(todo[i].final);
		} else {
			todo[left++] = todo[i];
		}
	}
	if (c)
		ftps_pool_put(eng->pool, c, ftps_conn_usable(c) ? FTPS_OK : FTPS_E_CONN);
	pthread_mutex_lock(&eng->lo.mu);
	for (int i = 0; i < left; i++) {
		if (eng->lo.nstranded < FTPS_MAX_LEFTOVERS) {
			eng->lo.stranded[eng->lo.nstranded++] = todo[i];
		} else {
			ftps_error("%s stays on the server as %s", todo[i].final, todo[i].temp);
			free(todo[i].temp);
			free(todo[i].final);
		}
	}
	eng->lo.stranded_next_try = eng->lo.nstranded ? time(NULL) + ORPHAN_BACKOFF_MIN : 0;
	pthread_mutex_unlock(&eng->lo.mu);
}

void ftps_stranded_free(struct ftps_engine *eng)
{
	pthread_mutex_lock(&eng->lo.mu);
	for (int i = 0; i < eng->lo.nstranded; i++) {
		ftps_error("%s could not be put in place: the upload is on the server as %s",
		           eng->lo.stranded[i].final, eng->lo.stranded[i].temp);
		free(eng->lo.stranded[i].temp);
		free(eng->lo.stranded[i].final);
	}
	eng->lo.nstranded = 0;
	pthread_mutex_unlock(&eng->lo.mu);
}
