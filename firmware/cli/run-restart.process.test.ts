/**
 * Outputs across restarts of the real process (devices/README.md, "Outputs across restarts"):
 * `pia-gateway run --simulated` as a child process with a kept stateDir; an operator PIA node
 * with phase 3 (through an in-process trusted server on 127.0.0.1) switches the office lights on
 * and dims them; the child is killed (SIGKILL: no stop policy runs) or stopped (SIGTERM: the
 * stop policy, hold, runs); the next process, on a fresh virtual building as after a power
 * cycle of the simulated board, serves the lights on at the same level again: nothing to read
 * back from the hardware, so from the state kept in stateDir/outputs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditFile } from '../../common/audit/index.js';
import { ManualClock, systemClock } from '../../common/index.js';
import { ProcessTracker, TSX, type TrackedProcess } from '../../common/test-support/index.js';
import { CoapClient, piaTransport } from '../../coap/index.js';
import { makeCredential, writeCredentialFile } from '../../pia/credential/index.js';
import { MemoryLatchStore } from '../../pia/discovery/index.js';
import { PiaNode, openUdpTransport } from '../../pia/node/index.js';
import { MemoryTrust } from '../../pia/node/test-support/index.js';
import { nodeIdToText } from '../../pia/phase3/index.js';
import { writeTestGatewayConfig } from './test-support.js';

/** office-lights is the demo file's eighth device: its CoAP port in loopback addressing. */
const LIGHTS_OFFSET = 7;
const tracker = new ProcessTracker();
const dirs: string[] = [];
afterEach(() => tracker.stopAll());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('pia-gateway run: the lights across a restart of the process', () => {
  const clock = systemClock();
  const trust = new MemoryTrust(new ManualClock());
  let server: PiaNode;
  beforeAll(async () => {
    server = new PiaNode({ transport: await openUdpTransport({ address: '127.0.0.1', port: 0 }), clock, latches: new MemoryLatchStore(), phase3: { authority: trust.authority } });
  });
  afterAll(() => server.close());

  /** A gateway.yaml (demo building, loopback, free ports, stateDir "state") and its credential, in a fresh folder. */
  async function gatewayFolder(): Promise<{ dir: string; file: string; gatewayId: string; piaPort: number; coapBase: number }> {
    const dir = mkdtempSync(join(tmpdir(), 'pia-gateway-restart-'));
    dirs.push(dir);
    const key = new Uint8Array(randomBytes(32));
    const gw = trust.register('gateway', 'restart test', key);
    writeCredentialFile(join(dir, 'credential.json'), makeCredential({ id: gw.text, kind: 'gateway', label: 'restart test' }, key, { address: '127.0.0.1', port: server.local.port, id: nodeIdToText(trust.serverId) }));
    const { file, piaPort, coapBase } = await writeTestGatewayConfig(dir);
    return { dir, file, gatewayId: gw.text, piaPort, coapBase };
  }

  async function startGateway(file: string): Promise<TrackedProcess> {
    const gateway = tracker.start(TSX, ['firmware/cli/pia-gateway.ts', 'run', '--config', file, '--simulated'], { name: 'pia-gateway' });
    await gateway.waitFor(/serving 10 device\(s\)/, 30_000);
    return gateway;
  }

  /** Runs `fn` with a CoAP client on a fresh operator node that has phase 3 with the gateway. */
  async function asOperator<T>(g: { gatewayId: string; piaPort: number; coapBase: number }, fn: (lights: (property: string) => string, client: CoapClient) => Promise<T>): Promise<T> {
    const op = trust.register('operator', 'restart test operator');
    trust.grant(op.text, g.gatewayId, '*', ['control']);
    const node = new PiaNode({ transport: await openUdpTransport({ address: '::1', port: 0 }), clock, latches: new MemoryLatchStore(), phase3: { identity: op.identity, trustServer: server.local } });
    const pia = { address: '::1', port: g.piaPort };
    const port = g.coapBase + LIGHTS_OFFSET;
    const transport = piaTransport(node, { port, route: () => pia });
    const client = new CoapClient({ transport, clock });
    try {
      await node.connect(pia);
      await node.phase3Ready(pia, 10_000);
      return await fn((property) => `coap://[::1]:${port}/office-lights/${property}`, client);
    } finally {
      await client.close();
      await transport.close();
      await node.close();
    }
  }

  const valueOf = (r: { json(): unknown }): unknown => (r.json() as { value: unknown }).value;

  it.each(['SIGKILL', 'SIGTERM'] as const)('lights switched on through PIA are on again after %s and a new start', async (signal) => {
    const g = await gatewayFolder();
    const first = await startGateway(g.file);
    await asOperator(g, async (lights, client) => {
      expect(valueOf(await client.get(lights('on')))).toBe(false); // the first boot: nothing kept, the safe state
      const on = await client.put(lights('on'), true);
      expect([on.codeText, on.ctx.phase]).toEqual(['2.04', 3]);
      expect((await client.put(lights('level'), 40)).codeText).toBe('2.04');
    });
    const kept = join(g.dir, 'state', 'outputs', 'office-lights.json');
    expect(JSON.parse(readFileSync(kept, 'utf8'))).toEqual({ on: true, levelPct: 40 });
    expect(statSync(kept).mode & 0o777).toBe(0o600);

    process.kill(first.child.pid ?? 0, signal);
    expect(await first.exited).toBe(signal === 'SIGKILL' ? 'SIGKILL' : 0);
    expect(first.stdout().includes('"msg":"gateway stopped"')).toBe(signal === 'SIGTERM');

    const second = await startGateway(g.file);
    await asOperator(g, async (lights, client) => {
      const on = await client.get(lights('on'));
      expect([on.codeText, valueOf(on)]).toEqual(['2.05', true]);
      expect(valueOf(await client.get(lights('level')))).toBe(40);
    });
    process.kill(second.child.pid ?? 0, 'SIGTERM');
    expect(await second.exited).toBe(0);
    expect(verifyAuditFile(join(g.dir, 'state', 'audit.log'))).toMatchObject({ ok: true });
  });
});
