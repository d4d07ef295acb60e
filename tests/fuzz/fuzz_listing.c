/* fuzz_listing.c - libFuzzer target for the listing parsers (src/listing.c
 * and src/list_*.c).
 *
 * The first byte picks MLSD or LIST and a chunk size; the rest is a data
 * connection's bytes. They are parsed whole and in chunks, which must give
 * the same entries, and every entry must be safe to hand to the kernel.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "listing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int entry_cb(void *arg, struct ftps_entry *e)
{
	uint64_t *h = arg;
	size_t n = strlen(e->name);

	if (!ftps_name_ok(e->name, n) || (e->mode & ~07777u) != 0 ||
	    e->mtime_nsec < 0 || e->mtime_nsec > 999999999 ||
	    (e->link_target && strlen(e->link_target) > FTPS_MAX_LINK_TARGET))
		abort();
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ (uint8_t)e->name[i]) * 1099511628211u;
	*h = (*h ^ (e->size + (uint64_t)e->type + (uint64_t)e->mtime)) * 1099511628211u;
	return 0;
}

static uint64_t run(const uint8_t *data, size_t size, size_t step)
{
	static struct ftps_listing_parser p;
	uint64_t h = 14695981039346656037u;
	size_t off;

	ftps_listing_parser_init(&p, data[0] & 1 ? FTPS_LISTING_MLSD : FTPS_LISTING_LIST,
	                         1718452800, entry_cb, &h);
	for (off = 1; off < size; off += step)
		ftps_listing_feed(&p, (const char *)data + off, size - off < step ? size - off : step);
	ftps_listing_finish(&p);
	return h ^ p.entries ^ (p.skipped << 32);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && run(data, size, size) != run(data, size, 1 + (data[0] >> 1) % 31))
		abort();
	return 0;
}
