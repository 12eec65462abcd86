// What a reader of RT's own ticket page sees of a transcript chat2rt filed:
// the summary first and the conversation attached (REST2) or folded away
// behind "Show quoted text" (mail). Needs tests/rt/bed (RT 5 on 8085 and
// the SMTP receiver); screenshots go to the artefacts folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync } from 'node:fs';
import { Rtchat, browser, artefacts } from './harness.mjs';
import { bedEnv, asRtRoot as asRoot } from './beds.mjs';

const bed = bedEnv('bed');
const rt = bed.RT5_URL;

let rtchat;
let chromium;
let page;

async function newTicket(requestor, subject) {
  const r = await fetch(`${rt}/REST/2.0/ticket`, {
    method: 'POST',
    headers: { ...asRoot, 'Content-Type': 'application/json' },
    body: JSON.stringify({ Queue: 'Chat', Requestor: requestor, Subject: subject,
      Content: 'My laptop does not connect to eduroam.' }),
  });
  assert.equal(r.status, 201);
  return Number((await r.json()).id);
}

// A chat bound to `ticket`, long enough that a wall of text would show.
function chatAbout(ticket, system) {
  const r = JSON.parse(rtchat.chatctl('start', '--user', 'Zoë', '--email', 'zoe@example.org',
    '--rt', String(ticket), '--rt-system', system, '--json'));
  const id = String(r.chat.id);
  for (let i = 1; i <= 12; i++) {
    rtchat.chatctl('say', id, `Step ${i}: please try <b>this</b> & tell me what happens (ünïcödé).`);
  }
  rtchat.chatctl('close', id, '--summary',
    'Eduroam profile was outdated; installed the current one with geteduroam. Works now.');
  return id;
}

before(async () => {
  rtchat = await new Rtchat().start();
  copyFileSync(bed.RT5_BOT_TOKEN_FILE, join(rtchat.dir, 'rt5.token'));
  chmodSync(join(rtchat.dir, 'rt5.token'), 0o600);
  const { appendFileSync } = await import('node:fs');
  appendFileSync(rtchat.config, [
    '[chat2rt]', 'from = rtchat-bridge@example.org',
    '[rt.api]', 'backend = rest2', `url = ${rt}`, 'auth = token',
    `token_file = ${join(rtchat.dir, 'rt5.token')}`, 'queue = Chat',
    '[rt.mail]', 'backend = mail', `rtname = ${bed.RT5_NAME}`, `smtp_url = ${bed.SMTP_URL}`,
    `comment_address = chat-comment@${bed.RT5_NAME}`, `queue_address = chat@${bed.RT5_NAME}`,
    ''].join('\n'));
  rtchat.chatd.kill('SIGHUP'); // chatd learns of the RT systems as a running site's would
  await rtchat.until(() => {
    try { rtchat.chatctl('start', '--user', 'probe', '--rt-system', 'api'); return true; } catch { return false; }
  }, 'chatd to reload its configuration');
  chromium = await browser();
  page = await (await chromium.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${rt}/`);
  await page.fill('input[name=user]', 'root');
  await page.fill('input[name=pass]', 'password');
  await Promise.all([page.waitForNavigation(), page.press('input[name=pass]', 'Enter')]);
});

after(async () => {
  await chromium?.close();
  await rtchat?.stop();
});

function deliver() {
  execFileSync(process.env.CHAT2RT, ['--once'], { env: rtchat.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('REST2: the summary heads the comment and the log is an attachment below it', async () => {
  const ticket = await newTicket('zoe@example.org', 'Eduroam does not connect');
  const id = chatAbout(ticket, 'api');
  deliver();
  await page.goto(`${rt}/Ticket/Display.html?id=${ticket}`);
  const comment = page.locator('.transaction.Ticket-transaction.message').last();
  const summary = comment.getByText('Eduroam profile was outdated', { exact: false }).first();
  await summary.waitFor();
  const attachment = comment.getByRole('link', { name: `chat-${id}.txt` }).first();
  await attachment.waitFor();
  const [s, a] = [await summary.boundingBox(), await attachment.boundingBox()];
  assert.ok(s.y < a.y, 'the summary comes before the attached log');
  // User text stays text: the <b> of a message is not markup on RT's page either.
  assert.equal(await comment.locator('b:text("this")').count(), 0);
  await comment.screenshot({ path: join(artefacts, 'rt-ticket-rest2-transcript.png') });
});

test('mail: the summary shows and the quoted log is folded away until asked for', async () => {
  const ticket = await newTicket('zoe@example.org', 'Eduroam again (mail)');
  chatAbout(ticket, 'mail');
  deliver();
  await page.goto(`${rt}/Ticket/Display.html?id=${ticket}`);
  const comment = page.locator('.transaction.Ticket-transaction.message').last();
  await comment.getByText('Eduroam profile was outdated', { exact: false }).first().waitFor();
  const logLine = comment.getByText('Step 12: please try', { exact: false }).first();
  assert.equal(await logLine.isVisible(), false, 'the log is folded');
  await comment.screenshot({ path: join(artefacts, 'rt-ticket-mail-transcript-folded.png') });
  await comment.getByText('Show quoted text').first().click();
  await logLine.waitFor({ state: 'visible' });
  await comment.screenshot({ path: join(artefacts, 'rt-ticket-mail-transcript-unfolded.png') });
});
