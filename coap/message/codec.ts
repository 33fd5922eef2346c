/**
 * Encoding and decoding of CoAP messages (RFC 7252 §3) through the `coap-packet` package,
 * wrapped so that:
 * - `decodeMessage` throws `CoapDecodeError` and nothing else, whatever the bytes (a fuzz
 *   test holds it to that);
 * - what coap-packet accepts but RFC 7252 calls a message format error is refused too: a
 *   token longer than 8 bytes (TKL 9–15, §3), a reserved code class (1, 6, 7: §4.2), an
 *   option running past the end of the datagram (coap-packet would truncate its value), a
 *   payload marker followed by no payload (§3), option numbers beyond 65535. The last three
 *   are caught by re-encoding the parsed message and comparing: RFC 7252's option and token
 *   framing has exactly one encoding per message, so a well-formed datagram re-encodes to
 *   itself and a malformed one cannot.
 */
import { generate, parse, type ParsedPacket } from 'coap-packet';
import { codeText, isReservedClass } from './codes.js';
import { CoapDecodeError } from './errors.js';
import { MAX_TOKEN_LENGTH, type CoapMessage, type CoapType } from './message.js';
import type { CoapOption } from './options.js';

const TYPES: readonly CoapType[] = ['CON', 'NON', 'ACK', 'RST'];

/** coap-packet reports registered options by name; every name it uses, back to its number. */
const OPTION_NUMBERS: Readonly<Record<string, number>> = {
  'If-Match': 1, 'Uri-Host': 3, ETag: 4, 'If-None-Match': 5, Observe: 6, 'Uri-Port': 7, 'Location-Path': 8, OSCORE: 9,
  'Uri-Path': 11, 'Content-Format': 12, 'Max-Age': 14, 'Uri-Query': 15, 'Hop-Limit': 16, Accept: 17, 'Q-Block1': 19,
  'Location-Query': 20, Block2: 23, Block1: 27, Size2: 28, 'Q-Block2': 31, 'Proxy-Uri': 35, 'Proxy-Scheme': 39, Size1: 60,
  'No-Response': 258, 'OCF-Accept-Content-Format-Version': 2049, 'OCF-Content-Format-Version': 2053,
};

export function decodeMessage(bytes: Uint8Array): CoapMessage {
  if (bytes.length < 4) throw new CoapDecodeError(`${bytes.length} bytes, a CoAP header needs 4`);
  const b0 = bytes[0] ?? 0;
  // RFC 7252 §3: a message with an unknown version is silently ignored (no Reset): no header.
  if (b0 >> 6 !== 1) throw new CoapDecodeError(`version ${b0 >> 6}, this endpoint speaks 1`);
  const header = { type: TYPES[(b0 >> 4) & 3] ?? 'CON', messageId: ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0) };
  const tkl = b0 & 0x0f;
  if (tkl > MAX_TOKEN_LENGTH) throw new CoapDecodeError(`token length ${tkl}, at most ${MAX_TOKEN_LENGTH} (RFC 7252 §3)`, header);
  const code = bytes[1] ?? 0;
  if (isReservedClass(code)) throw new CoapDecodeError(`code ${codeText(code)} is of a reserved class`, header);
  const buffer = asBuffer(bytes);
  let parsed: ParsedPacket;
  try {
    parsed = parse(buffer);
  } catch (error) {
    throw new CoapDecodeError(error instanceof Error ? error.message : 'unparseable', header);
  }
  const options: CoapOption[] = [];
  for (const o of parsed.options) {
    const number = typeof o.name === 'number' ? o.name : (OPTION_NUMBERS[o.name] ?? Number(o.name));
    if (!Number.isInteger(number) || number > 0xffff) throw new CoapDecodeError(`option number ${String(o.name)} beyond 65535`, header);
    options.push({ number, value: view(o.value) });
  }
  let again: Buffer;
  try {
    again = generate(parsed, Number.MAX_SAFE_INTEGER);
  } catch (error) {
    throw new CoapDecodeError(error instanceof Error ? error.message : 'does not re-encode', header);
  }
  if (!again.equals(buffer)) {
    const why =
      parsed.payload.length === 0 && bytes[bytes.length - 1] === 0xff
        ? 'a payload marker with no payload (RFC 7252 §3)'
        : 'an option runs past the end of the datagram (or is framed otherwise than RFC 7252 §3.1 allows)';
    throw new CoapDecodeError(why, header);
  }
  return {
    type: header.type,
    code,
    messageId: header.messageId,
    token: view(parsed.token),
    options,
    payload: view(parsed.payload),
  };
}

/**
 * Encodes a message. Throws RangeError for a message this endpoint must never send (a
 * programming error): message ID outside 0–65535, a token over 8 bytes, an option number
 * outside 0–65535, an Empty message with a token, options or payload (RFC 7252 §4.1).
 */
export function encodeMessage(m: CoapMessage): Uint8Array {
  if (!Number.isInteger(m.messageId) || m.messageId < 0 || m.messageId > 0xffff) throw new RangeError(`CoAP message ID ${m.messageId} is not in 0–65535`);
  if (m.token.length > MAX_TOKEN_LENGTH) throw new RangeError(`CoAP token of ${m.token.length} bytes; at most ${MAX_TOKEN_LENGTH}`);
  if (!Number.isInteger(m.code) || m.code < 0 || m.code > 0xff || isReservedClass(m.code)) throw new RangeError(`CoAP code ${m.code} is not a request or response code`);
  if (m.code === 0 && (m.token.length > 0 || m.options.length > 0 || m.payload.length > 0)) {
    throw new RangeError('a CoAP Empty message (0.00) carries no token, options or payload (RFC 7252 §4.1)');
  }
  for (const o of m.options) {
    if (!Number.isInteger(o.number) || o.number < 0 || o.number > 0xffff) throw new RangeError(`CoAP option number ${o.number} is not in 0–65535`);
  }
  const out = generate(
    {
      code: codeText(m.code),
      messageId: m.messageId,
      token: asBuffer(m.token),
      confirmable: m.type === 'CON',
      ack: m.type === 'ACK',
      reset: m.type === 'RST',
      // coap-packet sorts options by number (stable, so repeated options keep their order).
      options: m.options.map((o) => ({ name: o.number, value: asBuffer(o.value) })),
      payload: asBuffer(m.payload),
    },
    Number.MAX_SAFE_INTEGER,
  );
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Callers get plain Uint8Array views of the datagram (no copy). */
function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** coap-packet works on Buffers: a view of the same bytes, no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

