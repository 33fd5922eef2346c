/**
 * The device adapter: a device model (devices/) served by CoAP, which knows only its own
 * served-resource contract (coap `Served`). A device already has that shape; what the adapter
 * changes is its errors: a DeviceError (a refusal or failure a client should see) becomes the
 * ServedError CoAP answers with (invalid 4.00, not-found 4.04, busy 5.03, failed 5.00), with
 * the same code and message. Any other error passes unchanged (CoAP answers 5.00 without it).
 */
import { ServedError, type Served } from '../../coap/index.js';
import { DeviceError, type Device } from '../../devices/index.js';

async function seen<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw e instanceof DeviceError ? new ServedError(e.code, e.message) : e;
  }
}

export function servedDevice(device: Device): Served {
  return {
    describe: () => device.describe(),
    read: () => device.read(),
    health: () => device.health(),
    set: (property, value) => seen(() => device.set(property, value)),
    call: (action, params) => seen(() => device.call(action, params)),
    fetch: (blob, params) => seen(() => device.fetch(blob, params)),
    onChange: (listener) => device.onChange(listener),
  };
}
