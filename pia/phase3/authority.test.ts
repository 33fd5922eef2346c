/**
 * The trusted server's checks in §9.5 order, each denial's reason and who can verify it, the
 * audit-before-answer rule, rate limits and the §9.6 ticket lifetimes.
 */
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { flipBit } from '../handshake/test-support/index.js';
import { authorize } from './authority.js';
import { decodeP3, encodeP3 } from './messages.js';
import { VouchRateLimiter } from './rate-limit.js';
import { P3Reason } from './types.js';
import { TestRegistry, exchange, kinds, only, runOnce, type TestNode } from './test-support/index.js';

async function denial(setup: (reg: TestRegistry, a: TestNode, b: TestNode) => void, seed: string): Promise<Awaited<ReturnType<typeof runOnce>> & { reg: TestRegistry }> {
  const reg = new TestRegistry();
  const alice = reg.add('operator', 'alice');
  const gw = reg.add('gateway', 'gw');
  reg.grant(alice, gw);
  setup(reg, alice, gw);
  const x = await exchange(seed, alice, gw);
  return { ...(await runOnce(x, reg.deps())), reg };
}

const tickets = (verdict: Uint8Array): [number, number] => {
  const v = decodeP3(verdict);
  if (v.kind !== 'verdict') throw new Error('not a verdict');
  return [v.ticketA.length, v.ticketB.length];
};

describe('§9.5 denials: reason, and who can verify it', () => {
  it('revoked A → 2, sealed for both: A and B act on it', async () => {
    const r = await denial((reg, a) => reg.revoke(a), 'revoked-a');
    expect(r.aActions).toMatchObject([{ kind: 'denied', reason: P3Reason.Revoked, authentic: true }]);
    expect(r.bActions).toMatchObject([{ kind: 'send-peer' }, { kind: 'denied', reason: P3Reason.Revoked, authentic: true }]);
    expect((r.aActions[0] as { text: string }).text).toMatch(/alice\) is revoked/);
  });

  it('revoked B → 2, sealed for B only (A\'s MAC not yet checked): A calls it unverified', async () => {
    const r = await denial((reg, _a, b) => reg.revoke(b), 'revoked-b');
    expect(tickets(r.verdict)).toEqual([0, expect.any(Number)]);
    expect(r.bActions).toMatchObject([{ kind: 'send-peer' }, { kind: 'denied', reason: 2, authentic: true }]);
    expect(r.aActions).toEqual([{ kind: 'denied', reason: 2, text: '', authentic: false }]);
  });

  it('unknown A → 1 sealed for B; unknown B → 1 unauthenticated, no ticket at all', async () => {
    const reg = new TestRegistry();
    const ghostA = reg.add('operator', 'ghost', false);
    const gw = reg.add('gateway', 'gw');
    const r1 = await runOnce(await exchange('unknown-a', ghostA, gw), reg.deps());
    expect(decodeP3(r1.verdict)).toMatchObject({ status: 1, reason: 1 });
    expect(r1.bActions).toMatchObject([{ kind: 'send-peer' }, { kind: 'denied', reason: 1, authentic: true }]);
    const alice = reg.add('operator', 'alice');
    const ghostB = reg.add('gateway', 'ghost-gw', false);
    const r2 = await runOnce(await exchange('unknown-b', alice, ghostB), reg.deps());
    expect(tickets(r2.verdict)).toEqual([0, 0]);
    expect(r2.bActions).toMatchObject([{ kind: 'send-peer' }, { kind: 'denied', reason: 1, authentic: false }]);
    expect(r2.aActions).toMatchObject([{ kind: 'denied', reason: 1, authentic: false }]);
    expect(reg.audit.map((x) => x.reason)).toEqual([1, 1]);
  });

  it('ungranted pair → 5, expected partner mismatch → 6, both sealed for both', async () => {
    const r5 = await denial((reg) => reg.grants.splice(0), 'ungranted');
    expect(r5.aActions).toMatchObject([{ kind: 'denied', reason: P3Reason.NotGranted, authentic: true }]);
    expect(r5.bActions).toMatchObject([{}, { kind: 'denied', reason: 5, authentic: true }]);
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    const other = reg.add('gateway', 'other');
    reg.grant(alice, gw);
    const r6 = await runOnce(await exchange('wrong-partner', alice, gw, { expectedPeer: other.id }), reg.deps());
    expect(r6.aActions).toMatchObject([{ kind: 'denied', reason: P3Reason.WrongPartner, authentic: true }]);
    expect(r6.bActions).toMatchObject([{}, { kind: 'denied', reason: 6, authentic: true }]);
  });

  it('a bad MAC_B (B\'s key mismatch) → 3, unauthenticated', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    const impostor = { ...reg.add('gateway', 'impostor', false), id: gw.id }; // gw's ID, another key
    const r = await runOnce(await exchange('bad-mac-b', alice, impostor), reg.deps());
    expect(decodeP3(r.verdict)).toMatchObject({ status: 1, reason: 3 });
    expect(tickets(r.verdict)).toEqual([0, 0]);
  });
});

describe('tampered tickets', () => {
  it('a flipped bit anywhere in ticket_A makes A ignore the P3_RESP (retransmission goes on)', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    reg.grant(alice, gw);
    const x = await exchange('tamper-a', alice, gw);
    const req = only(await x.requester.start(), 'send-peer');
    const vouch = only(await x.voucher.receiveRequest(req), 'send-server');
    const resp = only(await x.voucher.receiveVerdict((await authorize(vouch, { key: 'B' }, reg.deps())).reply!), 'send-peer');
    const ticketAt = 2 + 32 + 1 + 1 + 4 + 2;
    for (const at of [ticketAt, ticketAt + 11, ticketAt + 12, ticketAt + 40, resp.length - 33, resp.length - 1, 36]) {
      expect(await x.requester.receive(flipBit(resp, at, 3))).toEqual([]);
    }
    expect(x.requester.state).toBe('waiting');
    expect(kinds(await x.requester.receive(resp))).toEqual(['send-peer', 'established']);
  });

  it('a flipped bit in ticket_B makes B drop the verdict as a forgery', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    reg.grant(alice, gw);
    const x = await exchange('tamper-b', alice, gw);
    const vouch = only(await x.voucher.receiveRequest(only(await x.requester.start(), 'send-peer')), 'send-server');
    const verdict = (await authorize(vouch, { key: 'B' }, reg.deps())).reply!;
    expect(await x.voucher.receiveVerdict(flipBit(verdict, verdict.length - 1))).toEqual([]);
    expect(await x.voucher.receiveVerdict(flipBit(verdict, verdict.length - 100))).toEqual([]);
    expect(x.voucher.counters.forged).toBe(2);
    // status flipped granted → denied: the AAD carries it, so ticket_B no longer opens
    const v = decodeP3(verdict);
    if (v.kind !== 'verdict') throw new Error('not a verdict');
    expect(await x.voucher.receiveVerdict(encodeP3({ ...v, status: 1, reason: 5 }))).toEqual([]);
    expect(x.voucher.counters.forged).toBe(3);
    expect(kinds(await x.voucher.receiveVerdict(verdict))).toEqual(['send-peer', 'provisional']);
  });
});

describe('audit', () => {
  it('the decision is audited, with its reason, before the answer is returned', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    const x = await exchange('audit-order', alice, gw);
    const vouch = only(await x.voucher.receiveRequest(only(await x.requester.start(), 'send-peer')), 'send-server');
    let release: () => void = () => undefined;
    const seen: string[] = [];
    const deps = { ...reg.deps(), audit: (r: { event: string; reason?: number }) => new Promise<void>((resolve) => { seen.push(`${r.event}:${r.reason}`); release = resolve; }) };
    let answered = false;
    const answer = authorize(vouch, { key: 'B' }, deps).then((a) => { answered = true; return a; });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['phase3-denied:5']);
    expect(answered).toBe(false);
    release();
    expect(decodeP3((await answer).reply!)).toMatchObject({ reason: 5 });
  });

  it('a failing audit log means no answer at all', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    reg.grant(alice, gw);
    const x = await exchange('audit-fail', alice, gw);
    const vouch = only(await x.voucher.receiveRequest(only(await x.requester.start(), 'send-peer')), 'send-server');
    const deps = { ...reg.deps(), audit: () => Promise.reject(new Error('audit log: disk full')) };
    await expect(authorize(vouch, { key: 'B' }, deps)).rejects.toThrow('disk full');
  });

  it('records carry IDs, reason and grant IDs, never a key; last seen follows verified MACs', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    reg.grant(alice, gw, { id: 'g-7' });
    await runOnce(await exchange('records', alice, gw), reg.deps());
    const text = JSON.stringify(reg.audit);
    for (const n of [alice, gw]) expect(text).not.toContain(Buffer.from(n.raw).toString('hex'));
    expect(reg.events).toEqual([`touch:${Buffer.from(gw.id).toString('hex')}`, `touch:${Buffer.from(alice.id).toString('hex')}`, 'audit:phase3-granted']);
  });
});

describe('rate limits (§9.5 step 1)', () => {
  it('over 20 per second per ID_B → denied 7 without ticket, counted not audited; B keeps retransmitting', async () => {
    const clock = new ManualClock();
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    reg.grant(alice, gw);
    const deps = reg.deps({ rateLimiter: new VouchRateLimiter(clock) });
    const x = await exchange('rate', alice, gw, { clock });
    const vouch = only(await x.voucher.receiveRequest(only(await x.requester.start(), 'send-peer')), 'send-server');
    for (let i = 0; i < 20; i++) {
      expect(decodeP3((await authorize(vouch, { key: `src-${i}` }, deps)).reply!)).toMatchObject({ status: 0 }); // different sources, one ID_B
    }
    const limited = decodeP3((await authorize(vouch, { key: 'src-x' }, deps)).reply!);
    expect(limited).toMatchObject({ status: 1, reason: 7, ticketA: new Uint8Array(0), ticketB: new Uint8Array(0) });
    expect(reg.counts).toContain('rate-limited');
    expect(reg.audit.filter((r) => r.reason === 7)).toEqual([]);
    // B hears the unverified 7 and keeps waiting for a real verdict
    expect(await x.voucher.receiveVerdict((await authorize(vouch, { key: 'src-y' }, deps)).reply!)).toEqual([]);
    expect(x.voucher.state).toBe('vouching');
    await clock.advance(1000); // a second later the bucket has refilled
    expect(kinds(await x.voucher.receiveVerdict((await authorize(vouch, { key: 'src-z' }, deps)).reply!))).toEqual(['send-peer', 'provisional']);
  });

  it('the per-source and per-server buckets hold too', () => {
    const clock = new ManualClock();
    const limiter = new VouchRateLimiter(clock, { perSourcePerSecond: 2, perIdPerSecond: 100, serverPerSecond: 3 });
    const id = (n: number): Uint8Array => new Uint8Array(16).fill(n);
    expect([limiter.allow('s', id(1)), limiter.allow('s', id(2)), limiter.allow('s', id(3))]).toEqual([true, true, false]);
    expect([limiter.allow('t', id(4)), limiter.allow('u', id(5))]).toEqual([true, false]);
  });
});
