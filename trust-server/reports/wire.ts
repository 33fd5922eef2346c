/**
 * A gateway report's wire format (docs/protocol.md §9.9): one part of a report, as JSON in a
 * CoAP POST to /pia/report over the gateway's PIA association with the trusted server:
 *
 *   {"v":1,"seq":S,"fw":"0.1.0","part":P,"parts":N,"devices":[["name","kind","ok|degraded|failed","detail?"],…]}
 *
 * Decoding, in this order (the first problem is the answer, naming the field):
 *   1. at most MAX_REPORT_JSON_BYTES bytes → else "too large" (4.13);
 *   2. strict UTF-8, JSON, an object with exactly the fields above;
 *   3. v = 1; seq a whole number 0 … 2^53 − 1; fw 1–32 printable ASCII characters;
 *      parts 1 … MAX_REPORT_DEVICES, part 0 … parts − 1;
 *   4. devices an array of at most MAX_REPORT_DEVICES entries, each [name, kind, status] or
 *      [name, kind, status, detail]: name 1–64 of [A-Za-z0-9._-], kind 1–32 of the same,
 *      status ok | degraded | failed, detail 0–120 characters without control characters;
 *      no name twice.
 * Must hold: no field of the payload says which gateway sent it (that comes from the PIA
 * security context only); whatever the input, the decoder returns (never throws) and its
 * problem text quotes at most a short, sanitized piece of it.
 */

/** The JSON of one part: ≤ 1024 bytes, so the CoAP message fits PIA_MAX_MESSAGE (1147). */
export const MAX_REPORT_JSON_BYTES = 1024;
/** Devices in one report (all parts together). */
export const MAX_REPORT_DEVICES = 256;
export const MAX_DETAIL_CHARS = 120;
export const REPORT_VERSION = 1;
/** The resource path: POST coap://[trusted server]/pia/report (inner UDP port 5683). */
export const REPORT_PATH: readonly string[] = ['pia', 'report'];

export const DEVICE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const DEVICE_KIND = /^[A-Za-z0-9._-]{1,32}$/;
const FIRMWARE = /^[\x21-\x7e]{1,32}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export type DeviceStatus = 'ok' | 'degraded' | 'failed';
export const DEVICE_STATUSES: readonly DeviceStatus[] = ['ok', 'degraded', 'failed'];

export interface ReportedDevice {
  readonly name: string;
  readonly kind: string;
  readonly status: DeviceStatus;
  readonly detail?: string;
}

export interface ReportPart {
  readonly seq: number;
  readonly firmware: string;
  readonly part: number;
  readonly parts: number;
  readonly devices: readonly ReportedDevice[];
}

export type Decoded = { readonly ok: true; readonly part: ReportPart } | { readonly ok: false; readonly tooLarge: boolean; readonly field: string; readonly problem: string };

const FIELDS = ['v', 'seq', 'fw', 'part', 'parts', 'devices'] as const;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const bad = (field: string, problem: string): Decoded => ({ ok: false, tooLarge: false, field, problem });

/** A short, printable excerpt of untrusted text for a diagnostic. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  const short = clean.length > 24 ? `${clean.slice(0, 24)}…` : clean;
  return typeof value === 'string' ? JSON.stringify(short) : short;
}

export function decodeReportPart(payload: Uint8Array): Decoded {
  if (payload.length > MAX_REPORT_JSON_BYTES) return { ok: false, tooLarge: true, field: 'payload', problem: `${payload.length} bytes of JSON, at most ${MAX_REPORT_JSON_BYTES}: send the devices in more parts` };
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(payload));
  } catch {
    return bad('payload', 'not UTF-8 JSON: send the report as a JSON object (content format 50)');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('payload', 'not a JSON object: send {"v":1,"seq":…,"fw":…,"part":…,"parts":…,"devices":[…]}');
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(FIELDS as readonly string[]).includes(k)) return bad(k, `unknown field ${quote(k)}: a version-1 report has only ${FIELDS.join(', ')}`);
  for (const k of FIELDS) if (!(k in o)) return bad(k, `missing: a version-1 report has ${FIELDS.join(', ')}`);
  if (o.v !== REPORT_VERSION) return bad('v', `version ${quote(o.v)} is not supported: this server reads version ${REPORT_VERSION}`);
  const seq = o.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return bad('seq', `${quote(seq)} is not a whole number 0 … 2^53 − 1`);
  const fw = o.fw;
  if (typeof fw !== 'string' || !FIRMWARE.test(fw)) return bad('fw', `${quote(fw)} is not a firmware version (1–32 printable ASCII characters, e.g. "0.1.0")`);
  const parts = o.parts;
  if (typeof parts !== 'number' || !Number.isInteger(parts) || parts < 1 || parts > MAX_REPORT_DEVICES) return bad('parts', `${quote(parts)} is not a whole number 1–${MAX_REPORT_DEVICES}`);
  const part = o.part;
  if (typeof part !== 'number' || !Number.isInteger(part) || part < 0 || part >= parts) return bad('part', `${quote(part)} is not a whole number 0–${parts - 1} (parts is ${parts})`);
  if (!Array.isArray(o.devices)) return bad('devices', 'not an array of [name, kind, status, detail?]');
  if (o.devices.length > MAX_REPORT_DEVICES) return bad('devices', `${o.devices.length} devices, at most ${MAX_REPORT_DEVICES} in a report`);
  const devices: ReportedDevice[] = [];
  const names = new Set<string>();
  for (const [i, entry] of (o.devices as unknown[]).entries()) {
    const d = decodeDevice(entry, `devices[${i}]`);
    if ('problem' in d) return d.problem;
    if (names.has(d.name)) return bad(`devices[${i}]`, `device ${quote(d.name)} appears twice in this part`);
    names.add(d.name);
    devices.push(d);
  }
  return { ok: true, part: { seq, firmware: fw, part, parts, devices } };
}

function decodeDevice(entry: unknown, at: string): ReportedDevice | { problem: Decoded } {
  if (!Array.isArray(entry) || entry.length < 3 || entry.length > 4) return { problem: bad(at, 'not [name, kind, status] or [name, kind, status, detail]') };
  const [name, kind, status, detail] = entry as unknown[];
  if (typeof name !== 'string' || !DEVICE_NAME.test(name)) return { problem: bad(`${at} name`, `${quote(name)} is not a device name: 1–64 of A–Z, a–z, 0–9, '.', '_', '-'`) };
  if (typeof kind !== 'string' || !DEVICE_KIND.test(kind)) return { problem: bad(`${at} kind`, `${quote(kind)} is not a device kind: 1–32 of A–Z, a–z, 0–9, '.', '_', '-'`) };
  if (typeof status !== 'string' || !(DEVICE_STATUSES as readonly string[]).includes(status)) return { problem: bad(`${at} status`, `${quote(status)} is not one of ${DEVICE_STATUSES.join(', ')}`) };
  if (detail === undefined) return { name, kind, status: status as DeviceStatus };
  if (typeof detail !== 'string' || detail.length > MAX_DETAIL_CHARS || CONTROL.test(detail)) {
    return { problem: bad(`${at} detail`, `must be text of at most ${MAX_DETAIL_CHARS} characters without control characters`) };
  }
  return { name, kind, status: status as DeviceStatus, detail };
}
