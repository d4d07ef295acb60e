/* upload_int.h - inside an upload: shared by upload.c (its life),
 * upload_place.c (where it lands) and upload_send.c (the background
 * sender). Not for other files.
 */
#ifndef FTPS_UPLOAD_INT_H
#define FTPS_UPLOAD_INT_H

#include <pthread.h>
#include <stdint.h>
#include "upload.h"
#include "hash.h"
#include "retry.h"

#define IO_CHUNK (256 * 1024)
/* Tries an upload makes after failures whatever the time, within its one
 * budget (resumes, renames settled, whole new tries all count). */
#define UPLOAD_TRIES 3
/* Before asking how much of a cut upload arrived: the old session may
 * still be writing what it received. */
#define RESUME_SETTLE_MS 200
/* How far a background upload may trail the writes it was given. */
#define LAG_MAX (64 * 1024 * 1024)

/* ---- the upload ---- */

struct ftps_upload {
	struct ftps_engine *eng;
	char final[FTPS_MAX_PATH];
	char target[FTPS_MAX_PATH];     /* the temporary name, or final */
	int atomic, append;
	uint64_t base;                  /* the server's size before an APPE */
	struct ftps_conn *conn;
	struct ftps_xfer *xfer;
	uint64_t sent;
	struct ftps_hasher h;
	int src_fd;                     /* byte off sent is at src_fd's offset base + off; -1 none */
	int only_copy;                  /* the old final file is deleted: target is the only
	                                 * copy of the data and is never deleted */
	int new_name;                   /* 1: no file under final (ftps_upload_new_name);
	                                 * -1: renamed while uploading, so not known */
	/* The one retry budget of the upload: every resume and every look
	 * at a rename that failed draws from it, and so does ftps_upload_fd's
	 * whole new try, which passes its own. Loops do not multiply. */
	struct ftps_retry own_budget;
	struct ftps_retry *budget;
	int running;                    /* counted in the stats' uploads_running */

	/* Sending in the background (ftps_upload_background): the sender
	 * thread sends the source's bytes up to queued. While it runs, mu
	 * guards queued, sent, stop, bg_rc and final. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t sender;
	int background;
	uint64_t queued;
	enum { GO_ON, STOP_DRAINED, STOP_NOW } stop;
	int bg_rc;                      /* the sender's failure, -errno */
};

/* upload.c */
/* The final name, which a rename may change while the sender runs. */
void upload_final_name(struct ftps_upload *u, char out[FTPS_MAX_PATH]);
void upload_release_conn(struct ftps_upload *u, ftps_err last);
/* Read len bytes at the source's offset off into buf. */
ftps_err upload_source_read(struct ftps_upload *u, char *buf, size_t len, uint64_t off,
                            struct ftps_status *st);
/* Send len bytes at the current end, resuming after a network failure. */
ftps_err upload_send_chunk(struct ftps_upload *u, const void *buf, size_t len, uint64_t at,
                           struct ftps_status *st);
int upload_errno(struct ftps_upload *u, ftps_err e, const struct ftps_status *st);

/* upload_place.c */
/* ".NAME.ftpsfs-XXXXXX" next to the final name, within NAME_MAX. */
int upload_temp_name(const char *final, char *out, size_t outlen);
/* Remove the temporary file after a failure, now or (leftovers) later. */
void upload_cleanup_temp(struct ftps_upload *u);
/* What landed, against what was sent (size, and hash with -o verify=hash),
 * and the mode set when mode >= 0 (*mode_set says whether it was): in one
 * round trip when no hash is asked for. */
ftps_err upload_check(struct ftps_upload *u, int mode, int *mode_set, struct ftps_status *st);
/* For a new name (ftps_upload_new_name): the checks and the rename into
 * place in one round trip, the rename ahead of the size check's answer; a
 * short file is moved back under the temporary name. 1 when it applies
 * (*e is then the outcome, as upload_check and upload_put_in_place
 * together), 0 when the upload goes the usual way. */
int upload_place_new(struct ftps_upload *u, int mode, int64_t mtime, int *mode_set,
                     int64_t *t, int *t_ok, ftps_err *e, struct ftps_status *st);
/* The upload's connection if usable, else a fresh short one; NULL none. */
struct ftps_conn *upload_usable_conn(struct ftps_upload *u, struct ftps_status *st);
/* Rename the temporary file over the final name, safely, and learn its
 * time in the same round trip (MDTM; MFMT mtime when mtime >= 0 and the
 * server has MFMT): *t_ok says whether *t is the server's time. */
ftps_err upload_put_in_place(struct ftps_upload *u, int64_t mtime, int64_t *t, int *t_ok,
                             struct ftps_status *st);

/* upload_send.c */
/* End the sender: once it sent everything queued (STOP_DRAINED), or at
 * once (STOP_NOW). Returns its failure, if any. */
int upload_sender_stop(struct ftps_upload *u, int how);

#endif
