/**
 * The slides' use cases across real (virtual) hosts (docs/lab.md): the lab's namespaces
 * (topology.ts) with the real programs as processes (stack.ts): `pia-trust serve` on trust, the
 * data-center and building gateways (`pia-gateway run --simulated`), `piactl` on ops behind the
 * on-path hop, `coap-client` on the legacy host.
 *
 * 0. discovery (docs/protocol.md §4): an operator that starts in plain CoAP
 *    (discovering-operator.ts) sends one GET with the discovery option, gets 2.05 and the
 *    gateway's echo, then only the key exchange and ESP cross the router (tshark), and the ESP
 *    decrypted with its key log holds the same GET twice, answered at phase 3;
 * 1. remote control of the data center: alice reads the thermometer, sets the fan, takes a
 *    camera snapshot;
 * 2. building monitoring: bob (read grant) reads camera, door, safe, HVAC and lighting; his
 *    unlock is refused by the gateway (4.03, exit 4);
 * 3. personal remote access: carol's phone reaches carol's gateway (the building); dave's phone
 *    there, and carol's phone at the data center, are denied phase 3 (reason 5, exit 4);
 * 4. legacy plain CoAP: reads where the gateway.yaml says `plain: read-only`, 4.01 elsewhere;
 * 5. the wire (tshark on the router's veth to dc): between ops and the data-center gateway
 *    every datagram is a key-exchange message then ESP, never plain CoAP; decrypted with
 *    piactl's key log, the CoAP requests inside are exactly the ones piactl sent; the bytes of
 *    one request over PIA and over plain CoAP are printed side by side.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIA_PORT, readCapture, startCapture, wiresharkHome, type CaptureRow } from './capture.js';
import { startLabStack, piactl, type LabStack } from './stack.js';
import { createLab, removeLeftoverLabs, tsxArgv, type Lab } from './topology.js';
import { WIRE_FIELDS, coapExchanges, piaFlows } from './wire.js';

let lab: Lab;
let stack: LabStack;
let dir: string;

beforeAll(async () => {
  removeLeftoverLabs();
  dir = mkdtempSync(join(tmpdir(), 'pia-lab-'));
  lab = createLab();
  stack = await startLabStack(lab, dir);
  console.log(`lab: trust serving after ${stack.timings.trustReadyMs.toFixed(0)} ms, registrations done after ${stack.timings.registeredMs.toFixed(0)} ms, both gateways serving after ${stack.timings.gatewaysReadyMs.toFixed(0)} ms`);
}, 120_000);

afterAll(async () => {
  await lab?.remove();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const json = (stdout: string): Record<string, unknown> => JSON.parse(stdout) as Record<string, unknown>;
const coapClient = (address: string, path: string): Promise<{ code: number | string; stdout: string; stderr: string }> =>
  lab.run('legacy', ['coap-client-notls', '-m', 'get', '-B', '5', `coap://[${address}]/${path}`], { name: 'coap-client (legacy)' });

// First in this file: the data-center gateway has not met ops yet. Once any exchange with ops
// has completed, the gateway has ops latched and answers its plaintext 4.01 (docs/protocol.md §4).
describe('an operator that starts in plain CoAP: discovery, then ESP only (docs/protocol.md §4)', () => {
  it('one plain GET carrying the option, answered 2.05 with the echo; then the key exchange and only ESP, holding the same GET twice at phase 3', async () => {
    const dc = stack.gateways.dc;
    const capture = await startCapture(lab, { iface: lab.routerInterfaces.dc ?? '', pcap: join(dir, 'discovery.pcap'), probeFrom: 'ops', probeTo: dc.address });
    const keyLog = join(dir, 'discovery-keylog');
    const args = ['--credential', stack.operators.alice.credential, '--device', dc.devices['rack-temp'] ?? '', '--path', 'rack-temp/temperature'];
    const run = await lab.run('ops', tsxArgv('scripts/lab/discovering-operator.ts', args), { name: 'discovering-operator', env: { PIA_KEYLOG: keyLog }, timeoutMs: 45_000 });
    await capture.stop();
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ plain: { code: '2.05', echo: { port: PIA_PORT } }, pia: ['2.05', '2.05'], phase: 3, gateway: { address: dc.address, port: PIA_PORT } });

    const ops = lab.hosts.ops.address;
    const rows = await readCapture(lab, capture.pcap, { filter: 'ipv6 && udp', fields: [...WIRE_FIELDS, 'coap.opt.name'], env: wiresharkHome(join(dir, 'ws-discovery')) });
    const frame = (r: CaptureRow): number => Number(r['frame.number']?.[0]);
    const opsSide = (r: CaptureRow): boolean => r['ipv6.src']?.[0] === ops || r['ipv6.dst']?.[0] === ops;
    const piaPort = (r: CaptureRow): boolean => r['udp.srcport']?.[0] === String(PIA_PORT) || r['udp.dstport']?.[0] === String(PIA_PORT);
    // 1. in clear: one GET and its 2.05, both carrying option 65000
    const plainCoap = rows.filter((r) => r['frame.protocols']?.[0]?.includes(':coap') && opsSide(r));
    expect(coapExchanges(rows, ops).map(({ bytes: _, ...e }) => e)).toEqual([{ method: 'GET', path: 'rack-temp/temperature', response: '2.05' }]);
    expect(plainCoap).toHaveLength(2);
    for (const r of plainCoap) expect(r['coap.opt.name']?.join(' ')).toMatch(/Unknown Option \(65000\)/);
    // 2. after the echo: one flow to the gateway's PIA port, the key exchange then ESP only, nothing else from ops
    const flows = [...piaFlows(rows, ops, dc.address, PIA_PORT).values()];
    expect(flows).toHaveLength(1);
    const flow = flows[0] ?? [];
    expect(flow.slice(0, 3).map((d) => [d.kind, d.fromOperator])).toEqual([['key-exchange', true], ['key-exchange', false], ['key-exchange', true]]);
    expect(flow.slice(3).filter((d) => d.kind !== 'esp')).toEqual([]);
    const echoAt = Math.max(...plainCoap.map(frame));
    expect(rows.filter((r) => frame(r) > echoAt && opsSide(r) && !piaPort(r))).toEqual([]);
    // 3. decrypted with the key log: the CoAP inside the ESP is the two GETs
    const clear = await readCapture(lab, capture.pcap, { filter: 'coap && esp', fields: WIRE_FIELDS, env: wiresharkHome(join(dir, 'ws-discovery-keys'), readFileSync(keyLog, 'utf8')) });
    expect(coapExchanges(clear, ops).map(({ bytes: _, ...e }) => e)).toEqual([
      { method: 'GET', path: 'rack-temp/temperature', response: '2.05' },
      { method: 'GET', path: 'rack-temp/temperature', response: '2.05' },
    ]);
  }, 60_000);
});

describe('remote control of the data center (alice, read and control)', () => {
  it('reads the thermometer, sets the fan and reads it back, takes a camera snapshot', async () => {
    const temp = await piactl(lab, stack, 'alice', 'dc', ['get', 'rack-temp/temperature']);
    expect(temp.stderr).toBe('');
    expect(temp.stdout).toMatch(/^rack-temp\/temperature: -?\d+(\.\d+)? °C\n$/);
    expect(await piactl(lab, stack, 'alice', 'dc', ['set', 'rack-fan/speed', '70'])).toEqual({ code: 0, stdout: 'rack-fan/speed: set to 70\n', stderr: '' });
    const fan = await piactl(lab, stack, 'alice', 'dc', ['--json', 'get', 'rack-fan/speed']);
    expect(json(fan.stdout)).toMatchObject({ ok: true, code: '2.05', result: { value: 70 } });
    const file = join(dir, 'dc-camera.jpg');
    const snap = await piactl(lab, stack, 'alice', 'dc', ['snapshot', 'dc-camera/snapshot', '-o', file]);
    expect(snap.code, snap.stderr).toBe(0);
    const jpeg = readFileSync(file);
    expect(snap.stdout).toBe(`dc-camera/snapshot: ${jpeg.length} bytes (image/jpeg) written to ${file}\n`);
    expect([jpeg[0], jpeg[1], jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
  }, 60_000);
});

describe('building monitoring (bob, read only)', () => {
  it('reads the camera, the door, the safe, the HVAC unit and the lights; an unlock is refused by the gateway', async () => {
    const file = join(dir, 'lobby.jpg');
    const snap = await piactl(lab, stack, 'bob', 'building', ['snapshot', 'lobby-camera/snapshot', '-o', file, 'size=160x120']);
    expect(snap.code, snap.stderr).toBe(0);
    expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const expected: Record<string, Record<string, unknown>> = {
      'front-door/locked': { result: { value: true } },
      'safe/locked': { result: { value: true } },
      'office-hvac/roomTemperature': { code: '2.05' },
      'office-lights/on': { code: '2.05' },
    };
    for (const [target, want] of Object.entries(expected)) {
      const r = await piactl(lab, stack, 'bob', 'building', ['--json', 'get', target]);
      expect({ target, code: r.code, stderr: r.stderr }).toEqual({ target, code: 0, stderr: '' });
      expect(json(r.stdout)).toMatchObject({ ok: true, ...want });
    }
    const unlock = await piactl(lab, stack, 'bob', 'building', ['call', 'front-door/unlock', 'seconds=5']);
    expect(unlock.code).toBe(4);
    expect(unlock.stderr).toContain(`piactl: call front-door/unlock: not authorized by the gateway (4.03 Forbidden): operator ${stack.operators.bob.id} ("bob") at [${lab.hosts.ops.address}]:`);
    expect(unlock.stderr).toContain('has no grant with "call:unlock" on device "front-door"');
  }, 60_000);
});

describe('personal remote access (owners carol and dave)', () => {
  const denial = (operator: 'carol-phone' | 'dave-phone', gateway: 'dc' | 'building', label: string): string => {
    const o = stack.operators[operator].id;
    return `piactl: not authorized: the trusted server denied phase 3 with gateway ${stack.gateways[gateway].pia}: no grant for ${operator} (${o}) on ${label} (${stack.gateways[gateway].id}); an administrator can add one (reason 5); ask an administrator for a grant: pia-trust grant add --subject ${o} --gateway GATEWAY_ID --devices SELECTOR --rights read,control\n`;
  };

  it("carol's phone drives carol's gateway (the building); dave's phone there and carol's at the data center are refused", async () => {
    expect(await piactl(lab, stack, 'carol-phone', 'building', ['set', 'office-lights/level', '35'])).toEqual({ code: 0, stdout: 'office-lights/level: set to 35\n', stderr: '' });
    const safe = await piactl(lab, stack, 'carol-phone', 'building', ['--json', 'get', 'safe/locked']);
    expect(json(safe.stdout)).toMatchObject({ ok: true, result: { value: true } });
    expect(await piactl(lab, stack, 'dave-phone', 'building', ['get', 'safe/locked'])).toEqual({ code: 4, stdout: '', stderr: denial('dave-phone', 'building', 'building-gateway') });
    expect(await piactl(lab, stack, 'carol-phone', 'dc', ['get', 'rack-temp/temperature'])).toEqual({ code: 4, stdout: '', stderr: denial('carol-phone', 'dc', 'dc-gateway') });
  }, 60_000);
});

describe('a legacy host with plain CoAP (coap-client)', () => {
  it('reads what the gateway.yaml opens to plain reads (rack-temp, office-lights); everything else gets 4.01 naming the phase needed', async () => {
    const temp = await coapClient(stack.gateways.dc.devices['rack-temp'] ?? '', 'rack-temp/temperature');
    expect(temp.code).toBe(0);
    expect(JSON.parse(temp.stdout)).toMatchObject({ unit: 'Cel' });
    const lights = await coapClient(stack.gateways.building.devices['office-lights'] ?? '', 'office-lights/on');
    expect(JSON.parse(lights.stdout)).toMatchObject({ value: expect.any(Boolean) as unknown });
    const door = await coapClient(stack.gateways.building.devices['front-door'] ?? '', 'front-door/locked');
    expect(door.stdout).toBe('');
    expect(door.stderr).toBe('4.01 GET /front-door/locked on "front-door" needs PIA phase 3, this request came at phase 1: use PIA (piactl with a credential from pia-trust node add)\n');
  }, 30_000);
});

describe('the wire between the operations center and the data center, read by tshark', () => {
  it('only key exchange then ESP from ops; decrypted with the key log, exactly the requests piactl sent; plain CoAP from the legacy host in clear', async () => {
    const dc = stack.gateways.dc;
    const capture = await startCapture(lab, { iface: lab.routerInterfaces.dc ?? '', pcap: join(dir, 'dc.pcap'), probeFrom: 'ops', probeTo: dc.address });
    const keyLog = join(dir, 'piactl-keylog');
    const env = { PIA_KEYLOG: keyLog };
    // AES-256-GCM: the suite Wireshark 4.0 can decrypt (it has no ChaCha20-Poly1305, docs/protocol.md §8)
    expect((await piactl(lab, stack, 'alice', 'dc', ['--suite', 'aes-gcm', 'get', 'rack-temp/temperature'], env)).code).toBe(0);
    expect((await piactl(lab, stack, 'alice', 'dc', ['--suite', 'aes-gcm', 'set', 'rack-fan/speed', '55'], env)).code).toBe(0);
    expect((await coapClient(dc.devices['rack-temp'] ?? '', 'rack-temp/temperature')).code).toBe(0);
    expect((await coapClient(dc.devices['rack-fan'] ?? '', 'rack-fan/speed')).stderr).toMatch(/^4\.01 /);
    await capture.stop();

    // 1. without keys: ops ↔ the gateway's PIA port only, each run a key exchange (INIT, RESP, CONFIRM) then ESP only
    const opaque = await readCapture(lab, capture.pcap, { filter: 'ipv6 && udp', fields: WIRE_FIELDS, env: wiresharkHome(join(dir, 'ws-none')) });
    const ops = lab.hosts.ops.address;
    expect(opaque.filter((r) => (r['ipv6.src']?.[0] === ops || r['ipv6.dst']?.[0] === ops) && r['ipv6.dst']?.[0] !== dc.address && r['ipv6.src']?.[0] !== dc.address)).toEqual([]);
    const flows = [...piaFlows(opaque, ops, dc.address, PIA_PORT).values()];
    expect(flows).toHaveLength(2);
    for (const flow of flows) {
      expect(flow.slice(0, 3).map((d) => [d.kind, d.fromOperator])).toEqual([['key-exchange', true], ['key-exchange', false], ['key-exchange', true]]);
      expect(flow.slice(3).filter((d) => d.kind !== 'esp')).toEqual([]);
      expect(flow.length).toBeGreaterThan(6);
      expect(flow.filter((d) => d.protocols.includes('coap'))).toEqual([]);
    }
    expect(coapExchanges(opaque, ops)).toEqual([]);

    // 2. with piactl's key log as Wireshark's esp_sa: the inner CoAP is exactly what piactl sent
    const clear = await readCapture(lab, capture.pcap, { filter: 'coap', fields: WIRE_FIELDS, env: wiresharkHome(join(dir, 'ws-keys'), readFileSync(keyLog, 'utf8')) });
    const pia = coapExchanges(clear, ops);
    expect(pia.map(({ bytes: _, ...e }) => e)).toEqual([
      { method: 'GET', path: '.well-known/core', response: '2.05' }, // piactl resolves the name in the gateway's listing
      { method: 'GET', path: 'rack-temp/temperature', response: '2.05' },
      { method: 'GET', path: '.well-known/core', response: '2.05' },
      { method: 'PUT', path: 'rack-fan/speed', value: 55, response: '2.04' },
    ]);

    // 3. the legacy host's plain requests, in clear on the same link
    const plain = coapExchanges(clear, lab.hosts.legacy.address);
    expect(plain.map(({ bytes: _, ...e }) => e)).toEqual([
      { method: 'GET', path: 'rack-temp/temperature', response: '2.05' },
      { method: 'GET', path: 'rack-fan/speed', response: '4.01' },
    ]);
    const [piaGet, plainGet] = [pia[1]?.bytes ?? 0, plain[0]?.bytes ?? 0];
    console.log(`wire: GET rack-temp/temperature, request + response in Ethernet frames: PIA ${piaGet} B, plain ${plainGet} B, ratio ${(piaGet / plainGet).toFixed(2)}`);
    expect(piaGet).toBeGreaterThan(plainGet);
  }, 90_000);
});
