/**
 * The gateway runtime's public shapes: what `startGateway` takes and what it gives back.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../common/index.js';
import type { FileAuditLog } from '../../common/audit/index.js';
import type { Device, DeviceKind, Health } from '../../devices/model/index.js';
import type { LoadedIdentity } from '../../pia/credential/index.js';
import type { KxRandom } from '../../pia/handshake/index.js';
import type { PiaNode, SaLimits } from '../../pia/node/index.js';
import type { CommandRunner, EffectiveAddressingMode } from '../addressing/index.js';
import type { DeviceConfig, GatewayConfig, HostPort } from '../config/index.js';
import type { UplinkConfig, UplinkHealth } from '../uplink/index.js';
import type { GatewayHardware, HostHardware } from './hardware.js';
import type { GatewayNetwork, TrustState } from './pia-endpoint.js';
import type { ReportStatus } from './trust-report.js';
import type { RevocationCounters } from './revocation-endpoint.js';

export interface GatewayOptions {
  readonly config: GatewayConfig;
  /** The Linux drivers (linuxHardware) or the simulated building's `host`. */
  readonly hardware: GatewayHardware | HostHardware;
  readonly clock: Clock;
  /** pino; structured lines go here (the program writes them to stdout as JSON). */
  readonly logger: Logger;
  /** Default: from the ATECC608 in config.gateway.secureElement, else loadIdentity(config.gateway.credential) (identity.ts). */
  readonly credential?: LoadedIdentity;
  /** Default: real UDP sockets (udpNetwork()); tests pass memoryGatewayNetwork(net). */
  readonly network?: GatewayNetwork;
  /** Runs `ip` and `sysctl` for addressing; default the real programs. */
  readonly exec?: CommandRunner;
  /** Default: CAP_NET_ADMIN from /proc/self/status. */
  readonly canAdminNetwork?: () => boolean;
  /** Backoff jitter of the device pollers and CoAP; default Math.random. */
  readonly random?: () => number;
  /** Wall clock for audit records and latch times; default the clock's `wallNow` (the one device values and events carry). */
  readonly wallClock?: () => Date;
  /** Bounds on device start and stop; defaults 10 000 and 5 000 ms per device. */
  readonly timeouts?: { readonly deviceStartMs?: number; readonly deviceStopMs?: number };
  /** PIA node extras (tests: seeded randomness, lowered limits; PIA_KEYLOG). */
  readonly pia?: { readonly random?: KxRandom; readonly limits?: Partial<SaLimits>; readonly keyLogPath?: string };
  /** MQTT uplink extras (tests: backoff, randomness); the settings come from config.mqtt. */
  readonly uplink?: { readonly config?: Partial<Omit<UplinkConfig, 'url'>>; readonly random?: () => number };
  /** The admin HTTP endpoint; default config.gateway.adminListen; null = none. */
  readonly adminListen?: HostPort | null;
  /** This firmware's version (package.json's), sent in the report to the trusted server; default "unknown". */
  readonly firmwareVersion?: string;
}

export interface GatewayDevice {
  readonly name: string;
  readonly kind: DeviceKind;
  readonly config: DeviceConfig;
  /** The device model (or, when it could not be built, a placeholder that says why). */
  readonly device: Device;
  /** Its stable address: the prefix and an RFC 7217-style interface identifier. */
  readonly address: string;
  /** Where plain CoAP serves it (its address, or [::1] and its port on loopback); over PIA the same address and port as inner destination. */
  readonly endpoint: { readonly address: string; readonly port: number };
  /** Started and not stopped. */
  readonly running: boolean;
  health(): Health;
}

export interface Gateway {
  /** The gateway's node ID (UUID text). */
  readonly id: string;
  readonly devices: readonly GatewayDevice[];
  device(name: string): GatewayDevice | undefined;
  /** Name, stable address and CoAP endpoint of each device, in config order. */
  readonly addresses: readonly { readonly name: string; readonly address: string; readonly endpoint: { readonly address: string; readonly port: number } }[];
  readonly addressing: EffectiveAddressingMode;
  /** The PIA endpoint: its node, the address and port peers reach it at (our discovery option's). */
  readonly pia: { readonly node: PiaNode; readonly address: string; readonly port: number; readonly trust: TrustState };
  /** The admin HTTP endpoint (/healthz, /metrics), unless disabled. */
  readonly admin: HostPort | undefined;
  readonly audit: FileAuditLog;
  /** CoAP observations (RFC 7641) being served now, plain and over PIA. */
  observers(): number;
  /** The last report to the trusted server (docs/protocol.md §9.9): when, and how it went. */
  report(): ReportStatus;
  /** The trusted server's revocation notices (docs/protocol.md §9.11): applied, refused, what they closed. */
  revocations(): RevocationCounters;
  /** The MQTT uplink's state, queue depth and dropped count; undefined without an mqtt section. */
  uplink(): UplinkHealth | undefined;
  /** The /healthz document. */
  health(): Record<string, unknown>;
  /** The /metrics text (Prometheus exposition format). */
  metrics(): Promise<string>;
  /**
   * Serves one more device over PIA, at the gateway's PIA address and inner port `port`
   * (default gateway.coapPort, where the directory lists it too), under the gateway's policy
   * (plain reads only with `plainReads`), audit log and metrics, as a configured device is.
   * The device is the caller's: the gateway neither starts nor stops it, and /healthz does not
   * list it (a benchmark's, a test's). Returns the function that unmounts it; the gateway's
   * close ends it too. Throws once the gateway is stopping.
   */
  mount(device: Device, at?: { readonly port?: number; readonly plainReads?: boolean }): () => void;
  /** Idempotent: devices to their safe state (bounded per device), then sockets, addresses, admin, audit. */
  close(): Promise<void>;
}
