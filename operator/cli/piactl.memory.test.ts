/**
 * piactl end to end in memory (test-support/memory-gateway.ts): phase 3 through the trusted
 * server, then ls, get, set, call and ping against fake devices behind the gateway's policy,
 * each checked in human and --json form.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { wallTime } from '../../common/index.js';
import { SUITE_NAMES, cpuSuiteChoice } from '../../pia/index.js';
import { CAMERA_ADDRESS, FAN_ADDRESS, GATEWAY, memoryGateway, type MemoryGateway } from './test-support/index.js';

let g: MemoryGateway | undefined;
afterEach(async () => {
  await g?.close();
  g = undefined;
});

const lines = (text: string): Record<string, unknown>[] => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const GW = `[${GATEWAY.address}]:${GATEWAY.port}`;
/** Both ends run on this host and prefer its CPU's first suite (pia/suite-order.ts). */
const CPU_FIRST = SUITE_NAMES[cpuSuiteChoice().suites[0]!];

describe('piactl get', () => {
  it('a property by name: value and unit; --json carries the CoAP answer and the device URI', async () => {
    g = memoryGateway('get-name');
    const alice = g.operator('alice');
    const text = await g.run(['get', 'rack-fan/speed'], { credential: alice.file });
    expect(text).toEqual({ code: 0, stdout: 'rack-fan/speed: 40 %\n', stderr: '' });
    g.fan.emit('temperature', 23.25);
    const json = await g.run(['get', 'rack-fan/temperature', '--json'], { credential: alice.file });
    expect(json.code).toBe(0);
    expect(lines(json.stdout)).toEqual([{ ok: true, command: 'get', target: `coap://[${FAN_ADDRESS}]/rack-fan/temperature`, code: '2.05', result: { value: 23.25, unit: 'Cel' } }]);
  });

  it('a whole device by coap:// URI: every property and the health, health problems shown', async () => {
    g = memoryGateway('get-device');
    const alice = g.operator('alice');
    const r = await g.run(['get', `coap://[${FAN_ADDRESS}]/rack-fan`], { credential: alice.file });
    expect(r.code).toBe(0);
    // Writable properties say what a write takes; actions and blobs list their parameters.
    expect(r.stdout).toBe(
      [
        'rack-fan: fan, fake fan for tests; health ok',
        '  temperature  21.5',
        '  speed        40  (writable: number 0–100 %)',
        '  mode         auto  (writable: one of auto|manual)',
        '  boost        takes seconds=number 1–30',
        '  snap         takes size=one of small|large (optional)',
        '',
      ].join('\n'),
    );
    g.t.clock.setWall('2026-12-07T10:40:00.000Z');
    g.fan.health_ = { status: 'degraded', failures: 2, lastError: { message: 'SHT31 at i2c-1 0x44: CRC mismatch', at: wallTime(g.t.clock) } };
    const degraded = await g.run(['get', 'rack-fan/temperature'], { credential: alice.file });
    expect(degraded.stdout).toMatch(/^rack-fan\/temperature: 21\.5 °C \(health degraded \(2 failures; last error at 2026-12-07T10:40:00\.000Z, \d+ s ago: SHT31 at i2c-1 0x44: CRC mismatch\)\)\n$/);
    const json = await g.run(['get', 'rack-fan', '--json'], { credential: alice.file });
    expect(lines(json.stdout)[0]).toMatchObject({ target: `coap://[${FAN_ADDRESS}]/rack-fan` });
    expect(lines(json.stdout)[0]).toMatchObject({ ok: true, result: { name: 'rack-fan', kind: 'fan', properties: { temperature: 21.5, speed: 40, mode: 'auto' }, health: { status: 'degraded', failures: 2 } } });
  });

  it('a blob is not printed: its size, and the command that fetches it', async () => {
    g = memoryGateway('get-blob');
    const alice = g.operator('alice');
    const r = await g.run(['get', 'front-cam/snap'], { credential: alice.file });
    expect(r).toEqual({ code: 0, stdout: `front-cam/snap: ${g.camera.jpeg.length} bytes of content format 22; fetch it with 'piactl snapshot front-cam/snap -o FILE'\n`, stderr: '' });
  });

  it('names also resolve when the gateway serves its devices at its own address (relative listing)', async () => {
    g = memoryGateway('get-relative', { listing: 'relative' });
    const alice = g.operator('alice');
    const r = await g.run(['get', 'rack-fan/mode', '--json'], { credential: alice.file });
    expect(lines(r.stdout)).toEqual([{ ok: true, command: 'get', target: `coap://[${GATEWAY.address}]/rack-fan/mode`, code: '2.05', result: { value: 'auto' } }]);
  });
});

describe('piactl set and call', () => {
  it('set writes the typed value (number, string) and prints what is now in effect', async () => {
    g = memoryGateway('set');
    const alice = g.operator('alice');
    const speed = await g.run(['set', 'rack-fan/speed', '80'], { credential: alice.file });
    expect(speed).toEqual({ code: 0, stdout: 'rack-fan/speed: set to 80\n', stderr: '' });
    const mode = await g.run(['set', 'rack-fan/mode', 'manual', '--json'], { credential: alice.file });
    expect(lines(mode.stdout)).toEqual([{ ok: true, command: 'set', target: `coap://[${FAN_ADDRESS}]/rack-fan/mode`, code: '2.04', value: 'manual', result: { value: 'manual' } }]);
    expect(g.fan.sets).toEqual([
      { property: 'speed', value: 80 },
      { property: 'mode', value: 'manual' },
    ]);
    expect(g.fan.values).toMatchObject({ speed: 80, mode: 'manual' });
  });

  it('call posts the parameters as JSON and prints the result', async () => {
    g = memoryGateway('call');
    const alice = g.operator('alice');
    const r = await g.run(['call', 'rack-fan/boost', 'seconds=5'], { credential: alice.file });
    expect(r).toEqual({ code: 0, stdout: 'rack-fan/boost: done (2.04)\n  boostedFor: 5\n', stderr: '' });
    const json = await g.run(['call', `coap://[${FAN_ADDRESS}]/rack-fan/boost`, 'seconds=12', '--json'], { credential: alice.file });
    expect(lines(json.stdout)).toEqual([{ ok: true, command: 'call', target: `coap://[${FAN_ADDRESS}]/rack-fan/boost`, code: '2.04', params: { seconds: 12 }, result: { boostedFor: 12 } }]);
    expect(g.fan.calls).toEqual([
      { action: 'boost', params: { seconds: 5 } },
      { action: 'boost', params: { seconds: 12 } },
    ]);
  });
});

describe('piactl ls', () => {
  it("lists the gateway's devices at their own addresses with their resources", async () => {
    g = memoryGateway('ls');
    const alice = g.operator('alice');
    const r = await g.run(['ls'], { credential: alice.file });
    expect(r.code).toBe(0);
    const block = (name: string, kind: string, address: string): string =>
      [
        `${name}  ${kind}  coap://[${address}]/${name}`,
        '  temperature  pia.temperature      observable',
        '  speed        pia.fan.speed        observable, writable: number 0–100 %',
        '  mode         pia.fan.mode         writable: one of auto|manual',
        '  boost        pia.fan.boost        takes seconds=number 1–30',
        '  snap         pia.camera.snapshot  image/jpeg, takes size=one of small|large (optional)',
      ].join('\n');
    expect(r.stdout).toBe(`${block('front-cam', 'camera', CAMERA_ADDRESS)}\n${block('rack-fan', 'fan', FAN_ADDRESS)}\n`);

    const json = await g.run(['ls', 'rack-fan', '--json'], { credential: alice.file });
    const [one] = lines(json.stdout);
    expect(one).toMatchObject({ ok: true, command: 'ls', gateway: GW, devices: [{ name: 'rack-fan', kind: 'fan', uri: `coap://[${FAN_ADDRESS}]/rack-fan` }], others: [] });
    const devices = one?.devices as { resources: unknown[] }[];
    expect(devices[0]?.resources).toContainEqual({ name: 'speed', uri: `coap://[${FAN_ADDRESS}]/rack-fan/speed`, rt: 'pia.fan.speed', ct: 50, observable: true, writable: true, takes: 'writable: number 0–100 %' });
    expect(devices[0]?.resources).toContainEqual(expect.objectContaining({ name: 'temperature', writable: false }));
    expect(devices[0]?.resources).toHaveLength(5);

    const byAddress = await g.run(['ls', `coap://[${CAMERA_ADDRESS}]`], { credential: alice.file });
    expect(byAddress.stdout.split('\n')[0]).toBe(`front-cam  fan  coap://[${CAMERA_ADDRESS}]/front-cam`);
  });
});

describe('piactl ping', () => {
  it('phase 2 and phase 3 times, the gateway identity and the grants count', async () => {
    g = memoryGateway('ping');
    const alice = g.operator('alice', { devices: 'rack-*', rights: ['read'] });
    const r = await g.run(['ping', GW], { credential: alice.file });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^piactl ping \\[${GATEWAY.address}\\]:4500: phase 2 in [\\d.]+ ms \\(${CPU_FIRST}, SPIs in 0x[0-9a-f]{8} out 0x[0-9a-f]{8}\\), phase 3 in [\\d.]+ ms\\n`));
    expect(r.stdout).toContain(`\npeer: gateway ${g.gatewayId} "rack1-gw"; 1 grant for this operator (alice)\n`);
    const json = await g.run(['ping', '--json'], { credential: alice.file });
    expect(lines(json.stdout)).toEqual([
      {
        ok: true,
        command: 'ping',
        gateway: GW,
        phase2Ms: expect.any(Number) as unknown,
        phase3Ms: expect.any(Number) as unknown,
        suite: CPU_FIRST,
        spiIn: expect.stringMatching(/^0x[0-9a-f]{8}$/) as unknown,
        spiOut: expect.stringMatching(/^0x[0-9a-f]{8}$/) as unknown,
        peer: { id: g.gatewayId, kind: 'gateway', label: 'rack1-gw' },
        grants: 1,
      },
    ]);
  });
});
