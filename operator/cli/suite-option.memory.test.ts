/** `piactl --suite`: the PIA suites offered, preferred first (pia/suite-order.ts, docs/protocol.md §5). */
import { afterEach, describe, expect, it } from 'vitest';
import { SuiteId } from '../../pia/index.js';
import { parsePiactlArgs } from './args.js';
import { GATEWAY, memoryGateway, type MemoryGateway } from './test-support/index.js';

let g: MemoryGateway | undefined;
afterEach(async () => {
  await g?.close();
  g = undefined;
});

const GW = `[${GATEWAY.address}]:${GATEWAY.port}`;

describe('piactl --suite', () => {
  it('is read for every command (a list, preferred first) and absent by default', () => {
    expect(parsePiactlArgs(['ping', GW, '--suite', 'chacha20'])).toMatchObject({ command: 'ping', suites: [SuiteId.ChaCha20Poly1305] });
    expect(parsePiactlArgs(['get', 'rack-fan/speed', '--gateway', GW, '--suite', 'chacha20,aes-gcm'])).toMatchObject({ suites: [SuiteId.ChaCha20Poly1305, SuiteId.AesGcm256] });
    expect(parsePiactlArgs(['console', '--suite', 'aes-gcm'])).toMatchObject({ command: 'console', suites: [SuiteId.AesGcm256] });
    expect(parsePiactlArgs(['ping', GW])).not.toHaveProperty('suites');
  });

  it('refuses what is not a suite list, naming the option and the fix', () => {
    expect(() => parsePiactlArgs(['ping', GW, '--suite', 'aes'])).toThrow("--suite aes: 'aes' is not a suite name; write aes-gcm or chacha20 (a comma-separated list, preferred first, e.g. --suite chacha20,aes-gcm)");
    expect(() => parsePiactlArgs(['ping', GW, '--suite', 'chacha20,chacha20'])).toThrow("'chacha20' is listed twice; name each suite once");
    expect(() => parsePiactlArgs(['ping', GW, '--suite'])).toThrow(/--suite needs a value/);
  });

  for (const name of ['chacha20', 'aes-gcm'] as const) {
    it(`--suite ${name}: the association with the gateway uses it (ping shows it)`, async () => {
      g = memoryGateway(`suite-${name}`);
      const alice = g.operator('alice');
      const r = await g.run(['ping', GW, '--suite', name, '--json'], { credential: alice.file });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, suite: name });
    });
  }
});
