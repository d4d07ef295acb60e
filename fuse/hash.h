/* hash.h - hashing what an upload sends, to compare with the server's
 * HASH (or XSHA256 and kin) afterwards: -o verify=hash.
 */
#ifndef FTPSFS_HASH_H
#define FTPSFS_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "feat.h"

struct ftpsfs_hasher {
	enum ftps_hash_algo algo;       /* FTPS_HASH_NONE: hashes nothing */
	EVP_MD_CTX *md;
	uint32_t crc;
};

/* Start a digest in algo (NONE when algo is not one we can compute).
 * 0, or -1 when OpenSSL failed (then NONE). */
int ftpsfs_hasher_init(struct ftpsfs_hasher *h, enum ftps_hash_algo algo);
void ftpsfs_hasher_update(struct ftpsfs_hasher *h, const void *p, size_t n);
/* The digest in lower-case hex into out ("" when none). */
void ftpsfs_hasher_hex(struct ftpsfs_hasher *h, char *out, size_t outlen);
void ftpsfs_hasher_free(struct ftpsfs_hasher *h);

#endif
