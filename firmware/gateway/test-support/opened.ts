/** Test helper: what a broker test opened (gateways, MQTT subscribers, processes), closed after each test. */
import type { ProcessTracker } from '../../../common/test-support/index.js';
import type { TestSubscriber } from '../../uplink/test-support/subscriber.js';
import type { MemoryGateway } from './memory-gateway.js';

export interface Opened {
  readonly gateways: MemoryGateway[];
  readonly subs: TestSubscriber[];
  /** Closes the gateways, then the subscribers, then stops the tracker's processes; empties the lists. */
  closeAll(): Promise<void>;
}

export function openedInTest(tracker: ProcessTracker): Opened {
  const gateways: MemoryGateway[] = [];
  const subs: TestSubscriber[] = [];
  return {
    gateways,
    subs,
    async closeAll() {
      for (const g of gateways.splice(0)) await g.close();
      await Promise.all(subs.splice(0).map((s) => s.close()));
      await tracker.stopAll();
    },
  };
}
