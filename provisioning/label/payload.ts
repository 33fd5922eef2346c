/**
 * The text inside a board label's QR code: a URI a scanner app can parse with any URI parser.
 *
 *   pia:node/<id>?l=<label>&k=<kind>[&s=<serial>][&t=<serverId>]
 *
 * - `id`, `serverId`: lower-case UUIDs; `serial`: lower-case hex; `kind`: a lower-case word.
 * - `label`: NFC, percent-encoded as UTF-8 (RFC 3986 §2.1, JavaScript's encodeURIComponent, so a
 *   space is "%20" and "+" is "%2B"); every value goes through the same encoding.
 * - The parameters come in this order, each at most once; `s` and `t` only when known.
 * - The whole payload is ASCII, so no scanner has to guess whether the QR byte segment is
 *   ISO-8859-1 or UTF-8 (ISO/IEC 18004 leaves that to ECI, which few readers honour).
 *
 * Must hold: parseLabelPayload(labelPayload(c)) equals checkLabelContent(c). A reader ignores
 * parameters it does not know, so later versions may add some; changing the meaning of one
 * needs a new path (e.g. "pia:node2/").
 */
import { checkLabelContent, type LabelContent } from './content.js';

export const PAYLOAD_PREFIX = 'pia:node/';

/** A QR payload that is not a board label of this format, or carries a field that fails the label checks. */
export class LabelPayloadError extends Error {
  override readonly name = 'LabelPayloadError';
}

/** The QR text for a label; throws a ProvisioningError naming the field when the content is not valid. */
export function labelPayload(c: LabelContent): string {
  const n = checkLabelContent(c);
  const params: Array<[string, string | undefined]> = [
    ['l', n.label],
    ['k', n.kind],
    ['s', n.serial],
    ['t', n.serverId],
  ];
  const query = params
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return `${PAYLOAD_PREFIX}${n.id}?${query}`;
}

/** Reads a scanned label back; throws LabelPayloadError saying what is wrong. */
export function parseLabelPayload(text: string): LabelContent {
  // RFC 3986 §3.1: the scheme is case-insensitive; the rest is compared exactly.
  if (text.slice(0, PAYLOAD_PREFIX.length).toLowerCase() !== PAYLOAD_PREFIX) {
    throw new LabelPayloadError(`QR payload does not start with "${PAYLOAD_PREFIX}": this is not a PIA board label`);
  }
  const rest = text.slice(PAYLOAD_PREFIX.length);
  const q = rest.indexOf('?');
  if (q < 0) throw new LabelPayloadError('QR payload has no "?l=…&k=…" part: the label and kind are missing');
  const id = rest.slice(0, q);
  const fields = new Map<string, string>();
  for (const pair of rest.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new LabelPayloadError(`QR payload parameter "${pair.slice(0, 20)}" has no name=value form`);
    const key = pair.slice(0, eq);
    if (fields.has(key)) throw new LabelPayloadError(`QR payload has parameter "${key}" twice`);
    fields.set(key, decode(key, pair.slice(eq + 1)));
  }
  const label = fields.get('l');
  const kind = fields.get('k');
  if (label === undefined) throw new LabelPayloadError('QR payload has no label (parameter "l")');
  if (kind === undefined) throw new LabelPayloadError('QR payload has no kind (parameter "k")');
  const content: LabelContent = { id, label, kind, serial: fields.get('s'), serverId: fields.get('t') };
  try {
    return checkLabelContent(content);
  } catch (e) {
    throw new LabelPayloadError(`QR payload: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function decode(key: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new LabelPayloadError(`QR payload parameter "${key}" is not valid percent-encoded UTF-8`);
  }
}
