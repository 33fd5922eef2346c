/**
 * Bench: the console process's memory with 3 gateways × 20 devices open (every observable
 * property observed, values flowing), against `piactl watch` on one property (the same program
 * and runtime holding one gateway), both as child processes; limit 100 MB.
 *
 *   1. bench/console-fixture.ts: the trusted server and 3 gateways of 20 fake devices (2
 *      observable properties each: 120 observations), pinned in a known-gateways file;
 *   2. piactl bundled as the program runs in production (compiled JavaScript, no TypeScript
 *      loader: tsx alone holds ~100 MB), with esbuild into a temporary folder beside a copy of
 *      the page's static/ folder; `piactl console` as a child: its URL read from stdout; a WebSocket client (the
 *      page) counts the devices until all 60 are there; `piactl watch` as a second child;
 *   3. for SAMPLE_MS every device emits a new temperature every 500 ms; VmRSS of both children
 *      read from /proc/PID/status every 500 ms; the peak of each and their ratio printed.
 *
 * Run: npx tsx bench/console-rss.ts
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { ProcessTracker, REPO_ROOT } from '../common/test-support/index.js';
import { consoleFixture } from './console-fixture.js';

export const LIMIT_BYTES = 100 * 1024 * 1024;
const SAMPLE_MS = 10_000;
/** Step 2: piactl as one JavaScript file (its packages inside; CommonJS ones through createRequire) and the page's files beside it. */
export function bundlePiactl(out: string): string {
  const file = join(out, 'piactl.mjs');
  const banner = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/esbuild'), [join(REPO_ROOT, 'operator/cli/piactl.ts'), '--bundle', '--platform=node', '--format=esm', `--banner:js=${banner}`, `--outfile=${file}`, '--log-level=warning']);
  cpSync(join(REPO_ROOT, 'operator/console/static'), join(out, 'static'), { recursive: true });
  return file;
}

function rss(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

export async function main(): Promise<{ consoleBytes: number; watchBytes: number; ratio: number }> {
  const f = await consoleFixture(3, 20);
  const piactl = bundlePiactl(join(f.root, 'bundle'));
  const procs = new ProcessTracker();
  const env = { PIACTL_KNOWN_GATEWAYS: f.knownGateways, HOME: f.root, PIACTL_CREDENTIAL: f.alice };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  let ticker: NodeJS.Timeout | undefined;
  try {
    const consoleProc = procs.start(process.execPath, [piactl, 'console'], { name: 'piactl console', env });
    const url = new URL((await consoleProc.waitFor(/console at (http:\/\/\S+)/, 60_000))[1]!);
    const ws = new WebSocket(`ws://${url.host}/ws`, { origin: `http://${url.host}` });
    const devices = new Map<string, number>();
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { type: string; gateway?: string; devices?: unknown[]; append?: boolean };
      if (m.type === 'devices' && m.gateway !== undefined) devices.set(m.gateway, (m.append === true ? (devices.get(m.gateway) ?? 0) : 0) + (m.devices?.length ?? 0));
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'hello', token: url.hash.slice('#token='.length) }));
    const first = f.gateways[0]!;
    const watchProc = procs.start(process.execPath, [piactl, '--gateway', first.endpoint, 'watch', `${first.devices[0]!.describe().name}/temperature`], { name: 'piactl watch', env });
    const total = (): number => [...devices.values()].reduce((a, b) => a + b, 0);
    for (let waited = 0; total() < 60; waited += 100) {
      if (waited > 120_000) throw new Error(`bench: the console showed ${total()} of 60 devices within 120 s: ${consoleProc.stderr()}`);
      await sleep(100);
    }
    await watchProc.waitFor(/°C/, 60_000);
    let v = 20;
    ticker = setInterval(() => {
      v += 0.01;
      for (const g of f.gateways) for (const d of g.devices) d.emit('temperature', Math.round(v * 100) / 100);
    }, 500);
    let consoleBytes = 0;
    let watchBytes = 0;
    for (let t = 0; t < SAMPLE_MS; t += 500) {
      await sleep(500);
      consoleBytes = Math.max(consoleBytes, rss(consoleProc.child.pid));
      watchBytes = Math.max(watchBytes, rss(watchProc.child.pid));
    }
    ws.close();
    const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
    const r = { consoleBytes, watchBytes, ratio: consoleBytes / watchBytes };
    console.log(`console RSS: 3 gateways × 20 devices (120 observations, values every 500 ms): peak ${mb(consoleBytes)}; piactl watch (1 gateway, 1 property) ${mb(watchBytes)}; console ÷ watch = ${r.ratio.toFixed(2)}; limit ${mb(LIMIT_BYTES)}: ${(consoleBytes / LIMIT_BYTES).toFixed(2)} of it (${consoleBytes < LIMIT_BYTES ? 'within' : 'OVER'})`);
    if (consoleBytes >= LIMIT_BYTES) throw new Error(`bench: the console's RSS ${mb(consoleBytes)} is over the ${mb(LIMIT_BYTES)} limit`);
    return r;
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
    await procs.stopAll();
    await f.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
