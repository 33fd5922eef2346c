/**
 * CoAP (RFC 7252) with Observe (RFC 7641), Block2 (RFC 7959) and link format (RFC 6690),
 * over plain UDP or a PIA node: the gateway's server and piactl's client.
 */
export * from './message/index.js';
export * from './transport/index.js';
export * from './messaging/index.js';
export * from './server/index.js';
export * from './client/index.js';
