/**
 * `coap://` URIs (RFC 7252 §6) to destination, Uri-Path and Uri-Query, and back. The host
 * must be an IP literal (`[2001:db8::f1]`, `192.0.2.1`): a device is an address, and name
 * resolution is the caller's (piactl's) business. Default port 5683 (§6.1).
 */
import { isIP } from 'node:net';
import type { CoapEndpoint } from '../transport/types.js';

export const COAP_DEFAULT_PORT = 5683;

export interface CoapTarget {
  readonly to: CoapEndpoint;
  /** Uri-Path segments, percent-decoded. */
  readonly path: readonly string[];
  /** Uri-Query arguments, percent-decoded ("k=v"). */
  readonly query: readonly string[];
}

export class CoapUriError extends Error {
  override readonly name = 'CoapUriError';
}

export function parseCoapUri(uri: string): CoapTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new CoapUriError(`"${uri}" is not a URI; write it as coap://[2001:db8::f1]/device/property`);
  }
  if (url.protocol !== 'coap:') throw new CoapUriError(`"${uri}": scheme ${url.protocol.replace(/:$/, '')} is not supported; use coap://`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host.split('%')[0] ?? '') === 0) {
    throw new CoapUriError(`"${uri}": host "${url.hostname}" is not an IP address; a device is reached by its address, e.g. coap://[2001:db8::f1]/…`);
  }
  const port = url.port === '' ? COAP_DEFAULT_PORT : Number(url.port);
  if (url.hash !== '') throw new CoapUriError(`"${uri}": a CoAP URI has no fragment (RFC 7252 §6.1); remove "${url.hash}"`);
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new CoapUriError(`"${uri}": "${s}" is not valid percent-encoding`);
    }
  };
  const rawPath = url.pathname === '' || url.pathname === '/' ? [] : url.pathname.slice(1).split('/');
  const query = url.search.length <= 1 ? [] : url.search.slice(1).split('&').map(decode);
  return { to: { address: host, port }, path: rawPath.map(decode), query };
}

export function formatCoapUri(target: CoapTarget): string {
  const host = target.to.address.includes(':') ? `[${target.to.address}]` : target.to.address;
  const port = target.to.port === COAP_DEFAULT_PORT ? '' : `:${target.to.port}`;
  const path = target.path.map(encodeURIComponent).join('/');
  const query = target.query.length === 0 ? '' : `?${target.query.map((q) => encodeURIComponent(q).replace(/%3D/g, '=')).join('&')}`;
  return `coap://${host}${port}/${path}${query}`;
}
