#!/usr/bin/env python3
"""fault_soak.py: drive a randomised fault soak against a running mta-stsd
inside a test world (see fault_soak.sh, which sets the world up).

Domains flip between healthy, SERVFAIL, TXT removed and "new id whose
policy is 404"; every so often a domain's owner publishes a new id with a
new valid policy.  Meanwhile every domain is queried over the socketmap
every QUERY_EVERY seconds.  For each publication the script records what
state preceded it and how long the daemon went on answering an older
policy, and prints the figures per preceding state.
"""
import argparse
import json
import os
import random
import socket
import statistics
import time

QUERY_EVERY = 0.25


def netstring(b):
    return b"%d:%s," % (len(b), b)


def ask(port, key):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    try:
        s.sendall(netstring(b"sts " + key.encode()))
        buf = b""
        while not buf.endswith(b","):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    _, _, rest = buf.partition(b":")
    return rest[:-1].decode(errors="replace")


class World:
    def __init__(self, zone, policies):
        self.zone = zone
        self.policies = policies

    def set_txt(self, dom, line):
        """Replace the _mta-sts line of dom (None: remove it)."""
        with open(self.zone) as f:
            lines = [l for l in f.read().splitlines()
                     if not l.startswith("_mta-sts.%s. " % dom)]
        if line is not None:
            lines.append("_mta-sts.%s. %s" % (dom, line))
        tmp = self.zone + ".soak"
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.rename(tmp, self.zone)

    def set_policy(self, dom, mx):
        path = os.path.join(self.policies, dom)
        if mx is None:
            if os.path.exists(path):
                os.unlink(path)
            return
        tmp = path + ".soak"
        with open(tmp, "w") as f:
            f.write("version: STSv1\r\nmode: enforce\r\nmx: %s\r\n"
                    "max_age: 86400\r\n" % mx)
        os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zone", required=True)
    ap.add_argument("--policies", required=True)
    ap.add_argument("--domains", required=True)
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--port", type=int, default=8461)
    ap.add_argument("--ttl", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    w = World(a.zone, a.policies)
    doms = a.domains.split(",")
    # Per domain: its state, the id counter, the newest published mx and
    # when it was published, and whether it is still waited for.
    st = {}
    for d in doms:
        st[d] = {"state": "healthy", "n": 1, "want": "mx1.%s" % d,
                 "since": None, "before": None}
    results = []
    t_end = time.time() + a.seconds
    next_event = time.time() + 2
    while time.time() < t_end:
        now = time.time()
        if now >= next_event:
            d = rnd.choice(doms)
            s = st[d]
            if s["since"] is None:
                ev = rnd.choice(["servfail", "removed", "404", "publish",
                                 "publish"])
            else:
                ev = None  # still waiting for the last publication
            if ev == "servfail":
                w.set_txt(d, "SERVFAIL")
                s["state"] = "servfail"
            elif ev == "removed":
                w.set_txt(d, None)
                s["state"] = "removed"
            elif ev == "404":
                s["n"] += 1
                w.set_policy(d, None)
                w.set_txt(d, '%d TXT "v=STSv1; id=%d"' % (a.ttl, s["n"]))
                s["state"] = "404"
            elif ev == "publish":
                s["n"] += 1
                mx = "mx%d.%s" % (s["n"], d)
                w.set_policy(d, mx)
                w.set_txt(d, '%d TXT "v=STSv1; id=%d"' % (a.ttl, s["n"]))
                s["before"] = s["state"]
                s["state"] = "healthy"
                s["want"] = mx
                s["since"] = time.time()
            next_event = now + rnd.uniform(0.5, 2.0)
        for d in doms:
            s = st[d]
            got = ask(a.port, d)  # steady load on every domain
            if s["since"] is None:
                continue
            if ("match=%s " % s["want"]) in got:
                results.append({"before": s["before"],
                                "ms": int((time.time() - s["since"]) *
                                          1000)})
                s["since"] = None
        time.sleep(QUERY_EVERY)
    pending = [(d, int((time.time() - s["since"]) * 1000), s["before"])
               for d, s in st.items() if s["since"] is not None]
    by = {}
    for r in results:
        by.setdefault(r["before"], []).append(r["ms"])
    print("publications seen: %d, still pending at the end: %d" %
          (len(results), len(pending)))
    for k in sorted(by):
        v = sorted(by[k])
        print("after %-8s n=%3d  median %6d ms  max %6d ms" %
              (k, len(v), statistics.median(v), v[-1]))
    for d, ms, before in pending:
        print("pending: %s after %s for %d ms" % (d, before, ms))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"by": by, "pending": pending}, f)


if __name__ == "__main__":
    main()
