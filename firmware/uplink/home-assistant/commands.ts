/**
 * A command from MQTT (`…/<device>/<property>/set`, `…/<device>/<action>/call`, README.md
 * "Commands") → the device operations it means, each with the access the policy must grant
 * (firmware/policy: "control" for a write, the action's right for a call). Home Assistant's
 * payloads are accepted beside plain values and JSON:
 *
 *   set, boolean property      ON/OFF, true/false, 1/0 (any case)
 *   set, number property       a number (text or JSON); ON/OFF = its max/min (a fan's on/off)
 *   set, string property       the value; for an HVAC `mode` the HA modes ("off" = power off,
 *                              "fan_only" = fan; another mode also powers the unit on)
 *   set `locked` on a lock     LOCK → call lock, UNLOCK → call unlock (HA's lock entity)
 *   call <action>              empty, PRESS (HA's button) or a JSON object of parameters
 *   call snapshot on a camera  take a snapshot and publish it (access "call:snapshot")
 *
 * Must hold: the payload is bounded (MAX_COMMAND_BYTES) and never echoed whole in an error;
 * every problem names the device, the topic's name and the fix; values are only shaped here —
 * the device model validates ranges (devices/model: `set`, `call`).
 */
import type { DeviceDescription } from '../../../devices/model/index.js';
import type { CommandVerb } from '../topics.js';
import { HA_MODE } from './entities.js';

export const MAX_COMMAND_BYTES = 1024;

export type DeviceOp =
  | { readonly op: 'set'; readonly property: string; readonly value: unknown; readonly access: string }
  | { readonly op: 'call'; readonly action: string; readonly params: Readonly<Record<string, unknown>>; readonly access: string }
  | { readonly op: 'snapshot'; readonly blob: string; readonly access: string };

export type Translated = { readonly ok: true; readonly ops: readonly DeviceOp[] } | { readonly ok: false; readonly error: string };

const HA_TO_MODE: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(HA_MODE).map(([mode, ha]) => [ha, mode]));

export function translateCommand(d: DeviceDescription, name: string, verb: CommandVerb, payload: Uint8Array): Translated {
  const where = `device "${d.name}" ${verb === 'set' ? 'property' : 'action'} "${name}"`;
  const fail = (problem: string, fix: string): Translated => ({ ok: false, error: `${where}: ${problem}; ${fix}` });
  if (payload.length > MAX_COMMAND_BYTES) return fail(`payload of ${payload.length} bytes is over ${MAX_COMMAND_BYTES}`, 'send a value or a small JSON object');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload).trim();
  } catch {
    return fail('payload is not UTF-8 text', 'send a value as text or JSON');
  }
  if (verb === 'call') return translateCall(d, name, text, fail);
  const locked = d.properties.find((p) => p.name === 'locked');
  if (name === 'locked' && locked !== undefined && d.actions.some((a) => a.name === 'unlock')) {
    const word = text.toUpperCase();
    if (word === 'LOCK') return ops({ op: 'call', action: 'lock', params: {}, access: rightOf(d, 'lock') });
    if (word === 'UNLOCK') return ops({ op: 'call', action: 'unlock', params: {}, access: rightOf(d, 'unlock') });
    return fail(`"${short(text)}" is neither LOCK nor UNLOCK`, 'send LOCK or UNLOCK');
  }
  const p = d.properties.find((x) => x.name === name);
  if (p === undefined) return fail('no such property', `properties: ${d.properties.map((x) => x.name).join(', ')}`);
  if (!p.writable) return fail('the property is read-only', `writable: ${d.properties.filter((x) => x.writable).map((x) => x.name).join(', ') || 'none'}`);
  const set = (value: unknown): DeviceOp => ({ op: 'set', property: name, value, access: 'control' });
  switch (p.type) {
    case 'boolean': {
      const b = parseBoolean(text);
      return b === undefined ? fail(`"${short(text)}" is not on or off`, 'send ON or OFF (or true/false)') : ops(set(b));
    }
    case 'number': {
      const word = text.toUpperCase();
      if (word === 'ON' && p.max !== undefined) return ops(set(p.max));
      if (word === 'OFF' && p.min !== undefined) return ops(set(p.min));
      const n = text === '' ? NaN : Number(text);
      return Number.isFinite(n) ? ops(set(n)) : fail(`"${short(text)}" is not a number`, `send a number${p.min === undefined || p.max === undefined ? '' : ` in ${p.min}–${p.max}`}`);
    }
    case 'string': {
      const value = text.startsWith('"') ? parseJsonString(text) : text;
      if (value === undefined) return fail('payload is not a JSON string', 'send the value as plain text');
      const power = d.properties.find((x) => x.name === 'power' && x.type === 'boolean' && x.writable);
      if (d.kind === 'hvac' && name === 'mode' && power !== undefined) {
        if (value === 'off') return ops({ op: 'set', property: 'power', value: false, access: 'control' });
        const mode = HA_TO_MODE[value] ?? value;
        return ops({ op: 'set', property: 'power', value: true, access: 'control' }, set(mode));
      }
      return ops(set(value));
    }
  }
}

function translateCall(d: DeviceDescription, name: string, text: string, fail: (problem: string, fix: string) => Translated): Translated {
  if (d.kind === 'camera' && name === 'snapshot' && d.blobs.some((b) => b.name === 'snapshot')) return ops({ op: 'snapshot', blob: 'snapshot', access: 'call:snapshot' });
  const a = d.actions.find((x) => x.name === name);
  if (a === undefined) return fail('no such action', `actions: ${d.actions.map((x) => x.name).join(', ') || 'none'}`);
  if (text === '' || text.toUpperCase() === 'PRESS') return ops({ op: 'call', action: name, params: {}, access: a.right });
  let params: unknown;
  try {
    params = JSON.parse(text);
  } catch {
    params = undefined;
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return fail('payload is not a JSON object of parameters', `send PRESS, nothing, or e.g. {${a.params.map((x) => `"${x.name}": …`).join(', ')}}`);
  return ops({ op: 'call', action: name, params: params as Record<string, unknown>, access: a.right });
}

function ops(...list: DeviceOp[]): Translated {
  return { ok: true, ops: list };
}

function rightOf(d: DeviceDescription, action: string): string {
  return d.actions.find((a) => a.name === action)?.right ?? 'control';
}

function parseBoolean(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (t === 'on' || t === 'true' || t === '1') return true;
  if (t === 'off' || t === 'false' || t === '0') return false;
  return undefined;
}

function parseJsonString(text: string): string | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A payload piece for an error: at most 32 printable characters. */
function short(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length <= 32 ? clean : `${clean.slice(0, 31)}…`;
}
