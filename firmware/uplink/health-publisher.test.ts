import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { CHANGE_GAP_MS, HealthPublisher, type HealthFigures } from './health-publisher.js';

function rig(): { clock: ManualClock; now: { h: HealthFigures; connected: boolean }; published: HealthFigures[]; p: HealthPublisher } {
  const clock = new ManualClock();
  const now = { h: { queueDepth: 0, dropped: 0 }, connected: true };
  const published: HealthFigures[] = [];
  const p = new HealthPublisher(clock, 30_000, () => {
    if (!now.connected) return undefined;
    published.push(now.h);
    return now.h;
  });
  return { clock, now, published, p };
}

describe('HealthPublisher', () => {
  it('in steady state (each message acknowledged as it comes) publishes on connect and on the interval only', async () => {
    const { clock, now, published, p } = rig();
    p.connected();
    for (let i = 0; i < 100; i++) {
      now.h = { queueDepth: 1, dropped: 0 };
      p.changed(now.h);
      now.h = { queueDepth: 0, dropped: 0 };
      p.changed(now.h);
      await clock.advance(100); // 10 s of data messages
    }
    expect(published).toHaveLength(1);
    await clock.advance(20_000);
    expect(published).toHaveLength(2);
    p.stop();
  });

  it('publishes when a reported backlog has drained and when messages were dropped, at most once per CHANGE_GAP_MS', async () => {
    const { clock, now, published, p } = rig();
    now.h = { queueDepth: 40, dropped: 0 };
    p.connected();
    now.h = { queueDepth: 0, dropped: 0 };
    p.changed(now.h); // drained, but within the gap of the connect report
    expect(published).toHaveLength(1);
    await clock.advance(CHANGE_GAP_MS);
    expect(published.at(-1)).toEqual({ queueDepth: 0, dropped: 0 });
    await clock.advance(5_000);
    now.h = { queueDepth: 10, dropped: 3 };
    p.changed(now.h);
    expect(published.at(-1)).toEqual({ queueDepth: 10, dropped: 3 });
    expect(published).toHaveLength(3);
    p.stop();
    await clock.advance(100_000);
    expect(published).toHaveLength(3); // stopped: nothing more
  });

  it('publishes nothing while disconnected and starts again on the next connect', async () => {
    const { clock, now, published, p } = rig();
    now.connected = false;
    p.connected();
    p.changed({ queueDepth: 0, dropped: 9 });
    await clock.advance(100_000);
    expect(published).toHaveLength(0);
    now.connected = true;
    p.connected();
    expect(published).toHaveLength(1);
    p.stop();
  });
});
