import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../common/index.js';
import { Atecc608, Atecc608Error, SECRET_KEY_KEY_CONFIG, SECRET_KEY_SLOT_CONFIG, parseConfig, withSlot } from '../drivers/atecc608/index.js';
import { VirtualI2cBus } from '../simulator/i2c/index.js';
import { Atecc608Sim } from '../simulator/i2c-identity/index.js';
import { ProvisioningError } from './errors.js';
import { ID_SLOT_CONFIG } from './atecc608-layout.js';
import { decodeIdentityRecord } from './atecc608-record.js';
import { ATECC608_STEPS, Atecc608IdentityStore } from './atecc608-store.js';
import { IDENTITY, OTHER, failureOf, recorder } from './test-identities.js';

const drive = <T>(clock: ManualClock, p: Promise<T>): Promise<T> => clock.settle(p, 0.5);

const failure = (clock: ManualClock, p: Promise<unknown>): Promise<ProvisioningError> => failureOf(clock, p, 0.5);

function rig(options: { revision?: Uint8Array; empty?: boolean } = {}) {
  const clock = new ManualClock();
  const bus = new VirtualI2cBus({ clock });
  const sim = new Atecc608Sim({ clock, seed: 'store-board', ...(options.revision ? { revision: options.revision } : {}) });
  if (options.empty !== true) bus.attach(sim);
  const chip = new Atecc608(bus, { clock });
  return { clock, bus, sim, chip, store: new Atecc608IdentityStore(chip) };
}

const hmac = (key: Uint8Array, message: Uint8Array): string => createHmac('sha256', key).update(message).digest('hex');

describe('Atecc608IdentityStore', () => {
  it('provisions a fresh chip: secret key slot 0, record in slot 8, both zones locked, HMAC equal to node:crypto', async () => {
    const { clock, sim, chip, store } = rig();
    expect(await drive(clock, store.inspect())).toEqual({ status: 'blank' });
    const probe = await drive(clock, store.probe());
    expect(probe.serial).toBe(sim.serialNumber.toString('hex'));
    expect(probe.detail).toMatch(/ATECC608A \(Info revision 00006002\), serial [0-9a-f]{18}, config zone unlocked, data zone unlocked/);
    const key = randomBytes(32);
    const { steps, report } = recorder();
    await drive(clock, store.write(IDENTITY, key, report));
    expect(steps).toEqual(ATECC608_STEPS.map((s) => [s, 'done']));
    expect(await drive(clock, store.inspect())).toEqual({ status: 'provisioned', identity: IDENTITY });
    const config = parseConfig(sim.configZone);
    expect([config.configLocked, config.dataLocked]).toEqual([true, true]);
    expect([config.slotConfig[0], config.keyConfig[0], config.slotConfig[8]]).toEqual([SECRET_KEY_SLOT_CONFIG, SECRET_KEY_KEY_CONFIG, ID_SLOT_CONFIG]);
    const shipped = parseConfig(new Atecc608Sim({ clock, seed: 'x' }).configZone);
    expect(config.slotConfig.slice(1, 8)).toEqual(shipped.slotConfig.slice(1, 8)); // other slots keep the defaults
    const readKey = await drive(clock, chip.read(0)).catch((e: unknown) => e);
    expect(readKey).toBeInstanceOf(Atecc608Error);
    expect((readKey as Atecc608Error).kind).toBe('not-readable');
    expect(sim.peekSlot(0).subarray(0, 32)).toEqual(key);
    expect(decodeIdentityRecord(sim.peekSlot(8))).toEqual({ identity: IDENTITY });
    for (const message of [Buffer.from('phase 3'), randomBytes(150)]) {
      expect(Buffer.from(await drive(clock, store.nodeKey().hmac(message))).toString('hex')).toBe(hmac(key, message));
    }
    expect((store.nodeKey() as { toString(): string }).toString()).toMatch(/slot 0 \(never readable\)/);
  });

  it('skips every step when run again with the same identity, and refuses another identity', async () => {
    const { clock, store } = rig();
    const key = randomBytes(32);
    await drive(clock, store.write(IDENTITY, key, () => undefined));
    const again = recorder();
    await drive(clock, store.write(IDENTITY, key, again.report));
    expect(again.steps).toEqual(ATECC608_STEPS.map((s) => [s, 'skipped']));
    const other = await failure(clock, store.write(OTHER, randomBytes(32), () => undefined));
    expect(other.kind).toBe('already-provisioned');
    expect(other.message).toContain(`provisioned already as node ${IDENTITY.id}`);
    const replace = await failure(clock, store.write(OTHER, randomBytes(32), () => undefined, { replace: true }));
    expect(replace.kind).toBe('part-locked');
    expect(replace.message).toMatch(/can never be rewritten; fit a new chip/);
    expect(await drive(clock, store.replaceRefusal())).toBe("the ATECC608's data zone is locked: its key can never be replaced; fit a new chip");
  });

  it('allows a replace before the data lock, and calls a half-done burn partial', async () => {
    const { clock, chip, store } = rig();
    expect(await drive(clock, store.replaceRefusal())).toBeUndefined();
    const image = withSlot(withSlot(await drive(clock, chip.readConfigZone()), 0, SECRET_KEY_SLOT_CONFIG, SECRET_KEY_KEY_CONFIG), 8, ID_SLOT_CONFIG, 0x001c);
    await drive(clock, chip.writeConfig(image));
    await drive(clock, chip.lockConfig(image));
    expect(await drive(clock, store.inspect())).toEqual({ status: 'partial', detail: 'config zone locked, data zone not yet: a burn began' });
    expect(() => store.nodeKey()).toThrow(/data zone is not locked, so the chip computes no HMAC with slot 0/);
    const { steps, report } = recorder();
    await drive(clock, store.write(IDENTITY, randomBytes(32), report));
    expect(steps.slice(0, 2)).toEqual([['write config', 'skipped'], ['lock config zone', 'skipped']]);
    expect(steps.slice(2).every(([, o]) => o === 'done')).toBe(true);
  });

  it('names a part at 0x60 that is not an ATECC608, and an empty address', async () => {
    const wrong = rig({ revision: Uint8Array.of(0x00, 0x00, 0x50, 0x00) });
    const e = await failure(wrong.clock, wrong.store.probe());
    expect(e.kind).toBe('wrong-part');
    expect(e.message).toBe('ATECC608 at i2c-1 0x60: Info revision is 00005000, not an ATECC608 (000060xx); fit an ATECC608A/B or check the address');
    const none = rig({ empty: true });
    const n = await failure(none.clock, none.store.probe());
    expect(n.kind).toBe('no-response');
    expect(n.message).toBe('ATECC608 at i2c-1 0x60: nothing answered the wake; check the board is seated and powered, the chip at 0x60');
    expect((await failure(none.clock, none.store.inspect())).kind).toBe('no-response');
  });

  it('refuses a chip whose config zone was locked by another tool with a readable key slot, or as shipped', async () => {
    const readable = rig();
    const image = withSlot(withSlot(await drive(readable.clock, readable.chip.readConfigZone()), 0, 0x2000, 0x001c), 8, ID_SLOT_CONFIG, 0x001c);
    await drive(readable.clock, readable.chip.writeConfig(image));
    await drive(readable.clock, readable.chip.lockConfig(image));
    const e = await failure(readable.clock, readable.store.inspect());
    expect(e.kind).toBe('part-locked');
    expect(e.message).toMatch(/config zone was locked with a configuration PIA cannot use: slot 0 \(the node key, SlotConfig 0x2000, KeyConfig 0x001C\) is not secret .*it can never change: fit a new chip/);
    expect((await failure(readable.clock, readable.store.write(IDENTITY, randomBytes(32), () => undefined))).kind).toBe('part-locked');

    const shipped = rig();
    await drive(shipped.clock, shipped.chip.lockConfig());
    expect((await failure(shipped.clock, shipped.store.inspect())).message).toMatch(/slot 0 .* has KeyType 4, not 7/);
    expect((await failure(shipped.clock, new Atecc608IdentityStore(shipped.chip, { keySlot: 1 }).inspect())).message).toMatch(/slot 1 .* has EncryptRead set/);

    const secretId = rig(); // key slot right, but slot 8 left as shipped (secret, encrypted writes)
    const keyOnly = withSlot(await drive(secretId.clock, secretId.chip.readConfigZone()), 0, SECRET_KEY_SLOT_CONFIG, SECRET_KEY_KEY_CONFIG);
    await drive(secretId.clock, secretId.chip.writeConfig(keyOnly));
    await drive(secretId.clock, secretId.chip.lockConfig(keyOnly));
    expect((await failure(secretId.clock, secretId.store.inspect())).message).toMatch(/slot 8 \(the identity record, SlotConfig 0x44C4\) is secret: the record could never be read/);

    const writableId = rig(); // slot 8 readable but WriteConfig Always: the record could be changed after the lock
    const always = withSlot(withSlot(await drive(writableId.clock, writableId.chip.readConfigZone()), 0, SECRET_KEY_SLOT_CONFIG, SECRET_KEY_KEY_CONFIG), 8, 0x0000, 0x001c);
    await drive(writableId.clock, writableId.chip.writeConfig(always));
    await drive(writableId.clock, writableId.chip.lockConfig(always));
    expect((await failure(writableId.clock, writableId.store.inspect())).message).toMatch(/slot 8 \(the identity record, SlotConfig 0x0000\) stays writable after the data lock \(WriteConfig always\)/);
  });

  it('refuses a data zone locked without a PIA record', async () => {
    const { clock, chip, store } = rig();
    const image = withSlot(withSlot(await drive(clock, chip.readConfigZone()), 0, SECRET_KEY_SLOT_CONFIG, SECRET_KEY_KEY_CONFIG), 8, ID_SLOT_CONFIG, 0x001c);
    await drive(clock, chip.writeConfig(image));
    await drive(clock, chip.lockConfig(image));
    await drive(clock, chip.writeSlotKey(0, randomBytes(32)));
    await drive(clock, chip.lockData());
    const e = await failure(clock, store.inspect());
    expect(e.kind).toBe('part-locked');
    expect(e.message).toMatch(/data zone locked without a PIA identity record in slot 8 \(no "PIAi" record \(the slot starts ffffffff\)\): provisioned by another tool; fit a new chip/);
  });

  it('refuses a missing or short key, and a label too long for the record, before touching the chip', async () => {
    const { clock, sim, store } = rig();
    expect((await failure(clock, store.write(IDENTITY, undefined, () => undefined))).message).toMatch(/keeps the node key, and none was given/);
    expect((await failure(clock, store.write(IDENTITY, Buffer.alloc(31), () => undefined))).message).toMatch(/a node key is 32 bytes \(256 bits\), got 31/);
    const long = await failure(clock, store.write({ ...IDENTITY, label: 'é'.repeat(33) }, randomBytes(32), () => undefined));
    expect(long.kind).toBe('usage');
    expect(long.message).toMatch(/the label is 66 UTF-8 bytes, the identity record holds at most 64; shorten the label/);
    expect((await failure(clock, store.write({ ...IDENTITY, id: IDENTITY.id.toUpperCase() }, randomBytes(32), () => undefined))).message).toMatch(/"id" is not a lower-case node ID/);
    expect(sim.configLocked).toBe(false);
    expect(() => new Atecc608IdentityStore(new Atecc608(new VirtualI2cBus({ clock }), { clock }), { keySlot: 8 })).toThrow(/cannot share slot 8/);
  });
});
