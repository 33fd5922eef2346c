/**
 * The steps of `startGateway` (gateway.ts: its module comment numbers them and says the stop
 * order). Each opens one thing and returns it with the function that closes it (steps.ts), so
 * a start that fails closes what the steps before opened, last first.
 *
 * Must hold: a step that fails half way closes what it opened itself before it throws; the
 * log lines, audit records and error messages are the gateway's (firmware/gateway/README.md).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { openFileAuditLog, type FileAuditLog } from '../../common/audit/index.js';
import { formatEndpoint } from '../../pia/discovery/index.js';
import type { LoadedIdentity } from '../../pia/credential/index.js';
import { describeWho } from '../policy/index.js';
import { deriveDeviceAddresses, setupDeviceAddresses, systemCommandRunner, type AddressingSetup, type DeviceAddress, type SetupOptions } from '../addressing/index.js';
import type { GatewayConfig } from '../config/index.js';
import { createUplink } from '../uplink/index.js';
import { startAdminServer, type AdminHandlers, type AdminServer } from './admin-http.js';
import { AuditTrail } from './audit-trail.js';
import { buildDevices } from './build-devices.js';
import { OutputStore } from './output-store.js';
import { withBusStats, type CountedHardware } from './bus-stats.js';
import { DeviceRunner, type ManagedDevice, type StopOutcome } from './device-runner.js';
import { toGatewayHardware } from './hardware.js';
import { GatewayStartError } from './identity.js';
import type { GatewayMetrics } from './metrics.js';
import { openPiaEndpoint, type GatewayNetwork, type PiaEndpoint } from './pia-endpoint.js';
import { RefusalSummary, unauthenticatedRefusal } from './refusal-summary.js';
import { serveCoap, type CoapServing, type ServedDevice } from './serve-coap.js';
import { TrustReporter, type ReportedHealth } from './trust-report.js';
import type { Endpoint } from '../../pia/node/index.js';
import { nothingToClose, type Opened } from './steps.js';
import type { GatewayOptions } from './types.js';
import { SubjectGrants } from './subject-grants.js';
import { RevocationEndpoint, REVOCATION_PORT } from './revocation-endpoint.js';
import { UplinkBridge } from './uplink-bridge.js';
import { UplinkCommands } from './uplink-commands.js';

/** The reserved name the gateway's own PIA address is derived from (device names start with a letter). */
export const GATEWAY_ADDRESS_NAME = '_gateway';
export const LATCH_FILE = 'latches.json';
export const UPLINK_QUEUE_FILE = 'uplink.db';
/** Output devices' last commanded states (output-store.ts). */
export const OUTPUTS_DIR = 'outputs';

export type StepName = 'hardware' | 'audit' | 'devices' | 'records' | 'addresses' | 'own-address' | 'pia' | 'revocations' | 'coap' | 'report' | 'uplink' | 'admin';

export interface Lines {
  debug(m: string): void;
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
}

export const text = (e: unknown): string => (e instanceof Error ? e.message : String(e));
export const lines = (l: Logger): Lines => ({ debug: (m) => l.debug(m), info: (m) => l.info(m), warn: (m) => l.warn(m), error: (m) => l.error(m) });

/** 1. The hardware seam (the identity may come from its ATECC608); closed last. */
export function openHardware(o: GatewayOptions): Opened<CountedHardware> {
  const hardware = withBusStats(toGatewayHardware(o.hardware));
  return { value: hardware, close: () => hardware.close() };
}

/** 2. The state directory and the local audit log. */
export function openAudit(g: GatewayConfig['gateway'], wall: () => Date, log: Lines): Opened<FileAuditLog> {
  let audit: FileAuditLog;
  try {
    mkdirSync(g.stateDir, { recursive: true, mode: 0o700 });
    mkdirSync(dirname(g.auditLog), { recursive: true, mode: 0o700 });
    audit = openFileAuditLog(g.auditLog, { now: wall, warn: (m) => log.warn(m) });
  } catch (e) {
    throw new GatewayStartError(`gateway state: ${text(e)} (gateway.stateDir ${g.stateDir}, gateway.auditLog ${g.auditLog})`);
  }
  return { value: audit, close: () => Promise.resolve(audit.close()) };
}

export interface RunningDevices {
  readonly runner: DeviceRunner;
  /** What the close's stop did, device by device (for "gateway-stopped"). */
  readonly stopped: StopOutcome[];
}

/** 3. The devices built and started, outputs first at their safe level or onBoot state; the close stops them (each bounded, as onStop says). */
export async function startDevices(o: GatewayOptions, hardware: CountedHardware): Promise<Opened<RunningDevices>> {
  const outputs = new OutputStore(join(o.config.gateway.stateDir, OUTPUTS_DIR), (m) => o.logger.child({ component: 'devices' }).warn(m));
  const built = await buildDevices(o.config.devices, { hardware, busStats: hardware.busStats, outputs, clock: o.clock, ...(o.random === undefined ? {} : { random: o.random }) });
  const t = o.timeouts;
  const runner = new DeviceRunner(built, { clock: o.clock, log: lines(o.logger.child({ component: 'devices' })), ...(t?.deviceStartMs === undefined ? {} : { startTimeoutMs: t.deviceStartMs }), ...(t?.deviceStopMs === undefined ? {} : { stopTimeoutMs: t.deviceStopMs }) });
  const stopped: StopOutcome[] = [];
  const close = async (): Promise<void> => void stopped.push(...(await runner.stopAll()));
  for (const m of runner.devices) m.device.onEvent((e) => logDeviceEvent(o.logger, e));
  try {
    await runner.startAll();
  } catch (e) {
    await close();
    throw e;
  }
  return { value: { runner, stopped }, close };
}

export interface Records {
  readonly trail: AuditTrail;
  readonly refusals: RefusalSummary;
}

/** The audit trail and the count of unauthenticated refusals; the close writes the pending summary. */
export function openRecords(o: GatewayOptions, audit: FileAuditLog, wall: () => Date, metrics: { readonly current?: GatewayMetrics }, log: Lines): Opened<Records> {
  const trail = new AuditTrail({ log: audit, onAppended: (event) => metrics.current?.auditAppended(event), onFailed: (m) => (metrics.current?.auditFailed(), log.error(m)) });
  const refusals = new RefusalSummary({ clock: o.clock, wall, append: (event, fields) => trail.append(event, fields) });
  return { value: { trail, refusals }, close: () => Promise.resolve(refusals.close()) };
}

export interface Addresses {
  /** Every device's address in config order, then the gateway's own (GATEWAY_ADDRESS_NAME). */
  readonly derived: readonly DeviceAddress[];
  readonly setup: AddressingSetup;
  readonly loopback: boolean;
  /** The gateway's PIA address: its own derived address, or ::1 on loopback. */
  readonly piaAddress: string;
  /** The gateway's own derived address and how it is added (own-address step). */
  readonly own: { readonly address: DeviceAddress; readonly options: SetupOptions };
}

/** 4. The device addresses made usable: add-addresses, anyip-route or loopback (one log line says so). */
export async function setupAddresses(o: GatewayOptions, gatewayId: string): Promise<Opened<Addresses>> {
  const g = o.config.gateway;
  const derived = deriveDeviceAddresses({ prefix: g.prefix, gatewayId, deviceNames: [...o.config.devices.map((d) => d.name), GATEWAY_ADDRESS_NAME] });
  const gatewayAddress = derived[derived.length - 1]!;
  const exec = o.exec ?? systemCommandRunner();
  const log = lines(o.logger.child({ component: 'addressing' }));
  const base = { iface: g.interface, exec, coapPort: g.coapPort, log, ...(o.canAdminNetwork === undefined ? {} : { canAdminNetwork: o.canAdminNetwork }) };
  const setup = await setupDeviceAddresses(derived.slice(0, -1), g.addressing, base);
  const loopback = setup.mode === 'loopback';
  const own = { address: gatewayAddress, options: { ...base, log: { info: () => undefined, warn: (m: string) => log.warn(m) } } };
  return { value: { derived, setup, loopback, piaAddress: loopback ? '::1' : gatewayAddress.address, own }, close: () => setup.teardown() };
}

/** 4. The gateway's own PIA address, added next to the devices' (add-addresses only). */
export async function addOwnAddress(a: Addresses): Promise<Opened<void>> {
  if (a.setup.mode !== 'add-addresses') return { value: undefined, close: nothingToClose };
  const own = await setupDeviceAddresses([a.own.address], 'add-addresses', a.own.options);
  return { value: undefined, close: () => own.teardown() };
}

/** 5. PIA on [PIA address]:piaPort ([::]:piaPort on loopback): latch store, discovery, phase 3. */
export async function openPia(o: GatewayOptions, credential: LoadedIdentity, a: Addresses, network: GatewayNetwork, wall: () => Date): Promise<Opened<PiaEndpoint>> {
  const g = o.config.gateway;
  const pia = await openPiaEndpoint({
    network,
    bind: { address: a.loopback ? '::' : a.piaAddress, port: g.piaPort },
    localAddress: a.piaAddress,
    announceAddress: a.loopback ? undefined : a.piaAddress,
    clock: o.clock,
    latchFile: join(g.stateDir, LATCH_FILE),
    credential,
    trustServers: g.trustServer === undefined ? credential.trustServers : [g.trustServer],
    log: lines(o.logger.child({ component: 'pia' })),
    wallNow: () => wall().getTime(),
    ...(o.pia?.random === undefined ? {} : { random: o.pia.random }),
    ...(o.pia?.limits === undefined ? {} : { limits: o.pia.limits }),
    ...(o.pia?.keyLogPath === undefined ? {} : { keyLogPath: o.pia.keyLogPath }),
    ...(o.config.pia.suites === undefined ? {} : { suites: o.config.pia.suites }),
  });
  return { value: pia, close: () => pia.close() };
}

/** 5. Notices from the trusted server (docs/protocol.md §9.11): revoked nodes and removed grants, acted on at once. */
export function openRevocations(o: GatewayOptions, pia: PiaEndpoint, serverId: string, a: Addresses): Opened<RevocationEndpoint> {
  const clash = a.setup.endpoints.find((e) => e.port === REVOCATION_PORT);
  if (clash !== undefined) {
    throw new GatewayStartError(`gateway.coapPort ${o.config.gateway.coapPort} in ${o.config.source.file}: device "${clash.name}" would be served on inner port ${REVOCATION_PORT}, where the trusted server's revocation notices arrive (docs/protocol.md §9.11); set gateway.coapPort to ${REVOCATION_PORT + 1} or above (5683, the CoAP port, is the default)`);
  }
  const endpoint = new RevocationEndpoint({ node: pia.node, clock: o.clock, serverId, log: lines(o.logger.child({ component: 'revocations' })), ...(o.random === undefined ? {} : { random: o.random }) });
  return { value: endpoint, close: () => endpoint.close() };
}

/** Each configured device with the endpoint it is served at and its policy, in config order. */
export function servedDevices(config: GatewayConfig, runner: DeviceRunner, setup: AddressingSetup): ServedDevice[] {
  const byName = new Map(runner.devices.map((m) => [m.name, m]));
  const endpoints = new Map(setup.endpoints.map((e) => [e.name, { address: e.address, port: e.port }]));
  return config.devices.map((d) => ({ managed: byName.get(d.name) as ManagedDevice, endpoint: endpoints.get(d.name) ?? { address: '::1', port: config.gateway.coapPort }, plainReads: d.plain === 'read-only' }));
}

export interface CoapWiring {
  readonly served: readonly ServedDevice[];
  readonly addresses: Addresses;
  readonly pia: PiaEndpoint;
  readonly network: GatewayNetwork;
  readonly records: Records;
  readonly metrics: { readonly current?: GatewayMetrics };
  readonly closing: () => boolean;
}

/**
 * 6. CoAP per device endpoint, plain and over PIA, and the directory: the policy, the audit
 * trail, the refusal count. A PIA peer with an open Observe matters to the node (its death is
 * a warning, docs/protocol.md §3); a peer that died, closed (§6) or was forgotten loses its
 * observations at once.
 */
export async function serveDevices(o: GatewayOptions, w: CoapWiring): Promise<Opened<CoapServing>> {
  const { pia, records } = w;
  const coapLog = lines(o.logger.child({ component: 'coap' }));
  const piaLog = lines(o.logger.child({ component: 'pia' }));
  const coap = await serveCoap({
    devices: w.served,
    // On loopback the PIA socket listens on [::] and is reached as ::1 or 127.0.0.1: the directory answers at both.
    directory: { address: w.addresses.piaAddress, port: o.config.gateway.coapPort, ...(w.addresses.loopback ? { aliases: ['::ffff:127.0.0.1'] } : {}) },
    network: w.network,
    node: pia.node,
    clock: o.clock,
    ...(o.random === undefined ? {} : { random: o.random }),
    access: {
      discovery: pia.discovery,
      startExchange: (peer, options) => void pia.node.connect(peer, options).catch(() => undefined), // failures arrive as node events
      recordLatch: (a) => void pia.latches.record(a.peers, a.latch).catch((e: unknown) => coapLog.warn(`latch store: ${text(e)}`)),
      log: piaLog,
      closing: w.closing,
      auditWritable: () => records.trail.writable,
    },
    onExchange: (record) => {
      w.metrics.current?.exchange(record);
      const refusal = unauthenticatedRefusal(record);
      if (refusal === undefined) records.trail.exchange(record);
      else records.refusals.refused(refusal, record.ctx.peer.address);
    },
    onMalformed: (from, ctx, problem) => {
      if (ctx.phase !== 3) records.refusals.refused({ phase: ctx.phase, code: 'malformed' }, ctx.peer.address);
      else coapLog.info(`CoAP: malformed datagram from ${formatEndpoint(from)} (${describeWho(ctx)}) dropped: ${problem}`);
    },
    log: coapLog,
  });
  pia.node.setInterest((peer) => coap.observes(peer));
  pia.onEvent((e) => {
    if (e.kind === 'peer-dead' || e.kind === 'peer-closed' || e.kind === 'peer-forgotten') coap.dropPeer(e.peer);
    if ('source' in e) records.refusals.dropped(e.kind, e.source.address); // the node's drops are the events with a source (PiaDrop: tsc holds it)
  });
  return {
    value: coap,
    close: () => {
      pia.node.setInterest(undefined);
      return coap.close();
    },
  };
}

/** 7. The report of the devices and their health to the trusted server (trust-report.ts, docs/protocol.md §9.9). */
export function openTrustReport(o: GatewayOptions, pia: PiaEndpoint, trustServer: Endpoint, devices: () => readonly ReportedHealth[], wall: () => Date): Opened<TrustReporter> {
  const reporter = new TrustReporter({
    node: pia.node,
    trustServer,
    clock: o.clock,
    firmware: o.firmwareVersion ?? 'unknown',
    devices,
    log: lines(o.logger.child({ component: 'report' })),
    wallNow: () => wall().getTime(),
    ...(o.random === undefined ? {} : { random: o.random }),
  });
  return { value: reporter, close: () => reporter.close() };
}

/** What the uplink's commands need from the steps before (mqtt.subject: uplink-commands.ts, subject-grants.ts). */
export interface UplinkNeeds {
  readonly pia: PiaEndpoint;
  readonly trustServer: Endpoint;
  readonly trail: AuditTrail;
  readonly wall: () => Date;
  readonly closing: () => boolean;
  readonly metrics: { readonly current?: GatewayMetrics };
  /** Grants the trusted server withdrew (revocation-endpoint.ts): the subject's are re-fetched at once. */
  readonly revocations?: Pick<RevocationEndpoint, 'onGrantsWithdrawn'>;
}

/**
 * 7. The MQTT uplink (config.mqtt), its queue in the state directory; undefined without an mqtt
 * section. With mqtt.subject: the subject's grants from the trusted server and the command
 * intake (the uplink subscribes to commands only then).
 */
export function openUplink(o: GatewayOptions, gatewayId: string, served: readonly ServedDevice[], needs: UplinkNeeds): Opened<UplinkBridge | undefined> {
  const mqtt = o.config.mqtt;
  if (mqtt === undefined) return { value: undefined, close: nothingToClose };
  const logger = o.logger.child({ component: 'uplink' });
  const queueFile = join(o.config.gateway.stateDir, UPLINK_QUEUE_FILE);
  let uplink;
  try {
    uplink = createUplink({ config: { ...mqtt, ...o.uplink?.config }, queueFile, clock: o.clock, logger, gatewayId, wallNow: () => needs.wall().getTime(), ...(o.uplink?.random === undefined ? {} : { random: o.uplink.random }) });
  } catch (e) {
    throw new GatewayStartError(`MQTT uplink: ${text(e)} (mqtt in ${o.config.source.file}, queue ${queueFile})`);
  }
  const devices = served.map((s) => ({ name: s.managed.name, device: s.managed.device, health: () => s.managed.health() }));
  const subject = mqtt.subject;
  if (subject === undefined) {
    const bridge = new UplinkBridge(uplink, devices, o.clock, (m) => logger.warn(m));
    return { value: bridge, close: () => bridge.close() };
  }
  const grants = new SubjectGrants({ node: needs.pia.node, trustServer: needs.trustServer, subject, clock: o.clock, log: lines(logger), ...(o.random === undefined ? {} : { random: o.random }) });
  const unlistenWithdrawn = needs.revocations?.onGrantsWithdrawn((ids) => void grants.withdraw(ids)) ?? nothingToUnlisten;
  const broker = new URL(mqtt.url);
  const commands = new UplinkCommands({
    uplink,
    devices,
    subject,
    grants: () => grants.current(),
    client: { clientId: `pia-${gatewayId}`, ...(mqtt.username === undefined ? {} : { username: mqtt.username }), broker: { address: broker.hostname.replace(/^\[|\]$/g, ''), port: Number(broker.port || (mqtt.url.startsWith('mqtts') ? 8883 : 1883)) } },
    audit: needs.trail,
    clock: o.clock,
    wallNow: needs.wall,
    closing: needs.closing,
    onOutcome: (device, name, outcome) => needs.metrics.current?.command(device, name, 'mqtt', outcome),
  });
  const bridge = new UplinkBridge(uplink, devices, o.clock, (m) => logger.warn(m), {
    allowed: (d, a) => commands.allowed(d, a),
    onChange: (l) => grants.onChange(l),
    status: () => ({ subject, grants: grants.status(), commands: { ...commands.counters } }),
  });
  return { value: bridge, close: async () => (unlistenWithdrawn(), await grants.close(), await bridge.close()) };
}

function nothingToUnlisten(): void {}

/** 7. The admin HTTP endpoint (/healthz, /metrics) on gateway.adminListen; undefined when disabled (null). */
export async function openAdmin(o: GatewayOptions, handlers: AdminHandlers): Promise<Opened<AdminServer | undefined>> {
  const listen = o.adminListen === undefined ? o.config.gateway.adminListen : o.adminListen;
  if (listen === null) return { value: undefined, close: nothingToClose };
  const admin = await startAdminServer(listen, handlers);
  return { value: admin, close: () => admin.close() };
}

function logDeviceEvent(logger: Logger, e: { device: string; kind: string; severity: string; message: string }): void {
  const fields = { component: 'devices', device: e.device, event: e.kind };
  if (e.severity === 'alarm') logger.error(fields, e.message);
  else if (e.severity === 'warning') logger.warn(fields, e.message);
  else logger.info(fields, e.message);
}
