/** Test helper: an uplink in its own process (so a test can kill -9 it). Args: URL QUEUE_FILE GATEWAY_ID. Prints "connected". */
import { systemClock } from '../../../common/index.js';
import { createUplink } from '../index.js';

const [url, queueFile, gatewayId] = process.argv.slice(2);
if (url === undefined || queueFile === undefined || gatewayId === undefined) throw new Error('usage: uplink-process URL QUEUE_FILE GATEWAY_ID');
const quiet = { info: () => undefined, warn: () => undefined };
const uplink = createUplink({ config: { url, reconnectMinMs: 100, reconnectMaxMs: 400 }, queueFile, clock: systemClock(), logger: quiet, gatewayId });
const timer = setInterval(() => {
  if (uplink.health().state === 'connected') {
    console.log('connected');
    clearInterval(timer);
  }
}, 10);
