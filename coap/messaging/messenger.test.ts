import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { createMemoryNetwork, type MemoryNetwork } from '../../pia/node/index.js';
import { decodeMessage, encodeMessage } from '../message/codec.js';
import { CoapCode } from '../message/codes.js';
import { emptyMessage, type CoapMessage } from '../message/message.js';
import { plainTransport, type PlainTransport } from '../transport/plain.js';
import { Messenger, type Inbound } from './messenger.js';
import { exchangeLifetimeMs, maxTransmitSpanMs, maxTransmitWaitMs, nonLifetimeMs, RFC7252_PARAMS } from './params.js';

const A = { address: '2001:db8::a', port: 5683 };
const B = { address: '2001:db8::b', port: 40000 };

interface Rig {
  clock: ManualClock;
  net: MemoryNetwork;
  messenger: Messenger;
  inbound: Inbound[];
  /** Datagrams B received, decoded, with their arrival time. */
  atB: { at: number; m: CoapMessage }[];
  b: PlainTransport;
  sendFromB(m: CoapMessage | Uint8Array): Promise<void>;
}

let rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs) {
    r.messenger.close();
    await r.b.close();
  }
  rigs = [];
});

function rig(random = 0): Rig {
  const clock = new ManualClock();
  const net = createMemoryNetwork({ clock });
  const a = plainTransport([net.attach(A.address, A.port)]);
  const b = plainTransport([net.attach(B.address, B.port)]);
  const inbound: Inbound[] = [];
  const messenger = new Messenger({ transport: a, clock, random: () => random }, (i) => inbound.push(i));
  const atB: Rig['atB'] = [];
  b.onMessage((bytes) => atB.push({ at: clock.now(), m: decodeMessage(bytes) }));
  const r: Rig = {
    clock,
    net,
    messenger,
    inbound,
    atB,
    b,
    sendFromB: (m) => b.send(m instanceof Uint8Array ? m : encodeMessage(m), A),
  };
  rigs.push(r);
  return r;
}

const get = (messageId: number, type: 'CON' | 'NON' = 'CON'): CoapMessage => ({ type, code: CoapCode.GET, messageId, token: Uint8Array.of(1), options: [], payload: new Uint8Array(0) });

describe('RFC 7252 §4.8 derived times', () => {
  it('match the RFC: MAX_TRANSMIT_SPAN 45 s, MAX_TRANSMIT_WAIT 93 s, EXCHANGE_LIFETIME 247 s, NON_LIFETIME 145 s', () => {
    expect(maxTransmitSpanMs(RFC7252_PARAMS)).toBe(45_000);
    expect(maxTransmitWaitMs(RFC7252_PARAMS)).toBe(93_000);
    expect(exchangeLifetimeMs(RFC7252_PARAMS)).toBe(247_000);
    expect(nonLifetimeMs(RFC7252_PARAMS)).toBe(145_000);
  });
});

describe('Messenger: Confirmable retransmission (RFC 7252 §4.2)', () => {
  it('retransmits at 2, 6, 14, 30 s (random factor at its low end) and gives up at 62 s', async () => {
    const r = rig(0);
    const send = r.messenger.sendConfirmable(get(7), B);
    const outcome = r.clock.settle(send.outcome, 500);
    expect(await outcome).toEqual({ kind: 'timeout' });
    expect(r.atB.map((x) => x.at)).toEqual([0, 2000, 6000, 14000, 30000]);
    expect(r.atB.every((x) => x.m.messageId === 7)).toBe(true);
    expect(r.clock.now()).toBe(62_000);
    expect(r.messenger.counters.retransmissions).toBe(4);
  });

  it('scales the first timeout by the random factor: 2 s × 1.5 at the top end', async () => {
    const r = rig(1);
    await r.clock.settle(r.messenger.sendConfirmable(get(8), B).outcome, 500);
    expect(r.atB.map((x) => x.at)).toEqual([0, 3000, 9000, 21000, 45000]);
  });

  it('stops at the matching ACK and hands over a piggybacked response', async () => {
    const r = rig(0);
    const send = r.messenger.sendConfirmable(get(9), B);
    await r.clock.advance(2500); // one retransmission
    await r.sendFromB({ type: 'ACK', code: CoapCode.Content, messageId: 9, token: Uint8Array.of(1), options: [], payload: Uint8Array.of(42) });
    const o = await send.outcome;
    expect(o.kind).toBe('ack');
    expect(o.kind === 'ack' && [...o.message.payload]).toEqual([42]);
    await r.clock.advance(60_000);
    expect(r.atB).toHaveLength(2);
  });

  it('ignores an ACK with another message ID or from another endpoint; a Reset ends it', async () => {
    const r = rig(0);
    const send = r.messenger.sendConfirmable(get(10), B);
    await r.sendFromB(emptyMessage('ACK', 11));
    r.net.inject({ address: '2001:db8::c', port: 40000 }, A, encodeMessage(emptyMessage('ACK', 10)));
    await r.clock.advance(2500);
    expect(r.atB).toHaveLength(2);
    await r.sendFromB(emptyMessage('RST', 10));
    expect(await send.outcome).toEqual({ kind: 'reset' });
  });

  it('reports a transport that refuses to send', async () => {
    const r = rig(0);
    await r.messenger.transport.close();
    const o = await r.messenger.sendConfirmable(get(12), B).outcome;
    expect(o.kind).toBe('send-failed');
  });
});

describe('Messenger: inbound (RFC 7252 §4.2–§4.5)', () => {
  it('answers a CoAP ping (Empty CON) with Reset and does not pass it up', async () => {
    const r = rig();
    await r.sendFromB(emptyMessage('CON', 0x4242));
    await r.clock.advance(0);
    expect(r.atB.map((x) => [x.m.type, x.m.messageId])).toEqual([['RST', 0x4242]]);
    expect(r.inbound).toHaveLength(0);
  });

  it('rejects a malformed Confirmable with Reset and drops other garbage, never throwing', async () => {
    const r = rig();
    await r.sendFromB(Uint8Array.from(Buffer.from('40451234ff', 'hex'))); // payload marker, no payload
    await r.sendFromB(Uint8Array.of(0xff));
    await r.sendFromB(Uint8Array.from(Buffer.from('50451234ff', 'hex'))); // the same as NON: no Reset
    await r.clock.advance(0);
    expect(r.atB.map((x) => [x.m.type, x.m.messageId])).toEqual([['RST', 0x1234]]);
    expect(r.messenger.counters.malformed).toBe(3);
    expect(r.inbound).toHaveLength(0);
  });

  it('passes a request up once; a duplicate CON gets the recorded reply again, a duplicate NON nothing', async () => {
    const r = rig();
    await r.sendFromB(get(20));
    await r.clock.advance(0);
    expect(r.inbound).toHaveLength(1);
    await r.messenger.reply(r.inbound[0]!, { type: 'ACK', code: CoapCode.Content, messageId: 20, token: Uint8Array.of(1), options: [], payload: Uint8Array.of(7) });
    await r.sendFromB(get(20));
    await r.sendFromB(get(21, 'NON'));
    await r.sendFromB(get(21, 'NON'));
    await r.clock.advance(0);
    expect(r.inbound.map((i) => i.message.messageId)).toEqual([20, 21]);
    expect(r.atB.map((x) => [x.m.type, x.m.messageId, [...x.m.payload]])).toEqual([
      ['ACK', 20, [7]],
      ['ACK', 20, [7]],
    ]);
    expect(r.messenger.counters.duplicates).toBe(2);
  });

  it('forgets a message ID after EXCHANGE_LIFETIME (247 s)', async () => {
    const r = rig();
    await r.sendFromB(get(30));
    await r.clock.advance(246_000);
    await r.sendFromB(get(30));
    await r.clock.advance(2_000);
    await r.sendFromB(get(30));
    await r.clock.advance(0);
    expect(r.inbound).toHaveLength(2);
  });

  it('passes an unmatched Reset up (a client cancelling an observation) and drops an unmatched ACK', async () => {
    const r = rig();
    await r.sendFromB(emptyMessage('RST', 99));
    await r.sendFromB(emptyMessage('ACK', 98));
    await r.clock.advance(0);
    expect(r.inbound.map((i) => [i.message.type, i.message.messageId])).toEqual([['RST', 99]]);
  });
});
