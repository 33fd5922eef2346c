import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { createMemoryNetwork } from './memory-network.js';
import type { Endpoint } from './transport.js';

function rig() {
  const clock = new ManualClock();
  const net = createMemoryNetwork({ clock });
  const x = net.attach('2001:db8::1', 4500);
  const y = net.attach('2001:db8::2', 4500);
  const got: { bytes: number[]; from: Endpoint }[] = [];
  y.onDatagram((bytes, from) => got.push({ bytes: [...bytes], from }));
  return { clock, net, x, y, got, Y: { address: '2001:db8::2', port: 4500 } };
}

describe('in-memory network (test transport)', () => {
  it('delivers in order with the sender as source, as a copy the sender cannot change afterwards', async () => {
    const r = rig();
    const buf = Uint8Array.of(1, 2);
    await r.x.send(buf, r.Y);
    buf[0] = 99;
    await r.x.send(Uint8Array.of(3), { address: '2001:DB8:0::2', port: 4500 }); // any spelling
    await r.clock.advance(0);
    expect(r.got).toEqual([
      { bytes: [1, 2], from: { address: '2001:db8::1', port: 4500 } },
      { bytes: [3], from: { address: '2001:db8::1', port: 4500 } },
    ]);
  });

  it('drops, duplicates, tampers with and delays datagrams as interceptors say; observers see each fate', async () => {
    const r = rig();
    const fates: string[] = [];
    r.net.observe((d, outcome) => fates.push(`${d.bytes[0]}:${outcome}`));
    const stop = r.net.intercept((d) => {
      if (d.bytes[0] === 1) return 'drop';
      if (d.bytes[0] === 2) return [{}, {}];
      if (d.bytes[0] === 3) return [{ bytes: Uint8Array.of(30) }];
      if (d.bytes[0] === 4) return [{ delayMs: 10 }];
      return undefined;
    });
    for (const b of [1, 2, 3, 4, 5]) await r.x.send(Uint8Array.of(b), r.Y);
    await r.clock.advance(0);
    expect(r.got.map((g) => g.bytes[0])).toEqual([2, 2, 30, 5]);
    await r.clock.advance(10);
    expect(r.got.map((g) => g.bytes[0])).toEqual([2, 2, 30, 5, 4]);
    expect(fates).toEqual(['1:dropped', '2:delivered', '2:delivered', '30:delivered', '5:delivered', '4:delivered']);
    stop();
    await r.x.send(Uint8Array.of(1), r.Y);
    await r.clock.advance(0);
    expect(r.got.at(-1)!.bytes).toEqual([1]);
    expect(r.net.stats).toEqual({ sent: 6, delivered: 6, dropped: 1, unreachable: 0 });
  });

  it('rebind moves a transport behind a new public endpoint, like a NAT: it sends from it and is reached there only', async () => {
    const r = rig();
    const back: number[] = [];
    r.x.onDatagram((bytes) => back.push(bytes[0]!));
    const pub = { address: '2001:db8::1', port: 61000 };
    r.net.rebind({ address: '2001:db8::1', port: 4500 }, pub);
    await r.x.send(Uint8Array.of(7), r.Y);
    await r.y.send(Uint8Array.of(8), pub);
    await r.y.send(Uint8Array.of(9), { address: '2001:db8::1', port: 4500 });
    await r.clock.advance(0);
    expect(r.got[0]!.from).toEqual(pub);
    expect(back).toEqual([8]);
    expect(r.net.stats.unreachable).toBe(1);
    expect(r.x.local).toEqual({ address: '2001:db8::1', port: 4500 });
  });

  it('refuses a second transport on a taken endpoint and sending after close', async () => {
    const r = rig();
    expect(() => r.net.attach('2001:db8::1', 4500)).toThrow(/already attached/);
    await r.x.close();
    await expect(r.x.send(Uint8Array.of(1), r.Y)).rejects.toThrow(/closed/);
  });
});
