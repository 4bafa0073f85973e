#!/usr/bin/python3
"""A DNS server that sends broken answers, for the mta-stsd integration tests.

    hostile_dns.py --addr ADDR [--port 53] --upstream ADDR[:PORT]
                   --modes FILE [--log FILE] [--ready FILE]

It listens on UDP and TCP.  A query whose name is listed in the modes file
("qname mode" per line, names lower case with the trailing dot; the file
is reread on every query) is answered by that mode; every other query is
relayed unchanged to the upstream server (dnsserver.py) over the same
transport, so one resolver address serves good and broken names alike.

Modes (the answers are built by hand, byte by byte):
  garbage      random bytes, random ID (seeded by qname: reproducible)
  garbage-id   the query's ID, then random bytes
  short        a 5-byte message: a truncated header
  echo         the query sent back unchanged (QR=0)
  wrongid      a good TXT answer with another ID
  wrongq       a good TXT answer for another question
  ptrself      answer owner name: a compression pointer to itself
  ptrloop      answer owner name: a label, then a pointer back to it
  rdlen        a TXT RR whose RDLENGTH (65535) runs past the message
  txtlen       a TXT character-string longer than its RDATA
  ancount      ANCOUNT 65535 with one RR present
  bigtcp       UDP: TC=1; TCP: one TXT RR of about 64 KiB of junk strings
  bigvalid     like bigtcp, but the record is a valid STS record padded
               with an extension field ("v=STSv1; id=big1; x=aaa...")
  many         100 TXT RRs "v=STSv1; id=N" (TC over UDP, then TCP)
  ctrl         TXT strings holding NUL, ESC, BEL, CR/LF and non-UTF-8 bytes
  ctrlname     a CNAME to a name whose labels hold control bytes, with a
               valid STS TXT record there
  cnameloop    qname CNAME b; b CNAME qname
  cname8       8 CNAMEs, then "v=STSv1; id=1" (the chain limit)
  cname9       9 CNAMEs, then "v=STSv1; id=1" (one over)
  tcphang      UDP: TC=1; TCP: a length prefix of 1000, 10 bytes, silence
  tcpzero      UDP: TC=1; TCP: a zero length prefix, then close
  tcpclose     UDP: TC=1; TCP: a good TXT answer, then close (as some
               servers do after each TCP answer)
  badaddr      A RR with RDLENGTH 3, AAAA RR with RDLENGTH 5
  drop         never answer

Every query is logged as "qname qtype proto mode bytes=N" (N: the answer's
length; "-" when relayed or dropped).
"""

import argparse
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

UDP_MAX = 1232          # answers above this go out truncated over UDP
TCP_HOLD = 20.0         # tcphang keeps its connection this long
UPSTREAM_TIMEOUT = 3.0
T_A, T_CNAME, T_TXT, T_AAAA = 1, 5, 16, 28


def wire(name):
    """A dotted name, or a list of byte labels, to wire form."""
    if isinstance(name, str):
        labels = [l.encode() for l in name.rstrip(".").split(".") if l]
    else:
        labels = name
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"


def header(qid, flags, qd, an, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def rr(owner, rtype, rdata, ttl=300, rdlen=None):
    if rdlen is None:
        rdlen = len(rdata)
    return owner + struct.pack("!HHIH", rtype, 1, ttl, rdlen) + rdata


def txt(*strings):
    return b"".join(bytes([len(s)]) + s for s in strings)


class Query:
    def __init__(self, data):
        if len(data) < 12:
            raise ValueError("short query")
        self.id, self.flags = struct.unpack("!HH", data[:4])
        off = 12
        labels = []
        while True:
            n = data[off]
            off += 1
            if n == 0:
                break
            if n & 0xc0:
                raise ValueError("compressed query name")
            labels.append(data[off:off + n])
            off += n
        self.qtype, self.qclass = struct.unpack("!HH", data[off:off + 4])
        self.question = data[12:off + 4]
        self.qname = (b".".join(labels).decode("latin-1").lower() + ".")
        self.raw = data


# Replies.  Each takes the query and the transport and returns the bytes to
# send, or None for no answer.  QPTR is a pointer to the question name.
QPTR = b"\xc0\x0c"
OK = 0x8180
TC = 0x8380


def good_txt(q, rec=b"v=STSv1; id=1"):
    return (header(q.id, OK, 1, 1) + q.question +
            rr(QPTR, T_TXT, txt(rec)))


def tc_or(q, proto, tcp_answer):
    if proto == "udp":
        return header(q.id, TC, 1, 0) + q.question
    return tcp_answer


def rng(q):
    return random.Random(q.qname)


def m_garbage(q, proto):
    r = rng(q)
    return bytes(r.randrange(256) for _ in range(r.randrange(1, 512)))


def m_garbage_id(q, proto):
    r = rng(q)
    return struct.pack("!H", q.id) + bytes(
        r.randrange(256) for _ in range(r.randrange(10, 512)))


def m_short(q, proto):
    return struct.pack("!H", q.id) + b"\x81\x80\x00"


def m_echo(q, proto):
    return q.raw


def m_wrongid(q, proto):
    a = good_txt(q)
    return struct.pack("!H", q.id ^ 0x5a5a) + a[2:]


def m_wrongq(q, proto):
    other = wire("_mta-sts.elsewhere.test") + struct.pack("!HH", T_TXT, 1)
    return (header(q.id, OK, 1, 1) + other +
            rr(QPTR, T_TXT, txt(b"v=STSv1; id=1")))


def m_ptrself(q, proto):
    h = header(q.id, OK, 1, 1) + q.question
    off = len(h)
    return h + rr(struct.pack("!H", 0xc000 | off), T_TXT,
                  txt(b"v=STSv1; id=1"))


def m_ptrloop(q, proto):
    h = header(q.id, OK, 1, 1) + q.question
    off = len(h)
    return h + rr(b"\x01a" + struct.pack("!H", 0xc000 | off), T_TXT,
                  txt(b"v=STSv1; id=1"))


def m_rdlen(q, proto):
    return (header(q.id, OK, 1, 1) + q.question +
            rr(QPTR, T_TXT, txt(b"v=STSv1; id=1"), rdlen=0xffff))


def m_txtlen(q, proto):
    bad = bytes([200]) + b"v=STSv1; id=1"
    return (header(q.id, OK, 1, 2) + q.question + rr(QPTR, T_TXT, bad) +
            rr(QPTR, T_TXT, txt(b"v=spf1 " + b"a" * 240)))


def m_ancount(q, proto):
    return (header(q.id, OK, 1, 0xffff) + q.question +
            rr(QPTR, T_TXT, txt(b"v=STSv1; id=1")))


def big(q, first):
    # header + question + owner pointer + RR fixed part, the rest RDATA
    room = 65535 - 12 - len(q.question) - 2 - 10
    strings = [first.ljust(255, b"a")]
    room -= 256
    while room >= 256:
        strings.append(b"a" * 255)
        room -= 256
    return (header(q.id, OK, 1, 1) + q.question +
            rr(QPTR, T_TXT, txt(*strings)))


def m_bigtcp(q, proto):
    return tc_or(q, proto, big(q, b"junk "))


def m_bigvalid(q, proto):
    return tc_or(q, proto, big(q, b"v=STSv1; id=big1; x="))


def m_many(q, proto):
    rrs = b"".join(rr(QPTR, T_TXT, txt(b"v=STSv1; id=%d" % i))
                   for i in range(100))
    return header(q.id, OK, 1, 100) + q.question + rrs


def m_ctrl(q, proto):
    return (header(q.id, OK, 1, 2) + q.question +
            rr(QPTR, T_TXT, txt(b"v=STSv1; id=1\x00\x1b[31mred",
                                b"\xff\xfe\xc3\x28\r\n\x07\x08\x7f")) +
            rr(QPTR, T_TXT, txt(b"\x1b]0;pwned\x07v=spf1 -all\n")))


def m_ctrlname(q, proto):
    target = wire([b"\x1b[2J\x00\x07x", b"e\nvil\r", b"test"])
    return (header(q.id, OK, 1, 2) + q.question +
            rr(QPTR, T_CNAME, target) +
            rr(target, T_TXT, txt(b"v=STSv1; id=1")))


def m_cnameloop(q, proto):
    b = wire("b.loop.test")
    return (header(q.id, OK, 1, 2) + q.question +
            rr(QPTR, T_CNAME, b) + rr(b, T_CNAME, wire(q.qname)))


def chain(q, n):
    names = [wire("c%d.chain.test" % i) for i in range(1, n + 1)]
    out = rr(QPTR, T_CNAME, names[0])
    for i in range(n - 1):
        out += rr(names[i], T_CNAME, names[i + 1])
    out += rr(names[-1], T_TXT, txt(b"v=STSv1; id=1"))
    return header(q.id, OK, 1, n + 1) + q.question + out


def m_cname8(q, proto):
    return chain(q, 8)


def m_cname9(q, proto):
    return chain(q, 9)


def m_tcphang(q, proto):
    return tc_or(q, proto, "hang")


def m_tcpzero(q, proto):
    return tc_or(q, proto, "zero")


def m_tcpclose(q, proto):
    return tc_or(q, proto, ("close", good_txt(q)))


def m_badaddr(q, proto):
    if q.qtype == T_A:
        return (header(q.id, OK, 1, 1) + q.question +
                rr(QPTR, T_A, b"\x7f\x00\x00"))
    if q.qtype == T_AAAA:
        return (header(q.id, OK, 1, 1) + q.question +
                rr(QPTR, T_AAAA, b"\0" * 5))
    return header(q.id, OK, 1, 0) + q.question


def m_drop(q, proto):
    return None


MODES = {name[2:].replace("_", "-"): fn for name, fn in globals().items()
         if name.startswith("m_")}


class Server:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.logf = open(args.log, "a", buffering=1) if args.log else None
        host, _, port = args.upstream.rpartition(":")
        if not host:
            host, port = args.upstream, "53"
        self.upstream = (host, int(port))

    def modes(self):
        out = {}
        try:
            with open(self.args.modes) as f:
                for line in f:
                    w = line.split()
                    if len(w) == 2 and not w[0].startswith("#"):
                        out[w[0].lower()] = w[1]
        except OSError:
            pass
        return out

    def log(self, q, proto, mode, n):
        if self.logf:
            with self.lock:
                self.logf.write("%s %d %s %s bytes=%s\n" %
                                (q.qname, q.qtype, proto, mode, n))

    def answer(self, data, proto):
        """Bytes to send, None (drop), "relay", "hang", "zero" or
        ("close", bytes): send, then close the TCP connection."""
        try:
            q = Query(data)
        except (ValueError, IndexError, struct.error):
            return None
        mode = self.modes().get(q.qname)
        if mode is None:
            self.log(q, proto, "relay", "-")
            return "relay"
        fn = MODES.get(mode)
        if fn is None:
            print("hostile_dns: unknown mode %s" % mode, file=sys.stderr,
                  flush=True)
            return None
        out = fn(q, proto)
        if isinstance(out, bytes) and proto == "udp" and len(out) > UDP_MAX:
            out = header(q.id, TC, 1, 0) + q.question
        if isinstance(out, bytes):
            n = len(out)
        elif isinstance(out, tuple):
            n = "%d+%s" % (len(out[1]), out[0])
        else:
            n = out or "-"
        self.log(q, proto, mode, n)
        return out

    def relay_udp(self, data):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.settimeout(UPSTREAM_TIMEOUT)
            s.sendto(data, self.upstream)
            return s.recv(65535)
        except OSError:
            return None
        finally:
            s.close()

    def relay_tcp(self, data):
        try:
            with socket.create_connection(self.upstream,
                                          UPSTREAM_TIMEOUT) as s:
                s.sendall(struct.pack("!H", len(data)) + data)
                n = struct.unpack("!H", recv_exact(s, 2))[0]
                return recv_exact(s, n)
        except (OSError, ValueError, struct.error):
            return None

    def udp_one(self, sock, data, peer):
        out = self.answer(data, "udp")
        if out == "relay":
            out = self.relay_udp(data)
        if isinstance(out, bytes):
            try:
                sock.sendto(out, peer)
            except OSError:
                pass

    def udp_loop(self, sock):
        while True:
            data, peer = sock.recvfrom(65535)
            threading.Thread(target=self.udp_one, args=(sock, data, peer),
                             daemon=True).start()

    def tcp_conn(self, conn):
        try:
            conn.settimeout(10)
            while True:
                n = struct.unpack("!H", recv_exact(conn, 2))[0]
                data = recv_exact(conn, n)
                out = self.answer(data, "tcp")
                if out == "relay":
                    out = self.relay_tcp(data)
                if out == "hang":
                    conn.sendall(struct.pack("!H", 1000) + b"\0" * 10)
                    time.sleep(TCP_HOLD)
                    return
                if out == "zero":
                    conn.sendall(b"\0\0")
                    return
                if isinstance(out, tuple):
                    conn.sendall(struct.pack("!H", len(out[1])) + out[1])
                    return
                if isinstance(out, bytes):
                    conn.sendall(struct.pack("!H", len(out)) + out)
        except (OSError, ValueError, struct.error):
            pass
        finally:
            conn.close()

    def tcp_loop(self, ls):
        while True:
            conn, _ = ls.accept()
            threading.Thread(target=self.tcp_conn, args=(conn,),
                             daemon=True).start()


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ValueError("EOF")
        data += chunk
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", default="127.0.0.53")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--upstream", default="127.0.0.1:53")
    ap.add_argument("--modes", required=True)
    ap.add_argument("--log")
    ap.add_argument("--ready")
    args = ap.parse_args()
    srv = Server(args)
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    us.bind((args.addr, args.port))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.addr, args.port))
    ls.listen(64)
    signal.signal(signal.SIGTERM, lambda s, f: os._exit(0))
    threading.Thread(target=srv.tcp_loop, args=(ls,), daemon=True).start()
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("ready\n")
    srv.udp_loop(us)


if __name__ == "__main__":
    main()
