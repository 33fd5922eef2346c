/**
 * Which gateway piactl means (gateway-pin.ts), in memory: another registered gateway on which
 * the operator is granted too answers at the gateway's endpoint. With the gateway's ID given
 * (--gateway-id, PIACTL_GATEWAY_ID) or remembered (the known-gateways file, trust on first
 * use), the trusted server refuses it (reason 6) and piactl exits 4 naming both; nothing
 * reaches a device.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GATEWAY_TEXT as GW, jsonOf as json, memoryGateway, type MemoryGateway } from './test-support/index.js';

let g: MemoryGateway | undefined;
afterEach(async () => {
  await g?.close();
  g = undefined;
});

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The gateway G, alice granted on it, and on X, which takes over G's endpoint when `impostor` says so. */
async function setup(seed: string, impostor: boolean): Promise<{ g: MemoryGateway; alice: { file: string; id: string }; x: string | undefined }> {
  const m = memoryGateway(seed);
  g = m;
  const alice = m.operator('alice');
  if (!impostor) return { g: m, alice, x: undefined };
  const x = await m.takeOver('rack2-gw');
  m.t.trust.grant(alice.id, x, '*', ['read', 'control']);
  return { g: m, alice, x };
}

describe('the gateway named by its ID', () => {
  it('--gateway-id G while X answers at its endpoint: exit 4 naming G (from --gateway-id) and X as the trusted server says, with the fix; the fan never moves', async () => {
    const { g, alice, x } = await setup('pin-option', true);
    const r = await g.run(['--gateway-id', g.gatewayId, 'set', 'rack-fan/speed', '57'], { credential: alice.file, pin: false });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `piactl: not authorized: gateway ${GW} is not the one expected: expected node ${g.gatewayId} (from --gateway-id), but node ${x} ("rack2-gw") answered, as the trusted server says ` +
        `(phase 3 denied, reason 6: partner is not the one expected); if the gateway at that address was replaced on purpose, pass its ID: --gateway-id ${x}; ` +
        'if not, another node is answering in its place: do not use it, and tell the administrator\n',
    );
    expect(g.fan.sets).toEqual([]);
    expect(g.t.trust.audit.filter((a) => !a.direct)).toMatchObject([{ event: 'phase3-denied', reason: 6, requester: alice.id, responder: x }]);
    const j = await g.run(['ping', '--json'], { credential: alice.file, pin: false, env: { PIACTL_GATEWAY_ID: g.gatewayId.toUpperCase() } });
    expect(j.code).toBe(4);
    expect(json(j.stdout)).toMatchObject({ ok: false, command: 'ping', exitCode: 4, gateway: GW, reason: 6, authentic: true, expected: { id: g.gatewayId, from: 'PIACTL_GATEWAY_ID' }, answered: { id: x, label: 'rack2-gw' } });
    expect(j.stderr).toContain(`set PIACTL_GATEWAY_ID=${x}`);
    expect(() => statSync(g.knownGateways)).toThrow(/ENOENT/); // a given ID: the file is neither read nor written
  });

  it('the right gateway with its ID given: works as before', async () => {
    const { g, alice } = await setup('pin-option-ok', false);
    const r = await g.run(['--gateway-id', g.gatewayId, 'set', 'rack-fan/speed', '57'], { credential: alice.file, pin: false });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'rack-fan/speed: set to 57\n', '']);
    expect(g.fan.sets).toEqual([{ property: 'speed', value: 57 }]);
  });
});

describe('the known-gateways file (trust on first use)', () => {
  it('first use records the gateway the trusted server vouched for and says so; later a node with another ID there is refused (exit 4, file:line); deleting the line records the one that answers', async () => {
    const { g, alice } = await setup('pin-tofu', false);
    const first = await g.run(['set', 'rack-fan/speed', '57'], { credential: alice.file, pin: false });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe(`piactl: permanently added gateway ${GW}, node ${g.gatewayId} (gateway "rack1-gw"), to ${g.knownGateways}: from now on another node answering there is refused\n`);
    const text = readFileSync(g.knownGateways, 'utf8');
    expect(text).toMatch(new RegExp(`^# piactl known gateways.*\\n${esc(GW)} ${g.gatewayId} rack1-gw\\n$`));
    expect(statSync(g.knownGateways).mode & 0o777).toBe(0o600);
    const again = await g.run(['get', 'rack-fan/speed'], { credential: alice.file, pin: false });
    expect([again.code, again.stderr]).toEqual([0, '']);

    const x = await g.takeOver('rack2-gw');
    g.t.trust.grant(alice.id, x, '*', ['read', 'control']);
    const refused = await g.run(['set', 'rack-fan/speed', '99'], { credential: alice.file, pin: false });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`expected node ${g.gatewayId} (from ${g.knownGateways}:2), but node ${x} ("rack2-gw") answered, as the trusted server says`);
    expect(refused.stderr).toContain(`replaced on purpose, delete line 2 of ${g.knownGateways} (the next run records the gateway that answers) or pass --gateway-id ${x};`);
    expect(g.fan.sets).toEqual([{ property: 'speed', value: 57 }]);
    expect(readFileSync(g.knownGateways, 'utf8')).toBe(text);

    writeFileSync(g.knownGateways, text.split('\n')[0] + '\n');
    const ping = await g.run(['ping'], { credential: alice.file, pin: false });
    expect(ping.code, ping.stderr).toBe(0);
    expect(ping.stderr).toContain(`permanently added gateway ${GW}, node ${x} (gateway "rack2-gw")`);
    expect(readFileSync(g.knownGateways, 'utf8')).toMatch(new RegExp(`\\n${esc(GW)} ${x} rack2-gw\\n$`));
  });

  it('--gateway-id wins over a line for the endpoint; --known-gateways and PIACTL_KNOWN_GATEWAYS name the file', async () => {
    const { g, alice } = await setup('pin-wins', false);
    const stale = `${GW} 11111111-2222-4333-8444-555555555555 an older gateway\n`;
    const other = join(dirname(g.knownGateways), 'other');
    mkdirSync(dirname(other), { recursive: true });
    writeFileSync(other, stale, { mode: 0o600 });
    const given = await g.run(['--gateway-id', g.gatewayId, '--known-gateways', other, 'get', 'rack-fan/speed'], { credential: alice.file, pin: false });
    expect([given.code, given.stderr]).toEqual([0, '']);
    const fromFile = await g.run(['get', 'rack-fan/speed'], { credential: alice.file, pin: false, env: { PIACTL_KNOWN_GATEWAYS: other } });
    expect(fromFile.code).toBe(4);
    expect(fromFile.stderr).toContain(`expected node 11111111-2222-4333-8444-555555555555 (from ${other}:1), but node ${g.gatewayId} ("rack1-gw") answered`);
    expect(readFileSync(other, 'utf8')).toBe(stale);
  });

  it('a malformed line, a line twice, a file others may write: exit 2 naming the file (and line) and the fix; nothing is sent', async () => {
    const { g, alice } = await setup('pin-bad-file', false);
    const cases: [string, RegExp][] = [
      ['# mine\n\n[2001:db8:b::1]:4500\n', /:3: '\[2001:db8:b::1\]:4500' has no node ID after it; a line is '\[ADDR\]:PORT NODE-ID LABEL' .*: fix the line, or delete it/],
      ['gateway.local:4500 3f2504e0-4f89-41d3-9a0c-0305e82c3301 gw\n', /:1: endpoint 'gateway\.local:4500': 'gateway\.local' is not an IPv6 or IPv4 address/],
      ['[::1]:4500 not-a-uuid gw\n', /:1: 'not-a-uuid' is not a node ID/],
      ['[2001:DB8:B::1]:4500 3f2504e0-4f89-41d3-9a0c-0305e82c3301 a\n[2001:db8:b:0::1]:4500 3f2504e0-4f89-41d3-9a0c-0305e82c3301 b\n', /:2: \[2001:db8:b::1\]:4500 is listed again \(first on line 1\)/],
    ];
    mkdirSync(dirname(g.knownGateways), { recursive: true });
    for (const [text, message] of cases) {
      writeFileSync(g.knownGateways, text, { mode: 0o600 });
      const r = await g.run(['get', 'rack-fan/speed', '--json'], { credential: alice.file, pin: false });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^piactl: known-gateways file ${esc(g.knownGateways)}${message.source}`));
      expect(json(r.stdout)).toMatchObject({ ok: false, exitCode: 2 });
    }
    writeFileSync(g.knownGateways, '', { mode: 0o600 });
    chmodSync(g.knownGateways, 0o664);
    const open = await g.run(['get', 'rack-fan/speed'], { credential: alice.file, pin: false });
    expect([open.code, open.stderr]).toEqual([2, `piactl: known-gateways file ${g.knownGateways}: mode 0664 lets others change which gateway piactl trusts at an address; run 'chmod 600 ${g.knownGateways}'\n`]);
    expect(g.t.net.stats.sent).toBe(0);
  });
});
