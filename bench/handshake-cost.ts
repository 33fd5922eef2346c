/**
 * Bench: phase-2 key exchanges per second on one core (docs/protocol.md §5), and the cost of
 * one exchange as a ratio to the bare node:crypto operations it cannot do without.
 *
 * Full: a fresh `Initiator` (systemRandom) against one long-lived `Responder`, in memory with
 * the real message codec: start() → INIT → Responder → RESP → Initiator → CONFIRM → Responder,
 * both sides established with equal keys (checked every time). The clock is a plain counter
 * moved 1 s per exchange, so the responder's rate limiter refills and `tick()` forgets
 * exchanges older than 10 s: its tables stay at their steady size, as on a busy node.
 *
 * Floor: what one complete exchange needs on BOTH sides, counted from initiator.ts,
 * responder.ts and key-schedule.ts, as bare node:crypto calls on ready-made KeyObjects:
 *   2 X25519 key-pair generations (generateKeyPairSync)   one per side
 *   2 X25519 derivations (diffieHellman)                  Z, one per side
 *   2 SHA-256 transcript hashes                           T, one per side
 *   2 HKDF-SHA256 (extract + one expand to 136 bytes)     KM, one per side
 *   4 HMAC-SHA256                                         MAC_R and MAC_I, each made on both sides
 *   2 constant-time compares                              I checks MAC_R, R checks MAC_I
 * Not in the floor, so counted as the library's overhead: the random draws (nonces, SPIs,
 * jitter), raw bytes ↔ KeyObject conversions (the wire carries raw 32-byte publics), the codec,
 * the rate limiter, cookies' threshold check and the bookkeeping. The per-operation line
 * breaks both down.
 *
 * Rates are per second of this process's CPU time (process.cpuUsage), not wall time, and the
 * two sides run in alternating chunks, each keeping its best: the machine is shared. The
 * ratio is best ÷ best; the median of the per-round ratios (two adjacent chunks see the same
 * load) is printed beside it: it says how the ratio holds up under the load of the moment.
 * Target: full ÷ floor ≤ 2.
 *
 * Run: npx tsx bench/handshake-cost.ts [ms per chunk, default 40]
 */
import { createHash, createHmac, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from '../common/index.js';
import { Initiator, Responder, X25519KeyPair, systemRandom, type KxAction, type NegotiatedKeys, type PeerAddress } from '../pia/handshake/index.js';

const CHUNKS = 25;
const I_ADDR: PeerAddress = { address: '2001:db8:1::10', port: 4500 };
const R_ADDR: PeerAddress = { address: '2001:db8:2::20', port: 4500 };

export interface HandshakeCostResult {
  /** Complete exchanges (both sides) per CPU second. */
  readonly handshakesPerSecond: number;
  /** The floor's exchanges per CPU second. */
  readonly floorPerSecond: number;
  readonly fullMicros: number;
  readonly floorMicros: number;
  /** full ÷ floor in time per exchange, best chunk ÷ best chunk (target ≤ 2). */
  readonly ratio: number;
  /**
   * The median over the rounds of the ratio of two adjacent chunks: what the ratio is under
   * whatever load the machine had (the full exchange allocates more, so GC threads and caches
   * make it suffer more than the floor when the cores are busy).
   */
  readonly medianRatio: number;
  /** µs per single operation, for the breakdown line. */
  readonly operations: Readonly<Record<string, number>>;
}

/** Steps per second of this process's CPU time (user + system), `step` run for about `ms`. */
function rate(ms: number, step: () => void): number {
  let n = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() - start < ms) {
    step();
    n += 1;
  }
  const used = process.cpuUsage(cpu);
  return n / ((used.user + used.system) / 1e6);
}

/** A clock the bench moves by hand; the state machines only read `now()`. */
class CounterClock implements Clock {
  ms = 0;
  now(): number {
    return this.ms;
  }
  wallNow(): number {
    return this.ms;
  }
  setTimeout(): TimerHandle {
    throw new Error('bench clock: the key-exchange state machines were not expected to set timers');
  }
  clearTimeout(): void {}
  sleep(): Promise<void> {
    return Promise.reject(new Error('bench clock: no sleeping'));
  }
}

const LABEL_TRANSCRIPT = Buffer.from('PIA-v1 transcript');
const LABEL_KEYS = Buffer.from('PIA-v1 keys');
const LABEL_RESP = Buffer.from('PIA-v1 resp');
const LABEL_CONF = Buffer.from('PIA-v1 conf');

/** The floor, one complete exchange: both sides' unavoidable crypto on KeyObjects. */
function floorStep(): () => void {
  const salt = randomBytes(64); // Ni | Nr
  const initPart = randomBytes(12 + 32 + 32 + 1 + 2 + 1); // INIT from the version byte, two suites, no cookie
  const respPart = randomBytes(12 + 32 + 32 + 1); // RESP without its MAC
  const side = (own: KeyObject, peer: KeyObject): { km: Buffer; macR: Buffer; macI: Buffer } => {
    const z = diffieHellman({ privateKey: own, publicKey: peer });
    const t = createHash('sha256').update(LABEL_TRANSCRIPT).update(initPart).update(respPart).digest();
    const km = Buffer.from(hkdfSync('sha256', z, salt, Buffer.concat([LABEL_KEYS, t]), 136));
    const macR = createHmac('sha256', km.subarray(0, 32)).update(LABEL_RESP).update(t).digest();
    const macI = createHmac('sha256', km.subarray(32, 64)).update(LABEL_CONF).update(t).digest();
    return { km, macR, macI };
  };
  return () => {
    const i = generateKeyPairSync('x25519');
    const r = generateKeyPairSync('x25519');
    const atR = side(r.privateKey, i.publicKey);
    const atI = side(i.privateKey, r.publicKey);
    if (!timingSafeEqual(atI.macR, atR.macR) || !timingSafeEqual(atR.macI, atI.macI)) throw new Error('floor: the two sides disagree');
  };
}

function only<K extends KxAction['kind']>(actions: readonly KxAction[], kind: K): Extract<KxAction, { kind: K }> {
  const found = actions.find((a): a is Extract<KxAction, { kind: K }> => a.kind === kind);
  if (found === undefined) throw new Error(`bench: expected a "${kind}" action, got ${actions.map((a) => a.kind).join(', ') || 'none'}`);
  return found;
}

/** One complete in-memory exchange through the library. */
function fullStep(): () => void {
  const clock = new CounterClock();
  const random = systemRandom();
  const responder = new Responder({ clock, random });
  return () => {
    clock.ms += 1000;
    const initiator = new Initiator({ clock, peer: R_ADDR, random });
    const init = only(initiator.start(), 'send');
    const resp = only(responder.receive(init.bytes, I_ADDR), 'send');
    const fromI = initiator.receive(resp.bytes, R_ADDR);
    const iKeys: NegotiatedKeys = only(fromI, 'established').keys;
    const rKeys: NegotiatedKeys = only(responder.receive(only(fromI, 'send').bytes, I_ADDR), 'established').keys;
    if (!iKeys.i2r.equals(rKeys.i2r) || !iKeys.r2i.equals(rKeys.r2i)) throw new Error('full: the two sides disagree');
    responder.tick();
  };
}

/** µs per call of each single operation (best of a few chunks), for the breakdown. */
function operationMicros(msPerChunk: number): Record<string, number> {
  const pair = generateKeyPairSync('x25519');
  const peer = generateKeyPairSync('x25519').publicKey;
  const peerJwk = peer.export({ format: 'jwk' });
  const z = randomBytes(32);
  const salt = randomBytes(64);
  const info = randomBytes(43);
  const data = randomBytes(100);
  const ops: Record<string, () => unknown> = {
    'keygen': () => generateKeyPairSync('x25519'),
    'X25519': () => diffieHellman({ privateKey: pair.privateKey, publicKey: peer }),
    'SHA-256': () => createHash('sha256').update(LABEL_TRANSCRIPT).update(data).digest(),
    'HKDF': () => hkdfSync('sha256', z, salt, info, 136),
    'HMAC': () => createHmac('sha256', z).update(LABEL_RESP).update(z).digest(),
    'random(32)': () => randomBytes(32),
    'key pair from 32 bytes': () => new X25519KeyPair(z),
    'raw public → KeyObject (JWK)': () => createPublicKey({ key: { ...peerJwk }, format: 'jwk' }),
  };
  const out: Record<string, number> = {};
  for (const [name, op] of Object.entries(ops)) {
    const step = (): void => void op();
    rate(msPerChunk / 2, step);
    let best = 0;
    for (let r = 0; r < 5; r++) best = Math.max(best, rate(msPerChunk / 2, step));
    out[name] = 1e6 / best;
  }
  return out;
}

export function measure(msPerChunk: number): HandshakeCostResult {
  const floor = floorStep();
  const full = fullStep();
  rate(msPerChunk * 3, floor); // warm-up (JIT)
  rate(msPerChunk * 3, full);
  let floorPerSecond = 0;
  let handshakesPerSecond = 0;
  const ratios: number[] = [];
  for (let r = 0; r < CHUNKS; r++) {
    // Alternate which side goes first, so neither always follows the other.
    let f: number;
    let u: number;
    if (r % 2 === 0) {
      f = rate(msPerChunk, floor);
      u = rate(msPerChunk, full);
    } else {
      u = rate(msPerChunk, full);
      f = rate(msPerChunk, floor);
    }
    floorPerSecond = Math.max(floorPerSecond, f);
    handshakesPerSecond = Math.max(handshakesPerSecond, u);
    ratios.push(f / u);
  }
  ratios.sort((a, b) => a - b);
  const fullMicros = 1e6 / handshakesPerSecond;
  const floorMicros = 1e6 / floorPerSecond;
  return {
    handshakesPerSecond, floorPerSecond, fullMicros, floorMicros,
    ratio: fullMicros / floorMicros,
    medianRatio: ratios[Math.floor(ratios.length / 2)] ?? Number.NaN,
    operations: operationMicros(msPerChunk),
  };
}

export function main(msPerChunk = 40): Promise<HandshakeCostResult> {
  console.log('Phase-2 key exchange, Initiator ⇄ Responder in memory (INIT, RESP, CONFIRM; both sides), vs the bare node:crypto floor');
  console.log(`(CPU time of this process, best of ${CHUNKS} alternating chunks of ${msPerChunk} ms each)`);
  const r = measure(msPerChunk);
  console.log('                                       exchanges/s   µs/exchange');
  console.log(`floor (2 keygen, 2 X25519, 2 SHA-256, 2 HKDF, 4 HMAC)  ${r.floorPerSecond.toFixed(0).padStart(8)}  ${r.floorMicros.toFixed(1).padStart(12)}`);
  console.log(`full exchange through pia/handshake                    ${r.handshakesPerSecond.toFixed(0).padStart(8)}  ${r.fullMicros.toFixed(1).padStart(12)}`);
  console.log(`full ÷ floor: ${r.ratio.toFixed(2)} best ÷ best (target ≤ 2); median of ${CHUNKS} adjacent chunk pairs ${r.medianRatio.toFixed(2)}`);
  const ops = Object.entries(r.operations).map(([name, us]) => `${name} ${us.toFixed(1)}`);
  console.log(`µs per operation: ${ops.join(', ')}`);
  return Promise.resolve(r);
}

if (import.meta.url === `file://${process.argv[1]}`) await main(Number(process.argv[2] ?? 40));
