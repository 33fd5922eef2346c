/**
 * Gateway reports on SQLite (migration 3): what each gateway last said about its devices and
 * firmware, one row per gateway, replaced by each report (types.ts `GatewayReport`).
 *
 * Must hold:
 * - a report is stored only for a registered gateway (a node of kind gateway);
 * - what is stored is bounded and checked (report-rules.ts), since the page shows it to
 *   people; a report is shown, never trusted for access (grants decide that).
 */
import type Database from 'better-sqlite3';
import { lookupGateway, reportGateway, reportRecord, reportRow, type ReportRow } from './report-rules.js';
import type { SynchronousOps } from './ops.js';
import type { GatewayReport, NodeRecord } from './types.js';

export type ReportOps = Pick<SynchronousOps, 'recordGatewayReport' | 'gatewayReport'>;


export function sqliteReportOps(db: Database.Database, getNode: (id: string) => NodeRecord | undefined): ReportOps {
  const upsert = db.prepare(
    'INSERT INTO gateway_reports (gateway, firmware, devices, reported_at) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (gateway) DO UPDATE SET firmware = excluded.firmware, devices = excluded.devices, reported_at = excluded.reported_at',
  );
  const select = db.prepare<[string], ReportRow>('SELECT gateway, firmware, devices, reported_at FROM gateway_reports WHERE gateway = ?');

  return {
    recordGatewayReport(report: GatewayReport): void {
      const gateway = reportGateway(report);
      const row = reportRow(report, gateway, getNode(gateway));
      upsert.run(row.gateway, row.firmware, row.devices, row.reported_at);
    },

    gatewayReport(gatewayId: string): GatewayReport | undefined {
      const id = lookupGateway(gatewayId);
      const row = id === undefined ? undefined : select.get(id);
      return row === undefined ? undefined : reportRecord(row);
    },
  };
}
