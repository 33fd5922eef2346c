import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { createMemoryNetwork, type Datagram } from '../../pia/node/index.js';
import { CoapCode, CoapOptionNumber, decodeMessage, encodeBlock, encodeMessage, findOption, uintOption, type CoapMessage } from '../message/index.js';
import { memorySetup, SERVER_ADDRESS, type MemorySetup } from '../test-support/index.js';
import { plainTransport } from '../transport/index.js';
import { reassemble } from './blockwise.js';
import { CoapClient } from './client.js';
import type { RawResponse } from './exchange.js';
import { CoapClientError } from './types.js';

let s: MemorySetup | undefined;
let extra: (() => Promise<void>)[] = [];
afterEach(async () => {
  await s?.close();
  s = undefined;
  for (const f of extra) await f();
  extra = [];
});

/** A client alone with a hand-driven peer at [2001:db8::5]:5683. */
function lonely(): { clock: ManualClock; client: CoapClient; got: { at: number; m: CoapMessage }[]; answer(m: CoapMessage): Promise<void> } {
  const clock = new ManualClock();
  const net = createMemoryNetwork({ clock });
  const ct = plainTransport([net.attach('2001:db8::c', 40000)]);
  const pt = plainTransport([net.attach('2001:db8::5', 5683)]);
  const got: { at: number; m: CoapMessage }[] = [];
  pt.onMessage((b) => got.push({ at: clock.now(), m: decodeMessage(b) }));
  const client = new CoapClient({ transport: ct, clock, random: () => 0, randomBytes: (n) => new Uint8Array(n).fill(7) });
  extra.push(async () => {
    await client.close();
    await ct.close();
    await pt.close();
  });
  return { clock, client, got, answer: (m) => pt.send(encodeMessage(m), { address: '2001:db8::c', port: 40000 }) };
}
const PEER = 'coap://[2001:db8::5]/x';

describe('CoapClient (RFC 7252 §4.2, §5.2)', () => {
  it('retransmits a CON with the RFC timing and fails with a timeout error naming the URI', async () => {
    const t = lonely();
    const err = await t.clock.settle(t.client.get(PEER).catch((e: unknown) => e), 500);
    expect(err).toBeInstanceOf(CoapClientError);
    expect((err as CoapClientError).kind).toBe('timeout');
    expect((err as CoapClientError).message).toMatch(/CoAP GET coap:\/\/\[2001:db8::5\]\/x: no answer after 5 transmissions/);
    expect(t.got.map((g) => g.at)).toEqual([0, 2000, 6000, 14000, 30000]);
    expect(new Set(t.got.map((g) => g.m.messageId)).size).toBe(1);
  });

  it('takes a separate response after an empty ACK and acknowledges it; a duplicate is re-acknowledged', async () => {
    const t = lonely();
    const p = t.client.get(PEER);
    await t.clock.advance(0);
    const req = t.got[0]!.m;
    await t.answer({ type: 'ACK', code: 0, messageId: req.messageId, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) });
    await t.clock.advance(20_000); // no retransmission after the empty ACK
    expect(t.got).toHaveLength(1);
    const separate: CoapMessage = { type: 'CON', code: CoapCode.Content, messageId: 0x7777, token: req.token, options: [uintOption(12, 0)], payload: new TextEncoder().encode('hi') };
    await t.answer(separate);
    const r = await p;
    expect([r.codeText, r.text()]).toEqual(['2.05', 'hi']);
    await t.answer(separate);
    await t.clock.advance(0);
    expect(t.got.slice(1).map((g) => [g.m.type, g.m.messageId])).toEqual([
      ['ACK', 0x7777],
      ['ACK', 0x7777],
    ]);
  });

  it('a separate response arriving before the ACK ends the retransmission', async () => {
    const t = lonely();
    const p = t.client.get(PEER);
    await t.clock.advance(0);
    await t.answer({ type: 'NON', code: CoapCode.Content, messageId: 5, token: t.got[0]!.m.token, options: [], payload: new Uint8Array(0) });
    expect((await p).codeText).toBe('2.05');
    await t.clock.advance(60_000);
    expect(t.got).toHaveLength(1);
  });

  it('rejects with a timeout when the separate response never comes', async () => {
    const t = lonely();
    const p = t.client.get(PEER, { responseTimeoutMs: 10_000 }).catch((e: unknown) => e);
    await t.clock.advance(0);
    await t.answer({ type: 'ACK', code: 0, messageId: t.got[0]!.m.messageId, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) });
    const err = await t.clock.settle(p, 500);
    expect((err as CoapClientError).kind).toBe('timeout');
    expect((err as CoapClientError).message).toMatch(/acknowledged the request, but no response came within 10 s/);
  });

  it('a Reset to the request rejects with kind "reset"; a response with another token is rejected with Reset', async () => {
    const t = lonely();
    const p = t.client.get(PEER).catch((e: unknown) => e);
    await t.clock.advance(0);
    await t.answer({ type: 'CON', code: CoapCode.Content, messageId: 77, token: Uint8Array.of(1, 2), options: [], payload: new Uint8Array(0) });
    await t.answer({ type: 'RST', code: 0, messageId: t.got[0]!.m.messageId, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) });
    expect(((await p) as CoapClientError).kind).toBe('reset');
    expect(t.got.map((g) => [g.m.type, g.m.messageId])).toContainEqual(['RST', 77]);
  });

  it('sends NON when asked and waits for the NON response', async () => {
    const t = lonely();
    const p = t.client.get(PEER, { confirmable: false });
    await t.clock.advance(0);
    expect(t.got[0]!.m.type).toBe('NON');
    await t.answer({ type: 'NON', code: CoapCode.Content, messageId: 9, token: t.got[0]!.m.token, options: [], payload: new Uint8Array(0) });
    expect((await p).ok).toBe(true);
  });

  it('close() rejects what is pending with kind "closed"', async () => {
    const t = lonely();
    const p = t.client.get(PEER).catch((e: unknown) => e);
    await t.clock.advance(0);
    await t.client.close();
    expect(((await p) as CoapClientError).kind).toBe('closed');
  });

  it('cancelling an observation before it is registered supersedes the registration: no hang, no endless retransmission', async () => {
    const t = lonely();
    const obs = t.client.observe(PEER);
    await t.clock.advance(0);
    const cancelled = obs.cancel();
    await t.clock.advance(0);
    const [register, deregister] = t.got.map((g) => g.m);
    expect([register!.token, deregister!.token]).toEqual([register!.token, register!.token]);
    expect(findOption(deregister!.options, CoapOptionNumber.Observe)?.value).toEqual(Uint8Array.of(1));
    await t.answer({ type: 'ACK', code: CoapCode.Content, messageId: deregister!.messageId, token: deregister!.token, options: [], payload: new Uint8Array(0) });
    await cancelled;
    expect(await obs.ended).toEqual({ reason: 'cancelled' });
    await t.clock.advance(100_000);
    expect(t.got.filter((g) => g.m.messageId === register!.messageId)).toHaveLength(1);
  });

  it('attaches the PIA discovery option only when asked, as option 65000 (docs/protocol.md §4)', async () => {
    s = memorySetup();
    const seen: CoapMessage[] = [];
    s.net.observe((d: Datagram) => {
      if (d.to.address === SERVER_ADDRESS) seen.push(decodeMessage(d.bytes));
    });
    await s.client.get(s.uri('/dev/speed'));
    await s.client.get(s.uri('/dev/speed'), { discovery: { canInitiate: true, latched: false, port: 4500 } });
    expect(findOption(seen[0]!.options, CoapOptionNumber.PiaDiscovery)).toBeUndefined();
    expect(findOption(seen[1]!.options, CoapOptionNumber.PiaDiscovery)?.value).toEqual(Uint8Array.of(1, 1, 0x11, 0x94));
  });

  it('survives loss both ways: retransmission gets the answer from the server’s deduplication cache', async () => {
    s = memorySetup();
    let n = 0;
    s.net.intercept(() => (++n === 2 ? 'drop' : undefined)); // the first ACK is lost
    const r = await s.clock.settle(s.client.put(s.uri('/dev/speed'), 12), 100);
    expect(r.codeText).toBe('2.04');
    expect(s.device.sets).toHaveLength(1);
    expect(s.client.counters.retransmissions).toBe(1);
  });
});

describe('Block2 reassembly', () => {
  const block = (num: number, more: boolean, etag: number, size = 16): RawResponse => ({
    message: {
      type: 'ACK',
      code: CoapCode.Content,
      messageId: num,
      token: new Uint8Array(0),
      options: [{ number: CoapOptionNumber.ETag, value: Uint8Array.of(etag) }, { number: CoapOptionNumber.Block2, value: encodeBlock({ num, more, szx: 0 }) }],
      payload: new Uint8Array(more ? size : 5).fill(etag * 16 + num),
    },
    from: { address: '::1', port: 5683 },
    meta: { local: '::1', ctx: { phase: 1, peer: { address: '::1', port: 5683 } } },
  });

  it('restarts from block 0 when the ETag changes, then completes', async () => {
    const asked: number[] = [];
    let etag = 1;
    const out = await reassemble(block(0, true, 1), {
      next: (b) => {
        asked.push(b.num);
        if (b.num === 2 && etag === 1) etag = 2; // the representation changed under us
        return Promise.resolve(block(b.num, b.num < 2, etag));
      },
      maxBytes: 1000,
      maxRestarts: 3,
      what: 'test',
    });
    expect(asked).toEqual([1, 2, 0, 1, 2]);
    expect(out.body.length).toBe(16 + 16 + 5);
    expect(out.body[0]).toBe(0x20);
  });

  it('refuses a short middle block and a body over the limit', async () => {
    const short = block(1, true, 1, 8);
    await expect(reassemble(block(0, true, 1), { next: () => Promise.resolve(short), maxBytes: 1000, maxRestarts: 3, what: 't' })).rejects.toThrow(/has 8 bytes, not 16/);
    await expect(reassemble(block(0, true, 1), { next: (b) => Promise.resolve(block(b.num, true, 1)), maxBytes: 40, maxRestarts: 3, what: 't' })).rejects.toThrow(/passes 40 bytes/);
  });
});
