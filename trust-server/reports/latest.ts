/**
 * The newest complete report of each gateway, in memory: the sink when the store has none
 * (`TrustStore.recordGatewayReport`) or for a caller that wants to read reports back.
 *
 * Must hold: one entry per gateway (bounded by the gateways that reach the endpoint, which are
 * registered and authenticated); a report replaces its gateway's previous one whole.
 */
import type { GatewayReport, ReportSink } from './endpoint.js';

export class LatestReports implements ReportSink {
  readonly #byGateway = new Map<string, GatewayReport>();

  recordGatewayReport(report: GatewayReport): void {
    this.#byGateway.set(report.gateway, { ...report, devices: report.devices.map((d) => ({ ...d })) });
  }

  get(gateway: string): GatewayReport | undefined {
    return this.#byGateway.get(gateway);
  }

  get size(): number {
    return this.#byGateway.size;
  }
}

/** Hands each report to every sink in turn (the store and a LatestReports, say). */
export function allSinks(...sinks: readonly ReportSink[]): ReportSink {
  return { recordGatewayReport: (r) => sinks.forEach((s) => s.recordGatewayReport(r)) };
}
