// A CO in a real XMPP client (slixmpp) and a user in the browser, through a
// real Prosody (tests/xmpp/bed) with chatd as its XEP-0114 component.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Rtchat, browser, artefacts } from './harness.mjs';
import { XmppClient } from './xmpp_client.mjs';

const env = Object.fromEntries(readFileSync('/run/rtchat-test-bed/xmpp.env', 'utf8')
  .split('\n').map((l) => l.match(/^export (\w+)=(.*)$/)).filter(Boolean).map((m) => [m[1], m[2]]));
const chatAddress = (id) => `chat-${id}@${env.XMPP_COMPONENT}`;

let rtchat;
let chromium;
let co;

before(async () => {
  // The CO starts as a stranger to the service: no roster entry, so no
  // presence subscription either way (an earlier run leaves one).
  const fresh = new XmppClient(env.XMPP_CO1, env.XMPP_CO1_PASSWORD, env.XMPP_C2S_PORT);
  try {
    await fresh.waitFor((e) => e.event === 'online', 'the CO online');
    fresh.send({ send: 'forget', jid: env.XMPP_COMPONENT });
    await fresh.waitFor((e) => e.event === 'forgotten', 'the service off the CO\'s roster');
  } finally {
    await fresh.quit();
  }
  rtchat = await new Rtchat().start({
    extraWeb: ['[xmpp]', 'mode = component', `port = ${env.XMPP_COMPONENT_PORT}`,
      `domain = ${env.XMPP_COMPONENT}`, `secret_file = ${env.XMPP_SECRET_FILE}`,
      `co_jids = root=${env.XMPP_CO1}`].join('\n'),
  });
  chromium = await browser();
  co = new XmppClient(env.XMPP_CO1, env.XMPP_CO1_PASSWORD, env.XMPP_C2S_PORT);
  await co.waitFor((e) => e.event === 'online', 'the CO online');
});

after(async () => {
  await co?.quit();
  await chromium?.close();
  await rtchat?.stop();
});

async function openAsUser(url) {
  const page = await (await chromium.newContext()).newPage();
  await page.goto(url);
  await page.getByRole('button', { name: 'Open the chat' }).click();
  await page.waitForURL(/\/chat$/);
  return page;
}

test('the CO\'s own XMPP presence is what the user sees as the CO online', async () => {
  // The service asked for the CO's presence when it connected (the CO was
  // offline); their client granted it at login, so the service knows.
  const { url } = rtchat.startChat('oli');
  const user = await openAsUser(url);
  const coPresence = user.locator('#co-presence');
  await coPresence.filter({ hasText: 'root is online' }).waitFor({ timeout: 10000 });
  await co.quit();
  await coPresence.filter({ hasText: 'root is not following the chat' }).waitFor({ timeout: 10000 });
  co = new XmppClient(env.XMPP_CO1, env.XMPP_CO1_PASSWORD, env.XMPP_C2S_PORT);
  await co.waitFor((e) => e.event === 'online', 'the CO back online');
  await coPresence.filter({ hasText: 'root is online' }).waitFor({ timeout: 10000 });
  await user.context().close();
});

test('user in the browser ↔ CO in an XMPP client: messages, typing, the user\'s presence', async () => {
  const { id, url } = rtchat.startChat('zoe');
  const user = await openAsUser(url);
  // The user's window open: the chat's address is online for the CO.
  await co.waitFor((e) => e.event === 'presence' && e.from.startsWith(chatAddress(id)) && e.type === 'available',
    'the chat online');

  await user.locator('#text').fill('Hello, my laptop does not find the printer.');
  await user.keyboard.press('Enter');
  const got = await co.waitFor((e) => e.event === 'message' && e.from.startsWith(chatAddress(id)), 'the user\'s message');
  assert.equal(got.body, 'Hello, my laptop does not find the printer.');

  co.send({ send: 'chatstate', to: chatAddress(id), state: 'composing' });
  await user.locator('#typing', { hasText: 'root is typing…' }).waitFor();
  co.send({ send: 'message', to: chatAddress(id), body: 'Which building are you in? <b>bold</b>' });
  await user.locator('.messages li', { hasText: 'Which building are you in? <b>bold</b>' }).waitFor();
  const stored = rtchat.show(id).messages.map((m) => `${m.role}:${m.author}:${m.text ?? m.body}`);
  assert.ok(stored.includes('co:root:Which building are you in? <b>bold</b>'), JSON.stringify(stored));

  // The user's typing reached the CO as XEP-0085 "composing" before the message.
  const composing = co.events.findIndex((e) => e.event === 'chatstate' && e.from.startsWith(chatAddress(id)) && e.state === 'composing');
  const message = co.events.findIndex((e) => e.event === 'message' && e.from.startsWith(chatAddress(id)));
  assert.ok(composing >= 0 && composing < message, 'composing came before the message');
  await user.screenshot({ path: join(artefacts, 'xmpp-user-page.png') });

  // The user leaves: the CO sees the chat go unavailable.
  const before = co.events.length;
  await user.context().close();
  await co.waitFor((e) => e.event === 'presence' && e.from.startsWith(chatAddress(id)) && e.type === 'unavailable',
    'the chat gone', 15000, before);
});

test('commands on the service address (list, start, close); strangers get an error', async () => {
  const mark = co.events.length;
  co.send({ send: 'message', to: env.XMPP_COMPONENT, body: 'list' });
  const listed = await co.waitFor((e) => e.event === 'message' && e.from === env.XMPP_COMPONENT, 'the list', 10000, mark);
  assert.match(listed.body, /^chat-\d+ zoe /m);

  // start and close from the XMPP client: the chat is the CO's, its link works.
  let at = co.events.length;
  co.send({ send: 'message', to: env.XMPP_COMPONENT, body: 'start --user bea --email bea@example.org' });
  const started = await co.waitFor((e) => e.event === 'message' && e.from === env.XMPP_COMPONENT, 'start', 10000, at);
  const [, id] = started.body.match(/^Chat (\d+) started for bea: write to chat-\d+@/);
  const link = started.body.match(/http:\/\/127\.0\.0\.1:\d+\/c\/[A-Za-z0-9_-]{43}/)[0];
  assert.equal(rtchat.show(Number(id)).chat.created_by, 'root');
  const bea = await openAsUser(link);
  await bea.locator('#text').fill('Hi from Bea');
  await bea.keyboard.press('Enter');
  await co.waitFor((e) => e.event === 'message' && e.from.startsWith(chatAddress(id)) && e.body === 'Hi from Bea',
    'Bea\'s message');
  at = co.events.length;
  co.send({ send: 'message', to: env.XMPP_COMPONENT, body: `close ${id} Explained the VPN client.` });
  const closed = await co.waitFor((e) => e.event === 'message' && e.from === env.XMPP_COMPONENT, 'close', 10000, at);
  assert.equal(closed.body, `Chat ${id} closed; its transcript goes to RT.`);
  assert.equal(rtchat.show(Number(id)).chat.summary, 'Explained the VPN client.');
  assert.equal(rtchat.show(Number(id)).chat.state, 'closed');
  at = co.events.length;
  co.send({ send: 'message', to: env.XMPP_COMPONENT, body: `close ${id} again` });
  const again = await co.waitFor((e) => e.event === 'message' && e.from === env.XMPP_COMPONENT, 'close again', 10000, at);
  assert.match(again.body, /^Not done: /);

  const stranger = new XmppClient(env.XMPP_STRANGER, env.XMPP_STRANGER_PASSWORD, env.XMPP_C2S_PORT);
  try {
    await stranger.waitFor((e) => e.event === 'online', 'the stranger online');
    stranger.send({ send: 'message', to: chatAddress(1), body: 'let me in' });
    await stranger.waitFor((e) => e.event === 'error', 'an error stanza');
    assert.ok(!rtchat.show(1).messages.some((m) => (m.text ?? m.body) === 'let me in'));
  } finally {
    await stranger.quit();
  }
});

test('Prosody restarts mid-chat: what the user wrote meanwhile reaches the CO after the reconnect', async () => {
  const { id, url } = rtchat.startChat('ann');
  const user = await openAsUser(url);
  execFileSync(join(process.env.RTCHAT_SOURCE_DIR, 'tests/xmpp/bed'), ['restart'], { stdio: 'ignore' });
  await user.locator('#text').fill('Written while the XMPP server was away.');
  await user.keyboard.press('Enter');
  await user.locator('.messages li', { hasText: 'Written while the XMPP server was away.' }).waitFor();
  // The CO's own client reconnects as any client would.
  await co.quit();
  co = new XmppClient(env.XMPP_CO1, env.XMPP_CO1_PASSWORD, env.XMPP_C2S_PORT);
  await co.waitFor((e) => e.event === 'online', 'the CO back online', 20000);
  const got = await co.waitFor((e) => e.event === 'message' && e.from.startsWith(chatAddress(id)),
    'the queued message', 30000);
  assert.equal(got.body, 'Written while the XMPP server was away.');
});
