/* check_engine.c - the transfer engine (src/engine.h) without FUSE: uploads,
 * streamed reads, downloads and leftovers against the scripted server
 * (tests/tools/scriptftp.py: plain FTP over a real folder, faults armed on
 * command). Each test starts its own server over an empty folder and checks
 * the folder's files byte for byte. The pool (src/pool.c) is tested here
 * too, with real connections to the same server.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ftps.h"
#include "engine.h"
#include "reader.h"
#include "upload.h"
#include "download.h"
#include "leftovers.h"
#include "sock.h"

#ifndef SCRIPTFTP
#error "SCRIPTFTP: the path of tests/tools/scriptftp.py"
#endif

static pid_t server_pid;
static char dir[64];                /* the test's folder: root/, logs */
static char root[128];              /* what the server serves */
static int ctl_port;
static struct ftps_config cfg;
static struct ftps_pool *pool;
static struct ftps_engine eng;

/* ---- the scripted server ---- */

static int read_port(const char *path)
{
	FILE *f = fopen(path, "r");
	int port = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &port) != 1)
		port = 0;
	fclose(f);
	return port;
}

/* One control command; the reply line into out. 0 when it begins "ok". */
static int ctl(const char *cmd, char *out, size_t outlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)ctl_port) };
	struct timeval tv = { .tv_sec = 30 };
	char line[4096];
	size_t n = 0;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(s, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(line, sizeof(line), "%s\n", cmd);
	ck_assert_int_eq(write(s, line, strlen(line)), (ssize_t)strlen(line));
	while (n < sizeof(line) - 1) {
		ssize_t r = read(s, line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(s);
	if (out)
		snprintf(out, outlen, "%s", line);
	return strncmp(line, "ok", 2) == 0 ? 0 : -1;
}

static void arm(const char *rule)
{
	char cmd[256], reply[256];

	snprintf(cmd, sizeof(cmd), "arm %s", rule);
	ck_assert_msg(ctl(cmd, reply, sizeof(reply)) == 0, "arm %s: %s", rule, reply);
}

/* How many times the server saw verb (from "stats"). */
static int seen(const char *verb)
{
	char reply[4096], key[64];
	const char *p;

	ck_assert_int_eq(ctl("stats", reply, sizeof(reply)), 0);
	snprintf(key, sizeof(key), " cmd_%s=", verb);
	p = strstr(reply, key);
	return p ? atoi(p + strlen(key)) : 0;
}

/* Lines of the server's log that contain text. */
static int log_count(const char *text)
{
	char path[160], line[8192];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/log", dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

static void server_start(const char *feat)
{
	char port_file[160], ctl_file[160], log[160], parent[16];
	int port = 0;

	snprintf(dir, sizeof(dir), "/tmp/check_engine.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(root, sizeof(root), "%s/root", dir);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	snprintf(port_file, sizeof(port_file), "%s/port", dir);
	snprintf(ctl_file, sizeof(ctl_file), "%s/ctl", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	snprintf(parent, sizeof(parent), "%d", (int)getpid());
	server_pid = fork();
	ck_assert_int_ge(server_pid, 0);
	if (server_pid == 0) {
		execlp("python3", "python3", SCRIPTFTP, "--root", root, "--port-file", port_file,
		       "--control-port-file", ctl_file, "--log", log, "--parent", parent,
		       "--lifetime", "300", "--feat", feat, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && !(port = read_port(port_file)); i++)
		usleep(50 * 1000);
	ck_assert_msg(port > 0, "the scripted server did not start");
	ctl_port = read_port(ctl_file);

	ftps_config_init(&cfg);
	cfg.host = "127.0.0.1";
	cfg.port = (uint16_t)port;
	cfg.security = FTPS_SEC_PLAIN;
	cfg.user = "tester";
	cfg.password = "secret";
	cfg.timeout_ms = 3000;
	pool = ftps_pool_new(&cfg, NULL, 4);
	ck_assert_ptr_nonnull(pool);
}

static void setup(void)
{
	ftps_log_set_level(FTPS_LOG_ERROR);
	server_start("mlst,mdtm,mfmt,size,rest,utf8");
	ftps_engine_init(&eng, &cfg, pool, 1, FTPS_VERIFY_SIZE);
	ftps_pool_set_reclaim(pool, ftps_reader_reclaim, &eng);
}

static void teardown(void)
{
	char cmd[256];

	ftps_engine_destroy(&eng);
	ftps_pool_free(pool);
	pool = NULL;
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* ---- files ---- */

/* len bytes that differ from any other offset's (seeded). */
static char *pattern(size_t len, unsigned seed)
{
	char *p = malloc(len);
	uint32_t x = seed * 2654435761u + 1;

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (char)x;
	}
	return p;
}

/* A local file (the spool's part) holding len bytes of data. */
static int local_file(const char *data, size_t len)
{
	char path[] = "/tmp/check_engine_src.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

static void put_server_file(const char *name, const char *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* The server's file name holds exactly len bytes of data. */
static void ck_server_file(const char *name, const char *data, size_t len)
{
	char path[256];
	struct stat sb;
	char *got;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	ck_assert_msg(stat(path, &sb) == 0, "%s is not on the server", name);
	ck_assert_msg((size_t)sb.st_size == len, "%s: %lld bytes on the server, expected %zu", name,
	              (long long)sb.st_size, len);
	got = malloc(len + 1);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(got, 1, len, f), len);
	fclose(f);
	ck_assert_msg(memcmp(got, data, len) == 0, "%s: other bytes on the server", name);
	free(got);
}

/* Files in the server's root whose name contains part. */
static int count_names(const char *part)
{
	DIR *d = opendir(root);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' || de->d_name[1] != '\0')
			n += strcmp(de->d_name, "..") != 0 && strstr(de->d_name, part) != NULL;
	closedir(d);
	return n;
}

/* ---- uploads ---- */

START_TEST(upload_whole_file)
{
	size_t len = 3 * 1024 * 1024 + 17;
	char *data = pattern(len, 1);
	int fd = local_file(data, len);
	struct ftps_uploaded res;

	ck_assert_int_eq(ftps_upload_fd(&eng, "/f.bin", fd, 0, len, 0, 0640, 1500000000, &res), 0);
	ck_server_file("f.bin", data, len);
	ck_assert_uint_eq(res.size, len);
	ck_assert_int_eq(res.mtime, 1500000000);
	ck_assert_int_eq(res.mtime_exact, 1);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	ck_assert_int_eq(seen("STOR"), 1);
	ck_assert_int_eq(seen("RNTO"), 1);
	close(fd);
	free(data);
}
END_TEST

/* After the 226, the checks go out together: SIZE with SITE CHMOD, then
 * RNFR, RNTO and MFMT (or MDTM) - two round trips instead of five. */
START_TEST(upload_commands_pipelined)
{
	char *data = pattern(4096, 17);
	int fd = local_file(data, 4096);
	struct ftps_uploaded res;

	ck_assert_int_eq(ftps_upload_fd(&eng, "/p1", fd, 0, 4096, 0, 0600, -1, &res), 0);
	ck_assert_int_eq(ftps_upload_fd(&eng, "/p2", fd, 0, 4096, 0, 0640, 1400000000, &res), 0);
	ck_server_file("p1", data, 4096);
	ck_server_file("p2", data, 4096);
	ck_assert_int_eq(res.mode_set, 1);
	ck_assert_int_eq(res.mtime_exact, 1);
	ck_assert_int_eq(res.mtime, 1400000000);
	/* the server logs a command that had others behind it */
	ck_assert_int_eq(log_count("read ahead: SIZE"), 2);
	ck_assert_int_eq(log_count("read ahead: RNFR"), 2);
	ck_assert_int_eq(log_count("read ahead: RNTO"), 2);
	ck_assert_int_eq(seen("SIZE"), 2);
	ck_assert_int_eq(seen("MDTM"), 1);
	ck_assert_int_eq(seen("MFMT"), 1);
	/* once the server has shown it takes EPSV, the next upload's EPSV
	 * rides along with the size check: p2's STOR went out on that data
	 * connection, without an EPSV of its own (p1's first EPSV went alone:
	 * nothing was known yet). */
	ck_assert_int_eq(seen("EPSV"), 3);
	ck_assert_int_eq(log_count("read ahead: EPSV"), 0);
	ck_assert_int_eq(log_count("read ahead: SITE"), 2);
	{
		struct stat sb;
		char p[300];
		snprintf(p, sizeof(p), "%s/p2", root);
		ck_assert_int_eq(stat(p, &sb), 0);
		ck_assert_int_eq(sb.st_mode & 0777, 0640);
		ck_assert_int_eq(sb.st_mtime, 1400000000);
	}
	close(fd);
	free(data);
}
END_TEST

/* EPSV sent ahead with the transfer command, and failing after all: the
 * command fails for want of a data connection, the connection stays in
 * step, and the upload and the read are tried again and come out right. */
START_TEST(epsv_ahead_fails)
{
	char *data = pattern(6000, 20);
	int fd = local_file(data, 6000);
	struct ftps_uploaded res;
	char buf[6000];
	struct ftps_reader *r;

	ck_assert_int_eq(ftps_upload_fd(&eng, "/e1", fd, 0, 6000, 0, -1, -1, &res), 0);
	/* a read to the end uses up the data connection e1 prepared (and
	 * prepares none: nothing was cancelled) */
	r = ftps_reader_new(&eng, "/e1", 6000);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 0), 6000);
	ftps_reader_free(r);
	arm("fail EPSV 1 425 Cannot open a passive port.");
	ck_assert_int_eq(ftps_upload_fd(&eng, "/e2", fd, 0, 6000, 0, -1, -1, &res), 0);
	ck_server_file("e2", data, 6000);
	ck_assert_int_ge(log_count("read ahead: EPSV"), 1);
	r = ftps_reader_new(&eng, "/e2", 6000);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 0), 6000);
	ck_assert(memcmp(buf, data, 6000) == 0);
	ftps_reader_free(r);
	arm("fail EPSV 1 425 Cannot open a passive port.");
	r = ftps_reader_new(&eng, "/e2", 6000);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 0), 6000);
	ck_assert(memcmp(buf, data, 6000) == 0);
	ftps_reader_free(r);
	ck_assert_int_ge(log_count("read ahead: EPSV"), 2);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	/* a file that is not there: refused before any data connection */
	r = ftps_reader_new(&eng, "/nothing", -1);
	ck_assert_int_eq(ftps_reader_read(r, buf, 100, 0), -ENOENT);
	ftps_reader_free(r);
	close(fd);
	free(data);
}
END_TEST

/* A server that throws away commands sent ahead: learnt, and the uploads
 * still land, one command at a time. */
START_TEST(upload_no_pipelining_server)
{
	char *data = pattern(5000, 18);
	int fd = local_file(data, 5000);
	struct ftps_uploaded res;

	arm("no-pipelining");
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "/n%d", i);
		ck_assert_int_eq(ftps_upload_fd(&eng, name, fd, 0, 5000, 0, 0644, -1, &res), 0);
		ck_server_file(name + 1, data, 5000);
	}
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	close(fd);
	free(data);
}
END_TEST

/* The connection reset before the pipelined RNTO was carried out, and
 * after it was (its reply lost): either way the upload is found in place
 * once, and nothing is left over. */
START_TEST(upload_rename_lost)
{
	char *data = pattern(9000, 19);
	int fd = local_file(data, 9000);
	struct ftps_uploaded res;

	put_server_file("x", "old", 3);
	arm("drop-before RNTO");
	ck_assert_int_eq(ftps_upload_fd(&eng, "/x", fd, 0, 9000, 0, -1, -1, &res), 0);
	ck_server_file("x", data, 9000);
	arm("drop-after RNTO");
	ck_assert_int_eq(ftps_upload_fd(&eng, "/y", fd, 0, 9000, 0, -1, -1, &res), 0);
	ck_server_file("y", data, 9000);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	ck_assert_int_eq(seen("STOR"), 2);
	close(fd);
	free(data);
}
END_TEST

/* The server cannot open a passive port for the moment (ProFTPD: "425
 * EPSV: Address already in use"): a streamed upload asks again instead of
 * failing to start. */
START_TEST(upload_start_port_busy)
{
	char *data = pattern(30000, 22);
	struct ftps_upload *u;
	struct ftps_uploaded res;

	arm("fail EPSV 1 425 EPSV: Address already in use");
	ck_assert_int_eq(ftps_upload_start(&eng, "/busy.bin", 0, -1, &u), 0);
	ck_assert_int_eq(ftps_upload_write(u, data, 30000), 0);
	ck_assert_int_eq(ftps_upload_finish(u, -1, -1, &res), 0);
	ck_server_file("busy.bin", data, 30000);
	ck_assert_int_eq(seen("EPSV"), 3);  /* refused, again, the next upload's */
	free(data);
}
END_TEST

/* How many times the rule named name fired (the server's stats). */
static int fired(const char *name)
{
	char reply[4096], key[64];
	const char *p;

	ck_assert_int_eq(ctl("stats", reply, sizeof(reply)), 0);
	snprintf(key, sizeof(key), " fired_%s=", name);
	p = strstr(reply, key);
	return p ? atoi(p + strlen(key)) : 0;
}

/* Data connections prepared ahead: a cancelled read leaves EPSV answered
 * and its data connection open, so the next read on that connection sends
 * only REST and RETR; an upload's size check takes the next upload's EPSV
 * along. A port the server expired meanwhile - closed before the command
 * came, or refused with 425 - is set up afresh, and every byte is right. */
START_TEST(prepared_data_conns)
{
	static const uint64_t offs[] = { 0, 5500000, 8192, 5200000, 1000000, 5900000, 12288,
	                                 4600000, 200000, 6000000 };
	size_t len = 6300000;
	char *data = pattern(len, 23);
	int fd = local_file(data, len);
	struct ftps_uploaded res;
	struct ftps_reader *r;
	char buf[4096];

	ck_assert_int_eq(ftps_upload_fd(&eng, "/big", fd, 0, len, 0, -1, -1, &res), 0);
	r = ftps_reader_new(&eng, "/big", (int64_t)len);
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		if (i == 4)
			arm("expire-passive RETR 1");
		if (i == 7)
			arm("expire-passive REST 1");
		ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), (off_t)offs[i]), 4096);
		ck_assert(memcmp(buf, data + offs[i], 4096) == 0);
	}
	ftps_reader_free(r);
	ftps_reader_drains_wait();
	ck_assert_int_eq(fired("expire-passive"), 2);
	/* some RETRs went out on a prepared data connection: without an EPSV
	 * in front of them */
	ck_assert_int_lt(log_count("read ahead: EPSV"), seen("RETR"));
	/* an upload whose prepared port has expired */
	ck_assert_int_eq(ftps_upload_fd(&eng, "/p1", fd, 0, 5000, 0, -1, -1, &res), 0);
	arm("expire-passive STOR 1");
	ck_assert_int_eq(ftps_upload_fd(&eng, "/p2", fd, 0, 7000, 0, -1, -1, &res), 0);
	ck_server_file("p1", data, 5000);
	ck_server_file("p2", data, 7000);
	ck_assert_int_eq(fired("expire-passive"), 3);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	close(fd);
	free(data);
}
END_TEST

/* A refused upload leaves the earlier version as it was, and no temporary
 * file behind. */
START_TEST(upload_refused_keeps_old)
{
	char *data = pattern(50000, 2);
	int fd = local_file(data, 50000);
	struct ftps_uploaded res;

	put_server_file("keep.txt", "the old version\n", 16);
	arm("fail STOR 1 553 Could not create file.");
	ck_assert_int_lt(ftps_upload_fd(&eng, "/keep.txt", fd, 0, 50000, 0, -1, -1, &res), 0);
	ck_server_file("keep.txt", "the old version\n", 16);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	ck_assert_int_eq(seen("STOR"), 1);      /* a refusal is not tried again */
	close(fd);
	free(data);
}
END_TEST

/* The rename into place refused: an error, the old version kept, the
 * temporary file (not the only copy of anything) removed. */
START_TEST(upload_rename_refused)
{
	char *data = pattern(70000, 3);
	int fd = local_file(data, 70000);
	struct ftps_uploaded res;

	put_server_file("keep.txt", "old\n", 4);
	arm("fail RNFR 1 550 Permission denied.");
	ck_assert_int_lt(ftps_upload_fd(&eng, "/keep.txt", fd, 0, 70000, 0, -1, -1, &res), 0);
	ck_server_file("keep.txt", "old\n", 4);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	close(fd);
	free(data);
}
END_TEST

/* A server that will not rename over a file: the old one is moved aside,
 * the new one put in place, then the old one deleted. */
START_TEST(upload_no_overwrite_server)
{
	char *data = pattern(40000, 15);
	int fd = local_file(data, 40000);
	struct ftps_uploaded res;

	put_server_file("w.txt", "old\n", 4);
	arm("rnto-no-overwrite");
	ck_assert_int_eq(ftps_upload_fd(&eng, "/w.txt", fd, 0, 40000, 0, -1, -1, &res), 0);
	ck_server_file("w.txt", data, 40000);
	ck_assert_int_eq(count_names(".ftpsfs"), 0);    /* neither temporary nor old copy */
	close(fd);
	free(data);
}
END_TEST

/* A data connection that failed (425) is tried again, and lands once. */
START_TEST(upload_transient_retried)
{
	char *data = pattern(200000, 4);
	int fd = local_file(data, 200000);
	struct ftps_uploaded res;

	arm("fail STOR 1 425 Can't open data connection.");
	ck_assert_int_eq(ftps_upload_fd(&eng, "/t.bin", fd, 0, 200000, 0, -1, -1, &res), 0);
	ck_server_file("t.bin", data, 200000);
	ck_assert_int_eq(seen("STOR"), 2);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	close(fd);
	free(data);
}
END_TEST

/* The upload landed but its 226 was lost with the connection: SIZE shows
 * it whole, so nothing is sent again (not even an empty APPE), and the file
 * ends up whole under its name with nothing left over. */
START_TEST(upload_reply_lost)
{
	char *data = pattern(300000, 5);
	int fd = local_file(data, 300000);
	struct ftps_uploaded res;

	put_server_file("r.bin", "old", 3);
	arm("drop-after STOR");
	ck_assert_int_eq(ftps_upload_fd(&eng, "/r.bin", fd, 0, 300000, 0, -1, -1, &res), 0);
	ck_server_file("r.bin", data, 300000);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	ck_assert_int_eq(count_names("r.bin"), 1);
	ck_assert_int_eq(seen("STOR"), 1);
	ck_assert_int_eq(seen("APPE"), 0);
	close(fd);
	free(data);
}
END_TEST

/* The same on a server that refuses APPE: the file is not sent twice. */
START_TEST(upload_reply_lost_no_appe)
{
	char *data = pattern(300000, 16);
	int fd = local_file(data, 300000);
	struct ftps_uploaded res;

	arm("drop-after STOR");
	arm("fail APPE 1 451 Append/Restart not permitted");
	ck_assert_int_eq(ftps_upload_fd(&eng, "/q.bin", fd, 0, 300000, 0, -1, -1, &res), 0);
	ck_server_file("q.bin", data, 300000);
	ck_assert_int_eq(seen("STOR"), 1);
	close(fd);
	free(data);
}
END_TEST

/* An append whose reply was lost is found on the server whole and never
 * sent twice. */
START_TEST(append_reply_lost)
{
	size_t base = 10000, len = 25000;
	char *data = pattern(len, 6);
	int fd = local_file(data, len);
	struct ftps_uploaded res;

	put_server_file("log", data, base);
	arm("drop-after APPE");
	ck_assert_int_eq(ftps_upload_fd(&eng, "/log", fd, base, len, 1, -1, -1, &res), 0);
	ck_server_file("log", data, len);
	ck_assert_uint_eq(res.size, len);
	ck_assert_int_eq(seen("APPE"), 1);
	close(fd);
	free(data);
}
END_TEST

/* An append onto a file that changed on the server since is refused, and
 * the file is left alone. */
START_TEST(append_changed_file)
{
	char *data = pattern(5000, 7);
	int fd = local_file(data, 5000);
	struct ftps_uploaded res;

	put_server_file("log", "someone else wrote this", 23);
	ck_assert_int_eq(ftps_upload_fd(&eng, "/log", fd, 1000, 5000, 1, -1, -1, &res), -EIO);
	ck_server_file("log", "someone else wrote this", 23);
	close(fd);
	free(data);
}
END_TEST

/* A streamed upload: sent in the background as it is written, then
 * finished. Until then only the temporary name is on the server. */
START_TEST(upload_streamed)
{
	size_t len = 2 * 1024 * 1024;
	char *data = pattern(len, 8);
	int fd = local_file(data, 0);
	struct ftps_upload *u;
	struct ftps_uploaded res;

	ck_assert_int_eq(ftps_upload_start(&eng, "/s.bin", 0, fd, &u), 0);
	ck_assert_int_eq(ftps_upload_background(u), 0);
	for (size_t off = 0; off < len; off += 65536) {
		ck_assert_int_eq(pwrite(fd, data + off, 65536, (off_t)off), 65536);
		ck_assert_int_eq(ftps_upload_queue(u, data + off, 65536), 0);
	}
	ck_assert_int_eq(count_names("s.bin"), 1);      /* the temporary name only */
	ck_assert_int_eq(ftps_upload_finish(u, -1, -1, &res), 0);
	ck_server_file("s.bin", data, len);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	close(fd);
	free(data);
}
END_TEST

/* One new name, written and put in place (ftps_upload_new_name). */
static int upload_new(const char *name, const char *data, size_t len, int mode, int64_t mtime,
                      struct ftps_uploaded *res)
{
	struct ftps_upload *u;

	ck_assert_int_eq(ftps_upload_start(&eng, name, 0, -1, &u), 0);
	ck_assert_int_eq(ftps_upload_write(u, data, len), 0);
	ftps_upload_new_name(u);
	return ftps_upload_finish(u, mode, mtime, res);
}

/* A new name: SIZE, SITE CHMOD, RNFR, RNTO and MDTM (or MFMT) go out in
 * one group with the next upload's EPSV - one round trip after the 226
 * where an upload over a file takes two. */
START_TEST(upload_new_name_one_group)
{
	char *data = pattern(4096, 21);
	struct ftps_uploaded res;
	struct stat sb;
	char p[300];

	ck_assert_int_eq(upload_new("/w0", data, 4096, 0600, -1, &res), 0);
	ck_assert_int_eq(upload_new("/w1", data, 4096, 0640, -1, &res), 0);
	ck_assert_int_eq(res.mtime_exact, 1);
	ck_assert_int_eq(upload_new("/w2", data, 4096, 0604, 1400000000, &res), 0);
	ck_assert_int_eq(res.mode_set, 1);
	ck_assert_int_eq(res.mtime_exact, 1);
	ck_assert_int_eq(res.mtime, 1400000000);
	for (int i = 0; i < 3; i++) {
		char name[4] = { 'w', (char)('0' + i), '\0' };
		ck_server_file(name, data, 4096);
	}
	snprintf(p, sizeof(p), "%s/w2", root);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0604);
	ck_assert_int_eq(sb.st_mtime, 1400000000);
	/* the time was asked (or set) with the next EPSV still behind it:
	 * the checks, the rename and the time were one group */
	ck_assert_int_ge(log_count("read ahead: MDTM"), 1);
	ck_assert_int_eq(log_count("read ahead: MFMT"), 1);
	ck_assert_int_eq(log_count("read ahead: RNFR"), 3);
	ck_assert_int_eq(seen("SIZE"), 3);
	ck_assert_int_eq(seen("RNTO"), 3);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	free(data);
}
END_TEST

/* A new name whose size comes out wrong after the rename went ahead:
 * moved back under the temporary name and removed from there; the upload
 * fails and the name stays free. */
START_TEST(upload_new_name_short_moved_back)
{
	char *data = pattern(4096, 22);
	struct ftps_uploaded res;

	arm("fail SIZE 1 213 5");
	ck_assert_int_eq(upload_new("/short", data, 4096, 0644, -1, &res), -EIO);
	ck_assert_int_eq(count_names("short"), 0);      /* neither name */
	ck_assert_int_eq(seen("RNTO"), 2);              /* into place, and back */
	/* the next one lands */
	ck_assert_int_eq(upload_new("/short", data, 4096, 0644, -1, &res), 0);
	ck_server_file("short", data, 4096);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	free(data);
}
END_TEST

/* The connection lost in the group, after the rename (its reply lost) and
 * before it: found out by looking, checked, never uploaded twice. */
START_TEST(upload_new_name_group_lost)
{
	char *data = pattern(7000, 23);
	struct ftps_uploaded res;

	arm("drop-after RNTO");
	ck_assert_int_eq(upload_new("/d1", data, 7000, 0644, -1, &res), 0);
	ck_server_file("d1", data, 7000);
	arm("drop-before RNTO");
	ck_assert_int_eq(upload_new("/d2", data, 7000, 0644, -1, &res), 0);
	ck_server_file("d2", data, 7000);
	ck_assert_int_eq(seen("STOR"), 2);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	free(data);
}
END_TEST

START_TEST(upload_aborted)
{
	char *data = pattern(100000, 9);
	struct ftps_upload *u;

	put_server_file("a.bin", "old", 3);
	ck_assert_int_eq(ftps_upload_start(&eng, "/a.bin", 0, -1, &u), 0);
	ck_assert_int_eq(ftps_upload_write(u, data, 100000), 0);
	ftps_upload_abort(u);
	ck_server_file("a.bin", "old", 3);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	free(data);
}
END_TEST

/* The server is gone: the upload fails within its bounded retries. */
START_TEST(upload_server_gone)
{
	char *data = pattern(1000, 10);
	int fd = local_file(data, 1000);
	struct ftps_uploaded res;
	int64_t t0;

	kill(server_pid, SIGTERM);
	waitpid(server_pid, NULL, 0);
	server_pid = 0;
	t0 = ftps_now_ms();
	ck_assert_int_eq(ftps_upload_fd(&eng, "/g.bin", fd, 0, 1000, 0, -1, -1, &res), -EIO);
	ck_assert_int_lt(ftps_now_ms() - t0, 20000);
	close(fd);
	free(data);
}
END_TEST

/* ---- streamed reads ---- */

static char *big_file(const char *name, size_t len, unsigned seed)
{
	char *data = pattern(len, seed);

	put_server_file(name, data, len);
	return data;
}

START_TEST(read_sequential_one_stream)
{
	size_t len = 5 * 1024 * 1024 + 3;
	char *data = big_file("big", len, 11);
	char *buf = malloc(131072);
	struct ftps_reader *r = ftps_reader_new(&eng, "/big", (int64_t)len);

	for (size_t off = 0; off < len; off += 131072) {
		size_t want = len - off < 131072 ? len - off : 131072;
		ck_assert_int_eq(ftps_reader_read(r, buf, 131072, (off_t)off), (ssize_t)want);
		ck_assert(memcmp(buf, data + off, want) == 0);
	}
	ck_assert_int_eq(ftps_reader_read(r, buf, 131072, (off_t)len), 0);
	ck_assert_int_eq(seen("RETR"), 1);
	ftps_reader_free(r);
	free(buf);
	free(data);
}
END_TEST

/* A file that grows on the server while it is open (a log): told the new
 * size, the reader reads on to it, without a stream that ends at the old
 * size being taken for a cut one (no resume, no SIZE asked). */
START_TEST(read_file_grows)
{
	char buf[64];
	struct ftps_stats_view v;
	struct ftps_reader *r;

	put_server_file("log", "line 1\n", 7);
	r = ftps_reader_new(&eng, "/log", 7);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 0), 7);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 7), 0);
	put_server_file("log", "line 1\nline 2\n", 14);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 7), 0);   /* not told yet */
	ftps_reader_grow(r, 14);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 7), 7);
	ck_assert(memcmp(buf, "line 2\n", 7) == 0);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 0), 14);
	ck_assert(memcmp(buf, "line 1\nline 2\n", 14) == 0);
	ftps_reader_grow(r, 10);                 /* smaller: ignored */
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 0), 14);
	ck_assert_int_eq(seen("SIZE"), 0);
	ftps_pool_stats_read(pool, &v);
	ck_assert_int_eq(v.ctr[FTPS_CTR_RETRIES], 0);
	ftps_reader_free(r);
}
END_TEST

/* A file replaced on the server by a bigger one while open is not read on
 * from the old end (the start of one version, the rest of another): the
 * bytes before the old end differ, and every read is EIO from then on. */
START_TEST(read_file_replaced_bigger)
{
	char buf[64];
	struct ftps_reader *r;

	put_server_file("log", "line 1\n", 7);
	r = ftps_reader_new(&eng, "/log", 7);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 0), 7);
	put_server_file("log", "LINE 1\nline 2\n", 14);
	ftps_reader_grow(r, 14);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 0), -EIO);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 7), -EIO);
	ftps_reader_free(r);
}
END_TEST

/* Readahead's reads come a little out of order: served from the window,
 * without a new RETR. A real jump restarts the stream at the new offset. */
START_TEST(read_window_and_jumps)
{
	size_t len = 16 * 1024 * 1024, far = 12 * 1024 * 1024;
	char *data = big_file("big", len, 12);
	char buf[65536];
	struct ftps_reader *r = ftps_reader_new(&eng, "/big", (int64_t)len);
	static const size_t offs[] = { 0, 131072, 65536, 262144, 196608, 327680 };

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), (off_t)offs[i]), 65536);
		ck_assert(memcmp(buf, data + offs[i], sizeof(buf)) == 0);
	}
	ck_assert_int_eq(seen("RETR"), 1);
	/* a little ahead: read forward in the same stream */
	ck_assert_int_eq(ftps_reader_read(r, buf, 1000, 2 * 1024 * 1024), 1000);
	ck_assert(memcmp(buf, data + 2 * 1024 * 1024, 1000) == 0);
	ck_assert_int_eq(seen("RETR"), 1);
	/* far ahead, then back to a place the window no longer holds */
	ck_assert_int_eq(ftps_reader_read(r, buf, 1000, (off_t)far), 1000);
	ck_assert(memcmp(buf, data + far, 1000) == 0);
	ck_assert_int_eq(ftps_reader_read(r, buf, 1000, 10), 1000);
	ck_assert(memcmp(buf, data + 10, 1000) == 0);
	ck_assert_int_eq(seen("RETR"), 3);
	ck_assert_int_ge(seen("REST"), 2);
	/* the last bytes: a short count only at the end */
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), (off_t)(len - 100)), 100);
	ck_assert(memcmp(buf, data + len - 100, 100) == 0);
	ftps_reader_free(r);
	free(data);
}
END_TEST

/* A stream cut short with a clean close and a 226 (a middlebox) is never
 * taken for the end of the file: the reader resumes where it stopped. */
START_TEST(read_cut_short_resumes)
{
	size_t len = 1000000;
	char *data = big_file("cut", len, 13);
	char *buf = malloc(len);
	struct ftps_reader *r = ftps_reader_new(&eng, "/cut", (int64_t)len);
	size_t done = 0;

	arm("truncate-retr 300000");
	while (done < len) {
		ssize_t n = ftps_reader_read(r, buf + done, 65536, (off_t)done);
		ck_assert_int_gt(n, 0);
		done += (size_t)n;
	}
	ck_assert(memcmp(buf, data, len) == 0);
	ck_assert_int_eq(seen("RETR"), 2);
	ftps_reader_free(r);
	free(buf);
	free(data);
}
END_TEST

/* Once the server has shown it takes commands sent ahead, a read at an
 * offset sends EPSV, REST and RETR together. A refused REST is caught
 * before one byte of the transfer (which then starts at 0) is used. */
START_TEST(read_rest_ahead)
{
	size_t len = 1000000;
	char *data = big_file("r.bin", len, 21);
	int fd = local_file(data, 10);
	struct ftps_uploaded res;
	struct ftps_reader *r;
	char buf[1000];

	/* an upload: the server answers commands sent ahead, and EPSV */
	ck_assert_int_eq(ftps_upload_fd(&eng, "/small", fd, 0, 10, 0, -1, -1, &res), 0);
	r = ftps_reader_new(&eng, "/r.bin", (int64_t)len);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 500000), 1000);
	ck_assert(memcmp(buf, data + 500000, 1000) == 0);
	ftps_reader_free(r);
	ck_assert_int_eq(log_count("read ahead: REST"), 1);

	arm("fail REST 1 502 REST not implemented.");
	r = ftps_reader_new(&eng, "/r.bin", (int64_t)len);
	ck_assert_int_lt(ftps_reader_read(r, buf, sizeof(buf), 300000), 0);
	ftps_reader_free(r);
	ck_assert_int_eq(seen("RETR"), 2);      /* it did start, from 0, and was cut */
	r = ftps_reader_new(&eng, "/r.bin", (int64_t)len);
	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 300000), 1000);
	ck_assert(memcmp(buf, data + 300000, 1000) == 0);
	ftps_reader_free(r);
	close(fd);
	free(data);
}
END_TEST

START_TEST(read_missing_file)
{
	char buf[100];
	struct ftps_reader *r = ftps_reader_new(&eng, "/nothing", -1);

	ck_assert_int_eq(ftps_reader_read(r, buf, sizeof(buf), 0), -ENOENT);
	ftps_reader_free(r);
}
END_TEST

/* ---- downloads ---- */

START_TEST(download_resumes)
{
	size_t len = 800000;
	char *data = big_file("d.bin", len, 14);
	char *got = malloc(len);
	int fd = local_file("", 0);

	arm("truncate-retr 123456");
	ck_assert_int_eq(ftps_download_fd(&eng, "/d.bin", fd, (int64_t)len, 0), (int64_t)len);
	ck_assert_int_eq(pread(fd, got, len, 0), (ssize_t)len);
	ck_assert(memcmp(got, data, len) == 0);
	ck_assert_int_eq(seen("RETR"), 2);
	close(fd);
	free(got);
	free(data);
}
END_TEST

/* ---- leftovers ---- */

START_TEST(orphans_removed_later)
{
	put_server_file(".x.ftpsfs-abcdef", "junk", 4);
	ftps_orphan_add(&eng, "/.x.ftpsfs-abcdef");
	ftps_orphan_add(&eng, "/.gone.ftpsfs-abcdef");     /* already gone: no error */
	ftps_orphans_sweep(&eng, 0);                       /* not due yet */
	ck_assert_int_eq(count_names(".x.ftpsfs-"), 1);
	ftps_orphans_sweep(&eng, 1);
	ck_assert_int_eq(count_names(".ftpsfs-"), 0);
	ck_assert_int_eq(eng.lo.norphans, 0);
}
END_TEST

/* A stranded upload (the only copy of its data) is renamed into place once
 * the final name is free, and never over a file that appeared there: that
 * one is left for good, never deleted. */
START_TEST(stranded_put_in_place)
{
	put_server_file(".a.ftpsfs-111111", "new data", 8);
	put_server_file(".b.ftpsfs-222222", "mine", 4);
	put_server_file("b", "someone else's", 14);
	ftps_stranded_add(&eng, "/.a.ftpsfs-111111", "/a");
	ftps_stranded_add(&eng, "/.b.ftpsfs-222222", "/b");
	ftps_stranded_sweep(&eng, 1);
	ck_server_file("a", "new data", 8);
	ck_server_file("b", "someone else's", 14);
	ck_server_file(".b.ftpsfs-222222", "mine", 4);
	ck_assert_int_eq(count_names(".a.ftpsfs-"), 0);
	ck_assert_int_eq(eng.lo.nstranded, 0);
}
END_TEST

/* A later upload of the same file makes a stranded one obsolete; a rename
 * of its folder is followed. */
START_TEST(stranded_superseded_and_renamed)
{
	char p[300];

	snprintf(p, sizeof(p), "%s/d2", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	put_server_file("d2/.c.ftpsfs-333333", "older", 5);
	ftps_stranded_add(&eng, "/d1/.c.ftpsfs-333333", "/d1/c");
	ftps_leftovers_renamed(&eng, "/d1", "/d2");
	ftps_stranded_superseded(&eng, "/d2/c");
	ck_assert_int_eq(eng.lo.nstranded, 0);
	ftps_orphans_sweep(&eng, 1);
	ck_assert_int_eq(eng.lo.norphans, 0);
	snprintf(p, sizeof(p), "%s/d2/.c.ftpsfs-333333", root);
	ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

/* ---- the pool (src/pool.c), with real connections to the scripted server ---- */

static int pool_opened(void)
{
	struct ftps_stats_view v;

	ftps_pool_stats_read(pool, &v);
	return (int)v.ctr[FTPS_CTR_CONNS_OPENED];
}

/* Transfers hold at most cap - 1 connections: the last is for short work. */
START_TEST(pool_keeps_one_for_short_work)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *x[3], *more = NULL, *c = NULL;

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ftps_pool_get(pool, FTPS_USE_XFER, &x[i], &st), FTPS_OK);
	ck_assert_int_eq(ftps_pool_get_wait(pool, FTPS_USE_XFER, 300, &more, &st), FTPS_E_TIMEOUT);
	ck_assert_ptr_null(more);
	ck_assert_int_eq(ftps_pool_get_wait(pool, FTPS_USE_SHORT, 300, &c, &st), FTPS_OK);
	ck_assert_int_eq(pool_opened(), 4);
	/* Nothing spare while every connection is out. */
	ck_assert_int_ne(ftps_pool_get_spare(pool, 100, &more, &st), FTPS_OK);
	ftps_pool_put(pool, c, FTPS_OK);
	/* A short request reuses the idle one, opens nothing. */
	ck_assert_int_eq(ftps_pool_get(pool, FTPS_USE_SHORT, &c, &st), FTPS_OK);
	ck_assert_int_eq(pool_opened(), 4);
	ftps_pool_put(pool, c, FTPS_OK);
	for (int i = 0; i < 3; i++)
		ftps_pool_put(pool, x[i], FTPS_OK);
}
END_TEST

static struct ftps_conn *held;
static int reclaims;

static int give_back(void *arg)
{
	(void)arg;
	reclaims++;
	if (!held)
		return 0;
	ftps_pool_put(pool, held, FTPS_OK);
	held = NULL;
	return 1;
}

/* A transfer that waits has the reclaim hook asked for an idle one. */
START_TEST(pool_reclaims_for_a_waiting_transfer)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *x[3], *c = NULL;

	ftps_pool_set_reclaim(pool, give_back, NULL);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ftps_pool_get(pool, FTPS_USE_XFER, &x[i], &st), FTPS_OK);
	held = x[1];
	reclaims = 0;
	ck_assert_int_eq(ftps_pool_get_wait(pool, FTPS_USE_XFER, 2000, &c, &st), FTPS_OK);
	ck_assert_int_ge(reclaims, 1);
	ck_assert_ptr_eq(c, x[1]);      /* the one given back, no new one */
	ck_assert_int_eq(pool_opened(), 3);
	ftps_pool_put(pool, c, FTPS_OK);
	ftps_pool_put(pool, x[0], FTPS_OK);
	ftps_pool_put(pool, x[2], FTPS_OK);
	ftps_pool_set_reclaim(pool, ftps_reader_reclaim, &eng);
}
END_TEST

/* A connection put back broken is closed; the next request opens another. */
START_TEST(pool_replaces_a_broken_connection)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *c = NULL;
	struct ftps_stats_view v;

	ck_assert_int_eq(ftps_pool_get(pool, FTPS_USE_SHORT, &c, &st), FTPS_OK);
	ftps_pool_put(pool, c, FTPS_E_CONN);
	ftps_pool_stats_read(pool, &v);
	ck_assert_uint_eq(v.conns, 0);
	ck_assert_int_eq(ftps_pool_get(pool, FTPS_USE_SHORT, &c, &st), FTPS_OK);
	ck_assert_int_eq(pool_opened(), 2);
	/* A command on it works. */
	ck_assert_int_eq(ftps_noop(c, &st), FTPS_OK);
	ftps_pool_put(pool, c, FTPS_OK);
	ftps_pool_stats_read(pool, &v);
	ck_assert_int_eq(v.ctr[FTPS_CTR_RECONNECTS], 1);
}
END_TEST

/* "421 Too many connections": the cap comes down to what is open and the
 * request waits for one of those; with none open it is an error. */
START_TEST(pool_learns_the_servers_cap)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *a = NULL, *b = NULL, *c = NULL;

	arm("max-conns 2");
	ck_assert_int_eq(ftps_pool_get(pool, FTPS_USE_SHORT, &a, &st), FTPS_OK);
	ck_assert_int_eq(ftps_pool_get(pool, FTPS_USE_XFER, &b, &st), FTPS_OK);
	ck_assert_uint_eq(ftps_pool_cap(pool), 4);
	ck_assert_int_eq(ftps_pool_get_wait(pool, FTPS_USE_SHORT, 500, &c, &st), FTPS_E_TIMEOUT);
	ck_assert_uint_eq(ftps_pool_cap(pool), 2);
	ck_assert_int_ge(log_count("FAULT fired: max-conns"), 1);
	ftps_pool_put(pool, a, FTPS_OK);
	ck_assert_int_eq(ftps_pool_get_wait(pool, FTPS_USE_SHORT, 500, &c, &st), FTPS_OK);
	ck_assert_ptr_eq(c, a);
	ftps_pool_put(pool, c, FTPS_OK);
	ftps_pool_put(pool, b, FTPS_OK);
}
END_TEST

START_TEST(pool_none_allowed_is_an_error)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *c = NULL;

	arm("max-conns 0");
	ck_assert_int_eq(ftps_pool_get_wait(pool, FTPS_USE_SHORT, 2000, &c, &st), FTPS_E_TOOMANY);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(ftps_err_class(FTPS_E_TOOMANY), FTPS_CLASS_DOWN);
}
END_TEST

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *up = tcase_create("upload");
	TCase *rd = tcase_create("read");
	TCase *lo = tcase_create("leftovers");
	TCase *po = tcase_create("pool");

	tcase_add_checked_fixture(up, setup, teardown);
	tcase_set_timeout(up, 60);
	tcase_add_test(up, upload_whole_file);
	tcase_add_test(up, upload_commands_pipelined);
	tcase_add_test(up, upload_no_pipelining_server);
	tcase_add_test(up, epsv_ahead_fails);
	tcase_add_test(up, upload_rename_lost);
	tcase_add_test(up, upload_refused_keeps_old);
	tcase_add_test(up, upload_rename_refused);
	tcase_add_test(up, upload_no_overwrite_server);
	tcase_add_test(up, upload_transient_retried);
	tcase_add_test(up, upload_reply_lost);
	tcase_add_test(up, upload_reply_lost_no_appe);
	tcase_add_test(up, append_reply_lost);
	tcase_add_test(up, append_changed_file);
	tcase_add_test(up, upload_streamed);
	tcase_add_test(up, upload_new_name_one_group);
	tcase_add_test(up, upload_new_name_short_moved_back);
	tcase_add_test(up, upload_new_name_group_lost);
	tcase_add_test(up, upload_start_port_busy);
	tcase_add_test(up, prepared_data_conns);
	tcase_add_test(up, upload_aborted);
	tcase_add_test(up, upload_server_gone);
	suite_add_tcase(s, up);

	tcase_add_checked_fixture(rd, setup, teardown);
	tcase_set_timeout(rd, 60);
	tcase_add_test(rd, read_sequential_one_stream);
	tcase_add_test(rd, read_window_and_jumps);
	tcase_add_test(rd, read_cut_short_resumes);
	tcase_add_test(rd, read_rest_ahead);
	tcase_add_test(rd, read_missing_file);
	tcase_add_test(rd, read_file_grows);
	tcase_add_test(rd, read_file_replaced_bigger);
	tcase_add_test(rd, download_resumes);
	suite_add_tcase(s, rd);

	tcase_add_checked_fixture(lo, setup, teardown);
	tcase_set_timeout(lo, 60);
	tcase_add_test(lo, orphans_removed_later);
	tcase_add_test(lo, stranded_put_in_place);
	tcase_add_test(lo, stranded_superseded_and_renamed);
	suite_add_tcase(s, lo);

	tcase_add_checked_fixture(po, setup, teardown);
	tcase_set_timeout(po, 60);
	tcase_add_test(po, pool_keeps_one_for_short_work);
	tcase_add_test(po, pool_reclaims_for_a_waiting_transfer);
	tcase_add_test(po, pool_replaces_a_broken_connection);
	tcase_add_test(po, pool_learns_the_servers_cap);
	tcase_add_test(po, pool_none_allowed_is_an_error);
	suite_add_tcase(s, po);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
