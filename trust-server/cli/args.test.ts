/** `pia-trust` argument parsing: defaults, every command's shape, refusals that name the fix. */
import { describe, expect, it } from 'vitest';
import { parseTrustArgs, UsageError } from './args.js';

const ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const GW = '0b0a0d00-0000-4000-8000-0000000000b1';

describe('parseTrustArgs', () => {
  it('serve: PIA on [::]:4500 and the admin API on 127.0.0.1:4580 by default; a bare --admin port stays on loopback', () => {
    expect(parseTrustArgs(['serve'])).toEqual({ command: 'serve', stateDir: '/var/lib/pia-trust', pia: { address: '::', port: 4500 }, admin: { address: '127.0.0.1', port: 4580 }, allowRemoteAdmin: false });
    expect(parseTrustArgs(['serve', '--admin', '0', '--pia', '[::1]:0', '--state', '/tmp/s'])).toMatchObject({ stateDir: '/tmp/s', pia: { address: '::1', port: 0 }, admin: { address: '127.0.0.1', port: 0 } });
    expect(parseTrustArgs(['serve', '--admin', '[::1]:4581', '--advertise', '[2001:db8::5]:4500'])).toMatchObject({ admin: { address: '::1', port: 4581 }, advertise: [{ address: '2001:db8::5', port: 4500 }] });
    // several instances of one server (docs/protocol.md §9.12): every endpoint, in order
    expect(parseTrustArgs(['serve', '--advertise', '[2001:db8::5]:4500', '--advertise', '[2001:db8::6]:4500'])).toMatchObject({ advertise: [{ address: '2001:db8::5' }, { address: '2001:db8::6' }] });
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
    expect(parseTrustArgs(['audit', 'tail', '-n', '5', '--state', '/s'])).toEqual({ command: 'audit-tail', source: { file: '/s/audit.log' }, count: 5, json: false });
    expect(parseTrustArgs(['audit', 'verify', '--file', '/x/a.log'])).toEqual({ command: 'audit-verify', source: { file: '/x/a.log' } });
  });

  it('reads the audit log from the database, exports it, and grants the server role', () => {
    const url = 'postgres://owner@db.example:5432/pia';
    expect(parseTrustArgs(['audit', 'verify', '--database', url])).toEqual({ command: 'audit-verify', source: { database: { url } } });
    expect(parseTrustArgs(['audit', 'tail', '--json', '--database-file', '/etc/pia/db.url'])).toEqual({ command: 'audit-tail', source: { database: { file: '/etc/pia/db.url' } }, count: 20, json: true });
    expect(parseTrustArgs(['audit', 'export', '--database', url, '--out', '/tmp/a.jsonl'])).toEqual({ command: 'audit-export', database: { url }, out: '/tmp/a.jsonl' });
    expect(parseTrustArgs(['audit', 'export', '--database', url])).toEqual({ command: 'audit-export', database: { url } });
    expect(parseTrustArgs(['db', 'grant', '--database', url, '--role', 'pia_server'])).toEqual({ command: 'db-grant', database: { url }, role: 'pia_server' });
    const refused = (args: string[]): string => {
      try {
        parseTrustArgs(args);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(refused(['audit', 'verify', '--database', 'postgres://u:secret@h/d', '--file', '/x'])).toMatch(/give the audit log's place once/);
    expect(refused(['audit', 'export', '--out', '/x'])).toMatch(/'pia-trust audit export' needs the database/);
    expect(refused(['audit', 'export', '--database', 'postgres://u:secret@h/d', '--json'])).toMatch(/--json does not apply to 'pia-trust audit export'/);
    expect(refused(['db', 'grant', '--database', url])).toMatch(/needs --role NAME/);
    expect(refused(['db', 'grant', '--database', url, '--role', 'Robert"; DROP'])).toMatch(/--role .*lower-case letters, digits and _/);
    expect(refused(['audit', 'verify', '--database', 'mysql://u:secret@h/d'])).not.toContain('secret');
  });

  it('policy export|check|apply: the file, --out, --json; refusals name the fix', () => {
    expect(parseTrustArgs(['policy', 'export', '--out', 'p.yaml', '--state', '/s'])).toEqual({ command: 'policy-export', target: { stateDir: '/s' }, out: 'p.yaml' });
    expect(parseTrustArgs(['policy', 'check', 'p.yaml'])).toMatchObject({ command: 'policy-check', file: 'p.yaml', json: false });
    expect(parseTrustArgs(['policy', 'apply', 'p.yaml', '--json'])).toMatchObject({ command: 'policy-apply', file: 'p.yaml', json: true });
    expect(() => parseTrustArgs(['policy', 'apply'])).toThrow(/needs the policy file: pia-trust policy apply FILE/);
    expect(() => parseTrustArgs(['policy', 'check', 'a.yaml', 'b.yaml'])).toThrow(/unexpected argument 'b.yaml'.*one policy file/);
    expect(() => parseTrustArgs(['policy', 'check', 'a.yaml', '--out', 'x'])).toThrow(/--out does not apply to 'pia-trust policy check'/);
  });

  it('MyNet Manager commands: node add --owner, node owner, user disable|enable|role', () => {
    expect(parseTrustArgs(['node', 'add', '--kind', 'gateway', '--label', 'gw', '--owner', 'alice', '--state', '/s'])).toEqual({ command: 'node-add', target: { stateDir: '/s' }, kind: 'gateway', label: 'gw', owner: 'alice' });
    expect(parseTrustArgs(['node', 'owner', ID.toUpperCase(), 'alice', '--state', '/s'])).toEqual({ command: 'node-owner', target: { stateDir: '/s' }, id: ID, owner: 'alice', json: false });
    expect(parseTrustArgs(['node', 'owner', ID, '--none', '--json'])).toMatchObject({ command: 'node-owner', id: ID, owner: null, json: true });
    expect(parseTrustArgs(['user', 'disable', 'alice'])).toMatchObject({ command: 'user-disable', name: 'alice', json: false });
    expect(parseTrustArgs(['user', 'enable', 'alice', '--json'])).toMatchObject({ command: 'user-enable', name: 'alice', json: true });
    expect(parseTrustArgs(['user', 'role', 'ops.admin', 'owner', '--api', 'http://127.0.0.1:4580', '--token-file', 't'])).toEqual({
      command: 'user-role', target: { stateDir: '/var/lib/pia-trust', api: 'http://127.0.0.1:4580', tokenFile: 't' }, name: 'ops.admin', role: 'owner', json: false,
    });
  });

  it('MyNet Manager commands: refusals name the argument and the fix', () => {
    const cases: [string[], RegExp][] = [
      [['node', 'add', '--kind', 'gateway', '--label', 'gw', '--owner', 'Alice!'], /node add: --owner 'Alice!' is not an account name; use 1–64 of a-z, 0-9, '\.', '_', '-' \('pia-trust user list' shows the accounts\)/],
      [['node', 'add', '--kind', 'gateway', '--label', 'gw', '--owner', ''], /--owner '' is not an account name/],
      [['node', 'owner'], /'pia-trust node owner' needs the node's ID and the new owner: pia-trust node owner ID ACCOUNT, or pia-trust node owner ID --none/],
      [['node', 'owner', ID], /needs the new owner after the ID: pia-trust node owner ID ACCOUNT, or .* --none for no owner/],
      [['node', 'owner', ID, 'alice', '--none'], /node owner: give the account alice or --none, not both/],
      [['node', 'owner', ID, 'alice', 'bob'], /unexpected argument 'bob' after 'pia-trust node owner'; it takes a node ID and one account name/],
      [['node', 'owner', 'rack1', 'alice'], /node ID 'rack1' is not a node ID; write a UUID/],
      [['node', 'owner', ID, 'Bob Smith'], /node owner: the account 'Bob Smith' is not an account name/],
      [['node', 'list', '--none'], /--none does not apply to 'pia-trust node list'/],
      [['node', 'revoke', ID, '--owner', 'alice'], /--owner does not apply to 'pia-trust node revoke'/],
      [['user', 'disable'], /'pia-trust user disable' needs the account name: pia-trust user disable NAME/],
      [['user', 'enable', 'alice', 'bob'], /unexpected argument 'bob' after 'pia-trust user enable'; it takes one account name/],
      [['user', 'disable', 'Alice!'], /the account name given to 'user disable' is not valid/],
      [['user', 'disable', 'alice', '--role', 'owner'], /--role does not apply to 'pia-trust user disable'/],
      [['user', 'role', 'alice'], /'pia-trust user role' needs the new role after the name: pia-trust user role alice admin\|owner/],
      [['user', 'role', 'alice', 'root'], /user role: 'root' is not a role; write admin \(manages everything\) or owner \(a device owner\)/],
      [['user', 'role', 'alice', 'admin', 'owner'], /unexpected argument 'owner' after 'pia-trust user role'; it takes an account name and a role/],
      [['user', 'role', 'alice', '--role', 'admin'], /--role does not apply to 'pia-trust user role'/],
      [['user', 'frobnicate', 'alice'], /unknown command 'user frobnicate'; write one of: .*user add\|list\|remove\|passwd\|disable\|enable\|role/],
    ];
    for (const [args, message] of cases) expect(() => parseTrustArgs(args), args.join(' ')).toThrow(message);
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
      [['serve', '--advertise', '[2001:db8::5]:4500', '--advertise', '[2001:db8::5]:4500'], /--advertise \[2001:db8::5\]:4500 is given twice; name each endpoint of the server once/],
      [['node', 'list', '--api', 'ftp://x'], /--api 'ftp:\/\/x'/],
      [['node', 'list', '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) expect(() => parseTrustArgs(args), args.join(' ')).toThrow(message);
    expect(() => parseTrustArgs(['serve', 'extra'])).toThrow(UsageError);
  });
});

describe('serve --database / --database-file', () => {
  it('takes a PostgreSQL URL or a file, not both, and never repeats a refused URL', () => {
    expect(parseTrustArgs(['serve', '--database', 'postgres://trust@db.example:5432/trust'])).toMatchObject({ command: 'serve', database: { url: 'postgres://trust@db.example:5432/trust' } });
    expect(parseTrustArgs(['serve', '--database', 'postgresql://trust@db/trust'])).toMatchObject({ database: { url: 'postgresql://trust@db/trust' } });
    expect(parseTrustArgs(['serve', '--database-file', '/etc/pia-trust/database'])).toMatchObject({ database: { file: '/etc/pia-trust/database' } });
    expect(parseTrustArgs(['serve'])).not.toHaveProperty('database');
    expect(() => parseTrustArgs(['serve', '--database', 'postgres://a@b/c', '--database-file', 'f'])).toThrow(/give --database URL or --database-file FILE, not both/);
    let error: unknown;
    try {
      parseTrustArgs(['serve', '--database', 'mysql://root:hunter2@db/trust']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/--database: not a PostgreSQL URL; write --database postgres:\/\/USER@HOST:PORT\/DATABASE/);
    expect((error as Error).message).not.toContain('hunter2');
    expect(() => parseTrustArgs(['node', 'list', '--database', 'postgres://a@b/c'])).toThrow(/--database does not apply to 'pia-trust node list'/);
  });
});
