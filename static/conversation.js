// What the user's page and the CO console share: a conversation list that
// shows each message once, and a "… is typing" line. Text is always set
// with textContent, never as markup.
'use strict';

window.rtchat = {
  clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  },

  // Messages go into `list`; `mine(m)` says which side is the reader's and
  // `author(m)` how to name the writer.
  conversation(list, mine, author) {
    const seen = new Set();
    return {
      show(m) {
        if (seen.has(m.id)) return;
        seen.add(m.id);
        const item = document.createElement('li');
        if (mine(m)) item.classList.add('mine');
        const meta = document.createElement('span');
        meta.className = 'meta';
        meta.textContent = `${author(m)} · ${window.rtchat.clock(m.at)}`;
        const body = document.createElement('span');
        body.className = 'body';
        body.textContent = m.body;
        item.append(meta, body);
        list.append(item);
        item.scrollIntoView({ block: 'end' });
      },
    };
  },

  // Shown for 6 s after the last hint, or until that side's message arrives.
  typing(line) {
    let timer = 0;
    const stop = () => { clearTimeout(timer); line.textContent = ''; };
    return {
      show(name) {
        line.textContent = `${name} is typing…`;
        clearTimeout(timer);
        timer = setTimeout(stop, 6000);
      },
      stop,
    };
  },

  // Calls `send` as the user types, at most every 3 s.
  typingHints(textarea, send) {
    let last = 0;
    textarea.addEventListener('input', () => {
      if (!textarea.value || Date.now() - last < 3000) return;
      last = Date.now();
      send();
    });
  },
};
