/**
 * The attack stage (docs/security.md "The attack stage in the lab"): the on-path host between
 * the operations center and the router attacks alice's traffic to the data-center gateway,
 * with the real programs running (scripts/lab/stack.ts). Each outcome is asserted as
 * docs/security.md states it; the sentence is quoted beside the assertion.
 *
 * 1. relay: nftables on onpath diverts ops's datagrams for the gateway's PIA port to a relay
 *    (attacks/relay.ts) running one exchange with piactl and one with the gateway, carrying
 *    phase 3 across: denied reason 4, audited by the trusted server, nothing actuated;
 * 2. stripping the discovery option after latching: plain CoAP from ops gets 4.01 "PIA
 *    required: peer is latched", nothing actuated;
 * 3. replay: every ESP datagram of a real `piactl set` is sent twice (nftables `dup` on
 *    onpath), and the captured ESP datagrams are sent again after piactl exited: the gateway
 *    counts the copies as replays or unknown SPIs and carries the command out once;
 * 4. INIT floods from onpath, with its own address and with ops's (ip_nonlocal_bind), while
 *    alice connects: she reaches phase 3 and her command works; the replies to the flood are
 *    no larger than the flood (bytes counted by nftables on onpath);
 * 5. malformed datagrams to the PIA port and a device's CoAP port: the gateway keeps serving,
 *    counts them, and writes no record per datagram.
 *
 * One lab for all (beforeAll), removed in afterAll; the nftables table is cleared after each
 * attack, so the next one starts from plain forwarding.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clearRules, counters, gatewayAudit, gatewayHealth, gatewayMetric, setRules } from './attacks/onpath.js';
import { PIA_PORT, readCapture, startCapture, wiresharkHome } from './capture.js';
import { startLabStack, piactl, type LabStack } from './stack.js';
import { createLab, removeLeftoverLabs, tsxArgv, type Lab } from './topology.js';
import { WIRE_FIELDS } from './wire.js';

let lab: Lab;
let stack: LabStack;
let dir: string;

beforeAll(async () => {
  removeLeftoverLabs();
  dir = mkdtempSync(join(tmpdir(), 'pia-attack-'));
  lab = createLab({ prefix: 'piaattack' });
  stack = await startLabStack(lab, dir);
  // alice's first exchange latches ops at the gateway (docs/protocol.md §4) and sets a known fan speed
  expect(await alice(['set', 'rack-fan/speed', '40'])).toEqual({ code: 0, stdout: 'rack-fan/speed: set to 40\n', stderr: '' });
}, 120_000);

afterAll(async () => {
  await lab?.remove();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await clearRules(lab);
});

const alice = (args: readonly string[]): ReturnType<typeof piactl> => piactl(lab, stack, 'alice', 'dc', args);
const fanSpeed = async (): Promise<unknown> => (JSON.parse((await alice(['--json', 'get', 'rack-fan/speed'])).stdout) as { result?: { value?: unknown } }).result?.value;
const commands = (path: string): number => gatewayAudit(stack, 'dc').filter((r) => r.event === 'command' && r.request === `PUT /${path}`).length;
const send = (args: readonly string[]): Promise<{ code: number | string; stdout: string; stderr: string }> =>
  lab.run('onpath', tsxArgv('scripts/lab/attacks/send-datagrams.ts', args), { name: 'send-datagrams (onpath)', timeoutMs: 30_000 });

describe('a relaying man in the middle on the path (two phase-2 exchanges)', () => {
  it("phase 3 is denied reason 4, the trusted server audits it, and the fan is not driven", async () => {
    const dc = stack.gateways.dc;
    await setRules(lab, dir, `  chain divert {
    type nat hook prerouting priority dstnat;
    iifname "to-ops" ip6 daddr ${dc.address} udp dport ${PIA_PORT} counter redirect to :4501 comment "diverted"
  }`);
    const relay = lab.start('onpath', tsxArgv('scripts/lab/attacks/relay.ts', ['--listen', '4501', '--gateway', dc.pia]), { name: 'relay (onpath)' });
    await relay.waitFor(/relay: ready/, 30_000);
    const gateway0 = (await gatewayHealth(lab, 'dc')).pia.trust.phase3;
    const set = await alice(['set', 'rack-fan/speed', '33']);
    if (relay.child.pid !== undefined) process.kill(-relay.child.pid, 'SIGTERM');
    expect((await counters(lab)).diverted?.packets).toBeGreaterThan(0);
    expect(relay.stdout()).toMatch(/operator → gateway type 16\n/); // P3_REQ carried to the gateway (§9.2)
    // "the server denies reason 4, nobody gets keys" (docs/security.md, phase 3)
    console.log(`relay: piactl exited ${set.code}: ${set.stderr.trim()}`);
    expect(set.code).toBe(4);
    expect(set.stdout).toBe('');
    // piactl's copy of the denial is unsealed (the relay could have written it), so it says "unverified"; the gateway's is the server's own
    expect(set.stderr).toBe(
      `piactl: not authorized: the trusted server denied phase 3 with gateway ${dc.pia}: no reason given (reason 4) (unverified: not sealed by the trusted server, so it may not come from it); ` +
        'the two sides saw different key exchanges: something may sit between this machine and the gateway, or a key does not match\n',
    );
    // the gateway got the server's sealed denial and granted nothing
    const gateway = (await gatewayHealth(lab, 'dc')).pia.trust.phase3;
    expect({ granted: gateway.granted - gateway0.granted, denied: gateway.denied - gateway0.denied }).toEqual({ granted: 0, denied: 1 });
    // "every decision is in the server's hash-chained audit log before it is answered"
    const tail = await stack.admin(['audit', 'tail', '-n', '10', '--json']);
    const denials = tail.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.event === 'phase3-denied' && r.reason === 4);
    expect(denials).toHaveLength(1);
    // "a relaying man in the middle is denied (reason 4), audited, nothing actuated": read through a clean path
    await clearRules(lab);
    expect(await fanSpeed()).toBe(40);
    expect(commands('rack-fan/speed')).toBe(1);
  }, 90_000);
});

describe('stripping the discovery option after latching', () => {
  it('a plain PUT from ops (no option, as stripping leaves it) gets 4.01 "PIA required: peer is latched" and changes nothing', async () => {
    const fan = stack.gateways.dc.devices['rack-fan'] ?? '';
    const put = await lab.run('ops', ['coap-client-notls', '-m', 'put', '-e', '20', '-B', '5', `coap://[${fan}]/rack-fan/speed`], { name: 'coap-client (ops)' });
    // "once an exchange with a peer completed, the node ... refuses plaintext from it (4.01 "PIA required: peer is latched"),
    //  so stripping the discovery option after latching changes nothing" (docs/security.md, discovery and latching)
    expect(put.stdout).toBe('');
    expect(put.stderr).toMatch(/^4\.01 /);
    expect(put.stderr).toContain('PIA required: peer is latched');
    expect(await fanSpeed()).toBe(40);
    expect(commands('rack-fan/speed')).toBe(1);
  }, 60_000);
});

const node = (counter: string): Promise<number> => gatewayMetric(lab, 'dc', `pia_gateway_pia_node_total{counter="${counter}"}`);

describe('replaying ESP datagrams of a real piactl set', () => {
  it('copies sent during the exchange are replays, copies sent after it find no SA; the fan is set once', async () => {
    const dc = stack.gateways.dc;
    const ops = lab.hosts.ops.address;
    await lab.run('onpath', ['sysctl', '-q', '-w', 'net.ipv6.ip_nonlocal_bind=1']);
    // every ESP datagram from ops to the gateway (UDP payload not starting with the non-ESP marker, longer than a keepalive) sent twice
    await setRules(lab, dir, `  chain copy {
    type filter hook forward priority filter;
    iifname "to-ops" ip6 saddr ${ops} ip6 daddr ${dc.address} udp dport ${PIA_PORT} udp length > 16 @th,64,32 != 0 counter dup to ${lab.hosts.onpath.address.replace(/::2$/, '::1')} device "to-router" comment "duplicated"
  }`);
    const capture = await startCapture(lab, { iface: lab.routerInterfaces.ops ?? '', pcap: join(dir, 'replay.pcap'), probeFrom: 'ops', probeTo: dc.address });
    const [replays0, unknown0, puts0] = [(await gatewayHealth(lab, 'dc')).pia.counters.replays, await node('unknown_spi'), commands('rack-fan/speed')];
    expect(await alice(['set', 'rack-fan/speed', '45'])).toEqual({ code: 0, stdout: 'rack-fan/speed: set to 45\n', stderr: '' });
    await capture.stop();
    const duplicated = (await counters(lab)).duplicated?.packets ?? 0;
    await clearRules(lab);
    // the captured ESP datagrams again, with ops's address and piactl's port, after piactl closed its SA
    const rows = await readCapture(lab, capture.pcap, { filter: `ipv6.src == ${ops} && ipv6.dst == ${dc.address} && udp.dstport == ${PIA_PORT} && udp.length > 16`, fields: WIRE_FIELDS, env: wiresharkHome(join(dir, 'ws-replay')) });
    const esp = rows.map((r) => ({ port: r['udp.srcport']?.[0] ?? '', hex: r['udp.payload']?.[0] ?? '' })).filter((d) => !d.hex.startsWith('00000000'));
    // the capture on the on-path link sees each datagram and its copy
    expect(esp.length).toBe(2 * duplicated);
    const originals = esp.filter((_, i) => i % 2 === 0);
    const port = originals[0]?.port ?? '';
    expect(originals.every((d) => d.port === port)).toBe(true);
    const resent = await send(['--to', dc.pia, '--from', ops, '--from-port', port, '--hex', originals.map((d) => d.hex).join(',')]);
    expect(resent.stdout).toMatch(/^sent \d+ datagrams/);
    const replays = (await gatewayHealth(lab, 'dc')).pia.counters.replays - replays0;
    const unknown = (await node('unknown_spi')) - unknown0;
    console.log(`replay: ${duplicated} ESP datagrams duplicated in flight → ${replays} replay drops; ${originals.length} re-sent after piactl exited → unknown SPI ${unknown}`);
    // "tampering and replay of datagrams (AEAD, 128-packet replay window)" (docs/security.md, phase 2);
    // "a replayed CLOSE finds its SA gone or its sequence number already in the replay window" (Closing associations)
    expect(duplicated).toBeGreaterThan(3);
    expect(replays).toBeGreaterThanOrEqual(duplicated - 1); // the copy of the last datagram, the CLOSE, may find the SA already gone
    expect(replays + unknown).toBe(duplicated + originals.length);
    // "replays change nothing": one command in the gateway's audit trail, the value as set
    expect(commands('rack-fan/speed')).toBe(puts0 + 1);
    expect(await fanSpeed()).toBe(45);
  }, 90_000);
});

describe('INIT floods from the on-path host while alice connects', () => {
  it('alice reaches phase 3 and sets the fan; the flood gets back no more bytes than it sent', async () => {
    const dc = stack.gateways.dc;
    const [ops, onpath] = [lab.hosts.ops.address, lab.hosts.onpath.address];
    await lab.run('onpath', ['sysctl', '-q', '-w', 'net.ipv6.ip_nonlocal_bind=1']);
    const [victimPort, ownPort] = [40_001, 40_002];
    await setRules(lab, dir, `  chain sent {
    type filter hook output priority filter;
    ip6 saddr ${ops} ip6 daddr ${dc.address} udp sport ${victimPort} udp dport ${PIA_PORT} counter comment "victim-in"
    ip6 saddr ${onpath} ip6 daddr ${dc.address} udp sport ${ownPort} udp dport ${PIA_PORT} counter comment "own-in"
  }
  chain passing {
    type filter hook forward priority filter;
    ip6 saddr ${dc.address} ip6 daddr ${ops} udp sport ${PIA_PORT} udp dport ${victimPort} counter comment "victim-out"
  }
  chain received {
    type filter hook input priority filter;
    ip6 saddr ${dc.address} ip6 daddr ${onpath} udp sport ${PIA_PORT} udp dport ${ownPort} counter comment "own-out"
  }`);
    const flood = (from: string, port: number): Promise<{ code: number | string; stdout: string; stderr: string }> =>
      send(['--to', dc.pia, '--from', from, '--from-port', String(port), '--inits', '--per-second', '500', '--seconds', '8']);
    let flooding = true;
    const floods = Promise.all([flood(ops, victimPort), flood(onpath, ownPort)]).finally(() => (flooding = false));
    await new Promise((r) => setTimeout(r, 1500));
    const granted0 = (await gatewayHealth(lab, 'dc')).pia.trust.phase3.granted;
    // "a spoofer who drains a victim's address bucket only makes the victim prove its address, one round trip"
    expect(await alice(['set', 'rack-fan/speed', '50'])).toEqual({ code: 0, stdout: 'rack-fan/speed: set to 50\n', stderr: '' });
    const after = await gatewayHealth(lab, 'dc');
    expect(flooding).toBe(true); // alice connected while both floods ran
    for (const f of await floods) expect(f.code, f.stderr).toBe(0);
    const c = await counters(lab);
    const figure = (k: string): string => `${c[`${k}-in`]?.packets} INITs, ${c[`${k}-in`]?.bytes} B in → ${c[`${k}-out`]?.packets} replies, ${c[`${k}-out`]?.bytes} B out`;
    console.log(`flood with ops's address: ${figure('victim')}; with onpath's own: ${figure('own')}`);
    expect(after.pia.trust.phase3.granted).toBeGreaterThan(granted0);
    for (const k of ['victim', 'own']) {
      expect(c[`${k}-in`]?.packets).toBeGreaterThan(1000);
      // "an unproven INIT gets a COOKIE (33 bytes, smaller than the 84-byte INIT) and no state"; "no answer larger than the request"
      expect(c[`${k}-out`]?.bytes ?? Infinity).toBeLessThanOrEqual(c[`${k}-in`]?.bytes ?? 0);
    }
    expect(await fanSpeed()).toBe(50);
  }, 90_000);
});

describe('malformed datagrams to the PIA port and a device CoAP port', () => {
  it('the gateway keeps serving alice, counts them and writes no record per datagram', async () => {
    const dc = stack.gateways.dc;
    const fan = stack.gateways.dc.devices['rack-fan'] ?? '';
    const init = '00000000010100000000100000000000' + 'ab'.repeat(68);
    const pia = {
      decodeErrors: [init.slice(0, 40), '0000000002' + init.slice(10)], // a truncated key-exchange message; one of version 2
      unknownSpi: ['c3'.repeat(200), '5a'.repeat(60_000)], // garbage, and a huge datagram: ESP with an SPI nobody has
      short: ['00000000'], // the non-ESP marker alone
    };
    const coap = [
      '40', // shorter than a CoAP header (RFC 7252 §3)
      '8001abcd', // CoAP version 2
      '4901aaaa' + 'ff'.repeat(30), // token length 9: reserved, a message format error
      '7e'.repeat(60_000), // huge
    ];
    const rounds = 5;
    const nodeCounters = async (): Promise<Record<keyof typeof pia, number>> => ({ decodeErrors: await node('decode_errors'), unknownSpi: await node('unknown_spi'), short: await node('short') });
    const [health0, node0, audit0] = [await gatewayHealth(lab, 'dc'), await nodeCounters(), gatewayAudit(stack, 'dc')];
    for (let i = 0; i < rounds; i++) {
      expect((await send(['--to', dc.pia, '--hex', Object.values(pia).flat().join(',')])).code).toBe(0);
      expect((await send(['--to', `[${fan}]:5683`, '--hex', coap.join(',')])).code).toBe(0);
    }
    const [health1, node1] = [await gatewayHealth(lab, 'dc'), await nodeCounters()];
    expect(await alice(['set', 'rack-fan/speed', '55'])).toEqual({ code: 0, stdout: 'rack-fan/speed: set to 55\n', stderr: '' });
    const added = gatewayAudit(stack, 'dc').slice(audit0.length);
    const malformed = (h: typeof health0): number => (h.unauthenticated.counts as unknown as Record<string, Record<string, number> | undefined>).phase1?.malformed ?? 0;
    const dropped = Object.fromEntries(Object.keys(pia).map((k) => [k, node1[k as keyof typeof pia] - node0[k as keyof typeof pia]]));
    console.log(`malformed: ${rounds * coap.length} to the CoAP port → "malformed" +${malformed(health1) - malformed(health0)}; ${rounds * Object.values(pia).flat().length} to the PIA port → node drops ${JSON.stringify(dropped)}; audit records added: ${added.map((r) => r.event).join(', ')}`);
    // the gateway keeps running and serving: /healthz as before, alice's command above worked
    expect(health1.status).toBe(health0.status);
    // "a datagram that is not CoAP, as code "malformed"" ... "The same counts are in /metrics ... and /healthz (unauthenticated)" (firmware/gateway/README.md)
    expect(malformed(health1) - malformed(health0)).toBe(rounds * coap.length);
    // "what the PIA node drops before an SA authenticates it ... (pia_gateway_pia_node_total already counts them)" (firmware/gateway/refusal-summary.ts)
    expect(dropped).toEqual({ decodeErrors: rounds * pia.decodeErrors.length, unknownSpi: rounds * pia.unknownSpi.length, short: rounds * pia.short.length });
    // "No per-packet audit record ... summarized in one refused-unauthenticated record per minute at most" (docs/security.md, Denial of service):
    // the only records added are alice's command and at most one summary
    expect(added.filter((r) => r.event !== 'refused-unauthenticated')).toMatchObject([{ event: 'command', request: 'PUT /rack-fan/speed' }]);
    expect(added.filter((r) => r.event === 'refused-unauthenticated').length).toBeLessThanOrEqual(1);
    expect(await fanSpeed()).toBe(55);
  }, 90_000);
});
