/**
 * Fail-safes and isolation on the simulated building (ManualClock): outputs safe at boot and
 * after close(), a failing part confined to its device, devices that cannot start or be built
 * reported while the others are served; /healthz and /metrics on a loopback HTTP port.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAuditFile } from '../../common/audit/index.js';
import { memoryGateway, type MemoryGateway } from './test-support/index.js';

let t: MemoryGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const deviceHealth = (g: MemoryGateway, name: string): string | undefined => g.gateway.device(name)?.health().status;

describe('fail-safes', () => {
  it('outputs are at their safe level right after start: door and safe locked, fan at full speed, lights off', async () => {
    t = await memoryGateway();
    const { door, safe, fan, lighting } = t.building.parts;
    expect(door.locked).toBe(true);
    expect(safe.locked).toBe(true);
    expect(fan.dutyFraction).toBe(1);
    expect(lighting.on).toBe(false);
  });

  it('close() relocks an unlocked door and returns the fan to its safe speed, then closes; the stop is audited', async () => {
    t = await memoryGateway();
    const { door, fan } = t.building.parts;
    await t.settle(t.gateway.device('front-door')!.device.call('unlock', { seconds: 30 }));
    await t.settle(t.gateway.device('rack-fan')!.device.set('speed', 20));
    await t.clock.advance(1_000);
    expect(door.locked).toBe(false);
    expect(fan.dutyFraction).toBeCloseTo(0.2, 5);

    await t.settle(t.gateway.close());
    expect(door.locked).toBe(true);
    expect(fan.dutyFraction).toBe(1);
    expect((t.gateway.health() as { status: string }).status).toBe('stopping');
    const lines = t.logs.map((l) => l.msg);
    expect(lines.indexOf('gateway stopping: devices to their safe state, then sockets and addresses')).toBeLessThan(lines.indexOf('gateway stopped'));
    const path = t.gateway.audit.path;
    expect(verifyAuditFile(path)).toMatchObject({ ok: true });
    const last = JSON.parse(readFileSync(path, 'utf8').trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(last).toMatchObject({ event: 'gateway-stopped', devicesStopped: 10, devicesNotStopped: [] });
  });
});

describe('a failing device does not affect the others', () => {
  it('a thermometer whose sensor stops answering fails alone; the fan it feeds goes to full speed; the gateway is degraded', async () => {
    t = await memoryGateway();
    await t.settle(t.gateway.device('rack-fan')!.device.set('speed', 30));
    await t.clock.advance(5_000);
    expect(t.building.parts.fan.dutyFraction).toBeCloseTo(0.3, 5);
    t.building.parts.sht31.faults.inject('nack');
    await t.clock.advance(60_000);
    expect(deviceHealth(t, 'rack-temp')).toBe('failed');
    for (const other of ['rack-exhaust-temp', 'office-climate', 'office-temp', 'front-door', 'office-hvac']) expect(deviceHealth(t, other), other).toBe('ok');
    expect(t.building.parts.fan.dutyFraction).toBe(1); // fan fail-safe: its temperature source failed
    const health = t.gateway.health() as { status: string; devices: { name: string; status: string; lastError?: { message: string } }[] };
    expect(health.status).toBe('degraded');
    expect(health.devices.find((d) => d.name === 'rack-temp')?.lastError?.message).toBeTruthy();
    // served all the same: the reading is unknown (null), not an error
    const r = await t.settle(t.legacy.get(t.uri('rack-temp', 'temperature')));
    expect(r.codeText).toBe('2.05');
    expect((r.json() as { value: unknown }).value).toBeNull();
    t.building.parts.sht31.faults.clear();
    await t.clock.advance(120_000);
    expect(deviceHealth(t, 'rack-temp')).toBe('ok');
  });

  it('a device that cannot start and one that cannot be built are reported failed, retried, and the others run', async () => {
    t = await memoryGateway({
      devices: (devices) =>
        devices.map((d) => {
          if (d.kind === 'fan') return { ...d, pwm: { chip: 0, channel: 5 } };
          if (d.kind === 'hvac') return { ...d, serial: { ...d.serial, port: 'virtual:nope' }, plain: 'read-only' as const };
          return d;
        }),
    });
    await t.clock.advance(3_000);
    expect(deviceHealth(t, 'rack-fan')).toBe('failed');
    expect(t.gateway.device('rack-fan')?.running).toBe(false);
    expect(deviceHealth(t, 'office-hvac')).toBe('failed');
    expect(t.gateway.device('office-hvac')?.health().lastError?.message).toMatch(/virtual:nope.*virtual:hvac/);
    for (const other of ['rack-temp', 'front-door', 'safe', 'office-lights', 'lobby-camera']) expect(deviceHealth(t, other), other).toBe('ok');
    expect(t.building.parts.door.locked).toBe(true);

    const errors = t.logs.filter((l) => l.level === 50).map((l) => String(l.msg));
    expect(errors.some((m) => /device "rack-fan": start failed: .*retrying in 5 s/.test(m))).toBe(true);
    expect(errors.some((m) => /device "office-hvac" cannot be built/.test(m))).toBe(true);
    await t.clock.advance(6_000);
    expect(t.logs.filter((l) => l.level === 50 && /device "rack-fan": start failed: .*retrying in 10 s/.test(String(l.msg)))).toHaveLength(1);

    const hvac = await t.settle(t.legacy.get(t.uri('office-hvac')));
    expect(hvac.codeText).toBe('2.05');
    expect(JSON.stringify(hvac.json())).toContain('failed');
  });
});

describe('admin HTTP', () => {
  it('/healthz and /metrics answer on loopback; other paths and methods do not', async () => {
    t = await memoryGateway({ options: { adminListen: { address: '127.0.0.1', port: 0 } } });
    await t.clock.advance(3_000);
    await t.settle(t.legacy.get(t.uri('rack-temp', 'temperature')));
    await t.settle(t.legacy.get(t.uri('safe', 'locked')));
    const admin = t.gateway.admin!;
    expect(admin.address).toBe('127.0.0.1');
    const base = `http://127.0.0.1:${admin.port}`;

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; devices: { name: string; status: string }[]; pia: { trust: { check: string } }; unauthenticated: unknown };
    expect(body.devices).toHaveLength(10);
    expect(body.pia.trust.check).toBe('verified');
    expect(body.status).toBe('ok');
    expect(body.unauthenticated).toMatchObject({ total: 1, counts: { phase1: { '4.01': 1 } }, summaries: 0, windowOpen: true });

    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toContain('pia_gateway_device_health{device="rack-temp",kind="thermometer"} 0');
    expect(text).toMatch(/pia_gateway_device_reading\{device="rack-temp",property="temperature",unit="Cel"\} \d+(\.\d+)?/);
    expect(text).toContain('pia_gateway_coap_requests_total{transport="plain",code="2.05"} 1');
    expect(text).toContain('pia_gateway_coap_requests_total{transport="plain",code="4.01"} 1');
    expect(text).toContain('pia_gateway_unauthenticated_refusals_total{phase="1",code="4.01"} 1'); // counted; summarized once its window ends
    expect(text).not.toContain('pia_gateway_audit_records_total{event="refused"}');
    expect(text).toMatch(/pia_gateway_pia_node_total\{counter="exchanges_completed"\} [1-9]/);
    expect(text).toContain('pia_gateway_trust_verified 1');
    expect(text).toMatch(/process_resident_memory_bytes \d+/);

    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});
