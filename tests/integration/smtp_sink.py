#!/usr/bin/python3
"""STARTTLS SMTP receiver for the Postfix end-to-end test and the
`mta-stsctl check --smtp` probes.

    smtp_sink.py --addr ADDR [--port 25] [--name HOST] --cert PEM --key KEY
                 [--mail FILE] [--no-starttls] [--log FILE] [--ready FILE]

It speaks enough ESMTP for Postfix's smtp(8) client: a 220 greeting,
EHLO/HELO (advertising STARTTLS until TLS is on), STARTTLS (the handshake
with --cert/--key, the chain sent as given), MAIL, RCPT, DATA, RSET, NOOP,
QUIT; --no-starttls stops advertising and accepting STARTTLS.  Without
--mail, MAIL, RCPT and DATA get "502" and no mail is ever accepted; with
it, every message accepted after DATA appends one line per envelope
recipient to --mail:

    rcpt=RCPT from=SENDER tls=yes|no sni=NAME|- version=TLSv1.3|- bytes=N

(the recipient without angle brackets, the SNI name the client sent).  A
message is written to --mail before its 250 reply goes out, so a sender
that saw the 250 finds the line.  Connections and commands go to --log as
"accept PEER", "cmd VERB [tls]", "tls-ok SNI" or "tls-failed REASON".
Sessions are cut after MAX_CONN_SECONDS; lines and messages are capped.
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
MAX_MESSAGE = 1 << 20
MAX_RCPT = 100


def append(path, lock, text):
    if not path:
        return
    with lock:
        with open(path, "a") as f:
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())


def readline(f):
    line = f.readline(MAX_LINE + 2)
    if not line:
        return None
    return line.rstrip(b"\r\n").decode("ascii", "replace")


def addr_arg(line):
    """The address inside <...> after MAIL FROM: / RCPT TO:, or None."""
    i = line.find("<")
    j = line.find(">", i + 1)
    if i < 0 or j < 0:
        return None
    return line[i + 1:j]


def read_data(f):
    """The message up to the lone ".", or None on EOF or overflow."""
    size = 0
    while True:
        line = f.readline(MAX_LINE + 2)
        if not line:
            return None
        if line in (b".\r\n", b".\n"):
            return size
        size += len(line)
        if size > MAX_MESSAGE:
            return None


def session(conn, args, ctx, lock):
    conn.settimeout(MAX_CONN_SECONDS)
    sock = conn
    tls = False
    sni = {"name": None}
    sender = None
    rcpts = []
    f = sock.makefile("rb")

    def send(b):
        sock.sendall(b)

    send(b"220 %s ESMTP smtp_sink.py\r\n" % args.name.encode())
    while True:
        line = readline(f)
        if line is None:
            return
        verb = line.split(" ", 1)[0].upper()
        append(args.log, lock, "cmd " + verb + (" tls" if tls else ""))
        if verb in ("EHLO", "HELO"):
            ext = [] if (tls or args.no_starttls) else ["STARTTLS"]
            ext += ["8BITMIME", "ENHANCEDSTATUSCODES", "PIPELINING"]
            lines = [args.name] + ext
            out = b""
            for i, t in enumerate(lines):
                sep = b" " if i == len(lines) - 1 else b"-"
                out += b"250" + sep + t.encode() + b"\r\n"
            send(out)
            sender = None
            rcpts = []
        elif verb == "STARTTLS" and not tls and not args.no_starttls:
            send(b"220 2.0.0 ready to start TLS\r\n")

            def on_sni(s, name, c):
                sni["name"] = name

            ctx.sni_callback = on_sni
            try:
                sock = ctx.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as e:
                append(args.log, lock, "tls-failed %s" % e)
                return
            tls = True
            append(args.log, lock, "tls-ok %s" % (sni["name"] or "-"))
            f = sock.makefile("rb")
            sender = None
            rcpts = []
        elif verb in ("MAIL", "RCPT", "DATA") and not args.mail:
            send(b"502 5.5.1 not implemented here\r\n")
        elif verb == "MAIL":
            sender = addr_arg(line)
            rcpts = []
            if sender is None:
                send(b"501 5.5.4 syntax: MAIL FROM:<address>\r\n")
            else:
                send(b"250 2.1.0 ok\r\n")
        elif verb == "RCPT":
            r = addr_arg(line)
            if sender is None:
                send(b"503 5.5.1 MAIL first\r\n")
            elif not r or len(rcpts) >= MAX_RCPT:
                send(b"501 5.5.4 syntax: RCPT TO:<address>\r\n")
            else:
                rcpts.append(r)
                send(b"250 2.1.5 ok\r\n")
        elif verb == "DATA":
            if not rcpts:
                send(b"503 5.5.1 RCPT first\r\n")
                continue
            send(b"354 end with <CRLF>.<CRLF>\r\n")
            size = read_data(f)
            if size is None:
                return
            version = sock.version() if tls else None
            for r in rcpts:
                append(args.mail, lock,
                       "rcpt=%s from=%s tls=%s sni=%s version=%s bytes=%d" %
                       (r, sender, "yes" if tls else "no",
                        sni["name"] or "-", version or "-", size))
            send(b"250 2.0.0 queued\r\n")
            sender = None
            rcpts = []
        elif verb in ("NOOP", "RSET"):
            if verb == "RSET":
                sender = None
                rcpts = []
            send(b"250 2.0.0 ok\r\n")
        elif verb == "QUIT":
            send(b"221 2.0.0 bye\r\n")
            return
        else:
            send(b"502 5.5.1 not implemented here\r\n")


def serve(conn, peer, args, ctx, lock):
    append(args.log, lock, "accept %s" % (peer[0],))
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
    ap.add_argument("--mail")
    ap.add_argument("--no-starttls", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--ready")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.addr, args.port))
    s.listen(64)
    lock = threading.Lock()
    if args.mail:
        open(args.mail, "a").close()
    if args.ready:
        open(args.ready, "w").close()
    while True:
        conn, peer = s.accept()
        # A context per connection: the SNI callback records into the
        # session that owns it.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        threading.Thread(target=serve, args=(conn, peer, args, ctx, lock),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
