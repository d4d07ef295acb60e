/* fuzz_options.c - libFuzzer target for the command line and .netrc parsers.
 *
 * The input is split at newlines into argv words (at most 64) and handed to
 * ftpsfs_opts_parse, then, when it parsed, to ftpsfs_opts_to_config. The
 * same bytes are also read as .netrc text. Neither path may read stdin or
 * a terminal, exit, or leak. Run by scripts/fuzz; options.c reads its rows
 * from options_table.c and the words of a bad-value line from
 * options_text.c, and needs ftps_config_init from src/conn.c, hence the
 * rest of the core:
 *
 * fuzz-sources: fuse/options.c fuse/options_table.c src/segplan.c fuse/options_text.c src/netrc.c src/login.c src/conn.c src/cmd.c src/config.c src/server.c src/tls.c src/tls_peer.c src/sock.c src/xfer.c src/xfer_open.c src/xfer_prepare.c src/ops.c src/ops_stat.c src/stat_list.c src/pool.c src/dircache.c src/dircache_set.c src/dircache_table.c src/dircache_update.c src/pathtab.c src/replies.c src/stats.c src/retry.c
 * fuzz-pkg: fuse3 openssl
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"
#include "netrc.h"

#define MAX_WORDS 64
#define MAX_INPUT 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct ftpsfs_opts o;
	struct ftps_config cfg;
	struct ftps_netrc_entry e;
	char err[512];
	char *text;
	size_t start = 0;

	if (size > MAX_INPUT)
		return 0;
	if (!quiet) {
		ftps_log_set_level(FTPS_LOG_ERROR);     /* -o insecure warns */
		quiet = 1;
	}
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	if (ftps_netrc_find(text, size, "h", NULL, &e, err, sizeof(err)) == 1)
		ftps_netrc_entry_clear(&e);
	if (ftps_netrc_find(text, size, "ftp.example.org", "alice", &e, err, sizeof(err)) == 1)
		ftps_netrc_entry_clear(&e);

	if (fuse_opt_add_arg(&args, "ftpsfs") != 0)
		goto out;
	for (size_t i = 0; i <= size && args.argc <= MAX_WORDS; i++) {
		if (i == size || text[i] == '\n') {
			text[i] = '\0';
			if (fuse_opt_add_arg(&args, text + start) != 0)
				goto out;
			start = i + 1;
		}
	}
	if (ftpsfs_opts_parse(&args, &o, err, sizeof(err)) == 0 && o.url_parsed)
		ftpsfs_opts_to_config(&o, &cfg, err, sizeof(err));
	ftpsfs_opts_free(&o);
out:
	fuse_opt_free_args(&args);
	free(text);
	return 0;
}
