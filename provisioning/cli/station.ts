/**
 * The station's side, wired: its credential, its PIA node toward the trusted server
 * (enrollment), a fresh node per board for the phase-3 check with the board's stored key, the
 * journal, and the labels. Boards are opened from their `--board` specs on the I2C buses.
 */
import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { resolve } from 'node:path';
import type { Clock } from '../../common/index.js';
import { Atecc608 } from '../../drivers/atecc608/index.js';
import { HatEeprom } from '../../drivers/hat-eeprom/index.js';
import type { I2cBus } from '../../drivers/i2c/index.js';
import { loadIdentity, type LoadedIdentity } from '../../pia/credential/index.js';
import { MemoryLatchStore, formatEndpoint } from '../../pia/discovery/index.js';
import { systemRandom } from '../../pia/handshake/index.js';
import { PiaNode, type DatagramTransport, type Endpoint, type PiaNodeOptions, type UdpTransportOptions } from '../../pia/node/index.js';
import { nodeIdFromText, type NodeKey } from '../../pia/phase3/index.js';
import { Journal } from '../burn/journal.js';
import type { Board, StationContext } from '../burn/types.js';
import { ProvisioningError } from '../../identity/index.js';
import { Atecc608IdentityStore, FileIdentityStore, HatEepromIdentityStore } from '../../identity/index.js';
import { renderLabel, writeLabelPng } from '../label/index.js';
import { EnrollClient } from '../station/enroll-client.js';
import type { StationArgs } from './args.js';
import type { BoardSpec } from './board-spec.js';

/** The process's seams: tests pass simulated buses, an in-memory network and a ManualClock. */
export interface ProvisionDeps {
  readonly clock: Clock;
  readonly openI2c: (bus: number) => Promise<I2cBus>;
  readonly openTransport: (options: UdpTransportOptions) => Promise<DatagramTransport>;
  /** More PiaNode options (tests: seeded randomness). */
  readonly node?: Omit<Partial<PiaNodeOptions>, 'transport' | 'clock' | 'latches' | 'phase3'>;
  readonly randomBytes?: (n: number) => Uint8Array;
  /** How long the phase-3 check may take; default 30 s. */
  readonly phase3TimeoutMs?: number;
}

export interface Station {
  readonly context: StationContext;
  readonly credential: LoadedIdentity;
}

const wildcard = (to: Endpoint): string => (isIPv4(to.address) ? '0.0.0.0' : '::');

export function openStation(a: StationArgs, deps: ProvisionDeps): Station {
  let credential: LoadedIdentity;
  try {
    credential = loadIdentity(a.station);
  } catch (err) {
    throw new ProvisioningError('usage', `${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (credential.kind !== 'station') {
    throw new ProvisioningError('usage', `station credential ${a.station} is a ${credential.kind}'s; make a station's with 'pia-trust node add --kind station --label LINE --out FILE'`);
  }
  const journal = new Journal(resolve(a.state, 'journal'));
  journal.open();
  const server = credential.trustServer;
  const random = deps.node?.random ?? systemRandom();
  /** A fresh node per enrollment: a server restarted between boards is met with a new key exchange. */
  const enroll: StationContext['enroll'] = async (request) => {
    const node = new PiaNode({ transport: await deps.openTransport({ address: wildcard(server), port: 0 }), clock: deps.clock, latches: new MemoryLatchStore(), ...deps.node });
    try {
      return await new EnrollClient({ node, station: credential.identity, server, clock: deps.clock, random }).enroll(request);
    } finally {
      await node.close();
    }
  };
  const context: StationContext = {
    clock: deps.clock,
    enroll,
    phase3: (id, key) => phase3Check(deps, server, credential.serverId, id, key),
    server: { address: server.address, port: server.port, id: credential.serverId },
    journal,
    randomBytes: deps.randomBytes ?? ((n) => new Uint8Array(randomBytes(n))),
    label: async (identity, serial) => {
      const content = { id: identity.id, label: identity.label, kind: identity.kind, ...(serial === undefined ? {} : { serial }), serverId: identity.server.id };
      const file = await writeLabelPng(a.labels, content);
      return { file, terminal: (await renderLabel(content)).terminal };
    },
  };
  return { context, credential };
}

/**
 * A phase-3 exchange with the trusted server as the board: a node of its own, closed after. The
 * node pins the server by `serverId` (ID_B*): another registered node answering at `server` is
 * refused (reason 6), and the error says so.
 */
export async function phase3Check(deps: ProvisionDeps, server: Endpoint, serverId: string, id: string, key: NodeKey): Promise<void> {
  const transport = await deps.openTransport({ address: wildcard(server), port: 0 });
  const node = new PiaNode({ transport, clock: deps.clock, latches: new MemoryLatchStore(), ...deps.node, phase3: { identity: { id: nodeIdFromText(id), key }, trustServer: server, trustServerId: serverId } });
  try {
    await node.connect(server);
    await node.phase3Ready(server, deps.phase3TimeoutMs ?? 30_000);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (!/reason 6:/.test(why)) throw err;
    throw new Error(`${why}; the node at ${formatEndpoint(server)} is not the trusted server ${serverId} the credential names: check the server address (in the station credential, or the board's record) and what answers there`, { cause: err });
  } finally {
    await node.close();
  }
}

/** The board's stores on their buses. */
export async function openBoard(spec: BoardSpec, deps: ProvisionDeps): Promise<Board> {
  const idStores = [];
  if (spec.eeprom !== undefined) idStores.push(new HatEepromIdentityStore(new HatEeprom(await deps.openI2c(spec.eeprom.bus), { clock: deps.clock, address: spec.eeprom.address })));
  if (spec.atecc608 !== undefined) {
    const { bus, address, keySlot, idSlot } = spec.atecc608;
    const chip = new Atecc608(await deps.openI2c(bus), { clock: deps.clock, address });
    return { keyStore: new Atecc608IdentityStore(chip, { keySlot, idSlot }), idStores };
  }
  return { keyStore: new FileIdentityStore(resolve(spec.file ?? '')), idStores };
}
