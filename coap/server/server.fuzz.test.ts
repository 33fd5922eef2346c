/**
 * Whatever well-formed message arrives (any request code, any options with any values, any
 * payload), the server answers every CON exactly once (ACK, or RST) and nothing escapes as
 * an exception: the handler path never throws past its own error mapping.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoapCode, CoapOptionNumber, decodeMessage, encodeMessage, type CoapMessage } from '../message/index.js';
import { SERVER_ADDRESS, memorySetup } from '../test-support/index.js';

const SERVER = { address: SERVER_ADDRESS, port: 5683 };
const NUMBERS = [...Object.values(CoapOptionNumber), 0, 2, 13, 65001, 65002];
const paths = ['dev', 'temperature', 'speed', 'mode', 'boost', 'snap', '.well-known', 'core', '', 'x', '\u00e9'];
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

const option = fc.oneof(
  fc.record({ number: fc.constant<number>(CoapOptionNumber.UriPath), value: fc.constantFrom(...paths).map(text) }),
  fc.record({ number: fc.constantFrom(...NUMBERS), value: fc.uint8Array({ maxLength: 24 }) }),
);
const request: fc.Arbitrary<CoapMessage> = fc
  .record({
    type: fc.constantFrom('CON' as const, 'NON' as const),
    code: fc.integer({ min: 1, max: 31 }),
    messageId: fc.integer({ min: 0, max: 0xffff }),
    token: fc.uint8Array({ maxLength: 8 }),
    options: fc.array(option, { maxLength: 6 }),
    payload: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom('80', '{"value":7}', '{"seconds":3}', '"manual"', 'null', '[]').map(text)),
  })
  .map((m) => ({ ...m, options: [...m.options].sort((a, b) => a.number - b.number) }));

describe('CoapServer under arbitrary well-formed requests (fast-check)', () => {
  it('answers every CON exactly once and never fails internally', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 8 }), async (batch) => {
        const warnings: string[] = [];
        const s = memorySetup({ server: { logger: { info: () => undefined, warn: (m) => warnings.push(m) } } });
        try {
          await s.client.close();
          const got: CoapMessage[] = [];
          s.clientTransport.onMessage((b) => got.push(decodeMessage(b)));
          const unique = [...new Map(batch.map((m) => [m.messageId, m])).values()];
          for (const m of unique) await s.clientTransport.send(encodeMessage(m), SERVER);
          await s.clock.advance(10_000);
          for (const m of unique.filter((x) => x.type === 'CON')) {
            const replies = got.filter((g) => (g.type === 'ACK' || g.type === 'RST') && g.messageId === m.messageId);
            expect(replies.length).toBe(1);
          }
          expect(warnings).toEqual([]);
          expect(got.every((g) => g.code === 0 || g.code >= CoapCode.Created)).toBe(true);
        } finally {
          await s.close();
        }
      }),
      { numRuns: 300 },
    );
  });
});
