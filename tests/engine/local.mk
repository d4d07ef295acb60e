# The transfer engine (src/engine.h) against the scripted server: libcheck,
# real sockets on loopback, no FUSE.
if HAVE_CHECK
check_PROGRAMS += tests/engine/check_engine
TESTS += tests/engine/check_engine
tests_engine_check_engine_SOURCES = tests/engine/check_engine.c
tests_engine_check_engine_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS) \
	-DSCRIPTFTP='"$(abs_top_srcdir)/tests/tools/scriptftp.py"'
tests_engine_check_engine_LDADD = src/libftps.a $(CHECK_LIBS) $(OPENSSL_LIBS) $(PTHREAD_LIBS)
endif
