/**
 * The newest complete report of each gateway, in memory: a sink in place of the store
 * (`TrustStore.recordGatewayReport`) for tests and tools that read reports back.
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
