/**
 * The MQTT command intake alone (a recording uplink port, a device double, a ManualClock):
 * decided by the policy with the subject's grants, audited, bounded in flight, bad input
 * answered on the result topic without an audit record, refusal records bounded per minute.
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../common/audit/index.js';
import { ManualClock } from '../../common/index.js';
import type { Device, DeviceDescription, Value } from '../../devices/model/index.js';
import type { Grant } from '../../pia/discovery/index.js';
import { topicsFor } from '../uplink/index.js';
import { JUNK_RESULTS_PER_MINUTE, REFUSALS_PER_MINUTE, UplinkCommands, type CommandPort } from './uplink-commands.js';

const SUBJECT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const topics = topicsFor('pia', 'gw1');
const description: DeviceDescription = {
  name: 'rack-fan',
  kind: 'fan',
  part: 'test fan',
  properties: [{ name: 'speed', type: 'number', min: 0, max: 100, unit: '%', writable: true, observable: true, rt: 'pia.fan.speed', description: 'speed' }],
  actions: [{ name: 'reboot', params: [], right: 'call:reboot', rt: 'pia.reboot', description: 'reboot' }],
  blobs: [],
};

/** A device whose writes wait until `release()` when `hold` is set. */
function fakeDevice(): Device & { writes: [string, unknown][]; hold: boolean; release(): void } {
  const waiting: (() => void)[] = [];
  const d = {
    writes: [] as [string, unknown][],
    hold: false,
    release: () => waiting.splice(0).forEach((f) => f()),
    describe: () => description,
    read: (): Record<string, Value> => ({ speed: 0 }),
    health: () => ({ status: 'ok' as const, failures: 0 }),
    async set(property: string, value: unknown): Promise<Value> {
      if (d.hold) await new Promise<void>((r) => waiting.push(r));
      if (typeof value !== 'number' || value > 100) throw new Error(`speed ${String(value)} is outside 0–100`);
      d.writes.push([property, value]);
      return value;
    },
    call: (action: string): Promise<Record<string, Value>> => (d.writes.push([action, null]), Promise.resolve({})),
    fetch: () => Promise.resolve(new Uint8Array(0)),
    onChange: () => () => undefined,
    onEvent: () => () => undefined,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
  return d;
}

function rig(o: { grants?: Grant[]; maxInFlight?: number; writable?: boolean } = {}) {
  const clock = new ManualClock(1_000);
  const outcomes: string[] = [];
  const published: { topic: string; payload: string; retain: boolean }[] = [];
  const records: { event: string; fields: Readonly<Record<string, JsonValue>> }[] = [];
  const port: CommandPort = { onCommand: () => undefined, publishNow: (topic, payload, retain) => (published.push({ topic, payload: payload.toString(), retain }), true), topicLayout: topics };
  const device = fakeDevice();
  const audit = { writable: o.writable ?? true, append: (event: string, fields: Readonly<Record<string, JsonValue>>) => void records.push({ event, fields }) };
  const commands = new UplinkCommands({
    uplink: port,
    devices: [{ name: 'rack-fan', device }],
    subject: SUBJECT,
    grants: () => ({ label: 'home-assistant', grants: o.grants ?? [] }),
    client: { clientId: 'pia-gw1', username: 'gw-user', broker: { address: '127.0.0.1', port: 1883 } },
    audit,
    clock,
    wallNow: () => new Date(Date.UTC(2026, 11, 7, 12)),
    closing: () => false,
    ...(o.maxInFlight === undefined ? {} : { maxInFlight: o.maxInFlight }),
    onOutcome: (d, n, outcome) => void outcomes.push(`${d} ${n} ${outcome}`),
  });
  const send = (topic: string, payload: string): ReturnType<UplinkCommands['handle']> => commands.handle(topic, new TextEncoder().encode(payload));
  return { clock, published, records, device, commands, send, outcomes };
}

const control: Grant[] = [{ id: 'g1', devices: 'rack-*', rights: ['control'], validS: 60 }];

describe('commands from MQTT', () => {
  it('runs a command the grant covers: the device written, an audit record naming the MQTT client and the subject, an ok result', async () => {
    const r = rig({ grants: control });
    expect(r.commands.allowed('rack-fan', 'control')).toBe(true);
    expect(await r.send('pia/gw1/rack-fan/speed/set', '40')).toEqual({ ok: true, at: '2026-12-07T12:00:00.000Z' });
    expect(r.device.writes).toEqual([['speed', 40]]);
    expect(r.published).toEqual([{ topic: 'pia/gw1/rack-fan/speed/result', payload: '{"ok":true,"at":"2026-12-07T12:00:00.000Z"}', retain: false }]);
    expect(r.records).toEqual([
      { event: 'command', fields: { who: `operator ${SUBJECT} ("home-assistant") at 127.0.0.1:1883`, phase: 3, device: 'rack-fan', request: 'MQTT set rack-fan/speed', result: 'ok', client: 'mqtt client pia-gw1 user gw-user', nodeId: SUBJECT, subject: SUBJECT } },
    ]);
    expect(JSON.stringify(r.records)).not.toContain('"40"');
  });

  it('refuses what the grant does not cover, audited as refused, the device untouched', async () => {
    const r = rig({ grants: [{ id: 'g1', devices: '*', rights: ['read'], validS: 60 }] });
    expect(r.commands.allowed('rack-fan', 'control')).toBe(false);
    expect(r.commands.allowed('rack-fan', 'call:reboot')).toBe(false);
    const result = await r.send('pia/gw1/rack-fan/reboot/call', 'PRESS');
    expect(result).toMatchObject({ ok: false, error: 'refused', reason: expect.stringMatching(/has no grant with "call:reboot" on device "rack-fan"/) as unknown });
    expect(r.device.writes).toEqual([]);
    expect(r.records.map((x) => [x.event, x.fields.request])).toEqual([['refused', 'MQTT call rack-fan/reboot']]);
  });

  it('answers bad input on the result topic without an audit record: an unknown device, a bad payload; a failed write is audited as an error', async () => {
    const r = rig({ grants: control });
    expect(await r.send('pia/gw1/no-such/speed/set', '1')).toMatchObject({ ok: false, error: 'not-found', reason: expect.stringMatching(/serves no device "no-such"/) as unknown });
    expect(await r.send('pia/gw1/rack-fan/speed/set', 'fast')).toMatchObject({ ok: false, error: 'invalid' });
    expect(await r.send('pia/gw1/rack-fan/state', '1')).toBeUndefined();
    expect(r.records).toEqual([]);
    expect(await r.send('pia/gw1/rack-fan/speed/set', '150')).toMatchObject({ ok: false, error: 'failed', reason: 'speed 150 is outside 0–100' });
    expect(r.records.map((x) => x.fields.result)).toEqual(['error: speed 150 is outside 0–100']);
    expect(r.published.map((p) => p.topic)).toEqual(['pia/gw1/no-such/speed/result', 'pia/gw1/rack-fan/speed/result', 'pia/gw1/rack-fan/speed/result']);
    await r.send('pia/gw1/rack-fan/bogus-name/set', '1');
    // metrics labels stay bounded: no unknown device, an unknown name as "_other"
    expect(r.outcomes).toEqual(['rack-fan speed invalid', 'rack-fan speed failed', 'rack-fan _other invalid']);
  });

  it('keeps at most maxInFlight commands running: the next is refused busy, and taken again once one finished', async () => {
    const r = rig({ grants: control, maxInFlight: 2 });
    r.device.hold = true;
    const first = r.send('pia/gw1/rack-fan/speed/set', '10');
    const second = r.send('pia/gw1/rack-fan/speed/set', '20');
    expect(await r.send('pia/gw1/rack-fan/speed/set', '30')).toMatchObject({ ok: false, error: 'busy', reason: '2 commands are running already; retry when one has finished' });
    r.device.release();
    expect([await first, await second].map((x) => x?.ok)).toEqual([true, true]);
    r.device.hold = false;
    expect(await r.send('pia/gw1/rack-fan/speed/set', '30')).toMatchObject({ ok: true });
    expect(r.device.writes.map(([, v]) => v)).toEqual([10, 20, 30]);
  });

  it('refuses every command while the audit log cannot be written', async () => {
    const r = rig({ grants: control, writable: false });
    expect(await r.send('pia/gw1/rack-fan/speed/set', '40')).toMatchObject({ ok: false, error: 'refused', reason: expect.stringMatching(/audit log cannot be written/) as unknown });
    expect(r.device.writes).toEqual([]);
  });

  it('answers at most JUNK_RESULTS_PER_MINUTE junk commands a minute, counting the rest', async () => {
    const r = rig({ grants: control });
    for (let i = 0; i < JUNK_RESULTS_PER_MINUTE + 5; i++) await r.send('pia/gw1/no-such/x/set', '1');
    expect(r.published).toHaveLength(JUNK_RESULTS_PER_MINUTE);
    expect(r.commands.counters).toMatchObject({ invalid: JUNK_RESULTS_PER_MINUTE + 5, unanswered: 5 });
    expect(await r.send('pia/gw1/rack-fan/speed/set', '40')).toMatchObject({ ok: true });
    expect(r.published.at(-1)?.topic).toBe('pia/gw1/rack-fan/speed/result'); // a real command's result is never held back
    await r.clock.advance(1_000);
    await r.send('pia/gw1/no-such/x/set', '1');
    expect(r.published.at(-1)?.topic).toBe('pia/gw1/no-such/x/result');
  });

  it('writes at most REFUSALS_PER_MINUTE refusal records a minute; the next one says how many were left out', async () => {
    const r = rig();
    for (let i = 0; i < REFUSALS_PER_MINUTE + 10; i++) await r.send('pia/gw1/rack-fan/speed/set', '1');
    expect(r.records).toHaveLength(REFUSALS_PER_MINUTE);
    expect(r.commands.counters).toMatchObject({ refused: REFUSALS_PER_MINUTE + 10, suppressedAudits: 10 });
    await r.clock.advance(60_000);
    await r.send('pia/gw1/rack-fan/speed/set', '1');
    expect(r.records.at(-1)?.fields).toMatchObject({ suppressed: 10 });
  });
});
