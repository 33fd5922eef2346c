/** A received response message → CoapResponse (with the reassembled body when block-wise). */
import { decodeDiscoveryOption, type DiscoveryOption } from '../../pia/discovery/index.js';
import { codeClass, codeText } from '../message/codes.js';
import { CoapOptionNumber, decodeUint, findOption, type CoapOption } from '../message/options.js';
import type { RawResponse } from './exchange.js';
import { CoapClientError, type CoapResponse } from './types.js';

const utf8 = new TextDecoder();

export function toResponse(raw: RawResponse, body: Uint8Array = raw.message.payload): CoapResponse {
  const m = raw.message;
  const opts = m.options;
  const ok = codeClass(m.code) === 2;
  const text = (): string => utf8.decode(body);
  return {
    code: m.code,
    codeText: codeText(m.code),
    ok,
    options: opts,
    payload: body,
    contentFormat: uintOf(opts, CoapOptionNumber.ContentFormat, 2),
    maxAge: uintOf(opts, CoapOptionNumber.MaxAge, 4),
    observe: uintOf(opts, CoapOptionNumber.Observe, 3),
    etag: findOption(opts, CoapOptionNumber.ETag)?.value,
    discovery: discoveryOf(opts),
    diagnostic: ok || body.length === 0 ? undefined : text(),
    from: raw.from,
    ctx: raw.meta.ctx,
    local: raw.meta.local,
    text,
    json: () => {
      try {
        return JSON.parse(text()) as unknown;
      } catch {
        throw new CoapClientError('format', `response ${codeText(m.code)} from [${raw.from.address}]:${raw.from.port} is not JSON: ${JSON.stringify(text().slice(0, 60))}`);
      }
    },
  };
}

/** A uint option; undefined when absent or longer than its format allows (then it is ignored). */
export function uintOf(options: readonly CoapOption[], number: number, maxBytes: number): number | undefined {
  const o = findOption(options, number);
  if (o === undefined || o.value.length > maxBytes) return undefined;
  return decodeUint(o.value, maxBytes);
}

function discoveryOf(options: readonly CoapOption[]): DiscoveryOption | undefined {
  const o = findOption(options, CoapOptionNumber.PiaDiscovery);
  if (o === undefined) return undefined;
  try {
    return decodeDiscoveryOption(o.value);
  } catch {
    return undefined; // docs/protocol.md §4: malformed = absent
  }
}
