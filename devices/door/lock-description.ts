/**
 * A lock's configuration resolved against its profile (defaults, bounds) and its
 * description (properties, actions) for the CoAP layer.
 *
 * Must hold: a configuration a profile does not allow (a fail-safe safe, a maximum above the
 * profile's ceiling, a REX line on a lock whose REX is off) is refused when the device is
 * created, with an Error naming the device, the option, the value and the fix.
 */
import type { DeviceDescription } from '../model/types.js';
import type { LockOptions } from './lock-device.js';
import { LOCK_ALARMS } from './lock-logic.js';
import type { LockProfile, LockType } from './profile.js';

export interface LockConfig {
  readonly lockType: LockType;
  readonly maxUnlockS: number;
  readonly defaultUnlockS: number;
  readonly rexUnlockS: number;
  readonly heldOpenS: number;
  readonly relockOnClose: boolean;
  readonly rex: boolean;
}

export function resolveLockConfig(profile: LockProfile, o: LockOptions): LockConfig {
  const where = `${profile.noun} "${o.name}"`;
  const lockType = o.lockType ?? profile.defaultLockType;
  if (!profile.lockTypes.includes(lockType)) {
    throw new Error(`${where}: lockType "${lockType}" is not allowed for a ${profile.noun}; use ${profile.lockTypes.map((t) => `"${t}"`).join(' or ')}`);
  }
  const seconds = (option: string, value: number | undefined, fallback: number, max: number): number => {
    const v = value ?? fallback;
    if (!(Number.isFinite(v) && v > 0 && v <= max)) throw new Error(`${where}: ${option} ${v} is outside 0 < s ≤ ${max}; give a value in that range`);
    return v;
  };
  const maxUnlockS = seconds('maxUnlockSeconds', o.maxUnlockSeconds, profile.defaultMaxUnlockS, profile.maxUnlockCeilingS);
  const defaultUnlockS = seconds('defaultUnlockSeconds', o.defaultUnlockSeconds, Math.min(profile.defaultUnlockS, maxUnlockS), maxUnlockS);
  const rexUnlockS = seconds('rexUnlockSeconds', o.rexUnlockSeconds, Math.min(profile.defaultRexUnlockS, maxUnlockS), maxUnlockS);
  const heldOpenS = seconds('heldOpenSeconds', o.heldOpenSeconds, profile.defaultHeldOpenS, 24 * 3600);
  const rex = o.rex ?? profile.rexByDefault;
  if (o.exitLine !== undefined && !rex) {
    throw new Error(`${where}: exitLine ${o.exitLine} is given but request-to-exit is off for a ${profile.noun}; set rex: true or remove exitLine`);
  }
  return { lockType, maxUnlockS, defaultUnlockS, rexUnlockS, heldOpenS, relockOnClose: o.relockOnClose ?? profile.defaultRelockOnClose, rex };
}

export function describeLock(profile: LockProfile, o: LockOptions, c: LockConfig): DeviceDescription {
  const rt = (what: string): string => `${profile.rtPrefix}.${what}`;
  const n = profile.noun;
  return {
    name: o.name,
    kind: profile.kind,
    part: o.part ?? `${c.lockType} ${n} lock, relay GPIO${o.relayLine}, contact GPIO${o.contactLine}${c.rex && o.exitLine !== undefined ? `, exit GPIO${o.exitLine}` : ''}`,
    properties: [
      { name: 'locked', type: 'boolean', writable: false, observable: true, rt: rt('locked'), description: `the strike relay is at its locked level (${c.lockType})` },
      { name: 'open', type: 'boolean', writable: false, observable: true, rt: rt('open'), description: `the ${n} door is open (contact); null until first read` },
      {
        name: 'unlockedUntil',
        type: 'number',
        unit: 's',
        min: 0,
        max: c.maxUnlockS,
        writable: false,
        observable: true,
        rt: rt('window'),
        description: 'seconds left in the unlock window, or null while locked',
      },
      {
        name: 'alarm',
        type: 'string',
        values: LOCK_ALARMS,
        writable: false,
        observable: true,
        rt: rt('alarm'),
        description: 'held-open or forced-door while the condition lasts (clears when the door closes); null otherwise',
      },
    ],
    actions: [
      {
        name: 'unlock',
        params: [
          {
            name: 'seconds',
            type: 'number',
            min: 1,
            max: c.maxUnlockS,
            required: false,
            description: `unlock window, s (default ${c.defaultUnlockS}; at most ${c.maxUnlockS}, the configured maximum)`,
          },
        ],
        right: 'call:unlock',
        rt: rt('unlock'),
        description: `unlock the ${n} for a window, then relock${c.relockOnClose ? ' (or as soon as the door closes after opening)' : ''}`,
      },
      { name: 'lock', params: [], right: 'control', rt: rt('lock'), description: `lock the ${n} now, ending any unlock window` },
    ],
    blobs: [],
  };
}
