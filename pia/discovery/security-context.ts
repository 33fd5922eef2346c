/**
 * The security context every inbound datagram carries to the application (docs/protocol.md
 * §7), so the application decides what to allow: phase 1 = plaintext, phase 2 = arrived in an
 * ESP SA (encrypted, peer unauthenticated), phase 3 = the peer proved its identity through the
 * trusted server (docs/protocol.md §9; typed so the application's checks are written once).
 *
 * Must hold: the context names SAs by SPI and suite only; it never holds key material, so no
 * log line built from it can leak a key.
 */
import { SUITE_NAMES, type SuiteId } from '../suites-ids.js';

export interface PeerEndpoint {
  /** The peer's address (canonical text, see address.ts). */
  readonly address: string;
  readonly port: number;
}

/** The SA pair a phase-2/3 datagram arrived on. */
export interface SaInfo {
  /** Our inbound SPI (the one this datagram carried). */
  readonly spiIn: number;
  /** The SPI we send to the peer on. */
  readonly spiOut: number;
  readonly suite: SuiteId;
}

/** Phase 3 (§9): who the trusted server says the peer is. */
export interface PeerIdentity {
  /** The node ID registered with the trusted server (UUID text). */
  readonly nodeId: string;
  readonly kind: 'gateway' | 'operator' | 'station' | 'server';
  /** The registry's label, for logs. */
  readonly label: string;
}

/** Phase 3 (§9.6): what the trusted server allows the peer to do here. */
export interface Grant {
  readonly id: string;
  /** Device selector: a name, a glob with `*`, or `*`. */
  readonly devices: string;
  /** "read" | "control" | "call:<name>" … */
  readonly rights: readonly string[];
  /** Seconds the grant remains valid from now (when the datagram was delivered). */
  readonly validS: number;
}

export interface PlaintextContext {
  readonly phase: 1;
  readonly peer: PeerEndpoint;
  readonly sa?: never;
  readonly peerIdentity?: never;
  readonly grants?: never;
}

export interface EspContext {
  readonly phase: 2;
  readonly peer: PeerEndpoint;
  readonly sa: SaInfo;
  readonly peerIdentity?: never;
  readonly grants?: never;
}

export interface AuthenticatedContext {
  readonly phase: 3;
  readonly peer: PeerEndpoint;
  readonly sa: SaInfo;
  readonly peerIdentity: PeerIdentity;
  readonly grants: readonly Grant[];
}

export type SecurityContext = PlaintextContext | EspContext | AuthenticatedContext;

export function plaintextContext(peer: PeerEndpoint): PlaintextContext {
  return { phase: 1, peer };
}

export function espContext(peer: PeerEndpoint, sa: SaInfo): EspContext {
  return { phase: 2, peer, sa };
}

/**
 * One log line's worth: `phase 2 from [2001:db8::1]:4500 sa in 0x0000abcd out 0x12345678 aes-gcm`.
 * Reads only the fields above, so extra properties on the object (whatever a caller attached)
 * never reach the log.
 */
export function describeSecurityContext(ctx: SecurityContext): string {
  const from = `phase ${ctx.phase} from ${formatEndpoint(ctx.peer)}`;
  switch (ctx.phase) {
    case 1:
      return `${from} plaintext`;
    case 2:
      return `${from} ${describeSa(ctx.sa)}`;
    case 3: {
      const { nodeId, kind, label } = ctx.peerIdentity;
      return `${from} ${describeSa(ctx.sa)} peer ${kind} ${nodeId} (${JSON.stringify(label)}) grants ${ctx.grants.length}`;
    }
  }
}

/** `[v6]:port` or, for IPv4-mapped peers, `a.b.c.d:port`. */
export function formatEndpoint(peer: PeerEndpoint): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(peer.address);
  if (v4?.[1] !== undefined) return `${v4[1]}:${peer.port}`;
  return peer.address.includes(':') ? `[${peer.address}]:${peer.port}` : `${peer.address}:${peer.port}`;
}

function describeSa(sa: SaInfo): string {
  return `sa in ${spiHex(sa.spiIn)} out ${spiHex(sa.spiOut)} ${SUITE_NAMES[sa.suite]}`;
}

function spiHex(spi: number): string {
  return `0x${(spi >>> 0).toString(16).padStart(8, '0')}`;
}
