/** The CoAP client (piactl): requests with retransmission, Block2 reassembly, Observe. */
export { CoapClient, type CoapClientOptions } from './client.js';
export { Observation, type ObservationEnd } from './observation.js';
export { CoapClientError, type CoapClientErrorKind, type CoapResponse, type RequestOptions } from './types.js';
