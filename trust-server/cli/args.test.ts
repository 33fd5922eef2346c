/** `pia-trust` argument parsing: defaults, every command's shape, refusals that name the fix. */
import { describe, expect, it } from 'vitest';
import { parseTrustArgs, UsageError } from './args.js';

const ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const GW = '0b0a0d00-0000-4000-8000-0000000000b1';

describe('parseTrustArgs', () => {
  it('serve: PIA on [::]:4500 and the admin API on 127.0.0.1:4580 by default; a bare --admin port stays on loopback', () => {
    expect(parseTrustArgs(['serve'])).toEqual({ command: 'serve', stateDir: '/var/lib/pia-trust', pia: { address: '::', port: 4500 }, admin: { address: '127.0.0.1', port: 4580 }, allowRemoteAdmin: false });
    expect(parseTrustArgs(['serve', '--admin', '0', '--pia', '[::1]:0', '--state', '/tmp/s'])).toMatchObject({ stateDir: '/tmp/s', pia: { address: '::1', port: 0 }, admin: { address: '127.0.0.1', port: 0 } });
    expect(parseTrustArgs(['serve', '--admin', '[::1]:4581', '--advertise', '[2001:db8::5]:4500'])).toMatchObject({ admin: { address: '::1', port: 4581 }, advertise: { address: '2001:db8::5', port: 4500 } });
  });

  it('serve --ticket-lifetime: whole seconds 1–600; anything else names the option, the range and an example', () => {
    expect(parseTrustArgs(['serve', '--ticket-lifetime', '5'])).toMatchObject({ command: 'serve', ticketLifetimeS: 5 });
    expect(parseTrustArgs(['serve', '--ticket-lifetime', '600'])).toMatchObject({ ticketLifetimeS: 600 });
    for (const bad of ['0', '601', '1.5', '-3', 'ten', '']) {
      expect(() => parseTrustArgs(['serve', `--ticket-lifetime=${bad}`])).toThrow(/--ticket-lifetime '.*': must be a whole number of seconds 1–600 \(default 600\), e\.g\. --ticket-lifetime 60/);
    }
    expect(() => parseTrustArgs(['node', 'list', '--ticket-lifetime', '5'])).toThrow(/--ticket-lifetime does not apply to 'pia-trust node list'/);
  });

  it('serve: a non-loopback admin bind needs --allow-remote-admin', () => {
    expect(() => parseTrustArgs(['serve', '--admin', '0.0.0.0:4580'])).toThrow(/0\.0\.0\.0 is not a loopback address.*--allow-remote-admin/);
    expect(() => parseTrustArgs(['serve', '--admin', '[::]:4580'])).toThrow(/not a loopback address/);
    expect(parseTrustArgs(['serve', '--admin', '0.0.0.0:4580', '--allow-remote-admin'])).toMatchObject({ admin: { address: '0.0.0.0', port: 4580 }, allowRemoteAdmin: true });
    expect(() => parseTrustArgs(['serve', '--admin', 'localhost'])).toThrow(/give an address and a port/);
  });

  it('node and grant commands', () => {
    expect(parseTrustArgs(['node', 'add', '--kind', 'operator', '--label', 'alice', '--groups', 'ops,night', '--out', 'a.json', '--state', '/s'])).toEqual({
      command: 'node-add', target: { stateDir: '/s' }, kind: 'operator', label: 'alice', groups: 'ops,night', out: 'a.json',
    });
    expect(parseTrustArgs(['node', 'list', '--json', '--api', 'http://127.0.0.1:4580/', '--token-file', 't'])).toEqual({ command: 'node-list', target: { stateDir: '/var/lib/pia-trust', api: 'http://127.0.0.1:4580', tokenFile: 't' }, json: true });
    expect(parseTrustArgs(['node', 'revoke', ID.toUpperCase()])).toMatchObject({ command: 'node-revoke', id: ID });
    expect(parseTrustArgs(['grant', 'add', '--subject', 'group:ops', '--gateway', GW, '--devices', 'rack1-*', '--rights', 'read,call:unlock', '--not-after', '2030-01-01T00:00:00Z'])).toMatchObject({
      command: 'grant-add',
      body: { subject: 'group:ops', gateway: GW, devices: 'rack1-*', rights: ['read', 'call:unlock'], notAfter: '2030-01-01T00:00:00Z' },
    });
    expect(parseTrustArgs(['grant', 'remove', 'g1'])).toMatchObject({ command: 'grant-remove', id: 'g1' });
    expect(parseTrustArgs(['audit', 'tail', '-n', '5', '--state', '/s'])).toEqual({ command: 'audit-tail', file: '/s/audit.log', count: 5, json: false });
    expect(parseTrustArgs(['audit', 'verify', '--file', '/x/a.log'])).toEqual({ command: 'audit-verify', file: '/x/a.log' });
  });

  it('refusals name the argument and the fix', () => {
    const cases: [string[], RegExp][] = [
      [[], /no command given/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['node', 'add', '--label', 'a'], /--kind is missing; write --kind gateway\|operator\|station/],
      [['node', 'add', '--kind', 'server', '--label', 'a'], /'server' is not a kind/],
      [['node', 'add', '--kind', 'operator'], /--label is missing/],
      [['node', 'revoke'], /needs the node's ID/],
      [['node', 'revoke', 'alice'], /node ID 'alice' is not a node ID/],
      [['grant', 'add', '--gateway', GW, '--devices', '*', '--rights', 'read'], /--subject is missing/],
      [['grant', 'add', '--subject', 'bob', '--gateway', GW, '--devices', '*', '--rights', 'read'], /--subject 'bob' is not a node ID/],
      [['node', 'list', '--kind', 'x'], /--kind does not apply to 'pia-trust node list'/],
      [['audit', 'tail', '-n', '0'], /-n 0: must be a whole number/],
      [['serve', '--pia', 'example.org:4500'], /is not an IPv6 or IPv4 address/],
      [['node', 'list', '--api', 'ftp://x'], /--api 'ftp:\/\/x'/],
      [['node', 'list', '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) expect(() => parseTrustArgs(args), args.join(' ')).toThrow(message);
    expect(() => parseTrustArgs(['serve', 'extra'])).toThrow(UsageError);
  });
});
