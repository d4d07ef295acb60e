#!/usr/bin/env python3
"""faultproxy.py - a loopback TCP proxy for a whole FTP server, with faults
injected on command. For tests only; python3 standard library.

It listens on LISTEN_ADDR (say 127.0.0.2) on the server's control port and
on every port of its passive range, and forwards each connection to the
same port on TARGET_ADDR (127.0.0.1), where the real server listens. A
client that connects data connections to the control connection's peer
address (EPSV, or PASV without -o pasv_addr) then sends everything through
the proxy. TLS passes through untouched: the proxy sees only bytes.

It is steered through a line protocol on a TCP port of 127.0.0.1 (the port
is written to --port-file once every listener is up). One command per
connection or several; each gets one reply line, "ok ..." or "err ...":

  ping                    ok pong
  stats                   ok key=value ... (connections seen, open, bytes,
                          cuts, resets, truncations, lost_replies,
                          periodic_resets, bytes_discarded, client_hellos
                          and hello_retries (TLS ClientHellos at the start of
                          data connections, and the connections that sent a
                          second one, answering a HelloRetryRequest), state,
                          and the settings delay_ms, rate, reset_every)
  cut-data-after N        the first data connection to carry N more bytes
                          server -> client (counted from now for open ones)
                          is reset (RST both ways) right after byte N
  cut-upload-after N      the same, client -> server
      ... down-for SECONDS  and right after the cut, "down" for SECONDS, then
                          "up": the server is gone before the client can
                          resume
  cut-cancel              disarm both, and truncate-data-after and
                          lose-ctrl-reply-after too
  wait-cut SECONDS        wait until every armed cut, truncation and lost
                          reply has fired; err timeout
  truncate-data-after N   the first data connection to carry N more bytes
                          server -> client (counted from now for open ones)
                          forwards only those N bytes, then closes the
                          client's side cleanly (FIN, never RST) and sends
                          it nothing more. What the server still sends is
                          read and dropped; when the client closes its side
                          (or the server its own) the server gets a FIN, as
                          the client's close passed on: the server believes
                          the transfer completed (226). What the client
                          sends meanwhile is dropped. The
                          control connection is not touched. (A middlebox
                          that cuts a TLS stream without close_notify.) A
                          truncated connection idle both ways for 30 s is
                          closed (gently).
  truncate-data-cancel    disarm it
  lose-ctrl-reply-after K the first control connection to forward K more
                          chunks client -> server (K >= 1; a chunk is one
                          read from the client; counted per connection from
                          now, as they are forwarded) forwards that K-th
                          chunk to the server, then waits for the server's
                          next bytes (its reply; 5 s at most, or until the
                          server closes), drops them and resets both sides
                          (RST): the server ran the K-th command, the
                          client never sees its reply. (An FTP client waits
                          for each reply before its next command, so each
                          command is a chunk of its own.) lost_replies
                          counts these resets; wait-cut waits for one.
  lose-ctrl-reply-cancel  disarm it; a reply being waited for goes through
  reset-all [ctrl|data]   RST every open connection (or only those of a kind)
  reset-every SECONDS [ctrl|data]
                          reset-all (of that kind) every SECONDS, until
                          "reset-every 0"; periodic_resets counts the rounds
  stall SECONDS           forward nothing, either way, for SECONDS (0 ends
                          a stall); connections are still accepted
  delay MS                deliver every chunk, either way, on control and
                          data connections, MS milliseconds (0..10000) after
                          it was read: a round trip through the proxy takes
                          2*MS longer. Order (and EOF) is kept; the delay
                          line holds at most 4 MiB or 128 chunks a
                          direction, then reading waits. A chunk keeps the
                          delay it was read under. 0 (the default, or
                          --delay-ms) forwards at once, as without it.
  rate BYTES_PER_SECOND   cap every data connection to so many bytes a
                          second each way (0 = no cap, the default, or
                          --rate)
  down                    stop listening (new connections are refused) and
                          RST every open connection, as if the server died
  up                      listen again
  quit                    exit

Cuts and truncations count bytes as they are delivered (after the delay,
when there is one), and so does lose-ctrl-reply-after count chunks: what is
still in the delay line when a connection is reset is lost with it. The
reply that lose-ctrl-reply-after drops is caught as it is read from the
server, so that reset is not delayed. A rate paces delivery, after the
delay. A stall holds the delay line too.

Bounded: it exits after --lifetime seconds, when --parent's process is gone,
on SIGTERM/SIGINT or on "quit". It refuses any address that is not loopback.
"""
import argparse
import asyncio
import collections
import ipaddress
import os
import signal
import socket
import struct
import sys
import time

CHUNK = 256 * 1024
HELLO_SCAN = 8192        # bytes of a data connection searched for ClientHellos
CONNECT_TIMEOUT = 5.0
MAX_CONNS = 512
CTRL_LINE_MAX = 256
# Small socket buffers, so that the proxy adds little to what is in flight
# between client and server (a cut then loses about what it would lose on
# a direct connection, not two hops' worth of autotuned buffers).
SOCKBUF = 256 * 1024
# The delay line, per direction of a connection.
DELAY_MAX_MS = 10000
DELAY_BYTES = 4 * 1024 * 1024
DELAY_CHUNKS = 128
LOSE_WAIT = 5.0           # lose-ctrl-reply-after: how long to wait for the reply
TRUNC_IDLE = 30.0         # a truncated connection idle this long is closed
RATE_SLICES = 20          # rate: pace in pieces of 1/20 s worth of bytes

S2C, C2S = 0, 1
DIR_NAMES = ("s2c", "c2s")
PUMP_ERRORS = (OSError, asyncio.IncompleteReadError, ConnectionError, RuntimeError)


def log(state, msg):
    if state.logf:
        state.logf.write("%.3f %s\n" % (time.monotonic() - state.t0, msg))
        state.logf.flush()


def small_buffers(sock):
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKBUF)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKBUF)
    except OSError:
        pass


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


def send_eof(writer):
    """A FIN after what is buffered (no-op on a closing transport)."""
    try:
        if writer is not None and writer.can_write_eof():
            writer.write_eof()
    except (OSError, RuntimeError):
        pass


class Conn:
    def __init__(self, cid, kind, port, cw):
        self.id = cid
        self.kind = kind          # "ctrl" or "data"
        self.port = port
        self.cw = cw              # towards the client
        self.sw = None            # towards the server
        self.bytes = [0, 0]       # per direction, delivered
        self.dead = False
        self.pipes = []
        self.chunks_c2s = 0       # chunks forwarded client -> server
        self.lose_pending = False # the K-th command went out, its reply is awaited
        self.truncated = False    # truncate-data-after fired on it
        self.server_closed = False  # ... and the server has closed since
        self.last_io = 0.0
        self.timer = None         # the idle watch of a truncated connection
        self.hello = b""          # data: the first bytes client -> server
        self.hellos = 0           # ... and the TLS ClientHellos in them

    def wake(self):
        for p in self.pipes:
            p.wake_reader.set()
            p.wake_writer.set()

    def kill(self):
        if self.dead:
            return
        self.dead = True
        rst(self.cw)
        rst(self.sw)
        self.wake()

    def close_gently(self):
        """Close both sides with a FIN (a truncated connection gone idle)."""
        if self.dead:
            return
        self.dead = True
        for w in (self.cw, self.sw):
            if w is not None:
                w.close()
        self.wake()


class Pipe:
    """One direction d of a connection: a reader that forwards each chunk
    itself while there is no delay, and hands them, timestamped, to a writer
    task (the delay line, bounded) while there is one."""

    def __init__(self, state, conn, src, dst, d):
        self.state = state
        self.conn = conn
        self.src = src
        self.dst = dst
        self.d = d
        self.q = collections.deque()    # (due time, chunk); b"" is the EOF
        self.qbytes = 0
        self.wake_reader = asyncio.Event()   # room in the delay line, or dead
        self.wake_writer = asyncio.Event()   # a chunk queued, or dead
        self.task = None                # the writer, while there is a delay line
        self.reader_done = False
        self.t_next = 0.0               # rate: when the next piece may go

    async def run(self):
        try:
            await self.read_loop()
        except PUMP_ERRORS as e:
            self.state.pump_error(self.conn, self.d, e)
        finally:
            self.reader_done = True
            self.wake_writer.set()
            task = self.task
            if task is not None:
                await task

    async def read_loop(self):
        st, conn, d = self.state, self.conn, self.d
        loop = asyncio.get_running_loop()
        while not conn.dead:
            while self.task is not None and not conn.dead and (
                    self.qbytes > DELAY_BYTES - CHUNK or len(self.q) >= DELAY_CHUNKS):
                self.wake_reader.clear()
                await self.wake_reader.wait()
            if conn.dead:
                return
            data = await self.src.read(CHUNK)
            now = loop.time()
            if conn.dead:
                return
            if d == C2S and conn.kind == "data" and data:
                st.count_hellos(conn, data)
            if d == S2C and conn.lose_pending:
                st.lose_fire(conn, "%d bytes of reply dropped" % len(data) if data
                             else "the server closed")
                if data:
                    st.stats["bytes_discarded"] += len(data)
                return
            if conn.truncated:
                conn.last_io = now
                if data:
                    st.discard(conn, len(data))
                    continue
                st.truncated_eof(conn, d)
                return
            await st.running.wait()
            if conn.dead:
                return
            if self.task is None and st.delay == 0:
                if not data:
                    self.eof()
                    return
                await self.deliver(data)
                continue
            self.q.append((now + st.delay, data))
            self.qbytes += len(data)
            if self.task is None:
                self.task = asyncio.ensure_future(self.write_loop())
            else:
                self.wake_writer.set()
            if not data:
                return

    async def write_loop(self):
        st, conn = self.state, self.conn
        loop = asyncio.get_running_loop()
        try:
            while not conn.dead:
                if not self.q:
                    if self.reader_done or st.delay == 0:
                        return
                    self.wake_writer.clear()
                    await self.wake_writer.wait()
                    continue
                due, data = self.q[0]
                wait = due - loop.time()
                if wait > 0:
                    self.wake_writer.clear()
                    try:
                        await asyncio.wait_for(self.wake_writer.wait(), wait)
                    except asyncio.TimeoutError:
                        pass
                    continue
                self.q.popleft()
                self.qbytes -= len(data)
                self.wake_reader.set()
                await st.running.wait()
                if conn.dead:
                    return
                if not data:
                    self.eof()
                    return
                await self.deliver(data)
        except PUMP_ERRORS as e:
            st.pump_error(conn, self.d, e)
        finally:
            self.task = None
            self.wake_reader.set()

    def eof(self):
        """The source's EOF, in order: pass it on."""
        conn = self.conn
        if conn.dead:
            return
        if conn.truncated:
            self.state.truncated_eof(conn, self.d)
            return
        send_eof(self.dst)

    async def deliver(self, data):
        """Forward a chunk, paced when a rate applies."""
        st, conn = self.state, self.conn
        loop = asyncio.get_running_loop()
        while data and not conn.dead:
            rate = st.rate if conn.kind == "data" else 0
            if rate <= 0 or conn.truncated:
                await self.put(data)
                return
            piece = data[:max(1, min(CHUNK, rate // RATE_SLICES))]
            data = data[len(piece):]
            now = loop.time()
            start = max(self.t_next, now)
            if start > now:
                await asyncio.sleep(start - now)
                if conn.dead:
                    return
            self.t_next = start + len(piece) / rate
            await self.put(piece)

    async def put(self, data):
        """Write data to dst, firing what is armed on the way."""
        st, conn, d, dst = self.state, self.conn, self.d, self.dst
        if conn.truncated:          # nothing more goes through, either way
            st.discard(conn, len(data))
            return
        left = st.cut_point(conn, d)
        tleft = st.truncate_point(conn, d)
        if left is not None and len(data) >= left and (tleft is None or left <= tleft):
            if left > 0:
                dst.write(data[:left])
                st.count(conn, d, left)
                try:
                    await asyncio.wait_for(dst.drain(), 2.0)
                except (OSError, asyncio.TimeoutError):
                    pass
            st.fire(conn, d)
            return
        if tleft is not None and len(data) >= tleft:
            if tleft > 0:
                dst.write(data[:tleft])
                st.count(conn, d, tleft)
                try:
                    await asyncio.wait_for(dst.drain(), 2.0)
                except (OSError, asyncio.TimeoutError):
                    pass
            if conn.dead:
                return
            st.truncate_fire(conn)
            if len(data) > tleft:
                st.discard(conn, len(data) - tleft)
            return
        if d == C2S and conn.kind == "ctrl":
            st.ctrl_chunk(conn)     # before the write: the reply cannot overtake
        dst.write(data)
        st.count(conn, d, len(data))
        await dst.drain()


class State:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.logf = open(args.log, "a") if args.log else None
        self.servers = []
        self.conns = {}
        self.next_id = 1
        self.running = asyncio.Event()
        self.running.set()
        self.stall_handle = None
        self.down = False
        # per direction: None, or (N, {conn id: bytes at arming}, down_for)
        self.cut = [None, None]
        # None, or (N, {data conn id: s2c bytes at arming})
        self.trunc = None
        # None, or (K, {ctrl conn id: c2s chunks at arming})
        self.lose = None
        self.lose_conn = None       # the connection whose reply is awaited
        self.lose_handle = None
        self.cut_fired = asyncio.Event()
        self.delay = args.delay_ms / 1000.0     # seconds
        self.rate = args.rate
        self.reset_every = 0.0
        self.reset_kind = None
        self.reset_task = None
        self.stats = {"conns": 0, "ctrl": 0, "data": 0, "cuts": 0, "resets": 0,
                      "connect_failed": 0, "bytes_s2c": 0, "bytes_c2s": 0,
                      "stalls": 0, "downs": 0, "truncations": 0, "lost_replies": 0,
                      "periodic_resets": 0, "bytes_discarded": 0, "client_hellos": 0,
                      "hello_retries": 0}
        self.done = asyncio.Event()

    # ---- faults ----

    def arm(self, d, n, down_for=0.0):
        bases = {c.id: c.bytes[d] for c in self.conns.values() if c.kind == "data"}
        self.cut[d] = (n, bases, down_for)
        self.cut_fired.clear()
        log(self, "armed cut %s after %d bytes%s" %
            (DIR_NAMES[d], n, " then down for %.1f s" % down_for if down_for else ""))

    def nothing_armed(self):
        return (self.cut[0] is None and self.cut[1] is None and self.trunc is None
                and self.lose is None and self.lose_conn is None)

    def check_fired(self):
        if self.nothing_armed():
            self.cut_fired.set()

    def cut_point(self, conn, d):
        """Bytes conn may still carry in direction d before the cut, or None."""
        armed = self.cut[d]
        if armed is None or conn.kind != "data":
            return None
        n, bases, _ = armed
        return n - (conn.bytes[d] - bases.get(conn.id, 0))

    def count(self, conn, d, n):
        conn.bytes[d] += n
        self.stats["bytes_" + DIR_NAMES[d]] += n

    def fire(self, conn, d):
        armed = self.cut[d]     # None if cancelled (or fired) meanwhile
        down_for = armed[2] if armed else 0.0
        self.cut[d] = None
        self.stats["cuts"] += 1
        log(self, "cut %s of conn %d (port %d) after %d bytes" %
            (DIR_NAMES[d], conn.id, conn.port, conn.bytes[d]))
        conn.kill()
        if down_for > 0:
            asyncio.ensure_future(self.down_for(down_for))
        self.check_fired()

    def pump_error(self, conn, d, e):
        if conn.truncated and not conn.dead:
            # No RST after a truncation: only this direction ends.
            log(self, "conn %d: truncated, %s ends: %s" % (conn.id, DIR_NAMES[d], e))
            self.truncated_eof(conn, d)
            return
        conn.kill()

    # truncate-data-after

    def arm_truncate(self, n):
        bases = {c.id: c.bytes[S2C] for c in self.conns.values() if c.kind == "data"}
        self.trunc = (n, bases)
        self.cut_fired.clear()
        log(self, "armed truncation of s2c data after %d bytes" % n)

    def truncate_point(self, conn, d):
        if self.trunc is None or d != S2C or conn.kind != "data":
            return None
        n, bases = self.trunc
        return n - (conn.bytes[S2C] - bases.get(conn.id, 0))

    def truncate_fire(self, conn):
        self.trunc = None
        self.stats["truncations"] += 1
        conn.truncated = True
        conn.last_io = asyncio.get_running_loop().time()
        send_eof(conn.cw)
        log(self, "truncated conn %d (port %d) after %d bytes s2c: FIN to the client" %
            (conn.id, conn.port, conn.bytes[S2C]))
        self.truncate_watch(conn)
        self.check_fired()

    def truncate_watch(self, conn):
        if conn.dead:
            return
        loop = asyncio.get_running_loop()
        idle = loop.time() - conn.last_io
        if idle >= TRUNC_IDLE:
            log(self, "conn %d: truncated and idle for %.0f s: closed" % (conn.id, idle))
            conn.close_gently()
            return
        conn.timer = loop.call_later(TRUNC_IDLE - idle, self.truncate_watch, conn)

    def discard(self, conn, n):
        conn.last_io = asyncio.get_running_loop().time()
        self.stats["bytes_discarded"] += n

    def truncated_eof(self, conn, d):
        """One side of a truncated connection closed: the server gets a FIN
        (once), as a middlebox that closed the client's side would pass the
        client's own close on; the server, whose data is drained, then ends
        its side (a TLS server waiting for the client's close_notify gets
        its EOF) and answers 226."""
        if conn.server_closed:
            return
        conn.server_closed = True
        send_eof(conn.sw)
        log(self, "conn %d: truncated, the %s closed: FIN to the server" %
            (conn.id, "server" if d == S2C else "client"))

    # lose-ctrl-reply-after

    def arm_lose(self, k):
        bases = {c.id: c.chunks_c2s for c in self.conns.values() if c.kind == "ctrl"}
        self.lose = (k, bases)
        self.cut_fired.clear()
        log(self, "armed: lose the reply to the chunk %d from now" % k)

    def ctrl_chunk(self, conn):
        """A client -> server chunk of a control connection is being forwarded."""
        conn.chunks_c2s += 1
        if self.lose is None or self.lose_conn is not None:
            return
        k, bases = self.lose
        if conn.chunks_c2s - bases.get(conn.id, 0) < k:
            return
        self.lose = None
        self.lose_conn = conn
        conn.lose_pending = True
        self.lose_handle = asyncio.get_running_loop().call_later(
            LOSE_WAIT, self.lose_fire, conn, "no reply within %.0f s" % LOSE_WAIT)
        log(self, "conn %d: command %d forwarded, its reply is to be lost" %
            (conn.id, conn.chunks_c2s))

    def lose_clear(self):
        conn = self.lose_conn
        if self.lose_handle:
            self.lose_handle.cancel()
            self.lose_handle = None
        self.lose_conn = None
        if conn is not None:
            conn.lose_pending = False
        return conn

    def lose_fire(self, conn, why):
        if self.lose_conn is not conn:
            return
        self.lose_clear()
        self.stats["lost_replies"] += 1
        log(self, "conn %d: reply lost (%s): reset" % (conn.id, why))
        conn.kill()
        self.check_fired()

    def cancel_all(self):
        self.cut = [None, None]
        self.trunc = None
        self.lose = None
        self.lose_clear()
        self.cut_fired.set()

    # resets

    def reset_all(self, kind=None):
        n = 0
        for c in list(self.conns.values()):
            if kind is None or c.kind == kind:
                c.kill()
                n += 1
        self.stats["resets"] += n
        log(self, "reset %d connections" % n)
        return n

    def set_reset_every(self, seconds, kind):
        if self.reset_task:
            self.reset_task.cancel()
            self.reset_task = None
        self.reset_every, self.reset_kind = seconds, kind
        if seconds > 0:
            self.reset_task = asyncio.ensure_future(self.reset_loop(seconds, kind))
        log(self, "reset every %.3g s%s" % (seconds, " (%s)" % kind if kind else ""))

    async def reset_loop(self, seconds, kind):
        while not self.done.is_set():
            await asyncio.sleep(seconds)
            self.stats["periodic_resets"] += 1
            self.reset_all(kind)

    def stall(self, seconds):
        if self.stall_handle:
            self.stall_handle.cancel()
            self.stall_handle = None
        if seconds <= 0:
            self.running.set()
            log(self, "stall ended")
            return
        self.stats["stalls"] += 1
        self.running.clear()
        self.stall_handle = asyncio.get_running_loop().call_later(seconds, self.stall_end)
        log(self, "stalling for %.1f s" % seconds)

    def stall_end(self):
        self.stall_handle = None
        self.running.set()
        log(self, "stall ended")

    async def go_down(self):
        if self.down:
            return
        self.down = True
        self.stats["downs"] += 1
        for s in self.servers:
            s.close()
        self.servers = []
        n = self.reset_all()
        log(self, "down (%d connections dropped)" % n)

    async def down_for(self, seconds):
        await self.go_down()
        await asyncio.sleep(seconds)
        await self.go_up()

    async def go_up(self):
        if not self.down:
            return
        await self.listen()
        self.down = False
        log(self, "up")

    async def listen(self):
        a = self.args
        for port in [a.ctrl_port] + list(range(a.pasv_min, a.pasv_max + 1)):
            kind = "ctrl" if port == a.ctrl_port else "data"
            srv = await asyncio.start_server(
                lambda r, w, p=port, k=kind: self.accept(r, w, p, k),
                host=a.listen, port=port, reuse_address=True, backlog=64)
            for sock in srv.sockets:
                small_buffers(sock)     # inherited by accepted sockets
            self.servers.append(srv)

    # ---- forwarding ----

    async def accept(self, cr, cw, port, kind):
        if self.down or len(self.conns) >= MAX_CONNS:
            rst(cw)
            return
        conn = Conn(self.next_id, kind, port, cw)
        self.next_id += 1
        self.conns[conn.id] = conn
        self.stats["conns"] += 1
        self.stats[kind] += 1
        log(self, "conn %d: %s port %d" % (conn.id, kind, port))
        try:
            try:
                sr, sw = await asyncio.wait_for(
                    asyncio.open_connection(self.args.target, port), CONNECT_TIMEOUT)
            except (OSError, asyncio.TimeoutError) as e:
                self.stats["connect_failed"] += 1
                log(self, "conn %d: cannot reach the server: %s" % (conn.id, e))
                conn.kill()
                return
            conn.sw = sw
            small_buffers(cw.get_extra_info("socket"))
            small_buffers(sw.get_extra_info("socket"))
            if conn.dead:       # reset or down while connecting
                rst(sw)
                return
            await asyncio.gather(self.pump(conn, cr, sw, C2S), self.pump(conn, sr, cw, S2C))
            if not conn.dead:
                cw.close()
                sw.close()
                conn.dead = True
        finally:
            self.conns.pop(conn.id, None)
            if conn.timer:
                conn.timer.cancel()
            if self.lose_conn is conn:      # it ended before the reply came
                self.lose_clear()
                log(self, "conn %d: closed before the reply to lose" % conn.id)
                self.check_fired()
            log(self, "conn %d: closed (s2c %d, c2s %d bytes)" %
                (conn.id, conn.bytes[S2C], conn.bytes[C2S]))

    async def pump(self, conn, src, dst, d):
        """Copy one direction (d) from src to dst until EOF, a fault or an error."""
        p = Pipe(self, conn, src, dst, d)
        conn.pipes.append(p)
        await p.run()

    def count_hellos(self, conn, data):
        """TLS ClientHellos at the start of a data connection (the first
        HELLO_SCAN bytes): a second one answers a HelloRetryRequest."""
        if len(conn.hello) >= HELLO_SCAN:
            return
        conn.hello += data[:HELLO_SCAN - len(conn.hello)]
        b, pos, n = conn.hello, 0, 0
        while pos + 6 <= len(b) and b[pos] in (20, 22):    # ChangeCipherSpec, Handshake
            n += b[pos] == 22 and b[pos + 5] == 1
            pos += 5 + int.from_bytes(b[pos + 3:pos + 5], "big")
        if n > conn.hellos:
            self.stats["client_hellos"] += n - conn.hellos
            if conn.hellos < 2 <= n:
                self.stats["hello_retries"] += 1
            conn.hellos = n

    def stats_line(self):
        s = dict(self.stats)
        s["open"] = len(self.conns)
        s["open_ctrl"] = sum(1 for c in self.conns.values() if c.kind == "ctrl")
        s["open_data"] = s["open"] - s["open_ctrl"]
        s["stalled"] = 0 if self.running.is_set() else 1
        s["down"] = 1 if self.down else 0
        armed = [DIR_NAMES[d] for d in (S2C, C2S) if self.cut[d]]
        if self.trunc:
            armed.append("truncate")
        if self.lose or self.lose_conn:
            armed.append("lose-reply")
        s["armed"] = ",".join(armed) or "-"
        s["delay_ms"] = "%g" % (self.delay * 1000)
        s["rate"] = self.rate
        s["reset_every"] = "%g" % self.reset_every
        return " ".join("%s=%s" % kv for kv in s.items())

    # ---- the control channel ----

    async def command(self, line):
        words = line.split()
        if not words:
            return "err empty command"
        cmd, argv = words[0], words[1:]

        def number(i, kind=int):
            if len(argv) <= i:
                raise ValueError("%s needs an argument" % cmd)
            v = kind(argv[i])
            if not 0 <= v <= 1e12:
                raise ValueError("%s: out of range" % cmd)
            return v

        try:
            if cmd == "ping":
                return "ok pong"
            if cmd == "stats":
                return "ok " + self.stats_line()
            if cmd in ("cut-data-after", "cut-upload-after"):
                down_for = 0.0
                if len(argv) > 1:
                    if argv[1] != "down-for":
                        raise ValueError("%s N [down-for SECONDS]" % cmd)
                    down_for = min(number(2, float), 600.0)
                self.arm(S2C if cmd == "cut-data-after" else C2S, number(0), down_for)
                return "ok"
            if cmd == "cut-cancel":
                self.cancel_all()
                return "ok"
            if cmd == "wait-cut":
                t = min(number(0, float), 600.0)
                if self.nothing_armed():
                    return "ok"
                try:
                    await asyncio.wait_for(self.cut_fired.wait(), t)
                    return "ok"
                except asyncio.TimeoutError:
                    return "err timeout: armed %s" % self.stats_line()
            if cmd == "truncate-data-after":
                self.arm_truncate(number(0))
                return "ok"
            if cmd == "truncate-data-cancel":
                self.trunc = None
                self.check_fired()
                return "ok"
            if cmd == "lose-ctrl-reply-after":
                k = number(0)
                if k < 1:
                    raise ValueError("%s: K is at least 1" % cmd)
                self.arm_lose(k)
                return "ok"
            if cmd == "lose-ctrl-reply-cancel":
                self.lose = None
                self.lose_clear()
                self.check_fired()
                return "ok"
            if cmd == "reset-all":
                kind = argv[0] if argv else None
                if kind not in (None, "ctrl", "data"):
                    return "err reset-all [ctrl|data]"
                return "ok %d" % self.reset_all(kind)
            if cmd == "reset-every":
                kind = argv[1] if len(argv) > 1 else None
                if kind not in (None, "ctrl", "data") or len(argv) > 2:
                    return "err reset-every SECONDS [ctrl|data]"
                t = number(0, float)
                if t > 86400 or 0 < t < 0.05:
                    raise ValueError("%s: 0 (off) or 0.05..86400 seconds" % cmd)
                self.set_reset_every(t, kind)
                return "ok"
            if cmd == "delay":
                ms = number(0, float)
                if ms > DELAY_MAX_MS:
                    raise ValueError("%s: 0..%d ms" % (cmd, DELAY_MAX_MS))
                self.delay = ms / 1000.0
                log(self, "delay %g ms" % ms)
                return "ok"
            if cmd == "rate":
                self.rate = number(0)
                log(self, "rate %d bytes/s" % self.rate)
                return "ok"
            if cmd == "stall":
                self.stall(min(number(0, float), 600.0))
                return "ok"
            if cmd == "down":
                await self.go_down()
                return "ok"
            if cmd == "up":
                await self.go_up()
                return "ok"
            if cmd == "quit":
                self.done.set()
                return "ok bye"
        except ValueError as e:
            return "err %s" % e
        except OSError as e:
            return "err %s" % e
        return "err unknown command %r" % cmd

    async def control(self, r, w):
        try:
            for _ in range(1000):
                line = await asyncio.wait_for(r.readline(), 900)
                if not line:
                    break
                if len(line) > CTRL_LINE_MAX:
                    w.write(b"err line too long\n")
                    break
                text = line.decode("ascii", "replace").strip()
                reply = await self.command(text)
                log(self, "control: %s -> %s" % (text, reply))
                w.write((reply + "\n").encode())
                await w.drain()
                if self.done.is_set():
                    break
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            w.close()


def loopback(addr):
    try:
        return ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


async def watch_parent(state, pid):
    while not state.done.is_set():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            log(state, "parent %d is gone" % pid)
            state.done.set()
            return
        except PermissionError:
            pass
        await asyncio.sleep(1)


async def main_async(args):
    state = State(args)

    await state.listen()
    ctrl = await asyncio.start_server(state.control, host="127.0.0.1", port=args.control_port)
    port = ctrl.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, state.done.set)
    if args.parent:
        asyncio.ensure_future(watch_parent(state, args.parent))
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    log(state, "listening on %s ports %d,%d-%d -> %s; control 127.0.0.1:%d" %
        (args.listen, args.ctrl_port, args.pasv_min, args.pasv_max, args.target, port))
    try:
        await asyncio.wait_for(state.done.wait(), args.lifetime)
    except asyncio.TimeoutError:
        log(state, "lifetime of %d s is over" % args.lifetime)
    ctrl.close()
    for s in state.servers:
        s.close()
    state.reset_all()
    log(state, "exit")


def parse_args(argv):
    p = argparse.ArgumentParser(description="Loopback fault-injection proxy for an FTP server")
    p.add_argument("--listen", default="127.0.0.2", help="address to listen on (loopback)")
    p.add_argument("--target", default="127.0.0.1", help="the server's address (loopback)")
    p.add_argument("--ctrl-port", type=int, required=True)
    p.add_argument("--pasv-min", type=int, required=True)
    p.add_argument("--pasv-max", type=int, required=True)
    p.add_argument("--control-port", type=int, default=0, help="0 = any free port")
    p.add_argument("--port-file", help="where to write the control port once ready")
    p.add_argument("--log", help="append a line per event to this file")
    p.add_argument("--lifetime", type=int, default=900, help="exit after this many seconds")
    p.add_argument("--parent", type=int, default=0, help="exit when this pid is gone")
    p.add_argument("--delay-ms", type=float, default=0.0,
                   help="one-way delay of every chunk, in ms (0..%d)" % DELAY_MAX_MS)
    p.add_argument("--rate", type=int, default=0,
                   help="cap data connections to so many bytes/s each way (0 = none)")
    a = p.parse_args(argv)
    if not loopback(a.listen) or not loopback(a.target):
        p.error("--listen and --target must be loopback addresses")
    if a.listen == a.target:
        p.error("--listen and --target must differ (same ports on both)")
    for v in (a.ctrl_port, a.pasv_min, a.pasv_max):
        if not 1 <= v <= 65535:
            p.error("ports are 1..65535")
    if a.pasv_min > a.pasv_max or a.pasv_max - a.pasv_min > 1000:
        p.error("--pasv-min..--pasv-max: at most 1000 ports, in order")
    if a.pasv_min <= a.ctrl_port <= a.pasv_max:
        p.error("the control port must lie outside the passive range")
    if not 1 <= a.lifetime <= 86400:
        p.error("--lifetime is 1..86400 seconds")
    if not 0 <= a.delay_ms <= DELAY_MAX_MS:
        p.error("--delay-ms is 0..%d" % DELAY_MAX_MS)
    if not 0 <= a.rate <= 10 ** 12:
        p.error("--rate is 0..10^12 bytes/s")
    return a


def main():
    args = parse_args(sys.argv[1:])
    try:
        asyncio.run(main_async(args))
    except OSError as e:
        print("faultproxy: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
