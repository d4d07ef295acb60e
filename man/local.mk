# The man page: man/ftpsfs.1 is made from man/ftpsfs.1.in by man/mkman,
# which writes the option list from the daemon's own table of options.
noinst_PROGRAMS = man/mkman
man_mkman_SOURCES = man/mkman.c fuse/options.c fuse/options_table.c fuse/options_text.c
man_mkman_CFLAGS = $(AM_CFLAGS) $(FUSE_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/fuse
man_mkman_LDADD = src/libftps.a $(FUSE_LIBS) $(OPENSSL_LIBS) $(PTHREAD_LIBS)

nodist_man_MANS = man/ftpsfs.1
CLEANFILES += man/ftpsfs.1
EXTRA_DIST += man/ftpsfs.1.in

man/ftpsfs.1: $(top_srcdir)/man/ftpsfs.1.in man/mkman$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) man && \
	man/mkman$(EXEEXT) <$(top_srcdir)/man/ftpsfs.1.in >$@.tmp && mv $@.tmp $@

# The page renders without warnings and lists every option -h shows.
TESTS += tests/man_page.sh
EXTRA_DIST += tests/man_page.sh
