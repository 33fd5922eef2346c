/**
 * The real `piactl` program (a child process, real UDP on ::1) against the trusted server
 * (`startTrustServer`, what `pia-trust serve` runs, in a temporary state directory) and a
 * small gateway in this process: a PIA node with the identity `pia-trust node add` wrote, a
 * CoAP server over PIA with the gateway's policy, a fake fan served at ::1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import { CoapServer, piaTransport, type CoapTransport } from '../../coap/index.js';
import { FakeDevice } from '../../coap/test-support/index.js';
import { loadIdentity } from '../../pia/credential/index.js';
import { MemoryLatchStore } from '../../pia/discovery/index.js';
import { PiaNode, openUdpTransport } from '../../pia/node/index.js';
import { startTrustServer, type TrustServer } from '../../trust-server/index.js';
import { cli } from '../../trust-server/test-support/index.js';
import { gatewayPolicy, runPiactlProcess, startPiactl, stopAll } from './test-support/index.js';

let root: string;
let server: TrustServer;
let gateway: PiaNode;
let transport: CoapTransport;
let coap: CoapServer;
const fan = new FakeDevice({ name: 'rack-fan' });
const files = { alice: '', mallory: '' };
let gw = '';

async function addNode(kind: 'gateway' | 'operator', label: string): Promise<{ file: string; id: string }> {
  const file = join(root, `${label}.json`);
  const r = await cli(['node', 'add', '--kind', kind, '--label', label, '--out', file, '--state', join(root, 'state')]);
  expect(r.code, r.stderr).toBe(0);
  return { file, id: /node (\S+) \(/.exec(r.stdout)?.[1] ?? '' };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'piactl-proc-'));
  server = await startTrustServer({ stateDir: join(root, 'state'), pia: { address: '::1', port: 0 }, admin: { address: '127.0.0.1', port: 0 }, env: {}, log: () => undefined });
  const g = await addNode('gateway', 'rack1-gw');
  const alice = await addNode('operator', 'alice');
  const mallory = await addNode('operator', 'mallory');
  files.alice = alice.file;
  files.mallory = mallory.file;
  const grant = await cli(['grant', 'add', '--subject', alice.id, '--gateway', g.id, '--devices', 'rack-*', '--rights', 'read,control', '--state', join(root, 'state')]);
  expect(grant.code, grant.stderr).toBe(0);
  const { identity, trustServer } = loadIdentity(g.file);
  gateway = new PiaNode({ transport: await openUdpTransport({ address: '::1', port: 0 }), clock: systemClock(), latches: new MemoryLatchStore(), phase3: { identity, trustServer } });
  transport = piaTransport(gateway);
  coap = new CoapServer({ transports: [transport], clock: systemClock(), authorize: gatewayPolicy });
  coap.mount('::1', fan);
  gw = `[::1]:${gateway.local.port}`;
});

afterAll(async () => {
  await coap.close();
  await transport.close();
  await gateway.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});
afterEach(stopAll);

describe('piactl as a process', () => {
  it('get and set at phase 3 (URI and name targets, human and --json); an ungranted operator gets exit 4 with the reason', async () => {
    const get = await runPiactlProcess(['--credential', files.alice, '--gateway', gw, 'get', 'coap://[::1]/rack-fan/speed']);
    expect(get).toEqual({ code: 0, stdout: 'coap://[::1]/rack-fan/speed: 40 %\n', stderr: '' });

    const set = await runPiactlProcess(['set', 'rack-fan/speed', '75', '--json'], { env: { PIACTL_CREDENTIAL: files.alice, PIACTL_GATEWAY: gw } });
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ ok: true, command: 'set', target: 'coap://[::1]/rack-fan/speed', code: '2.04', value: 75, result: { value: 75 } });
    expect(fan.values.speed).toBe(75);

    const refused = await runPiactlProcess(['--credential', files.mallory, '--gateway', gw, 'set', 'rack-fan/speed', '100']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^piactl: not authorized: the trusted server denied phase 3 with gateway \[::1\]:\d+: .*no grant.*\(reason 5\)/);
    expect(fan.values.speed).toBe(75);
  });

  it('watch prints each new value and stops cleanly on SIGINT (exit 0)', async () => {
    const p = startPiactl(['--credential', files.alice, '--gateway', gw, 'watch', 'rack-fan/temperature']);
    await p.waitFor(/rack-fan\/temperature: 21\.5 Cel\n/);
    fan.emit('temperature', 24);
    await p.waitFor(/rack-fan\/temperature: 24 Cel\n/);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).toBe('');
    await expect.poll(() => coap.observerCount, { timeout: 5000 }).toBe(0);
  });
});
