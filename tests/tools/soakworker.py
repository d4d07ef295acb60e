#!/usr/bin/env python3
"""soakworker.py - the workers and the final report of scripts/soak.

    soakworker.py run --mount MNT --model MODEL --name w0 --seed S
                      --deadline EPOCH --journal FILE [--stop-file FILE]
    soakworker.py report --work WORK --data SERVER_DATA

run: one worker. It owns MNT/NAME (it creates it) and does random
operations in it until the deadline (or until the stop file exists):
create, rewrite (O_TRUNC), write at offsets (open r+, at times beyond the
end, at times reading back before close), append, truncate (by path, by
descriptor, by O_TRUNC), rename of files (to new names and over existing
files, across folders), rename of folders, unlink, mkdir, rmdir (of empty
folders), full and partial reads, listings. Each operation that succeeds
is mirrored in MODEL/NAME, a plain folder on local disk: the model is what
the server must hold. An operation that fails (any OSError, at any step,
close included) leaves the model as it was: ftpsfs promises that a failed
operation leaves the server as it was. Reads, stats and listings are
compared with the model; a difference is a read-back mismatch.

Every operation is journaled in FILE (JSON lines): a "begin" record before
it starts and a record with its outcome after it ends, with the errno and
the step that failed, the SHA-256 (first 24 hex digits) of the content the
model holds after it ("sha"), or for a failed content change the content it
would have produced ("sha_if"), so the report can say which version of a
file the server ended with.

report: compares WORK/model with SERVER_DATA byte for byte (SHA-256 of
every file, the set of files and folders), ignores temporary upload files
(".NAME.ftpsfs-XXXXXX") but lists them as leftovers, and prints the
operations (per kind), the failed ones (per errno), the faults injected
(WORK/faults.log, WORK/proxy.stats), the read-back mismatches, the
differences (the first 20, each with the operations that touched the path,
failed ones first, and which version of the file the server has), the
leftovers, and what the daemon logged. Exit status 0 only when there was no
difference, no read-back mismatch, no worker that hung or crashed, and the
daemon exited 0; 1 otherwise.

Python 3 standard library only.
"""
import argparse
import collections
import errno
import hashlib
import json
import os
import random
import re
import stat
import sys
import time

KiB = 1024
MiB = 1024 * KiB
SHA_LEN = 24
TEMP_RE = re.compile(r"^\..+\.ftpsfs-[A-Za-z0-9]{6}$")

MAX_FILES = 30          # per worker
MAX_DIRS = 8            # per worker, its root included
MAX_DEPTH = 3           # folders below the worker's root
MAX_FILE = 3 * MiB      # writes, appends and truncates stay below
BYTES_BUDGET = 24 * MiB  # per worker; above it unlink is likelier
CHUNK = 128 * KiB       # sequential writes, as cp does
STRUCTURE = ("rename-dir", "mkdir", "rmdir")
CHANGES = ("create", "rewrite", "write", "append", "truncate", "rename", "rename-over",
           "rename-dir", "unlink", "mkdir", "rmdir")


def ename(e):
    n = e.errno if isinstance(e, OSError) else e
    if n is None:
        return "E?"
    return errno.errorcode.get(n, "E%d" % n)


def sha(data):
    return hashlib.sha256(data).hexdigest()[:SHA_LEN]


class OpFailed(Exception):
    """An operation failed at step `stage` with errno name `err`."""

    def __init__(self, stage, err, detail=""):
        super().__init__(stage, err)
        self.stage = stage
        self.err = err if isinstance(err, str) else ename(err)
        self.detail = detail or (os.strerror(err.errno) if isinstance(err, OSError) and err.errno
                                 else "")
        self.close = None       # after a failure: what close() said


class MountGone(Exception):
    pass


# ===========================================================================
# The worker


class Worker:
    def __init__(self, a):
        self.name = a.name
        self.mnt = a.mount
        self.model = a.model
        self.rng = random.Random(a.seed)
        self.seed = a.seed
        self.deadline = a.deadline
        self.stop_file = a.stop_file
        self.files = {}                 # "w0/d1/f2" -> size (the model's)
        self.dirs = {self.name}         # "w0", "w0/d1"...
        self.counter = 0
        self.seq = 0
        self.j = open(a.journal, "a", buffering=1)
        self.nfail_row = 0
        self.save_dir = a.save_dir
        self.saved = 0

    # ---- paths and the model ----

    def mp(self, rel):
        return os.path.join(self.mnt, rel)

    def lp(self, rel):
        return os.path.join(self.model, rel)

    def model_bytes(self, rel):
        with open(self.lp(rel), "rb") as f:
            return f.read()

    def model_put(self, rel, data):
        with open(self.lp(rel), "wb") as f:
            f.write(data)
        self.files[rel] = len(data)

    def depth(self, d):
        return d.count("/")

    def children(self, d):
        pre = d + "/"
        names = set()
        for p in list(self.files) + list(self.dirs):
            if p.startswith(pre) and "/" not in p[len(pre):]:
                names.add(p[len(pre):])
        return names

    def empty_dirs(self):
        return [d for d in self.dirs if d != self.name and not self.children(d)]

    def new_name(self, kind, parent):
        for _ in range(100):
            self.counter += 1
            n = "%s%d" % (kind, self.counter)
            if self.rng.random() < 0.1:
                n += self.rng.choice((" copy", " old", "-new", "_2"))
            if n not in self.children(parent):
                return "%s/%s" % (parent, n)
        raise RuntimeError("no free name")

    def pick_size(self):
        r = self.rng.random()
        if r < 0.08:
            return 0
        if r < 0.55:
            return self.rng.randint(1, 4 * KiB)
        if r < 0.80:
            return self.rng.randint(4 * KiB, 64 * KiB)
        if r < 0.93:
            return self.rng.randint(64 * KiB, 512 * KiB)
        return self.rng.randint(512 * KiB, 2 * MiB)

    def pick_len(self):
        r = self.rng.random()
        if r < 0.6:
            return self.rng.randint(1, 4 * KiB)
        if r < 0.9:
            return self.rng.randint(4 * KiB, 64 * KiB)
        return self.rng.randint(64 * KiB, 512 * KiB)

    # ---- the journal ----

    def jw(self, rec):
        self.j.write(json.dumps(rec, separators=(",", ":")) + "\n")

    # ---- steps on the mount (each raises OpFailed) ----

    def step(self, stage, fn, *argv):
        try:
            return fn(*argv)
        except OSError as e:
            if e.errno == errno.ENOTCONN:
                raise MountGone(str(e))
            raise OpFailed(stage, e)

    def with_fd(self, rel, flags, body):
        """open, body(fd), close: a failure anywhere fails the operation;
        close runs whatever happened, and what it said is kept."""
        fd = self.step("open", os.open, self.mp(rel), flags, 0o644)
        err = None
        try:
            body(fd)
        except OpFailed as e:
            err = e
        try:
            os.close(fd)
            if err is not None:
                err.close = "ok"
        except OSError as e:
            if e.errno == errno.ENOTCONN:
                raise MountGone(str(e))
            if err is None:
                err = OpFailed("close", e)
            else:
                err.close = ename(e)
        if err is not None:
            raise err

    def write_seq(self, fd, data, prog):
        """Write data from offset 0 in CHUNK pieces; prog["n"]: bytes done."""
        pos = 0
        while pos < len(data):
            piece = data[pos:pos + CHUNK]
            n = self.step("write@%d" % pos, os.write, fd, piece)
            if n != len(piece):
                raise OpFailed("write@%d" % pos, "SHORT", "short write: %d of %d" % (n, len(piece)))
            pos += n
            prog["n"] = pos

    def pwrite(self, fd, data, off):
        n = self.step("pwrite@%d" % off, os.pwrite, fd, data, off)
        if n != len(data):
            raise OpFailed("pwrite@%d" % off, "SHORT", "short write: %d of %d" % (n, len(data)))

    # ---- the frame of every operation ----

    def run_op(self, kind, paths, body, rec_extra=None):
        """Journal a begin record, run body(rec), journal the outcome.
        body applies the model itself once the mount's part succeeded."""
        self.seq += 1
        rec = {"i": self.seq, "w": self.name, "op": kind, "paths": paths, "t0": round(time.time(), 3)}
        if rec_extra:
            rec.update(rec_extra)
        self.jw({"begin": 1, "i": self.seq, "w": self.name, "op": kind, "paths": paths,
                 "t0": rec["t0"]})
        try:
            body(rec)
            rec["ok"] = True
            self.nfail_row = 0
        except OpFailed as f:
            rec["ok"] = False
            rec["stage"] = f.stage
            rec["errno"] = f.err
            if f.detail:
                rec["detail"] = f.detail
            if f.close is not None:
                rec["close"] = f.close
            self.nfail_row += 1
        rec["t1"] = round(time.time(), 3)
        self.jw(rec)
        return rec["ok"]

    def mismatch(self, rec, kind, path, **kw):
        m = {"kind": kind, "path": path}
        m.update(kw)
        rec.setdefault("mismatch", []).append(m)

    def compare(self, rec, what, path, off, got, want):
        if got == want:
            return True
        n = min(len(got), len(want))
        i = 0
        while i < n and got[i:i + 4096] == want[i:i + 4096]:
            i += 4096
        while i < n and got[i] == want[i]:
            i += 1
        extra = {}
        if self.save_dir and self.saved < 10:
            # what was read and what the model says, for a person to look at
            self.saved += 1
            base = os.path.join(self.save_dir, "%s-%d-%d" % (self.name, self.seq, self.saved))
            try:
                os.makedirs(self.save_dir, exist_ok=True)
                with open(base + ".got", "wb") as f:
                    f.write(got)
                with open(base + ".want", "wb") as f:
                    f.write(want)
                extra["saved"] = base
            except OSError:
                pass
        self.mismatch(rec, what, path, off=off, got_len=len(got), want_len=len(want),
                      first_diff=off + i, got_sha=sha(got), want_sha=sha(want),
                      model_size=self.files.get(path), **extra)
        return False

    # ---- operations ----

    def op_create(self):
        parent = self.rng.choice(sorted(self.dirs))
        rel = self.new_name("f", parent)
        data = self.rng.randbytes(self.pick_size())
        prog = {"n": 0}

        def body(rec):
            self.with_fd(rel, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                         lambda fd: self.write_seq(fd, data, prog))
            self.model_put(rel, data)
            rec["sha"] = sha(data)

        self.run_op("create", [rel], self.failing_content(body, data, lambda: data[:prog["n"]]),
                    {"size": len(data)})

    def failing_content(self, body, new, partial=None):
        """Wrap body so that a failure records the content it would have
        made ("sha_if") and, when a step failed but close() said 0, the
        content the steps that succeeded made ("sha_partial"): POSIX lets
        those stick, ftpsfs's promise says they should not."""
        def wrapped(rec):
            try:
                body(rec)
            except OpFailed as f:
                rec["sha_if"] = sha(new)
                if partial is not None and f.close == "ok":
                    rec["sha_partial"] = sha(partial())
                raise
        return wrapped

    def op_rewrite(self):
        rel = self.rng.choice(sorted(self.files))
        old = self.model_bytes(rel)
        data = self.rng.randbytes(self.pick_size())
        prog = {"n": 0}

        def body(rec):
            rec["sha_before"] = sha(old)
            self.with_fd(rel, os.O_WRONLY | os.O_TRUNC, lambda fd: self.write_seq(fd, data, prog))
            self.model_put(rel, data)
            rec["sha"] = sha(data)

        self.run_op("rewrite", [rel], self.failing_content(body, data, lambda: data[:prog["n"]]),
                    {"size": len(data)})

    def op_write(self):
        rel = self.rng.choice(sorted(self.files))
        old = self.model_bytes(rel)
        buf = bytearray(old)
        writes = []
        for _ in range(self.rng.randint(1, 3)):
            if self.rng.random() < 0.15:
                off = len(buf) + self.rng.randint(1, 256 * KiB)      # a hole
            else:
                off = self.rng.randint(0, len(buf))
            n = min(self.pick_len(), MAX_FILE - off)
            if n <= 0:
                continue
            data = self.rng.randbytes(n)
            if off > len(buf):
                buf.extend(bytes(off - len(buf)))
            buf[off:off + n] = data
            writes.append((off, data))
        new = bytes(buf)
        readback = None
        if writes and self.rng.random() < 0.3:
            readback = (self.rng.randint(0, max(0, len(new) - 1)), self.rng.randint(1, 128 * KiB))

        prog = {"n": 0}

        def partial():
            b = bytearray(old)
            for off, data in writes[:prog["n"]]:
                if off > len(b):
                    b.extend(bytes(off - len(b)))
                b[off:off + len(data)] = data
            return bytes(b)

        def fdbody(fd, rec):
            for off, data in writes:
                self.pwrite(fd, data, off)
                prog["n"] += 1
            if readback:
                off, n = readback
                got = self.step("pread@%d" % off, os.pread, fd, n, off)
                self.compare(rec, "read-before-close", rel, off, got, new[off:off + n])

        def body(rec):
            rec["sha_before"] = sha(old)
            self.with_fd(rel, os.O_RDWR, lambda fd: fdbody(fd, rec))
            self.model_put(rel, new)
            rec["sha"] = sha(new)

        self.run_op("write", [rel], self.failing_content(body, new, partial),
                    {"writes": [[w[0], len(w[1])] for w in writes], "readback": readback,
                     "old_size": len(old)})

    def op_append(self):
        rel = self.rng.choice(sorted(self.files))
        old = self.model_bytes(rel)
        pieces = [self.rng.randbytes(max(1, min(self.pick_len(), MAX_FILE - len(old))))
                  for _ in range(self.rng.randint(1, 2))]
        new = old + b"".join(pieces)

        prog = {"n": 0}

        def fdbody(fd):
            for p in pieces:
                n = self.step("append-write", os.write, fd, p)
                if n != len(p):
                    raise OpFailed("append-write", "SHORT", "short write: %d of %d" % (n, len(p)))
                prog["n"] += 1

        def body(rec):
            rec["sha_before"] = sha(old)
            self.with_fd(rel, os.O_WRONLY | os.O_APPEND, fdbody)
            self.model_put(rel, new)
            rec["sha"] = sha(new)

        self.run_op("append", [rel], self.failing_content(
            body, new, lambda: old + b"".join(pieces[:prog["n"]])),
                    {"len": sum(len(p) for p in pieces), "old_size": len(old)})

    def op_truncate(self):
        rel = self.rng.choice(sorted(self.files))
        old = self.model_bytes(rel)
        r = self.rng.random()
        if r < 0.15 or not old and r < 0.3:
            size = 0
        elif r < 0.6 and old:
            size = self.rng.randrange(0, len(old))
        else:
            size = min(MAX_FILE, len(old) + self.rng.randint(1, 512 * KiB))
        new = old[:size] + bytes(max(0, size - len(old)))
        how = self.rng.choice(("path", "fd", "otrunc") if size == 0 else ("path", "fd"))

        def body(rec):
            rec["sha_before"] = sha(old)
            if how == "path":
                self.step("truncate", os.truncate, self.mp(rel), size)
            elif how == "fd":
                self.with_fd(rel, os.O_RDWR,
                             lambda fd: self.step("ftruncate", os.ftruncate, fd, size))
            else:
                self.with_fd(rel, os.O_WRONLY | os.O_TRUNC, lambda fd: None)
            self.model_put(rel, new)
            rec["sha"] = sha(new)

        self.run_op("truncate", [rel], self.failing_content(body, new, lambda: old),
                    {"size": size, "old_size": len(old), "how": how})

    def op_rename(self):
        src = self.rng.choice(sorted(self.files))
        others = [f for f in self.files if f != src]
        if others and self.rng.random() < 0.4:
            dst = self.rng.choice(sorted(others))
            kind = "rename-over"
        else:
            dst = self.new_name("f", self.rng.choice(sorted(self.dirs)))
            kind = "rename"
        content_sha = sha(self.model_bytes(src))
        dst_sha = sha(self.model_bytes(dst)) if dst in self.files else None

        def body(rec):
            self.step("rename", os.rename, self.mp(src), self.mp(dst))
            os.replace(self.lp(src), self.lp(dst))
            self.files[dst] = self.files.pop(src)
            rec["sha"] = content_sha

        self.run_op(kind, [src, dst], body, {"src_sha": content_sha, "dst_sha": dst_sha})

    def subtree_height(self, d):
        h = 0
        for p in list(self.dirs) + list(self.files):
            if p.startswith(d + "/"):
                h = max(h, p.count("/") - d.count("/"))
        return h

    def op_rename_dir(self):
        cands = sorted(d for d in self.dirs if d != self.name)
        if not cands:
            return self.op_mkdir()
        src = self.rng.choice(cands)
        h = self.subtree_height(src)
        parents = sorted(d for d in self.dirs
                         if d != src and not d.startswith(src + "/")
                         and self.depth(d) + 1 + h <= MAX_DEPTH + 1)
        if not parents:
            return self.op_mkdir()
        dst = self.new_name("d", self.rng.choice(parents))

        def body(rec):
            self.step("rename", os.rename, self.mp(src), self.mp(dst))
            os.rename(self.lp(src), self.lp(dst))
            pre = src + "/"

            def move(p):
                return dst + p[len(src):] if p == src or p.startswith(pre) else p
            self.dirs = {move(d) for d in self.dirs}
            self.files = {move(f): s for f, s in self.files.items()}

        self.run_op("rename-dir", [src, dst], body)

    def op_unlink(self):
        rel = self.rng.choice(sorted(self.files))
        content_sha = sha(self.model_bytes(rel))

        def body(rec):
            self.step("unlink", os.unlink, self.mp(rel))
            os.unlink(self.lp(rel))
            del self.files[rel]

        self.run_op("unlink", [rel], body, {"sha_before": content_sha})

    def op_mkdir(self):
        parents = sorted(d for d in self.dirs if self.depth(d) < MAX_DEPTH)
        rel = self.new_name("d", self.rng.choice(parents))

        def body(rec):
            self.step("mkdir", os.mkdir, self.mp(rel), 0o755)
            os.mkdir(self.lp(rel))
            self.dirs.add(rel)

        self.run_op("mkdir", [rel], body)

    def op_rmdir(self):
        empty = self.empty_dirs()
        if not empty:
            return self.op_mkdir()
        rel = self.rng.choice(sorted(empty))

        def body(rec):
            self.step("rmdir", os.rmdir, self.mp(rel))
            os.rmdir(self.lp(rel))
            self.dirs.discard(rel)

        self.run_op("rmdir", [rel], body)

    def op_read(self):
        rel = self.rng.choice(sorted(self.files))
        want = self.model_bytes(rel)

        def fdbody(fd, rec, out):
            pos = 0
            for _ in range(len(want) // (256 * KiB) + 64):
                b = self.step("read@%d" % pos, os.pread, fd, 256 * KiB, pos)
                if not b:
                    break
                out.append(b)
                pos += len(b)

        def body(rec):
            st = self.step("stat", os.stat, self.mp(rel))
            if not stat.S_ISREG(st.st_mode):
                self.mismatch(rec, "stat-type", rel, mode="0%o" % st.st_mode)
            elif st.st_size != len(want):
                self.mismatch(rec, "stat-size", rel, got_len=st.st_size, want_len=len(want))
            out = []
            self.with_fd(rel, os.O_RDONLY, lambda fd: fdbody(fd, rec, out))
            self.compare(rec, "read", rel, 0, b"".join(out), want)

        self.run_op("read", [rel], body)

    def op_read_part(self):
        rel = self.rng.choice(sorted(self.files))
        want = self.model_bytes(rel)
        reads = []
        for _ in range(self.rng.randint(1, 3)):
            r = self.rng.random()
            if r < 0.15:
                off = max(0, len(want) - self.rng.randint(0, 8 * KiB))   # across the end
            else:
                off = self.rng.randint(0, len(want))
            reads.append((off, self.rng.randint(1, 256 * KiB)))

        def fdbody(fd, rec):
            for off, n in reads:
                got = self.step("pread@%d" % off, os.pread, fd, n, off)
                self.compare(rec, "read-part", rel, off, got, want[off:off + n])

        def body(rec):
            self.with_fd(rel, os.O_RDONLY, lambda fd: fdbody(fd, rec))

        self.run_op("read-part", [rel], body, {"reads": reads})

    def op_list(self):
        d = self.rng.choice(sorted(self.dirs))
        want = self.children(d)

        def body(rec):
            got = set(self.step("listdir", os.listdir, self.mp(d)))
            # a temporary upload file left behind is a leftover (the
            # report lists those), not a mismatch with the model
            temps = sorted(n for n in got - want if TEMP_RE.match(n))
            if temps:
                rec["temps_seen"] = temps[:20]
                got -= set(temps)
            if got != want:
                self.mismatch(rec, "listing", d, missing=sorted(want - got)[:20],
                              extra=sorted(got - want)[:20])
            # and the type of each entry
            for n in sorted(got & want):
                p = d + "/" + n
                st = self.step("lstat", os.lstat, self.mp(p))
                is_dir = stat.S_ISDIR(st.st_mode)
                if is_dir != (p in self.dirs):
                    self.mismatch(rec, "stat-type", p, mode="0%o" % st.st_mode)
                elif not is_dir and st.st_size != self.files[p]:
                    self.mismatch(rec, "stat-size", p, got_len=st.st_size, want_len=self.files[p])

        self.run_op("list", [d], body)

    # ---- the loop ----

    def setup(self):
        """The worker's own folder: created on the mount (tried again for
        a while: the run cannot start without it) and in the model."""
        os.makedirs(self.lp(self.name), exist_ok=True)
        for attempt in range(60):
            ok = self.run_op("mkdir", [self.name],
                             lambda rec: self.step("mkdir", os.mkdir, self.mp(self.name), 0o755),
                             {"setup": attempt + 1})
            if ok:
                return True
            try:
                if os.path.isdir(self.mp(self.name)):
                    # an earlier try made it although it failed: the report
                    # sees the failed mkdir; carry on with the folder
                    return True
            except OSError:
                pass
            time.sleep(1)
        return False

    def pick(self):
        nf = len(self.files)
        total = sum(self.files.values())
        full = nf >= MAX_FILES or total > BYTES_BUDGET
        w = {
            "create": 0 if full else 12,
            "rewrite": 4 if nf else 0,
            "write": 12 if nf else 0,
            "append": 7 if nf else 0,
            "truncate": 7 if nf else 0,
            "rename": 6 if nf else 0,
            "rename_dir": 2 if len(self.dirs) > 1 else 0,
            "unlink": (14 if full else 4) if nf else 0,
            "mkdir": 3 if len(self.dirs) < MAX_DIRS else 0,
            "rmdir": 3 if self.empty_dirs() else 0,
            "read": 12 if nf else 0,
            "read_part": 8 if nf else 0,
            "list": 4,
        }
        kinds = [k for k in w if w[k]]
        return self.rng.choices(kinds, [w[k] for k in kinds])[0]

    def run(self):
        if not self.setup():
            print("soakworker %s: could not create %s" % (self.name, self.mp(self.name)),
                  file=sys.stderr)
            return 3
        n = 0
        try:
            while time.time() < self.deadline:
                if self.stop_file and os.path.exists(self.stop_file):
                    break
                getattr(self, "op_" + self.pick())()
                n += 1
                if self.nfail_row:
                    # do not race through an outage
                    time.sleep(min(2.0, 0.1 * self.nfail_row))
        except MountGone as e:
            self.jw({"mount_gone": str(e), "t": round(time.time(), 3), "w": self.name})
            print("soakworker %s: the mount is gone: %s" % (self.name, e), file=sys.stderr)
            return 4
        self.jw({"done": n, "t": round(time.time(), 3), "w": self.name})
        return 0


# ===========================================================================
# The report


def read_info(path):
    info = {}
    try:
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    info[k] = v
    except OSError:
        pass
    return info


def scan_tree(root):
    """{rel: ("d",)} and {rel: (size, full sha256)}, leftovers [rel], others [rel]."""
    dirs, files, temps, odd = set(), {}, [], []
    if not os.path.isdir(root):
        return dirs, files, temps, odd
    for dp, dns, fns in os.walk(root):
        rd = os.path.relpath(dp, root)
        rd = "" if rd == "." else rd
        for d in dns:
            p = os.path.join(rd, d)
            if os.path.islink(os.path.join(dp, d)):
                odd.append(p)
            else:
                dirs.add(p)
        for fn in fns:
            p = os.path.join(rd, fn)
            full = os.path.join(dp, fn)
            if TEMP_RE.match(fn):
                temps.append((p, os.lstat(full).st_size))
                continue
            st = os.lstat(full)
            if not stat.S_ISREG(st.st_mode):
                odd.append(p)
                continue
            h = hashlib.sha256()
            with open(full, "rb") as f:
                while True:
                    b = f.read(MiB)
                    if not b:
                        break
                    h.update(b)
            files[p] = (st.st_size, h.hexdigest())
    return dirs, files, temps, odd


def first_diff(a, b):
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            x, y = fa.read(), fb.read()
    except OSError:
        return None
    n = min(len(x), len(y))
    i = 0
    while i < n and x[i:i + 4096] == y[i:i + 4096]:
        i += 4096
    while i < n and x[i] == y[i]:
        i += 1
    return i


class Report:
    def __init__(self, a):
        self.a = a
        self.work = a.work
        self.info = read_info(os.path.join(self.work, "run.info"))
        self.t0 = float(self.info.get("start", "0") or 0)
        self.out = []
        self.fail_reasons = []

    def p(self, s=""):
        self.out.append(s)

    def rt(self, t):
        return "t+%.1fs" % (t - self.t0) if self.t0 else "%.1f" % t

    # ---- inputs ----

    def load_journals(self):
        self.ops, self.begins, self.ends_of = [], {}, {}
        self.mount_gone, self.done = {}, {}
        jdir = self.work
        for fn in sorted(os.listdir(jdir)):
            if not (fn.startswith("journal.") and fn.endswith(".jsonl")):
                continue
            with open(os.path.join(jdir, fn)) as f:
                for line in f:
                    try:
                        r = json.loads(line)
                    except ValueError:
                        continue        # a line cut by a kill
                    if "begin" in r:
                        self.begins[(r["w"], r["i"])] = r
                    elif "mount_gone" in r:
                        self.mount_gone[r["w"]] = r
                    elif "done" in r:
                        self.done[r["w"]] = r
                    elif "op" in r:
                        self.ops.append(r)
        self.ops.sort(key=lambda r: r["t0"])
        self.renames = [r for r in self.ops if r.get("ok") and r["op"] in
                        ("rename", "rename-over", "rename-dir")]
        self.daemon_log = []
        try:
            with open(os.path.join(self.work, "ftpsfs.log"), errors="replace") as f:
                for line in f:
                    if re.search(r"\b(warning|error):", line):
                        self.daemon_log.append(line)
        except OSError:
            pass
        ended = {(r["w"], r["i"]) for r in self.ops}
        self.inflight = [b for k, b in sorted(self.begins.items()) if k not in ended]
        # by path: every op whose paths touch it
        self.by_path = collections.defaultdict(list)
        for r in self.ops + self.inflight:
            for q in r["paths"]:
                self.by_path[q].append(r)
        # content versions: sha -> [(op, path, how)]
        self.versions = collections.defaultdict(list)
        for r in self.ops:
            if r.get("ok") and r.get("sha"):
                self.versions[r["sha"]].append((r, r["paths"][-1], "ok"))
            if not r.get("ok") and r.get("sha_if"):
                self.versions[r["sha_if"]].append((r, r["paths"][-1], "failed"))
            if not r.get("ok") and r.get("sha_partial"):
                self.versions[r["sha_partial"]].append((r, r["paths"][-1], "partial"))
            if r.get("sha_before"):
                self.versions[r["sha_before"]].append((r, r["paths"][0], "before"))

    def load_faults(self):
        self.faults = []
        try:
            with open(os.path.join(self.work, "faults.log")) as f:
                for line in f:
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) >= 3:
                        try:
                            self.faults.append((float(parts[0]), parts[1], parts[2],
                                                parts[3] if len(parts) > 3 else ""))
                        except ValueError:
                            pass
        except OSError:
            pass

    def fault_before(self, t, window=30.0):
        best = None
        for ft, kind, args, reply in self.faults:
            if ft <= t + 0.5 and t - ft <= window:
                best = (ft, kind, args)
        if not best:
            return ""
        return "last fault: %s at %s" % (best[2] or best[1], self.rt(best[0]))

    # ---- formatting ----

    def opline(self, r):
        s = "%s #%d %s %s" % (r["w"], r["i"], r["op"], " -> ".join(r["paths"]))
        if "begin" in r:
            return s + " (in flight: no outcome)"
        extra = []
        for k in ("size", "old_size", "len", "how", "writes", "reads", "setup"):
            if k in r:
                extra.append("%s=%s" % (k, r[k]))
        if extra:
            s += " [" + " ".join(extra) + "]"
        if r.get("ok"):
            s += ": ok"
        else:
            s += ": FAILED %s at %s" % (r.get("errno"), r.get("stage"))
            if r.get("close"):
                s += " (then close: %s)" % r["close"]
        if r.get("mismatch"):
            s += " MISMATCH"
        return "%s %s" % (self.rt(r["t0"]), s)

    def lineage(self, path, at=None):
        """The names path had, following successful renames (of it or of a
        folder above it) back in time: [(name, t_from, t_to)], newest
        first. at: the time path was seen (default: the end)."""
        out = []
        cur, t_to = path, float("inf") if at is None else at
        for r in reversed(self.renames):
            if r["t0"] >= t_to:
                continue
            src, dst = r["paths"]
            if cur == dst or cur.startswith(dst + "/"):
                out.append((cur, r["t0"], t_to))
                cur, t_to = src + cur[len(dst):], r["t0"]
        out.append((cur, 0.0, t_to))
        # no further back than the path's creation (a create or mkdir of
        # that name, whatever its outcome): what was there before is not it
        for k, (name, t_from, t_to) in enumerate(out):
            made = [r for r in self.by_path.get(name, ())
                    if r["op"] in ("create", "mkdir") and r["paths"][0] == name
                    and t_from - 0.001 <= r["t0"] <= t_to + 0.001]
            if made:
                return out[:k] + [(name, min(r["t0"] for r in made) - 0.001, t_to)]
        return out

    def related(self, path, at=None):
        """Ops on path under every name it had (see lineage): on it, on a
        folder above it (those that move, make or remove folders), or
        below it (changes)."""
        seen, out = set(), []
        for name, t_from, t_to in self.lineage(path, at):
            for q, rs in self.by_path.items():
                if q == name:
                    keep = None
                elif name.startswith(q + "/"):
                    keep = STRUCTURE
                elif q.startswith(name + "/"):
                    keep = CHANGES
                else:
                    continue
                for r in rs:
                    # the rename that gave it its next name counts too
                    if not (t_from - 0.001 <= r["t0"] <= t_to + 0.001):
                        continue
                    if keep is None or r["op"] in keep:
                        k = (r["w"], r["i"], "begin" in r)
                        if k not in seen:
                            seen.add(k)
                            out.append(r)
        out.sort(key=lambda r: r["t0"])
        return out

    def names_of(self, path, at=None):
        return [n for n, _, _ in self.lineage(path, at)]

    def log_lines(self, path, at=None, limit=4):
        """Warning/error lines of the daemon's log that name path (under
        any of its names) or its temporary files."""
        names = set()
        for n in self.names_of(path, at):
            names.add("/" + n)
            d, b = os.path.split(n)
            names.add("/%s/.%s.ftpsfs-" % (d, b) if d else "/.%s.ftpsfs-" % b)
        out = []
        for line in self.daemon_log:
            for n in names:
                i = line.find(n)
                if i >= 0:
                    after = line[i + len(n):i + len(n) + 1]
                    if n.endswith("-") or after in ("", ":", " ", ";", ","):
                        out.append(line.strip()[:220])
                        break
        if len(out) > limit:
            out = out[:limit // 2] + ["... %d more" % (len(out) - limit)] + out[-(limit - limit // 2):]
        return out

    def likely(self, kind, path, rel):
        """The failed operation that most likely made this difference."""
        failed = [r for r in rel if not r.get("ok")]
        names = set(self.names_of(path))

        def under(p):
            return any(p == n or n.startswith(p + "/") for n in names)
        for r in failed:
            op, ps = r["op"], r["paths"]
            if kind.startswith("missing") and (
                    (op == "unlink" and ps[0] in names) or
                    (op in ("rename", "rename-over") and ps[0] in names) or
                    (op == "rename-dir" and under(ps[0])) or
                    (op == "rmdir" and ps[0] in names)):
                return r, "the failed %s was carried out on the server" % op
            if kind.startswith("extra") and (
                    (op in ("create", "mkdir") and ps[0] in names) or
                    (op in ("rename", "rename-over") and ps[1] in names) or
                    (op == "rename-dir" and under(ps[1]))):
                if r.get("close") == "ok" and op == "create":
                    return r, ("its write() failed but open() and close() succeeded: the file "
                               "exists with what was written before the failure")
                return r, "the failed %s was carried out on the server" % op
        return None, None

    def version_of(self, content_sha, path):
        """Which journaled version of a file content_sha is, as a phrase:
        a version of path itself first, of any file else."""
        hits = self.versions.get(content_sha[:SHA_LEN], [])
        if not hits:
            return None
        same = [h for h in hits if h[1] == path or h[0]["paths"][0] == path]
        r, p, how = (same or hits)[-1]
        where = "" if p == path else " of %s" % p
        op = "%s #%d %s%s" % (r["w"], r["i"], r["op"], where)
        if how == "ok":
            return "the content after %s" % op
        if how == "before":
            return "the content before %s" % op
        if how == "failed":
            return ("the content the FAILED %s would have made (it reported %s at %s): "
                    "a failed operation that was applied" % (op, r.get("errno"), r.get("stage")))
        return ("the content that the steps of the failed %s made before its %s at %s "
                "(close() then returned 0: POSIX allows that result, ftpsfs's promise "
                "does not)" % (op, r.get("errno"), r.get("stage")))

    def explain(self, path, server_sha=None, server_size=None, indent="      ", kind=""):
        rel = self.related(path)
        failed = [r for r in rel if not r.get("ok")]
        lines = []
        names = self.names_of(path)
        if len(names) > 1:
            lines.append("%searlier names: %s" % (indent, " <- ".join(names[1:6]) +
                                                  (" ..." if len(names) > 6 else "")))
        if server_sha:
            v = self.version_of(server_sha, path)
            if server_size == 0:
                # many versions are empty: name one only when it is this file's
                lines.append("%sthe server's file is empty%s" % (
                    indent, "; " + v if v and " of " not in v.split(":")[0] else ""))
            elif v:
                lines.append("%sthe server's content is %s" % (indent, v))
            else:
                lines.append("%sthe server's content matches no version in the journal" % indent)
        r, why = self.likely(kind, path, rel)
        if r:
            lines.append("%slikely cause: %s #%d %s at %s: %s" % (indent, r["w"], r["i"], r["op"],
                                                               self.rt(r["t0"]), why))
        if failed:
            lines.append("%sfailed operations that touched it (%d):" % (indent, len(failed)))
            show = failed if len(failed) <= 6 else failed[:3] + [None] + failed[-3:]
            for r in show:
                if r is None:
                    lines.append("%s  ... %d more" % (indent, len(failed) - 6))
                    continue
                fb = self.fault_before(r["t0"])
                lines.append("%s  %s%s" % (indent, self.opline(r), ("; " + fb) if fb else ""))
        else:
            lines.append("%sno failed operation touched it" % indent)
        oks = [r for r in rel if r.get("ok")]
        if oks:
            lines.append("%slast successful operations on it:" % indent)
            for r in oks[-4:]:
                lines.append("%s  %s" % (indent, self.opline(r)))
        logs = self.log_lines(path)
        if logs:
            lines.append("%sthe daemon's log about it:" % indent)
            for l in logs:
                lines.append("%s  %s" % (indent, l))
        return lines, bool(failed)

    # ---- the sections ----

    def sec_ops(self):
        kinds = collections.Counter(r["op"] for r in self.ops)
        fails = collections.Counter(r["op"] for r in self.ops if not r.get("ok"))
        nfail = sum(fails.values())
        self.p("operations: %d (%d ok, %d failed)%s" % (
            len(self.ops), len(self.ops) - nfail, nfail,
            ", %d in flight when a worker ended" % len(self.inflight) if self.inflight else ""))
        self.p("  per kind: " + ", ".join(
            "%s %d%s" % (k, n, " (%d failed)" % fails[k] if fails[k] else "")
            for k, n in sorted(kinds.items())))
        per_errno = collections.Counter(r.get("errno") for r in self.ops if not r.get("ok"))
        if per_errno:
            self.p("failed operations per errno: " + ", ".join(
                "%s %d" % kv for kv in per_errno.most_common()))
            stages = collections.Counter("%s %s at %s" % (r["op"], r.get("errno"), r.get("stage", "?").split("@")[0])
                                         for r in self.ops if not r.get("ok"))
            self.p("  per operation and step: " + ", ".join("%s: %d" % kv for kv in stages.most_common(12)))
            odd = sum(n for e, n in per_errno.items()
                      if e in ("ENOENT", "EEXIST", "ENOTEMPTY", "ENOTDIR", "EISDIR"))
            if odd:
                self.p("  note: ENOENT/EEXIST/ENOTEMPTY/ENOTDIR/EISDIR (%d) are not network errors:"
                       " the mount disagreed with the model about what exists" % odd)
            amb = [r for r in self.ops if not r.get("ok") and r.get("close") == "ok"
                   and r["op"] in ("create", "rewrite", "write", "append", "truncate")]
            if amb:
                self.p("  note: %d failed changes had a step fail but close() succeed afterwards"
                       " (the model counts them as not done)" % len(amb))
            self.p("  failed operations (first 20 of %d):" % nfail)
            for r in [r for r in self.ops if not r.get("ok")][:20]:
                fb = self.fault_before(r["t0"])
                self.p("    %s%s%s" % (self.opline(r), ("; " + fb) if fb else "", self.why_notempty(r)))
        else:
            self.p("failed operations: none")
        for b in self.inflight:
            self.p("  in flight when its worker ended: %s" % self.opline(b))
            self.fail_reasons.append("an operation never returned (%s #%d %s)" % (b["w"], b["i"], b["op"]))

    def why_notempty(self, r):
        """For an rmdir that failed with ENOTEMPTY: what was in the folder."""
        if r["op"] != "rmdir" or r.get("errno") != "ENOTEMPTY":
            return ""
        inside = []
        for q in self.temps_seen_paths + self.server_extra:
            # the name it had when the rmdir ran
            at = [n for n, t_from, t_to in self.lineage(q) if t_from <= r["t0"] < t_to]
            if at and os.path.dirname(at[0]) == r["paths"][0]:
                inside.append(os.path.basename(at[0]))
        if inside:
            return " (it held %s, unknown to the model)" % ", ".join(sorted(set(inside))[:3])
        return ""

    def sec_faults(self):
        kinds = collections.Counter(k for _, k, _, _ in self.faults)
        failed = collections.Counter(k for _, k, _, rep in self.faults if not rep.startswith("ok"))
        self.p("faults injected: %d%s" % (len(self.faults), (": " + ", ".join(
            "%s %d%s" % (k, n, " (%d refused)" % failed[k] if failed[k] else "")
            for k, n in sorted(kinds.items()))) if self.faults else ""))
        try:
            with open(os.path.join(self.work, "proxy.stats")) as f:
                st = f.read().strip()
        except OSError:
            st = ""
        if st:
            kv = dict(w.split("=", 1) for w in st.split() if "=" in w)
            self.p("  proxy: %s cuts fired, %s connections reset, %s stalls, %s downs; "
                   "%s connections (%s control, %s data), %s could not reach the server" % (
                       kv.get("cuts", "?"), kv.get("resets", "?"), kv.get("stalls", "?"),
                       kv.get("downs", "?"), kv.get("conns", "?"), kv.get("ctrl", "?"),
                       kv.get("data", "?"), kv.get("connect_failed", "?")))
        bad = [f for f in self.faults if f[1] == "restart" and not f[3].startswith("ok")]
        for f in bad:
            self.fail_reasons.append("a server restart failed at %s: %s" % (self.rt(f[0]), f[3]))

    def sec_mismatches(self):
        ms = []
        for r in self.ops:
            for m in r.get("mismatch", []):
                ms.append((r, m))
        paths = {m["path"] for _, m in ms}
        # the same mismatch seen again and again is one finding
        groups = collections.OrderedDict()
        for r, m in ms:
            if m["kind"] == "listing":
                # one entry wrong in a listing, wherever renames took it
                ent = (m.get("extra") or []) + (m.get("missing") or [])
                key = ("listing", self.names_of(m["path"] + "/" + ent[0], r["t0"])[-1]
                       if ent else m["path"], str(m.get("missing")), str(m.get("extra")))
            else:
                key = (self.names_of(m["path"], r["t0"])[-1], m["kind"], m.get("got_sha"),
                       m.get("want_sha"), m.get("got_len"), m.get("want_len"))
            groups.setdefault(key, []).append((r, m))
        self.p("read-back mismatches: %d%s" % (len(ms), " (on %d paths, %d distinct)" % (
            len(paths), len(groups)) if ms else ""))
        for key, lst in list(groups.items())[:20]:
            r, m = lst[0]
            d = dict(m)
            d.pop("path")
            kind = d.pop("kind")
            again = ""
            if len(lst) > 1:
                again = " (seen %d times, last %s #%d at %s%s)" % (
                    len(lst), lst[-1][0]["w"], lst[-1][0]["i"], self.rt(lst[-1][0]["t0"]),
                    ", in %s" % lst[-1][1]["path"] if lst[-1][1]["path"] != m["path"] else "")
            self.p("  %s %s #%d %s %s: %s %s%s" % (self.rt(r["t0"]), r["w"], r["i"], r["op"],
                                                   m["path"], kind,
                                                   " ".join("%s=%s" % kv for kv in d.items()), again))
            if m.get("got_sha"):
                v = self.version_of(m["got_sha"], m["path"])
                if v:
                    self.p("      what was read is %s" % v)
            target = m["path"]
            if m["kind"] == "listing":
                entries = (m.get("extra") or []) + (m.get("missing") or [])
                if entries:
                    target = m["path"] + "/" + entries[0]
            names = self.names_of(target, r["t0"])
            if len(names) > 1:
                self.p("      %s had earlier names: %s" % (target, " <- ".join(names[1:5])))
            prev = [x for x in self.related(target, r["t0"])
                    if x["t0"] < r["t0"] and not x.get("ok")]
            if prev:
                x = prev[-1]
                self.p("      the last failed operation on %s, %.1f s before: %s" % (
                    target, r["t0"] - x.get("t1", x["t0"]), self.opline(x)))
            else:
                self.p("      no failed operation on %s before" % target)
            for l in self.log_lines(target, r["t0"], limit=3):
                self.p("      log: %s" % l)
        if ms:
            self.fail_reasons.append("%d read-back mismatches" % len(ms))

    def sec_compare(self):
        model_root = os.path.join(self.work, "model")
        mdirs, mfiles, mtemps, modd = scan_tree(model_root)
        sdirs, sfiles, stemps, sodd = scan_tree(self.a.data)
        self.p("end comparison: model %d files, %d folders; server %d files, %d folders" % (
            len(mfiles), len(mdirs), len(sfiles), len(sdirs)))
        diffs = []
        for d in sorted(mdirs - sdirs):
            diffs.append(("missing folder", d, None))
        for d in sorted(sdirs - mdirs):
            diffs.append(("extra folder", d, None))
        for f in sorted(set(mfiles) - set(sfiles)):
            kind = "missing file" + (" (a folder on the server)" if f in sdirs else "")
            diffs.append((kind, f, None))
        for f in sorted(set(sfiles) - set(mfiles)):
            kind = "extra file" + (" (a folder in the model)" if f in mdirs else "")
            diffs.append((kind, f, sfiles[f][1]))
        for f in sorted(set(mfiles) & set(sfiles)):
            if mfiles[f] != sfiles[f]:
                diffs.append(("different content", f, sfiles[f][1]))
        for p in sodd:
            diffs.append(("not a plain file or folder on the server", p, None))
        counts = collections.Counter(k.split(" (")[0] for k, _, _ in diffs)
        self.p("  differences: %d%s" % (len(diffs), (" (" + ", ".join(
            "%s %d" % kv for kv in sorted(counts.items())) + ")") if diffs else ""))
        touched = 0
        for kind, path, ssha in diffs:
            if any(not r.get("ok") for r in self.related(path)):
                touched += 1
        if diffs:
            self.p("  %d of them on paths a failed operation touched" % touched)
        for kind, path, ssha in diffs[:20]:
            line = "  %s: %s" % (kind.upper(), path)
            if kind == "different content":
                ms, mh = mfiles[path]
                ss, sh = sfiles[path]
                fd = first_diff(os.path.join(model_root, path), os.path.join(self.a.data, path))
                line += " (server %d bytes sha256 %s..., model %d bytes %s...; first difference at byte %s)" % (
                    ss, sh[:12], ms, mh[:12], fd)
            elif kind.startswith("missing file"):
                line += " (model %d bytes)" % mfiles[path][0]
            elif kind.startswith("extra file"):
                line += " (%d bytes)" % sfiles[path][0]
            self.p(line)
            lines, _ = self.explain(path, ssha, sfiles[path][0] if path in sfiles else None,
                                    kind=kind)
            for l in lines:
                self.p(l)
        if len(diffs) > 20:
            self.p("  ... %d more (the full list: diff -r %s %s)" % (len(diffs) - 20, model_root, self.a.data))
        if diffs:
            self.fail_reasons.append("%d differences between the model and the server" % len(diffs))
        self.p("leftovers (temporary upload files on the server): %d" % len(stemps))
        for p, size in stemps[:20]:
            self.p("  %s (%d bytes)" % (p, size))
        seen = collections.OrderedDict()
        for r in self.ops:
            for n in r.get("temps_seen", []):
                p = r["paths"][0] + "/" + n
                origin = self.names_of(p, r["t0"])[-1]
                seen.setdefault(origin, []).append((r, p))
        if seen:
            self.p("  temporary upload files that listings on the mount showed during the run: %d" % len(seen))
            for origin, rs in list(seen.items())[:20]:
                self.p("    %s (first %s, last %s as %s, %d listings)" % (
                    origin, self.rt(rs[0][0]["t0"]), self.rt(rs[-1][0]["t0"]), rs[-1][1], len(rs)))
        self.ndiffs = len(diffs)

    def sec_daemon(self):
        rc = self.info.get("daemon_rc", "?")
        self.p("daemon: %s" % self.info.get("daemon_end", "exit status %s" % rc))
        if rc != "0":
            self.fail_reasons.append("the daemon: %s" % self.info.get("daemon_end", "exit status %s" % rc))
        log = os.path.join(self.work, "ftpsfs.log")
        c = collections.Counter()
        n = 0
        try:
            with open(log, errors="replace") as f:
                for line in f:
                    if re.search(r"\b(warning|error):", line):
                        n += 1
                        # the shape of the message: numbers and paths folded
                        shape = re.sub(r"\d+", "N", line.strip())
                        shape = re.sub(r"/w\d+(/[^ :]*)?", "/PATH", shape)
                        c[shape[:160]] += 1
        except OSError:
            pass
        self.p("  log: %d warning/error lines%s" % (n, ":" if n else ""))
        for shape, k in c.most_common(10):
            self.p("    %5d  %s" % (k, shape))
        kept = [l for l in self.daemon_log if "could not be uploaded" in l and "kept in" in l]
        if kept:
            self.p("  changes the daemon could not upload and kept in the spool folder: %d" % len(kept))
            for l in kept[:20]:
                m = re.search(r"changes to (/\S.*?) could not be uploaded", l)
                note = ""
                if m:
                    path = m.group(1)[1:]
                    ops = [r for r in self.by_path.get(path, [])
                           if r["op"] in ("create", "rewrite", "write", "append", "truncate")]
                    if ops and all(r.get("ok") for r in ops):
                        note = (" -- no change of %s reported an error to the program "
                                "(%d changes, all ok)" % (path, len(ops)))
                    elif ops:
                        note = " -- failed changes of it: %s" % ", ".join(
                            "%s #%d %s %s" % (r["w"], r["i"], r["op"], r.get("errno"))
                            for r in ops if not r.get("ok"))
                self.p("    %s%s" % (l.strip()[:200], note))
        for w, r in sorted(self.mount_gone.items()):
            self.fail_reasons.append("worker %s: the mount went away (%s)" % (w, r["mount_gone"]))
        for k, v in sorted(self.info.items()):
            if k.startswith("worker_") and v != "0":
                self.p("worker %s: %s" % (k[7:], v))
                self.fail_reasons.append("worker %s: %s" % (k[7:], v))
        for k in ("umount", "note"):
            if self.info.get(k):
                self.p("%s: %s" % (k, self.info[k]))

    def run(self):
        i = self.info
        self.load_journals()
        self.load_faults()
        # what the server holds that the model does not, for why_notempty
        sdirs, sfiles, stemps, _ = scan_tree(self.a.data)
        mdirs, mfiles, _, _ = scan_tree(os.path.join(self.work, "model"))
        self.server_extra = [p for p, _ in stemps] + sorted(set(sfiles) - set(mfiles))
        self.temps_seen_paths = []
        for r in self.ops:
            for n in r.get("temps_seen", []):
                self.temps_seen_paths.append(r["paths"][0] + "/" + n)
        self.p("soak report: %s, %s min, %s workers, seed %s, mount options %s" % (
            i.get("server", "?"), i.get("minutes", "?"), i.get("workers", "?"),
            i.get("seed", "?"), i.get("mount_opts", "?")))
        self.sec_ops()
        self.sec_faults()
        self.sec_mismatches()
        self.sec_compare()
        self.sec_daemon()
        if self.fail_reasons:
            self.p("RESULT: FAIL: " + "; ".join(self.fail_reasons))
        else:
            self.p("RESULT: PASS: no differences, no read-back mismatches")
        text = "\n".join(self.out) + "\n"
        sys.stdout.write(text)
        with open(os.path.join(self.work, "report.txt"), "w") as f:
            f.write(text)
        return 1 if self.fail_reasons else 0


# ===========================================================================


def main(argv):
    p = argparse.ArgumentParser(prog="soakworker.py", description="scripts/soak's worker and report")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="one worker")
    r.add_argument("--mount", required=True)
    r.add_argument("--model", required=True)
    r.add_argument("--name", required=True)
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--deadline", type=float, required=True, help="epoch seconds")
    r.add_argument("--journal", required=True)
    r.add_argument("--stop-file")
    r.add_argument("--save-dir", help="where to keep what mismatched reads returned (10 at most)")
    q = sub.add_parser("report", help="compare and report")
    q.add_argument("--work", required=True)
    q.add_argument("--data", required=True, help="the server's data folder")
    a = p.parse_args(argv)
    if a.cmd == "run":
        if not re.match(r"^[A-Za-z0-9_-]+$", a.name):
            p.error("--name: letters, digits, - and _ only")
        return Worker(a).run()
    return Report(a).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
