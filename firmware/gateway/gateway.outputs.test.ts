/**
 * Outputs across restarts (devices/model/output-policy.ts): lighting keeps its state through a
 * clean stop (onStop hold) and comes back as last commanded at the next start (onBoot hold),
 * from the state kept in the gateway's stateDir, saved when the command was carried out, so a
 * SIGKILL loses nothing. Each run has its own virtual building, as each gateway process has.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Device } from '../../devices/index.js';
import { memoryGateway, type MemoryGateway } from './test-support/index.js';

const opened: MemoryGateway[] = [];
let shared: string | undefined;
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
  if (shared !== undefined) rmSync(shared, { recursive: true, force: true });
});

async function run(stateDir: string, devices?: (d: readonly Record<string, unknown>[]) => Record<string, unknown>[]): Promise<MemoryGateway> {
  const t = await memoryGateway({ gateway: { stateDir, auditLog: join(stateDir, 'audit.log') }, ...(devices === undefined ? {} : { devices: devices as never }) });
  opened.push(t);
  return t;
}

const lightsOf = (t: MemoryGateway): Device => t.gateway.devices.find((d) => d.name === 'office-lights')?.device ?? expect.fail('no office-lights');

describe('outputs across restarts', () => {
  it('lighting: a clean stop leaves the lights on; the next start brings back the last command; the state is on disk before any stop', async () => {
    shared = mkdtempSync(join(tmpdir(), 'pia-outputs-'));
    const first = await run(shared);
    await first.clock.settle(lightsOf(first).set('on', true));
    await first.clock.settle(lightsOf(first).set('level', 40));
    await first.clock.settle(first.gateway.close()); // SIGTERM: the stop policy (hold)
    expect([first.building.parts.lighting.on, first.building.parts.lighting.level]).toEqual([true, 0.4]);

    const second = await run(shared);
    expect(lightsOf(second).read()).toEqual({ on: true, level: 40 });
    expect([second.building.parts.lighting.on, second.building.parts.lighting.level]).toEqual([true, 0.4]);
    await second.clock.settle(lightsOf(second).set('level', 60));
    // SIGKILL right now would lose nothing: the command's state is already on disk, 0600.
    const file = join(shared, 'outputs', 'office-lights.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ on: true, levelPct: 60 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('the fan: safe speed at start, then the remembered speed once its thermometer has read', async () => {
    shared = mkdtempSync(join(tmpdir(), 'pia-outputs-'));
    const fanOf = (t: MemoryGateway): Device => t.gateway.devices.find((d) => d.name === 'rack-fan')?.device ?? expect.fail('no rack-fan');
    const first = await run(shared);
    await first.clock.settle(fanOf(first).set('speed', 40));
    await first.clock.settle(first.gateway.close());
    expect(first.building.parts.fan.dutyFraction).toBe(1); // the fan's stop: its safe speed

    const second = await run(shared);
    expect(fanOf(second).read()).toMatchObject({ speed: 40, output: 100 });
    await expect.poll(async () => (await second.clock.advance(500), second.building.parts.fan.dutyFraction), { timeout: 10_000, interval: 1 }).toBe(0.4);
    expect(fanOf(second).read()).toMatchObject({ speed: 40, output: 40, failSafe: false });
  });

  it("the fan's onStop/onBoot in gateway.yaml: hold keeps its speed through the stop; a boot speed replaces the remembered one once the thermometer has read", async () => {
    shared = mkdtempSync(join(tmpdir(), 'pia-outputs-'));
    const fanOf = (t: MemoryGateway): Device => t.gateway.devices.find((d) => d.name === 'rack-fan')?.device ?? expect.fail('no rack-fan');
    const withFan = (extra: Record<string, unknown>) => (devices: readonly Record<string, unknown>[]): Record<string, unknown>[] => devices.map((d) => (d.name === 'rack-fan' ? { ...d, ...extra } : d));
    const first = await run(shared, withFan({ onStop: 'hold' }));
    await first.clock.settle(fanOf(first).set('speed', 40));
    await first.clock.settle(first.gateway.close());
    expect(first.building.parts.fan.dutyFraction).toBe(0.4);

    const second = await run(shared, withFan({ onBoot: { speed: 70 } }));
    expect(fanOf(second).read()).toMatchObject({ speed: 70, output: 100 });
    await expect.poll(async () => (await second.clock.advance(500), second.building.parts.fan.dutyFraction), { timeout: 10_000, interval: 1 }).toBe(0.7);
  });

  it("onStop/onBoot 'safe' in gateway.yaml: off at stop, off at start, whatever was remembered", async () => {
    shared = mkdtempSync(join(tmpdir(), 'pia-outputs-'));
    const safe = (devices: readonly Record<string, unknown>[]): Record<string, unknown>[] => devices.map((d) => (d.name === 'office-lights' ? { ...d, onStop: 'safe', onBoot: 'safe' } : d));
    const first = await run(shared, safe);
    await first.clock.settle(lightsOf(first).set('on', true));
    await first.clock.settle(first.gateway.close());
    expect(first.building.parts.lighting.on).toBe(false);
    const second = await run(shared, safe);
    expect(lightsOf(second).read()).toEqual({ on: false, level: 100 });
  });

  it('a remembered state that is not one (hand-edited, truncated) is ignored with a warning: the lights start safe', async () => {
    shared = mkdtempSync(join(tmpdir(), 'pia-outputs-'));
    const first = await run(shared);
    await first.clock.settle(lightsOf(first).set('on', true));
    await first.clock.settle(first.gateway.close());
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(shared, 'outputs', 'office-lights.json'), '{"on": "yes"');
    const second = await run(shared);
    expect(lightsOf(second).read()).toEqual({ on: false, level: 100 });
    expect(second.logs.some((l) => String(l.msg).includes('does not hold a state of this device'))).toBe(true);
  });
});
