/**
 * The console's core without a browser, against the real gateway on the in-memory network
 * (firmware/gateway test-support: the demo building, an in-memory trusted server, a
 * ManualClock): connection at phase 3, the devices with their descriptions, observed values,
 * a set and a call, a refusal with the gateway's reason, and a gateway that goes away and
 * comes back with its observations registered again.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryGateway, type MemoryGateway } from '../../firmware/gateway/test-support/index.js';
import type { Endpoint } from '../../pia/node/index.js';
import { runPiactl } from '../cli/index.js';
import { ConsoleCore } from './console-core.js';
import type { ConsoleServer } from './server.js';
import type { ServerMessage } from './protocol.js';

let g: MemoryGateway | undefined;
let core: ConsoleCore | undefined;
afterEach(async () => {
  if (core !== undefined && g !== undefined) await g.settle(core.stop());
  await g?.close();
  g = undefined;
  core = undefined;
});

const OPERATOR = '2001:db8:a::1';

function startConsole(m: MemoryGateway, credential: string): { core: ConsoleCore; messages: ServerMessage[] } {
  let port = 42_000;
  const c = new ConsoleCore({
    gateways: [
      {
        session: { gateway: m.pia, credential, json: false, timeoutMs: 15_000, gatewayId: { id: m.gatewayId, from: '--gateway-id' }, knownGateways: join(m.stateDir, 'known_gateways') },
        expectedId: m.gatewayId,
      },
    ],
    io: { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal, clock: m.clock, openTransport: () => Promise.resolve(m.net.attach(OPERATOR, port++)) },
    clock: m.clock,
    wallNow: () => m.clock.now(),
  });
  const messages: ServerMessage[] = [];
  c.subscribe((msg) => messages.push(msg));
  c.start();
  return { core: c, messages };
}

async function until(m: MemoryGateway, cond: () => boolean, maxMs = 120_000): Promise<void> {
  for (let spent = 0; !cond(); spent += 50) {
    if (spent > maxMs) throw new Error(`condition not met within ${maxMs} simulated ms`);
    await m.clock.advance(50);
  }
}

const gatewayName = (m: MemoryGateway): string => `[${m.pia.address}]:${m.pia.port}`;

describe('console core against the real gateway (in memory)', () => {
  it('connects at phase 3, lists every device with its description, and observed values arrive', async () => {
    const m = (g = await memoryGateway());
    const alice = m.operatorCredential('alice', { devices: '*', rights: ['read', 'control'] });
    const s = startConsole(m, alice.file);
    core = s.core;
    await until(m, () => s.core.state().devices.length > 0);
    const state = s.core.state();
    expect(state.gateways).toEqual([expect.objectContaining({ gateway: gatewayName(m), status: 'up', phase: 3, phaseText: 'authenticated', nodeId: m.gatewayId, label: 'test gateway' })]);
    const names = state.devices.map((d) => d.name);
    for (const n of ['rack-temp', 'rack-fan', 'front-door', 'safe', 'office-lights', 'office-hvac', 'lobby-camera']) expect(names).toContain(n);
    const fan = state.devices.find((d) => d.name === 'rack-fan')!;
    expect(fan.properties.find((p) => p.name === 'speed')).toMatchObject({ type: 'number', unit: '%', min: 0, max: 100, writable: true, observable: true });
    expect(fan.properties.find((p) => p.name === 'rpm')).toMatchObject({ writable: false, observable: true });
    const door = state.devices.find((d) => d.name === 'front-door')!;
    expect(door.actions.map((a) => a.name).sort()).toEqual(['lock', 'unlock']);
    expect(state.devices.find((d) => d.name === 'lobby-camera')!.blobs).toEqual(['snapshot']);
    // a time-valued property is a wall-clock timestamp the page shows as a time, not a number to chart
    expect(state.devices.find((d) => d.name === 'lobby-camera')!.properties.find((p) => p.name === 'lastSnapshotAt')).toMatchObject({ type: 'string', kind: 'timestamp' });

    const before = s.messages.length;
    await until(m, () => s.messages.slice(before).some((x) => x.type === 'value' && x.device === 'rack-temp' && x.property === 'temperature'));
    const history = s.core.state().history.find((h) => h.device === 'rack-temp' && h.property === 'temperature')!;
    expect(history.samples.length).toBeGreaterThanOrEqual(2);
  });

  it('a camera slower than the snapshot timeout is a 504 that says so; with time enough the JPEG arrives', async () => {
    const m = (g = await memoryGateway());
    const alice = m.operatorCredential('alice', { devices: '*', rights: ['read', 'control'] });
    const s = startConsole(m, alice.file);
    core = s.core;
    await until(m, () => s.core.state().devices.length > 0);
    // The VC0706 sends its frame at 38400 baud: far more than 200 ms of the simulated line.
    const slow = await m.settle(s.core.snapshot(gatewayName(m), 'lobby-camera', 200));
    expect(slow).toEqual({ ok: false, status: 504, message: 'snapshot lobby-camera: no image within 200 ms (a capture crosses a serial line); press Refresh to try again' });
    // the abandoned capture still holds the camera (the gateway answers 5.03 until it ends)
    for (let t = 0; t < 20_000; t += 100) await m.clock.advance(100);
    const image = await m.settle(s.core.snapshot(gatewayName(m), 'lobby-camera', 120_000));
    expect(image, JSON.stringify(image).slice(0, 300)).toMatchObject({ ok: true });
    const bytes = (image as { bytes: Uint8Array }).bytes;
    expect([bytes[0], bytes[1], bytes.at(-2), bytes.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    const none = await m.settle(s.core.snapshot(gatewayName(m), 'no-such-camera', 1000));
    expect(none).toMatchObject({ ok: false, status: 502, message: expect.stringMatching(/lists no device "no-such-camera"/) });
  });

  it('set and call reach the devices; the rpm follows the fan speed; a refused action carries the gateway reason', async () => {
    const m = (g = await memoryGateway());
    const alice = m.operatorCredential('alice', { devices: '*', rights: ['read', 'control'] });
    const s = startConsole(m, alice.file);
    core = s.core;
    await until(m, () => s.core.state().devices.length > 0);
    const gw = gatewayName(m);
    const set = await m.settle(s.core.handle({ type: 'set', id: 's1', gateway: gw, device: 'rack-fan', property: 'speed', value: 80 }));
    expect(set).toEqual({ type: 'result', id: 's1', ok: true, code: '2.04', value: 80 });
    expect(m.building.parts.fan.dutyFraction).toBeCloseTo(0.8, 5);
    await until(m, () => s.messages.some((x) => x.type === 'value' && x.device === 'rack-fan' && x.property === 'rpm' && typeof x.value === 'number' && x.value > 1000));

    const unlock = await m.settle(s.core.handle({ type: 'call', id: 'c1', gateway: gw, device: 'front-door', action: 'unlock', params: { seconds: 3 } }));
    expect(unlock).toMatchObject({ id: 'c1', ok: true });
    expect(m.building.parts.door.locked).toBe(false);
    await until(m, () => s.messages.some((x) => x.type === 'value' && x.device === 'front-door' && x.property === 'locked' && x.value === false));
    await until(m, () => s.messages.some((x) => x.type === 'value' && x.device === 'front-door' && x.property === 'locked' && x.value === true) && m.building.parts.door.locked);

    const bad = await m.settle(s.core.handle({ type: 'set', id: 's2', gateway: gw, device: 'rack-fan', property: 'speed', value: 150 }));
    expect(bad).toMatchObject({ id: 's2', ok: false, code: '4.00' });
    expect((bad as { message: string }).message).toMatch(/speed/);
    const unknown = await m.settle(s.core.handle({ type: 'set', id: 's3', gateway: 'nowhere:1', device: 'rack-fan', property: 'speed', value: 1 }));
    expect(unknown).toMatchObject({ ok: false, message: expect.stringContaining('no gateway "nowhere:1"') });
  });

  it('an operator with read only: the gateway refuses control (4.03) and the result says why and what to do', async () => {
    const m = (g = await memoryGateway());
    const bob = m.operatorCredential('bob', { devices: '*', rights: ['read'] });
    const s = startConsole(m, bob.file);
    core = s.core;
    await until(m, () => s.core.state().devices.length > 0);
    const r = await m.settle(s.core.handle({ type: 'call', id: 'c1', gateway: gatewayName(m), device: 'front-door', action: 'unlock', params: {} }));
    expect(r).toMatchObject({ ok: false, code: '4.03' });
    const refused = r as { diagnostic?: string; message: string };
    expect(refused.diagnostic).toBeTruthy();
    expect(refused.message).toContain(refused.diagnostic);
    expect(refused.message).toMatch(/grant/);
    expect(m.building.parts.door.locked).toBe(true);
  });

  it('an operator without a grant: the gateway is shown as refused with the trusted server reason and the fix', async () => {
    const m = (g = await memoryGateway());
    const mallory = m.operatorCredential('mallory');
    const s = startConsole(m, mallory.file);
    core = s.core;
    await until(m, () => s.core.state().gateways[0]!.status === 'refused');
    const view = s.core.state().gateways[0]!;
    expect(view.phase).toBe(2);
    expect(view.error).toMatch(/reason 5/);
    expect(view.error).toMatch(/pia-trust grant add --subject/);
  });

  it('a gateway that goes away is unreachable since then, and back by itself with its observations registered again', async () => {
    const m = (g = await memoryGateway());
    const alice = m.operatorCredential('alice', { devices: '*', rights: ['read', 'control'] });
    const s = startConsole(m, alice.file);
    core = s.core;
    await until(m, () => s.core.state().devices.length > 0);
    let cut = true;
    const isGateway = (e: Endpoint): boolean => e.address === m.pia.address && e.port === m.pia.port;
    const stop = m.net.intercept((d) => (cut && (isGateway(d.to) || isGateway(d.from)) && (d.to.address === OPERATOR || d.from.address === OPERATOR) ? 'drop' : undefined));
    await until(m, () => s.core.state().gateways[0]!.status === 'unreachable', 300_000);
    const down = s.core.state().gateways[0]!;
    expect(down.error).toBeTruthy();
    expect(down.retryAt).toBeGreaterThan(down.since);
    await until(m, () => s.core.state().gateways[0]!.attempting === true, 60_000);
    expect(s.core.state().gateways[0]).toMatchObject({ status: 'unreachable', since: down.since }); // still "unreachable since" while tried again
    cut = false;
    stop();
    await until(m, () => s.core.state().gateways[0]!.status === 'up', 120_000);
    const after = s.messages.length;
    await m.settle(s.core.handle({ type: 'set', id: 'x', gateway: gatewayName(m), device: 'rack-fan', property: 'speed', value: 55 }));
    await until(m, () => s.messages.slice(after).some((x) => x.type === 'value' && x.device === 'rack-fan' && x.property === 'speed' && x.value === 55));
  });

  it('a stalled fan raises the fan-stall alarm, and clears it when it turns again', async () => {
    const m = (g = await memoryGateway());
    const alice = m.operatorCredential('alice', { devices: '*', rights: ['read', 'control'] });
    const s = startConsole(m, alice.file);
    core = s.core;
    await until(m, () => s.core.state().devices.length > 0);
    await m.settle(s.core.handle({ type: 'set', id: 's', gateway: gatewayName(m), device: 'rack-fan', property: 'speed', value: 70 }));
    m.building.parts.fan.inject('stall');
    await until(m, () => s.messages.some((x) => x.type === 'alarm' && x.alarm.kind === 'fan-stall' && x.alarm.active));
    expect(s.core.state().alarms).toEqual([expect.objectContaining({ device: 'rack-fan', kind: 'fan-stall', active: true, text: 'rack-fan: fan stalled (driven but not turning)' })]);
    m.building.parts.fan.clear('stall');
    await until(m, () => s.messages.some((x) => x.type === 'alarm' && x.alarm.kind === 'fan-stall' && !x.alarm.active));
  });
});

describe('piactl console (the command, in-process)', () => {
  it('prints the URL with its token, says when --open cannot open it, and on Ctrl-C deregisters every observation (exit 0)', async () => {
    const m = (g = await memoryGateway());
    const alice = m.operatorCredential('alice', { devices: '*', rights: ['read', 'control'] });
    const stop = new AbortController();
    let out = '';
    let err = '';
    let server: ConsoleServer | undefined;
    let c: ConsoleCore | undefined;
    let port = 43_000;
    const done = runPiactl(['console', '--credential', alice.file, '--gateway', gatewayName(m), '--gateway-id', m.gatewayId, '--open'], {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      signal: stop.signal,
      env: { XDG_CONFIG_HOME: join(m.stateDir, 'config') },
      clock: m.clock,
      openTransport: () => Promise.resolve(m.net.attach(OPERATOR, port++)),
      wallNow: () => m.clock.now(),
      openUrl: () => false,
      onReady: (sv, cr) => ((server = sv), (c = cr)),
    });
    await until(m, () => c !== undefined && c.state().devices.length > 0 && m.gateway.observers() > 0);
    expect(out).toMatch(new RegExp(`^piactl: console at http://127\\.0\\.0\\.1:${server!.port}/#token=[A-Za-z0-9_-]{43}\n`));
    expect(err).toContain('--open: xdg-open is not installed; open the URL above in a browser');
    const observable = c!.state().devices.flatMap((d) => d.properties.filter((p) => p.observable)).length;
    expect(m.gateway.observers()).toBe(observable);
    stop.abort();
    expect(await m.settle(done)).toBe(0);
    expect(m.gateway.observers()).toBe(0);
  });

  it('with no gateway given and none known: exit 2, saying how to name one', async () => {
    const m = (g = await memoryGateway());
    const alice = m.operatorCredential('alice', { devices: '*', rights: ['read'] });
    let err = '';
    const code = await runPiactl(['console', '--credential', alice.file], { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, signal: new AbortController().signal, env: { XDG_CONFIG_HOME: join(m.stateDir, 'config') } });
    expect(code).toBe(2);
    expect(err).toMatch(/console: no gateway to show; give --gateway \[ADDR\]:PORT \(repeatable\)/);
  });
});
