/**
 * Bench: echoes per second through one PIA responder from 8 concurrent initiators, against the
 * same 8 initiators echoing off a plain UDP echo in the same responder process. Target:
 * PIA ÷ plain ≥ 0.7 (echoes per second).
 *
 * Processes: the responder is pia-echo-rtt.ts's child (`pia listen` on ::1, its echo service
 * on inner UDP port 7, and a bare UDP echo socket); the 8 initiators all live in this one
 * process: 8 PiaNodes (default AEAD library), each on its own UDP socket with its own SA pair
 * to the responder, and 8 plain UDP sockets. So the responder serves 8 SAs in one event loop,
 * and the two processes have about a core each on a 2-core machine.
 *
 * Flow of one row (suite, payload size):
 *   1. the 8 nodes connect (one phase-2 exchange each);
 *   2. a warm-up phase per path, not counted;
 *   3. three rounds of a plain phase then a PIA phase, `phaseMs` each: every initiator keeps
 *      `depth` echoes in flight (an answer sends the next: a closed loop); the rate is the
 *      answers received during the phase ÷ its length, and a path's figure is the median of its
 *      three phases. An initiator that hears nothing for 200 ms with echoes in flight counts
 *      them lost and starts again (UDP may drop under load; the table shows how many);
 *   4. between phases, in-flight echoes drain, so one phase's answers never count in another.
 * The initiators' CPU time per echo (this process, user + system) is shown for both paths.
 *
 * Run: npx tsx bench/pia-echo-throughput.ts [phase ms, default 2000] [depth per initiator, default 4]
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../common/index.js';
import { MemoryLatchStore } from '../pia/discovery/index.js';
import { PiaNode, openUdpTransport, type Endpoint } from '../pia/node/index.js';
import { SUITE_NAMES, SuiteId } from '../pia/index.js';
import { startEchoChild } from './pia-echo-rtt.js';

const INITIATORS = 8;
const SIZES = [64, 1200] as const;
const SUITES: readonly SuiteId[] = [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305];
const ROUNDS = 3;
const SILENT_MS = 200;
const ECHO_PORT = 7;

/** One initiator's closed loop: `fire` sends an echo; `reply` is called for each answer. */
class Loop {
  inFlight = 0;
  answered = 0;
  lost = 0;
  lastAt = 0;
  running = false;

  constructor(private readonly fire: () => void) {}

  start(depth: number): void {
    this.running = true;
    this.lastAt = performance.now();
    for (let i = 0; i < depth; i++) this.#send();
  }

  reply(): void {
    if (this.inFlight > 0) this.inFlight--;
    this.answered++;
    this.lastAt = performance.now();
    if (this.running) this.#send();
  }

  /** Silent too long with echoes in flight: they are lost; the loop starts again. */
  check(now: number, depth: number): void {
    if (!this.running || this.inFlight === 0 || now - this.lastAt < SILENT_MS) return;
    this.lost += this.inFlight;
    this.inFlight = 0;
    this.start(depth);
  }

  #send(): void {
    this.inFlight++;
    this.fire();
  }
}

interface Phase {
  readonly perSecond: number;
  readonly lost: number;
  /** Initiators' CPU µs per answered echo. */
  readonly cpuMicros: number;
}

async function runPhase(loops: readonly Loop[], ms: number, depth: number): Promise<Phase> {
  for (const l of loops) {
    l.answered = 0;
    l.lost = 0;
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const l of loops) l.start(depth);
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const l of loops) l.check(now, depth);
  }, 50);
  await new Promise((r) => setTimeout(r, ms));
  const seconds = (performance.now() - t0) / 1000;
  const answered = loops.reduce((n, l) => n + l.answered, 0);
  const cpu = process.cpuUsage(cpu0);
  for (const l of loops) l.running = false;
  clearInterval(watchdog);
  // 4. drain: wait for the last answers (or their loss) before the next phase
  for (let waited = 0; waited < SILENT_MS * 2 && loops.some((l) => l.inFlight > 0); waited += 10) await new Promise((r) => setTimeout(r, 10));
  const lost = loops.reduce((n, l) => n + l.lost + l.inFlight, 0);
  for (const l of loops) l.inFlight = 0;
  return { perSecond: answered / seconds, lost, cpuMicros: answered === 0 ? NaN : (cpu.user + cpu.system) / answered };
}

/** 8 PiaNodes with an SA each to the responder; their loops. */
async function piaInitiators(peer: Endpoint, suite: SuiteId, payload: Uint8Array): Promise<{ loops: Loop[]; aeadName: string; close: () => Promise<void> }> {
  const nodes: PiaNode[] = [];
  const loops: Loop[] = [];
  let sendErrors = 0;
  for (let i = 0; i < INITIATORS; i++) {
    const node = new PiaNode({ transport: await openUdpTransport({ address: '::1', port: 0 }), clock: systemClock(), latches: new MemoryLatchStore(), suites: [suite] });
    nodes.push(node);
    const datagram = { srcPort: 40000 + i, dstPort: ECHO_PORT, payload };
    const onError = (): void => void sendErrors++;
    const loop = new Loop(() => void node.send(peer, datagram).catch(onError));
    loops.push(loop);
    node.onData(() => loop.reply());
  }
  await Promise.all(nodes.map((n) => n.connect(peer)));
  const aeadName = nodes[0]?.aead(peer)?.name ?? '?';
  return {
    loops,
    aeadName,
    close: async () => {
      for (const n of nodes) await n.close();
      if (sendErrors > 0) console.error(`bench: ${sendErrors} PIA sends failed`);
    },
  };
}

/** 8 plain UDP sockets echoing off the responder's bare echo; their loops. */
async function plainInitiators(peer: Endpoint, payload: Uint8Array): Promise<{ loops: Loop[]; close: () => void }> {
  const sockets: Socket[] = [];
  const loops: Loop[] = [];
  for (let i = 0; i < INITIATORS; i++) {
    const socket = createSocket('udp6');
    await new Promise<void>((resolve) => socket.bind(0, '::1', resolve));
    sockets.push(socket);
    const loop = new Loop(() => socket.send(payload, peer.port, peer.address));
    loops.push(loop);
    socket.on('message', () => loop.reply());
  }
  return { loops, close: () => sockets.forEach((s) => s.close()) };
}

export interface ThroughputResult {
  readonly suite: SuiteId;
  readonly aeadName: string;
  readonly bytes: number;
  readonly plain: Phase;
  readonly pia: Phase;
  /** Median PIA echoes/s ÷ median plain echoes/s (target ≥ 0.7). */
  readonly ratio: number;
}

function medianPhase(phases: readonly Phase[]): Phase {
  const sorted = [...phases].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function main(phaseMs = 2000, depth = 4): Promise<ThroughputResult[]> {
  const responder = await startEchoChild();
  const results: ThroughputResult[] = [];
  try {
    console.log(`Echo throughput: ${INITIATORS} initiators in this process, ${depth} echoes in flight each, one responder process (pia listen + a bare UDP echo) on ::1`);
    console.log(`${ROUNDS} × (plain ${phaseMs} ms, PIA ${phaseMs} ms) per row after a warm-up; median phase per path`);
    console.log('suite     AEAD (both sides)               bytes  plain echo/s  PIA echo/s  PIA÷plain  lost plain/PIA  initiator CPU µs/echo plain/PIA');
    for (const suite of SUITES) {
      for (const bytes of SIZES) {
        const payload = Uint8Array.from({ length: bytes }, (_, i) => i & 0xff);
        const pia = await piaInitiators(responder.targets.pia, suite, payload);
        const plain = await plainInitiators(responder.targets.plain, payload);
        try {
          await runPhase(plain.loops, phaseMs / 4, depth); // 2. warm-up
          await runPhase(pia.loops, phaseMs / 4, depth);
          const phases: { plain: Phase[]; pia: Phase[] } = { plain: [], pia: [] };
          for (let r = 0; r < ROUNDS; r++) {
            phases.plain.push(await runPhase(plain.loops, phaseMs, depth));
            phases.pia.push(await runPhase(pia.loops, phaseMs, depth));
          }
          const p = medianPhase(phases.plain);
          const q = medianPhase(phases.pia);
          const r: ThroughputResult = { suite, aeadName: pia.aeadName, bytes, plain: p, pia: q, ratio: q.perSecond / p.perSecond };
          results.push(r);
          const lost = `${phases.plain.reduce((n, x) => n + x.lost, 0)}/${phases.pia.reduce((n, x) => n + x.lost, 0)}`;
          console.log(
            [
              SUITE_NAMES[suite].padEnd(8), r.aeadName.padEnd(30), String(bytes).padStart(5), p.perSecond.toFixed(0).padStart(12), q.perSecond.toFixed(0).padStart(10),
              r.ratio.toFixed(2).padStart(9), lost.padStart(14), `${p.cpuMicros.toFixed(1)}/${q.cpuMicros.toFixed(1)}`.padStart(31),
            ].join('  '),
          );
        } finally {
          await pia.close();
          plain.close();
        }
      }
    }
    console.log('target: PIA ÷ plain ≥ 0.7 (echoes per second)');
  } finally {
    await responder.stop();
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main(Number(process.argv[2] ?? 2000), Number(process.argv[3] ?? 4));
}
