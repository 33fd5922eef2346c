/** docs/protocol.md §9.9: one report part decoded, and every kind of bad input named by its field. */
import { describe, expect, it } from 'vitest';
import { decodeReportPart, MAX_REPORT_JSON_BYTES } from './wire.js';

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const part = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ v: 1, seq: 7, fw: '0.1.0', part: 0, parts: 1, devices: [['rack1-fan', 'fan', 'ok']], ...over });
const problem = (v: unknown): { field: string; problem: string; tooLarge: boolean } => {
  const d = decodeReportPart(enc(v));
  if (d.ok) throw new Error(`decoded ${JSON.stringify(v)}`);
  return d;
};

describe('report part decoding (§9.9)', () => {
  it('a well-formed part: seq, firmware, part of parts, devices with status and optional detail', () => {
    const d = decodeReportPart(enc(part({ part: 1, parts: 2, devices: [['rack1-fan', 'fan', 'ok'], ['door.A_2', 'door', 'failed', 'i2c-1 0x20: NACK']] })));
    expect(d).toEqual({
      ok: true,
      part: { seq: 7, firmware: '0.1.0', part: 1, parts: 2, devices: [{ name: 'rack1-fan', kind: 'fan', status: 'ok' }, { name: 'door.A_2', kind: 'door', status: 'failed', detail: 'i2c-1 0x20: NACK' }] },
    });
    expect(decodeReportPart(enc(part({ devices: [] })))).toMatchObject({ ok: true, part: { devices: [] } });
  });

  it('not JSON, not UTF-8, not an object: named as the payload', () => {
    expect(problem('{"v":1,')).toMatchObject({ field: 'payload', problem: expect.stringMatching(/not UTF-8 JSON/) });
    expect(decodeReportPart(Uint8Array.from([0x7b, 0xff, 0x7d]))).toMatchObject({ ok: false, field: 'payload' });
    expect(problem([1, 2])).toMatchObject({ field: 'payload', problem: expect.stringMatching(/not a JSON object/) });
    expect(problem('null')).toMatchObject({ field: 'payload' });
  });

  it('over 1024 bytes is "too large" (4.13), before any parsing', () => {
    const big = enc(part({ devices: Array.from({ length: 40 }, (_, i) => [`device-${i}`, 'thermometer', 'ok']) }));
    expect(big.length).toBeGreaterThan(MAX_REPORT_JSON_BYTES);
    expect(decodeReportPart(big)).toMatchObject({ ok: false, tooLarge: true, field: 'payload', problem: expect.stringMatching(/at most 1024: send the devices in more parts/) });
    expect(decodeReportPart(new Uint8Array(MAX_REPORT_JSON_BYTES + 1))).toMatchObject({ tooLarge: true });
  });

  it('missing, unknown and mistyped header fields are named', () => {
    const { seq: _seq, ...noSeq } = part();
    expect(problem(noSeq)).toMatchObject({ field: 'seq', problem: expect.stringMatching(/missing/) });
    expect(problem(part({ gateway: 'someone-else' }))).toMatchObject({ field: 'gateway', problem: expect.stringMatching(/unknown field/) });
    expect(problem(part({ v: 2 }))).toMatchObject({ field: 'v', problem: expect.stringMatching(/version 2 is not supported/) });
    expect(problem(part({ seq: -1 }))).toMatchObject({ field: 'seq' });
    expect(problem(part({ seq: 1.5 }))).toMatchObject({ field: 'seq' });
    expect(problem(part({ fw: '' }))).toMatchObject({ field: 'fw' });
    expect(problem(part({ fw: 'x'.repeat(33) }))).toMatchObject({ field: 'fw' });
    expect(problem(part({ parts: 0 }))).toMatchObject({ field: 'parts' });
    expect(problem(part({ parts: 257 }))).toMatchObject({ field: 'parts' });
    expect(problem(part({ part: 1, parts: 1 }))).toMatchObject({ field: 'part', problem: expect.stringMatching(/0–0 \(parts is 1\)/) });
    expect(problem(part({ devices: {} }))).toMatchObject({ field: 'devices' });
  });

  it('bad device names, kinds, statuses and details are named by index and field, the value quoted short and printable', () => {
    expect(problem(part({ devices: [['ok-one', 'fan', 'ok'], ['bad name', 'fan', 'ok']] }))).toMatchObject({ field: 'devices[1] name', problem: expect.stringMatching(/^"bad name" is not a device name: 1–64 of/) });
    expect(problem(part({ devices: [['', 'fan', 'ok']] }))).toMatchObject({ field: 'devices[0] name' });
    expect(problem(part({ devices: [['x'.repeat(65), 'fan', 'ok']] }))).toMatchObject({ field: 'devices[0] name', problem: expect.stringMatching(/^"x{24}…"/) });
    expect(problem(part({ devices: [['a', 'k'.repeat(33), 'ok']] }))).toMatchObject({ field: 'devices[0] kind' });
    expect(problem(part({ devices: [['a', 'fan', 'broken']] }))).toMatchObject({ field: 'devices[0] status', problem: '"broken" is not one of ok, degraded, failed' });
    expect(problem(part({ devices: [['a', 'fan', 'ok', 'd'.repeat(121)]] }))).toMatchObject({ field: 'devices[0] detail' });
    expect(problem(part({ devices: [['a', 'fan', 'ok', 'line\nbreak']] }))).toMatchObject({ field: 'devices[0] detail' });
    expect(problem(part({ devices: [['a', 'fan']] }))).toMatchObject({ field: 'devices[0]' });
    expect(problem(part({ devices: [['a', 'fan', 'ok', 'x', 'y']] }))).toMatchObject({ field: 'devices[0]' });
    expect(problem(part({ devices: [['a', 'fan', 'ok'], ['a', 'door', 'ok']] }))).toMatchObject({ field: 'devices[1]', problem: expect.stringMatching(/appears twice/) });
    expect(problem(part({ devices: [['\u0007bell', 'fan', 'ok']] })).problem).toMatch(/^"\?bell"/);
  });
});
