import { describe, expect, it } from 'vitest';
import { MAX_DATAGRAM, PacketBuffer } from './packet-buffer.js';

describe('PacketBuffer (the per-packet path reuses its memory)', () => {
  it('hands out the same view object for the same start and length, over the same memory', () => {
    const buf = new PacketBuffer(64);
    const v = buf.view(16, 20);
    expect(buf.view(16, 20)).toBe(v);
    expect(buf.view(16, 21)).not.toBe(v);
    expect([v.byteOffset, v.length, v.buffer]).toEqual([16, 20, buf.bytes.buffer]);
    buf.bytes[16] = 7;
    expect(v[0]).toBe(7);
  });

  it('grows to a power of two only for a larger packet, then keeps that memory; old views are dropped', () => {
    const buf = new PacketBuffer(64);
    const small = buf.bytes;
    expect(buf.ensure(60)).toBe(small);
    const v = buf.view(0, 60);
    const grown = buf.ensure(300);
    expect(grown.length).toBe(512);
    expect(buf.ensure(100)).toBe(grown);
    expect(buf.view(0, 60)).not.toBe(v);
    expect(buf.view(0, 60).buffer).toBe(grown.buffer);
    expect(buf.ensure(MAX_DATAGRAM).length).toBe(MAX_DATAGRAM);
  });

  it('refuses a datagram UDP cannot carry, and a view past the end (naming the fix)', () => {
    const buf = new PacketBuffer(64);
    expect(() => buf.ensure(MAX_DATAGRAM + 1)).toThrow(/65528 bytes exceed the largest UDP datagram \(65527\)/);
    expect(() => buf.view(60, 8)).toThrow(/bytes 60\.\.68 are past its 64; ensure\(\) first/);
  });

  it('keeps a bounded number of views whatever lengths arrive', () => {
    const buf = new PacketBuffer(2048);
    const first = buf.view(0, 1);
    for (let n = 2; n < 1000; n++) buf.view(0, n);
    expect(buf.view(0, 1)).not.toBe(first); // the cache was emptied on the way: bounded
    expect(buf.view(0, 1)).toEqual(first);
  });
});
