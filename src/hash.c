/* hash.c - the digest of what an upload sends (see hash.h). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

#include "hash.h"

static uint32_t crc_table[256];

static void crc_table_fill(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const uint32_t *table = crc_table;

	pthread_once(&once, crc_table_fill);   /* uploads hash in their own threads */
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

int ftps_hasher_init(struct ftps_hasher *h, enum ftps_hash_algo algo)
{
	const EVP_MD *md = NULL;

	memset(h, 0, sizeof(*h));
	h->algo = algo;
	switch (algo) {
	case FTPS_HASH_MD5: md = EVP_md5(); break;
	case FTPS_HASH_SHA1: md = EVP_sha1(); break;
	case FTPS_HASH_SHA256: md = EVP_sha256(); break;
	case FTPS_HASH_SHA512: md = EVP_sha512(); break;
	case FTPS_HASH_CRC32: return 0;
	default: h->algo = FTPS_HASH_NONE; return 0;
	}
	h->md = EVP_MD_CTX_new();
	if (!h->md || EVP_DigestInit_ex(h->md, md, NULL) != 1) {
		EVP_MD_CTX_free(h->md);
		h->md = NULL;
		h->algo = FTPS_HASH_NONE;
		return -1;
	}
	return 0;
}

void ftps_hasher_update(struct ftps_hasher *h, const void *p, size_t n)
{
	if (h->md)
		EVP_DigestUpdate(h->md, p, n);
	else if (h->algo == FTPS_HASH_CRC32)
		h->crc = crc32_update(h->crc, p, n);
}

void ftps_hasher_hex(struct ftps_hasher *h, char *out, size_t outlen)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t off = 0;

	out[0] = '\0';
	if (h->algo == FTPS_HASH_CRC32) {
		snprintf(out, outlen, "%08x", h->crc);
		return;
	}
	if (!h->md || EVP_DigestFinal_ex(h->md, d, &n) != 1)
		return;
	for (unsigned i = 0; i < n && off + 3 <= outlen; i++)
		off += (size_t)snprintf(out + off, outlen - off, "%02x", d[i]);
}

void ftps_hasher_free(struct ftps_hasher *h)
{
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
}
