/**
 * A gateway report as the trusted server reads it (docs/protocol.md §9.9): the devices cut into
 * parts whose JSON is at most 1024 bytes each, all with one `seq`:
 *
 *   {"v":1,"seq":S,"fw":"0.1.0","part":P,"parts":N,"devices":[["name","kind","ok|degraded|failed","detail?"],…]}
 *
 *   1. each device becomes [name, kind, status] plus its detail (the last error, cut to 120
 *      characters, control characters replaced) when it is not ok;
 *   2. devices are packed in config order, a part closed when the next device would take its
 *      JSON over 1024 bytes (the header sized for the largest part and parts numbers);
 *   3. at most 256 devices (the server refuses more): the rest are left out, and said so.
 * Must hold: every part's JSON ≤ MAX_PART_JSON_BYTES; the payload never names the gateway (the
 * server takes that from the PIA association).
 */
import type { HealthStatus } from '../../common/index.js';

export const MAX_PART_JSON_BYTES = 1024;
export const MAX_REPORTED_DEVICES = 256;
export const MAX_DETAIL_CHARS = 120;

export interface ReportDevice {
  readonly name: string;
  readonly kind: string;
  readonly status: HealthStatus;
  /** The last error, for a device that is not ok. */
  readonly detail?: string;
}

export interface EncodedReport {
  readonly seq: number;
  /** Each part's JSON, in order (part 0 first). */
  readonly parts: readonly string[];
  /** Devices beyond MAX_REPORTED_DEVICES, left out. */
  readonly leftOut: number;
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function entry(d: ReportDevice): string[] {
  const base = [d.name, d.kind, d.status];
  if (d.status === 'ok' || d.detail === undefined || d.detail === '') return base;
  const detail = d.detail.replace(CONTROL, ' ');
  return [...base, detail.length > MAX_DETAIL_CHARS ? `${detail.slice(0, MAX_DETAIL_CHARS - 1)}…` : detail];
}

export function encodeReport(seq: number, firmware: string, devices: readonly ReportDevice[]): EncodedReport {
  const kept = devices.slice(0, MAX_REPORTED_DEVICES);
  const entries = kept.map((d) => JSON.stringify(entry(d)));
  // The header with the widest numbers a part can carry: every part then fits whatever its P and N.
  const widest = `{"v":1,"seq":${seq},"fw":${JSON.stringify(firmware)},"part":${MAX_REPORTED_DEVICES},"parts":${MAX_REPORTED_DEVICES},"devices":[]}`;
  const room = MAX_PART_JSON_BYTES - bytes(widest);
  const groups: string[][] = [[]];
  let used = 0;
  for (const e of entries) {
    const cost = bytes(e) + 1; // the comma
    const group = groups[groups.length - 1]!;
    if (group.length > 0 && used + cost > room) {
      groups.push([e]);
      used = cost;
    } else {
      group.push(e);
      used += cost;
    }
  }
  const parts = groups.map((g, i) => `{"v":1,"seq":${seq},"fw":${JSON.stringify(firmware)},"part":${i},"parts":${groups.length},"devices":[${g.join(',')}]}`);
  return { seq, parts, leftOut: devices.length - kept.length };
}
