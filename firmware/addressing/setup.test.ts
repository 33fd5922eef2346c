import { describe, expect, it } from 'vitest';
import type { CommandResult, CommandRunner } from './commands.js';
import { hasNetAdmin } from './privileges.js';
import { AddressingError, setupDeviceAddresses, type AddressingLog } from './setup.js';

const addresses = [
  { name: 'rack-temp', address: '2001:db8:42:1:4606:5e1b:9a51:1988', dadCounter: 0 },
  { name: 'rack-fan', address: '2001:db8:42:1:8040:f903:61a9:60bf', dadCounter: 0 },
];

/** A fake host: records commands, answers from a script (first matching rule wins), else success. */
function fakeHost(rules: Array<[RegExp, Partial<CommandResult>]> = []): { exec: CommandRunner; commands: string[] } {
  const commands: string[] = [];
  const exec: CommandRunner = (command, args) => {
    const line = [command, ...args].join(' ');
    commands.push(line);
    const rule = rules.find(([re]) => re.test(line));
    return Promise.resolve({ code: 0, stdout: '', stderr: '', ...rule?.[1] });
  };
  return { exec, commands };
}

function recordingLog(): AddressingLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(`info ${m}`), warn: (m) => void lines.push(`warn ${m}`) };
}

const base = { iface: 'eth0', coapPort: 5683 };

describe('setupDeviceAddresses: add-addresses', () => {
  it('adds a /128 per device with nodad, serves each on its address, deletes them all on teardown (once)', async () => {
    const host = fakeHost();
    const log = recordingLog();
    const s = await setupDeviceAddresses(addresses, 'add-addresses', { ...base, exec: host.exec, log });
    expect(host.commands).toEqual([
      'ip -6 addr add 2001:db8:42:1:4606:5e1b:9a51:1988/128 dev eth0 nodad',
      'ip -6 addr add 2001:db8:42:1:8040:f903:61a9:60bf/128 dev eth0 nodad',
    ]);
    expect(s.mode).toBe('add-addresses');
    expect(s.endpoints).toEqual([
      { name: 'rack-temp', address: addresses[0]!.address, port: 5683 },
      { name: 'rack-fan', address: addresses[1]!.address, port: 5683 },
    ]);
    expect(log.lines).toEqual(['info addressing: 2 device addresses on eth0 (add-addresses)']);
    await s.teardown();
    await s.teardown();
    expect(host.commands.slice(2)).toEqual([
      'ip -6 addr del 2001:db8:42:1:4606:5e1b:9a51:1988/128 dev eth0',
      'ip -6 addr del 2001:db8:42:1:8040:f903:61a9:60bf/128 dev eth0',
    ]);
  });

  it('an address already present is fine (a run that died left it)', async () => {
    const host = fakeHost([
      [/addr add .*1988/, { code: 2, stderr: 'Error: ipv6: address already assigned.\n' }], // iproute2 6.x
      [/addr add .*60bf/, { code: 2, stderr: 'RTNETLINK answers: File exists\n' }], // older iproute2
    ]);
    const s = await setupDeviceAddresses(addresses, 'add-addresses', { ...base, exec: host.exec, log: recordingLog() });
    expect(s.endpoints).toHaveLength(2);
  });

  it('a failure removes what was added and names the command and the fix', async () => {
    const host = fakeHost([[/addr add .*60bf/, { code: 2, stderr: 'Cannot find device "eth0"\n' }]]);
    const err = await setupDeviceAddresses(addresses, 'add-addresses', { ...base, exec: host.exec, log: recordingLog() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AddressingError);
    expect((err as Error).message).toBe(
      `device "rack-fan": 'ip -6 addr add 2001:db8:42:1:8040:f903:61a9:60bf/128 dev eth0 nodad' failed (Cannot find device "eth0"); interface "eth0" does not exist: 'ip -br link' lists them; set gateway.interface`,
    );
    expect(host.commands.at(-1)).toBe('ip -6 addr del 2001:db8:42:1:4606:5e1b:9a51:1988/128 dev eth0');
  });

  it('teardown never throws (it runs on SIGTERM): a runner that rejects is logged', async () => {
    let fail = false;
    const exec: CommandRunner = (command, args) => (fail ? Promise.reject(new Error('spawn EAGAIN')) : fakeHost().exec(command, args));
    const log = recordingLog();
    const s = await setupDeviceAddresses(addresses, 'add-addresses', { ...base, exec, log });
    fail = true;
    await expect(s.teardown()).resolves.toBeUndefined();
    expect(log.lines.slice(1)).toEqual([
      "warn addressing: 'ip -6 addr del 2001:db8:42:1:4606:5e1b:9a51:1988/128 dev eth0' failed: spawn EAGAIN",
      "warn addressing: 'ip -6 addr del 2001:db8:42:1:8040:f903:61a9:60bf/128 dev eth0' failed: spawn EAGAIN",
    ]);
  });

  it('a missing ip: install iproute2', async () => {
    const host = fakeHost([[/^ip /, { code: 127, stderr: 'ip: not found' }]]);
    await expect(setupDeviceAddresses(addresses, 'add-addresses', { ...base, exec: host.exec, log: recordingLog() })).rejects.toThrow(/apt-get install -y iproute2/);
  });
});

describe('setupDeviceAddresses: anyip-route', () => {
  it('adds a local route for the /64 on lo and turns on non-local bind; teardown undoes both', async () => {
    const host = fakeHost([[/sysctl -n/, { stdout: '0\n' }]]);
    const log = recordingLog();
    const s = await setupDeviceAddresses(addresses, 'anyip-route', { ...base, exec: host.exec, log });
    expect(host.commands).toEqual(['sysctl -n net.ipv6.ip_nonlocal_bind', 'ip -6 route add local 2001:db8:42:1::/64 dev lo', 'sysctl -w net.ipv6.ip_nonlocal_bind=1']);
    expect(s.endpoints.map((e) => `${e.address}:${e.port}`)).toEqual([`${addresses[0]!.address}:5683`, `${addresses[1]!.address}:5683`]);
    await s.teardown();
    expect(host.commands.slice(3)).toEqual(['ip -6 route del local 2001:db8:42:1::/64 dev lo', 'sysctl -w net.ipv6.ip_nonlocal_bind=0']);
    expect(log.lines).toEqual(['info addressing: 2001:db8:42:1::/64 routed to this host as local (anyip-route), 2 devices']);
  });

  it('a route already there and the sysctl already on: nothing to undo at teardown', async () => {
    const host = fakeHost([
      [/sysctl -n/, { stdout: '1\n' }],
      [/route add/, { code: 2, stderr: 'RTNETLINK answers: File exists' }],
    ]);
    const s = await setupDeviceAddresses(addresses, 'anyip-route', { ...base, exec: host.exec, log: recordingLog() });
    await s.teardown();
    expect(host.commands).toEqual(['sysctl -n net.ipv6.ip_nonlocal_bind', 'ip -6 route add local 2001:db8:42:1::/64 dev lo']);
  });

  it('the sysctl refused: the route is removed again, the error says how to get the privilege', async () => {
    const host = fakeHost([
      [/sysctl -n/, { stdout: '0' }],
      [/sysctl -w/, { code: 255, stderr: 'sysctl: permission denied on key "net.ipv6.ip_nonlocal_bind"' }],
    ]);
    const err = (await setupDeviceAddresses(addresses, 'anyip-route', { ...base, exec: host.exec, log: recordingLog() }).catch((e: unknown) => e)) as AddressingError;
    expect(err.permission).toBe(true);
    expect(err.message).toMatch(/CAP_NET_ADMIN/);
    expect(host.commands.at(-1)).toBe('ip -6 route del local 2001:db8:42:1::/64 dev lo');
  });
});

describe('setupDeviceAddresses: loopback and auto', () => {
  it('loopback: [::1], one port per device from coapPort in config order; no command runs', async () => {
    const host = fakeHost();
    const s = await setupDeviceAddresses(addresses, 'loopback', { ...base, exec: host.exec, log: recordingLog() });
    expect(s).toMatchObject({ mode: 'loopback', endpoints: [{ name: 'rack-temp', address: '::1', port: 5683 }, { name: 'rack-fan', address: '::1', port: 5684 }] });
    expect(host.commands).toEqual([]);
  });

  it('auto without CAP_NET_ADMIN: loopback and exactly one log line saying how to enable addresses', async () => {
    const host = fakeHost();
    const log = recordingLog();
    const s = await setupDeviceAddresses(addresses, 'auto', { ...base, exec: host.exec, log, canAdminNetwork: () => false });
    expect(s.mode).toBe('loopback');
    expect(host.commands).toEqual([]);
    expect(log.lines).toEqual([
      "warn addressing: this process lacks CAP_NET_ADMIN (not root), so every device is served on [::1] (ports 5683–5684, in config order) instead of its own address; run the gateway as root or grant it CAP_NET_ADMIN (systemd: AmbientCapabilities=CAP_NET_ADMIN), or set 'addressing: loopback'",
    ]);
  });

  it('auto with the capability: add-addresses; a kernel refusal (a container) also falls back, with one line', async () => {
    const ok = await setupDeviceAddresses(addresses, 'auto', { ...base, exec: fakeHost().exec, log: recordingLog(), canAdminNetwork: () => true });
    expect(ok.mode).toBe('add-addresses');
    const host = fakeHost([[/addr add/, { code: 2, stderr: 'RTNETLINK answers: Operation not permitted' }]]);
    const log = recordingLog();
    const s = await setupDeviceAddresses(addresses, 'auto', { ...base, exec: host.exec, log, canAdminNetwork: () => true });
    expect(s.mode).toBe('loopback');
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/^warn addressing: the kernel refused to add addresses .*Operation not permitted.*served on \[::1\]/);
  });

  it('auto does not hide other failures (a wrong interface is a configuration error)', async () => {
    const host = fakeHost([[/addr add/, { code: 1, stderr: 'Cannot find device "eth9"' }]]);
    await expect(setupDeviceAddresses(addresses, 'auto', { ...base, iface: 'eth9', exec: host.exec, log: recordingLog(), canAdminNetwork: () => true })).rejects.toThrow(/interface "eth9" does not exist/);
  });
});

describe('hasNetAdmin (CapEff of /proc/self/status)', () => {
  it.each([
    ['CapEff:\t000001ffffffffff\n', true],
    ['CapEff:\t0000000000001000\n', true],
    ['CapEff:\t0000000000000fff\n', false],
    ['CapEff:\t0000000000000000\n', false],
    ['Name: x\n', false],
  ])('%j → %s', (text, expected) => expect(hasNetAdmin(`Name:\tnode\n${text}CapBnd:\t000001ffffffffff\n`)).toBe(expected));
});
