import { describe, expect, it } from 'vitest';
import { SuiteId } from '../suites-ids.js';
import { describeSecurityContext, espContext, formatEndpoint, plaintextContext, type SecurityContext } from './security-context.js';

const sa = { spiIn: 0xabcd, spiOut: 0x12345678, suite: SuiteId.AesGcm256 };

describe('SecurityContext (docs/protocol.md §7)', () => {
  it('phase 1: plaintext, no SA', () => {
    const ctx = plaintextContext({ address: '2001:db8::1', port: 5683 });
    expect(ctx).toEqual({ phase: 1, peer: { address: '2001:db8::1', port: 5683 } });
    expect(ctx.sa).toBeUndefined();
    expect(describeSecurityContext(ctx)).toBe('phase 1 from [2001:db8::1]:5683 plaintext');
  });

  it('phase 2: names the SA by SPIs and suite', () => {
    const ctx = espContext({ address: '2001:db8::1', port: 4500 }, sa);
    expect(describeSecurityContext(ctx)).toBe('phase 2 from [2001:db8::1]:4500 sa in 0x0000abcd out 0x12345678 aes-gcm');
  });

  it('phase 3: identity (label quoted: it is registry text) and grants', () => {
    const ctx: SecurityContext = {
      phase: 3,
      peer: { address: '::ffff:192.0.2.1', port: 4500 },
      sa: { ...sa, suite: SuiteId.ChaCha20Poly1305, spiIn: 0xffffffff },
      peerIdentity: { nodeId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', kind: 'operator', label: 'alice\nlaptop' },
      grants: [{ id: 'g1', devices: 'rack1-*', rights: ['read', 'control'], validS: 600 }],
    };
    expect(describeSecurityContext(ctx)).toBe('phase 3 from 192.0.2.1:4500 sa in 0xffffffff out 0x12345678 chacha20 peer operator 3f2504e0-4f89-41d3-9a0c-0305e82c3301 ("alice\\nlaptop") grants 1');
  });

  it('never prints fields it does not know, such as a key someone attached', () => {
    const withKey = { ...espContext({ address: '2001:db8::1', port: 4500 }, { ...sa, key: 'deadbeefcafe' } as typeof sa), secret: 'hunter2' };
    const line = describeSecurityContext(withKey);
    expect(line).not.toContain('deadbeef');
    expect(line).not.toContain('hunter2');
  });

  it('formats endpoints for logs', () => {
    expect(formatEndpoint({ address: 'fe80::1%eth0', port: 1 })).toBe('[fe80::1%eth0]:1');
    expect(formatEndpoint({ address: '192.0.2.1', port: 2 })).toBe('192.0.2.1:2');
  });
});
