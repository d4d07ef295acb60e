#!/usr/bin/env python3
"""tests/testbed/ftps_probe.py - small FTPS client checks curl cannot do quickly.

    ftps_probe.py roundtrip   explicit|implicit HOST PORT USER CAFILE
    ftps_probe.py prot-c      explicit|implicit HOST PORT USER CAFILE
    ftps_probe.py plain-on-tls HOST PORT

The password comes from the environment (TB_PASS), never argv.

roundtrip: TLS 1.3 only; STOR 1 MiB, RETR it, compare, DELE. Data
connections resume the control connection's TLS session and end with a
close_notify (SSL unwrap), the way a correct client does; curl 7.88 does
not wait for that and loses TLS 1.3 uploads to vsftpd/ProFTPD now and then
(curl issue 13556, fixed in 8.8).

prot-c: after a TLS login, asks for a clear-text data connection (PROT C).
Passes when the server refuses PROT C, or refuses the transfer on it, or
never sends plain data. ProFTPD accepts PROT C and then starts a TLS
handshake on the data connection anyway; we close that connection at
once, so it answers 425 quickly instead of waiting for a timeout.

plain-on-tls: speaks plain FTP to an implicit-TLS port; passes when no
positive FTP reply (1xx-3xx) comes back.

Exit 0 pass, 1 fail (reason on stderr).
"""
import ftplib
import os
import socket
import ssl
import sys

TIMEOUT = 15


class Client(ftplib.FTP_TLS):
    """FTP_TLS that resumes the control session on data connections and can
    start with implicit TLS."""

    def __init__(self, implicit, **kw):
        self.implicit = implicit
        super().__init__(**kw)

    def connect(self, host="", port=0, timeout=TIMEOUT, source_address=None):
        if not self.implicit:
            return super().connect(host, port, timeout)
        self.host, self.port, self.timeout = host, port, timeout
        raw = socket.create_connection((host, port), timeout)
        self.sock = self.context.wrap_socket(raw, server_hostname=host)
        self.af = self.sock.family
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome

    def login(self, user="", passwd="", acct="", secure=True):
        if self.implicit:
            return ftplib.FTP.login(self, user, passwd, acct)
        return super().login(user, passwd, acct, secure)

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
        return conn, size


def context(cafile, tls13=False):
    ctx = ssl.create_default_context(cafile=cafile)
    if tls13:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


def login(mode, host, port, user, cafile, tls13=False):
    c = Client(mode == "implicit", context=context(cafile, tls13), timeout=TIMEOUT)
    c.connect(host, port)
    c.login(user, os.environ["TB_PASS"])
    return c


def roundtrip(mode, host, port, user, cafile):
    import io
    data = os.urandom(1 << 20)
    c = login(mode, host, port, user, cafile, tls13=True)
    c.prot_p()
    if c.sock.version() != "TLSv1.3":
        raise SystemExit("control connection is %s, not TLSv1.3" % c.sock.version())
    c.storbinary("STOR probe.bin", io.BytesIO(data))
    back = bytearray()
    c.retrbinary("RETR probe.bin", back.extend)
    c.delete("probe.bin")
    c.quit()
    if bytes(back) != data:
        raise SystemExit("downloaded %d bytes differ from the %d uploaded" % (len(back), len(data)))


def prot_c(mode, host, port, user, cafile):
    c = login(mode, host, port, user, cafile)
    c.voidcmd("PBSZ 0")
    try:
        c.voidcmd("PROT C")
    except ftplib.error_perm:
        return  # refused outright (vsftpd 522, pure-ftpd 521)
    c._prot_p = False
    try:
        conn, _ = ftplib.FTP.ntransfercmd(c, "LIST")
    except (ftplib.error_perm, ftplib.error_temp):
        return  # refused before any data
    conn.settimeout(TIMEOUT)
    conn.close()    # a TLS server now waits for a ClientHello that never comes
    try:
        resp = c.voidresp()
    except (ftplib.error_perm, ftplib.error_temp, EOFError, OSError):
        return
    raise SystemExit("clear-text LIST accepted: %s" % resp)


def plain_on_tls(host, port):
    s = socket.create_connection((host, port), TIMEOUT)
    s.settimeout(5)
    try:
        s.sendall(b"USER anonymous\r\n")
        got = s.recv(512)
    except (socket.timeout, OSError):
        return
    finally:
        s.close()
    # An error reply (vsftpd: "500 OOPS: ... wrong version number") is a
    # refusal too; a greeting or a 331 is not.
    if got[:3].isdigit() and got[:1] in b"123":
        raise SystemExit("plain FTP answered: %r" % got[:80])


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "plain-on-tls":
            plain_on_tls(argv[2], int(argv[3]))
        elif len(argv) == 7 and argv[1] in ("roundtrip", "prot-c"):
            fn = roundtrip if argv[1] == "roundtrip" else prot_c
            fn(argv[2], argv[3], int(argv[4]), argv[5], argv[6])
        else:
            sys.stderr.write(__doc__)
            return 2
    except SystemExit as e:
        sys.stderr.write("%s\n" % e.code)
        return 1
    except (ftplib.Error, OSError, EOFError, ssl.SSLError) as e:
        sys.stderr.write("%s: %s\n" % (type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
