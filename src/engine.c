/* engine.c - an engine's set-up and end (see engine.h). */
#include <string.h>

#include "engine.h"
#include "leftovers.h"
#include "reader.h"
#include "segplan.h"

void ftps_engine_init(struct ftps_engine *eng, const struct ftps_config *cfg,
                      struct ftps_pool *pool, int atomic, enum ftps_verify verify)
{
	memset(eng, 0, sizeof(*eng));
	eng->cfg = cfg;
	eng->pool = pool;
	eng->atomic = atomic;
	eng->verify = verify;
	eng->segments = FTPS_SEG_DEFAULT;
	pthread_mutex_init(&eng->lo.mu, NULL);
}

void ftps_engine_destroy(struct ftps_engine *eng)
{
	ftps_reader_drains_wait();
	ftps_stranded_free(eng);
	ftps_orphans_free(eng);
	pthread_mutex_destroy(&eng->lo.mu);
}
