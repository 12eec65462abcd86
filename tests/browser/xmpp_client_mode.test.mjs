// [xmpp] mode = client: chatd logs in to the bed's Prosody as the plain
// account bridge@chat.test (STARTTLS, the bed's CA) and gives every chat a
// members-only room on conference.chat.test, where it speaks for the user;
// the CO (slixmpp) is invited, joins and chats with the user in the browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { Rtchat, browser, openGuestLink } from './harness.mjs';
import { XmppClient } from './xmpp_client.mjs';
import { bedEnv } from './beds.mjs';

const env = bedEnv('xmpp');
const roomOf = (id) => `chat-${id}@${env.XMPP_MUC}`;

// Someone who is no member cannot come into a chat's room.
async function assertMembersOnly(room) {
  const stranger = new XmppClient(env.XMPP_STRANGER, env.XMPP_STRANGER_PASSWORD, env.XMPP_C2S_PORT);
  try {
    await stranger.waitFor((e) => e.event === 'online', 'the stranger online');
    stranger.send({ send: 'join', room, nick: 'intruder' });
    const refused = await stranger.waitFor((e) => e.event === 'error' && e.kind === 'presence', 'the refusal');
    assert.equal(refused.condition, 'registration-required');
  } finally {
    await stranger.quit();
  }
}

let secrets;
let rtchat;
let chromium;
let co;

before(async () => {
  secrets = mkdtempSync(join(tmpdir(), 'rtchat-secrets-'));
  chmodSync(secrets, 0o755);
  writeFileSync(join(secrets, 'xmpp.password'), `${env.XMPP_BRIDGE_PASSWORD}\n`, { mode: 0o600 });
  co = new XmppClient(env.XMPP_CO1, env.XMPP_CO1_PASSWORD, env.XMPP_C2S_PORT);
  await co.waitFor((e) => e.event === 'online', 'the CO online');
  rtchat = await new Rtchat().start({
    extraWeb: ['[xmpp]', 'mode = client', `host = ${env.XMPP_HOST}`, `port = ${env.XMPP_C2S_PORT}`,
      `jid = ${env.XMPP_BRIDGE}`, `password_file = ${join(secrets, 'xmpp.password')}`,
      `muc_service = ${env.XMPP_MUC}`, `ca_file = ${env.XMPP_CA_CERT}`,
      `co_jids = root=${env.XMPP_CO1}, ${env.XMPP_CO2}`].join('\n'),
  });
  chromium = await browser();
});

after(async () => {
  await co?.quit();
  await chromium?.close();
  await rtchat?.stop();
  if (secrets) rmSync(secrets, { recursive: true, force: true });
});

test('client mode: a members-only room per chat, the CO invited, messages both ways, the end told', async () => {
  const { id, url } = rtchat.startChat('wyn');
  const room = roomOf(id);
  const invite = await co.waitFor((e) => e.event === 'invite' && e.room === room, 'the invitation', 15000);
  assert.equal(invite.reason, `Chat ${id} with wyn`);
  co.send({ send: 'join', room, nick: 'root' });
  await co.waitFor((e) => e.event === 'presence' && e.from === `${room}/wyn`, 'the user\'s stand-in in the room');

  const user = await openGuestLink(chromium, url);
  // The CO's own presence (the account subscribed to it) shows them online.
  await user.locator('#co-presence', { hasText: 'root is online' }).waitFor({ timeout: 10000 });

  await user.locator('#text').fill('Hello from the browser');
  await user.keyboard.press('Enter');
  const got = await co.waitFor((e) => e.event === 'message' && e.from === `${room}/wyn` && e.type === 'groupchat',
    'the user\'s message in the room');
  assert.equal(got.body, 'Hello from the browser');

  const mark = co.events.length;
  co.send({ send: 'message', to: room, type: 'groupchat', body: 'Hi Wyn, <b>root</b> here.' });
  await user.locator('.messages li', { hasText: 'Hi Wyn, <b>root</b> here.' }).waitFor();
  assert.ok(rtchat.show(id).messages.some((m) => m.role === 'co' && m.author === 'root' && m.body === 'Hi Wyn, <b>root</b> here.'));

  // Too long for a chat message: not stored, and the CO is told why.
  co.send({ send: 'message', to: room, type: 'groupchat', body: 'x'.repeat(9000) });
  const refused = await co.waitFor((e) => e.event === 'message' && e.from.startsWith(env.XMPP_BRIDGE), 'the refusal');
  assert.equal(refused.body, `Not sent to chat ${id}: message is 9000 bytes; the limit is 8192`);
  assert.equal(await (async () => {
    const at2 = co.events.length;
    co.send({ send: 'message', to: env.XMPP_BRIDGE, body: 'help' });
    return (await co.waitFor((e) => e.event === 'message' && e.from.startsWith(env.XMPP_BRIDGE), 'help', 10000, at2)).body.split('\n').pop();
  })(), `To talk in chat 42, join its room, chat-42@${env.XMPP_MUC}.`);

  rtchat.chatctl('say', String(id), 'From the shell');
  await co.waitFor((e) => e.event === 'message' && e.body === '[root] From the shell', 'the shell\'s message');
  assert.ok(!co.events.slice(mark).some((e) => e.event === 'message' && e.body === '[root] Hi Wyn, <b>root</b> here.'),
    'the CO\'s own message is not posted again');

  // Members only: someone else cannot come in.
  await assertMembersOnly(room);

  const at = co.events.length;
  rtchat.chatctl('close', String(id), '--summary', 'Printer found.');
  const ended = await co.waitFor((e) => e.event === 'message' && e.from === `${room}/wyn`, 'the end', 10000, at);
  assert.equal(ended.body, 'This chat has ended: closed by root. Summary: Printer found.');
  await user.locator('#status', { hasText: 'This chat has ended.' }).waitFor();
  await user.context().close();
});

test('client mode: Prosody restarts mid-chat; the room is still members-only and the user\'s message reaches the CO', async () => {
  const { id, url } = rtchat.startChat('xia');
  const room = roomOf(id);
  await co.waitFor((e) => e.event === 'invite' && e.room === room, 'the invitation', 15000);
  co.send({ send: 'join', room, nick: 'root' });
  await co.waitFor((e) => e.event === 'presence' && e.from === `${room}/xia`, 'the user\'s stand-in');
  const user = await openGuestLink(chromium, url);
  execFileSync(join(process.env.RTCHAT_SOURCE_DIR, 'tests/xmpp/bed'), ['restart'], { stdio: 'ignore' });
  await user.locator('#text').fill('Written while the XMPP server was away.');
  await user.keyboard.press('Enter');
  await user.locator('.messages li', { hasText: 'Written while the XMPP server was away.' }).waitFor();
  await co.quit();
  co = new XmppClient(env.XMPP_CO1, env.XMPP_CO1_PASSWORD, env.XMPP_C2S_PORT);
  await co.waitFor((e) => e.event === 'online', 'the CO back online', 20000);
  // Back in the room once chatd is (it rejoins within its backoff); what the
  // user wrote is in the room by then, live or as the history of the join.
  const got = await (async () => {
    for (let i = 0; i < 30; i++) {
      const at = co.events.length;
      co.send({ send: 'join', room, nick: 'root' });
      try {
        return await co.waitFor((e) => e.event === 'message' && e.from === `${room}/xia`
          && e.body === 'Written while the XMPP server was away.', 'the message', 2000, at);
      } catch { /* not there yet */ }
    }
    throw new Error('the message never reached the room');
  })();
  assert.ok(got);
  await assertMembersOnly(room);
  await user.context().close();
  rtchat.chatctl('close', String(id));
});

test('client mode: take ID moves the room\'s membership to the new CO; commands answer on the account', async () => {
  const co2 = new XmppClient(env.XMPP_CO2, env.XMPP_CO2_PASSWORD, env.XMPP_C2S_PORT);
  try {
    await co2.waitFor((e) => e.event === 'online', 'co2 online');
    const { id, url } = rtchat.startChat('zed');
    const room = roomOf(id);
    await co.waitFor((e) => e.event === 'invite' && e.room === room, 'root invited', 15000);
    co.send({ send: 'join', room, nick: 'root' });
    await co.waitFor((e) => e.event === 'presence' && e.from === `${room}/root`, 'root in the room');
    const at = co2.events.length;
    co2.send({ send: 'message', to: env.XMPP_BRIDGE, body: `take ${id}` });
    const answer = await co2.waitFor((e) => e.event === 'message' && e.from.startsWith(env.XMPP_BRIDGE), 'the answer', 10000, at);
    assert.equal(answer.body, `Chat ${id} with zed is yours now (it was root's): write to ${room}.`);
    assert.equal(rtchat.show(id).chat.co, 'co2');
    await co2.waitFor((e) => e.event === 'invite' && e.room === room, 'co2 invited');
    // root is no member any more: the room puts them out.
    await co.waitFor((e) => e.event === 'presence' && e.from === `${room}/root` && e.type === 'unavailable', 'root out');
    co2.send({ send: 'join', room, nick: 'co2' });
    await co2.waitFor((e) => e.event === 'presence' && e.from === `${room}/zed`, 'co2 in the room');
    const user = await openGuestLink(chromium, url);
    await user.locator('#text').fill('Is co2 there?');
    await user.keyboard.press('Enter');
    await co2.waitFor((e) => e.event === 'message' && e.from === `${room}/zed` && e.body === 'Is co2 there?', 'the user\'s message');
    co2.send({ send: 'message', to: room, type: 'groupchat', body: 'Yes, co2 here.' });
    await user.locator('.messages li', { hasText: 'Yes, co2 here.' }).waitFor();
    assert.ok(rtchat.show(id).messages.some((m) => m.author === 'co2' && m.body === 'Yes, co2 here.'));
    await user.context().close();
    rtchat.chatctl('close', String(id));
  } finally {
    await co2.quit();
  }
});
