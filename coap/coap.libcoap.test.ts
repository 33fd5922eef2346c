/**
 * Against libcoap's real client (Debian libcoap3-bin, `coap-client-notls` 4.3.x), the legacy
 * CoAP peer the gateway must answer correctly: with content, or with 4.01/4.03 and the reason.
 * The server runs on real UDP on ::1 with the system clock.
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../common/index.js';
import { ProcessTracker } from '../common/test-support/index.js';
import { CoapCode, parseLinks } from './message/index.js';
import { CoapServer, type CoapRequest } from './server/index.js';
import { FakeDevice, snapshotBytes } from './test-support/index.js';
import { plainUdpTransport, type PlainTransport } from './transport/index.js';

const tracker = new ProcessTracker();
let transport: PlainTransport;
let server: CoapServer;
let device: FakeDevice;
const seen: CoapRequest[] = [];
let base = '';

beforeAll(async () => {
  const clock = systemClock();
  transport = await plainUdpTransport({ addresses: ['::1'], port: 0 });
  server = new CoapServer({
    transports: [transport],
    clock,
    authorize: (request) => {
      seen.push(request);
      if (request.path[1] === 'mode') return { code: CoapCode.Unauthorized, reason: 'PIA required: peer is latched' };
      if (request.method === 'POST') return { code: CoapCode.Forbidden, reason: 'no grant for call:boost on dev' };
      return 'allow';
    },
  });
  device = new FakeDevice({ clock });
  server.mount('::1', device);
  base = `coap://[::1]:${transport.locals[0]!.port}`;
});

afterEach(() => tracker.stopAll());

afterAll(async () => {
  await server.close();
  await transport.close();
});

const coapClient = (args: string[], ms = 10_000) => tracker.run('coap-client-notls', args, ms);

describe('libcoap coap-client-notls against the CoapServer', () => {
  it('GETs a property', async () => {
    const r = await coapClient(['-m', 'get', '-B', '5', `${base}/dev/temperature`]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ value: 21.5, unit: 'Cel' });
  });

  it('GETs /.well-known/core in link format (Accept 40) and the listing parses', async () => {
    const r = await coapClient(['-m', 'get', '-B', '5', '-A', '40', `${base}/.well-known/core`]);
    expect(r.code).toBe(0);
    const links = parseLinks(r.stdout.trim());
    expect(links.find((l) => l.href === '/dev/temperature')?.attributes).toEqual({ rt: 'pia.temperature', ct: '50', obs: true });
    expect(links.find((l) => l.href === '/dev/snap')?.attributes.ct).toBe('22');
  });

  it('fetches a 100 KB blob block-wise (Block2): the file has the same bytes', async () => {
    const file = join(tmpdir(), `coap-snap-${process.pid}.bin`);
    try {
      const r = await coapClient(['-m', 'get', '-B', '30', `${base}/dev/snap`, '-o', file], 30_000);
      expect(r.code).toBe(0);
      const bytes = await readFile(file);
      expect(bytes.length).toBe(100 * 1024);
      expect(bytes.equals(Buffer.from(snapshotBytes(100 * 1024, device.fetches)))).toBe(true);
    } finally {
      await rm(file, { force: true });
    }
  });

  it('observes a property (-s 5) and prints each notification', async () => {
    let t = 0;
    const timer = setInterval(() => device.emit('temperature', 30 + ++t), 400);
    try {
      const r = await coapClient(['-m', 'get', '-s', '5', '-B', '8', `${base}/dev/temperature`], 15_000);
      expect(r.code).toBe(0);
      const values = [...r.stdout.matchAll(/\{"value":([\d.]+),"unit":"Cel"\}/g)].map((m) => Number(m[1]));
      expect(values.length).toBeGreaterThanOrEqual(4);
      expect(values.slice(1)).toEqual([...values.slice(1)].sort((a, b) => a - b)); // in order
    } finally {
      clearInterval(timer);
    }
    await new Promise((r) => setTimeout(r, 600));
    expect(server.observerCount).toBe(0); // libcoap deregistered (or reset the next notification)
  });

  it('shows a refusal: 4.01 with the diagnostic, and 4.03 with the reason', async () => {
    const r = await coapClient(['-m', 'get', '-B', '5', `${base}/dev/mode`]);
    expect(r.stderr).toContain('4.01 PIA required: peer is latched');
    const p = await coapClient(['-m', 'post', '-B', '5', '-e', '{"seconds":3}', `${base}/dev/boost`]);
    expect(p.stderr).toContain('4.03 no grant for call:boost on dev');
    expect(device.calls).toEqual([]);
  });

  it('PUTs a value as plain text, and gets 4.00 with the reason for a bad one', async () => {
    const ok = await coapClient(['-m', 'put', '-B', '5', '-e', '70', `${base}/dev/speed`]);
    expect(JSON.parse(ok.stdout)).toEqual({ value: 70 });
    const bad = await coapClient(['-m', 'put', '-B', '5', '-e', '170', `${base}/dev/speed`]);
    expect(bad.stderr).toMatch(/^4\.00 dev speed: 170 is not a number/m);
  });

  it('hands the PIA discovery option of a request (-O 65000,…) to the authorize hook, decoded', async () => {
    seen.length = 0;
    await coapClient(['-m', 'get', '-B', '5', '-O', '65000,0x01011194', `${base}/dev/speed`]);
    expect(seen.at(-1)?.discovery).toEqual({ canInitiate: true, latched: false, port: 4500 });
  });
});
