import { afterEach, describe, expect, it } from 'vitest';
import type { Datagram } from '../../pia/node/index.js';
import { CoapClientError } from '../client/index.js';
import { CoapOptionNumber, decodeBlock, decodeMessage, findOption, type CoapMessage } from '../message/index.js';
import { CLIENT_ADDRESS, FakeDevice, memorySetup, snapshotBytes, type MemorySetup } from '../test-support/index.js';
import { defaultSzx, sliceBlock } from './blockwise.js';
import { PLAIN_MAX_MESSAGE, PIA_MAX_MESSAGE } from '../transport/index.js';

let s: MemorySetup | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

function toClient(setup: MemorySetup): CoapMessage[] {
  const seen: CoapMessage[] = [];
  setup.net.observe((d: Datagram, outcome) => {
    if (d.to.address === CLIENT_ADDRESS && outcome === 'delivered') seen.push(decodeMessage(d.bytes));
  });
  return seen;
}

describe('Block2 (RFC 7959)', () => {
  it('sizes blocks to fit the transport: 1024 bytes over plain UDP (1232) and over PIA (1147, docs/protocol.md §3)', () => {
    expect(PLAIN_MAX_MESSAGE).toBe(1232);
    expect(PIA_MAX_MESSAGE).toBe(1147);
    expect(defaultSzx(PLAIN_MAX_MESSAGE)).toBe(6);
    expect(defaultSzx(PIA_MAX_MESSAGE)).toBe(6);
    expect(defaultSzx(PIA_MAX_MESSAGE, 512)).toBe(5);
  });

  it('slices at the smaller of the two sizes and rescales the block number so the offset stays (§2.4)', () => {
    const whole = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const s5 = sliceBlock(whole, { num: 3, more: false, szx: 6 }, 5);
    expect(s5 !== 'out-of-range' && [s5.block, s5.payload[0], s5.payload.length]).toEqual([{ num: 6, more: true, szx: 5 }, 3072 & 0xff, 512]);
    const last = sliceBlock(whole, { num: 4, more: false, szx: 6 }, 6);
    expect(last !== 'out-of-range' && [last.block, last.payload.length]).toEqual([{ num: 4, more: false, szx: 6 }, 904]);
    expect(sliceBlock(whole, { num: 5, more: false, szx: 6 }, 6)).toBe('out-of-range');
    expect(sliceBlock(Uint8Array.of(1, 2), undefined, 6)).toEqual({ payload: Uint8Array.of(1, 2), block: undefined });
  });

  it('transfers a 100 KB snapshot in 100 blocks of 1024 from one capture, with ETag and Size2', async () => {
    s = memorySetup();
    const sent = toClient(s);
    const r = await s.clock.settle(s.client.get(s.uri('/dev/snap')));
    expect(r.codeText).toBe('2.05');
    expect(r.contentFormat).toBe(22);
    expect(Buffer.from(r.payload).equals(Buffer.from(snapshotBytes(100 * 1024, 1)))).toBe(true);
    expect(s.device.fetches).toBe(1);
    const blocks = sent.map((m) => decodeBlock(findOption(m.options, CoapOptionNumber.Block2)!.value));
    expect(blocks).toHaveLength(100);
    expect(blocks.every((b, i) => b.num === i && b.szx === 6 && b.more === i < 99)).toBe(true);
    const etags = new Set(sent.map((m) => Buffer.from(findOption(m.options, CoapOptionNumber.ETag)!.value).toString('hex')));
    expect(etags.size).toBe(1);
    expect(findOption(sent[0]!.options, CoapOptionNumber.Size2)?.value).toEqual(Uint8Array.of(0x01, 0x90, 0x00));
    expect(sent.every((m) => m.payload.length + 40 < PLAIN_MAX_MESSAGE)).toBe(true);
  });

  it('uses the client’s smaller block size from the first block on (early negotiation)', async () => {
    s = memorySetup({ device: (clock) => new FakeDevice({ clock, blobBytes: 4000 }) });
    const sent = toClient(s);
    const r = await s.clock.settle(s.client.get(s.uri('/dev/snap'), { blockSize: 256 }));
    expect(r.payload).toEqual(snapshotBytes(4000, 1));
    expect(sent).toHaveLength(16);
  });

  it('a new transfer (block 0) takes a new capture; query parameters reach the device', async () => {
    s = memorySetup();
    const a = await s.clock.settle(s.client.get(s.uri('/dev/snap?size=small')));
    const b = await s.clock.settle(s.client.get(s.uri('/dev/snap?size=small')));
    expect(a.payload).toEqual(snapshotBytes(100, 1));
    expect(b.payload).toEqual(snapshotBytes(100, 2));
  });

  it('slices any large representation (the device root) and the client reassembles it', async () => {
    s = memorySetup();
    const whole = await s.client.get(s.uri('/dev'));
    const sent = toClient(s);
    const inBlocks = await s.clock.settle(s.client.get(s.uri('/dev'), { blockSize: 16 }));
    expect(inBlocks.json()).toEqual(whole.json());
    expect(sent.length).toBeGreaterThan(5);
  });

  it('answers a block past the end with 4.02 (§2.2)', async () => {
    s = memorySetup({ device: (clock) => new FakeDevice({ clock, blobBytes: 3000 }) });
    const r = await s.client.get(s.uri('/dev/snap'), { options: [{ number: CoapOptionNumber.Block2, value: Uint8Array.of(0x76) }] });
    expect(r.codeText).toBe('4.02');
    expect(r.diagnostic).toMatch(/past the end/);
  });

  it('restarts when the ETag changes and gives up after three restarts with a clear error', async () => {
    s = memorySetup({ server: { blobCache: { maxEntries: 0 } } }); // no cache: every block is a new capture
    const err = await s.clock.settle(s.client.get(s.uri('/dev/snap')).catch((e: unknown) => e));
    expect(err).toBeInstanceOf(CoapClientError);
    expect((err as CoapClientError).kind).toBe('blockwise');
    expect((err as CoapClientError).message).toMatch(/changed during the transfer 4 times/);
    expect(s.device.fetches).toBe(8); // block 0 and 1 of each of the 4 attempts
  });
});
