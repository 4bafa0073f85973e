#!/usr/bin/python3
"""Stand-in for mta-stsd, used only by t_world.sh to test the harness.

    fakemap.py -f -c CONFIG

Reads "listen = ADDR:PORT" and "map_name = NAME" from CONFIG and answers
socketmap requests: "OK secure match=mx.KEY servername=hostname" for keys
listed in "fake_found = KEY KEY ..." lines, "NOTFOUND " otherwise.
"""

import os
import signal
import socket
import sys
import threading

MAX_REQUEST = 10000


def netstring(data):
    return b"%d:%s," % (len(data), data)


def read_netstring(f):
    n = b""
    while True:
        c = f.read(1)
        if not c:
            return None
        if c == b":":
            break
        if not c.isdigit() or len(n) > 5:
            raise ValueError("bad length")
        n += c
    ln = int(n)
    if ln > MAX_REQUEST:
        raise ValueError("too long")
    data = f.read(ln)
    if len(data) != ln or f.read(1) != b",":
        raise ValueError("truncated")
    return data


def serve(conn, name, found):
    f = conn.makefile("rb")
    try:
        while True:
            req = read_netstring(f)
            if req is None:
                return
            mapname, _, key = req.partition(b" ")
            if mapname != name:
                rep = b"PERM unknown map"
            elif key.lower() in found:
                rep = b"OK secure match=mx." + key.lower() + \
                    b" servername=hostname"
            else:
                rep = b"NOTFOUND "
            conn.sendall(netstring(rep))
    except (OSError, ValueError):
        pass
    finally:
        conn.close()


def main():
    conf = sys.argv[sys.argv.index("-c") + 1]
    listen, name, found = "127.0.0.1:8461", b"sts", set()
    with open(conf) as f:
        for line in f:
            k, _, v = line.partition("=")
            k, v = k.strip(), v.strip()
            if k == "listen":
                listen = v
            elif k == "map_name":
                name = v.encode()
            elif k == "fake_found":
                found.update(x.encode().lower() for x in v.split())
    addr, _, port = listen.rpartition(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(16)
    signal.signal(signal.SIGTERM, lambda sig, frm: os._exit(0))
    print("fakemap: listening on %s" % listen, flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, name, found),
                         daemon=True).start()


if __name__ == "__main__":
    main()
