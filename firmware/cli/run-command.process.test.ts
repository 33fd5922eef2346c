/**
 * `pia-gateway --config FILE --simulated` in-process on real sockets (loopback addressing on
 * [::1], the system clock): libcoap's coap-client-notls as the legacy client, an operator PIA
 * node with phase 3 through an in-process trusted server on [::1], /healthz and /metrics on
 * 127.0.0.1, a clean stop on the abort signal with the audit chain intact.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditFile } from '../../common/audit/index.js';
import { ManualClock, systemClock } from '../../common/index.js';
import { ProcessTracker, TSX } from '../../common/test-support/index.js';
import { startNotifyManager } from '../../common/systemd/test-support/index.js';
import { CoapClient, piaTransport } from '../../coap/index.js';
import { makeCredential, writeCredentialFile } from '../../pia/credential/index.js';
import { MemoryLatchStore } from '../../pia/discovery/index.js';
import { PiaNode, openUdpTransport } from '../../pia/node/index.js';
import { MemoryTrust } from '../../pia/node/test-support/index.js';
import { nodeIdToText } from '../../pia/phase3/index.js';
import { runGatewayCli } from './run-gateway-cli.js';
import { writeTestGatewayConfig } from './test-support.js';

const DEMO = fileURLToPath(new URL('../config/examples/demo-building.yaml', import.meta.url));
const tracker = new ProcessTracker();
const dirs: string[] = [];
afterEach(() => tracker.stopAll());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pia-gateway-run-'));
  dirs.push(d);
  return d;
}

function io(signal: AbortSignal): { out: string[]; err: string[]; io: Parameters<typeof runGatewayCli>[1] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, signal, env: {} } };
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('pia-gateway run: arguments and start failures', () => {
  it('--config is required; a bad file exits 1 with its problems; a missing credential exits 4 naming it', async () => {
    const a = io(new AbortController().signal);
    expect(await runGatewayCli(['run'], a.io)).toBe(2);
    expect(a.err.join('')).toMatch(/pia-gateway run: --config is missing/);

    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\ngateway: { prefix: nonsense }\ndevices: []\n');
    const b = io(new AbortController().signal);
    expect(await runGatewayCli(['--config', bad], b.io)).toBe(1);
    expect(b.err.join('')).toMatch(/bad\.yaml:2:/);

    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, readFileSync(DEMO, 'utf8').replace('credential: demo-state/credential.json', `credential: ${join(dir, 'missing.json')}`).replace('stateDir: demo-state', `stateDir: ${dir}/state`).replace('addressing: auto', 'addressing: loopback'));
    const c = io(new AbortController().signal);
    expect(await runGatewayCli(['run', '--config', file, '--simulated'], c.io)).toBe(4);
    expect(c.err.join('')).toMatch(/cannot start: credential file .*missing\.json: cannot read \(ENOENT\)/);
  });
});

describe('pia-gateway --config demo-building.yaml --simulated on real sockets', () => {
  const clock = systemClock();
  const trust = new MemoryTrust(new ManualClock());
  // The trusted server on 127.0.0.1, not [::1]: latching is per address (docs/protocol.md §4), and
  // the gateway's exchange with the server must not latch the address coap-client uses.
  let server: PiaNode;
  beforeAll(async () => {
    server = new PiaNode({ transport: await openUdpTransport({ address: '127.0.0.1', port: 0 }), clock, latches: new MemoryLatchStore(), phase3: { authority: trust.authority } });
  });
  afterAll(() => server.close());

  it('serves plain reads to coap-client, phase 3 over PIA, health and metrics, and stops cleanly', async () => {
    const dir = tempDir();
    const key = new Uint8Array(randomBytes(32));
    const gw = trust.register('gateway', 'run test', key);
    writeCredentialFile(join(dir, 'credential.json'), makeCredential({ id: gw.text, kind: 'gateway', label: 'run test' }, key, { address: '127.0.0.1', port: server.local.port, id: nodeIdToText(trust.serverId) }));
    const { file, piaPort, coapBase, adminPort } = await writeTestGatewayConfig(dir);
    const stop = new AbortController();
    const run = io(stop.signal);
    const exit = runGatewayCli(['--config', file, '--simulated'], run.io);
    await until('the gateway to serve', () => (run.out.join('').includes('serving 10 device(s)') ? true : undefined));
    const logLine = JSON.parse(run.out.find((l) => l.includes('serving 10 device(s)')) ?? '{}') as { level: number; time: string; gatewayId: string };
    expect(logLine).toMatchObject({ level: 30, gatewayId: gw.text });

    // 1. libcoap as a legacy client: plain read allowed on rack-temp, 4.01 with the reason on the door
    const temp = await until('a temperature over plain CoAP', async () => {
      const r = await tracker.run('coap-client-notls', ['-m', 'get', '-B', '5', `coap://[::1]:${coapBase}/rack-temp/temperature`]);
      return /"value":\s*-?\d/.test(r.stdout) ? r.stdout : undefined;
    });
    expect(JSON.parse(temp.trim())).toMatchObject({ unit: 'Cel' });
    const door = await tracker.run('coap-client-notls', ['-m', 'get', '-B', '5', `coap://[::1]:${coapBase + 5}/front-door/locked`]);
    expect(`${door.stdout}${door.stderr}`).toMatch(/4\.01/);
    expect(`${door.stdout}${door.stderr}`).toMatch(/needs PIA phase 3/);

    // 2. an operator over PIA with phase 3
    const op = trust.register('operator', 'run test operator');
    trust.grant(op.text, gw.text, '*', ['control']);
    const opNode = new PiaNode({ transport: await openUdpTransport({ address: '::1', port: 0 }), clock, latches: new MemoryLatchStore(), phase3: { identity: op.identity, trustServer: server.local } });
    const pia = { address: '::1', port: piaPort };
    const transport = piaTransport(opNode, { port: coapBase + 4, route: () => pia });
    const client = new CoapClient({ transport, clock });
    try {
      await opNode.connect(pia);
      await opNode.phase3Ready(pia, 10_000);
      const set = await client.put(`coap://[::1]:${coapBase + 4}/rack-fan/speed`, 55);
      expect(set.codeText).toBe('2.04');
      expect(set.ctx.phase).toBe(3);
    } finally {
      await client.close();
      await transport.close();
      await opNode.close();
    }

    // 3. health and metrics on loopback
    const health = (await (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).json()) as { devices: { name: string; status: string }[]; pia: { trust: { check: string } } };
    expect(health.devices.map((d) => d.name)).toContain('lobby-camera');
    expect(health.pia.trust.check).toBe('verified');
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(metrics).toMatch(/pia_gateway_device_reading\{device="rack-fan",property="speed",unit="%"\} 55/);

    // 4. stop
    stop.abort();
    expect(await exit).toBe(0);
    expect(run.out.join('')).toContain('"msg":"gateway stopped"');
    const audit = verifyAuditFile(join(dir, 'state', 'audit.log'));
    expect(audit).toMatchObject({ ok: true });
    const events = readFileSync(join(dir, 'state', 'audit.log'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(['gateway-started', 'command', 'refused-unauthenticated', 'gateway-stopped']); // coap-client's plain 4.01: summarized at stop
  });
});

describe('the pia-gateway process under a stand-in for systemd', () => {
  it('sends READY=1, WATCHDOG=1 and STOPPING=1, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const key = new Uint8Array(randomBytes(32));
    // A trusted server nobody answers at: the gateway starts all the same (its trust check stays pending).
    writeCredentialFile(join(dir, 'credential.json'), makeCredential({ id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', kind: 'gateway', label: 'process test' }, key, { address: '127.0.0.1', port: 9, id: '3f2504e0-4f89-41d3-9a0c-0305e82c3302' }));
    const { file } = await writeTestGatewayConfig(dir);
    const manager = await startNotifyManager(tracker, join(dir, 'notify.sock'));
    const gateway = tracker.start(TSX, ['firmware/cli/pia-gateway.ts', '--config', file, '--simulated'], { env: { NOTIFY_SOCKET: manager.socket, WATCHDOG_USEC: '400000' } });
    await gateway.waitFor(/serving 10 device\(s\)/);
    expect((await manager.waitFor('READY=1')).fields).toContainEqual(expect.stringMatching(/^STATUS=serving 10 device\(s\)/));
    await manager.waitFor('WATCHDOG=1');
    process.kill(gateway.child.pid ?? 0, 'SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect((await manager.waitFor('STOPPING=1')).fields).toContain('STATUS=stopping: devices to their safe state');
    expect(gateway.stdout()).not.toContain('could not send');
    expect(gateway.stdout()).toContain('"msg":"gateway stopped"');
    expect(verifyAuditFile(join(dir, 'state', 'audit.log'))).toMatchObject({ ok: true, records: 2 });
  });
});
