/* config.c - the configuration's defaults, decided in one place. */
#include <stdlib.h>
#include <string.h>

#include "ftps.h"

void ftps_config_init(struct ftps_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 21;
	cfg->security = FTPS_SEC_EXPLICIT;
	cfg->timeout_ms = 30000;
	cfg->listing = FTPS_LISTMODE_AUTO;
	/* A knob for tests and for comparing, not an option: STAT listings
	 * are checked against LIST and fall back by themselves. */
	const char *sl = getenv("FTPSFS_STAT_LIST");
	cfg->stat_list = !(sl && strcmp(sl, "0") == 0);
}

int ftps_config_timeout_ms(const struct ftps_config *cfg)
{
	return cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
}

int ftps_config_connect_timeout_ms(const struct ftps_config *cfg)
{
	return cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms
	                                   : ftps_config_timeout_ms(cfg);
}
