/* pool.c - a pool of control connections to one server.
 *
 * Design note.
 *  - Connections are opened lazily, up to a cap (max_conns, lowered when the
 *    server says it has too many), and each is checked out by one thread at a
 *    time: a connection is never shared while a command or transfer runs.
 *  - Short work (listings, single commands) never waits behind transfers:
 *    when the cap is 2 or more, transfers may hold at most cap - 1
 *    connections, so one is always left for short work.
 *  - A request that finds every allowed connection busy waits in line: the
 *    requests of each kind (short, transfer) are served in the order they
 *    came, bounded by the config's timeout, then fail with ETIMEDOUT. More
 *    readers than connections is normal (xargs -P, thumbnails, restic), so
 *    they queue instead of failing.
 *  - Speculative work (listing folders ahead) takes a connection only
 *    when nobody waits in line and another stays free, idle or openable
 *    under the cap (ftps_pool_get_spare): it never makes a read, an upload
 *    or a program's listing wait for a connection it took.
 *  - A transfer connection may be held by someone not using it (a reader
 *    whose program paused). While transfer requests wait, the pool asks
 *    its reclaim hook, every RECLAIM_EVERY_MS, to give one such connection
 *    back (the owner cancels its stream and returns it; the hook runs
 *    without the pool's lock).
 *  - When opening a connection fails with "too many connections" (421 or a
 *    greeting/login text saying so), the cap drops to the number open and
 *    the request waits for one of those instead of failing. With none open
 *    it is an error.
 *  - On check-in the caller passes the last result; a connection whose
 *    result says it is broken (dropped, timed out, out of step) is closed,
 *    and the next request opens a fresh one. A connection idle in the pool
 *    that the server closed (readable EOF or a 421) is found at check-out by
 *    a zero-time poll and replaced without the caller noticing.
 *  - Housekeeping (a caller's thread, every few seconds) sends NOOP on
 *    connections idle for keepalive seconds and closes those idle longer
 *    than the idle limit. Connections whose TLS session is near the end of
 *    its lifetime are replaced at check-out, before a data connection would
 *    fail to resume it.
 * Locking: every field below is protected by mu; network I/O never happens
 * with mu held.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "conn.h"
#include "sock.h"
#include "server.h"

#define POOL_MAX 64
#define RECLAIM_EVERY_MS 100

/* A request waiting for a connection, in line. */
struct waiter {
	struct waiter *next;
	enum ftps_use use;
};

struct ftps_pool {
	const struct ftps_config *cfg;
	struct ftps_tls *tls;
	struct ftps_server server;      /* learnt facts (atomic: no lock needed) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned max;                   /* configured */
	unsigned cap;                   /* learnt from the server, <= max */
	unsigned open;                  /* open or being opened */
	unsigned xfer_out;              /* checked out for transfers */
	unsigned lost;                  /* connections lost and not yet replaced */
	unsigned nidle;
	struct ftps_conn *idle[POOL_MAX];   /* most recently used last */
	struct ftps_conn *xfer_conns[POOL_MAX]; /* which checked-out ones are transfers */
	struct waiter *wq_head, *wq_tail;       /* requests in line, oldest first */
	int (*reclaim)(void *arg);              /* give back an idle transfer connection */
	void *reclaim_arg;
};

struct ftps_pool *ftps_pool_new(const struct ftps_config *cfg, struct ftps_tls *tls,
                                unsigned max_conns)
{
	struct ftps_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cfg = cfg;
	p->tls = tls;
	ftps_server_init(&p->server);
	p->max = max_conns < 1 ? 1 : max_conns > POOL_MAX ? POOL_MAX : max_conns;
	p->cap = p->max;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	return p;
}

void ftps_pool_free(struct ftps_pool *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->nidle; i++)
		ftps_conn_close(p->idle[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	ftps_server_destroy(&p->server);
	free(p);
}

unsigned ftps_pool_cap(struct ftps_pool *p)
{
	pthread_mutex_lock(&p->mu);
	unsigned cap = p->cap;
	pthread_mutex_unlock(&p->mu);
	return cap;
}

struct ftps_server *ftps_pool_server(struct ftps_pool *p)
{
	return &p->server;
}

struct ftps_stats *ftps_pool_stats(struct ftps_pool *p)
{
	return &p->server.stats;
}

void ftps_pool_stats_read(struct ftps_pool *p, struct ftps_stats_view *v)
{
	memset(v, 0, sizeof(*v));
	pthread_mutex_lock(&p->mu);
	v->conns = p->open;
	v->conns_cap = p->cap;
	pthread_mutex_unlock(&p->mu);
	ftps_stats_copy(&p->server.stats, v);
	long long at = 0;
	if (ftps_log_last_problem(v->last_error, sizeof(v->last_error), &at))
		v->last_error_at = (int64_t)at;
}

/* A connection was dropped because it failed (mu held): the next one
 * opened replaces it, and counts as a reconnect. */
static void lost_one(struct ftps_pool *p)
{
	p->lost++;
}

void ftps_pool_set_reclaim(struct ftps_pool *p, int (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&p->mu);
	p->reclaim = fn;
	p->reclaim_arg = arg;
	pthread_mutex_unlock(&p->mu);
}

/* ---- the line (mu held) ---- */

static void line_join(struct ftps_pool *p, struct waiter *w)
{
	w->next = NULL;
	if (p->wq_tail)
		p->wq_tail->next = w;
	else
		p->wq_head = w;
	p->wq_tail = w;
}

static void line_leave(struct ftps_pool *p, struct waiter *w)
{
	struct waiter **pp = &p->wq_head, *prev = NULL;

	while (*pp && *pp != w) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = w->next;
	if (p->wq_tail == w)
		p->wq_tail = prev;
	/* The next in line may be served now. */
	pthread_cond_broadcast(&p->cv);
}

/* w is the oldest request of its kind. */
static int first_in_line(const struct ftps_pool *p, const struct waiter *w)
{
	for (const struct waiter *it = p->wq_head; it; it = it->next) {
		if (it == w)
			return 1;
		if (it->use == w->use)
			return 0;
	}
	return 1;
}

/* An idle connection the server has closed or is closing shows as
 * readable: there is nothing else it may send us unasked. */
static int idle_conn_alive(struct ftps_conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	if (!ftps_conn_usable(c) || c->rpos < c->rlen)
		return 0;
	return poll(&pfd, 1, 0) == 0;
}

static unsigned xfer_limit(const struct ftps_pool *p)
{
	return p->cap >= 2 ? p->cap - 1 : p->cap;
}

static void mark_xfer(struct ftps_pool *p, struct ftps_conn *c, int on)
{
	for (unsigned i = 0; i < POOL_MAX; i++) {
		if (on && !p->xfer_conns[i]) {
			p->xfer_conns[i] = c;
			p->xfer_out++;
			return;
		}
		if (!on && p->xfer_conns[i] == c) {
			p->xfer_conns[i] = NULL;
			p->xfer_out--;
			return;
		}
	}
}

/* Take an idle connection (most recently used first), dropping dead ones.
 * Called with mu held; closes the dead ones outside? They have no I/O left
 * to do, so abandoning them under the lock is cheap. */
static struct ftps_conn *take_idle(struct ftps_pool *p, enum ftps_use use)
{
	while (p->nidle > 0) {
		struct ftps_conn *c = p->idle[--p->nidle];
		int renew = use == FTPS_USE_XFER && ftps_conn_needs_renewal(c);

		if (!renew && idle_conn_alive(c))
			return c;
		ftps_debug("replacing a pooled connection (%s)",
		           renew ? "its TLS session is near the end of its lifetime"
		                 : "the server closed it");
		ftps_conn_abandon(c);
		p->open--;
		if (!renew)
			lost_one(p);
	}
	return NULL;
}

ftps_err ftps_pool_get(struct ftps_pool *p, enum ftps_use use, struct ftps_conn **out,
                       struct ftps_status *st)
{
	return ftps_pool_get_wait(p, use, ftps_config_timeout_ms(p->cfg),
	                          out, st);
}

ftps_err ftps_pool_get_wait(struct ftps_pool *p, enum ftps_use use, int tmo,
                            struct ftps_conn **out, struct ftps_status *st)
{
	int64_t deadline = ftps_now_ms() + tmo, next_reclaim = 0;
	struct waiter me = { NULL, use };
	ftps_err e = FTPS_OK;

	*out = NULL;
	pthread_mutex_lock(&p->mu);
	line_join(p, &me);
	for (;;) {
		int may = first_in_line(p, &me) &&
		          (use == FTPS_USE_SHORT || p->xfer_out < xfer_limit(p));

		if (may) {
			struct ftps_conn *c = take_idle(p, use);
			if (c) {
				if (use == FTPS_USE_XFER)
					mark_xfer(p, c, 1);
				line_leave(p, &me);
				pthread_mutex_unlock(&p->mu);
				*out = c;
				return FTPS_OK;
			}
			if (p->open < p->cap) {
				struct ftps_conn *nc = NULL;
				p->open++;
				if (use == FTPS_USE_XFER)
					p->xfer_out++;   /* reserve while opening */
				/* Out of the line while opening: the next one may
				 * open another at the same time (a login is many
				 * round trips; one at a time, a pool of 16 took
				 * seconds to fill at 20 ms). */
				line_leave(p, &me);
				pthread_cond_broadcast(&p->cv);
				pthread_mutex_unlock(&p->mu);
				e = conn_open_shared(p->cfg, p->tls, &p->server, &nc, st);
				pthread_mutex_lock(&p->mu);
				if (use == FTPS_USE_XFER)
					p->xfer_out--;
				if (e == FTPS_OK) {
					if (use == FTPS_USE_XFER)
						mark_xfer(p, nc, 1);
					if (p->lost > 0) {
						p->lost--;
						ftps_stats_add(&p->server.stats, FTPS_CTR_RECONNECTS, 1);
					}
					pthread_mutex_unlock(&p->mu);
					*out = nc;
					return FTPS_OK;
				}
				p->open--;
				pthread_cond_broadcast(&p->cv);
				if (e != FTPS_E_TOOMANY || p->open == 0)
					break;
				p->cap = p->open;
				ftps_info("the server allows no more connections: using at most %u", p->cap);
				line_join(p, &me);
				continue;   /* wait for one of those */
			}
		}
		int64_t now = ftps_now_ms();
		if (now >= deadline) {
			e = ftps_fail(st, FTPS_E_TIMEOUT, 0,
			              "all %u connections to the server stayed busy for %.1f s",
			              p->open, tmo / 1000.0);
			break;
		}
		/* Transfers waiting at the head of the line: ask for an idle one. */
		if (use == FTPS_USE_XFER && p->reclaim && first_in_line(p, &me) &&
		    p->xfer_out >= xfer_limit(p) && now >= next_reclaim) {
			int (*fn)(void *) = p->reclaim;
			void *arg = p->reclaim_arg;
			next_reclaim = now + RECLAIM_EVERY_MS;
			pthread_mutex_unlock(&p->mu);
			int freed = fn(arg);
			pthread_mutex_lock(&p->mu);
			if (freed)
				continue;
		}
		int64_t until_ms = p->reclaim && use == FTPS_USE_XFER && next_reclaim < deadline
		                   ? next_reclaim : deadline;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t wait_ms = until_ms - now < 1 ? 1 : until_ms - now;
		until.tv_sec += (time_t)(wait_ms / 1000);
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cv, &p->mu, &until);
	}
	line_leave(p, &me);
	pthread_mutex_unlock(&p->mu);
	return e;
}

/* Connections free for others if one more were taken now: idle ones and
 * those that may still be opened under the cap. */
static unsigned spare_left(const struct ftps_pool *p)
{
	unsigned can_open = p->cap > p->open ? p->cap - p->open : 0;

	return p->nidle + can_open;
}

ftps_err ftps_pool_get_spare(struct ftps_pool *p, int wait_ms, struct ftps_conn **out,
                             struct ftps_status *st)
{
	int64_t deadline = ftps_now_ms() + (wait_ms < 0 ? 0 : wait_ms);
	ftps_err e;

	*out = NULL;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		/* Never ahead of a request in line, never the last free one. */
		if (!p->wq_head && spare_left(p) >= 2) {
			struct ftps_conn *c = take_idle(p, FTPS_USE_SHORT);
			if (c) {
				pthread_mutex_unlock(&p->mu);
				*out = c;
				return FTPS_OK;
			}
			if (spare_left(p) >= 2) {
				struct ftps_conn *nc = NULL;
				p->open++;
				pthread_mutex_unlock(&p->mu);
				e = conn_open_shared(p->cfg, p->tls, &p->server, &nc, st);
				pthread_mutex_lock(&p->mu);
				if (e == FTPS_OK) {
					pthread_mutex_unlock(&p->mu);
					*out = nc;
					return FTPS_OK;
				}
				p->open--;
				pthread_cond_broadcast(&p->cv);
				/* The server allows no more: the cap comes down as for
				 * any request, and speculative work does without. */
				if (e == FTPS_E_TOOMANY && p->open > 0 && p->open < p->cap) {
					p->cap = p->open;
					ftps_info("the server allows no more connections: using at most %u",
					          p->cap);
				}
				pthread_mutex_unlock(&p->mu);
				return e;
			}
			continue;   /* take_idle dropped dead ones: look again */
		}
		int64_t now = ftps_now_ms();
		if (now >= deadline)
			break;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t ms = deadline - now;
		until.tv_sec += (time_t)(ms / 1000);
		until.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cv, &p->mu, &until);
	}
	pthread_mutex_unlock(&p->mu);
	return ftps_fail(st, FTPS_E_TIMEOUT, 0, "no spare connection");
}

void ftps_pool_put(struct ftps_pool *p, struct ftps_conn *c, ftps_err last)
{
	int broken;

	if (!c)
		return;
	broken = ftps_err_conn_broken(last) || !ftps_conn_usable(c);
	pthread_mutex_lock(&p->mu);
	mark_xfer(p, c, 0);
	if (broken || p->nidle >= POOL_MAX) {
		p->open--;
		if (broken)
			lost_one(p);
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		ftps_debug("closing a control connection after: %s", ftps_strerror(last));
		ftps_conn_abandon(c);
		return;
	}
	p->idle[p->nidle++] = c;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void ftps_pool_housekeep(struct ftps_pool *p, int keepalive_s, int idle_close_s)
{
	struct ftps_conn *work[POOL_MAX];
	unsigned nwork = 0;

	/* Take out the ones that need attention, oldest first. */
	pthread_mutex_lock(&p->mu);
	for (unsigned i = 0; i < p->nidle;) {
		struct ftps_conn *c = p->idle[i];
		double idle = ftps_conn_idle_seconds(c);
		if ((idle_close_s > 0 && idle >= idle_close_s) ||
		    (keepalive_s > 0 && idle >= keepalive_s) || !idle_conn_alive(c)) {
			work[nwork++] = c;
			memmove(&p->idle[i], &p->idle[i + 1], (p->nidle - i - 1) * sizeof(p->idle[0]));
			p->nidle--;
			continue;
		}
		i++;
	}
	pthread_mutex_unlock(&p->mu);

	for (unsigned i = 0; i < nwork; i++) {
		struct ftps_conn *c = work[i];
		double idle = ftps_conn_idle_seconds(c);
		int keep = idle_conn_alive(c) && !(idle_close_s > 0 && idle >= idle_close_s) &&
		           ftps_noop(c, NULL) == FTPS_OK && ftps_conn_usable(c);

		if (!keep) {
			int closed = idle_close_s > 0 && idle >= idle_close_s && ftps_conn_usable(c);
			if (closed)
				ftps_conn_close(c);
			else
				ftps_conn_abandon(c);
			pthread_mutex_lock(&p->mu);
			p->open--;
			if (!closed)
				lost_one(p);
			pthread_cond_broadcast(&p->cv);
			pthread_mutex_unlock(&p->mu);
			continue;
		}
		pthread_mutex_lock(&p->mu);
		p->idle[p->nidle++] = c;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}
