/**
 * The CLI's MyNet Manager commands in-process, through the real admin HTTP API (an in-memory
 * store and audit log): `user disable|enable|role`, `node add --owner`, `node owner`, the last
 * active admin kept, and revoke / grant remove naming the server's ticket lifetime (not a
 * figure of the CLI's own: the fixture's server runs with 45 s).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countingHasher } from '../accounts/test-support.js';
import { apiArgs, cli, startAdminFixture, type AdminFixture, type CliResult } from '../test-support/index.js';

const LIFETIME_S = 45;
const PW = 'a-long-enough-passphrase';

let fx: AdminFixture;
let cleanup: () => void;
let api: string[];
const hasher = countingHasher().hasher;

beforeEach(async () => {
  fx = await startAdminFixture(() => new Date(), LIFETIME_S);
  ({ args: api, cleanup } = apiArgs(fx, 'pia-mynet-cli-'));
});
afterEach(async () => {
  await fx.close();
  cleanup();
});

const run = (args: readonly string[]): Promise<CliResult> => cli([...args, ...api], {}, { hasher });

async function account(name: string, role: 'admin' | 'owner'): Promise<void> {
  expect((await cli(['user', 'add', name, '--role', role, '--password-stdin', ...api], {}, { hasher, stdin: PW })).code).toBe(0);
}

async function node(kind: string, label: string, owner?: string): Promise<string> {
  const r = await run(['node', 'add', '--kind', kind, '--label', label, ...(owner === undefined ? [] : ['--owner', owner])]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { id: string }).id;
}

const events = (): unknown[][] => fx.audit.all().filter((r) => r.event !== 'account-added' && r.event !== 'node-enrolled').map((r) => [r.event, r.account ?? r.nodeId, r.role ?? r.owner, r.by]);

describe('pia-trust user disable|enable|role', () => {
  it('disables, enables and changes the role; a repeat changes nothing; each change is one audit record by admin', async () => {
    await account('alice', 'owner');
    await account('ops', 'admin');

    expect(await run(['user', 'disable', 'alice'])).toEqual({ code: 0, stdout: 'account alice (owner) disabled: it cannot sign in to MyNet Manager, and its open sessions are ended\n', stderr: '' });
    expect((await fx.store.getAccount('alice'))?.disabled).toBe(true);
    expect((await run(['user', 'disable', 'alice'])).stdout).toBe('account alice (owner) was already disabled\n');
    expect((await run(['user', 'list'])).stdout).toMatch(/\nalice +owner +disabled /);
    expect(await run(['user', 'enable', 'alice'])).toEqual({ code: 0, stdout: 'account alice (owner) enabled: it can sign in to MyNet Manager again\n', stderr: '' });
    expect((await run(['user', 'enable', 'alice'])).stdout).toBe('account alice (owner) was already enabled\n');

    expect(await run(['user', 'role', 'alice', 'admin'])).toEqual({ code: 0, stdout: 'account alice is now admin; its open MyNet Manager sessions are ended (it signs in again with the new role)\n', stderr: '' });
    expect((await fx.store.getAccount('alice'))?.role).toBe('admin');
    expect((await run(['user', 'role', 'alice', 'admin'])).stdout).toBe('account alice is already admin\n');

    const json = await run(['user', 'role', 'alice', 'owner', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ account: { name: 'alice', role: 'owner', disabled: false }, changed: true });
    expect(JSON.parse((await run(['user', 'disable', 'alice', '--json'])).stdout)).toMatchObject({ account: { name: 'alice', disabled: true }, changed: true });

    expect(events()).toEqual([
      ['account-disabled', 'alice', 'owner', 'admin'],
      ['account-enabled', 'alice', 'owner', 'admin'],
      ['account-role-changed', 'alice', 'admin', 'admin'],
      ['account-role-changed', 'alice', 'owner', 'admin'],
      ['account-disabled', 'alice', 'owner', 'admin'],
    ]);
    expect(fx.audit.all().filter((r) => r.event === 'account-role-changed').map((r) => r.previousRole)).toEqual(['owner', 'admin']);
  });

  it('keeps the last active admin: disabling, demoting or removing it is refused (exit 4) with the fix, and nothing changes', async () => {
    await account('ops', 'admin');
    await account('alice', 'owner');
    const lastAdmin = (what: string): RegExp => new RegExp(`account "ops" is the last active admin and cannot be ${what}: nobody could manage the accounts then; add or enable another admin first`);
    for (const [args, what] of [[['user', 'disable', 'ops'], 'disabled'], [['user', 'role', 'ops', 'owner'], 'demoted'], [['user', 'remove', 'ops'], 'removed']] as const) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(4);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(lastAdmin(what));
    }
    expect(await fx.store.getAccount('ops')).toMatchObject({ role: 'admin', disabled: false });
    expect(events()).toEqual([]);

    // A second active admin lifts it; a disabled admin does not count.
    await account('ops2', 'admin');
    expect((await run(['user', 'disable', 'ops2'])).code).toBe(0);
    expect((await run(['user', 'role', 'ops', 'owner'])).stderr).toMatch(lastAdmin('demoted'));
    expect((await run(['user', 'enable', 'ops2'])).code).toBe(0);
    expect((await run(['user', 'role', 'ops', 'owner'])).code).toBe(0);
  });

  it('an unknown account is refused (exit 4) with the way to list them', async () => {
    for (const args of [['user', 'disable', 'bob'], ['user', 'enable', 'bob'], ['user', 'role', 'bob', 'admin']]) {
      expect(await run(args)).toEqual({ code: 4, stdout: '', stderr: `pia-trust: no account "bob"; 'pia-trust user list' shows the accounts\n` });
    }
  });
});

describe('pia-trust node add --owner and node owner', () => {
  it('adds an owned node, moves it to another owner and to none; node list shows the owner; each change audited by admin', async () => {
    await account('alice', 'owner');
    await account('bob', 'owner');
    const added = await run(['node', 'add', '--kind', 'gateway', '--label', 'rack1-gw', '--owner', 'alice']);
    const id = (JSON.parse(added.stdout) as { id: string }).id;
    expect(added.stderr).toContain(`node ${id} (gateway "rack1-gw", owned by alice) added.`);
    expect((await fx.store.getNode(id))?.owner).toBe('alice');
    expect(fx.audit.all().find((r) => r.event === 'node-enrolled')).toMatchObject({ nodeId: id, owner: 'alice', by: 'admin' });

    expect(await run(['node', 'owner', id, 'bob'])).toEqual({ code: 0, stdout: `node ${id} (gateway "rack1-gw") is now owned by bob\n`, stderr: '' });
    expect((await run(['node', 'list'])).stdout).toMatch(new RegExp(`^ID +KIND +STATUS +LABEL +GROUPS +OWNER +LAST SEEN\\n${id} +gateway +active +rack1-gw +- +bob +never\\n`));
    expect(await run(['node', 'owner', id, '--none'])).toEqual({ code: 0, stdout: `node ${id} (gateway "rack1-gw") now has no owner\n`, stderr: '' });
    expect((await fx.store.getNode(id))?.owner).toBeUndefined();
    const json = JSON.parse((await run(['node', 'owner', id, 'alice', '--json'])).stdout) as { node: { id: string; owner: string } };
    expect(json.node).toMatchObject({ id, owner: 'alice' });

    expect(fx.audit.all().filter((r) => r.event === 'node-owner-changed').map((r) => [r.nodeId, r.owner, r.previousOwner, r.by])).toEqual([
      [id, 'bob', 'alice', 'admin'],
      [id, null, 'bob', 'admin'],
      [id, 'alice', null, 'admin'],
    ]);
  });

  it('an unknown owner or node is refused (exit 4) naming it; no node is made, no record written', async () => {
    const r = await run(['node', 'add', '--kind', 'operator', '--label', 'laptop', '--owner', 'nobody']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/there is no account "nobody"; add it first \(pia-trust user add NAME --role owner\) or name an existing one \(pia-trust user list\)/);
    expect(await fx.store.listNodes()).toEqual([]);
    const id = await node('gateway', 'gw');
    expect((await run(['node', 'owner', id, 'nobody'])).stderr).toMatch(/there is no account "nobody"/);
    const unknown = await run(['node', 'owner', '3f2504e0-4f89-41d3-9a0c-0305e82c3301', '--none']);
    expect(unknown).toEqual({ code: 4, stdout: '', stderr: "pia-trust: no node 3f2504e0-4f89-41d3-9a0c-0305e82c3301 is registered; 'pia-trust node list' shows the nodes\n" });
    expect(fx.audit.all().map((x) => x.event)).toEqual(['node-enrolled']);
  });
});

describe('pia-trust node revoke and grant remove', () => {
  it("name the server's ticket lifetime as the time existing associations keep the access", async () => {
    const op = await node('operator', 'alice-laptop');
    const gw = await node('gateway', 'rack1-gw');
    const added = await run(['grant', 'add', '--subject', op, '--gateway', gw, '--devices', '*', '--rights', 'read']);
    const grantId = /^grant (\S+) added/.exec(added.stdout)?.[1] ?? '';
    const removed = await run(['grant', 'remove', grantId]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe(`grant ${grantId} removed (${op} may read on devices '*' of gateway ${gw} (always)); existing associations keep it for at most ${LIFETIME_S} s (the ticket lifetime)\n`);
    expect(await run(['node', 'revoke', op])).toEqual({ code: 0, stdout: `node ${op} (operator "alice-laptop") revoked; existing associations keep it for at most ${LIFETIME_S} s (the ticket lifetime)\n`, stderr: '' });
    expect((await run(['node', 'revoke', op])).stdout).toMatch(/^node .* was already revoked \(\d{4}-/);
  });
});
