import { describe, it, expect } from 'vitest';
import { ProvisioningError } from '../../identity/index.js';
import { LabelPayloadError, labelPayload, parseLabelPayload, type LabelContent } from './index.js';

const ID = '0f8e5b7a-3c1d-4e2f-9a6b-5c4d3e2f1a0b';
const SERVER = '7d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a';
const RACK: LabelContent = { id: ID, label: 'rack 4 gateway', kind: 'gateway' };

describe('labelPayload: the format', () => {
  it('is the documented URI, parameters in fixed order', () => {
    expect(labelPayload(RACK)).toBe(`pia:node/${ID}?l=rack%204%20gateway&k=gateway`);
    expect(labelPayload({ ...RACK, serverId: SERVER, serial: '0123456789ABCDEF01' })).toBe(
      `pia:node/${ID}?l=rack%204%20gateway&k=gateway&s=0123456789abcdef01&t=${SERVER}`,
    );
  });

  it('is ASCII, and a standard URL parser reads it', () => {
    const p = labelPayload({ ...RACK, label: 'Kühlraum 2 & "Süd" + 100%' });
    expect(p).toMatch(/^[\x21-\x7e]+$/);
    const url = new URL(p);
    expect(url.protocol).toBe('pia:');
    expect(url.pathname).toBe(`node/${ID}`);
    expect(url.searchParams.get('l')).toBe('Kühlraum 2 & "Süd" + 100%');
    expect(url.searchParams.get('k')).toBe('gateway');
  });

  it('round-trips non-ASCII labels, carried as NFC', () => {
    for (const label of ['Kühlraum 2', 'Серверная 1', '机房 A', 'café ☕', 'a'.repeat(64)]) {
      const c = { ...RACK, label, serial: 'ab', serverId: SERVER };
      expect(parseLabelPayload(labelPayload(c))).toEqual(c);
    }
    const nfd = 'Ku\u0308hlraum 2';
    expect(labelPayload({ ...RACK, label: nfd })).toBe(labelPayload({ ...RACK, label: 'Kühlraum 2' }));
    expect(parseLabelPayload(labelPayload({ ...RACK, label: nfd })).label).toBe('Kühlraum 2');
  });

  it('canonicalises case: the same board always gives the same payload', () => {
    expect(labelPayload({ ...RACK, id: ID.toUpperCase() })).toBe(labelPayload(RACK));
  });
});

describe('labelPayload: bad input names the field and the fix', () => {
  const cases: ReadonlyArray<[string, Partial<LabelContent>, RegExp]> = [
    ['id not a UUID', { id: 'rack-4' }, /^board label: id "rack-4" is not a UUID .*node ID/],
    ['id with a trailing newline', { id: `${ID}\n` }, /id ".*\\u\{a\}" is not a UUID/],
    ['empty label', { label: '' }, /label is empty: give the board a name/],
    ['blank label', { label: '   ' }, /label is empty/],
    ['label over 64 bytes', { label: 'ü'.repeat(33) }, /label is 66 bytes of UTF-8, more than the 64 .*shorten it/],
    ['label with a newline', { label: 'rack\n4' }, /label has a control character \(U\+000A at position 5\)/],
    ['label with a tab', { label: 'rack\t4' }, /label has a control character \(U\+0009/],
    ['label with ESC', { label: 'rack \u001b[2J' }, /label has a control character \(U\+001B/],
    ['label with a C1 control', { label: 'rack \u0085' }, /label has a control character \(U\+0085/],
    ['label with a bidi override', { label: 'rack \u202e4' }, /label has a control character \(U\+202E/],
    ['label with outer space', { label: ' rack 4' }, /label " rack 4" starts or ends with white space/],
    ['kind with capitals', { kind: 'Gateway' }, /kind "Gateway" is not a node kind/],
    ['serial not hex', { serial: 'xyz' }, /serial "xyz" is not a hex serial number/],
    ['serial of odd length', { serial: 'abc' }, /serial "abc"/],
    ['serverId not a UUID', { serverId: 'trust-1' }, /serverId "trust-1" is not a UUID/],
  ];
  it.each(cases)('%s', (_name, change, message) => {
    const c: LabelContent = { ...RACK, ...change };
    expect(() => labelPayload(c)).toThrow(message);
    expect(() => labelPayload(c)).toThrow(ProvisioningError);
  });

  it('accepts a label of exactly 64 bytes', () => {
    expect(() => labelPayload({ ...RACK, label: 'ü'.repeat(32) })).not.toThrow();
  });
});

describe('parseLabelPayload', () => {
  const good = `pia:node/${ID}?l=rack%204&k=gateway`;
  it('reads a payload, ignoring parameters it does not know', () => {
    expect(parseLabelPayload(`${good}&x=later`)).toEqual({ id: ID, label: 'rack 4', kind: 'gateway' });
    expect(parseLabelPayload(good.replace('pia:', 'PIA:')).id).toBe(ID);
  });

  it.each([
    ['another scheme', `https://example.org/?l=a&k=b`, /does not start with "pia:node\/"/],
    ['no query', `pia:node/${ID}`, /no "\?l=…&k=…" part/],
    ['no label', `pia:node/${ID}?k=gateway`, /no label \(parameter "l"\)/],
    ['no kind', `pia:node/${ID}?l=a`, /no kind \(parameter "k"\)/],
    ['a repeated parameter', `${good}&l=b`, /parameter "l" twice/],
    ['broken percent-encoding', `pia:node/${ID}?l=%E2%82&k=gateway`, /parameter "l" is not valid percent-encoded UTF-8/],
    ['a bad id', `pia:node/1234?l=a&k=gateway`, /QR payload: board label: id "1234" is not a UUID/],
    ['a control character in the label', `pia:node/${ID}?l=a%0Ab&k=gateway`, /label has a control character/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseLabelPayload(text)).toThrow(message);
    expect(() => parseLabelPayload(text)).toThrow(LabelPayloadError);
  });
});
