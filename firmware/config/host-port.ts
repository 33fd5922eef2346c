/**
 * "[2001:db8::10]:4500", "127.0.0.1:9464", "[::1]" (default port): address literals only,
 * as the gateway binds or sends to exactly what is written (no name resolution at start).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { HostPort } from './types.js';

/** Parses `text`; throws an Error whose message is the problem (the caller adds the fix). */
export function parseHostPort(text: string, defaultPort?: number): HostPort {
  let address: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracket !== null) {
    address = bracket[1] ?? '';
    portText = bracket[2];
    if (!isIPv6(address)) throw new Error(`"${address}" is not an IPv6 address`);
  } else if (isIPv6(text)) {
    throw new Error(`"${text}" is an IPv6 address without brackets; the port cannot be told apart`);
  } else {
    const colon = text.lastIndexOf(':');
    address = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (!isIPv4(address)) throw new Error(`"${address}" is not an IP address (host names are not resolved here)`);
  }
  if (portText === undefined) {
    if (defaultPort === undefined) throw new Error(`"${text}" has no port`);
    return { address, port: defaultPort };
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 0xffff) throw new Error(`port "${portText}" is not 1–65535`);
  return { address, port };
}

/** True for 127.0.0.0/8 and ::1: reachable from this host only. */
export function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address);
}
