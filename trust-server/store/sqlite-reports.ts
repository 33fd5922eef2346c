/**
 * Gateway reports on SQLite (migration 3): what each gateway last said about its devices and
 * firmware, one row per gateway, replaced by each report (types.ts `GatewayReport`).
 *
 * Must hold:
 * - a report is stored only for a registered gateway (a node of kind gateway);
 * - what is stored is bounded and checked (device names as grants select them, ≤ 256 devices,
 *   short texts without control characters), since the page shows it to people; a report is
 *   shown, never trusted for access (grants decide that).
 */
import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import type { SynchronousOps } from './ops.js';
import type { GatewayReport, NodeRecord, ReportedDevice } from './types.js';
import { isoTime, nodeIdText } from './validate.js';

export type ReportOps = Pick<SynchronousOps, 'recordGatewayReport' | 'gatewayReport'>;

export const MAX_REPORTED_DEVICES = 256;
const DEVICE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const STATUSES: readonly ReportedDevice['status'][] = ['ok', 'degraded', 'failed'];

interface ReportRow {
  gateway: string;
  firmware: string;
  devices: string;
  reported_at: string;
}

const invalid = (field: string, message: string): StoreError => new StoreError('invalid', message, field);

export function sqliteReportOps(db: Database.Database, getNode: (id: string) => NodeRecord | undefined): ReportOps {
  const upsert = db.prepare(
    'INSERT INTO gateway_reports (gateway, firmware, devices, reported_at) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (gateway) DO UPDATE SET firmware = excluded.firmware, devices = excluded.devices, reported_at = excluded.reported_at',
  );
  const select = db.prepare<[string], ReportRow>('SELECT gateway, firmware, devices, reported_at FROM gateway_reports WHERE gateway = ?');

  return {
    recordGatewayReport(report: GatewayReport): void {
      const gateway = nodeIdText(report.gateway, 'gateway');
      const node = getNode(gateway);
      if (node === undefined) throw new StoreError('not-found', `gateway report: node ${gateway} is not registered; only a registered gateway's report is kept`);
      if (node.kind !== 'gateway') throw invalid('gateway', `gateway report: node ${gateway} (${node.label}) is a ${node.kind}, not a gateway; only gateways report their devices`);
      const firmware = shortText(report.firmware, 'firmware', 64);
      const devices = deviceList(report.devices);
      upsert.run(gateway, firmware, JSON.stringify(devices), isoTime(report.reportedAt, 'reportedAt'));
    },

    gatewayReport(gatewayId: string): GatewayReport | undefined {
      let id: string;
      try {
        id = nodeIdText(gatewayId, 'gateway');
      } catch {
        return undefined;
      }
      const row = select.get(id);
      if (row === undefined) return undefined;
      let devices: ReportedDevice[];
      try {
        devices = deviceList(JSON.parse(row.devices) as unknown);
      } catch {
        throw new StoreError('corrupt', `gateway report of ${id}: its stored device list does not decode; the gateway's next report replaces it`);
      }
      return { gateway: row.gateway, firmware: row.firmware, devices, reportedAt: row.reported_at };
    },
  };
}

function shortText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length > max || /\p{Cc}/u.test(value)) throw invalid(field, `${field} must be text of at most ${max} characters without control characters`);
  return value;
}

function deviceList(value: unknown): ReportedDevice[] {
  if (!Array.isArray(value)) throw invalid('devices', 'devices must be a list of {name, kind, status, detail?}');
  if (value.length > MAX_REPORTED_DEVICES) throw invalid('devices', `devices lists ${value.length} devices; at most ${MAX_REPORTED_DEVICES} are kept per gateway`);
  const seen = new Set<string>();
  return (value as unknown[]).map((d, i) => {
    const field = `devices[${i}]`;
    if (typeof d !== 'object' || d === null) throw invalid(field, `${field} must be an object {name, kind, status, detail?}`);
    const o = d as Record<string, unknown>;
    if (typeof o.name !== 'string' || !DEVICE_NAME.test(o.name)) throw invalid(`${field}.name`, `${field}.name must be a device name: 1–64 of A–Z a–z 0–9 . _ -`);
    if (seen.has(o.name)) throw invalid(`${field}.name`, `${field}.name "${o.name}" appears twice; device names are unique on a gateway`);
    seen.add(o.name);
    const kind = shortText(o.kind, `${field}.kind`, 64);
    const status = STATUSES.find((s) => s === o.status);
    if (status === undefined) throw invalid(`${field}.status`, `${field}.status must be one of ${STATUSES.join(', ')}`);
    const detail = o.detail === undefined ? undefined : shortText(o.detail, `${field}.detail`, 200);
    return { name: o.name, kind, status, ...(detail === undefined ? {} : { detail }) };
  });
}
