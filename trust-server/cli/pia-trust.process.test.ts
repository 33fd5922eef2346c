/**
 * `pia-trust serve` as a real process in a temporary state directory (real ports, files and
 * signals), with the CLI against it: credentials once, listing without keys, grants with
 * validation, revocation, the token, the audit chain (intact, then tampered), a restart that
 * keeps everything, and a database copied without its master key.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readCredentialFile } from '../../pia/credential/index.js';
import { cli, runTrustProcess, startTrust, stopAll, type TrustProcess } from '../test-support/index.js';

let root: string;
let state: string;
const S = (): string[] => ['--state', state];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pia-trust-'));
  state = join(root, 'state');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(stopAll);

async function serve(dir = state, env: Record<string, string> = {}): Promise<{ p: TrustProcess; url: string; serverId: string }> {
  const p = startTrust(['serve', '--state', dir, '--pia', '[::1]:0', '--admin', '0'], env);
  const m = await p.waitFor(/admin API on (http:\/\/[^ ]+) /);
  const id = /trusted server ([0-9a-f-]{36}) serving/.exec(p.stdout());
  return { p, url: m[1] ?? '', serverId: id?.[1] ?? '' };
}

async function stop(p: TrustProcess): Promise<void> {
  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('pia-trust serve and the admin CLI', () => {
  let gatewayId = '';
  let aliceId = '';
  let aliceKey = '';

  it('first start: state directory 0700 with master key, token and database 0600; admin API on loopback; token required', async () => {
    const { p, url } = await serve();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(p.stdout()).toMatch(/first start: state directory .* created with master key/);
    expect(mode(state)).toBe(0o700);
    for (const f of ['master-key', 'admin-token', 'trust.db', 'audit.log', 'admin-url']) expect(mode(join(state, f)), f).toBe(0o600);
    const token = readFileSync(join(state, 'admin-token'), 'utf8').trim();
    expect(p.stdout() + p.stderr()).not.toContain(token);
    expect(p.stdout() + p.stderr()).not.toContain(readFileSync(join(state, 'master-key'), 'utf8').trim());
    expect((await fetch(`${url}/api/nodes`)).status).toBe(401);
    expect((await fetch(`${url}/api/nodes`, { headers: { Authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(`${url}/healthz`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    await stop(p);
    expect(existsSync(join(state, 'admin-url'))).toBe(false);
  });

  it('node add prints the credential once; --out writes it 0600 and never overwrites; list and get never show a key', async () => {
    const { p, serverId } = await serve();
    const alice = await cli(['node', 'add', '--kind', 'operator', '--label', 'alice', '--groups', 'ops', ...S()]);
    expect(alice.code).toBe(0);
    const cred = JSON.parse(alice.stdout) as { id: string; key: string; server: { id: string; port: number } };
    expect(cred).toMatchObject({ format: 'pia-credential', version: 1, kind: 'operator', label: 'alice', server: { address: '::1', id: serverId } });
    expect(alice.stderr).toMatch(/shown only this once/);
    aliceId = cred.id;
    aliceKey = cred.key;

    const out = join(root, 'gw.json');
    const gw = await runTrustProcess(['node', 'add', '--kind', 'gateway', '--label', 'rack1-gw', '--out', out, ...S()]);
    expect(gw.code).toBe(0);
    expect(gw.stdout).toMatch(/credential written to .*gw\.json \(mode 0600\)/);
    expect(gw.stdout + gw.stderr).not.toMatch(/"key"/);
    expect(mode(out)).toBe(0o600);
    gatewayId = readCredentialFile(out).id;
    const again = await cli(['node', 'add', '--kind', 'gateway', '--label', 'second', '--out', out, ...S()]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/gw\.json: cannot create \(EEXIST\); it is not overwritten/);
    expect(readCredentialFile(out).id).toBe(gatewayId);

    const list = await cli(['node', 'list', '--json', ...S()]);
    const nodes = JSON.parse(list.stdout) as { id: string; label: string }[];
    expect(nodes.map((n) => n.label).sort()).toEqual(['alice', 'rack1-gw', 'trusted server']); // 'second' was never created
    const text = await cli(['node', 'list', ...S()]);
    expect(text.stdout).toMatch(/^ID +KIND +STATUS +LABEL +GROUPS +OWNER +LAST SEEN\n/);
    for (const s of [list.stdout, text.stdout, readFileSync(join(state, 'audit.log'), 'utf8')]) {
      expect(s).not.toContain(aliceKey);
      expect(s).not.toMatch(/"key"/);
    }
    await stop(p);
  });

  it('grants: add, validation refused with the field named (exit 4), list, remove; revoke; server down → exit 3 with the fix', async () => {
    const { p } = await serve();
    const bad = await cli(['grant', 'add', '--subject', aliceId, '--gateway', gatewayId, '--devices', 'rack1-*', '--rights', 'read,write', ...S()]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/"rights": "write" is not a right; write read, control or call:NAME/);
    const notGw = await cli(['grant', 'add', '--subject', gatewayId, '--gateway', aliceId, '--devices', '*', '--rights', 'read', ...S()]);
    expect(notGw.stderr).toMatch(/is a operator, not a gateway/);
    const ok = await cli(['grant', 'add', '--subject', aliceId, '--gateway', gatewayId, '--devices', 'rack1-*', '--rights', 'read,call:unlock', ...S()]);
    expect(ok.code).toBe(0);
    const temp = await cli(['grant', 'add', '--subject', 'group:ops', '--gateway', gatewayId, '--devices', '*', '--rights', 'control', '--not-after', '2999-01-01T00:00:00Z', ...S()]);
    const tempId = /^grant (\S+) added/.exec(temp.stdout)?.[1] ?? '';
    expect(JSON.parse((await cli(['grant', 'list', '--json', ...S()])).stdout)).toHaveLength(2);
    expect((await cli(['grant', 'remove', tempId, ...S()])).code).toBe(0);
    const gone = await cli(['grant', 'remove', tempId, ...S()]);
    expect([gone.code, gone.stderr]).toEqual([4, expect.stringMatching(/no grant/) as unknown]);

    const spare = JSON.parse((await cli(['node', 'add', '--kind', 'operator', '--label', 'mallory', ...S()])).stdout) as { id: string };
    const revoked = await cli(['node', 'revoke', spare.id, ...S()]);
    // The server runs with the default ticket lifetime (600 s): the CLI prints the server's figure.
    expect(revoked.stdout).toMatch(/revoked; existing associations keep it for at most 600 s \(the ticket lifetime\)\n$/);
    expect((await cli(['node', 'revoke', '3f2504e0-4f89-41d3-9a0c-0305e82c3301', ...S()])).code).toBe(4);
    await stop(p);

    const down = await runTrustProcess(['node', 'list', ...S()]);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/no trusted server is running with state directory .*; start it with 'pia-trust serve --state /);
  });

  it('restart keeps registry, grants and audit; the chain continues; audit verify passes, then names a tampered record', async () => {
    const before = await cli(['audit', 'tail', '-n', '1', '--json', ...S()]);
    const lastSeq = (JSON.parse(before.stdout) as { seq: number }).seq;
    const { p } = await serve();
    const nodes = JSON.parse((await cli(['node', 'list', '--json', ...S()])).stdout) as { label: string; status: string }[];
    expect(nodes.map((n) => `${n.label}:${n.status}`).sort()).toEqual(['alice:active', 'mallory:revoked', 'rack1-gw:active', 'trusted server:active']);
    const grants = JSON.parse((await cli(['grant', 'list', '--json', ...S()])).stdout) as { subject: string; rights: string[] }[];
    expect(grants).toEqual([expect.objectContaining({ subject: aliceId, rights: ['read', 'call:unlock'] })]);
    expect((await cli(['node', 'add', '--kind', 'station', '--label', 'line-1', ...S()])).code).toBe(0);
    await stop(p);

    const tail = await cli(['audit', 'tail', '-n', '2', ...S()]);
    expect(tail.stdout).toMatch(new RegExp(`^${lastSeq} \\S+ node-revoked .*\\n${lastSeq + 1} \\S+ node-enrolled .*label=line-1`));
    const ok = await runTrustProcess(['audit', 'verify', ...S()]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`: ${lastSeq + 1} records, chain intact; last hash [0-9a-f]{64}`));

    const log = join(state, 'audit.log');
    const lines = readFileSync(log, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"grant-added"'));
    lines[at] = (lines[at] ?? '').replace('"call:unlock"', '"call:open-all"');
    writeFileSync(log, lines.join('\n'));
    const broken = await runTrustProcess(['audit', 'verify', ...S()]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(new RegExp(`BROKEN at line ${at + 1}: record seq ${at + 1}: its hash does not match its content`));
  });

  it('a database copied without its master key cannot be opened (exit 5, the fix named); nor with another key', async () => {
    const elsewhere = join(root, 'copy');
    const again = join(root, 'copy2');
    for (const dir of [elsewhere, again]) {
      mkdirSync(dir, { mode: 0o700 });
      copyFileSync(join(state, 'trust.db'), join(dir, 'trust.db'));
    }
    const noKey = await runTrustProcess(['serve', '--state', elsewhere, '--pia', '[::1]:0', '--admin', '0']);
    expect(noKey.code).toBe(5);
    expect(noKey.stderr).toMatch(/trust\.db exists but its master key does not .* restore the master-key file from your backup or set PIA_TRUST_MASTER_KEY/);
    const otherKey = await runTrustProcess(['serve', '--state', again, '--pia', '[::1]:0', '--admin', '0'], { PIA_TRUST_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(otherKey.code).toBe(5);
    expect(otherKey.stderr).toMatch(/was created with a different master key/);
    expect(otherKey.stderr + noKey.stderr).not.toContain(aliceKey);
  });
});
