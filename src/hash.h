/* hash.h - hashing what an upload sends, to compare with the server's
 * HASH (or XSHA256 and kin) afterwards: -o verify=hash.
 */
#ifndef FTPS_HASH_H
#define FTPS_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "feat.h"

struct ftps_hasher {
	enum ftps_hash_algo algo;       /* FTPS_HASH_NONE: hashes nothing */
	EVP_MD_CTX *md;
	uint32_t crc;
};

/* Start a digest in algo (NONE when algo is not one we can compute).
 * 0, or -1 when OpenSSL failed (then NONE). */
int ftps_hasher_init(struct ftps_hasher *h, enum ftps_hash_algo algo);
void ftps_hasher_update(struct ftps_hasher *h, const void *p, size_t n);
/* The digest in lower-case hex into out ("" when none). */
void ftps_hasher_hex(struct ftps_hasher *h, char *out, size_t outlen);
void ftps_hasher_free(struct ftps_hasher *h);

#endif
