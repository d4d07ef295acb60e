/* server.c - the learnt facts about a server (see server.h). */
#include <stdatomic.h>

#include "server.h"
#include "log.h"

/* What each fact means, as the log says it when it is learnt. Refusals a
 * user may want to know about are logged at info, the rest at debug. */
static const struct {
	const char *text;
	int info;
} fact_info[FTPS_FACT_COUNT] = {
	[FTPS_FACT_NO_EPSV] = { "it refuses EPSV: data connections use PASV", 1 },
	[FTPS_FACT_NO_EPRT] = { "it refuses EPRT: active data connections use PORT", 1 },
	[FTPS_FACT_NO_MFMT] = { "it has no MFMT: times are set with MDTM", 0 },
	[FTPS_FACT_NO_MDTM_SET] = { "it cannot set modification times", 1 },
	[FTPS_FACT_CUT_ANSWERED] = { "it answers a cut transfer", 0 },
	[FTPS_FACT_CUT_SILENT] = { "it stays silent after a cut transfer", 0 },
	[FTPS_FACT_APPE_REFUSED] = { "it refuses APPE: appends upload the whole file", 1 },
	[FTPS_FACT_NO_PIPELINING] = { "commands sent ahead of their replies went wrong: "
	                              "one at a time from now on", 1 },
	[FTPS_FACT_PIPELINING_OK] = { "it answers commands sent ahead of their replies", 0 },
	[FTPS_FACT_EPSV_OK] = { "it takes EPSV", 0 },
	[FTPS_FACT_STAT_LIST_OK] = { "STAT lists a folder as LIST does: folders are listed "
	                             "on the control connection", 0 },
	[FTPS_FACT_NO_STAT_LIST] = { "STAT gives no usable listing: folders are listed over "
	                             "data connections", 0 },
	[FTPS_FACT_DIR_MTIME_OK] = { "it sets folders' times", 0 },
	[FTPS_FACT_NO_DIR_MTIME] = { "it sets no folder's time (files' only): not asked again", 0 },
	[FTPS_FACT_DATA_CLOSE_NOTIFY] = { "it ends data connections with TLS close_notify: one "
	                                  "that ends without it was cut short", 0 },
};

void ftps_server_init(struct ftps_server *s)
{
	atomic_init(&s->facts, 0u);
	atomic_init(&s->stat_checked, 0u);
	ftps_stats_init(&s->stats);
}

void ftps_server_destroy(struct ftps_server *s)
{
	ftps_stats_destroy(&s->stats);
}

int ftps_server_knows(const struct ftps_server *s, enum ftps_fact f)
{
	return s && f < FTPS_FACT_COUNT &&
	       (atomic_load(&s->facts) & (1u << f)) != 0;
}

void ftps_server_learn(struct ftps_server *s, enum ftps_fact f)
{
	unsigned bit;

	if (!s || f >= FTPS_FACT_COUNT)
		return;
	bit = 1u << f;
	if (atomic_fetch_or(&s->facts, bit) & bit)
		return;     /* known already (another connection was first) */
	if (fact_info[f].info)
		ftps_info("learnt about the server: %s", fact_info[f].text);
	else
		ftps_debug("learnt about the server: %s", fact_info[f].text);
}

const char *ftps_fact_text(enum ftps_fact f)
{
	return f < FTPS_FACT_COUNT ? fact_info[f].text : "?";
}
