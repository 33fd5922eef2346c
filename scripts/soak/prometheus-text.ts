/**
 * The few series the soak reads from a gateway's `/metrics` (docs/metrics.md), out of the
 * Prometheus text format (exposition format 0.0.4: `name{label="value",…} number` a line).
 *
 * Must hold: a series is matched by its name and every label given (others may be present);
 * `sum` adds every matching line and says 0 when none matches — a counter not yet created
 * (prom-client creates label sets on first use) has counted nothing.
 */

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export function parsePrometheusText(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] ?? ''] = l[2] ?? '';
    out.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of every series named `name` carrying all of `labels`. */
export function sumSeries(series: readonly Series[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const s of series) {
    if (s.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}
