/**
 * The gateway's PIA side: one node on the gateway's PIA port for every device address
 * (docs/protocol.md §4: "a gateway serving many device addresses from one PIA port"), with
 * its latch store on disk, per-peer discovery, and phase 3 with the gateway's identity.
 *
 *   1. the latch store (FileLatchStore, `<stateDir>/latches.json`): a file that does not parse
 *      stops the start (§4: a forgotten latch is a downgrade);
 *   2. the suites: gateway.yaml's pia.suites, else the CPU's order (pia/suite-order.ts), logged once;
 *      the socket on [PIA address]:piaPort ([::]:piaPort on loopback, so a trusted server on
 *      another host stays reachable), the node with `localAddress` (the default inner source
 *      and the key log's address), PeerDiscovery announcing our port (and address,
 *      when the devices live on other addresses) with "I can initiate";
 *   3. node events → the log (describeNodeEvent: SPIs and endpoints, never keys) and the
 *      trust state shown by /healthz: warnings for failures and for a dead peer that matters
 *      (docs/protocol.md §3: the trusted server, an operator observing); an SA closing, a peer
 *      saying goodbye (CLOSE, §6) or forgotten quietly at debug level: an operator's program
 *      that exits is no news;
 *   4. in the background: an exchange with the trusted server and phase 3 with it (§9.2: a
 *      node verifying its key), so /healthz tells at once whether this gateway's credential
 *      works and the server is reachable. Every phase 3 with the node at the trusted server's
 *      endpoint names the credential's server ID (trustServerId, ID_B*): another registered
 *      node answering there is refused (reason 6), never taken for the server.
 */
import type { Clock } from '../../common/index.js';
import type { CoapTransport } from '../../coap/index.js';
import { plainTransport, plainUdpTransport } from '../../coap/index.js';
import { FileLatchStore, PeerDiscovery, formatEndpoint } from '../../pia/discovery/index.js';
import type { KxRandom } from '../../pia/handshake/index.js';
import { PiaNode, describeNodeEvent, openUdpTransport, type DatagramTransport, type Endpoint, type MemoryNetwork, type PiaNodeEvent, type SaLimits } from '../../pia/node/index.js';
import type { LoadedIdentity } from '../../pia/credential/index.js';
import { describeSuiteChoice, suiteChoice, type SuiteId } from '../../pia/index.js';

/** Where the gateway's sockets come from: real UDP, or pia/node's in-memory network in tests. */
export interface GatewayNetwork {
  openPia(bind: Endpoint, onError: (error: Error) => void): Promise<DatagramTransport>;
  /** The plain CoAP socket of one device endpoint. */
  openPlain(endpoint: Endpoint, onError: (error: Error) => void): Promise<CoapTransport>;
}

export function udpNetwork(): GatewayNetwork {
  return {
    openPia: (bind, onError) => openUdpTransport({ address: bind.address, port: bind.port, onError }),
    openPlain: (ep, onError) => plainUdpTransport({ addresses: [ep.address], port: ep.port, onError }),
  };
}

/** pia/node's in-memory network (ManualClock tests: no sockets, no real time). It has no wildcard: a bind to `::` is attached at [::1]. */
export function memoryGatewayNetwork(net: MemoryNetwork): GatewayNetwork {
  return {
    openPia: (bind) => Promise.resolve(net.attach(bind.address === '::' ? '::1' : bind.address, bind.port)),
    openPlain: (ep) => Promise.resolve(plainTransport([net.attach(ep.address, ep.port)])),
  };
}

export interface PiaLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export interface PiaEndpointOptions {
  readonly network: GatewayNetwork;
  /** The socket's address and port: the PIA address, or `::` on loopback (the trusted server may be elsewhere). */
  readonly bind: Endpoint;
  /** Our address as peers see it: the default inner source address and the key log's. */
  readonly localAddress: string;
  /** Put in our discovery option when the device addresses are not the PIA address (§4). */
  readonly announceAddress: string | undefined;
  readonly clock: Clock;
  readonly latchFile: string;
  readonly credential: LoadedIdentity;
  /** The trusted server's endpoints in the order to try them (§9.12): gateway.trustServer, else the credential's. */
  readonly trustServers: readonly Endpoint[];
  readonly log: PiaLog;
  readonly random?: KxRandom;
  readonly keyLogPath?: string;
  readonly limits?: Partial<SaLimits>;
  /** gateway.yaml pia.suites; undefined = the CPU's order (logged at start either way). */
  readonly suites?: readonly SuiteId[];
  /** Default /proc/cpuinfo (the CPU's order). */
  readonly readCpuinfo?: () => string;
  /** Wall clock of the latch store; default Date.now. */
  readonly wallNow?: () => number;
}

export type TrustCheck = 'pending' | 'verified' | 'denied' | 'unreachable';

/** What /healthz shows of PIA and the trusted server. */
export interface TrustState {
  readonly trustServer: string;
  /** Phase 3 with the trusted server itself (module comment, step 4). */
  check: TrustCheck;
  checkDetail: string | undefined;
  phase3Granted: number;
  phase3Denied: number;
  phase3Failed: number;
  last: { readonly outcome: 'granted' | 'denied' | 'failed'; readonly peer: string; readonly detail: string; readonly atMs: number } | undefined;
  /** Peers with at least one SA up (phase 2 or 3), with the inbound SPIs of those SAs. */
  readonly peers: Map<string, Set<number>>;
}

export interface PiaEndpoint {
  readonly node: PiaNode;
  readonly discovery: PeerDiscovery;
  readonly latches: FileLatchStore;
  readonly trust: TrustState;
  /** The bound endpoint (the OS's port when 0 was asked for). */
  readonly local: Endpoint;
  onEvent(listener: (e: PiaNodeEvent) => void): () => void;
  close(): Promise<void>;
}

const QUIET: ReadonlySet<PiaNodeEvent['kind']> = new Set(['icv-failure', 'replay', 'unknown-spi', 'expired-sa', 'decode-error']);
/** The ordinary end of an association: logged at debug level only. */
const ROUTINE: ReadonlySet<PiaNodeEvent['kind']> = new Set(['sa-closed', 'peer-closed', 'peer-forgotten']);

export async function openPiaEndpoint(o: PiaEndpointOptions): Promise<PiaEndpoint> {
  const latches = await FileLatchStore.open({ file: o.latchFile, log: (m) => o.log.warn(`latch store: ${m}`), ...(o.wallNow === undefined ? {} : { now: o.wallNow }) });
  const transport = await o.network.openPia(o.bind, (e) => o.log.warn(`PIA socket: ${e.message}`));
  const local = { address: transport.local.address, port: transport.local.port };
  const discovery = new PeerDiscovery({
    clock: o.clock,
    self: { port: local.port, canInitiate: true, ...(o.announceAddress === undefined ? {} : { address: o.announceAddress }) },
    latches,
  });
  const suites = suiteChoice(o.suites, 'pia.suites in gateway.yaml', o.readCpuinfo);
  o.log.info(describeSuiteChoice(suites, 'pia.suites in gateway.yaml, preferred first, e.g. pia: { suites: [aes-gcm, chacha20] }'));
  let node: PiaNode;
  try {
    node = new PiaNode({
      transport,
      clock: o.clock,
      latches,
      discovery,
      suites: suites.suites,
      localAddress: o.localAddress,
      logger: o.log,
      phase3: { identity: o.credential.identity, trustServers: o.trustServers, trustServerId: o.credential.serverId },
      ...(o.random === undefined ? {} : { random: o.random }),
      ...(o.keyLogPath === undefined ? {} : { keyLogPath: o.keyLogPath }),
      ...(o.limits === undefined ? {} : { limits: o.limits }),
    });
  } catch (e) {
    await transport.close();
    throw e;
  }
  const first = o.trustServers[0];
  if (first === undefined) throw new Error('PIA: no trusted server endpoint: give gateway.trustServer in gateway.yaml or use a credential that names its server');
  const trust: TrustState = { trustServer: o.trustServers.map((e) => formatEndpoint(e)).join(', '), check: 'pending', checkDetail: undefined, phase3Granted: 0, phase3Denied: 0, phase3Failed: 0, last: undefined, peers: new Map() };
  node.onEvent((e) => {
    track(trust, e, o.clock.now());
    if (QUIET.has(e.kind)) return;
    const line = `PIA: ${describeNodeEvent(e)}`;
    if (e.kind.endsWith('failed') || e.kind === 'phase3-denied' || e.kind === 'peer-dead') o.log.warn(line);
    else if (ROUTINE.has(e.kind)) o.log.debug(line);
    else o.log.info(line);
  });
  let closed = false;
  void node
    .connect(first)
    .then(() => node.phase3Ready(first))
    .then(
      () => {
        trust.check = 'verified';
        trust.checkDetail = undefined;
        o.log.info(`PIA: the trusted server at ${trust.trustServer} verified this gateway's credential (phase 3)`);
      },
      (e: unknown) => {
        if (closed) return;
        const why = e instanceof Error ? e.message : String(e);
        trust.check = /denied/i.test(why) ? 'denied' : 'unreachable';
        trust.checkDetail = why;
        const fix = /reason 6:/.test(why)
          ? `the node there is not the trusted server ${o.credential.serverId} this gateway's credential names: check gateway.trustServer in the config (or the credential's server address) and what answers at that address`
          : "commands need phase 3: check the credential ('pia-trust node show') and that the server is reachable";
        o.log.warn(`PIA: no phase 3 with the trusted server at ${trust.trustServer} (${why}); ${fix}`);
      },
    );
  return {
    node,
    discovery,
    latches,
    trust,
    local,
    onEvent: (listener) => node.onEvent(listener),
    async close() {
      closed = true;
      await node.close({ reason: 'shutting-down' }); // CLOSE to every peer (§6): operators and the trusted server learn at once
      await latches.flush().catch((e: unknown) => o.log.warn(`latch store: ${e instanceof Error ? e.message : String(e)}`));
    },
  };
}

function track(t: TrustState, e: PiaNodeEvent, now: number): void {
  // An SA is up from 'sa-up' (phase 2) or 'phase3-up' (a phase-3 pair, which has no 'sa-up') to its 'sa-closed'.
  if (e.kind === 'sa-up' || e.kind === 'phase3-up') {
    const key = formatEndpoint(e.peer);
    const spis = t.peers.get(key) ?? new Set<number>();
    spis.add(e.sa.spiIn);
    t.peers.set(key, spis);
  } else if (e.kind === 'sa-closed') {
    const key = formatEndpoint(e.peer);
    const spis = t.peers.get(key);
    spis?.delete(e.sa.spiIn);
    if (spis?.size === 0) t.peers.delete(key);
  } else if (e.kind === 'peer-moved') {
    const spis = t.peers.get(formatEndpoint(e.from));
    t.peers.delete(formatEndpoint(e.from));
    if (spis !== undefined) t.peers.set(formatEndpoint(e.to), spis);
  }
  if (e.kind === 'phase3-up') {
    t.phase3Granted++;
    t.last = { outcome: 'granted', peer: formatEndpoint(e.peer), detail: `${e.peerKind} ${e.peerId} ("${e.peerLabel}"), ${e.grants} grant(s)`, atMs: now };
  } else if (e.kind === 'phase3-denied' || e.kind === 'phase3-failed') {
    if (e.kind === 'phase3-denied') t.phase3Denied++;
    else t.phase3Failed++;
    t.last = { outcome: e.kind === 'phase3-denied' ? 'denied' : 'failed', peer: formatEndpoint(e.peer), detail: `reason ${e.reason}: ${e.text}`, atMs: now };
  }
}
