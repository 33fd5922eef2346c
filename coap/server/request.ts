/**
 * An inbound request message → CoapRequest, never throwing: a critical option with a value
 * of the wrong format makes the request fail with 4.02 (RFC 7252 §5.4.3: treated as an
 * unrecognised option), an elective one is ignored; both are reported in `problem`.
 */
import { decodeDiscoveryOption, type DiscoveryOption } from '../../pia/discovery/index.js';
import { decodeBlock, type BlockOption } from '../message/block.js';
import { methodName } from '../message/codes.js';
import { CoapOptionError } from '../message/errors.js';
import { CoapOptionNumber, findOption, readUintOption, unsupportedCriticalOption, uriPath, uriQuery } from '../message/options.js';
import type { Inbound } from '../messaging/messenger.js';
import { requiredRight, type ResourceTree } from './routes.js';
import type { CoapRequest } from './types.js';

export interface ParsedRequest {
  readonly request: CoapRequest;
  /** Set when the request must be answered 4.02 Bad Option (or 5.05 for a proxy request). */
  readonly problem: { readonly code: 'bad-option' | 'proxy'; readonly text: string } | undefined;
  readonly mount: ReturnType<ResourceTree['resolve']>;
}

export function parseRequest(inbound: Inbound, tree: ResourceTree): ParsedRequest {
  const m = inbound.message;
  const opts = m.options;
  let problem: ParsedRequest['problem'];
  const critical = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof CoapOptionError)) throw e;
      problem ??= { code: 'bad-option', text: `${e.message} (RFC 7252 §5.4.3)` };
      return fallback;
    }
  };
  const elective = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof CoapOptionError)) throw e;
      return undefined; // §5.4.3: an elective option with a bad value is ignored
    }
  };
  const path = critical(() => uriPath(opts), []);
  const query = critical(() => uriQuery(opts), []);
  const accept = critical(() => readUintOption(opts, CoapOptionNumber.Accept, 2, 'Accept'), undefined);
  const block2Option = findOption(opts, CoapOptionNumber.Block2);
  const block2: BlockOption | undefined = block2Option === undefined ? undefined : critical(() => decodeBlock(block2Option.value), undefined);
  const contentFormat = elective(() => readUintOption(opts, CoapOptionNumber.ContentFormat, 2, 'Content-Format'));
  const observe = elective(() => readUintOption(opts, CoapOptionNumber.Observe, 3, 'Observe'));
  const unsupported = unsupportedCriticalOption(opts);
  if (unsupported === CoapOptionNumber.ProxyUri || unsupported === CoapOptionNumber.ProxyScheme) {
    problem ??= { code: 'proxy', text: 'this server is not a proxy (Proxy-Uri/Proxy-Scheme, RFC 7252 §5.7.2)' };
  } else if (unsupported !== undefined) {
    problem ??= { code: 'bad-option', text: `critical option ${unsupported} is not supported here (RFC 7252 §5.4.1)` };
  }
  const method = methodName(m.code);
  const resolved = tree.resolve(inbound.meta.local, path, method);
  const target = resolved?.target;
  const request: CoapRequest = {
    method,
    code: m.code,
    type: m.type === 'CON' ? 'CON' : 'NON',
    messageId: m.messageId,
    token: m.token,
    from: inbound.from,
    local: inbound.meta.local,
    path,
    query,
    options: opts,
    payload: m.payload,
    contentFormat,
    accept,
    observe,
    block2,
    discovery: discoveryOf(inbound),
    size: inbound.size,
    target,
    right: requiredRight(method, target),
  };
  return { request, problem, mount: resolved };
}

/** docs/protocol.md §4: a malformed or unknown-version option is handled as if absent. */
function discoveryOf(inbound: Inbound): DiscoveryOption | undefined {
  const o = findOption(inbound.message.options, CoapOptionNumber.PiaDiscovery);
  if (o === undefined) return undefined;
  try {
    return decodeDiscoveryOption(o.value);
  } catch {
    return undefined;
  }
}
