/**
 * Who may talk to the console (operator/README.md, "piactl console": its security).
 *
 * Must hold:
 * - the token is 32 random bytes (base64url); it travels only in the URL's fragment (never
 *   sent by a browser), then in the WebSocket's first message or the `x-console-token` header;
 *   compared in constant time (SHA-256 of both sides, then timingSafeEqual: the length of a
 *   guess tells nothing either);
 * - `Host` must be 127.0.0.1:PORT or localhost:PORT: a DNS-rebinding page (its own name
 *   resolving to 127.0.0.1) sends its own name and is refused;
 * - a WebSocket's `Origin` must be the console's own origin: a page of another site cannot open
 *   one (browsers do not apply CORS to WebSockets, RFC 6455 §10.2);
 * - a refusal is logged at most once a second (the count of the others with it), so a flood
 *   does not flood the log; nothing secret is logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../common/index.js';

export function newToken(random: (n: number) => Uint8Array = randomBytes): string {
  return Buffer.from(random(32)).toString('base64url');
}

export function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** The Host header values the console answers to. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** The Origin of the console's own page (as the browser sends it for the Host it loaded). */
export function originAllowed(origin: string | undefined, port: number): boolean {
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

/** A log line at most once per interval; the ones held back are counted into the next. */
export class RateLimitedLog {
  #last = -Infinity;
  #held = 0;

  constructor(
    private readonly clock: Clock,
    private readonly write: (line: string) => void,
    private readonly intervalMs = 1000,
  ) {}

  log(line: string): void {
    const now = this.clock.now();
    if (now - this.#last < this.intervalMs) {
      this.#held++;
      return;
    }
    this.#last = now;
    const more = this.#held === 0 ? '' : ` (and ${this.#held} more refused since the last line)`;
    this.#held = 0;
    this.write(`${line}${more}`);
  }
}

/** A header value for a log line: printable, short (a hostile value must not forge lines). */
export function shown(v: string | undefined): string {
  if (v === undefined) return '(none)';
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
}
