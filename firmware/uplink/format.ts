/**
 * What a topic layout provides to the uplink (README.md, "Topics" and "ThingsBoard"): the
 * messages of a state, an event and an announce (through the durable queue), the messages
 * published directly on each connection and at close, the last will, the health.
 *
 * Must hold for every format: a queued message with a function payload takes a sequence number
 * and must carry it; everything else takes none (durable-queue.ts).
 */
import type { DeviceDescription, DeviceEvent, Health, Value } from '../../devices/model/index.js';
import type { NewMessage } from './durable-queue.js';

/** A message published at once, outside the queue (a snapshot, not part of the sequenced stream). */
export interface DirectMessage {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

/** The gateway's health as the uplink publishes it (README.md, "Availability"). */
export interface HealthReport {
  readonly state: string;
  readonly queueDepth: number;
  readonly dropped: number;
  readonly lastSeq: number;
  /** Wall-clock time of this report, Unix ms. */
  readonly atMs: number;
  /** The next report is due within this; a consumer that sees none by `atMs + 2·intervalMs` knows the gateway is gone. */
  readonly intervalMs: number;
}

export interface UplinkFormat {
  /** Published by the broker when the connection is lost without a DISCONNECT; none for a broker that keeps no will. */
  readonly will: DirectMessage | undefined;
  /** The topic filter of this gateway's retained states (checked on each connect: retained-sync.ts); undefined when the broker keeps none. */
  readonly retainedStates: string | undefined;
  /** The `seq` a retained state payload carries (to compare the broker's copy with the last delivered one). */
  seqOf(payload: string): number | undefined;
  /** `atMs`: wall-clock time the uplink received it. */
  state(device: string, values: Readonly<Record<string, Value>>, health: Health, atMs: number): NewMessage[];
  /** The event carries when it happened (`at`); `atMs` (when the uplink received it) stands in when that does not parse. */
  event(event: DeviceEvent, atMs: number): NewMessage[];
  /** The devices configured now, once at start (their static description). */
  announce(devices: readonly DeviceDescription[]): NewMessage[];
  /** Directly on each CONNACK, before anything queued: the birth, the devices' connects. */
  onConnect(): DirectMessage[];
  /** Directly by close(), after the queue's last PUBACKs: "offline", the devices' disconnects. */
  onClose(): DirectMessage[];
  health(report: HealthReport): DirectMessage;
}
