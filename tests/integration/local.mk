# Integration tests against the test bed (real servers, real mounts).
# Each is a bash script run from the build tree with top_srcdir and
# top_builddir in its environment (see tests/local.mk); exit 77 = skipped
# (scripts/check, as root, sets TB_NO_SKIP=1 so a missing server fails).
INTEGRATION_TESTS = \
	tests/integration/testbed_servers.sh \
	tests/integration/core_ops.sh \
	tests/integration/core_failures.sh \
	tests/integration/mount_read.sh \
	tests/integration/mount_bad_input.sh \
	tests/integration/mount_write.sh \
	tests/integration/mount_tools.sh \
	tests/integration/fstab.sh \
	tests/integration/faults.sh \
	tests/integration/hostile.sh \
	tests/integration/safety.sh \
	tests/integration/pipelining.sh \
	tests/integration/xattrs.sh \
	tests/integration/prefetch.sh \
	tests/integration/round_trips.sh \
	tests/integration/stat_list.sh \
	tests/integration/writeback.sh \
	tests/integration/segments.sh \
	tests/integration/valgrind_session.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh tests/integration/proxy.sh \
	tests/integration/scripted.sh \
	tests/tools/fakeftp.py \
	tests/tools/oopsftp.py \
	tests/tools/faultproxy.py \
	tests/tools/scriptftp.py \
	tests/tools/fsxlite.py \
	tests/tools/soakworker.py \
	scripts/soak \
	scripts/bench \
	scripts/check-dist \
	tests/testbed/testbed.sh \
	tests/testbed/tb \
	tests/testbed/ftps_probe.py \
	scripts/lib.sh \
	scripts/check \
	scripts/demo \
	scripts/fetch-servers \
	.ci/run
