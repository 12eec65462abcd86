// Starts a real chatd and chat-webd (as uid nobody, the web service user of
// these tests) in a temporary folder, and drives them as a CO would.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name}`);
  return v;
};

async function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
    s.on('error', fail);
  });
}

export const artefacts = resolve(process.env.RTCHAT_ARTEFACTS || 'artefacts');

export class Rtchat {
  /** With `apachePort`, users and COs come through Apache on that port. */
  async start({ extraWeb = '', apachePort = 0 } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'rtchat-browser-'));
    chmodSync(this.dir, 0o755);
    this.port = await freePort();
    this.direct = `http://127.0.0.1:${this.port}`;
    this.base = apachePort ? `http://127.0.0.1:${apachePort}` : this.direct;
    this.config = join(this.dir, 'rtchat.conf');
    writeFileSync(this.config, [
      '[store]', `path = ${this.dir}/rtchat.db`,
      '[chatd]', `socket = ${this.dir}/chatd.sock`, 'socket_mode = 0666', 'web_user = nobody',
      '[web]', `listen = 127.0.0.1:${this.port}`, `base_url = ${this.base}`,
      `share_dir = ${need('RTCHAT_SOURCE_DIR')}`, 'heartbeat = 1s', extraWeb,
      '[log]', 'level = debug', ''].join('\n'));
    chmodSync(this.config, 0o644);
    this.env = { ...process.env, RTCHAT_CONFIG: this.config };
    await this.startChatd();
    await this.startWebd();
    return this;
  }

  async startChatd() {
    this.chatd = spawn(need('CHATD'), ['-c', this.config], { stdio: ['ignore', 'ignore', 'inherit'] });
    await this.until(() => existsSync(join(this.dir, 'chatd.sock')), 'chatd socket');
  }

  async stopChatd() {
    this.chatd.kill('SIGTERM');
    await new Promise((ok) => this.chatd.once('exit', ok));
    rmSync(join(this.dir, 'chatd.sock'), { force: true });
  }

  async startWebd() {
    this.webd = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups',
      need('CHAT_WEBD'), '-c', this.config], { stdio: ['ignore', 'ignore', 'inherit'] });
    await this.until(async () => {
      try { return (await fetch(`${this.direct}/healthz`)).ok; } catch { return false; }
    }, 'chat-webd /healthz');
  }

  async stopWebd() {
    this.webd.kill('SIGTERM');
    await new Promise((ok) => this.webd.once('exit', ok));
  }

  async until(check, what, ms = 5000) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await check()) return;
      await sleep(20);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  chatctl(...args) {
    return execFileSync(need('CHATCTL'), args, { env: this.env, encoding: 'utf8' });
  }

  /** Starts a chat for `user`; returns { id, url }. */
  startChat(user = 'alice') {
    const r = JSON.parse(this.chatctl('start', '--user', user, '--json'));
    return { id: r.chat.id, url: r.link.url };
  }

  show(id) { return JSON.parse(this.chatctl('show', String(id), '--json')); }

  sql(statement) {
    return execFileSync('sqlite3', [join(this.dir, 'rtchat.db'), statement], { encoding: 'utf8' });
  }

  async stop() {
    for (const p of [this.webd, this.chatd]) {
      if (p && p.exitCode === null) {
        p.kill('SIGTERM');
        await new Promise((ok) => p.once('exit', ok));
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export { freePort };

/** Opens a guest link in a new browser context as its user: the link page, its button, the chat. */
export async function openGuestLink(chromium, url) {
  const page = await (await chromium.newContext()).newPage();
  await page.goto(url);
  await page.getByRole('button', { name: 'Open the chat' }).click();
  await page.waitForURL(/\/chat$/);
  return page;
}

export async function browser() {
  const { chromium } = await import('playwright-core');
  mkdirSync(artefacts, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
