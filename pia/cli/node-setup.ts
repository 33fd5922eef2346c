/**
 * What `pia listen` and `pia ping` share: the process's I/O seam, and a PIA node on a UDP
 * socket with its latch store, key log and a watch on send errors (the "unreachable" exit).
 *
 * Must hold: nothing printed here carries key material (node events name SPIs and suites only,
 * docs/protocol.md §7); a refusal to start names the thing and the fix and maps to exit 2.
 */
import { systemClock, type Clock } from '../../common/index.js';
import { FileLatchStore, MemoryLatchStore, formatEndpoint, type LatchStore } from '../discovery/index.js';
import { PiaNode, openUdpTransport, watchSends, type DatagramTransport, type SendFailure, type UdpTransportOptions } from '../node/index.js';
import { suiteChoice, type SuiteChoice } from '../suite-order.js';
import type { SuiteId } from '../suites-ids.js';
import type { EndpointArg } from './args.js';

export interface PiaIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Aborting stops `listen` and cuts a `ping` short (main wires SIGINT and SIGTERM to it). */
  readonly signal: AbortSignal;
  /** PIA_KEYLOG is read from here (main passes process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Default: openUdpTransport (node:dgram). Tests substitute a transport that fails. */
  readonly openTransport?: (options: UdpTransportOptions) => Promise<DatagramTransport>;
  /** Default: /proc/cpuinfo (the default suite order, suite-order.ts). */
  readonly readCpuinfo?: () => string;
}

export type { SendFailure } from '../node/index.js';

export interface StartedNode {
  readonly node: PiaNode;
  /** The suites offered and accepted, and where that order came from (for the start line). */
  readonly suites: SuiteChoice;
  readonly clock: Clock;
  readonly latches: LatchStore;
  /** Called for every failed send, key exchange and ESP alike. */
  onSendFailure(listener: (failure: SendFailure) => void): void;
  /** Closes the node (SA-closed events fire) and makes pending latch writes durable. */
  close(): Promise<void>;
}

export class StartError extends Error {
  override readonly name = 'StartError';
}

export interface NodeSetupOptions {
  readonly program: string;
  readonly bind: EndpointArg;
  /** Undefined: the CPU's order. */
  readonly suites: readonly SuiteId[] | undefined;
  readonly latchFile?: string | undefined;
  /** Info lines from the node (latch writes, …) are printed only when verbose. */
  readonly verbose: boolean;
  /** A program that only initiates (ping): one connected socket per peer, so ICMP unreachable is heard (docs/protocol.md §2). */
  readonly connectPeers?: boolean;
}

/** Opens the latch store, the socket and the node, in that order; throws StartError. */
export async function startNode(o: NodeSetupOptions, io: PiaIo): Promise<StartedNode> {
  const warn = (m: string): void => void io.stderr.write(`${o.program}: warning: ${m}\n`);
  const info = (m: string): void => void (o.verbose ? io.stdout.write(`${o.program}: ${m}\n`) : undefined);
  let latches: LatchStore;
  try {
    latches = o.latchFile === undefined ? new MemoryLatchStore({ log: warn }) : await FileLatchStore.open({ file: o.latchFile, log: warn });
  } catch (e) {
    throw new StartError(`--latch-file: ${(e as Error).message}`);
  }
  let transport: DatagramTransport;
  try {
    transport = await (io.openTransport ?? openUdpTransport)({ address: o.bind.address, port: o.bind.port, onError: (err) => warn(`socket: ${err.message}`), ...(o.connectPeers === true ? { connectPeers: true } : {}) });
  } catch (e) {
    throw new StartError(`${(e as Error).message} (--bind ${formatEndpoint(o.bind)})`);
  }
  const failureListeners: ((f: SendFailure) => void)[] = [];
  const watched = watchSends(transport, (f) => {
    for (const l of failureListeners) l(f);
  });
  const keyLogPath = io.env?.PIA_KEYLOG;
  const suites = suiteChoice(o.suites, '--suite', io.readCpuinfo);
  const clock = io.clock ?? systemClock();
  let node: PiaNode;
  try {
    node = new PiaNode({
      transport: watched,
      clock,
      latches,
      suites: suites.suites,
      logger: { info, warn },
      ...(keyLogPath !== undefined && keyLogPath !== '' ? { keyLogPath } : {}),
    });
  } catch (e) {
    await transport.close();
    throw new StartError(`PIA_KEYLOG: ${(e as Error).message}`);
  }
  return {
    node,
    suites,
    clock,
    latches,
    onSendFailure: (l) => void failureListeners.push(l),
    async close() {
      await node.close();
      await latches.flush().catch((e: Error) => warn(`latch store: ${e.message}`));
    },
  };
}


const SEND_PROBLEMS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'nothing listens on that port (the host answered ICMP port unreachable); check that the peer runs there',
  ENETUNREACH: `no route to that network; check the address and this host's routes (ip route get ADDR)`,
  EHOSTUNREACH: 'the host is unreachable (no neighbour answered, or a router said so); check the address and that the peer is up',
  EACCES: 'a firewall rule or socket policy refused the send; check the local firewall (nft list ruleset)',
  EPERM: 'a firewall rule refused the send; check the local firewall (nft list ruleset)',
  EADDRNOTAVAIL: 'the bind address cannot send there; bind to :: or to an address on the same network (--bind)',
  EAFNOSUPPORT: 'an IPv4-only socket cannot reach an IPv6 peer; bind to :: (--bind)',
  EINVAL: 'the OS refused the destination; check the address (a link-local address needs a zone, fe80::1%eth0)',
};

export function describeSendFailure(f: SendFailure): string {
  const problem = SEND_PROBLEMS[f.code]?.replace('ADDR', f.to.address.replace(/^::ffff:(?=\d+\.)/, '')) ?? `the OS refused the send (${f.message}); check the address and the network`;
  return `cannot reach ${formatEndpoint(f.to)} (${f.code}): ${problem}`;
}

export const spiHex = (spi: number): string => `0x${spi.toString(16).padStart(8, '0')}`;
