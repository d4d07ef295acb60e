/* leftovers.h - what failed uploads left on the server, dealt with later
 * by whoever runs the engine (the daemon's housekeeper), after a successful
 * upload and at unmount.
 *
 *  - orphans: temporary upload files a failed upload could not remove (the
 *    server was away); removed once it is back, backing off from 5 to 60 s.
 *  - stranded uploads: temporary files that may hold the only copy of
 *    their data (the rename into place failed half way); renamed into place
 *    once the final name is free, never deleted - unless a later upload of
 *    the same file, or its unlink, makes them obsolete.
 * Both lists hold server paths, follow renames on the server, and live in
 * the engine (struct ftps_leftovers) under its mutex.
 */
#ifndef FTPS_LEFTOVERS_H
#define FTPS_LEFTOVERS_H

#include "engine.h"

/* A temporary file of a failed upload that could not be removed now (the
 * server is away): removed later by ftps_orphans_sweep. A name that
 * turns out to be gone by then is no error. */
void ftps_orphan_add(struct ftps_engine *eng, const char *path);
/* Try again to remove the temporary files failed uploads left on a server
 * that was down: when due (backing off while it stays down), or now when
 * now_anyway. Called by the housekeeper and after a successful upload. */
void ftps_orphans_sweep(struct ftps_engine *eng, int now_anyway);
/* At exit: name in the log what is still left on the server, free the list. */
void ftps_orphans_free(struct ftps_engine *eng);
/* An upload whose temporary file holds the only copy of its data (the old
 * file under final was deleted) could not be renamed into place: remember
 * it, to rename later. */
void ftps_stranded_add(struct ftps_engine *eng, const char *temp, const char *final);
/* Try those renames again: when due, or now when now_anyway. One whose
 * final name meanwhile holds a file is left as it is (named in the log):
 * a temporary file holding data is never deleted. */
void ftps_stranded_sweep(struct ftps_engine *eng, int now_anyway);
/* A later upload of final succeeded: its stranded uploads are obsolete,
 * their temporary files removed like any leftover. */
void ftps_stranded_superseded(struct ftps_engine *eng, const char *final);
/* A rename on the server (server paths): the leftovers to remove or to put
 * in place later follow it. */
void ftps_leftovers_renamed(struct ftps_engine *eng, const char *from, const char *to);
/* At exit: name in the log what is still stranded, free the list. */
void ftps_stranded_free(struct ftps_engine *eng);

#endif
