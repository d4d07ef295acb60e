# Integration tests against the test bed (real servers, real mounts).
INTEGRATION_TESTS = \
	tests/integration/testbed_servers.sh \
	tests/integration/core_ops.sh \
	tests/integration/core_failures.sh \
	tests/integration/mount_read.sh \
	tests/integration/mount_bad_input.sh \
	tests/integration/mount_write.sh \
	tests/integration/mount_tools.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh
