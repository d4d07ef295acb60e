/* segplan.h - the bookkeeping of a segmented read (reader_seg.c): which
 * ranges of a file are being fetched ahead, on which slot, how much of
 * each has arrived. Pure: no threads, no network; the caller locks.
 *
 * A sequential read of a large file whose one stream is slow is read
 * ahead as ranges [start, start + len) of at most range_len bytes, one
 * after another from the frontier, each on a slot (a buffer) of its own.
 * A range is claimed by a worker (CLAIMED), fills from its start, and ends
 * DONE (every byte there) or FAILED (what arrived before the failure is
 * good; the rest is the reader's to fetch itself). The reader takes bytes
 * in order and frees the slots it has passed. The file's size from the
 * listing bounds every range: none reaches past it.
 */
#ifndef FTPS_SEGPLAN_H
#define FTPS_SEGPLAN_H

#include <stddef.h>
#include <stdint.h>

#define FTPS_SEG_SLOTS_MAX 8

enum ftps_seg_state {
	FTPS_SEG_FREE = 0,
	FTPS_SEG_CLAIMED,       /* a worker is filling it */
	FTPS_SEG_DONE,          /* every byte of the range is there */
	FTPS_SEG_FAILED,        /* [start, start + filled) is good, the rest missing */
};

struct ftps_seg_range {
	uint64_t start;
	size_t len;
	size_t filled;          /* bytes from start that have arrived */
	enum ftps_seg_state state;
};

struct ftps_segplan {
	uint64_t size;          /* the file's size from the listing */
	size_t range_len;
	unsigned nslots;
	uint64_t frontier;      /* where the next range claimed starts */
	struct ftps_seg_range slot[FTPS_SEG_SLOTS_MAX];
};

/* Ranges from `from` on, of range_len bytes (> 0), on nslots slots (at
 * most FTPS_SEG_SLOTS_MAX). */
void ftps_segplan_init(struct ftps_segplan *p, uint64_t size, size_t range_len,
                       unsigned nslots, uint64_t from);
/* The next range, on a free slot: its slot, or -1 when no slot is free
 * or the frontier has reached the end of the file. */
int ftps_segplan_claim(struct ftps_segplan *p);
/* A claimed range nobody could fetch: given back (the frontier steps back
 * when it was the last claimed), else FAILED so the reader fetches it. */
void ftps_segplan_unclaim(struct ftps_segplan *p, int i);
/* n more bytes of slot i arrived (never past its length). */
void ftps_segplan_fill(struct ftps_segplan *p, int i, size_t n);
/* Slot i's worker stopped: DONE when every byte is there, else FAILED. */
void ftps_segplan_end(struct ftps_segplan *p, int i);
/* The slot whose range holds off (any state but FREE), or -1. */
int ftps_segplan_find(const struct ftps_segplan *p, uint64_t off);
/* Bytes at off (inside slot i's range) that may be taken now. */
size_t ftps_segplan_ready(const struct ftps_segplan *p, int i, uint64_t off);
/* Where a stream of the reader's own that reads at off must stop: the
 * start of the first range after off, or the end of the file. */
uint64_t ftps_segplan_limit(const struct ftps_segplan *p, uint64_t off);
/* Free the slots (DONE or FAILED) whose range ends at or before off.
 * Returns how many. */
unsigned ftps_segplan_release(struct ftps_segplan *p, uint64_t off);
/* Slots in use (not FREE). */
unsigned ftps_segplan_busy(const struct ftps_segplan *p);

/* -o segments=N (the engine's segments): the most connections one
 * sequential read uses at once (0 and 1: off). */
#define FTPS_SEG_DEFAULT 4
#define FTPS_SEG_MAX 16

#endif
