// Building the page with createElement and textContent only: server data never goes through innerHTML.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}

export function field(label, input) {
  const id = input.id || `f-${Math.random().toString(36).slice(2)}`;
  input.id = id;
  return el('p', { class: 'field' }, el('label', { for: id, text: label }), input);
}

export function table(head, rows, caption) {
  return el('table', {}, el('caption', { text: caption }), el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col', text: h })))), el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c))))));
}

export function show(main, ...nodes) {
  main.replaceChildren(...nodes);
  const h = main.querySelector('h2');
  if (h) { h.tabIndex = -1; h.focus(); }
}
