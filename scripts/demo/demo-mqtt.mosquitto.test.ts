/** `npm start -- --mqtt URL --events` against a real Mosquitto: a building event reaches MQTT, Home Assistant discovery is there. */
import mqtt from 'mqtt';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeTcpPort, freeUdpPorts, ProcessTracker, REPO_ROOT, TSX } from '../../common/test-support/index.js';
import { freePort, TestBroker } from '../../firmware/uplink/test-support/index.js';

const DEMO = join(REPO_ROOT, 'scripts/demo.ts');
const tracker = new ProcessTracker();
let dir: string | undefined;
afterEach(async () => {
  await tracker.stopAll();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the demo with an MQTT broker', () => {
  it('door force on stdin: the forced-door event arrives on MQTT, naming the device as its cause; the lock is announced to Home Assistant', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const received: { topic: string; payload: string }[] = [];
    const client = mqtt.connect(broker.url, { clientId: 'demo-watcher', reconnectPeriod: 200 });
    client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await client.subscribeAsync(['pia/#', 'homeassistant/#'], { qos: 1 });
    try {
      dir = mkdtempSync(join(tmpdir(), 'pia-demo-mqtt-'));
      const base = await freeUdpPorts(16);
      const args = ['--trust-port', String(base), '--pia-port', String(base + 1), '--coap-port', String(base + 2), '--admin-port', String(await freeTcpPort()), '--web-port', '0'];
      const demo = tracker.start(TSX, [DEMO, ...args, '--dir', dir, '--mqtt', broker.url, '--events', '--seconds', '120'], { name: 'demo', stdin: 'pipe' });
      await demo.waitFor(/building events: type one per line/, 90_000);
      await expect.poll(() => received.some((m) => m.topic.startsWith('homeassistant/lock/') && m.topic.includes('front-door')), { timeout: 20_000 }).toBe(true);
      demo.child.stdin?.write('door force\n');
      await demo.waitFor(/building: front door: forced open/, 10_000);
      const forced = (): { topic: string; payload: string } | undefined => received.find((m) => m.topic.endsWith('/front-door/event') && m.payload.includes('forced-door'));
      await expect.poll(forced, { timeout: 20_000, interval: 200 }).toBeDefined();
      expect(JSON.parse(forced()!.payload)).toMatchObject({ device: 'front-door', severity: 'alarm', by: 'device' });
      demo.child.kill('SIGTERM');
      expect(await demo.exited).toBe(0);
    } finally {
      await client.endAsync(true);
    }
  }, 180_000);
});
