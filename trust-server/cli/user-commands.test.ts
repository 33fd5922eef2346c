/**
 * `pia-trust user …` in-process against an in-memory admin API: add/list/passwd/remove, the
 * audit records, every refusal, and the password never in any output, error or record.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countingHasher } from '../accounts/test-support.js';
import { apiArgs, cli, startAdminFixture, type AdminFixture, type CliResult } from '../test-support/index.js';

const PW = 'alice-first-passphrase';
const PW2 = 'alice-second-passphrase';

let fx: AdminFixture;
let dir: string;
let cleanup: () => void;
let api: string[];
let counted: ReturnType<typeof countingHasher>;
const outputs: string[] = [];

beforeEach(async () => {
  fx = await startAdminFixture();
  ({ dir, args: api, cleanup } = apiArgs(fx, 'pia-user-'));
  api.push('--state', join(dir, 'state'));
  counted = countingHasher();
  outputs.length = 0;
});
afterEach(async () => {
  // Whatever a test did, no output, error or audit record may carry a password.
  const everything = [...outputs, ...fx.audit.lines].join('\n');
  for (const pw of [PW, PW2, 'short-pw', 'as-an-argument-123']) expect(everything).not.toContain(pw);
  await fx.close();
  cleanup();
});

async function run(args: readonly string[], stdin?: string): Promise<CliResult> {
  const r = await cli([...args, ...api], {}, { hasher: counted.hasher, ...(stdin === undefined ? {} : { stdin }) });
  outputs.push(r.stdout, r.stderr);
  return r;
}

function passwordFile(text: string, mode = 0o600): string {
  const f = join(dir, `pw-${outputs.length}`);
  writeFileSync(f, text, { mode });
  chmodSync(f, mode);
  return f;
}

describe('pia-trust user', () => {
  it('adds from a file and from stdin, lists, changes a password, removes; each change is one audit record naming the account', async () => {
    expect(await run(['user', 'add', 'alice', '--role', 'owner', '--password-file', passwordFile(`${PW}\n`)])).toEqual({ code: 0, stdout: 'account alice (owner) added\n', stderr: '' });
    expect((await run(['user', 'add', 'ops.admin', '--role', 'admin', '--password-stdin'], `${PW2}\n`)).code).toBe(0);
    const hash = (await fx.store.accountPasswordHash('alice')) ?? '';
    expect(hash).toMatch(/^scrypt\$16\$1\$1\$/);
    expect(await counted.hasher.verify(PW, hash)).toBe(true);

    const list = await run(['user', 'list']);
    expect(list.stdout).toMatch(/^NAME +ROLE +STATUS +CREATED +UPDATED\nalice +owner +active .*\nops\.admin +admin +active /);
    const json = JSON.parse((await run(['user', 'list', '--json'])).stdout) as { name: string }[];
    expect(json.map((a) => a.name)).toEqual(['alice', 'ops.admin']);
    expect(JSON.stringify(json)).not.toContain('scrypt');

    expect(await run(['user', 'passwd', 'alice', '--password-stdin'], PW2)).toMatchObject({ code: 0, stdout: 'password of account alice changed\n' });
    expect(await counted.hasher.verify(PW2, (await fx.store.accountPasswordHash('alice')) ?? '')).toBe(true);
    expect(await run(['user', 'remove', 'alice'])).toMatchObject({ code: 0, stdout: 'account alice (owner) removed\n' });
    expect(await fx.store.getAccount('alice')).toBeUndefined();

    expect(fx.audit.all().map((r) => [r.event, r.account, r.role])).toEqual([
      ['account-added', 'alice', 'owner'],
      ['account-added', 'ops.admin', 'admin'],
      ['account-password-changed', 'alice', 'owner'],
      ['account-removed', 'alice', 'owner'],
    ]);
    expect(fx.audit.lines.join('\n')).not.toContain('scrypt');
  });

  it('refuses a password file others may read (exit 2, the fix named) and adds nothing', async () => {
    const f = passwordFile(PW, 0o644);
    const r = await run(['user', 'add', 'alice', '--role', 'owner', '--password-file', f]);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `pia-trust: password file ${f}: mode 0644 lets others read it; run 'chmod 600 ${f}' (and choose a new password if others could have read it)\n` });
    expect((await run(['user', 'add', 'alice', '--role', 'owner', '--password-file', passwordFile(PW, 0o640)])).code).toBe(2);
    expect((await run(['user', 'add', 'alice', '--role', 'owner', '--password-file', join(dir, 'missing')])).stderr).toMatch(/password file .*missing: cannot read \(ENOENT\); check the --password-file path/);
    expect(await fx.store.listAccounts()).toEqual([]);
    expect(fx.audit.all()).toEqual([]);
  });

  it('refuses a short or empty password without showing it', async () => {
    const short = await run(['user', 'add', 'alice', '--role', 'owner', '--password-stdin'], 'short-pw\n');
    expect(short).toEqual({ code: 2, stdout: '', stderr: 'pia-trust: the password on stdin: the password is too short; use at least 12 characters (a passphrase of several words is easiest)\n' });
    expect((await run(['user', 'add', 'alice', '--role', 'owner', '--password-stdin'], '\n')).stderr).toBe('pia-trust: the password on stdin is empty; write the password alone on one line\n');
    expect(await fx.store.listAccounts()).toEqual([]);
  });

  it('refuses bad arguments with exit 2, never taking or echoing a password given as an argument', async () => {
    const cases: [string[], RegExp][] = [
      [['user', 'add', 'alice', '--role', 'owner'], /user add: the password is missing; write it alone into a file of mode 0600 and give --password-file F, or pipe it with --password-stdin/],
      [['user', 'add', 'alice', '--role', 'owner', '--password-file', 'f', '--password-stdin'], /give --password-file F or --password-stdin, not both/],
      [['user', 'add', 'alice', 'as-an-argument-123', '--role', 'owner', '--password-stdin'], /takes one account name and no other argument; a password is never given as an argument/],
      [['user', 'passwd', 'as-an-argument-123!', '--password-stdin'], /the account name given to 'user passwd' is not valid \(not repeated here, in case it was a password\)/],
      [['user', 'add', 'alice', '--role', 'root', '--password-stdin'], /--role 'root' is not a role; write --role admin .* or --role owner/],
      [['user', 'add', '--role', 'owner', '--password-stdin'], /'pia-trust user add' needs the account name: pia-trust user add NAME/],
      [['user', 'remove', 'alice', '--password-stdin'], /--password-stdin does not apply to 'pia-trust user remove'/],
      [['user', 'add', 'alice', '--role', 'owner', '--password', 'x'], /unknown option '--password'/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args, PW);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(counted.calls()).toBe(0);
    expect(await fx.store.listAccounts()).toEqual([]);
  });

  it('the server refuses (exit 4) a duplicate, and passwd or remove of an unknown account', async () => {
    expect((await run(['user', 'add', 'alice', '--role', 'owner', '--password-stdin'], PW)).code).toBe(0);
    expect(await run(['user', 'add', 'alice', '--role', 'admin', '--password-stdin'], PW2)).toMatchObject({ code: 4, stderr: expect.stringMatching(/account "alice" exists already; choose another name, or 'pia-trust user passwd alice'/) as unknown });
    expect(await run(['user', 'remove', 'bob'])).toEqual({ code: 4, stdout: '', stderr: `pia-trust: no account "bob"; 'pia-trust user list' shows the accounts\n` });
    expect((await run(['user', 'passwd', 'bob', '--password-stdin'], PW2)).stderr).toBe(`pia-trust: no account "bob"; 'pia-trust user list' shows the accounts\n`);
    expect(fx.audit.all().map((r) => r.event)).toEqual(['account-added']);
  });

  it('the admin API takes only a hash: a plain "password" field is refused without being echoed', async () => {
    const r = await fx.call('POST', '/api/accounts', { name: 'alice', role: 'owner', password: PW });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('unknown field "password"; the fields are name, role, passwordHash (a password is never sent, only its hash)');
    const notHash = await fx.call('POST', '/api/accounts', { name: 'alice', role: 'owner', passwordHash: PW });
    expect(notHash.status).toBe(400);
    outputs.push(r.text, notHash.text);
  });
});
