/**
 * The gateway runtime: gateway.yaml + hardware → devices served as CoAP endpoints, plain and
 * over PIA, with policy, audit, health and metrics.
 *
 * Start (startGateway):
 *   1. the identity (identity.ts): from the ATECC608 (gateway.secureElement, through the
 *      hardware seam; the key stays in the chip) or the credential file (gateway.credential,
 *      from `pia-trust node add`): the gateway's ID, key and trusted server; gateway.id, when
 *      set, must be the same ID;
 *   2. the state directory and the local audit log (hash chain, common/audit);
 *   3. the devices built (build-devices.ts) and started, outputs first at their safe level or
 *      their onBoot state (lights: the last command, output-store.ts)
 *      (device-runner.ts) — before any socket, so a reboot never leaves an output undefined
 *      while the network comes up;
 *   4. the device addresses (firmware/addressing: prefix + RFC 7217-style IID from the
 *      gateway ID and each name) made usable: add-addresses / anyip-route, or loopback
 *      (one log line says so); the gateway's own PIA address is derived the same way from
 *      the reserved name "_gateway" (no device can have it: names start with a letter), or
 *      is [::1] on loopback;
 *   5. PIA on [PIA address]:piaPort (pia-endpoint.ts; on loopback the socket is [::]:piaPort
 *      with [::1] as our address, so a trusted server on another host is reachable): latch
 *      store, discovery, phase 3; the trusted server's revocation notices on it
 *      (revocation-endpoint.ts, docs/protocol.md §9.11: a revoked node's associations closed,
 *      a removed grant taken from every association, at once);
 *   6. CoAP per device endpoint, plain and over PIA, and the directory of every device at the
 *      gateway's own address over PIA (serve-coap.ts), with the policy (access.ts), the
 *      audit trail (audit-trail.ts: phase 3, and any command that succeeded) and the count of
 *      unauthenticated refusals (refusal-summary.ts: phases 1–2, malformed CoAP, PIA drops;
 *      one summary record per minute at most);
 *   7. the report of the devices and their health to the trusted server (trust-report.ts,
 *      docs/protocol.md §9.9: at phase 3, on a health change, every 5 minutes), the MQTT
 *      uplink when config.mqtt is set (uplink-bridge.ts: its queue in the state
 *      directory, every device's state and events; nothing it does waits on the broker; with
 *      mqtt.subject, commands from MQTT decided with that subject's grants from the trusted
 *      server and audited: uplink-commands.ts, subject-grants.ts), then
 *      the admin HTTP endpoint (/healthz, /metrics) on a loopback port;
 *   8. audit "gateway-started"; one log line with what is served where.
 * Each step is a function of start-steps.ts that returns what it opened and its close
 * (steps.ts). A failure in 1–7 closes what the steps before it opened, the last first, and
 * rejects with a message naming the thing, the problem and the fix.
 *
 * Stop (close, on SIGTERM/SIGINT): new requests get 5.03, devices to their safe state
 * (bounded per device), the uplink closed (the safe states queued first), CoAP and PIA
 * closed, the reports stopped, addresses removed, admin closed, the pending refusal summary written, audit
 * "gateway-stopped", hardware closed.
 */
import { formatEndpoint } from '../../pia/discovery/index.js';
import { nodeIdToText } from '../../pia/phase3/index.js';
import { healthReport, reportHealth } from './health.js';
import { GatewayStartError, loadGatewayIdentity } from './identity.js';
import { GatewayMetrics } from './metrics.js';
import { udpNetwork } from './pia-endpoint.js';
import {
  addOwnAddress,
  lines,
  openAdmin,
  openAudit,
  openHardware,
  openPia,
  openRecords,
  openRevocations,
  openTrustReport,
  openUplink,
  servedDevices,
  serveDevices,
  setupAddresses,
  startDevices,
  text,
  type StepName,
} from './start-steps.js';
import { Steps } from './steps.js';
import type { Gateway, GatewayDevice, GatewayOptions } from './types.js';

export { GATEWAY_ADDRESS_NAME, LATCH_FILE, UPLINK_QUEUE_FILE } from './start-steps.js';
export { GatewayStartError };

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const { config, clock, logger } = o;
  const g = config.gateway;
  const log = lines(logger);
  const wall = o.wallClock ?? ((): Date => new Date(clock.wallNow()));
  const steps = new Steps<StepName>((e) => log.warn(`start undo: ${text(e)}`));
  let closing = false;
  try {
    // 1. identity
    const hardware = await steps.open('hardware', () => openHardware(o));
    const credential = await loadGatewayIdentity({ config, hardware, clock, log, ...(o.credential === undefined ? {} : { given: o.credential }) });
    const id = nodeIdToText(credential.identity.id);
    // 2. state directory and audit log
    const audit = await steps.open('audit', () => openAudit(g, wall, log));
    // 3. devices first: outputs at their safe level before anything else
    const running = await steps.open('devices', () => startDevices(o, hardware));
    const metricsRef: { current?: GatewayMetrics } = {};
    const records = await steps.open('records', () => openRecords(o, audit, wall, metricsRef, log));
    const { trail, refusals } = records;
    // 4. addresses
    const addresses = await steps.open('addresses', () => setupAddresses(o, id));
    await steps.open('own-address', () => addOwnAddress(addresses));
    const { setup, piaAddress } = addresses;
    // 5. PIA
    const network = o.network ?? udpNetwork();
    const pia = await steps.open('pia', () => openPia(o, credential, addresses, network, wall));
    const revocations = await steps.open('revocations', () => openRevocations(o, pia, credential.serverId, addresses));
    // 6. CoAP
    const served = servedDevices(config, running.runner, setup);
    const coap = await steps.open('coap', () => serveDevices(o, { served, addresses, pia, network, records, metrics: metricsRef, closing: () => closing }));

    // 7. uplink, health, metrics, admin
    const startedAtMs = clock.now();
    const devices: GatewayDevice[] = served.map((s, i) => ({
      name: s.managed.name,
      kind: s.managed.config.kind,
      config: s.managed.config,
      device: s.managed.device,
      address: addresses.derived[i]!.address,
      endpoint: s.endpoint,
      get running() {
        return s.managed.running;
      },
      health: () => s.managed.health(),
    }));
    const trustServer = g.trustServer ?? credential.trustServer;
    const reportDevices = (): { name: string; kind: string; status: 'ok' | 'degraded' | 'failed'; lastError?: string }[] =>
      devices.map((d) => {
        const h = d.health();
        return { name: d.name, kind: d.kind, status: h.status, ...(h.lastError === undefined ? {} : { lastError: h.lastError.message }) };
      });
    const reporter = await steps.open('report', () => openTrustReport(o, pia, trustServer, reportDevices, wall));
    const uplink = await steps.open('uplink', () => openUplink(o, id, served, { pia, trustServer, trail, wall, closing: () => closing, metrics: metricsRef, revocations }));
    const metrics = new GatewayMetrics({
      ...(uplink === undefined ? {} : { uplink: () => uplink.health() }),
      devices: () => devices.map((d) => ({ name: d.name, kind: d.kind, health: d.health(), values: d.device.read(), properties: d.device.describe().properties })),
      piaCounters: () => pia.node.counters,
      trust: () => pia.trust,
      unauthenticated: () => refusals.totals(),
      buses: () => ({ i2c: hardware.busStats.i2cErrors(), modbus: hardware.busStats.modbusLines() }),
      build: { version: o.firmwareVersion ?? 'unknown', gatewayId: id },
    });
    metricsRef.current = metrics;
    const health = (): Record<string, unknown> => ({
      ...healthReport({
        gatewayId: id,
        label: credential.label,
        nowMs: clock.now(),
        wallNowMs: clock.wallNow(),
        startedAtMs,
        stopping: closing,
        addressing: setup.mode,
        devices: devices.map((d) => ({ name: d.name, kind: d.kind, health: d.health(), address: d.address, endpoint: d.endpoint })),
        pia: { address: piaAddress, port: pia.local.port, counters: pia.node.counters, trust: pia.trust },
        audit: { path: audit.path, writable: trail.writable },
        unauthenticated: refusals.health(),
        ...(uplink === undefined || config.mqtt === undefined ? {} : { uplink: { url: config.mqtt.url, ...uplink.health(), ...(uplink.subject() === undefined ? {} : { commands: uplink.subject() }) } }),
      }),
      report: reportHealth(reporter.status(), clock.now()),
    });
    const admin = await steps.open('admin', () => openAdmin(o, { health: () => ({ stopping: closing, body: health() }), metrics: async () => ({ contentType: metrics.contentType, text: await metrics.text() }), log }));

    // 8. running
    trail.append('gateway-started', { gatewayId: id, devices: config.devices.length, addressing: setup.mode, pia: formatEndpoint({ address: piaAddress, port: pia.local.port }) });
    logger.info(
      { gatewayId: id, addressing: setup.mode, pia: formatEndpoint({ address: piaAddress, port: pia.local.port }), admin: admin?.address, devices: devices.map((d) => `${d.name} ${formatEndpoint(d.endpoint)}`) },
      `gateway ${id} serving ${devices.length} device(s): plain CoAP per device, PIA on ${formatEndpoint({ address: piaAddress, port: pia.local.port })}${admin === undefined ? '' : `, health and metrics on http://${formatEndpoint(admin.address)}`}`,
    );

    let closed: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closed ??= (async () => {
        closing = true;
        logger.info('gateway stopping: devices to their safe state, then sockets and addresses');
        // The stop order (module comment), not the reverse of the start: devices first.
        await steps.close('devices');
        await steps.close('uplink').catch((e: unknown) => log.warn(`stop: uplink: ${text(e)}`));
        for (const step of ['report', 'coap', 'revocations', 'pia', 'own-address', 'addresses', 'admin'] as const) {
          await steps.close(step).catch((e: unknown) => log.warn(`stop: ${text(e)}`));
        }
        await steps.close('records');
        const outcomes = running.stopped;
        trail.append('gateway-stopped', { gatewayId: id, devicesStopped: outcomes.filter((x) => x.outcome === 'stopped').length, devicesNotStopped: outcomes.filter((x) => x.outcome !== 'stopped').map((x) => `${x.name}: ${x.outcome}`) });
        await steps.close('audit');
        await steps.close('hardware').catch((e: unknown) => log.warn(`stop: hardware: ${text(e)}`));
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
      report: () => reporter.status(),
      revocations: () => ({ ...revocations.counters }),
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
    await steps.unwind();
    throw e instanceof GatewayStartError ? e : new GatewayStartError(text(e));
  }
}
