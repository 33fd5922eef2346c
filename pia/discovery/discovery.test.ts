import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { SuiteId } from '../suites-ids.js';
import { addressFromText } from '../address.js';
import { PIA_REQUIRED_DIAGNOSTIC, PeerDiscovery, exchangeRetryDelayMs, type DiscoveryAction } from './discovery.js';
import { MemoryLatchStore } from './latch-store.js';
import type { DiscoveryOption } from './option.js';

/** A plain request as long as an INIT: large enough for the responder to initiate (§4). */
const REQUEST_BYTES = 84;

const A = '2001:db8::a';
const B = '2001:db8::b';
const G = '2001:db8:42::1'; // a gateway's PIA address
const F1 = '2001:db8:42::f1'; // devices it serves
const F2 = '2001:db8:42::f2';
const opt = (o: Partial<DiscoveryOption> = {}): DiscoveryOption => ({ canInitiate: true, latched: false, port: 4500, ...o });

function node(init: { canInitiate?: boolean; address?: string; latches?: MemoryLatchStore; clock?: ManualClock } = {}) {
  const clock = init.clock ?? new ManualClock(1_000);
  const latches = init.latches ?? new MemoryLatchStore({ now: () => 1_700_000_000_000 + clock.now() });
  const d = new PeerDiscovery({
    clock,
    latches,
    self: { port: 4600, canInitiate: init.canInitiate ?? true, ...(init.address === undefined ? {} : { address: init.address }) },
  });
  /** What a node does with actions: the latch store applies record-latch at once. */
  const apply = (actions: readonly DiscoveryAction[]): DiscoveryAction[] => {
    for (const a of actions) if (a.kind === 'record-latch') void latches.record(a.peers, a.latch);
    return [...actions];
  };
  return { d, clock, latches, apply };
}

const starts = (actions: readonly DiscoveryAction[]): string[] =>
  actions.flatMap((a) => (a.kind === 'start-exchange' ? [`${a.pia.address}:${a.pia.port}`] : []));

describe('PeerDiscovery: first contact (phase 1)', () => {
  it('attaches our option to a plain request to a peer it knows nothing of', () => {
    const { d } = node();
    const out = d.outgoingRequest(B);
    expect(out).toEqual({ route: 'plain', option: { canInitiate: true, latched: false, port: 4600 }, actions: [] });
    expect(d.peer(B).stage).toBe('unknown');
  });

  it('keeps attaching the option to a legacy peer that never echoes it (harmless, finds a later upgrade)', () => {
    const { d } = node();
    for (let i = 0; i < 20; i++) {
      expect(d.outgoingRequest(B).route).toBe('plain');
      expect(d.incomingResponse({ address: B, port: 5683 }, undefined)).toEqual({ policy: 'allow', echo: undefined, actions: [] });
    }
    expect(d.peer(B)).toMatchObject({ stage: 'unknown', responsesWithoutOption: 20, latched: false });
    const out = d.outgoingRequest(B);
    expect(out.route === 'plain' && out.option.port).toBe(4600);
  });

  it('responder: echoes its option and starts toward (source address, option port), once', () => {
    const { d } = node();
    const first = d.incomingRequest({ address: A, port: 40000 }, opt({ port: 4500 }), REQUEST_BYTES);
    expect(first.policy).toBe('allow');
    expect(first.echo).toEqual({ canInitiate: true, latched: false, port: 4600 });
    expect(starts(first.actions)).toEqual([`${A}:4500`]);
    expect(d.peer(A).stage).toBe('exchanging');
    expect(starts(d.incomingRequest({ address: A, port: 40000 }, opt(), REQUEST_BYTES).actions)).toEqual([]);
  });

  it('responder: a request shorter than an INIT starts nothing; the echo says "start yourself" and the requester does', () => {
    const responder = node();
    const requester = node();
    const r = responder.d.incomingRequest({ address: A, port: 40000 }, opt({ port: 4500 }), REQUEST_BYTES - 1);
    expect(starts(r.actions)).toEqual([]);
    expect(r.echo).toEqual({ canInitiate: false, latched: false, port: 4600 });
    requester.d.outgoingRequest(B);
    const seen = requester.d.incomingResponse({ address: B, port: 5683 }, r.echo);
    expect(starts(seen.actions)).toEqual([`${B}:4600`]);
  });

  it('responder: a request as long as an INIT starts one exchange, marked to send a single INIT', () => {
    const { d } = node();
    const r = d.incomingRequest({ address: A, port: 40000 }, opt({ port: 4500 }), REQUEST_BYTES);
    expect(r.actions.filter((a) => a.kind === 'start-exchange')).toEqual([{ kind: 'start-exchange', pia: { address: A, port: 4500 }, initOnce: true }]);
  });

  it('answers a request without the option as a legacy server would: no echo, no state change', () => {
    const { d } = node();
    expect(d.incomingRequest({ address: A, port: 40000 }, undefined, REQUEST_BYTES)).toEqual({ policy: 'allow', echo: undefined, actions: [] });
    expect(d.peer(A).stage).toBe('unknown');
  });

  it('does not start toward a third address named in a request (a forged source would make it a reflector)', () => {
    const { d } = node();
    const r = d.incomingRequest({ address: F1, port: 40000 }, opt({ address: addressFromText(G) }), REQUEST_BYTES);
    expect(starts(r.actions)).toEqual([]);
    expect(r.echo).toBeDefined();
    expect(r.actions).toContainEqual(expect.objectContaining({ kind: 'log', message: expect.stringContaining(`names PIA address ${G}`) }));
  });

  it('requester: starts at once when the responder cannot initiate', () => {
    const { d } = node();
    d.outgoingRequest(B);
    expect(starts(d.incomingResponse({ address: B, port: 5683 }, opt({ canInitiate: false, port: 4501 })).actions)).toEqual([`${B}:4501`]);
  });

  it('requester: leaves the start to a responder that can initiate, and starts itself after the grace time', async () => {
    const { d, clock } = node();
    d.outgoingRequest(B);
    expect(starts(d.incomingResponse({ address: B, port: 5683 }, opt()).actions)).toEqual([]);
    await clock.advance(1_999);
    expect(starts(d.outgoingRequest(B).actions)).toEqual([]);
    await clock.advance(1);
    expect(starts(d.outgoingRequest(B).actions)).toEqual([`${B}:4500`]);
  });

  it('requester: no start of its own once the responder\'s INIT arrived within the grace time', async () => {
    const { d, clock } = node();
    d.outgoingRequest(B);
    d.incomingResponse({ address: B, port: 5683 }, opt());
    d.exchangeStarted({ address: B, port: 4500 });
    await clock.advance(10_000);
    expect(starts(d.outgoingRequest(B).actions)).toEqual([]);
    expect(d.peer(B).stage).toBe('exchanging');
  });

  it('a node that cannot initiate never starts, and says so in its option', () => {
    const { d } = node({ canInitiate: false });
    const r = d.incomingRequest({ address: A, port: 40000 }, opt(), REQUEST_BYTES);
    expect(r.actions).toEqual([]);
    expect(r.echo?.canInitiate).toBe(false);
    expect(starts(d.incomingResponse({ address: B, port: 5683 }, opt({ canInitiate: false })).actions)).toEqual([]);
  });

  it('puts its configured PIA address in the option (a gateway)', () => {
    const { d } = node({ address: G });
    const out = d.outgoingRequest(B);
    expect(out.route === 'plain' && out.option.address).toEqual(addressFromText(G));
  });

  it('refuses a configuration it could not put on the wire', () => {
    expect(() => new PeerDiscovery({ clock: new ManualClock(), latches: new MemoryLatchStore(), self: { port: 0, canInitiate: true } })).toThrow(/port 0/);
    expect(
      () => new PeerDiscovery({ clock: new ManualClock(), latches: new MemoryLatchStore(), self: { port: 1, address: 'ff02::1', canInitiate: true } }),
    ).toThrow(/multicast/);
  });
});

describe('PeerDiscovery: two nodes converge on one exchange', () => {
  it('the responder starts, the requester does not: no collision in the common case', async () => {
    const a = node();
    const b = node();
    const req = a.d.outgoingRequest(B);
    if (req.route !== 'plain') throw new Error('expected plain');
    const atB = b.d.incomingRequest({ address: A, port: 50000 }, req.option, REQUEST_BYTES);
    expect(starts(atB.actions)).toEqual([`${A}:4600`]);
    a.d.exchangeStarted({ address: B, port: 4600 }); // B's INIT reached A
    const atA = a.d.incomingResponse({ address: B, port: 5683 }, atB.echo);
    expect(starts(atA.actions)).toEqual([]);
    await a.clock.advance(5_000);
    expect(starts(a.d.outgoingRequest(B).actions)).toEqual([]);
    a.apply(a.d.exchangeEstablished({ address: B, port: 4600 }, SuiteId.AesGcm256));
    b.apply(b.d.exchangeEstablished({ address: A, port: 4600 }, SuiteId.AesGcm256));
    expect([a.d.plaintextPolicy(B), b.d.plaintextPolicy(A)]).toEqual(['refuse-latched', 'refuse-latched']);
  });
});

describe('PeerDiscovery: latching (phase 2)', () => {
  function securedWith(peer: string) {
    const n = node();
    n.d.incomingRequest({ address: peer, port: 40000 }, opt(), REQUEST_BYTES);
    const actions = n.apply(n.d.exchangeEstablished({ address: peer, port: 4500 }, SuiteId.ChaCha20Poly1305));
    return { ...n, actions };
  }

  it('records the latch when the exchange completes and routes requests through the SA', () => {
    const { d, latches, actions } = securedWith(A);
    expect(actions).toEqual([{ kind: 'record-latch', peers: [A], latch: { piaPort: 4500, piaAddress: A, suite: SuiteId.ChaCha20Poly1305 } }]);
    expect(latches.get(A)).toMatchObject({ piaPort: 4500, suite: SuiteId.ChaCha20Poly1305 });
    expect(latches.get(A)?.piaAddress).toBeUndefined(); // the same as the key
    expect(d.outgoingRequest(A)).toEqual({ route: 'sa', pia: { address: A, port: 4500 }, actions: [] });
    expect(d.peer(A)).toMatchObject({ stage: 'secured', latched: true });
  });

  it('refuses plaintext from a latched peer, with or without the option (stripping it cannot downgrade)', () => {
    const { d } = securedWith(A);
    expect(d.plaintextPolicy(A)).toBe('refuse-latched');
    expect(d.plaintextPolicy('2001:DB8:0::A')).toBe('refuse-latched'); // any spelling of the address
    const stripped = d.incomingRequest({ address: A, port: 40000 }, undefined, REQUEST_BYTES);
    expect(stripped.policy).toBe('refuse-latched');
    expect(stripped.echo?.latched).toBe(true); // tells the peer it must use PIA
    expect(d.incomingResponse({ address: A, port: 5683 }, undefined).policy).toBe('refuse-latched');
    expect(PIA_REQUIRED_DIAGNOSTIC).toBe('PIA required: peer is latched');
  });

  it('a latched peer whose SA closed gets no plaintext: requests wait while a new exchange starts', () => {
    const { d } = securedWith(A);
    d.saClosed({ address: A, port: 4500 });
    const out = d.outgoingRequest(A);
    expect(out.route).toBe('wait-for-sa');
    expect(starts(out.actions)).toEqual([`${A}:4500`]);
    expect(d.plaintextPolicy(A)).toBe('refuse-latched');
  });

  it('survives a restart: a new machine over the same latch store refuses plaintext and starts without sending any', () => {
    const first = securedWith(A);
    const after = node({ latches: first.latches });
    expect(after.d.plaintextPolicy(A)).toBe('refuse-latched');
    const out = after.d.outgoingRequest(A);
    expect(out).toMatchObject({ route: 'wait-for-sa', pia: { address: A, port: 4500 } });
    expect(starts(out.actions)).toEqual([`${A}:4500`]);
  });

  it('after a restart, plaintext with the option from a latched peer is refused and starts the exchange', () => {
    const after = node({ latches: securedWith(A).latches });
    const r = after.d.incomingRequest({ address: A, port: 40000 }, opt({ port: 4502 }), REQUEST_BYTES);
    expect(r.policy).toBe('refuse-latched');
    expect(starts(r.actions)).toEqual([`${A}:4502`]);
  });

  it('a failed rekey while secured keeps the SA', () => {
    const { d } = securedWith(A);
    d.exchangeStarted({ address: A, port: 4500 });
    d.exchangeFailed({ address: A, port: 4500 }, 'no answer');
    expect(d.peer(A).stage).toBe('secured');
  });

  it('gateway: a response naming a PIA address latches the device address too', () => {
    const { d, latches, apply } = node();
    d.outgoingRequest(F1);
    const r = d.incomingResponse({ address: F1, port: 5683 }, opt({ canInitiate: false, address: addressFromText(G) }));
    expect(starts(r.actions)).toEqual([`${G}:4500`]);
    expect(d.peer(F1).pia).toEqual({ address: G, port: 4500 });
    const done = apply(d.exchangeEstablished({ address: G, port: 4500 }, SuiteId.AesGcm256));
    expect(done).toEqual([{ kind: 'record-latch', peers: [G, F1], latch: { piaPort: 4500, piaAddress: G, suite: SuiteId.AesGcm256 } }]);
    expect(latches.get(F1)).toMatchObject({ piaAddress: G, piaPort: 4500 });
    expect(d.plaintextPolicy(F1)).toBe('refuse-latched');
    expect(d.outgoingRequest(F1)).toMatchObject({ route: 'sa', pia: { address: G } });
    // another device of the same gateway, met after the SA is up, is latched on first sight
    const f2 = apply(d.incomingResponse({ address: F2, port: 5683 }, opt({ address: addressFromText(G) })).actions);
    expect(f2).toEqual([{ kind: 'record-latch', peers: [F2], latch: { piaPort: 4500, piaAddress: G, suite: SuiteId.AesGcm256 } }]);
    expect(d.plaintextPolicy(F2)).toBe('refuse-latched');
  });

  it('a latched device naming another PIA address is not moved (warned instead)', () => {
    const { d, apply } = node();
    d.incomingResponse({ address: F1, port: 5683 }, opt({ canInitiate: false, address: addressFromText(G) }));
    apply(d.exchangeEstablished({ address: G, port: 4500 }, SuiteId.AesGcm256));
    const r = d.incomingResponse({ address: F1, port: 5683 }, opt({ canInitiate: false, address: addressFromText(B) }));
    expect(starts(r.actions)).toEqual([]);
    expect(r.actions).toContainEqual(expect.objectContaining({ kind: 'log', level: 'warn' }));
    expect(d.peer(F1).pia?.address).toBe(G);
  });
});

describe('PeerDiscovery: failures back off', () => {
  it('exchangeRetryDelayMs: 5 s doubling, capped at 5 min', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map(exchangeRetryDelayMs)).toEqual([5e3, 10e3, 20e3, 40e3, 80e3, 160e3, 300e3, 300e3, 300e3]);
    expect(exchangeRetryDelayMs(0)).toBe(0);
  });

  it('no new start before the back-off time, a start after it; success resets the count', async () => {
    const { d, clock } = node();
    d.incomingRequest({ address: A, port: 40000 }, opt(), REQUEST_BYTES);
    for (const delay of [5_000, 10_000, 20_000]) {
      const log = d.exchangeFailed({ address: A, port: 4500 }, 'no answer after 5 tries');
      expect(log[0]).toMatchObject({ kind: 'log', level: 'warn', message: expect.stringContaining('no answer after 5 tries') });
      expect(d.peer(A).retryAt).toBe(clock.now() + delay);
      await clock.advance(delay - 1);
      expect(starts(d.incomingRequest({ address: A, port: 40000 }, opt(), REQUEST_BYTES).actions)).toEqual([]);
      expect(starts(d.outgoingRequest(A).actions)).toEqual([]);
      await clock.advance(1);
      expect(starts(d.outgoingRequest(A).actions)).toEqual([`${A}:4500`]);
    }
    d.exchangeEstablished({ address: A, port: 4500 }, SuiteId.AesGcm256);
    expect(d.peer(A)).toMatchObject({ failures: 0, retryAt: undefined });
  });

  it('a latched peer in back-off: requests wait and learn when the next try is', () => {
    const { d, clock, apply } = node();
    d.incomingRequest({ address: A, port: 40000 }, opt(), REQUEST_BYTES);
    apply(d.exchangeEstablished({ address: A, port: 4500 }, SuiteId.AesGcm256));
    d.saClosed({ address: A, port: 4500 });
    d.outgoingRequest(A); // starts
    d.exchangeFailed({ address: A, port: 4500 }, 'refused');
    expect(d.outgoingRequest(A)).toMatchObject({ route: 'wait-for-sa', retryAt: clock.now() + 5_000, actions: [] });
  });

  it('an exchange never reported done is treated as lost after the timeout', async () => {
    const { d, clock } = node();
    d.incomingRequest({ address: A, port: 40000 }, opt(), REQUEST_BYTES);
    await clock.advance(59_999);
    expect(starts(d.outgoingRequest(A).actions)).toEqual([]);
    await clock.advance(1);
    expect(starts(d.outgoingRequest(A).actions)).toEqual([`${A}:4500`]);
  });

  it('a failure report for a peer it never knew changes nothing', () => {
    const { d } = node();
    expect(d.exchangeFailed({ address: B, port: 1 }, 'x')).toEqual([]);
    expect(d.peer(B).stage).toBe('unknown');
  });
});

describe('PeerDiscovery: bounded tables', () => {
  it('forgets transient state of the least recently active peers but never a latch', () => {
    const clock = new ManualClock();
    const latches = new MemoryLatchStore();
    const d = new PeerDiscovery({ clock, latches, maxPeers: 3, self: { port: 4600, canInitiate: true } });
    void latches.record([A], { piaPort: 4500 });
    for (let i = 1; i <= 50; i++) d.incomingRequest({ address: `2001:db8:1::${i.toString(16)}`, port: 1 }, opt(), REQUEST_BYTES);
    expect(d.peer('2001:db8:1::1').stage).toBe('unknown'); // evicted
    expect(d.peer('2001:db8:1::32').stage).toBe('exchanging'); // recent
    expect(d.plaintextPolicy(A)).toBe('refuse-latched');
  });
});
