/* options_text.c - what the option table says to people: the -h list,
 * the man page's list and the parts of a bad-value line that come from a
 * row. -V is here too.
 */
#define FUSE_USE_VERSION 31

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <openssl/crypto.h>
#include "options.h"
#include "options_int.h"

/* Append to buf (len bytes, *n used so far), cutting what does not fit. */
static void put(char *buf, size_t len, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n + 1 >= len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n = *n + (size_t)r < len ? *n + (size_t)r : len - 1;
}

/* {default}. For the man page a default known only at run time is
 * described (def_text); -h shows what this user gets. */
static void put_default(const struct ftpsfs_opt_row *r, int man, char *buf, size_t len,
                        size_t *n)
{
	char path[FTPS_MAX_PATH];

	if (man && (r->def_num || r->def_str)) {
		put(buf, len, n, "%s", r->def_text ? r->def_text : "");
	} else if (r->kind == FTPSFS_OPT_UNSIGNED && r->late) {
		put(buf, len, n, "%lu, %s", r->def, r->def_text ? r->def_text : "");
	} else if (r->kind == FTPSFS_OPT_UNSIGNED) {
		unsigned long v = r->def_num ? r->def_num() : r->def;
		if (r->def_text)        /* a bare uid says little: "yours, 1000" */
			put(buf, len, n, "%s, ", r->def_text);
		put(buf, len, n, r->base == 8 ? "%03lo" : "%lu", v);
	} else if (r->def_str) {
		r->def_str(path, sizeof(path));
		put(buf, len, n, "%s", path);
	} else if (r->kind == FTPSFS_OPT_ENUM && !r->def_text) {
		for (const struct ftpsfs_opt_choice *c = r->choices; c->name; c++)
			if ((unsigned long)c->value == r->def)
				put(buf, len, n, "%s", c->name);
	} else {
		put(buf, len, n, "%s", r->def_text ? r->def_text : "");
	}
}

void ftpsfs_opts_row_text(const struct ftpsfs_opt_row *r, const char *t, int man,
                          char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	while (*t) {
		if (strncmp(t, "{range}", 7) == 0) {
			put(buf, len, &n, r->base == 8 ? "%lo..%lo" : "%lu..%lu", r->lo, r->hi);
			t += 7;
		} else if (strncmp(t, "{values}", 8) == 0) {
			for (const struct ftpsfs_opt_choice *c = r->choices; c && c->name; c++)
				put(buf, len, &n, "%s%s", c == r->choices ? "" :
				    c[1].name ? ", " : " or ", c->name);
			t += 8;
		} else if (strncmp(t, "{default}", 9) == 0) {
			put_default(r, man, buf, len, &n);
			t += 9;
		} else {
			size_t k = strcspn(t + 1, "{") + 1;
			put(buf, len, &n, "%.*s", (int)k, t);
			t += k;
		}
	}
}

/* What a value looks like: "N", or an ENUM's names "a|b|c"; "" for a flag. */
static void metavar(const struct ftpsfs_opt_row *r, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (r->metavar)
		put(buf, len, &n, "%s", r->metavar);
	else if (r->kind == FTPSFS_OPT_ENUM)
		for (const struct ftpsfs_opt_choice *c = r->choices; c->name; c++)
			put(buf, len, &n, "%s%s", c == r->choices ? "" : "|", c->name);
}

/* A row's -h line: the option padded to a column, then its text, each
 * further line indented to that column. */
static void usage_row(FILE *f, const struct ftpsfs_opt_row *r)
{
	char left[128], meta[64], text[FTPS_MAX_PATH + 512];

	metavar(r, meta, sizeof(meta));
	if (r->name[0] == '-')          /* a switch, not an -o option */
		snprintf(left, sizeof(left), "%s%s%s", r->name, r->alias ? ", " : "",
		         r->alias ? r->alias : "");
	else
		snprintf(left, sizeof(left), "-o %s%s", r->name, meta);
	ftpsfs_opts_row_text(r, r->help, 0, text, sizeof(text));
	fprintf(f, "    %-26s ", left);
	for (const char *s = text; *s; s++) {
		if (*s == '\n')
			fprintf(f, "\n%31s", "");
		else
			fputc(*s, f);
	}
	fputc('\n', f);
}

/* "comment=" is shown as "comment=...". */
static const char *dots(const struct ftpsfs_opt_row *r)
{
	return strchr(r->name, '=') ? "..." : "";
}

void ftpsfs_opts_usage(FILE *f, const char *prog)
{
	size_t nrows;
	const struct ftpsfs_opt_row *rows = ftpsfs_opts_rows(&nrows);
	int col;

	if (!prog || !*prog)
		prog = "ftpsfs";
	fprintf(f,
"usage: %s [options] URL MOUNTPOINT\n"
"       %s --probe [options] URL\n"
"\n"
"URL:\n"
"    ftpes://[user@]host[:port][/path]  explicit TLS (AUTH TLS), port 21\n"
"    ftps://[user@]host[:port][/path]   implicit TLS, port 990\n"
"    [user@]host[:port][/path]          explicit TLS, port 21\n"
"    ftp://[user@]host[:port][/path]    plain FTP: only with -o plaintext\n"
"    IPv6 addresses go in brackets: ftpes://[::1]:2121/pub\n"
"\n"
"ftpsfs options:\n", prog, prog);
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].kind != FTPSFS_OPT_DROP)
			usage_row(f, &rows[i]);
	/* the noise as one paragraph, "x-*" last, lines of at most 79 */
	col = fprintf(f, "\nAccepted and ignored (fstab):") - 1;
	for (size_t i = 0; i <= nrows; i++) {
		char word[64];
		if (i < nrows && rows[i].kind != FTPSFS_OPT_DROP)
			continue;
		if (i < nrows)
			snprintf(word, sizeof(word), "%s%s,", rows[i].name, dots(&rows[i]));
		else
			snprintf(word, sizeof(word), "x-*");
		if (col + 1 + (int)strlen(word) > 79) {
			fputc('\n', f);
			col = 0;
		}
		col += fprintf(f, "%s%s", col ? " " : "", word);
	}
	fputs("\n\n", f);
}

/* s in roff: '-' and '\' escaped, a line break becomes a space, and a
 * leading '.' or '\'' cannot be read as a request. */
static void roff(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '-')
			fputs("\\-", f);
		else if (*s == '\\')
			fputs("\\e", f);
		else
			fputc(*s == '\n' ? ' ' : *s, f);
	}
}

void ftpsfs_opts_man(FILE *f)
{
	size_t nrows;
	const struct ftpsfs_opt_row *rows = ftpsfs_opts_rows(&nrows);
	char text[FTPS_MAX_PATH + 512];

	for (size_t i = 0; i < nrows; i++) {
		const struct ftpsfs_opt_row *r = &rows[i];
		if (r->kind == FTPSFS_OPT_DROP)
			continue;
		fputs(".TP\n\\fB", f);
		if (r->name[0] != '-')
			fputs("\\-o ", f);
		roff(f, r->name);
		if (r->alias) {
			fputs("\\fR, \\fB", f);
			roff(f, r->alias);
		}
		fputs("\\fR", f);
		metavar(r, text, sizeof(text));
		if (text[0]) {
			fputs("\\fI", f);
			roff(f, text);
			fputs("\\fR", f);
		}
		ftpsfs_opts_row_text(r, r->help, 1, text, sizeof(text));
		fputc('\n', f);
		roff(f, text);
		fputc('\n', f);
	}
	fputs(".PP\nAccepted and ignored (fstab):", f);
	for (size_t i = 0; i < nrows; i++) {
		if (rows[i].kind != FTPSFS_OPT_DROP)
			continue;
		fputc(' ', f);
		roff(f, rows[i].name);
		fprintf(f, "%s,", dots(&rows[i]));
	}
	fputs(" x\\-*\n", f);
}

void ftpsfs_opts_print_help(struct fuse_args *args)
{
	ftpsfs_opts_usage(stdout, args && args->argc > 0 ? args->argv[0] : NULL);
	printf("FUSE options (for uid=, gid= and umask=, ftpsfs's meaning above applies):\n");
	fflush(stdout);
	fuse_cmdline_help();
	fuse_lib_help(args);
}

void ftpsfs_opts_print_version(FILE *f)
{
	fprintf(f, "ftpsfs %s\nlibfuse %s\n%s\n", PACKAGE_VERSION, fuse_pkgversion(),
	        OpenSSL_version(OPENSSL_VERSION));
}
