// The user's chat page: messages arrive by Server-Sent Events (the browser
// reconnects by itself and resumes after the last event id it saw); what the
// user types is posted with the page's CSRF token. Text is always inserted
// with textContent, never as markup.
'use strict';

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const list = document.getElementById('messages');
  const status = document.getElementById('status');
  const form = document.getElementById('composer');
  const text = document.getElementById('text');
  const button = form.querySelector('button');
  const me = list.dataset.me;
  const seen = new Set();
  let ended = false;

  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function show(m) {
    if (seen.has(m.id)) return;
    seen.add(m.id);
    const item = document.createElement('li');
    if (m.role === 'user') item.classList.add('mine');
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = (m.role === 'user' ? 'You' : m.author) + ' · ' + clock(m.at);
    const body = document.createElement('span');
    body.className = 'body';
    body.textContent = m.body;
    item.append(meta, body);
    list.append(item);
    item.scrollIntoView({ block: 'end' });
  }

  function end(message) {
    ended = true;
    status.textContent = message;
    text.disabled = true;
    button.disabled = true;
  }

  const presence = document.getElementById('co-presence');
  const coName = document.getElementById('co-name').textContent;
  const presenceText = {
    online: `${coName} is online`,
    gone: `${coName} is not following the chat just now; they will see your messages when they are back`,
  };

  function tellPresence(state) {
    const body = JSON.stringify({ state, csrf });
    if (state === 'gone') {
      navigator.sendBeacon('/chat/presence', new Blob([body], { type: 'application/json' }));
      return;
    }
    fetch('/chat/presence', {
      method: 'POST', body, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    }).catch(() => {});
  }

  // "Typing…" both ways: a hint at most every 3 s while typing; shown for
  // 6 s after the last one, or until the message arrives.
  const typing = document.getElementById('typing');
  let typingTimer = 0;
  let lastTypingSent = 0;
  text.addEventListener('input', () => {
    if (ended || !text.value || Date.now() - lastTypingSent < 3000) return;
    lastTypingSent = Date.now();
    fetch('/chat/typing', {
      method: 'POST', body: '{}', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    }).catch(() => {});
  });
  const stopTyping = () => { clearTimeout(typingTimer); typing.textContent = ''; };

  const events = new EventSource('/chat/events');
  events.addEventListener('typing', (e) => {
    const t = JSON.parse(e.data);
    typing.textContent = `${t.name} is typing…`;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 6000);
  });
  events.addEventListener('presence', (e) => {
    const p = JSON.parse(e.data);
    presence.dataset.state = p.state;
    presence.textContent = presenceText[p.state] || presenceText.gone;
  });
  document.addEventListener('visibilitychange', () => {
    if (!ended) tellPresence(document.visibilityState === 'visible' ? 'visible' : 'hidden');
  });
  window.addEventListener('pagehide', () => { if (!ended) tellPresence('gone'); });
  events.addEventListener('open', () => { if (!ended) status.textContent = ''; });
  events.addEventListener('error', () => {
    if (ended) return;
    if (events.readyState === EventSource.CLOSED)
      end('This chat is no longer available in this browser. Use your link again or ask IT support.');
    else
      status.textContent = 'Connection lost; reconnecting…';
  });
  events.addEventListener('message', (e) => {
    const m = JSON.parse(e.data);
    if (m.role !== 'user') stopTyping();
    show(m);
  });
  events.addEventListener('state', (e) => {
    const chat = JSON.parse(e.data);
    if (chat.state !== 'invited' && chat.state !== 'active') {
      events.close();
      end('This chat has ended. Thank you! A transcript goes to your support ticket.');
    }
  });

  async function send() {
    const value = text.value;
    if (!value.trim() || ended) return;
    button.disabled = true;
    try {
      const reply = await fetch('/chat/send', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ text: value }),
        credentials: 'same-origin',
      });
      const result = await reply.json().catch(() => ({}));
      if (reply.ok) {
        text.value = '';
        if (result.message) show(result.message);
        status.textContent = '';
      } else {
        status.textContent = 'Not sent: ' + (result.error || reply.statusText);
      }
    } catch (err) {
      status.textContent = 'Not sent: the connection failed; please try again.';
    } finally {
      button.disabled = ended;
      text.focus();
    }
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); send(); });
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
})();
