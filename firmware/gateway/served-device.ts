/**
 * The device adapter: a device model (devices/) served by CoAP, which knows only its own
 * served-resource contract (coap `Served`). A device already has that shape; what the adapter
 * changes:
 * - its errors: a DeviceError (a refusal or failure a client should see) becomes the
 *   ServedError CoAP answers with (invalid 4.00, not-found 4.04, busy 5.03, failed 5.00), with
 *   the same code and message. Any other error passes unchanged (CoAP answers 5.00 without it);
 * - who asks: a PUT or POST reaches the device with its subject (`subjectOf`), so the events it
 *   causes name them (devices/README.md, "Who caused an event").
 */
import { ServedError, type Served } from '../../coap/index.js';
import { DeviceError, type By, type Device } from '../../devices/index.js';
import { formatEndpoint, type SecurityContext } from '../../pia/discovery/index.js';

async function seen<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw e instanceof DeviceError ? new ServedError(e.code, e.message, e.retryAfterS === undefined ? {} : { retryAfterS: e.retryAfterS }) : e;
  }
}

/**
 * The subject of a request, as events name it: the peer's node ID once phase 3 authenticated
 * it (docs/protocol.md §9: the identity the trusted server vouched for, never a label the peer
 * chose); otherwise only the address it came from, `coap:[2001:db8::1]:5683`.
 */
export function subjectOf(ctx: SecurityContext): By {
  return ctx.phase === 3 ? ctx.peerIdentity.nodeId : `coap:${formatEndpoint(ctx.peer)}`;
}

export function servedDevice(device: Device): Served {
  return {
    describe: () => device.describe(),
    read: () => device.read(),
    health: () => device.health(),
    set: (property, value, ctx) => seen(() => device.set(property, value, subjectOf(ctx))),
    call: (action, params, ctx) => seen(() => device.call(action, params, subjectOf(ctx))),
    fetch: (blob, params) => seen(() => device.fetch(blob, params)),
    onChange: (listener) => device.onChange(listener),
  };
}
