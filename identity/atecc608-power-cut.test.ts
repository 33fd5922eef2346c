/**
 * A power cut between any two I2C transactions of a burn must leave the ATECC608 in a state
 * `inspect` names rightly (blank / partial / provisioned), from which the same write finishes.
 * The cut is made at transaction N (it never reaches the chip, which is power-cycled) for N
 * across the whole burn: every transaction around each step boundary, a stride in between.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../common/index.js';
import { Atecc608 } from '../drivers/atecc608/index.js';
import { VirtualI2cBus } from '../simulator/i2c/index.js';
import { Atecc608Sim } from '../simulator/i2c-identity/index.js';
import { ATECC608_STEPS, Atecc608IdentityStore } from './atecc608-store.js';
import { PowerCut, PowerCutError, cuttableBus } from './test-support/index.js';
import { IDENTITY, recorder } from './test-identities.js';
import type { StoreState } from './types.js';

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
/** Simulated ms per clock step: timers still fire at their exact due times inside each step. */
const STEP_MS = 5;
/** Every 10th transaction, and every one around the step boundaries (all ~690 pass with PIA_POWER_CUT_STRIDE=1, ~30 s). */
const STRIDE = Number(process.env.PIA_POWER_CUT_STRIDE ?? 10);

function rig(cutAt: number | undefined) {
  const clock = new ManualClock();
  const bus = new VirtualI2cBus({ clock });
  const sim = new Atecc608Sim({ clock, seed: 'power-cut' });
  bus.attach(sim);
  const power = new PowerCut(cutAt ?? Infinity, () => sim.powerCycle());
  return { clock, bus, sim, power, store: new Atecc608IdentityStore(new Atecc608(cuttableBus(bus, power), { clock })) };
}

/** Runs a whole burn, counting transactions: the total and the count at each reported step. */
async function countBurn(): Promise<{ total: number; boundaries: number[] }> {
  const { clock, power, store } = rig(undefined);
  const boundaries: number[] = [];
  await clock.settle(store.write(IDENTITY, KEY, () => void boundaries.push(power.count)), STEP_MS);
  return { total: power.count, boundaries };
}

function expectedState(sim: Atecc608Sim): StoreState['status'] {
  return !sim.configLocked ? 'blank' : !sim.dataLocked ? 'partial' : 'provisioned';
}

describe('Atecc608IdentityStore across power cuts', () => {
  it('resumes a burn cut at any I2C transaction and ends provisioned with the right key', async () => {
    const { total, boundaries } = await countBurn();
    expect(boundaries).toHaveLength(ATECC608_STEPS.length);
    const cuts = new Set<number>();
    for (let n = 1; n <= total; n += STRIDE) cuts.add(n);
    for (const b of [0, ...boundaries]) for (let d = -2; d <= 3; d++) if (b + d >= 1 && b + d <= total) cuts.add(b + d);
    cuts.add(total);
    const seen = new Map<StoreState['status'], number>();

    for (const n of [...cuts].sort((a, b) => a - b)) {
      const { clock, bus, sim, power, store } = rig(n);
      const before = recorder();
      const cut = await clock.settle(store.write(IDENTITY, KEY, before.report), STEP_MS).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(cut, `cut at ${n}`).toBeInstanceOf(PowerCutError);
      expect(power.tripped).toBe(true);

      const fresh = new Atecc608IdentityStore(new Atecc608(bus, { clock }));
      const state = await clock.settle(fresh.inspect(), STEP_MS);
      expect(state.status, `cut at ${n} after ${before.steps.map(([s]) => s).join(', ') || 'no step'}`).toBe(expectedState(sim));
      seen.set(state.status, (seen.get(state.status) ?? 0) + 1);
      if (before.steps.some(([s]) => s === 'lock data zone')) expect(state.status).toBe('provisioned');

      const after = recorder();
      await clock.settle(fresh.write(IDENTITY, KEY, after.report), STEP_MS);
      expect(after.steps.map(([s]) => s), `cut at ${n}`).toEqual([...ATECC608_STEPS]);
      if (state.status !== 'blank') expect(after.steps[1], `cut at ${n}`).toEqual(['lock config zone', 'skipped']);
      expect(await clock.settle(fresh.inspect(), STEP_MS), `cut at ${n}`).toEqual({ status: 'provisioned', identity: IDENTITY });
      const message = Buffer.from(`challenge ${n}`);
      const mac = await clock.settle(fresh.nodeKey().hmac(message), STEP_MS);
      expect(Buffer.from(mac).toString('hex'), `cut at ${n}`).toBe(createHmac('sha256', KEY).update(message).digest('hex'));
    }
    // The cuts fell in every phase of the burn.
    expect([...seen.keys()].sort()).toEqual(['blank', 'partial', 'provisioned']);
  }, 120_000); // ~3 s alone: about a hundred simulated burns; beside the system tests on 2 cores it has taken 60 s
});
