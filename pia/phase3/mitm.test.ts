/**
 * The phase-3 attacks (docs/protocol.md §9.3–§9.5): an active man in the middle that
 * completed a separate phase-2 exchange with each side, one with its own registered identity,
 * replays from an earlier exchange, reflection and a MAC offered in the wrong role.
 */
import { describe, it, expect } from 'vitest';
import { authorize } from './authority.js';
import { macA } from './crypto.js';
import { decodeP3, encodeP3 } from './messages.js';
import { P3Reason, type P3Action } from './types.js';
import { TestRegistry, exchange, kinds, only, phase2Pair, runOnce, type Exchange } from './test-support/index.js';

const neverKeyed = (actions: readonly P3Action[]): void => {
  expect(actions.filter((a) => a.kind === 'established' || a.kind === 'provisional')).toEqual([]);
};

async function mitmWorld(seed: string): Promise<{ reg: TestRegistry; alice: ReturnType<TestRegistry['add']>; gw: ReturnType<TestRegistry['add']>; x: Exchange }> {
  const reg = new TestRegistry();
  const alice = reg.add('operator', 'alice');
  const gw = reg.add('gateway', 'gw');
  reg.grant(alice, gw);
  // M sat in the middle at phase 2: A–M and M–B are two exchanges, T_A ≠ T_B.
  const am = await phase2Pair(`${seed}/A-M`);
  const mb = await phase2Pair(`${seed}/M-B`);
  expect(Buffer.compare(am.a.transcript, mb.b.transcript)).not.toBe(0);
  const x = await exchange(seed, alice, gw, { phase2: { a: am.a, b: mb.b } });
  return { reg, alice, gw, x };
}

describe('an active man in the middle with two phase-2 exchanges', () => {
  it('relaying verbatim is caught: S denies 4, and neither side gets keys', async () => {
    const { reg, x } = await mitmWorld('relay');
    const run = await runOnce(x, reg.deps());
    expect(decodeP3(run.verdict)).toMatchObject({ status: 1, reason: P3Reason.TranscriptMismatch });
    neverKeyed(run.aActions);
    neverKeyed(run.bActions);
    // B is told authentically (MAC_B verified); A's copy is unsealed: A can only call it unverified
    expect(run.bActions.find((a) => a.kind === 'denied')).toMatchObject({ reason: 4, authentic: true });
    expect(run.aActions).toEqual([{ kind: 'denied', reason: 4, text: '', authentic: false }]);
    expect(reg.audit).toMatchObject([{ event: 'phase3-denied', reason: 4 }]);
  });

  it('nothing M forges or alters toward A yields keys: A ignores it and keeps waiting', async () => {
    const { reg, gw, x } = await mitmWorld('forge');
    const req = only(await x.requester.start(), 'send-peer');
    const honest = decodeP3(req);
    if (honest.kind !== 'req') throw new Error('not a req');
    // M answers A itself with a "granted" P3_RESP: random ticket and MAC_FR
    const fake = encodeP3({ kind: 'resp', nA: honest.nA, status: 0, reason: 0, spiB: 0x5000, ticketA: new Uint8Array(120).fill(7), macFR: new Uint8Array(32).fill(9) });
    expect(await x.requester.receive(fake)).toEqual([]);
    // M re-targets A's request at B with a rewritten ID_B* (the MAC no longer matches)
    const rewritten = encodeP3({ ...honest, idBStar: gw.id });
    const vouch = only(await x.voucher.receiveRequest(rewritten), 'send-server');
    const verdict = (await authorize(vouch, { key: 'B' }, reg.deps())).reply!;
    expect(decodeP3(verdict)).toMatchObject({ status: 1, reason: 4 });
    expect(x.requester.state).toBe('waiting');
    expect(x.requester.counters.forged).toBe(1);
  });

  it('M with its own registered identity gets nothing authenticated as A', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    const mallory = reg.add('operator', 'mallory');
    reg.grant(alice, gw);
    reg.grant(mallory, gw);
    const mb = await phase2Pair('own-id/M-B');
    // 1. M claims ID_A with a MAC under its own key over T_B: S denies 4
    const x = await exchange('own-id', mallory, gw, { phase2: { a: mb.a, b: mb.b } });
    const claim = decodeP3(only(await x.requester.start(), 'send-peer'));
    if (claim.kind !== 'req') throw new Error('not a req');
    const asAlice = encodeP3({ ...claim, idA: alice.id, macA: await macA(mallory.key, alice.id, claim.idBStar, mb.a.transcript, claim.nA) });
    const vouch = only(await x.voucher.receiveRequest(asAlice), 'send-server');
    const verdict = (await authorize(vouch, { key: 'B' }, reg.deps())).reply!;
    expect(decodeP3(verdict)).toMatchObject({ status: 1, reason: 4 });
    neverKeyed(await x.voucher.receiveVerdict(verdict));
    // 2. M as itself on its own SA with B: B learns it is mallory, never alice
    const y = await exchange('own-id-2', mallory, gw, { phase2: await phase2Pair('own-id-2/M-B') });
    const run = await runOnce(y, reg.deps());
    const bKeys = run.bActions.find((a) => a.kind === 'provisional');
    expect(bKeys?.kind === 'provisional' ? bKeys.keys.vouched.peerLabel : undefined).toBe('mallory');
  });

  it('M acting as B toward A with its own identity is refused when A expects B (6)', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    const mallory = reg.add('gateway', 'mallory-gw');
    reg.grant(alice, gw);
    reg.grant(alice, mallory);
    const am = await phase2Pair('fake-b/A-M');
    const x = await exchange('fake-b', alice, mallory, { phase2: am, expectedPeer: gw.id });
    const run = await runOnce(x, reg.deps());
    expect(run.aActions).toMatchObject([{ kind: 'denied', reason: P3Reason.WrongPartner, authentic: true }]);
    neverKeyed(run.bActions);
  });
});

describe('replayed, reflected and wrong-role messages', () => {
  async function twoRuns(): Promise<{ reg: TestRegistry; old: Awaited<ReturnType<typeof runOnce>>; x: Exchange; alice: ReturnType<TestRegistry['add']>; gw: ReturnType<TestRegistry['add']> }> {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    reg.grant(alice, gw);
    const old = await runOnce(await exchange('earlier', alice, gw), reg.deps());
    expect(kinds(old.aActions)).toEqual(['send-peer', 'established']);
    const x = await exchange('later', alice, gw);
    return { reg, old, x, alice, gw };
  }

  it('an earlier P3_REQ replayed to B on a new pair: S denies 4 (its MAC covers the old T)', async () => {
    const { reg, old, x } = await twoRuns();
    const vouch = only(await x.voucher.receiveRequest(old.req), 'send-server');
    const verdict = (await authorize(vouch, { key: 'B' }, reg.deps())).reply!;
    expect(decodeP3(verdict)).toMatchObject({ status: 1, reason: 4 });
    neverKeyed(await x.voucher.receiveVerdict(verdict));
  });

  it('earlier P3_VERDICT, P3_VOUCH and P3_RESP are ignored by the new exchange (fresh N_A, N_B, T)', async () => {
    const { reg, old, x } = await twoRuns();
    const req = only(await x.requester.start(), 'send-peer');
    only(await x.voucher.receiveRequest(req), 'send-server');
    expect(await x.voucher.receiveVerdict(old.verdict)).toEqual([]);
    expect(x.voucher.counters.stale).toBe(1);
    expect(await x.requester.receive(old.resp)).toEqual([]);
    expect(x.requester.counters.stale).toBe(1);
    // an old P3_VOUCH replayed to S gets a fresh verdict, but it names the old N_B and T
    const again = (await authorize(old.vouch, { key: 'B' }, reg.deps())).reply!;
    expect(await x.voucher.receiveVerdict(again)).toEqual([]);
    expect(x.voucher.counters.stale).toBe(2);
    expect(x.requester.state).toBe('waiting');
    expect(x.voucher.state).toBe('vouching');
  });

  it('an old P3_FIN and MAC_FR offered as MAC_FI do not confirm B', async () => {
    const { reg, old, x } = await twoRuns();
    const req = only(await x.requester.start(), 'send-peer');
    const vouch = only(await x.voucher.receiveRequest(req), 'send-server');
    const resp = only(await x.voucher.receiveVerdict((await authorize(vouch, { key: 'B' }, reg.deps())).reply!), 'send-peer');
    expect(x.voucher.state).toBe('provisional');
    expect(await x.voucher.receiveFin(old.fin!)).toEqual([]);
    const r = decodeP3(resp);
    if (r.kind !== 'resp') throw new Error('not a resp');
    const reflected = encodeP3({ kind: 'fin', nA: r.nA, macFI: r.macFR });
    expect(await x.voucher.receiveFin(reflected)).toEqual([]);
    expect(x.voucher.counters.badFins).toBe(2);
    expect(x.voucher.state).toBe('provisional');
    // the genuine P3_FIN does
    const fin = only(await x.requester.receive(resp), 'send-peer');
    expect(kinds(await x.voucher.receiveFin(fin))).toEqual(['established']);
  });

  it('reflection: A ignores its own P3_REQ; a voucher ignores a P3_RESP as request or FIN', async () => {
    const { old, x } = await twoRuns();
    const req = only(await x.requester.start(), 'send-peer');
    expect(await x.requester.receive(req)).toEqual([]);
    expect(x.requester.counters.unexpected).toBe(1);
    expect(await x.voucher.receiveRequest(old.resp)).toEqual([]);
    expect(await x.voucher.receiveFin(old.resp)).toEqual([]);
    expect(await x.voucher.receiveVerdict(old.resp)).toEqual([]);
    expect(x.voucher.counters.unexpected).toBe(3);
  });

  it("wrong role: A's MAC offered as B's (MAC_B := MAC_A, ID_B := ID_A) is refused with 3", async () => {
    const { reg, x } = await twoRuns();
    const vouch = decodeP3(only(await x.voucher.receiveRequest(only(await x.requester.start(), 'send-peer')), 'send-server'));
    if (vouch.kind !== 'vouch') throw new Error('not a vouch');
    const wrongRole = encodeP3({ ...vouch, idB: vouch.idA, macB: vouch.macA });
    const verdict = decodeP3((await authorize(wrongRole, { key: 'B' }, reg.deps())).reply!);
    expect(verdict).toMatchObject({ status: 1, reason: P3Reason.BadMac, ticketA: new Uint8Array(0), ticketB: new Uint8Array(0) });
  });
});
