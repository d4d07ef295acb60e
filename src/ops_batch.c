/* ops_batch.c - FTP verbs sent together, ahead of their replies
 * (ftps_command_batch): one round trip where one at a time would take
 * several. Each reply is judged as it arrives, as ops.c judges it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "conn.h"
#include "path.h"
#include "replies.h"
#include "server.h"

/* One command of a group and what its reply said. */
struct step {
	char line[FTPS_MAX_PATH + 64];
	int ok1, ok2;               /* the codes that mean success */
	enum ftps_ctx ctx;
	const char *what;
	enum { ST_PLAIN, ST_SIZE, ST_MDTM, ST_EPSV } kind;
	int got;                    /* its reply came */
	int code;
	ftps_err e;                 /* the reply's verdict */
	struct ftps_status st;      /* and its reason */
	uint64_t size;              /* ST_SIZE; ST_EPSV: the port */
	int64_t mtime;              /* ST_MDTM */
};

static void step_reply(void *arg, size_t i, const struct ftps_reply *r)
{
	struct step *s = (struct step *)arg + i;

	s->got = 1;
	s->code = r->code;
	if (r->code != s->ok1 && r->code != s->ok2) {
		s->e = conn_reply_err(r, s->ctx, s->what, &s->st);
		if (s->e == FTPS_OK)    /* a 1xx-3xx where another was due */
			s->e = ftps_fail(&s->st, FTPS_E_PROTO, r->code, "%s: unexpected reply %d",
			                 s->what, r->code);
		return;
	}
	s->e = FTPS_OK;
	if (s->kind == ST_SIZE && ftps_parse_size_reply(r->text, r->len, &s->size) != 0)
		s->e = ftps_fail(&s->st, FTPS_E_PROTO, r->code, "unusable SIZE reply");
	if (s->kind == ST_MDTM && ftps_parse_mdtm_reply(r->text, r->len, &s->mtime) != 0)
		s->e = ftps_fail(&s->st, FTPS_E_PROTO, r->code, "unusable MDTM reply");
	if (s->kind == ST_EPSV) {
		uint16_t port = 0;
		if (ftps_parse_epsv(r->text, &port) != 0)
			s->e = ftps_fail(&s->st, FTPS_E_PROTO, r->code, "unusable EPSV reply");
		s->size = port;
	}
}

#define STEPS_MAX 8

/* Send the n (<= STEPS_MAX) steps together. FTPS_OK when every reply came
 * (each step's own verdict is in it), else the connection's failure. */
static ftps_err run_steps(struct ftps_conn *c, struct step *s, size_t n, struct ftps_status *st)
{
	const char *lines[STEPS_MAX];

	if (n > STEPS_MAX)
		return ftps_fail(st, FTPS_E_INVAL, 0, "too many commands in one group");
	for (size_t i = 0; i < n; i++) {
		lines[i] = s[i].line;
		s[i].got = 0;
		s[i].e = FTPS_E_CONN;
	}
	return ftps_command_batch(c, n, lines, step_reply, s, st);
}

static void step_set(struct step *s, int ok1, int ok2, enum ftps_ctx ctx, const char *what,
                     const char *verb, const char *arg)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->line, sizeof(s->line), "%s %s", verb, arg);
	s->ok1 = ok1;
	s->ok2 = ok2;
	s->ctx = ctx;
	s->what = what;
}

/* Copy a step's verdict into st. */
static ftps_err step_result(const struct step *s, struct ftps_status *st)
{
	if (st && s->e != FTPS_OK)
		*st = s->st;
	return s->e;
}

ftps_err ftps_size_chmod(struct ftps_conn *c, const char *path, int mode, uint64_t *size,
                         int *mode_set, struct ftps_status *st)
{
	struct step s[3];
	char arg[FTPS_MAX_PATH + 8];
	size_t n = 1, epsv = 0;
	ftps_err e;

	*mode_set = 0;
	if (ftps_path_ok(path) != 0)
		return ftps_fail(st, FTPS_E_INVAL, 0, "refusing a path with CR, LF or an unusable length");
	step_set(&s[0], 213, 213, FTPS_CTX_RETR, "SIZE", "SIZE", path);
	s[0].kind = ST_SIZE;
	if (mode >= 0) {
		snprintf(arg, sizeof(arg), "%04o %s", (unsigned)mode & 07777, path);
		step_set(&s[n++], 200, 250, FTPS_CTX_GENERIC, "SITE CHMOD", "SITE CHMOD", arg);
	}
	/* The next upload's EPSV rides along (see xfer_open.c): its data
	 * connection gets ready while the rename goes on. */
	if (xfer_can_prepare(c)) {
		epsv = n;
		step_set(&s[n], 229, 229, FTPS_CTX_DATA, "EPSV", "EPSV", "");
		s[n].line[4] = '\0';
		s[n++].kind = ST_EPSV;
	}
	if ((e = run_steps(c, s, n, st)) != FTPS_OK)
		return e;
	if (epsv && s[epsv].e == FTPS_OK)
		xfer_prepared_port(c, (uint16_t)s[epsv].size);
	else if (epsv && s[epsv].got)
		xfer_epsv_refused(c, s[epsv].code);
	*mode_set = mode >= 0 && s[1].e == FTPS_OK;
	*size = s[0].size;
	return step_result(&s[0], st);
}

ftps_err ftps_rename_timed(struct ftps_conn *c, const char *from, const char *to,
                           int64_t set_mtime, enum ftps_rn_stage *stage, int64_t *mtime,
                           int *mtime_ok, struct ftps_status *st)
{
	struct step s[3];
	size_t n = 2;
	ftps_err e;

	*stage = FTPS_RN_FROM;
	*mtime_ok = 0;
	if (ftps_path_ok(from) != 0 || ftps_path_ok(to) != 0)
		return ftps_fail(st, FTPS_E_INVAL, 0, "refusing a path with CR, LF or an unusable length");
	step_set(&s[0], 350, 350, FTPS_CTX_RENAME, "RNFR", "RNFR", from);
	step_set(&s[1], 250, 250, FTPS_CTX_RENAME, "RNTO", "RNTO", to);
	if (set_mtime < 0) {
		step_set(&s[n], 213, 213, FTPS_CTX_RETR, "MDTM", "MDTM", to);
		s[n++].kind = ST_MDTM;
	} else if (!ftps_server_knows(c->srv, FTPS_FACT_NO_MFMT) && c->caps.mfmt) {
		char arg[FTPS_MAX_PATH + 24], stamp[32];
		if (ftps_format_mdtm(set_mtime, stamp, sizeof(stamp)) == 0) {
			snprintf(arg, sizeof(arg), "%s %s", stamp, to);
			step_set(&s[n++], 213, 250, FTPS_CTX_RETR, "MFMT", "MFMT", arg);
		}
	}
	e = run_steps(c, s, n, st);
	/* How far it got, as ftps_rename_ex says it: RNTO counts as sent once
	 * RNFR was accepted - or when RNFR's reply never came, since both were
	 * on their way (the caller must then find out, st->unsure). */
	if (s[0].e == FTPS_OK || !s[0].got)
		*stage = FTPS_RN_TO;
	if (e != FTPS_OK)
		return e;
	if (s[0].e != FTPS_OK)
		return step_result(&s[0], st);
	if (s[1].e != FTPS_OK)
		return step_result(&s[1], st);
	if (n == 3 && s[2].e == FTPS_OK) {
		*mtime = s[2].kind == ST_MDTM ? s[2].mtime : set_mtime;
		*mtime_ok = 1;
	}
	return FTPS_OK;
}

ftps_err ftps_place_new(struct ftps_conn *c, const char *from, const char *to, int mode,
                        int64_t set_mtime, struct ftps_placed *p, struct ftps_status *st)
{
	struct step s[6];
	char arg[FTPS_MAX_PATH + 24], stamp[32];
	size_t n = 0, size_i, rnfr_i, rnto_i, time_i = 0, epsv_i = 0;
	ftps_err e;

	memset(p, 0, sizeof(*p));
	p->size_e = p->rn_e = FTPS_E_CONN;
	if (ftps_path_ok(from) != 0 || ftps_path_ok(to) != 0)
		return ftps_fail(st, FTPS_E_INVAL, 0, "refusing a path with CR, LF or an unusable length");
	size_i = n;
	step_set(&s[n], 213, 213, FTPS_CTX_RETR, "SIZE", "SIZE", from);
	s[n++].kind = ST_SIZE;
	if (mode >= 0) {
		snprintf(arg, sizeof(arg), "%04o %s", (unsigned)mode & 07777, from);
		step_set(&s[n++], 200, 250, FTPS_CTX_GENERIC, "SITE CHMOD", "SITE CHMOD", arg);
	}
	rnfr_i = n;
	step_set(&s[n++], 350, 350, FTPS_CTX_RENAME, "RNFR", "RNFR", from);
	rnto_i = n;
	step_set(&s[n++], 250, 250, FTPS_CTX_RENAME, "RNTO", "RNTO", to);
	if (set_mtime < 0) {
		time_i = n;
		step_set(&s[n], 213, 213, FTPS_CTX_RETR, "MDTM", "MDTM", to);
		s[n++].kind = ST_MDTM;
	} else if (!ftps_server_knows(c->srv, FTPS_FACT_NO_MFMT) && c->caps.mfmt &&
	           ftps_format_mdtm(set_mtime, stamp, sizeof(stamp)) == 0) {
		time_i = n;
		snprintf(arg, sizeof(arg), "%s %s", stamp, to);
		step_set(&s[n++], 213, 250, FTPS_CTX_RETR, "MFMT", "MFMT", arg);
	}
	if (xfer_can_prepare(c)) {
		epsv_i = n;
		step_set(&s[n], 229, 229, FTPS_CTX_DATA, "EPSV", "EPSV", "");
		s[n].line[4] = '\0';
		s[n++].kind = ST_EPSV;
	}
	e = run_steps(c, s, n, st);
	/* As ftps_rename_timed: RNTO counts as sent once RNFR was accepted, or
	 * when RNFR's reply never came. */
	p->stage = s[rnfr_i].e == FTPS_OK || !s[rnfr_i].got ? FTPS_RN_TO : FTPS_RN_FROM;
	if (e != FTPS_OK)
		return e;
	if (epsv_i && s[epsv_i].e == FTPS_OK)
		xfer_prepared_port(c, (uint16_t)s[epsv_i].size);
	else if (epsv_i && s[epsv_i].got)
		xfer_epsv_refused(c, s[epsv_i].code);
	p->size_e = step_result(&s[size_i], &p->size_st);
	p->size = s[size_i].size;
	p->mode_set = mode >= 0 && s[1].e == FTPS_OK;
	p->rn_e = s[rnfr_i].e != FTPS_OK ? step_result(&s[rnfr_i], &p->rn_st)
	                                 : step_result(&s[rnto_i], &p->rn_st);
	if (p->rn_e == FTPS_OK && time_i && s[time_i].e == FTPS_OK) {
		p->mtime = s[time_i].kind == ST_MDTM ? s[time_i].mtime : set_mtime;
		p->mtime_ok = 1;
	}
	return FTPS_OK;
}

/* ---- MDTM of many files ---- */

struct mdtm_many {
	int64_t *mtimes;
	int *ok;
	const size_t *index;    /* batch position -> caller's */
};

static void mdtm_reply(void *arg, size_t i, const struct ftps_reply *r)
{
	struct mdtm_many *m = arg;
	size_t k = m->index[i];

	m->ok[k] = r->code == 213 && ftps_parse_mdtm_reply(r->text, r->len, &m->mtimes[k]) == 0;
}

ftps_err ftps_mdtm_many(struct ftps_conn *c, size_t n, const char *const *paths,
                        int64_t *mtimes, int *ok, struct ftps_status *st)
{
	struct mdtm_many m = { mtimes, ok, NULL };
	const char **lines = calloc(n ? n : 1, sizeof(*lines));
	size_t *index = calloc(n ? n : 1, sizeof(*index));
	size_t used = 0;
	ftps_err e = FTPS_OK;

	if (!lines || !index) {
		e = ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ok[i] = 0;
		if (ftps_path_ok(paths[i]) != 0)
			continue;       /* not asked: it stays unknown */
		char *line = malloc(strlen(paths[i]) + 6);
		if (!line) {
			e = ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
			goto out;
		}
		sprintf(line, "MDTM %s", paths[i]);
		index[used] = i;
		lines[used++] = line;
	}
	m.index = index;
	if (used > 0)
		e = ftps_command_batch(c, used, lines, mdtm_reply, &m, st);
out:
	for (size_t i = 0; lines && i < used; i++)
		free((char *)lines[i]);
	free(lines);
	free(index);
	return e;
}
