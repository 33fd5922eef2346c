import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { Room } from './room.js';

describe('Room', () => {
  it('settles where heat load balances the envelope leak', async () => {
    const clock = new ManualClock();
    const room = new Room({ clock, initialC: 20, outsideC: 18, heatLoadW: 500, envelopeWPerK: 50, heatCapacityJPerK: 50_000 });
    await clock.advance(6 * 3600_000);
    // Equilibrium: 500 W = 50 W/K · (T − 18) → T = 28 °C.
    expect(room.temperatureC).toBeCloseTo(28, 1);
  });

  it('cools when an influence removes heat, and the result does not depend on how often it is read', async () => {
    const clockA = new ManualClock();
    const clockB = new ManualClock();
    const fan = { name: 'fan', heatW: (t: number, out: number) => -200 * (t - out) };
    const a = new Room({ clock: clockA, initialC: 30, outsideC: 18, heatLoadW: 1000 });
    const b = new Room({ clock: clockB, initialC: 30, outsideC: 18, heatLoadW: 1000 });
    a.addInfluence(fan);
    b.addInfluence(fan);
    for (let i = 0; i < 600; i++) {
      await clockA.advance(1000);
      void a.temperatureC;
    }
    await clockB.advance(600_000);
    expect(a.temperatureC).toBeCloseTo(b.temperatureC, 9);
    expect(b.temperatureC).toBeLessThan(30);
    // With the fan: equilibrium 1000 = 250·(T − 18) → 22 °C; it heads there.
    expect(b.temperatureC).toBeGreaterThan(22);
  });
});
