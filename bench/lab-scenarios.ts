/**
 * Bench: the slides' scenarios on the network lab (docs/lab.md, scripts/lab): how long from a
 * cold start of every host to each scenario's first command at phase 3, and what one command
 * costs on the wire over PIA against the same request in plain CoAP from the legacy host.
 *
 * Flow:
 *   1. t0; the lab's namespaces (createLab), then the real programs (startLabStack: pia-trust
 *      serve, the registrations through the pia-trust CLI, both pia-gateway run --simulated);
 *   2. tshark on the router's veth to dc;
 *   3. each scenario's first command, one after the other, with piactl on ops: the data
 *      center (alice: get rack-temp/temperature), building monitoring (bob: get
 *      front-door/locked), personal access (carol's phone: get safe/locked); for each, the
 *      piactl run's own time (process start, phase 2, phase 3, name lookup, the request) and
 *      the time since t0;
 *   4. alice reads rack-temp/humidity over PIA; the legacy host reads rack-temp/temperature
 *      and rack-temp/humidity with coap-client (both `plain: read-only`);
 *   5. the capture read with alice's key log: per request, the Ethernet frames of request and
 *      response over PIA and in plain CoAP, and their ratio; and the whole piactl run's frames
 *      (key exchange, phase 3, the listing, the request) against the plain request.
 *
 * Needs root, iproute2, tshark and libcoap3-bin (the netns tests' tools). Absolute times depend
 * on the machine (process starts dominate); the byte counts do not.
 *
 * Run: npx tsx bench/lab-scenarios.ts   (npm run bench:lab)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PIA_PORT, WIRE_FIELDS, cleanUpOnInterrupt, coapExchanges, createLab, piaFlows, piactl, readCapture, removeLeftoverLabs, startCapture, startLabStack, wiresharkHome, type Lab, type OperatorName } from '../scripts/lab/index.js';

interface FirstCommand {
  readonly scenario: string;
  readonly commandMs: number;
  readonly sinceColdStartMs: number;
}

export async function main(): Promise<void> {
  removeLeftoverLabs();
  const dir = mkdtempSync(join(tmpdir(), 'pia-lab-bench-'));
  const t0 = performance.now();
  const lab: Lab = createLab({ prefix: 'labbench' });
  const cleanUp = async (): Promise<void> => {
    await lab.remove();
    rmSync(dir, { recursive: true, force: true });
  };
  cleanUpOnInterrupt(cleanUp, (signal) => console.error(`bench: ${signal}: stopping every program and removing the lab`));
  try {
    const namespacesMs = performance.now() - t0;
    const stack = await startLabStack(lab, dir);
    const dc = stack.gateways.dc;
    const capture = await startCapture(lab, { iface: lab.routerInterfaces.dc ?? '', pcap: join(dir, 'dc.pcap'), probeFrom: 'ops', probeTo: dc.address });
    const keyLog = join(dir, 'keylog');
    const firsts: FirstCommand[] = [];
    const run = async (scenario: string, as: OperatorName, gateway: 'dc' | 'building', target: string): Promise<void> => {
      const start = performance.now();
      const r = await piactl(lab, stack, as, gateway, ['--suite', 'aes-gcm', 'get', target], { PIA_KEYLOG: keyLog });
      if (r.code !== 0) throw new Error(`bench: ${as}: piactl get ${target} exited ${r.code}: ${r.stderr}`);
      const end = performance.now();
      firsts.push({ scenario, commandMs: end - start, sinceColdStartMs: end - t0 });
    };
    await run('data center (alice)', 'alice', 'dc', 'rack-temp/temperature');
    await run('building monitoring (bob)', 'bob', 'building', 'front-door/locked');
    await run("personal access (carol's phone)", 'carol-phone', 'building', 'safe/locked');
    await run('data center, 2nd property', 'alice', 'dc', 'rack-temp/humidity');
    for (const path of ['rack-temp/temperature', 'rack-temp/humidity']) {
      const r = await lab.run('legacy', ['coap-client-notls', '-m', 'get', '-B', '5', `coap://[${dc.devices['rack-temp'] ?? ''}]/${path}`]);
      if (r.code !== 0) throw new Error(`bench: coap-client ${path} exited ${r.code}: ${r.stderr}`);
    }
    await capture.stop();

    const rows = await readCapture(lab, capture.pcap, { filter: 'ipv6 && udp', fields: WIRE_FIELDS, env: wiresharkHome(join(dir, 'ws'), readFileSync(keyLog, 'utf8')) });
    const pia = coapExchanges(rows, lab.hosts.ops.address).filter((e) => e.path !== '.well-known/core');
    const plain = coapExchanges(rows, lab.hosts.legacy.address);
    const flows = [...piaFlows(rows, lab.hosts.ops.address, dc.address, PIA_PORT).values()];

    console.log(`lab scenarios (${new Date().toISOString()}; 2 cores shared; times include tsx process starts)`);
    console.log(`cold start: namespaces ${namespacesMs.toFixed(0)} ms; pia-trust serving ${stack.timings.trustReadyMs.toFixed(0)} ms; registrations (pia-trust CLI) ${stack.timings.registeredMs.toFixed(0)} ms; both gateways serving ${stack.timings.gatewaysReadyMs.toFixed(0)} ms (these three counted from the namespaces being up)`);
    console.log('scenario                           first command (piactl run)   since cold start');
    for (const f of firsts) console.log(`${f.scenario.padEnd(34)} ${`${f.commandMs.toFixed(0)} ms`.padStart(26)}   ${`${f.sinceColdStartMs.toFixed(0)} ms`.padStart(16)}`);
    console.log('request (GET, request + response, Ethernet frames)   PIA (ESP)   plain CoAP   PIA / plain');
    for (const p of plain) {
      const over = pia.find((e) => e.path === p.path);
      if (over === undefined) continue;
      console.log(`${p.path.padEnd(52)} ${`${over.bytes} B`.padStart(9)}   ${`${p.bytes} B`.padStart(10)}   ${(over.bytes / p.bytes).toFixed(2).padStart(11)}`);
    }
    const plainGet = plain[0]?.bytes ?? 1;
    for (const [i, flow] of flows.entries()) {
      const total = flow.reduce((n, d) => n + d.bytes, 0);
      const kx = flow.filter((d) => d.kind === 'key-exchange').reduce((n, d) => n + d.bytes, 0);
      console.log(`whole piactl run #${i + 1} to dc: ${flow.length} datagrams, ${total} B (key exchange ${kx} B; phase 3, listing and request in ESP ${total - kx} B) = ${(total / plainGet).toFixed(1)} × one plain GET`);
    }
  } finally {
    await cleanUp();
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) await main();
