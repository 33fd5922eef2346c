/**
 * `pia-trust policy export|check|apply` in-process, through the real admin HTTP API (an
 * in-memory store and audit log): check changes nothing, apply changes everything in one step
 * and audits it, a failing test or a bad entry changes nothing, and an exported file is the
 * server's policy exactly (checking it again: no change).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countingHasher } from '../accounts/test-support.js';
import { apiArgs, cli, startAdminFixture, type AdminFixture, type CliResult } from '../test-support/index.js';

let fx: AdminFixture;
let dir: string;
let cleanup: () => void;
let api: string[];
const hasher = countingHasher().hasher;

beforeEach(async () => {
  fx = await startAdminFixture();
  ({ dir, args: api, cleanup } = apiArgs(fx, 'pia-policy-cli-'));
});
afterEach(async () => {
  await fx.close();
  cleanup();
});

const run = (args: readonly string[]): Promise<CliResult> => cli([...args, ...api], {}, { hasher });

async function node(kind: string, label: string): Promise<string> {
  const r = await run(['node', 'add', '--kind', kind, '--label', label]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { id: string }).id;
}

async function building(): Promise<{ gw: string; alice: string; bob: string; oldGrant: string }> {
  const gw = await node('gateway', 'building-a');
  const alice = await node('operator', 'alice-phone');
  const bob = await node('operator', 'bob-laptop');
  expect((await cli(['user', 'add', 'alice', '--role', 'owner', '--password-stdin', ...api], {}, { hasher, stdin: 'a-long-enough-passphrase' })).code).toBe(0);
  const added = await fx.call('POST', '/api/grants', { subject: bob, gateway: gw, devices: '*', rights: ['control'] });
  return { gw, alice, bob, oldGrant: (added.json.grant as { id: string }).id };
}

function policyFile(b: { gw: string; alice: string; bob: string }, o: { bobMayRead?: boolean } = {}): string {
  return `groups:
  night-shift: [${b.alice}]
owners:
  ${b.alice}: alice
grants:
  - subject: group:night-shift
    gateway: ${b.gw}
    devices: lobby-*
    rights: [read, "call:snapshot"]
tests:
  - subject: ${b.alice}
    gateway: ${b.gw}
    device: lobby-camera
    may: [read, "call:snapshot"]
    mayNot: [control]
  - subject: ${b.bob}
    gateway: ${b.gw}
    device: lobby-camera
    ${o.bobMayRead === true ? 'may' : 'mayNot'}: [read]
`;
}

const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('pia-trust policy', () => {
  it('check shows the changes and runs the tests without changing anything; apply makes them in one audited step', async () => {
    const b = await building();
    const file = write('policy.yaml', policyFile(b));
    const recordsBefore = fx.audit.all().length;
    const grantsBefore = await fx.store.listGrants();

    const check = await run(['policy', 'check', file]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain(`${file}: 4 change(s)`);
    expect(check.stdout).toContain(`~ node "alice-phone" (${b.alice}) groups: (none) → night-shift`);
    expect(check.stdout).toContain(`~ node "alice-phone" (${b.alice}) owner: (none) → alice`);
    expect(check.stdout).toContain(`- grant ${b.oldGrant} "bob-laptop" (${b.bob}) on "building-a" (${b.gw}) devices * rights control`);
    expect(check.stdout).toContain(`+ grant group:night-shift on "building-a" (${b.gw}) devices lobby-* rights read,call:snapshot`);
    expect(check.stdout).toContain('tests: 2 of 2 hold');
    expect(await fx.store.listGrants()).toEqual(grantsBefore);
    expect((await fx.store.getNode(b.alice))?.groups).toEqual([]);
    expect(fx.audit.all()).toHaveLength(recordsBefore);

    const apply = await run(['policy', 'apply', file]);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/applied \(policy [0-9a-f]{16}…, audited\)/);
    const grants = await fx.store.listGrants();
    expect(grants.map((g) => [g.subject, g.devices, g.rights])).toEqual([['group:night-shift', 'lobby-*', ['read', 'call:snapshot']]]);
    expect(await fx.store.getNode(b.alice)).toMatchObject({ groups: ['night-shift'], owner: 'alice' });
    const added = fx.audit.all().slice(recordsBefore);
    expect(added.map((r) => [r.event, r.via ?? null])).toEqual([
      ['node-groups-changed', 'policy'],
      ['node-owner-changed', 'policy'],
      ['grant-removed', 'policy'],
      ['grant-added', 'policy'],
      ['policy-applied', null],
    ]);
    expect(new Set(added.map((r) => r.policy)).size).toBe(1);
    expect(JSON.stringify(added)).not.toContain('night-shift]'); // the file's text is not logged, only its hash
    expect(fx.audit.verify().ok).toBe(true);

    const again = await run(['policy', 'apply', file]);
    expect(again.stdout).toContain('no change (the server already holds this policy)');
    expect(again.stdout).toContain('nothing to apply');
    expect(fx.audit.all()).toHaveLength(recordsBefore + added.length);
  });

  it('apply refuses a file whose test fails, naming it, and changes nothing (exit 6)', async () => {
    const b = await building();
    const file = write('policy.yaml', policyFile(b, { bobMayRead: true }));
    const before = { grants: await fx.store.listGrants(), records: fx.audit.all().length };
    for (const verb of ['check', 'apply']) {
      const r = await run(['policy', verb, file]);
      expect(r.code, verb).toBe(6);
      expect(r.stdout).toContain('tests: 1 of 2 hold');
      expect(r.stdout).toContain('FAIL tests[1]: operator "bob-laptop" may read on lobby-camera: no grant covers it');
    }
    expect(await fx.store.listGrants()).toEqual(before.grants);
    expect(fx.audit.all()).toHaveLength(before.records);
    const json = await run(['policy', 'apply', file, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ testsHold: false, applied: false });
  });

  it('refuses a bad entry or an unknown node by its place in the file (exit 4); a missing file is exit 2', async () => {
    const b = await building();
    const bad = await run(['policy', 'apply', write('bad.yaml', policyFile(b).replace('[read, "call:snapshot"]', '[read, write]'))]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('policy grants[0].rights: rights[1] "write" is not a right');
    const unknown = await run(['policy', 'check', write('unknown.yaml', policyFile(b).replace(`night-shift: [${b.alice}]`, 'night-shift: [99999999-9999-4999-8999-999999999999]'))]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('policy groups.night-shift[0]: node 99999999-9999-4999-8999-999999999999 is not a registered, active node');
    const missing = await run(['policy', 'check', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot be read (ENOENT)');
  });

  it('export writes the server’s policy; checking it again changes nothing; --out never overwrites', async () => {
    const b = await building();
    expect((await run(['policy', 'apply', write('policy.yaml', policyFile(b))])).code).toBe(0);
    const out = join(dir, 'exported.yaml');
    expect(await run(['policy', 'export', '--out', out])).toMatchObject({ code: 0, stdout: `policy written to ${out}\n` });
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(`- ${b.alice} # alice-phone (operator)`);
    const check = await run(['policy', 'check', out]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('no change (the server already holds this policy)');
    const again = await run(['policy', 'export', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('the file exists');
    expect(existsSync(out)).toBe(true);
    expect((await run(['policy', 'export'])).stdout).toBe(text);
  });
});
