/* segplan.c - the bookkeeping of a segmented read (see segplan.h). */
#include <string.h>

#include "segplan.h"

void ftps_segplan_init(struct ftps_segplan *p, uint64_t size, size_t range_len,
                       unsigned nslots, uint64_t from)
{
	memset(p, 0, sizeof(*p));
	p->size = size;
	p->range_len = range_len ? range_len : 1;
	p->nslots = nslots > FTPS_SEG_SLOTS_MAX ? FTPS_SEG_SLOTS_MAX : nslots;
	p->frontier = from < size ? from : size;
}

int ftps_segplan_claim(struct ftps_segplan *p)
{
	if (p->frontier >= p->size)
		return -1;
	for (unsigned i = 0; i < p->nslots; i++) {
		struct ftps_seg_range *s = &p->slot[i];
		if (s->state != FTPS_SEG_FREE)
			continue;
		uint64_t left = p->size - p->frontier;
		s->start = p->frontier;
		s->len = left < p->range_len ? (size_t)left : p->range_len;
		s->filled = 0;
		s->state = FTPS_SEG_CLAIMED;
		p->frontier += s->len;
		return (int)i;
	}
	return -1;
}

static int valid(const struct ftps_segplan *p, int i)
{
	return i >= 0 && (unsigned)i < p->nslots;
}

void ftps_segplan_unclaim(struct ftps_segplan *p, int i)
{
	if (!valid(p, i) || p->slot[i].state != FTPS_SEG_CLAIMED)
		return;
	struct ftps_seg_range *s = &p->slot[i];
	if (s->filled == 0 && s->start + s->len == p->frontier) {
		p->frontier = s->start;
		s->state = FTPS_SEG_FREE;
		return;
	}
	s->state = FTPS_SEG_FAILED;
}

void ftps_segplan_fill(struct ftps_segplan *p, int i, size_t n)
{
	if (!valid(p, i) || p->slot[i].state != FTPS_SEG_CLAIMED)
		return;
	struct ftps_seg_range *s = &p->slot[i];
	s->filled = n > s->len - s->filled ? s->len : s->filled + n;
}

void ftps_segplan_end(struct ftps_segplan *p, int i)
{
	if (!valid(p, i) || p->slot[i].state != FTPS_SEG_CLAIMED)
		return;
	struct ftps_seg_range *s = &p->slot[i];
	s->state = s->filled == s->len ? FTPS_SEG_DONE : FTPS_SEG_FAILED;
}

int ftps_segplan_find(const struct ftps_segplan *p, uint64_t off)
{
	for (unsigned i = 0; i < p->nslots; i++) {
		const struct ftps_seg_range *s = &p->slot[i];
		if (s->state != FTPS_SEG_FREE && off >= s->start && off - s->start < s->len)
			return (int)i;
	}
	return -1;
}

size_t ftps_segplan_ready(const struct ftps_segplan *p, int i, uint64_t off)
{
	if (!valid(p, i) || p->slot[i].state == FTPS_SEG_FREE)
		return 0;
	const struct ftps_seg_range *s = &p->slot[i];
	if (off < s->start || off - s->start >= s->filled)
		return 0;
	return s->filled - (size_t)(off - s->start);
}

uint64_t ftps_segplan_limit(const struct ftps_segplan *p, uint64_t off)
{
	uint64_t lim = p->size;

	for (unsigned i = 0; i < p->nslots; i++) {
		const struct ftps_seg_range *s = &p->slot[i];
		if (s->state != FTPS_SEG_FREE && s->start > off && s->start < lim)
			lim = s->start;
	}
	return lim > off ? lim : off;
}

unsigned ftps_segplan_release(struct ftps_segplan *p, uint64_t off)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->nslots; i++) {
		struct ftps_seg_range *s = &p->slot[i];
		if ((s->state == FTPS_SEG_DONE || s->state == FTPS_SEG_FAILED) &&
		    s->start + s->len <= off) {
			s->state = FTPS_SEG_FREE;
			n++;
		}
	}
	return n;
}

unsigned ftps_segplan_busy(const struct ftps_segplan *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->nslots; i++)
		n += p->slot[i].state != FTPS_SEG_FREE;
	return n;
}
