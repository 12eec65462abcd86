// Starting a chat from an RT ticket, the whole loop against the RT 5 of
// tests/rt/bed (with contrib/rt installed) and chat-webd behind a real
// Apache with the shipped conf/apache/rtchat.conf: the Chat item on RT's
// ticket page, the confirmation page (the GET changes nothing), the chat
// started with the requestor, the link in RT's reply on the ticket, the
// user opening it and chatting, the close, and the transcript in that same
// ticket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Rtchat, browser, artefacts } from './harness.mjs';
import { startApache } from './apache.mjs';
import { bedEnv, rest2, rtReplies as replies, copySecrets } from './beds.mjs';

const bed = bedEnv('bed');
const rt = bed.RT5_URL;

let secrets;
let rtchat;
let apache;
let chromium;
// A CO as the site signs them in: Apache asks, the browser answers.
const asCo = () => chromium.newContext({ httpCredentials: { username: 'root', password: 'console-secret' } });

before(async () => {
  secrets = copySecrets({ 'rt5.token': bed.RT5_BOT_TOKEN_FILE, 'bot.password': bed.RT_BOT_PASSWORD_FILE });
  // The port RT's Chat item points at (tests/rt/bed sets $RTChatURL).
  const apachePort = Number(bed.RTCHAT_CONSOLE_PORT);
  rtchat = await new Rtchat().start({
    apachePort,
    extraWeb: ['[chat2rt]', 'default_rt = five',
      '[rt.five]', 'backend = rest2', `url = ${rt}`, 'auth = token',
      `token_file = ${join(secrets, 'rt5.token')}`, 'queue = Chat',
      '[rt.four]', 'backend = rest1', `url = ${bed.RT4_URL}`, 'auth = basic',
      `user = ${bed.RT_BOT_USER}`, `password_file = ${join(secrets, 'bot.password')}`,
      'queue = Chat'].join('\n'),
  });
  apache = await startApache(rtchat, apachePort, { root: 'console-secret' });
  chromium = await browser();
});

after(async () => {
  await chromium?.close();
  await apache?.stop();
  await rtchat?.stop();
  rmSync(secrets, { recursive: true, force: true });
});

test('RT ticket → Chat item → start page → chat with the requestor → transcript in the same ticket', async () => {
  const { id: ticket } = await rest2('ticket', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Queue: 'Chat', Requestor: 'zoe@example.org',
      Subject: 'Eduroam drops every few minutes', Content: 'Since Monday.' }),
  });
  // The CO reads the ticket in RT and follows its Chat item.
  const co = await (await asCo()).newPage();
  await co.goto(`${rt}/`);
  await co.fill('input[name=user]', 'root');
  await co.fill('input[name=pass]', 'password');
  await Promise.all([co.waitForNavigation(), co.press('input[name=pass]', 'Enter')]);
  await co.goto(`${rt}/Ticket/Display.html?id=${ticket}`);
  const chatItem = co.locator('#page-menu a', { hasText: /^Chat$/ });
  assert.equal(await chatItem.getAttribute('href'), `${rtchat.base}/co/start?rt=${ticket}&rt_system=five`);
  await co.screenshot({ path: join(artefacts, 'rt-ticket-chat-item.png') });
  await chatItem.click();
  await co.waitForURL(`${rtchat.base}/co/start?rt=${ticket}&rt_system=five`);
  await co.getByText('The chat will be with zoe@example.org').waitFor();
  assert.match(await co.locator('.ticket-facts').innerText(),
    new RegExp(`RT #${ticket} “Eduroam drops every few minutes” \\(Chat, new\\)`));
  assert.equal(JSON.parse(rtchat.chatctl('list', '--json')).chats.length, 0, 'the GET starts nothing');
  await co.screenshot({ path: join(artefacts, 'co-start-confirm.png') });

  await co.getByRole('button', { name: 'Start the chat' }).click();
  await co.waitForURL(/\/co\/chat\/\d+\?link=sent$/);
  await co.locator('.notice', { hasText: 'The link went to zoe@example.org.' }).waitFor();
  await co.screenshot({ path: join(artefacts, 'co-start-chat.png') });
  const chatId = Number(new URL(co.url()).pathname.split('/').pop());

  // The requestor's mail from RT carries the link; it works.
  const text = await replies(ticket);
  const link = text.match(/http:\/\/127\.0\.0\.1:\d+\/c\/[A-Za-z0-9_-]{43}/)[0];
  assert.ok(link.startsWith(`${rtchat.base}/c/`), `the link points at the site: ${link}`);
  const user = await (await chromium.newContext()).newPage();
  await user.goto(link);
  await user.getByRole('button', { name: 'Open the chat' }).click();
  await user.waitForURL(/\/chat$/);
  await user.locator('#text').fill('Hi, it drops when I move between floors.');
  await user.keyboard.press('Enter');
  await co.locator('.messages li', { hasText: 'between floors' }).waitFor();
  await co.locator('#text').fill('That is roaming; I will update your profile.');
  await co.keyboard.press('Enter');
  await user.locator('.messages li', { hasText: 'update your profile' }).waitFor();

  await co.getByText('Close the chat, or give the user a new link').click();
  await co.locator('#summary').fill('Roaming fixed by a new eduroam profile.');
  await co.getByRole('button', { name: 'Close chat' }).click();
  await co.locator('#status', { hasText: 'This chat is closed' }).waitFor();

  execFileSync(process.env.CHAT2RT, ['--once'], { env: rtchat.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const delivered = rtchat.sql(`SELECT rt_ticket FROM outbox WHERE chat_id = ${chatId}`).trim();
  assert.equal(delivered, String(ticket), 'the transcript went into the ticket it started from');
  const { items } = await rest2(`ticket/${ticket}/attachments?fields=Content&per_page=100`);
  assert.ok(items.some((i) => (i.Content || '').includes('Summary: Roaming fixed by a new eduroam profile.')));
});

test('a ticket with two requestors asks which one; an unknown ticket is a clear page', async () => {
  const { id: ticket } = await rest2('ticket', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Queue: 'Chat', Requestor: ['ann@example.org', 'bob@example.org'], Subject: 'Shared' }),
  });
  const co = await (await asCo()).newPage();
  await co.goto(`${rtchat.base}/co/start?rt=${ticket}`);
  await co.getByText('Chat with which requestor?').waitFor();
  await co.getByLabel('bob@example.org').check();
  await co.screenshot({ path: join(artefacts, 'co-start-choose.png') });
  await co.getByRole('button', { name: 'Start the chat' }).click();
  await co.waitForURL(/\/co\/chat\/\d+\?link=sent$/);
  await co.locator('h1', { hasText: 'bob@example.org' }).waitFor();

  const response = await co.goto(`${rtchat.base}/co/start?rt=999999`);
  assert.equal(response.status(), 404);
  await co.getByText('ticket 999999 does not exist in RT five').waitFor();
});

test('RT 4: the same loop through REST 1.0, from the Chat item on RT 4\'s ticket page', async () => {
  const rt4 = bed.RT4_URL;
  const form = (fields) => new URLSearchParams({ user: 'root', pass: 'password', ...fields });
  const created = await (await fetch(`${rt4}/REST/1.0/ticket/new`, { method: 'POST', body: form({
    content: 'id: ticket/new\nQueue: Chat\nRequestor: zoe@example.org\nSubject: Printer offline (RT 4)\nText: help' }) })).text();
  const ticket = Number(created.match(/# Ticket (\d+) created/)[1]);

  const co = await (await asCo()).newPage();
  await co.goto(`${rt4}/`);
  await co.fill('input[name=user]', 'root');
  await co.fill('input[name=pass]', 'password');
  await Promise.all([co.waitForNavigation(), co.press('input[name=pass]', 'Enter')]);
  await co.goto(`${rt4}/Ticket/Display.html?id=${ticket}`);
  const chatItem = co.locator('#page-menu a', { hasText: /^Chat$/ });
  assert.equal(await chatItem.getAttribute('href'), `${rtchat.base}/co/start?rt=${ticket}&rt_system=four`);
  await co.screenshot({ path: join(artefacts, 'rt4-ticket-chat-item.png') });
  await chatItem.click();
  await co.getByText('The chat will be with zoe@example.org').waitFor();
  await co.getByRole('button', { name: 'Start the chat' }).click();
  await co.waitForURL(/\/co\/chat\/\d+\?link=sent$/);
  const chatId = Number(new URL(co.url()).pathname.split('/').pop());

  const history = await (await fetch(`${rt4}/REST/1.0/ticket/${ticket}/history?format=l`, { method: 'POST', body: form({}) })).text();
  const link = history.match(/http:\/\/127\.0\.0\.1:\d+\/c\/[A-Za-z0-9_-]{43}/)[0];
  const user = await (await chromium.newContext()).newPage();
  await user.goto(link);
  await user.getByRole('button', { name: 'Open the chat' }).click();
  await user.waitForURL(/\/chat$/);
  await user.locator('#text').fill('The printer says offline since this morning.');
  await user.keyboard.press('Enter');
  await co.locator('.messages li', { hasText: 'offline since this morning' }).waitFor();
  await co.getByText('Close the chat, or give the user a new link').click();
  await co.locator('#summary').fill('Printer re-added to the print server.');
  await co.getByRole('button', { name: 'Close chat' }).click();
  await co.locator('#status', { hasText: 'This chat is closed' }).waitFor();

  execFileSync(process.env.CHAT2RT, ['--once'], { env: rtchat.env, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(rtchat.sql(`SELECT rt_ticket FROM outbox WHERE chat_id = ${chatId}`).trim(), String(ticket));
  const after = await (await fetch(`${rt4}/REST/1.0/ticket/${ticket}/history?format=l`, { method: 'POST', body: form({}) })).text();
  assert.match(after, /Summary: Printer re-added to the print server\./);
});
