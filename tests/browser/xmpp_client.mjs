// A real XMPP client (tests/xmpp/client.py, slixmpp) as the tests' CO:
// its events come as JSON lines, its commands go as JSON lines.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export class XmppClient {
  constructor(jid, password, port) {
    this.events = [];
    this.proc = spawn('/usr/bin/python3', [join(process.env.RTCHAT_SOURCE_DIR, 'tests/xmpp/client.py'),
      jid, password, '--port', String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let partial = '';
    this.proc.stdout.on('data', (chunk) => {
      partial += chunk.toString();
      let nl;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (line.trim()) this.events.push(JSON.parse(line));
      }
    });
  }

  /** The first event (after `from` index) matching `test`; waits up to `ms`. */
  async waitFor(test, what, ms = 10000, from = 0) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const found = this.events.slice(from).find(test);
      if (found) return found;
      await sleep(20);
    }
    throw new Error(`XMPP client: timed out waiting for ${what}; got ${JSON.stringify(this.events.slice(-8))}`);
  }

  send(command) { this.proc.stdin.write(`${JSON.stringify(command)}\n`); }

  async quit() {
    if (this.proc.exitCode !== null) return;
    this.send({ send: 'quit' });
    this.proc.stdin.end();
    await new Promise((ok) => { this.proc.once('exit', ok); setTimeout(() => { this.proc.kill(); ok(); }, 3000); });
  }
}
