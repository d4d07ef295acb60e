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
                          cuts, resets, state)
  cut-data-after N        the first data connection to carry N more bytes
                          server -> client (counted from now for open ones)
                          is reset (RST both ways) right after byte N
  cut-upload-after N      the same, client -> server
      ... down-for SECONDS  and right after the cut, "down" for SECONDS, then
                          "up": the server is gone before the client can
                          resume
  cut-cancel              disarm both
  wait-cut SECONDS        wait until every armed cut has fired; err timeout
  reset-all [ctrl|data]   RST every open connection (or only those of a kind)
  stall SECONDS           forward nothing, either way, for SECONDS (0 ends
                          a stall); connections are still accepted
  down                    stop listening (new connections are refused) and
                          RST every open connection, as if the server died
  up                      listen again
  quit                    exit

Bounded: it exits after --lifetime seconds, when --parent's process is gone,
on SIGTERM/SIGINT or on "quit". It refuses any address that is not loopback.
"""
import argparse
import asyncio
import ipaddress
import os
import signal
import socket
import struct
import sys
import time

CHUNK = 256 * 1024
CONNECT_TIMEOUT = 5.0
MAX_CONNS = 512
CTRL_LINE_MAX = 256
# Small socket buffers, so that the proxy adds little to what is in flight
# between client and server (a cut then loses about what it would lose on
# a direct connection, not two hops' worth of autotuned buffers).
SOCKBUF = 256 * 1024

S2C, C2S = 0, 1
DIR_NAMES = ("s2c", "c2s")


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


class Conn:
    def __init__(self, cid, kind, port, cw):
        self.id = cid
        self.kind = kind          # "ctrl" or "data"
        self.port = port
        self.cw = cw              # towards the client
        self.sw = None            # towards the server
        self.bytes = [0, 0]       # per direction
        self.dead = False

    def kill(self):
        if self.dead:
            return
        self.dead = True
        rst(self.cw)
        rst(self.sw)


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
        self.cut_fired = asyncio.Event()
        self.stats = {"conns": 0, "ctrl": 0, "data": 0, "cuts": 0, "resets": 0,
                      "connect_failed": 0, "bytes_s2c": 0, "bytes_c2s": 0,
                      "stalls": 0, "downs": 0}
        self.done = asyncio.Event()

    # ---- faults ----

    def arm(self, d, n, down_for=0.0):
        bases = {c.id: c.bytes[d] for c in self.conns.values() if c.kind == "data"}
        self.cut[d] = (n, bases, down_for)
        self.cut_fired.clear()
        log(self, "armed cut %s after %d bytes%s" %
            (DIR_NAMES[d], n, " then down for %.1f s" % down_for if down_for else ""))

    def cut_point(self, conn, d):
        """Bytes conn may still carry in direction d before the cut, or None."""
        armed = self.cut[d]
        if armed is None or conn.kind != "data":
            return None
        n, bases, _ = armed
        return n - (conn.bytes[d] - bases.get(conn.id, 0))

    def fire(self, conn, d):
        down_for = self.cut[d][2]
        self.cut[d] = None
        self.stats["cuts"] += 1
        log(self, "cut %s of conn %d (port %d) after %d bytes" %
            (DIR_NAMES[d], conn.id, conn.port, conn.bytes[d]))
        conn.kill()
        if down_for > 0:
            asyncio.ensure_future(self.down_for(down_for))
        if self.cut[0] is None and self.cut[1] is None:
            self.cut_fired.set()

    def reset_all(self, kind=None):
        n = 0
        for c in list(self.conns.values()):
            if kind is None or c.kind == kind:
                c.kill()
                n += 1
        self.stats["resets"] += n
        log(self, "reset %d connections" % n)
        return n

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
            log(self, "conn %d: closed (s2c %d, c2s %d bytes)" %
                (conn.id, conn.bytes[S2C], conn.bytes[C2S]))

    async def pump(self, conn, src, dst, d):
        """Copy one direction (d) from src to dst until EOF, a fault or an error."""
        try:
            while not conn.dead:
                data = await src.read(CHUNK)
                if not data:
                    if not conn.dead and dst.can_write_eof():
                        dst.write_eof()
                    return
                await self.running.wait()
                if conn.dead:
                    return
                left = self.cut_point(conn, d)
                if left is not None and len(data) >= left:
                    if left > 0:
                        dst.write(data[:left])
                        conn.bytes[d] += left
                        self.stats["bytes_" + DIR_NAMES[d]] += left
                        try:
                            await asyncio.wait_for(dst.drain(), 2.0)
                        except (OSError, asyncio.TimeoutError):
                            pass
                    self.fire(conn, d)
                    return
                dst.write(data)
                conn.bytes[d] += len(data)
                self.stats["bytes_" + DIR_NAMES[d]] += len(data)
                await dst.drain()
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            conn.kill()

    def stats_line(self):
        s = dict(self.stats)
        s["open"] = len(self.conns)
        s["open_ctrl"] = sum(1 for c in self.conns.values() if c.kind == "ctrl")
        s["open_data"] = s["open"] - s["open_ctrl"]
        s["stalled"] = 0 if self.running.is_set() else 1
        s["down"] = 1 if self.down else 0
        s["armed"] = ",".join(DIR_NAMES[d] for d in (S2C, C2S) if self.cut[d]) or "-"
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
            if v < 0 or v > 1e12:
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
                self.cut = [None, None]
                self.cut_fired.set()
                return "ok"
            if cmd == "wait-cut":
                t = min(number(0, float), 600.0)
                if self.cut[0] is None and self.cut[1] is None:
                    return "ok"
                try:
                    await asyncio.wait_for(self.cut_fired.wait(), t)
                    return "ok"
                except asyncio.TimeoutError:
                    return "err timeout: armed %s" % self.stats_line()
            if cmd == "reset-all":
                kind = argv[0] if argv else None
                if kind not in (None, "ctrl", "data"):
                    return "err reset-all [ctrl|data]"
                return "ok %d" % self.reset_all(kind)
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
