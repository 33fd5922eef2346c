/** What a burn needs from the station and reports back (provisioning/burn/burn.ts). */
import type { Clock } from '../../common/index.js';
import type { EnrollRequest, EnrollResult, NodeKey } from '../../pia/phase3/index.js';
import type { ProvisioningError } from '../../identity/index.js';
import type { BoardIdentity, IdentityStore } from '../../identity/index.js';
import type { Journal } from './journal.js';

/** The journal as a burn uses it (tests wrap it). */
export type JournalStore = Pick<Journal, 'get' | 'put' | 'finish' | 'removeCommand'>;

/** One board on the station: the store that keeps its key, and stores that keep only its identity. */
export interface Board {
  readonly keyStore: IdentityStore;
  readonly idStores: readonly IdentityStore[];
}

export interface StationContext {
  readonly clock: Clock;
  /** Enrollment through the trusted server (EnrollClient.enroll). */
  readonly enroll: (request: EnrollRequest) => Promise<EnrollResult>;
  /** Completes a phase-3 exchange with the trusted server as `id` with `key`; throws why not. */
  readonly phase3: (id: string, key: NodeKey) => Promise<void>;
  /** The trusted server as credentials name it (from the station's credential). */
  readonly server: BoardIdentity['server'];
  readonly journal: JournalStore;
  /** Fresh random bytes (station-made IDs and keys). */
  readonly randomBytes: (n: number) => Uint8Array;
  /** Writes the label; returns the PNG path and the terminal text. */
  readonly label: (identity: BoardIdentity, serial: string | undefined) => Promise<{ file: string; terminal: string }>;
}

export interface BurnOptions {
  readonly label: string;
  readonly kind: 'gateway' | 'operator';
  /** Who makes the key: the trusted server (default) or the station. */
  readonly keySource: 'server' | 'station';
  /** The ID the board holds now, to replace it (`--force ID`). */
  readonly force?: string;
}

export type StepOutcome = 'ok' | 'done' | 'skipped' | 'failed';

export interface StepLine {
  readonly step: string;
  readonly outcome: StepOutcome;
  /** Clock ms the step took. */
  readonly ms: number;
  readonly detail?: string;
}

export interface BurnResult {
  /** The board's journal key (the secure element's serial, or a file store's). */
  readonly board: string;
  readonly where: string;
  readonly serial?: string;
  readonly status: 'provisioned' | 'failed';
  readonly id?: string;
  readonly label: string;
  /** A node the trusted server created in this run (false: it existed, the run resumed). */
  readonly created: boolean;
  readonly steps: readonly StepLine[];
  readonly ms: number;
  readonly labelFile?: string;
  readonly terminalLabel?: string;
  readonly error?: ProvisioningError;
}
