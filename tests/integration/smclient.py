#!/usr/bin/python3
"""Raw socketmap client for the integration tests.

    smclient.py [--addr A] [--port P] [--timeout S] [--pause MS] [--split]
                CHUNK [CHUNK ...]

Connects, sends each CHUNK (Python bytes-literal escapes allowed, e.g.
'7:sts a.b,' or '5\\x00:x'), optionally byte by byte (--split) or with a
pause between chunks, then reads replies until EOF or the timeout.  Prints
one decoded netstring payload per line, then "EOF" if the server closed
the connection or "OPEN" if it was still open when the timeout ran out.
"""

import argparse
import socket
import sys
import time


def parse_netstrings(data):
    out = []
    while data:
        colon = data.find(b":")
        if colon <= 0 or not data[:colon].isdigit():
            break
        n = int(data[:colon])
        if len(data) < colon + 1 + n + 1:
            break
        out.append(data[colon + 1:colon + 1 + n])
        data = data[colon + 1 + n + 1:]
    return out, data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8461)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--pause", type=int, default=0)
    ap.add_argument("--split", action="store_true")
    ap.add_argument("--expect", type=int, default=0,
                    help="stop after this many replies")
    ap.add_argument("chunks", nargs="*")
    a = ap.parse_args()

    s = socket.create_connection((a.addr, a.port), timeout=5)
    for c in a.chunks:
        b = c.encode("latin-1").decode("unicode_escape").encode("latin-1")
        if a.split:
            for i in range(len(b)):
                s.sendall(b[i:i + 1])
                time.sleep(0.002)
        else:
            s.sendall(b)
        if a.pause:
            time.sleep(a.pause / 1000.0)
    data = b""
    state = "OPEN"
    deadline = time.time() + a.timeout
    while time.time() < deadline:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            state = "EOF"
            break
        if not chunk:
            state = "EOF"
            break
        data += chunk
        replies, _ = parse_netstrings(data)
        if a.expect and len(replies) >= a.expect:
            break
    replies, rest = parse_netstrings(data)
    for r in replies:
        sys.stdout.write(r.decode("latin-1") + "\n")
    if rest:
        sys.stdout.write("TRAILING %r\n" % rest)
    sys.stdout.write(state + "\n")


if __name__ == "__main__":
    main()
