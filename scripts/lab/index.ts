/** The network lab (docs/lab.md): namespaces, the real programs on them, tshark on the router. */
export { LAB_HOSTS, createLab, ip, removeLeftoverLabs, tsxArgv } from './topology.js';
export { cleanUpOnInterrupt } from './interrupt.js';
export type { Lab, LabExecOptions, LabHost, LabHostName, LabOptions, LabRunOptions, LabRunResult } from './topology.js';
export { linkPrefix, piactl, startLabStack } from './stack.js';
export type { LabGateway, LabStack, OperatorName } from './stack.js';
export { LAB_DEVICES, PLAIN_READABLE, writeLabGatewayConfig } from './gateway-configs.js';
export type { LabGatewayConfig, LabGatewayName } from './gateway-configs.js';
export { PIA_PORT, readCapture, startCapture, wiresharkHome } from './capture.js';
export type { Capture, CaptureRow } from './capture.js';
export { WIRE_FIELDS, coapExchanges, coapPayload, piaFlows } from './wire.js';
export type { CoapExchange, Datagram } from './wire.js';
