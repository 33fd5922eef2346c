/**
 * The /healthz document: the gateway as an operator or a supervisor needs to see it.
 *
 *   status   "ok" (every device ok and phase 3 with the trusted server verified), "degraded"
 *            (something is not: the lists below say what), or "stopping"
 *   devices  name, kind, status, consecutive failures, last error (message, wall-clock time
 *            and age), the last good poll (wall-clock time and seconds since), its address and
 *            where plain CoAP serves it (ages: the wall clock now minus the device's times)
 *   pia      the PIA endpoint, peers with an SA, a few node counters (deadPeers counts only
 *            peers that matter, docs/protocol.md §3: the trusted server, an operator
 *            observing; peersClosed those that said goodbye, peersForgotten the others that
 *            went silent), and the trust state: the trusted server, the check of our own
 *            credential, phase-3 outcomes
 *   unauthenticated  refusals at phase 1–2 and non-CoAP datagrams since start: the total, by
 *            phase and code, the summaries written to the audit log (refusal-summary.ts)
 *   uplink   (with an mqtt section) the broker URL, the connection state, queue depth, messages
 *            dropped by the queue cap, the last sequence number, failed attempts, the last
 *            error; "disconnected" makes the status "degraded" (control goes on regardless)
 *            and, with mqtt.subject, `commands`: the subject, its grants' last fetch, the MQTT
 *            commands counted (uplink-commands.ts)
 *   report   the last report to the trusted server (trust-report.ts): outcome (never, ok,
 *            failed), seconds since the last attempt and the last good one, why it failed
 * Must hold: nothing secret (no key, no SA material: SPIs are not even shown).
 */
import type { DeviceKind, Health } from '../../devices/model/index.js';
import type { PiaNodeCounters } from '../../pia/node/index.js';
import type { UplinkHealth } from '../uplink/index.js';
import type { TrustState } from './pia-endpoint.js';
import type { RefusalSummary } from './refusal-summary.js';
import type { ReportStatus } from './trust-report.js';

export interface HealthDevice {
  readonly name: string;
  readonly kind: DeviceKind;
  readonly health: Health;
  readonly address: string;
  readonly endpoint: { readonly address: string; readonly port: number };
}

export interface HealthInput {
  readonly gatewayId: string;
  readonly label: string;
  readonly nowMs: number;
  /** Clock.wallNow(): the devices' health times are wall-clock. */
  readonly wallNowMs: number;
  readonly startedAtMs: number;
  readonly stopping: boolean;
  readonly addressing: string;
  readonly devices: readonly HealthDevice[];
  readonly pia: { readonly address: string; readonly port: number; readonly counters: Readonly<PiaNodeCounters>; readonly trust: TrustState };
  readonly audit: { readonly path: string; readonly writable: boolean };
  readonly unauthenticated: ReturnType<RefusalSummary['health']>;
  /** The MQTT uplink, when configured. */
  readonly uplink?: UplinkHealth & { readonly url: string };
}

/** /healthz "report": the reporter's status with ages in seconds. */
export function reportHealth(r: ReportStatus, nowMs: number): Record<string, unknown> {
  return {
    outcome: r.outcome,
    ...(r.lastAttemptMs === undefined ? {} : { lastAttemptAgoS: seconds(nowMs - r.lastAttemptMs) }),
    ...(r.lastOkMs === undefined ? {} : { lastOkAgoS: seconds(nowMs - r.lastOkMs) }),
    ...(r.outcome === 'failed' && r.detail !== undefined ? { detail: r.detail } : {}),
    reports: r.reports,
    failures: r.failures,
  };
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** Seconds from an ISO 8601 time to `wallNowMs`, at least 0 (a clock set back; 0 for a time that does not parse). */
function wallAgeS(at: string, wallNowMs: number): number {
  const t = Date.parse(at);
  return Number.isFinite(t) ? seconds(Math.max(0, wallNowMs - t)) : 0;
}

export function healthReport(i: HealthInput): Record<string, unknown> {
  const devices = i.devices.map((d) => ({
    name: d.name,
    kind: d.kind,
    status: d.health.status,
    failures: d.health.failures,
    ...(d.health.lastError === undefined ? {} : { lastError: { message: d.health.lastError.message, at: d.health.lastError.at, agoS: wallAgeS(d.health.lastError.at, i.wallNowMs) } }),
    ...(d.health.lastOkAt === undefined ? {} : { lastOkAt: d.health.lastOkAt, lastOkAgoS: wallAgeS(d.health.lastOkAt, i.wallNowMs) }),
    address: d.address,
    endpoint: d.endpoint,
  }));
  const t = i.pia.trust;
  const c = i.pia.counters;
  const healthy = devices.every((d) => d.status === 'ok') && t.check === 'verified' && i.audit.writable && i.uplink?.state !== 'disconnected';
  return {
    status: i.stopping ? 'stopping' : healthy ? 'ok' : 'degraded',
    gateway: { id: i.gatewayId, label: i.label, uptimeS: seconds(i.nowMs - i.startedAtMs), addressing: i.addressing },
    devices,
    pia: {
      address: i.pia.address,
      port: i.pia.port,
      peers: [...t.peers.keys()],
      counters: {
        espIn: c.espIn,
        espOut: c.espOut,
        exchangesCompleted: c.exchangesCompleted,
        exchangesFailed: c.exchangesFailed,
        icvFailures: c.icvFailures,
        replays: c.replays,
        deadPeers: c.deadPeers,
        peersClosed: c.peersClosed,
        peersForgotten: c.peersForgotten,
      },
      trust: {
        server: t.trustServer,
        check: t.check,
        ...(t.checkDetail === undefined ? {} : { detail: t.checkDetail }),
        phase3: { granted: t.phase3Granted, denied: t.phase3Denied, failed: t.phase3Failed },
        ...(t.last === undefined ? {} : { last: { outcome: t.last.outcome, peer: t.last.peer, detail: t.last.detail, agoS: seconds(i.nowMs - t.last.atMs) } }),
      },
    },
    audit: i.audit,
    unauthenticated: i.unauthenticated,
    ...(i.uplink === undefined ? {} : { uplink: i.uplink }),
  };
}
