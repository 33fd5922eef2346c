// The views of MyNet Manager: each returns the elements of its page; actions call the API and
// show the answer (the server's message on an error, the `effect` text when access is lost).
import { api } from './api.js';
import { el, field, table } from './dom.js';

const dash = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));
const nodeLink = (id, label) => el('a', { href: `#/node/${encodeURIComponent(id)}`, text: label });

export async function fleet() {
  const { gateways } = await api('GET', '/api/fleet');
  const rows = gateways.map((g) => [nodeLink(g.id, g.label), g.status === 'revoked' ? 'revoked' : g.online ? 'online' : 'offline', String(g.devices), `${g.health.ok} ok, ${g.health.degraded} degraded, ${g.health.failed} failed`, dash(g.firmware), dash(g.owner)]);
  return [el('h2', { text: 'Fleet' }), gateways.length === 0 ? el('p', { text: 'No gateways yet.' }) : table(['Gateway', 'Online', 'Devices', 'Health', 'Firmware', 'Owner'], rows, 'Gateways you manage')];
}

function revokeButton(ctx, node) {
  return el('button', { type: 'button', text: `Revoke ${node.label}`, onclick: async () => {
    if (!confirm(`Revoke ${node.label}? It can no longer prove who it is.`)) return;
    try {
      const r = await api('POST', `/api/nodes/${node.id}/revoke`);
      ctx.tell(`Revoked ${node.label}: ${r.effect}.`);
    } catch (err) { ctx.report(err); }
  } });
}

export async function node(ctx, id) {
  const d = await api('GET', `/api/nodes/${encodeURIComponent(id)}`);
  const n = d.node;
  const facts = el('dl', {}, ...[['ID', n.id], ['Kind', n.kind], ['Status', n.status], ['Owner', dash(n.owner)], ['Created', n.created], ['Last phase 3', dash(n.lastSeen)], ['Firmware', dash(d.report?.firmware)], ['Reported', dash(d.report?.reportedAt)]].flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
  const parts = [el('h2', { text: `Node ${n.label}` }), facts];
  if (n.status === 'active' && n.kind !== 'server') parts.push(revokeButton(ctx, n));
  if (ctx.me.role === 'admin' && n.kind !== 'server') {
    const owner = el('input', { name: 'owner', value: n.owner ?? '' });
    const form = el('form', { 'aria-label': 'Set owner' }, field('Owner account (empty: none)', owner), el('button', { type: 'submit', text: 'Set owner' }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try { await api('POST', `/api/nodes/${n.id}/owner`, { owner: owner.value === '' ? null : owner.value }); ctx.tell('Owner set.'); } catch (err) { ctx.report(err); }
    });
    parts.push(form);
  }
  if (d.devices.length > 0) parts.push(table(['Device', 'Kind', 'Health', 'Detail'], d.devices.map((x) => [x.name, x.kind, x.status, dash(x.detail)]), 'Devices (last report)'));
  parts.push(grantTable(ctx, d.grants, 'Grants'));
  parts.push(auditTable(d.audit, 'Recent audit records'));
  return parts;
}

export async function enroll(ctx) {
  const label = el('input', { name: 'label', required: true, maxlength: 64 });
  const form = el('form', { id: 'enroll', 'aria-label': 'Enroll an operator' }, field('Label (who or what gets it)', label));
  let owner;
  if (ctx.me.role === 'admin') { owner = el('input', { name: 'owner' }); form.append(field('Owner account (optional)', owner)); }
  form.append(el('button', { type: 'submit', text: 'Enroll' }));
  const out = el('section', { id: 'credential', 'aria-live': 'polite' });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const body = { kind: 'operator', label: label.value };
      if (owner && owner.value !== '') body.owner = owner.value;
      const r = await api('POST', '/api/nodes', body);
      const text = JSON.stringify(r.credential, null, 2);
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const qr = el('div', { id: 'qr', role: 'img', 'aria-label': 'QR code of the credential' });
      if (r.qrSvg) { const img = el('img', { alt: 'QR code of the credential', src: `data:image/svg+xml;base64,${btoa(r.qrSvg)}` }); qr.append(img); } else qr.append(el('p', { text: r.qrError }));
      out.replaceChildren(el('h3', { text: `Credential of ${r.node.label}` }), el('p', { class: 'warn', text: 'Shown only this once: download it or scan the QR code now, and hand it over safely. The server never shows the key again.' }), el('pre', { id: 'credential-json', text }), el('a', { id: 'download', href: url, download: 'credential.json', text: 'Download credential.json' }), qr);
      label.value = '';
    } catch (err) { ctx.report(err); }
  });
  return [el('h2', { text: 'Enroll an operator' }), form, out];
}

export async function grant(ctx) {
  const [{ gateways }, { nodes }] = await Promise.all([api('GET', '/api/fleet'), api('GET', '/api/nodes')]);
  const gw = el('select', { name: 'gateway', required: true }, el('option', { value: '', text: 'Choose a gateway' }), gateways.filter((g) => g.status === 'active').map((g) => el('option', { value: g.id, text: g.label })));
  const subject = el('select', { name: 'subject', required: true }, el('option', { value: '', text: 'Choose an operator' }), nodes.filter((n) => n.kind === 'operator' && n.status === 'active').map((n) => el('option', { value: n.id, text: n.label })));
  const devices = el('fieldset', { id: 'devices' }, el('legend', { text: 'Devices' }), el('p', { text: 'Choose a gateway first.' }));
  gw.addEventListener('change', async () => {
    devices.replaceChildren(el('legend', { text: 'Devices' }));
    if (gw.value === '') return;
    try {
      const d = await api('GET', `/api/nodes/${gw.value}`);
      if (d.devices.length === 0) devices.append(el('p', { text: 'This gateway has not reported its devices yet.' }));
      for (const x of d.devices) { const box = el('input', { type: 'checkbox', name: 'device', value: x.name, id: `dev-${x.name}` }); devices.append(el('p', {}, box, el('label', { for: box.id, text: `${x.name} (${x.kind})` }))); }
    } catch (err) { ctx.report(err); }
  });
  const right = (name, text = name) => { const b = el('input', { type: 'checkbox', name: 'right', value: name, id: `right-${name.replace(':', '-')}` }); return el('span', {}, b, el('label', { for: b.id, text })); };
  // docs/protocol.md §9.6: read (GET, Observe), control (PUT, and actions that need no more),
  // call:NAME for an action of its own right (a door's or a safe's unlock).
  const rights = el('fieldset', {}, el('legend', { text: 'Rights' }), right('read'), right('control'), right('call:unlock', 'unlock (doors, safes)'));
  const from = el('input', { type: 'datetime-local', name: 'notBefore' });
  const until = el('input', { type: 'datetime-local', name: 'notAfter' });
  const form = el('form', { id: 'grant', 'aria-label': 'Register a partner' }, field('Gateway', gw), field('Operator (the partner\'s credential)', subject), devices, rights, field('Valid from (optional)', from), field('Valid until (optional)', until), el('button', { type: 'submit', text: 'Register partner' }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const picked = [...devices.querySelectorAll('input:checked')].map((b) => b.value);
    const body = { subject: subject.value, gateway: gw.value, devices: picked, rights: [...rights.querySelectorAll('input:checked')].map((b) => b.value) };
    if (from.value) body.notBefore = new Date(from.value).toISOString();
    if (until.value) body.notAfter = new Date(until.value).toISOString();
    try { const r = await api('POST', '/api/grants', body); ctx.tell(`Registered: ${r.grants.length} grant(s) added.`); } catch (err) { ctx.report(err); }
  });
  return [el('h2', { text: 'Register a partner' }), form];
}

function grantTable(ctx, list, caption) {
  const rows = list.map((g) => [g.subject, g.gateway, g.devices, g.rights.join(', '), `${dash(g.notBefore)} – ${dash(g.notAfter)}`, el('button', { type: 'button', text: 'Remove', 'aria-label': `Remove grant ${g.devices} for ${g.subject}`, onclick: async () => {
    try { const r = await api('DELETE', `/api/grants/${g.id}`); ctx.tell(`Grant removed: ${r.effect}.`); } catch (err) { ctx.report(err); }
  } })]);
  return list.length === 0 ? el('p', { text: `${caption}: none.` }) : table(['Subject', 'Gateway', 'Devices', 'Rights', 'Valid', 'Action'], rows, caption);
}

export async function grants(ctx) {
  const { grants: list } = await api('GET', '/api/grants');
  return [el('h2', { text: 'Grants' }), grantTable(ctx, list, 'Grants on your gateways')];
}

function auditTable(records, caption) {
  const detail = (r) => Object.entries(r).filter(([k]) => !['seq', 'time', 'event', 'prev', 'hash'].includes(k)).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`).join(' ');
  return records.length === 0 ? el('p', { text: `${caption}: none.` }) : table(['#', 'Time', 'Event', 'Details'], records.map((r) => [String(r.seq), r.time, r.event, detail(r)]), caption);
}

export async function audit(ctx, query) {
  const params = new URLSearchParams(query);
  const inputs = { event: el('input', { name: 'event', value: params.get('event') ?? '' }), node: el('input', { name: 'node', value: params.get('node') ?? '' }), account: el('input', { name: 'account', value: params.get('account') ?? '' }), since: el('input', { name: 'since', type: 'date', value: params.get('since') ?? '' }) };
  const form = el('form', { id: 'audit-filter', 'aria-label': 'Filter the audit log' }, field('Event', inputs.event), field('Node ID', inputs.node), field('Account', inputs.account), field('Since', inputs.since), el('button', { type: 'submit', text: 'Filter' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams(Object.entries(inputs).filter(([, i]) => i.value !== '').map(([k, i]) => [k, i.value]));
    ctx.go(`#/audit/${encodeURIComponent(q.toString())}`);
  });
  const r = await api('GET', `/api/audit?${params.toString()}`);
  const v = r.verify;
  const chain = el('p', { id: 'chain', class: v.ok ? 'ok' : 'bad', text: v.ok ? `Chain intact: ${v.records} records, last hash ${v.lastHash}` : `Chain BROKEN at line ${v.firstBad.line}: ${v.firstBad.message}` });
  return [el('h2', { text: 'Audit log' }), chain, form, auditTable(r.records, 'Records, newest first')];
}

export async function accounts(ctx) {
  const { accounts: list } = await api('GET', '/api/accounts');
  const act = (a, what, body) => async () => {
    try { await api(what === 'remove' ? 'DELETE' : 'POST', what === 'remove' ? `/api/accounts/${a.name}` : `/api/accounts/${a.name}/${what}`, body); ctx.tell(`Account ${a.name}: ${what} done.`); } catch (err) { ctx.report(err); }
  };
  const rows = list.map((a) => [a.name, a.role, a.disabled ? 'disabled' : 'active', el('span', {},
    el('button', { type: 'button', text: a.disabled ? 'Enable' : 'Disable', 'aria-label': `${a.disabled ? 'Enable' : 'Disable'} ${a.name}`, onclick: act(a, a.disabled ? 'enable' : 'disable') }),
    el('button', { type: 'button', text: a.role === 'admin' ? 'Make owner' : 'Make admin', 'aria-label': `Change role of ${a.name}`, onclick: act(a, 'role', { role: a.role === 'admin' ? 'owner' : 'admin' }) }),
    el('button', { type: 'button', text: 'Remove', 'aria-label': `Remove ${a.name}`, onclick: act(a, 'remove') }))]);
  const name = el('input', { name: 'name', required: true });
  const role = el('select', { name: 'role' }, el('option', { value: 'owner', text: 'owner' }), el('option', { value: 'admin', text: 'admin' }));
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
  const form = el('form', { id: 'add-account', 'aria-label': 'Add an account' }, field('Name', name), field('Role', role), field('Password (12 characters or more)', password), el('button', { type: 'submit', text: 'Add account' }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try { await api('POST', '/api/accounts', { name: name.value, role: role.value, password: password.value }); password.value = ''; ctx.tell(`Account ${name.value} added.`); } catch (err) { ctx.report(err); }
  });
  return [el('h2', { text: 'Accounts' }), table(['Name', 'Role', 'Status', 'Actions'], rows, 'Accounts'), el('h3', { text: 'Add an account' }), form];
}
