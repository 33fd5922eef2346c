/** The CoAP server (the gateway): devices per local address, policy hook, Observe, Block2. */
export { CoapServer, type CoapServerOptions } from './server.js';
export { ANY_LOCAL, requiredRight } from './routes.js';
export { DEFAULT_OBSERVE, type ObserveSettings, type ObserverView } from './observe.js';
export { BLOCK_HEADROOM, defaultSzx } from './blockwise.js';
export { MAX_DIAGNOSTIC_BYTES } from './representation.js';
export type { AccessVerdict, Allowance, AuthDecision, Authorize, CoapRequest, ExchangeRecord, Refusal, ServerLogger, Target } from './types.js';
export { ServedError, type Served, type ServedAction, type ServedBlob, type ServedDescription, type ServedErrorCode, type ServedHealth, type ServedParam, type ServedProperty, type ServedValue } from './served.js';
