/**
 * The key log (docs/protocol.md §8: "each SA's keys") across phase 3 (§9.4): the SA phase 3
 * installs in place of phase 2's is logged too, on both sides, so a capture of phase-3 traffic
 * decrypts with the log (scripts/lab's wire test reads one with tshark).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { A, B } from './test-support/index.js';
import { S, trio, type Trio } from './test-support/phase3.js';

let t: Trio | undefined;
const dir = mkdtempSync(join(tmpdir(), 'pia-p3-keylog-'));
afterEach(async () => {
  await t?.close();
  t = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The SPIs of the key log's lines between A and B (a node logs its SAs with the trusted server too). */
const spisIn = (file: string): string[] =>
  readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(',').map((c) => c.replace(/"/g, ''))).filter((c) => [c[1], c[2]].includes(A.address) && [c[1], c[2]].includes(B.address)).map((c) => c[3] ?? '');
const hex8 = (spi: number): string => `0x${spi.toString(16).padStart(8, '0')}`;

describe('key log across phase 3', () => {
  it("logs phase 2's SA and the phase-3 SA that replaces it, both directions, on both sides", async () => {
    t = trio('p3-keylog');
    const alice = t.trust.register('operator', 'alice');
    const gw = t.trust.register('gateway', 'rack gateway');
    t.trust.grant(alice.text, gw.text, '*', ['read']);
    const [logA, logB] = [join(dir, 'a-esp_sa'), join(dir, 'b-esp_sa')];
    const quiet = { info: () => undefined, warn: () => undefined };
    const a = t.add('a', A, { phase3: { identity: alice.identity, trustServer: S }, keyLogPath: logA, logger: quiet });
    t.add('b', B, { phase3: { identity: gw.identity, trustServer: S }, keyLogPath: logB, logger: quiet });
    await t.clock.settle(a.node.connect(B).then(() => a.node.phase3Ready(B)));
    const phase2 = a.of('sa-up')[0]?.sa; // phase 3 runs by itself on it and replaces it
    const phase3 = a.node.sa(B);
    expect(a.node.phase(B)).toBe(3);
    expect(phase3?.spiOut).not.toBe(phase2?.spiOut);
    const both = [phase2, phase3].flatMap((sa) => [hex8(sa?.spiIn ?? 0), hex8(sa?.spiOut ?? 0)]);
    expect(spisIn(logA)).toEqual(both);
    expect([...spisIn(logB)].sort()).toEqual([...both].sort());
  });
});
