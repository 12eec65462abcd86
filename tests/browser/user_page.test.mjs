// The user's chat page in Debian's headless Chromium, against real chatd and
// chat-webd: what a user sees and does, and what an attacker tries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
const join_ = join;
import { Rtchat, browser, artefacts } from './harness.mjs';

let rtchat;
let chromium;

before(async () => {
  rtchat = await new Rtchat().start();
  chromium = await browser();
});

after(async () => {
  await chromium?.close();
  await rtchat?.stop();
});

async function openChat(url, context) {
  const page = await (context ?? (await chromium.newContext())).newPage();
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.goto(url);
  await page.getByRole('button', { name: 'Open the chat' }).click();
  await page.waitForURL(/\/chat$/);
  await page.locator('#status:text-is("")').waitFor();
  return { page, dialogs };
}

test('the CO and the user chat live, each way', async () => {
  const { id, url } = rtchat.startChat('alice');
  const landing = await (await chromium.newContext()).newPage();
  await landing.goto(url);
  await landing.screenshot({ path: join(artefacts, 'user-link.png') });
  assert.equal(rtchat.show(id).chat.state, 'invited', 'opening the link alone must change nothing');
  await landing.close();

  const { page } = await openChat(url);
  assert.equal(rtchat.show(id).chat.state, 'active');
  await assert.doesNotReject(page.getByRole('heading', { name: 'Chat with root' }).waitFor());

  rtchat.chatctl('say', String(id), 'Hello Alice, what can I do for you?');
  await page.locator('.messages li', { hasText: 'what can I do for you' }).waitFor();

  await page.locator('#text').fill('My printer says PC LOAD LETTER.');
  await page.keyboard.press('Enter');
  await rtchat.until(() => rtchat.show(id).messages.some((m) => m.body === 'My printer says PC LOAD LETTER.' && m.role === 'user'), 'the user message in chatd');
  await page.locator('.messages li.mine', { hasText: 'PC LOAD LETTER' }).waitFor();
  await rtchat.until(async () => (await page.locator('#text').inputValue()) === '', 'the box cleared after sending');

  rtchat.chatctl('say', String(id), 'Load letter-size paper in tray 2.\nThen press OK.');
  await page.locator('.messages li', { hasText: 'tray 2' }).waitFor();
  await page.setViewportSize({ width: 900, height: 640 });
  await page.screenshot({ path: join(artefacts, 'user-chat.png') });
  await page.setViewportSize({ width: 390, height: 740 });
  await page.screenshot({ path: join(artefacts, 'user-chat-phone.png') });

  rtchat.chatctl('close', String(id), '--summary', 'Paper size fixed');
  await page.locator('#status', { hasText: 'This chat has ended' }).waitFor();
  assert.equal(await page.locator('#text').isDisabled(), true);
  await page.screenshot({ path: join(artefacts, 'user-chat-ended.png') });
});

test('markup typed by either side shows as text and runs nothing', async () => {
  const { id, url } = rtchat.startChat('mallory');
  const { page, dialogs } = await openChat(url);
  const evil = '<img src=x onerror=alert(1)>';
  rtchat.chatctl('say', String(id), evil);
  await page.locator('#text').fill(`${evil}<script>alert(2)</script>`);
  await page.keyboard.press('Enter');
  await page.locator('.messages li.mine').waitFor();
  const bodies = await page.locator('.messages .body').allTextContents();
  assert.deepEqual(bodies, [evil, `${evil}<script>alert(2)</script>`]);
  assert.equal(await page.locator('.messages img, .messages script').count(), 0);
  await page.waitForTimeout(300);
  assert.deepEqual(dialogs, [], 'a script ran');
});

test('forged, spent and expired links get a clear page', async () => {
  const page = await (await chromium.newContext()).newPage();
  const forged = await page.goto(`${rtchat.base}/c/${'A'.repeat(43)}`);
  assert.equal(forged.status(), 200, 'the landing page shows for any well-formed link');
  const refused = await page.request.post(`${rtchat.base}/c/${'A'.repeat(43)}`);
  assert.equal(refused.status(), 404);
  await page.setContent(await refused.text());
  await page.getByRole('heading', { name: 'This link is not valid' }).waitFor();

  const garbage = await page.goto(`${rtchat.base}/c/..%2F..%2Fetc%2Fpasswd`);
  assert.equal(garbage.status(), 404);
  await page.getByRole('heading', { name: 'This link is not valid' }).waitFor();
  await page.screenshot({ path: join(artefacts, 'link-invalid.png') });

  const { url } = rtchat.startChat('bob');
  await openChat(url);
  const again = await (await chromium.newContext()).newPage();
  await again.goto(url);
  await again.getByRole('button', { name: 'Open the chat' }).click();
  await again.getByRole('heading', { name: 'This link no longer works' }).waitFor();
  assert.match(await again.locator('main').innerText(), /This link has already been used\./);
  await again.screenshot({ path: join(artefacts, 'link-spent.png') });

  const expiring = rtchat.startChat('carol');
  rtchat.sql(`UPDATE guest_links SET expires_at = 0 WHERE chat_id = ${expiring.id}`);
  const late = await (await chromium.newContext()).newPage();
  await late.goto(expiring.url);
  await late.getByRole('button', { name: 'Open the chat' }).click();
  await late.getByRole('heading', { name: 'This link no longer works' }).waitFor();
  assert.match(await late.locator('main').innerText(), /This link has expired\./);
  assert.equal(rtchat.show(expiring.id).chat.state, 'invited');
});

test('a POST without the CSRF token is refused and stores nothing', async () => {
  const { id, url } = rtchat.startChat('dave');
  const { page } = await openChat(url);
  const result = await page.evaluate(async () => {
    const r = await fetch('/chat/send', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'forged' }),
    });
    return { status: r.status, body: await r.json() };
  });
  assert.equal(result.status, 403);
  assert.equal(result.body.error, 'the page is out of date; reload it and try again');
  const wrongOrigin = await page.request.post(`${rtchat.base}/chat/send`, {
    headers: { 'X-CSRF-Token': await page.locator('meta[name="csrf-token"]').getAttribute('content'),
      Origin: 'https://evil.example', 'Content-Type': 'application/json' },
    data: { text: 'cross-site' },
  });
  assert.equal(wrongOrigin.status(), 403);
  assert.equal(rtchat.show(id).messages.length, 0);
});

test('a browser that reconnects after chat-webd restarts sees every message exactly once', async () => {
  const { id, url } = rtchat.startChat('erin');
  const { page } = await openChat(url);
  rtchat.chatctl('say', String(id), 'one');
  await page.locator('.messages li', { hasText: 'one' }).waitFor();
  await rtchat.stopWebd();
  await page.locator('#status', { hasText: 'reconnecting' }).waitFor();
  rtchat.chatctl('say', String(id), 'two');
  rtchat.chatctl('say', String(id), 'three');
  await rtchat.startWebd();
  await page.locator('.messages li', { hasText: 'three' }).waitFor({ timeout: 15000 });
  await page.locator('#status:text-is("")').waitFor();
  rtchat.chatctl('say', String(id), 'four');
  await page.locator('.messages li', { hasText: 'four' }).waitFor();
  const bodies = await page.locator('.messages .body').allTextContents();
  assert.deepEqual(bodies, ['one', 'two', 'three', 'four']);
});

test('open pages carry on after chatd restarts: every message once, the user online again', async () => {
  // Two chats, one of them open in two tabs of the same browser.
  const a = rtchat.startChat('ivy');
  const b = rtchat.startChat('jack');
  const context = await chromium.newContext();
  const { page: first } = await openChat(a.url, context);
  const second = await context.newPage();
  await second.goto(`${rtchat.base}/chat`);
  await second.locator('#status:text-is("")').waitFor();
  const { page: other } = await openChat(b.url);
  rtchat.chatctl('say', String(a.id), 'before');
  rtchat.chatctl('say', String(b.id), 'before b');
  for (const p of [first, second])
    await p.locator('.messages li', { hasText: 'before' }).waitFor();
  await other.locator('.messages li', { hasText: 'before b' }).waitFor();

  await rtchat.stopChatd();
  await rtchat.startChatd();
  await rtchat.until(() => rtchat.chatctl('show', String(a.id)).includes('user is: online'), 'ivy online again', 10000);
  await rtchat.until(() => rtchat.chatctl('show', String(b.id)).includes('user is: online'), 'jack online again', 10000);
  rtchat.chatctl('say', String(a.id), 'after');
  rtchat.chatctl('say', String(b.id), 'after b');
  for (const p of [first, second]) {
    await p.locator('.messages li', { hasText: 'after' }).waitFor({ timeout: 10000 });
    assert.deepEqual(await p.locator('.messages .body').allTextContents(), ['before', 'after']);
  }
  await other.locator('.messages li', { hasText: 'after b' }).waitFor({ timeout: 10000 });
  assert.deepEqual(await other.locator('.messages .body').allTextContents(), ['before b', 'after b']);
  // What the user writes still arrives.
  await first.locator('#text').fill('still here');
  await first.keyboard.press('Enter');
  await rtchat.until(() => rtchat.show(a.id).messages.some((m) => m.body === 'still here'), 'the user message after the restart');
  await second.locator('.messages li', { hasText: 'still here' }).waitFor();
  await context.close();
  await other.context().close();
});

test('the page works from the keyboard alone', async () => {
  const { id, url } = rtchat.startChat('frank');
  const page = await (await chromium.newContext()).newPage();
  await page.goto(url);
  for (let i = 0; i < 5 && !(await page.locator('button:focus').count()); ++i)
    await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/chat$/);
  await page.locator('#text:focus').waitFor();
  await page.keyboard.type('typed without a mouse');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('second line');
  await page.keyboard.press('Enter');
  await rtchat.until(() => rtchat.show(id).messages.length === 1, 'the message');
  assert.equal(rtchat.show(id).messages[0].body, 'typed without a mouse\nsecond line');
});

test('presence: the user sees whether the CO follows; the CO sees the tab close', async () => {
  const { id, url } = rtchat.startChat('grace');
  const { page } = await openChat(url);
  const presence = page.locator('#co-presence');
  await presence.and(page.locator('[data-state="gone"]')).waitFor();
  assert.match(await presence.innerText(), /root is not following the chat just now/);
  await rtchat.until(() => rtchat.chatctl('show', String(id)).includes('user is: online'), 'user online');

  const join = spawn(process.env.CHATCTL, ['join', String(id)], { env: rtchat.env, stdio: ['pipe', 'pipe', 'inherit'] });
  await presence.and(page.locator('[data-state="online"]')).waitFor();
  assert.equal(await presence.innerText(), 'root is online');
  await page.screenshot({ path: join_(artefacts, 'user-chat-co-online.png') });

  const started = Date.now();
  await page.close({ runBeforeUnload: true });
  await rtchat.until(() => rtchat.chatctl('show', String(id)).includes('user is: gone'), 'user gone', 10000);
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds < 5, `the CO saw the tab close after ${seconds} s`);

  join.stdin.end('/quit\n');
  await new Promise((ok) => join.once('exit', ok));
});

test('one person cannot hold more event streams than the per-user limit', async () => {
  // Three links for one user, four streams each: the eleventh stream is refused.
  const sessions = [];
  for (let i = 0; i < 3; ++i) {
    const { url } = rtchat.startChat('many-tabs');
    const r = await fetch(url, { method: 'POST', redirect: 'manual' });
    sessions.push(/rtchat_session=([^;]+)/.exec(r.headers.get('set-cookie'))[1]);
  }
  const aborts = [];
  const statuses = [];
  for (const session of sessions) {
    for (let tab = 0; tab < 4; ++tab) {
      const abort = new AbortController();
      aborts.push(abort);
      const r = await fetch(`${rtchat.base}/chat/events`, {
        headers: { Cookie: `rtchat_session=${session}` }, signal: abort.signal,
      });
      statuses.push(r.status);
      if (r.status !== 200) await r.text();
    }
  }
  aborts.forEach((a) => a.abort());
  assert.deepEqual(statuses.filter((s) => s === 200).length, 10);
  assert.deepEqual(statuses.slice(10), [429, 429]);
});

test('behind https the session cookie is Secure, HttpOnly and SameSite=Strict', async () => {
  const tls = await new Rtchat().start({ extraWeb: 'base_url = https://chat.example.org' });
  try {
    const { url } = tls.startChat('tina');
    assert.match(url, /^https:\/\/chat\.example\.org\/c\/[A-Za-z0-9_-]{43}$/);
    const token = url.slice(url.lastIndexOf('/') + 1);
    const r = await fetch(`${tls.direct}/c/${token}`, { method: 'POST', redirect: 'manual' });
    assert.equal(r.status, 303);
    const cookie = r.headers.get('set-cookie');
    assert.match(cookie, /^rtchat_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/);
    const plain = await fetch(`${rtchat.direct}/c/${rtchat.startChat('ursula').url.split('/').pop()}`,
      { method: 'POST', redirect: 'manual' });
    assert.doesNotMatch(plain.headers.get('set-cookie'), /Secure/, 'no Secure flag over plain http');
  } finally {
    await tls.stop();
  }
});

test('a browser that vanishes without a word is seen as gone by the keep-alives', async () => {
  // No page, no pagehide beacon: only the stream's socket closes. chat-webd
  // notices at the next keep-alive write (heartbeat is 1 s in these tests).
  const { id, url } = rtchat.startChat('vanishing');
  const r = await fetch(url, { method: 'POST', redirect: 'manual' });
  const session = /rtchat_session=([^;]+)/.exec(r.headers.get('set-cookie'))[1];
  const abort = new AbortController();
  const stream = await fetch(`${rtchat.base}/chat/events`, {
    headers: { Cookie: `rtchat_session=${session}` }, signal: abort.signal,
  });
  assert.equal(stream.status, 200);
  await rtchat.until(() => rtchat.chatctl('show', String(id)).includes('user is: online'), 'online');
  abort.abort();
  await rtchat.until(() => rtchat.chatctl('show', String(id)).includes('user is: gone'), 'gone', 6000);
});
