/**
 * Simultaneous start (docs/protocol.md §4): two nodes that each send INIT to the other
 * converge to exactly one SA pair, whatever the order of delivery and a lost first datagram.
 * The node logic here is the rule the real node applies: an INIT from the peer we are
 * waiting on is ignored if our INIT beats it, else our initiator is abandoned and the
 * responder answers it; and an initiator sends its first ESP packet as soon as it is
 * established, which confirms the SA at the responder should CONFIRM be lost (§5).
 */
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { samePeer, type PeerAddress } from './address.js';
import { Initiator, initWins } from './initiator.js';
import { decodeKx } from './messages.js';
import { Responder } from './responder.js';
import { hex, seededRandom } from './test-support/index.js';
import type { KxAction, NegotiatedKeys } from './types.js';

interface InFlight {
  readonly from: PeerAddress;
  readonly to: PeerAddress;
  readonly bytes: Uint8Array;
  /** Stands for the first ESP packet an initiator sends on a new SA (§5: it confirms too). */
  readonly espTo?: number;
}

class TestNode {
  readonly responder: Responder;
  readonly initiator: Initiator;
  readonly established: NegotiatedKeys[] = [];

  constructor(
    readonly address: PeerAddress,
    peer: PeerAddress,
    clock: ManualClock,
    seed: string,
  ) {
    this.responder = new Responder({ clock, random: seededRandom(`${seed}/r`) });
    this.initiator = new Initiator({ clock, peer, random: seededRandom(`${seed}/i`) });
  }

  out(actions: KxAction[]): InFlight[] {
    const sends: InFlight[] = [];
    for (const a of actions) {
      if (a.kind === 'send') sends.push({ from: this.address, to: a.to, bytes: a.bytes });
      if (a.kind === 'established') this.established.push(a.keys);
      if (a.kind === 'established' && a.keys.role === 'initiator') sends.push({ from: this.address, to: a.keys.peer, bytes: new Uint8Array(0), espTo: a.keys.spiOut });
    }
    return sends;
  }

  deliver(d: InFlight): InFlight[] {
    if (d.espTo !== undefined) return this.out(this.responder.confirmedByEsp(d.espTo));
    const msg = decodeKx(d.bytes);
    if (msg.kind === 'init' && this.initiator.state === 'waiting' && samePeer(d.from, this.initiator.peer)) {
      if (this.initiator.beats(msg)) return [];
      this.initiator.abandon();
    }
    if (msg.kind === 'init' || msg.kind === 'confirm') return this.out(this.responder.receive(d.bytes, d.from, msg));
    return this.out(this.initiator.receive(d.bytes, d.from, msg));
  }

  tick(): InFlight[] {
    return [...this.out(this.initiator.tick()), ...this.out(this.responder.tick())];
  }

  nextDeadline(): number | undefined {
    const due = [this.initiator.nextDeadline(), this.responder.nextDeadline()].filter((t): t is number => t !== undefined);
    return due.length === 0 ? undefined : Math.min(...due);
  }
}

const A: PeerAddress = { address: '2001:db8:a::1', port: 4500 };
const B: PeerAddress = { address: '2001:db8:b::1', port: 4500 };

/** Both start at once; `picks` chooses which in-flight datagram goes next; `drop` loses the n-th. */
async function collide(seed: string, picks: number[], drop: number | undefined): Promise<{ a: TestNode; b: TestNode }> {
  const clock = new ManualClock();
  const a = new TestNode(A, B, clock, `${seed}/a`);
  const b = new TestNode(B, A, clock, `${seed}/b`);
  const nodes = (to: PeerAddress): TestNode => (samePeer(to, A) ? a : b);
  let inFlight: InFlight[] = [...a.out(a.initiator.start()), ...b.out(b.initiator.start())];
  let delivered = 0;
  for (let step = 0; step < 500; step++) {
    while (inFlight.length > 0) {
      const i = (picks[delivered % Math.max(1, picks.length)] ?? 0) % inFlight.length;
      const [d] = inFlight.splice(i, 1);
      if (d === undefined) break;
      if (delivered++ === drop) continue;
      inFlight.push(...nodes(d.to).deliver(d));
    }
    const due = [a.nextDeadline(), b.nextDeadline()].filter((t): t is number => t !== undefined);
    if (due.length === 0) break;
    await clock.advance(Math.max(0, Math.min(...due) - clock.now()));
    inFlight = [...a.tick(), ...b.tick()];
  }
  return { a, b };
}

function expectOnePair(a: TestNode, b: TestNode): void {
  expect(a.established.length).toBe(1);
  expect(b.established.length).toBe(1);
  const [ka, kb] = [a.established[0]!, b.established[0]!];
  expect(hex(ka.transcript)).toBe(hex(kb.transcript));
  expect(ka.outbound.equals(kb.inbound)).toBe(true);
  expect(kb.outbound.equals(ka.inbound)).toBe(true);
  expect([ka.spiIn, ka.spiOut]).toEqual([kb.spiOut, kb.spiIn]);
  // the INIT with the lower Ni is the one that completed
  const aWins = initWins(a.initiator.ni, b.initiator.ni, a.initiator.spiI, b.initiator.spiI);
  expect(ka.role).toBe(aWins ? 'initiator' : 'responder');
  expect(kb.role).toBe(aWins ? 'responder' : 'initiator');
}

describe('simultaneous start (docs/protocol.md §4)', () => {
  it('initWins: the lower Ni as a big-endian number wins; equal nonces fall back to the lower SPI', () => {
    const n = (first: number, last = 0): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? first : i === 31 ? last : 0));
    expect(initWins(n(1), n(2), 9999, 300)).toBe(true);
    expect(initWins(n(2), n(1), 300, 9999)).toBe(false);
    expect(initWins(n(0, 0xff), n(1, 0), 500, 400)).toBe(true); // big-endian: the first byte decides
    expect(initWins(n(7), n(7), 300, 400)).toBe(true);
    expect(initWins(n(7), n(7), 400, 300)).toBe(false);
  });

  it('in lock step, both INITs crossing, ends in exactly one established pair', async () => {
    const { a, b } = await collide('lockstep', [0], undefined);
    expectOnePair(a, b);
  });

  it('whatever the delivery order and whichever datagram is lost, exactly one pair is established', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 6 }), fc.array(fc.nat(7), { minLength: 1, maxLength: 12 }), fc.option(fc.nat(7), { nil: undefined }), async (seed, picks, drop) => {
        const { a, b } = await collide(seed, picks, drop);
        expectOnePair(a, b);
      }),
      { numRuns: 200 },
    );
  });
});
