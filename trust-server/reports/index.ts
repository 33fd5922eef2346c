/** Gateway reports (docs/protocol.md §9.9) and grant queries (§9.10): the /pia/report and /pia/grants endpoint on the server's PIA node, its wire format and assembly. */
export { ReportEndpoint, GRANT_QUERIES_PER_MINUTE, REPORTS_PER_MINUTE, REPORT_PORT, TOO_MANY_REQUESTS, type GatewayReport, type ReportCounters, type ReportEndpointOptions, type ReportSink } from './endpoint.js';
export { ReportAssembler, ASSEMBLY_WINDOW_MS, type AssemblyOutcome } from './assembly.js';
export { decodeReportPart, MAX_REPORT_DEVICES, MAX_REPORT_JSON_BYTES, MAX_DETAIL_CHARS, REPORT_PATH, REPORT_VERSION, DEVICE_NAME, DEVICE_KIND, type DeviceStatus, type ReportedDevice, type ReportPart } from './wire.js';
export { LatestReports } from './latest.js';
export { answerGrantsQuery, GRANTS_PATH, GRANTS_VERSION, MAX_GRANTS_JSON_BYTES, type GrantsAnswer, type SubjectLookup } from './subject-grants.js';
