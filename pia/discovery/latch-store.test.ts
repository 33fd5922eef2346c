import { describe, expect, it } from 'vitest';
import { SuiteId } from '../suites-ids.js';
import { MemoryLatchStore } from './latch-store.js';

function clocked(maxPeers?: number) {
  let now = 1_700_000_000_000;
  const logs: string[] = [];
  const store = new MemoryLatchStore({ now: () => now, log: (m) => logs.push(m), ...(maxPeers === undefined ? {} : { maxPeers }) });
  return { store, logs, advance: (ms: number) => (now += ms), now: () => now };
}

describe('MemoryLatchStore (the LatchTable both stores share)', () => {
  it('keys peers by canonical address', async () => {
    const { store } = clocked();
    await store.record(['2001:DB8:0:0::1'], { piaPort: 4500 });
    expect(store.has('2001:db8::1')).toBe(true);
    expect([...store.entries()].map(([k]) => k)).toEqual(['2001:db8::1']);
    await store.record(['192.0.2.1'], { piaPort: 4500 });
    expect(store.has('::ffff:192.0.2.1')).toBe(true);
  });

  it('keeps "since", moves "lastSeen", keeps the suite when a refresh does not name one', async () => {
    const { store, advance, now } = clocked();
    await store.record(['2001:db8::1'], { piaPort: 4500, suite: SuiteId.ChaCha20Poly1305 });
    const since = now();
    advance(60_000);
    await store.record(['2001:db8::1'], { piaPort: 4501 });
    expect(store.get('2001:db8::1')).toEqual({ since, lastSeen: since + 60_000, piaPort: 4501, suite: SuiteId.ChaCha20Poly1305 });
    advance(1_000);
    store.touch('2001:db8::1');
    expect(store.get('2001:db8::1')?.lastSeen).toBe(since + 61_000);
  });

  it('stores piaAddress only when it is not the peer itself', async () => {
    const { store } = clocked();
    await store.record(['2001:db8::1', '2001:db8::f1'], { piaPort: 4500, piaAddress: '2001:DB8::1' });
    expect(store.get('2001:db8::1')?.piaAddress).toBeUndefined();
    expect(store.get('2001:db8::f1')?.piaAddress).toBe('2001:db8::1');
  });

  it('touch of an unknown peer latches nothing', () => {
    const { store } = clocked();
    store.touch('2001:db8::9');
    expect(store.size).toBe(0);
  });

  it('when full, forgets the least recently seen peer and logs whom', async () => {
    const { store, logs, advance } = clocked(3);
    for (const p of ['2001:db8::1', '2001:db8::2', '2001:db8::3']) {
      await store.record([p], { piaPort: 4500 });
      advance(1_000);
    }
    store.touch('2001:db8::1'); // now the most recent
    await store.record(['2001:db8::4'], { piaPort: 4500 });
    expect([...store.entries()].map(([k]) => k).sort()).toEqual(['2001:db8::1', '2001:db8::3', '2001:db8::4']);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/full \(3 peers\); forgot the latch of 2001:db8::2 .*raise maxPeers/);
    await store.record(['2001:db8::4'], { piaPort: 4500 }); // a refresh evicts nobody
    expect(store.size).toBe(3);
  });

  it('remove unlatches', async () => {
    const { store } = clocked();
    await store.record(['2001:db8::1'], { piaPort: 4500 });
    expect(await store.remove('2001:db8::1')).toBe(true);
    expect(await store.remove('2001:db8::1')).toBe(false);
    expect(store.has('2001:db8::1')).toBe(false);
  });

  it('refuses a nonsensical bound', () => {
    expect(() => new MemoryLatchStore({ maxPeers: 0 })).toThrow(/maxPeers 0/);
  });
});
