#!/usr/bin/python3
"""Minimal DNS query client for the integration tests (a small "dig").

    dnsq.py [--server ADDR] [--port N] [--tcp] [--timeout SEC] NAME TYPE

Prints one line per item, easy to grep:
    status NOERROR
    flags qr aa rd ra
    answer NAME TYPE RDATA          (TXT: each string quoted, in order)
    authority NAME TYPE RDATA
Exit status 0 when an answer arrived, 3 on timeout, 2 on other errors.
"""

import argparse
import socket
import struct
import sys

from dnslib import DNSRecord, QTYPE, RCODE


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("connection closed")
        b += c
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--timeout", type=float, default=3)
    ap.add_argument("name")
    ap.add_argument("type")
    a = ap.parse_args()

    q = DNSRecord.question(a.name, a.type.upper())
    data = q.pack()
    fam = socket.AF_INET6 if ":" in a.server else socket.AF_INET
    try:
        if a.tcp:
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(a.timeout)
            s.connect((a.server, a.port))
            s.sendall(struct.pack("!H", len(data)) + data)
            ln = struct.unpack("!H", recv_exact(s, 2))[0]
            raw = recv_exact(s, ln)
        else:
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.settimeout(a.timeout)
            s.sendto(data, (a.server, a.port))
            raw = s.recv(65535)
    except socket.timeout:
        print("timeout")
        return 3
    except (OSError, EOFError) as e:
        print("error %s" % e)
        return 2
    r = DNSRecord.parse(raw)
    print("status %s" % RCODE.get(r.header.rcode))
    flags = [f for f in ("qr", "aa", "tc", "rd", "ra")
             if getattr(r.header, f)]
    print("flags %s" % " ".join(flags))
    for sect, rrs in (("answer", r.rr), ("authority", r.auth)):
        for rr in rrs:
            if rr.rtype == QTYPE.TXT:
                rd = " ".join('"%s"' % s.decode("utf-8", "backslashreplace")
                              for s in rr.rdata.data)
            else:
                rd = str(rr.rdata)
            print("%s %s %s %s" % (sect, rr.rname, QTYPE.get(rr.rtype), rd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
