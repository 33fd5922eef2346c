/** The MQTT uplink: durable store-and-forward to a broker (README.md). */
import { MqttUplink, type UplinkOptions } from './mqtt-uplink.js';

export { DurableQueue, type DurableQueueOptions, type NewMessage, type QueuedMessage, type QueueStats } from './durable-queue.js';
export { MqttUplink, type UplinkOptions } from './mqtt-uplink.js';
export { discoveryConfigs, discoveryRemovals, discoveryTopic, type DiscoveryMessage, type DiscoveryOptions } from './home-assistant/discovery.js';
export { deviceEntities, type Component, type Entity } from './home-assistant/entities.js';
export { translateCommand, MAX_COMMAND_BYTES, type DeviceOp, type Translated } from './home-assistant/commands.js';
export { topicsFor, ONLINE, OFFLINE, GATEWAY_STATE_NAME, type CommandVerb, type Topics } from './topics.js';
export type { UplinkConfig, UplinkHealth, UplinkLogger, UplinkState } from './types.js';

/** Opens the queue and starts connecting; returns at once (never waits for the broker). */
export function createUplink(options: UplinkOptions): MqttUplink {
  return new MqttUplink(options);
}
