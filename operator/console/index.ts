/** `piactl console`: the operator's live console in the browser (README: "piactl console"). */
export { runConsole, consoleGateways, STATIC_DIR, type ConsoleIo } from './run-console.js';
export { ConsoleCore, type ConsoleCoreOptions, type ConsoleGateway } from './console-core.js';
export { startConsoleServer, MAX_PAGES, MAX_BUFFERED_BYTES, type ConsoleServer, type ConsoleServerOptions } from './server.js';
export { GatewayLink, BACKOFF_FIRST_MS, BACKOFF_MAX_MS } from './gateway-link.js';
export { pictureMessages, parsePageMessage, MAX_MESSAGE_BYTES, type ServerMessage, type PageMessage, type Picture } from './protocol.js';
