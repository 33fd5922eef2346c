/** Client ↔ server over real UDP sockets on loopback, with the system clock. */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../common/index.js';
import { CoapClient, type CoapResponse } from './client/index.js';
import { CoapServer, type CoapRequest } from './server/index.js';
import { FakeDevice, snapshotBytes } from './test-support/index.js';
import { plainUdpTransport, type PlainTransport } from './transport/index.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setup(addresses: string[]): Promise<{ server: CoapServer; client: CoapClient; device: FakeDevice; st: PlainTransport; seen: CoapRequest[] }> {
  const clock = systemClock();
  const st = await plainUdpTransport({ addresses, port: 0 });
  const ct = await plainUdpTransport({ addresses: ['::1'], port: 0 });
  const seen: CoapRequest[] = [];
  const server = new CoapServer({ transports: [st], clock, authorize: (r) => (seen.push(r), 'allow') });
  const client = new CoapClient({ transport: ct, clock });
  const device = new FakeDevice({ clock });
  closers.push(() => st.close(), () => ct.close(), () => server.close(), () => client.close());
  return { server, client, device, st, seen };
}

describe('CoAP over UDP on loopback', () => {
  it('GET, PUT, POST and a 100 KB Block2 transfer', async () => {
    const { server, client, device, st } = await setup(['::1']);
    server.mount('::1', device);
    const uri = `coap://[::1]:${st.locals[0]!.port}/dev`;
    expect((await client.get(`${uri}/temperature`)).json()).toEqual({ value: 21.5, unit: 'Cel' });
    expect((await client.put(`${uri}/speed`, 33)).codeText).toBe('2.04');
    expect((await client.post(`${uri}/boost`, { seconds: 4 })).json()).toEqual({ boostedFor: 4 });
    const snap = await client.get(`${uri}/snap`);
    expect(Buffer.from(snap.payload).equals(Buffer.from(snapshotBytes(100 * 1024, 1)))).toBe(true);
  });

  it('observes a change', async () => {
    const { server, client, device, st } = await setup(['::1']);
    server.mount('::1', device);
    const obs = client.observe(`coap://[::1]:${st.locals[0]!.port}/dev/speed`);
    const got: CoapResponse[] = [];
    const second = new Promise<void>((resolve) => obs.onNotification((r) => (got.push(r), got.length === 2 && resolve())));
    await new Promise<void>((resolve) => obs.onNotification(() => resolve()));
    device.emit('speed', 77);
    await second;
    expect(got.map((r) => (r.json() as { value: number }).value)).toEqual([40, 77]);
    await obs.cancel();
    expect(server.observerCount).toBe(0);
  });

  it('serves each device on its own socket and tells the handler which address was asked', async () => {
    const { server, client, st, seen } = await setup(['::1', '127.0.0.1']);
    server.mount('::1', new FakeDevice({ name: 'six' }));
    server.mount('127.0.0.1', new FakeDevice({ name: 'four' }));
    const [six, four] = st.locals;
    expect((await client.get(`coap://[::1]:${six!.port}/six/speed`)).codeText).toBe('2.05');
    expect((await client.get(`coap://[::1]:${six!.port}/four/speed`)).codeText).toBe('4.04');
    expect(seen.map((r) => r.local)).toEqual(['::1', '::1']);
    const ct4 = await plainUdpTransport({ addresses: ['127.0.0.1'], port: 0 });
    const client4 = new CoapClient({ transport: ct4, clock: systemClock() });
    closers.push(() => ct4.close(), () => client4.close());
    expect((await client4.get(`coap://127.0.0.1:${four!.port}/four/speed`)).codeText).toBe('2.05');
    expect(seen.at(-1)?.local).toBe('::ffff:127.0.0.1');
  });

  it('names the address and the fix when it cannot bind', async () => {
    await expect(plainUdpTransport({ addresses: ['::1', '2001:db8:dead::1'], port: 0 })).rejects.toThrow(/cannot bind \[2001:db8:dead::1\]:0 \(EADDRNOTAVAIL\); the address is not configured on this host/);
    await expect(plainUdpTransport({ addresses: ['not-an-address'] })).rejects.toThrow(/not an IPv6 or IPv4 address/);
  });
});
