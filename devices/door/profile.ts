/**
 * What makes one kind of electric lock differ from another: a profile object. The door and the
 * safe share one lock model (lock-device.ts) and differ only here (docs/hardware.md#door-lock).
 *
 * Must hold:
 * - `lockTypes` lists the lock hardware a kind may be wired to; a safe is fail-secure only
 *   (a safe that opens when the power fails is no safe);
 * - `maxUnlockCeilingS` bounds what a configuration may set as its maximum unlock window;
 *   the configured maximum bounds every `unlock` call.
 */
import type { DeviceKind } from '../model/types.js';

/**
 * 'fail-secure' (electric strike): locked without power, energized = unlocked.
 * 'fail-safe' (maglock): unlocked without power, energized = locked; required where the door
 * is a life-safety egress route.
 */
export type LockType = 'fail-secure' | 'fail-safe';

export interface LockProfile {
  readonly kind: Extract<DeviceKind, 'door' | 'safe'>;
  /** How messages name the thing: "door", "safe". */
  readonly noun: string;
  /** Prefix of the CoAP resource types, e.g. "pia.door" → "pia.door.locked". */
  readonly rtPrefix: string;
  readonly lockTypes: readonly LockType[];
  readonly defaultLockType: LockType;
  /** `unlock` without `seconds`. */
  readonly defaultUnlockS: number;
  /** The maximum `unlock` window when the configuration names none. */
  readonly defaultMaxUnlockS: number;
  /** The highest maximum a configuration may set. */
  readonly maxUnlockCeilingS: number;
  /** Whether a request-to-exit input is honoured unless the configuration says otherwise. */
  readonly rexByDefault: boolean;
  /** The unlock window a request-to-exit press opens. */
  readonly defaultRexUnlockS: number;
  /** Open longer than this after a legitimate unlock → "held-open" alarm. */
  readonly defaultHeldOpenS: number;
  /** Relock as soon as the door closes after having been opened in the window. */
  readonly defaultRelockOnClose: boolean;
}

/** A building door: electric strike or maglock, with a request-to-exit button inside. */
export const DOOR_PROFILE: LockProfile = {
  kind: 'door',
  noun: 'door',
  rtPrefix: 'pia.door',
  lockTypes: ['fail-secure', 'fail-safe'],
  defaultLockType: 'fail-secure',
  defaultUnlockS: 5,
  defaultMaxUnlockS: 60,
  maxUnlockCeilingS: 3600,
  rexByDefault: true,
  defaultRexUnlockS: 5,
  defaultHeldOpenS: 30,
  defaultRelockOnClose: true,
};

/** A safe: fail-secure bolt only, short windows, no request-to-exit (nobody exits a safe). */
export const SAFE_PROFILE: LockProfile = {
  kind: 'safe',
  noun: 'safe',
  rtPrefix: 'pia.safe',
  lockTypes: ['fail-secure'],
  defaultLockType: 'fail-secure',
  defaultUnlockS: 10,
  defaultMaxUnlockS: 30,
  maxUnlockCeilingS: 120,
  rexByDefault: false,
  defaultRexUnlockS: 5,
  defaultHeldOpenS: 60,
  defaultRelockOnClose: true,
};
