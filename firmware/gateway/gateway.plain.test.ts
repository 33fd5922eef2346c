/**
 * The gateway on the simulated building, in memory (ManualClock): plain (phase 1) access as a
 * legacy client sees it, discovery starting PIA, latching, and refusals: counted and summarized
 * in the audit log (refusal-summary.ts), never one record each (nobody authenticated them).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDiscoveryOption, PIA_DISCOVERY_OPTION } from '../../pia/discovery/index.js';
import { decodeKx, isKxDatagram } from '../../pia/handshake/index.js';
import { memoryGateway, type MemoryGateway } from './test-support/index.js';

let t: MemoryGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** An experimental elective option number (RFC 7252 §12.2) a server ignores: padding for a test. */
const PADDING_OPTION = 65004;

/** Counts the key-exchange INITs the gateway sends to `address`. */
function countInits(t: MemoryGateway, address: string): { readonly count: number } {
  const seen = { count: 0 };
  t.net.observe((d) => {
    if (d.to.address === address && isKxDatagram(d.bytes) && decodeKx(d.bytes).kind === 'init') seen.count++;
  });
  return seen;
}

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

  it('a request with the discovery option gets the echo; the requester starts the key exchange; afterwards its plaintext is refused as latched', async () => {
    t = await memoryGateway();
    const op = t.operator('alice', '2001:db8:99::1', { devices: '*', rights: ['read'] });
    const discovery = { canInitiate: true, latched: false, port: 4500 };
    const inits = countInits(t, '2001:db8:99::1');
    const first = await t.settle(op.plain.get(t.uri('rack-temp', 'temperature'), { discovery }));
    expect(first.codeText).toBe('2.05');
    // a short request (shorter than an INIT) makes the gateway send nothing more: the echo says "start yourself"
    expect(first.discovery).toMatchObject({ canInitiate: false, latched: false, port: t.pia.port });
    expect(first.discovery?.address).toBeUndefined(); // loopback: the PIA address is the devices' address
    await t.clock.advance(60_000);
    expect(inits.count).toBe(0);
    void op.node.connect(t.pia).catch(() => undefined);

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

  it('a request at least as long as an INIT makes the gateway initiate with one INIT, never repeated to a silent source', async () => {
    t = await memoryGateway();
    const op = t.operator('alice', '2001:db8:99::1', { devices: '*', rights: ['read'] });
    const inits = countInits(t, '2001:db8:99::1');
    const padding = [{ number: PADDING_OPTION, value: new Uint8Array(80) }]; // elective, ignored (RFC 7252 §5.4.1)
    const first = await t.settle(op.plain.get(t.uri('rack-temp', 'temperature'), { discovery: { canInitiate: true, latched: false, port: 4500 }, options: padding }));
    expect(first.discovery).toMatchObject({ canInitiate: true, port: t.pia.port });
    await t.settle(op.node.phase3Ready(t.pia));
    expect(inits.count).toBe(1);

    // the same from a source that never answers: one INIT, however long we wait
    const silent = countInits(t, '2001:db8:99::2');
    const ghost = t.operator('ghost', '2001:db8:99::2', { devices: '*', rights: ['read'] });
    await ghost.node.close(); // its PIA port is gone: nothing answers the INIT
    await t.settle(ghost.plain.get(t.uri('rack-temp', 'temperature'), { discovery: { canInitiate: true, latched: false, port: 4500 }, options: padding }));
    await t.clock.advance(120_000);
    expect(silent.count).toBe(1);
  });

  it('what the discovery option triggers is no larger than the request that carried it (byte counts)', async () => {
    t = await memoryGateway();
    const gw = t;
    const ratios: number[] = [];
    for (const [i, pad] of [[1, 0], [2, 80], [3, 400]] as const) {
      const options = pad === 0 ? [] : [{ number: PADDING_OPTION, value: new Uint8Array(pad) }];
      const exchange = async (address: string, withOption: boolean): Promise<{ sent: number; received: number }> => {
        const counted = { sent: 0, received: 0 };
        gw.net.observe((d) => {
          if (d.from.address === address) counted.sent += d.bytes.length;
          if (d.to.address === address) counted.received += d.bytes.length;
        });
        const op = gw.operator(`ghost${address}`, address, { devices: '*', rights: ['read'] });
        await op.node.close(); // nothing answers at its PIA port: no exchange completes
        const discovery = withOption ? { discovery: { canInitiate: true, latched: false, port: 4500 } } : {};
        await gw.settle(op.plain.get(gw.uri('rack-temp', 'temperature'), { ...discovery, options }));
        await gw.clock.advance(120_000);
        return counted;
      };
      const plain = await exchange(`2001:db8:98::${i}`, false);
      const discovered = await exchange(`2001:db8:97::${i}`, true);
      const triggered = discovered.received - plain.received; // the echo, and an INIT when the request was long enough
      expect(triggered).toBeGreaterThan(0);
      expect(triggered).toBeLessThanOrEqual(discovered.sent);
      ratios.push(triggered / discovered.sent);
    }
    expect(ratios.every((r) => r <= 1)).toBe(true);
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
