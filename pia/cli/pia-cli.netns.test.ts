/**
 * `pia listen` and `pia ping` on two "hosts": network namespaces joined by a veth pair with
 * IPv6 addresses, as between two real hosts. Needs root and iproute2; when `ip netns` is missing or
 * denied the test FAILS with the command (it never skips).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNamespacePair, removeLeftoverNamespaces, runPiaProcess, startPia, stopAll, type NamespacePair } from './test-support/index.js';
import { cpuSuiteChoice } from '../suite-order.js';
import { SUITE_NAMES } from '../suites-ids.js';

/** Both ends run on this host, so both prefer its CPU's first suite (suite-order.ts). */
const CPU_FIRST = SUITE_NAMES[cpuSuiteChoice().suites[0]!];

let ns: NamespacePair | undefined;
beforeAll(() => {
  removeLeftoverNamespaces();
  ns = createNamespacePair('2001:db8:77');
});
afterEach(stopAll);
afterAll(() => ns?.remove());

describe('pia across two network namespaces joined by veth (IPv6)', () => {
  it('ping from B reaches listen in A: handshake, 20 echoes, RTT lines; then a peer with no route → exit 3', async () => {
    const { a, b, addressA } = ns!;
    const listen = startPia(['listen', '--bind', `[${addressA}]:4500`], { netns: a });
    await listen.waitFor(new RegExp(`PIA responder on \\[${addressA}\\]:4500`));
    const ping = await runPiaProcess(['ping', `[${addressA}]:4500`, '--count', '20'], { netns: b });
    expect(ping.stderr).toBe('');
    expect(ping.code).toBe(0);
    expect(ping.stdout).toMatch(new RegExp(`^pia ping \\[${addressA}\\]:4500: handshake [\\d.]+ ms, suite ${CPU_FIRST}, SPIs in 0x[0-9a-f]{8} out 0x[0-9a-f]{8}\n`));
    expect(ping.stdout.match(new RegExp(`^56 bytes from \\[${addressA}\\]:4500 via ESP: seq=\\d+ time=[\\d.]+ ms$`, 'gm'))).toHaveLength(20);
    expect(ping.stdout).toMatch(/20 echoes sent, 20 received, 0% loss\nrtt min\/median\/p99 = [\d.]+\/[\d.]+\/[\d.]+ ms\n$/);
    // the listener saw the peer by its address in B
    await listen.waitFor(new RegExp(`SA up with \\[${ns!.addressB}\\]:\\d+ as responder`));

    // B has only the veth's /64: no route to another network
    const unreachable = await runPiaProcess(['ping', '[2001:db8:99::1]:4500'], { netns: b });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/^pia ping: cannot reach \[2001:db8:99::1\]:4500 \(ENETUNREACH\): no route to that network/);

    listen.child.kill('SIGTERM');
    expect(await listen.exited).toBe(0);
  });
});
