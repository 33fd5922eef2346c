/**
 * CoAP over PIA (phase 2): two PiaNodes on pia/node's in-memory network (pair()). A is the
 * operator, B the gateway serving a device at its own address 2001:db8:b::f1 through B's
 * PIA port. The server sees phase 2 and the device address from the inner packet; answers go
 * back through the same SA with the device address as inner source.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeDiscoveryOption, type SecurityContext } from '../pia/discovery/index.js';
import { A, B, pair, type Pair } from '../pia/node/test-support/index.js';
import { CoapClient, type CoapResponse } from './client/index.js';
import { CoapOptionNumber } from './message/index.js';
import { CoapServer, type CoapRequest } from './server/index.js';
import { FakeDevice, snapshotBytes } from './test-support/index.js';
import { piaTransport, plainTransport, type CoapTransport } from './transport/index.js';

const DEVICE = '2001:db8:b::f1';
let p: Pair | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await p?.close();
  p = undefined;
});

function gateway(pp: Pair, extra: CoapTransport[] = []): { server: CoapServer; device: FakeDevice; seen: { request: CoapRequest; ctx: SecurityContext }[] } {
  const seen: { request: CoapRequest; ctx: SecurityContext }[] = [];
  const server = new CoapServer({ transports: [piaTransport(pp.b.node, 5683), ...extra], clock: pp.clock, authorize: (request, ctx) => (seen.push({ request, ctx }), 'allow') });
  const device = new FakeDevice({ clock: pp.clock });
  server.mount(DEVICE, device);
  closers.push(() => server.close());
  return { server, device, seen };
}

function operator(pp: Pair): CoapClient {
  const client = new CoapClient({ transport: piaTransport(pp.a.node, { route: () => B }), clock: pp.clock, random: () => 0 });
  closers.push(() => client.close());
  return client;
}

describe('CoAP over a PIA SA (phase 2)', () => {
  it('the server sees phase 2, the PIA peer and the device address from the inner packet; the answer comes back through the SA', async () => {
    p = pair('coap-get');
    const { seen } = gateway(p);
    const client = operator(p);
    await p.a.node.connect(B);
    const r = await p.clock.settle(client.get(`coap://[${DEVICE}]/dev/temperature`));
    expect(r.json()).toEqual({ value: 21.5, unit: 'Cel' });
    expect(seen[0]!.ctx).toEqual({ phase: 2, peer: A, sa: p.b.node.sa(A) });
    expect(seen[0]!.request.local).toBe(DEVICE);
    expect(seen[0]!.request.from).toEqual({ address: A.address, port: 5683 });
    expect(r.ctx).toEqual({ phase: 2, peer: B, sa: p.a.node.sa(B) });
    expect(r.from).toEqual({ address: DEVICE, port: 5683 });
    expect(p.a.inbox.at(-1)?.inner).toEqual({ src: DEVICE, dst: A.address, srcPort: 5683, dstPort: 5683 });
  });

  it('transfers a 100 KB snapshot in blocks that fit one 1280-byte IPv6 packet each (docs/protocol.md §3)', async () => {
    p = pair('coap-block');
    gateway(p);
    const client = operator(p);
    await p.a.node.connect(B);
    let largest = 0;
    p.net.observe((d) => (largest = Math.max(largest, d.bytes.length)));
    const r = await p.clock.settle(client.get(`coap://[${DEVICE}]/dev/snap`));
    expect(Buffer.from(r.payload).equals(Buffer.from(snapshotBytes(100 * 1024, 1)))).toBe(true);
    expect(largest + 8 + 40).toBeLessThanOrEqual(1280); // outer UDP + IPv6 headers
  });

  it('observes through the SA: notifications arrive at phase 2', async () => {
    p = pair('coap-observe');
    const { device, server } = gateway(p);
    const client = operator(p);
    await p.a.node.connect(B);
    const got: CoapResponse[] = [];
    client.observe(`coap://[${DEVICE}]/dev/speed`).onNotification((r) => got.push(r));
    await p.settle();
    device.emit('speed', 63);
    await p.settle();
    expect(got.map((r) => [(r.json() as { value: number }).value, r.ctx.phase])).toEqual([
      [40, 2],
      [63, 2],
    ]);
    expect(server.observerCount).toBe(1);
  });

  it('answers a retransmitted CON (a new ESP packet, the same message ID) from the deduplication cache', async () => {
    p = pair('coap-dup');
    const { device, server } = gateway(p);
    const client = operator(p);
    await p.a.node.connect(B);
    let dropped = 0;
    p.net.intercept((d) => (d.from.address === B.address && dropped++ === 0 ? 'drop' : undefined)); // the first answer is lost
    const r = await p.clock.settle(client.put(`coap://[${DEVICE}]/dev/speed`, 21), 100);
    expect(r.codeText).toBe('2.04');
    expect(client.counters.retransmissions).toBe(1);
    expect(device.sets).toHaveLength(1);
    expect(server.messengerCounters()[0]!.duplicates).toBe(1);
  });

  it('a plain request carrying the discovery option lets the gateway start PIA, then requests go through the SA', async () => {
    p = pair('coap-discovery');
    const plainGw = plainTransport([p.net.attach(DEVICE, 5683)]);
    const plainOp = plainTransport([p.net.attach(A.address, 40000)]);
    closers.push(() => plainGw.close(), () => plainOp.close());
    const gw = p.b.node;
    const echo = encodeDiscoveryOption({ canInitiate: true, latched: false, port: 4500, address: Uint8Array.from(Buffer.from('20010db8000b00000000000000000001', 'hex')) });
    const server = new CoapServer({
      transports: [piaTransport(gw), plainGw],
      clock: p.clock,
      authorize: (request, ctx) => {
        // What the gateway's policy does (docs/protocol.md §4): start toward (source, option port) and echo.
        if (ctx.phase === 1 && request.discovery !== undefined) void gw.connect({ address: ctx.peer.address, port: request.discovery.port }).catch(() => undefined);
        return { allow: true, options: [{ number: CoapOptionNumber.PiaDiscovery, value: echo }] };
      },
    });
    closers.push(() => server.close());
    server.mount(DEVICE, new FakeDevice({ clock: p.clock }));
    const plainClient = new CoapClient({ transport: plainOp, clock: p.clock, random: () => 0 });
    closers.push(() => plainClient.close());
    const first = await p.clock.settle(plainClient.get(`coap://[${DEVICE}]/dev/speed`, { discovery: { canInitiate: true, latched: false, port: 4500 } }));
    expect([first.codeText, first.ctx.phase, first.discovery?.port]).toEqual(['2.05', 1, 4500]);
    await p.settle();
    expect(p.a.node.sa(B)).toBeDefined();
    const second = await p.clock.settle(operator(p).get(`coap://[${DEVICE}]/dev/speed`));
    expect([second.codeText, second.ctx.phase]).toEqual(['2.05', 2]);
  });
});
