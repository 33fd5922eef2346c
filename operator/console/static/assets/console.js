// The console page: the token moved from the URL's fragment into sessionStorage (and out of
// the address bar), one WebSocket to the console (reconnecting by itself), and the picture
// drawn from its messages (operator/README.md "piactl console", protocol.ts). Server data is
// only ever set as textContent.
import { drawChart } from './chart.js';
import { deviceControls, showResult } from './controls.js';

const KEY = 'pia-console-token';
const fromHash = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash);
if (fromHash) {
  sessionStorage.setItem(KEY, fromHash[1]);
  history.replaceState(null, '', location.pathname);
}
const token = () => sessionStorage.getItem(KEY) ?? '';

const $ = (id) => document.getElementById(id);
function make(tag, attrs = {}, text) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}
const clock = (t) => new Date(t).toLocaleTimeString([], { hour12: false });
const key = (g, d, p) => `${g}\u0000${d}\u0000${p ?? ''}`;

const gateways = new Map(); // name → view
const devices = new Map(); // gateway → [device]
const series = new Map(); // key → [[t, v]] (the charts' samples)
const alarms = new Map(); // id → alarm
const valueCells = new Map(); // key → { cell, unit, kind }
const charts = new Map(); // key → svg
const dirty = new Set();
const results = new Map();
let socket;
let retryMs = 1000;

const HOUR = 3_600_000;
// A 'timestamp' property (a wall-clock ISO 8601 time from the gateway) is shown in local time.
function formatValue(v, unit, kind) {
  if (v === null || v === undefined) return '—';
  if (kind === 'timestamp' && typeof v === 'string' && Number.isFinite(Date.parse(v))) {
    return new Date(v).toLocaleString([], { hour12: false });
  }
  const text = typeof v === 'number' ? String(Math.round(v * 100) / 100) : typeof v === 'string' ? v : JSON.stringify(v);
  return unit ? `${text} ${unit}` : text;
}

function send(message) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  else showResult(results, { id: message.id, ok: false, message: 'not connected to the console; try again once it is back' });
}

function renderGateways() {
  const list = $('gateways');
  list.replaceChildren();
  for (const g of gateways.values()) {
    const li = make('li', { 'data-gateway': g.gateway });
    const head = make('div');
    head.appendChild(make('strong', {}, g.label ? `${g.label} ` : ''));
    head.appendChild(make('span', { class: 'muted' }, g.gateway));
    head.appendChild(make('span', { class: `badge phase-${g.phase}`, title: 'security phase' }, g.phaseText));
    const state = g.status === 'unreachable' ? `unreachable since ${clock(g.since)}` : g.status === 'refused' ? `refused since ${clock(g.since)}` : g.status;
    head.appendChild(make('span', { class: `badge ${g.status}`, 'data-status': g.status }, state));
    li.appendChild(head);
    if (g.nodeId) li.appendChild(make('div', { class: 'muted' }, `node ${g.nodeId}`));
    if (g.error && (g.status !== 'up' || g.phase < 3)) li.appendChild(make('p', { class: 'error' }, g.error));
    if (g.attempting) li.appendChild(make('div', { class: 'muted' }, 'trying again now…'));
    else if (g.retryAt && g.status !== 'up') li.appendChild(make('div', { class: 'muted' }, `next attempt at ${clock(g.retryAt)}`));
    list.appendChild(li);
  }
  for (const [name, g] of gateways) document.querySelector(`section[data-gateway-devices="${CSS.escape(name)}"]`)?.classList.toggle('gone', g.status !== 'up');
}

function renderAlarms() {
  const list = $('alarms');
  list.replaceChildren();
  const all = [...alarms.values()].sort((a, b) => Number(b.active) - Number(a.active) || b.since - a.since);
  if (all.length === 0) list.appendChild(make('li', { class: 'cleared' }, 'no alarms'));
  for (const a of all) list.appendChild(make('li', { class: a.active ? 'active' : 'cleared', 'data-alarm': a.kind }, `${clock(a.since)} ${a.active ? '' : 'cleared: '}${a.text} (${a.gateway})`));
}

function renderDevices(gateway) {
  const root = $('devices');
  let section = document.querySelector(`section[data-gateway-devices="${CSS.escape(gateway)}"]`);
  if (!section) {
    section = make('section', { 'data-gateway-devices': gateway });
    root.appendChild(section);
  }
  section.replaceChildren();
  const g = gateways.get(gateway);
  section.appendChild(make('h3', {}, `${g?.label ?? gateway} (${gateway})`));
  const grid = make('div', { class: 'devices-grid' });
  section.appendChild(grid);
  for (const dev of devices.get(gateway) ?? []) grid.appendChild(deviceCard(dev));
  section.classList.toggle('gone', g?.status !== 'up');
}

function deviceCard(dev) {
  const card = make('article', { class: 'device', 'data-device': dev.name, 'aria-label': dev.name });
  const h = make('h4', {}, dev.name);
  h.appendChild(make('span', { class: 'muted' }, ` ${dev.kind}`));
  h.appendChild(make('span', { class: `badge ${dev.health.status}`, 'data-health': '' }, dev.health.status));
  card.appendChild(h);
  if (dev.part) card.appendChild(make('div', { class: 'muted' }, dev.part));
  if (dev.problem) card.appendChild(make('p', { class: 'error' }, dev.problem));
  const table = make('table', { class: 'props' });
  for (const p of dev.properties) {
    const tr = make('tr');
    tr.appendChild(make('td', {}, p.name));
    const cell = make('td', { class: 'value', 'data-property': p.name }, formatValue(p.value, p.unit, p.kind));
    if (p.kind === 'timestamp' && typeof p.value === 'string') cell.title = p.value;
    tr.appendChild(cell);
    table.appendChild(tr);
    valueCells.set(key(dev.gateway, dev.name, p.name), { cell, unit: p.unit, kind: p.kind });
  }
  card.appendChild(table);
  const load = deviceControls(card, dev, send, results, token);
  for (const p of dev.properties) {
    if (p.type !== 'number') continue;
    const k = key(dev.gateway, dev.name, p.name);
    const samples = series.get(k) ?? [];
    if (typeof p.value === 'number' && samples.length === 0) samples.push([p.time, p.value]);
    series.set(k, samples);
    const title = `${p.name}${p.unit ? ` (${p.unit})` : ''}`;
    const figure = make('figure', { class: 'chart-box' });
    figure.appendChild(make('figcaption', {}, `${title}, last hour`));
    const svg = drawChart(undefined, samples, `${dev.name} ${title}`);
    charts.set(k, svg);
    figure.appendChild(svg);
    card.appendChild(figure);
  }
  if (load) void load();
  return card;
}

function addSample(k, t, v) {
  const s = series.get(k);
  if (!s || typeof v !== 'number') return;
  const last = s[s.length - 1];
  if (last && Math.floor(last[0] / 1000) === Math.floor(t / 1000)) last[1] = v;
  else s.push([t, v]);
  while (s.length > 0 && s[0][0] < t - HOUR) s.shift();
  dirty.add(k);
}

setInterval(() => {
  for (const k of dirty) {
    const svg = charts.get(k);
    if (svg) drawChart(svg, series.get(k) ?? [], svg.getAttribute('aria-label').replace(/: last hour$/, ''));
  }
  dirty.clear();
}, 1000);

function onMessage(m) {
  switch (m.type) {
    case 'state':
      gateways.clear();
      for (const g of m.gateways) gateways.set(g.gateway, g);
      alarms.clear();
      for (const a of m.alarms) alarms.set(a.id, a);
      $('devices').replaceChildren();
      renderGateways();
      renderAlarms();
      return;
    case 'devices': {
      const list = m.append ? [...(devices.get(m.gateway) ?? []), ...m.devices] : m.devices;
      devices.set(m.gateway, list);
      renderDevices(m.gateway);
      return;
    }
    case 'history': {
      const k = key(m.gateway, m.device, m.property);
      const s = m.append ? [...(series.get(k) ?? []), ...m.samples] : [...m.samples];
      series.set(k, s);
      dirty.add(k);
      return;
    }
    case 'value': {
      const k = key(m.gateway, m.device, m.property);
      const v = valueCells.get(k);
      if (v) {
        v.cell.textContent = formatValue(m.value, v.unit, v.kind);
        if (v.kind === 'timestamp' && typeof m.value === 'string') v.cell.title = m.value;
      }
      const dev = devices.get(m.gateway)?.find((d) => d.name === m.device);
      const p = dev?.properties.find((x) => x.name === m.property);
      if (p) p.value = m.value;
      addSample(k, m.time, m.value);
      return;
    }
    case 'health': {
      const badge = document.querySelector(`section[data-gateway-devices="${CSS.escape(m.gateway)}"] article[data-device="${CSS.escape(m.device)}"] [data-health]`);
      if (badge) {
        badge.textContent = m.health.status;
        badge.className = `badge ${m.health.status}`;
      }
      return;
    }
    case 'gateway':
      gateways.set(m.view.gateway, m.view);
      renderGateways();
      return;
    case 'alarm':
      alarms.set(m.alarm.id, m.alarm);
      renderAlarms();
      return;
    case 'result':
      showResult(results, m);
      return;
  }
}

function connect() {
  const status = $('connection');
  if (!token()) {
    status.textContent = 'no token: open the URL that piactl console printed';
    status.className = 'stopped';
    return;
  }
  const ws = new WebSocket(`ws://${location.host}/ws`);
  socket = ws;
  let opened = false;
  ws.addEventListener('open', () => {
    opened = true;
    retryMs = 1000;
    ws.send(JSON.stringify({ type: 'hello', token: token() }));
    status.textContent = 'connected';
    status.className = '';
  });
  ws.addEventListener('message', (e) => {
    try {
      onMessage(JSON.parse(e.data));
    } catch (err) {
      console.error('console: a message the page cannot draw', err);
    }
  });
  ws.addEventListener('close', (e) => {
    const stopped = e.code === 1001 || !opened;
    status.textContent = e.code === 1008 ? 'refused: this page has an old or wrong token; open the URL piactl console printed' : stopped ? `console stopped; trying again in ${Math.round(retryMs / 1000)} s` : 'connection lost; reconnecting…';
    status.className = stopped || e.code === 1008 ? 'stopped' : '';
    for (const g of gateways.values()) document.querySelector(`section[data-gateway-devices="${CSS.escape(g.gateway)}"]`)?.classList.add('gone');
    if (e.code === 1008) return;
    setTimeout(connect, retryMs);
    retryMs = Math.min(10_000, retryMs * 2);
  });
}

connect();
