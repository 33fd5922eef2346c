/**
 * Bench: Home Assistant through the MQTT uplink (firmware/uplink/README.md, "Commands"), in one
 * run, against a real Mosquitto (the Debian package) on a free port:
 *   1. the demo stack (scripts/demo: the trusted server, the gateway on the simulated building,
 *      real UDP on loopback, the system clock) with the uplink to the broker, Home Assistant
 *      discovery on, and the subject "home-assistant" holding read + control on every device;
 *      the room's heat load set to 0 so the fan's temperature fail-safe cannot take the output
 *      mid-run (as bench/gateway-command.ts);
 *   2. the entities: the discovery configs the broker retains, per device kind and component,
 *      and which of them a read-only grant leaves without a command topic (the same devices'
 *      descriptions through discoveryConfigs with a read-only `allowed`);
 *   3. a command's round trip, interleaved (the order swaps every round): Home Assistant's way
 *      — an mqtt.js client publishes the fan's percentage (60/80 alternately) on the discovered
 *      `percentage_command_topic` and waits for `…/speed/result` (the gateway answers after the
 *      subject's policy decision, Device.set → the PWM write and the audit append) — and the
 *      same command from alice's piactl session in this process (PIA phase 3, PUT
 *      rack-fan/speed). Every command must be a PWM write (the fan's `output` changes counted,
 *      the simulated fan's duty = the last value), or the figures mean nothing.
 * No target: the figures say what MQTT's extra hop (client → broker → gateway → broker →
 * client, two QoS 1 publishes) costs beside a direct CoAP exchange over PIA.
 *
 * The broker runs with `set_tcp_nodelay true` and Home Assistant's client with TCP_NODELAY, as
 * the gateway's uplink does (mqtt-uplink.ts): with Mosquitto's default and Nagle's algorithm on
 * the clients, every hop that answers a small write with another (PUBACK then the result)
 * waits for a delayed ACK, ~40 ms each; `--nagle` measures that configuration.
 *
 * Run: npx tsx bench/ha-command.ts [rounds, default 500] [--nagle]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { systemClock } from '../common/index.js';
import { freeTcpPort, freeUdpPorts, ProcessTracker } from '../common/test-support/index.js';
import { createGatewayLogger } from '../firmware/gateway/index.js';
import { discoveryConfigs, topicsFor } from '../firmware/uplink/index.js';
import { freePort, TestBroker } from '../firmware/uplink/test-support/index.js';
import { openSession } from '../operator/index.js';
import { summarize, type RttSummary } from '../pia/cli/index.js';
import { startDemoStack, type DemoStack } from '../scripts/demo/index.js';

const FAN = 'rack-fan';
const WARMUP = 50;
/** `--nagle`: the broker with Mosquitto's default (set_tcp_nodelay false) and Home Assistant's client without TCP_NODELAY. */
const NAGLE = process.argv.includes('--nagle');
type Json = Record<string, unknown> & { device?: { identifiers?: string[] } };

export interface HaCommandResult {
  /** Per device kind: component → entities (the gateway itself as kind "gateway"). */
  readonly entities: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Entities with a command topic under read + control, and what a read-only grant leaves of each. */
  readonly readOnly: readonly { readonly entity: string; readonly readOnly: string }[];
  readonly rounds: number;
  readonly mqtt: RttSummary;
  readonly piactl: RttSummary;
}

const until = async (cond: () => boolean, what: string, ms = 30_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** 2. Retained configs per kind and component; what a read-only grant leaves of each controllable entity. */
function entities(stack: DemoStack, configs: ReadonlyMap<string, Json>): Pick<HaCommandResult, 'entities' | 'readOnly'> {
  const gw = stack.ids.gateway;
  const kindOf = new Map(stack.gateway.devices.map((d) => [`${gw}_${d.name}`, d.kind]));
  const table: Record<string, Record<string, number>> = {};
  for (const [topic, c] of configs) {
    const component = topic.split('/')[1] ?? '?';
    const id = c.device?.identifiers?.[0] ?? '';
    const kind = id === gw ? 'gateway' : (kindOf.get(id) ?? '?');
    const row = (table[kind] ??= {});
    row[component] = (row[component] ?? 0) + 1;
  }
  const readOnly = discoveryConfigs({ discoveryPrefix: 'homeassistant', gatewayId: gw, topics: topicsFor('pia', gw), allowed: (_d, access) => access === 'read' }, stack.gateway.devices.map((d) => d.device.describe()));
  const objectOf = (topic: string): string => topic.split('/')[3] ?? '';
  const left = new Map(readOnly.map((m) => [objectOf(m.topic), m.topic.split('/')[1] ?? '']));
  const keyLeft = (device: string, key: string): string => left.get(`${device}_${key}`) ?? '';
  const out: { entity: string; readOnly: string }[] = [];
  for (const [topic, c] of configs) {
    if (!Object.keys(c).some((k) => k.endsWith('command_topic'))) continue;
    const [, component = '', , object = ''] = topic.split('/');
    const device = (c.device?.identifiers?.[0] ?? '').slice(gw.length + 1);
    const same = left.get(object);
    let what: string;
    if (same !== undefined) what = `${same}, no command topic`;
    else if (component === 'lock') what = `${keyLeft(device, 'locked')} locked (device class lock)`;
    else if (component === 'fan') what = `sensor ${keyLeft(device, 'speed') === '' ? '?' : 'speed'}`;
    else if (component === 'light') what = 'binary_sensor on, sensor level';
    else what = 'gone';
    out.push({ entity: `${component} ${object}`, readOnly: what });
  }
  return { entities: table, readOnly: out };
}

export async function main(rounds = 500): Promise<HaCommandResult> {
  const tracker = new ProcessTracker();
  const dir = mkdtempSync(join(tmpdir(), 'pia-bench-ha-'));
  const closers: (() => Promise<unknown>)[] = [() => Promise.resolve(rmSync(dir, { recursive: true, force: true })), () => tracker.stopAll()];
  try {
    // 1.
    const broker = new TestBroker(tracker, await freePort(), { listenerLines: NAGLE ? [] : ['set_tcp_nodelay true'] });
    await broker.start();
    const base = await freeUdpPorts(12);
    const stack = await startDemoStack({
      dir: join(dir, 'stack'),
      clock: systemClock(),
      ports: { trustPia: base, gatewayPia: base + 1, coap: base + 2, admin: await freeTcpPort(), web: 0 },
      addressing: 'loopback',
      logger: createGatewayLogger({ pretty: true, level: 'warn', destination: process.stderr }),
      log: (line) => (/^pia-trust (warn|error)/.test(line) ? console.error(line) : undefined),
      mqtt: { url: broker.url, rights: ['read', 'control'] },
    });
    closers.push(() => stack.close());
    stack.building.room.heatLoadW = 0;
    const gw = stack.ids.gateway;
    const fan = stack.gateway.device(FAN);
    if (fan === undefined) throw new Error(`bench: the demo gateway serves no ${FAN}`);
    let pwmWrites = 0;
    fan.device.onChange((p) => void (p === 'output' && pwmWrites++));

    // 2. Home Assistant's side: the retained configs, then the fan's command topic
    const ha = await mqtt.connectAsync(broker.url, { clientId: 'bench-home-assistant', clean: true, reconnectPeriod: 0 });
    closers.push(() => ha.endAsync(true));
    if (!NAGLE) (ha.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    const configs = new Map<string, Json>();
    const resultTopic = `pia/${gw}/${FAN}/speed/result`;
    let result: ((payload: string) => void) | undefined;
    ha.on('message', (topic, payload) => {
      if (topic === resultTopic) result?.(payload.toString());
      else if (topic.endsWith('/config') && payload.length === 0) configs.delete(topic);
      else if (topic.endsWith('/config')) configs.set(topic, JSON.parse(payload.toString()) as Json);
    });
    await ha.subscribeAsync(['homeassistant/#', resultTopic], { qos: 1 });
    const fanConfig = (): Json | undefined => configs.get(`homeassistant/fan/${gw}/${FAN}_fan/config`);
    await until(() => fanConfig() !== undefined, "the fan's discovery config with its command topic (the subject's grants fetched)");
    const commandTopic = fanConfig()?.percentage_command_topic;
    if (typeof commandTopic !== 'string') throw new Error('bench: the fan config has no percentage_command_topic');
    await new Promise((r) => setTimeout(r, 500)); // the rest of the retained configs
    const figures = entities(stack, configs);

    // 3.
    const io = { stdout: { write: () => true }, stderr: process.stderr, signal: new AbortController().signal, env: {} };
    const session = await openSession({ gateway: { address: '127.0.0.1', port: stack.gateway.pia.port }, credential: stack.credentials.alice, json: false, timeoutMs: 60_000, gatewayId: { id: gw, from: '--gateway-id' }, knownGateways: stack.knownGateways }, io);
    closers.push(() => session.close());
    let k = 0;
    const value = (): number => (k++ % 2 === 0 ? 60 : 80);
    const viaMqtt = async (): Promise<number> => {
      const v = value();
      const answered = new Promise<string>((res) => (result = res));
      const t0 = performance.now();
      await ha.publishAsync(commandTopic, String(v), { qos: 1 });
      const r = JSON.parse(await answered) as { ok?: boolean; reason?: string };
      const ms = performance.now() - t0;
      if (r.ok !== true) throw new Error(`bench: the MQTT command ${v} answered ${JSON.stringify(r)}`);
      return ms;
    };
    const viaPiactl = async (): Promise<number> => {
      const v = value();
      const t0 = performance.now();
      const r = await session.client.put(`coap://[${fan.endpoint.address}]:${fan.endpoint.port}/${FAN}/speed`, v);
      const ms = performance.now() - t0;
      if (!r.ok) throw new Error(`bench: piactl PUT ${v} answered ${r.codeText} ${r.text()}`);
      return ms;
    };
    const samples: [number[], number[]] = [[], []];
    for (let i = 0; i < WARMUP + rounds; i++) {
      for (const which of i % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
        const ms = await (which === 0 ? viaMqtt : viaPiactl)();
        if (i >= WARMUP) samples[which].push(ms);
      }
    }
    const last = (k - 1) % 2 === 0 ? 60 : 80;
    const duty = Math.round(stack.building.parts.fan.dutyFraction * 100);
    if (pwmWrites !== k || duty !== last) throw new Error(`bench: ${k} commands but ${pwmWrites} PWM writes, duty ${duty} % (last set ${last} %): a command did not reach the driver`);
    const r: HaCommandResult = { ...figures, rounds, mqtt: summarize(samples[0])!, piactl: summarize(samples[1])! };
    print(r);
    return r;
  } finally {
    for (const c of closers.reverse()) await c().catch((e: unknown) => console.error(`bench: closing: ${e instanceof Error ? e.message : String(e)}`));
  }
}

function print(r: HaCommandResult): void {
  console.log('Home Assistant discovery: retained configs per device kind (subject with read + control on every device)');
  for (const [kind, row] of Object.entries(r.entities).sort()) {
    console.log(`  ${kind.padEnd(12)} ${Object.entries(row)
      .sort()
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}`);
  }
  console.log(`With a read-only grant, ${r.readOnly.length} entities lose their command topic:`);
  for (const e of r.readOnly) console.log(`  ${e.entity.padEnd(44)} → ${e.readOnly}`);
  const ms = (x: number): string => x.toFixed(2);
  console.log(`\nCommand round trip to the PWM write (rack-fan speed 60/80 %), ${r.rounds} rounds each, interleaved, one process, real sockets on loopback, ${NAGLE ? "Mosquitto's default (Nagle on)" : 'TCP_NODELAY at the broker and both clients'}`);
  console.log('path                                                 median ms   p99 ms');
  console.log(`Home Assistant way: MQTT publish → Mosquitto → gateway → …/result   ${ms(r.mqtt.median).padStart(6)}  ${ms(r.mqtt.p99).padStart(7)}`);
  console.log(`piactl (in-process), CoAP over PIA phase 3                          ${ms(r.piactl.median).padStart(6)}  ${ms(r.piactl.p99).padStart(7)}`);
  console.log(`MQTT ÷ piactl                                                       ${(r.mqtt.median / r.piactl.median).toFixed(2).padStart(6)}  ${(r.mqtt.p99 / r.piactl.p99).toFixed(2).padStart(7)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main(Number(process.argv.slice(2).find((a) => a !== '--nagle') ?? 500));
