/**
 * Bench: revocation in seconds (docs/protocol.md §9.11). 100 operators each hold a phase-3
 * association with the demo gateway; each is revoked in turn through the admin API
 * (`POST /api/nodes/:id/revoke`, what `pia-trust node revoke` calls), and the time from that
 * answer arriving to the gateway having dropped the association (its node's 'sa-closed' for the
 * operator's endpoint) is taken. Target: p99 ≤ 5 s; the baseline is the rekey fallback of §9.4,
 * up to 160 s, which the gateway would otherwise wait.
 *
 * Flow:
 *   1. the demo stack (scripts/demo/stack.ts: trusted server, the gateway on the simulated
 *      building, real UDP on loopback);
 *   2. per operator: enrolled and granted read on every device through the admin API, a PIA
 *      node with its credential on 127.0.0.1, connected at phase 3 to the gateway (ten at a time);
 *   3. one revocation at a time: the admin API's answer → the gateway's 'sa-closed' for that
 *      operator; the notice may overtake the HTTP answer (the server tells the gateways as soon
 *      as the revocation commits), which counts as 0 ms and is reported;
 *   4. p50 / p99 / max, the count that arrived before the answer, and the ratio to the target.
 *
 * Run: npx tsx bench/revocation.ts [operators, default 100]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { systemClock } from '../common/index.js';
import { freeTcpPort, freeUdpPorts } from '../common/test-support/index.js';
import { summarize, type RttSummary } from '../pia/cli/index.js';
import { MemoryLatchStore, formatEndpoint } from '../pia/discovery/index.js';
import { PiaNode, openUdpTransport, type Endpoint } from '../pia/node/index.js';
import { nodeIdFromText } from '../pia/phase3/index.js';
import { fileNodeKey } from '../pia/phase3/index.js';
import { startDemoStack } from '../scripts/demo/index.js';

export const TARGET_P99_MS = 5_000;

export interface RevocationResult {
  readonly operators: number;
  readonly dropped: RttSummary;
  readonly beforeAnswer: number;
}

interface Credential {
  readonly id: string;
  readonly key: string;
  readonly server: { readonly address: string; readonly port: number; readonly id: string };
}

export async function main(count = 100): Promise<RevocationResult> {
  console.log(`revocation: npx tsx bench/revocation.ts ${count}`);
  const dir = mkdtempSync(join(tmpdir(), 'pia-bench-revocation-'));
  const base = await freeUdpPorts(16);
  const stack = await startDemoStack({ dir, clock: systemClock(), ports: { trustPia: base, gatewayPia: base + 1, coap: base + 2, admin: await freeTcpPort(), web: 0 }, addressing: 'loopback', logger: pino({ level: 'silent' }), log: () => undefined });
  const nodes: PiaNode[] = [];
  try {
    const token = readFileSync(stack.trust.paths.adminToken, 'utf8').trim();
    const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${stack.trust.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const answer = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`bench: admin API ${method} ${path} answered ${res.status}: ${JSON.stringify(answer)}`);
      return answer;
    };
    const gw: Endpoint = { address: '127.0.0.1', port: stack.gateway.pia.port };
    const closedAt = new Map<string, number>();
    stack.gateway.pia.node.onEvent((e) => {
      if (e.kind === 'sa-closed' && e.reason === 'closed' && !closedAt.has(formatEndpoint(e.peer))) closedAt.set(formatEndpoint(e.peer), performance.now());
    });

    // 2. the operators and their associations
    const operators: { id: string; at: string }[] = [];
    for (let first = 0; first < count; first += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, count - first) }, async (_, k) => {
          const { credential } = (await api('POST', '/api/nodes', { kind: 'operator', label: `bench-op-${first + k}` })) as unknown as { credential: Credential };
          await api('POST', '/api/grants', { subject: credential.id, gateway: stack.ids.gateway, devices: '*', rights: ['read'] });
          const node = new PiaNode({
            transport: await openUdpTransport({ address: '127.0.0.1', port: 0 }),
            clock: systemClock(),
            latches: new MemoryLatchStore(),
            phase3: { identity: { id: nodeIdFromText(credential.id), key: fileNodeKey(Buffer.from(credential.key, 'base64')) }, trustServer: { address: credential.server.address, port: credential.server.port }, trustServerId: credential.server.id },
          });
          nodes.push(node);
          await node.connect(gw, { expectPeer: stack.ids.gateway });
          await node.phase3Ready(gw, 60_000);
          operators.push({ id: credential.id, at: formatEndpoint({ address: '127.0.0.1', port: node.local.port }) });
        }),
      );
    }

    // 3. one revocation at a time
    const samples: number[] = [];
    let beforeAnswer = 0;
    for (const op of operators) {
      await api('POST', `/api/nodes/${op.id}/revoke`);
      const answered = performance.now();
      const deadline = answered + 30_000;
      while (!closedAt.has(op.at) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      const at = closedAt.get(op.at);
      if (at === undefined) throw new Error(`bench: the gateway kept the association with revoked operator ${op.id} (${op.at}) for 30 s`);
      if (at < answered) beforeAnswer++;
      samples.push(Math.max(0, at - answered));
    }

    // 4. figures
    const dropped = summarize(samples);
    if (dropped === undefined) throw new Error('bench: no revocations (operators must be ≥ 1)');
    console.log(`${count} revocations of an operator holding a phase-3 association with the demo gateway (real UDP on loopback)`);
    console.log(`revoke answered → association dropped   p50 ${dropped.median.toFixed(2)} ms   p99 ${dropped.p99.toFixed(2)} ms   max ${dropped.max.toFixed(2)} ms`);
    console.log(`dropped before the admin API's answer arrived: ${beforeAnswer} of ${count} (counted as 0 ms)`);
    console.log(`p99 ÷ target (${TARGET_P99_MS} ms) ${(dropped.p99 / TARGET_P99_MS).toFixed(4)}; the rekey fallback (docs/protocol.md §9.4) would take up to 160 000 ms`);
    return { operators: count, dropped, beforeAnswer };
  } finally {
    for (const n of nodes) await n.close({ notifyPeers: false });
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(Number(process.argv[2] ?? 100));
