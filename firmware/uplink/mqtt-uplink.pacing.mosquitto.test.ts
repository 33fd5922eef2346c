/**
 * Pacing on the injected clock (ManualClock), against a real Mosquitto: the drain is throttled
 * to drainRatePerSec, and reconnects back off exponentially with jitter (no fixed-period storm).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { ProcessTracker } from '../../common/test-support/index.js';
import { createUplink, type MqttUplink, type UplinkConfig } from './index.js';
import { freePort, TestBroker } from './test-support/mosquitto.js';
import { memoryLogger, sleep, until } from './test-support/subscriber.js';

const tracker = new ProcessTracker();
let dir: string;
let uplinks: MqttUplink[] = [];
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'uplink-pacing-'))));
afterEach(async () => {
  await Promise.all(uplinks.map((u) => u.close()));
  uplinks = [];
  await tracker.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function uplink(url: string, clock: ManualClock, extra: Partial<UplinkConfig>, logger = memoryLogger()): MqttUplink {
  const u = createUplink({ config: { url, ...extra }, queueFile: join(dir, 'q.db'), clock, logger, gatewayId: 'gw1', random: () => 0.5 });
  uplinks.push(u);
  return u;
}

describe('MqttUplink pacing', () => {
  it('drains a backlog at drainRatePerSec of clock time', async () => {
    const broker = new TestBroker(tracker, await freePort());
    const clock = new ManualClock();
    const u = uplink(broker.url, clock, { drainRatePerSec: 10, reconnectMinMs: 100, reconnectMaxMs: 100 });
    for (let i = 0; i < 30; i++) u.publishEvent({ device: 'd0', kind: 'tick', severity: 'info', message: String(i), at: new Date(i).toISOString(), by: 'device' });
    await sleep(50);
    await broker.start();
    await until(() => u.health().failures > 0 || u.health().state === 'connected', 'the first attempt to end');
    while (u.health().state !== 'connected') {
      await clock.advance(100);
      await sleep(30);
    }
    await until(() => u.health().queueDepth === 20, 'one second of tokens (10 messages) delivered');
    await sleep(200);
    expect(u.health().queueDepth).toBe(20); // the clock has not moved: no more tokens
    await clock.advance(500);
    await until(() => u.health().queueDepth === 15, 'half a second more: 5 messages');
    await clock.advance(1500);
    await until(() => u.health().queueDepth === 0, 'the rest');
  });

  it('backs off exponentially with jitter up to the cap while the broker is down', async () => {
    const port = await freePort();
    const clock = new ManualClock();
    const logger = memoryLogger();
    uplink(`mqtt://127.0.0.1:${port}`, clock, { reconnectMinMs: 100, reconnectMaxMs: 400 }, logger);
    const retries = (): number[] => logger.lines.filter((l) => l.startsWith('uplink: disconnected')).map((l) => Number(/"retryInMs":(\d+)/.exec(l)?.[1]));
    for (let n = 1; n <= 4; n++) {
      await until(() => retries().length === n, `attempt ${n} to fail`);
      await clock.advance(retries()[n - 1] ?? 0);
    }
    // d = min(400, 100·2^(n−1)), delay = d/2 + random·d/2 with random = 0.5
    expect(retries().slice(0, 4)).toEqual([75, 150, 300, 300]);
  });
});
