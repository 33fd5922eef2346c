/**
 * The station's enrollment client against a real trusted server (startTrustServer, its SQLite
 * store and audit log) on an in-memory network: generate, idempotent repeat, register, the
 * station refused after revocation, a non-station credential refused, the server down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadIdentity } from '../../pia/credential/index.js';
import { seededRandom } from '../../pia/handshake/test-support/index.js';
import { nodeIdFromText, nodeIdToText } from '../../pia/phase3/index.js';
import { ProvisioningError } from '../../identity/index.js';
import { factory, SERVER, type Factory } from '../test-support/factory.js';
import { EnrollClient } from './enroll-client.js';

let f: Factory | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

function client(fx: Factory, station = fx.station.identity): EnrollClient {
  return new EnrollClient({ node: fx.stationNode(), station, server: SERVER, clock: fx.clock, random: seededRandom('enroll-client') });
}

const REQUEST_ID = '7e57aaaa-0000-4000-8000-000000000001';

describe('EnrollClient', () => {
  it('gets a generated ID and key; the same requestId again gives the same, created false; the node is listed', async () => {
    f = await factory('enroll-gen');
    const c = client(f);
    const first = await f.clock.settle(c.enroll({ op: 'generate', requestId: REQUEST_ID, label: 'rack 4 gw', kind: 'gateway' }), 5);
    expect(first.created).toBe(true);
    expect(first.key).toHaveLength(32);
    const again = await f.clock.settle(client(f).enroll({ op: 'generate', requestId: REQUEST_ID, label: 'rack 4 gw', kind: 'gateway' }), 5);
    expect(again).toMatchObject({ created: false });
    expect(nodeIdToText(again.id)).toBe(nodeIdToText(first.id));
    expect(Buffer.from(again.key ?? []).equals(Buffer.from(first.key ?? []))).toBe(true);
    const list = await f.admin(['node', 'list']);
    expect(list.stdout).toContain(nodeIdToText(first.id));
    expect(list.stdout).toContain('rack 4 gw');
  });

  it('registers a board ID and key the station made; registering again is idempotent', async () => {
    f = await factory('enroll-reg');
    const id = nodeIdFromText('0b0a0d00-1111-4222-8333-444455556666');
    const key = new Uint8Array(32).fill(7);
    const r = await f.clock.settle(client(f).enroll({ op: 'register', id, key: Uint8Array.from(key), label: 'dev board', kind: 'gateway' }), 5);
    expect(r).toMatchObject({ created: true });
    const again = await f.clock.settle(client(f).enroll({ op: 'register', id, key: Uint8Array.from(key), label: 'dev board', kind: 'gateway' }), 5);
    expect(again).toMatchObject({ created: false });
  });

  it('a revoked station, and a credential that is not a station, are told to check the station credential', async () => {
    f = await factory('enroll-deny');
    const fx = f;
    const operatorFile = `${fx.dir}/op.json`;
    expect((await fx.admin(['node', 'add', '--kind', 'operator', '--label', 'bob', '--out', operatorFile])).code).toBe(0);
    const notStation = fx.clock.settle(client(fx, loadIdentity(operatorFile).identity).enroll({ op: 'generate', requestId: REQUEST_ID, label: 'x', kind: 'gateway' }), 5);
    await expect(notStation).rejects.toThrow(/refused station .*reason 10.*not a station.*pia-trust node add --kind station/);
    expect((await fx.admin(['node', 'revoke', nodeIdToText(fx.station.identity.id)])).code).toBe(0);
    const revoked = fx.clock.settle(client(fx).enroll({ op: 'generate', requestId: REQUEST_ID, label: 'x', kind: 'gateway' }), 5);
    await expect(revoked).rejects.toMatchObject({ kind: 'station-not-authorized' });
  });

  it('the trusted server down: server-unreachable, naming the endpoint and what to check', async () => {
    f = await factory('enroll-down');
    await f.stopServer();
    const err: unknown = await f.clock.settle(client(f).enroll({ op: 'generate', requestId: REQUEST_ID, label: 'x', kind: 'gateway' }).catch((e: unknown) => e), 50);
    expect(err).toBeInstanceOf(ProvisioningError);
    expect(err).toMatchObject({ kind: 'server-unreachable' });
    expect(String(err)).toMatch(/\[2001:db8:f::1\]:4500 unreachable.*pia-trust serve/);
  });

  it('a lost request and a lost answer are covered by resends; the server acts once', async () => {
    f = await factory('enroll-lossy');
    const fx = f;
    // ESP (non-zero SPI) and larger than a dummy or keepalive packet: an ENROLL or its ENROLL_RESULT
    const isEsp = (b: Uint8Array): boolean => b.length > 150 && (b[0] !== 0 || b[1] !== 0 || b[2] !== 0 || b[3] !== 0);
    let dropToServer = 1;
    let dropToStation = 1;
    const undo = fx.net.intercept((d) => {
      if (!isEsp(d.bytes)) return undefined;
      if (d.to.port === SERVER.port && dropToServer > 0) return dropToServer--, 'drop';
      if (d.from.port === SERVER.port && dropToServer === 0 && dropToStation > 0) return dropToStation--, 'drop';
      return undefined;
    });
    const r = await fx.clock.settle(client(fx).enroll({ op: 'generate', requestId: REQUEST_ID, label: 'lossy', kind: 'gateway' }), 5);
    undo();
    expect(dropToServer + dropToStation).toBe(0); // both losses happened
    expect(r.created).toBe(false); // the first copy that arrived created it (its answer was lost); the resend finds it
    const list = await fx.admin(['node', 'list']);
    expect(list.stdout.split('\n').filter((l) => l.includes('lossy'))).toHaveLength(1);
  });
});
