/**
 * Gateway reports, whatever the engine (sqlite-reports.ts, pg-reports.ts): what a report may
 * hold, who may have one, and the stored row's mapping back to a `GatewayReport`.
 *
 * Must hold: what is stored is bounded and checked (device names as grants select them,
 * ≤ 256 devices, short texts without control characters), since the page shows it to people;
 * a report is shown, never trusted for access (grants decide that).
 */
import { StoreError } from './errors.js';
import type { GatewayReport, NodeRecord, ReportedDevice } from './types.js';
import { isoTime, nodeIdText } from './validate.js';

export const MAX_REPORTED_DEVICES = 256;
const DEVICE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const STATUSES: readonly ReportedDevice['status'][] = ['ok', 'degraded', 'failed'];

export interface ReportRow {
  gateway: string;
  firmware: string;
  devices: string;
  reported_at: string;
}

const invalid = (field: string, message: string): StoreError => new StoreError('invalid', message, field);

/** The row to store for `report`, once `node` (the report's gateway, looked up) is known. */
export function reportRow(report: GatewayReport, gateway: string, node: NodeRecord | undefined): ReportRow {
  if (node === undefined) throw new StoreError('not-found', `gateway report: node ${gateway} is not registered; only a registered gateway's report is kept`);
  if (node.kind !== 'gateway') throw invalid('gateway', `gateway report: node ${gateway} (${node.label}) is a ${node.kind}, not a gateway; only gateways report their devices`);
  const firmware = shortText(report.firmware, 'firmware', 64);
  const devices = deviceList(report.devices);
  return { gateway, firmware, devices: JSON.stringify(devices), reported_at: isoTime(report.reportedAt, 'reportedAt') };
}

/** The report's gateway ID in canonical form (checked). */
export const reportGateway = (report: GatewayReport): string => nodeIdText(report.gateway, 'gateway');

/** A lookup's gateway ID in canonical form, or undefined (garbage finds nothing). */
export function lookupGateway(gatewayId: string): string | undefined {
  try {
    return nodeIdText(gatewayId, 'gateway');
  } catch {
    return undefined;
  }
}

export function reportRecord(row: ReportRow): GatewayReport {
  let devices: ReportedDevice[];
  try {
    devices = deviceList(JSON.parse(row.devices) as unknown);
  } catch {
    throw new StoreError('corrupt', `gateway report of ${row.gateway}: its stored device list does not decode; the gateway's next report replaces it`);
  }
  return { gateway: row.gateway, firmware: row.firmware, devices, reportedAt: row.reported_at };
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
