import { describe, expect, it } from 'vitest';
import { parseLinks, type CoapEndpoint } from '../../coap/index.js';
import { deviceTarget, findDevice, readDirectory, readListing } from './directory.js';

const GW: CoapEndpoint = { address: '2001:db8:b::1', port: 5683 };
const FAN = '2001:db8:42::f1';

describe('the device listing (RFC 6690 link format)', () => {
  it('relative links: devices at the listing address, resources grouped under them, others apart', () => {
    const l = readListing(
      parseLinks('</rack-fan>;rt="pia.device.fan";ct=50;title="rack-fan",</rack-fan/speed>;rt="pia.fan.speed";ct=50;obs,</rack-fan/snap>;rt="pia.camera.snapshot";ct=22,</stray/x>;rt="y"'),
      GW,
    );
    expect(l.devices).toEqual([
      {
        name: 'rack-fan',
        kind: 'fan',
        target: { to: GW, path: ['rack-fan'], query: [] },
        resources: [
          { name: 'speed', target: { to: GW, path: ['rack-fan', 'speed'], query: [] }, rt: 'pia.fan.speed', ct: 50, observable: true },
          { name: 'snap', target: { to: GW, path: ['rack-fan', 'snap'], query: [] }, rt: 'pia.camera.snapshot', ct: 22, observable: false },
        ],
      },
    ]);
    expect(l.others.map((r) => r.target.path)).toEqual([['stray', 'x']]);
  });

  it('absolute links name devices at their own addresses; the same name at both counts once, at its own', () => {
    const l = readListing(parseLinks(`</rack-fan>;rt="pia.device.fan",<coap://[${FAN}]/rack-fan>;rt="pia.device.fan";title="rack-fan",<coap://[2001:db8:42::c1]:5690/>;rt="pia.device.camera";title="cam"`), GW);
    expect(l.devices.map((d) => [d.name, d.kind, d.target.to, d.target.path])).toEqual([
      ['cam', 'camera', { address: '2001:db8:42::c1', port: 5690 }, []],
      ['rack-fan', 'fan', { address: FAN, port: 5683 }, ['rack-fan']],
    ]);
    const cam = findDevice(l, 'cam');
    expect(cam === undefined ? undefined : deviceTarget(cam, 'snapshot')).toEqual({ to: { address: '2001:db8:42::c1', port: 5690 }, path: ['snapshot'], query: [] });
    expect(findDevice(l, 'nope')).toBeUndefined();
  });

  it('links that are not usable CoAP references are skipped, percent-encoding decoded', () => {
    const l = readListing(parseLinks('<http://x/y>;rt="pia.device.fan",<relative>;rt="pia.device.fan",</caf%C3%A9>;rt="pia.device.lighting"'), GW);
    expect(l.devices.map((d) => d.name)).toEqual(['café']);
  });

  it('readDirectory reads each remote address once, for the devices wanted; a refusal there becomes the device\'s problem', async () => {
    const asked: string[] = [];
    const listings: Record<string, string> = {
      [GW.address]: `<coap://[${FAN}]/rack-fan>;rt="pia.device.fan",<coap://[${FAN}]/rack-temp>;rt="pia.device.thermometer",<coap://[2001:db8:42::d1]/door>;rt="pia.device.door"`,
      [FAN]: '</rack-fan>;rt="pia.device.fan",</rack-fan/speed>;rt="pia.fan.speed",</rack-temp/temperature>;rt="pia.temperature";obs',
    };
    const fetch = (at: CoapEndpoint): Promise<ReturnType<typeof parseLinks>> => {
      asked.push(at.address);
      const text = listings[at.address];
      return text === undefined ? Promise.reject(new Error('4.03 Forbidden: no grant')) : Promise.resolve(parseLinks(text));
    };
    const l = await readDirectory(GW, fetch, () => true, (e) => (e as Error).message);
    expect(asked[0]).toBe(GW.address);
    expect(asked.slice(1).sort()).toEqual(['2001:db8:42::d1', FAN]);
    expect(l.devices.map((d) => [d.name, d.resources.map((r) => r.name), d.problem])).toEqual([
      ['door', [], '4.03 Forbidden: no grant'],
      ['rack-fan', ['speed'], undefined],
      ['rack-temp', ['temperature'], undefined],
    ]);
    asked.length = 0;
    await readDirectory(GW, fetch, () => false, String);
    expect(asked).toEqual([GW.address]);
  });
});
