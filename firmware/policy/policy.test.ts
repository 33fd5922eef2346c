import { describe, it, expect } from 'vitest';
import type { SecurityContext } from '../../pia/discovery/index.js';
import { SuiteId } from '../../pia/index.js';
import { decide } from './policy.js';

const peer = { address: '2001:db8::7', port: 4500 };
const sa = { spiIn: 0x1000, spiOut: 0x2000, suite: SuiteId.AesGcm256 };
const plain: SecurityContext = { phase: 1, peer };
const phase2: SecurityContext = { phase: 2, peer, sa };
const phase3 = (rights: string[], devices = 'rack1-*', validS = 300): SecurityContext => ({
  phase: 3,
  peer,
  sa,
  peerIdentity: { nodeId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', kind: 'operator', label: 'alice' },
  grants: [{ id: 'g1', devices, rights, validS }],
});
const read = { device: 'rack1-fan', access: 'read' as const, what: 'GET rpm' };
const control = { device: 'rack1-fan', access: 'control' as const, what: 'PUT speed' };
const unlock = { device: 'rack1-fan', access: 'call:unlock' as const, what: 'POST unlock' };
const closed = { plainReads: false };
const open = { plainReads: true };

describe('gateway policy', () => {
  it('plain and phase-2 reads only where the config allows them; writes never', () => {
    expect(decide(read, plain, open).allow).toBe(true);
    expect(decide(read, phase2, open).allow).toBe(true);
    expect(decide(read, plain, closed)).toMatchObject({ allow: false, code: '4.01', reason: expect.stringMatching(/needs PIA phase 3.*phase 1: use PIA/) as unknown });
    expect(decide(control, plain, open)).toMatchObject({ allow: false, code: '4.01' });
    expect(decide(control, phase2, open)).toMatchObject({ allow: false, code: '4.01', reason: expect.stringMatching(/phase 2/) as unknown });
  });

  it('phase 3 needs a grant covering the device and the right', () => {
    expect(decide(read, phase3(['read']), closed).allow).toBe(true);
    expect(decide(control, phase3(['read']), closed)).toMatchObject({ allow: false, code: '4.03', reason: expect.stringMatching(/no grant with "control" on device "rack1-fan".*pia-trust grant add/) as unknown });
    expect(decide(control, phase3(['control']), closed).allow).toBe(true);
    expect(decide(read, phase3(['control']), closed).allow).toBe(true); // control implies read
    expect(decide(unlock, phase3(['call:unlock']), closed).allow).toBe(true);
    expect(decide(unlock, phase3(['call:lock']), closed).allow).toBe(false);
    expect(decide(read, phase3(['read'], 'rack2-*'), closed).allow).toBe(false);
    expect(decide(read, phase3(['read'], '*', 0), closed).allow).toBe(false); // expired
  });
});
