# Integration tests against the test bed (real servers, real mounts).
