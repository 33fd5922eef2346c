import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockSize, decodeBlock, encodeBlock, szxFor } from './block.js';
import { codeFromText, codeText } from './codes.js';
import { CoapOptionError } from './errors.js';
import { LinkFormatError, filterLinks, formatLinks, parseLinks } from './link-format.js';
import { decodeUint, encodeUint, unsupportedCriticalOption } from './options.js';
import { CoapUriError, formatCoapUri, parseCoapUri } from './uri.js';

describe('uint option values (RFC 7252 §3.2)', () => {
  it('encodes in as few bytes as possible, 0 as the empty value', () => {
    expect([...encodeUint(0)]).toEqual([]);
    expect([...encodeUint(50)]).toEqual([50]);
    expect([...encodeUint(0x1234)]).toEqual([0x12, 0x34]);
    expect([...encodeUint(0xffffffff)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(() => encodeUint(-1)).toThrow(RangeError);
  });
  it('decodes and refuses values longer than the option allows', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => decodeUint(encodeUint(n)) === n));
    expect(() => decodeUint(Uint8Array.of(1, 2, 3, 4), 3, 'Observe')).toThrow(CoapOptionError);
  });
});

describe('Block option (RFC 7959 §2.2)', () => {
  it('packs NUM, M and SZX and round-trips', () => {
    expect([...encodeBlock({ num: 0, more: true, szx: 6 })]).toEqual([0x0e]);
    expect([...encodeBlock({ num: 2, more: false, szx: 6 })]).toEqual([0x26]);
    expect([...encodeBlock({ num: 0, more: false, szx: 0 })]).toEqual([]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xfffff }), fc.boolean(), fc.integer({ min: 0, max: 6 }), (num, more, szx) => {
        expect(decodeBlock(encodeBlock({ num, more, szx }))).toEqual({ num, more, szx });
      }),
    );
  });
  it('refuses SZX 7 (BERT) and values over 3 bytes', () => {
    expect(() => decodeBlock(Uint8Array.of(0x07))).toThrow(/SZX 7/);
    expect(() => decodeBlock(Uint8Array.of(1, 2, 3, 4))).toThrow(CoapOptionError);
  });
  it('sizes: 16 × 2^SZX, and the largest SZX that fits', () => {
    expect(blockSize(0)).toBe(16);
    expect(blockSize(6)).toBe(1024);
    expect(szxFor(1047)).toBe(6);
    expect(szxFor(1023)).toBe(5);
    expect(szxFor(10)).toBe(0);
  });
});

describe('codes', () => {
  it('c.dd text both ways', () => {
    expect(codeText(0x45)).toBe('2.05');
    expect(codeText(0x81)).toBe('4.01');
    expect(codeFromText('5.03')).toBe(0xa3);
    expect(() => codeFromText('2.32')).toThrow(RangeError);
  });
  it('an unknown critical option is named; elective and known ones are not (RFC 7252 §5.4.1)', () => {
    expect(unsupportedCriticalOption([{ number: 11, value: new Uint8Array(0) }, { number: 65000, value: new Uint8Array(4) }])).toBeUndefined();
    expect(unsupportedCriticalOption([{ number: 65001, value: new Uint8Array(4) }])).toBe(65001);
    expect(unsupportedCriticalOption([{ number: 1, value: new Uint8Array(0) }])).toBe(1); // If-Match: not implemented
  });
});

describe('link format (RFC 6690)', () => {
  const doc = '</dev>;rt="pia.device.fan";ct=50,</dev/temperature>;rt="pia.temperature";ct=50;obs,</dev/snap>;rt="pia.camera.snapshot";ct=22';
  it('formats and parses back', () => {
    const links = parseLinks(doc);
    expect(links).toEqual([
      { href: '/dev', attributes: { rt: 'pia.device.fan', ct: '50' } },
      { href: '/dev/temperature', attributes: { rt: 'pia.temperature', ct: '50', obs: true } },
      { href: '/dev/snap', attributes: { rt: 'pia.camera.snapshot', ct: '22' } },
    ]);
    expect(formatLinks(links)).toBe(doc);
  });
  it('quotes and escapes attribute values, and parses what it wrote', () => {
    const links = [{ href: '/a', attributes: { title: 'say "hi", \\ ok;', rt: 'x y' } }];
    expect(parseLinks(formatLinks(links))).toEqual(links);
  });
  it('filters by attribute, prefix and href (RFC 6690 §4.1)', () => {
    const links = parseLinks(doc);
    expect(filterLinks(links, ['rt=pia.temperature']).map((l) => l.href)).toEqual(['/dev/temperature']);
    expect(filterLinks(links, ['rt=pia.camera*']).map((l) => l.href)).toEqual(['/dev/snap']);
    expect(filterLinks(links, ['href=/dev/*']).map((l) => l.href)).toEqual(['/dev/temperature', '/dev/snap']);
    expect(filterLinks(links, ['obs']).map((l) => l.href)).toEqual(['/dev/temperature']);
    expect(filterLinks(links, [])).toHaveLength(3);
  });
  it('names what is wrong in a malformed document', () => {
    expect(() => parseLinks('</a>;rt="x')).toThrow(LinkFormatError);
    expect(() => parseLinks('/a>')).toThrow(/expected "<"/);
  });
});

describe('coap:// URIs (RFC 7252 §6)', () => {
  it('parses an IPv6 literal, default port, path and query', () => {
    expect(parseCoapUri('coap://[2001:db8:42::f1]/rack1-fan/speed?x=1&y=a%20b')).toEqual({
      to: { address: '2001:db8:42::f1', port: 5683 },
      path: ['rack1-fan', 'speed'],
      query: ['x=1', 'y=a b'],
    });
    expect(parseCoapUri('coap://127.0.0.1:6000/')).toEqual({ to: { address: '127.0.0.1', port: 6000 }, path: [], query: [] });
  });
  it('formats back', () => {
    const t = { to: { address: '::1', port: 5700 }, path: ['dev', 'snap'], query: ['size=small'] };
    expect(formatCoapUri(t)).toBe('coap://[::1]:5700/dev/snap?size=small');
    expect(parseCoapUri(formatCoapUri(t))).toEqual(t);
  });
  it('refuses names, other schemes and fragments with the fix', () => {
    expect(() => parseCoapUri('coap://gateway.local/x')).toThrow(/not an IP address/);
    expect(() => parseCoapUri('http://[::1]/x')).toThrow(/use coap:\/\//);
    expect(() => parseCoapUri('coap://[::1]/x#frag')).toThrow(CoapUriError);
    expect(() => parseCoapUri('not a uri')).toThrow(CoapUriError);
  });
});
