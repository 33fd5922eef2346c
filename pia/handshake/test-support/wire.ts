/**
 * Two key-exchange endpoints wired in memory: datagrams go through a queue that a test can
 * tamper with or drop from; timers run on a ManualClock. Used by the exchange tests only.
 */
import type { ManualClock } from '../../../common/index.js';
import type { PeerAddress } from '../address.js';
import type { Initiator } from '../initiator.js';
import type { Responder } from '../responder.js';
import type { KxAction, NegotiatedKeys } from '../types.js';

export const I_ADDR: PeerAddress = { address: '2001:db8:1::10', port: 4500 };
export const R_ADDR: PeerAddress = { address: '2001:db8:2::20', port: 4500 };

export interface Datagram {
  readonly from: PeerAddress;
  readonly to: PeerAddress;
  readonly bytes: Uint8Array;
  readonly message: string;
}

/** Returns the datagram to deliver (possibly changed), or undefined to drop it. */
export type Interceptor = (d: Datagram, index: number) => Datagram | undefined;

export interface PairLog {
  readonly initiator: KxAction[];
  readonly responder: KxAction[];
  readonly wire: Datagram[];
}

export function sent(actions: readonly KxAction[]): Uint8Array[] {
  return actions.flatMap((a) => (a.kind === 'send' ? [a.bytes] : []));
}

export function establishedKeys(actions: readonly KxAction[]): NegotiatedKeys[] {
  return actions.flatMap((a) => (a.kind === 'established' ? [a.keys] : []));
}

/**
 * Runs I against R until nothing is in flight and no timer is due before `untilMs` of
 * simulated time. Every datagram passes `intercept` (default: delivered as is).
 */
export async function runPair(
  clock: ManualClock,
  initiator: Initiator,
  responder: Responder,
  options: { intercept?: Interceptor; untilMs?: number; iAddr?: PeerAddress; rAddr?: PeerAddress } = {},
): Promise<PairLog> {
  const iAddr = options.iAddr ?? I_ADDR;
  const rAddr = options.rAddr ?? R_ADDR;
  const log: PairLog = { initiator: [], responder: [], wire: [] };
  const end = clock.now() + (options.untilMs ?? 60_000);
  const queue: Datagram[] = [];
  const take = (from: PeerAddress, actions: KxAction[], into: KxAction[]): void => {
    into.push(...actions);
    for (const a of actions) if (a.kind === 'send') queue.push({ from, to: a.to, bytes: a.bytes, message: a.message });
  };
  take(iAddr, initiator.start(), log.initiator);
  for (;;) {
    while (queue.length > 0) {
      const d0 = queue.shift()!;
      const d = options.intercept === undefined ? d0 : options.intercept(d0, log.wire.length);
      log.wire.push(d0);
      if (d === undefined) continue;
      if (d.to.address === rAddr.address) take(rAddr, responder.receive(d.bytes, d.from), log.responder);
      else take(iAddr, initiator.receive(d.bytes, d.from), log.initiator);
    }
    const due = [initiator.nextDeadline(), responder.nextDeadline()].filter((t): t is number => t !== undefined);
    if (due.length === 0) break;
    const next = Math.min(...due);
    if (next > end) break;
    await clock.advance(Math.max(0, next - clock.now()));
    take(iAddr, initiator.tick(), log.initiator);
    take(rAddr, responder.tick(), log.responder);
  }
  return log;
}

/** Flips one bit of a copy of `bytes`. */
export function flipBit(bytes: Uint8Array, byteIndex: number, bit = 0): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[byteIndex] = (out[byteIndex] ?? 0) ^ (1 << bit);
  return out;
}
