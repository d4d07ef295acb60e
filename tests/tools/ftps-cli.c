/* ftps-cli.c - a small command-line client over the FTPS core, for the
 * integration tests and for debugging. Not installed.
 *
 *   ftps-cli [options] URL COMMAND [ARGS...]
 *
 * Options: --cafile FILE, --fingerprint HEX, --insecure, --active,
 *   --active-ports LO-HI, --pasv-addr, --timeout SECONDS, --tls 1.2|1.3,
 *   --listing auto|mlsd|list, --plaintext, -v (debug), -vv (trace).
 * The password comes from the environment variable FTPS_PASSWORD.
 *
 * Commands: ls DIR, get REMOTE LOCAL, put LOCAL REMOTE, append LOCAL REMOTE,
 *   getrange REMOTE OFFSET LEN LOCAL (RETR with REST, then abort),
 *   getrange-then-ls REMOTE OFFSET LEN LOCAL DIR (the same, then a listing
 *   of DIR on the same control connection: the abort left it in step),
 *   rm PATH, mv FROM TO, mkdir PATH, rmdir PATH, chmod OCTAL PATH,
 *   size PATH, mdtm PATH, setmtime PATH EPOCH, hash PATH, mlst PATH,
 *   reuse N DIR (N listings, then prints how many data connections resumed),
 *   pool N REMOTE (N threads download REMOTE through a pool of N connections,
 *   printing the bytes each got), info.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>

#include "ftps.h"

static void usage(void)
{
	fprintf(stderr, "usage: ftps-cli [--cafile F] [--fingerprint HEX] [--insecure] [--active] "
	                "[--active-ports LO-HI] [--pasv-addr] [--timeout S] [--tls 1.2|1.3] "
	                "[--listing auto|mlsd|list] [--plaintext] [-v|-vv] URL COMMAND ARGS...\n");
	exit(2);
}

static int print_entry(void *arg, struct ftps_entry *e)
{
	static const char types[] = "?fdlo";
	(void)arg;
	printf("%c\t%" PRIu64 "\t%" PRId64 "\t%o\t%s%s%s\n", types[e->type],
	       e->has_size ? e->size : 0, e->mtime, e->has_mode ? e->mode : 0, e->name,
	       e->link_target ? " -> " : "", e->link_target ? e->link_target : "");
	return 0;
}

static int count_entry(void *arg, struct ftps_entry *e)
{
	(void)e;
	(*(unsigned *)arg)++;
	return 0;
}

static ftps_err do_get(struct ftps_conn *c, const char *remote, uint64_t off, int64_t len,
                       const char *local, struct ftps_status *st)
{
	struct ftps_xfer *x;
	char buf[131072];
	FILE *f = fopen(local, "wb");
	ftps_err e;
	int64_t left = len;

	if (!f)
		return ftps_fail(st, FTPS_E_IO, 0, "%s: %s", local, strerror(errno));
	if ((e = ftps_retr_start(c, remote, off, &x, st)) != FTPS_OK) {
		fclose(f);
		return e;
	}
	for (;;) {
		size_t got, want = sizeof(buf);
		if (len >= 0 && (uint64_t)left < want)
			want = (size_t)left;
		if (len >= 0 && left == 0)
			break;
		if ((e = ftps_xfer_read(x, buf, want, &got, st)) != FTPS_OK) {
			ftps_xfer_abort(x, NULL);
			fclose(f);
			return e;
		}
		if (got == 0)
			break;
		fwrite(buf, 1, got, f);
		left -= (int64_t)got;
	}
	fclose(f);
	return len >= 0 && left == 0 ? ftps_xfer_abort(x, st) : ftps_xfer_finish(x, st);
}

static ftps_err do_put(struct ftps_conn *c, const char *local, const char *remote, int append,
                       struct ftps_status *st)
{
	struct ftps_xfer *x;
	char buf[131072];
	FILE *f = fopen(local, "rb");
	ftps_err e;
	size_t n;

	if (!f)
		return ftps_fail(st, FTPS_E_IO, 0, "%s: %s", local, strerror(errno));
	if ((e = ftps_stor_start(c, remote, append, &x, st)) != FTPS_OK) {
		fclose(f);
		return e;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if ((e = ftps_xfer_write(x, buf, n, st)) != FTPS_OK) {
			ftps_xfer_abort(x, NULL);
			fclose(f);
			return e;
		}
	}
	fclose(f);
	return ftps_xfer_finish(x, st);
}

struct pool_job {
	struct ftps_pool *pool;
	const char *remote;
	uint64_t bytes;
	ftps_err err;
	struct ftps_status st;
};

static void *pool_worker(void *arg)
{
	struct pool_job *j = arg;
	struct ftps_conn *c;
	struct ftps_xfer *x;
	char buf[65536];

	j->err = ftps_pool_get(j->pool, FTPS_USE_SHORT, &c, &j->st);
	if (j->err != FTPS_OK)
		return NULL;
	j->err = ftps_retr_start(c, j->remote, 0, &x, &j->st);
	while (j->err == FTPS_OK) {
		size_t got;
		j->err = ftps_xfer_read(x, buf, sizeof(buf), &got, &j->st);
		if (j->err != FTPS_OK) {
			ftps_xfer_abort(x, NULL);
			break;
		}
		if (got == 0) {
			j->err = ftps_xfer_finish(x, &j->st);
			break;
		}
		j->bytes += got;
	}
	ftps_pool_put(j->pool, c, j->err);
	return NULL;
}

static int run_pool(struct ftps_config *cfg, struct ftps_tls *tls, int n, const char *remote)
{
	struct ftps_pool *pool = ftps_pool_new(cfg, tls, (unsigned)n);
	struct pool_job jobs[16];
	pthread_t th[16];
	int rc = 0;

	if (n < 1 || n > 16)
		return 2;
	for (int i = 0; i < n; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].pool = pool;
		jobs[i].remote = remote;
		pthread_create(&th[i], NULL, pool_worker, &jobs[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		if (jobs[i].err != FTPS_OK) {
			fprintf(stderr, "ftps-cli: worker %d: %s\n", i, jobs[i].st.msg);
			rc = 1;
		}
		printf("%" PRIu64 "\n", jobs[i].bytes);
	}
	ftps_pool_free(pool);
	return rc;
}

int main(int argc, char **argv)
{
	struct ftps_config cfg;
	struct ftps_url url;
	struct ftps_status st = { 0 };
	struct ftps_tls *tls = NULL;
	struct ftps_conn *c = NULL;
	char err[256];
	ftps_err e = FTPS_OK;
	int i = 1;

	ftps_config_init(&cfg);
	ftps_log_set_level(FTPS_LOG_WARN);
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--cafile") && v) cfg.cafile = v, i++;
		else if (!strcmp(o, "--fingerprint") && v) {
			if (ftps_parse_fingerprint(v, cfg.fingerprint) != 0) usage();
			cfg.has_fingerprint = 1;
			i++;
		} else if (!strcmp(o, "--insecure")) cfg.insecure = 1;
		else if (!strcmp(o, "--active")) cfg.active = 1;
		else if (!strcmp(o, "--active-ports") && v) {
			unsigned lo, hi;
			if (sscanf(v, "%u-%u", &lo, &hi) != 2 || lo > hi || hi > 65535) usage();
			cfg.active_port_lo = (uint16_t)lo;
			cfg.active_port_hi = (uint16_t)hi;
			i++;
		} else if (!strcmp(o, "--pasv-addr")) cfg.use_pasv_addr = 1;
		else if (!strcmp(o, "--timeout") && v) cfg.timeout_ms = (int)strtol(v, NULL, 10) * 1000, i++;
		else if (!strcmp(o, "--tls") && v) {
			int ver = !strcmp(v, "1.2") ? TLS1_2_VERSION : !strcmp(v, "1.3") ? TLS1_3_VERSION : 0;
			if (!ver) usage();
			cfg.tls_min = cfg.tls_max = ver;
			i++;
		} else if (!strcmp(o, "--listing") && v) {
			cfg.listing = !strcmp(v, "mlsd") ? FTPS_LISTMODE_MLSD :
			              !strcmp(v, "list") ? FTPS_LISTMODE_LIST : FTPS_LISTMODE_AUTO;
			i++;
		} else if (!strcmp(o, "--plaintext")) ;
		else if (!strcmp(o, "-v")) ftps_log_set_level(FTPS_LOG_DEBUG);
		else if (!strcmp(o, "-vv")) ftps_log_set_level(FTPS_LOG_TRACE);
		else usage();
	}
	if (argc - i < 2)
		usage();
	if (ftps_url_parse(argv[i], &url, err, sizeof(err)) != 0) {
		fprintf(stderr, "ftps-cli: %s\n", err);
		return 2;
	}
	cfg.host = url.host;
	cfg.port = url.port;
	cfg.security = url.security;
	cfg.user = url.user;
	cfg.password = getenv("FTPS_PASSWORD");
	const char *cmd = argv[i + 1];
	char **a = argv + i + 2;
	int na = argc - i - 2;

	if (cfg.security != FTPS_SEC_PLAIN && (e = ftps_tls_new(&cfg, &tls, &st)) != FTPS_OK)
		goto out;
	if (!strcmp(cmd, "pool") && na == 2) {
		int rc = run_pool(&cfg, tls, atoi(a[0]), a[1]);
		ftps_tls_free(tls);
		ftps_url_free(&url);
		return rc;
	}
	if ((e = ftps_conn_open(&cfg, tls, &c, &st)) != FTPS_OK)
		goto out;
	if (!strcmp(cmd, "ls") && na == 1)
		e = ftps_list(c, a[0], print_entry, NULL, &st);
	else if (!strcmp(cmd, "get") && na == 2)
		e = do_get(c, a[0], 0, -1, a[1], &st);
	else if (!strcmp(cmd, "getrange") && na == 4)
		e = do_get(c, a[0], strtoull(a[1], NULL, 10), strtoll(a[2], NULL, 10), a[3], &st);
	else if (!strcmp(cmd, "getrange-then-ls") && na == 5) {
		e = do_get(c, a[0], strtoull(a[1], NULL, 10), strtoll(a[2], NULL, 10), a[3], &st);
		if (e == FTPS_OK)
			e = ftps_list(c, a[4], print_entry, NULL, &st);
	} else if (!strcmp(cmd, "put") && na == 2)
		e = do_put(c, a[0], a[1], 0, &st);
	else if (!strcmp(cmd, "append") && na == 2)
		e = do_put(c, a[0], a[1], 1, &st);
	else if (!strcmp(cmd, "rm") && na == 1)
		e = ftps_dele(c, a[0], &st);
	else if (!strcmp(cmd, "mv") && na == 2)
		e = ftps_rename(c, a[0], a[1], &st);
	else if (!strcmp(cmd, "mkdir") && na == 1)
		e = ftps_mkd(c, a[0], &st);
	else if (!strcmp(cmd, "rmdir") && na == 1)
		e = ftps_rmd(c, a[0], &st);
	else if (!strcmp(cmd, "chmod") && na == 2)
		e = ftps_chmod(c, a[1], (unsigned)strtoul(a[0], NULL, 8), &st);
	else if (!strcmp(cmd, "size") && na == 1) {
		uint64_t sz;
		if ((e = ftps_size(c, a[0], &sz, &st)) == FTPS_OK)
			printf("%" PRIu64 "\n", sz);
	} else if (!strcmp(cmd, "mdtm") && na == 1) {
		int64_t t;
		if ((e = ftps_mdtm(c, a[0], &t, &st)) == FTPS_OK)
			printf("%" PRId64 "\n", t);
	} else if (!strcmp(cmd, "setmtime") && na == 2)
		e = ftps_set_mtime(c, a[0], strtoll(a[1], NULL, 10), &st);
	else if (!strcmp(cmd, "hash") && na == 1) {
		enum ftps_hash_algo algo;
		char hex[200];
		if ((e = ftps_hash(c, a[0], &algo, hex, sizeof(hex), &st)) == FTPS_OK)
			printf("%s %s\n", ftps_hash_name(algo), hex);
	} else if (!strcmp(cmd, "mlst") && na == 1) {
		struct ftps_entry ent;
		memset(&ent, 0, sizeof(ent));
		if ((e = ftps_mlst(c, a[0], &ent, &st)) == FTPS_OK) {
			print_entry(NULL, &ent);
			ftps_entry_clear(&ent);
		}
	} else if (!strcmp(cmd, "reuse") && na == 2) {
		int n = atoi(a[0]);
		for (int k = 0; k < n && e == FTPS_OK; k++) {
			unsigned cnt = 0;
			e = ftps_list(c, a[1], count_entry, &cnt, &st);
		}
		struct ftps_conn_info info;
		ftps_conn_get_info(c, &info);
		printf("data=%u resumed=%u tls=%s\n", info.data_conns, info.data_resumed,
		       info.tls_version);
	} else if (!strcmp(cmd, "info") && na == 0) {
		struct ftps_conn_info info;
		ftps_conn_get_info(c, &info);
		printf("peer=%s\ntls=%s\ncipher=%s\nsubject=%s\nfingerprint=%s\n", info.peer,
		       info.tls_version, info.cipher, info.cert_subject, info.fingerprint);
		printf("%s\n", ftps_conn_feat_text(c));
	} else
		usage();
out:
	if (e != FTPS_OK)
		fprintf(stderr, "ftps-cli: %s\n", st.msg[0] ? st.msg : ftps_strerror(e));
	ftps_conn_close(c);
	ftps_tls_free(tls);
	ftps_url_free(&url);
	return e == FTPS_OK ? 0 : 1;
}
