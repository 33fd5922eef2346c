// The controls of a device, by what its description says: writable properties by type
// (number: slider and number within min/max; boolean: On and Off; a list: a select), the
// door's and safe's "Unlock for N s" and "Lock", the camera's snapshot and Refresh. Each is a
// real <form>/<button>/<input>/<select> with a label, so it works from the keyboard; the
// result (ok, or the gateway's reason and the fix) shows next to it.
function make(tag, attrs = {}, text) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

let nextId = 0;
const uid = (p) => `${p}-${++nextId}`;

/** A form whose submit sends a command; its result line is filled by showResult. */
function controlForm(send, results, build) {
  const form = make('form', { class: 'control' });
  const result = make('span', { class: 'result', role: 'status', 'aria-live': 'polite' });
  build(form, (message) => {
    const id = uid('cmd');
    results.set(id, result);
    result.className = 'result';
    result.textContent = 'sending…';
    send({ ...message, id });
  });
  form.appendChild(result);
  return form;
}

export function showResult(results, m) {
  const el = results.get(m.id);
  if (el === undefined) return;
  results.delete(m.id);
  el.className = `result ${m.ok ? 'ok' : 'refused'}`;
  el.textContent = m.ok ? `done (${m.code})` : m.message;
}

function numberControl(form, dev, p, fire, label) {
  const id = uid('n');
  form.appendChild(make('label', { for: id }, `${label}${p.unit ? ` (${p.unit})` : ''}`));
  const number = make('input', { id, type: 'number', step: 'any', name: p.name });
  if (p.min !== undefined) number.min = String(p.min);
  if (p.max !== undefined) number.max = String(p.max);
  if (typeof p.value === 'number') number.value = String(p.value);
  if (p.min !== undefined && p.max !== undefined) {
    const range = make('input', { type: 'range', min: p.min, max: p.max, step: 1, 'aria-label': `${label} slider` });
    if (typeof p.value === 'number') range.value = String(p.value);
    range.addEventListener('input', () => (number.value = range.value));
    number.addEventListener('input', () => (range.value = number.value));
    form.appendChild(range);
  }
  form.appendChild(number);
  form.appendChild(make('button', { type: 'submit' }, 'Apply'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    fire({ type: 'set', gateway: dev.gateway, device: dev.name, property: p.name, value: Number(number.value) });
  });
}

function propertyControl(dev, p, send, results) {
  const label = `${dev.name} ${p.name}`;
  return controlForm(send, results, (form, fire) => {
    if (p.type === 'number') return numberControl(form, dev, p, fire, label);
    if (p.type === 'boolean') {
      form.appendChild(make('span', {}, `${p.name}:`));
      for (const [text, value] of [['On', true], ['Off', false]]) {
        const b = make('button', { type: 'button', 'aria-label': `${label} ${text.toLowerCase()}` }, text);
        b.addEventListener('click', () => fire({ type: 'set', gateway: dev.gateway, device: dev.name, property: p.name, value }));
        form.appendChild(b);
      }
      form.addEventListener('submit', (e) => e.preventDefault());
      return;
    }
    const id = uid('s');
    form.appendChild(make('label', { for: id }, label));
    const input = p.values ? make('select', { id }) : make('input', { id, type: 'text' });
    for (const v of p.values ?? []) {
      const o = make('option', { value: v }, v);
      if (v === p.value) o.selected = true;
      input.appendChild(o);
    }
    form.appendChild(input);
    form.appendChild(make('button', { type: 'submit' }, 'Apply'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      fire({ type: 'set', gateway: dev.gateway, device: dev.name, property: p.name, value: input.value });
    });
  });
}

function lockControls(dev, send, results) {
  const unlock = dev.actions.find((a) => a.name === 'unlock');
  const seconds = unlock?.params.find((q) => q.name === 'seconds');
  return controlForm(send, results, (form, fire) => {
    const id = uid('u');
    form.appendChild(make('label', { for: id }, `Unlock ${dev.name} for (s)`));
    const n = make('input', { id, type: 'number', min: seconds?.min ?? 1, step: 1, value: 5 });
    if (seconds?.max !== undefined) n.max = String(seconds.max);
    form.appendChild(n);
    form.appendChild(make('button', { type: 'submit' }, 'Unlock'));
    const lock = make('button', { type: 'button', 'aria-label': `Lock ${dev.name}` }, 'Lock');
    lock.addEventListener('click', () => fire({ type: 'call', gateway: dev.gateway, device: dev.name, action: 'lock', params: {} }));
    form.appendChild(lock);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      fire({ type: 'call', gateway: dev.gateway, device: dev.name, action: 'unlock', params: { seconds: Number(n.value) } });
    });
  });
}

function cameraControls(dev, token) {
  const box = make('div');
  const img = make('img', { class: 'snapshot', alt: `${dev.name} snapshot` });
  const row = make('form', { class: 'control' });
  const button = make('button', { type: 'submit', 'aria-label': `Refresh ${dev.name} snapshot` }, 'Refresh');
  const status = make('span', { class: 'result', role: 'status', 'aria-live': 'polite' });
  row.appendChild(button);
  row.appendChild(status);
  const load = async () => {
    status.className = 'result';
    status.textContent = 'fetching the image over PIA…';
    try {
      const r = await fetch(`/api/snapshot?gateway=${encodeURIComponent(dev.gateway)}&device=${encodeURIComponent(dev.name)}`, { headers: { 'x-console-token': token() } });
      if (!r.ok) {
        status.className = 'result refused';
        status.textContent = (await r.text()).trim();
        return;
      }
      const old = img.src;
      img.src = URL.createObjectURL(await r.blob());
      if (old.startsWith('blob:')) URL.revokeObjectURL(old);
      status.textContent = `image of ${new Date().toLocaleTimeString()}`;
    } catch {
      status.className = 'result refused';
      status.textContent = 'the console did not answer';
    }
  };
  row.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  box.appendChild(img);
  box.appendChild(row);
  return { box, load };
}

/** Every control of `dev`, appended to `into`; returns a loader for a camera's first image. */
export function deviceControls(into, dev, send, results, token) {
  if (dev.kind === 'door' || dev.kind === 'safe') into.appendChild(lockControls(dev, send, results));
  for (const p of dev.properties) if (p.writable) into.appendChild(propertyControl(dev, p, send, results));
  if (dev.blobs.length > 0) {
    const cam = cameraControls(dev, token);
    into.appendChild(cam.box);
    return cam.load;
  }
  return undefined;
}
