/**
 * The device directory at the gateway's own PIA address (serve-coap.ts step 3), and piactl
 * (operator/) driving the real gateway by device name through it, in memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseLinks } from '../../coap/index.js';

import { memoryGateway, piactlAgainst, type MemoryGateway, type PiactlRun } from './test-support/index.js';

let t: MemoryGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('the directory at the gateway address', () => {
  for (const addressing of ['loopback', 'add-addresses'] as const) {
    it(`${addressing}: /.well-known/core over PIA lists every device by name, and a request there reaches the device under its policy`, async () => {
      const g = (t = await memoryGateway({ addressing }));
      const op = g.operator('alice', '2001:db8:99::1', { devices: 'rack-*', rights: ['read'] });
      await g.settle(op.node.connect(g.pia));
      await g.settle(op.node.phase3Ready(g.pia));
      const at = `coap://[${g.pia.address}]:5683`;
      const listing = await g.settle(op.client.get(`${at}/.well-known/core`));
      expect(listing.codeText).toBe('2.05');
      const links = parseLinks(listing.text());
      const devices = links.filter((l) => String(l.attributes.rt ?? '').startsWith('pia.device.')).map((l) => [l.href, l.attributes.title]);
      expect(devices).toHaveLength(10);
      expect(devices).toContainEqual(['/rack-fan', 'rack-fan']);
      expect(links.map((l) => l.href)).toContain('/lobby-camera/snapshot');

      expect((await g.settle(op.client.get(`${at}/rack-fan/rpm`))).codeText).toBe('2.05');
      const refused = await g.settle(op.client.get(`${at}/safe/locked`));
      expect(refused.codeText).toBe('4.03');
      expect(g.gateway.audit.tail(1)[0]).toMatchObject({ event: 'refused', device: 'safe', request: 'GET /safe/locked' });
    });
  }

  it('is not served to plain clients: the plain endpoint of a device lists only that device', async () => {
    t = await memoryGateway({ addressing: 'add-addresses' });
    const r = await t.settle(t.legacy.get(`coap://[${t.pia.address}]:5683/.well-known/core`), 100).catch((e: unknown) => e);
    expect(r).toBeInstanceOf(Error); // no plain socket on the gateway's own address: no answer at all
  });
});

describe('piactl against the gateway', () => {
  it('ls, get, set and call by device name; an operator without a grant is refused with the reason', async () => {
    const g = (t = await memoryGateway());
    const alice = g.operatorCredential('alice', { devices: '*', rights: ['read', 'control'] });
    const mallory = g.operatorCredential('mallory');
    let port = 41_000;
    const piactl = (credential: string, ...args: string[]): Promise<PiactlRun> => piactlAgainst(g, credential, args, port++);
    const ls = await piactl(alice.file, 'ls');
    expect(ls.code).toBe(0);
    for (const name of ['rack-temp', 'rack-fan', 'front-door', 'office-hvac', 'lobby-camera']) expect(ls.out).toContain(name);

    const set = await piactl(alice.file, 'set', 'rack-fan/speed', '35');
    expect(set.code, set.err).toBe(0);
    expect(g.building.parts.fan.dutyFraction).toBeCloseTo(0.35, 5);
    const get = await piactl(alice.file, '--json', 'get', 'rack-fan/speed');
    expect(JSON.parse(get.out)).toMatchObject({ ok: true, result: { value: 35 } });
    const unlock = await piactl(alice.file, 'call', 'front-door/unlock', 'seconds=3');
    expect(unlock.code, unlock.err).toBe(0);
    expect(g.building.parts.door.locked).toBe(false);

    const refused = await piactl(mallory.file, 'get', 'rack-temp/temperature');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/grant|phase 3|not authorized/i);
    const commands = g.gateway.audit.tail(10).filter((r) => r.event === 'command').map((r) => r.request);
    expect(commands).toEqual(['PUT /rack-fan/speed', 'POST /front-door/unlock']);
  });
});
