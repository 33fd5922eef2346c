/**
 * The gateway on the simulated building, in memory (ManualClock): plain (phase 1) access as a
 * legacy client sees it, discovery starting PIA, latching, and refusals: counted and summarized
 * in the audit log (refusal-summary.ts), never one record each (nobody authenticated them).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDiscoveryOption, PIA_DISCOVERY_OPTION } from '../../pia/discovery/index.js';
import { memoryGateway, type MemoryGateway } from './test-support/index.js';

let t: MemoryGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('plain CoAP to the gateway', () => {
  it('a legacy client reads a plain-allowed thermometer and is refused 4.01 with the reason on a closed device', async () => {
    t = await memoryGateway();
    await t.clock.advance(3_000); // first polls
    const temp = await t.settle(t.legacy.get(t.uri('rack-temp', 'temperature')));
    expect(temp.codeText).toBe('2.05');
    const body = temp.json() as { value: unknown };
    expect(typeof body.value).toBe('number');
    expect(temp.discovery).toBeUndefined(); // no option asked, none echoed

    const door = await t.settle(t.legacy.get(t.uri('front-door', 'locked')));
    expect(door.codeText).toBe('4.01');
    expect(door.diagnostic).toMatch(/GET \/front-door\/locked on "front-door" needs PIA phase 3.*phase 1: use PIA/);

    const write = await t.settle(t.legacy.put(t.uri('rack-temp', 'temperature'), 20));
    expect(write.codeText).toBe('4.01'); // plain read-only never covers writes, not even probing ones

    expect(t.gateway.audit.tail(10).filter((r) => r.event === 'refused')).toEqual([]);
    expect(await t.gateway.metrics()).toContain('pia_gateway_unauthenticated_refusals_total{phase="1",code="4.01"} 2');
    await t.clock.advance(60_000); // the window ends: one summary of both
    expect(t.gateway.audit.tail(1)[0]).toMatchObject({ event: 'refused-unauthenticated', seconds: 60, total: 2, counts: [{ phase: 1, code: '4.01', n: 2 }], pia: {}, topSources: [{ address: '2001:db8:77::1', n: 2 }] });
    expect(t.gateway.audit.verify()).toMatchObject({ ok: true });
  });

  it('/.well-known/core lists only the device of that endpoint', async () => {
    t = await memoryGateway();
    const r = await t.settle(t.legacy.get(t.uri('rack-temp').replace('/rack-temp', '/.well-known/core')));
    expect(r.codeText).toBe('2.05');
    expect(r.text()).toContain('</rack-temp/temperature>');
    expect(r.text()).not.toContain('rack-fan');
  });

  it('a request with the discovery option gets the echo and starts the key exchange; afterwards its plaintext is refused as latched', async () => {
    t = await memoryGateway();
    const op = t.operator('alice', '2001:db8:99::1', { devices: '*', rights: ['read'] });
    const discovery = { canInitiate: true, latched: false, port: 4500 };
    const first = await t.settle(op.plain.get(t.uri('rack-temp', 'temperature'), { discovery }));
    expect(first.codeText).toBe('2.05');
    expect(first.discovery).toMatchObject({ canInitiate: true, latched: false, port: t.pia.port });
    expect(first.discovery?.address).toBeUndefined(); // loopback: the PIA address is the devices' address

    await t.settle(op.node.phase3Ready(t.pia));
    expect(op.node.phase(t.pia)).toBe(3);
    expect(t.gateway.pia.node.phase({ address: '2001:db8:99::1', port: 4500 })).toBe(3);

    const again = await t.settle(op.plain.get(t.uri('rack-temp', 'temperature')));
    expect(again.codeText).toBe('4.01');
    expect(again.diagnostic).toBe('PIA required: peer is latched');
    const echo = again.options.find((x) => x.number === PIA_DISCOVERY_OPTION);
    expect(echo && decodeDiscoveryOption(echo.value)).toMatchObject({ latched: true, port: t.pia.port });
    expect(t.gateway.audit.tail(5).filter((r) => r.event === 'refused')).toEqual([]);
    expect(await t.gateway.metrics()).toContain('pia_gateway_unauthenticated_refusals_total{phase="1",code="4.01"} 1');
  });

  it('with device addresses, each device answers on its own address and the echo names the gateway PIA address', async () => {
    t = await memoryGateway({ addressing: 'add-addresses' });
    expect(t.gateway.addressing).toBe('add-addresses');
    const temp = t.gateway.device('rack-temp');
    expect(temp?.endpoint).toEqual({ address: temp?.address, port: 5683 });
    expect(temp?.address.startsWith('2001:db8:42:1:')).toBe(true);
    expect(t.pia.address.startsWith('2001:db8:42:1:')).toBe(true);
    const r = await t.settle(t.legacy.get(t.uri('rack-temp', 'temperature'), { discovery: { canInitiate: false, latched: false, port: 4500 } }));
    expect(r.codeText).toBe('2.05');
    expect(r.discovery?.address).toBeDefined();
    // the fan's address does not serve the thermometer
    const fan = t.gateway.device('rack-fan');
    const wrong = await t.settle(t.legacy.get(`coap://[${fan?.address ?? ''}]:5683/rack-temp/temperature`));
    expect(wrong.codeText).not.toBe('2.05');
  });
});
