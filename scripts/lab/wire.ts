/**
 * Reading the lab's capture (capture.ts) as the wire tests and the figures need it
 * (docs/lab.md "The wire").
 *
 * Must hold:
 * 1. `piaFlows` keeps only the datagrams between the operator host and the gateway's PIA port,
 *    minus the capture's own markers (0xFF, 0xEEEE); each flow is one piactl run (its own source
 *    port), in capture order;
 * 2. a datagram is a key-exchange message when it starts with the non-ESP marker (four zero
 *    bytes, RFC 3948 §2.2, docs/protocol.md §2), ESP when tshark found an SPI;
 * 3. `coapExchanges` pairs each CoAP request with the first later response to its source port with
 *    its token (RFC 7252 §5.3.2), and counts the frames that carried both: Ethernet frames as captured, so PIA's
 *    ESP, inner IPv6 and UDP overhead shows against plain CoAP's.
 */
import type { CaptureRow } from './capture.js';

export const WIRE_FIELDS = [
  'frame.number', 'frame.len', 'frame.protocols', 'ipv6.src', 'ipv6.dst', 'udp.srcport', 'udp.dstport',
  'esp.spi', 'udp.payload', 'coap.code', 'coap.opt.uri_path', 'coap.token',
] as const;

const MARKERS = new Set(['ff', 'eeee']);
const METHODS: Readonly<Record<string, string>> = { '1': 'GET', '2': 'POST', '3': 'PUT', '4': 'DELETE' };

const one = (r: CaptureRow, f: string, i = 0): string => r[f]?.[i] ?? '';

export interface Datagram {
  readonly frame: number;
  readonly bytes: number;
  readonly fromOperator: boolean;
  readonly kind: 'key-exchange' | 'esp' | 'other';
  readonly protocols: string;
}

/** The operator's flows with the PIA port at `gatewayAddress`, keyed by the operator's source port. */
export function piaFlows(rows: readonly CaptureRow[], operator: string, gatewayAddress: string, piaPort: number): Map<string, Datagram[]> {
  const flows = new Map<string, Datagram[]>();
  for (const r of rows) {
    const [src, dst] = [one(r, 'ipv6.src'), one(r, 'ipv6.dst')];
    const fromOperator = src === operator && dst === gatewayAddress;
    if (!fromOperator && !(src === gatewayAddress && dst === operator)) continue;
    if (MARKERS.has(one(r, 'udp.payload'))) continue;
    const [opPort, gwPort] = fromOperator ? [one(r, 'udp.srcport'), one(r, 'udp.dstport')] : [one(r, 'udp.dstport'), one(r, 'udp.srcport')];
    const kind = gwPort !== String(piaPort) ? 'other' : one(r, 'esp.spi') !== '' ? 'esp' : one(r, 'udp.payload').startsWith('00000000') ? 'key-exchange' : 'other';
    const list = flows.get(opPort) ?? [];
    list.push({ frame: Number(one(r, 'frame.number')), bytes: Number(one(r, 'frame.len')), fromOperator, kind, protocols: one(r, 'frame.protocols') });
    flows.set(opPort, list);
  }
  return flows;
}

export interface CoapExchange {
  readonly method: string;
  readonly path: string;
  /** The request's payload when it is a JSON number (a PUT's value). */
  readonly value?: number;
  /** The response code as CoAP writes it (2.05). */
  readonly response: string;
  /** Ethernet frame bytes of the request and the response. */
  readonly bytes: number;
}

const codeText = (c: string): string => {
  const n = Number(c);
  return `${Math.floor(n / 32)}.${String(n % 32).padStart(2, '0')}`;
};

/**
 * CoAP requests sent by `client` (outer or inner IPv6 source: the last occurrence is the CoAP
 * one), each with its response; in capture order.
 */
export function coapExchanges(rows: readonly CaptureRow[], client: string): CoapExchange[] {
  const last = (r: CaptureRow, f: string): string => r[f]?.[(r[f]?.length ?? 1) - 1] ?? '';
  const requests = rows.filter((r) => last(r, 'ipv6.src') === client && METHODS[one(r, 'coap.code')] !== undefined);
  return requests.map((req) => {
    const token = one(req, 'coap.token');
    const after = (r: CaptureRow): boolean => Number(one(r, 'frame.number')) > Number(one(req, 'frame.number'));
    const answer = rows.find((r) => after(r) && last(r, 'ipv6.dst') === client && last(r, 'udp.dstport') === last(req, 'udp.srcport') && one(r, 'coap.token') === token && Number(one(r, 'coap.code')) >= 64);
    const payload = coapPayload(last(req, 'udp.payload'));
    const value = payload === '' || Number.isNaN(Number(payload)) ? undefined : Number(payload);
    return {
      method: METHODS[one(req, 'coap.code')] ?? '',
      path: (req['coap.opt.uri_path'] ?? []).join('/'),
      ...(value === undefined ? {} : { value: Number(value) }),
      response: answer === undefined ? 'none' : codeText(one(answer, 'coap.code')),
      bytes: Number(one(req, 'frame.len')) + (answer === undefined ? 0 : Number(one(answer, 'frame.len'))),
    };
  });
}

/** The payload of a CoAP message (hex of the whole message) as text: after the options' 0xFF marker (RFC 7252 §3). */
export function coapPayload(hex: string): string {
  const b = Buffer.from(hex, 'hex');
  let i = 4 + ((b[0] ?? 0) & 0x0f);
  const extended = (nibble: number): number => (nibble === 13 ? 1 : nibble === 14 ? 2 : 0);
  while (i < b.length) {
    const head = b[i] ?? 0;
    if (head === 0xff) return b.subarray(i + 1).toString('utf8');
    const [delta, length] = [head >> 4, head & 0x0f];
    const lengthAt = i + 1 + extended(delta);
    const size = length === 13 ? (b[lengthAt] ?? 0) + 13 : length === 14 ? b.readUInt16BE(lengthAt) + 269 : length;
    i = lengthAt + extended(length) + size;
  }
  return '';
}
