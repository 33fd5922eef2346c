/**
 * The two systemd units say what docs/install.md ("The systemd units") promises: supervision
 * (Type=notify with a watchdog, the notifications accepted from the systemd-notify child and
 * its AF_UNIX socket allowed: common/systemd; restart limits), their user, state directory and
 * sandbox, and a capability and device list for the gateway only. systemd-analyze checks them
 * in units.process.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../common/test-support/index.js';
import { parseUnit, value, values, type UnitFile } from './unit-file.js';

const load = (path: string): UnitFile => parseUnit(readFileSync(join(REPO_ROOT, path), 'utf8'));
const gateway = load('firmware/systemd/pia-gateway.service');
const trust = load('trust-server/systemd/pia-trust.service');
const bins = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;

const SANDBOX: ReadonlyArray<[string, string]> = [
  ['ProtectSystem', 'strict'],
  ['ProtectHome', 'yes'],
  ['PrivateTmp', 'yes'],
  ['NoNewPrivileges', 'yes'],
  ['ProtectKernelModules', 'yes'],
  ['ProtectControlGroups', 'yes'],
  ['RestrictSUIDSGID', 'yes'],
  ['RestrictNamespaces', 'yes'],
  ['LockPersonality', 'yes'],
  ['SystemCallArchitectures', 'native'],
  ['UMask', '0077'],
  ['Restart', 'on-failure'],
];

describe.each([
  ['pia-gateway', gateway],
  ['pia-trust', trust],
])('%s.service', (program, unit) => {
  it('runs the installed program, restarts on failure within start limits, keeps state 0700', () => {
    expect(value(unit, 'Service', 'ExecStart')?.split(' ')[0]).toBe(`/usr/local/bin/${program}`);
    expect(bins[program]).toBeDefined();
    expect(Number(value(unit, 'Unit', 'StartLimitIntervalSec'))).toBeGreaterThan(0);
    expect(Number(value(unit, 'Unit', 'StartLimitBurst'))).toBeGreaterThan(0);
    expect(value(unit, 'Service', 'StateDirectory')).toBe(program);
    expect(value(unit, 'Service', 'StateDirectoryMode')).toBe('0700');
    expect(value(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('is Type=notify with a watchdog, takes the notifications from its systemd-notify child, and lets that child reach the notify socket', () => {
    expect(value(unit, 'Service', 'Type')).toBe('notify');
    expect(value(unit, 'Service', 'NotifyAccess')).toBe('all');
    expect(Number(value(unit, 'Service', 'WatchdogSec'))).toBeGreaterThanOrEqual(10);
    expect(Number(value(unit, 'Service', 'TimeoutStartSec'))).toBeGreaterThan(0);
    expect(value(unit, 'Service', 'RestrictAddressFamilies')?.split(' ')).toContain('AF_UNIX');
  });

  it('is sandboxed', () => {
    for (const [key, expected] of SANDBOX) expect(`${key}=${value(unit, 'Service', key)}`).toBe(`${key}=${expected}`);
    expect(values(unit, 'Service', 'SystemCallFilter')).toContain('@system-service');
    expect(value(unit, 'Service', 'RestrictAddressFamilies')).toMatch(/^AF_INET AF_INET6\b/);
    expect(value(unit, 'Service', 'MemoryDenyWriteExecute')).toBeUndefined(); // V8's JIT
  });
});

describe('the gateway and the trusted server differ where they must', () => {
  it('the gateway: its own user in the device groups, CAP_NET_ADMIN only, its devices only, netlink for `ip`', () => {
    expect(value(gateway, 'Service', 'RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX AF_NETLINK');
    expect(value(gateway, 'Service', 'User')).toBe('pia-gateway');
    expect(value(gateway, 'Service', 'DynamicUser')).toBeUndefined();
    expect(value(gateway, 'Service', 'SupplementaryGroups')?.split(' ').sort()).toEqual(['dialout', 'gpio', 'i2c']);
    expect(value(gateway, 'Service', 'CapabilityBoundingSet')).toBe('CAP_NET_ADMIN');
    expect(value(gateway, 'Service', 'AmbientCapabilities')).toBe('CAP_NET_ADMIN');
    expect(value(gateway, 'Service', 'DevicePolicy')).toBe('closed');
    expect(values(gateway, 'Service', 'DeviceAllow')).toEqual(expect.arrayContaining(['char-i2c rw', 'char-gpiochip rw', 'char-ttyAMA rw', 'char-ttyUSB rw']));
  });

  it('the trusted server: a dynamic user, no capability, no device, no netlink', () => {
    expect(value(trust, 'Service', 'DynamicUser')).toBe('yes');
    expect(value(trust, 'Service', 'CapabilityBoundingSet')).toBe('');
    expect(value(trust, 'Service', 'AmbientCapabilities')).toBe('');
    expect(value(trust, 'Service', 'PrivateDevices')).toBe('yes');
    expect(value(trust, 'Service', 'RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX');
  });
});

describe('parseUnit', () => {
  it('keeps repeated keys in order and refuses a line outside a section', () => {
    const u = parseUnit('# c\n[Service]\nDeviceAllow=char-i2c rw\n; c\nDeviceAllow=char-ttyS rw\nType=exec\n');
    expect(values(u, 'Service', 'DeviceAllow')).toEqual(['char-i2c rw', 'char-ttyS rw']);
    expect(value(u, 'Service', 'Type')).toBe('exec');
    expect(() => parseUnit('Type=exec\n')).toThrow(/line 1: "Type=exec" is neither/);
  });
});
