/* path.h - remote paths.
 *
 * Every path the core sends is absolute. A path with CR, LF or NUL is
 * refused before a command is built, so a file name can never inject an
 * FTP command.
 */
#ifndef FTPS_PATH_H
#define FTPS_PATH_H

#include <stddef.h>
#include <stdint.h>

/* 0 when p may be sent to the server (absolute, no CR, LF or 0xFF, which
 * RFC 959 servers may take for Telnet's IAC; bounded length). */
int ftps_path_ok(const char *p);

/* Join the mount's remote root and a path inside the mount ("/a/b"),
 * normalising slashes: root "/" + "/a" = "/a", root "/pub" + "/" = "/pub".
 * Returns 0, or -1 when the result does not fit or is not ok. */
int ftps_path_join(const char *root, const char *path, char *out, size_t outlen);

/* True when name (len bytes) is acceptable as one path component: 1 to
 * FTPS_MAX_NAME bytes, not "." or "..", no '/', NUL, CR, LF or 0xFF. Names
 * from listings and names the caches keep both pass this. */
int ftps_name_ok(const char *name, size_t len);

/* A cache key: "/" or "/a/b", with a leading '/', no trailing '/' and
 * every component a good name (ftps_name_ok), shorter than FTPS_MAX_PATH. 1 and its length in *lenp,
 * or 0. */
int ftps_path_is_key(const char *p, size_t *lenp);

/* Where path lies against dir (plen and dlen bytes, both in key form):
 * FTPS_PATH_SAME, FTPS_PATH_BELOW (anywhere in dir's subtree; everything
 * but "/" is below "/"), or 0: "/a/bc" is not below "/a/b". */
#define FTPS_PATH_SAME  1u
#define FTPS_PATH_BELOW 2u
#define FTPS_PATH_AT_OR_BELOW (FTPS_PATH_SAME | FTPS_PATH_BELOW)
unsigned ftps_path_within(const char *path, size_t plen, const char *dir, size_t dlen);

/* FNV-1a of len bytes, for hash tables keyed by path. ftps_path_hash_more
 * goes on from h, the hash of what came before s: the hash of every prefix
 * of a path in one pass. */
uint32_t ftps_path_hash(const char *s, size_t len);
uint32_t ftps_path_hash_more(uint32_t h, const char *s, size_t len);

/* Split "/a/b/c" into parent "/a/b" and name "c" (parent of "/x" is "/").
 * Returns 0, or -1 for "/" or a path that does not fit. */
int ftps_path_split(const char *path, char *parent, size_t plen,
                    const char **name);

/* A hidden name in path's folder for path's data in transit:
 * ".NAME.TAG-XXXXXX" (XXXXXX: rnd in hex), the name shortened so that the
 * whole stays within FTPS_MAX_NAME. Returns 0, or -1 when it does not fit
 * or path has no name. */
int ftps_path_sibling(const char *path, const char *tag, uint32_t rnd, char *out, size_t outlen);

#endif
