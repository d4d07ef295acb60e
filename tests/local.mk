# Tests: libcheck unit programs (no network) and integration scripts (test bed).
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir;

include tests/unit/local.mk
include tests/integration/local.mk
