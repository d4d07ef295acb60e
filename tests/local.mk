# Tests: libcheck unit programs (no network), the transfer engine against
# the scripted server, and integration scripts (test bed).
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	if test -n '$(FTPSFS_TEST_SERVERS)' && test -z "$${TB_SERVERS_ROOT-}"; then \
	  TB_SERVERS_ROOT='$(FTPSFS_TEST_SERVERS)'; export TB_SERVERS_ROOT; fi;

# make distcheck builds and tests the tarball in a tree of its own; its
# integration tests use the servers fetched into this build (as root; they
# skip, naming what is missing, when there are none). scripts/check runs
# it with a short TESTS list.
AM_DISTCHECK_CONFIGURE_FLAGS = FTPSFS_TEST_SERVERS='$(abs_top_builddir)/tests/servers/root'

EXTRA_DIST += tests/lsan.supp

# The include graph keeps its layers (scripts/layers).
TESTS += tests/layers.sh
EXTRA_DIST += tests/layers.sh scripts/layers

# What the tests leave for a look after a failure: the tests' scratch
# folders and their test-bed server folders (configurations, logs, data).
# Those of `tb start` (cli) and of scripts/demo stay: their servers may run.
clean-local: clean-local-tests
clean-local-tests:
	-rm -rf tests/tmp
	-test ! -d tests/testbed/run || (cd tests/testbed/run && for d in *; do \
	  case $$d in cli|demo) ;; *) rm -rf "./$$d" ;; esac; done)
.PHONY: clean-local-tests

# The libFuzzer targets and their seed corpora: built and run by
# scripts/fuzz (which scripts/check runs), not by make.
EXTRA_DIST += scripts/fuzz \
	tests/fuzz/fuzz_listing.c \
	tests/fuzz/fuzz_options.c \
	tests/fuzz/fuzz_replies.c \
	tests/fuzz/fuzz_reply.c \
	tests/fuzz/fuzz_stat_list.c \
	tests/fuzz/fuzz_url.c \
	tests/fuzz/corpus

include tests/unit/local.mk
include tests/engine/local.mk
include tests/integration/local.mk

# A command-line client over the core, used by the integration tests.
check_PROGRAMS += tests/tools/ftps-cli
tests_tools_ftps_cli_SOURCES = tests/tools/ftps-cli.c
tests_tools_ftps_cli_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_tools_ftps_cli_LDADD = src/libftps.a $(OPENSSL_LIBS) $(PTHREAD_LIBS)
