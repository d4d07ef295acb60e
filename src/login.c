/* login.c - the password, from standard input, a password file, a netrc
 * file or the terminal (see login.h for the order).
 *
 * A prompt turns echo off; a signal handler turns it back on before the
 * signal does what it would have done, so an interrupted prompt never
 * leaves the user's terminal silent. Every buffer that held a password is
 * wiped before it is let go.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "login.h"
#include "ftps_limits.h"
#include "netrc.h"
#include "text.h"

#define NETRC_MAX_BYTES (1024L * 1024)

void ftps_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

const char *ftps_home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h == '/')
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir == '/' ? pw->pw_dir : NULL;
}

static int is_anonymous(const char *user)
{
	return !user || strcasecmp(user, "anonymous") == 0 || strcasecmp(user, "ftp") == 0;
}

/* ---- reading a secret line ---- */

/* The terminal whose echo we turned off, for the signal handler. */
static volatile sig_atomic_t tty_restore_fd = -1;
static struct termios tty_saved;
static const int tty_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static struct sigaction tty_old_actions[4];

static void tty_on_signal(int sig)
{
	int fd = tty_restore_fd;

	if (fd >= 0)
		tcsetattr(fd, TCSAFLUSH, &tty_saved);
	for (size_t i = 0; i < sizeof(tty_signals) / sizeof(tty_signals[0]); i++)
		if (tty_signals[i] == sig)
			sigaction(sig, &tty_old_actions[i], NULL);
	raise(sig);     /* delivered with the old disposition once we return */
}

static void tty_catch_signals(int on)
{
	for (size_t i = 0; i < sizeof(tty_signals) / sizeof(tty_signals[0]); i++) {
		if (on) {
			struct sigaction sa;
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = tty_on_signal;
			sigemptyset(&sa.sa_mask);
			sigaction(tty_signals[i], &sa, &tty_old_actions[i]);
			/* an ignored signal stays ignored */
			if (tty_old_actions[i].sa_handler == SIG_IGN)
				sigaction(tty_signals[i], &tty_old_actions[i], NULL);
		} else {
			sigaction(tty_signals[i], &tty_old_actions[i], NULL);
		}
	}
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read one line from fd into buf (NUL-terminated, CR/LF stripped).
 * Returns the length, -1 on error (err set), -2 on end of input before
 * anything was read. */
static ssize_t read_line(int fd, char *buf, size_t cap, const char *what,
                         char *err, size_t errlen)
{
	double deadline = mono_now() + FTPS_PASSWORD_WAIT;
	size_t n = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = deadline - mono_now();
		char ch;
		ssize_t r;
		int pr;

		if (left <= 0) {
			ftps_seterr(err, errlen, "ftpsfs: gave up waiting for the password on %s", what);
			return -1;
		}
		pr = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			ftps_seterr(err, errlen, "ftpsfs: cannot read the password from %s: %s", what,
			              strerror(errno));
			return -1;
		}
		if (pr == 0)
			continue;       /* the deadline check ends this */
		r = read(fd, &ch, 1);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			ftps_seterr(err, errlen, "ftpsfs: cannot read the password from %s: %s", what,
			              strerror(errno));
			return -1;
		}
		if (r == 0) {
			if (n == 0) {
				buf[0] = '\0';
				return -2;
			}
			break;  /* a last line without a newline */
		}
		if (ch == '\n')
			break;
		if (n + 1 >= cap) {
			explicit_bzero(buf, cap);
			ftps_seterr(err, errlen, "ftpsfs: the password on %s is longer than %d bytes", what,
			              FTPS_MAX_PASSWORD);
			return -1;
		}
		buf[n++] = ch;
	}
	while (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (ssize_t)n;
}

/* Write a prompt. One that cannot be shown does not stop a user who knows
 * what is asked, so a failure is ignored. */
static void show(int fd, const char *s)
{
	ssize_t r = write(fd, s, strlen(s));

	(void)r;
}

/* Print prompt on prompt_fd, read a line from the terminal fd with echo
 * off. Returns as read_line does. */
static ssize_t read_noecho(int fd, int prompt_fd, const char *prompt, char *buf,
                           size_t cap, const char *what, char *err, size_t errlen)
{
	struct termios quiet;
	ssize_t n;

	if (tcgetattr(fd, &tty_saved) != 0) {
		ftps_seterr(err, errlen, "ftpsfs: cannot set up %s: %s", what, strerror(errno));
		return -1;
	}
	quiet = tty_saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	quiet.c_lflag |= ICANON;
	tty_restore_fd = fd;
	tty_catch_signals(1);
	/* echo off before the prompt shows, so nothing typed after it is
	 * echoed; TCSAFLUSH drops what was typed before it */
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		tty_catch_signals(0);
		tty_restore_fd = -1;
		ftps_seterr(err, errlen, "ftpsfs: cannot turn off echo on %s: %s", what, strerror(errno));
		return -1;
	}
	show(prompt_fd, prompt);
	n = read_line(fd, buf, cap, what, err, errlen);
	tcsetattr(fd, TCSAFLUSH, &tty_saved);
	tty_catch_signals(0);
	tty_restore_fd = -1;
	show(prompt_fd, "\n");      /* the user's Enter was not echoed either */
	return n;
}

static int take_password(struct ftps_login *o, const char *pw, char *err, size_t errlen)
{
	ftps_wipe_free(o->password);
	o->password = strdup(pw);
	if (!o->password) {
		ftps_seterr(err, errlen, "ftpsfs: out of memory");
		return -1;
	}
	return 0;
}

static int password_from_stdin(struct ftps_login *o, char *err, size_t errlen)
{
	char buf[FTPS_MAX_PASSWORD + 1];
	ssize_t n;
	int rc;

	if (isatty(STDIN_FILENO))
		n = read_noecho(STDIN_FILENO, STDERR_FILENO, "Password: ", buf, sizeof(buf),
		                "standard input", err, errlen);
	else
		n = read_line(STDIN_FILENO, buf, sizeof(buf), "standard input", err, errlen);
	if (n == -2)
		ftps_seterr(err, errlen, "ftpsfs: -o password_stdin: standard input is empty");
	rc = n >= 0 ? take_password(o, buf, err, errlen) : -1;
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

const char *ftps_password_file_refusal(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return "is not a regular file";
	if (st->st_mode & 077)
		return "may be read or changed by others than its owner: chmod 600 it";
	return NULL;
}

/* -o password_file: the first line of the file. */
static int password_from_file(struct ftps_login *o, char *err, size_t errlen)
{
	char buf[FTPS_MAX_PASSWORD + 1], shown[256], what[300];
	const char *why;
	struct stat st;
	ssize_t n;
	int fd, rc;

	ftps_text_shown(shown, sizeof(shown), o->password_file);
	snprintf(what, sizeof(what), "-o password_file '%s'", shown);
	/* O_NONBLOCK: a FIFO must not hold us up before it is refused */
	fd = open(o->password_file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		ftps_seterr(err, errlen, "ftpsfs: cannot read %s: %s", what, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		ftps_seterr(err, errlen, "ftpsfs: cannot read %s: %s", what, strerror(errno));
		close(fd);
		return -1;
	}
	why = ftps_password_file_refusal(&st);
	if (why) {
		if (S_ISREG(st.st_mode))
			ftps_seterr(err, errlen, "ftpsfs: %s (mode %04o) %s", what,
			              (unsigned)(st.st_mode & 07777), why);
		else
			ftps_seterr(err, errlen, "ftpsfs: %s %s", what, why);
		close(fd);
		return -1;
	}
	n = read_line(fd, buf, sizeof(buf), what, err, errlen);
	close(fd);
	if (n == -2)
		ftps_seterr(err, errlen, "ftpsfs: %s is empty", what);
	rc = n >= 0 ? take_password(o, buf, err, errlen) : -1;
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* Read a whole netrc file into a malloc'd buffer. Returns 1 read, 0 when
 * there is none to read (the default file missing), -1 error. */
static int read_netrc_file(const char *path, int explicit, char **text, size_t *len,
                           int *loose, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (!explicit && errno == ENOENT)
			return 0;
		ftps_seterr(err, errlen, "ftpsfs: cannot read netrc file '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > NETRC_MAX_BYTES) {
		ftps_seterr(err, errlen, "ftpsfs: netrc file '%s' is not a regular file of at most 1 MiB",
		              path);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		ftps_seterr(err, errlen, "ftpsfs: out of memory");
		return -1;
	}
	/* bounded: at most st_size bytes, and a short read ends it */
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*text = buf;
	*len = got;
	*loose = (st.st_mode & (S_IRGRP | S_IROTH)) != 0 || st.st_uid != geteuid();
	return 1;
}

/* Returns 1 when a password was found, 0 when not, -1 on error. */
static int password_from_netrc(struct ftps_login *o, char *err, size_t errlen)
{
	char path[FTPS_MAX_PATH];
	struct ftps_netrc_entry e;
	char *text = NULL;
	size_t len = 0;
	int loose = 0, rc;

	if (o->netrc) {
		snprintf(path, sizeof(path), "%s", o->netrc);
	} else {
		const char *home = ftps_home_dir();
		if (!home)
			return 0;
		snprintf(path, sizeof(path), "%s/.netrc", home);
	}
	rc = read_netrc_file(path, o->netrc != NULL, &text, &len, &loose, err, errlen);
	if (rc <= 0)
		return rc;
	rc = ftps_netrc_find(text, len, o->host, o->user, &e, err, errlen);
	explicit_bzero(text, len);
	free(text);
	if (rc < 0) {
		char why[200];
		snprintf(why, sizeof(why), "%s", err);
		ftps_seterr(err, errlen, "ftpsfs: %s: %s", path, why);
		return -1;
	}
	if (rc == 0)
		return 0;
	rc = 0;
	if (!o->user && e.login) {
		o->user = e.login;
		e.login = NULL;
	}
	if (e.account) {
		ftps_wipe_free(o->account);
		o->account = e.account;
		e.account = NULL;
	}
	if (e.password && loose) {
		/* As ftp(1) does: a password others could have read or written
		 * is not used. */
		ftps_seterr(err, errlen, "ftpsfs: netrc file %s holds a password but is readable by others "
		              "or not owned by you: chown it to yourself and chmod 600 it", path);
		ftps_netrc_entry_clear(&e);
		return -1;
	}
	if (e.password)
		rc = take_password(o, e.password, err, errlen) == 0 ? 1 : -1;
	ftps_netrc_entry_clear(&e);
	return rc;
}

/* Returns 1 when a terminal answered, 0 when there is no terminal, -1 error. */
static int password_from_tty(struct ftps_login *o, char *err, size_t errlen)
{
	char buf[FTPS_MAX_PASSWORD + 1];
	char prompt[600], user[256], host[256];
	ssize_t n;
	int fd, rc;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (!isatty(fd)) {
		close(fd);
		return 0;
	}
	ftps_text_shown(user, sizeof(user), o->user);
	ftps_text_shown(host, sizeof(host), o->host);
	snprintf(prompt, sizeof(prompt), "Password for %s@%s: ", user, host);
	n = read_noecho(fd, fd, prompt, buf, sizeof(buf), "the terminal", err, errlen);
	close(fd);
	if (n == -2)
		ftps_seterr(err, errlen, "ftpsfs: no password given on the terminal");
	rc = n >= 0 && take_password(o, buf, err, errlen) == 0 ? 1 : -1;
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

int ftps_login_password(struct ftps_login *o, char *err, size_t errlen)
{
	int rc;

	if (o->password)
		return 0;
	if (o->password_stdin)
		return password_from_stdin(o, err, errlen);
	if (o->password_file)
		return password_from_file(o, err, errlen);
	rc = password_from_netrc(o, err, errlen);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (is_anonymous(o->user))
		return take_password(o, FTPS_ANON_PASSWORD, err, errlen);
	rc = password_from_tty(o, err, errlen);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	ftps_seterr(err, errlen, "ftpsfs: no password: use -o password_stdin, -o password_file=FILE, "
	              "~/.netrc or run on a terminal");
	return -1;
}
