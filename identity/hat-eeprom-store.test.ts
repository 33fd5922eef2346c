import { describe, expect, it } from 'vitest';
import { ManualClock } from '../common/index.js';
import { ATOM_TYPE, HatEeprom, decodeHatImage, decodePiaHatData, decodeVendorInfo, encodeGpioMap, encodeHatImage, encodeVendorInfo } from '../drivers/hat-eeprom/index.js';
import { VirtualI2cBus } from '../simulator/i2c/index.js';
import { HatEepromSim } from '../simulator/i2c-identity/index.js';
import { ProvisioningError } from './errors.js';
import { buildHatImage } from './hat-eeprom-image.js';
import { HAT_EEPROM_STEP, HatEepromIdentityStore } from './hat-eeprom-store.js';
import { PowerCut, PowerCutError, cuttableBus } from './test-support/index.js';
import { IDENTITY, OTHER, failureOf, recorder } from './test-identities.js';

const STEP_MS = 2;
const drive = <T>(clock: ManualClock, p: Promise<T>): Promise<T> => clock.settle(p, STEP_MS);

const failure = (clock: ManualClock, p: Promise<unknown>): Promise<ProvisioningError> => failureOf(clock, p, STEP_MS);

function rig(contents?: Uint8Array) {
  const clock = new ManualClock();
  const bus = new VirtualI2cBus({ clock });
  const sim = new HatEepromSim({ clock, ...(contents ? { contents } : {}) });
  bus.attach(sim);
  const options = { model: 'pia-gw-hat', hardwareRevision: 'B', secureElementSerial: '0123aabbccddeeff00ee' };
  return { clock, bus, sim, options, store: new HatEepromIdentityStore(new HatEeprom(bus, { clock }), options) };
}

const foreign = encodeHatImage([
  { type: ATOM_TYPE.vendorInfo, data: encodeVendorInfo({ uuid: '99999999-8888-4777-8666-555555555555', productId: 7, productVersion: 2, vendor: 'ACME', product: 'Relay HAT' }) },
  { type: ATOM_TYPE.gpioMap, data: encodeGpioMap() },
]);

describe('HatEepromIdentityStore', () => {
  it('writes vendor info with the node ID as UUID, a GPIO map and the PIA atom, then reads the identity back', async () => {
    const { clock, sim, store } = rig();
    expect(await drive(clock, store.inspect())).toEqual({ status: 'blank' });
    expect((await drive(clock, store.probe())).detail).toBe('the EEPROM answers; it holds no HAT image');
    const { steps, report } = recorder();
    await drive(clock, store.write(IDENTITY, undefined, report));
    expect(steps).toEqual([[HAT_EEPROM_STEP, 'done']]);
    expect(await drive(clock, store.inspect())).toEqual({ status: 'provisioned', identity: IDENTITY });
    const image = decodeHatImage(sim.contents);
    expect(image.atoms.map((a) => a.type)).toEqual([1, 2, 4]);
    expect(decodeVendorInfo(image.atoms[0]!.data)).toMatchObject({ uuid: IDENTITY.id, vendor: 'PIA Project', product: 'PIA Gateway' });
    expect(image.atoms[1]!.data).toEqual(Buffer.alloc(30));
    expect(decodePiaHatData(image.atoms[2]!.data)).toEqual({
      format: 'pia-hat/1',
      nodeId: IDENTITY.id,
      model: 'pia-gw-hat',
      hardwareRevision: 'B',
      secureElementSerial: '0123aabbccddeeff00ee',
      kind: 'gateway',
      label: IDENTITY.label,
      server: IDENTITY.server,
    });
    expect(await drive(clock, store.replaceRefusal())).toBeUndefined();
    expect(() => store.nodeKey()).toThrow(/holds no node key/);
    expect(store.holdsKey).toBe(false);
  });

  it('never writes a key given to it', async () => {
    const { clock, sim, store } = rig();
    const key = Buffer.alloc(32, 0x5a);
    await drive(clock, store.write(IDENTITY, key, () => undefined));
    expect(sim.contents.includes(key)).toBe(false);
    expect(sim.contents.includes(Buffer.from(key.toString('base64')))).toBe(false);
  });

  it('skips a rerun with the same identity, refuses another node without replace and names it, replaces with it', async () => {
    const { clock, sim, store } = rig();
    await drive(clock, store.write(IDENTITY, undefined, () => undefined));
    const again = recorder();
    await drive(clock, store.write(IDENTITY, undefined, again.report));
    expect(again.steps).toEqual([[HAT_EEPROM_STEP, 'skipped']]);
    const e = await failure(clock, store.write(OTHER, undefined, () => undefined));
    expect(e.kind).toBe('already-provisioned');
    expect(e.message).toBe(`HAT EEPROM at i2c-1 0x50 holds node ${IDENTITY.id} (gateway "rack 4 gateway"), not node ${OTHER.id}; to give this board a new identity, replace it on purpose (--force ${IDENTITY.id})`);
    await drive(clock, store.write(OTHER, undefined, () => undefined, { replace: true }));
    expect(await drive(clock, store.inspect())).toEqual({ status: 'provisioned', identity: OTHER });
    expect(decodeVendorInfo(decodeHatImage(sim.contents).atoms[0]!.data).uuid).toBe(OTHER.id);
  });

  it('rewrites the same node with a new label without asking', async () => {
    const { clock, store } = rig();
    await drive(clock, store.write(IDENTITY, undefined, () => undefined));
    const relabelled = { ...IDENTITY, label: 'rack 4, top' };
    const { steps, report } = recorder();
    await drive(clock, store.write(relabelled, undefined, report));
    expect(steps).toEqual([[HAT_EEPROM_STEP, 'done']]);
    expect(await drive(clock, store.inspect())).toEqual({ status: 'provisioned', identity: relabelled });
  });

  it("calls another HAT's image partial and keeps it unless replaced", async () => {
    const { clock, store } = rig(foreign);
    expect(await drive(clock, store.inspect())).toEqual({
      status: 'partial',
      detail: 'a HAT image without a PIA atom (vendor "ACME", product "Relay HAT", UUID 99999999-8888-4777-8666-555555555555): not written by pia-provision',
      id: '99999999-8888-4777-8666-555555555555',
    });
    const e = await failure(clock, store.write(IDENTITY, undefined, () => undefined));
    expect(e.kind).toBe('already-provisioned');
    expect(e.message).toMatch(/holds a HAT image without a PIA atom .*it is kept unless replaced on purpose \(--force 99999999-8888-4777-8666-555555555555\)/);
    await drive(clock, store.write(IDENTITY, undefined, () => undefined, { replace: true }));
    expect(await drive(clock, store.inspect())).toEqual({ status: 'provisioned', identity: IDENTITY });
  });

  it('reports WP high as a board fault with the fix, and a missing EEPROM as no response', async () => {
    const { clock, sim, store } = rig();
    sim.writeProtect = true;
    const e = await failure(clock, store.write(IDENTITY, undefined, () => undefined));
    expect(e.kind).toBe('board-fault');
    expect(e.message).toMatch(/^HAT EEPROM at i2c-1 0x50: the chip takes the address but refuses the data at 0 \(WP is high\); pull WP low \(fit the write-enable jumper\) while writing$/);
    const empty = new ManualClock();
    const none = new HatEepromIdentityStore(new HatEeprom(new VirtualI2cBus({ clock: empty }), { clock: empty }));
    const n = await failure(empty, none.probe());
    expect(n.kind).toBe('no-response');
    expect(n.message).toMatch(/nothing acknowledged the address; check that the HAT is seated/);
  });

  it('finishes a write a power cut tore at any transaction: blank, partial or provisioned, then provisioned', async () => {
    const count = rig();
    const counting = new PowerCut(Infinity);
    await drive(count.clock, new HatEepromIdentityStore(new HatEeprom(cuttableBus(count.bus, counting), { clock: count.clock }), count.options).write(IDENTITY, undefined, () => undefined));
    const image = buildHatImage(IDENTITY, count.options);
    const vendorEnd = 12 + 8 + image.readUInt32LE(16);
    const seen = new Set<string>();
    for (let n = 1; n <= counting.count; n++) {
      const { clock, bus, sim, options } = rig();
      const torn = new HatEepromIdentityStore(new HatEeprom(cuttableBus(bus, new PowerCut(n)), { clock }), options);
      expect(await drive(clock, torn.write(IDENTITY, undefined, () => undefined)).catch((e: unknown) => e)).toBeInstanceOf(PowerCutError);
      const store = new HatEepromIdentityStore(new HatEeprom(bus, { clock }), options);
      const state = await drive(clock, store.inspect());
      const written = sim.contents.findIndex((b, i) => b !== image[i]);
      const expected = written === 0 ? 'blank' : written === -1 || written >= image.length ? 'provisioned' : 'partial';
      expect(state.status, `cut at ${n}, ${written} bytes written`).toBe(expected);
      if (state.status === 'partial') {
        expect(state.detail).toMatch(/^a torn or corrupt HAT image \(.*\): a write did not finish$/);
        expect(state.id).toBe(written >= vendorEnd ? IDENTITY.id : undefined);
      }
      seen.add(state.status);
      await drive(clock, store.write(IDENTITY, undefined, () => undefined));
      expect(await drive(clock, store.inspect())).toEqual({ status: 'provisioned', identity: IDENTITY });
    }
    expect([...seen].sort()).toEqual(['blank', 'partial', 'provisioned']);
  });
});
