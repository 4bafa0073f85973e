#!/usr/bin/python3
"""Hostile socketmap clients for t_abuse.sh.

    abuse.py [--addr A] [--port P | --unix PATH] MODE [options]

Modes (each prints one line of key=value results):

  pipeline --key K --secs S
      Pipeline requests for K as fast as the daemon takes them and never
      read, for S seconds; reconnect whenever the daemon hangs up.
      Prints "drops=N first_drop=T sent=BYTES" (T = -1 without a drop).
  slowread --key K --count N --rcvbuf B --chunk C --every E --max M
      Send N pipelined requests on a socket with a small receive buffer,
      then read C bytes every E seconds (each read lets the daemon's write
      progress), for at most M seconds.  Prints "closed=T read=BYTES"
      (T = -1 if still open after M seconds).
  steady --key K --every E --max M [--last KEY --last-at T]
      One connection: ask K, read the reply, sleep E, repeat until the
      daemon hangs up or M seconds pass.  With --last, the first request
      sent T seconds or more after the start asks KEY instead, and after
      its reply the client waits (5 s) for the daemon to hang up.  Prints
      "closed=T replies=N bad=N last=REPLY after=T" (replies: NOTFOUND
      answers; REPLY: the answer for KEY, spaces as "_"; after: from that
      reply to the hang-up, -1 if none).
  hold --count N --key K --secs S
      Open N connections, ask K on each and keep those answered.  Prints
      "served=N closed=N", then for S seconds "eof=I t=T" whenever the
      daemon closes connection I (0: the first one answered).
  latency --key K --count N
      Not an attack: ask K N times on one connection, as Postfix does, and
      print "p50_ms=T max_ms=T len=BYTES" (BYTES: the last reply's).
"""

import argparse
import select
import socket
import sys
import time


def connect(a, rcvbuf=0):
    if a.unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = a.unix
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = (a.addr, a.port)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(5)
    s.connect(addr)
    return s


def request(key):
    p = ("sts " + key).encode()
    return b"%d:%s," % (len(p), p)


def read_reply(s, deadline):
    """One netstring reply; None on EOF, reset or timeout."""
    data = b""
    while True:
        colon = data.find(b":")
        if colon > 0:
            n = int(data[:colon])
            if len(data) >= colon + n + 2:
                return data[colon + 1:colon + 1 + n]
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except (socket.timeout, OSError):
            return None
        if not chunk:
            return None
        data += chunk


def pipeline(a):
    batch = request(a.key) * 4096
    t0 = time.monotonic()
    end = t0 + a.secs
    drops, first, sent = 0, -1.0, 0
    while time.monotonic() < end:
        try:
            s = connect(a)
        except OSError:
            time.sleep(0.05)
            continue
        s.setblocking(False)
        dropped = False
        while time.monotonic() < end:
            _, w, _ = select.select([], [s], [], 0.2)
            if not w:
                continue
            try:
                sent += s.send(batch)
            except BlockingIOError:
                continue
            except OSError:
                dropped = True
                break
        s.close()
        if dropped:
            drops += 1
            if first < 0:
                first = time.monotonic() - t0
    print("drops=%d first_drop=%.1f sent=%d" % (drops, first, sent))


def slowread(a):
    s = connect(a, a.rcvbuf)
    s.sendall(request(a.key) * a.count)
    t0 = time.monotonic()
    got, closed = 0, -1.0
    while time.monotonic() - t0 < a.max:
        time.sleep(a.every)
        s.settimeout(0.05)
        try:
            chunk = s.recv(a.chunk)
        except socket.timeout:
            continue
        except OSError:
            closed = time.monotonic() - t0
            break
        if not chunk:
            closed = time.monotonic() - t0
            break
        got += len(chunk)
    print("closed=%.1f read=%d" % (closed, got))


def steady(a):
    s = connect(a)
    t0 = time.monotonic()
    replies, bad, closed, last, after = 0, 0, -1.0, "-", -1.0
    while time.monotonic() - t0 < a.max:
        final = a.last and time.monotonic() - t0 >= a.last_at
        try:
            s.sendall(request(a.last if final else a.key))
        except OSError:
            closed = time.monotonic() - t0
            break
        r = read_reply(s, time.monotonic() + 20)
        if r is None:
            closed = time.monotonic() - t0
            break
        if final:
            last = r.decode("latin-1").replace(" ", "_")
            # The reply is whole; now the daemon should hang up.
            t1 = time.monotonic()
            if read_reply(s, t1 + 5) is None:
                closed = time.monotonic() - t0
                after = time.monotonic() - t1
            break
        if r.startswith(b"NOTFOUND"):
            replies += 1
        else:
            bad += 1
        time.sleep(a.every)
    print("closed=%.1f replies=%d bad=%d last=%s after=%.1f" % (
        closed, replies, bad, last, after))


def hold(a):
    conns = []
    for _ in range(a.count):
        try:
            conns.append(connect(a))
        except OSError:
            pass
    served = []
    for s in conns:
        try:
            s.sendall(request(a.key))
        except OSError:
            continue
        if read_reply(s, time.monotonic() + 5) is not None:
            served.append(s)
    print("served=%d closed=%d" % (len(served), a.count - len(served)))
    sys.stdout.flush()
    t0 = time.monotonic()
    live = dict(enumerate(served))
    while live and time.monotonic() - t0 < a.secs:
        r, _, _ = select.select(list(live.values()), [], [], 0.2)
        for i in [i for i, s in live.items() if s in r]:
            try:
                gone = not live[i].recv(1)
            except OSError:
                gone = True
            if gone:
                print("eof=%d t=%.1f" % (i, time.monotonic() - t0))
                sys.stdout.flush()
                del live[i]


def latency(a):
    s = connect(a)
    ms, r = [], b""
    for _ in range(a.count):
        t = time.monotonic()
        s.sendall(request(a.key))
        r = read_reply(s, t + 10)
        if r is None:
            break
        ms.append((time.monotonic() - t) * 1000)
    ms.sort()
    print("p50_ms=%.1f max_ms=%.1f len=%d" % (
        ms[len(ms) // 2] if ms else -1, ms[-1] if ms else -1,
        len(r or b"")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8461)
    ap.add_argument("--unix", default="")
    ap.add_argument("mode", choices=["pipeline", "slowread", "steady",
                                     "hold", "latency"])
    ap.add_argument("--key", default="example.test")
    ap.add_argument("--last", default="")
    ap.add_argument("--last-at", type=float, default=0)
    ap.add_argument("--secs", type=float, default=10)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--rcvbuf", type=int, default=4096)
    ap.add_argument("--chunk", type=int, default=1024)
    ap.add_argument("--every", type=float, default=1)
    ap.add_argument("--max", type=float, default=30)
    a = ap.parse_args()
    {"pipeline": pipeline, "slowread": slowread, "steady": steady,
     "hold": hold, "latency": latency}[a.mode](a)


if __name__ == "__main__":
    main()
