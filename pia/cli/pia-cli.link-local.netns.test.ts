/**
 * `pia listen` and `pia ping` between two network namespaces over IPv6 link-local addresses
 * with zones (RFC 4007 §11: fe80::a%eth0).
 *
 * Must hold: the zone picks the link on every send (ping's INIT and echoes, the responder's
 * answers to the address its socket reported) and is never on the wire nor in the key log.
 * Each namespace has a decoy link whose fe80::/64 route wins over the veth's, so a send whose
 * zone was dropped anywhere on its way to an unconnected socket (the responder's) leaves by
 * the decoy and is lost; ping's socket is connected to its peer (docs/protocol.md §2), which
 * the OS refuses outright for a link-local address without a zone: the zoneless ping below. Needs root and iproute2; a missing or denied
 * `ip netns` FAILS the test, naming the command (it never skips).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LINK_LOCAL_A, LINK_LOCAL_B, addDecoyLink, createNamespacePair, removeLeftoverNamespaces, runPiaProcess, startPia, stopAll, type NamespacePair } from './test-support/index.js';
import { cpuSuiteChoice } from '../suite-order.js';
import { SUITE_NAMES } from '../suites-ids.js';

/** Both ends run on this host, so both prefer its CPU's first suite (suite-order.ts). */
const CPU_FIRST = SUITE_NAMES[cpuSuiteChoice().suites[0]!];

let ns: NamespacePair | undefined;
const dir = mkdtempSync(join(tmpdir(), 'pia-ll-'));
beforeAll(() => {
  removeLeftoverNamespaces();
  ns = createNamespacePair('2001:db8:79', { linkLocal: true });
  addDecoyLink(ns.a);
  addDecoyLink(ns.b);
});
afterEach(stopAll);
afterAll(() => {
  ns?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('pia over IPv6 link-local addresses with zones (two namespaces, veth)', () => {
  it('ping [fe80::a%ifB] reaches listen --bind [fe80::a%ifA]; the key log names both ends without zones', async () => {
    const { a, b, interfaceA, interfaceB } = ns!;
    const keyLog = join(dir, 'esp_sa');
    const listen = startPia(['listen', '--bind', `[${LINK_LOCAL_A}%${interfaceA}]:4500`], { netns: a, env: { PIA_KEYLOG: keyLog } });
    await listen.waitFor(new RegExp(`PIA responder on ${esc(`[${LINK_LOCAL_A}%${interfaceA}]:4500`)}`));

    const target = `[${LINK_LOCAL_A}%${interfaceB}]:4500`;
    const ping = await runPiaProcess(['ping', target, '--count', '3'], { netns: b });
    expect(ping.stderr).toBe('');
    expect(ping.code).toBe(0);
    expect(ping.stdout).toMatch(new RegExp(`^pia ping ${esc(target)}: handshake [\\d.]+ ms, suite ${CPU_FIRST}, SPIs in 0x[0-9a-f]{8} out 0x[0-9a-f]{8}\n`));
    expect(ping.stdout.match(new RegExp(`^56 bytes from ${esc(target)} via ESP: seq=\\d time=[\\d.]+ ms$`, 'gm'))).toHaveLength(3);
    expect(ping.stdout).toMatch(/3 echoes sent, 3 received, 0% loss\n/);
    // the listener knows the peer by the address its socket reported: B's address, A's zone
    await listen.waitFor(new RegExp(`SA up with ${esc(`[${LINK_LOCAL_B}%${interfaceA}]`)}:\\d+ as responder`));
    const lines = readFileSync(keyLog, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^"IPv6","fe80::b","fe80::a","0x[0-9a-f]{8}","AES-GCM with 16 octet ICV \[RFC4106\]","0x[0-9a-f]{72}","NULL",""$/);
    expect(lines[1]).toMatch(/^"IPv6","fe80::a","fe80::b","0x[0-9a-f]{8}",/);

    // control: without the zone, ping's socket (connected to its peer, docs/protocol.md §2) is refused a link-local peer at once
    const zoneless = await runPiaProcess(['ping', `[${LINK_LOCAL_A}]:4500`, '--count', '1', '--timeout', '1000'], { netns: b });
    expect(zoneless.code).toBe(3);
    expect(zoneless.stderr).toBe('pia ping: cannot reach [fe80::a]:4500 (EINVAL): the OS refused the destination; check the address (a link-local address needs a zone, fe80::1%eth0)\n');

    listen.child.kill('SIGTERM');
    expect(await listen.exited).toBe(0);
  });

  it('a responder bound to [::] answers a link-local peer on the link it came from', async () => {
    const { a, b, interfaceA, interfaceB } = ns!;
    const listen = startPia(['listen', '--bind', '[::]:4501'], { netns: a });
    await listen.waitFor(/PIA responder on \[::\]:4501/);
    const target = `[${LINK_LOCAL_A}%${interfaceB}]:4501`;
    const ping = await runPiaProcess(['ping', target, '--count', '2', '--json'], { netns: b });
    expect(ping.stderr).toBe('');
    expect(ping.code).toBe(0);
    expect(JSON.parse(ping.stdout)).toMatchObject({ ok: true, target, sent: 2, received: 2 });
    await listen.waitFor(new RegExp(`SA up with ${esc(`[${LINK_LOCAL_B}%${interfaceA}]`)}:\\d+ as responder`));
  });
});
