/**
 * `pia-trust db grant` and `pia-trust audit verify|tail --database` in-process against a
 * real PostgreSQL: the grant as the owner, then the audit commands as the limited role; a
 * database out of reach is exit 5 without the password; a broken chain is exit 1, named.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, startPostgres, type PostgresInstance } from '../../common/test-support/index.js';
import { MasterKey, openPostgresAuditLog, openPostgresStore } from '../store/index.js';
import { cli } from '../test-support/index.js';

let cluster: PostgresInstance;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster.stop();
});

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('pia-trust db grant and audit on the database', () => {
  it('grants the server role; as that role audit verify and tail work; tampering is exit 1, named', async () => {
    const url = await cluster.createDatabase('granted');
    await (await openPostgresStore({ url, masterKey: MasterKey.fromBytes(Buffer.alloc(32, 3)) })).close();
    await sql(url, "CREATE ROLE pia_srv LOGIN PASSWORD 'srv-secret-pw'");
    const grant = await cli(['db', 'grant', '--database', url, '--role', 'pia_srv']);
    expect(grant.code).toBe(0);
    expect(grant.stdout).toContain('GRANT SELECT, INSERT ON audit_log TO pia_srv;');
    const limited = url.replace(/\/\/[^@]*@/, '//pia_srv:srv-secret-pw@');
    const log = await openPostgresAuditLog({ url: limited });
    for (let i = 0; i < 3; i++) await log.append('grant-added', { grantId: `g${i}` });
    await log.close();
    const verify = await cli(['audit', 'verify', '--database', limited]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/: 3 records, chain intact; last hash [0-9a-f]{64}/);
    const tail = await cli(['audit', 'tail', '-n', '2', '--database', limited]);
    expect(tail.stdout.trim().split('\n').map((l) => l.split(' ').slice(2).join(' '))).toEqual(['grant-added grantId=g1', 'grant-added grantId=g2']);
    await sql(url, 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await sql(url, "UPDATE audit_log SET line = replace(line, '\"g1\"', '\"g7\"') WHERE seq = 2");
    const broken = await cli(['audit', 'verify', '--database', limited]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('BROKEN at line 2: record seq 2: its hash does not match its content: the record was changed; 1 records before it verified');
    for (const r of [verify, tail, broken]) expect(r.stdout + r.stderr).not.toContain('srv-secret-pw');
    expect(grant.stdout + grant.stderr).not.toContain(cluster.password);
  });

  it('a role that does not exist: exit 2 naming the fix; a database out of reach: exit 5 without the password', async () => {
    const url = await cluster.createDatabase('nogrant');
    await (await openPostgresStore({ url, masterKey: MasterKey.fromBytes(Buffer.alloc(32, 3)) })).close();
    const missing = await cli(['db', 'grant', '--database', url, '--role', 'nobody']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('role nobody does not exist; create it first');
    const port = await freeTcpPort();
    const away = await cli(['audit', 'verify', '--database', `postgres://someone:away-secret@127.0.0.1:${port}/x`]);
    expect(away.code).toBe(5);
    expect(away.stderr).toContain(`trust database postgres://someone@127.0.0.1:${port}/x is unavailable`);
    expect(away.stderr).not.toContain('away-secret');
  });
});
