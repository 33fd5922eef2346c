/**
 * The soak's world, made as an installer would (docs/soak.md, "What runs"):
 *
 *  1. `pia-trust serve` at the trust place with a short ticket lifetime (`TICKET_LIFETIME_S`:
 *     an association rekeys at 80 % of it, docs/protocol.md §9.6), its admin API on its own
 *     loopback; `pia-trust node add` for the gateway and two operators, `grant add` for both;
 *  2. Mosquitto at the broker place, persistence on (a stopped broker keeps the watcher's
 *     session and the retained states);
 *  3. the MQTT watcher (mqtt-watcher.ts) at the watcher place, subscribed before the gateway
 *     publishes anything;
 *  4. `pia-gateway run --simulated` at the building place: the demo building
 *     (firmware/config/examples/demo-building.yaml) on loopback device addresses, PIA on
 *     [::]:port, the MQTT uplink to the broker with the smallest queue cap (`QUEUE_CAP`), so a
 *     broker outage drops and counts (firmware/uplink/README.md "Store and forward", 2);
 *  5. the steady operator (operator-load.ts) at the operator place, at phase 3.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort, freeUdpPorts } from '../../common/test-support/index.js';
import { tsxProgram, type SoakHosts } from './hosts.js';
import type { LoadPlan } from './operator-load.js';
import { SoakProgram } from './programs.js';

export const TICKET_LIFETIME_S = 20;
/** The uplink's smallest cap (docs/gateway.schema.json mqtt.maxQueueMessages minimum). */
export const QUEUE_CAP = 10;
const DEMO = fileURLToPath(new URL('../../firmware/config/examples/demo-building.yaml', import.meta.url));
/** The demo file's devices, in order: in loopback addressing device i serves on coapBase + i. */
const DEVICE_INDEX = { 'rack-temp': 0, 'office-climate': 2, 'rack-fan': 4, 'office-lights': 7 } as const;

export interface SoakWorld {
  readonly dir: string;
  readonly trust: SoakProgram;
  readonly broker: SoakProgram;
  readonly watcher: SoakProgram;
  readonly gateway: SoakProgram;
  readonly load: SoakProgram;
  readonly gatewayId: string;
  /** `[ADDR]:PORT`: the gateway's PIA endpoint, as the operators reach it. */
  readonly gatewayEndpoint: string;
  readonly adminPort: number;
  readonly brokerPort: number;
  /** piactl's session options for the second operator (`--credential … --gateway … --gateway-id …`). */
  readonly piactlOptions: readonly string[];
  readonly uri: (device: keyof typeof DEVICE_INDEX, property: string) => string;
  readonly all: readonly SoakProgram[];
}

const hostPort = (address: string, port: number): string => `[${address}]:${port}`;

export async function buildWorld(hosts: SoakHosts, dir: string, now: () => number, log: (m: string) => void): Promise<SoakWorld> {
  const ports = { trustPia: await freeUdpPorts(1), trustAdmin: await freeTcpPort(), broker: await freeTcpPort(), gatewayPia: await freeUdpPorts(1), coap: await freeUdpPorts(10), admin: await freeTcpPort() };
  const state = join(dir, 'trust-state');
  const trustCli = (args: readonly string[]): Promise<{ code: number | string; stdout: string; stderr: string }> => hosts.run('trust', tsxProgram('trust-server/cli/pia-trust.ts', [...args, '--state', state]), 30_000);

  // 1. the trusted server, the nodes and the grants
  const trust = new SoakProgram('pia-trust', 'trust', hosts, tsxProgram('trust-server/cli/pia-trust.ts', ['serve', '--state', state, '--pia', hostPort(hosts.bindAddress('trust'), ports.trustPia), '--advertise', hostPort(hosts.address('trust'), ports.trustPia), '--admin', `127.0.0.1:${ports.trustAdmin}`, '--ticket-lifetime', String(TICKET_LIFETIME_S)]), now);
  await trust.start().waitFor(/admin API on/, 60_000);
  const add = async (kind: string, label: string): Promise<{ id: string; file: string }> => {
    const file = join(dir, `${label}.json`);
    const r = await trustCli(['node', 'add', '--kind', kind, '--label', label, '--out', file]);
    const id = /node (\S+) \(/.exec(r.stdout)?.[1];
    if (r.code !== 0 || id === undefined) throw new Error(`soak setup: pia-trust node add ${label} failed (exit ${r.code}): ${r.stderr}${r.stdout}`);
    return { id, file };
  };
  const gw = await add('gateway', 'soak-gateway');
  const steady = await add('operator', 'soak-steady-operator');
  const piactl = await add('operator', 'soak-piactl');
  for (const op of [steady, piactl]) {
    const r = await trustCli(['grant', 'add', '--subject', op.id, '--gateway', gw.id, '--devices', '*', '--rights', 'read,control']);
    if (r.code !== 0) throw new Error(`soak setup: pia-trust grant add failed (exit ${r.code}): ${r.stderr}${r.stdout}`);
  }
  log(`trusted server up; gateway ${gw.id}, operators granted read,control on it`);

  // 2. the broker
  const brokerDir = join(dir, 'mosquitto');
  mkdirSync(brokerDir, { recursive: true });
  const conf = [`listener ${ports.broker} ${hosts.bindAddress('broker')}`, 'allow_anonymous true', ...(process.getuid?.() === 0 ? ['user root'] : []), 'persistence true', `persistence_location ${brokerDir}/`, 'autosave_interval 1', 'log_dest stderr', 'log_type error', 'log_type warning', 'max_queued_messages 100000'];
  writeFileSync(join(brokerDir, 'mosquitto.conf'), `${conf.join('\n')}\n`);
  const broker = new SoakProgram('mosquitto', 'broker', hosts, ['/usr/sbin/mosquitto', '-c', join(brokerDir, 'mosquitto.conf')], now);
  broker.start();
  await waitForBroker(hosts, ports.broker);

  // 3. the watcher
  const brokerUrl = `mqtt://${hostPort(hosts.address('broker'), ports.broker)}`;
  const watcher = new SoakProgram('mqtt-watcher', 'watcher', hosts, tsxProgram('scripts/soak/mqtt-watcher.ts', [brokerUrl, `pia/${gw.id}`]), now);
  await watcher.start().waitFor(/"type":"subscribed"/, 60_000);

  // 4. the gateway
  const gatewayDir = join(dir, 'gateway');
  mkdirSync(gatewayDir, { recursive: true });
  const mqtt = ['mqtt:', `  url: ${brokerUrl}`, '  prefix: pia', `  maxQueueMessages: ${QUEUE_CAP}`, '  reconnectMinMs: 200', '  reconnectMaxMs: 1000', '  healthIntervalMs: 5000', ''].join('\n');
  const yaml = readFileSync(DEMO, 'utf8')
    .replace('credential: demo-state/credential.json', `credential: ${gw.file}`)
    .replace('addressing: auto', 'addressing: loopback')
    .replace('piaPort: 4500', `piaPort: ${ports.gatewayPia}`)
    .replace('coapPort: 5683', `coapPort: ${ports.coap}`)
    .replace('adminListen: 127.0.0.1:9464', `adminListen: 127.0.0.1:${ports.admin}`)
    .replace('stateDir: demo-state', `stateDir: ${join(gatewayDir, 'state')}`)
    .replace('\npolicy:', `\n${mqtt}\npolicy:`);
  writeFileSync(join(gatewayDir, 'gateway.yaml'), yaml);
  const gateway = new SoakProgram('pia-gateway', 'gateway', hosts, tsxProgram('firmware/cli/pia-gateway.ts', ['run', '--config', join(gatewayDir, 'gateway.yaml'), '--simulated']), now);
  await gateway.start().waitFor(/serving 10 device\(s\)/, 90_000);
  const gatewayEndpoint = hostPort(hosts.address('gateway'), ports.gatewayPia);
  const uri = (device: keyof typeof DEVICE_INDEX, property: string): string => `coap://[::1]:${ports.coap + DEVICE_INDEX[device]}/${device}/${property}`;
  log(`gateway serving at ${gatewayEndpoint}, MQTT uplink to ${brokerUrl}`);

  // 5. the steady operator
  const plan: LoadPlan = {
    credential: steady.file,
    gateway: gatewayEndpoint,
    gatewayId: gw.id,
    home: dir,
    reads: [uri('rack-temp', 'temperature'), uri('office-climate', 'humidity'), uri('rack-fan', 'rpm'), uri('office-lights', 'level')],
    commands: [
      { uri: uri('rack-fan', 'speed'), values: [40, 60, 80, 55] },
      { uri: uri('office-lights', 'level'), values: [20, 70, 45] },
    ],
    pollIntervalMs: 500,
    commandIntervalMs: 3_000,
    timeoutMs: 5_000,
  };
  writeFileSync(join(dir, 'load-plan.json'), JSON.stringify(plan));
  const load = new SoakProgram('operator-load', 'operator', hosts, tsxProgram('scripts/soak/operator-load.ts', [join(dir, 'load-plan.json')]), now);
  load.start();
  const piactlOptions = ['--credential', piactl.file, '--gateway', gatewayEndpoint, '--gateway-id', gw.id];
  return { dir, trust, broker, watcher, gateway, load, gatewayId: gw.id, gatewayEndpoint, adminPort: ports.admin, brokerPort: ports.broker, piactlOptions, uri, all: [trust, broker, watcher, gateway, load] };
}

/** Until the broker accepts a TCP connection at its place (its log is block-buffered on a pipe: no line to wait for). */
export async function waitForBroker(hosts: SoakHosts, port: number, ms = 15_000): Promise<void> {
  const script = `const s=require('net').connect(${port},${JSON.stringify(hosts.bindAddress('broker') === '::' ? '::1' : hosts.bindAddress('broker'))});s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1))`;
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await hosts.run('broker', [process.execPath, '-e', script], 5_000)).code === 0) return;
    if (Date.now() > deadline) throw new Error(`soak: mosquitto did not accept on port ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
