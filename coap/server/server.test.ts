import { afterEach, describe, expect, it } from 'vitest';
import { ServedError } from './served.js';
import { PIA_REQUIRED_DIAGNOSTIC, decodeDiscoveryOption, encodeDiscoveryOption, type SecurityContext } from '../../pia/discovery/index.js';
import { CoapCode, CoapOptionNumber, ContentFormat, decodeMessage, encodeMessage, parseLinks, stringOption, uintOption, type CoapMessage } from '../message/index.js';
import { CLIENT_ADDRESS, CLIENT_PORT, SECOND_ADDRESS, SERVER_ADDRESS, FakeDevice, memorySetup, type MemorySetup } from '../test-support/index.js';
import type { CoapRequest, ExchangeRecord } from './types.js';

let s: MemorySetup | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const SERVER = { address: SERVER_ADDRESS, port: 5683 };
const CLIENT = { address: CLIENT_ADDRESS, port: CLIENT_PORT };

describe('CoapServer: resources of a Device (devices/model/types.ts mapping)', () => {
  it('GET a property: 2.05, JSON with the unit, content format 50', async () => {
    s = memorySetup();
    const r = await s.client.get(s.uri('/dev/temperature'));
    expect(r.codeText).toBe('2.05');
    expect(r.contentFormat).toBe(ContentFormat.Json);
    expect(r.json()).toEqual({ value: 21.5, unit: 'Cel' });
    expect(r.ctx.phase).toBe(1);
  });

  it('GET the device root: every property and the health, its times wall-clock with their ages', async () => {
    s = memorySetup();
    s.clock.setWall('2026-12-07T10:40:00.000Z');
    s.device.health_ = { status: 'degraded', failures: 2, lastError: { message: 'i2c nack', at: '2026-12-07T10:40:00.000Z' }, lastOkAt: '2026-12-07T10:39:59.000Z' };
    await s.clock.advance(1500);
    const r = await s.client.get(s.uri('/dev'));
    expect(r.json()).toEqual({
      name: 'dev',
      kind: 'fan',
      part: 'fake fan for tests',
      properties: { temperature: 21.5, speed: 40, mode: 'auto' },
      health: {
        status: 'degraded',
        failures: 2,
        lastError: { message: 'i2c nack', at: '2026-12-07T10:40:00.000Z', agoMs: 1500 },
        lastOkAt: '2026-12-07T10:39:59.000Z',
        lastOkAgoMs: 2500,
      },
    });
  });

  it('GET the device root with ?describe: the description (types, units, limits, flags, parameters) without prose', async () => {
    s = memorySetup();
    const r = await s.client.get(s.uri('/dev?describe'));
    expect(r.codeText).toBe('2.05');
    expect(r.json()).toEqual({
      name: 'dev',
      kind: 'fan',
      part: 'fake fan for tests',
      properties: [
        { name: 'temperature', type: 'number', unit: 'Cel', writable: false, observable: true },
        { name: 'speed', type: 'number', unit: '%', min: 0, max: 100, writable: true, observable: true },
        { name: 'mode', type: 'string', values: ['auto', 'manual'], writable: true, observable: false },
      ],
      actions: [{ name: 'boost', right: 'call:boost', params: [{ name: 'seconds', type: 'number', min: 1, max: 30, required: true }] }],
      blobs: [{ name: 'snap', contentFormat: 22, params: [{ name: 'size', type: 'string', values: ['small', 'large'], required: false }] }],
    });
  });

  it('PUT a writable property: 2.04 with the value in effect; a bare text value from a legacy client works', async () => {
    s = memorySetup();
    const r = await s.client.put(s.uri('/dev/speed'), 80);
    expect(r.codeText).toBe('2.04');
    expect(r.json()).toEqual({ value: 80 });
    const t = await s.client.request('PUT', s.uri('/dev/mode'), { payload: 'manual' });
    expect(t.codeText).toBe('2.04');
    expect(s.device.sets).toEqual([
      { property: 'speed', value: 80 },
      { property: 'mode', value: 'manual' },
    ]);
  });

  it('POST an action with JSON parameters (and query parameters typed by their spec)', async () => {
    s = memorySetup();
    const r = await s.client.post(s.uri('/dev/boost'), { seconds: 5 });
    expect(r.codeText).toBe('2.04');
    expect(r.json()).toEqual({ boostedFor: 5 });
    const q = await s.client.request('POST', s.uri('/dev/boost?seconds=7'));
    expect(q.json()).toEqual({ boostedFor: 7 });
  });

  it.each([
    ['4.00 for a ServedError "invalid", with its message as diagnostic', 'PUT', '/dev/speed', '140', '4.00', /speed: 140 is not a number in 0–100/],
    ['4.00 for a body that is not JSON with content format 50', 'PUT', '/dev/speed', '{oops', '4.00', /not JSON/],
    ['4.04 for an unknown resource, naming how to list them', 'GET', '/dev/nothing', '', '4.04', /no resource \/dev\/nothing.*\.well-known\/core/],
    ['4.04 for an unknown device', 'GET', '/other/speed', '', '4.04', /no resource/],
    ['4.05 for PUT on a read-only property', 'PUT', '/dev/temperature', '1', '4.05', /dev temperature is read-only\); allowed: GET$/],
    ['4.05 for DELETE', 'DELETE', '/dev/speed', '', '4.05', /DELETE not allowed.*allowed: GET, PUT/],
    ['4.05 for GET on an action', 'GET', '/dev/boost', '', '4.05', /allowed: POST/],
  ] as const)('%s', async (_name, method, path, body, code, diagnostic) => {
    s = memorySetup();
    const r = await s.client.request(method, s.uri(path), body === '' ? {} : { payload: body, contentFormat: ContentFormat.Json });
    expect(r.codeText).toBe(code);
    expect(r.contentFormat).toBeUndefined(); // RFC 7252 §5.5.2: a diagnostic payload has no Content-Format
    expect(r.diagnostic).toMatch(diagnostic);
  });

  it('5.03 with Max-Age for a busy device, 5.00 for a failed one, 5.00 without internals for anything else', async () => {
    s = memorySetup();
    s.device.failNext = new ServedError('busy', 'dev: a capture is in progress');
    const busy = await s.client.put(s.uri('/dev/speed'), 10);
    expect([busy.codeText, busy.maxAge, busy.diagnostic]).toEqual(['5.03', 2, 'dev: a capture is in progress']);
    s.device.failNext = new ServedError('busy', 'dev: one write per 60 s', { retryAfterS: 41 }); // the device knows when: its Max-Age
    expect((await s.client.put(s.uri('/dev/speed'), 10)).maxAge).toBe(41);
    s.device.failNext = new ServedError('failed', 'dev: PWM write failed: EIO');
    const failed = await s.client.put(s.uri('/dev/speed'), 10);
    expect([failed.codeText, failed.diagnostic]).toEqual(['5.00', 'dev: PWM write failed: EIO']);
    s.device.failNext = new Error('secret internal path /etc/x');
    const other = await s.client.put(s.uri('/dev/speed'), 10);
    expect(other.codeText).toBe('5.00');
    expect(other.diagnostic).not.toContain('/etc/x');
  });

  it('a device that throws where it must not (describe) costs a 5.00, not the answer', async () => {
    const warnings: string[] = [];
    s = memorySetup({ server: { logger: { info: () => undefined, warn: (m) => warnings.push(m) } } });
    class Broken extends FakeDevice {
      broken = false;
      override describe(): ReturnType<FakeDevice['describe']> {
        if (this.broken) throw new Error('describe exploded');
        return super.describe();
      }
    }
    const broken = new Broken({ name: 'broken' });
    s.server.mount(SERVER_ADDRESS, broken);
    broken.broken = true;
    const r = await s.client.get(s.uri('/broken/speed'));
    expect([r.codeText, r.diagnostic]).toEqual(['5.00', 'internal error; the gateway log has the details']);
    expect(warnings.join('\n')).toContain('describe exploded');
  });

  it('/.well-known/core lists every resource with rt, ct and obs (RFC 6690, RFC 7641 §6), per local address', async () => {
    s = memorySetup();
    s.server.mount(SECOND_ADDRESS, new FakeDevice({ name: 'door1' }));
    const r = await s.client.get(s.uri('/.well-known/core'));
    expect(r.contentFormat).toBe(ContentFormat.LinkFormat);
    const links = parseLinks(r.text());
    expect(links.map((l) => l.href)).toEqual(['/dev', '/dev/temperature', '/dev/speed', '/dev/mode', '/dev/boost', '/dev/snap']);
    expect(links[1]!.attributes).toEqual({ rt: 'pia.temperature', ct: '50', obs: true });
    expect(links[3]!.attributes).toEqual({ rt: 'pia.fan.mode', ct: '50' });
    expect(links[5]!.attributes).toEqual({ rt: 'pia.camera.snapshot', ct: '22' });
    const other = await s.client.get(`coap://[${SECOND_ADDRESS}]/.well-known/core?rt=pia.temperature`);
    expect(parseLinks(other.text()).map((l) => l.href)).toEqual(['/door1/temperature']);
    expect((await s.client.get(`coap://[${SECOND_ADDRESS}]/dev/speed`)).codeText).toBe('4.04'); // not served at that address
  });

  it('mounts a device at the root of its address when asked', async () => {
    s = memorySetup();
    s.server.mount(SECOND_ADDRESS, new FakeDevice({ name: 'lamp' }), { path: '' });
    const r = await s.client.get(`coap://[${SECOND_ADDRESS}]/speed`);
    expect(r.json()).toEqual({ value: 40, unit: '%' });
    expect((await s.client.get(`coap://[${SECOND_ADDRESS}]/`)).json()).toMatchObject({ name: 'lamp' });
  });

  it('4.06 when Accept asks for a format the resource is not served in; 4.02 for an unknown critical option; 5.05 for a proxy request', async () => {
    s = memorySetup();
    expect((await s.client.get(s.uri('/dev/speed'), { accept: ContentFormat.TextPlain })).codeText).toBe('4.06');
    expect((await s.client.get(s.uri('/dev/speed'), { accept: ContentFormat.Json })).codeText).toBe('2.05');
    const bad = await s.client.get(s.uri('/dev/speed'), { options: [{ number: 65001, value: Uint8Array.of(1) }] });
    expect([bad.codeText, bad.diagnostic]).toEqual(['4.02', 'critical option 65001 is not supported here (RFC 7252 §5.4.1)']);
    const elective = await s.client.get(s.uri('/dev/speed'), { options: [{ number: 65002, value: Uint8Array.of(1) }] });
    expect(elective.codeText).toBe('2.05');
    const proxy = await s.client.get(s.uri('/dev/speed'), { options: [stringOption(CoapOptionNumber.ProxyUri, 'coap://[::1]/x')] });
    expect(proxy.codeText).toBe('5.05');
  });
});

describe('CoapServer: the authorize hook', () => {
  it('sees the target, the right, the discovery option and the context before any handler runs', async () => {
    const seen: { request: CoapRequest; ctx: SecurityContext }[] = [];
    s = memorySetup({ server: { authorize: (request, ctx) => (seen.push({ request, ctx }), 'allow') } });
    const option = { canInitiate: true, latched: false, port: 4500 };
    await s.client.put(s.uri('/dev/speed'), 55, { discovery: option });
    await s.client.post(s.uri('/dev/boost'), { seconds: 2 });
    await s.client.get(s.uri('/.well-known/core'));
    await s.client.get(s.uri('/dev/none'));
    expect(seen.map((x) => [x.request.method, x.request.target?.kind, x.request.right])).toEqual([
      ['PUT', 'property', 'control'],
      ['POST', 'action', 'call:boost'],
      ['GET', 'well-known-core', undefined],
      ['GET', undefined, undefined],
    ]);
    expect(seen[0]!.request.discovery).toEqual(option);
    expect(seen[0]!.request.local).toBe(SERVER_ADDRESS);
    expect(seen[0]!.ctx).toEqual({ phase: 1, peer: CLIENT });
    expect(seen[0]!.request.target).toMatchObject({ device: 'dev', name: 'speed' });
  });

  it('a refusal is answered with its code and reason (4.01/4.03), carries its options, and the device is not touched', async () => {
    const records: ExchangeRecord[] = [];
    const echo = encodeDiscoveryOption({ canInitiate: true, latched: true, port: 4500 });
    s = memorySetup({
      server: {
        authorize: (req) =>
          req.method === 'PUT'
            ? { code: CoapCode.Forbidden, reason: 'no grant covers "control" on dev for this peer; ask the administrator for one' }
            : { code: CoapCode.Unauthorized, reason: PIA_REQUIRED_DIAGNOSTIC, options: [{ number: CoapOptionNumber.PiaDiscovery, value: echo }] },
        onExchange: (r) => records.push(r),
      },
    });
    const put = await s.client.put(s.uri('/dev/speed'), 90);
    expect([put.codeText, put.diagnostic]).toEqual(['4.03', 'no grant covers "control" on dev for this peer; ask the administrator for one']);
    const get = await s.client.get(s.uri('/dev/speed'));
    expect([get.codeText, get.diagnostic]).toEqual(['4.01', 'PIA required: peer is latched']);
    expect(get.discovery).toEqual(decodeDiscoveryOption(echo));
    expect(s.device.sets).toEqual([]);
    expect(records.map((r) => [r.request.method, r.code, r.refused, r.diagnostic])).toEqual([
      ['PUT', CoapCode.Forbidden, true, 'no grant covers "control" on dev for this peer; ask the administrator for one'],
      ['GET', CoapCode.Unauthorized, true, PIA_REQUIRED_DIAGNOSTIC],
    ]);
  });

  it('an allowance may add options to the answer (the discovery echo, docs/protocol.md §4)', async () => {
    const echo = encodeDiscoveryOption({ canInitiate: true, latched: false, port: 4500 });
    s = memorySetup({ server: { authorize: () => ({ allow: true, options: [{ number: CoapOptionNumber.PiaDiscovery, value: echo }] }) } });
    const r = await s.client.get(s.uri('/dev/speed'), { discovery: { canInitiate: true, latched: false, port: 4501 } });
    expect(r.codeText).toBe('2.05');
    expect(r.discovery).toEqual({ canInitiate: true, latched: false, port: 4500 });
  });

  it("the hook's verdict travels in the exchange record, allowed or refused; a request the hook never saw has none", async () => {
    const records: ExchangeRecord[] = [];
    s = memorySetup({
      server: {
        authorize: (req) => {
          const verdict = { devices: ['dev'], access: req.right ?? 'control', allowed: req.method === 'GET' };
          return req.method === 'GET' ? { allow: true, verdict } : { code: CoapCode.Forbidden, reason: 'no grant', verdict };
        },
        onExchange: (r) => records.push(r),
      },
    });
    await s.client.get(s.uri('/dev/speed'));
    await s.client.put(s.uri('/dev/speed'), 90);
    await s.client.get(s.uri('/dev/speed'), { options: [{ number: 65001, value: Uint8Array.of(1) }] });
    expect(records.map((r) => [r.request.method, r.code, r.verdict])).toEqual([
      ['GET', CoapCode.Content, { devices: ['dev'], access: 'read', allowed: true }],
      ['PUT', CoapCode.Forbidden, { devices: ['dev'], access: 'control', allowed: false }],
      ['GET', CoapCode.BadOption, undefined],
    ]);
  });

  it('a hook that throws gives 5.00, not a crash', async () => {
    s = memorySetup({ server: { authorize: () => Promise.reject(new Error('policy store down')) } });
    const r = await s.client.get(s.uri('/dev/speed'));
    expect(r.codeText).toBe('5.00');
    expect(r.diagnostic).not.toContain('policy store');
  });
});

describe('CoapServer: messaging (RFC 7252 §4, §5.2)', () => {
  /** Sends raw messages from the client's endpoint and collects what comes back. */
  function raw(setup: MemorySetup): { send(m: CoapMessage | Uint8Array): Promise<void>; got: CoapMessage[] } {
    const got: CoapMessage[] = [];
    void setup.client.close(); // the raw side takes over the client's endpoint
    setup.clientTransport.onMessage((bytes) => got.push(decodeMessage(bytes)));
    return { send: (m) => setup.clientTransport.send(m instanceof Uint8Array ? m : encodeMessage(m), SERVER), got };
  }
  const request = (messageId: number, type: 'CON' | 'NON', code: number, path: string[], payload = ''): CoapMessage => ({
    type,
    code,
    messageId,
    token: Uint8Array.of(0xab, messageId & 0xff),
    options: path.map((p) => stringOption(CoapOptionNumber.UriPath, p)),
    payload: new TextEncoder().encode(payload),
  });

  it('answers a duplicate CON from the deduplication cache: the device is written once', async () => {
    s = memorySetup();
    const r = raw(s);
    const put = request(0x100, 'CON', CoapCode.PUT, ['dev', 'speed'], '66');
    await r.send(put);
    await s.settle();
    await r.send(put);
    await s.settle();
    expect(s.device.sets).toEqual([{ property: 'speed', value: 66 }]);
    expect(r.got.map((m) => [m.type, m.code, m.messageId])).toEqual([
      ['ACK', CoapCode.Changed, 0x100],
      ['ACK', CoapCode.Changed, 0x100],
    ]);
    expect(Buffer.from(encodeMessage(r.got[0]!)).equals(Buffer.from(encodeMessage(r.got[1]!)))).toBe(true);
  });

  it('answers a NON request with a NON response and ignores its duplicate', async () => {
    s = memorySetup();
    const r = raw(s);
    const get = request(0x200, 'NON', CoapCode.GET, ['dev', 'speed']);
    await r.send(get);
    await r.send(get);
    await s.settle();
    expect(r.got.map((m) => [m.type, m.code])).toEqual([['NON', CoapCode.Content]]);
    expect([...r.got[0]!.token]).toEqual([0xab, 0x00]);
  });

  it('a slow handler gets an empty ACK at once and a separate CON response, which the client ACKs (RFC 7252 §5.2.2)', async () => {
    s = memorySetup({ device: (clock) => new FakeDevice({ fetchMs: 5_000, clock }) });
    const r = raw(s);
    await r.send(request(0x300, 'CON', CoapCode.GET, ['dev', 'snap']));
    await s.clock.advance(1_000);
    expect(r.got.map((m) => [m.type, m.code, m.messageId])).toEqual([['ACK', 0, 0x300]]);
    await s.clock.advance(4_000);
    expect(r.got).toHaveLength(2);
    const separate = r.got[1]!;
    expect([separate.type, separate.code, [...separate.token]]).toEqual(['CON', CoapCode.Content, [0xab, 0x00]]);
    expect(s.server.counters.separate).toBe(1);
    await r.send({ type: 'ACK', code: 0, messageId: separate.messageId, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) });
    await s.clock.advance(100_000);
    expect(r.got).toHaveLength(2); // acknowledged: no retransmission
  });

  it('never crashes on malformed datagrams: Reset for a readable CON header, silence otherwise, and still serves', async () => {
    s = memorySetup();
    const r = raw(s);
    for (const hex of ['', 'ff', '40', '4001', '40011234ff', '49011234', '40e00001', '5001aaaab4', 'c0010001']) await r.send(Uint8Array.from(Buffer.from(hex, 'hex')));
    for (let i = 0; i < 200; i++) await r.send(Uint8Array.from({ length: i % 40 }, (_, k) => (k * 37 + i * 11) & 0xff));
    await s.settle();
    expect(r.got.filter((m) => m.type === 'RST').map((m) => m.messageId)).toEqual(expect.arrayContaining([0x1234]));
    await r.send(request(0x400, 'CON', CoapCode.GET, ['dev', 'speed']));
    await s.settle();
    expect(r.got.at(-1)).toMatchObject({ type: 'ACK', code: CoapCode.Content, messageId: 0x400 });
  });

  it('rejects a response nobody asked for with Reset (RFC 7252 §5.3.2)', async () => {
    s = memorySetup();
    const r = raw(s);
    await r.send({ type: 'CON', code: CoapCode.Content, messageId: 0x500, token: Uint8Array.of(1), options: [uintOption(12, 50)], payload: Uint8Array.of(1) });
    await s.settle();
    expect(r.got.map((m) => [m.type, m.messageId])).toEqual([['RST', 0x500]]);
  });
});
