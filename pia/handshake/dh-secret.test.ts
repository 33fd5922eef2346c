/**
 * NegotiatedKeys.dhSecret (Z, kept for phase 3, docs/protocol.md §9.3): equal on both sides,
 * the very Z the §5 schedule used, and never printed.
 */
import { inspect } from 'node:util';
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { Initiator } from './initiator.js';
import { deriveSession } from './key-schedule.js';
import { decodeKx } from './messages.js';
import { Responder } from './responder.js';
import { establishedKeys, runPair, seededRandom, I_ADDR, R_ADDR } from './test-support/index.js';

describe('NegotiatedKeys.dhSecret', () => {
  it('is the same Z on both sides, and the §5 schedule over it gives the SA keys', async () => {
    const clock = new ManualClock();
    const initiator = new Initiator({ clock, peer: R_ADDR, random: seededRandom('z/i') });
    const responder = new Responder({ clock, random: seededRandom('z/r') });
    const log = await runPair(clock, initiator, responder, { iAddr: I_ADDR, rAddr: R_ADDR });
    const [i] = establishedKeys(log.initiator);
    const [r] = establishedKeys(log.responder);
    if (i === undefined || r === undefined) throw new Error('the exchange did not complete');
    expect(i.dhSecret).toHaveLength(32);
    expect(Buffer.compare(i.dhSecret, r.dhSecret)).toBe(0);
    expect(i.dhSecret.some((b) => b !== 0)).toBe(true);
    const resp = decodeKx(log.wire.find((d) => d.message === 'resp')!.bytes);
    if (resp.kind !== 'resp') throw new Error('no RESP');
    expect(deriveSession(i.dhSecret, initiator.ni, resp.nr, i.transcript).i2r.equals(i.i2r)).toBe(true);
    // a flipped bit in Z gives other keys
    const other = Uint8Array.from(i.dhSecret);
    other[0]! ^= 1;
    expect(deriveSession(other, initiator.ni, resp.nr, i.transcript).i2r.equals(i.i2r)).toBe(false);
  });

  it('prints as [redacted] however the keys are shown', async () => {
    const clock = new ManualClock();
    const initiator = new Initiator({ clock, peer: R_ADDR, random: seededRandom('z2/i') });
    const responder = new Responder({ clock, random: seededRandom('z2/r') });
    const log = await runPair(clock, initiator, responder);
    const [keys] = establishedKeys(log.initiator);
    const zHex = Buffer.from(keys!.dhSecret).toString('hex');
    for (const shown of [inspect(keys), JSON.stringify(keys), String(keys!.dhSecret), inspect(keys!.dhSecret)]) {
      expect(shown).not.toContain(zHex.slice(0, 16));
    }
    expect(inspect(keys)).toContain('SecretBytes [redacted]');
  });
});
