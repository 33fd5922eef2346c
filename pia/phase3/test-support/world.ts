/**
 * A, B and S wired in memory for phase-3 tests: each machine's actions are collected; the
 * `run*` helpers carry one step's payloads to the next party, so a test can look at (or
 * change, drop, replay) every message on the way.
 */
import { ManualClock } from '../../../common/index.js';
import { seededRandom } from '../../handshake/test-support/index.js';
import { authorize } from '../authority.js';
import type { AuthorityDeps } from '../authority-types.js';
import { Phase3Requester } from '../requester.js';
import type { NodeId, P3Action, Phase3Keys } from '../types.js';
import { Phase3Voucher } from '../voucher.js';
import { phase2Pair, type Phase2End } from './phase2.js';
import type { TestNode } from './registry.js';

export const payloads = (actions: readonly P3Action[], kind: 'send-peer' | 'send-server'): Uint8Array[] =>
  actions.flatMap((a) => (a.kind === kind ? [a.payload] : []));

export function only(actions: readonly P3Action[], kind: 'send-peer' | 'send-server'): Uint8Array {
  const list = payloads(actions, kind);
  if (list.length !== 1) throw new Error(`expected one ${kind} action, got ${list.length}: ${actions.map((a) => a.kind).join(', ')}`);
  return list[0]!;
}

export function keysOf(actions: readonly P3Action[], kind: 'provisional' | 'established'): Phase3Keys | undefined {
  for (const a of actions) if (a.kind === kind && a.keys !== undefined) return a.keys;
  return undefined;
}

export const kinds = (actions: readonly P3Action[]): string[] => actions.map((a) => a.kind);

export interface Exchange {
  readonly clock: ManualClock;
  readonly requester: Phase3Requester;
  readonly voucher: Phase3Voucher;
  readonly phase2: { a: Phase2End; b: Phase2End };
  readonly reserved: number[];
}

/** A requester (identity `a`) and a voucher (identity `b`) on one real phase-2 pair. */
export async function exchange(seed: string, a: TestNode, b: TestNode | undefined, o: { expectedPeer?: NodeId; clock?: ManualClock; phase2?: { a: Phase2End; b: Phase2End } } = {}): Promise<Exchange> {
  const clock = o.clock ?? new ManualClock();
  const phase2 = o.phase2 ?? (await phase2Pair(seed));
  const reserved: number[] = [];
  let nextSpi = 0x10000;
  const requester = new Phase3Requester({
    identity: a,
    transcript: phase2.a.transcript,
    dhSecret: phase2.a.dhSecret,
    spiIn: 0xa000 + (seed.length % 100),
    clock,
    random: seededRandom(`${seed}/A`),
    ...(o.expectedPeer === undefined ? {} : { expectedPeer: o.expectedPeer }),
  });
  const voucher = new Phase3Voucher({
    ...(b === undefined ? {} : { identity: b }),
    transcript: phase2.b.transcript,
    dhSecret: phase2.b.dhSecret,
    reserveSpi: () => {
      reserved.push(nextSpi);
      return nextSpi++;
    },
    clock,
    random: seededRandom(`${seed}/B`),
  });
  return { clock, requester, voucher, phase2, reserved };
}

export interface Run {
  readonly req: Uint8Array;
  readonly vouch: Uint8Array;
  readonly verdict: Uint8Array;
  readonly resp: Uint8Array;
  readonly fin: Uint8Array | undefined;
  readonly aActions: P3Action[];
  readonly bActions: P3Action[];
}

/** The whole flow once, every message delivered as sent. */
export async function runOnce(x: Exchange, deps: AuthorityDeps, source = 'B'): Promise<Run> {
  const req = only(await x.requester.start(), 'send-peer');
  const vouch = only(await x.voucher.receiveRequest(req), 'send-server');
  const answer = await authorize(vouch, { key: source }, deps);
  if (answer.reply === undefined) throw new Error('runOnce: S gave no verdict');
  const bActions = await x.voucher.receiveVerdict(answer.reply);
  const resp = only(bActions, 'send-peer');
  const aActions = await x.requester.receive(resp);
  const fin = payloads(aActions, 'send-peer')[0];
  if (fin !== undefined) bActions.push(...(await x.voucher.receiveFin(fin)));
  return { req, vouch, verdict: answer.reply, resp, fin, aActions, bActions };
}
