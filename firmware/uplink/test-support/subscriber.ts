/** Test helper: a separate mqtt.js subscriber that records what arrives, and waiting on real time. */
import mqtt, { type MqttClient } from 'mqtt';
import type { UplinkLogger } from '../types.js';

export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

export interface TestSubscriber {
  readonly client: MqttClient;
  readonly received: Received[];
  close(): Promise<void>;
}

export interface SubscriberOptions {
  readonly clientId: string;
  readonly clean: boolean;
  /** TLS: the CA (PEM), a client certificate and key; or a username and password. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly username?: string;
  readonly password?: string;
}

/** Connects, subscribes at QoS 1 and resolves once SUBACK is in. `clean: false` keeps a session across broker restarts. */
export async function subscribe(url: string, topics: readonly string[], o: SubscriberOptions): Promise<TestSubscriber> {
  const { clientId, clean, ...login } = o;
  const client = mqtt.connect(url, { clientId, clean, reconnectPeriod: 200, connectTimeout: 5000, ...login });
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
  client.on('error', () => undefined);
  await new Promise<void>((res, rej) => {
    client.once('connect', () => res());
    client.once('error', rej);
  });
  await client.subscribeAsync([...topics], { qos: 1 });
  return { client, received, close: () => client.endAsync(true) };
}

/** Polls `cond` every 20 ms of real time; throws `what` after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function memoryLogger(): UplinkLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (f, m) => lines.push(`${m} ${JSON.stringify(f)}`), warn: (f, m) => lines.push(`${m} ${JSON.stringify(f)}`) };
}
