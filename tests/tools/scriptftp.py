#!/usr/bin/env python3
"""scriptftp.py - a small but real plain-FTP server (no TLS) for tests, that
serves a real folder on disk, with faults a test arms at run time.
Python 3 standard library only.

    scriptftp.py --root DIR --port-file FILE [--control-port-file FILE]
                 [--log FILE] [--user tester] [--password secret] [--account ACCT]
                 [--lifetime 900] [--parent PID] [--listen 127.0.0.1]
                 [--feat mlst,mdtm,mfmt,size,rest,utf8] [--rule RULE ...]

It listens for FTP on a free port of 127.0.0.1 (written to --port-file once
everything is ready) and for its control commands on another free port
(written to --control-port-file first). Both port files are written under a
temporary name and renamed into place, so a reader never sees half a number.

FTP. Every file operation really happens under --root:
  USER PASS (530 "Login incorrect." for a wrong user or password; with
  --account, 332 and then ACCT) SYST FEAT
  OPTS UTF8 ON, TYPE A|I (transfers are binary either way, like vsftpd)
  MODE S, STRU F, PWD, CWD, CDUP, EPSV, PASV (127.0.0.1), LIST [-a] [path]
  (ls -l lines like vsftpd: "Mon DD HH:MM" for the last 182 days, else
  "Mon DD  YYYY", UTC; dot-files always; "." and ".." too with -a; symlinks as
  "name -> target"), NLST, MLSD [path], MLST [path] (facts type=file|dir|cdir|
  pdir|OS.unix=slink:TARGET; size; modify; UNIX.mode), RETR (from REST's
  offset), STOR (at REST's offset without truncating, when there is one),
  APPE, REST, DELE, RNFR + RNTO (os.replace: replaces an existing file; RNTO
  must come right after a successful RNFR, 503 otherwise), MKD, RMD (550
  "Directory not empty"), SIZE, MDTM path (213 YYYYMMDDHHMMSS, UTC),
  MDTM YYYYMMDDHHMMSS[.fff] path (sets the time, like vsftpd),
  MFMT YYYYMMDDHHMMSS[.fff] path, SITE CHMOD MODE path, NOOP, ABOR, STAT (211,
  one line; STAT [-a] path: the LIST lines in "213-Status follows:" ...
  "213 End of status", as vsftpd), HELP, ALLO, QUIT; PORT, EPRT, AUTH, PBSZ, PROT: 502; anything
  else: 500. A feature left out of --feat is neither listed by FEAT nor
  served (MLSD/MLST, MDTM, MFMT, SIZE, REST answer 500; OPTS UTF8 ON 501).
  Paths are absolute or relative to the current folder; one that leaves
  --root (by "..", or by a symlink whose target lies outside) is refused with
  550 "Permission denied". Passive data connections only; a transfer command
  checks its file, waits up to 10 s for the data connection (425), sends 150,
  moves the data, closes the data connection and then answers 226. A data
  connection idle for 30 s ends the transfer with 426. ABOR during a
  transfer closes the data connection and answers 426, then 226 (a partly
  stored file stays as it is). Other commands sent during a transfer are
  answered after it, in order.

Bounds: command lines of 8 KiB (longer: 500 and the connection is closed),
64 control connections (more: 421), a control connection idle for 300 s is
closed (421), 16 connections to the control port.

Faults (RULEs: --rule RULE at start, or "arm RULE" on the control port; any
number may be armed at once). CMD is a command verb (RNTO, STOR, ...), counted
from the moment the rule is armed, on every connection. A one-shot rule
disarms itself when it fires.
  rnto-no-overwrite       persistent: RNTO onto an existing file (not a
                          folder) answers "550 Rename failed: the target
                          exists" and changes nothing.
  rnto-other-dir-refused  persistent: RNTO into another folder than the RNFR
                          path's folder answers "550 Rename failed" and
                          changes nothing.
  mlsd-no-size            persistent: MLSD and MLST entries carry no size
                          fact (FEAT still announces size*).
  no-size-cmd             persistent: SIZE answers "502 Command not
                          implemented." (FEAT still announces SIZE; leave size
                          out of --feat for a server that does not.)
  stat-refused            persistent: STAT with a path answers "502 Command
                          not implemented." (STAT alone still answers).
  stat-status-only        persistent: STAT with a path answers the one-line
                          status, as STAT alone does (no listing).
  stat-truncate N         persistent: STAT with a path gives at most N lines
                          of the listing (and still ends as usual).
  max-conns N             persistent: with N control connections open, one
                          more is greeted "421 Too many connections." and
                          closed (a server's per-user limit).
  no-pipelining           persistent: commands that arrive ahead of the
                          reply to the one before are thrown away unread
                          (servers that flush their input after each
                          command do this). Without it, each command that
                          arrived ahead is logged as "read ahead: VERB".
  drop-after CMD [N]      the Nth CMD (default 1) is carried out completely
                          (a transfer up to where its 226 would be sent: the
                          data are moved and the data connection closed),
                          then the control connection is reset (SO_LINGER 0)
                          instead of the final reply.
  drop-before CMD [N]     the Nth CMD resets the control connection before
                          anything is done.
  expire-passive CMD [N]  before the Nth CMD is carried out, the passive
                          port of its connection is closed, with a data
                          connection waiting on it (reset): a server that
                          expires an unused port. A transfer command then
                          answers 425.
  fail CMD N CODE [TEXT]  the Nth CMD is answered "CODE TEXT" and not carried
                          out (a pending RNFR, REST or passive set-up is
                          dropped with it).
  truncate-retr BYTES     the next RETR sends only BYTES bytes (from its REST
                          offset) on the data connection, closes it cleanly
                          and still answers 226.
  stall CMD SECONDS       the next CMD is carried out, then its final reply
                          is held back SECONDS (0..600) (a transfer's 150
                          goes out as usual; the 226 waits).
When several one-shot rules are due on the same command, drop-before wins,
then fail; drop-after and stall combine (the reset comes after the delay).
Every due rule counts as fired.

Control port (127.0.0.1, one line a command, one line "ok ..." or "err ..."
for each):
  ping                    ok pong
  arm RULE                ok armed RULE
  disarm NAME             disarm every rule of that name (ok N)
  disarm-all              disarm every rule (ok N)
  stats                   ok key=value ...: conns, open, cmd_<VERB>=count per
                          verb seen since the start, fired=total,
                          fired_<rule>=count, armed=rule:CMD:N,...
  wait-fired SECONDS      ok once no one-shot rule is armed; err timeout ...
  mark TEXT               write TEXT to the log (ok)
  quit                    ok bye, and exit

Every command received (PASS masked), every fault fired and every reply goes
to --log, one line each with a timestamp. It exits after --lifetime seconds,
when --parent's pid is gone, on SIGTERM/SIGINT/SIGHUP or on "quit". It listens
on loopback addresses only.
"""
import argparse
import asyncio
import calendar
import errno
import ipaddress
import os
import posixpath
import re
import signal
import socket
import stat
import struct
import sys
import time

LINE_MAX = 8192
MAX_CONNS = 64
MAX_CTRL_CONNS = 16
CTRL_IDLE = 300.0        # an idle FTP control connection is closed
ACCEPT_WAIT = 10.0       # a transfer command waits this long for the data connection
DATA_IDLE = 30.0         # a data connection that moves nothing this long: 426
CHUNK = 64 * 1024
RECENT = 182 * 86400     # LIST shows HH:MM for files younger than this
FEATURES = ("mlst", "mdtm", "mfmt", "size", "rest", "utf8")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
PERSISTENT = ("rnto-no-overwrite", "rnto-other-dir-refused", "mlsd-no-size", "no-size-cmd",
              "no-pipelining", "stat-refused", "stat-status-only", "stat-truncate", "max-conns")
ONE_SHOT = ("drop-after", "drop-before", "fail", "truncate-retr", "stall", "expire-passive")
PRE_LOGIN = {"USER", "PASS", "ACCT", "QUIT", "FEAT", "SYST", "OPTS", "AUTH", "PBSZ", "PROT",
             "NOOP", "HELP"}
# Commands that leave a pending REST in place.
KEEP_REST = {"REST", "EPSV", "PASV", "TYPE", "MODE", "STRU", "NOOP"}
TOO_LONG = object()


class FtpError(Exception):
    def __init__(self, code, text):
        super().__init__(text)
        self.code = code
        self.text = text


class SessionEnd(Exception):
    """The control connection is gone (reset, quit or lost)."""


def strerror(e):
    if isinstance(e, OSError) and e.errno:
        return os.strerror(e.errno)
    return str(e) or "Operation failed"


def ftp_time(t):
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(int(t // 1)))


TIME_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d{1,9})?$")


def parse_ftp_time(s):
    m = TIME_RE.match(s)
    if not m:
        raise ValueError("bad time")
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59 and se <= 60):
        raise ValueError("bad time")
    if d > calendar.monthrange(y, mo)[1] if 1 <= y <= 9999 else True:
        raise ValueError("bad time")
    t = calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0))
    if m.group(7):
        t += float(m.group(7))
    return t


def quote(path):
    """A path inside a 257 reply: embedded quotes doubled."""
    return '"%s"' % path.replace('"', '""')


def rst(writer):
    """Close with an RST: SO_LINGER 0, then abort."""
    if writer is None:
        return
    try:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


def strip_telnet(data):
    """Drop Telnet IAC sequences (IAC IP, IAC DM before an urgent ABOR)."""
    if b"\xff" not in data:
        return data
    out = bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        if b == 0xFF and i + 1 < len(data):
            if data[i + 1] == 0xFF:
                out.append(0xFF)
            i += 2
            continue
        out.append(b)
        i += 1
    return bytes(out)


def split_command(line):
    verb, _, arg = line.partition(" ")
    return verb.upper(), arg


# ---- faults ----

class Rule:
    def __init__(self, text):
        words = text.split()
        if not words:
            raise ValueError("empty rule")
        self.name = words[0].lower()
        argv = words[1:]
        self.verb = None
        self.n = 1
        self.count = 0
        self.code = 0
        self.text = ""
        self.seconds = 0.0
        self.bytes = 0
        self.persistent = self.name in PERSISTENT

        def verb(i):
            if len(argv) <= i or not re.match(r"^[A-Za-z]{2,8}$", argv[i]):
                raise ValueError("%s: CMD is a command verb" % self.name)
            return argv[i].upper()

        def count(i):
            if len(argv) <= i:
                return 1
            v = int(argv[i])
            if not 1 <= v <= 10 ** 9:
                raise ValueError("%s: N is 1..10^9" % self.name)
            return v

        if self.name in ("stat-truncate", "max-conns"):
            if len(argv) != 1:
                raise ValueError("%s N" % self.name)
            self.n = int(argv[0])
            if not 0 <= self.n <= 10 ** 9:
                raise ValueError("%s: N is 0..10^9" % self.name)
        elif self.persistent:
            if argv:
                raise ValueError("%s takes no argument" % self.name)
        elif self.name in ("drop-after", "drop-before", "expire-passive"):
            self.verb = verb(0)
            self.n = count(1)
            if len(argv) > 2:
                raise ValueError("%s CMD [N]" % self.name)
        elif self.name == "fail":
            if len(argv) < 3:
                raise ValueError("fail CMD N CODE [TEXT...]")
            self.verb = verb(0)
            self.n = count(1)
            if not re.match(r"^[1-5]\d\d$", argv[2]):
                raise ValueError("fail: CODE is 100..599")
            self.code = int(argv[2])
            self.text = " ".join(argv[3:]) or "Requested action not taken."
        elif self.name == "truncate-retr":
            if len(argv) != 1:
                raise ValueError("truncate-retr BYTES")
            self.bytes = int(argv[0])
            if not 0 <= self.bytes <= 10 ** 15:
                raise ValueError("truncate-retr: BYTES is 0..10^15")
        elif self.name == "stall":
            if len(argv) != 2:
                raise ValueError("stall CMD SECONDS")
            self.verb = verb(0)
            self.seconds = float(argv[1])
            if not 0 <= self.seconds <= 600:
                raise ValueError("stall: SECONDS is 0..600")
        else:
            raise ValueError("unknown rule %r" % self.name)
        self.desc = " ".join([self.name] + argv)

    def short(self):
        if self.verb:
            return "%s:%s:%d" % (self.name, self.verb, self.n)
        if self.name == "truncate-retr":
            return "%s:%d" % (self.name, self.bytes)
        if self.name in ("stat-truncate", "max-conns"):
            return "%s:%d" % (self.name, self.n)
        return self.name


# ---- the server ----

class Server:
    def __init__(self, args):
        self.args = args
        self.root = os.path.realpath(args.root)
        self.feat = set(args.feat)
        self.rules = []
        self.sessions = set()
        self.next_id = 1
        self.cmd_counts = {}
        self.fired = {}
        self.nconns = 0
        self.logf = open(args.log, "a", encoding="utf-8", errors="backslashreplace") \
            if args.log else None
        self.done = asyncio.Event()
        self.ctrl_conns = 0

    def log(self, msg):
        if not self.logf:
            return
        t = time.time()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
        self.logf.write("%s.%03d %s\n" % (stamp, int(t * 1000) % 1000, msg))
        self.logf.flush()

    # faults

    def arm(self, text):
        r = Rule(text)
        if r.persistent:
            if self.has(r.name):
                return r
        self.rules.append(r)
        self.log("armed: %s" % r.desc)
        return r

    def disarm(self, name=None):
        keep = [r for r in self.rules if name is not None and r.name != name]
        n = len(self.rules) - len(keep)
        self.rules = keep
        self.log("disarmed %d rule(s)%s" % (n, " named " + name if name else ""))
        return n

    def has(self, name):
        return any(r.name == name for r in self.rules)

    def fire(self, r, sid, note=""):
        self.fired[r.name] = self.fired.get(r.name, 0) + 1
        self.log("conn %d: FAULT fired: %s%s" % (sid, r.desc, note))

    def persistent_fires(self, name, sid):
        for r in self.rules:
            if r.name == name:
                self.fire(r, sid)
                return True
        return False

    def due(self, verb):
        """Count a command against every armed one-shot rule on its verb;
        return (and disarm) those whose turn it is."""
        out = []
        for r in list(self.rules):
            if r.verb == verb and not r.persistent:
                r.count += 1
                if r.count >= r.n:
                    self.rules.remove(r)
                    out.append(r)
        return out

    def take_truncate(self):
        for r in self.rules:
            if r.name == "truncate-retr":
                self.rules.remove(r)
                return r
        return None

    def one_shots_armed(self):
        return [r for r in self.rules if not r.persistent]

    def stats_line(self):
        s = {"conns": self.nconns, "open": len(self.sessions)}
        for v in sorted(self.cmd_counts):
            s["cmd_" + v] = self.cmd_counts[v]
        s["fired"] = sum(self.fired.values())
        for k in sorted(self.fired):
            s["fired_" + k] = self.fired[k]
        s["armed"] = ",".join(r.short() for r in self.rules) or "-"
        return " ".join("%s=%s" % kv for kv in s.items())

    # paths

    def inside(self, real):
        return real == self.root or real.startswith(self.root.rstrip("/") + "/")

    # connections

    async def accept(self, reader, writer):
        cap = min([MAX_CONNS] + [r.n for r in self.rules if r.name == "max-conns"])
        if self.done.is_set() or len(self.sessions) >= cap:
            if cap < MAX_CONNS:
                self.persistent_fires("max-conns", 0)
            try:
                writer.write(b"421 Too many connections.\r\n")
                await asyncio.wait_for(writer.drain(), 2)
            except (OSError, asyncio.TimeoutError):
                pass
            writer.close()
            self.log("connection refused: %d open" % len(self.sessions))
            return
        sid = self.next_id
        self.next_id += 1
        self.nconns += 1
        s = Session(self, sid, reader, writer)
        self.sessions.add(s)
        try:
            await s.run()
        finally:
            self.sessions.discard(s)

    async def control(self, r, w):
        if self.ctrl_conns >= MAX_CTRL_CONNS:
            w.close()
            return
        self.ctrl_conns += 1
        try:
            for _ in range(10000):
                try:
                    line = await asyncio.wait_for(r.readline(), 900)
                except ValueError:
                    w.write(b"err line too long\n")
                    break
                if not line:
                    break
                text = line.decode("utf-8", "replace").strip()
                reply = await self.command(text)
                self.log("control: %s -> %s" % (text, reply))
                w.write((reply + "\n").encode("utf-8", "replace"))
                await asyncio.wait_for(w.drain(), 30)
                if self.done.is_set():
                    break
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            self.ctrl_conns -= 1
            w.close()

    async def command(self, line):
        cmd, _, rest = line.partition(" ")
        rest = rest.strip()
        try:
            if cmd == "ping":
                return "ok pong"
            if cmd == "arm":
                r = self.arm(rest)
                return "ok armed %s" % r.desc
            if cmd == "disarm":
                if not rest:
                    return "err disarm NAME"
                return "ok %d" % self.disarm(rest.lower())
            if cmd == "disarm-all":
                return "ok %d" % self.disarm()
            if cmd == "stats":
                return "ok " + self.stats_line()
            if cmd == "wait-fired":
                t = float(rest)
                if not 0 <= t <= 600:
                    return "err wait-fired: 0..600 seconds"
                deadline = time.monotonic() + t
                while self.one_shots_armed():
                    if time.monotonic() >= deadline:
                        return "err timeout: armed %s" % ",".join(
                            r.short() for r in self.one_shots_armed())
                    await asyncio.sleep(0.02)
                return "ok"
            if cmd == "mark":
                self.log("mark: %s" % rest)
                return "ok"
            if cmd == "quit":
                self.done.set()
                return "ok bye"
        except ValueError as e:
            return "err %s" % e
        return "err unknown command %r" % cmd


class Passive:
    """One passive listener: accepts a single data connection."""

    def __init__(self):
        self.server = None
        self.conn = asyncio.get_running_loop().create_future()

    async def open(self, host):
        self.server = await asyncio.start_server(self.on_conn, host, 0, backlog=4)
        return self.server.sockets[0].getsockname()[1]

    def on_conn(self, r, w):
        if self.conn.done():
            w.transport.abort()
            return
        self.conn.set_result((r, w))
        if self.server:
            self.server.close()

    def close(self):
        if self.server:
            self.server.close()
            self.server = None
        if self.conn.done():
            if not self.conn.cancelled():
                self.conn.result()[1].transport.abort()
        else:
            self.conn.cancel()


class Session:
    def __init__(self, server, sid, reader, writer):
        self.srv = server
        self.id = sid
        self.r = reader
        self.w = writer
        self.q = asyncio.Queue(maxsize=32)
        self.cwd = "/"
        self.user = None
        self.logged_in = False
        self.rest = 0
        self.rnfr = None            # (vpath, real) after a successful RNFR
        self.passive = None
        self.xfer = None            # the running transfer task
        self.data_w = None          # ... and its data connection
        self.aborted = False        # the last transfer ended by ABOR
        self.binary = False
        self.quitting = False
        self.dead = False

    def log(self, msg):
        self.srv.log("conn %d: %s" % (self.id, msg))

    # wire

    async def send(self, code, text):
        """A reply: text is one line, or a list for a multi-line reply whose
        first and last lines carry the code."""
        if self.dead:
            raise SessionEnd()
        if isinstance(text, list):
            lines = ["%d-%s" % (code, text[0])] + text[1:-1] + ["%d %s" % (code, text[-1])]
        else:
            lines = ["%d %s" % (code, text)]
        data = "".join(l.replace("\r", " ").replace("\n", "\0") + "\r\n" for l in lines)
        self.log("< %s" % " | ".join(lines))
        try:
            self.w.write(data.encode("utf-8", "surrogateescape"))
            await asyncio.wait_for(self.w.drain(), 30)
        except (OSError, asyncio.TimeoutError) as e:
            self.log("reply lost: %s" % e)
            self.dead = True
            raise SessionEnd()

    def reset(self, why):
        self.log("RESET of the control connection (%s)" % why)
        self.dead = True
        self.close_passive()
        rst(self.w)
        raise SessionEnd()

    async def reader_loop(self):
        try:
            while True:
                try:
                    raw = await self.r.readline()
                except ValueError:
                    await self.q.put(TOO_LONG)
                    return
                if not raw:
                    await self.q.put(None)
                    return
                line = strip_telnet(raw).rstrip(b"\r\n").decode("utf-8", "surrogateescape")
                line = line.lstrip("\x00 \t")
                # More commands already here: the client sent them ahead
                # of this one's reply (pipelining).
                ahead = len(getattr(self.r, "_buffer", b""))
                if ahead:
                    if self.srv.has("no-pipelining"):
                        self.r._buffer.clear()
                        self.srv.persistent_fires("no-pipelining", self.id)
                        self.log("dropped %d bytes sent ahead of a reply" % ahead)
                    else:
                        self.log("read ahead: %s" % split_command(line)[0])
                if self.xfer is not None and not self.xfer.done() and \
                        split_command(line)[0] == "ABOR":
                    # The flag, and the data connection's end, make sure of
                    # it even when the cancellation is lost in a wait_for.
                    self.aborted = True
                    self.xfer.cancel()
                    if self.data_w is not None:
                        self.data_w.transport.abort()
                    self.log("> ABOR during a transfer: aborting it")
                await self.q.put(line)
        except (OSError, ConnectionError):
            await self.q.put(None)

    async def run(self):
        sock = self.w.get_extra_info("socket")
        try:
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_OOBINLINE, 1)
        except OSError:
            pass
        peer = self.w.get_extra_info("peername")
        self.log("connected from %s" % (peer,))
        reader = asyncio.ensure_future(self.reader_loop())
        try:
            await self.send(220, "(scriptftp) ready.")
            while not self.quitting:
                try:
                    line = await asyncio.wait_for(self.q.get(), CTRL_IDLE)
                except asyncio.TimeoutError:
                    await self.send(421, "Timeout.")
                    break
                if line is None:
                    self.log("the client closed the connection")
                    break
                if line is TOO_LONG:
                    await self.send(500, "Command line too long.")
                    break
                await self.dispatch(line)
        except SessionEnd:
            pass
        except (OSError, ConnectionError) as e:
            self.log("connection error: %s" % e)
        finally:
            reader.cancel()
            if self.xfer is not None:
                self.xfer.cancel()
            self.close_passive()
            if not self.dead:
                self.w.close()
            self.dead = True
            self.log("closed")

    # dispatch

    async def dispatch(self, line):
        verb, arg = split_command(line)
        self.log("> %s" % ("%s ****" % verb if verb in ("PASS", "ACCT") else line))
        srv = self.srv
        if not re.match(r"^[A-Z]{1,8}$", verb):
            verb = "?"
        srv.cmd_counts[verb] = srv.cmd_counts.get(verb, 0) + 1
        due = srv.due(verb)
        kinds = {r.name for r in due}
        if "drop-before" in kinds:
            for r in due:
                srv.fire(r, self.id, "" if r.name == "drop-before" else " (overruled by drop-before)")
            self.reset("drop-before %s" % verb)
        if verb != "ABOR":
            self.aborted = False
        if "expire-passive" in kinds:
            self.log("expire-passive %s: passive port %s" %
                     (verb, "closed" if self.passive is not None else "(none)"))
            self.close_passive()
        if "fail" in kinds:
            fail = [r for r in due if r.name == "fail"][0]
            for r in due:
                srv.fire(r, self.id, "" if r is fail else " (overruled by fail)")
            self.rnfr = None
            if verb not in KEEP_REST:
                self.rest = 0
            if verb in ("RETR", "STOR", "APPE", "LIST", "NLST", "MLSD"):
                self.close_passive()
            await self.send(fail.code, fail.text)
            return
        for r in due:
            srv.fire(r, self.id)
        try:
            code, text = await self.execute(verb, arg)
        except FtpError as e:
            code, text = e.code, e.text
        for r in due:
            if r.name == "stall":
                self.log("stalling the reply %.3g s" % r.seconds)
                await asyncio.sleep(r.seconds)
        if "drop-after" in kinds:
            self.reset("drop-after %s: reply %d not sent" % (verb, code))
        await self.send(code, text)

    async def execute(self, verb, arg):
        if verb != "RNTO":
            pending_rnfr = self.rnfr
            self.rnfr = None
        else:
            pending_rnfr = self.rnfr
        if verb not in KEEP_REST and verb not in ("RETR", "STOR", "APPE"):
            self.rest = 0
        if not self.logged_in and verb not in PRE_LOGIN:
            return 530, "Please login with USER and PASS."
        handler = getattr(self, "cmd_" + verb, None) if verb.isalpha() else None
        if handler is None:
            return 500, "Unknown command."
        gate = {"MLSD": "mlst", "MLST": "mlst", "MDTM": "mdtm", "MFMT": "mfmt",
                "SIZE": "size", "REST": "rest"}.get(verb)
        if gate and gate not in self.srv.feat:
            return 500, "Unknown command."
        if verb == "RNTO":
            self.rnfr = None
            return await self.cmd_RNTO(arg, pending_rnfr)
        return await handler(arg)

    # paths

    def resolve(self, arg, follow=True):
        """(virtual path, real path) of an argument; 550 when it leaves the
        root. follow: the last component must stay inside the root through
        symlinks too (else only the folder holding it must)."""
        if "\0" in arg:
            raise FtpError(550, "Permission denied.")
        parts = [] if arg.startswith("/") else [p for p in self.cwd.split("/") if p]
        for comp in arg.split("/"):
            if comp in ("", "."):
                continue
            if comp == "..":
                if not parts:
                    self.log("refused: %r leaves the root" % arg)
                    raise FtpError(550, "Permission denied.")
                parts.pop()
                continue
            parts.append(comp)
        vpath = "/" + "/".join(parts)
        real = os.path.join(self.srv.root, *parts) if parts else self.srv.root
        check = real if follow or not parts else os.path.dirname(real)
        if not self.srv.inside(os.path.realpath(check)):
            self.log("refused: %r leads out of the root" % arg)
            raise FtpError(550, "Permission denied.")
        return vpath, real

    # login and session state

    async def cmd_USER(self, arg):
        if self.logged_in:
            return 530, "Can't change to another user."
        self.user = arg
        return 331, "Please specify the password."

    async def cmd_PASS(self, arg):
        if self.logged_in:
            return 230, "Already logged in."
        if self.user is None:
            return 503, "Login with USER first."
        if self.user == self.srv.args.user and arg == self.srv.args.password:
            if self.srv.args.account:
                self.need_acct = True
                return 332, "Need account for login."
            self.logged_in = True
            return 230, "Login successful."
        self.user = None
        return 530, "Login incorrect."

    async def cmd_ACCT(self, arg):
        if not getattr(self, "need_acct", False):
            return 503, "Login with USER and PASS first."
        self.need_acct = False
        if arg == self.srv.args.account:
            self.logged_in = True
            return 230, "Login successful."
        self.user = None
        return 530, "Login incorrect."

    async def cmd_SYST(self, arg):
        return 215, "UNIX Type: L8"

    async def cmd_FEAT(self, arg):
        f = self.srv.feat
        lines = ["Features:", " EPSV", " PASV"]
        if "mdtm" in f:
            lines.append(" MDTM")
        if "mfmt" in f:
            lines.append(" MFMT")
        if "mlst" in f:
            lines.append(" MLST type*;size*;modify*;UNIX.mode*;")
        if "rest" in f:
            lines.append(" REST STREAM")
        if "size" in f:
            lines.append(" SIZE")
        if "utf8" in f:
            lines.append(" UTF8")
        lines.append("End")
        return 211, lines

    async def cmd_OPTS(self, arg):
        words = arg.upper().split()
        if words[:1] == ["UTF8"] and "utf8" in self.srv.feat and words[1:] in ([], ["ON"]):
            return 200, "Always in UTF8 mode."
        return 501, "Option not understood."

    async def cmd_HELP(self, arg):
        return 214, "Help OK."

    async def cmd_NOOP(self, arg):
        return 200, "NOOP ok."

    async def cmd_ALLO(self, arg):
        return 202, "ALLO command ignored."

    async def cmd_STAT(self, arg):
        srv = self.srv
        if arg.strip() and srv.has("stat-refused"):
            srv.persistent_fires("stat-refused", self.id)
            return 502, "Command not implemented."
        if arg.strip() and not srv.has("stat-status-only"):
            lines = self.listing("LIST", arg).decode("utf-8", "surrogateescape").split("\r\n")
            lines = [l for l in lines if l]
            for r in srv.rules:
                if r.name == "stat-truncate" and len(lines) > r.n:
                    srv.persistent_fires("stat-truncate", self.id)
                    lines = lines[:r.n]
            return 213, ["Status follows:"] + lines + ["End of status"]
        if arg.strip():
            srv.persistent_fires("stat-status-only", self.id)
        return 211, "FTP server status: logged in as %s, folder %s" % (self.user, self.cwd)

    async def cmd_QUIT(self, arg):
        self.quitting = True
        return 221, "Goodbye."

    async def not_implemented(self, arg):
        return 502, "Command not implemented."

    cmd_PORT = cmd_EPRT = cmd_AUTH = cmd_PBSZ = cmd_PROT = not_implemented

    async def cmd_TYPE(self, arg):
        a = arg.upper().split()
        if a in (["I"], ["L", "8"]):
            self.binary = True
            return 200, "Switching to Binary mode."
        if a in (["A"], ["A", "N"]):
            self.binary = False
            return 200, "Switching to ASCII mode."
        return 504, "Bad TYPE command."

    async def cmd_MODE(self, arg):
        if arg.strip().upper() == "S":
            return 200, "Mode set to S."
        return 504, "Bad MODE command."

    async def cmd_STRU(self, arg):
        if arg.strip().upper() == "F":
            return 200, "Structure set to F."
        return 504, "Bad STRU command."

    async def cmd_REST(self, arg):
        try:
            n = int(arg.strip())
            if n < 0:
                raise ValueError
        except ValueError:
            return 501, "Invalid restart position."
        self.rest = n
        return 350, "Restart position accepted (%d)." % n

    async def cmd_ABOR(self, arg):
        if self.aborted:
            self.aborted = False
            return 226, "ABOR successful."
        return 225, "No transfer to ABOR."

    # folders

    async def cmd_PWD(self, arg):
        return 257, "%s is the current directory" % quote(self.cwd)

    async def cmd_CWD(self, arg):
        vpath, real = self.resolve(arg.strip() and arg or "/")
        if not os.path.isdir(real):
            return 550, "Failed to change directory."
        self.cwd = vpath
        return 250, "Directory successfully changed."

    async def cmd_CDUP(self, arg):
        self.cwd = posixpath.dirname(self.cwd.rstrip("/")) or "/"
        return 250, "Directory successfully changed."

    async def cmd_MKD(self, arg):
        if not arg:
            return 501, "MKD needs a path."
        vpath, real = self.resolve(arg, follow=False)
        try:
            os.mkdir(real)
        except OSError as e:
            return 550, "Create directory operation failed: %s" % strerror(e)
        return 257, "%s created" % quote(vpath)

    async def cmd_RMD(self, arg):
        if not arg:
            return 501, "RMD needs a path."
        vpath, real = self.resolve(arg, follow=False)
        if vpath == "/":
            return 550, "Permission denied."
        try:
            os.rmdir(real)
        except OSError as e:
            if e.errno in (errno.ENOTEMPTY, errno.EEXIST):
                return 550, "Directory not empty"
            return 550, "Remove directory operation failed: %s" % strerror(e)
        return 250, "Remove directory operation successful."

    # files

    async def cmd_DELE(self, arg):
        if not arg:
            return 501, "DELE needs a path."
        vpath, real = self.resolve(arg, follow=False)
        if not os.path.lexists(real):
            return 550, "No such file or directory"
        if os.path.isdir(real) and not os.path.islink(real):
            return 550, "Delete operation failed: Is a directory"
        try:
            os.unlink(real)
        except OSError as e:
            return 550, "Delete operation failed: %s" % strerror(e)
        return 250, "Delete operation successful."

    async def cmd_RNFR(self, arg):
        if not arg:
            return 501, "RNFR needs a path."
        vpath, real = self.resolve(arg, follow=False)
        if vpath == "/" or not os.path.lexists(real):
            return 550, "No such file or directory"
        self.rnfr = (vpath, real)
        return 350, "Ready for RNTO."

    async def cmd_RNTO(self, arg, pending=None):
        if pending is None:
            return 503, "RNFR required first."
        if not arg:
            return 501, "RNTO needs a path."
        src_v, src = pending
        dst_v, dst = self.resolve(arg, follow=False)
        srv = self.srv
        if srv.has("rnto-other-dir-refused") and \
                posixpath.dirname(src_v) != posixpath.dirname(dst_v):
            srv.persistent_fires("rnto-other-dir-refused", self.id)
            return 550, "Rename failed"
        if srv.has("rnto-no-overwrite") and os.path.lexists(dst) and \
                not (os.path.isdir(dst) and not os.path.islink(dst)):
            srv.persistent_fires("rnto-no-overwrite", self.id)
            return 550, "Rename failed: the target exists"
        if dst_v == "/":
            return 550, "Rename failed: Permission denied"
        try:
            os.replace(src, dst)
        except OSError as e:
            return 550, "Rename failed: %s" % strerror(e)
        return 250, "Rename successful."

    async def cmd_SIZE(self, arg):
        if self.srv.has("no-size-cmd"):
            self.srv.persistent_fires("no-size-cmd", self.id)
            return 502, "Command not implemented."
        vpath, real = self.resolve(arg)
        try:
            st = os.stat(real)
        except OSError as e:
            return 550, strerror(e)
        if not stat.S_ISREG(st.st_mode):
            return 550, "Could not get file size."
        return 213, "%d" % st.st_size

    async def set_time(self, stamp, path, mfmt):
        try:
            t = parse_ftp_time(stamp)
        except (ValueError, OverflowError):
            return 501, "Invalid time format."
        vpath, real = self.resolve(path)
        try:
            st = os.stat(real)
            os.utime(real, (st.st_atime, t))
        except (OSError, OverflowError) as e:
            return 550, "Could not set file modification time: %s" % strerror(e)
        if mfmt:
            return 213, "Modify=%s; %s" % (stamp.split(".")[0], path)
        return 213, "File modification time set."

    async def cmd_MDTM(self, arg):
        m = re.match(r"^(\d{14}(?:\.\d{1,9})?) (.+)$", arg)
        if m:
            # "MDTM TIME path" sets the time, unless a file is named so.
            try:
                literal = os.path.lexists(self.resolve(arg)[1])
            except FtpError:
                literal = False
            if not literal:
                return await self.set_time(m.group(1), m.group(2), False)
        vpath, real = self.resolve(arg)
        try:
            st = os.stat(real)
        except OSError as e:
            return 550, strerror(e)
        return 213, ftp_time(st.st_mtime)

    async def cmd_MFMT(self, arg):
        stamp, _, path = arg.partition(" ")
        if not path:
            return 501, "MFMT YYYYMMDDHHMMSS path"
        return await self.set_time(stamp, path, True)

    async def cmd_SITE(self, arg):
        words = arg.split(" ", 2)
        sub = words[0].upper()
        if sub == "CHMOD" and len(words) == 3:
            try:
                mode = int(words[1], 8)
                if not 0 <= mode <= 0o7777:
                    raise ValueError
            except ValueError:
                return 501, "Invalid mode."
            vpath, real = self.resolve(words[2])
            try:
                os.chmod(real, mode)
            except OSError as e:
                return 550, "SITE CHMOD command failed: %s" % strerror(e)
            return 200, "SITE CHMOD command ok."
        if sub == "HELP":
            return 214, "CHMOD HELP"
        return 500, "Unknown SITE command."

    # listings

    def facts(self, real, name, st=None, cdir=None):
        """One MLSx line: facts, a space, the name."""
        if st is None:
            st = os.lstat(real)
        size = True
        if stat.S_ISLNK(st.st_mode):
            try:
                target = os.readlink(real)
            except OSError:
                target = ""
            kind = "OS.unix=slink:" + target
        elif cdir:
            kind = cdir
        elif stat.S_ISDIR(st.st_mode):
            kind = "dir"
        elif stat.S_ISREG(st.st_mode):
            kind = "file"
        else:
            return None
        f = ["type=" + kind]
        if size and not self.srv.has("mlsd-no-size"):
            f.append("size=%d" % st.st_size)
        f.append("modify=" + ftp_time(st.st_mtime))
        f.append("UNIX.mode=%04o" % stat.S_IMODE(st.st_mode))
        return ";".join(f) + "; " + name

    def list_line(self, real, name, st=None):
        if st is None:
            st = os.lstat(real)
        now = time.time()
        t = st.st_mtime
        tm = time.gmtime(int(t // 1))
        if now - RECENT < t <= now + 60:
            date = "%s %02d %02d:%02d" % (MONTHS[tm.tm_mon - 1], tm.tm_mday, tm.tm_hour, tm.tm_min)
        else:
            date = "%s %02d  %d" % (MONTHS[tm.tm_mon - 1], tm.tm_mday, tm.tm_year)
        line = "%s %4d %-8d %-8d %8d %s %s" % (stat.filemode(st.st_mode), st.st_nlink,
                                               st.st_uid, st.st_gid, st.st_size, date, name)
        if stat.S_ISLNK(st.st_mode):
            try:
                line += " -> " + os.readlink(real)
            except OSError:
                pass
        return line

    def entries(self, real):
        names = sorted(os.listdir(real), key=os.fsencode)
        out = []
        for n in names:
            p = os.path.join(real, n)
            try:
                out.append((n, p, os.lstat(p)))
            except OSError:
                pass
        return out

    def listing(self, verb, arg):
        """The bytes of a LIST, NLST or MLSD answer (FtpError when none)."""
        all_ = False
        path = arg
        if verb in ("LIST", "NLST"):
            while path.startswith("-"):
                opt, _, path = path.partition(" ")
                all_ = all_ or "a" in opt
                path = path.lstrip(" ")
        vpath, real = self.resolve(path)
        try:
            st = os.stat(real)
        except OSError as e:
            raise FtpError(550, strerror(e))
        lines = []
        if stat.S_ISDIR(st.st_mode):
            try:
                ents = self.entries(real)
            except OSError as e:
                raise FtpError(550, strerror(e))
            if verb == "MLSD":
                lines.append(self.facts(real, ".", st, "cdir"))
                par = os.path.dirname(real) if vpath != "/" else real
                try:
                    lines.append(self.facts(par, "..", os.stat(par), "pdir"))
                except OSError:
                    pass
                lines += [self.facts(p, n, s) for n, p, s in ents]
            elif verb == "LIST":
                if all_:
                    lines.append(self.list_line(real, ".", st))
                    par = os.path.dirname(real) if vpath != "/" else real
                    try:
                        lines.append(self.list_line(par, "..", os.stat(par)))
                    except OSError:
                        pass
                lines += [self.list_line(p, n, s) for n, p, s in ents]
            else:
                lines += [n for n, p, s in ents]
        else:
            if verb == "MLSD":
                raise FtpError(550, "Not a directory")
            name = posixpath.basename(vpath)
            if verb == "LIST":
                lines.append(self.list_line(real, name))
            else:
                lines.append(path)
        text = "".join(l + "\r\n" for l in lines if l is not None)
        return text.encode("utf-8", "surrogateescape")

    async def cmd_MLST(self, arg):
        vpath, real = self.resolve(arg)
        try:
            st = os.stat(real)
        except OSError as e:
            return 550, strerror(e)
        line = self.facts(real, vpath, st)
        if line is None:
            return 550, "Not a file or folder"
        return 250, ["Listing " + vpath, " " + line, "End"]

    # data connections

    async def cmd_EPSV(self, arg):
        a = arg.strip().upper()
        if a == "ALL":
            return 200, "EPSV ALL ok."
        if a not in ("", "1"):
            return 522, "Network protocol not supported, use (1)"
        port = await self.open_passive()
        return 229, "Entering Extended Passive Mode (|||%d|)" % port

    async def cmd_PASV(self, arg):
        port = await self.open_passive()
        h = self.srv.args.listen.replace(".", ",")
        return 227, "Entering Passive Mode (%s,%d,%d)." % (h, port >> 8, port & 255)

    async def open_passive(self):
        self.close_passive()
        p = Passive()
        try:
            port = await p.open(self.srv.args.listen)
        except OSError as e:
            raise FtpError(425, "Cannot open a passive port: %s" % strerror(e))
        self.passive = p
        return port

    def close_passive(self):
        if self.passive is not None:
            self.passive.close()
            self.passive = None

    async def transfer(self, body):
        """Run a transfer (body(reader, writer)) in a task that ABOR can
        cancel; return its final reply."""
        if self.passive is None:
            raise FtpError(425, "Use PORT or PASV first.")
        p, self.passive = self.passive, None

        async def run():
            try:
                r, w = await asyncio.wait_for(asyncio.shield(p.conn), ACCEPT_WAIT)
            except asyncio.TimeoutError:
                return 425, "Failed to establish connection."
            self.data_w = w
            try:
                return await body(r, w)
            except asyncio.CancelledError:
                w.transport.abort()
                raise
        try:
            self.aborted = False
            self.xfer = asyncio.ensure_future(run())
            await asyncio.wait({self.xfer})
            task, self.xfer = self.xfer, None
            if task.cancelled() or self.aborted:
                if not task.cancelled() and task.exception() is not None and \
                        not isinstance(task.exception(), FtpError):
                    raise task.exception()
                return 426, "Connection closed; transfer aborted."
            return task.result()
        finally:
            self.data_w = None
            if self.xfer is not None:
                self.xfer.cancel()
                self.xfer = None
            p.close()

    async def finish_data(self, w):
        """Close the data connection after what was written went out."""
        w.close()
        try:
            await asyncio.wait_for(w.wait_closed(), DATA_IDLE)
        except (OSError, asyncio.TimeoutError):
            w.transport.abort()

    async def send_bytes(self, w, chunks):
        for chunk in chunks:
            w.write(chunk)
            try:
                await asyncio.wait_for(w.drain(), DATA_IDLE)
            except asyncio.TimeoutError:
                w.transport.abort()
                raise FtpError(426, "Failure writing network stream.")
            except OSError:
                w.transport.abort()
                raise FtpError(426, "Failure writing network stream.")

    async def send_listing(self, verb, arg, what):
        data = self.listing(verb, arg)

        async def body(r, w):
            await self.send(150, "Here comes the %s." % what)
            await self.send_bytes(w, (data[i:i + CHUNK] for i in range(0, len(data), CHUNK)))
            await self.finish_data(w)
            return 226, "Directory send OK."
        return await self.transfer(body)

    async def cmd_LIST(self, arg):
        return await self.send_listing("LIST", arg, "directory listing")

    async def cmd_NLST(self, arg):
        return await self.send_listing("NLST", arg, "directory listing")

    async def cmd_MLSD(self, arg):
        return await self.send_listing("MLSD", arg, "directory listing")

    async def cmd_RETR(self, arg):
        offset, self.rest = self.rest, 0
        vpath, real = self.resolve(arg)
        if os.path.isdir(real):
            self.close_passive()
            return 550, "Failed to open file: Is a directory"
        try:
            f = open(real, "rb")
        except OSError as e:
            self.close_passive()
            return 550, strerror(e)
        try:
            size = os.fstat(f.fileno()).st_size
            f.seek(offset)
            trunc = None

            def chunks():
                left = trunc.bytes if trunc is not None else None
                while left is None or left > 0:
                    chunk = f.read(CHUNK if left is None else min(CHUNK, left))
                    if not chunk:
                        return
                    if left is not None:
                        left -= len(chunk)
                    yield chunk

            async def body(r, w):
                nonlocal trunc
                await self.send(150, "Opening %s mode data connection for %s (%d bytes)." %
                                ("BINARY" if self.binary else "ASCII", vpath, size))
                trunc = self.srv.take_truncate()
                if trunc is not None:
                    self.srv.fire(trunc, self.id, " (from offset %d)" % offset)
                await self.send_bytes(w, chunks())
                await self.finish_data(w)
                return 226, "Transfer complete."
            return await self.transfer(body)
        finally:
            f.close()

    async def store(self, arg, append):
        offset, self.rest = self.rest, 0
        if not arg:
            self.close_passive()
            return 501, "A path is needed."
        vpath, real = self.resolve(arg)
        if os.path.isdir(real):
            self.close_passive()
            return 553, "Could not create file: Is a directory"
        try:
            if append:
                f = open(real, "ab")
            elif offset:
                fd = os.open(real, os.O_WRONLY | os.O_CREAT, 0o666)
                f = os.fdopen(fd, "wb")
                f.seek(offset)
            else:
                f = open(real, "wb")
        except OSError as e:
            self.close_passive()
            return 553, "Could not create file: %s" % strerror(e)
        try:
            async def body(r, w):
                await self.send(150, "Ok to send data.")
                while True:
                    try:
                        chunk = await asyncio.wait_for(r.read(CHUNK), DATA_IDLE)
                    except asyncio.TimeoutError:
                        w.transport.abort()
                        return 426, "Failure reading network stream."
                    except OSError:
                        w.transport.abort()
                        return 426, "Failure reading network stream."
                    if not chunk:
                        break
                    f.write(chunk)
                f.flush()
                await self.finish_data(w)
                return 226, "Transfer complete."
            return await self.transfer(body)
        finally:
            f.close()

    async def cmd_STOR(self, arg):
        return await self.store(arg, False)

    async def cmd_APPE(self, arg):
        self.rest = 0
        return await self.store(arg, True)


def loopback(addr):
    try:
        a = ipaddress.ip_address(addr)
        return a.version == 4 and a.is_loopback
    except ValueError:
        return False


async def watch_parent(srv, pid):
    while not srv.done.is_set():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            srv.log("parent %d is gone" % pid)
            srv.done.set()
            return
        except PermissionError:
            pass
        await asyncio.sleep(1)


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


async def main_async(args):
    srv = Server(args)
    for text in args.rule:
        srv.arm(text)
    ftp = await asyncio.start_server(srv.accept, host=args.listen, port=0,
                                     limit=LINE_MAX, backlog=64)
    ctrl = await asyncio.start_server(srv.control, host="127.0.0.1", port=0, limit=LINE_MAX)
    port = ftp.sockets[0].getsockname()[1]
    cport = ctrl.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, srv.done.set)
    if args.parent:
        asyncio.ensure_future(watch_parent(srv, args.parent))
    srv.log("serving %s on %s:%d; control 127.0.0.1:%d; features %s; rules %s" %
            (srv.root, args.listen, port, cport, ",".join(sorted(srv.feat)) or "-",
             ",".join(r.short() for r in srv.rules) or "-"))
    if args.control_port_file:
        write_port(args.control_port_file, cport)
    write_port(args.port_file, port)
    try:
        await asyncio.wait_for(srv.done.wait(), args.lifetime)
    except asyncio.TimeoutError:
        srv.log("lifetime of %d s is over" % args.lifetime)
    ftp.close()
    ctrl.close()
    for s in list(srv.sessions):
        s.dead = True
        s.close_passive()
        s.w.transport.abort()
    await asyncio.sleep(0)
    srv.log("exit")


def parse_args(argv):
    p = argparse.ArgumentParser(description="A small real plain-FTP server with faults, for tests")
    p.add_argument("--root", required=True, help="the folder to serve")
    p.add_argument("--port-file", required=True, help="where to write the FTP port once ready")
    p.add_argument("--control-port-file", help="where to write the control port")
    p.add_argument("--log", help="append a line per event to this file")
    p.add_argument("--user", default="tester")
    p.add_argument("--password", default="secret")
    p.add_argument("--account", default="",
                   help="ask for this account (332, ACCT) after the password")
    p.add_argument("--listen", default="127.0.0.1", help="IPv4 loopback address to listen on")
    p.add_argument("--lifetime", type=int, default=900, help="exit after this many seconds")
    p.add_argument("--parent", type=int, default=0, help="exit when this pid is gone")
    p.add_argument("--feat", default=",".join(FEATURES),
                   help="features to offer, of %s (default all)" % ",".join(FEATURES))
    p.add_argument("--rule", action="append", nargs="+", default=[],
                   help="a fault armed from the start (repeatable)")
    a = p.parse_args(argv)
    if not loopback(a.listen):
        p.error("--listen must be an IPv4 loopback address")
    if not os.path.isdir(a.root):
        p.error("--root must be a folder")
    if not 1 <= a.lifetime <= 86400:
        p.error("--lifetime is 1..86400 seconds")
    feats = [f.strip().lower() for f in a.feat.split(",") if f.strip()]
    bad = [f for f in feats if f not in FEATURES]
    if bad:
        p.error("--feat: unknown %s (known: %s)" % (",".join(bad), ",".join(FEATURES)))
    a.feat = feats
    a.rule = [" ".join(words) for words in a.rule]
    for text in a.rule:
        try:
            Rule(text)
        except ValueError as e:
            p.error("--rule %r: %s" % (text, e))
    return a


def main():
    args = parse_args(sys.argv[1:])
    try:
        asyncio.run(main_async(args))
    except OSError as e:
        print("scriptftp: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
