import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeIdFromText } from '../../pia/phase3/index.js';
import { deriveDeviceAddresses, iidHashInput, interfaceIdFor, isReservedInterfaceId, sha256, type IidHash, type IidInput } from './iid.js';
import { parsePrefix64, PrefixError } from './prefix.js';

interface Vector {
  comment: string;
  prefix: string;
  gatewayId: string;
  deviceName: string;
  dadCounter: number;
  secretHex: string;
  inputHex: string;
  sha256Hex: string;
  iidHex: string;
  address: string;
}
const { vectors } = JSON.parse(readFileSync(new URL('./vectors/iid.json', import.meta.url), 'utf8')) as { vectors: Vector[] };

const inputOf = (v: Vector): IidInput => ({
  prefix: parsePrefix64(v.prefix).bytes,
  gatewayId: nodeIdFromText(v.gatewayId),
  deviceName: v.deviceName,
  dadCounter: v.dadCounter,
  ...(v.secretHex === '' ? {} : { secret: Buffer.from(v.secretHex, 'hex') }),
});
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const flip = (b: Uint8Array, i: number): Uint8Array => {
  const c = Uint8Array.from(b);
  c[i] = (c[i] ?? 0) ^ 0x01;
  return c;
};

describe('interface identifiers: known answers (vectors/iid.json, from an independent Python implementation)', () => {
  it('has the vectors', () => expect(vectors.length).toBeGreaterThanOrEqual(7));
  for (const v of vectors) {
    it(`${v.comment}: input bytes, digest, IID`, () => {
      const input = inputOf(v);
      expect(hex(iidHashInput(input))).toBe(v.inputHex);
      expect(hex(sha256(iidHashInput(input)))).toBe(v.sha256Hex);
      expect(hex(interfaceIdFor(input))).toBe(v.iidHex);
    });
    it(`${v.comment}: a tampered input does not reproduce the IID`, () => {
      const input = inputOf(v);
      const tampered: IidInput[] = [
        { ...input, prefix: flip(input.prefix, 7) },
        { ...input, gatewayId: flip(input.gatewayId, 15) },
        { ...input, deviceName: `${input.deviceName.slice(0, -1)}${input.deviceName.endsWith('x') ? 'y' : 'x'}` },
        { ...input, dadCounter: input.dadCounter ^ 1 },
        { ...input, secret: input.secret === undefined ? Uint8Array.of(0) : flip(input.secret, 0) },
      ];
      for (const t of tampered) expect(hex(interfaceIdFor(t))).not.toBe(v.iidHex);
    });
  }
  it('deriveDeviceAddresses gives the vectors\' addresses (counter 0, no secret)', () => {
    const plain = vectors.filter((v) => v.dadCounter === 0 && v.secretHex === '');
    for (const v of plain) {
      const [a] = deriveDeviceAddresses({ prefix: v.prefix, gatewayId: v.gatewayId, deviceNames: [v.deviceName] });
      expect(a).toEqual({ name: v.deviceName, address: v.address, dadCounter: 0 });
    }
    const secret = vectors.find((v) => v.secretHex !== '')!;
    const [s] = deriveDeviceAddresses({ prefix: secret.prefix, gatewayId: secret.gatewayId, deviceNames: [secret.deviceName], secret: Buffer.from(secret.secretHex, 'hex') });
    expect(s?.address).toBe(secret.address);
  });
  it('the length prefix keeps inputs unambiguous: name "ab" + counter differs from name "a" + …', () => {
    const base = inputOf(vectors[0]!);
    expect(hex(iidHashInput({ ...base, deviceName: 'ab', dadCounter: 0 }))).not.toBe(hex(iidHashInput({ ...base, deviceName: 'a', dadCounter: 0x62 })));
  });
});

describe('reserved interface identifiers (RFC 5453, IANA registry)', () => {
  const iid = (text: string): Uint8Array => Buffer.from(text.replaceAll(':', ''), 'hex');
  it.each([
    ['0000:0000:0000:0000', true],
    ['0000:0000:0000:0001', false],
    ['0200:5eff:fe00:0000', true],
    ['0200:5eff:fe00:5213', true],
    ['0200:5eff:feff:ffff', true],
    ['0200:5eff:ff00:0000', false],
    ['0200:5eff:fdff:ffff', false],
    ['fdff:ffff:ffff:ff7f', false],
    ['fdff:ffff:ffff:ff80', true],
    ['fdff:ffff:ffff:ffff', true],
    ['ffff:ffff:ffff:ffff', false],
  ] as const)('%s reserved: %s', (text, reserved) => expect(isReservedInterfaceId(iid(text))).toBe(reserved));
});

describe('deriveDeviceAddresses', () => {
  const gatewayId = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
  const prefix = '2001:db8:42:1::/64';
  const names = ['rack-temp', 'rack-fan', 'front-door', 'safe'];

  it('is stable across calls and independent of the order of the devices', () => {
    const a = deriveDeviceAddresses({ prefix, gatewayId, deviceNames: names });
    const b = deriveDeviceAddresses({ prefix, gatewayId, deviceNames: [...names].reverse() });
    expect(new Set(a.map((x) => x.address)).size).toBe(names.length);
    for (const x of a) expect(b.find((y) => y.name === x.name)).toEqual(x);
    expect(a.map((x) => x.name)).toEqual(names);
    for (const x of a) expect(x.address.startsWith('2001:db8:42:1:')).toBe(true);
  });

  it('differs per gateway and per prefix', () => {
    const a = deriveDeviceAddresses({ prefix, gatewayId, deviceNames: names });
    const other = deriveDeviceAddresses({ prefix, gatewayId: '9b2c6f1e-2d3a-4c5b-8e7f-0a1b2c3d4e5f', deviceNames: names });
    const moved = deriveDeviceAddresses({ prefix: 'fd12:3456:789a:1::/64', gatewayId, deviceNames: names });
    a.forEach((x, i) => {
      expect(other[i]?.address).not.toBe(x.address);
      expect(moved[i]?.address.slice(-19)).not.toBe(x.address.slice(-19));
    });
  });

  it('skips a reserved IID with the counter (substitute hash: counter 0 gives all-zero, then the anycast range)', () => {
    const hash: IidHash = (input) => {
      const counter = input[input.length - 2]; // no secret: … ‖ counter ‖ 0x00
      if (counter === 0) return new Uint8Array(32);
      if (counter === 1) return Buffer.from('fdffffffffffff90'.padEnd(64, '0'), 'hex');
      if (counter === 2) return Buffer.from('02005efffe000001'.padEnd(64, '0'), 'hex');
      return sha256(input);
    };
    const [a] = deriveDeviceAddresses({ prefix, gatewayId, deviceNames: ['rack-temp'], hash });
    const v = vectors.find((x) => x.deviceName === 'rack-temp' && x.dadCounter === 1)!;
    expect(a).toEqual({ name: 'rack-temp', address: deriveWithCounter(3), dadCounter: 3 });
    expect(deriveWithCounter(1)).toBe(v.address); // the helper agrees with the vector

    function deriveWithCounter(c: number): string {
      const iid = interfaceIdFor({ prefix: parsePrefix64(prefix).bytes, gatewayId: nodeIdFromText(gatewayId), deviceName: 'rack-temp', dadCounter: c });
      const b = Buffer.from(iid);
      return `2001:db8:42:1:${[0, 2, 4, 6].map((i) => b.readUInt16BE(i).toString(16)).join(':')}`;
    }
  });

  it('two names with the same IID: the later name takes the next counter, whatever the order', () => {
    const hash: IidHash = (input) => (input[input.length - 2] === 0 ? Buffer.alloc(32, 0x11) : sha256(input));
    const a = deriveDeviceAddresses({ prefix, gatewayId, deviceNames: ['zeta', 'alpha'], hash });
    const b = deriveDeviceAddresses({ prefix, gatewayId, deviceNames: ['alpha', 'zeta'], hash });
    expect(a.find((x) => x.name === 'alpha')).toEqual({ name: 'alpha', address: '2001:db8:42:1:1111:1111:1111:1111', dadCounter: 0 });
    expect(a.find((x) => x.name === 'zeta')?.dadCounter).toBe(1);
    expect(b).toEqual([a[1], a[0]]);
  });

  it('refuses duplicate names, a bad gateway ID and a bad prefix', () => {
    expect(() => deriveDeviceAddresses({ prefix, gatewayId, deviceNames: ['a', 'a'] })).toThrow(/unique/);
    expect(() => deriveDeviceAddresses({ prefix, gatewayId: 'gw-1', deviceNames: ['a'] })).toThrow(/not a UUID/);
    expect(() => deriveDeviceAddresses({ prefix: '2001:db8::/48', gatewayId, deviceNames: ['a'] })).toThrow(PrefixError);
  });
});

describe('parsePrefix64', () => {
  it('canonicalises', () => {
    expect(parsePrefix64('2001:DB8:42:1:0::/64')).toEqual({ bytes: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0x42, 0, 1]), text: '2001:db8:42:1::/64' });
  });
  it.each([
    ['2001:db8:42:1::', /has no length/],
    ['2001:db8:42::/48', /is \/48, device addresses need a \/64/],
    ['2001:db8:42:1::5/64', /bits set after the first 64.*2001:db8:42:1::\/64/],
    ['ff02::/64', /multicast/],
    ['fe80::/64', /link-local/],
    ['::/64', /::\/8/],
    ['192.0.2.0/64', /not an IPv6 address/],
    ['rack/64', /not an IPv6 address/],
  ])('%s is refused', (text, message) => {
    expect(() => parsePrefix64(text)).toThrow(message);
  });
});
