/**
 * The real `piactl` program (a child process, real UDP on ::1) against the trusted server
 * (`startTrustServer`, what `pia-trust serve` runs, in a temporary state directory) and a
 * small gateway in this process: a PIA node with the identity `pia-trust node add` wrote, a
 * CoAP server over PIA with the gateway's policy, a fake fan served at ::1; and a second
 * registered gateway (alice is granted on it too) answering where the first is expected. Each
 * test's piactl keeps its known-gateways file in a fresh temp folder (XDG_CONFIG_HOME).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import { piaTransport, type CoapServer, type CoapTransport } from '../../coap/index.js';
import { FakeDevice } from '../../coap/test-support/index.js';
import { createDeviceServer } from '../../firmware/gateway/index.js';
import { loadIdentity } from '../../pia/credential/index.js';
import { MemoryLatchStore } from '../../pia/discovery/index.js';
import { PiaNode, openUdpTransport } from '../../pia/node/index.js';
import { startTrustServer, type TrustServer } from '../../trust-server/index.js';
import { cli } from '../../trust-server/test-support/index.js';
import { piaOnlyAccess, runPiactlProcess, startPiactl, stopAll } from './test-support/index.js';

let root: string;
let server: TrustServer;
let gateway: PiaNode;
let impostor: PiaNode;
/** The child's environment: its known-gateways file in a fresh temp folder per test, never the real home. */
let env: Record<string, string>;
let configs = 0;
let transport: CoapTransport;
let coap: CoapServer;
const fan = new FakeDevice({ name: 'rack-fan' });
const files = { alice: '', mallory: '' };
const ids = { gateway: '', impostor: '' };
let gw = '';
let impostorAt = '';

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
  const x = await addNode('gateway', 'rack2-gw');
  for (const on of [g.id, x.id]) {
    const grant = await cli(['grant', 'add', '--subject', alice.id, '--gateway', on, '--devices', 'rack-*', '--rights', 'read,control', '--state', join(root, 'state')]);
    expect(grant.code, grant.stderr).toBe(0);
  }
  ids.gateway = g.id;
  ids.impostor = x.id;
  const node = async (file: string): Promise<PiaNode> => {
    const { identity, trustServer, serverId } = loadIdentity(file);
    return new PiaNode({ transport: await openUdpTransport({ address: '::1', port: 0 }), clock: systemClock(), latches: new MemoryLatchStore(), phase3: { identity, trustServer, trustServerId: serverId } });
  };
  gateway = await node(g.file);
  impostor = await node(x.file);
  impostorAt = `[::1]:${impostor.local.port}`;
  transport = piaTransport(gateway);
  const served = createDeviceServer({ transports: [transport], clock: systemClock(), access: piaOnlyAccess(systemClock(), gateway.local.port) });
  served.mount('::1', fan, { plainReads: false });
  coap = served.coap;
  gw = `[::1]:${gateway.local.port}`;
});

beforeEach(() => {
  env = { XDG_CONFIG_HOME: join(root, `config-${++configs}`) };
});

afterAll(async () => {
  await coap.close();
  await transport.close();
  await gateway.close();
  await impostor.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});
afterEach(stopAll);

describe('piactl as a process', () => {
  it('get and set at phase 3 (URI and name targets, human and --json); an ungranted operator gets exit 4 with the reason', async () => {
    const get = await runPiactlProcess(['--credential', files.alice, '--gateway', gw, '--gateway-id', ids.gateway, 'get', 'coap://[::1]/rack-fan/speed'], { env });
    expect(get).toEqual({ code: 0, stdout: 'coap://[::1]/rack-fan/speed: 40 %\n', stderr: '' });

    const set = await runPiactlProcess(['set', 'rack-fan/speed', '75', '--json'], { env: { ...env, PIACTL_CREDENTIAL: files.alice, PIACTL_GATEWAY: gw, PIACTL_GATEWAY_ID: ids.gateway } });
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ ok: true, command: 'set', target: 'coap://[::1]/rack-fan/speed', code: '2.04', value: 75, result: { value: 75 } });
    expect(fan.values.speed).toBe(75);

    const refused = await runPiactlProcess(['--credential', files.mallory, '--gateway', gw, 'set', 'rack-fan/speed', '100'], { env });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^piactl: not authorized: the trusted server denied phase 3 with gateway \[::1\]:\d+: .*no grant.*\(reason 5\)/);
    expect(fan.values.speed).toBe(75);
  });

  it('a stopped gateway: exit 3 at once (ICMP port unreachable), naming the address and the likely cause, not after --timeout', async () => {
    const probe = await openUdpTransport({ address: '::1', port: 0 });
    const stopped = `[::1]:${probe.local.port}`;
    await probe.close(); // nothing listens there now
    const t0 = performance.now();
    const r = await runPiactlProcess(['--credential', files.alice, '--gateway', stopped, '--timeout', '15000', 'get', 'coap://[::1]/rack-fan/speed'], { env });
    const elapsedMs = performance.now() - t0;
    expect(r).toEqual({ code: 3, stdout: '', stderr: `piactl: nothing listens on ${stopped} — is pia-gateway running? (the host answered ICMP port unreachable; check --gateway's port)\n` });
    expect(elapsedMs).toBeLessThan(5_000); // sanity bound, process start included: far below --timeout 15 s
    console.log(`piactl against a stopped gateway: exit ${r.code} after ${elapsedMs.toFixed(0)} ms (process start included)`);
  });

  it('watch prints each new value and stops cleanly on SIGINT (exit 0)', async () => {
    const p = startPiactl(['--credential', files.alice, '--gateway', gw, '--gateway-id', ids.gateway, 'watch', 'rack-fan/temperature'], env);
    await p.waitFor(/rack-fan\/temperature: 21\.5 °C\n/);
    fan.emit('temperature', 24);
    await p.waitFor(/rack-fan\/temperature: 24 °C\n/);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).toBe('');
    await expect.poll(() => coap.observerCount, { timeout: 5000 }).toBe(0);
  });

  it('first use records the gateway in the known-gateways file; another registered gateway where that one (or --gateway-id) is expected: exit 4 naming both', async () => {
    const first = await runPiactlProcess(['--credential', files.alice, '--gateway', gw, 'get', 'coap://[::1]/rack-fan/speed'], { env });
    expect(first.code, first.stderr).toBe(0);
    const known = join(env.XDG_CONFIG_HOME ?? '', 'piactl', 'known_gateways');
    expect(first.stderr).toBe(`piactl: permanently added gateway ${gw}, node ${ids.gateway} (gateway "rack1-gw"), to ${known}: from now on another node answering there is refused\n`);
    expect(statSync(known).mode & 0o777).toBe(0o600);
    // the gateway moved away and another registered gateway (alice is granted on it too) answers at its endpoint
    writeFileSync(known, readFileSync(known, 'utf8').replace(gw, impostorAt));
    const swapped = await runPiactlProcess(['--credential', files.alice, '--gateway', impostorAt, 'set', 'coap://[::1]/rack-fan/speed', '57'], { env });
    expect(swapped.code).toBe(4);
    expect(swapped.stderr).toMatch(new RegExp(`^piactl: not authorized: gateway \\[::1\\]:\\d+ is not the one expected: expected node ${ids.gateway} \\(from ${known}:2\\), but node ${ids.impostor} \\("rack2-gw"\\) answered, as the trusted server says`));
    const byId = await runPiactlProcess(['--credential', files.alice, '--gateway', impostorAt, '--gateway-id', ids.gateway, '--json', 'ping'], { env });
    expect(byId.code).toBe(4);
    expect(JSON.parse(byId.stdout)).toMatchObject({ ok: false, exitCode: 4, reason: 6, expected: { id: ids.gateway, from: '--gateway-id' }, answered: { id: ids.impostor, label: 'rack2-gw' } });
    expect(fan.values.speed).not.toBe(57);
  });
});
