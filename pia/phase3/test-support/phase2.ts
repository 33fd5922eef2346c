/**
 * Real phase-2 exchanges for phase-3 tests: T and Z as the two ends of an SA pair hold them
 * (pia/handshake's Initiator and Responder over an in-memory wire).
 */
import { ManualClock } from '../../../common/index.js';
import { Initiator } from '../../handshake/initiator.js';
import { Responder } from '../../handshake/responder.js';
import { runPair, seededRandom, I_ADDR, R_ADDR } from '../../handshake/test-support/index.js';
import type { NegotiatedKeys } from '../../handshake/types.js';

export interface Phase2End {
  readonly transcript: Uint8Array;
  readonly dhSecret: Uint8Array;
}

/** One completed phase-2 exchange: the initiator's (A's) and the responder's (B's) view. */
export async function phase2Pair(seed: string): Promise<{ a: Phase2End; b: Phase2End }> {
  const clock = new ManualClock();
  const initiator = new Initiator({ clock, peer: R_ADDR, random: seededRandom(`${seed}/i`) });
  const responder = new Responder({ clock, random: seededRandom(`${seed}/r`) });
  const log = await runPair(clock, initiator, responder, { iAddr: I_ADDR, rAddr: R_ADDR });
  const pick = (actions: typeof log.initiator): NegotiatedKeys => {
    const found = actions.find((x) => x.kind === 'established');
    if (found?.kind !== 'established') throw new Error(`phase2Pair(${seed}): the exchange did not complete`);
    return found.keys;
  };
  const i = pick(log.initiator);
  const r = pick(log.responder);
  return { a: { transcript: i.transcript, dhSecret: i.dhSecret }, b: { transcript: r.transcript, dhSecret: r.dhSecret } };
}
