/**
 * The process's seams for `piactl`, so tests run it in-process against an in-memory network
 * with a ManualClock, and the program (piactl.ts) passes the real ones.
 */
import type { Clock } from '../../common/index.js';
import type { DatagramTransport, PiaNodeOptions, UdpTransportOptions } from '../../pia/node/index.js';
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
  /**
   * Default: openUdpTransport (node:dgram) on [::]:0 with a socket connected to each peer
   * (docs/protocol.md §2 "Sockets": an ICMP port unreachable ends the command at once), whose
   * local address is the inner source toward the gateway (§6).
   */
  readonly openTransport?: (options: UdpTransportOptions) => Promise<DatagramTransport>;
  /** More PiaNode options (tests: seeded randomness, shorter limits). */
  readonly node?: Omit<Partial<PiaNodeOptions>, 'transport' | 'clock' | 'latches' | 'phase3'>;
}
