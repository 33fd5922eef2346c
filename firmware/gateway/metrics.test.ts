import { describe, expect, it } from 'vitest';
import type { CoapRequest, ExchangeRecord, Target } from '../../coap/index.js';
import type { Health, PropertySpec, Value } from '../../devices/model/index.js';
import type { PiaNodeCounters } from '../../pia/node/index.js';
import { commandOutcome, GatewayMetrics, type MetricsSource } from './metrics.js';

const prop = (name: string, type: PropertySpec['type'], extra: Partial<PropertySpec> = {}): PropertySpec => ({ name, type, writable: false, observable: true, rt: `t.${name}`, description: name, ...extra });
const ok: Health = { status: 'ok', failures: 0 };

function source(values: Record<string, Value>): MetricsSource {
  return {
    devices: () => [
      {
        name: 'office-hvac',
        kind: 'hvac',
        health: { status: 'degraded', failures: 2 },
        values,
        properties: [prop('mode', 'string', { values: ['off', 'cool', 'heat'] }), prop('faultText', 'string'), prop('roomTemperature', 'number', { unit: 'Cel' }), prop('on', 'boolean'), prop('lastServiceAt', 'string', { kind: 'timestamp' })],
      },
      { name: 'rack-temp', kind: 'thermometer', health: ok, values: {}, properties: [] },
    ],
    buses: () => ({
      i2c: [{ bus: 'i2c-1', kind: 'nack', n: 3 }],
      modbus: [{ line: 'virtual:hvac', stats: { requests: 10, broadcasts: 0, retries: 2, timeouts: 1, crcErrors: 1, frameErrors: 0, exceptions: 0, failures: 1, discardedBytes: 0 } }],
    }),
    piaCounters: () => ({ datagramsIn: 7 }) as unknown as PiaNodeCounters,
    trust: () => ({ trustServer: 't', check: 'verified', checkDetail: undefined, phase3Granted: 1, phase3Denied: 0, phase3Failed: 0, last: undefined, peers: new Map() }),
    unauthenticated: () => [],
    build: { version: '1.2.3', gatewayId: 'gw-1' },
  };
}

function exchange(method: 'GET' | 'PUT' | 'POST', target: Target | undefined, code: number, refused = false, durationMs = 12): ExchangeRecord {
  const request = { method, path: target !== undefined && 'name' in target ? [target.device, target.name] : ['nowhere'], target, observe: undefined } as unknown as CoapRequest;
  return { request, ctx: { phase: 3 } as ExchangeRecord['ctx'], code, diagnostic: undefined, refused, observing: undefined, durationMs };
}

const fanSpeed = { kind: 'property', device: 'rack-fan', name: 'speed' } as unknown as Target;
const line = (text: string, series: string): string | undefined => text.split('\n').find((l) => l.startsWith(`${series} `));

describe('gateway metrics', () => {
  it('text states are labelled gauges; timestamps and unknown values are not; numbers and booleans are readings', async () => {
    const text = await new GatewayMetrics(source({ mode: 'cool', faultText: 'fan motor', roomTemperature: 24.5, on: true, lastServiceAt: '2030-01-01T00:00:00.000Z' })).text();
    expect(line(text, 'pia_gateway_device_state{device="office-hvac",property="mode",state="cool"}')).toMatch(/ 1$/);
    expect(line(text, 'pia_gateway_device_state{device="office-hvac",property="faultText",state="fan motor"}')).toMatch(/ 1$/);
    expect(text).not.toMatch(/property="lastServiceAt"/);
    expect(line(text, 'pia_gateway_device_reading{device="office-hvac",property="roomTemperature",unit="Cel"}')).toMatch(/ 24\.5$/);
    expect(line(text, 'pia_gateway_device_reading{device="office-hvac",property="on",unit=""}')).toMatch(/ 1$/);
    expect(line(text, 'pia_gateway_device_health{device="office-hvac",kind="hvac"}')).toMatch(/ 1$/);
    const unknown = await new GatewayMetrics(source({ mode: null, faultText: null })).text();
    expect(unknown).not.toMatch(/pia_gateway_device_state\{/);
  });

  it('bus errors, build info and the start time', async () => {
    const text = await new GatewayMetrics(source({})).text();
    expect(line(text, 'pia_gateway_pia_node_total{counter="datagrams_in"}')).toMatch(/ 7$/);
    expect(line(text, 'pia_gateway_i2c_errors_total{bus="i2c-1",kind="nack"}')).toMatch(/ 3$/);
    expect(line(text, 'pia_gateway_modbus_total{line="virtual:hvac",counter="timeouts"}')).toMatch(/ 1$/);
    expect(line(text, 'pia_gateway_modbus_total{line="virtual:hvac",counter="crc_errors"}')).toMatch(/ 1$/);
    expect(line(text, `pia_gateway_build_info{version="1.2.3",nodejs="${process.versions.node}",gateway_id="gw-1"}`)).toMatch(/ 1$/);
    const started = Number(line(text, 'process_start_time_seconds')?.split(' ')[1]);
    expect(started).toBeGreaterThan(Date.now() / 1000 - process.uptime() - 5);
    expect(started).toBeLessThanOrEqual(Date.now() / 1000);
  });

  it('commands by device, name, transport and outcome, and request durations by kind', async () => {
    const m = new GatewayMetrics(source({}));
    m.exchange(exchange('PUT', fanSpeed, 0x44)); // 2.04
    m.exchange(exchange('PUT', fanSpeed, 0x44));
    m.exchange(exchange('PUT', fanSpeed, 0x83, true)); // 4.03 refused by the policy
    m.exchange(exchange('PUT', fanSpeed, 0xa3)); // 5.03 busy
    m.exchange(exchange('PUT', undefined, 0x84)); // 4.04: no such resource: no command series
    m.exchange(exchange('GET', fanSpeed, 0x45, false, 3));
    m.command('front-door', 'unlock', 'mqtt', 'ok');
    const text = await m.text();
    expect(line(text, 'pia_gateway_commands_total{device="rack-fan",name="speed",transport="pia",outcome="ok"}')).toMatch(/ 2$/);
    expect(line(text, 'pia_gateway_commands_total{device="rack-fan",name="speed",transport="pia",outcome="refused"}')).toMatch(/ 1$/);
    expect(line(text, 'pia_gateway_commands_total{device="rack-fan",name="speed",transport="pia",outcome="busy"}')).toMatch(/ 1$/);
    expect(line(text, 'pia_gateway_commands_total{device="front-door",name="unlock",transport="mqtt",outcome="ok"}')).toMatch(/ 1$/);
    expect(text).not.toMatch(/name="nowhere"|device="nowhere"/);
    expect(line(text, 'pia_gateway_request_duration_seconds_count{transport="pia",kind="command"}')).toMatch(/ 5$/);
    expect(line(text, 'pia_gateway_request_duration_seconds_bucket{le="0.005",transport="pia",kind="read"}')).toMatch(/ 1$/);
    expect(line(text, 'pia_gateway_request_duration_seconds_bucket{le="0.01",transport="pia",kind="command"}')).toMatch(/ 0$/);
    expect(line(text, 'pia_gateway_coap_requests_total{transport="pia",code="2.04"}')).toMatch(/ 2$/);
  });

  it.each([
    [0x44, false, 'ok'],
    [0x83, true, 'refused'],
    [0x80, false, 'invalid'],
    [0xa3, false, 'busy'],
    [0xa0, false, 'failed'],
  ] as const)('code %s (refused %s) is outcome %s', (code, refused, outcome) => {
    expect(commandOutcome(code, refused)).toBe(outcome);
  });
});
