# The FTPS core: a static library with no FUSE in it.
noinst_LIBRARIES += src/libftps.a
src_libftps_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
src_libftps_a_SOURCES = \
	src/ftps.h src/ftps_limits.h \
	src/text.h src/text.c \
	src/ftps_err.h src/err.c \
	src/config.c \
	src/retry.h src/retry.c \
	src/log.h src/log.c \
	src/reply.h src/reply.c \
	src/replies.h src/replies.c \
	src/listing.h src/listing_int.h src/listing.c \
	src/list_mlsx.c src/list_unix.c src/list_dos.c src/list_time.c \
	src/url.h src/url.c \
	src/feat.h src/feat.c \
	src/addr.h src/addr.c \
	src/path.h src/path.c \
	src/netrc.h src/netrc.c src/login.h src/login.c \
	src/pathtab.h src/pathtab.c \
	src/dircache.h src/dircache_int.h src/dircache.c \
	src/dircache_set.c src/dircache_table.c src/dircache_update.c \
	src/mtcache.h src/mtcache.c \
	src/sock.h src/sock.c \
	src/tls.h src/tls.c src/tls_peer.c \
	src/server.h src/server.c \
	src/stats.h src/stats.c \
	src/conn.h src/conn.c src/cmd.c \
	src/xfer_int.h src/xfer.c src/xfer_open.c src/xfer_prepare.c \
	src/ops.c src/ops_batch.c src/ops_stat.c \
	src/stat_list.h src/stat_list.c \
	src/pool.c \
	src/engine.h src/engine.c \
	src/reader.h src/reader.c \
	src/reader_seg.h src/reader_seg.c src/segplan.h src/segplan.c \
	src/upload.h src/upload_int.h src/upload.c src/upload_place.c src/upload_send.c \
	src/hash.h src/hash.c \
	src/download.h src/download.c \
	src/leftovers.h src/leftovers.c \
	src/fs.h src/fs.c \
	src/meta.h src/meta_int.h src/meta.c src/meta_ask.c src/meta_ahead.c \
	src/file.h src/file_int.h src/file.c src/flush.c src/openfiles.c src/spool.c \
	src/writeback.c \
	src/names.h src/names.c \
	src/sums.h src/sums.c
