#!/usr/bin/python3
"""Tiny STARTTLS SMTP responder for the `mta-stsctl check --smtp` tests.

    smtpd_tls.py --addr ADDR [--port 25] [--name HOST] --cert PEM --key KEY
                 [--no-starttls] [--log FILE] [--ready FILE]

It speaks just enough SMTP for a STARTTLS probe: a 220 greeting, EHLO/HELO
(advertising STARTTLS unless --no-starttls), STARTTLS (then the TLS
handshake with --cert/--key, the chain sent as given), NOOP, RSET, QUIT.
MAIL, RCPT, DATA and everything else get "502". No mail is ever accepted.
Every accepted connection is logged as "accept PEER" and every command as
"cmd VERB" to --log.  Connections are given up after MAX_CONN_SECONDS.
"""

import argparse
import os
import signal
import socket
import ssl
import sys
import threading

MAX_CONN_SECONDS = 60
MAX_LINE = 1000


def log(args, lock, text):
    if not args.log:
        return
    with lock:
        with open(args.log, "a") as f:
            f.write(text + "\n")


def readline(f):
    line = f.readline(MAX_LINE + 2)
    if not line:
        return None
    return line.rstrip(b"\r\n").decode("ascii", "replace")


def session(conn, args, ctx, lock):
    conn.settimeout(MAX_CONN_SECONDS)
    sock = conn
    tls = False
    f = sock.makefile("rb")
    sock.sendall(b"220 %s ESMTP smtpd_tls.py\r\n" % args.name.encode())
    while True:
        line = readline(f)
        if line is None:
            return
        verb = line.split(" ", 1)[0].upper()
        log(args, lock, "cmd " + verb + (" tls" if tls else ""))
        if verb in ("EHLO", "HELO"):
            ext = [] if (tls or args.no_starttls) else ["STARTTLS"]
            ext += ["8BITMIME", "ENHANCEDSTATUSCODES"]
            lines = [args.name] + ext
            out = b""
            for i, t in enumerate(lines):
                sep = b" " if i == len(lines) - 1 else b"-"
                out += b"250" + sep + t.encode() + b"\r\n"
            sock.sendall(out)
        elif verb == "STARTTLS" and not tls and not args.no_starttls:
            sock.sendall(b"220 2.0.0 ready to start TLS\r\n")
            try:
                sock = ctx.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as e:
                log(args, lock, "tls-failed %s" % e)
                return
            tls = True
            log(args, lock, "tls-ok")
            f = sock.makefile("rb")
        elif verb == "NOOP" or verb == "RSET":
            sock.sendall(b"250 2.0.0 ok\r\n")
        elif verb == "QUIT":
            sock.sendall(b"221 2.0.0 bye\r\n")
            return
        else:
            sock.sendall(b"502 5.5.1 not implemented here\r\n")


def serve(conn, peer, args, ctx, lock):
    log(args, lock, "accept %s" % (peer[0],))
    try:
        session(conn, args, ctx, lock)
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--name", default="smtp.test")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--no-starttls", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--ready")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.addr, args.port))
    s.listen(64)
    lock = threading.Lock()
    if args.ready:
        open(args.ready, "w").close()
    while True:
        conn, peer = s.accept()
        threading.Thread(target=serve, args=(conn, peer, args, ctx, lock),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
