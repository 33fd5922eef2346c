/**
 * The process's seams for `piactl`, so tests run it in-process against an in-memory network
 * with a ManualClock, and the program (piactl.ts) passes the real ones.
 */
import { createSocket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import type { Clock } from '../../common/index.js';
import type { DatagramTransport, Endpoint, PiaNodeOptions, UdpTransportOptions } from '../../pia/node/index.js';
import type { PiactlEnv } from './args.js';

export interface PiactlIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Aborting stops `watch` (exit 0) and interrupts any other command (exit 130). */
  readonly signal: AbortSignal;
  /**
   * PIACTL_CREDENTIAL, PIACTL_GATEWAY, PIACTL_GATEWAY_ID, PIACTL_KNOWN_GATEWAYS, HOME,
   * XDG_CONFIG_HOME, PIA_KEYLOG (main passes process.env). Without XDG_CONFIG_HOME, HOME or
   * PIACTL_KNOWN_GATEWAYS, the known-gateways file is in the process's home: a test gives one.
   */
  readonly env?: PiactlEnv;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Default: openUdpTransport (node:dgram) on [::]:0. */
  readonly openTransport?: (options: UdpTransportOptions) => Promise<DatagramTransport>;
  /**
   * The inner source address toward the gateway (what the gateway answers to); default: the
   * address the OS routes from (real UDP), or the transport's own address (a test transport).
   */
  readonly sourceAddress?: (gateway: Endpoint) => Promise<string | undefined>;
  /** More PiaNode options (tests: seeded randomness, shorter limits). */
  readonly node?: Omit<Partial<PiaNodeOptions>, 'transport' | 'clock' | 'latches' | 'phase3'>;
}

/**
 * The local address the OS would send from to reach `gateway` (a connected UDP socket sends
 * nothing), so the inner packets carry a real source address and not the wildcard the socket
 * is bound to. Undefined when there is no route: the key exchange then reports the problem.
 */
export async function routedSourceAddress(gateway: Endpoint): Promise<string | undefined> {
  const socket = createSocket({ type: 'udp6', ipv6Only: false });
  const to = isIPv4(gateway.address) ? `::ffff:${gateway.address}` : gateway.address;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(gateway.port, to, () => resolve());
    });
    return socket.address().address;
  } catch {
    return undefined;
  } finally {
    try {
      socket.close();
    } catch {
      // never bound: nothing to close
    }
  }
}
