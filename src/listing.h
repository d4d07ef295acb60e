/* listing.h - directory listing parsers: MLSD/MLST facts (RFC 3659),
 * Unix "ls -l" style LIST and Windows/IIS (DOS) style LIST.
 *
 * Pure code: no sockets, no globals. Names are checked before they leave
 * this module: ".", "..", names containing '/' or NUL, empty names and
 * names longer than FTPS_MAX_NAME are dropped.
 */
#ifndef FTPS_LISTING_H
#define FTPS_LISTING_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "ftps_limits.h"
#include "path.h"          /* ftps_name_ok: which names a listing passes on */

enum ftps_ftype {
	FTPS_FT_UNKNOWN = 0,
	FTPS_FT_FILE,
	FTPS_FT_DIR,
	FTPS_FT_LINK,
	FTPS_FT_OTHER,          /* device, fifo, socket */
};

/* How precise a modification time is. */
enum ftps_tprec {
	FTPS_TP_NONE = 0,       /* no time known */
	FTPS_TP_DAY,            /* "Mon DD  YYYY" */
	FTPS_TP_MINUTE,         /* "Mon DD HH:MM", DOS listings */
	FTPS_TP_SECOND,         /* MLSD modify=YYYYMMDDHHMMSS, MDTM */
	FTPS_TP_SUBSEC,         /* MLSD modify=YYYYMMDDHHMMSS.sss */
};

struct ftps_entry {
	char name[FTPS_MAX_NAME + 1];
	enum ftps_ftype type;
	int has_size;
	uint64_t size;
	enum ftps_tprec mtime_prec;
	int64_t mtime;          /* seconds since the epoch, UTC */
	int32_t mtime_nsec;
	int has_mode;
	uint32_t mode;          /* permission bits only (07777) */
	int has_perm;           /* MLSD perm fact present */
	char perm[16];          /* MLSD perm fact, e.g. "adfrw" */
	int has_owner;          /* numeric uid/gid from unix.uid/unix.gid */
	uint32_t uid, gid;
	char *link_target;      /* malloc'd symlink target from LIST, or NULL */
	char unique[64];        /* MLSD unique fact, "" if none */
};

/* Release what an entry owns (link_target); the entry itself is the caller's. */
void ftps_entry_clear(struct ftps_entry *e);

/* Parse one MLSD/MLST line ("fact=value;fact=value; name"). Returns 0 and
 * fills *e, or -1 when the line is to be skipped (malformed, a cdir/pdir
 * entry, a bad name). A leading space (MLST's indented line) is accepted. */
int ftps_parse_mlsx_line(const char *line, size_t len, struct ftps_entry *e);

/* Parse a 'YYYYMMDDHHMMSS[.sss]' time (MLSD modify, MDTM reply) as UTC.
 * Returns 0 on success. */
int ftps_parse_time14(const char *s, size_t len, int64_t *sec, int32_t *nsec,
                      enum ftps_tprec *prec);

/* Parse one LIST line in Unix or DOS style. now (UTC) decides the year of
 * "Mon DD HH:MM" dates: the latest such date not more than a day after now.
 * Returns 0 and fills *e, or -1 to skip (total lines, garbage, bad names). */
int ftps_parse_list_line(const char *line, size_t len, time_t now,
                         struct ftps_entry *e);

/* Incremental listing parser: feed the data connection's bytes in any
 * chunking; each complete line (LF or CRLF) is parsed and good entries are
 * passed to the callback. A line over FTPS_MAX_LINE is skipped. */
enum ftps_listing_kind { FTPS_LISTING_MLSD, FTPS_LISTING_LIST };

typedef int (*ftps_entry_cb)(void *arg, struct ftps_entry *e);

struct ftps_listing_parser {
	enum ftps_listing_kind kind;
	time_t now;
	ftps_entry_cb cb;       /* returns 0 to go on, non-zero to stop; it
	                         * may take e->link_target (set it to NULL) */
	void *arg;
	char line[FTPS_MAX_LINE + 1];
	size_t linelen;
	int overlong;           /* dropping the rest of an overlong line */
	size_t entries;         /* entries passed so far */
	size_t skipped;         /* lines skipped so far */
	int stopped;            /* callback asked to stop, or entry bound hit */
};

void ftps_listing_parser_init(struct ftps_listing_parser *p,
                              enum ftps_listing_kind kind, time_t now,
                              ftps_entry_cb cb, void *arg);
/* Returns 0, or the callback's non-zero value once it stopped. */
int ftps_listing_feed(struct ftps_listing_parser *p, const char *buf, size_t len);
/* Parse a last line without a line end. */
int ftps_listing_finish(struct ftps_listing_parser *p);


#endif
