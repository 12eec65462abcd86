// What the browser tests need of the test beds (tests/rt/bed,
// tests/xmpp/bed): their env files, RT 5's REST2 as root, and copies of the
// bed's secrets that chatd may read.
import { readFileSync, copyFileSync, chmodSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/** The `export NAME=value` lines of a bed's env file, as an object. */
export function bedEnv(name) {
  return Object.fromEntries(readFileSync(`/run/rtchat-test-bed/${name}.env`, 'utf8')
    .split('\n').map((l) => l.match(/^export (\w+)=(.*)$/)).filter(Boolean).map((m) => [m[1], m[2]]));
}

export const asRtRoot = { Authorization: `Basic ${Buffer.from('root:password').toString('base64')}` };

/** A REST2 call to RT 5 as root; the parsed JSON answer. */
export async function rest2(path, init = {}) {
  const r = await fetch(`${bedEnv('bed').RT5_URL}/REST/2.0/${path}`,
    { ...init, headers: { ...asRtRoot, ...(init.headers || {}) } });
  return r.json();
}

/** Every text/plain part of an RT 5 ticket's correspondence. */
export async function rtReplies(ticket) {
  const { items } = await rest2(`ticket/${ticket}/history?fields=Type&per_page=100`);
  let text = '';
  for (const t of items.filter((i) => i.Type === 'Correspond')) {
    const parts = await rest2(`transaction/${t.id}/attachments?fields=Content,ContentType`);
    for (const p of parts.items) if (p.ContentType === 'text/plain') text += p.Content;
  }
  return text;
}

/**
 * Copies secret files into a new folder (0755, the files 0600) for
 * rtchat.conf to name: `{ 'rt5.token': bed.RT5_BOT_TOKEN_FILE }` →
 * the folder's path.
 */
export function copySecrets(files) {
  const dir = mkdtempSync(join(tmpdir(), 'rtchat-secrets-'));
  chmodSync(dir, 0o755);
  for (const [name, from] of Object.entries(files)) {
    copyFileSync(from, join(dir, name));
    chmodSync(join(dir, name), 0o600);
  }
  return dir;
}
