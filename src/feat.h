/* feat.h - the server's capabilities, from its FEAT reply (RFC 2389).
 *
 *   211-Features:
 *    MLST type*;size*;modify*;perm*;unix.mode;
 *    EPSV
 *    UTF8
 *    REST STREAM
 *    HASH SHA-256;SHA-1*;MD5
 *   211 End
 */
#ifndef FTPS_FEAT_H
#define FTPS_FEAT_H

#include "reply.h"

enum ftps_hash_algo {
	FTPS_HASH_NONE = 0,
	FTPS_HASH_CRC32,
	FTPS_HASH_MD5,
	FTPS_HASH_SHA1,
	FTPS_HASH_SHA256,
	FTPS_HASH_SHA512,
};

struct ftps_caps {
	int feat_ok;            /* FEAT was answered with 211 */
	int mlst;               /* MLST/MLSD available */
	char mlst_facts[256];   /* the facts as offered, lower case, e.g. "type*;size*;modify*;" */
	int epsv, eprt;
	int utf8;
	int rest_stream;
	int size, mdtm, mfmt, mff;
	int tvfs;
	int auth_tls, pbsz, prot;
	int hash;               /* HASH command (draft-bryan-ftpext-hash) */
	unsigned hash_algos;    /* bit (1u << ftps_hash_algo) per algorithm offered */
	enum ftps_hash_algo hash_current; /* the one marked '*' */
	int xcrc, xmd5, xsha1, xsha256, xsha512;
};

/* Fill *caps from a FEAT reply (any code; only 211 sets feat_ok). Unknown
 * lines are ignored. Matching is case-insensitive. */
void ftps_feat_parse(const struct ftps_reply *r, struct ftps_caps *caps);

/* The strongest hash the server offers, via HASH or an X-command. */
enum ftps_hash_algo ftps_caps_best_hash(const struct ftps_caps *caps, int *use_hash_cmd);
const char *ftps_hash_name(enum ftps_hash_algo a);  /* "SHA-256", ... */
/* Every algorithm the server can hash a file with, by HASH or an
 * X-command: bit (1u << ftps_hash_algo) each. */
unsigned ftps_caps_hash_algos(const struct ftps_caps *caps);
/* What FEAT offered, on one line for people: "MLST(type;size;modify) EPSV
 * UTF8 REST SIZE MDTM HASH(SHA-256,SHA-1) XCRC" ("none" without FEAT). */
void ftps_caps_summary(const struct ftps_caps *caps, char *buf, size_t len);

#endif
