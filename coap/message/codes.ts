/**
 * CoAP message codes (RFC 7252 §3, §12.1): an 8-bit code is class (3 bits) . detail (5 bits),
 * written "c.dd". Class 0 = requests (0.00 = Empty), 2 = success, 4 = client error,
 * 5 = server error; classes 1, 6 and 7 are reserved (§4.2: a message using one is rejected).
 */
export const CoapCode = {
  Empty: 0x00,
  // Requests (RFC 7252 §12.1.1; FETCH, PATCH, iPATCH: RFC 8132).
  GET: 0x01,
  POST: 0x02,
  PUT: 0x03,
  DELETE: 0x04,
  FETCH: 0x05,
  PATCH: 0x06,
  iPATCH: 0x07,
  // Responses (RFC 7252 §12.1.2; 2.31 Continue and 4.08: RFC 7959).
  Created: 0x41,
  Deleted: 0x42,
  Valid: 0x43,
  Changed: 0x44,
  Content: 0x45,
  Continue: 0x5f,
  BadRequest: 0x80,
  Unauthorized: 0x81,
  BadOption: 0x82,
  Forbidden: 0x83,
  NotFound: 0x84,
  MethodNotAllowed: 0x85,
  NotAcceptable: 0x86,
  RequestEntityIncomplete: 0x88,
  PreconditionFailed: 0x8c,
  RequestEntityTooLarge: 0x8d,
  UnsupportedContentFormat: 0x8f,
  InternalServerError: 0xa0,
  NotImplemented: 0xa1,
  BadGateway: 0xa2,
  ServiceUnavailable: 0xa3,
  GatewayTimeout: 0xa4,
  ProxyingNotSupported: 0xa5,
} as const;

export type CoapMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'FETCH' | 'PATCH' | 'iPATCH';

const METHODS: readonly (CoapMethod | undefined)[] = [undefined, 'GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'];

/** The class (0–7) of a code. */
export function codeClass(code: number): number {
  return code >> 5;
}

/** "2.05" for 0x45. */
export function codeText(code: number): string {
  return `${code >> 5}.${String(code & 0x1f).padStart(2, '0')}`;
}

/** 0x45 for "2.05"; throws RangeError for text that is not c.dd with c ≤ 7, dd ≤ 31. */
export function codeFromText(text: string): number {
  const m = /^([0-7])\.(\d\d)$/.exec(text);
  const detail = Number(m?.[2]);
  if (m === null || detail > 31) throw new RangeError(`CoAP code "${text}" is not c.dd (class 0–7, detail 00–31)`);
  return (Number(m[1]) << 5) | detail;
}

/** A request: class 0 and not Empty (RFC 7252 §5.8). */
export function isRequestCode(code: number): boolean {
  return code > 0 && code < 0x20;
}

/** A response: class 2, 4 or 5 (RFC 7252 §5.9). */
export function isResponseCode(code: number): boolean {
  const c = code >> 5;
  return c === 2 || c === 4 || c === 5;
}

/** RFC 7252 §4.2/§4.3: classes 1, 6 and 7 are reserved; a message using one is rejected. */
export function isReservedClass(code: number): boolean {
  const c = code >> 5;
  return c === 1 || c === 6 || c === 7;
}

/** The method name of a request code, or undefined for a code this layer does not name. */
export function methodName(code: number): CoapMethod | undefined {
  return METHODS[code];
}

/** The request code of a method. */
export function methodCode(method: CoapMethod): number {
  return CoapCode[method];
}
