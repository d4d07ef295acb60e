#!/usr/bin/env python3
"""fsxlite.py - an fsx-style exerciser for one file, checked against a model.

    fsxlite.py FILE [--ops N] [--seed S] [--reopen K] [--maxlen BYTES]
               [--maxop BYTES] [--log LOGFILE] [--model FILE]

FILE is created, or truncated to 0 bytes when it exists (its earlier
contents are never looked at): the run always starts from an empty file,
so a seed gives the same operations wherever it runs. Then N random
operations (default 500) run on one descriptor opened O_RDWR, each checked
against an in-memory copy of what the file must hold:

  write     pwrite at a random offset inside the file (it may extend it)
  hole      pwrite beyond the end of the file: the gap must read as zeros
  append    lseek(SEEK_END), which must land on the model's size, then write
  truncate  ftruncate to a random size, down or up (the new bytes are zeros)
  read      pread at a random offset (at times across or past the end) and
            compare with the model

After every write, append and truncate, fstat's st_size must equal the
model's size. Every K operations (--reopen, default 20; 0 = never) the file
is closed and opened again O_RDWR (its size is checked again). At the end it
is closed, opened read-only and read whole, and compared with the model.

Any error is a failure: an OSError from any call (close() included: on
filesystems that upload at close, that is where a failed upload shows), a
short read or write, a wrong size or offset, or bytes that differ from the
model. A failure prints one line naming the operation number, the
operation, its offset and length, and the errno or the first differing
offset, and exits 1. Otherwise the last line is "fsxlite: N ops OK, seed S"
and the exit status 0. Usage errors exit 2.

--seed: the run is fully determined by it (operations, offsets, lengths and
the bytes written); without it a seed is picked and printed. --maxlen caps
the file's size (default 4 MiB), --maxop the length of one write or read
(default 256 KiB). --log writes one line per operation, before it runs
(flushed), so a hang or a crash shows where it was.

Python 3 standard library only.
"""
import argparse
import errno
import os
import random
import sys
import time

KiB = 1024
MiB = 1024 * KiB

# operation: weight
WEIGHTS = (("write", 28), ("hole", 8), ("append", 12), ("truncate", 14), ("read", 38))


class Failure(Exception):
    """One failed check: the message names what went wrong."""


def size_arg(text):
    """A byte count: 123, 64K, 4M, 1G (binary units)."""
    t = text.strip().upper().rstrip("B").rstrip("I")
    mult = 1
    for suffix, m in (("K", KiB), ("M", MiB), ("G", 1024 * MiB)):
        if t.endswith(suffix):
            t, mult = t[:-1], m
            break
    try:
        v = int(t) * mult
    except ValueError:
        raise argparse.ArgumentTypeError("not a size: %r" % text)
    if v < 0:
        raise argparse.ArgumentTypeError("negative size: %r" % text)
    return v


def ename(e):
    n = e.errno if isinstance(e, OSError) else e
    if n is None:
        return str(e)
    return "%s (errno %d: %s)" % (errno.errorcode.get(n, "E?"), n, os.strerror(n))


class Fsx:
    def __init__(self, args):
        self.a = args
        self.path = args.file
        self.seed = args.seed
        self.rng = random.Random(self.seed)
        self.model = bytearray()
        self.fd = -1
        self.opnum = 0
        self.logf = None
        # (opnum, what, off, len, size before) of every change, to say
        # which operation last set a byte that reads back wrong.
        self.history = []
        self.trimmed = False
        kinds, weights = zip(*WEIGHTS)
        self.kinds, self.weights = list(kinds), list(weights)

    # ---- reporting ----

    def log(self, text):
        if self.logf:
            self.logf.write(text + "\n")
            self.logf.flush()

    def fail(self, what, off, length, why):
        raise Failure("fsxlite: FAIL op %d (seed %d): %s off=%d len=%d: %s" %
                      (self.opnum, self.seed, what, off, length, why))

    def who_wrote(self, pos):
        """The last operation that set byte pos (or made it a zero)."""
        for num, what, off, length, before in reversed(self.history):
            if what == "truncate":
                if before <= pos < off:
                    return "zero since op %d truncate %d -> %d" % (num, before, off)
            elif off <= pos < off + length:
                return "written by op %d %s off=%d len=%d" % (num, what, off, length)
            elif before <= pos < off:
                return "zero since op %d %s off=%d len=%d (the hole it left)" % (
                    num, what, off, length)
        if self.trimmed:
            return "not set by the last %d changes" % len(self.history)
        return "never written (zero expected)"

    # ---- checked calls ----

    def call(self, what, off, length, fn, *argv):
        try:
            return fn(*argv)
        except OSError as e:
            self.fail(what, off, length, ename(e))

    def check_size(self, what, off, length):
        st = self.call(what + " (fstat after)", off, length, os.fstat, self.fd)
        if st.st_size != len(self.model):
            self.fail(what, off, length, "fstat says st_size %d, the model %d" %
                      (st.st_size, len(self.model)))

    def compare(self, what, off, length, got, want):
        if got == want:
            return
        n = min(len(got), len(want))
        i = 0
        # find the first difference without a byte-by-byte loop over MiBs
        step = 4096
        while i < n and got[i:i + step] == want[i:i + step]:
            i += step
        while i < n and got[i] == want[i]:
            i += 1
        if i < n:
            self.fail(what, off, length,
                      "data differs at file offset %d (byte %d of %d read): got 0x%02x, "
                      "want 0x%02x; model size %d; that byte: %s" %
                      (off + i, i, len(got), got[i], want[i], len(self.model),
                       self.who_wrote(off + i)))
        if len(got) < len(want):
            self.fail(what, off, length, "short read: %d bytes, want %d (model size %d)" %
                      (len(got), len(want), len(self.model)))
        self.fail(what, off, length, "read %d bytes, want %d: the file is longer than "
                  "the model (%d bytes)" % (len(got), len(want), len(self.model)))

    def write_all(self, what, off, data, pos=None):
        """One write of data at off (pwrite), or at the current position."""
        if pos is None:
            n = self.call(what, off, len(data), os.pwrite, self.fd, data, off)
        else:
            n = self.call(what, off, len(data), os.write, self.fd, data)
        if n != len(data):
            self.fail(what, off, len(data), "short write: %d of %d bytes" % (n, len(data)))

    def set_model(self, off, data):
        end = off + len(data)
        if end > len(self.model):
            self.model.extend(bytes(end - len(self.model)))
        self.model[off:end] = data

    # ---- open and close ----

    def open_rw(self, what, trunc=False):
        flags = os.O_RDWR | (os.O_CREAT | os.O_TRUNC if trunc else 0)
        self.fd = self.call(what, 0, 0, os.open, self.path, flags, 0o644)

    def close(self, what):
        fd, self.fd = self.fd, -1
        self.call(what, 0, 0, os.close, fd)

    # ---- operations ----

    def op_write(self, hole=False):
        a, size = self.a, len(self.model)
        if hole:
            if size >= a.maxlen - 1:
                return self.op_truncate()
            off = self.rng.randrange(size + 1, a.maxlen)
        else:
            off = self.rng.randrange(0, size + 1)
            if off >= a.maxlen:
                return self.op_truncate()
        length = self.rng.randint(1, a.maxop)
        length = min(length, a.maxlen - off)
        what = "hole" if hole else "write"
        data = self.rng.randbytes(length)
        self.note(what, off, length)
        self.write_all(what, off, data)
        before = len(self.model)
        self.set_model(off, data)
        self.changed(what, off, length, before)
        self.check_size(what, off, length)

    def op_append(self):
        a, size = self.a, len(self.model)
        if size >= a.maxlen:
            return self.op_truncate()
        length = min(self.rng.randint(1, a.maxop), a.maxlen - size)
        data = self.rng.randbytes(length)
        self.note("append", size, length)
        pos = self.call("append (lseek SEEK_END)", size, length, os.lseek, self.fd, 0, os.SEEK_END)
        if pos != size:
            self.fail("append", size, length, "lseek(SEEK_END) returned %d, the model's size is %d" %
                      (pos, size))
        self.write_all("append", size, data, pos=True)
        self.set_model(size, data)
        self.changed("append", size, length, size)
        self.check_size("append", size, length)

    def op_truncate(self):
        a, size = self.a, len(self.model)
        r = self.rng.random()
        if r < 0.1:
            new = 0
        elif (r < 0.55 and size > 0) or size >= a.maxlen:
            new = self.rng.randrange(0, size)            # down
        else:
            new = self.rng.randint(size, a.maxlen)       # up (or the same)
        self.note("truncate", new, 0)
        self.call("truncate", new, 0, os.ftruncate, self.fd, new)
        if new < size:
            del self.model[new:]
        else:
            self.model.extend(bytes(new - size))
        self.changed("truncate", new, 0, size)
        self.check_size("truncate", new, 0)

    def op_read(self):
        a, size = self.a, len(self.model)
        r = self.rng.random()
        if r < 0.08:
            off = size + self.rng.randint(0, a.maxop)    # at or past the end
        elif r < 0.2 and size > 0:
            off = max(0, size - self.rng.randint(1, a.maxop))    # across the end
        else:
            off = self.rng.randrange(0, size + 1)
        length = self.rng.randint(1, a.maxop)
        self.note("read", off, length)
        got = self.call("read", off, length, os.pread, self.fd, length, off)
        self.compare("read", off, length, got, bytes(self.model[off:off + length]))

    def note(self, what, off, length):
        self.log("%d %s off=%d len=%d size=%d" % (self.opnum, what, off, length, len(self.model)))

    def changed(self, what, off, length, before):
        self.history.append((self.opnum, what, off, length, before))
        if len(self.history) > 20000:
            del self.history[:10000]
            self.trimmed = True

    # ---- the run ----

    def run(self):
        a = self.a
        if a.log:
            self.logf = open(a.log, "w")
            self.log("fsxlite %s seed %d ops %d reopen %d maxlen %d maxop %d" %
                     (self.path, self.seed, a.ops, a.reopen, a.maxlen, a.maxop))
        self.opnum = 0
        self.note("open O_CREAT|O_TRUNC", 0, 0)
        self.open_rw("open O_CREAT|O_TRUNC", trunc=True)
        self.check_size("open O_CREAT|O_TRUNC", 0, 0)
        for i in range(1, a.ops + 1):
            self.opnum = i
            kind = self.rng.choices(self.kinds, self.weights)[0]
            if kind == "write":
                self.op_write()
            elif kind == "hole":
                self.op_write(hole=True)
            elif kind == "append":
                self.op_append()
            elif kind == "truncate":
                self.op_truncate()
            else:
                self.op_read()
            if a.reopen and i % a.reopen == 0 and i < a.ops:
                self.note("close+reopen", 0, len(self.model))
                self.close("close (before reopen)")
                self.open_rw("reopen O_RDWR")
                self.check_size("reopen O_RDWR", 0, 0)
        # The end: close, open read-only, read it all.
        self.opnum = a.ops + 1
        self.note("final close", 0, len(self.model))
        self.close("final close")
        self.note("final check", 0, len(self.model))
        fd = self.call("final open O_RDONLY", 0, 0, os.open, self.path, os.O_RDONLY)
        self.fd = fd
        self.check_size("final open O_RDONLY", 0, len(self.model))
        chunks, pos = [], 0
        for _ in range(len(self.model) // MiB + 3):
            b = self.call("final read", pos, MiB, os.pread, fd, MiB, pos)
            if not b:
                break
            chunks.append(b)
            pos += len(b)
        got = b"".join(chunks)
        self.compare("final read", 0, len(self.model), got, bytes(self.model))
        self.close("final close O_RDONLY")
        if a.model:
            with open(a.model, "wb") as f:
                f.write(bytes(self.model))
        msg = "fsxlite: %d ops OK, seed %d" % (a.ops, self.seed)
        self.log(msg)
        return msg


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="fsxlite.py",
        description="fsx-style random reads, writes and truncates on one file, "
                    "checked against a model (the file is created or truncated first)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--ops", type=int, default=500, help="operations (default 500)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: picked, printed)")
    p.add_argument("--reopen", type=int, default=20,
                   help="close and reopen every K operations (default 20, 0 = never)")
    p.add_argument("--maxlen", type=size_arg, default=4 * MiB,
                   help="largest file size (default 4MiB)")
    p.add_argument("--maxop", type=size_arg, default=256 * KiB,
                   help="largest write or read (default 256KiB)")
    p.add_argument("--log", metavar="LOGFILE", help="one line per operation, written before it runs")
    p.add_argument("--model", metavar="FILE",
                   help="at the end, write what the file must hold to FILE (to compare "
                        "with the server's copy)")
    a = p.parse_args(argv)
    if a.ops < 0:
        p.error("--ops must be 0 or more")
    if a.reopen < 0:
        p.error("--reopen must be 0 or more")
    if a.maxlen < 2:
        p.error("--maxlen must be at least 2")
    if not 1 <= a.maxop <= 64 * MiB:
        p.error("--maxop must be 1..64MiB")
    if a.seed is None:
        a.seed = (int(time.time() * 1000) ^ os.getpid()) % 1000000007
    return a


def main(argv):
    a = parse_args(argv)
    fsx = Fsx(a)
    try:
        msg = fsx.run()
    except Failure as e:
        fsx.log(str(e))
        print(str(e), flush=True)
        if fsx.fd >= 0:
            try:
                os.close(fsx.fd)
            except OSError:
                pass
        return 1
    print(msg, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
