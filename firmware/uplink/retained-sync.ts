/**
 * On each connect, before the queue drains: which of this gateway's last delivered states
 * does the broker still hold retained? Only the missing or older ones are published again,
 * directly (outside the capped queue, with their original `seq` and `at`), so a broker that lost
 * its retained store gets them back and an intact one costs nothing.
 *
 * Flow:
 *  1. subscribe to the states' topic filter at QoS 0: the broker sends its retained copies at
 *     once, not held back by an in-flight window (MQTT 3.1.1 §3.3.1.3; QoS 0 needs no PUBACK);
 *  2. unsubscribe: the broker handles one client's packets in order, so every retained copy it
 *     sent for the subscription arrives before the UNSUBACK (Mosquitto does; a broker that does
 *     not only costs a needless re-send);
 *  3. for every topic whose last delivered payload has a `seq` greater than the broker's copy
 *     (or the broker has none): publish that payload again, QoS 1, retained.
 * Must hold: bounded (SYNC_TIMEOUT_MS of real time); a refused subscription (an ACL), a timeout
 * or an error means "unknown": everything is re-sent (the safe side).
 */
import type { MqttClient } from 'mqtt';
import type { DirectMessage } from './format.js';

export const SYNC_TIMEOUT_MS = 3_000;

export interface SyncInput {
  readonly client: MqttClient;
  /** The topic filter of the retained states. */
  readonly filter: string;
  /** Topic → the last payload the broker acknowledged. */
  readonly delivered: ReadonlyMap<string, string>;
  readonly seqOf: (payload: string) => number | undefined;
}

/** What must be published again (the sync's own subscription is gone when this resolves). */
export async function missingRetained(i: SyncInput): Promise<DirectMessage[]> {
  const all = [...i.delivered].map(([topic, payload]) => ({ topic, payload, retain: true }));
  if (all.length === 0) return [];
  const held = new Map<string, string>();
  const listener = (topic: string, payload: Buffer, packet: { retain: boolean }): void => {
    if (packet.retain && i.delivered.has(topic)) held.set(topic, payload.toString());
  };
  i.client.on('message', listener);
  let timer: NodeJS.Timeout | undefined;
  try {
    const exchange = async (): Promise<boolean> => {
      const granted = await i.client.subscribeAsync(i.filter, { qos: 0 });
      await i.client.unsubscribeAsync(i.filter);
      return granted.every((g) => g.qos !== 128);
    };
    const timeout = new Promise<boolean>((res) => (timer = setTimeout(() => res(false), SYNC_TIMEOUT_MS)));
    const ok = await Promise.race([exchange().catch(() => false), timeout]);
    if (!ok) return all;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    i.client.removeListener('message', listener);
  }
  return all.filter((m) => {
    const ours = i.seqOf(m.payload) ?? 0;
    const theirs = held.get(m.topic);
    return theirs === undefined || (i.seqOf(theirs) ?? 0) < ours;
  });
}
