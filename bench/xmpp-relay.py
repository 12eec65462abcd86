#!/usr/bin/python3
"""Prosody relay latency between two XMPP clients: the peer figure for chatd's XMPP path.

    /usr/bin/python3 bench/xmpp-relay.py [-n 500] [--warmup 50] [--runs 3] [--burst 2000] [--json]

Needs the bed up (tests/xmpp/bed up; accounts and address from
/run/rtchat-test-bed/xmpp.env) and Debian's python3-slixmpp, hence /usr/bin/python3.

Both clients (sender XMPP_CO1, receiver XMPP_CO2) run in this one process on one
asyncio loop, so a message's latency is measured one way with a single clock:
t0 just before the sender's send(), t1 when the receiver's handler gets the
parsed stanza. It covers slixmpp's send path, TCP to Prosody, Prosody's routing
(c2s -> c2s, to the receiver's full JID) and slixmpp's parse/dispatch. One
message in flight at a time; no stream management on the clients; plain TCP.
--burst N also sends N messages back to back and reports messages/s received.
"""
import argparse
import asyncio
import json
import logging
import statistics
import sys
import time

logging.getLogger("slixmpp.stringprep").setLevel(logging.ERROR)
import slixmpp  # noqa: E402
from slixmpp.xmlstream.handler import Callback  # noqa: E402
from slixmpp.xmlstream.matcher import MatchXPath  # noqa: E402

ENV_FILE = "/run/rtchat-test-bed/xmpp.env"


def bed_env():
    env = {}
    try:
        with open(ENV_FILE) as f:
            for line in f:
                if line.startswith("export ") and "=" in line:
                    k, v = line[7:].strip().split("=", 1)
                    env[k] = v
    except FileNotFoundError:
        sys.exit(f"{ENV_FILE} missing: run tests/xmpp/bed up")
    return env


class Peer(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.online = self.loop.create_future()
        self.on_body = None  # receiver: callback(body, t_ns)
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("failed_all_auth", lambda _: self.online.set_exception(RuntimeError("auth failed")))
        self.register_handler(Callback("bench", MatchXPath("{jabber:client}message/{jabber:client}body"),
                                       self.got))

    async def start(self, _):
        self.send_presence()
        self.online.set_result(True)

    def got(self, m):
        t = time.perf_counter_ns()
        if self.on_body:
            self.on_body(m["body"], t)


def pct(sorted_ms, p):  # nearest rank
    return sorted_ms[max(0, min(len(sorted_ms) - 1, round(p / 100 * len(sorted_ms) + 0.5) - 1))]


async def one_by_one(a, b, count):
    """count messages a -> b, each sent after the previous one arrived; one-way ms."""
    to = b.boundjid.full
    waiting = {}

    def arrived(body, t):
        fut = waiting.pop(body, None)
        if fut:
            fut.set_result(t)
    b.on_body = arrived
    out = []
    for i in range(count):
        body = f"m{i}"
        fut = waiting[body] = a.loop.create_future()
        m = a.make_message(mto=to, mbody=body, mtype="chat")
        t0 = time.perf_counter_ns()
        m.send()
        t1 = await asyncio.wait_for(fut, 10)
        out.append((t1 - t0) / 1e6)
    return out


async def burst(a, b, count):
    to = b.boundjid.full
    done = a.loop.create_future()
    got = 0

    def arrived(body, t):
        nonlocal got
        got += 1
        if got == count:
            done.set_result(t)
    b.on_body = arrived
    t0 = time.perf_counter_ns()
    for i in range(count):
        a.make_message(mto=to, mbody=f"b{i}", mtype="chat").send()
    t1 = await asyncio.wait_for(done, 60)
    return count / ((t1 - t0) / 1e9)


async def main(args):
    env = bed_env()
    host, port = env["XMPP_HOST"], int(env["XMPP_C2S_PORT"])
    a = Peer(env["XMPP_CO1"], env["XMPP_CO1_PASSWORD"])
    b = Peer(env["XMPP_CO2"], env["XMPP_CO2_PASSWORD"])
    for p in (a, b):
        p.connect((host, port), disable_starttls=True, force_starttls=False)
    await asyncio.wait_for(asyncio.gather(a.online, b.online), 10)

    results = {"what": "one-way c2s->Prosody->c2s, both clients in one process (single clock)",
               "server": f"{host}:{port}", "from": str(a.boundjid), "to": str(b.boundjid),
               "count": args.n, "warmup": args.warmup, "runs": []}
    for r in range(args.runs):
        await one_by_one(a, b, args.warmup)
        ms = sorted(await one_by_one(a, b, args.n))
        run = {"p50": pct(ms, 50), "p90": pct(ms, 90), "p99": pct(ms, 99), "max": ms[-1],
               "mean": statistics.fmean(ms)}
        results["runs"].append(run)
        if not args.json:
            print(f"run {r + 1}: {args.n} msgs  p50 {run['p50']:.3f} ms  p90 {run['p90']:.3f} ms  "
                  f"p99 {run['p99']:.3f} ms  max {run['max']:.3f} ms  mean {run['mean']:.3f} ms", flush=True)
    if args.burst:
        results["burst_msgs_per_s"] = await burst(a, b, args.burst)
        if not args.json:
            print(f"burst: {args.burst} msgs back to back: {results['burst_msgs_per_s']:.0f} msgs/s received")
    for p in (a, b):
        await p.disconnect(wait=1)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=500, help="measured messages per run")
    ap.add_argument("--warmup", type=int, default=50, help="unmeasured messages before each run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--burst", type=int, default=2000, help="0: skip the throughput burst")
    ap.add_argument("--json", action="store_true", help="one JSON object instead of text")
    args = ap.parse_args()
    if not args.json:
        print(__doc__.split("\n")[0])
        print("one-way latency, t0 at send() and t1 at the receiver's handler in the same process; "
              f"{args.warmup} warm-up msgs per run, one in flight")
    loop = asyncio.get_event_loop()
    loop.run_until_complete(main(args))
    pending = asyncio.all_tasks(loop)  # slixmpp's per-stream filter tasks
    for t in pending:
        t.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
