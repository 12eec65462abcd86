// "start TICKET" from a CO's XMPP client (slixmpp, through the Prosody of
// tests/xmpp/bed) against the RT 5 of tests/rt/bed: the same path as
// chatctl start --rt N — chatd reads the ticket, starts the chat with its
// requestor and sends the link as a reply on the ticket; the user opens it
// in the browser and chats with the CO over XMPP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { Rtchat, browser, openGuestLink } from './harness.mjs';
import { XmppClient } from './xmpp_client.mjs';
import { bedEnv, rest2, rtReplies as replies, copySecrets } from './beds.mjs';

const env = bedEnv('xmpp');
const bed = bedEnv('bed');
const chatAddress = (id) => `chat-${id}@${env.XMPP_COMPONENT}`;
const rt = bed.RT5_URL;

let secrets;
let rtchat;
let chromium;
let co;

before(async () => {
  secrets = copySecrets({ 'rt5.token': bed.RT5_BOT_TOKEN_FILE });
  rtchat = await new Rtchat().start({
    extraWeb: ['[xmpp]', 'mode = component', `port = ${env.XMPP_COMPONENT_PORT}`,
      `domain = ${env.XMPP_COMPONENT}`, `secret_file = ${env.XMPP_SECRET_FILE}`,
      `co_jids = root=${env.XMPP_CO1}`,
      '[rt.five]', 'backend = rest2', `url = ${rt}`, 'auth = token',
      `token_file = ${join(secrets, 'rt5.token')}`, 'queue = Chat'].join('\n'),
  });
  chromium = await browser();
  co = new XmppClient(env.XMPP_CO1, env.XMPP_CO1_PASSWORD, env.XMPP_C2S_PORT);
  await co.waitFor((e) => e.event === 'online', 'the CO online');
});

after(async () => {
  await co?.quit();
  await chromium?.close();
  await rtchat?.stop();
  if (secrets) rmSync(secrets, { recursive: true, force: true });
});

async function ask(body, ms = 30000) {
  const at = co.events.length;
  co.send({ send: 'message', to: env.XMPP_COMPONENT, body });
  return (await co.waitFor((e) => e.event === 'message' && e.from === env.XMPP_COMPONENT,
    `the answer to "${body}"`, ms, at)).body;
}

test('start TICKET from XMPP: the chat with the requestor, its link in RT, the user chatting with the CO', async () => {
  const ticket = Number((await rest2('ticket', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Queue: 'Chat', Requestor: 'yan@example.org',
      Subject: 'VPN drops on the train', Content: 'Every tunnel.' }),
  })).id);
  assert.equal(await ask(`start ${ticket} --email nobody@example.org`),
    `Not done: nobody@example.org is not a requestor of ticket ${ticket}; its requestors: yan@example.org — try: start 12345 [--email ADDRESS] [--rt-system NAME], or start --user NAME [--email ADDRESS]`);

  const answer = await ask(`start ${ticket}`);
  const m = answer.match(/^Chat (\d+) started for yan@example\.org \(RT #(\d+): VPN drops on the train\): write to (\S+)\. The link went to them as a reply on ticket (\d+)\.$/);
  assert.ok(m, answer);
  const id = Number(m[1]);
  assert.equal(m[3], chatAddress(id));
  assert.equal(Number(m[2]), ticket);
  assert.equal(Number(m[4]), ticket);
  const { chat } = rtchat.show(id);
  assert.equal(chat.created_by, 'root');
  assert.equal(chat.rt_ticket, ticket);
  assert.equal(chat.user, 'yan@example.org');

  const link = (await replies(ticket)).match(/http:\/\/127\.0\.0\.1:\d+\/c\/[A-Za-z0-9_-]{43}/)[0];
  const user = await openGuestLink(chromium, link);
  await user.locator('#text').fill('It drops at every tunnel.');
  await user.keyboard.press('Enter');
  const got = await co.waitFor((e) => e.event === 'message' && e.from.startsWith(chatAddress(id)), 'the user\'s message');
  assert.equal(got.body, 'It drops at every tunnel.');
  co.send({ send: 'message', to: chatAddress(id), body: 'Try the other gateway.' });
  await user.locator('.messages li', { hasText: 'Try the other gateway.' }).waitFor();
  await user.context().close();
});

test('start TICKET for a ticket RT does not have: its answer, and nothing started', async () => {
  const before = JSON.parse(rtchat.chatctl('list', '--json')).chats.length;
  const answer = await ask('start 99999999');
  assert.match(answer, /^Not done: .*99999999.* — try: start 12345 /);
  assert.equal(JSON.parse(rtchat.chatctl('list', '--json')).chats.length, before);
});
