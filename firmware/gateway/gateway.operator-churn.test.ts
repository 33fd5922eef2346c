/**
 * Operators come and go (docs/protocol.md §3 "Peers that matter", §6 CLOSE), against the
 * whole gateway and the real trusted server in memory with one ManualClock: 200 `piactl get`
 * runs, each a fresh PIA node on its own port as each process is (in-process runPiactl: a
 * child process per command would take minutes), leave the gateway with no warning in its
 * log, no peer in /healthz but its trusted server, no dead peer counted and no key exchange
 * toward an operator, even after every timer of §3 has run out; programs whose CLOSE is lost
 * are forgotten quietly; an observer that vanishes is the one peer worth a warning.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPiactl } from '../../operator/index.js';
import type { PiaNodeEvent } from '../../pia/node/index.js';
import { TRUST_SERVER, trustedGateway, type TrustedGateway } from './test-support/index.js';

let t: TrustedGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const OPERATOR_ADDRESS = '2001:db8:a::1';
const WARN = 40; // pino's level numbers
const DEBUG = 20;
const SERVER = `[${TRUST_SERVER.address}]:${TRUST_SERVER.port}`;

interface PiaHealth {
  readonly peers: readonly string[];
  readonly counters: Readonly<Record<string, number>>;
}

const piaHealth = (g: TrustedGateway): PiaHealth => (g.gateway.health() as { pia: PiaHealth }).pia;
const warnings = (g: TrustedGateway, from: number): string[] => g.logs.slice(from).filter((l) => Number(l.level) >= WARN).map((l) => String(l.msg));

/** `piactl ARGS` in-process from a fresh port (a fresh process), its socket connected as piactl's is. */
async function piactl(g: TrustedGateway, credential: string, port: number, args: readonly string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await g.settle(
    runPiactl(['--credential', credential, '--gateway', `[${g.pia.address}]:${g.pia.port}`, '--gateway-id', g.gatewayId, ...args], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (err += s) },
      signal: new AbortController().signal,
      env: { XDG_CONFIG_HOME: join(g.dir, 'piactl-config') },
      clock: g.clock,
      openTransport: (o) => Promise.resolve(g.net.attach(OPERATOR_ADDRESS, port, { reportUnreachable: o.connectPeers === true })),
    }),
  );
  return { code, err };
}

async function granted(g: TrustedGateway, label: string, devices: string): Promise<string> {
  const op = await g.operatorCredential(label);
  const r = await g.admin(['grant', 'add', '--subject', op.id, '--gateway', g.gatewayId, '--devices', devices, '--rights', 'read']);
  expect(r.code, r.stderr).toBe(0);
  return op.file;
}

/**
 * Stops the gateway. Its stop waits for file writes (the latch store, docs/protocol.md §4, and
 * the audit log): after 200 operators that is real disk time, which a ManualClock settle alone
 * (a tight loop of simulated steps) would outrun.
 */
async function stop(g: TrustedGateway): Promise<void> {
  let done = false;
  const closing = g.gateway.close().then(() => (done = true));
  for (let i = 0; i < 6_000 && !done; i++) {
    await g.clock.advance(10);
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  // The simulated minute is spent; what remains is real disk time (slow on a loaded machine).
  if (!done) await Promise.race([closing, new Promise((r) => setTimeout(r, 30_000))]);
  if (!done) throw new Error('the gateway did not stop within 60 simulated seconds and 30 real ones');
  await closing;
}

/** Until the gateway's own phase 3 with the trusted server is verified (the one peer it keeps). */
async function ready(g: TrustedGateway): Promise<void> {
  for (let i = 0; i < 1000 && g.gateway.pia.trust.check !== 'verified'; i++) await g.clock.advance(10);
  expect(g.gateway.pia.trust.check).toBe('verified');
}

describe('operators that come and go', () => {
  it('200 piactl get runs: no warning, no stale peer in /healthz, no dead peer, no exchange toward an operator', async () => {
    const g = (t = await trustedGateway());
    await ready(g);
    const alice = await granted(g, 'alice', '*');
    const events: PiaNodeEvent[] = [];
    g.gateway.pia.node.onEvent((e) => events.push(e));
    const from = g.logs.length;
    expect(piaHealth(g).peers).toEqual([SERVER]);

    for (let i = 0; i < 200; i++) {
      const r = await piactl(g, alice, 41_000 + i, ['get', 'rack-temp/temperature']);
      expect(r, `run ${i}`).toMatchObject({ code: 0, err: '' });
    }
    expect(piaHealth(g).peers).toEqual([SERVER]); // every operator said goodbye (CLOSE, §6)
    await g.clock.advance(400_000); // past every dead-peer, rekey and hard-limit time of §3

    expect(warnings(g, from)).toEqual([]);
    expect(piaHealth(g).peers).toEqual([SERVER]);
    expect(piaHealth(g).counters).toMatchObject({ deadPeers: 0, peersClosed: 200, peersForgotten: 0 });
    expect(events.filter((e) => (e.kind === 'exchange-started' || e.kind === 'exchange-failed' || e.kind === 'peer-dead') && e.peer.address === OPERATOR_ADDRESS)).toEqual([]);
    expect(g.gateway.pia.node.tableSizes.peers).toBe(1); // the trusted server only
    const goodbyes = g.logs.slice(from).filter((l) => /closed the association \(done\)/.test(String(l.msg)));
    expect(goodbyes).toHaveLength(200);
    expect(goodbyes.every((l) => l.level === DEBUG)).toBe(true);
    expect(g.serverLog.filter((l) => /dead|failed/.test(l))).toEqual([]);
    await stop(g);
  }, 120_000);

  it('programs whose CLOSE is lost are forgotten quietly after 35 s; an observer that vanishes is the one warning', async () => {
    const g = (t = await trustedGateway());
    await ready(g);
    const alice = await granted(g, 'alice', '*');
    const from = g.logs.length;
    const dropClose = g.net.intercept((d) => (d.from.address === OPERATOR_ADDRESS && d.bytes.length === 40 ? 'drop' : undefined)); // §6: a CLOSE is 40 bytes
    for (let i = 0; i < 5; i++) expect((await piactl(g, alice, 42_000 + i, ['get', 'rack-temp/temperature'])).code).toBe(0);
    dropClose();
    expect(piaHealth(g).peers).toHaveLength(1 + 5); // the gateway did not hear them leave
    await g.clock.advance(400_000);
    expect(warnings(g, from)).toEqual([]);
    expect(piaHealth(g).peers).toEqual([SERVER]);
    expect(piaHealth(g).counters).toMatchObject({ deadPeers: 0, peersForgotten: 5 });

    // an operator with an open Observe matters (the gateway's interest): its silence is reported
    const erin = await g.operator('erin', '2001:db8:99::5');
    const grant = await g.admin(['grant', 'add', '--subject', erin.id, '--gateway', g.gatewayId, '--devices', 'office-temp', '--rights', 'read']);
    expect(grant.code, grant.stderr).toBe(0);
    await g.settle(erin.node.connect(g.pia));
    await g.settle(erin.node.phase3Ready(g.pia));
    const temp = g.gateway.device('office-temp')!;
    const obs = erin.client(g.pia).observe(`coap://[${temp.endpoint.address}]:${temp.endpoint.port}/office-temp/temperature`);
    expect((await g.settle(obs[Symbol.asyncIterator]().next())).value?.codeText).toBe('2.05');
    expect(g.gateway.observers()).toBe(1);
    await erin.node.close({ notifyPeers: false }); // the console's machine loses power
    await g.clock.advance(200_000); // notifications go out (Max-Age, confirmable ones): nothing comes back
    const warned = warnings(g, from);
    expect(warned).toEqual([`PIA: peer [2001:db8:99::5]:4500 dead: no authenticated packet for 35 s after we sent; SA torn down`]);
    expect(piaHealth(g).counters).toMatchObject({ deadPeers: 1 });
    expect(g.gateway.observers()).toBe(0);
    void obs.cancel();
  }, 60_000);
});
