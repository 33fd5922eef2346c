/**
 * Where a board keeps its PIA identity: one interface for every kind of store.
 *
 *   ATECC608 (I2C, 0x60)   the node key in a secret slot (never readable), the identity record
 *                          in a data slot; both written before the data zone is locked
 *   HAT EEPROM (24C32)     the identity record only (world-readable under /proc/device-tree/hat)
 *   file (mode 0600)       a credential file (pia/credential) for boards without a secure element
 *
 * Must hold for every store:
 * - `write` is idempotent for the same identity and key, and resumes a write a power cut broke
 *   off (each step looks at what the part holds before it acts, and reports 'skipped' when it
 *   is already done);
 * - `inspect` tells blank, partial (a write began, or a torn one) and provisioned apart, and
 *   reads back what a provisioned store holds;
 * - no key byte ever reaches a message, a log line, a report or `toString`.
 */
import type { NodeKey } from '../pia/phase3/index.js';

/** The non-secret facts a board carries about itself (the credential file, without the key). */
export interface BoardIdentity {
  /** The node ID (lower-case UUID), as registered with the trusted server. */
  readonly id: string;
  readonly kind: 'gateway' | 'operator';
  readonly label: string;
  /** Where the trusted server listens, and its node ID. */
  readonly server: { readonly address: string; readonly port: number; readonly id: string };
}

export type StoreState =
  | { readonly status: 'blank' }
  /** A write began and did not finish (or was torn by a power cut); `id` when one can be read. */
  | { readonly status: 'partial'; readonly detail: string; readonly id?: string }
  | { readonly status: 'provisioned'; readonly identity: BoardIdentity };

export type StepOutcome = 'done' | 'skipped';
/** Called once per step of a write, after it ran: e.g. ("lock config zone", "done"). */
export type StepReporter = (step: string, outcome: StepOutcome, detail?: string) => void;

export interface IdentityStore {
  readonly kind: 'atecc608' | 'hat-eeprom' | 'file';
  /** e.g. "ATECC608 at i2c-1 0x60", "HAT EEPROM at i2c-0 0x50", "identity file /var/lib/pia/identity.json". */
  readonly where: string;
  /** True when the store keeps the node key (ATECC608, file); the HAT EEPROM holds only the identity. */
  readonly holdsKey: boolean;

  /**
   * Checks the part answers and is what it should be; throws a ProvisioningError naming it
   * otherwise (kind 'wrong-part', 'no-response'). Returns a unique hardware serial when the
   * part has one (the ATECC608's 9-byte serial number, hex).
   */
  probe(): Promise<{ readonly serial?: string; readonly detail: string }>;

  inspect(): Promise<StoreState>;

  /**
   * Why this store can NOT be given a new identity when it is provisioned (`--force`), or
   * undefined when it can (a file, an EEPROM). A locked ATECC608 never can.
   */
  replaceRefusal(): Promise<string | undefined>;

  /**
   * Writes the identity, and `key` (32 bytes) when `holdsKey`; ends with the store provisioned.
   * `replace: true` lets a provisioned store be overwritten (only after `replaceRefusal()` said it may).
   */
  write(identity: BoardIdentity, key: Uint8Array | undefined, report: StepReporter, options?: { readonly replace?: boolean }): Promise<void>;

  /** The node key as phase 3 uses it (HMAC-SHA256); only for a provisioned store that holds the key. */
  nodeKey(): NodeKey;
}
