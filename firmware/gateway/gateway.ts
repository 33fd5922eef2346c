/**
 * The gateway runtime: gateway.yaml + hardware → devices served as CoAP endpoints, plain and
 * over PIA, with policy, audit, health and metrics (issue 5 items 2, 4–7).
 *
 * Start (startGateway):
 *   1. the identity (identity.ts): from the ATECC608 (gateway.secureElement, through the
 *      hardware seam; the key stays in the chip) or the credential file (gateway.credential,
 *      from `pia-trust node add`): the gateway's ID, key and trusted server; gateway.id, when
 *      set, must be the same ID;
 *   2. the state directory and the local audit log (hash chain, common/audit);
 *   3. the devices built (build-devices.ts) and started, outputs first at their safe level
 *      (device-runner.ts) — before any socket, so a reboot never leaves an output undefined
 *      while the network comes up;
 *   4. the device addresses (firmware/addressing: prefix + RFC 7217-style IID from the
 *      gateway ID and each name) made usable: add-addresses / anyip-route, or loopback
 *      (one log line says so); the gateway's own PIA address is derived the same way from
 *      the reserved name "_gateway" (no device can have it: names start with a letter), or
 *      is [::1] on loopback;
 *   5. PIA on [PIA address]:piaPort (pia-endpoint.ts; on loopback the socket is [::]:piaPort
 *      with [::1] as our address, so a trusted server on another host is reachable): latch
 *      store, discovery, phase 3;
 *   6. CoAP per device endpoint, plain and over PIA, and the directory of every device at the
 *      gateway's own address over PIA (serve-coap.ts), with the policy (access.ts), the
 *      audit trail (audit-trail.ts: phase 3, and any command that succeeded) and the count of
 *      unauthenticated refusals (refusal-summary.ts: phases 1–2, malformed CoAP, PIA drops;
 *      one summary record per minute at most);
 *   7. the MQTT uplink when config.mqtt is set (uplink-bridge.ts: its queue in the state
 *      directory, every device's state and events; nothing it does waits on the broker), then
 *      the admin HTTP endpoint (/healthz, /metrics) on a loopback port;
 *   8. audit "gateway-started"; one log line with what is served where.
 * A failure in 1–7 undoes what was done (devices stopped at their safe level first) and
 * rejects with a message naming the thing, the problem and the fix.
 *
 * Stop (close, on SIGTERM/SIGINT): new requests get 5.03, devices to their safe state
 * (bounded per device), the uplink closed (the safe states queued first), CoAP and PIA
 * closed, addresses removed, admin closed, the pending refusal summary written, audit
 * "gateway-stopped", hardware closed.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { openFileAuditLog, type FileAuditLog } from '../../common/audit/index.js';
import { formatEndpoint } from '../../pia/discovery/index.js';
import { nodeIdToText } from '../../pia/phase3/index.js';
import { describeWho } from '../policy/index.js';
import { deriveDeviceAddresses, setupDeviceAddresses, systemCommandRunner, type AddressingSetup } from '../addressing/index.js';
import { startAdminServer } from './admin-http.js';
import { AuditTrail } from './audit-trail.js';
import { buildDevices } from './build-devices.js';
import { DeviceRunner, type ManagedDevice } from './device-runner.js';
import { toGatewayHardware } from './hardware.js';
import { healthReport } from './health.js';
import { GatewayStartError, loadGatewayIdentity } from './identity.js';
import { GatewayMetrics } from './metrics.js';
import { openPiaEndpoint, udpNetwork } from './pia-endpoint.js';
import { RefusalSummary, unauthenticatedRefusal } from './refusal-summary.js';
import { serveCoap } from './serve-coap.js';
import { UplinkBridge } from './uplink-bridge.js';
import { createUplink } from '../uplink/index.js';
import type { Gateway, GatewayDevice, GatewayOptions } from './types.js';

/** The reserved name the gateway's own PIA address is derived from (device names start with a letter). */
export const GATEWAY_ADDRESS_NAME = '_gateway';
export const LATCH_FILE = 'latches.json';
export const UPLINK_QUEUE_FILE = 'uplink.db';

export { GatewayStartError };

const text = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const lines = (l: Logger): { info(m: string): void; warn(m: string): void; error(m: string): void } => ({ info: (m) => l.info(m), warn: (m) => l.warn(m), error: (m) => l.error(m) });

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const { config, clock, logger } = o;
  const g = config.gateway;
  const log = lines(logger);
  const wall = o.wallClock ?? ((): Date => new Date());
  const undo: (() => Promise<void>)[] = [];
  const unwind = async (): Promise<void> => {
    for (const step of undo.reverse()) await step().catch((e: unknown) => log.warn(`start undo: ${text(e)}`));
  };
  const hardware = toGatewayHardware(o.hardware);
  undo.push(() => hardware.close());
  let credential;
  try {
    credential = await loadGatewayIdentity({ config, hardware, clock, log, ...(o.credential === undefined ? {} : { given: o.credential }) });
  } catch (e) {
    await unwind();
    throw e instanceof GatewayStartError ? e : new GatewayStartError(text(e));
  }
  const id = nodeIdToText(credential.identity.id);
  let audit: FileAuditLog;
  try {
    mkdirSync(g.stateDir, { recursive: true, mode: 0o700 });
    mkdirSync(dirname(g.auditLog), { recursive: true, mode: 0o700 });
    audit = openFileAuditLog(g.auditLog, { now: wall, warn: (m) => log.warn(m) });
  } catch (e) {
    await unwind();
    throw new GatewayStartError(`gateway state: ${text(e)} (gateway.stateDir ${g.stateDir}, gateway.auditLog ${g.auditLog})`);
  }
  undo.push(() => Promise.resolve(audit.close()));

  // 3. devices first: outputs at their safe level before anything else
  const built = await buildDevices(config.devices, { hardware, clock, ...(o.random === undefined ? {} : { random: o.random }) });
  const runner = new DeviceRunner(built, { clock, log: lines(logger.child({ component: 'devices' })), ...(o.timeouts?.deviceStartMs === undefined ? {} : { startTimeoutMs: o.timeouts.deviceStartMs }), ...(o.timeouts?.deviceStopMs === undefined ? {} : { stopTimeoutMs: o.timeouts.deviceStopMs }) });
  undo.push(async () => void (await runner.stopAll()));
  for (const m of runner.devices) m.device.onEvent((e) => logDeviceEvent(logger, e));
  await runner.startAll();

  let closing = false;
  const metricsRef: { current?: GatewayMetrics } = {};
  const trail = new AuditTrail({ log: audit, onAppended: (event) => metricsRef.current?.auditAppended(event), onFailed: (m) => (metricsRef.current?.auditFailed(), log.error(m)) });
  const refusals = new RefusalSummary({ clock, wall, append: (event, fields) => trail.append(event, fields) });
  undo.push(() => Promise.resolve(refusals.close()));
  try {
    // 4. addresses
    const names = config.devices.map((d) => d.name);
    const derived = deriveDeviceAddresses({ prefix: g.prefix, gatewayId: id, deviceNames: [...names, GATEWAY_ADDRESS_NAME] });
    const gatewayAddress = derived[derived.length - 1]!;
    const exec = o.exec ?? systemCommandRunner();
    const addrLog = lines(logger.child({ component: 'addressing' }));
    const base = { iface: g.interface, exec, coapPort: g.coapPort, log: addrLog, ...(o.canAdminNetwork === undefined ? {} : { canAdminNetwork: o.canAdminNetwork }) };
    const setup = await setupDeviceAddresses(derived.slice(0, -1), g.addressing, base);
    undo.push(() => setup.teardown());
    let own: AddressingSetup | undefined;
    if (setup.mode === 'add-addresses') {
      own = await setupDeviceAddresses([gatewayAddress], 'add-addresses', { ...base, log: { info: () => undefined, warn: (m) => addrLog.warn(m) } });
      undo.push(() => own?.teardown() ?? Promise.resolve());
    }
    const loopback = setup.mode === 'loopback';
    const piaAddress = loopback ? '::1' : gatewayAddress.address;

    // 5. PIA
    const trustServer = g.trustServer ?? credential.trustServer;
    const network = o.network ?? udpNetwork();
    const piaLog = logger.child({ component: 'pia' });
    const pia = await openPiaEndpoint({
      network,
      bind: { address: loopback ? '::' : piaAddress, port: g.piaPort },
      localAddress: piaAddress,
      announceAddress: loopback ? undefined : piaAddress,
      clock,
      latchFile: join(g.stateDir, LATCH_FILE),
      credential,
      trustServer,
      log: lines(piaLog),
      wallNow: () => wall().getTime(),
      ...(o.pia?.random === undefined ? {} : { random: o.pia.random }),
      ...(o.pia?.limits === undefined ? {} : { limits: o.pia.limits }),
      ...(o.pia?.keyLogPath === undefined ? {} : { keyLogPath: o.pia.keyLogPath }),
    });
    undo.push(() => pia.close());

    // 6. CoAP
    const byName = new Map(runner.devices.map((m) => [m.name, m]));
    const endpoints = new Map(setup.endpoints.map((e) => [e.name, { address: e.address, port: e.port }]));
    const served = config.devices.map((d) => ({ managed: byName.get(d.name) as ManagedDevice, endpoint: endpoints.get(d.name) ?? { address: '::1', port: g.coapPort }, plainReads: d.plain === 'read-only' }));
    const coapLog = lines(logger.child({ component: 'coap' }));
    const coap = await serveCoap({
      devices: served,
      // On loopback the PIA socket listens on [::] and is reached as ::1 or 127.0.0.1: the directory answers at both.
      directory: { address: piaAddress, port: g.coapPort, ...(setup.mode === 'loopback' ? { aliases: ['::ffff:127.0.0.1'] } : {}) },
      network,
      node: pia.node,
      clock,
      ...(o.random === undefined ? {} : { random: o.random }),
      access: {
        discovery: pia.discovery,
        startExchange: (peer, options) => void pia.node.connect(peer, options).catch(() => undefined), // failures arrive as node events
        recordLatch: (a) => void pia.latches.record(a.peers, a.latch).catch((e: unknown) => coapLog.warn(`latch store: ${text(e)}`)),
        log: lines(piaLog),
        closing: () => closing,
        auditWritable: () => trail.writable,
      },
      onExchange: (record) => {
        metricsRef.current?.coapAnswered(record.ctx.phase === 1 ? 'plain' : 'pia', record.code);
        const refusal = unauthenticatedRefusal(record);
        if (refusal === undefined) trail.exchange(record);
        else refusals.refused(refusal, record.ctx.peer.address);
      },
      onMalformed: (from, ctx, problem) => {
        if (ctx.phase !== 3) refusals.refused({ phase: ctx.phase, code: 'malformed' }, ctx.peer.address);
        else coapLog.info(`CoAP: malformed datagram from ${formatEndpoint(from)} (${describeWho(ctx)}) dropped: ${problem}`);
      },
      log: coapLog,
    });
    undo.push(() => coap.close());
    pia.onEvent((e) => {
      if (e.kind === 'peer-dead') coap.dropPeer(e.peer);
      if ('source' in e) refusals.dropped(e.kind, e.source.address); // the node's drops are the events with a source (PiaDrop: tsc holds it)
    });

    // 7. uplink, health, metrics, admin
    const startedAtMs = clock.now();
    const devices: GatewayDevice[] = served.map((s, i) => ({
      name: s.managed.name,
      kind: s.managed.config.kind,
      config: s.managed.config,
      device: s.managed.device,
      address: derived[i]!.address,
      endpoint: s.endpoint,
      get running() {
        return s.managed.running;
      },
      health: () => s.managed.health(),
    }));
    const uplink = startUplink(o, id, served.map((s) => ({ name: s.managed.name, device: s.managed.device, health: () => s.managed.health() })));
    if (uplink !== undefined) undo.push(() => uplink.close());
    const metrics = new GatewayMetrics({
      ...(uplink === undefined ? {} : { uplink: () => uplink.health() }),
      devices: () => devices.map((d) => ({ name: d.name, kind: d.kind, health: d.health(), values: d.device.read(), properties: d.device.describe().properties })),
      piaCounters: () => pia.node.counters,
      trust: () => pia.trust,
      unauthenticated: () => refusals.totals(),
    });
    metricsRef.current = metrics;
    const health = (): Record<string, unknown> =>
      healthReport({
        gatewayId: id,
        label: credential.label,
        nowMs: clock.now(),
        startedAtMs,
        stopping: closing,
        addressing: setup.mode,
        devices: devices.map((d) => ({ name: d.name, kind: d.kind, health: d.health(), address: d.address, endpoint: d.endpoint })),
        pia: { address: piaAddress, port: pia.local.port, counters: pia.node.counters, trust: pia.trust },
        audit: { path: audit.path, writable: trail.writable },
        unauthenticated: refusals.health(),
        ...(uplink === undefined || config.mqtt === undefined ? {} : { uplink: { url: config.mqtt.url, ...uplink.health() } }),
      });
    const listen = o.adminListen === undefined ? g.adminListen : o.adminListen;
    const admin = listen === null ? undefined : await startAdminServer(listen, { health: () => ({ stopping: closing, body: health() }), metrics: async () => ({ contentType: metrics.contentType, text: await metrics.text() }), log });
    if (admin !== undefined) undo.push(() => admin.close());

    // 8. running
    trail.append('gateway-started', { gatewayId: id, devices: names.length, addressing: setup.mode, pia: formatEndpoint({ address: piaAddress, port: pia.local.port }) });
    logger.info(
      { gatewayId: id, addressing: setup.mode, pia: formatEndpoint({ address: piaAddress, port: pia.local.port }), admin: admin?.address, devices: devices.map((d) => `${d.name} ${formatEndpoint(d.endpoint)}`) },
      `gateway ${id} serving ${devices.length} device(s): plain CoAP per device, PIA on ${formatEndpoint({ address: piaAddress, port: pia.local.port })}${admin === undefined ? '' : `, health and metrics on http://${formatEndpoint(admin.address)}`}`,
    );

    let closed: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closed ??= (async () => {
        closing = true;
        logger.info('gateway stopping: devices to their safe state, then sockets and addresses');
        const outcomes = await runner.stopAll();
        await uplink?.close().catch((e: unknown) => log.warn(`stop: uplink: ${text(e)}`));
        for (const step of [() => coap.close(), () => pia.close(), () => own?.teardown() ?? Promise.resolve(), () => setup.teardown(), () => admin?.close() ?? Promise.resolve()]) {
          await step().catch((e: unknown) => log.warn(`stop: ${text(e)}`));
        }
        refusals.close();
        trail.append('gateway-stopped', { gatewayId: id, devicesStopped: outcomes.filter((x) => x.outcome === 'stopped').length, devicesNotStopped: outcomes.filter((x) => x.outcome !== 'stopped').map((x) => `${x.name}: ${x.outcome}`) });
        audit.close();
        await hardware.close().catch((e: unknown) => log.warn(`stop: hardware: ${text(e)}`));
        logger.info('gateway stopped');
      })();
      return closed;
    };

    return {
      id,
      devices,
      device: (name) => devices.find((d) => d.name === name),
      addresses: devices.map((d) => ({ name: d.name, address: d.address, endpoint: d.endpoint })),
      addressing: setup.mode,
      pia: { node: pia.node, address: piaAddress, port: pia.local.port, trust: pia.trust },
      admin: admin?.address,
      audit,
      observers: () => coap.servers.reduce((n, s) => n + s.observerCount, 0),
      uplink: () => uplink?.health(),
      health,
      metrics: () => metrics.text(),
      mount: (device, at = {}) => {
        if (closing) throw new Error(`the gateway is stopping: ${device.describe().name} cannot be mounted`);
        return coap.mount(device, { address: piaAddress, port: at.port ?? g.coapPort }, { plainReads: at.plainReads ?? false });
      },
      close,
    };
  } catch (e) {
    closing = true;
    await unwind();
    throw e instanceof GatewayStartError ? e : new GatewayStartError(text(e));
  }
}

/** The uplink (config.mqtt), its queue in the state directory; undefined without an mqtt section. */
function startUplink(o: GatewayOptions, gatewayId: string, devices: ConstructorParameters<typeof UplinkBridge>[1]): UplinkBridge | undefined {
  const mqtt = o.config.mqtt;
  if (mqtt === undefined) return undefined;
  const logger = o.logger.child({ component: 'uplink' });
  let uplink;
  try {
    uplink = createUplink({ config: { ...mqtt, ...o.uplink?.config }, queueFile: join(o.config.gateway.stateDir, UPLINK_QUEUE_FILE), clock: o.clock, logger, gatewayId, ...(o.uplink?.random === undefined ? {} : { random: o.uplink.random }) });
  } catch (e) {
    throw new GatewayStartError(`MQTT uplink: ${text(e)} (mqtt in ${o.config.source.file}, queue ${join(o.config.gateway.stateDir, UPLINK_QUEUE_FILE)})`);
  }
  return new UplinkBridge(uplink, devices, o.clock, (m) => logger.warn(m));
}

function logDeviceEvent(logger: Logger, e: { device: string; kind: string; severity: string; message: string }): void {
  const fields = { component: 'devices', device: e.device, event: e.kind };
  if (e.severity === 'alarm') logger.error(fields, e.message);
  else if (e.severity === 'warning') logger.warn(fields, e.message);
  else logger.info(fields, e.message);
}
