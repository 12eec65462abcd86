// The CO console through a real Apache with the shipped conf/apache/rtchat.conf:
// sign-in, live chat with a user (also through Apache), close and new link,
// and the trusted-header rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Rtchat, browser, artefacts, freePort } from './harness.mjs';
import { startApache } from './apache.mjs';

let rtchat;
let apache;
let chromium;

before(async () => {
  const apachePort = await freePort();
  rtchat = await new Rtchat().start({ apachePort });
  apache = await startApache(rtchat, apachePort,
    { root: 'console-secret', mallory: 'not-a-co', carol: 'carol-pw', dave: 'dave-pw' });
  chromium = await browser();
});

after(async () => {
  await chromium?.close();
  await apache?.stop();
  await rtchat?.stop();
});

const asCo = (user = 'root', password = 'console-secret') =>
  chromium.newContext({ httpCredentials: { username: user, password } });

async function openAsUser(url) {
  const page = await (await chromium.newContext()).newPage();
  await page.goto(url);
  await page.getByRole('button', { name: 'Open the chat' }).click();
  await page.waitForURL(/\/chat$/);
  await page.locator('#status:text-is("")').waitFor();
  return page;
}

test('a CO chats with a user from the console, through Apache', async () => {
  const { id, url } = rtchat.startChat('alice');
  assert.ok(url.startsWith(apache.base), `guest links point at Apache: ${url}`);
  const console_ = await (await asCo()).newPage();
  await console_.goto(`${apache.base}/co/`);
  await console_.getByRole('link', { name: `#${id}` }).waitFor();
  await console_.locator('body[data-live="yes"]').waitFor();
  assert.match(await console_.locator('header').innerText(), /Signed in as root/);

  const user = await openAsUser(url);
  // The list follows live: alice's presence shows without a reload.
  await console_.locator(`tr[data-chat="${id}"] .presence[data-state="online"]`).waitFor();
  await console_.screenshot({ path: join(artefacts, 'co-list.png') });

  await console_.getByRole('link', { name: `#${id}` }).click();
  await console_.waitForURL(new RegExp(`/co/chat/${id}$`));
  await user.locator('#co-presence[data-state="online"]').waitFor();

  // Typing shows on the other side, both ways.
  await user.locator('#text').pressSequentially('Hello');
  await console_.locator('#typing', { hasText: 'alice is typing…' }).waitFor();
  await console_.locator('#text').pressSequentially('One');
  await user.locator('#typing', { hasText: 'root is typing…' }).waitFor();
  await console_.locator('#text').fill('');
  await user.locator('#text').fill('Hello, my VPN will not connect.');
  await user.keyboard.press('Enter');
  await console_.locator('.messages li', { hasText: 'VPN will not connect' }).waitFor();
  assert.equal(await console_.locator('#typing').innerText(), '', 'the message ends "typing…"');

  await console_.locator('#text').fill('Which client version do you have?');
  await console_.keyboard.press('Enter');
  await user.locator('.messages li', { hasText: 'Which client version' }).waitFor();
  const author = await user.locator('.messages li', { hasText: 'Which client version' }).locator('.meta').innerText();
  assert.match(author, /^root · /);
  await console_.screenshot({ path: join(artefacts, 'co-chat.png') });

  await console_.getByText('Close the chat, or give the user a new link').click();
  await console_.getByRole('button', { name: 'Make a new link for alice' }).click();
  await console_.locator('#status', { hasText: 'New link made' }).waitFor();
  const fresh = await console_.locator('#link-url').inputValue();
  assert.match(fresh, new RegExp(`^${apache.base}/c/[A-Za-z0-9_-]{43}$`));
  assert.notEqual(fresh, url);

  await console_.locator('#summary').fill('VPN client updated to 5.2; works now.');
  await console_.getByRole('button', { name: 'Close chat' }).click();
  await console_.locator('#status', { hasText: 'This chat is closed' }).waitFor();
  await user.locator('#status', { hasText: 'This chat has ended' }).waitFor();
  const shown = rtchat.show(id);
  assert.equal(shown.chat.state, 'closed');
  assert.equal(shown.chat.closed_by, 'root');
  assert.equal(shown.chat.summary, 'VPN client updated to 5.2; works now.');
  await console_.screenshot({ path: join(artefacts, 'co-chat-closed.png') });
});

test('the console needs a site login, and a login that is a CO', async () => {
  const anonymous = await fetch(`${apache.base}/co/`);
  assert.equal(anonymous.status, 401, 'Apache asks for a login');

  const page = await (await asCo('mallory', 'not-a-co')).newPage();
  const refused = await page.goto(`${apache.base}/co/`);
  assert.equal(refused.status(), 403);
  assert.match(await page.locator('main').innerText(), /mallory is not a CO/);
});

test('the user header counts only from the trusted proxy', async () => {
  // From another loopback address, straight to chat-webd: refused.
  const forged = execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}',
    '--interface', '127.0.0.2', '-H', 'X-Remote-User: root', `${rtchat.direct}/co/`], { encoding: 'utf8' });
  assert.equal(forged, '403');
  const forgedUserPage = execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}',
    '--interface', '127.0.0.2', '-H', 'X-Remote-User: root', `${rtchat.direct}/chat`], { encoding: 'utf8' });
  assert.equal(forgedUserPage, '403');
  // Without the header nobody is signed in.
  const anonymous = await fetch(`${rtchat.direct}/co/`);
  assert.equal(anonymous.status, 401);
  // A browser cannot name itself through Apache either: the header is stripped.
  const smuggled = await fetch(`${apache.base}/chat`, { headers: { 'X-Remote-User': 'root' } });
  assert.equal(smuggled.status, 403);
  assert.match(await smuggled.text(), /No chat open in this browser/);
});

test('a console POST without its CSRF token is refused', async () => {
  const { id } = rtchat.startChat('bob');
  const page = await (await asCo()).newPage();
  await page.goto(`${apache.base}/co/chat/${id}`);
  const result = await page.evaluate(async (chat) => {
    const r = await fetch(`/co/api/chat/${chat}/say`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'forged' }),
    });
    return r.status;
  }, id);
  assert.equal(result, 403);
  assert.equal(rtchat.show(id).messages.length, 0);
});

test('a user signed in by the site reaches their own chat without a link, and only theirs', async () => {
  const { id } = rtchat.startChat('carol');
  const carol = await (await chromium.newContext({ httpCredentials: { username: 'carol', password: 'carol-pw' } })).newPage();
  await carol.goto(`${apache.base}/my/`);
  await carol.waitForURL(/\/chat$/);
  await carol.locator('#status:text-is("")').waitFor();
  assert.equal(rtchat.show(id).chat.state, 'active');
  rtchat.chatctl('say', String(id), 'Hello Carol, I see your ticket.');
  await carol.locator('.messages li', { hasText: 'I see your ticket' }).waitFor();
  await carol.screenshot({ path: join(artefacts, 'my-chat.png') });

  const dave = await (await chromium.newContext({ httpCredentials: { username: 'dave', password: 'dave-pw' } })).newPage();
  const none = await dave.goto(`${apache.base}/my/`);
  assert.equal(none.status(), 404);
  await dave.getByRole('heading', { name: 'No open chat' }).waitFor();
  const theirs = await dave.goto(`${apache.base}/my/chat/${id}`);
  assert.equal(theirs.status(), 404, "someone else's chat must not open");
  const sent = await dave.request.get(`${apache.base}/chat`);
  assert.equal(sent.status(), 403, 'and no session was given');

  const anonymous = await fetch(`${apache.base}/my/`);
  assert.equal(anonymous.status, 401);
});
