/* netrc.c - finding a login in .netrc text (see netrc.h for the grammar).
 *
 * A cursor walks the text once. Every token is unquoted into one stack
 * buffer that is wiped before returning, since some tokens are passwords.
 * Entries that do not apply are wiped and dropped as soon as they end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "netrc.h"

struct cursor {
	const char *p, *end;
	unsigned line;          /* 1-based, for messages */
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void advance(struct cursor *c)
{
	if (*c->p == '\n')
		c->line++;
	c->p++;
}

/* Move past the end of the current line (or to the end of the text). */
static void skip_line(struct cursor *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
	if (c->p < c->end)
		advance(c);
}

/* A macro body runs from the line after "macdef NAME" to an empty line
 * (one holding nothing, or only a CR). The cursor sits after NAME. */
static void skip_macro(struct cursor *c)
{
	skip_line(c);
	while (c->p < c->end) {
		const char *q = c->p;
		if (*q == '\r' && q + 1 < c->end)
			q++;
		if (*q == '\n') {
			c->p = q;
			advance(c);
			return;
		}
		skip_line(c);
	}
}

enum tok_result { TOK_END = 0, TOK_OK = 1, TOK_LONG = -1 };

/* Read the next token into buf (NUL-terminated). *quoted tells keywords
 * ("machine") from quoted values that merely spell one. */
static enum tok_result next_token(struct cursor *c, char *buf, size_t cap,
                                  int *quoted)
{
	size_t n = 0;

	for (;;) {
		while (c->p < c->end && is_space(*c->p))
			advance(c);
		if (c->p >= c->end)
			return TOK_END;
		if (*c->p != '#')
			break;
		skip_line(c);
	}

	*quoted = (*c->p == '"');
	if (*quoted)
		c->p++;
	while (c->p < c->end) {
		char ch = *c->p;
		if (*quoted ? ch == '"' : is_space(ch))
			break;
		if (ch == '\\' && c->p + 1 < c->end) {
			c->p++;
			ch = *c->p;
		}
		if (n + 1 >= cap)
			return TOK_LONG;
		buf[n++] = ch;
		advance(c);
	}
	if (*quoted && c->p < c->end)
		c->p++;         /* the closing quote */
	buf[n] = '\0';
	return TOK_OK;
}

void ftps_netrc_entry_clear(struct ftps_netrc_entry *e)
{
	if (!e)
		return;
	if (e->password) {
		explicit_bzero(e->password, strlen(e->password));
		free(e->password);
	}
	free(e->login);
	if (e->account) {
		explicit_bzero(e->account, strlen(e->account));
		free(e->account);
	}
	memset(e, 0, sizeof(*e));
}

/* The entry being read, and whether it names our host. */
struct pending {
	int open;               /* inside a machine or default entry */
	int host_match;         /* machine NAME equals the host (or default) */
	struct ftps_netrc_entry e;
};

struct search {
	const char *host, *user;
	int have_machine, have_default;
	struct ftps_netrc_entry machine, deflt;
};

static int applies(const struct search *s, const struct pending *pe)
{
	if (!pe->open || !pe->host_match)
		return 0;
	if (s->user && pe->e.login && strcmp(s->user, pe->e.login) != 0)
		return 0;
	return 1;
}

/* An entry ended: keep it when it is the first that applies of its kind. */
static void close_entry(struct search *s, struct pending *pe)
{
	if (applies(s, pe)) {
		if (!pe->e.is_default && !s->have_machine) {
			s->machine = pe->e;
			s->have_machine = 1;
			memset(&pe->e, 0, sizeof(pe->e));
		} else if (pe->e.is_default && !s->have_default) {
			s->deflt = pe->e;
			s->have_default = 1;
			memset(&pe->e, 0, sizeof(pe->e));
		}
	}
	ftps_netrc_entry_clear(&pe->e);
	pe->open = 0;
	pe->host_match = 0;
}

/* Replace *field with a copy of value. Returns -1 when out of memory. */
static int set_field(char **field, const char *value)
{
	char *copy = strdup(value);
	if (!copy)
		return -1;
	if (*field) {
		explicit_bzero(*field, strlen(*field));
		free(*field);
	}
	*field = copy;
	return 0;
}

static void set_err(char *err, size_t errlen, const char *msg, unsigned line)
{
	if (err && errlen)
		snprintf(err, errlen, "netrc line %u: %s", line, msg);
}

int ftps_netrc_find(const char *text, size_t len, const char *host,
                    const char *user, struct ftps_netrc_entry *out,
                      char *err, size_t errlen)
{
	struct cursor c;
	struct search s = { .host = host, .user = user };
	struct pending pe = { 0 };
	char tok[FTPS_NETRC_MAX_TOKEN + 1];
	int quoted = 0, rc = 0;
	enum tok_result tr;

	memset(out, 0, sizeof(*out));
	if (!text || !host)
		return 0;
	c.p = text;
	c.end = text + len;
	c.line = 1;

	while ((tr = next_token(&c, tok, sizeof(tok), &quoted)) == TOK_OK) {
		char **field = NULL;

		if (!quoted && strcmp(tok, "machine") == 0) {
			close_entry(&s, &pe);
			tr = next_token(&c, tok, sizeof(tok), &quoted);
			if (tr != TOK_OK)
				break;
			pe.open = 1;
			pe.host_match = (strcasecmp(tok, host) == 0);
			continue;
		}
		if (!quoted && strcmp(tok, "default") == 0) {
			close_entry(&s, &pe);
			pe.open = 1;
			pe.host_match = 1;
			pe.e.is_default = 1;
			continue;
		}
		if (!quoted && strcmp(tok, "macdef") == 0) {
			tr = next_token(&c, tok, sizeof(tok), &quoted);
			if (tr != TOK_OK)
				break;
			skip_macro(&c);
			continue;
		}
		if (!quoted && strcmp(tok, "login") == 0)
			field = &pe.e.login;
		else if (!quoted && strcmp(tok, "password") == 0)
			field = &pe.e.password;
		else if (!quoted && strcmp(tok, "account") == 0)
			field = &pe.e.account;
		else
			continue;       /* unknown token: skip it */

		tr = next_token(&c, tok, sizeof(tok), &quoted);
		if (tr != TOK_OK)
			break;
		/* A field outside any entry belongs to nobody. */
		if (pe.open && set_field(field, tok) != 0) {
			set_err(err, errlen, "out of memory", c.line);
			rc = -1;
			goto out;
		}
	}
	if (tr == TOK_LONG) {
		set_err(err, errlen, "token too long", c.line);
		rc = -1;
		goto out;
	}
	close_entry(&s, &pe);

	if (s.have_machine) {
		*out = s.machine;
		memset(&s.machine, 0, sizeof(s.machine));
		rc = 1;
	} else if (s.have_default) {
		*out = s.deflt;
		memset(&s.deflt, 0, sizeof(s.deflt));
		rc = 1;
	}
out:
	ftps_netrc_entry_clear(&pe.e);
	ftps_netrc_entry_clear(&s.machine);
	ftps_netrc_entry_clear(&s.deflt);
	explicit_bzero(tok, sizeof(tok));
	return rc;
}
