/**
 * Stands in for a configured device that could not be built (a register map this build does
 * not have, a serial port the host lacks): it is still served at its address, so a client
 * asking for it learns why instead of getting 4.04, and health and metrics list it as failed.
 * It has no properties, actions or blobs; every operation is refused with the reason.
 */
import { wallTime, type Clock } from '../../common/index.js';
import { DeviceError, type Device, type DeviceDescription, type DeviceKind, type Health, type Value } from '../../devices/model/index.js';

export class UnavailableDevice implements Device {
  readonly #description: DeviceDescription;
  readonly #health: Health;

  constructor(
    readonly name: string,
    kind: DeviceKind,
    readonly reason: string,
    clock: Clock,
  ) {
    this.#description = { name, kind, part: `not available: ${reason}`, properties: [], actions: [], blobs: [] };
    this.#health = { status: 'failed', failures: 1, lastError: { message: reason, at: wallTime(clock) } };
  }

  describe(): DeviceDescription {
    return this.#description;
  }
  read(): Readonly<Record<string, Value>> {
    return {};
  }
  health(): Health {
    return this.#health;
  }
  set(): Promise<Value> {
    return Promise.reject(this.#refusal());
  }
  call(): Promise<Readonly<Record<string, Value>>> {
    return Promise.reject(this.#refusal());
  }
  fetch(): Promise<Uint8Array> {
    return Promise.reject(this.#refusal());
  }
  onChange(): () => void {
    return () => undefined;
  }
  onEvent(): () => void {
    return () => undefined;
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }

  #refusal(): DeviceError {
    return new DeviceError('failed', `${this.name} is not available: ${this.reason}; fix its entry in gateway.yaml and restart the gateway`);
  }
}
