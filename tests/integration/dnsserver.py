#!/usr/bin/python3
"""Small authoritative-style DNS server for the mta-stsd integration tests.

It answers from a text zone file, one record or directive per line:

    ; comment (also '#')
    example.test.  300 SOA ns.example.test. host.example.test. 1 3600 600 86400 60
    _mta-sts.example.test. 300 TXT "v=STSv1; id=1"
    _mta-sts.two.test.         TXT "v=STSv1; " "id=2"     (two strings, one RR)
    mta-sts.example.test.  300 A     127.0.0.1
    mta-sts.example.test.      AAAA  ::1
    alias.example.test.        CNAME _mta-sts.example.test.
    example.test.              MX    10 mx.example.test.
    bad.example.test.          SERVFAIL [TYPE]
    refused.example.test.      REFUSED  [TYPE]
    drop.example.test.         DROP     [TYPE]   never answer
    slow.example.test.         DELAY 2.5 [TYPE]  answer late
    gone.example.test.         NXDOMAIN [TYPE]
    big.example.test.          TRUNCATE [TYPE]   set TC over UDP

The TTL (default 300) and the class IN are optional.  Names are absolute
(a missing trailing dot is added).  TXT strings are quoted; \\DDD (decimal)
inserts an arbitrary byte.  Names not in the zone get NXDOMAIN, names that
exist without the asked type get NODATA; both carry the SOA of the closest
enclosing zone in the authority section.  CNAMEs are followed inside the zone
and the chain is put in the answer, like a recursive resolver does.

Every query is logged as one line "qname qtype proto" (qname lower case, with
the trailing dot).  The zone file is reread whenever its content changes
(checked on every query) and on SIGHUP; a zone that does not parse is reported
on stderr and the previous one stays in use.
"""

import argparse
import os
import re
import shlex
import signal
import socket
import struct
import sys
import threading
import time

from dnslib import (DNSRecord, DNSHeader, RR, QTYPE, RCODE, CLASS, TXT, RDMAP,
                    EDNS0)

DIRECTIVES = ("SERVFAIL", "REFUSED", "DROP", "DELAY", "NXDOMAIN", "TRUNCATE")
MAX_CNAME_CHAIN = 8
TCP_IDLE = 10.0


class ZoneError(Exception):
    pass


def norm(name):
    name = str(name).lower()
    if not name.endswith("."):
        name += "."
    return name


def txt_string(s):
    b = s.encode("utf-8")
    b = re.sub(rb"\\(\d{3})", lambda m: bytes([int(m.group(1)) & 0xff]), b)
    if len(b) > 255:
        raise ZoneError("TXT string longer than 255 bytes")
    return b


class Zone:
    def __init__(self, text):
        self.rrs = {}          # name -> list of RR
        self.faults = {}       # name -> list of (kind, arg, qtype or None)
        self.soas = {}         # zone apex -> RR
        for lineno, line in enumerate(text.splitlines(), 1):
            try:
                self._line(line)
            except Exception as e:
                raise ZoneError("line %d: %s: %r" % (lineno, e, line))

    def _line(self, line):
        s = line.strip()
        if not s or s[0] in ";#":
            return
        lex = shlex.shlex(s, posix=True)
        lex.whitespace_split = True
        lex.commenters = ""
        tok = list(lex)
        name = norm(tok.pop(0))
        if tok and tok[0].upper() in DIRECTIVES:
            kind = tok.pop(0).upper()
            arg = float(tok.pop(0)) if kind == "DELAY" else None
            qt = getattr(QTYPE, tok.pop(0).upper()) if tok else None
            if tok:
                raise ZoneError("trailing tokens")
            self.faults.setdefault(name, []).append((kind, arg, qt))
            return
        ttl = 300
        if tok and tok[0].isdigit():
            ttl = int(tok.pop(0))
        if tok and tok[0].upper() == "IN":
            tok.pop(0)
        rtype = tok.pop(0).upper()
        qt = getattr(QTYPE, rtype)
        if rtype == "TXT":
            if not tok:
                raise ZoneError("TXT without strings")
            rd = TXT([txt_string(t) for t in tok])
        else:
            rd = RDMAP[rtype].fromZone(tok)
        rr = RR(name, qt, CLASS.IN, ttl, rd)
        self.rrs.setdefault(name, []).append(rr)
        if qt == QTYPE.SOA:
            self.soas[name] = rr

    def exists(self, name):
        if name in self.rrs or name in self.faults:
            return True
        suffix = "." + name
        return any(n.endswith(suffix) for n in self.rrs)

    def soa_for(self, name):
        labels = name.split(".")
        for i in range(len(labels)):
            apex = ".".join(labels[i:]) or "."
            if apex in self.soas:
                return self.soas[apex]
        return None

    def fault(self, name, qtype):
        for kind, arg, qt in self.faults.get(name, ()):
            if qt is None or qt == qtype:
                yield kind, arg


class Server:
    def __init__(self, zonepath, logpath):
        self.zonepath = zonepath
        self.logf = open(logpath, "a", buffering=1) if logpath else None
        self.lock = threading.Lock()
        self.raw = None
        self.zone = Zone("")
        self.force = True
        self.load()

    def load(self):
        """Reread the zone if it changed (or a reload was asked for)."""
        with self.lock:
            try:
                with open(self.zonepath, "rb") as f:
                    raw = f.read()
            except OSError as e:
                print("dnsserver: %s" % e, file=sys.stderr, flush=True)
                return
            if raw == self.raw and not self.force:
                return
            self.force = False
            self.raw = raw
            try:
                self.zone = Zone(raw.decode("utf-8"))
            except (ZoneError, UnicodeDecodeError) as e:
                print("dnsserver: %s: %s (keeping old zone)" %
                      (self.zonepath, e), file=sys.stderr, flush=True)

    def log(self, qname, qtype, proto):
        if self.logf:
            with self.lock:
                self.logf.write("%s %s %s\n" % (qname, qtype, proto))

    def answer(self, data, proto):
        """Return (reply bytes or None to drop, delay seconds)."""
        try:
            q = DNSRecord.parse(data)
        except Exception:
            if len(data) >= 2:
                h = DNSHeader(id=struct.unpack("!H", data[:2])[0], qr=1,
                              rcode=RCODE.FORMERR)
                return DNSRecord(h).pack(), 0
            return None, 0
        if q.header.qr or not q.questions:
            return None, 0
        self.load()
        zone = self.zone
        qname = norm(q.q.qname)
        qtype = q.q.qtype
        self.log(qname, QTYPE.get(qtype), proto)
        r = q.reply(ra=1, aa=1)
        if q.ar and any(rr.rtype == QTYPE.OPT for rr in q.ar):
            r.add_ar(EDNS0(udp_len=4096))
        delay = 0.0
        truncate = False
        name = qname
        seen = set()
        while True:
            for kind, arg in zone.fault(name, qtype):
                if kind == "DROP":
                    return None, 0
                if kind == "DELAY":
                    delay += arg
                elif kind == "TRUNCATE":
                    truncate = True
                elif kind in ("SERVFAIL", "REFUSED"):
                    r.header.rcode = getattr(RCODE, kind)
                    return self.finish(q, r, proto, truncate), delay
                elif kind == "NXDOMAIN":
                    return self.negative(zone, r, name, RCODE.NXDOMAIN,
                                         q, proto, truncate), delay
            if not zone.exists(name):
                return self.negative(zone, r, name, RCODE.NXDOMAIN, q, proto,
                                     truncate), delay
            rrs = zone.rrs.get(name, [])
            match = [rr for rr in rrs if rr.rtype == qtype]
            cname = [rr for rr in rrs if rr.rtype == QTYPE.CNAME]
            if not match and cname and qtype != QTYPE.CNAME:
                rr = cname[0]
                r.add_answer(self.owned(rr, q.q.qname if name == qname
                                        else rr.rname))
                seen.add(name)
                name = norm(rr.rdata.label)
                if name in seen or len(seen) >= MAX_CNAME_CHAIN:
                    r.header.rcode = RCODE.SERVFAIL
                    return self.finish(q, r, proto, truncate), delay
                if zone.soa_for(name) is None:
                    return self.finish(q, r, proto, truncate), delay
                continue
            if not match:
                return self.negative(zone, r, name, RCODE.NOERROR, q, proto,
                                     truncate), delay
            for rr in match:
                r.add_answer(self.owned(rr, q.q.qname if name == qname
                                        else rr.rname))
            return self.finish(q, r, proto, truncate), delay

    @staticmethod
    def owned(rr, owner):
        return RR(owner, rr.rtype, rr.rclass, rr.ttl, rr.rdata)

    def negative(self, zone, r, name, rcode, q, proto, truncate):
        r.header.rcode = rcode
        soa = zone.soa_for(name)
        if soa is not None:
            r.add_auth(soa)
        return self.finish(q, r, proto, truncate)

    @staticmethod
    def finish(q, r, proto, truncate):
        data = r.pack()
        if proto != "udp":
            return data
        limit = 512
        for rr in q.ar:
            if rr.rtype == QTYPE.OPT:
                limit = max(512, min(rr.rclass, 4096))
        if truncate or len(data) > limit:
            t = DNSRecord(DNSHeader(id=q.header.id, qr=1, aa=1, ra=1,
                                    rd=q.header.rd, tc=1,
                                    rcode=r.header.rcode), q=q.q)
            data = t.pack()
        return data


def udp_loop(srv, sock):
    while True:
        try:
            data, peer = sock.recvfrom(65535)
        except OSError:
            continue
        threading.Thread(target=udp_one, args=(srv, sock, data, peer),
                         daemon=True).start()


def udp_one(srv, sock, data, peer):
    try:
        out, delay = srv.answer(data, "udp")
        if out is None:
            return
        if delay:
            time.sleep(delay)
        sock.sendto(out, peer)
    except Exception as e:
        print("dnsserver: udp: %r" % e, file=sys.stderr, flush=True)


def recv_exact(conn, n):
    b = b""
    while len(b) < n:
        chunk = conn.recv(n - len(b))
        if not chunk:
            return None
        b += chunk
    return b


def tcp_loop(srv, sock):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            continue
        threading.Thread(target=tcp_one, args=(srv, conn),
                         daemon=True).start()


def tcp_one(srv, conn):
    try:
        conn.settimeout(TCP_IDLE)
        while True:
            hdr = recv_exact(conn, 2)
            if hdr is None:
                return
            data = recv_exact(conn, struct.unpack("!H", hdr)[0])
            if data is None:
                return
            out, delay = srv.answer(data, "tcp")
            if out is None:
                continue
            if delay:
                time.sleep(delay)
            conn.sendall(struct.pack("!H", len(out)) + out)
    except Exception:
        pass
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zone", required=True)
    ap.add_argument("--addr", action="append",
                    help="listen address (repeatable; default 127.0.0.1, ::1)")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--log", help="query log file")
    ap.add_argument("--ready", help="file created once listening")
    ap.add_argument("--pidfile")
    a = ap.parse_args()

    srv = Server(a.zone, a.log)
    socks = []
    for addr in a.addr or ["127.0.0.1", "::1"]:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        try:
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.bind((addr, a.port))
            t = socket.socket(fam, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind((addr, a.port))
            t.listen(64)
        except OSError as e:
            sys.exit("dnsserver: cannot listen on %s port %d: %s" %
                     (addr, a.port, e.strerror))
        socks += [(udp_loop, u), (tcp_loop, t)]

    def hup(signum, frame):
        srv.force = True
        srv.load()
    signal.signal(signal.SIGHUP, hup)
    signal.signal(signal.SIGTERM, lambda s, f: os._exit(0))

    for fn, s in socks:
        threading.Thread(target=fn, args=(srv, s), daemon=True).start()
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("ready\n")
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
