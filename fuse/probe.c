/* probe.c - ftpsfs --probe URL: connect, log in, and print what a person
 * troubleshooting a server needs, without mounting anything.
 */
#include <stdio.h>
#include <string.h>

#include "probe.h"
#include "text.h"

/* Print label and text, the server's words made safe for a terminal
 * (ftps_text_clean), line by line. */
static void put_clean(const char *label, const char *text)
{
	char line[1024];

	fputs(label, stdout);
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		size_t k = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
		memcpy(line, p, k);
		line[k] = '\0';
		if (k && line[k - 1] == '\r')
			line[--k] = '\0';
		ftps_text_clean(line, k);
		fputs(line, stdout);
		p += n;
		if (*p == '\n') {
			p++;
			if (*p)
				fputc('\n', stdout);
		}
	}
	fputc('\n', stdout);
}

struct probe_count {
	unsigned n;
	struct ftps_entry first[5];
};

static int probe_entry(void *arg, struct ftps_entry *e)
{
	struct probe_count *pc = arg;

	if (pc->n < 5) {
		pc->first[pc->n] = *e;
		pc->first[pc->n].link_target = NULL;
	}
	pc->n++;
	return 0;
}

int ftpsfs_probe(const struct ftps_config *cfg, struct ftps_tls *tls, const char *path)
{
	struct ftps_status st = { 0 };
	struct ftps_conn_info info;
	struct probe_count pc;
	struct ftps_conn *c;
	ftps_err e;

	printf("server:        %s port %u (%s)\n", cfg->host, cfg->port,
	       cfg->security == FTPS_SEC_IMPLICIT ? "implicit FTPS" :
	       cfg->security == FTPS_SEC_EXPLICIT ? "explicit FTPS (AUTH TLS)" : "plain FTP");
	e = ftps_conn_open(cfg, tls, &c, &st);
	if (e != FTPS_OK) {
		fprintf(stderr, "ftpsfs: %s\n", st.msg);
		return 1;
	}
	ftps_conn_get_info(c, &info);
	printf("address:       %s\n", info.peer);
	put_clean("greeting:      ", info.greeting);
	printf("TLS:           %s, %s\n", info.tls_version, info.cipher[0] ? info.cipher : "-");
	if (info.cert_subject[0]) {
		put_clean("certificate:   ", info.cert_subject);
		put_clean("issuer:        ", info.cert_issuer);
		printf("valid:         %s .. %s\n", info.cert_not_before, info.cert_not_after);
		printf("fingerprint:   %s\n", info.fingerprint);
	}
	printf("login:         ok as %s\n", cfg->user ? cfg->user : "anonymous");
	put_clean("FEAT:\n", ftps_conn_feat_text(c)[0] ? ftps_conn_feat_text(c) : "  (none)");
	const struct ftps_caps *caps = ftps_conn_caps(c);
	printf("listing with:  %s\n",
	       cfg->listing == FTPS_LISTMODE_LIST ? "LIST (-o listing=list)" :
	       cfg->listing == FTPS_LISTMODE_MLSD ? "MLSD (-o listing=mlsd)" :
	       caps->mlst ? "MLSD" : "LIST (the server has no MLSD)");
	printf("data mode:     %s\n", cfg->active ? "active (EPRT/PORT)" : "passive (EPSV/PASV)");

	memset(&pc, 0, sizeof(pc));
	for (int i = 0; i < 2 && e == FTPS_OK; i++) {
		pc.n = 0;
		e = ftps_list(c, path, probe_entry, &pc, &st);
	}
	ftps_conn_get_info(c, &info);
	if (e != FTPS_OK) {
		put_clean("test listing:  FAILED: ", st.msg);
	} else {
		char shown[FTPS_MAX_PATH];
		snprintf(shown, sizeof(shown), "%s", path);
		ftps_text_clean(shown, strlen(shown));
		printf("test listing:  %s: %u entries", shown, pc.n);
		for (unsigned i = 0; i < pc.n && i < 5; i++) {
			ftps_text_clean(pc.first[i].name, strlen(pc.first[i].name));
			printf("%s%s", i ? ", " : " (", pc.first[i].name);
		}
		printf("%s\n", pc.n > 5 ? ", ...)" : pc.n ? ")" : "");
	}
	printf("session reuse: %u of %u data connections resumed the control connection's "
	       "TLS session\n", info.data_resumed, info.data_conns);
	ftps_conn_close(c);
	return e == FTPS_OK ? 0 : 1;
}
