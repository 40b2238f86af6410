// The fake web inbox's client: a small single-page app reproducing the DOM facts the driver relies on.
(() => {
  const CFG = JSON.parse(document.getElementById('cfg').textContent);
  const list = document.querySelector('[aria-label="Thread list"]');
  const rowsEl = document.getElementById('rows');
  const pane = document.getElementById('pane');
  let listPage = 0, listMore = true, listBusy = false, current = null, openSeq = 0;

  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const blocked = (data) => {
    if (data.login) { location.href = '/accounts/login/'; return true; }
    if (data.blocked) {
      const d = el('div', {role: 'dialog'});
      d.appendChild(el('h2', {}, 'Try Again Later'));
      d.appendChild(el('p', {}, 'We limit how often you can do certain things on Instagram.'));
      document.body.appendChild(d);
      return true;
    }
    return false;
  };

  async function loadList() {
    if (listBusy || !listMore) return;
    listBusy = true;
    const data = await (await fetch(`/api/list?view=${CFG.view}&page=${listPage}`)).json();
    listBusy = false;
    if (blocked(data)) return;
    for (const t of data.rows) {
      const row = el('div', {role: 'button', tabindex: '0', style: 'height:72px;display:flex;gap:8px;cursor:pointer'});
      row.appendChild(el('img', {alt: 'user-profile-picture', width: '44', height: '44'}));
      const col = el('div');
      col.appendChild(el('span', {style: 'display:block'}, t.name));
      col.appendChild(el('span', {style: 'display:block'}, `${t.preview} · ${t.ago}`));
      row.appendChild(col);
      row.addEventListener('click', () => openThread(t.id, true));
      rowsEl.appendChild(row);
    }
    listPage += 1;
    listMore = data.more;
  }
  list.addEventListener('scroll', () => {
    if (list.scrollTop + list.clientHeight >= list.scrollHeight - 30) loadList();
  });

  function messageRow(m, name) {
    const row = el('div', {class: 'row', style: 'padding:2px 8px'});
    if (m.out && m.margin) row.style.display = 'block';
    else { row.style.display = 'flex'; row.style.justifyContent = m.out ? 'flex-end' : 'flex-start'; }
    for (const n of m.above) row.appendChild(el('div', {style: 'font-size:11px'}, n));
    const bubbleAttrs = {role: CFG.mode.includes('presentation') ? 'presentation' : 'none',
      style: 'max-width:60%;width:fit-content;padding:6px 10px;border-radius:14px;background:' + (m.out ? '#3797f0' : '#eee')};
    if (m.mid) bubbleAttrs.id = m.alt_id ? `double_tappable_id.${m.mid}` : m.mid;
    const bubble = el('div', bubbleAttrs);
    if (m.out && m.margin) bubble.style.marginLeft = 'auto';
    if (m.kind !== 'text') {
      bubble.appendChild(el('div', {dir: 'auto'}, `${m.out ? 'You' : name} ${m.kind === 'photo' ? 'sent a photo' : m.kind === 'video' ? 'sent a video' : 'sent an attachment'}.`));
    } else {
      const t = el('div', {dir: 'auto'});
      m.text.split('\n').forEach((line, i) => { if (i) t.appendChild(el('br')); t.appendChild(document.createTextNode(line)); });
      bubble.appendChild(t);
    }
    for (const n of m.inside) bubble.appendChild(el('span', {style: 'display:block;font-size:10px'}, n));
    row.appendChild(bubble);
    if (m.seen) row.appendChild(el('div', {style: 'font-size:10px'}, 'Seen'));
    return row;
  }
  const sepRow = (text) => { const r = el('div', {style: 'text-align:center;font-size:12px'}); r.appendChild(el('span', {}, text)); return r; };
  function startRow(t) {
    const r = el('div', {style: 'text-align:center;padding:20px'});
    r.appendChild(el('span', {style: 'display:block'}, t.name));
    r.appendChild(el('span', {style: 'display:block'}, `${t.username} · Instagram`));
    r.appendChild(el('a', {href: `/${t.username}/`, role: 'link'}, 'View profile'));
    return r;
  }
  const renderItems = (items, t) => items.map(it => it.sep !== undefined ? sepRow(it.sep) : messageRow(it, t.name));

  async function openThread(id, push) {
    const mine = ++openSeq;
    if (push) history.pushState({}, '', `/direct/t/${id}/`);
    pane.innerHTML = '';
    const data = await (await fetch(`/api/thread/${id}`)).json();
    if (mine !== openSeq || blocked(data)) return;
    const conv = el('div', {'aria-label': `Conversation with ${data.name}`, role: 'region',
      style: 'display:flex;flex-direction:column;height:100vh'});
    const head = el('div', {style: 'height:56px;flex:none'});
    head.appendChild(el('a', {href: `/${data.username}/`, 'aria-label': `Open the profile page of ${data.name}`}, data.name));
    head.appendChild(el('span', {}, ' Active 2h ago'));
    conv.appendChild(head);
    const scroller = el('div', {style: 'flex:1;overflow-y:auto;display:flex;flex-direction:column-reverse'});
    const inner = el('div', {style: 'display:flex;flex-direction:column'});
    scroller.appendChild(inner);
    conv.appendChild(scroller);
    const state = {id, before: data.next_before, more: !data.start, busy: false, data};
    renderItems(data.items, data).forEach(r => inner.appendChild(r));
    if (data.start) inner.insertBefore(startRow(data), inner.firstChild);
    scroller.addEventListener('scroll', async () => {
      const top = scroller.scrollHeight - scroller.clientHeight;
      if (state.busy || !state.more || Math.abs(scroller.scrollTop) < top - 40) return;
      state.busy = true;
      const spin = el('div', {role: 'progressbar'}, 'Loading...');
      conv.insertBefore(spin, scroller);
      const older = await (await fetch(`/api/thread/${id}?before=${state.before}`)).json();
      spin.remove();
      state.busy = false;
      if (blocked(older)) return;
      state.before = older.next_before;
      state.more = !older.start;
      const rows = renderItems(older.items, data);
      for (let i = rows.length - 1; i >= 0; i--) inner.insertBefore(rows[i], inner.firstChild);
      if (older.start) inner.insertBefore(startRow(data), inner.firstChild);
      // Rows far out of view leave the DOM (newest first), as on the real page.
      while (inner.children.length > CFG.keep_rows) inner.removeChild(inner.lastChild);
    });
    if (data.view !== 'requests') conv.appendChild(composer(id, inner, data));
    else conv.appendChild(el('div', {}, 'Accept Delete Block'));
    pane.appendChild(conv);
    current = state;
  }

  function composer(id, inner, t) {
    const box = el('div', {style: 'flex:none;display:flex;padding:8px'});
    const attrs = {contenteditable: 'true', 'aria-label': 'Message', 'aria-placeholder': 'Message...',
      style: 'flex:1;min-height:20px;border:1px solid #ccc'};
    if (!CFG.mode.includes('textbox_changed')) attrs.role = 'textbox';
    const input = el('div', attrs);
    const send = el('div', {role: 'button', style: 'display:none'});
    send.innerHTML = '<svg aria-label="Send" width="20" height="20"></svg>';
    const doSend = async () => {
      const text = input.innerText.replace(/\n$/, '');
      if (!text.trim()) return;
      input.innerHTML = ''; send.style.display = 'none';
      const res = await (await fetch(`/api/send/${id}`, {method: 'POST', body: JSON.stringify({text})})).json();
      if (res.message) inner.appendChild(messageRow(res.message, t.name));
    };
    input.addEventListener('input', () => { send.style.display = input.innerText.trim() ? 'block' : 'none'; });
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); doSend(); } });
    send.addEventListener('click', doSend);
    box.appendChild(input);
    box.appendChild(send);
    return box;
  }

  loadList();
  if (CFG.thread) openThread(CFG.thread, false);
})();
