// A hand-made SVG line chart of one property's last hour: axes, min and max, time labels.
// Never innerHTML: every node is made with createElementNS and text with textContent.
const NS = 'http://www.w3.org/2000/svg';
const W = 320;
const H = 90;
const LEFT = 34;
const BOTTOM = 14;

function el(name, attrs, text) {
  const n = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

const hhmm = (t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const short = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));

/** Draws `samples` ([time, value] oldest first) into a new or given <svg>. */
export function drawChart(svg, samples, label) {
  svg = svg ?? el('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img' });
  svg.setAttribute('aria-label', `${label}: last hour`);
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  svg.appendChild(el('line', { class: 'axis', x1: LEFT, y1: 2, x2: LEFT, y2: H - BOTTOM }));
  svg.appendChild(el('line', { class: 'axis', x1: LEFT, y1: H - BOTTOM, x2: W - 2, y2: H - BOTTOM }));
  if (samples.length === 0) {
    svg.appendChild(el('text', { x: LEFT + 6, y: H / 2 }, 'no values yet'));
    return svg;
  }
  let min = Infinity;
  let max = -Infinity;
  for (const [, v] of samples) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const t0 = samples[0][0];
  const t1 = Math.max(samples[samples.length - 1][0], t0 + 1000);
  const span = max - min || 1;
  const x = (t) => LEFT + ((t - t0) / (t1 - t0)) * (W - LEFT - 4);
  const y = (v) => H - BOTTOM - 2 - ((v - min) / span) * (H - BOTTOM - 8);
  const points = samples.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  svg.appendChild(el('polyline', { class: 'line', points: samples.length === 1 ? `${points} ${(W - 4).toFixed(1)},${y(samples[0][1]).toFixed(1)}` : points }));
  svg.appendChild(el('text', { x: 2, y: 10 }, `max ${short(max)}`));
  svg.appendChild(el('text', { x: 2, y: H - BOTTOM - 2 }, `min ${short(min)}`));
  svg.appendChild(el('text', { x: LEFT, y: H - 2 }, hhmm(t0)));
  svg.appendChild(el('text', { x: W - 30, y: H - 2 }, hhmm(t1)));
  return svg;
}
