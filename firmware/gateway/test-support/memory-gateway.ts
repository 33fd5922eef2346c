/**
 * A whole gateway on pia/node's in-memory network with a ManualClock, for tests here and in
 * other folders (piactl, the demo): the simulated building for hardware, the demo building's
 * config (firmware/config/examples/demo-building.yaml) with its state in a temp directory,
 * an in-memory trusted server (pia/node/test-support MemoryTrust), and operators with
 * identities and grants that talk to it plain or over PIA.
 *
 * Addresses: loopback addressing by default (device i at [::1]:5683+i, PIA at [::1]:4500);
 * with `addressing: 'add-addresses'` the `ip` commands are faked and every device gets its
 * own address (PIA at the gateway's own address).
 *
 * Identity: a registered "test gateway" credential handed to startGateway, unless the gateway
 * section has `secureElement`: then the gateway reads its identity from the building's
 * ATECC608 (i2c-1 0x60), which `beforeStart` provisions (or leaves blank), and start is driven
 * by the clock (the chip's commands wait on it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { ManualClock } from '../../../common/index.js';
import { CoapClient, piaTransport, plainTransport, type PlainTransport } from '../../../coap/index.js';
import { makeCredential, writeCredentialFile } from '../../../pia/credential/index.js';
import { MemoryLatchStore, type PeerEndpoint } from '../../../pia/discovery/index.js';
import { seededRandom } from '../../../pia/handshake/test-support/index.js';
import { PiaNode, createMemoryNetwork, type MemoryNetwork } from '../../../pia/node/index.js';
import { MemoryTrust, S } from '../../../pia/node/test-support/index.js';
import { nodeIdToText } from '../../../pia/phase3/index.js';
import { createVirtualBuilding, type VirtualBuilding } from '../../../simulator/index.js';
import type { AddressingMode } from '../../addressing/index.js';
import { loadGatewayConfig, type GatewayConfig, type MqttSettings } from '../../config/index.js';
import { startGateway } from '../gateway.js';
import { memoryGatewayNetwork } from '../pia-endpoint.js';
import type { Gateway, GatewayOptions } from '../types.js';

export const DEMO_CONFIG = fileURLToPath(new URL('../../config/examples/demo-building.yaml', import.meta.url));

export interface Operator {
  readonly id: string;
  readonly node: PiaNode;
  readonly at: PeerEndpoint;
  /** CoAP over PIA (inner UDP), sent through the SA with the gateway. */
  readonly client: CoapClient;
  /** Plain CoAP from the operator's address (another port). */
  readonly plain: CoapClient;
  close(): Promise<void>;
}

export interface MemoryGateway {
  readonly clock: ManualClock;
  readonly net: MemoryNetwork;
  readonly trust: MemoryTrust;
  readonly building: VirtualBuilding;
  readonly config: GatewayConfig;
  readonly gateway: Gateway;
  readonly gatewayId: string;
  readonly stateDir: string;
  /** Every log line the gateway wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The gateway's PIA endpoint. */
  readonly pia: PeerEndpoint;
  /** A legacy plain client (no PIA) at its own address. */
  readonly legacy: CoapClient;
  /** A registered operator at `address` with `rights` on `devices` (none: no grant at all). */
  operator(name: string, address: string, grant?: { readonly devices: string; readonly rights: readonly string[] }): Operator;
  /** A registered operator's credential file (mode 0600, in the state folder), e.g. for piactl. */
  operatorCredential(name: string, grant?: { readonly devices: string; readonly rights: readonly string[] }): { readonly file: string; readonly id: string };
  /** coap://[endpoint]:port/<device>/<path> of a device. */
  uri(device: string, path?: string): string;
  /** Advances the clock until `p` settles. */
  settle<T>(p: Promise<T>, stepMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** 32 key bytes that differ per name (test keys: not secret). */
function randomBytes32(name: string): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (name.charCodeAt(i % name.length) * 7 + i * 13) & 0xff);
}

export interface MemoryGatewayOptions {
  readonly addressing?: AddressingMode;
  /** Changes to the loaded demo config's gateway section. */
  readonly gateway?: Partial<GatewayConfig['gateway']>;
  /** Replace the demo devices (e.g. a broken one). */
  readonly devices?: (devices: GatewayConfig['devices']) => GatewayConfig['devices'];
  /** An mqtt section (the uplink's queue goes to the temp state directory). */
  readonly mqtt?: MqttSettings;
  /** A pia section (default the demo's: none, so the CPU's suite order). */
  readonly pia?: GatewayConfig['pia'];
  readonly options?: Partial<Omit<GatewayOptions, 'config' | 'hardware' | 'clock' | 'logger' | 'credential' | 'network'>>;
  /** Runs before the gateway starts: e.g. burn the building's ATECC608 (building.parts.secureElement on building.host.i2c 1). */
  readonly beforeStart?: (t: { readonly clock: ManualClock; readonly trust: MemoryTrust; readonly building: VirtualBuilding }) => Promise<void>;
  /** Drive the start by the clock (always so with a secureElement): a start that fails stops the devices, which waits on it. */
  readonly settleStart?: boolean;
}

export async function memoryGateway(o: MemoryGatewayOptions = {}): Promise<MemoryGateway> {
  const clock = new ManualClock(1_000_000);
  const net = createMemoryNetwork({ clock });
  const trust = new MemoryTrust(clock);
  const server = new PiaNode({ transport: net.attach(S.address, S.port), clock, random: seededRandom('gw-test/server'), latches: new MemoryLatchStore(), phase3: { authority: trust.authority } });
  const gw = trust.register('gateway', 'test gateway');
  const stateDir = mkdtempSync(join(tmpdir(), 'pia-gateway-test-'));
  const demo = loadGatewayConfig(DEMO_CONFIG);
  const config: GatewayConfig = {
    ...demo,
    gateway: { ...demo.gateway, addressing: o.addressing ?? 'loopback', stateDir, auditLog: join(stateDir, 'audit.log'), credential: join(stateDir, 'credential.json'), ...o.gateway },
    devices: o.devices?.(demo.devices) ?? demo.devices,
    ...(o.mqtt === undefined ? {} : { mqtt: o.mqtt }),
    ...(o.pia === undefined ? {} : { pia: o.pia }),
  };
  const building = createVirtualBuilding({ clock });
  const logs: Record<string, unknown>[] = [];
  const logger: Logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const fromChip = config.gateway.secureElement !== undefined;
  let gateway: Gateway;
  try {
    await o.beforeStart?.({ clock, trust, building });
    const starting = startGateway({
      config,
      hardware: building.host,
      clock,
      logger,
      ...(fromChip ? {} : { credential: { identity: gw.identity, trustServer: S, trustServers: [S], serverId: nodeIdToText(trust.serverId), kind: 'gateway', label: 'test gateway' } }),
      network: memoryGatewayNetwork(net),
      exec: () => Promise.resolve({ code: 0, stdout: '', stderr: '' }),
      canAdminNetwork: () => true,
      random: () => 0.5,
      adminListen: null,
      pia: { random: seededRandom('gw-test/gateway') },
      ...o.options,
    });
    gateway = fromChip || o.settleStart === true ? await clock.settle(starting, 0.5) : await starting;
  } catch (e) {
    await server.close();
    await building.close();
    rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
  const pia = { address: gateway.pia.address, port: gateway.pia.port };
  let tokens = 0;
  const randomBytes = (k: number): Uint8Array => Uint8Array.from({ length: k }, (_, i) => (++tokens * 31 + i) & 0xff);
  const clients: { close(): Promise<void> }[] = [];
  const plainClient = (address: string, port: number): CoapClient => {
    const transport: PlainTransport = plainTransport([net.attach(address, port)]);
    const client = new CoapClient({ transport, clock, random: () => 0, randomBytes });
    clients.push({ close: async () => (await client.close(), await transport.close()) });
    return client;
  };
  const legacy = plainClient('2001:db8:77::1', 40_000);
  const operators: Operator[] = [];
  return {
    clock,
    net,
    trust,
    building,
    config,
    gateway,
    gatewayId: gateway.id,
    stateDir,
    logs,
    pia,
    legacy,
    operator(name, address, grant) {
      const op = trust.register('operator', name);
      if (grant !== undefined) trust.grant(op.text, gateway.id, grant.devices, [...grant.rights]);
      const at = { address, port: 4500 };
      const node = new PiaNode({ transport: net.attach(at.address, at.port), clock, random: seededRandom(`gw-test/${name}`), latches: new MemoryLatchStore(), phase3: { identity: op.identity, trustServer: S } });
      const transport = piaTransport(node, { port: 5683, route: () => pia });
      const client = new CoapClient({ transport, clock, random: () => 0, randomBytes });
      const operator: Operator = {
        id: op.text,
        node,
        at,
        client,
        plain: plainClient(address, 40_001),
        close: async () => {
          await client.close();
          await transport.close();
          await node.close();
        },
      };
      operators.push(operator);
      return operator;
    },
    operatorCredential(name, grant) {
      const key = new Uint8Array(randomBytes32(name));
      const op = trust.register('operator', name, key);
      if (grant !== undefined) trust.grant(op.text, gateway.id, grant.devices, [...grant.rights]);
      const file = join(stateDir, `${name}.credential.json`);
      writeCredentialFile(file, makeCredential({ id: op.text, kind: 'operator', label: name }, key, { address: S.address, port: S.port, id: nodeIdToText(trust.serverId) }));
      return { file, id: op.text };
    },
    uri(device, path = '') {
      const d = gateway.device(device);
      if (d === undefined) throw new Error(`no device ${device}`);
      return `coap://[${d.endpoint.address}]:${d.endpoint.port}/${device}${path === '' ? '' : `/${path}`}`;
    },
    settle: (p, stepMs = 10) => clock.settle(p, stepMs),
    async close() {
      await clock.settle(gateway.close(), 10);
      for (const op of operators) await op.close();
      for (const c of clients) await c.close();
      await server.close();
      await building.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
