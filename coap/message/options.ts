/**
 * CoAP options (RFC 7252 §3.1, §5.4, §5.10): numbers, value formats (uint, string, opaque)
 * and accessors over a message's option list. The PIA discovery option (65000, elective)
 * is passed through opaque; pia/discovery decodes its value.
 */
import { PIA_DISCOVERY_OPTION } from '../../pia/discovery/index.js';
import { CoapOptionError } from './errors.js';

export const CoapOptionNumber = {
  IfMatch: 1,
  UriHost: 3,
  ETag: 4,
  IfNoneMatch: 5,
  /** RFC 7641 §2. */
  Observe: 6,
  UriPort: 7,
  LocationPath: 8,
  /** RFC 8613. */
  Oscore: 9,
  UriPath: 11,
  ContentFormat: 12,
  MaxAge: 14,
  UriQuery: 15,
  /** RFC 8768. */
  HopLimit: 16,
  Accept: 17,
  LocationQuery: 20,
  /** RFC 7959 §2.1. */
  Block2: 23,
  Block1: 27,
  Size2: 28,
  ProxyUri: 35,
  ProxyScheme: 39,
  Size1: 60,
  /** RFC 7967. */
  NoResponse: 258,
  /** docs/protocol.md §4: elective, safe-to-forward, experimental range. */
  PiaDiscovery: PIA_DISCOVERY_OPTION,
} as const;

/** Content-Format numbers (RFC 7252 §12.3 and the IANA registry). */
export const ContentFormat = {
  TextPlain: 0,
  ImageGif: 21,
  ImageJpeg: 22,
  ImagePng: 23,
  LinkFormat: 40,
  OctetStream: 42,
  Json: 50,
  Cbor: 60,
  SenmlJson: 110,
} as const;

export interface CoapOption {
  /** 0–65535. */
  readonly number: number;
  readonly value: Uint8Array;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** RFC 7252 §3.2 uint: big-endian, as few bytes as possible (0 is the empty value). */
export function encodeUint(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`CoAP uint option value ${n} is not an integer in 0–4294967295`);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Uint8Array.from(bytes);
}

/** Reads a uint of at most `maxBytes` bytes (RFC 7252 §5.10 gives each option's length range). */
export function decodeUint(value: Uint8Array, maxBytes = 4, what = 'uint option'): number {
  if (value.length > maxBytes) throw new CoapOptionError(what, `${value.length} bytes, at most ${maxBytes}`);
  let n = 0;
  for (const b of value) n = n * 256 + b;
  return n;
}

export function uintOption(number: number, n: number): CoapOption {
  return { number, value: encodeUint(n) };
}

export function stringOption(number: number, text: string): CoapOption {
  return { number, value: utf8.encode(text) };
}

/** A string option value; throws CoapOptionError when it is not UTF-8 (RFC 7252 §3.2 "string"). */
export function decodeString(value: Uint8Array, what: string): string {
  try {
    return utf8Strict.decode(value);
  } catch {
    throw new CoapOptionError(what, 'not valid UTF-8');
  }
}

export function findOption(options: readonly CoapOption[], number: number): CoapOption | undefined {
  return options.find((o) => o.number === number);
}

export function findOptions(options: readonly CoapOption[], number: number): CoapOption[] {
  return options.filter((o) => o.number === number);
}

/** A uint option's value, undefined when absent; throws CoapOptionError when too long. */
export function readUintOption(options: readonly CoapOption[], number: number, maxBytes: number, what: string): number | undefined {
  const o = findOption(options, number);
  return o === undefined ? undefined : decodeUint(o.value, maxBytes, what);
}

/** The Content-Format (RFC 7252 §5.10.3, at most 2 bytes), or undefined when absent or malformed. */
export function contentFormatOf(options: readonly CoapOption[]): number | undefined {
  try {
    return readUintOption(options, CoapOptionNumber.ContentFormat, 2, 'Content-Format');
  } catch {
    return undefined;
  }
}

/** Uri-Path segments (RFC 7252 §6.4: one option per segment). */
export function uriPath(options: readonly CoapOption[]): string[] {
  return findOptions(options, CoapOptionNumber.UriPath).map((o) => decodeString(o.value, 'Uri-Path'));
}

/** Uri-Path segments, or undefined when one is not UTF-8 (a server answers that 4.00 Bad Request). */
export function uriPathOrUndefined(options: readonly CoapOption[]): string[] | undefined {
  try {
    return uriPath(options);
  } catch {
    return undefined;
  }
}

/** Whether two paths have the same segments in the same order. */
export function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((segment, i) => segment === b[i]);
}

/** Uri-Query arguments ("k=v"), in order. */
export function uriQuery(options: readonly CoapOption[]): string[] {
  return findOptions(options, CoapOptionNumber.UriQuery).map((o) => decodeString(o.value, 'Uri-Query'));
}

export function uriPathOptions(path: readonly string[]): CoapOption[] {
  return path.map((segment) => stringOption(CoapOptionNumber.UriPath, segment));
}

export function uriQueryOptions(query: readonly string[]): CoapOption[] {
  return query.map((arg) => stringOption(CoapOptionNumber.UriQuery, arg));
}

/**
 * RFC 7252 §5.4.1: options this layer understands in a request. An unrecognised critical
 * option (odd number) makes a request fail with 4.02 Bad Option; elective ones are ignored.
 */
const UNDERSTOOD_IN_REQUEST: ReadonlySet<number> = new Set([
  CoapOptionNumber.UriHost,
  CoapOptionNumber.ETag,
  CoapOptionNumber.Observe,
  CoapOptionNumber.UriPort,
  CoapOptionNumber.UriPath,
  CoapOptionNumber.ContentFormat,
  CoapOptionNumber.UriQuery,
  CoapOptionNumber.Accept,
  CoapOptionNumber.Block2,
  CoapOptionNumber.Size2,
  CoapOptionNumber.PiaDiscovery,
]);

/** The first critical option (odd number) a request carries that this layer does not implement. */
export function unsupportedCriticalOption(options: readonly CoapOption[]): number | undefined {
  return options.find((o) => (o.number & 1) === 1 && !UNDERSTOOD_IN_REQUEST.has(o.number))?.number;
}
