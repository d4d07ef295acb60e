/* log.c - levelled, thread-safe, one-line logging to stderr or syslog.
 *
 * Lines on stderr look like
 *
 *   ftpsfs: error: cannot connect to ftp.example.org:21: connection refused
 *   ftpsfs: warning: TLS certificate verification is off (-o insecure)
 *   ftpsfs: 14:03:07.412 [8123] debug: data connection resumed the session
 *
 * Debug and trace lines carry a time and the thread id, since they are read
 * to reconstruct what several pool threads did in which order.
 *
 * Much of what gets logged comes from the server (reply texts, file names),
 * and the server is not trusted: a CR, LF or ESC in a reply could forge
 * extra log lines or drive the terminal. So every message is formatted
 * into a bounded buffer, control characters and broken UTF-8 are replaced
 * by '?', and the line is handed over in one write() (atomic on pipes up to
 * PIPE_BUF bytes), so lines of concurrent threads never interleave.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "text.h"

/* The message proper (after formatting). Longer ones end in "...". */
#define LOG_MSG_MAX 1024
/* Prefix + message + newline; well below PIPE_BUF (4096). */
#define LOG_LINE_MAX (LOG_MSG_MAX + 96)

static atomic_int log_level = FTPS_LOG_INFO;
static atomic_int log_syslog = 0;

/* The last error or warning, for the statistics (stats.h). */
static pthread_mutex_t last_mu = PTHREAD_MUTEX_INITIALIZER;
static char last_msg[LOG_MSG_MAX + 1];
static long long last_at;

static const char *const level_names[] = {
	[FTPS_LOG_ERROR] = "error",
	[FTPS_LOG_WARN] = "warning",
	[FTPS_LOG_INFO] = "info",
	[FTPS_LOG_DEBUG] = "debug",
	[FTPS_LOG_TRACE] = "trace",
};

void ftps_log_set_level(enum ftps_loglevel lvl)
{
	if ((int)lvl < FTPS_LOG_ERROR)
		lvl = FTPS_LOG_ERROR;
	if (lvl > FTPS_LOG_TRACE)
		lvl = FTPS_LOG_TRACE;
	atomic_store(&log_level, (int)lvl);
}

enum ftps_loglevel ftps_log_get_level(void)
{
	return (enum ftps_loglevel)atomic_load(&log_level);
}

int ftps_log_parse_level(const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = FTPS_LOG_ERROR; i <= FTPS_LOG_TRACE; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	if (strcasecmp(s, "warn") == 0)     /* the documented spelling */
		return FTPS_LOG_WARN;
	return -1;
}

void ftps_log_use_syslog(int on)
{
	int was = atomic_exchange(&log_syslog, on ? 1 : 0);

	/* openlog() once per switch; LOG_PID because several mounts may run. */
	if (on && !was)
		openlog("ftpsfs", LOG_PID, LOG_DAEMON);
	else if (!on && was)
		closelog();
}

/* "HH:MM:SS.mmm [tid] " for debug and trace lines. */
static int debug_prefix(char *buf, size_t buflen)
{
	struct timespec ts;
	struct tm tm;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    localtime_r(&ts.tv_sec, &tm) == NULL)
		return snprintf(buf, buflen, "[%ld] ", (long)gettid());
	return snprintf(buf, buflen, "%02d:%02d:%02d.%03ld [%ld] ",
	                tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L,
	                (long)gettid());
}

/* Write all of buf to fd, retrying short writes and EINTR a few times. */
static void write_all(int fd, const char *buf, size_t len)
{
	for (int tries = 0; len > 0 && tries < 16; tries++) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void emit(enum ftps_loglevel lvl, const char *msg)
{
	static const int prio[] = {
		[FTPS_LOG_ERROR] = LOG_ERR,
		[FTPS_LOG_WARN] = LOG_WARNING,
		[FTPS_LOG_INFO] = LOG_INFO,
		[FTPS_LOG_DEBUG] = LOG_DEBUG,
		[FTPS_LOG_TRACE] = LOG_DEBUG,
	};
	char line[LOG_LINE_MAX];
	char stamp[64] = "";
	int n;

	if (atomic_load(&log_syslog)) {
		syslog(prio[lvl], "%s: %s", level_names[lvl], msg);
		return;
	}
	if (lvl >= FTPS_LOG_DEBUG)
		debug_prefix(stamp, sizeof stamp);
	n = snprintf(line, sizeof line, "ftpsfs: %s%s: %s\n", stamp,
	             level_names[lvl], msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {         /* cannot happen; stay one line */
		n = (int)sizeof line - 1;
		line[n - 1] = '\n';
	}
	write_all(STDERR_FILENO, line, (size_t)n);
}

static void vlog(enum ftps_loglevel lvl, int always, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void vlog(enum ftps_loglevel lvl, int always, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX + 1];
	int saved_errno = errno;        /* callers may log, then look at errno */
	int n, show;

	if ((int)lvl < FTPS_LOG_ERROR)
		lvl = FTPS_LOG_ERROR;
	if (lvl > FTPS_LOG_TRACE)
		lvl = FTPS_LOG_TRACE;
	/* A warning the level hides is still the last problem (stats.h). */
	show = always || (int)lvl <= atomic_load(&log_level);
	if (!show && lvl > FTPS_LOG_WARN)
		return;

	n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (n < 0) {
		snprintf(msg, sizeof msg, "(unformattable log message)");
		n = (int)strlen(msg);
	} else if ((size_t)n >= sizeof msg) {
		n = (int)sizeof msg - 1;
		memcpy(msg + n - 3, "...", 3);
	}
	ftps_text_clean(msg, (size_t)n);
	if (lvl <= FTPS_LOG_WARN) {
		pthread_mutex_lock(&last_mu);
		memcpy(last_msg, msg, (size_t)n + 1);
		last_at = (long long)time(NULL);
		pthread_mutex_unlock(&last_mu);
	}
	if (show)
		emit(lvl, msg);
	errno = saved_errno;
}

void ftps_log(enum ftps_loglevel lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, 0, fmt, ap);
	va_end(ap);
}

void ftps_log_always(enum ftps_loglevel lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, 1, fmt, ap);
	va_end(ap);
}

int ftps_log_last_problem(char *buf, size_t len, long long *when)
{
	int any;

	pthread_mutex_lock(&last_mu);
	any = last_at != 0;
	if (len > 0)
		snprintf(buf, len, "%s", last_msg);
	*when = last_at;
	pthread_mutex_unlock(&last_mu);
	return any;
}
