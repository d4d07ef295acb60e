/* log.h - levelled logging to stderr (foreground) or syslog (daemon).
 *
 * Messages are single lines. Passwords never reach this module: callers
 * log "PASS ****" themselves (see conn.c).
 */
#ifndef FTPS_LOG_H
#define FTPS_LOG_H

enum ftps_loglevel {
	FTPS_LOG_ERROR = 0,
	FTPS_LOG_WARN,
	FTPS_LOG_INFO,
	FTPS_LOG_DEBUG,
	FTPS_LOG_TRACE,         /* every command and reply */
};

void ftps_log_set_level(enum ftps_loglevel lvl);
enum ftps_loglevel ftps_log_get_level(void);
/* Parse "error|warn|info|debug|trace"; -1 if unknown. */
int ftps_log_parse_level(const char *s);
/* Send messages to syslog (ident "ftpsfs") instead of stderr. */
void ftps_log_use_syslog(int on);

void ftps_log(enum ftps_loglevel lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same whatever the level set: for what was asked for (SIGUSR1). */
void ftps_log_always(enum ftps_loglevel lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The last error or warning logged (the process's, as it was cleaned for
 * the log) into buf, and its time in Unix seconds: 1, or 0 when none yet. */
int ftps_log_last_problem(char *buf, size_t len, long long *when);

#define ftps_error(...) ftps_log(FTPS_LOG_ERROR, __VA_ARGS__)
#define ftps_warn(...)  ftps_log(FTPS_LOG_WARN, __VA_ARGS__)
#define ftps_info(...)  ftps_log(FTPS_LOG_INFO, __VA_ARGS__)
#define ftps_debug(...) do { if (ftps_log_get_level() >= FTPS_LOG_DEBUG) ftps_log(FTPS_LOG_DEBUG, __VA_ARGS__); } while (0)
#define ftps_trace(...) do { if (ftps_log_get_level() >= FTPS_LOG_TRACE) ftps_log(FTPS_LOG_TRACE, __VA_ARGS__); } while (0)

#endif
