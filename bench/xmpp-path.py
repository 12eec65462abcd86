#!/usr/bin/python3
"""A user's POST /chat/send to the CO's XMPP client: chatd's XMPP path, one way.

    /usr/bin/python3 bench/xmpp-path.py --base URL --link GUEST_LINK [--room ROOM] [-n 500] [--warmup 50] [--json]

bench/run-xmpp starts chatd (XEP-0114 component of the bed's Prosody, the CO
root mapped to XMPP_CO1) and chat-webd, starts a chat and passes its guest
link. This process spends the link (as a browser does: POST /c/TOKEN, the
session cookie; the CSRF token from the chat page's meta tag) and logs in as
the CO with slixmpp. Each message: t0 just before the POST /chat/send (on a
worker thread, so the loop stays free), t1 when the CO's handler gets the
parsed stanza on the loop; one clock (perf_counter_ns), one message in
flight. It covers HTTP to chat-webd, chat-webd to chatd, the store's commit,
chatd to Prosody (component), Prosody to the CO's client (c2s) and
slixmpp's parse/dispatch. With --room (chatd in mode = client), the CO
joins the chat's room first, and the message reaches them through the MUC.
"""
import argparse
import asyncio
import http.client
import json
import logging
import statistics
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

logging.getLogger("slixmpp.stringprep").setLevel(logging.ERROR)
import slixmpp  # noqa: E402
from slixmpp.xmlstream.handler import Callback  # noqa: E402
from slixmpp.xmlstream.matcher import MatchXPath  # noqa: E402

ENV_FILE = "/run/rtchat-test-bed/xmpp.env"


def bed_env():
    env = {}
    with open(ENV_FILE) as f:
        for line in f:
            if line.startswith("export ") and "=" in line:
                k, v = line[7:].strip().split("=", 1)
                env[k] = v
    return env


class CsrfMeta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.token = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and a.get("name") == "csrf-token":
            self.token = a.get("content")


class Browser:
    """The user's side: one keep-alive HTTP connection to chat-webd."""

    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        self.cookie = None
        self.csrf = None

    def spend(self, link):
        path = urllib.parse.urlsplit(link).path
        self.conn.request("POST", path, body=b"", headers={"Content-Length": "0"})
        r = self.conn.getresponse()
        r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("rtchat_session="):
                self.cookie = v.split(";", 1)[0]
        if not self.cookie:
            sys.exit(f"spending the guest link gave no session (HTTP {r.status})")
        self.conn.request("GET", "/chat", headers={"Cookie": self.cookie})
        r = self.conn.getresponse()
        meta = CsrfMeta()
        meta.feed(r.read().decode())
        self.csrf = meta.token
        if not self.csrf:
            sys.exit(f"no CSRF token on the chat page (HTTP {r.status})")

    def send(self, text):
        body = json.dumps({"text": text}).encode()
        self.conn.request("POST", "/chat/send", body=body,
                          headers={"Cookie": self.cookie, "X-CSRF-Token": self.csrf,
                                   "Content-Type": "application/json"})
        r = self.conn.getresponse()
        r.read()
        if r.status != 200:
            raise RuntimeError(f"POST /chat/send: HTTP {r.status}")


class Co(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.online = self.loop.create_future()
        self.on_body = None
        self.add_event_handler("session_start", self.start)
        self.register_handler(Callback("bench", MatchXPath("{jabber:client}message/{jabber:client}body"),
                                       self.got))

    async def start(self, _):
        self.send_presence()
        self.online.set_result(True)

    def got(self, m):
        t = time.perf_counter_ns()
        if self.on_body:
            self.on_body(m["body"], t)


def pct(sorted_ms, p):  # nearest rank, as bench/xmpp-relay.py
    return sorted_ms[max(0, min(len(sorted_ms) - 1, round(p / 100 * len(sorted_ms) + 0.5) - 1))]


async def one_by_one(user, co, count, tag):
    loop = asyncio.get_running_loop()
    waiting = {}

    def arrived(body, t):
        fut = waiting.pop(body, None)
        if fut and not fut.done():
            fut.set_result(t)
    co.on_body = arrived
    out = []
    for i in range(count):
        body = f"{tag}{i}"
        fut = waiting[body] = loop.create_future()
        t0 = time.perf_counter_ns()
        await loop.run_in_executor(None, user.send, body)
        t1 = await asyncio.wait_for(fut, 10)
        out.append((t1 - t0) / 1e6)
    return out


async def main(args):
    env = bed_env()
    user = Browser(args.base)
    user.spend(args.link)
    co = Co(env["XMPP_CO1"], env["XMPP_CO1_PASSWORD"])
    co.connect((env["XMPP_HOST"], int(env["XMPP_C2S_PORT"])), disable_starttls=True, force_starttls=False)
    await asyncio.wait_for(co.online, 10)
    if args.room:
        p = co.make_presence(pto=f"{args.room}/bench-co")
        p.xml.append(ET.Element("{http://jabber.org/protocol/muc}x"))
        p.send()
        await asyncio.sleep(0.5)
    await one_by_one(user, co, args.warmup, "w")
    ms = sorted(await one_by_one(user, co, args.n, "m"))
    via = "MUC room" if args.room else "component"
    result = {"what": f"POST /chat/send -> chat-webd -> chatd -> Prosody ({via}) -> CO's slixmpp",
              "count": args.n, "warmup": args.warmup, "p50": pct(ms, 50), "p90": pct(ms, 90),
              "p99": pct(ms, 99), "max": ms[-1], "mean": statistics.fmean(ms)}
    await co.disconnect(wait=1)
    print(json.dumps(result) if args.json else
          f"{args.n} msgs  p50 {result['p50']:.3f} ms  p90 {result['p90']:.3f} ms  "
          f"p99 {result['p99']:.3f} ms  max {result['max']:.3f} ms")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True, help="chat-webd, e.g. http://127.0.0.1:18092")
    ap.add_argument("--link", required=True, help="the chat's guest link")
    ap.add_argument("--room", help="mode = client: the chat's room, which the CO joins")
    ap.add_argument("-n", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    loop = asyncio.get_event_loop()
    loop.run_until_complete(main(args))
    pending = asyncio.all_tasks(loop)
    for t in pending:
        t.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
