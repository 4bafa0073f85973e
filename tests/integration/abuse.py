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
"""

import argparse
import select
import socket
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8461)
    ap.add_argument("--unix", default="")
    ap.add_argument("mode", choices=["pipeline", "slowread"])
    ap.add_argument("--key", default="example.test")
    ap.add_argument("--secs", type=float, default=10)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--rcvbuf", type=int, default=4096)
    ap.add_argument("--chunk", type=int, default=1024)
    ap.add_argument("--every", type=float, default=1)
    ap.add_argument("--max", type=float, default=30)
    a = ap.parse_args()
    {"pipeline": pipeline, "slowread": slowread}[a.mode](a)


if __name__ == "__main__":
    main()
