/* stats.c - counters of what a mount is doing, and their names and
 * values as shown (see stats.h).
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stats.h"
#include "text.h"

void ftps_stats_init(struct ftps_stats *s)
{
	for (int i = 0; i < FTPS_CTR_COUNT; i++)
		atomic_init(&s->ctr[i], 0);
	atomic_init(&s->hash_algos, 0u);
	pthread_mutex_init(&s->mu, NULL);
	s->banner[0] = s->syst[0] = s->features[0] = '\0';
}

void ftps_stats_destroy(struct ftps_stats *s)
{
	pthread_mutex_destroy(&s->mu);
}

void ftps_stats_add(struct ftps_stats *s, enum ftps_counter c, int64_t n)
{
	if (s && (unsigned)c < FTPS_CTR_COUNT)
		atomic_fetch_add_explicit(&s->ctr[c], n, memory_order_relaxed);
}

/* A server's text, made safe to show on one line. */
static void set_text(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
	ftps_text_clean(dst, strlen(dst));
}

void ftps_stats_set_server(struct ftps_stats *s, const char *greeting,
                           const struct ftps_caps *caps)
{
	const char *g = greeting ? greeting : "";

	if (!s || (atomic_load(&s->hash_algos) & FTPS_STATS_KNOWN))
		return;
	/* "220 ProFTPD Server ..." / "220-..." : the text after the code. */
	if (strlen(g) >= 4 && g[0] >= '1' && g[0] <= '5' && (g[3] == ' ' || g[3] == '-'))
		g += 4;
	pthread_mutex_lock(&s->mu);
	if (!(atomic_load(&s->hash_algos) & FTPS_STATS_KNOWN)) {
		set_text(s->banner, sizeof(s->banner), g);
		ftps_caps_summary(caps, s->features, sizeof(s->features));
		atomic_store(&s->hash_algos, ftps_caps_hash_algos(caps) | FTPS_STATS_KNOWN);
	}
	pthread_mutex_unlock(&s->mu);
}

void ftps_stats_set_syst(struct ftps_stats *s, const char *syst)
{
	pthread_mutex_lock(&s->mu);
	set_text(s->syst, sizeof(s->syst), syst);
	pthread_mutex_unlock(&s->mu);
}

int ftps_stats_has_syst(struct ftps_stats *s)
{
	pthread_mutex_lock(&s->mu);
	int has = s->syst[0] != '\0';
	pthread_mutex_unlock(&s->mu);
	return has;
}

unsigned ftps_stats_hash_algos(const struct ftps_stats *s)
{
	return atomic_load(&s->hash_algos) & ~FTPS_STATS_KNOWN;
}

void ftps_stats_copy(struct ftps_stats *s, struct ftps_stats_view *v)
{
	for (int i = 0; i < FTPS_CTR_COUNT; i++)
		v->ctr[i] = atomic_load_explicit(&s->ctr[i], memory_order_relaxed);
	pthread_mutex_lock(&s->mu);
	memcpy(v->banner, s->banner, sizeof(v->banner));
	memcpy(v->syst, s->syst, sizeof(v->syst));
	memcpy(v->features, s->features, sizeof(v->features));
	pthread_mutex_unlock(&s->mu);
}

/* ---- names and values ---- */

enum kind { K_CTR, K_CONNS, K_CAP, K_PENDING, K_KEPT, K_ERR, K_ERR_AT, K_BANNER, K_SYST,
            K_FEAT };

/* The names are part of the interface (scripts read them): never renamed. */
static const struct {
	const char *name;
	enum kind kind;
	enum ftps_counter ctr;
} stat_names[] = {
	{ "conns", K_CONNS, 0 },
	{ "conns_cap", K_CAP, 0 },
	{ "conns_opened", K_CTR, FTPS_CTR_CONNS_OPENED },
	{ "reconnects", K_CTR, FTPS_CTR_RECONNECTS },
	{ "tls_resumed", K_CTR, FTPS_CTR_TLS_RESUMED },
	{ "tls_full", K_CTR, FTPS_CTR_TLS_FULL },
	{ "bytes_down", K_CTR, FTPS_CTR_BYTES_DOWN },
	{ "bytes_up", K_CTR, FTPS_CTR_BYTES_UP },
	{ "uploads_running", K_CTR, FTPS_CTR_UPLOADS_RUNNING },
	{ "uploads_pending", K_PENDING, 0 },
	{ "uploads_failed", K_CTR, FTPS_CTR_UPLOADS_FAILED },
	{ "spool_kept", K_KEPT, 0 },
	{ "retries", K_CTR, FTPS_CTR_RETRIES },
	{ "last_error", K_ERR, 0 },
	{ "last_error_time", K_ERR_AT, 0 },
	{ "server", K_BANNER, 0 },
	{ "system", K_SYST, 0 },
	{ "features", K_FEAT, 0 },
};

const char *ftps_stats_name(size_t i)
{
	return i < sizeof(stat_names) / sizeof(stat_names[0]) ? stat_names[i].name : NULL;
}

/* s into buf, truncated: the length written. */
static int put(char *buf, size_t len, const char *s)
{
	int n = snprintf(buf, len, "%s", s);

	return n < 0 ? -1 : len > 0 && (size_t)n >= len ? (int)len - 1 : n;
}

int ftps_stats_value(const struct ftps_stats_view *v, const char *name, char *buf, size_t len)
{
	char tmp[32];
	size_t i;

	for (i = 0; i < sizeof(stat_names) / sizeof(stat_names[0]); i++)
		if (strcmp(name, stat_names[i].name) == 0)
			break;
	if (i == sizeof(stat_names) / sizeof(stat_names[0]) || len == 0)
		return -1;
	switch (stat_names[i].kind) {
	case K_CTR: {
		int64_t n = v->ctr[stat_names[i].ctr];
		snprintf(tmp, sizeof(tmp), "%" PRId64, n < 0 ? 0 : n);   /* a gauge read mid-change */
		return put(buf, len, tmp);
	}
	case K_CONNS:
		snprintf(tmp, sizeof(tmp), "%u", v->conns);
		return put(buf, len, tmp);
	case K_CAP:
		snprintf(tmp, sizeof(tmp), "%u", v->conns_cap);
		return put(buf, len, tmp);
	case K_PENDING:
		snprintf(tmp, sizeof(tmp), "%u", v->uploads_pending);
		return put(buf, len, tmp);
	case K_KEPT:
		snprintf(tmp, sizeof(tmp), "%u", v->spool_kept);
		return put(buf, len, tmp);
	case K_ERR:
		return put(buf, len, v->last_error_at ? v->last_error : "none");
	case K_ERR_AT: {
		struct tm tm;
		time_t t = (time_t)v->last_error_at;
		if (!v->last_error_at || !gmtime_r(&t, &tm))
			return put(buf, len, "never");
		strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		return put(buf, len, tmp);
	}
	case K_BANNER:
		return put(buf, len, v->banner[0] ? v->banner : "unknown");
	case K_SYST:
		return put(buf, len, v->syst[0] ? v->syst : "unknown");
	case K_FEAT:
		return put(buf, len, v->features[0] ? v->features : "none");
	}
	return -1;
}
