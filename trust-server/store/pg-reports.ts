/**
 * Gateway reports on PostgreSQL: one row per gateway, replaced by each report, with the
 * SQLite engine's checks and errors (report-rules.ts). The gateway's node is locked FOR SHARE
 * while its report is written.
 */
import { readNode, shareNodes } from './pg-nodes.js';
import { prepared, type PgContext } from './pg-session.js';
import { lookupGateway, reportGateway, reportRecord, reportRow, type ReportRow } from './report-rules.js';
import type { GatewayReport, TrustStoreOps } from './types.js';

export type PgReportOps = Pick<TrustStoreOps, 'recordGatewayReport' | 'gatewayReport'>;

export function pgReportOps(ctx: PgContext): PgReportOps {
  return {
    recordGatewayReport(report: GatewayReport): Promise<void> {
      const gateway = reportGateway(report);
      return ctx.atomic(async (q) => {
        await shareNodes(q, [gateway]);
        const row = reportRow(report, gateway, await readNode(q, gateway));
        await q.query(prepared(
          'INSERT INTO gateway_reports (gateway, firmware, devices, reported_at) VALUES ($1, $2, $3, $4) ' +
            'ON CONFLICT (gateway) DO UPDATE SET firmware = excluded.firmware, devices = excluded.devices, reported_at = excluded.reported_at',
          [row.gateway, row.firmware, row.devices, row.reported_at],
        ));
      });
    },

    async gatewayReport(gatewayId: string): Promise<GatewayReport | undefined> {
      const id = lookupGateway(gatewayId);
      if (id === undefined) return undefined;
      const row = (await ctx.q.query<ReportRow>(prepared('SELECT gateway, firmware, devices, reported_at FROM gateway_reports WHERE gateway = $1', [id]))).rows[0];
      return row === undefined ? undefined : reportRecord(row);
    },
  };
}
