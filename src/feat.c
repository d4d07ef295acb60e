/* feat.c - capabilities from the FEAT reply (RFC 2389).
 *
 * One feature per line, after a space, in any case; arguments follow the
 * name after a space. Lines as real servers send them:
 *
 *   AUTH TLS                                   vsftpd, ProFTPD, pure-ftpd
 *   AUTH TLS;TLS-C;SSL;TLS-P;                  IIS (one line, ';' list)
 *   MLST type*;size*;modify*;UNIX.mode*;       pure-ftpd, ProFTPD
 *   REST STREAM
 *   HASH SHA-256;SHA-1*;MD5;CRC32              draft-bryan-ftpext-hash
 *   XSHA1 filename;start;end                   Serv-U
 *
 * The server is not trusted to be tidy: lines are bounded by the reply
 * parser, unknown features are ignored, and nothing here allocates.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "feat.h"

/* One line of the reply, split into a feature name and its arguments
 * (pointers into a local copy, NUL-terminated). */
struct feat_line {
	char buf[FTPS_MAX_LINE + 1];
	char *name;
	char *args;     /* "" when none */
};

/* Copy the line [s, s+len) and split it. Returns 0 when it is a feature
 * line, -1 for the "211-Features:" / "211 End" frame and empty lines. */
static int split_line(const char *s, size_t len, struct feat_line *fl)
{
	char *p, *end;

	if (len > FTPS_MAX_LINE)
		len = FTPS_MAX_LINE;
	memcpy(fl->buf, s, len);
	fl->buf[len] = '\0';
	p = fl->buf;
	/* The frame: three digits then '-' or ' ' (or nothing) at column 0. */
	if (len >= 3 && isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && (p[3] == '-' || p[3] == ' ' || p[3] == '\0'))
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	if (*p == '\0')
		return -1;
	fl->name = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	if (*p != '\0') {
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
	}
	fl->args = p;
	return 0;
}

/* Next token of args separated by any of seps; NULL at the end. Tokens are
 * NUL-terminated in place. */
static char *next_token(char **args, const char *seps)
{
	char *p = *args, *tok;

	p += strspn(p, seps);
	if (*p == '\0')
		return NULL;
	tok = p;
	p += strcspn(p, seps);
	if (*p != '\0')
		*p++ = '\0';
	*args = p;
	return tok;
}

static const struct {
	const char *name;
	enum ftps_hash_algo algo;
} hash_names[] = {
	{ "CRC32", FTPS_HASH_CRC32 },
	{ "MD5", FTPS_HASH_MD5 },
	{ "SHA-1", FTPS_HASH_SHA1 },
	{ "SHA-256", FTPS_HASH_SHA256 },
	{ "SHA-512", FTPS_HASH_SHA512 },
};

static enum ftps_hash_algo hash_from_name(const char *s)
{
	for (size_t i = 0; i < sizeof hash_names / sizeof hash_names[0]; i++)
		if (strcasecmp(s, hash_names[i].name) == 0)
			return hash_names[i].algo;
	return FTPS_HASH_NONE;
}

const char *ftps_hash_name(enum ftps_hash_algo a)
{
	for (size_t i = 0; i < sizeof hash_names / sizeof hash_names[0]; i++)
		if (hash_names[i].algo == a)
			return hash_names[i].name;
	return "none";
}

/* "SHA-256;SHA-1*;MD5": the offered algorithms, '*' on the current one. */
static void parse_hash(char *args, struct ftps_caps *caps)
{
	char *tok;
	int guard = 0;

	caps->hash = 1;
	while ((tok = next_token(&args, "; \t")) != NULL && guard++ < 64) {
		size_t n = strlen(tok);
		int current = 0;
		enum ftps_hash_algo a;

		if (n > 0 && tok[n - 1] == '*') {
			tok[n - 1] = '\0';
			current = 1;
		}
		a = hash_from_name(tok);
		if (a == FTPS_HASH_NONE)
			continue;       /* SHA-224, SHA-384, ...: not for us */
		caps->hash_algos |= 1u << a;
		if (current)
			caps->hash_current = a;
	}
}

/* "TLS", or IIS's "TLS;TLS-C;SSL;TLS-P;". TLS-C is RFC 4217's synonym. */
static void parse_auth(char *args, struct ftps_caps *caps)
{
	char *tok;
	int guard = 0;

	while ((tok = next_token(&args, ";, \t")) != NULL && guard++ < 64)
		if (strcasecmp(tok, "TLS") == 0 || strcasecmp(tok, "TLS-C") == 0)
			caps->auth_tls = 1;
}

/* Keep the facts lower-cased and printable; cut at the last whole fact
 * when they do not fit (a hostile server may send kilobytes). */
static void parse_mlst(const char *args, struct ftps_caps *caps)
{
	size_t cap = sizeof caps->mlst_facts;
	size_t n = 0;

	caps->mlst = 1;
	for (const char *p = args; *p != '\0' && *p != ' ' && *p != '\t'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7F)
			continue;
		if (n + 1 >= cap) {
			while (n > 0 && caps->mlst_facts[n - 1] != ';')
				n--;
			break;
		}
		caps->mlst_facts[n++] = (char)tolower(c);
	}
	caps->mlst_facts[n] = '\0';
}

static void parse_line(struct feat_line *fl, struct ftps_caps *caps)
{
	const char *n = fl->name;

	if (strcasecmp(n, "MLST") == 0)
		parse_mlst(fl->args, caps);
	else if (strcasecmp(n, "MLSD") == 0)
		caps->mlst = 1;         /* MLSD without MLST: facts unknown */
	else if (strcasecmp(n, "EPSV") == 0)
		caps->epsv = 1;
	else if (strcasecmp(n, "EPRT") == 0)
		caps->eprt = 1;
	else if (strcasecmp(n, "UTF8") == 0)
		caps->utf8 = 1;
	else if (strcasecmp(n, "REST") == 0) {
		char *tok;
		while ((tok = next_token(&fl->args, " \t")) != NULL)
			if (strcasecmp(tok, "STREAM") == 0)
				caps->rest_stream = 1;
	} else if (strcasecmp(n, "SIZE") == 0)
		caps->size = 1;
	else if (strcasecmp(n, "MDTM") == 0)
		caps->mdtm = 1;
	else if (strcasecmp(n, "MFMT") == 0)
		caps->mfmt = 1;
	else if (strcasecmp(n, "MFF") == 0)
		caps->mff = 1;
	else if (strcasecmp(n, "TVFS") == 0)
		caps->tvfs = 1;
	else if (strcasecmp(n, "AUTH") == 0)
		parse_auth(fl->args, caps);
	else if (strcasecmp(n, "PBSZ") == 0)
		caps->pbsz = 1;
	else if (strcasecmp(n, "PROT") == 0)
		caps->prot = 1;
	else if (strcasecmp(n, "HASH") == 0)
		parse_hash(fl->args, caps);
	else if (strcasecmp(n, "XCRC") == 0)
		caps->xcrc = 1;
	else if (strcasecmp(n, "XMD5") == 0)
		caps->xmd5 = 1;
	else if (strcasecmp(n, "XSHA1") == 0)
		caps->xsha1 = 1;
	else if (strcasecmp(n, "XSHA256") == 0)
		caps->xsha256 = 1;
	else if (strcasecmp(n, "XSHA512") == 0)
		caps->xsha512 = 1;
}

void ftps_feat_parse(const struct ftps_reply *r, struct ftps_caps *caps)
{
	struct feat_line fl;    /* 8 KiB of stack: fine, and thread-safe */
	const char *s, *end;

	/* Everything: FEAT is read afresh on every new connection (what is
	 * learnt about the server by using it is in server.c). */
	memset(caps, 0, sizeof *caps);
	if (r == NULL || r->code != 211)
		return;
	caps->feat_ok = 1;
	s = r->text;
	end = r->text + strnlen(r->text, sizeof r->text);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);

		if (split_line(s, len, &fl) == 0)
			parse_line(&fl, caps);
		s += len + (nl != NULL ? 1 : 0);
	}
}

/* Strongest of the algorithms in the bit set, NONE when empty. */
static enum ftps_hash_algo strongest(unsigned algos)
{
	for (int a = FTPS_HASH_SHA512; a > FTPS_HASH_NONE; a--)
		if (algos & (1u << a))
			return (enum ftps_hash_algo)a;
	return FTPS_HASH_NONE;
}

enum ftps_hash_algo ftps_caps_best_hash(const struct ftps_caps *caps, int *use_hash_cmd)
{
	enum ftps_hash_algo via_hash = FTPS_HASH_NONE, via_x;
	unsigned x = 0;

	if (use_hash_cmd != NULL)
		*use_hash_cmd = 0;
	if (caps == NULL)
		return FTPS_HASH_NONE;
	if (caps->hash)
		via_hash = strongest(caps->hash_algos);
	if (caps->xcrc)
		x |= 1u << FTPS_HASH_CRC32;
	if (caps->xmd5)
		x |= 1u << FTPS_HASH_MD5;
	if (caps->xsha1)
		x |= 1u << FTPS_HASH_SHA1;
	if (caps->xsha256)
		x |= 1u << FTPS_HASH_SHA256;
	if (caps->xsha512)
		x |= 1u << FTPS_HASH_SHA512;
	via_x = strongest(x);
	/* HASH is the standard track and says which algorithm it used, so it
	 * wins a tie. */
	if (via_hash != FTPS_HASH_NONE && via_hash >= via_x) {
		if (use_hash_cmd != NULL)
			*use_hash_cmd = 1;
		return via_hash;
	}
	return via_x;
}

unsigned ftps_caps_hash_algos(const struct ftps_caps *caps)
{
	unsigned a = 0;

	if (caps == NULL)
		return 0;
	if (caps->hash)
		a |= caps->hash_algos;
	a |= (caps->xcrc ? 1u << FTPS_HASH_CRC32 : 0) | (caps->xmd5 ? 1u << FTPS_HASH_MD5 : 0) |
	     (caps->xsha1 ? 1u << FTPS_HASH_SHA1 : 0) | (caps->xsha256 ? 1u << FTPS_HASH_SHA256 : 0) |
	     (caps->xsha512 ? 1u << FTPS_HASH_SHA512 : 0);
	return a & ~(1u << FTPS_HASH_NONE);
}

/* Append " word" (no space first) to buf, which holds *off bytes; a word
 * that does not fit whole is left out. */
static void add_word(char *buf, size_t len, size_t *off, const char *word)
{
	size_t need = strlen(word) + (*off > 0 ? 1 : 0);

	if (*off + need >= len)
		return;
	snprintf(buf + *off, len - *off, "%s%s", *off > 0 ? " " : "", word);
	*off += need;
}

void ftps_caps_summary(const struct ftps_caps *caps, char *buf, size_t len)
{
	char word[FTPS_MAX_LINE];
	size_t off = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (caps == NULL || !caps->feat_ok) {
		snprintf(buf, len, "none");
		return;
	}
	const struct {
		int on;
		const char *name;
	} flags[] = {
		{ caps->epsv, "EPSV" }, { caps->eprt, "EPRT" }, { caps->utf8, "UTF8" },
		{ caps->rest_stream, "REST" }, { caps->size, "SIZE" }, { caps->mdtm, "MDTM" },
		{ caps->mfmt, "MFMT" }, { caps->mff, "MFF" }, { caps->tvfs, "TVFS" },
		{ caps->hash, NULL },   /* HASH(...), built below */
		{ caps->xcrc, "XCRC" }, { caps->xmd5, "XMD5" }, { caps->xsha1, "XSHA1" },
		{ caps->xsha256, "XSHA256" }, { caps->xsha512, "XSHA512" },
	};

	if (caps->mlst) {
		size_t n = strlen(caps->mlst_facts), w;
		/* The facts as offered, without the '*' marks and the last ';'. */
		w = (size_t)snprintf(word, sizeof(word), "MLST(");
		for (size_t i = 0; i < n && w + 2 < sizeof(word); i++)
			if (caps->mlst_facts[i] != '*' && !(caps->mlst_facts[i] == ';' && i + 1 == n))
				word[w++] = caps->mlst_facts[i];
		word[w++] = ')';
		word[w] = '\0';
		add_word(buf, len, &off, n > 0 ? word : "MLST");
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!flags[i].on)
			continue;
		if (flags[i].name) {
			add_word(buf, len, &off, flags[i].name);
			continue;
		}
		/* HASH with its algorithms, strongest first. */
		size_t w = (size_t)snprintf(word, sizeof(word), "HASH(");
		for (int a = FTPS_HASH_SHA512; a > FTPS_HASH_NONE; a--)
			if (caps->hash_algos & (1u << a))
				w += (size_t)snprintf(word + w, sizeof(word) - w, "%s%s",
				                      word[w - 1] == '(' ? "" : ",",
				                      ftps_hash_name((enum ftps_hash_algo)a));
		snprintf(word + w, sizeof(word) - w, ")");
		add_word(buf, len, &off, word);
	}
	if (off == 0)
		snprintf(buf, len, "none");
}
