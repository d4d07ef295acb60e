/* list_mlsx.c - MLSD and MLST lines (RFC 3659, section 7): facts, then
 * the name, e.g.
 *
 *   type=file;size=1234;modify=20240115143000.123;perm=adfrw;UNIX.mode=0644; a b
 */
#include <string.h>
#include "listing_int.h"

/* What the facts said, before it is checked and copied into the entry. */
struct mlsx_facts {
	int cdir;               /* type=cdir or pdir: no entry */
	int has_sizd;
	uint64_t sizd;
	int has_uid, has_gid;
	const char *target;     /* from type=OS.unix=slink:target */
	size_t targetlen;
};

/* Octal digits (e.g. "0644", "100644", "755"); the permission bits only. */
static int parse_octal_mode(const char *s, size_t len, uint32_t *mode)
{
	uint32_t v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -1;
		v = v * 8 + (uint32_t)(s[i] - '0');
	}
	*mode = v & 07777;
	return 0;
}

static int parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v;

	if (lst_parse_u64(s, len, &v) != 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* type=file|dir|cdir|pdir|OS.unix=slink:/target|OS.unix=chr... */
static void mlsx_type(const char *v, size_t vlen, struct ftps_entry *e,
                      struct mlsx_facts *f)
{
	const char *sub;
	size_t sublen, n;

	if (lst_word_is(v, vlen, "file"))
		e->type = FTPS_FT_FILE;
	else if (lst_word_is(v, vlen, "dir"))
		e->type = FTPS_FT_DIR;
	else if (lst_word_is(v, vlen, "cdir") || lst_word_is(v, vlen, "pdir"))
		f->cdir = 1;
	else if (lst_starts_with(v, vlen, "OS.unix=")) {
		sub = v + 8;
		sublen = vlen - 8;
		n = 0;
		while (n < sublen && sub[n] != ':')
			n++;
		if (lst_word_is(sub, n, "slink") || lst_word_is(sub, n, "symlink")) {
			e->type = FTPS_FT_LINK;
			if (n < sublen) {
				f->target = sub + n + 1;
				f->targetlen = sublen - n - 1;
			}
		} else if (lst_word_is(sub, n, "dir")) {
			e->type = FTPS_FT_DIR;
		} else if (lst_word_is(sub, n, "file")) {
			e->type = FTPS_FT_FILE;
		} else {
			e->type = FTPS_FT_OTHER;        /* blk, chr, fifo, sock... */
		}
	} else {
		e->type = FTPS_FT_UNKNOWN;
	}
}

/* One "name=value" fact. Unknown facts are ignored; a malformed value of
 * an optional fact is ignored too, except a size that does not fit: then
 * the entry cannot be trusted. */
static int mlsx_fact(const char *k, size_t klen, const char *v, size_t vlen,
                     struct ftps_entry *e, struct mlsx_facts *f,
                     const char **why)
{
	if (lst_word_is(k, klen, "type")) {
		mlsx_type(v, vlen, e, f);
	} else if (lst_word_is(k, klen, "size")) {
		if (lst_parse_u64(v, vlen, &e->size) != 0) {
			*why = "bad size fact";
			return -1;
		}
		e->has_size = 1;
	} else if (lst_word_is(k, klen, "sizd")) {
		if (lst_parse_u64(v, vlen, &f->sizd) == 0)
			f->has_sizd = 1;
	} else if (lst_word_is(k, klen, "modify")) {
		if (ftps_parse_time14(v, vlen, &e->mtime, &e->mtime_nsec,
		                      &e->mtime_prec) != 0) {
			e->mtime = 0;
			e->mtime_nsec = 0;
			e->mtime_prec = FTPS_TP_NONE;
		}
	} else if (lst_word_is(k, klen, "perm")) {
		size_t n = vlen < sizeof(e->perm) - 1 ? vlen : sizeof(e->perm) - 1;
		memcpy(e->perm, v, n);
		e->perm[n] = '\0';
		e->has_perm = 1;
	} else if (lst_word_is(k, klen, "unix.mode")) {
		if (parse_octal_mode(v, vlen, &e->mode) == 0)
			e->has_mode = 1;
	} else if (lst_word_is(k, klen, "unix.uid") || lst_word_is(k, klen, "unix.owner")) {
		/* unix.owner may be a name on some servers: only numbers count. */
		if (parse_u32(v, vlen, &e->uid) == 0)
			f->has_uid = 1;
	} else if (lst_word_is(k, klen, "unix.gid") || lst_word_is(k, klen, "unix.group")) {
		if (parse_u32(v, vlen, &e->gid) == 0)
			f->has_gid = 1;
	} else if (lst_word_is(k, klen, "unique")) {
		/* A cut-short unique could collide with another: keep none. */
		if (vlen < sizeof(e->unique)) {
			memcpy(e->unique, v, vlen);
			e->unique[vlen] = '\0';
		}
	}
	return 0;
}

/* Split the line into facts and name. The facts end at the first "; "
 * (no value may hold a ';'); the name after it is taken verbatim. A line
 * starting with a blank is MLST's indented form, or an entry without any
 * facts (" name"). */
static int mlsx_split(const char *line, size_t len, const char **facts,
                      size_t *flen, const char **name, size_t *nlen)
{
	size_t start = (len > 0 && line[0] == ' ') ? 1 : 0;
	size_t i;

	if (start < len && line[start] == ' ') {
		*facts = line + start;
		*flen = 0;
		*name = line + start + 1;
		*nlen = len - start - 1;
		return 0;
	}
	for (i = start; i + 1 < len; i++) {
		if (line[i] == ';' && line[i + 1] == ' ') {
			*facts = line + start;
			*flen = i + 1 - start;
			*name = line + i + 2;
			*nlen = len - i - 2;
			return 0;
		}
	}
	if (start == 1) {
		*facts = line + 1;
		*flen = 0;
		*name = line + 1;
		*nlen = len - 1;
		return 0;
	}
	return -1;
}

int lst_mlsx_parse(const char *line, size_t len, struct ftps_entry *e,
               const char **why)
{
	struct mlsx_facts f;
	const char *facts, *name;
	size_t flen, nlen, i, j, eq;

	memset(e, 0, sizeof(*e));
	memset(&f, 0, sizeof(f));
	lst_strip_eol(line, &len);
	if (len == 0)
		return PARSE_IGNORE;
	if (mlsx_split(line, len, &facts, &flen, &name, &nlen) != 0) {
		*why = "no \"; \" before the name";
		return PARSE_SKIP;
	}

	for (i = 0; i < flen; i = j + 1) {
		for (j = i; j < flen && facts[j] != ';'; j++)
			;
		if (j == i)
			continue;               /* ";;" */
		for (eq = i; eq < j && facts[eq] != '='; eq++)
			;
		if (eq == i || eq == j) {
			*why = "fact without name=value";
			return PARSE_SKIP;
		}
		if (mlsx_fact(facts + i, eq - i, facts + eq + 1, j - eq - 1, e, &f,
		              why) != 0)
			return PARSE_SKIP;
	}
	if (f.cdir)
		return PARSE_IGNORE;
	if (!e->has_size && f.has_sizd) {
		e->has_size = 1;
		e->size = f.sizd;
	}
	e->has_owner = f.has_uid && f.has_gid;
	if (!e->has_owner)
		e->uid = e->gid = 0;
	if (lst_set_name(e, name, nlen) != 0) {
		*why = "bad name";
		return PARSE_SKIP;
	}
	if (f.target != NULL && lst_set_target(e, f.target, f.targetlen) != 0) {
		*why = "bad link target";
		return PARSE_SKIP;
	}
	return PARSE_OK;
}
