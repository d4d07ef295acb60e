# libcheck unit test programs: pure logic, no network.
if HAVE_CHECK
UNIT_TESTS = \
	tests/unit/check_reply \
	tests/unit/check_replies \
	tests/unit/check_listing \
	tests/unit/check_url \
	tests/unit/check_feat \
	tests/unit/check_addr \
	tests/unit/check_path \
	tests/unit/check_err \
	tests/unit/check_pathtab \
	tests/unit/check_dircache \
	tests/unit/check_mtcache \
	tests/unit/check_retry \
	tests/unit/check_stats \
	tests/unit/check_segplan \
	tests/unit/check_stat_list \
	tests/unit/check_options
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS) \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/unit/data"'
UNIT_LDADD = src/libftps.a $(CHECK_LIBS) $(OPENSSL_LIBS) $(PTHREAD_LIBS)

tests_unit_check_reply_SOURCES = tests/unit/check_reply.c
tests_unit_check_reply_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_reply_LDADD = $(UNIT_LDADD)
tests_unit_check_replies_SOURCES = tests/unit/check_replies.c
tests_unit_check_replies_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_replies_LDADD = $(UNIT_LDADD)
tests_unit_check_listing_SOURCES = tests/unit/check_listing.c
tests_unit_check_listing_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_listing_LDADD = $(UNIT_LDADD)
tests_unit_check_url_SOURCES = tests/unit/check_url.c
tests_unit_check_url_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_url_LDADD = $(UNIT_LDADD)
tests_unit_check_feat_SOURCES = tests/unit/check_feat.c
tests_unit_check_feat_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_feat_LDADD = $(UNIT_LDADD)
tests_unit_check_addr_SOURCES = tests/unit/check_addr.c
tests_unit_check_addr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_addr_LDADD = $(UNIT_LDADD)
tests_unit_check_path_SOURCES = tests/unit/check_path.c
tests_unit_check_path_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_path_LDADD = $(UNIT_LDADD)
tests_unit_check_err_SOURCES = tests/unit/check_err.c
tests_unit_check_err_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_err_LDADD = $(UNIT_LDADD)
tests_unit_check_pathtab_SOURCES = tests/unit/check_pathtab.c
tests_unit_check_pathtab_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_pathtab_LDADD = $(UNIT_LDADD)
tests_unit_check_dircache_SOURCES = tests/unit/check_dircache.c
tests_unit_check_dircache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_dircache_LDADD = $(UNIT_LDADD)
tests_unit_check_mtcache_SOURCES = tests/unit/check_mtcache.c
tests_unit_check_mtcache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_mtcache_LDADD = $(UNIT_LDADD)
tests_unit_check_stat_list_SOURCES = tests/unit/check_stat_list.c
tests_unit_check_stat_list_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_stat_list_LDADD = $(UNIT_LDADD)
tests_unit_check_retry_SOURCES = tests/unit/check_retry.c
tests_unit_check_retry_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_retry_LDADD = $(UNIT_LDADD)
tests_unit_check_stats_SOURCES = tests/unit/check_stats.c
tests_unit_check_stats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_stats_LDADD = $(UNIT_LDADD)
tests_unit_check_segplan_SOURCES = tests/unit/check_segplan.c
tests_unit_check_segplan_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_segplan_LDADD = $(UNIT_LDADD)
tests_unit_check_options_SOURCES = tests/unit/check_options.c fuse/options.c \
	fuse/options_table.c fuse/options_text.c
tests_unit_check_options_CFLAGS = $(UNIT_CFLAGS) $(FUSE_CFLAGS) -I$(top_srcdir)/fuse
tests_unit_check_options_LDADD = $(UNIT_LDADD) $(FUSE_LIBS)
endif
EXTRA_DIST += tests/unit/data
