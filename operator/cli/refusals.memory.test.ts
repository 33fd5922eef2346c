/**
 * How piactl fails, in memory: each failure's exit code (exit-codes.ts) and a message that
 * says why — the trusted server's reason for a phase-3 denial, the gateway's diagnostic for a
 * refusal or a device error — in human and --json form.
 */
import { chmodSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../devices/model/index.js';
import { FAN_ADDRESS, GATEWAY, GATEWAY_TEXT as GW, jsonOf as json, memoryGateway, type MemoryGateway } from './test-support/index.js';

let g: MemoryGateway | undefined;
afterEach(async () => {
  await g?.close();
  g = undefined;
});


describe('phase 3 refused or impossible', () => {
  it('an operator without a grant: exit 4 with the trusted server\'s reason and the fix; nothing reaches the device', async () => {
    g = memoryGateway('no-grant');
    const mallory = g.operator('mallory', null);
    const r = await g.run(['set', 'rack-fan/speed', '100'], { credential: mallory.file });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^piactl: not authorized: the trusted server denied phase 3 with gateway \\[${GATEWAY.address}\\]:4500: .*no grant.* \\(reason 5\\); ask an administrator for a grant: pia-trust grant add --subject ${mallory.id} --gateway GATEWAY_ID`));
    expect(g.fan.sets).toEqual([]);
    expect(g.t.trust.audit.filter((a) => a.event === 'phase3-denied')).toHaveLength(1);
    const ping = await g.run(['ping'], { credential: mallory.file });
    expect(ping.code).toBe(4);
    expect(ping.stdout).toMatch(new RegExp(`^piactl ping \\[${GATEWAY.address}\\]:4500: phase 2 in [\\d.]+ ms; phase 3 failed\\n$`));
    const j = await g.run(['ping', '--json'], { credential: mallory.file });
    expect(j.code).toBe(4);
    expect(json(j.stdout)).toMatchObject({ ok: false, command: 'ping', exitCode: 4, gateway: GW, reason: 5, authentic: true, phase2Ms: expect.any(Number) as unknown });
  });

  it('a revoked operator: exit 4, reason 2', async () => {
    g = memoryGateway('revoked');
    const eve = g.operator('eve');
    g.revoke(eve.id);
    const r = await g.run(['get', 'rack-fan/speed'], { credential: eve.file });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/not authorized: .*\(reason 2\); a node is revoked/);
  });

  it('the gateway cannot reach the trusted server: exit 3 (phase 2 up, phase 3 never completes)', async () => {
    g = memoryGateway('server-down', { gatewayTrustServer: { address: '2001:db8:dead::5', port: 4500 } });
    const alice = g.operator('alice');
    const r = await g.run(['get', 'rack-fan/speed', '--timeout', '5000'], { credential: alice.file });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`piactl: gateway ${GW}: phase 2 is up but phase 3 did not complete within 5000 ms; the gateway may be waiting for the trusted server (or raise --timeout)\n`);
  });

  it('nothing listens at that address: exit 3 at once (the network says so), naming the address and the likely cause', async () => {
    g = memoryGateway('nobody');
    const alice = g.operator('alice');
    const started = g.t.clock.now();
    const r = await g.run(['get', `coap://[${FAN_ADDRESS}]/rack-fan/speed`, '--timeout', '15000', '--json'], { credential: alice.file, gateway: false });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`piactl: nothing listens on [${FAN_ADDRESS}]:4500 — is pia-gateway running? (the host answered ICMP port unreachable; check --gateway's port)\n`);
    expect(json(r.stdout)).toMatchObject({ ok: false, command: 'get', exitCode: 3, gateway: `[${FAN_ADDRESS}]:4500` });
    expect(g.t.clock.now() - started).toBeLessThan(15_000); // ended by the answer, not by --timeout (simulated time)
  });

  it('no answer at all (a filtered port): exit 3 after --timeout, with the INITs sent', async () => {
    g = memoryGateway('unreachable');
    const alice = g.operator('alice');
    g.t.net.intercept((d) => (d.to.address === FAN_ADDRESS ? 'drop' : undefined)); // a firewall drops, no ICMP comes back
    const r = await g.run(['get', `coap://[${FAN_ADDRESS}]/rack-fan/speed`, '--timeout', '4000', '--json'], { credential: alice.file, gateway: false });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^piactl: no answer from gateway \\[${FAN_ADDRESS}\\]:4500 within 4000 ms \\(3 key-exchange INITs sent\\); check the address and port \\(--gateway\\)`));
    expect(json(r.stdout)).toMatchObject({ ok: false, command: 'get', exitCode: 3, gateway: `[${FAN_ADDRESS}]:4500` });
  });

  it('Ctrl-C before the gateway answers: exit 130, said so', async () => {
    g = memoryGateway('interrupted');
    const alice = g.operator('alice');
    g.t.net.intercept((d) => (d.to.address === '2001:db8:dead::1' ? 'drop' : undefined)); // silence, not "unreachable"
    const r = g.start(['get', 'rack-fan/speed', '--gateway', '[2001:db8:dead::1]:4500'], { credential: alice.file });
    await g.t.clock.advance(500);
    r.interrupt();
    expect(await g.t.clock.settle(r.done, 10)).toBe(130);
    expect(r.stderr()).toBe('piactl: interrupted before the connection with gateway [2001:db8:dead::1]:4500 was up\n');
  });

  it('a credential others may read is refused (exit 2) before anything is sent', async () => {
    g = memoryGateway('cred-mode');
    const alice = g.operator('alice');
    chmodSync(alice.file, 0o644);
    const r = await g.run(['get', 'rack-fan/speed'], { credential: alice.file });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mode 0644 lets others read the node's key; run 'chmod 600 .*alice\.json'/);
    expect(g.t.net.stats.sent).toBe(0);
    const missing = await g.run(['get', 'rack-fan/speed'], { credential: `${alice.file}.nope` });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read \(ENOENT\).*piactl reads --credential FILE, else \$PIACTL_CREDENTIAL, else ~\/\.config\/piactl\/credential\.json/);
  });
});

describe("the gateway's answers", () => {
  it('a grant without the right: the policy refuses (4.03) → exit 4 with the gateway\'s reason; reads still work', async () => {
    g = memoryGateway('forbidden');
    const reader = g.operator('reader', { devices: 'rack-*', rights: ['read'] });
    const r = await g.run(['set', 'rack-fan/speed', '90'], { credential: reader.file });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^piactl: set rack-fan\/speed: not authorized by the gateway \(4\.03 Forbidden\): operator .*\("reader"\) .* has no grant with "control" on device "rack-fan"/);
    expect(g.fan.sets).toEqual([]);
    const j = await g.run(['get', 'front-cam/speed', '--json'], { credential: reader.file });
    expect(j.code).toBe(4);
    expect(json(j.stdout)).toMatchObject({ ok: false, exitCode: 4, code: '4.03', diagnostic: expect.stringContaining('device "front-cam"') as unknown });
    expect((await g.run(['get', 'rack-fan/speed'], { credential: reader.file })).code).toBe(0);
  });

  it('a busy device (5.03) → exit 1 with when to retry; a failed one (5.00) → exit 1', async () => {
    g = memoryGateway('busy');
    const alice = g.operator('alice');
    g.fan.failNext = new DeviceError('busy', 'rack-fan: the PWM channel is being reconfigured', { retryAfterS: 20 });
    const busy = await g.run(['set', 'rack-fan/speed', '60', '--json'], { credential: alice.file });
    expect(busy.code).toBe(1);
    // One retry time, the device's own, in the text and in --json alike.
    expect(busy.stderr).toBe('piactl: set rack-fan/speed: device busy (5.03 Service Unavailable): rack-fan: the PWM channel is being reconfigured; retry in 20 s\n');
    expect(json(busy.stdout)).toMatchObject({ ok: false, exitCode: 1, code: '5.03', retryAfterS: 20 });
    g.fan.failNext = new DeviceError('failed', 'rack-fan: tachometer reads 0 rpm at 60 %: stalled');
    const failed = await g.run(['call', 'rack-fan/boost', 'seconds=3'], { credential: alice.file });
    expect([failed.code, failed.stderr]).toEqual([1, 'piactl: call rack-fan/boost: device error (5.00 Internal Server Error): rack-fan: tachometer reads 0 rpm at 60 %: stalled\n']);
  });

  it('an invalid value (4.00) or a read-only property (4.05) → exit 6; an unknown resource (4.04) → exit 5', async () => {
    g = memoryGateway('invalid');
    const alice = g.operator('alice');
    const bad = await g.run(['set', 'rack-fan/speed', '150'], { credential: alice.file });
    expect([bad.code, bad.stderr]).toEqual([6, 'piactl: set rack-fan/speed: refused (4.00 Bad Request): rack-fan speed: 150 is not a number in 0–100\n']);
    const ro = await g.run(['set', 'rack-fan/temperature', '20'], { credential: alice.file });
    expect(ro.code).toBe(6);
    expect(ro.stderr).toMatch(/4\.05 Method Not Allowed\): PUT not allowed on \/rack-fan\/temperature \(rack-fan temperature is read-only\)/);
    const missing = await g.run(['get', 'rack-fan/rpm'], { credential: alice.file });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/^piactl: get rack-fan\/rpm: not found \(4\.04 Not Found\): no resource \/rack-fan\/rpm at /);
  });

  it('a name the gateway does not list → exit 5 naming what it lists', async () => {
    g = memoryGateway('unknown-name');
    const alice = g.operator('alice');
    const r = await g.run(['get', 'rack-fna/speed', '--json'], { credential: alice.file });
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(`piactl: no device "rack-fna" at gateway ${GW} (coap://[${GATEWAY.address}]/.well-known/core): it lists front-cam, rack-fan; 'piactl ls' shows them\n`);
    expect(json(r.stdout)).toMatchObject({ ok: false, exitCode: 5, device: 'rack-fna' });
  });
});
