/**
 * A CoAP server that serves devices under the gateway's policy: every server of the gateway is
 * one (serve-coap.ts), Gateway.mount adds a device to one, and piactl's tests serve their fake
 * devices with one, so they meet the policy the gateway has.
 *
 *   1. the authorize hook is access.ts's over the devices mounted on this server (by local
 *      address, with their "plain: read-only");
 *   2. every exchange goes to `onExchange` with the hook's verdict (AccessVerdict: devices,
 *      access, the policy's answer); a request the server answered before the hook ran (4.02,
 *      5.05) or whose hook threw gets its devices and access from the same scopeOf, the
 *      policy not asked.
 * Must hold: a device is reachable only through a mount made here, so no request reaches one
 * without the hook; it is served through the device adapter (served-device.ts), so its
 * refusals reach the client as CoAP codes.
 */
import type { Clock } from '../../common/index.js';
import { CoapServer, type CoapServerOptions, type CoapTransport, type ExchangeRecord, type ServerLogger } from '../../coap/index.js';
import type { Device } from '../../devices/model/index.js';
import { canonicalAddress } from '../../pia/discovery/index.js';
import { createAuthorize, scopeOf, verdictOf, type AccessOptions, type PolicyDevice } from './access.js';
import { servedDevice } from './served-device.js';

/** The access hook's wiring (discovery, latches, shutdown, audit state): everything but the devices, which the server knows. */
export type AccessHooks = Omit<AccessOptions, 'devicesAt'>;

export interface DeviceServerOptions {
  /** Plain UDP and/or PIA; the server does not close them. */
  readonly transports: readonly CoapTransport[];
  readonly clock: Clock;
  readonly random?: () => number;
  readonly access: AccessHooks;
  /** Each answered exchange, its verdict set (module comment, step 2). */
  readonly onExchange?: (record: ExchangeRecord) => void;
  readonly onMalformed?: CoapServerOptions['onMalformed'];
  readonly log?: ServerLogger;
}

export interface DeviceServer {
  readonly coap: CoapServer;
  /**
   * Serves `device` at `local` under its name, under the policy with `plainReads`
   * (gateway.yaml "plain: read-only"). Returns the function that unmounts it.
   */
  mount(local: string, device: Device, policy: { readonly plainReads: boolean }): () => void;
}

export function createDeviceServer(o: DeviceServerOptions): DeviceServer {
  const byLocal = new Map<string, PolicyDevice[]>();
  const devicesAt = (local: string): readonly PolicyDevice[] => byLocal.get(canonicalAddress(local)) ?? [];
  const coap = new CoapServer({
    transports: o.transports,
    clock: o.clock,
    ...(o.random === undefined ? {} : { random: o.random }),
    authorize: createAuthorize({ ...o.access, devicesAt }),
    onExchange: (record) => o.onExchange?.(record.verdict !== undefined ? record : { ...record, verdict: verdictOf(scopeOf(record.request, devicesAt), undefined) }),
    ...(o.onMalformed === undefined ? {} : { onMalformed: o.onMalformed }),
    ...(o.log === undefined ? {} : { logger: o.log }),
  });
  return {
    coap,
    mount(local, device, policy) {
      const key = canonicalAddress(local);
      const entry: PolicyDevice = { name: device.describe().name, plainReads: policy.plainReads };
      const unmount = coap.mount(key, servedDevice(device));
      byLocal.set(key, [...(byLocal.get(key) ?? []), entry]);
      return () => {
        unmount();
        const left = (byLocal.get(key) ?? []).filter((d) => d !== entry);
        if (left.length === 0) byLocal.delete(key);
        else byLocal.set(key, left);
      };
    },
  };
}
