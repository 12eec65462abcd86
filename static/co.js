// The CO console: the list of open chats, and one chat with reply, close
// and new-link actions. Live through Server-Sent Events from /co/events;
// every text is inserted with textContent, never as markup.
'use strict';

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const post = (url, data) => fetch(url, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify(data || {}),
  }).then(async (r) => {
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  });
  const { clock } = window.rtchat;
  const cell = (text) => { const td = document.createElement('td'); td.textContent = text; return td; };

  const events = new EventSource('/co/events');
  // Marks the page live (tests and styles can tell it follows chatd).
  events.addEventListener('open', () => { document.body.dataset.live = 'yes'; });
  events.addEventListener('error', () => { document.body.dataset.live = 'no'; });
  const rows = document.getElementById('chat-rows');
  const conversation = document.querySelector('main.co');

  const start = document.getElementById('start-chat');
  if (start) {
    // Starting from a ticket: one POST, then into the new chat.
    const status = document.getElementById('status');
    start.addEventListener('submit', async (e) => {
      e.preventDefault();
      const button = start.querySelector('button');
      button.disabled = true;
      status.textContent = 'Starting the chat and sending the link…';
      try {
        const chosen = start.querySelector('input[name="email"]:checked') ||
          start.querySelector('input[type="hidden"][name="email"]');
        const r = await post('/co/api/start', {
          rt_ticket: Number(start.dataset.rt),
          rt_system: start.dataset.rtSystem,
          email: chosen ? chosen.value : '',
        });
        const shared = r.shared || {};
        const note = shared.how && shared.how !== 'none' && shared.ok ? 'sent' : 'not-sent';
        window.location.assign(`/co/chat/${r.chat.id}?link=${note}`);
      } catch (err) {
        status.textContent = `Not started: ${err.message}`;
        button.disabled = false;
      }
    });
    return;
  }

  if (rows) {
    // The list: fetched again whenever anything happens to any chat.
    // One fetch at a time; an event during it asks for one more after it,
    // so the last change is never missed.
    let pending = false;
    let again = false;
    const refresh = async () => {
      if (pending) { again = true; return; }
      pending = true;
      again = false;
      try {
        const { chats } = await (await fetch('/co/api/chats', { credentials: 'same-origin' })).json();
        rows.replaceChildren(...chats.map((c) => {
          const tr = document.createElement('tr');
          tr.dataset.chat = c.id;
          const link = document.createElement('a');
          link.href = `/co/chat/${c.id}`;
          link.textContent = `#${c.id}`;
          const first = document.createElement('td');
          first.append(link);
          const presence = document.createElement('span');
          presence.className = 'presence';
          presence.dataset.state = c.user_presence;
          presence.textContent = c.user_presence;
          const p = document.createElement('td');
          p.append(presence);
          const last = c.last_message_at || c.updated_at;
          const ticket = document.createElement('td');
          const url = c.rt && c.rt.url;
          if (c.rt_ticket && url && /^https?:\/\//.test(url)) {
            const a = document.createElement('a');
            a.href = url;
            a.textContent = `RT #${c.rt_ticket}`;
            ticket.append(a);
          } else {
            ticket.textContent = c.rt_ticket ? `RT #${c.rt_ticket}` : '—';
          }
          if (c.rt_ticket && c.rt && c.rt.subject) {
            const s = document.createElement('span');
            s.className = 'small';
            s.textContent = ` ${c.rt.subject}`;
            ticket.append(s);
          }
          tr.append(first, cell(c.user), p, ticket,
            cell(String(c.messages)), cell(clock(last)), cell(c.created_by));
          return tr;
        }));
      } finally {
        pending = false;
        if (again) refresh();
      }
    };
    for (const kind of ['message', 'chat', 'presence', 'resync']) events.addEventListener(kind, refresh);
    events.addEventListener('open', refresh);
    return;
  }

  // One chat.
  const id = Number(conversation.dataset.chat);
  const list = document.getElementById('messages');
  const status = document.getElementById('status');
  const presence = document.getElementById('user-presence');
  const text = document.getElementById('text');
  let user = '';

  const { show } = window.rtchat.conversation(list, (m) => m.role === 'co', (m) => m.author);
  const ended = (state) => {
    conversation.dataset.state = state;
    status.textContent = `This chat is ${state}; its transcript goes to RT.`;
    for (const el of document.querySelectorAll('.co-actions textarea, .co-actions button')) el.disabled = true;
  };
  const setPresence = (state) => {
    presence.dataset.state = state;
    presence.textContent = `${user} is ${state}`;
  };
  const load = async () => {
    const r = await fetch(`/co/api/chat/${id}`, { credentials: 'same-origin' });
    if (!r.ok) { status.textContent = 'This chat cannot be shown.'; return; }
    const data = await r.json();
    user = data.chat.user;
    data.messages.forEach(show);
    setPresence(data.user_presence);
    if (data.chat.state !== 'invited' && data.chat.state !== 'active') ended(data.chat.state);
  };
  list.classList.add('co-view');
  const typing = window.rtchat.typing(document.getElementById('typing'));
  const stopTyping = typing.stop;
  events.addEventListener('typing', (e) => {
    const t = JSON.parse(e.data);
    if (t.chat === id && t.who === 'user') typing.show(t.name);
  });
  window.rtchat.typingHints(text, () => post(`/co/api/chat/${id}/typing`).catch(() => {}));

  events.addEventListener('open', load);
  events.addEventListener('resync', load);
  events.addEventListener('message', (e) => {
    const m = JSON.parse(e.data);
    if (m.chat !== id) return;
    if (m.role === 'user') stopTyping();
    show(m);
  });
  events.addEventListener('presence', (e) => {
    const p = JSON.parse(e.data);
    if (p.chat === id && p.who === 'user') setPresence(p.state);
  });
  events.addEventListener('chat', (e) => {
    const c = JSON.parse(e.data);
    if (c.id === id && c.state !== 'invited' && c.state !== 'active') ended(c.state);
  });

  const send = async () => {
    if (!text.value.trim()) return;
    try {
      const { message } = await post(`/co/api/chat/${id}/say`, { text: text.value });
      show(message);
      text.value = '';
      status.textContent = '';
    } catch (err) {
      status.textContent = `Not sent: ${err.message}`;
    }
  };
  document.getElementById('composer').addEventListener('submit', (e) => { e.preventDefault(); send(); });
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  document.getElementById('close').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const { chat } = await post(`/co/api/chat/${id}/close`, { summary: document.getElementById('summary').value });
      ended(chat.state);
    } catch (err) {
      status.textContent = `Not closed: ${err.message}`;
    }
  });
  document.getElementById('link').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const { link } = await post(`/co/api/chat/${id}/link`);
      const out = document.getElementById('link-url');
      out.hidden = false;
      out.value = link.url;
      out.select();
      await navigator.clipboard?.writeText(link.url).catch(() => {});
      status.textContent = 'New link made and copied; the old one no longer works.';
    } catch (err) {
      status.textContent = `No new link: ${err.message}`;
    }
  });
})();
