/**
 * `ls`, `get`, `set` and `call`: one CoAP request each (ls: one listing per address) through a
 * session at phase 3. JSON shapes of the answers: coap/server/representation.ts.
 */
import { formatCoapUri, type CoapResponse } from '../../coap/index.js';
import { formatEndpoint } from '../../pia/discovery/index.js';
import type { PiactlCommand } from './args.js';
import { findDevice, readDirectory, type ListedDevice, type ListedResource, type Listing } from './directory.js';
import { CommandError, ExitCode } from './exit-codes.js';
import { formatValue, isRecord, withUnit, type Output } from './output.js';
import { fetchLinks, notListed, readGatewayDirectory, resolveTarget, wellKnownCore } from './resolve.js';
import { readResourceUse, type ResourceUse } from './describe.js';
import { responseError } from './responses.js';
import type { Session } from './session.js';

type Cmd<K extends string> = Extract<PiactlCommand, { command: K }>;

export async function runLs(cmd: Cmd<'ls'>, s: Session, out: Output): Promise<number> {
  let listing: Listing;
  let source: string;
  const t = cmd.target;
  if (t?.kind === 'uri') {
    source = formatCoapUri(wellKnownCore(t.uri.to));
    const all = await readDirectory(t.uri.to, fetchLinks(s), () => true, problemText);
    const path = t.uri.path.filter((p) => p !== '');
    listing = path.length === 0 ? all : { devices: all.devices.filter((d) => d.target.path.join('/') === path.join('/')), others: [] };
  } else {
    source = formatCoapUri(wellKnownCore({ address: s.gateway.address, port: 5683 }));
    const all = await readGatewayDirectory(s, (d) => t === undefined || d.name === t.device);
    if (t === undefined) listing = all;
    else {
      const d = findDevice(all, t.device);
      if (d === undefined) throw notListed(s, t.device, all);
      listing = { devices: [d], others: [] };
    }
  }
  // What each resource takes (one ?describe per device): writable properties, action parameters.
  const uses = new Map<ListedDevice, ResourceUse | undefined>();
  for (const d of listing.devices) if (d.problem === undefined) uses.set(d, await readResourceUse(s, d.target));
  const human: string[] = [];
  for (const d of listing.devices) human.push(...deviceLines(d, uses.get(d)));
  if (listing.others.length > 0) human.push(`other resources at ${source}:`, ...resourceLines(listing.others));
  if (human.length === 0) human.push(`no devices listed at ${source} (gateway ${formatEndpoint(s.gateway)})`);
  out.result({ gateway: formatEndpoint(s.gateway), listing: source, devices: listing.devices.map((d) => deviceJson(d, uses.get(d))), others: listing.others.map((r) => resourceJson(r)) }, human);
  return ExitCode.Ok;
}

export async function runGet(cmd: Cmd<'get'>, s: Session, out: Output): Promise<number> {
  const r = await resolveTarget(s, cmd.target);
  const what = `get ${r.label}`;
  const resp = await s.ask(what, s.client.get(r.target));
  if (!resp.ok) throw responseError(what, resp);
  if (resp.contentFormat !== undefined && resp.contentFormat !== JSON_FORMAT) {
    out.result({ target: r.uri, code: resp.codeText, contentFormat: resp.contentFormat, bytes: resp.payload.length }, `${r.label}: ${resp.payload.length} bytes of content format ${resp.contentFormat}; fetch it with 'piactl snapshot ${r.label} -o FILE'`);
    return ExitCode.Ok;
  }
  const body = jsonOf(what, resp);
  if (isRecord(body) && isRecord(body.properties)) {
    const use = await readResourceUse(s, { ...r.target, query: [] });
    out.result({ target: r.uri, code: resp.codeText, result: body }, deviceStateLines(r.label, body, use));
    return ExitCode.Ok;
  }
  out.result({ target: r.uri, code: resp.codeText, result: body }, propertyLine(r.label, body));
  return ExitCode.Ok;
}

export async function runSet(cmd: Cmd<'set'>, s: Session, out: Output): Promise<number> {
  const r = await resolveTarget(s, cmd.target);
  const what = `set ${r.label}`;
  const resp = await s.ask(what, s.client.put(r.target, cmd.value));
  if (!resp.ok) throw responseError(what, resp);
  const body = resp.payload.length === 0 ? {} : jsonOf(what, resp);
  const now = isRecord(body) && 'value' in body ? body.value : cmd.value;
  out.result({ target: r.uri, code: resp.codeText, value: cmd.value, result: body }, `${r.label}: set to ${formatValue(now)}`);
  return ExitCode.Ok;
}

export async function runCall(cmd: Cmd<'call'>, s: Session, out: Output): Promise<number> {
  const r = await resolveTarget(s, cmd.target);
  const what = `call ${r.label}`;
  const resp = await s.ask(what, s.client.post(r.target, cmd.params));
  if (!resp.ok) throw responseError(what, resp);
  const body = resp.payload.length === 0 ? {} : jsonOf(what, resp);
  const lines = [`${r.label}: done (${resp.codeText})`];
  if (isRecord(body)) for (const [k, v] of Object.entries(body)) lines.push(`  ${k}: ${formatValue(v)}`);
  else lines.push(`  ${formatValue(body)}`);
  out.result({ target: r.uri, code: resp.codeText, params: cmd.params, result: body }, lines);
  return ExitCode.Ok;
}

const JSON_FORMAT = 50;

export function jsonOf(what: string, resp: CoapResponse): unknown {
  try {
    return resp.json();
  } catch (e) {
    throw new CommandError(ExitCode.DeviceError, `${what}: ${(e as Error).message}`);
  }
}


/** `rack-fan/speed: 40 %`, with the device's health when it is not ok. */
export function propertyLine(label: string, body: unknown): string {
  if (!isRecord(body) || !('value' in body)) return `${label}: ${formatValue(body)}`;
  return `${label}: ${withUnit(body.value, body.unit)}${isRecord(body.health) ? ` (${healthText(body.health)})` : ''}`;
}

function deviceStateLines(label: string, body: Record<string, unknown>, use: ResourceUse | undefined): string[] {
  const props = isRecord(body.properties) ? body.properties : {};
  const kind = typeof body.kind === 'string' ? body.kind : 'device';
  const part = typeof body.part === 'string' && body.part !== '' ? `, ${body.part}` : '';
  const width = Math.max(0, ...Object.keys(props).map((k) => k.length));
  return [
    `${typeof body.name === 'string' ? body.name : label}: ${kind}${part}; ${isRecord(body.health) ? healthText(body.health) : 'health unknown'}`,
    ...Object.entries(props).map(([k, v]) => {
      const takes = use?.get(k)?.takes ?? '';
      return `  ${k.padEnd(width)}  ${formatValue(v)}${takes === '' ? '' : `  (${takes})`}`;
    }),
    ...[...(use ?? new Map<string, { takes: string }>())].filter(([name]) => !(name in props)).map(([name, u]) => `  ${name.padEnd(width)}  ${u.takes}`),
  ];
}

/**
 * "health ok", "health degraded (3 failures; last error at 2026-12-07T10:40:00.000Z, 12 s ago: …)":
 * the gateway's wall-clock time of the error as it sent it (UTC), and its age by the gateway's clock.
 */
export function healthText(h: Record<string, unknown>): string {
  const status = typeof h.status === 'string' ? h.status : 'unknown';
  const parts: string[] = [];
  if (typeof h.failures === 'number' && h.failures > 0) parts.push(`${h.failures} failure${h.failures === 1 ? '' : 's'}`);
  const e = h.lastError;
  if (isRecord(e) && typeof e.message === 'string') {
    const when = [typeof e.at === 'string' ? `at ${e.at}` : '', typeof e.agoMs === 'number' ? `${Math.round(e.agoMs / 1000)} s ago` : ''].filter((w) => w !== '').join(', ');
    parts.push(`last error${when === '' ? '' : ` ${when}`}: ${e.message}`);
  }
  return `health ${status}${parts.length === 0 ? '' : ` (${parts.join('; ')})`}`;
}

function deviceLines(d: ListedDevice, use: ResourceUse | undefined): string[] {
  const head = `${d.name}  ${d.kind ?? 'device'}  ${formatCoapUri(d.target)}`;
  if (d.problem !== undefined) return [head, `  (resources not listed: ${d.problem})`];
  return [head, ...resourceLines(d.resources, use)];
}

function resourceLines(rs: readonly ListedResource[], use?: ResourceUse): string[] {
  const w = Math.max(0, ...rs.map((r) => r.name.length));
  const wr = Math.max(0, ...rs.map((r) => (r.rt ?? '').length));
  return rs.map((r) => {
    const flags = [r.observable ? 'observable' : '', contentLabel(r.ct), use?.get(r.name)?.takes ?? ''].filter((f) => f !== '').join(', ');
    return `  ${r.name.padEnd(w)}  ${(r.rt ?? '').padEnd(wr)}${flags === '' ? '' : `  ${flags}`}`.trimEnd();
  });
}

function contentLabel(ct: number | undefined): string {
  switch (ct) {
    case undefined:
    case JSON_FORMAT:
      return '';
    case 22:
      return 'image/jpeg';
    case 0:
      return 'text';
    case 40:
      return 'link-format';
    default:
      return `ct=${ct}`;
  }
}

function deviceJson(d: ListedDevice, use: ResourceUse | undefined): Record<string, unknown> {
  return { name: d.name, kind: d.kind ?? null, uri: formatCoapUri(d.target), resources: d.resources.map((r) => resourceJson(r, use)), ...(d.problem === undefined ? {} : { problem: d.problem }) };
}

function resourceJson(r: ListedResource, use?: ResourceUse): Record<string, unknown> {
  const u = use?.get(r.name);
  return { name: r.name, uri: formatCoapUri(r.target), rt: r.rt ?? null, ct: r.ct ?? null, observable: r.observable, ...(u === undefined ? {} : { writable: u.writable, takes: u.takes }) };
}

function problemText(e: unknown): string {
  if (e instanceof CommandError) return e.message;
  throw e;
}
