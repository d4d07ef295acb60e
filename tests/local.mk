# Tests: libcheck unit programs (no network), the transfer engine against
# the scripted server, and integration scripts (test bed).
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir;

EXTRA_DIST += tests/lsan.supp

include tests/unit/local.mk
include tests/engine/local.mk
include tests/integration/local.mk

# A command-line client over the core, used by the integration tests.
check_PROGRAMS += tests/tools/ftps-cli
tests_tools_ftps_cli_SOURCES = tests/tools/ftps-cli.c
tests_tools_ftps_cli_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_tools_ftps_cli_LDADD = src/libftps.a $(OPENSSL_LIBS) $(PTHREAD_LIBS)
