/**
 * What the console reads of one gateway once it is up: its listing (operator/cli directory.ts),
 * then per device its state (GET /<device>: every property and the health) and description
 * (GET /<device>?describe: types, units, limits; an older gateway answers the state again, and
 * the console then knows only what the values and the listing say).
 *
 * Must hold: a device that cannot be read is still listed, with its problem in words; nothing
 * here keeps state: gateway-link.ts owns the views.
 */
import { LinkFormatError, parseLinks, type CoapClient, type CoapEndpoint, type CoapTarget, type Link } from '../../coap/index.js';
import { deviceTarget, readDirectory, responseError, type ListedDevice } from '../cli/index.js';
import { healthOf } from './model.js';
import { isRecord, type DeviceView, type ParamView, type PropertyView } from './protocol.js';

export interface ReadDevice {
  readonly listed: ListedDevice;
  readonly view: DeviceView;
}

/** Any failure of a request as a person reads it. */
export function problemText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function readGateway(client: CoapClient, gateway: string, at: CoapEndpoint, now: number): Promise<ReadDevice[]> {
  const fetch = async (to: CoapEndpoint): Promise<readonly Link[]> => {
    const target: CoapTarget = { to, path: ['.well-known', 'core'], query: [] };
    const r = await client.get(target);
    if (!r.ok) throw responseError(`listing of gateway ${gateway}`, r);
    try {
      return parseLinks(r.text());
    } catch (e) {
      if (e instanceof LinkFormatError) throw new Error(`listing of gateway ${gateway}: not CoRE link format (${e.message})`);
      throw e;
    }
  };
  const listing = await readDirectory(at, fetch, () => true, problemText);
  const out: ReadDevice[] = [];
  for (const listed of listing.devices) out.push({ listed, view: await readDevice(client, gateway, listed, now) });
  return out;
}

async function readDevice(client: CoapClient, gateway: string, d: ListedDevice, now: number): Promise<DeviceView> {
  const base = { gateway, name: d.name, kind: d.kind ?? 'device', part: '', health: { status: 'unknown', failures: 0 }, properties: [] as PropertyView[], actions: [], blobs: [] };
  let state: Record<string, unknown>;
  try {
    const r = await client.get(deviceTarget(d));
    if (!r.ok) return { ...base, problem: responseError(`get ${d.name}`, r).message };
    const body: unknown = r.json();
    if (!isRecord(body)) return { ...base, problem: `get ${d.name}: the answer is not a JSON object` };
    state = body;
  } catch (e) {
    return { ...base, problem: problemText(e) };
  }
  const values = isRecord(state.properties) ? state.properties : {};
  let described: Record<string, unknown> | undefined;
  try {
    const target = deviceTarget(d);
    const r = await client.get({ ...target, query: ['describe'] });
    const body: unknown = r.ok ? r.json() : undefined;
    if (isRecord(body) && Array.isArray(body.properties) && body.properties.every(isRecord)) described = body;
  } catch {
    described = undefined; // an older gateway: the values and the listing say what they can
  }
  const observable = new Set(d.resources.filter((r) => r.observable).map((r) => r.name));
  const specs = new Map<string, Record<string, unknown>>((described?.properties as Record<string, unknown>[] | undefined)?.map((p) => [String(p.name), p]) ?? []);
  const names = described === undefined ? Object.keys(values) : [...specs.keys()];
  const properties: PropertyView[] = names.map((name) => propertyView(name, specs.get(name), values[name], observable.has(name), now));
  const actions = (Array.isArray(described?.actions) ? described.actions.filter(isRecord) : []).map((a) => ({ name: String(a.name), params: (Array.isArray(a.params) ? a.params.filter(isRecord) : []).map(paramView) }));
  const blobs = Array.isArray(described?.blobs) ? described.blobs.filter(isRecord).map((b) => String(b.name)) : d.resources.filter((r) => r.ct === 22).map((r) => r.name);
  return { ...base, part: typeof state.part === 'string' ? state.part : '', health: healthOf(state.health), properties, actions, blobs };
}

function propertyView(name: string, spec: Record<string, unknown> | undefined, value: unknown, observable: boolean, now: number): PropertyView {
  const type = spec?.type === 'number' || spec?.type === 'boolean' || spec?.type === 'string' ? spec.type : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string' ? typeof value : 'unknown';
  return {
    name,
    type: type as PropertyView['type'],
    ...(typeof spec?.unit === 'string' ? { unit: spec.unit } : {}),
    ...(spec?.kind === 'timestamp' ? { kind: 'timestamp' as const } : {}),
    ...(typeof spec?.min === 'number' ? { min: spec.min } : {}),
    ...(typeof spec?.max === 'number' ? { max: spec.max } : {}),
    ...(Array.isArray(spec?.values) ? { values: spec.values.filter((x): x is string => typeof x === 'string') } : {}),
    writable: spec?.writable === true,
    observable: spec === undefined ? observable : spec.observable === true && observable,
    value: value ?? null,
    time: now,
  };
}

function paramView(p: Record<string, unknown>): ParamView {
  return {
    name: String(p.name),
    type: typeof p.type === 'string' ? p.type : 'string',
    ...(typeof p.min === 'number' ? { min: p.min } : {}),
    ...(typeof p.max === 'number' ? { max: p.max } : {}),
    ...(Array.isArray(p.values) ? { values: p.values.filter((x): x is string => typeof x === 'string') } : {}),
    required: p.required === true,
  };
}
