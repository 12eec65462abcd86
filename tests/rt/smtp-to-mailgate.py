#!/usr/bin/python3
"""SMTP receiver for the RT test bed: hands each message to rt-mailgate, like
the mail server in front of a real RT, and answers with what RT made of it.

  smtp-to-mailgate.py --port 2525 --rt DOMAIN URL MAILGATE [--rt ...]
                      [--mailbox DOMAIN DIR]

Mail to DOMAIN of --mailbox is the users' own: it is kept in DIR, one file
per address, the newest message last, for tests to read as the user would.

Run with Debian's /usr/bin/python3 (aiosmtpd is a Debian package). Every
message is written to stdout with its envelope and outcome, for debugging.
"""
import argparse
import asyncio
import datetime
import signal
import sys

from aiosmtpd.controller import Controller

# Local part of the recipient -> (queue, action), as RT's aliases would map it.
ROUTES = {
    "rt": ("General", "correspond"),
    "rt-comment": ("General", "comment"),
    "chat": ("Chat", "correspond"),
    "chat-comment": ("Chat", "comment"),
    "triage": ("Triage", "correspond"),
}


def route(address, rts):
    local, _, domain = address.lower().rpartition("@")
    if domain in rts and local in ROUTES:
        return rts[domain] + ROUTES[local]
    return None


class MailgateHandler:
    def __init__(self, rts, mailboxes):
        self.rts = rts  # domain -> (url, mailgate)
        self.mailboxes = mailboxes  # domain -> folder

    def mailbox(self, address):
        local, _, domain = address.lower().rpartition("@")
        folder = self.mailboxes.get(domain)
        if folder is None or not local or "/" in local or local.startswith("."):
            return None
        return f"{folder}/{local}@{domain}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if route(address, self.rts) is None and self.mailbox(address) is None:
            return "550 5.1.1 no such recipient"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def deliver(self, rcpt, content):
        box = self.mailbox(rcpt)
        if box is not None:
            with open(box, "ab") as f:
                f.write(b"From rtchat-test-bed\n" + content + b"\n")
            return "250 2.0.0 delivered to the mailbox", f"{rcpt} -> {box}\n"
        url, mailgate, queue, action = route(rcpt, self.rts)
        # rt-mailgate exits 0 even when RT refuses the message ("not ok");
        # only --debug shows RT's reply, on stderr.
        proc = await asyncio.create_subprocess_exec(
            mailgate, "--debug", "--timeout", "60", "--url", url,
            "--queue", queue, "--action", action,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        out, _ = await proc.communicate(content)
        out = out.decode("utf-8", "replace")
        if proc.returncode != 0:  # 75: RT unreachable or "temporary failure"
            status = "451 4.3.0 RT unavailable, try again later"
        elif any(line.startswith("not ok") for line in out.splitlines()):
            status = "554 5.6.0 RT refused the message"
        else:
            status = "250 2.0.0 delivered to RT"
        return status, f"{rcpt} -> {mailgate} {queue}/{action}: exit {proc.returncode}: {status}\n{out}"

    async def handle_DATA(self, server, session, envelope):
        results = [await self.deliver(r, envelope.original_content or envelope.content)
                   for r in envelope.rcpt_tos]
        # One reply for all recipients: a temporary failure wins, so that the
        # sender retries (a recipient that already got it then gets it twice).
        statuses = [s for s, _ in results]
        reply = next((s for s in statuses if s.startswith("4")), None) \
            or next((s for s in statuses if s.startswith("5")), statuses[0])
        stamp = datetime.datetime.now().isoformat(timespec="milliseconds")
        sys.stdout.write(
            f"=== {stamp} from {session.peer[0]} MAIL FROM:<{envelope.mail_from}> "
            f"RCPT TO:{','.join('<%s>' % r for r in envelope.rcpt_tos)}\n"
            + (envelope.original_content or envelope.content).decode("utf-8", "replace")
            + "\n--- " + "".join(detail for _, detail in results) + f"--- reply: {reply}\n")
        sys.stdout.flush()
        return reply


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=2525)
    ap.add_argument("--rt", nargs=3, action="append", required=True,
                    metavar=("DOMAIN", "URL", "MAILGATE"))
    ap.add_argument("--mailbox", nargs=2, action="append", default=[],
                    metavar=("DOMAIN", "DIR"))
    args = ap.parse_args()
    rts = {d.lower(): (url, gate) for d, url, gate in args.rt}
    mailboxes = {d.lower(): folder for d, folder in args.mailbox}
    # Blocked before the server thread starts, so that sigwait gets them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    controller = Controller(MailgateHandler(rts, mailboxes), hostname=args.host, port=args.port)
    controller.start()
    print(f"listening on {args.host}:{args.port} for {', '.join(rts)}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    main()
