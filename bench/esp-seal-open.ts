/**
 * Bench: ESP seal + open packets per second through `pia/esp` (sealEsp → parseEspHeader →
 * inferEsn → replay check → openEsp → replay accept), for each suite and each AEAD library
 * this host runs (@noble/ciphers, node:crypto, and libsodium for the suites it offers here),
 * at 64, 256 and 1200-byte payloads, as a ratio to the bare AEAD seal + open of the SAME
 * library at the same size in the same run. The ratio is what the ESP codec costs on top of the
 * cipher; the absolute rates say which library to put on the hot path.
 *
 * Then libsodium against node:crypto head to head: bare seal + open of each, in alternating
 * chunks, printed as the ratio libsodium ÷ node:crypto per suite and size, twice: with fresh
 * output buffers per call (how openEsp calls open today), and into the caller's buffers
 * (`out` given: how an allocation-free packet path calls them). That ratio is why a node's
 * default library for ChaCha20-Poly1305 is libsodium (pia/esp/aead-select.ts).
 *
 * Rates are per second of this process's CPU time (process.cpuUsage), not wall time: the
 * gateway shares its cores, and so does a build machine.
 * Two sides run in short alternating chunks (A, B, A, B, …) and each side keeps its best
 * chunk: with other processes on the cores (SMT siblings, caches), the best chunk is the
 * closest to the uncontended speed, and both sides get the same chances.
 * Targets: ESP ÷ bare ≥ 0.8 at 1200 bytes; libsodium ÷ node:crypto ≥ 3 for ChaCha20-Poly1305.
 *
 * Run: npx tsx bench/esp-seal-open.ts [ms per chunk, default 40]
 */
import { performance } from 'node:perf_hooks';
import { SUITE_NAMES, SuiteId } from '../pia/index.js';
import { AEAD_LIBRARY_NAMES, EspNextHeader, ReplayWindow, allAeads, createAead, inferEsn, openEsp, parseEspHeader, sealEsp, type Aead, type AeadLibrary } from '../pia/esp/index.js';

const SIZES = [64, 256, 1200] as const;
const SUITES: readonly SuiteId[] = [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305];
const CHUNKS = 20;
/** libsodium ÷ node:crypto wanted for ChaCha20-Poly1305, bare seal + open. */
const SODIUM_TARGET = 3;

/** The libraries this host runs for `suite` (libsodium only where it loaded and offers it). */
function librariesFor(suite: SuiteId): AeadLibrary[] {
  return allAeads()
    .filter((a) => a.suite === suite)
    .map((a) => a.library);
}

export interface EspBenchResult {
  readonly suite: SuiteId;
  readonly library: AeadLibrary;
  readonly bytes: number;
  readonly barePerSecond: number;
  readonly espPerSecond: number;
  readonly ratio: number;
}

const key = new Uint8Array(32).fill(0x5a);
const salt = Uint8Array.of(1, 2, 3, 4);

/**
 * Runs `step` in batches for about `ms` of wall time; returns steps per second of this
 * process's CPU time (user + system), so other processes competing for the cores do not count.
 */
function rate(ms: number, step: () => void): number {
  let n = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 32; i++) step();
    n += 32;
  }
  const used = process.cpuUsage(cpu);
  return n / ((used.user + used.system) / 1e6);
}

function bareStep(aead: Aead, payload: Uint8Array): () => void {
  const nonce = new Uint8Array(12).fill(3);
  const aad = new Uint8Array(12).fill(4);
  return () => {
    const sealed = aead.seal(key, nonce, aad, payload);
    if (aead.open(key, nonce, aad, sealed) === undefined) throw new Error(`${aead.name}: bare open failed`);
  };
}

function espStep(aead: Aead, payload: Uint8Array): () => void {
  let seq = 0;
  const window = new ReplayWindow();
  return () => {
    seq += 1;
    const datagram = sealEsp({ spi: 0x1000, seq, key, salt, aead, nextHeader: EspNextHeader.Ipv6, payload });
    const header = parseEspHeader(datagram);
    const full = inferEsn(header.seqLow, window);
    if (window.check(full) !== 'ok') throw new Error(`${aead.name}: replay check refused ${full}`);
    if (openEsp({ header, seq: full, key, salt, aead }) === undefined) throw new Error(`${aead.name}: ESP open failed`);
    window.accept(full);
  };
}

/** Fresh output buffers per call, or the caller's (`out`). */
export type BufferMode = 'fresh' | 'out';

export interface LibraryRatio {
  readonly suite: SuiteId;
  readonly bytes: number;
  readonly mode: BufferMode;
  readonly sodiumPerSecond: number;
  readonly nodePerSecond: number;
  /** libsodium ÷ node:crypto, bare seal + open. */
  readonly ratio: number;
}

/** Seal + open into buffers the caller keeps (`out`): no allocation of ours per packet. */
function intoBuffersStep(aead: Aead, payload: Uint8Array): () => void {
  const nonce = new Uint8Array(12).fill(3);
  const aad = new Uint8Array(12).fill(4);
  const sealed = new Uint8Array(payload.length + 16);
  const opened = new Uint8Array(payload.length);
  return () => {
    aead.seal(key, nonce, aad, payload, sealed);
    if (aead.open(key, nonce, aad, sealed, opened) === undefined) throw new Error(`${aead.name}: open into a buffer failed`);
  };
}

/** Bare seal + open of libsodium and node:crypto in alternating chunks, best chunk each. */
/** Warms both steps up (JIT), then the best rate of each over CHUNKS alternating chunks: both see the same load. */
function bestOfAlternatingChunks(a: () => void, b: () => void, msPerChunk: number): [number, number] {
  rate(msPerChunk * 3, a);
  rate(msPerChunk * 3, b);
  let aBest = 0;
  let bBest = 0;
  for (let r = 0; r < CHUNKS; r++) {
    aBest = Math.max(aBest, rate(msPerChunk, a));
    bBest = Math.max(bBest, rate(msPerChunk, b));
  }
  return [aBest, bBest];
}

export function sodiumVersusNode(suite: SuiteId, bytes: number, msPerChunk: number, mode: BufferMode = 'fresh'): LibraryRatio {
  const payload = Uint8Array.from({ length: bytes }, (_, i) => i & 0xff);
  const step = mode === 'fresh' ? bareStep : intoBuffersStep;
  const sodium = step(createAead(suite, 'sodium'), payload);
  const node = step(createAead(suite, 'node'), payload);
  const [sodiumPerSecond, nodePerSecond] = bestOfAlternatingChunks(sodium, node, msPerChunk);
  return { suite, bytes, mode, sodiumPerSecond, nodePerSecond, ratio: sodiumPerSecond / nodePerSecond };
}

export function measure(suite: SuiteId, library: AeadLibrary, bytes: number, msPerChunk: number): EspBenchResult {
  const aead = createAead(suite, library);
  const payload = Uint8Array.from({ length: bytes }, (_, i) => i & 0xff);
  const bare = bareStep(aead, payload);
  const esp = espStep(aead, payload);
  const [barePerSecond, espPerSecond] = bestOfAlternatingChunks(bare, esp, msPerChunk);
  const ratio = espPerSecond / barePerSecond;
  return { suite, library, bytes, barePerSecond, espPerSecond, ratio };
}

/** The codec alone: an identity "AEAD" (copy, no crypto), so what is left is framing, checks and window. */
const identityAead: Aead = {
  suite: SuiteId.AesGcm256,
  name: 'identity (no crypto)',
  library: 'node',
  seal(_key, _nonce, _aad, plaintext, out) {
    const result = out ?? new Uint8Array(plaintext.length + 16);
    result.set(plaintext);
    return result;
  },
  open(_key, _nonce, _aad, sealed, out) {
    const plain = sealed.subarray(0, sealed.length - 16);
    if (out === undefined) return plain.slice();
    out.set(plain); // the seam's contract: with `out`, the plaintext is written there
    return out;
  },
};

export function codecMicros(bytes: number, msPerChunk: number): number {
  const payload = new Uint8Array(bytes);
  const esp = espStep(identityAead, payload);
  const bare = bareStep(identityAead, payload);
  const [espBest, bareBest] = bestOfAlternatingChunks(esp, bare, msPerChunk);
  return 1e6 / espBest - 1e6 / bareBest;
}

export function main(msPerChunk = 40): Promise<EspBenchResult[]> {
  const results: EspBenchResult[] = [];
  console.log('ESP seal+open (sealEsp → parse → inferEsn → replay check → openEsp → accept) vs bare AEAD seal+open, same library, same run');
  console.log('suite      library  bytes  bare seal+open/s  ESP seal+open/s  ESP÷bare  (best of 20 chunks each, CPU time)');
  for (const suite of SUITES) {
    for (const library of librariesFor(suite)) {
      for (const bytes of SIZES) {
        const r = measure(suite, library, bytes, msPerChunk);
        results.push(r);
        const cells = [SUITE_NAMES[suite].padEnd(9), library.padEnd(7), String(bytes).padStart(5), r.barePerSecond.toFixed(0).padStart(16), r.espPerSecond.toFixed(0).padStart(15), r.ratio.toFixed(3).padStart(8)];
        console.log(cells.join('  '));
      }
    }
  }
  console.log('target: ESP÷bare ≥ 0.8 at 1200 bytes');
  const codec = SIZES.map((bytes) => `${bytes} B ${codecMicros(bytes, msPerChunk).toFixed(2)} µs`);
  console.log(`ESP codec cost per seal+open beyond the AEAD (identity AEAD, CPU time): ${codec.join(', ')}`);
  console.log('fastest library on the ESP hot path (ESP seal+open/s):');
  for (const suite of SUITES) {
    for (const bytes of SIZES) {
      const ranked = results.filter((r) => r.suite === suite && r.bytes === bytes).sort((x, y) => y.espPerSecond - x.espPerSecond);
      const [best, ...rest] = ranked;
      if (best === undefined) continue;
      const others = rest.map((r) => `${(best.espPerSecond / r.espPerSecond).toFixed(2)}× ${r.library}`).join(', ');
      console.log(`  ${SUITE_NAMES[suite].padEnd(9)} ${String(bytes).padStart(5)} B: ${best.library} (${others})`);
    }
  }
  const sodiumSuites = SUITES.filter((suite) => librariesFor(suite).includes('sodium'));
  if (sodiumSuites.length === 0) {
    console.log('libsodium: not available on this host (sodium-native did not load): no libsodium ÷ node:crypto figures');
    return Promise.resolve(results);
  }
  console.log(`${AEAD_LIBRARY_NAMES.sodium} ÷ ${AEAD_LIBRARY_NAMES.node}, bare seal+open, alternating chunks (target ≥ ${SODIUM_TARGET}× for chacha20):`);
  console.log('suite      bytes  buffers  libsodium/s  node:crypto/s  libsodium÷node:crypto');
  for (const suite of sodiumSuites) {
    for (const bytes of SIZES) {
      for (const mode of ['fresh', 'out'] as const) {
        const r = sodiumVersusNode(suite, bytes, msPerChunk, mode);
        const verdict = suite === SuiteId.ChaCha20Poly1305 ? (r.ratio >= SODIUM_TARGET ? '  ok' : `  BELOW ${SODIUM_TARGET}×`) : '';
        console.log([SUITE_NAMES[suite].padEnd(9), String(bytes).padStart(5), mode.padEnd(7), r.sodiumPerSecond.toFixed(0).padStart(11), r.nodePerSecond.toFixed(0).padStart(13), `${r.ratio.toFixed(2)}×`.padStart(21)].join('  ') + verdict);
      }
    }
  }
  console.log('buffers: fresh = new output buffers per call (openEsp today); out = into the caller\'s buffers (an allocation-free packet path)');
  return Promise.resolve(results);
}

if (import.meta.url === `file://${process.argv[1]}`) await main(Number(process.argv[2] ?? 40));
