/**
 * `pia-trust serve --suite` and the default suite order (pia/suite-order.ts): the start log
 * says which suites and why, and the server's PIA node picks by them (docs/protocol.md §5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../common/index.js';
import { MemoryLatchStore } from '../pia/discovery/index.js';
import { SuiteId } from '../pia/index.js';
import { PiaNode, openUdpTransport } from '../pia/node/index.js';
import { parseTrustArgs } from './cli/args.js';
import { startTrustServer, type TrustServerOptions } from './server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server on ::1 in a temporary state directory; resolves with its PIA endpoint and its log. */
async function serve(extra: Partial<TrustServerOptions>): Promise<{ pia: { address: string; port: number }; lines: string[] }> {
  const root = mkdtempSync(join(tmpdir(), 'pia-trust-suites-'));
  const lines: string[] = [];
  const server = await startTrustServer({ stateDir: join(root, 'state'), pia: { address: '::1', port: 0 }, admin: { address: '127.0.0.1', port: 0 }, env: {}, log: (_l, m) => lines.push(m), ...extra });
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  cleanups.push(() => server.close());
  return { pia: server.pia, lines };
}

/** The suite of a phase-2 SA from a plain node on ::1 that offers `suites` in that order. */
async function suiteFrom(pia: { address: string; port: number }, suites: SuiteId[]): Promise<SuiteId | undefined> {
  const node = new PiaNode({ transport: await openUdpTransport({ address: '::1', port: 0 }), clock: systemClock(), latches: new MemoryLatchStore(), suites });
  cleanups.push(() => node.close());
  await node.connect(pia);
  return node.sa(pia)?.suite;
}

describe('pia-trust serve --suite', () => {
  it('parses a list, preferred first, and refuses what is not one, naming the option and the fix', () => {
    expect(parseTrustArgs(['serve', '--suite', 'chacha20,aes-gcm'])).toMatchObject({ command: 'serve', suites: [SuiteId.ChaCha20Poly1305, SuiteId.AesGcm256] });
    expect(parseTrustArgs(['serve'])).not.toHaveProperty('suites');
    expect(() => parseTrustArgs(['serve', '--suite', 'aes'])).toThrow("--suite aes: 'aes' is not a suite name; write aes-gcm or chacha20 (a comma-separated list, preferred first, e.g. --suite chacha20,aes-gcm)");
    expect(() => parseTrustArgs(['serve', '--suite', 'aes-gcm,aes-gcm'])).toThrow("--suite aes-gcm,aes-gcm: 'aes-gcm' is listed twice; name each suite once");
    expect(() => parseTrustArgs(['node', 'list', '--suite', 'aes-gcm'])).toThrow(/--suite does not apply to 'pia-trust node list'/);
  });

  it('--suite: logged as set, and the only suite the server accepts', async () => {
    const s = await serve({ suites: [SuiteId.ChaCha20Poly1305] });
    expect(s.lines.filter((l) => l.startsWith('PIA suites:'))).toEqual(['PIA suites: chacha20-poly1305 (set by --suite)']);
    expect(await suiteFrom(s.pia, [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305])).toBe(SuiteId.ChaCha20Poly1305);
  });

  it('default on a CPU without AES: ChaCha20-Poly1305 first, said once with the way to override, and preferred over an AES-first offer', async () => {
    const s = await serve({ readCpuinfo: () => 'Features\t: fp asimd evtstrm crc32 cpuid\n' });
    expect(s.lines.filter((l) => l.startsWith('PIA suites:'))).toEqual([
      'PIA suites: chacha20-poly1305, aes-256-gcm (CPU without AES instructions; override with --suite, preferred first, e.g. --suite aes-gcm,chacha20)',
    ]);
    expect(await suiteFrom(s.pia, [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305])).toBe(SuiteId.ChaCha20Poly1305);
    expect(await suiteFrom(s.pia, [SuiteId.AesGcm256])).toBe(SuiteId.AesGcm256); // still accepted
  });
});
