#!/usr/bin/python3
"""Hostile TCP/TLS/HTTP servers for the mta-stsd integration tests.

    hostile.py KIND --addr ADDR --port PORT [--cert PEM --key KEY]
               [--log FILE] [--ready FILE] [--bytes N]

KIND is one of:
  silent           accept TCP, read and discard, never send anything
  close            accept TCP and close at once (FIN)
  reset            accept TCP and reset the connection (RST)
  trickle-tcp      accept TCP and send one byte per second, before any TLS
  tls-silent       TLS handshake, read the request, never answer
  trickle          TLS; answer "200 OK" headers, then the body 1 byte/second
  trickle-headers  TLS; send the status line and headers 1 byte/second
  flood            TLS; "200 OK" without Content-Length, then --bytes bytes
                   (default 64 MiB) as fast as the peer reads, then close
  http             plain HTTP (e.g. on port 443): answer any request with a
                   200 policy and close
  location         TLS; a 301 redirect whose Location is LOCATION below
  ctype            TLS; a 200 policy whose Content-Type is CTYPE below

LOCATION and CTYPE carry '"', '=' and spaces: a daemon that logs them
without escaping the quote gets fields such as injected=location in its
log lines.

Every accepted connection is logged as one line "accept PEER" to --log.
Each connection is given up after MAX_CONN_SECONDS, so nothing runs forever.
"""

import argparse
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time

MAX_CONN_SECONDS = 600
MAX_REQUEST = 65536
POLICY = (b"version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\n"
          b"max_age: 86400\r\n")
LOCATION = b'https://evil.test/x" injected=location status=ok reason="y z'
CTYPE = b'text/html" injected=ctype status=ok reason="a b'
KINDS = ("silent", "close", "reset", "trickle-tcp", "tls-silent", "trickle",
         "trickle-headers", "flood", "http", "location", "ctype")
TLS_KINDS = ("tls-silent", "trickle", "trickle-headers", "flood", "location",
             "ctype")


def read_request(conn, deadline):
    """Read until the end of the request headers (or EOF/limit)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_REQUEST:
        conn.settimeout(max(0.1, deadline - time.monotonic()))
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
        if not data[:1].isalpha():
            break       # not HTTP (e.g. a TLS ClientHello): stop here
    return data


def drip(conn, data, deadline):
    """Send data one byte per second, cycling over it, until the deadline."""
    i = 0
    while time.monotonic() < deadline:
        conn.sendall(data[i % len(data):i % len(data) + 1])
        i += 1
        time.sleep(1)


def handle(kind, conn, args, ctx):
    deadline = time.monotonic() + MAX_CONN_SECONDS
    if kind == "close":
        return
    if kind == "reset":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        return
    if kind == "silent":
        while time.monotonic() < deadline:
            conn.settimeout(max(0.1, deadline - time.monotonic()))
            if not conn.recv(4096):
                return
        return
    if kind == "trickle-tcp":
        drip(conn, b"x", deadline)
        return
    if kind == "http":
        read_request(conn, deadline)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n"
                     % len(POLICY) + POLICY)
        return
    conn.settimeout(10)
    tls = ctx.wrap_socket(conn, server_side=True)
    try:
        read_request(tls, deadline)
        if kind == "tls-silent":
            while time.monotonic() < deadline:
                tls.settimeout(max(0.1, deadline - time.monotonic()))
                if not tls.recv(4096):
                    return
        elif kind == "trickle":
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        b"Content-Length: 1000000\r\n\r\n")
            drip(tls, POLICY, deadline)
        elif kind == "location":
            tls.sendall(b"HTTP/1.1 301 Moved Permanently\r\nLocation: " +
                        LOCATION + b"\r\nContent-Length: 0\r\n"
                        b"Connection: close\r\n\r\n")
        elif kind == "ctype":
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + CTYPE +
                        b"\r\nContent-Length: %d\r\nConnection: close"
                        b"\r\n\r\n" % len(POLICY) + POLICY)
        elif kind == "trickle-headers":
            drip(tls, b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 64, deadline)
        elif kind == "flood":
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        b"Connection: close\r\n\r\n")
            block = POLICY + b"x" * (65536 - len(POLICY))
            left = args.bytes
            tls.settimeout(30)
            while left > 0 and time.monotonic() < deadline:
                n = min(left, len(block))
                tls.sendall(block[:n])
                left -= n
    finally:
        tls.close()


def serve(kind, conn, peer, args, ctx, logf, lock):
    if logf:
        with lock:
            logf.write("accept %s\n" % (peer[0],))
    try:
        handle(kind, conn, args, ctx)
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=KINDS)
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--log")
    ap.add_argument("--ready")
    ap.add_argument("--bytes", type=int, default=64 << 20)
    args = ap.parse_args()

    ctx = None
    if args.kind in TLS_KINDS:
        if not args.cert or not args.key:
            ap.error("%s needs --cert and --key" % args.kind)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        ctx.set_alpn_protocols(["http/1.1"])

    fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.addr, args.port))
    ls.listen(64)
    signal.signal(signal.SIGTERM, lambda s, f: os._exit(0))
    logf = open(args.log, "a", buffering=1) if args.log else None
    lock = threading.Lock()
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("ready\n")
    while True:
        try:
            conn, peer = ls.accept()
        except OSError as e:
            print("hostile: accept: %s" % e, file=sys.stderr, flush=True)
            time.sleep(0.1)
            continue
        threading.Thread(target=serve,
                         args=(args.kind, conn, peer, args, ctx, logf, lock),
                         daemon=True).start()


if __name__ == "__main__":
    main()
