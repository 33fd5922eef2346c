/**
 * Bench: how long an observed value takes to reach the console page's WebSocket, against
 * `piactl watch`'s in-process path printing the same value, side by side in one run.
 *
 *   1. bench/console-fixture.ts: the trusted server and one gateway serving a fake device at
 *      ::1 over real UDP;
 *   2. `piactl watch dev-0-0/temperature` in-process (runPiactl), its stdout a hook that
 *      timestamps each line; `piactl console` in-process, and a WebSocket client as the page
 *      (Origin: the console's own, hello with the token) timestamping each `value` message;
 *      each has its own PIA node and SA with the gateway;
 *   3. CHANGES times: the device emits a new temperature (t0); both arrivals are awaited;
 *      console − t0 and watch − t0 recorded;
 *   4. the medians and their ratio (console ÷ watch): what the console's core, JSON and the
 *      WebSocket add to piactl's own Observe path. watch registers first, so the gateway
 *      notifies it first: the ratio leans slightly against the console.
 *
 * Run: npx tsx bench/console-latency.ts [changes, default 200]
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { runPiactl, type ConsoleServer } from '../operator/index.js';
import { consoleFixture } from './console-fixture.js';

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};

export async function main(changes = 200): Promise<{ consoleMs: number; watchMs: number; ratio: number }> {
  const f = await consoleFixture(1, 1);
  const gw = f.gateways[0]!;
  const device = gw.devices[0]!;
  const stop = new AbortController();
  const env = { PIACTL_KNOWN_GATEWAYS: f.knownGateways, HOME: f.root };
  const watched = new Map<number, number>();
  const paged = new Map<number, number>();
  let buffer = '';
  const watch = runPiactl(['--credential', f.alice, '--gateway', gw.endpoint, 'watch', `${device.describe().name}/temperature`], {
    stdout: {
      write: (s: string) => {
        const at = performance.now();
        buffer += s;
        for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
          const m = /: (-?[\d.]+) Cel/.exec(buffer.slice(0, i));
          buffer = buffer.slice(i + 1);
          if (m !== null) watched.set(Number(m[1]), at);
        }
      },
    },
    stderr: { write: (s: string) => process.stderr.write(s) },
    signal: stop.signal,
    env,
  });
  let server!: ConsoleServer;
  const ready = new Promise<void>((resolve) => {
    void runPiactl(['--credential', f.alice, 'console'], { stdout: { write: () => true }, stderr: { write: (s: string) => process.stderr.write(s) }, signal: stop.signal, env, onReady: (s) => ((server = s), resolve()) });
  });
  await ready;
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { origin: `http://127.0.0.1:${server.port}` });
  let devicesSeen = false;
  ws.on('message', (data: Buffer) => {
    const at = performance.now();
    const m = JSON.parse(data.toString()) as { type: string; property?: string; value?: unknown; devices?: unknown[] };
    if (m.type === 'devices' && (m.devices?.length ?? 0) > 0) devicesSeen = true;
    if (m.type === 'value' && m.property === 'temperature' && typeof m.value === 'number') paged.set(m.value, at);
  });
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'hello', token: new URL(server.url).hash.slice('#token='.length) }));
  const until = async (cond: () => boolean, what: string, ms = 30_000): Promise<void> => {
    const deadline = performance.now() + ms;
    while (!cond()) {
      if (performance.now() > deadline) throw new Error(`bench: ${what} within ${ms} ms`);
      await new Promise((r) => setImmediate(r));
    }
  };
  await until(() => devicesSeen && watched.size > 0, 'the console and watch did not start');
  const consoleMs: number[] = [];
  const watchMs: number[] = [];
  for (let i = 0; i < changes + 10; i++) {
    const value = 20 + (i % 500) / 100 + 0.001 * (i + 1);
    const t0 = performance.now();
    device.emit('temperature', value);
    await until(() => watched.has(value) && paged.has(value), `change ${i} did not arrive on both paths`);
    if (i >= 10) {
      consoleMs.push(paged.get(value)! - t0);
      watchMs.push(watched.get(value)! - t0);
    }
  }
  ws.close();
  stop.abort();
  await watch;
  await f.close();
  const r = { consoleMs: median(consoleMs), watchMs: median(watchMs), ratio: median(consoleMs) / median(watchMs) };
  console.log(`console latency: ${changes} changes; median value → page WebSocket ${r.consoleMs.toFixed(3)} ms, → piactl watch line ${r.watchMs.toFixed(3)} ms; console ÷ watch = ${r.ratio.toFixed(2)}`);
  return r;
}

if (import.meta.url === `file://${process.argv[1]}`) await main(Number(process.argv[2] ?? 200));
