/** The MQTT uplink: durable store-and-forward to a broker (README.md). */
import { MqttUplink } from './mqtt-uplink.js';
import type { UplinkOptions } from './types.js';

export { DurableQueue, type DurableQueueOptions, type NewMessage, type QueuedMessage, type QueueStats } from './durable-queue.js';
export { MqttUplink, CLOSE_DRAIN_MS } from './mqtt-uplink.js';
export { reconnectDelay, resolveSettings, type UplinkSettings } from './settings.js';
export { TB_TOPICS } from './thingsboard-format.js';
export { discoveryConfigs, discoveryRemovals, discoveryTopic, type DiscoveryMessage, type DiscoveryOptions } from './home-assistant/discovery.js';
export { deviceEntities, type Component, type Entity } from './home-assistant/entities.js';
export { translateCommand, MAX_COMMAND_BYTES, type DeviceOp, type Translated } from './home-assistant/commands.js';
export { topicsFor, ONLINE, OFFLINE, GATEWAY_STATE_NAME, type CommandVerb, type Topics } from './topics.js';
export type { UplinkConfig, UplinkFormatName, UplinkHealth, UplinkLogger, UplinkOptions, UplinkState } from './types.js';

/** Opens the queue and starts connecting; returns at once (never waits for the broker). */
export function createUplink(options: UplinkOptions): MqttUplink {
  return new MqttUplink(options);
}
