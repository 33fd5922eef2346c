/**
 * §9.1: a node whose long-term key lives in a (simulated) ATECC608 slot completes phase 3: the
 * node only ever asks the chip for HMACs; the key is written into the chip and forgotten.
 */
import { randomBytes } from 'node:crypto';
import { describe, it, expect, afterEach } from 'vitest';
import { Atecc608, SECRET_KEY_KEY_CONFIG, SECRET_KEY_SLOT_CONFIG, atecc608NodeKey, withSlot } from '../../drivers/atecc608/index.js';
import { VirtualI2cBus } from '../../simulator/i2c/index.js';
import { Atecc608Sim } from '../../simulator/i2c-identity/index.js';
import { A, B, payloadOf } from './test-support/index.js';
import { S, trio, type Trio } from './test-support/phase3.js';

let t: Trio | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('phase 3 with the node key in an ATECC608 (§9.1)', () => {
  it('the gateway computes its phase-3 HMACs through the chip and reaches phase 3 with an operator', async () => {
    t = trio('p3-atecc608');
    const clock = t.clock;
    const bus = new VirtualI2cBus({ clock });
    bus.attach(new Atecc608Sim({ clock, seed: 'gateway-board' }));
    const chip = new Atecc608(bus, { clock });
    // factory provisioning (pia-provision does this for real): key into secret slot 0, zones locked
    let keyBytes: Uint8Array | undefined = randomBytes(32);
    const image = withSlot(await clock.settle(chip.readConfigZone(), 0.5), 0, SECRET_KEY_SLOT_CONFIG, SECRET_KEY_KEY_CONFIG);
    await clock.settle(chip.writeConfig(image), 0.5);
    await clock.settle(chip.lockConfig(image), 0.5);
    await clock.settle(chip.writeSlotKey(0, keyBytes), 0.5);
    await clock.settle(chip.lockData(), 0.5);
    const gw = t.trust.register('gateway', 'rack gateway', keyBytes);
    keyBytes.fill(0);
    keyBytes = undefined; // from here on only the chip holds it
    const alice = t.trust.register('operator', 'alice');
    t.trust.grant(alice.text, gw.text, '*', ['read']);
    const a = t.add('a', A, { phase3: { identity: alice.identity, trustServer: S } });
    const b = t.add('b', B, { phase3: { identity: { id: gw.identity.id, key: atecc608NodeKey(chip, 0) }, trustServer: S } });
    await clock.settle(a.node.connect(B).then(() => a.node.phase3Ready(B)), 0.5);
    await a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: payloadOf(1) });
    await clock.settle(new Promise<void>((resolve) => setImmediate(resolve)), 0.5);
    await clock.advance(5);
    expect(b.inbox[0]?.ctx).toMatchObject({ phase: 3, peerIdentity: { nodeId: alice.text, kind: 'operator' } });
    expect(a.of('phase3-up')[0]).toMatchObject({ peerId: gw.text, peerKind: 'gateway' });
    expect(String(atecc608NodeKey(chip, 0))).toMatch(/never readable/);
  });
});
