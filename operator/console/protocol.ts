/**
 * The console's WebSocket protocol (operator/README.md, "piactl console"): JSON text messages,
 * each at most MAX_MESSAGE_BYTES (a larger one closes the socket with 1009, RFC 6455 §7.4.1).
 *
 * Must hold:
 * - a page message is checked field by field before anything acts on it: a bad one is answered
 *   with a `result` naming the field and the fix, never thrown, never forwarded to a gateway;
 * - server messages carry only what a page draws: no key, no token, no credential path.
 *
 * server → page: `state` (the gateways and alarms: a page starts its picture anew), then
 * `devices` (one gateway's devices, replacing them; `append` continues a long list) and
 * `history` (one numeric property's last hour; `append` continues it), so that no message
 * passes 64 KiB; then as things change: `devices` (a gateway's listing read again), `value`,
 * `health`, `gateway`, `alarm`, `result` (of a page's `set` or `call`).
 * page → server: `hello` (the token, first), `set`, `call`.
 */
import type { Health } from './model.js';

export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Security phases of docs/protocol.md §3 in plain words. */
export const PHASE_WORDS: Readonly<Record<number, string>> = { 0: 'not connected', 1: 'plain', 2: 'encrypted', 3: 'authenticated' };

export type GatewayStatus = 'connecting' | 'up' | 'unreachable' | 'refused';

export interface GatewayView {
  /** The endpoint as piactl prints it ("127.0.0.1:4500"): the key in every message. */
  readonly gateway: string;
  readonly status: GatewayStatus;
  /** 0 (none yet), 2 (encrypted: phase 2 only, e.g. phase 3 denied) or 3 (authenticated). */
  readonly phase: number;
  readonly phaseText: string;
  /** From phase 3: who the trusted server says the gateway is. */
  readonly nodeId?: string;
  readonly label?: string;
  /** The pinned ID this console expects there (known-gateways file or --gateway-id). */
  readonly expectedId?: string;
  /** Clock ms (wall clock) of the last status change. */
  readonly since: number;
  /** What went wrong, as piactl says it (the reason and the fix). */
  readonly error?: string;
  /** When the next attempt is due (ms), while unreachable. */
  readonly retryAt?: number;
  /** An attempt is under way (while unreachable or refused). */
  readonly attempting?: boolean;
}

export interface PropertyView {
  readonly name: string;
  readonly type: 'number' | 'boolean' | 'string' | 'unknown';
  readonly unit?: string;
  /** 'timestamp': the value is a wall-clock time (ISO 8601 UTC) the page shows in local time. */
  readonly kind?: 'timestamp';
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  readonly writable: boolean;
  readonly observable: boolean;
  readonly value: unknown;
  readonly time: number;
}

export interface ParamView {
  readonly name: string;
  readonly type: string;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  readonly required: boolean;
}

export interface DeviceView {
  readonly gateway: string;
  readonly name: string;
  readonly kind: string;
  readonly part: string;
  readonly health: Health;
  readonly properties: PropertyView[];
  readonly actions: { readonly name: string; readonly params: readonly ParamView[] }[];
  readonly blobs: string[];
  /** Why it could not be read, when so. */
  readonly problem?: string;
}

export interface AlarmView {
  readonly id: string;
  readonly gateway: string;
  readonly device: string;
  readonly kind: 'door-forced' | 'door-held-open' | 'fan-stall' | 'device-failed' | 'hvac-fault';
  readonly text: string;
  readonly active: boolean;
  readonly since: number;
}

export interface HistoryView {
  readonly gateway: string;
  readonly device: string;
  readonly property: string;
  /** [time ms, value] pairs, oldest first. */
  readonly samples: readonly (readonly [number, number])[];
}

/** Everything the console knows: what a new page is sent (as pictureMessages). */
export interface Picture {
  readonly now: number;
  readonly gateways: GatewayView[];
  readonly devices: DeviceView[];
  readonly history: HistoryView[];
  readonly alarms: AlarmView[];
}

export type ServerMessage =
  | { readonly type: 'state'; readonly now: number; readonly gateways: GatewayView[]; readonly alarms: AlarmView[] }
  | { readonly type: 'devices'; readonly gateway: string; readonly devices: DeviceView[]; readonly append: boolean }
  | ({ readonly type: 'history'; readonly append: boolean } & HistoryView)
  | { readonly type: 'value'; readonly gateway: string; readonly device: string; readonly property: string; readonly value: unknown; readonly time: number }
  | { readonly type: 'health'; readonly gateway: string; readonly device: string; readonly health: Health }
  | { readonly type: 'gateway'; readonly view: GatewayView }
  | { readonly type: 'alarm'; readonly alarm: AlarmView }
  | ({ readonly type: 'result'; readonly id: string } & CommandResult);

/** What a `set` or `call` came to: ok with the answer, or the CoAP code, the gateway's diagnostic and the fix. */
export type CommandResult =
  | { readonly ok: true; readonly code: string; readonly value: unknown }
  | { readonly ok: false; readonly code?: string; readonly diagnostic?: string; readonly message: string };

export type PageMessage =
  | { readonly type: 'hello'; readonly token: string }
  | { readonly type: 'set'; readonly id: string; readonly gateway: string; readonly device: string; readonly property: string; readonly value: number | boolean | string | null }
  | { readonly type: 'call'; readonly id: string; readonly gateway: string; readonly device: string; readonly action: string; readonly params: Readonly<Record<string, number | boolean | string | null>> };

/** Samples per `history` message: [13-digit time, value] is about 25 bytes, so 2000 stay far below 64 KiB. */
export const HISTORY_CHUNK = 2000;

/** A picture as the messages a new page is sent, none larger than MAX_MESSAGE_BYTES. */
export function pictureMessages(p: Picture): ServerMessage[] {
  const out: ServerMessage[] = [{ type: 'state', now: p.now, gateways: p.gateways, alarms: p.alarms.slice(0, 200) }];
  for (const g of p.gateways) {
    const devices = p.devices.filter((d) => d.gateway === g.gateway);
    out.push(...devicesMessages(g.gateway, devices));
  }
  for (const h of p.history) {
    for (let i = 0; i === 0 || i < h.samples.length; i += HISTORY_CHUNK) out.push({ type: 'history', append: i > 0, gateway: h.gateway, device: h.device, property: h.property, samples: h.samples.slice(i, i + HISTORY_CHUNK) });
  }
  return out;
}

/** One gateway's devices in as many `devices` messages as 64 KiB allows (a device alone always fits: its description is bounded). */
export function devicesMessages(gateway: string, devices: readonly DeviceView[]): ServerMessage[] {
  const out: ServerMessage[] = [];
  let chunk: DeviceView[] = [];
  let size = 200;
  for (const d of devices) {
    const n = JSON.stringify(d).length + 1;
    if (chunk.length > 0 && size + n > MAX_MESSAGE_BYTES / 2) {
      out.push({ type: 'devices', gateway, devices: chunk, append: out.length > 0 });
      chunk = [];
      size = 200;
    }
    chunk.push(d);
    size += n;
  }
  out.push({ type: 'devices', gateway, devices: chunk, append: out.length > 0 });
  return out;
}

export type Parsed = { readonly ok: true; readonly message: PageMessage } | { readonly ok: false; readonly id?: string; readonly problem: string };

const NAME = /^[\w.:[\]%-]{1,128}$/;
const ID = /^[\w-]{1,64}$/;

/** Checks a page's message (text of at most MAX_MESSAGE_BYTES, which the socket enforces). */
export function parsePageMessage(text: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'the message is not JSON; send one JSON object per message, e.g. {"type":"set",…}' };
  }
  if (!isRecord(v)) return { ok: false, problem: 'the message is not a JSON object; send {"type": "set" | "call" | "hello", …}' };
  const id = typeof v.id === 'string' && ID.test(v.id) ? v.id : undefined;
  const fail = (problem: string): Parsed => ({ ok: false, ...(id === undefined ? {} : { id }), problem });
  switch (v.type) {
    case 'hello':
      return typeof v.token === 'string' && v.token.length <= 256 ? { ok: true, message: { type: 'hello', token: v.token } } : fail('hello: "token" must be the text after #token= in the console URL');
    case 'set':
    case 'call': {
      if (id === undefined) return fail(`${v.type}: "id" must be 1–64 letters, digits, "_" or "-" (the page matches the result by it)`);
      for (const field of ['gateway', 'device', v.type === 'set' ? 'property' : 'action']) {
        const f = v[field];
        if (typeof f !== 'string' || !NAME.test(f)) return fail(`${v.type}: "${field}" must be a name as the console's state lists it (1–128 characters)`);
      }
      if (v.type === 'set') {
        if (!isScalar(v.value)) return fail('set: "value" must be a number, true/false, a string or null');
        return { ok: true, message: { type: 'set', id, gateway: v.gateway as string, device: v.device as string, property: v.property as string, value: v.value } };
      }
      const params = v.params ?? {};
      if (!isRecord(params) || !Object.values(params).every(isScalar) || Object.keys(params).some((k) => !NAME.test(k))) {
        return fail('call: "params" must be an object of names to numbers, true/false, strings or null, e.g. {"seconds": 5}');
      }
      return { ok: true, message: { type: 'call', id, gateway: v.gateway as string, device: v.device as string, action: v.action as string, params: params as Record<string, number | boolean | string | null> } };
    }
    default:
      return fail(`unknown message type ${JSON.stringify(typeof v.type === 'string' ? v.type.slice(0, 32) : v.type ?? null)}; a page sends "hello", "set" or "call"`);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is number | boolean | string | null {
  return v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 1024);
}
