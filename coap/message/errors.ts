/**
 * The errors of the message layer. `CoapDecodeError` is the one error `decodeMessage` throws
 * for malformed input (a fuzz test checks nothing else escapes); `CoapOptionError` is an
 * option value of the wrong length or encoding, which a server answers with 4.02 Bad Option
 * when the option is critical (RFC 7252 §5.4.1) or 4.00 otherwise.
 */
import type { CoapType } from './message.js';

export class CoapDecodeError extends Error {
  override readonly name = 'CoapDecodeError';
  constructor(
    /** What is wrong, e.g. "4 bytes of header needed, got 2". */
    readonly problem: string,
    /**
     * The header fields, when the first 4 bytes were readable and the version is 1: the
     * receiver rejects a malformed Confirmable message with a Reset of this ID (RFC 7252 §4.2).
     */
    readonly header?: { readonly type: CoapType; readonly messageId: number },
  ) {
    super(`malformed CoAP message: ${problem}`);
  }
}

export class CoapOptionError extends Error {
  override readonly name = 'CoapOptionError';
  constructor(
    readonly option: string,
    readonly problem: string,
  ) {
    super(`CoAP option ${option}: ${problem}`);
  }
}
