/**
 * AEAD through libsodium (sodium-native, prebuilt for linux-x64 and linux-arm64):
 * `crypto_aead_chacha20poly1305_ietf_*` (RFC 8439, the IETF 96-bit-nonce form RFC 7634 uses)
 * and, when the binding has it and the CPU runs it, `crypto_aead_aes256gcm_*` (RFC 4106 with a
 * 16-byte ICV). libsodium's AES-256-GCM needs AES-NI + PCLMUL (x86) or the ARMv8 crypto
 * extensions at run time, so it is offered only when `crypto_aead_aes256gcm_is_available()`
 * says so; sodium-native 5.1 binds no AES-256-GCM at all, so there every AES-GCM goes
 * elsewhere (aead-select.ts).
 *
 * What must hold (aead.ts, for every implementation), and how:
 * - seal uses the combined form, which writes ciphertext ‖ tag straight into `out` (no copy,
 *   no subarray views); libsodium allows the ciphertext to start at the plaintext (in-place
 *   sealing). Without `out`, the datagram comes from Buffer's pool (allocUnsafe: every byte is
 *   written, and a fresh zeroed ArrayBuffer per packet costs more than the cipher at 64
 *   bytes). A plaintext opened without `out` gets an ArrayBuffer of its own instead: it goes
 *   to the application, which may keep it, and a pool slice would pin 8 KiB shared with others;
 * - open returns `undefined` on a bad tag: sodium-native throws "could not verify data", which
 *   is caught (with no stack trace captured: forged packets are the attacker's cheap lever);
 * - no plaintext unless verified: libsodium checks the tag before it decrypts, but on a bad tag
 *   it ZEROES its output buffer (aead_chacha20poly1305.c: `memset(m, 0, mlen)`). So an open
 *   with `out` decrypts into this instance's scratch buffer and copies into `out` only on
 *   success: `out` is untouched by a failure, even when it is the ciphertext itself;
 * - lengths are checked here first (RangeError naming lengths), so sodium-native's own
 *   assertions never fire.
 *
 * Loading (loadSodium): a lazy createRequire in try/catch, once per process; a failure is
 * remembered with its reason, so a host without the prebuilt binding costs one attempt and
 * the node can say once why it uses node:crypto instead (aead-select.ts).
 */
import { createRequire } from 'node:module';
import { SuiteId } from '../suites-ids.js';
import { AEAD_TAG_LENGTH, NODE_CIPHER_NAMES, aeadDisplayName, checkKeyAndNonce, checkOut, type Aead } from './aead.js';

type Bytes = Uint8Array;
/** sodium-native's combined forms: c = ciphertext ‖ tag (m.length + 16 bytes); decrypt throws on a bad tag. */
type Encrypt = (c: Bytes, m: Bytes, ad: Bytes, nsec: null, npub: Bytes, k: Bytes) => unknown;
type Decrypt = (m: Bytes, nsec: null, c: Bytes, ad: Bytes, npub: Bytes, k: Bytes) => unknown;

/** libsodium's function name stem per suite (`crypto_aead_<stem>_encrypt`, …). */
const STEMS = {
  [SuiteId.AesGcm256]: 'aes256gcm',
  [SuiteId.ChaCha20Poly1305]: 'chacha20poly1305_ietf',
} as const satisfies Record<SuiteId, string>;

interface SuiteFunctions {
  readonly encrypt: Encrypt;
  readonly decrypt: Decrypt;
}

/** What loading sodium-native found: the suites it offers here, or why it could not be used. */
export type SodiumStatus =
  | { readonly ok: true; readonly version: string; readonly suites: readonly SuiteId[]; readonly functions: ReadonlyMap<SuiteId, SuiteFunctions> }
  | { readonly ok: false; readonly why: string };

/**
 * Which suites a loaded sodium-native module offers: a suite needs its encrypt and decrypt;
 * AES-256-GCM also needs `crypto_aead_aes256gcm_is_available()` to return true (the CPU's AES
 * instructions). Pure: tests pass stand-in modules.
 */
export function inspectSodium(module: unknown, version: string): SodiumStatus {
  if (typeof module !== 'object' || module === null) return { ok: false, why: `sodium-native ${version} exported no functions` };
  const m = module as Record<string, unknown>;
  const functions = new Map<SuiteId, SuiteFunctions>();
  for (const suite of [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305] as const) {
    const encrypt = m[`crypto_aead_${STEMS[suite]}_encrypt`];
    const decrypt = m[`crypto_aead_${STEMS[suite]}_decrypt`];
    if (typeof encrypt !== 'function' || typeof decrypt !== 'function') continue;
    if (suite === SuiteId.AesGcm256) {
      const available = m.crypto_aead_aes256gcm_is_available;
      // libsodium returns 1 or 0; a binding may turn that into a boolean.
      if (typeof available !== 'function' || !(available as () => unknown)()) continue;
    }
    functions.set(suite, { encrypt: encrypt as Encrypt, decrypt: decrypt as Decrypt });
  }
  if (functions.size === 0) return { ok: false, why: `sodium-native ${version} binds no IETF AEAD this code knows` };
  return { ok: true, version, suites: [...functions.keys()], functions };
}

let loaded: SodiumStatus | undefined;

/** Loads sodium-native once per process (success or failure is remembered). */
export function loadSodium(): SodiumStatus {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    try {
      const { version } = require('sodium-native/package.json') as { version?: unknown };
      loaded = inspectSodium(require('sodium-native'), typeof version === 'string' ? version : '?');
    } catch (e) {
      // "Cannot find module …" or "No native build was found for platform=…": first line only.
      const message = e instanceof Error ? e.message : String(e);
      loaded = { ok: false, why: (message.split('\n')[0] ?? '').slice(0, 200) || 'sodium-native did not load' };
    }
  }
  return loaded;
}

/** The libsodium AEAD for `suite`; throws an Error naming the reason when libsodium cannot do it here. */
export function sodiumAead(suite: SuiteId, status: SodiumStatus = loadSodium()): Aead {
  const name = aeadDisplayName(suite, 'sodium');
  if (!status.ok) throw new Error(`AEAD ${name}: libsodium unavailable (${status.why}); use library 'node' or 'noble'`);
  const f = status.functions.get(suite);
  if (f === undefined) {
    const why = suite === SuiteId.AesGcm256 ? 'has no AES-256-GCM here (not bound, or the CPU lacks AES instructions)' : `has no ${NODE_CIPHER_NAMES[suite]}`;
    throw new Error(`AEAD ${name}: sodium-native ${status.version} ${why}; use library 'node' or 'noble' for it`);
  }
  const { encrypt, decrypt } = f;
  /** Where a checked open decrypts when the caller gave `out` (see the module comment); grown on demand. */
  let scratch = new Uint8Array(0);
  const verifyInto = (target: Uint8Array, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): boolean => {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      decrypt(target, null, sealed, aad, nonce, key);
      return true;
    } catch {
      return false;
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  };
  return {
    suite,
    name,
    library: 'sodium',
    seal(key, nonce, aad, plaintext, out) {
      checkKeyAndNonce(name, key, nonce);
      const n = plaintext.length;
      checkOut(name, out, n + AEAD_TAG_LENGTH);
      const result = out ?? Buffer.allocUnsafe(n + AEAD_TAG_LENGTH);
      encrypt(result, plaintext, aad, null, nonce, key);
      return result;
    },
    open(key, nonce, aad, sealed, out) {
      checkKeyAndNonce(name, key, nonce);
      if (sealed.length < AEAD_TAG_LENGTH) return undefined;
      const n = sealed.length - AEAD_TAG_LENGTH;
      checkOut(name, out, n);
      if (out === undefined) {
        const plain = new Uint8Array(n);
        return verifyInto(plain, key, nonce, aad, sealed) ? plain : undefined;
      }
      if (scratch.length < n) scratch = new Uint8Array(n);
      const text = scratch.length === n ? scratch : scratch.subarray(0, n);
      if (!verifyInto(text, key, nonce, aad, sealed)) return undefined;
      out.set(text);
      return out;
    },
  };
}
