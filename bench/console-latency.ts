/**
 * Bench: how long an observed value takes to reach the console page's WebSocket, against how
 * long `piactl watch` takes to print it, side by side in one run, each as the program a user
 * runs (a child process of compiled JavaScript, bench/console-rss.ts `bundlePiactl`).
 *
 *   1. bench/console-fixture.ts: the trusted server and one gateway serving a fake device at
 *      ::1 over real UDP, in this process;
 *   2. BLOCKS (20) alternating blocks of 10 changes, so drift (CPU frequency, other load) falls on both sides
 *      alike: a watch block runs `piactl watch dev-0-0/temperature` as a child and
 *      timestamps each line as its stdout pipe delivers it here; a console block runs `piactl
 *      console` as a child with a WebSocket client here as the page (its own Origin, hello
 *      with the token) and timestamps each `value` message. One observer at a time, so the
 *      gateway never notifies one before the other;
 *   3. in each block, after WARMUP (50) changes that are not counted (a fresh process's code
 *      is not yet compiled by the JIT: the console's longer path needs the warm-up more than
 *      watch's, and short blocks without it measured the compiler, not the program), 10
 *      counted changes: the device emits a new temperature (t0) and the arrival is awaited;
 *      arrival − t0 recorded. Many short blocks, not a few long ones: the spread between
 *      blocks (which child got which core) was larger than the difference measured;
 *   4. the medians over every block of a side and their ratio (console ÷ watch): what the
 *      console's core, its JSON and the WebSocket add to piactl's own Observe path. The goal:
 *      at most 1.2.
 *
 * Run: npx tsx bench/console-latency.ts [changes per side, default 200]
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { ProcessTracker } from '../common/test-support/index.js';
import { consoleFixture, type ConsoleFixture } from './console-fixture.js';
import { bundlePiactl } from './console-rss.js';

const BLOCKS = 20;
const WARMUP = 50;
export const GOAL_RATIO = 1.2;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};

/** An observer of dev-0-0/temperature in a child process: `arrivals` maps a value to when it arrived here. */
interface Observer {
  readonly arrivals: Map<number, number>;
  stop(): Promise<void>;
}

async function startWatch(procs: ProcessTracker, piactl: string, f: ConsoleFixture, env: Record<string, string>): Promise<Observer> {
  const gw = f.gateways[0]!;
  const p = procs.start(process.execPath, [piactl, '--gateway', gw.endpoint, 'watch', `${gw.devices[0]!.describe().name}/temperature`], { name: 'piactl watch', env });
  const arrivals = new Map<number, number>();
  let buffer = '';
  p.child.stdout?.on('data', (b: Buffer) => {
    const at = performance.now();
    buffer += b.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const m = /: (-?[\d.]+) °C/.exec(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
      if (m !== null) arrivals.set(Number(m[1]), at);
    }
  });
  await p.waitFor(/°C/, 60_000);
  return { arrivals, stop: () => stopChild(p.child, p.exited) };
}

async function startConsole(procs: ProcessTracker, piactl: string, env: Record<string, string>): Promise<Observer> {
  const p = procs.start(process.execPath, [piactl, 'console'], { name: 'piactl console', env });
  const url = new URL((await p.waitFor(/console at (http:\/\/\S+)/, 60_000))[1]!);
  const ws = new WebSocket(`ws://${url.host}/ws`, { origin: `http://${url.host}` });
  const arrivals = new Map<number, number>();
  let devices = 0;
  ws.on('message', (data: Buffer) => {
    const at = performance.now();
    const m = JSON.parse(data.toString()) as { type: string; property?: string; value?: unknown; devices?: unknown[] };
    if (m.type === 'devices') devices += m.devices?.length ?? 0;
    if (m.type === 'value' && m.property === 'temperature' && typeof m.value === 'number') arrivals.set(m.value, at);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ type: 'hello', token: url.hash.slice('#token='.length) }));
  for (const deadline = performance.now() + 60_000; devices === 0; ) {
    if (performance.now() > deadline) throw new Error(`bench: the console showed no device within 60 s: ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    arrivals,
    stop: async () => {
      ws.close();
      await stopChild(p.child, p.exited);
    },
  };
}

async function stopChild(child: { kill(signal: NodeJS.Signals): boolean }, exited: Promise<unknown>): Promise<void> {
  child.kill('SIGINT'); // both deregister their observations as they stop
  await exited;
}

/** Step 3: `n` changes after the warm-up; the latencies in ms. */
async function measure(f: ConsoleFixture, o: Observer, n: number, next: () => number): Promise<number[]> {
  const device = f.gateways[0]!.devices[0]!;
  const out: number[] = [];
  for (let i = 0; i < WARMUP + n; i++) {
    const value = next();
    const t0 = performance.now();
    device.emit('temperature', value);
    for (const deadline = t0 + 10_000; !o.arrivals.has(value); ) {
      if (performance.now() > deadline) throw new Error(`bench: the value ${value} did not arrive within 10 s`);
      await new Promise((r) => setImmediate(r));
    }
    if (i >= WARMUP) out.push(o.arrivals.get(value)! - t0);
  }
  return out;
}

export async function main(changes = 200): Promise<{ consoleMs: number; watchMs: number; ratio: number }> {
  const f = await consoleFixture(1, 1);
  const procs = new ProcessTracker();
  const env = { PIACTL_KNOWN_GATEWAYS: f.knownGateways, HOME: f.root, PIACTL_CREDENTIAL: f.alice };
  let counter = 0;
  const next = (): number => Math.round((20 + (counter++ % 1000) / 100) * 1000 + counter) / 1000; // distinct values
  try {
    const piactl = bundlePiactl(join(f.root, 'bundle'));
    const perBlock = Math.ceil(changes / BLOCKS);
    const consoleMs: number[] = [];
    const watchMs: number[] = [];
    for (let b = 0; b < BLOCKS; b++) {
      for (const side of b % 2 === 0 ? (['watch', 'console'] as const) : (['console', 'watch'] as const)) {
        const o = side === 'watch' ? await startWatch(procs, piactl, f, env) : await startConsole(procs, piactl, env);
        (side === 'watch' ? watchMs : consoleMs).push(...(await measure(f, o, perBlock, next)));
        await o.stop();
      }
    }
    const r = { consoleMs: median(consoleMs), watchMs: median(watchMs), ratio: median(consoleMs) / median(watchMs) };
    console.log(
      `console latency: ${consoleMs.length} changes a side in ${BLOCKS} alternating blocks, each program a child process; median value → page WebSocket ${r.consoleMs.toFixed(3)} ms, → piactl watch line ${r.watchMs.toFixed(3)} ms; console ÷ watch = ${r.ratio.toFixed(2)} (goal ≤ ${GOAL_RATIO}: ${r.ratio <= GOAL_RATIO ? 'met' : 'NOT met'})`,
    );
    return r;
  } finally {
    await procs.stopAll();
    await f.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(Number(process.argv[2] ?? 200));
