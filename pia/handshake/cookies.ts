/**
 * Stateless cookies, docs/protocol.md §5 "Cookie" (RFC 7296 §2.6):
 *
 *   cookie = v (1) | HMAC-SHA256(secret_v, Ni | source address (16) | source port (2) | SPIi)[0..16)
 *
 * Must hold:
 * - making and checking a cookie keeps no per-peer state: only two 32-byte secrets;
 * - secrets rotate every `rotateMs` (120 s) of the injected clock, lazily on use (no timer);
 *   a cookie verifies under the current secret or the one before it, so it lives 120–240 s;
 *   after two rotations without use both secrets are new;
 * - anything else is refused: another version byte, another length, another Ni/address/port/
 *   SPIi; the MAC is compared in constant time.
 */
import type { Clock } from '../../common/index.js';
import { addressFromText } from '../address.js';
import type { PeerAddress } from './address.js';
import { hmacSha256, macEquals } from './key-schedule.js';
import { COOKIE_BYTES } from './messages.js';
import type { KxRandom } from './random.js';

export const COOKIE_ROTATE_MS = 120_000;
const SECRET_BYTES = 32;

interface Secret {
  readonly version: number;
  readonly key: Uint8Array;
}

export class CookieJar {
  readonly #clock: Clock;
  readonly #random: KxRandom;
  readonly #rotateMs: number;
  #epoch: number | undefined;
  #current: Secret | undefined;
  #previous: Secret | undefined;

  constructor(clock: Clock, random: KxRandom, rotateMs = COOKIE_ROTATE_MS) {
    this.#clock = clock;
    this.#random = random;
    this.#rotateMs = rotateMs;
  }

  /** The cookie to send back in a COOKIE message. */
  make(ni: Uint8Array, from: PeerAddress, spiI: number): Uint8Array {
    const current = this.#rotate();
    const out = new Uint8Array(COOKIE_BYTES);
    out[0] = current.version;
    out.set(mac(current.key, ni, from, spiI), 1);
    return out;
  }

  /** True when `cookie` is one this jar made for exactly these inputs, under a live secret. */
  verify(cookie: Uint8Array, ni: Uint8Array, from: PeerAddress, spiI: number): boolean {
    const current = this.#rotate();
    if (cookie.length !== COOKIE_BYTES) return false;
    const secret = cookie[0] === current.version ? current : cookie[0] === this.#previous?.version ? this.#previous : undefined;
    if (secret === undefined) return false;
    return macEquals(cookie.subarray(1), mac(secret.key, ni, from, spiI));
  }

  /** Moves to the secret of the current epoch; returns it. */
  #rotate(): Secret {
    const epoch = Math.floor(this.#clock.now() / this.#rotateMs);
    if (this.#current === undefined || this.#epoch === undefined) {
      this.#current = { version: 0, key: this.#random.bytes(SECRET_BYTES) };
    } else if (epoch === this.#epoch + 1) {
      this.#previous = this.#current;
      this.#current = this.#next(this.#current);
    } else if (epoch > this.#epoch + 1) {
      this.#previous = undefined; // idle for two periods: every outstanding cookie is too old
      this.#current = this.#next(this.#current);
    }
    this.#epoch = epoch;
    return this.#current;
  }

  #next(from: Secret): Secret {
    return { version: (from.version + 1) & 0xff, key: this.#random.bytes(SECRET_BYTES) };
  }

  toString(): string {
    return 'CookieJar [redacted]';
  }
}

function mac(key: Uint8Array, ni: Uint8Array, from: PeerAddress, spiI: number): Uint8Array {
  const tail = new Uint8Array(6);
  const view = new DataView(tail.buffer);
  view.setUint16(0, from.port);
  view.setUint32(2, spiI);
  return hmacSha256(key, ni, addressFromText(from.address, { zone: 'drop' }), tail).subarray(0, 16);
}
