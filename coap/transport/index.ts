/** Datagram transports under CoAP: plain UDP (phase 1) and a PIA node (phase 2/3). */
export { IPV6_HEADER, IPV6_MIN_MTU, UDP_HEADER, type CoapEndpoint, type CoapTransport, type MessageHandler, type ReceiveMeta, type SendMeta } from './types.js';
export { PLAIN_MAX_MESSAGE, plainTransport, plainUdpTransport, type PlainTransport, type PlainUdpOptions } from './plain.js';
export { ESP_MAX_OVERHEAD, PIA_MAX_MESSAGE, piaTransport, type PiaTransportOptions } from './pia.js';
