/**
 * The addressing modes for real, inside a network namespace (root and iproute2; when `ip netns`
 * is missing or denied the test FAILS naming the command, it never skips): the commands
 * setup.ts runs change the namespace's kernel state, UDP sockets bind on device addresses and
 * talk from one to another, and teardown leaves the namespace as it found it.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespacePair, ip, removeLeftoverNamespaces, type NamespacePair } from '../../pia/cli/test-support/index.js';
import { systemCommandRunner, type CommandRunner } from './commands.js';
import { deriveDeviceAddresses } from './iid.js';
import { setupDeviceAddresses, type AddressingLog } from './setup.js';

let ns: NamespacePair | undefined;
beforeAll(() => {
  removeLeftoverNamespaces();
  ns = createNamespacePair('2001:db8:77');
});
afterAll(() => ns?.remove());

const gatewayId = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const quiet: AddressingLog = { info: () => undefined, warn: () => undefined };

/** Runs setup.ts's commands inside namespace A. */
function inNamespace(name: string): CommandRunner {
  const run = systemCommandRunner();
  return (command, args) => run('ip', ['netns', 'exec', name, command, ...args]);
}

/** In namespace A: binds UDP 5683 on `from` and `to`, sends from one to the other; returns what `to` heard. */
function udpBetween(name: string, from: string, to: string): string {
  const script = `
    const dgram = require('node:dgram');
    const open = (a) => new Promise((res, rej) => { const s = dgram.createSocket('udp6'); s.once('error', rej); s.bind(5683, a, () => res(s)); });
    (async () => {
      const [a, b] = [await open(${JSON.stringify(from)}), await open(${JSON.stringify(to)})];
      const heard = new Promise((res) => b.once('message', (m, r) => res(m.toString() + ' from ' + r.address)));
      a.send('hello', 5683, ${JSON.stringify(to)});
      console.log(await heard);
      a.close(); b.close();
    })().catch((e) => { console.error(e.message); process.exit(1); });`;
  return execFileSync('ip', ['netns', 'exec', name, process.execPath, '-e', script], { encoding: 'utf8', timeout: 10_000 }).trim();
}

describe('device addressing in a network namespace', () => {
  it('add-addresses: /128s on the interface, sockets bound on two of them talk, idempotent, removed on teardown', async () => {
    const { a, interfaceA } = ns!;
    const devices = deriveDeviceAddresses({ prefix: '2001:db8:77::/64', gatewayId, deviceNames: ['rack-temp', 'rack-fan', 'front-door'] });
    const options = { iface: interfaceA, exec: inNamespace(a), coapPort: 5683, log: quiet };
    const setup = await setupDeviceAddresses(devices, 'add-addresses', options);
    const shown = (): string => ip(['-n', a, '-6', 'addr', 'show', 'dev', interfaceA]);
    for (const d of devices) expect(shown()).toContain(`inet6 ${d.address}/128`);

    expect(udpBetween(a, devices[0]!.address, devices[1]!.address)).toBe(`hello from ${devices[0]!.address}`);

    const again = await setupDeviceAddresses(devices, 'add-addresses', options); // a restart after a crash
    expect(again.endpoints).toHaveLength(3);

    await setup.teardown();
    for (const d of devices) expect(shown()).not.toContain(d.address);
    expect(shown()).toContain('inet6 2001:db8:77::1/64'); // the interface's own address is untouched
  });

  it('anyip-route: any address of the /64 binds; teardown removes the route and restores the sysctl', async () => {
    const { a } = ns!;
    const sysctl = (): string => execFileSync('ip', ['netns', 'exec', a, 'sysctl', '-n', 'net.ipv6.ip_nonlocal_bind'], { encoding: 'utf8' }).trim();
    const before = sysctl();
    const devices = deriveDeviceAddresses({ prefix: '2001:db8:78:1::/64', gatewayId, deviceNames: ['office-hvac', 'lobby-camera'] });
    const setup = await setupDeviceAddresses(devices, 'anyip-route', { iface: 'lo', exec: inNamespace(a), coapPort: 5683, log: quiet });
    expect(ip(['-n', a, '-6', 'route', 'show', 'table', 'local'])).toMatch(/local 2001:db8:78:1::\/64 dev lo/);
    expect(sysctl()).toBe('1');

    expect(udpBetween(a, devices[0]!.address, devices[1]!.address)).toBe(`hello from ${devices[0]!.address}`);

    await setup.teardown();
    expect(ip(['-n', a, '-6', 'route', 'show', 'table', 'local'])).not.toContain('2001:db8:78:1::/64');
    expect(sysctl()).toBe(before);
  });
});
