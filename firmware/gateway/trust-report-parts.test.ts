/** docs/protocol.md §9.9: the gateway's report cut into parts the trusted server's decoder takes, each ≤ 1024 bytes. */
import { describe, expect, it } from 'vitest';
import { decodeReportPart, type ReportPart } from '../../trust-server/reports/index.js';
import { encodeReport, MAX_PART_JSON_BYTES, type ReportDevice } from './trust-report-parts.js';

const decode = (json: string): ReportPart => {
  const d = decodeReportPart(new TextEncoder().encode(json));
  if (!d.ok) throw new Error(`${d.field}: ${d.problem}`);
  return d.part;
};

describe('report parts (§9.9)', () => {
  it('a few devices: one part; ok devices carry no detail, others their last error', () => {
    const r = encodeReport(42, '0.1.0', [
      { name: 'rack1-fan', kind: 'fan', status: 'ok', detail: 'an old error' },
      { name: 'front-door', kind: 'door', status: 'failed', detail: 'i2c-1 0x20: NACK\nagain' },
    ]);
    expect(r.parts).toHaveLength(1);
    expect(decode(r.parts[0]!)).toEqual({
      seq: 42,
      firmware: '0.1.0',
      part: 0,
      parts: 1,
      devices: [{ name: 'rack1-fan', kind: 'fan', status: 'ok' }, { name: 'front-door', kind: 'door', status: 'failed', detail: 'i2c-1 0x20: NACK again' }],
    });
  });

  it('many devices with long details: several parts, each ≤ 1024 bytes, all with one seq, together the devices in order', () => {
    const devices: ReportDevice[] = Array.from({ length: 60 }, (_, i) => ({ name: `room-${i}-thermometer`, kind: 'thermometer', status: i % 3 === 0 ? 'degraded' : 'ok', detail: `SHT31 at i2c-1 0x44: CRC mismatch ${'é'.repeat(150)}` }));
    const r = encodeReport(7, '0.1.0', devices);
    expect(r.parts.length).toBeGreaterThan(2);
    const parts = r.parts.map((p) => {
      expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_PART_JSON_BYTES);
      return decode(p);
    });
    expect(parts.map((p) => [p.seq, p.part, p.parts])).toEqual(parts.map((_, i) => [7, i, parts.length]));
    expect(parts.flatMap((p) => p.devices.map((d) => d.name))).toEqual(devices.map((d) => d.name));
    expect(parts.flatMap((p) => p.devices).find((d) => d.status === 'degraded')?.detail).toHaveLength(120);
    expect(r.leftOut).toBe(0);
  });

  it('no devices: one part with an empty list; beyond 256 devices the rest are left out, and counted', () => {
    expect(decode(encodeReport(1, '0.1.0', []).parts[0]!)).toMatchObject({ parts: 1, devices: [] });
    const many = encodeReport(2, '0.1.0', Array.from({ length: 300 }, (_, i) => ({ name: `d${i}`, kind: 'fan', status: 'ok' as const })));
    expect(many.leftOut).toBe(44);
    expect(many.parts.flatMap((p) => decode(p).devices)).toHaveLength(256);
  });
});
