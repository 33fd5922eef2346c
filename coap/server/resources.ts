/**
 * What each resource does with each method (devices/model/types.ts header):
 *   GET  /.well-known/core  link format (RFC 6690), filtered by the query (§4.1)
 *   GET  /<device>          every property and the health
 *   GET  /<device>?describe the description: each property's type, unit, limits, writable and
 *                           observable flags, each action's parameters, each blob (what a
 *                           console needs to draw a control within the device's limits)
 *   GET  /<device>/<prop>   the value; PUT writes it when writable (4.05 otherwise)
 *   POST /<device>/<action> calls it with the JSON object (and query) as parameters
 *   GET  /<device>/<blob>   fetches it (block 0 fetches anew, later blocks from the cache)
 * Any other method → 4.05 naming the allowed ones. A ServedError (served.ts) becomes its CoAP code
 * (invalid 4.00, not-found 4.04, busy 5.03 with Max-Age, failed 5.00) with its message as
 * diagnostic; any other error → 5.00 without internals (they go to the log).
 */
import type { Clock } from '../../common/index.js';
import type { SecurityContext } from '../../pia/discovery/index.js';
import { ServedError, type Served, type ServedDescription } from './served.js';
import { CoapCode, codeText, type CoapMethod } from '../message/codes.js';
import { filterLinks, formatLinks, type Link } from '../message/link-format.js';
import { ContentFormat } from '../message/options.js';
import type { BlobCache } from './blockwise.js';
import { errorResponse, healthJson, json, parseParams, parseValue, propertyJson, type Representation } from './representation.js';
import type { CoapRequest, ServerLogger, Target } from './types.js';

export interface HandlerEnv {
  readonly clock: Clock;
  readonly blobs: BlobCache;
  /** Max-Age of a 5.03 busy answer: when to retry. */
  readonly busyRetryS: number;
  readonly links: (local: string) => Link[];
  readonly logger: ServerLogger | undefined;
}

const utf8 = new TextEncoder();

/** The content format a successful answer will have (for Accept, RFC 7252 §5.10.4). */
export function contentFormatOf(target: Target): number {
  switch (target.kind) {
    case 'well-known-core':
      return ContentFormat.LinkFormat;
    case 'blob':
      return target.spec.contentFormat;
    case 'device':
    case 'property':
    case 'action':
      return ContentFormat.Json;
  }
}

export function allowedMethods(target: Target): readonly CoapMethod[] {
  switch (target.kind) {
    case 'well-known-core':
    case 'device':
    case 'blob':
      return ['GET'];
    case 'property':
      return target.spec.writable ? ['GET', 'PUT'] : ['GET'];
    case 'action':
      return ['POST'];
  }
}

/** `ctx`: the security context the request came in, handed to `set` and `call` (who asks). */
export async function handle(request: CoapRequest, ctx: SecurityContext, target: Target, device: Served | undefined, env: HandlerEnv): Promise<Representation> {
  const allowed = allowedMethods(target);
  if (request.method === undefined || !allowed.includes(request.method)) {
    const what = target.kind === 'property' && request.method === 'PUT' ? ` (${target.device} ${target.name} is read-only)` : '';
    return errorResponse(CoapCode.MethodNotAllowed, `${request.method ?? `method ${codeText(request.code)}`} not allowed on /${request.path.join('/')}${what}; allowed: ${allowed.join(', ')}`);
  }
  if (target.kind === 'well-known-core') {
    return { code: CoapCode.Content, payload: utf8.encode(formatLinks(filterLinks(env.links(request.local), request.query))), contentFormat: ContentFormat.LinkFormat };
  }
  if (device === undefined) return errorResponse(CoapCode.NotFound, `no device at /${request.path.join('/')}`);
  try {
    return await deviceResource(request, ctx, target, device, env);
  } catch (error) {
    return deviceErrorResponse(error, target, env);
  }
}

async function deviceResource(request: CoapRequest, ctx: SecurityContext, target: Exclude<Target, { kind: 'well-known-core' }>, device: Served, env: HandlerEnv): Promise<Representation> {
  const now = env.clock.wallNow();
  switch (target.kind) {
    case 'device': {
      const d = device.describe();
      if (request.query.includes('describe')) return json(CoapCode.Content, descriptionJson(d));
      return json(CoapCode.Content, { name: d.name, kind: d.kind, part: d.part, properties: device.read(), health: healthJson(device.health(), now) });
    }
    case 'property': {
      if (request.method === 'GET') return json(CoapCode.Content, propertyJson(target.spec, device.read()[target.name], device.health(), now));
      const parsed = parseValue(request.payload, request.contentFormat);
      if (!parsed.ok) return errorResponse(CoapCode.BadRequest, `${target.device} ${target.name}: ${parsed.problem}`);
      return json(CoapCode.Changed, { value: await device.set(target.name, parsed.value, ctx) });
    }
    case 'action': {
      const parsed = parseParams(request.payload, request.query, target.spec.params);
      if (!parsed.ok) return errorResponse(CoapCode.BadRequest, `${target.device} ${target.name}: ${parsed.problem}`);
      return json(CoapCode.Changed, await device.call(target.name, parsed.value, ctx));
    }
    case 'blob': {
      const key = `${request.from.address}|${request.from.port}|${request.local}|${request.path.join('/')}|${request.query.join('&')}`;
      const cached = (request.block2?.num ?? 0) > 0 ? env.blobs.get(key) : undefined;
      const blob = cached ?? env.blobs.put(key, await device.fetch(target.name, queryParamsOf(request, target.spec.params)));
      return { code: CoapCode.Content, payload: blob.bytes, contentFormat: target.spec.contentFormat, etag: blob.etag };
    }
  }
}

function queryParamsOf(request: CoapRequest, specs: Parameters<typeof parseParams>[2]): Record<string, unknown> {
  const parsed = parseParams(new Uint8Array(0), request.query, specs);
  return parsed.ok ? parsed.value : {};
}

export function deviceErrorResponse(error: unknown, target: Target, env: HandlerEnv): Representation {
  if (error instanceof ServedError) {
    switch (error.code) {
      case 'invalid':
        return errorResponse(CoapCode.BadRequest, error.message);
      case 'not-found':
        return errorResponse(CoapCode.NotFound, error.message);
      case 'busy':
        return errorResponse(CoapCode.ServiceUnavailable, error.message, error.retryAfterS ?? env.busyRetryS);
      case 'failed':
        return errorResponse(CoapCode.InternalServerError, error.message);
    }
  }
  const device = target.kind === 'well-known-core' ? 'server' : target.device;
  env.logger?.warn(`CoAP: ${device}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return errorResponse(CoapCode.InternalServerError, `${device}: internal error; the gateway log has the details`);
}

/** `GET /<device>?describe`: the description without its prose (each datagram stays small; Block2 carries the rest). */
function descriptionJson(d: ServedDescription): unknown {
  const limits = (x: { type: string; unit?: string; kind?: string; min?: number; max?: number; values?: readonly string[] }): Record<string, unknown> => ({
    type: x.type,
    ...(x.unit === undefined ? {} : { unit: x.unit }),
    ...(x.kind === undefined ? {} : { kind: x.kind }),
    ...(x.min === undefined ? {} : { min: x.min }),
    ...(x.max === undefined ? {} : { max: x.max }),
    ...(x.values === undefined ? {} : { values: x.values }),
  });
  return {
    name: d.name,
    kind: d.kind,
    part: d.part,
    properties: d.properties.map((p) => ({ name: p.name, ...limits(p), writable: p.writable, observable: p.observable })),
    actions: d.actions.map((a) => ({ name: a.name, right: a.right, params: a.params.map((q) => ({ name: q.name, ...limits(q), required: q.required })) })),
    blobs: d.blobs.map((b) => ({ name: b.name, contentFormat: b.contentFormat, params: b.params.map((q) => ({ name: q.name, ...limits(q), required: q.required })) })),
  };
}
