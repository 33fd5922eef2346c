import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { SuiteId } from '../suites-ids.js';
import { addressFromText } from '../address.js';
import { PeerDiscovery, RETRY_FIRST_MS, type DiscoveryAction } from './discovery.js';
import { MemoryLatchStore } from './latch-store.js';
import { encodeDiscoveryOption, type DiscoveryOption } from './option.js';

/** A plain request as long as an INIT: large enough for the responder to initiate (§4). */
const REQUEST_BYTES = 84;

const PEERS = ['2001:db8::1', '2001:db8::2', '2001:db8::3'] as const;
const peer = fc.constantFrom(...PEERS);
const option: fc.Arbitrary<DiscoveryOption | undefined> = fc.option(
  fc.record({
    canInitiate: fc.boolean(),
    latched: fc.boolean(),
    port: fc.integer({ min: 1, max: 0xffff }),
    address: fc.option(peer.map(addressFromText), { nil: undefined }),
  }).map(({ address, ...rest }): DiscoveryOption => (address === undefined ? rest : { ...rest, address })),
  { nil: undefined },
);
const event = fc.oneof(
  fc.record({ kind: fc.constant('outgoing' as const), p: peer }),
  fc.record({ kind: fc.constant('request' as const), p: peer, option }),
  fc.record({ kind: fc.constant('response' as const), p: peer, option }),
  fc.record({ kind: fc.constant('started' as const), p: peer }),
  fc.record({ kind: fc.constant('established' as const), p: peer }),
  fc.record({ kind: fc.constant('failed' as const), p: peer }),
  fc.record({ kind: fc.constant('closed' as const), p: peer }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 90_000 }) }),
);

describe('PeerDiscovery invariants over random event sequences', () => {
  it('a latched peer never gets plaintext; one start at a time; no start inside the back-off', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 60 }), async (events) => {
        const clock = new ManualClock(0);
        const latches = new MemoryLatchStore();
        const d = new PeerDiscovery({ clock, latches, self: { port: 4600, canInitiate: true } });
        const everLatched = new Set<string>();
        const inFlightSince = new Map<string, number>();
        const failedAt = new Map<string, number>();
        const check = (actions: readonly DiscoveryAction[]): void => {
          for (const a of actions) {
            if (a.kind === 'record-latch') {
              void latches.record(a.peers, a.latch);
              for (const p of a.peers) everLatched.add(p);
            }
            if (a.kind !== 'start-exchange') continue;
            const since = inFlightSince.get(a.pia.address);
            expect(since === undefined || clock.now() - since >= 60_000, `second start toward ${a.pia.address}`).toBe(true);
            const failed = failedAt.get(a.pia.address);
            expect(failed === undefined || clock.now() - failed >= RETRY_FIRST_MS, `start inside back-off`).toBe(true);
            inFlightSince.set(a.pia.address, clock.now());
          }
        };
        for (const e of events) {
          switch (e.kind) {
            case 'outgoing': {
              const out = d.outgoingRequest(e.p);
              if (everLatched.has(e.p)) expect(out.route).not.toBe('plain');
              if (out.route === 'plain') encodeDiscoveryOption(out.option);
              check(out.actions);
              break;
            }
            case 'request':
            case 'response': {
              const r = e.kind === 'request' ? d.incomingRequest({ address: e.p, port: 5683 }, e.option, REQUEST_BYTES) : d.incomingResponse({ address: e.p, port: 5683 }, e.option);
              check(r.actions);
              if (everLatched.has(e.p)) expect(r.policy).toBe('refuse-latched');
              if (r.echo !== undefined) encodeDiscoveryOption(r.echo);
              break;
            }
            case 'started':
              if (d.peer(e.p).stage !== 'secured') inFlightSince.set(e.p, clock.now());
              d.exchangeStarted({ address: e.p, port: 4500 });
              break;
            case 'established':
              inFlightSince.delete(e.p);
              failedAt.delete(e.p);
              check(d.exchangeEstablished({ address: e.p, port: 4500 }, SuiteId.AesGcm256));
              expect(everLatched.has(e.p)).toBe(true);
              break;
            case 'failed': {
              const secured = d.peer(e.p).stage === 'secured';
              check(d.exchangeFailed({ address: e.p, port: 4500 }, 'test'));
              if (!secured && inFlightSince.delete(e.p)) failedAt.set(e.p, clock.now());
              break;
            }
            case 'closed':
              d.saClosed({ address: e.p, port: 4500 });
              break;
            case 'advance':
              await clock.advance(e.ms);
              break;
          }
          for (const p of everLatched) expect(d.plaintextPolicy(p)).toBe('refuse-latched');
        }
      }),
      { numRuns: 400 },
    );
  });
});
