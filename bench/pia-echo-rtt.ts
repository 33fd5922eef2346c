/**
 * Bench: echo round-trip time over PIA against the same echo over plain UDP, between the same
 * two processes on ::1, and the time PIA adds against the AEAD work an echo cannot do without.
 *
 * The two processes:
 *   child  — `runPia(['listen', …])`, i.e. `pia listen`'s responder and echo service (inner UDP
 *            port 7, pia/cli/listen.ts), plus a plain UDP echo socket in the same process;
 *   parent — this process: a PiaNode (initiator, default AEAD library, node:crypto) and a plain
 *            UDP socket. Each round sends one echo each way and waits for it: PIA then plain on
 *            even rounds, plain then PIA on odd ones, so both see the same load at the same time.
 * Payloads: B bytes of UDP payload in both cases (inside ESP it is the inner packet's payload).
 *
 * The floor: an echo needs four AEAD operations (parent seals, child opens, child seals, parent
 * opens), each over the ESP plaintext the node builds: inner IPv6 40 + UDP 8 + B, padded so
 * plaintext ≡ 0 (mod 4) with the 2-byte trailer (docs/protocol.md §6), 12-byte AAD. Measured
 * here with the same library (createAead(suite, 'node')), as 2 × (seal + open), median of
 * chunks of wall time, between the RTT runs.
 * "Added" = median PIA RTT − median plain RTT. Target (issue 3): added ≤ 1.5 × the four
 * AEAD operations. Everything else in "added" is ESP framing, the inner packet (checksum),
 * the replay window, the node's bookkeeping and the extra allocations, on both sides.
 *
 * Run: npx tsx bench/pia-echo-rtt.ts [rounds per row, default 3000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../common/index.js';
import { MemoryLatchStore } from '../pia/discovery/index.js';
import { createAead } from '../pia/esp/index.js';
import { PiaNode, openUdpTransport, type Endpoint } from '../pia/node/index.js';
import { echoPayload, runPia, summarize, type RttSummary } from '../pia/cli/index.js';
import { SUITE_NAMES, SuiteId } from '../pia/suites-ids.js';

const SIZES = [64, 1200] as const;
const SUITES: readonly SuiteId[] = [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305];
const ECHO_PORT = 7;
const WARMUP = 300;

export interface EchoRttResult {
  readonly suite: SuiteId;
  readonly bytes: number;
  readonly rounds: number;
  /** Milliseconds. */
  readonly plain: RttSummary;
  readonly pia: RttSummary;
  /** Median PIA − median plain, µs. */
  readonly addedMicros: number;
  /** 2 × (seal + open) of the ESP plaintext, µs. */
  readonly aeadMicros: number;
  /** added ÷ aead (target ≤ 1.5). */
  readonly ratio: number;
}

/** The child: `pia listen` on ::1 plus a plain UDP echo socket, both reported on stdout. */
async function child(): Promise<void> {
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  const plain = createSocket('udp6');
  plain.on('message', (msg, from) => plain.send(msg, from.port, from.address));
  await new Promise<void>((resolve) => plain.bind(0, '::1', resolve));
  process.stdout.write(`plain UDP echo on [::1]:${plain.address().port}\n`);
  const code = await runPia(['listen', '--bind', '[::1]:0'], { stdout: process.stdout, stderr: process.stderr, signal: stop.signal });
  plain.close();
  process.exitCode = code;
}

/** A fresh PiaNode (initiator) on ::1 with an SA to the child, and a way to echo through it. */
async function piaEcho(peer: Endpoint, suite: SuiteId): Promise<{ echo: (p: Uint8Array) => Promise<number>; close: () => Promise<void> }> {
  const transport = await openUdpTransport({ address: '::1', port: 0 });
  const node = new PiaNode({ transport, clock: systemClock(), latches: new MemoryLatchStore(), suites: [suite] });
  await node.connect(peer);
  let wake: (() => void) | undefined;
  node.onData(() => wake?.());
  return {
    async echo(payload) {
      const got = new Promise<void>((resolve) => (wake = resolve));
      const t0 = performance.now();
      await node.send(peer, { srcPort: 40000, dstPort: ECHO_PORT, payload });
      await got;
      return performance.now() - t0;
    },
    close: () => node.close(),
  };
}

async function plainEcho(peer: Endpoint): Promise<{ echo: (p: Uint8Array) => Promise<number>; close: () => void }> {
  const socket: Socket = createSocket('udp6');
  await new Promise<void>((resolve) => socket.bind(0, '::1', resolve));
  let wake: (() => void) | undefined;
  socket.on('message', () => wake?.());
  return {
    async echo(payload) {
      const got = new Promise<void>((resolve) => (wake = resolve));
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => socket.send(payload, peer.port, peer.address, (e) => (e ? reject(e) : resolve())));
      await got;
      return performance.now() - t0;
    },
    close: () => socket.close(),
  };
}

/** µs for the four AEAD operations of one echo: 2 × (seal + open) of the ESP plaintext. */
export function aeadMicros(suite: SuiteId, bytes: number, chunks = 25, perChunk = 400): number {
  const aead = createAead(suite, 'node');
  const inner = 48 + bytes;
  const plaintext = new Uint8Array(inner + ((4 - ((inner + 2) % 4)) % 4) + 2);
  const key = new Uint8Array(32).fill(7);
  const nonce = new Uint8Array(12).fill(1);
  const aad = new Uint8Array(12).fill(2);
  const step = (): void => {
    const sealed = aead.seal(key, nonce, aad, plaintext);
    if (aead.open(key, nonce, aad, sealed) === undefined) throw new Error(`${aead.name}: open failed`);
  };
  for (let i = 0; i < perChunk * 5; i++) step(); // warm-up (JIT)
  const perStep: number[] = [];
  for (let c = 0; c < chunks; c++) {
    const t0 = performance.now();
    for (let i = 0; i < perChunk; i++) step();
    perStep.push(((performance.now() - t0) * 1000) / perChunk);
  }
  return 2 * (summarize(perStep)?.median ?? NaN);
}

export async function measureEchoRtt(pia: Endpoint, plain: Endpoint, suite: SuiteId, bytes: number, rounds: number): Promise<EchoRttResult> {
  const p = await piaEcho(pia, suite);
  const u = await plainEcho(plain);
  try {
    const piaRtt: number[] = [];
    const plainRtt: number[] = [];
    for (let i = 0; i < WARMUP + rounds; i++) {
      const payload = echoPayload(i, bytes);
      const first = i % 2 === 0 ? p : u;
      const second = first === p ? u : p;
      const a = await first.echo(payload);
      const b = await second.echo(payload);
      if (i < WARMUP) continue;
      (first === p ? piaRtt : plainRtt).push(a);
      (second === p ? piaRtt : plainRtt).push(b);
    }
    const s = { pia: summarize(piaRtt)!, plain: summarize(plainRtt)! };
    const addedMicros = (s.pia.median - s.plain.median) * 1000;
    const aead = aeadMicros(suite, bytes);
    return { suite, bytes, rounds, ...s, addedMicros, aeadMicros: aead, ratio: addedMicros / aead };
  } finally {
    await p.close();
    u.close();
  }
}

async function startChild(): Promise<{ child: ChildProcess; pia: Endpoint; plain: Endpoint }> {
  const child = spawn('node_modules/.bin/tsx', ['bench/pia-echo-rtt.ts', '--child'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = '';
  const ports = await new Promise<[number, number]>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      seen += String(b);
      const pia = /PIA responder on \[::1\]:(\d+)/.exec(seen)?.[1];
      const plain = /plain UDP echo on \[::1\]:(\d+)/.exec(seen)?.[1];
      if (pia !== undefined && plain !== undefined) resolve([Number(pia), Number(plain)]);
    };
    child.stdout?.on('data', onData);
    child.once('exit', () => reject(new Error(`bench child exited before serving; it said: ${seen}`)));
  });
  child.stdout?.on('data', () => undefined); // keep draining its SA lines
  return { child, pia: { address: '::1', port: ports[0] }, plain: { address: '::1', port: ports[1] } };
}

const us = (ms: number): string => (ms * 1000).toFixed(1);

export async function main(rounds = 3000): Promise<EchoRttResult[]> {
  const { child: echoChild, pia, plain } = await startChild();
  const results: EchoRttResult[] = [];
  try {
    console.log(`Echo RTT between two processes on ::1 (child: pia listen + a plain UDP echo), ${rounds} rounds per row, PIA and plain alternating`);
    console.log('suite      bytes  plain median  plain p99  PIA median  PIA p99  added (median PIA − plain)  4 AEAD ops  added÷AEAD   (µs)');
    for (const suite of SUITES) {
      for (const bytes of SIZES) {
        const r = await measureEchoRtt(pia, plain, suite, bytes, rounds);
        results.push(r);
        const cells = [SUITE_NAMES[suite].padEnd(9), String(bytes).padStart(5), us(r.plain.median).padStart(12), us(r.plain.p99).padStart(9), us(r.pia.median).padStart(10), us(r.pia.p99).padStart(7), r.addedMicros.toFixed(1).padStart(26), r.aeadMicros.toFixed(1).padStart(10), r.ratio.toFixed(2).padStart(10)];
        console.log(cells.join('  '));
      }
    }
    console.log('target: added ≤ 1.5 × the four AEAD operations (added÷AEAD ≤ 1.5)');
  } finally {
    echoChild.kill('SIGTERM');
    if (echoChild.exitCode === null) await once(echoChild, 'exit');
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--child') await child();
  else await main(Number(process.argv[2] ?? 3000));
}
