/**
 * Bench: a legitimate initiator's connections while INITs flood the responder from the
 * initiator's own source address (docs/protocol.md §3, §5 "Cookie"), on real UDP over ::1.
 *
 * The responder is `pia listen` in a child process. This process runs, in the same run:
 *   baseline — 20 connections, one every 500 ms, each a fresh PiaNode on ::1 (the phase-2
 *              exchange; `connect()` resolving is the measured time), nothing else on the wire;
 *   flood    — the same 20 connections while a socket on ::1 (another port: the same source
 *              address, as a spoofer of ::1 would send) sends 2,000 INITs per second, each with
 *              fresh SPIi and Ni and no cookie, for the 10 s the connections take.
 * Printed: successes, p50 and p90 of the connection time in each, their ratio, and the bytes the
 * responder sent back to the flooding socket per byte it received from it.
 *
 * Run: npx tsx bench/init-flood.ts [INITs per second, default 2000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../common/index.js';
import { runPia } from '../pia/cli/index.js';
import { MemoryLatchStore } from '../pia/discovery/index.js';
import { X25519KeyPair, encodeKx } from '../pia/handshake/index.js';
import { PiaNode, openUdpTransport, type Endpoint } from '../pia/node/index.js';

const CONNECTIONS = 20;
const EVERY_MS = 500;
const CONNECT_TIMEOUT_MS = 15_000;

export interface FloodRow {
  readonly ok: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
}

export interface FloodResult {
  readonly baseline: FloodRow;
  readonly flood: FloodRow;
  readonly initsSent: number;
  /** Bytes the responder sent to the flooding socket ÷ bytes it sent the responder. */
  readonly bytesOutPerIn: number;
}

function row(times: readonly number[], failed: number): FloodRow {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
  return { ok: times.length, failed, p50Ms: at(0.5), p90Ms: at(0.9) };
}

/** One connection: a fresh node on ::1, phase 2 with the responder; its time, or undefined. */
async function connectOnce(to: Endpoint): Promise<number | undefined> {
  const transport = await openUdpTransport({ address: '::1', port: 0 });
  const node = new PiaNode({ transport, clock: systemClock(), latches: new MemoryLatchStore() });
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([node.connect(to), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), CONNECT_TIMEOUT_MS)))]);
    return performance.now() - t0;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    await node.close();
  }
}

async function connections(to: Endpoint): Promise<FloodRow> {
  const runs: Promise<number | undefined>[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    runs.push(connectOnce(to));
    await new Promise((r) => setTimeout(r, EVERY_MS));
  }
  const times = await Promise.all(runs);
  const ok = times.filter((t): t is number => t !== undefined);
  return row(ok, times.length - ok.length);
}

/** Sends `perSecond` spoofed INITs to `to` from one ::1 socket until stopped; counts bytes both ways. */
async function startFlood(to: Endpoint, perSecond: number): Promise<{ stop(): Promise<{ sent: number; bytesIn: number; bytesOut: number }> }> {
  const socket = createSocket({ type: 'udp6' });
  socket.bind(0, '::1');
  await once(socket, 'listening');
  let bytesOut = 0;
  let bytesIn = 0;
  socket.on('message', (m) => (bytesIn += m.length));
  const gi = new X25519KeyPair(new Uint8Array(32).fill(7)).publicKey;
  let n = 0;
  const tick = setInterval(() => {
    for (let k = 0; k < perSecond / 100; k++, n++) {
      const ni = new Uint8Array(32);
      new DataView(ni.buffer).setUint32(0, n);
      const init = encodeKx({ kind: 'init', spiI: 0x10000 + n, ni, gi, suites: [1, 2], cookie: new Uint8Array(0) });
      bytesOut += init.length;
      socket.send(init, to.port, to.address);
    }
  }, 10);
  return {
    async stop() {
      clearInterval(tick);
      await new Promise((r) => setTimeout(r, 200)); // the last answers
      socket.close();
      return { sent: n, bytesIn, bytesOut };
    },
  };
}

async function startResponder(): Promise<{ child: ChildProcess; at: Endpoint }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const at = await new Promise<Endpoint>((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      const m = /PIA responder on \[([^\]]+)\]:(\d+)/.exec(seen);
      if (m !== null) resolve({ address: m[1] ?? '::1', port: Number(m[2]) });
    });
    child.once('exit', () => reject(new Error(`bench child exited before listening; it said: ${seen}`)));
  });
  child.stdout?.on('data', () => undefined);
  return { child, at };
}

export async function main(perSecond = 2000): Promise<FloodResult> {
  const { child, at } = await startResponder();
  try {
    const baseline = await connections(at);
    const flood = await startFlood(at, perSecond);
    const during = await connections(at);
    const f = await flood.stop();
    const result = { baseline, flood: during, initsSent: f.sent, bytesOutPerIn: f.bytesIn / f.bytesOut };
    console.log(`INIT flood from the initiator's own address (::1, another port), ${perSecond}/s, against 'pia listen' in a child process; ${CONNECTIONS} connections each way, one every ${EVERY_MS} ms`);
    const line = (name: string, r: FloodRow): string => `  ${name.padEnd(9)} ${r.ok}/${r.ok + r.failed} connected   p50 ${r.p50Ms.toFixed(1)} ms   p90 ${r.p90Ms.toFixed(1)} ms`;
    console.log(line('baseline', baseline));
    console.log(line('flood', during));
    console.log(`  p90 flood ÷ baseline ${(during.p90Ms / baseline.p90Ms).toFixed(2)}; ${f.sent} INITs sent (${f.bytesOut} bytes), ${f.bytesIn} bytes came back to the flooder: ${result.bytesOutPerIn.toFixed(2)} bytes out per byte in`);
    return result;
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--child') {
    const stop = new AbortController();
    process.once('SIGTERM', () => stop.abort());
    process.exitCode = await runPia(['listen', '--bind', '[::1]:0'], { stdout: process.stdout, stderr: process.stderr, signal: stop.signal });
  } else {
    await main(process.argv[2] === undefined ? undefined : Number(process.argv[2]));
  }
}
