/**
 * A node's defaults (node-types.ts): its suites in the CPU's order (suite-order.ts) for the
 * offer and for the responder's pick (handshake/suite-choice.ts), and each suite's default AEAD
 * library on the hot path (libsodium for ChaCha20-Poly1305 here), interoperating with nodes
 * that run another library.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeKx, isKxDatagram } from '../handshake/index.js';
import { cpuSuiteChoice } from '../suite-order.js';
import { SuiteId } from '../suites-ids.js';
import { B, indexOf, pair, payloadOf, type Pair } from './test-support/index.js';

let p: Pair | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

describe('PiaNode defaults: suites by CPU, AEAD library per suite', () => {
  it("without `suites`, the INIT offers this host's CPU order and the SA takes the first of it", async () => {
    p = pair('cpu-order');
    const offers: number[][] = [];
    p.net.observe((d) => {
      if (!isKxDatagram(d.bytes)) return;
      const m = decodeKx(d.bytes);
      if (m.kind === 'init') offers.push([...m.suites]);
    });
    await p.a.node.connect(B);
    const cpu = cpuSuiteChoice().suites;
    expect(offers[0]).toEqual(cpu);
    expect(p.a.node.sa(B)!.suite).toBe(cpu[0]);
  });

  it("the responder's preference is real: an AES-first offer to a ChaCha20-first node gets ChaCha20-Poly1305", async () => {
    p = pair('responder-prefers', { a: { suites: [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305] }, b: { suites: [SuiteId.ChaCha20Poly1305, SuiteId.AesGcm256] } });
    await p.a.node.connect(B);
    expect(p.a.node.sa(B)!.suite).toBe(SuiteId.ChaCha20Poly1305);
  });

  for (const other of ['node', 'noble'] as const) {
    it(`the default library (libsodium for ChaCha20-Poly1305) and ${other} carry each other's ESP both ways`, async () => {
      p = pair(`sodium-${other}`, { both: { suites: [SuiteId.ChaCha20Poly1305] }, b: { aeadLibrary: other }, echo: 'b' });
      await p.a.node.connect(B);
      for (const size of [1, 200, 1200]) await p.a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(size, size + 4) });
      await p.settle();
      expect(p.b.inbox.map((r) => indexOf(r.payload))).toEqual([1, 200, 1200]);
      expect(p.a.inbox.map((r) => indexOf(r.payload))).toEqual([1, 200, 1200]); // the echoes, sealed by `other`
      expect(p.a.events.some((e) => e.kind === 'icv-failure') || p.b.events.some((e) => e.kind === 'icv-failure')).toBe(false);
    });
  }
});
