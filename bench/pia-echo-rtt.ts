/**
 * Bench: echo round-trip time over PIA against the same echo over plain UDP, between the same
 * two processes on ::1. Target: PIA ÷ plain ≤ 1.3 (medians), for both suites, 64 and 1200 B.
 *
 * The two processes:
 *   child  — `runPia(['listen', …])`, i.e. `pia listen`'s responder and echo service (inner UDP
 *            port 7, pia/cli/listen.ts), plus two plain UDP echo sockets in the same process:
 *            a bare one, and an "AEAD echo" that opens what it gets and seals its answer;
 *   parent — this process: a PiaNode (initiator) and two plain UDP sockets. Each round sends
 *            one echo of each kind and waits for it, in an order that rotates every round, so
 *            all three see the same load at the same time.
 * Both nodes use the node's default AEAD library for the suite (PiaNodeOptions.aeadLibrary
 * unset); the table names the implementation the SA runs (PiaNode.aead). Payloads: B bytes of
 * UDP payload (inside ESP it is the inner packet's payload).
 *
 * The floor: an echo needs four AEAD operations (parent seals, child opens, child seals, parent
 * opens), each over the ESP plaintext the node builds: inner IPv6 40 + UDP 8 + B, padded so
 * plaintext ≡ 0 (mod 4) with the 2-byte trailer (docs/protocol.md §6), 12-byte AAD, with the
 * same implementation. Measured two ways, for reference:
 *   in situ  — median AEAD-echo RTT − median bare RTT: the four operations where they run, between
 *              socket calls (cold caches: OpenSSL's per-call key setup is then several times its
 *              cost in a tight loop);
 *   in a loop — 2 × (seal + open) back to back, median of chunks: the best case.
 * "Added" = median PIA RTT − median bare RTT; what it holds beyond the AEAD is ESP framing, the
 * inner packet (checksum), the replay window and the node's bookkeeping, on both sides.
 *
 * Run: npx tsx bench/pia-echo-rtt.ts [rounds per row, default 3000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../common/index.js';
import { MemoryLatchStore } from '../pia/discovery/index.js';
import { createAead, type Aead, type AeadLibrary } from '../pia/esp/index.js';
import { PiaNode, openUdpTransport, type Endpoint } from '../pia/node/index.js';
import { echoPayload, runPia, summarize, type RttSummary } from '../pia/cli/index.js';
import { SUITE_NAMES, SuiteId } from '../pia/index.js';

const SIZES = [64, 1200] as const;
const SUITES: readonly SuiteId[] = [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305];
const ECHO_PORT = 7;
const WARMUP = 300;

export interface EchoRttResult {
  readonly suite: SuiteId;
  /** The AEAD implementation the SA ran, e.g. "chacha20-poly1305 (node:crypto)". */
  readonly aeadName: string;
  readonly bytes: number;
  readonly rounds: number;
  /** Milliseconds. */
  readonly plain: RttSummary;
  readonly pia: RttSummary;
  /** Median PIA − median plain, µs. */
  readonly addedMicros: number;
  /** The same echo with four AEAD operations on the ESP plaintext and nothing else (ms). */
  readonly aeadEcho: RttSummary;
  /** Median AEAD echo − median plain, µs: the four operations in situ (the floor). */
  readonly aeadInSituMicros: number;
  /** 2 × (seal + open) of the ESP plaintext back to back, µs (best case, for reference). */
  readonly aeadLoopMicros: number;
  /** Median PIA ÷ median plain (target ≤ 1.3). */
  readonly ratio: number;
  /** p99 PIA ÷ p99 plain (no target: the shared machine's scheduling shows here). */
  readonly p99Ratio: number;
}

/** The child: `pia listen` on ::1 plus a bare and an AEAD UDP echo socket, all reported on stdout. */
async function child(): Promise<void> {
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  const plain = await udpSocket((msg, from, socket) => socket.send(msg, from.port, from.address));
  const aead = await udpSocket((msg, from, socket) => {
    const reply = answerAeadEcho(msg);
    if (reply !== undefined) socket.send(reply, from.port, from.address);
  });
  process.stdout.write(`plain UDP echo on [::1]:${plain.address().port}\n`);
  process.stdout.write(`AEAD UDP echo on [::1]:${aead.address().port}\n`);
  const code = await runPia(['listen', '--bind', '[::1]:0'], { stdout: process.stdout, stderr: process.stderr, signal: stop.signal });
  plain.close();
  aead.close();
  process.exitCode = code;
}

async function udpSocket(onMessage: (msg: Buffer, from: { port: number; address: string }, socket: Socket) => void): Promise<Socket> {
  const socket = createSocket('udp6');
  socket.on('message', (msg, from) => onMessage(msg, from, socket));
  await new Promise<void>((resolve) => socket.bind(0, '::1', resolve));
  return socket;
}

/**
 * The AEAD echo's datagram: suite (1 byte) | library name length (1) | library name (ASCII) |
 * nonce (12) | AEAD(ESP plaintext) with the fixed bench key and a 12-byte AAD. The child opens
 * it and seals the plaintext back under the next nonce with the same implementation: the two
 * operations the PIA child does per echo, on the same sizes.
 */
const BENCH_KEY = new Uint8Array(32).fill(7);
const BENCH_AAD = new Uint8Array(12).fill(2);
const aeads = new Map<string, Aead>();
function aeadFor(suite: SuiteId, library: AeadLibrary): Aead {
  const key = `${suite}/${library}`;
  let aead = aeads.get(key);
  if (aead === undefined) aeads.set(key, (aead = createAead(suite, library)));
  return aead;
}

function sealAeadEcho(suite: SuiteId, library: AeadLibrary, counter: number, plaintext: Uint8Array): Uint8Array {
  const name = Buffer.from(library, 'ascii');
  const at = 2 + name.length;
  const out = new Uint8Array(at + 12 + plaintext.length + 16);
  out[0] = suite;
  out[1] = name.length;
  out.set(name, 2);
  new DataView(out.buffer).setUint32(at + 8, counter);
  aeadFor(suite, library).seal(BENCH_KEY, out.subarray(at, at + 12), BENCH_AAD, plaintext, out.subarray(at + 12));
  return out;
}

function parseAeadEcho(msg: Uint8Array): { suite: SuiteId; library: AeadLibrary; at: number } {
  const at = 2 + msg[1]!;
  return { suite: msg[0] as SuiteId, library: Buffer.from(msg.subarray(2, at)).toString('ascii') as AeadLibrary, at };
}

function openAeadEcho(msg: Uint8Array): Uint8Array | undefined {
  const { suite, library, at } = parseAeadEcho(msg);
  return aeadFor(suite, library).open(BENCH_KEY, msg.subarray(at, at + 12), BENCH_AAD, msg.subarray(at + 12));
}

function answerAeadEcho(msg: Uint8Array): Uint8Array | undefined {
  const plaintext = openAeadEcho(msg);
  if (plaintext === undefined) return undefined;
  const { suite, library, at } = parseAeadEcho(msg);
  return sealAeadEcho(suite, library, new DataView(msg.buffer, msg.byteOffset).getUint32(at + 8) + 1, plaintext);
}

/** The ESP plaintext a PIA echo of `bytes` seals: inner IPv6 + UDP + payload, padded, trailer. */
function espPlaintextLength(bytes: number): number {
  const inner = 48 + bytes;
  return inner + ((4 - ((inner + 2) % 4)) % 4) + 2;
}

/** A fresh PiaNode (initiator, default AEAD library) on ::1 with an SA to the child, and a way to echo through it. */
async function piaEcho(peer: Endpoint, suite: SuiteId): Promise<{ echo: (p: Uint8Array) => Promise<number>; close: () => Promise<void>; aead: { name: string; library: AeadLibrary } }> {
  const transport = await openUdpTransport({ address: '::1', port: 0 });
  const node = new PiaNode({ transport, clock: systemClock(), latches: new MemoryLatchStore(), suites: [suite] });
  await node.connect(peer);
  const aead = node.aead(peer);
  if (aead === undefined) throw new Error(`bench: no SA with the child at [${peer.address}]:${peer.port} after connect()`);
  let wake: (() => void) | undefined;
  node.onData(() => wake?.());
  return {
    aead,
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

type Echo = (payload: Uint8Array) => Promise<number>;

/** A bare UDP echo (`transform` absent) or the AEAD echo: seal before sending, open the answer. */
async function udpEcho(peer: Endpoint, aead?: { suite: SuiteId; library: AeadLibrary }): Promise<{ echo: Echo; close: () => void }> {
  const socket: Socket = createSocket('udp6');
  await new Promise<void>((resolve) => socket.bind(0, '::1', resolve));
  let wake: ((msg: Uint8Array) => void) | undefined;
  socket.on('message', (msg) => wake?.(msg));
  let counter = 0;
  return {
    async echo(payload) {
      const got = new Promise<Uint8Array>((resolve) => (wake = resolve));
      const t0 = performance.now();
      const out = aead === undefined ? payload : sealAeadEcho(aead.suite, aead.library, (counter += 2), new Uint8Array(espPlaintextLength(payload.length)));
      await new Promise<void>((resolve, reject) => socket.send(out, peer.port, peer.address, (e) => (e ? reject(e) : resolve())));
      const answer = await got;
      if (aead !== undefined && openAeadEcho(answer) === undefined) throw new Error('AEAD echo: the answer did not open');
      return performance.now() - t0;
    },
    close: () => socket.close(),
  };
}

/** µs for the four AEAD operations of one echo back to back: 2 × (seal + open) of the ESP plaintext. */
export function aeadLoopMicros(suite: SuiteId, library: AeadLibrary, bytes: number, chunks = 25, perChunk = 400): number {
  const aead = createAead(suite, library);
  const plaintext = new Uint8Array(espPlaintextLength(bytes));
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

export async function measureEchoRtt(targets: EchoTargets, suite: SuiteId, bytes: number, rounds: number): Promise<EchoRttResult> {
  const p = await piaEcho(targets.pia, suite);
  const u = await udpEcho(targets.plain);
  const a = await udpEcho(targets.aead, { suite, library: p.aead.library });
  try {
    const echoes: readonly Echo[] = [p.echo, u.echo, a.echo];
    const samples: number[][] = [[], [], []];
    for (let i = 0; i < WARMUP + rounds; i++) {
      const payload = echoPayload(i, bytes);
      for (let k = 0; k < 3; k++) {
        const which = (i + k) % 3; // rotates the order each round
        const ms = await echoes[which]!(payload);
        if (i >= WARMUP) samples[which]!.push(ms);
      }
    }
    const [pia, plain, aeadEcho] = samples.map((x) => summarize(x)!) as [RttSummary, RttSummary, RttSummary];
    const addedMicros = (pia.median - plain.median) * 1000;
    const aeadInSituMicros = (aeadEcho.median - plain.median) * 1000;
    return {
      suite, aeadName: p.aead.name, bytes, rounds, pia, plain, aeadEcho, addedMicros, aeadInSituMicros,
      aeadLoopMicros: aeadLoopMicros(suite, p.aead.library, bytes), ratio: pia.median / plain.median, p99Ratio: pia.p99 / plain.p99,
    };
  } finally {
    await p.close();
    u.close();
    a.close();
  }
}

export interface EchoTargets {
  readonly pia: Endpoint;
  readonly plain: Endpoint;
  readonly aead: Endpoint;
}

/** The child of the module comment (this file, --child): `pia listen` and the two UDP echoes on ::1. */
export async function startEchoChild(): Promise<{ child: ChildProcess; targets: EchoTargets; stop: () => Promise<void> }> {
  // The same runtime as this process (tsx loader flags included), this same file.
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = '';
  const port = (re: RegExp): number | undefined => {
    const m = re.exec(seen)?.[1];
    return m === undefined ? undefined : Number(m);
  };
  const targets = await new Promise<EchoTargets>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      seen += String(b);
      const [pia, plain, aead] = [/PIA responder on \[::1\]:(\d+)/, /plain UDP echo on \[::1\]:(\d+)/, /AEAD UDP echo on \[::1\]:(\d+)/].map(port);
      if (pia !== undefined && plain !== undefined && aead !== undefined) {
        const at = (p: number): Endpoint => ({ address: '::1', port: p });
        resolve({ pia: at(pia), plain: at(plain), aead: at(aead) });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', () => reject(new Error(`bench child exited before serving; it said: ${seen}`)));
  });
  child.stdout?.on('data', () => undefined); // keep draining its SA lines
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  };
  return { child, targets, stop };
}

const us = (ms: number): string => (ms * 1000).toFixed(1);

export async function main(rounds = 3000): Promise<EchoRttResult[]> {
  const echoChild = await startEchoChild();
  const results: EchoRttResult[] = [];
  try {
    console.log(`Echo RTT between two processes on ::1 (child: pia listen + a bare and an AEAD UDP echo), ${rounds} rounds per row, the three interleaved`);
    console.log('suite     AEAD (both sides)               bytes  plain med  plain p99  PIA med  PIA p99  PIA÷plain med  p99   | added  4 AEAD in situ  in a loop   (µs)');
    for (const suite of SUITES) {
      for (const bytes of SIZES) {
        const r = await measureEchoRtt(echoChild.targets, suite, bytes, rounds);
        results.push(r);
        const cells = [
          SUITE_NAMES[suite].padEnd(8), r.aeadName.padEnd(30), String(bytes).padStart(5), us(r.plain.median).padStart(9), us(r.plain.p99).padStart(9),
          us(r.pia.median).padStart(7), us(r.pia.p99).padStart(7), r.ratio.toFixed(2).padStart(13), r.p99Ratio.toFixed(2).padStart(5),
          `| ${r.addedMicros.toFixed(1).padStart(5)}`, r.aeadInSituMicros.toFixed(1).padStart(14), r.aeadLoopMicros.toFixed(1).padStart(10),
        ];
        console.log(cells.join('  '));
      }
    }
    console.log('target: PIA ÷ plain ≤ 1.3 (medians)');
  } finally {
    await echoChild.stop();
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--child') await child();
  else await main(Number(process.argv[2] ?? 3000));
}
