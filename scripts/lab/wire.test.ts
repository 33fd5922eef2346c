/**
 * The capture readers of wire.ts on packets as tshark prints them: the CoAP payload after the
 * options (RFC 7252 §3), requests paired with their responses by token and port, the flows of
 * one operator split into key exchange and ESP.
 */
import { describe, expect, it } from 'vitest';
import type { CaptureRow } from './capture.js';
import { coapExchanges, coapPayload, piaFlows } from './wire.js';

const hexOf = (s: string): string => Buffer.from(s).toString('hex');
/** CON PUT, token 0x01, Uri-Path "a", Content-Format 50, payload "55". */
const PUT_55 = `4103123401b1611132ff${hexOf('55')}`;

const row = (fields: Record<string, string | string[]>): CaptureRow =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));

describe('coapPayload', () => {
  it('finds the payload after the options, extended option lengths included; none without the marker', () => {
    expect(coapPayload(PUT_55)).toBe('55');
    expect(coapPayload('4101cf1e01b97261636b2d74656d700b74656d7065726174757265')).toBe(''); // GET rack-temp/temperature, no payload
    const longPath = 'x'.repeat(20); // option length 13 + 7: one extended length byte
    expect(coapPayload(`4102000101bd07${hexOf(longPath)}ff${hexOf('{"on":true}')}`)).toBe('{"on":true}');
  });
});

describe('coapExchanges', () => {
  it('pairs each request with the later response to its port and token, and adds their frame bytes', () => {
    const rows = [
      row({ 'frame.number': '1', 'frame.len': '80', 'ipv6.src': 'c', 'ipv6.dst': 's', 'udp.srcport': '1000', 'coap.code': '1', 'coap.token': '01', 'coap.opt.uri_path': ['x', 'y'], 'udp.payload': '4101000101' }),
      row({ 'frame.number': '2', 'frame.len': '90', 'ipv6.src': 'c', 'ipv6.dst': 's', 'udp.srcport': '2000', 'coap.code': '3', 'coap.token': '01', 'coap.opt.uri_path': ['a'], 'udp.payload': PUT_55 }),
      row({ 'frame.number': '3', 'frame.len': '70', 'ipv6.src': 's', 'ipv6.dst': 'c', 'udp.dstport': '2000', 'coap.code': '68', 'coap.token': '01' }),
      row({ 'frame.number': '4', 'frame.len': '60', 'ipv6.src': 's', 'ipv6.dst': 'c', 'udp.dstport': '1000', 'coap.code': '129', 'coap.token': '01' }),
    ];
    expect(coapExchanges(rows, 'c')).toEqual([
      { method: 'GET', path: 'x/y', response: '4.01', bytes: 140 },
      { method: 'PUT', path: 'a', value: 55, response: '2.04', bytes: 160 },
    ]);
    expect(coapExchanges(rows, 's')).toEqual([]);
  });
});

describe('piaFlows', () => {
  it("splits one operator's datagrams with the PIA port by its source port, tells key exchange from ESP, drops the capture markers", () => {
    const d = (n: number, from: boolean, port: string, payload: string, spi = ''): CaptureRow =>
      row({ 'frame.number': String(n), 'frame.len': '100', 'frame.protocols': 'eth:ipv6:udp', 'ipv6.src': from ? 'op' : 'gw', 'ipv6.dst': from ? 'gw' : 'op', 'udp.srcport': from ? port : '4500', 'udp.dstport': from ? '4500' : port, 'udp.payload': payload, 'esp.spi': spi === '' ? [] : [spi] });
    const flows = piaFlows([d(1, true, '9', 'ff'), d(2, true, '5', '00000000aa'), d(3, false, '5', '00000000bb'), d(4, true, '5', '1234', '0x1'), d(5, true, '6', '0102')], 'op', 'gw', 4500);
    expect([...flows.keys()]).toEqual(['5', '6']);
    expect(flows.get('5')?.map((x) => [x.frame, x.kind, x.fromOperator])).toEqual([[2, 'key-exchange', true], [3, 'key-exchange', false], [4, 'esp', true]]);
    expect(flows.get('6')?.map((x) => x.kind)).toEqual(['other']);
  });
});
