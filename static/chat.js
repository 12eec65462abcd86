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
  let ended = false;

  const conversation = window.rtchat.conversation(
    list, (m) => m.role === 'user', (m) => (m.role === 'user' ? 'You' : m.author));
  const show = conversation.show;

  function end(message) {
    ended = true;
    status.textContent = message;
    text.disabled = true;
    button.disabled = true;
  }

  const presence = document.getElementById('co-presence');
  // The chat's CO can change while the page is open (another CO takes it):
  // the chat's state says who it is now.
  const coName = document.getElementById('co-name');
  const presenceText = (state) => (state === 'online'
    ? `${coName.textContent} is online`
    : `${coName.textContent} is not following the chat just now; they will see your messages when they are back`);

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

  // "Typing…" both ways.
  const typing = window.rtchat.typing(document.getElementById('typing'));
  const stopTyping = typing.stop;
  window.rtchat.typingHints(text, () => {
    if (ended) return;
    fetch('/chat/typing', {
      method: 'POST', body: '{}', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    }).catch(() => {});
  });

  const events = new EventSource('/chat/events');
  events.addEventListener('typing', (e) => typing.show(JSON.parse(e.data).name));
  events.addEventListener('presence', (e) => {
    const p = JSON.parse(e.data);
    presence.dataset.state = p.state;
    presence.textContent = presenceText(p.state);
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
    if (chat.co && chat.co !== coName.textContent) {
      coName.textContent = chat.co;
      presence.textContent = presenceText(presence.dataset.state);
    }
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
