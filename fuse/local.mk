# The ftpsfs daemon: options, FUSE operations, main.
bin_PROGRAMS += fuse/ftpsfs
fuse_ftpsfs_CFLAGS = $(AM_CFLAGS) $(FUSE_CFLAGS) $(OPENSSL_CFLAGS)
fuse_ftpsfs_SOURCES = \
	fuse/options.h fuse/options_int.h fuse/options.c \
	fuse/options_table.c fuse/options_text.c \
	fuse/mount.h \
	fuse/ops.h fuse/ops.c \
	fuse/xattr.h fuse/xattr.c \
	fuse/kernel.h fuse/kernel.c \
	fuse/probe.h fuse/probe.c \
	fuse/main.c
fuse_ftpsfs_LDADD = src/libftps.a $(FUSE_LIBS) $(OPENSSL_LIBS) $(PTHREAD_LIBS)
