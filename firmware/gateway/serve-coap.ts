/**
 * The CoAP endpoints of the devices, plain and over PIA.
 *
 *   1. plain: one UDP socket and one CoapServer per device endpoint, the device mounted at
 *      its endpoint address under its name (/<device>/<property>: devices/model/types.ts), so
 *      each endpoint has its own resource tree in every addressing mode (on loopback all
 *      endpoints are [::1], told apart by port);
 *   2. PIA: inner UDP to the device's address and port (docs/protocol.md §6); one PIA
 *      transport and one CoapServer per CoAP port in use (address modes: one; loopback: one
 *      per device), each device mounted at its endpoint address;
 *   3. the directory: on the gateway's own PIA address and the configured CoAP port, over
 *      PIA only, every device is mounted too, so /.well-known/core there lists them all
 *      (`</rack-fan>;rt="pia.device.fan";title="rack-fan"` and their resources): how piactl
 *      finds devices by name (operator/README.md "Targets"); requests there reach the
 *      device under the same policy;
 *   4. every server: the authorize hook (access.ts), onExchange → audit and metrics, onMalformed
 *      (a datagram that is not CoAP) → the gateway's count of unauthenticated refusals;
 *   5. observations: a sweep every 10 s ends those whose peer lost the phase they registered
 *      at (stillAllowed), and a dead, closed or forgotten PIA peer's are dropped at once;
 *      `observes(peer)` tells the PIA node which peers hold live interest (docs/protocol.md §3).
 * Every server is a device server (device-server.ts); `mount` serves one more device over PIA
 * on the server of its port (a new one when no server has that port), as the others are.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import { piaTransport, type CoapServer, type CoapServerOptions, type CoapTransport, type ExchangeRecord, type ObserverView } from '../../coap/index.js';
import type { Device } from '../../devices/model/index.js';
import { canonicalAddress, type SecurityContext } from '../../pia/discovery/index.js';
import type { PiaNode } from '../../pia/node/index.js';
import type { ManagedDevice } from './device-runner.js';
import { createDeviceServer, type AccessHooks, type DeviceServer } from './device-server.js';
import type { GatewayNetwork } from './pia-endpoint.js';

const COAP_DEFAULT_PORT = 5683;
export interface ServedDevice {
  readonly managed: ManagedDevice;
  readonly endpoint: { readonly address: string; readonly port: number };
  readonly plainReads: boolean;
}

export interface CoapServingOptions {
  readonly devices: readonly ServedDevice[];
  /** The gateway's own PIA address and the configured CoAP port: where the directory is (step 3). */
  readonly directory: { readonly address: string; readonly port: number; readonly aliases?: readonly string[] };
  readonly network: GatewayNetwork;
  readonly node: PiaNode;
  readonly clock: Clock;
  readonly random?: () => number;
  readonly access: AccessHooks;
  /** Each answered exchange, with the authorize hook's verdict. */
  readonly onExchange: (record: ExchangeRecord) => void;
  /** A datagram that is not CoAP (CoapServerOptions.onMalformed). */
  readonly onMalformed: NonNullable<CoapServerOptions['onMalformed']>;
  readonly log: { info(message: string): void; warn(message: string): void };
}

export interface CoapServing {
  readonly servers: readonly CoapServer[];
  /** Ends the observations of a PIA peer (dead, or its SA gone). */
  dropPeer(peer: { readonly address: string; readonly port: number }): number;
  /** True while the PIA peer observes something (over PIA, at phase 2 or 3). */
  observes(peer: { readonly address: string; readonly port: number }): boolean;
  /** Serves `device` over PIA at `at` (inner destination) under the policy; returns the function that unmounts it. */
  mount(device: Device, at: { readonly address: string; readonly port: number }, policy: { readonly plainReads: boolean }): () => void;
  close(): Promise<void>;
}

export const OBSERVE_SWEEP_MS = 10_000;

interface Mounting {
  readonly local: string;
  readonly device: ServedDevice;
}

export async function serveCoap(o: CoapServingOptions): Promise<CoapServing> {
  const transports: CoapTransport[] = [];
  const servers: CoapServer[] = [];
  /** The PIA servers by inner port (step 2), where `mount` adds a device. */
  const piaServers = new Map<number, DeviceServer>();
  const closeAll = async (): Promise<void> => {
    for (const s of servers) await s.close();
    for (const t of transports) await t.close();
  };
  const serve = (own: CoapTransport): DeviceServer => {
    transports.push(own);
    const server = createDeviceServer({ transports: [own], clock: o.clock, ...(o.random === undefined ? {} : { random: o.random }), access: o.access, onExchange: o.onExchange, onMalformed: o.onMalformed, log: o.log });
    servers.push(server.coap);
    return server;
  };
  const piaServer = (port: number): DeviceServer => {
    let server = piaServers.get(port);
    if (server === undefined) piaServers.set(port, (server = serve(piaTransport(o.node, { port }))));
    return server;
  };
  try {
    // 1. plain, one server per endpoint
    for (const d of o.devices) {
      const plain = await o.network.openPlain(d.endpoint, (e) => o.log.warn(`CoAP socket [${d.endpoint.address}]:${d.endpoint.port}: ${e.message}`));
      serve(plain).mount(d.endpoint.address, d.managed.device, d);
    }
    // 2–3. PIA, one server per port, the directory on the gateway's address
    const byPort = new Map<number, Mounting[]>();
    const add = (port: number, m: Mounting): void => {
      const list = byPort.get(port) ?? [];
      if (!list.some((x) => x.local === m.local && x.device.managed.name === m.device.managed.name)) list.push(m);
      byPort.set(port, list);
    };
    for (const d of o.devices) add(d.endpoint.port, { local: canonicalAddress(d.endpoint.address), device: d });
    // Over PIA the inner UDP port is only a field: the directory also answers on 5683 (RFC 7252
    // §6.1), where piactl looks when it knows the gateway's PIA endpoint and nothing else.
    for (const port of new Set([o.directory.port, COAP_DEFAULT_PORT])) {
      for (const address of [o.directory.address, ...(o.directory.aliases ?? [])]) {
        for (const d of o.devices) add(port, { local: canonicalAddress(address), device: d });
      }
    }
    for (const [port, mounts] of byPort) {
      const server = piaServer(port);
      for (const m of mounts) server.mount(m.local, m.device.managed.device, m.device);
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  let sweep: TimerHandle | undefined;
  const arm = (): void => {
    sweep = o.clock.setTimeout(() => {
      for (const s of servers) {
        const ended = s.dropObservers((v) => !stillAllowed(v, o.node));
        if (ended > 0) o.log.info(`CoAP: ${ended} observation(s) ended: the peer is no longer at the phase that allowed them`);
      }
      arm();
    }, OBSERVE_SWEEP_MS);
  };
  arm();
  const viaPeer = (peer: { readonly address: string; readonly port: number }) => (v: ObserverView): boolean =>
    v.meta.ctx.phase !== 1 && v.meta.ctx.peer.address === peer.address && v.meta.ctx.peer.port === peer.port;
  return {
    servers,
    dropPeer: (peer) => servers.reduce((n, s) => n + s.dropObservers(viaPeer(peer)), 0),
    observes: (peer) => servers.some((s) => s.hasObservers(viaPeer(peer))),
    mount: (device, at, policy) => piaServer(at.port).mount(at.address, device, policy),
    async close() {
      if (sweep !== undefined) o.clock.clearTimeout(sweep);
      await closeAll();
    },
  };
}

/**
 * An observation lives while its peer keeps the phase it registered at: phase 3 is re-checked
 * by the trusted server at every rekey (docs/protocol.md §9.4), so a revoked node or a
 * withdrawn grant drops the peer to phase 2 within 160 s, and its observations end here;
 * a plain observer that has since been latched gets no plaintext any more (§4).
 */
function stillAllowed(v: ObserverView, node: PiaNode): boolean {
  const ctx: SecurityContext = v.meta.ctx;
  if (ctx.phase === 1) return node.plaintextPolicy(v.from.address) === 'allow';
  const now = node.phase(ctx.peer);
  return ctx.phase === 3 ? now === 3 : now !== undefined;
}
