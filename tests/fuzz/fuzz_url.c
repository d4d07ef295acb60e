/* fuzz_url.c - libFuzzer target for ftps_url_parse and ftps_url_format.
 *
 * Besides "no crash, no leak": what parses must be sane (a path that
 * passes ftps_path_ok, a port, no control characters), and formatting it
 * must give a URL that parses back to the same fields. Run by scripts/fuzz.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "url.h"

static int same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[16384];
	char err[256] = "", *s = malloc(size + 1);
	struct ftps_url u, v;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ftps_url_parse(s, &u, err, sizeof err) == 0) {
		if (u.port == 0 || u.host == NULL || u.host[0] == '\0' ||
		    ftps_path_ok(u.path) != 0 || strpbrk(u.path, "\r\n") != NULL)
			abort();
		ftps_url_format(&u, buf, sizeof buf);
		if (strlen(buf) + 1 >= sizeof buf || ftps_url_parse(buf, &v, err, sizeof err) != 0)
			abort();
		if (u.security != v.security || u.port != v.port || !same(u.user, v.user) ||
		    !same(u.host, v.host) || !same(u.path, v.path))
			abort();
		ftps_url_free(&v);
	} else if (strchr(err, '\n') != NULL || err[0] == '\0') {
		abort();                /* a message, on one line */
	}
	ftps_url_free(&u);
	free(s);
	return 0;
}
