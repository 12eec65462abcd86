// A CO in a real XMPP client (slixmpp) and a user in the browser, through a
// real Prosody (tests/xmpp/bed) with chatd as its XEP-0114 component.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Rtchat, browser, artefacts, openGuestLink } from './harness.mjs';
import { XmppClient } from './xmpp_client.mjs';
import { bedEnv } from './beds.mjs';

const env = bedEnv('xmpp');
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
      `co_jids = root=${env.XMPP_CO1}, ${env.XMPP_CO2}`].join('\n'),
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

// A command to the service address and its answer.
async function ask(client, body) {
  const at = client.events.length;
  client.send({ send: 'message', to: env.XMPP_COMPONENT, body });
  return (await client.waitFor((e) => e.event === 'message' && e.from === env.XMPP_COMPONENT,
    `the answer to "${body}"`, 10000, at)).body;
}

const openAsUser = (url) => openGuestLink(chromium, url);

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
  // Closed by its own CO from here: the answer above is all they get.
  await co.waitFor((e) => e.event === 'presence' && e.from.startsWith(chatAddress(id)) && e.type === 'unavailable',
    'the ended chat offline', 10000, at);
  assert.ok(!co.events.slice(at).some((e) => e.event === 'message' && e.from.startsWith(chatAddress(id))),
    JSON.stringify(co.events.slice(at)));
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

test('help, take, and malformed commands answered with what to try', async () => {
  const help = await ask(co, 'help');
  for (const command of ['list', 'start 12345', 'start --user NAME', 'take 42', 'close 42', 'help'])
    assert.ok(help.includes(`\n${command}`), `help lists ${command}: ${help}`);
  assert.ok(help.endsWith(`To talk in chat 42, write to ${chatAddress(42)}.`), help);

  const answers = {
    'take': 'Not done: take needs one chat number — try: take 42 (list shows the open chats)',
    'take abc': 'Not done: take needs one chat number — try: take 42 (list shows the open chats)',
    'take 999999': 'Not done: there is no chat 999999 — try: list',
    'close': 'Not done: close needs a chat number — try: close 42 What was done, for the top of the RT transcript',
    'start': 'Not done: start needs an RT ticket number or --user NAME — try: start 12345 [--email ADDRESS] [--rt-system NAME], or start --user NAME [--email ADDRESS]',
    'start abc': 'Not done: start does not know "abc" — try: start 12345 [--email ADDRESS] [--rt-system NAME], or start --user NAME [--email ADDRESS]',
    'start --user': 'Not done: --user needs a value — try: start 12345 [--email ADDRESS] [--rt-system NAME], or start --user NAME [--email ADDRESS]',
    'start 12345': 'Not done: no RT system here can read ticket 12345 ([rt.NAME] in rtchat.conf) — try: start 12345 --user NAME [--email ADDRESS]',
    'frobnicate <b>now</b>': 'Not done: "frobnicate" is not a command — try: help',
  };
  for (const [command, answer] of Object.entries(answers))
    assert.equal(await ask(co, command), answer, command);

  // co2 (mapped by their bare JID: CO co2) takes over root's chat.
  const co2 = new XmppClient(env.XMPP_CO2, env.XMPP_CO2_PASSWORD, env.XMPP_C2S_PORT);
  try {
    await co2.waitFor((e) => e.event === 'online', 'co2 online');
    const { id, url } = rtchat.startChat('tim');
    const user = await openAsUser(url);
    const mark = co.events.length;
    assert.equal(await ask(co2, `take ${id}`),
      `Chat ${id} with tim is yours now (it was root's): write to ${chatAddress(id)}.`);
    assert.equal(rtchat.show(id).chat.co, 'co2');
    assert.equal(rtchat.show(id).chat.created_by, 'root');
    const told = await co.waitFor((e) => e.event === 'message' && e.from.startsWith(chatAddress(id)),
      'root told', 10000, mark);
    assert.equal(told.body, 'co2 took over this chat; you get no more of it.');
    assert.equal(await ask(co2, `take ${id}`), `Chat ${id} is yours already: write to ${chatAddress(id)}.`);
    // The open page names the new CO at once.
    await user.getByRole('heading', { name: 'Chat with co2' }).waitFor();

    await user.locator('#text').fill('Is anybody there?');
    await user.keyboard.press('Enter');
    const got = await co2.waitFor((e) => e.event === 'message' && e.from.startsWith(chatAddress(id)), 'the user\'s message to co2');
    assert.equal(got.body, 'Is anybody there?');
    co2.send({ send: 'message', to: chatAddress(id), body: 'co2 here.' });
    await user.locator('.messages li', { hasText: 'co2 here.' }).waitFor();
    await user.screenshot({ path: join(artefacts, 'user-chat-after-take.png') });
    assert.ok(!co.events.slice(mark).some((e) => e.event === 'message' && e.body === 'Is anybody there?'),
      'root no longer gets the user\'s messages');
    await user.context().close();
    rtchat.chatctl('close', String(id));
    assert.equal(await ask(co2, `take ${id}`), `Not done: chat ${id} is closed — try: list`);
  } finally {
    await co2.quit();
  }
});

test('what others write in a chat reaches its XMPP CO after their name; the CO\'s own is not echoed; the end is told', async () => {
  const { id, url } = rtchat.startChat('ulf');
  const user = await openAsUser(url);
  const mark = co.events.length;
  co.send({ send: 'message', to: chatAddress(id), body: 'Written on my phone.' });
  await user.locator('.messages li', { hasText: 'Written on my phone.' }).waitFor();
  // chatctl say is the console's own path (the "say" request).
  rtchat.chatctl('say', String(id), 'Written in the shell <i>really</i>');
  const mirrored = await co.waitFor((e) => e.event === 'message' && e.from.startsWith(chatAddress(id)),
    'the shell\'s message', 10000, mark);
  assert.equal(mirrored.body, '[root] Written in the shell <i>really</i>');
  const co2 = new XmppClient(env.XMPP_CO2, env.XMPP_CO2_PASSWORD, env.XMPP_C2S_PORT);
  try {
    await co2.waitFor((e) => e.event === 'online', 'co2 online');
    co2.send({ send: 'message', to: chatAddress(id), body: 'co2 chiming in.' });
    await user.locator('.messages li', { hasText: 'co2 chiming in.' }).waitFor();
    await co.waitFor((e) => e.event === 'message' && e.body === '[co2] co2 chiming in.', 'co2\'s message', 10000, mark);
    assert.ok(!co2.events.some((e) => e.event === 'message' && e.body.includes('co2 chiming in.')), 'no echo to co2');
  } finally {
    await co2.quit();
  }
  const bodies = co.events.slice(mark).filter((e) => e.event === 'message').map((e) => e.body);
  assert.ok(!bodies.some((b) => b.includes('Written on my phone.')), `no echo: ${JSON.stringify(bodies)}`);

  const at = co.events.length;
  rtchat.chatctl('close', String(id), '--summary', 'Phone and shell agree.');
  const ended = await co.waitFor((e) => e.event === 'message' && e.from.startsWith(chatAddress(id)), 'the end', 10000, at);
  assert.equal(ended.body, 'This chat has ended: closed by root. Summary: Phone and shell agree.');
  await co.waitFor((e) => e.event === 'presence' && e.from.startsWith(chatAddress(id)) && e.type === 'unavailable',
    'the ended chat offline', 10000, at);
  await user.context().close();
});

test('close ID from XMPP: the user\'s page says the chat has ended, every time', async () => {
  for (let i = 0; i < 6; i++) {
    const { id, url } = rtchat.startChat(`vic${i}`);
    const user = await openAsUser(url);
    if (i % 2) { // half the time right after a message both ways
      await user.locator('#text').fill(`Question ${i}`);
      await user.keyboard.press('Enter');
      await co.waitFor((e) => e.event === 'message' && e.body === `Question ${i}`, 'the question');
      co.send({ send: 'message', to: chatAddress(id), body: `Answer ${i}` });
      await user.locator('.messages li', { hasText: `Answer ${i}` }).waitFor();
    }
    // Half the time the close comes while the page is still opening its
    // event stream: the stream then finds the chat over, and must say so.
    const t0 = Date.now();
    const seen = [];
    user.on('response', (r) => seen.push(`${Date.now() - t0} ms: ${r.status()} ${new URL(r.url()).pathname}`));
    assert.equal(await ask(co, `close ${id} Done ${i}.`), `Chat ${id} closed; its transcript goes to RT.`);
    await user.locator('#status', { hasText: 'This chat has ended.' }).waitFor({ timeout: 30000 }).catch(async () => {
      throw new Error(`chat ${id}: the page says "${await user.locator('#status').innerText()}"; ${seen.join(', ')}`);
    });
    assert.ok(Date.now() - t0 < 5000, `chat ${id}: the end showed after ${Date.now() - t0} ms`);
    await user.context().close();
  }
});
