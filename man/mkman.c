/* mkman.c - makes man/ftpsfs.1 from man/ftpsfs.1.in (standard input to
 * standard output, at build time).
 *
 * The option list is not written by hand: a line "@OPTIONS@" becomes the
 * rows of the options table (ftpsfs_opts_man), the same rows that -h
 * prints and the parser reads, so the page cannot drift from the program.
 * "@VERSION@" becomes the package version.
 */
#define FUSE_USE_VERSION 31

#include <stdio.h>
#include <string.h>
#include "options.h"

static void put_line(const char *line)
{
	const char *at;

	while ((at = strstr(line, "@VERSION@")) != NULL) {
		fwrite(line, 1, (size_t)(at - line), stdout);
		fputs(PACKAGE_VERSION, stdout);
		line = at + strlen("@VERSION@");
	}
	fputs(line, stdout);
}

int main(void)
{
	char line[4096];
	int options = 0;

	while (fgets(line, sizeof(line), stdin)) {
		if (strcmp(line, "@OPTIONS@\n") == 0) {
			ftpsfs_opts_man(stdout);
			options++;
		} else {
			put_line(line);
		}
	}
	if (ferror(stdin) || options != 1) {
		fprintf(stderr, "mkman: the template needs one @OPTIONS@ line (found %d)\n", options);
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
