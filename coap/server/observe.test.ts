import { afterEach, describe, expect, it } from 'vitest';
import type { Datagram } from '../../pia/node/index.js';
import { CoapCode, CoapOptionNumber, decodeMessage, encodeMessage, readUintOption, stringOption, uintOption, type CoapMessage } from '../message/index.js';
import type { CoapResponse } from '../client/index.js';
import { CLIENT_ADDRESS, SERVER_ADDRESS, memorySetup, type MemorySetup } from '../test-support/index.js';

let s: MemorySetup | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const SERVER = { address: SERVER_ADDRESS, port: 5683 };
const values = (rs: CoapResponse[]): unknown[] => rs.map((r) => (r.json() as { value: unknown }).value);

/** Datagrams the server sent to the client, decoded. */
function toClient(setup: MemorySetup): CoapMessage[] {
  const seen: CoapMessage[] = [];
  setup.net.observe((d: Datagram, outcome) => {
    if (d.to.address === CLIENT_ADDRESS && outcome !== 'unreachable') seen.push(decodeMessage(d.bytes));
  });
  return seen;
}

describe('Observe (RFC 7641) driven by Device.onChange', () => {
  it('registers, then notifies each change with increasing sequence numbers, Content-Format and Max-Age', async () => {
    s = memorySetup();
    const got: CoapResponse[] = [];
    const obs = s.client.observe(s.uri('/dev/temperature'));
    obs.onNotification((r) => got.push(r));
    await s.settle();
    expect(s.server.observerCount).toBe(1);
    s.device.emit('temperature', 22);
    s.device.emit('temperature', 22.5);
    s.device.emit('speed', 99); // another property: no notification here
    await s.settle();
    expect(values(got)).toEqual([21.5, 22, 22.5]);
    const seqs = got.map((r) => r.observe!);
    expect(seqs[1]! > seqs[0]! && seqs[2]! > seqs[1]!).toBe(true);
    expect(got.every((r) => r.contentFormat === 50 && r.maxAge === 60)).toBe(true);
  });

  it('sends every fifth notification as CON (RFC 7641 §4.5) and the client acknowledges it', async () => {
    s = memorySetup();
    const sent = toClient(s);
    const obs = s.client.observe(s.uri('/dev/speed'));
    await s.settle();
    for (let i = 1; i <= 10; i++) {
      s.device.emit('speed', i);
      await s.settle();
    }
    const notes = sent.filter((m) => m.type !== 'ACK');
    expect(notes.map((m) => m.type)).toEqual(['NON', 'NON', 'NON', 'NON', 'CON', 'NON', 'NON', 'NON', 'NON', 'CON']);
    await s.clock.advance(100_000);
    expect(s.server.observerCount).toBe(1); // the CONs were acknowledged
    await obs.cancel();
  });

  it('coalesces changes while a CON notification is unacknowledged into one of the newest state', async () => {
    s = memorySetup();
    const sent = toClient(s);
    const got: CoapResponse[] = [];
    s.client.observe(s.uri('/dev/speed')).onNotification((r) => got.push(r));
    await s.settle();
    let dropNext = false;
    s.net.intercept((d) => (dropNext && d.to.address === CLIENT_ADDRESS ? ((dropNext = false), 'drop') : undefined));
    for (let i = 1; i <= 4; i++) s.device.emit('speed', i);
    await s.settle();
    dropNext = true; // the 5th (CON) is lost once; the retransmission gets through
    s.device.emit('speed', 5);
    s.device.emit('speed', 6);
    s.device.emit('speed', 7);
    await s.clock.advance(5_000);
    expect(values(got)).toEqual([40, 1, 2, 3, 4, 5, 7]);
    const cons = sent.filter((m) => m.type === 'CON'); // the lost one and its retransmission: same ID, state 5
    expect(cons.map((m) => [m.messageId, new TextDecoder().decode(m.payload)])).toEqual([
      [cons[0]!.messageId, '{"value":5,"unit":"%"}'],
      [cons[0]!.messageId, '{"value":5,"unit":"%"}'],
    ]);
  });

  it('cancel() deregisters with GET Observe 1 (RFC 7641 §3.6); later changes send nothing', async () => {
    s = memorySetup();
    const sent = toClient(s);
    const obs = s.client.observe(s.uri('/dev/temperature'));
    await s.settle();
    await obs.cancel();
    expect(s.server.observerCount).toBe(0);
    expect(await obs.ended).toEqual({ reason: 'cancelled' });
    const before = sent.length;
    s.device.emit('temperature', 30);
    await s.settle();
    expect(sent).toHaveLength(before);
  });

  it('a Reset answering a notification removes the observer', async () => {
    s = memorySetup();
    await s.client.close();
    const got: CoapMessage[] = [];
    s.clientTransport.onMessage((b) => got.push(decodeMessage(b)));
    const register: CoapMessage = { type: 'CON', code: CoapCode.GET, messageId: 1, token: Uint8Array.of(9), options: [uintOption(6, 0), stringOption(11, 'dev'), stringOption(11, 'temperature')], payload: new Uint8Array(0) };
    await s.clientTransport.send(encodeMessage(register), SERVER);
    await s.settle();
    expect(readUintOption(got[0]!.options, CoapOptionNumber.Observe, 3, 'Observe')).toBeDefined();
    s.device.emit('temperature', 25);
    await s.settle();
    const note = got[1]!;
    expect(note.type).toBe('NON');
    await s.clientTransport.send(encodeMessage({ type: 'RST', code: 0, messageId: note.messageId, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) }), SERVER);
    await s.settle();
    expect(s.server.observerCount).toBe(0);
  });

  it('removes an observer whose CON notification is never acknowledged (RFC 7641 §4.5)', async () => {
    s = memorySetup();
    s.client.observe(s.uri('/dev/temperature'));
    await s.settle();
    s.net.intercept((d) => (d.to.address === CLIENT_ADDRESS ? 'drop' : undefined));
    for (let i = 0; i < 5; i++) s.device.emit('temperature', 30 + i);
    await s.clock.advance(60_000);
    expect(s.server.observerCount).toBe(1);
    await s.clock.advance(100_000);
    expect(s.server.observerCount).toBe(0);
  });

  it('re-registers when Max-Age runs out without news, keeping one observer and fresh sequence numbers', async () => {
    let gets = 0;
    s = memorySetup({ server: { observe: { maxAgeS: 10 }, authorize: (r) => ((gets += r.observe === 0 ? 1 : 0), 'allow') } });
    const got: CoapResponse[] = [];
    s.client.observe(s.uri('/dev/temperature')).onNotification((r) => got.push(r));
    await s.settle();
    await s.clock.advance(12_500);
    expect(gets).toBe(2);
    expect(s.server.observerCount).toBe(1);
    s.device.emit('temperature', 19);
    await s.settle();
    expect(values(got)).toEqual([21.5, 21.5, 19]);
    expect(got[2]!.observe! > got[1]!.observe! && got[1]!.observe! > got[0]!.observe!).toBe(true);
  });

  it('a non-observable property answers without Observe and the observation ends (RFC 7641 §4.1)', async () => {
    s = memorySetup();
    const obs = s.client.observe(s.uri('/dev/mode'));
    const end = await s.clock.settle(obs.ended);
    expect(end.reason).toBe('not-observable');
    expect(s.server.observerCount).toBe(0);
  });

  it('unmounting the device ends its observations with 4.04; closing the server with 5.03', async () => {
    s = memorySetup();
    const unmount = s.server.mount('2001:db8:42::f2', s.device, { path: 'again' });
    const a = s.client.observe(s.uri('/dev/temperature'));
    const b = s.client.observe('coap://[2001:db8:42::f2]/again/speed');
    await s.settle();
    expect(s.server.observerCount).toBe(2);
    unmount();
    const endB = await s.clock.settle(b.ended);
    expect(endB.reason === 'error-response' && endB.response.codeText).toBe('4.04');
    await s.server.close();
    const endA = await s.clock.settle(a.ended);
    expect(endA.reason === 'error-response' && endA.response.codeText).toBe('5.03');
  });

  it('works as an async iterator; breaking out cancels', async () => {
    s = memorySetup();
    const obs = s.client.observe(s.uri('/dev/speed'));
    const seen: unknown[] = [];
    const loop = (async () => {
      for await (const r of obs) {
        seen.push((r.json() as { value: unknown }).value);
        if (seen.length === 3) break;
      }
    })();
    await s.settle();
    s.device.emit('speed', 1);
    await s.settle();
    s.device.emit('speed', 2);
    await s.clock.settle(loop);
    expect(seen).toEqual([40, 1, 2]);
    expect(s.server.observerCount).toBe(0);
  });

  it('drops observers on request (an SA closed, a grant ended)', async () => {
    s = memorySetup();
    s.client.observe(s.uri('/dev/speed'));
    s.client.observe(s.uri('/dev/temperature'));
    await s.settle();
    expect(s.server.dropObservers((o) => o.property === 'speed' && o.meta.ctx.phase === 1)).toBe(1);
    expect(s.server.observerCount).toBe(1);
  });
});
