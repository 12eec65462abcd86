#!/usr/bin/python3
"""A real XMPP client for the tests, driven by JSON lines (slixmpp 1.8).

Run with Debian's /usr/bin/python3 (python3-slixmpp); a pyenv/venv python3
does not see that package.

    client.py JID PASSWORD [--host 127.0.0.1] [--port 25222] [--debug]

Logs in over plain TCP (no STARTTLS), fetches the roster, sends initial
presence. Stdout, one JSON object per line, flushed:
    {"event":"online","jid":FULLJID}
    {"event":"message","from":..,"type":..,"id":..,"body":..[,"state":..]}
        (state: the XEP-0085 chat state carried with the body, if any)
    {"event":"chatstate","from":..,"type":..,"state":"composing|paused|active|inactive|gone"}
        (standalone notifications, no body)
    {"event":"presence","from":..,"type":"available|unavailable|subscribe|..","show":..,"status":..}
    {"event":"invite","room":..,"from":..,"reason":..}   (XEP-0045 mediated invitation)
    {"event":"error","from":..,"kind":"message|presence","condition":..,"text":..}
    {"event":"auth-failed"} / {"event":"disconnected","reason":..}   then exit 1
    {"event":"bad-command","line":..,"text":..}
Stdin, one JSON object per line (read once online):
    {"send":"message","to":..,"body":..[,"type":"chat"][,"state":..][,"id":..]}
    {"send":"chatstate","to":..,"state":"composing"}
    {"send":"presence"[,"show":"away"|""][,"status":..][,"to":..][,"type":..]}
    {"send":"join","room":ROOM@MUC,"nick":..}   (XEP-0045; leave: presence to
        ROOM@MUC/NICK with "type":"unavailable"; room messages: "type":"groupchat")
    {"send":"forget","jid":..}  remove JID from the roster (its subscriptions both
        ways go); then {"event":"forgotten","jid":..}
    {"send":"quit"}          or EOF: disconnect cleanly, exit 0
"""
import argparse
import asyncio
import json
import logging
import sys
import threading
import xml.etree.ElementTree as ET

logging.getLogger("slixmpp.stringprep").setLevel(logging.ERROR)  # "Using slower stringprep"
import slixmpp  # noqa: E402
from slixmpp.xmlstream.handler import Callback  # noqa: E402
from slixmpp.xmlstream.matcher import MatchXPath  # noqa: E402


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0085")  # chat states
        self.done = self.loop.create_future()  # result: exit status
        self.quitting = False
        # One handler for every message stanza, so each is reported once.
        self.register_handler(Callback("test messages", MatchXPath("{jabber:client}message"),
                                       self.on_message))
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("presence", self.on_presence)
        self.add_event_handler("failed_all_auth", lambda _: self.fail({"event": "auth-failed"}))
        self.add_event_handler("connection_failed",
                               lambda e: self.fail({"event": "disconnected", "reason": str(e)}))
        self.add_event_handler("disconnected", self.on_disconnected)

    async def on_start(self, _):
        await self.get_roster()
        self.send_presence()
        emit({"event": "online", "jid": str(self.boundjid)})
        threading.Thread(target=self.read_stdin, daemon=True).start()

    def on_message(self, m):
        sender = str(m["from"])
        invite = m.xml.find("{http://jabber.org/protocol/muc#user}x/"
                            "{http://jabber.org/protocol/muc#user}invite")
        if m["type"] == "error":
            emit({"event": "error", "kind": "message", "from": sender,
                  "condition": m["error"]["condition"], "text": m["error"]["text"]})
        elif invite is not None:
            reason = invite.find("{http://jabber.org/protocol/muc#user}reason")
            emit({"event": "invite", "room": sender, "from": invite.get("from"),
                  "reason": reason.text if reason is not None else None})
        elif m["body"]:
            ev = {"event": "message", "from": sender, "type": m["type"], "id": m["id"], "body": m["body"]}
            if m["chat_state"]:
                ev["state"] = m["chat_state"]
            emit(ev)
        elif m["chat_state"]:
            emit({"event": "chatstate", "from": sender, "type": m["type"], "state": m["chat_state"]})

    def on_presence(self, p):
        sender = str(p["from"])
        if p["type"] == "error":
            emit({"event": "error", "kind": "presence", "from": sender,
                  "condition": p["error"]["condition"], "text": p["error"]["text"]})
        else:  # p["type"] would give the <show/> value for available presence
            emit({"event": "presence", "from": sender, "type": p.xml.get("type", "available"),
                  "show": p["show"], "status": p["status"]})

    def read_stdin(self):  # thread: works for pipes, files and ttys alike
        for line in sys.stdin:
            if line.strip():
                self.loop.call_soon_threadsafe(self.command, line)
        self.loop.call_soon_threadsafe(self.quit)

    def command(self, line):
        try:
            c = json.loads(line)
            what = c["send"]
            if what == "message":
                m = self.make_message(mto=c["to"], mbody=c["body"], mtype=c.get("type", "chat"))
                if c.get("state"):
                    m["chat_state"] = c["state"]
                if c.get("id"):
                    m["id"] = c["id"]
                m.send()
            elif what == "chatstate":
                m = self.make_message(mto=c["to"], mtype=c.get("type", "chat"))
                m["chat_state"] = c["state"]
                m.send()
            elif what == "presence":
                self.send_presence(pshow=c.get("show") or None, pstatus=c.get("status"),
                                   pto=c.get("to"), ptype=c.get("type"))
            elif what == "join":
                p = self.make_presence(pto=f"{c['room']}/{c['nick']}")
                p.xml.append(ET.Element("{http://jabber.org/protocol/muc}x"))
                p.send()
            elif what == "forget":
                asyncio.ensure_future(self.forget(c["jid"], line))
            elif what == "quit":
                self.quit()
            else:
                raise ValueError(f"unknown send {what!r}")
        except Exception as e:  # report, keep running
            emit({"event": "bad-command", "line": line.strip(), "text": f"{type(e).__name__}: {e}"})

    async def forget(self, jid, line):
        try:
            try:
                await self.update_roster(jid, subscription="remove")
            except slixmpp.exceptions.IqError as e:
                if e.condition != "item-not-found":  # not there: forgotten already
                    raise
            emit({"event": "forgotten", "jid": jid})
        except Exception as e:
            emit({"event": "bad-command", "line": line.strip(), "text": f"{type(e).__name__}: {e}"})

    def quit(self):
        if not self.quitting:
            self.quitting = True
            self.disconnect(wait=2)

    def fail(self, event):
        if not self.done.done():
            emit(event)
            self.done.set_result(1)

    def on_disconnected(self, reason):
        if self.quitting and not self.done.done():
            self.done.set_result(0)
        else:
            self.fail({"event": "disconnected", "reason": str(reason) if reason else None})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("jid")
    ap.add_argument("password")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=25222)
    ap.add_argument("--debug", action="store_true", help="slixmpp debug log (stanzas) on stderr")
    args = ap.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    client = Client(args.jid, args.password)
    client.connect((args.host, args.port), disable_starttls=True, force_starttls=False)
    status = client.loop.run_until_complete(client.done)
    sys.exit(status)


if __name__ == "__main__":
    main()
