"""The JavaScript the driver runs in the page. Selectors are never written here: elements matched by the
`selector` rows are handed in (marked in page-side sets), and only layout rules are applied (patterns.py)."""

from __future__ import annotations

# Finds the message scroller (patterns.SCROLLER_RULE) and the element holding its rows.
_FIND = """
const findScroller = (conv) => {
  for (const el of conv.querySelectorAll('*')) {
    const oy = getComputedStyle(el).overflowY;
    if (oy === 'auto' || oy === 'scroll') return el;
  }
  return null;
};
const rowsOf = (scroller) => {
  let inner = scroller, best = scroller.children.length;
  for (const el of scroller.querySelectorAll('*')) {
    if (el.children.length > best) { best = el.children.length; inner = el; }
  }
  return Array.from(inner.children);
};
"""

#: Remember the elements a selector matched (evaluate_all on a locator): window[name] = Set(elements).
MARK = "(els, name) => { window[name] = new Set(els); return els.length; }"

#: Forget the row order of the previous thread.
RESET = "() => { window.__erSeq = new WeakMap(); window.__erRow = new Set(); window.__erMid = new Set(); }"

#: Every row of the scroller, oldest first: a stable order number (rows leave the DOM as one scrolls, so
#: each row keeps the number it got when first seen), its text lines, message or not, id, and direction.
READ_ROWS = (
    "(conv, share) => {"
    + _FIND
    + """
  const scroller = findScroller(conv);
  if (!scroller) return null;
  const rows = rowsOf(scroller);
  const seq = window.__erSeq || (window.__erSeq = new WeakMap());
  const marks = window.__erRow || new Set(), mids = window.__erMid || new Set();
  const first = rows.findIndex(r => seq.has(r));
  if (first < 0) {
    rows.forEach((r, i) => seq.set(r, i - rows.length + 1));
  } else {
    for (let i = first - 1; i >= 0; i--) seq.set(rows[i], seq.get(rows[i + 1]) - 1);
    for (let i = first + 1; i < rows.length; i++) {
      if (seq.has(rows[i])) continue;
      const base = seq.get(rows[i - 1]);
      const next = rows.slice(i + 1).find(r => seq.has(r));
      seq.set(rows[i], next === undefined ? base + 1 : base + (seq.get(next) - base) / 2);
    }
  }
  const direction = (row, bubble) => {
    for (let el = bubble; el && el !== row.parentElement; el = el.parentElement) {
      const cs = getComputedStyle(el);
      if (cs.display.includes('flex') && cs.flexDirection.startsWith('row')
          && ['flex-end', 'end', 'right'].includes(cs.justifyContent)) return true;
    }
    const rr = row.getBoundingClientRect(), br = bubble.getBoundingClientRect();
    return rr.width > 0 && ((br.left + br.width / 2) - rr.left) / rr.width > share;
  };
  return rows.map(r => {
    let bubble = null, mid = null;
    for (const m of marks) if (r.contains(m)) { bubble = m; break; }
    for (const m of mids) if (r.contains(m)) {
      const id = m.id || ''; const k = id.indexOf('mid.'); mid = k >= 0 ? id.slice(k) : (id || null); break;
    }
    return {
      seq: seq.get(r),
      lines: (r.innerText || '').split('\\n').map(s => s.trim()).filter(Boolean),
      message: bubble !== null,
      mid: mid,
      out: bubble !== null && direction(r, bubble),
    };
  });
}"""
)

#: Scroll the message scroller to its oldest end (column-reverse scrollers count scrollTop negative).
SCROLL_UP = (
    "(conv) => {"
    + _FIND
    + """
  const s = findScroller(conv);
  if (!s) return false;
  s.scrollTop = getComputedStyle(s).flexDirection === 'column-reverse' ? -s.scrollHeight : 0;
  s.dispatchEvent(new Event('scroll'));
  return true;
}"""
)

#: What changes when older rows arrive: the scroller's height and its first text.
FINGERPRINT = (
    "(conv) => {"
    + _FIND
    + """
  const s = findScroller(conv);
  return s ? s.scrollHeight + ':' + (s.innerText || '').slice(0, 80) : '';
}"""
)

#: Scroll the thread list to its end (more rows load lazily).
SCROLL_LIST = (
    "(el) => { el.scrollTop = el.scrollHeight; el.dispatchEvent(new Event('scroll')); return el.scrollHeight; }"
)
