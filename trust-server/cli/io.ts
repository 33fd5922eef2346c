/** The process's I/O seam for `pia-trust`, so tests run the program in-process. */
import type { Clock } from '../../common/index.js';
import type { PasswordHasher } from '../accounts/index.js';

export interface TrustIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Aborting stops `serve` (main wires SIGINT and SIGTERM to it). */
  readonly signal: AbortSignal;
  /** PIA_TRUST_MASTER_KEY and PIA_KEYLOG are read from here (main passes process.env). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  /** `--password-stdin` reads it from here (main passes process.stdin). */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  /** Hashes new account passwords (default: scrypt N=2^15; tests inject a cheap one). */
  readonly hasher?: PasswordHasher;
}
