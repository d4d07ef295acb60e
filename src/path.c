/* path.c - remote paths: checking, joining, splitting.
 *
 * Everything here works on bounded buffers and never allocates. The one
 * rule that matters for safety: a path that could split an FTP command
 * (CR or LF; NUL cannot occur inside a C string) never leaves this module
 * as "ok", and joining never produces a ".." that could climb above the
 * mount's root.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ftps_limits.h"
#include "path.h"

int ftps_path_ok(const char *p)
{
	size_t len;

	if (p == NULL || p[0] != '/')
		return -1;
	len = strnlen(p, FTPS_MAX_PATH);
	if (len >= FTPS_MAX_PATH)
		return -1;
	if (memchr(p, '\r', len) != NULL || memchr(p, '\n', len) != NULL ||
	    memchr(p, 0xFF, len) != NULL)
		return -1;
	return 0;
}

int ftps_name_ok(const char *name, size_t len)
{
	if (name == NULL || len == 0 || len > FTPS_MAX_NAME)
		return 0;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	/* CR and LF too: a name holding them could never be sent back in a
	 * command (ftps_path_ok refuses such paths), so it would be a file
	 * that fails on every access. 0xFF is Telnet's IAC, which RFC 959
	 * servers may eat from a command line: never part of a UTF-8 name. */
	return memchr(name, '/', len) == NULL && memchr(name, '\0', len) == NULL &&
	       memchr(name, '\r', len) == NULL && memchr(name, '\n', len) == NULL &&
	       memchr(name, 0xFF, len) == NULL;
}

int ftps_path_is_key(const char *p, size_t *lenp)
{
	size_t len, start;

	if (!p || p[0] != '/')
		return 0;
	len = strnlen(p, FTPS_MAX_PATH);
	if (len >= FTPS_MAX_PATH)
		return 0;
	/* Every component a name the caches can hold (an entry's name is at
	 * most FTPS_MAX_NAME bytes): "/" alone has none. */
	for (start = 1; len > 1 && start <= len;) {
		const char *slash = memchr(p + start, '/', len - start);
		size_t n = slash ? (size_t)(slash - (p + start)) : len - start;
		if (!ftps_name_ok(p + start, n))
			return 0;
		start += n + 1;
	}
	*lenp = len;
	return 1;
}

unsigned ftps_path_within(const char *path, size_t plen, const char *dir, size_t dlen)
{
	if (plen < dlen || memcmp(path, dir, dlen) != 0)
		return 0;
	if (plen == dlen)
		return FTPS_PATH_SAME;
	return dlen == 1 || path[dlen] == '/' ? FTPS_PATH_BELOW : 0;
}

uint32_t ftps_path_hash_more(uint32_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

uint32_t ftps_path_hash(const char *s, size_t len)
{
	return ftps_path_hash_more(2166136261u, s, len);
}

/* Append the components of src to out (currently *len bytes), each as
 * "/name", skipping empty ones. ".." and "." are refused when strict
 * (paths inside the mount come from the kernel, which never sends them,
 * so seeing one means something is wrong). Returns 0 or -1. */
static int append_components(char *out, size_t outlen, size_t *len,
                             const char *src, int strict)
{
	const char *p = src;

	while (*p != '\0') {
		const char *end;
		size_t n;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, '/');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (strict && ((n == 1 && p[0] == '.') ||
		               (n == 2 && p[0] == '.' && p[1] == '.')))
			return -1;
		if (*len + 1 + n >= outlen)
			return -1;
		out[(*len)++] = '/';
		memcpy(out + *len, p, n);
		*len += n;
		p += n;
	}
	out[*len] = '\0';
	return 0;
}

int ftps_path_join(const char *root, const char *path, char *out, size_t outlen)
{
	size_t len = 0;

	if (out == NULL || outlen == 0)
		return -1;
	out[0] = '\0';
	if (path == NULL || outlen < 2)
		return -1;
	if (root == NULL)
		root = "/";
	if (append_components(out, outlen, &len, root, 0) != 0 ||
	    append_components(out, outlen, &len, path, 1) != 0) {
		out[0] = '\0';
		return -1;
	}
	if (len == 0) {                 /* root "/" and path "/" */
		out[0] = '/';
		out[1] = '\0';
	}
	if (ftps_path_ok(out) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int ftps_path_split(const char *path, char *parent, size_t plen,
                    const char **name)
{
	const char *slash;
	const char *base;
	size_t len, n;

	if (path == NULL || parent == NULL || plen == 0 || path[0] != '/')
		return -1;
	len = strnlen(path, FTPS_MAX_PATH);
	if (len >= FTPS_MAX_PATH)
		return -1;
	slash = strrchr(path, '/');
	base = slash + 1;
	/* "/" and "/a/" have no name; "." and ".." are not names either. */
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -1;
	n = (size_t)(slash - path);
	while (n > 0 && path[n - 1] == '/')  /* "/a//b": parent "/a" */
		n--;
	if (n == 0) {
		if (plen < 2)
			return -1;
		parent[0] = '/';
		parent[1] = '\0';
	} else {
		if (n >= plen)
			return -1;
		memcpy(parent, path, n);
		parent[n] = '\0';
	}
	if (name != NULL)
		*name = base;
	return 0;
}

int ftps_path_sibling(const char *path, const char *tag, uint32_t rnd, char *out, size_t outlen)
{
	char parent[FTPS_MAX_PATH];
	const char *name;
	size_t taglen = strlen(tag);
	int n;

	/* "." + name + "." + tag + "-" + 6 hex digits within FTPS_MAX_NAME:
	 * the name is cut short when it has to be. */
	if (ftps_path_split(path, parent, sizeof(parent), &name) != 0 || taglen > 32)
		return -1;
	int keep = (int)(FTPS_MAX_NAME - 9 - taglen);
	n = snprintf(out, outlen, "%s%s.%.*s.%s-%06x", parent, strcmp(parent, "/") ? "/" : "",
	             keep, name, tag, (unsigned)(rnd & 0xFFFFFF));
	if (n < 0 || (size_t)n >= outlen || ftps_path_ok(out) != 0) {
		if (outlen)
			out[0] = '\0';
		return -1;
	}
	return 0;
}
