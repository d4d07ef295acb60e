#!/usr/bin/env python3
"""fakeftp.py - a scripted, hostile plain-FTP server for tests.

Real servers never send what this one sends: each scenario breaks one rule
(reply size, reply framing, addresses, listings) so a test can check that
ftpsfs stays bounded, alive and clear about the error.

    fakeftp.py SCENARIO PORTFILE

listens on 127.0.0.1 on a free port, writes the port to PORTFILE, and
serves until killed. Scenarios:

    ok              a tiny well-behaved server (LIST, RETR of /hello.txt)
    huge-greeting   a 100 KB greeting line
    endless-reply   a multi-line greeting that never ends
    many-prelim     endless 150 replies to LIST
    garbage-list    a listing of binary garbage and broken lines
    hostile-names   a listing with "..", "a/b", names with NUL and CR
    absurd-values   a listing with absurd sizes and dates
    bad-epsv        EPSV replies with port 0 / 70000, PASV with another host
    huge-listing    a listing of 2,000,000 lines
    drip            replies sent one byte per second
    close-midreply  closes the connection in the middle of a reply
    escapes         terminal escape sequences (ESC, C1 CSI) in the greeting,
                    the FEAT reply and a file name
    slow-listing    the listing of /sub never ends: a line every 0.3 s
    no-epsv         EPSV unknown (500): PASV, whose reply names 10.9.8.7
    huge-retr       RETR of hello.txt (listed with 13 bytes) sends 64 MB
"""
import asyncio
import os
import sys

SCENARIO = sys.argv[1]
PORTFILE = sys.argv[2]

HELLO = b"hello, world\n"
LISTING_OK = (b"-rw-r--r--    1 1000     1000           13 Jan 01  2024 hello.txt\r\n"
              b"drwxr-xr-x    2 1000     1000         4096 Jan 01  2024 sub\r\n")


def listing():
    if SCENARIO == "garbage-list":
        return (os.urandom(3000) + b"\r\n" + b"this is not a listing\r\n" +
                b"-rw-r--r-- 1 a b\r\n" + LISTING_OK + b"\x00\xff\xfe\r\n")
    if SCENARIO == "hostile-names":
        return (b"-rw-r--r-- 1 u g 5 Jan 01 2024 ..\r\n"
                b"-rw-r--r-- 1 u g 5 Jan 01 2024 .\r\n"
                b"-rw-r--r-- 1 u g 5 Jan 01 2024 a/b\r\n"
                b"-rw-r--r-- 1 u g 5 Jan 01 2024 ../../etc/passwd\r\n"
                b"-rw-r--r-- 1 u g 5 Jan 01 2024 nul\x00name\r\n"
                b"-rw-r--r-- 1 u g 5 Jan 01 2024 " + b"x" * 300 + b"\r\n" +
                LISTING_OK)
    if SCENARIO == "absurd-values":
        return (b"-rw-r--r-- 1 u g 99999999999999999999999999 Jan 01 2024 huge\r\n"
                b"-rw-r--r-- 1 u g 18446744073709551615 Jan 01 2024 max\r\n"
                b"-rw-r--r-- 1 u g 5 Feb 31 2024 feb31\r\n"
                b"-rw-r--r-- 1 u g 5 Jan 01 99999 year99999\r\n"
                b"-rw-r--r-- 1 u g 5 Xyz 01 2024 badmonth\r\n"
                b"-rw-r--r-- 1 u g 5 Jan 01 25:61 badtime\r\n" + LISTING_OK)
    if SCENARIO == "huge-listing":
        return None  # streamed
    if SCENARIO == "escapes":
        return LISTING_OK + b"-rw-r--r-- 1 u g 5 Jan 01 2024 esc\x1b[2Jname\r\n"
    return LISTING_OK


class Session:
    def __init__(self, reader, writer):
        self.r = reader
        self.w = writer
        self.data_server = None
        self.data_conn = asyncio.get_event_loop().create_future()

    async def send(self, text):
        data = text.encode() if isinstance(text, str) else text
        if SCENARIO == "drip":
            for i in range(len(data)):
                self.w.write(data[i:i + 1])
                await self.w.drain()
                await asyncio.sleep(1)
            return
        self.w.write(data)
        await self.w.drain()

    async def greet(self):
        if SCENARIO == "huge-greeting":
            await self.send("220 " + "x" * 100000 + "\r\n")
            return
        if SCENARIO == "endless-reply":
            await self.send("220-welcome\r\n")
            for i in range(10_000_000):
                self.w.write(b" line %d of an endless greeting\r\n" % i)
                if i % 1000 == 0:
                    await self.w.drain()
            return
        if SCENARIO == "close-midreply":
            await self.send("220-half a rep")
            self.w.close()
            return
        if SCENARIO == "escapes":
            await self.send(b"220 fake \x1b]0;owned\x07server \xc2\x9b2J ready\x1b[31m\r\n")
            return
        await self.send("220 fake server ready\r\n")

    async def open_passive(self):
        async def on_conn(r, w):
            if not self.data_conn.done():
                self.data_conn.set_result((r, w))
        if self.data_server:
            self.data_server.close()
        self.data_conn = asyncio.get_event_loop().create_future()
        self.data_server = await asyncio.start_server(on_conn, "127.0.0.1", 0)
        return self.data_server.sockets[0].getsockname()[1]

    async def send_data(self, payload):
        try:
            r, w = await asyncio.wait_for(self.data_conn, 10)
        except asyncio.TimeoutError:
            await self.send("425 no data connection\r\n")
            return
        if payload == b"SLOW":
            for i in range(100000):
                w.write(b"-rw-r--r-- 1 u g 1 Jan 01 2024 slow%07d\r\n" % i)
                await w.drain()
                await asyncio.sleep(0.3)
        if SCENARIO == "huge-retr" and payload == HELLO:
            chunk = b"x" * 65536
            for i in range(1024):
                w.write(chunk)
                await w.drain()
            payload = b""
        if payload is None:
            for i in range(2_000_000):
                w.write(b"-rw-r--r-- 1 u g 1 Jan 01 2024 file%07d\r\n" % i)
                if i % 5000 == 0:
                    await w.drain()
        else:
            w.write(payload)
        await w.drain()
        w.close()
        await self.send("226 done\r\n")

    async def run(self):
        await self.greet()
        if SCENARIO in ("huge-greeting", "endless-reply", "close-midreply"):
            await asyncio.sleep(30)
            return
        while True:
            line = await self.r.readline()
            if not line:
                return
            cmd = line.decode("latin-1").strip()
            verb = cmd.split(" ", 1)[0].upper()
            arg = cmd[len(verb) + 1:]
            if verb == "USER":
                await self.send("331 password please\r\n")
            elif verb == "PASS":
                await self.send("230 logged in\r\n")
            elif verb == "FEAT":
                if SCENARIO == "escapes":
                    await self.send(b"211-Features:\r\n EPSV\r\n X\x1b[2J\x9b1m\r\n211 End\r\n")
                else:
                    await self.send("211-Features:\r\n EPSV\r\n SIZE\r\n MDTM\r\n211 End\r\n")
            elif verb in ("TYPE", "NOOP", "OPTS", "MODE", "STRU"):
                await self.send("200 ok\r\n")
            elif verb == "SYST":
                await self.send("215 UNIX Type: L8\r\n")
            elif verb == "PWD":
                await self.send('257 "/"\r\n')
            elif verb == "EPSV" and SCENARIO == "no-epsv":
                await self.send("500 Unknown command\r\n")
            elif verb == "EPSV":
                port = await self.open_passive()
                if SCENARIO == "bad-epsv":
                    await self.send("229 Entering Extended Passive Mode (|||70000|)\r\n")
                else:
                    await self.send("229 Entering Extended Passive Mode (|||%d|)\r\n" % port)
            elif verb == "PASV":
                port = await self.open_passive()
                await self.send("227 Entering Passive Mode (10,9,8,7,%d,%d)\r\n" %
                                (port >> 8, port & 255))
            elif verb in ("LIST", "MLSD", "NLST"):
                if SCENARIO == "many-prelim":
                    for _ in range(100000):
                        await self.send("150 still preparing\r\n")
                    continue
                await self.send("150 here it comes\r\n")
                if SCENARIO == "slow-listing" and arg.rstrip("/").endswith("sub"):
                    await self.send_data(b"SLOW")
                else:
                    await self.send_data(listing())
            elif verb == "SIZE":
                if arg.endswith("hello.txt"):
                    await self.send("213 %d\r\n" % len(HELLO))
                else:
                    await self.send("550 no such file\r\n")
            elif verb == "MDTM":
                await self.send("213 20240101000000\r\n")
            elif verb == "REST":
                await self.send("350 ok\r\n")
            elif verb == "RETR":
                await self.send("150 here it comes\r\n")
                await self.send_data(HELLO)
            elif verb == "QUIT":
                await self.send("221 bye\r\n")
                return
            else:
                await self.send("502 not implemented\r\n")


async def main():
    async def handle(r, w):
        try:
            await Session(r, w).run()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            w.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(server.sockets[0].getsockname()[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    async with server:
        await server.serve_forever()


asyncio.run(main())
