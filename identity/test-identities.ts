/** Test support: identities the store tests write. */
import type { ManualClock } from '../common/index.js';
import { ProvisioningError } from './errors.js';
import type { BoardIdentity } from './types.js';

export const SERVER = { address: '2001:db8::10', port: 5684, id: '11111111-2222-4333-8444-555555555555' } as const;

export const IDENTITY: BoardIdentity = { id: '7a2a3c14-9d7e-4a1b-8c3d-0123456789ab', kind: 'gateway', label: 'rack 4 gateway', server: SERVER };

export const OTHER: BoardIdentity = { id: '0f0e0d0c-0b0a-4908-8706-050403020100', kind: 'gateway', label: 'rack 5 gateway', server: SERVER };

/** Records every (step, outcome) a write reports. */
export function recorder(): { steps: [string, string][]; report: (step: string, outcome: 'done' | 'skipped') => void } {
  const steps: [string, string][] = [];
  return { steps, report: (step, outcome) => void steps.push([step, outcome]) };
}

/** Drives `p` on the clock (steps of `stepMs`) and returns the ProvisioningError it must fail with. */
export async function failureOf(clock: ManualClock, p: Promise<unknown>, stepMs: number): Promise<ProvisioningError> {
  try {
    await clock.settle(p, stepMs);
  } catch (e) {
    if (e instanceof ProvisioningError) return e;
    throw e;
  }
  throw new Error('expected a ProvisioningError');
}
