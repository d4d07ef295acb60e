#!/usr/bin/env python3
"""oopsftp.py - an explicit-FTPS server that fails the way vsftpd does when
a user's home folder is missing: after PASS it writes
"500 OOPS: cannot change directory:/nonexistent" in plain text past its
TLS layer (straight to the socket) and closes.

    oopsftp.py --cert CERT --key KEY --port-file FILE [--lifetime S]

Listens on 127.0.0.1 (a free port, written to --port-file), one client at
a time, and exits after --lifetime seconds (default 120)."""
import argparse
import os
import socket
import ssl
import sys
import time

OOPS = b"500 OOPS: cannot change directory:/nonexistent\r\n"


def lines(conn):
    buf = b""
    while True:
        while b"\n" not in buf:
            d = conn.recv(4096)
            if not d:
                return
            buf += d
        line, buf = buf.split(b"\n", 1)
        yield line.rstrip(b"\r").decode("latin-1")


def serve(conn, ctx):
    conn.settimeout(20)
    conn.sendall(b"220 oopsftp ready\r\n")
    it = lines(conn)
    for line in it:
        verb = line.split(" ", 1)[0].upper()
        if verb == "AUTH":
            conn.sendall(b"234 AUTH TLS OK.\r\n")
            tls = ctx.wrap_socket(conn, server_side=True)
            it = lines(tls)
            for line2 in it:
                verb = line2.split(" ", 1)[0].upper()
                if verb == "USER":
                    tls.sendall(b"331 Please specify the password.\r\n")
                elif verb == "PASS":
                    # what vsftpd does: past the TLS layer, in the clear
                    os.write(tls.fileno(), OOPS)
                    time.sleep(0.5)
                    return
                else:
                    tls.sendall(b"530 Please login with USER and PASS.\r\n")
            return
        if verb == "FEAT":
            conn.sendall(b"211-Features:\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n211 End\r\n")
        else:
            conn.sendall(b"530 Please login with USER and PASS.\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--lifetime", type=float, default=120)
    a = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    end = time.monotonic() + a.lifetime
    while time.monotonic() < end:
        ls.settimeout(max(0.1, end - time.monotonic()))
        try:
            conn, _ = ls.accept()
        except socket.timeout:
            break
        try:
            serve(conn, ctx)
        except (OSError, ssl.SSLError) as e:
            print("oopsftp: %s" % e, file=sys.stderr)
        finally:
            conn.close()


if __name__ == "__main__":
    main()
