/**
 * The gateway with its identity burnt into the simulated building's ATECC608 (i2c-1 0x60,
 * gateway.secureElement): the ID, label and trusted server from the chip's identity record,
 * phase 3 with HMACs the chip computes (the key bytes are wiped once burnt), on the bus the
 * thermometers share; and each way a start fails says what to do.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { Atecc608 } from '../../drivers/atecc608/index.js';
import { MemoryTrust, S } from '../../pia/node/test-support/index.js';
import { nodeIdToText, type NodeKey } from '../../pia/phase3/index.js';
import { Atecc608IdentityStore, piaConfigImage, type BoardIdentity } from '../../identity/index.js';
import { createVirtualBuilding, type VirtualBuilding } from '../../simulator/index.js';
import { ConfigError, parseGatewayConfig, type SecureElementSettings } from '../config/index.js';
import { hostHardware, linuxHardware } from './hardware.js';
import { GatewayStartError, loadGatewayIdentity } from './identity.js';
import { memoryGateway, type MemoryGateway } from './test-support/index.js';

const CHIP: SecureElementSettings = { bus: 1, address: 0x60, keySlot: 0, idSlot: 8 };

let t: MemoryGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Rig {
  readonly clock: ManualClock;
  readonly trust: MemoryTrust;
  readonly building: VirtualBuilding;
}

/**
 * The factory's burn, by hand: a node registered with the trusted server, its key and identity
 * record written into the building's ATECC608 and both zones locked, the key bytes then wiped.
 */
async function burn(r: Rig, o: { kind?: 'gateway' | 'operator'; label?: string; server?: { address: string; port: number } } = {}): Promise<BoardIdentity & { readonly serverCopy: NodeKey }> {
  const kind = o.kind ?? 'gateway';
  const label = o.label ?? 'rack 4 gateway';
  const key = randomBytes(32);
  const node = r.trust.register(kind, label, key);
  const identity: BoardIdentity = { id: node.text, kind, label, server: { ...(o.server ?? S), id: nodeIdToText(r.trust.serverId) } };
  const store = new Atecc608IdentityStore(new Atecc608(r.building.host.i2c.get(1)!, { clock: r.clock }));
  const steps: string[] = [];
  await r.clock.settle(store.write(identity, key, (step, outcome) => void steps.push(`${step}: ${outcome}`)), 0.5);
  expect(steps).toEqual(['write config: done', 'lock config zone: done', 'write key: done', 'write identity record: done', 'lock data zone: done']);
  key.fill(0); // from here on only the chip (and the trusted server) hold it
  return { ...identity, serverCopy: node.identity.key };
}

async function startFailure(o: Parameters<typeof memoryGateway>[0]): Promise<GatewayStartError> {
  const outcome = await memoryGateway(o).then(
    async (g) => (await g.close(), undefined),
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(GatewayStartError);
  return outcome as GatewayStartError;
}

describe('gateway identity from the ATECC608 (gateway.secureElement)', () => {
  it('takes ID, label and trusted server from the chip; a granted operator completes phase 3 and reads devices on the shared bus', async () => {
    let burnt: BoardIdentity | undefined;
    t = await memoryGateway({ gateway: { secureElement: CHIP }, beforeStart: async (r) => void (burnt = await burn(r)) });
    expect(t.gatewayId).toBe(burnt?.id);
    expect(t.gateway.health()).toMatchObject({ gateway: { id: burnt?.id, label: 'rack 4 gateway' } });
    expect(t.logs.some((l) => /^identity: node [0-9a-f-]{36} \("rack 4 gateway"\) from the ATECC608 at i2c-1 0x60 \(serial [0-9a-f]{18}\); node key in slot 0, never readable$/.test(String(l.msg)))).toBe(true);

    const alice = t.operator('alice', '2001:db8:99::1', { devices: '*', rights: ['read'] });
    await t.clock.settle(alice.node.connect(t.pia), 0.5);
    await t.clock.settle(alice.node.phase3Ready(t.pia), 0.5);
    expect(t.gateway.pia.node.phase(alice.at)).toBe(3);
    const door = await t.settle(alice.client.get(t.uri('front-door', 'locked')));
    expect([door.codeText, door.ctx.phase]).toEqual(['2.05', 3]);
    expect(door.json()).toMatchObject({ value: true });
    const temp = await t.settle(alice.client.get(t.uri('rack-temp', 'temperature'))); // an SHT31 on i2c-1, beside the chip
    expect(temp.codeText).toBe('2.05');
    expect(typeof (temp.json() as { value: unknown }).value).toBe('number');
    expect(t.gateway.audit.tail(5).find((x) => x.event === 'gateway-started')).toMatchObject({ gatewayId: burnt?.id });
  });

  it('gateway.trustServer overrides the record\'s server; a gateway.id that is not the chip\'s stops the start', async () => {
    let burnt: BoardIdentity | undefined;
    const old = { address: '2001:db8:dead::10', port: 4600 }; // the server the factory knew; S is where it is now
    t = await memoryGateway({ gateway: { secureElement: CHIP, trustServer: S }, beforeStart: async (r) => void (burnt = await burn(r, { server: old })) });
    expect(t.gatewayId).toBe(burnt?.id);
    expect(t.gateway.pia.trust.trustServer).toBe(`[${S.address}]:${S.port}`);
    const bob = t.operator('bob', '2001:db8:99::2', { devices: '*', rights: ['read'] });
    await t.clock.settle(bob.node.connect(t.pia).then(() => bob.node.phase3Ready(t!.pia)), 0.5);
    expect(t.gateway.pia.node.phase(bob.at)).toBe(3);
    await t.close();
    t = undefined;

    const e = await startFailure({ gateway: { secureElement: CHIP, id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }, beforeStart: (r) => burn(r).then(() => undefined) });
    expect(e.message).toMatch(/gateway\.id 3f2504e0-4f89-41d3-9a0c-0305e82c3301 is not the ID in the identity record in the ATECC608 at i2c-1 0x60 \([0-9a-f-]{36}\); remove gateway\.id or give this gateway's board$/);
  });

  it('a blank chip, a chip that is not there, and an operator\'s chip: start fails naming the fix', async () => {
    const blank = await startFailure({ gateway: { secureElement: CHIP } });
    expect(blank.message).toBe(
      "the ATECC608 at i2c-1 0x60 is not provisioned (blank: config zone unlocked, nothing burnt); provision this board with 'pia-provision burn --board atecc608=i2c-1:0x60 --kind gateway --label NAME --station FILE' first",
    );
    const absent = await startFailure({ gateway: { secureElement: { ...CHIP, address: 0x61 } } });
    expect(absent.message).toMatch(/^nothing at i2c-1 0x61 answers as an ATECC608: check the board \(seated, powered\) and the address in gateway\.secureElement \(.*demo-building\.yaml\); 'pia-gateway discover --bus 1' lists what answers$/);
    const operator = await startFailure({ gateway: { secureElement: CHIP }, beforeStart: (r) => burn(r, { kind: 'operator', label: 'alice laptop' }).then(() => undefined) });
    expect(operator.message).toMatch(/^the identity record in the ATECC608 at i2c-1 0x60 belongs to a node of kind "operator" \([0-9a-f-]{36}, "alice laptop"\), not a gateway; a burnt ATECC608 never changes/);
  });

  it('a chip whose burn stopped before the data lock is "partial", with the same provisioning hint', async () => {
    const e = await startFailure({
      gateway: { secureElement: CHIP },
      beforeStart: async ({ clock, building }) => {
        const chip = new Atecc608(building.host.i2c.get(1)!, { clock });
        // "write config" and "lock config zone" as pia-provision does them, then the power went
        const pia = piaConfigImage(await clock.settle(chip.readConfigZone(), 0.5), 0, 8);
        await clock.settle(chip.writeConfig(pia), 0.5);
        await clock.settle(chip.lockConfig(pia), 0.5);
      },
    });
    expect(e.message).toMatch(/^the ATECC608 at i2c-1 0x60 is not provisioned \(partial: config zone locked, data zone not yet: a burn began\); provision this board with 'pia-provision burn --board atecc608=i2c-1:0x60 --kind gateway/);
  });

  it('the loaded identity holds no key: it names the chip slot, and the chip answers the HMACs', async () => {
    const clock = new ManualClock(0);
    const building = createVirtualBuilding({ clock });
    const trust = new MemoryTrust(clock);
    try {
      const burnt = await burn({ clock, trust, building });
      const config = parseGatewayConfig(`version: 1\ngateway:\n  prefix: 2001:db8:42:1::/64\n  secureElement: { bus: 1 }\ndevices: []\n`, '/etc/pia-gateway/gateway.yaml');
      const loaded = await clock.settle(loadGatewayIdentity({ config, hardware: hostHardware(building.host), clock }), 0.5);
      expect(loaded).toMatchObject({ kind: 'gateway', label: 'rack 4 gateway', trustServer: S, serverId: burnt.server.id });
      expect(Object.values(loaded.identity.key).every((v) => typeof v === 'function')).toBe(true); // methods only: no key bytes
      expect(nodeIdToText(loaded.identity.id)).toBe(burnt.id);
      expect(String(loaded.identity.key as NodeKey & { toString(): string })).toBe('node key in ATECC608 at i2c-1 0x60 slot 0 (never readable)');
      const message = new TextEncoder().encode('phase 3');
      const viaChip = await clock.settle(loaded.identity.key.hmac(message), 0.5);
      const viaTrust = await burnt.serverCopy.hmac(message);
      expect(Buffer.from(viaChip).toString('hex')).toBe(Buffer.from(viaTrust).toString('hex'));
    } finally {
      await building.close();
    }
  });

  it('a bus this host does not have (the Linux driver): the I2C fix, and gateway.secureElement.bus', async () => {
    const clock = new ManualClock(0);
    const config = parseGatewayConfig(`version: 1\ngateway:\n  prefix: 2001:db8:42:1::/64\n  secureElement: { bus: 250 }\ndevices: []\n`, '/etc/pia-gateway/gateway.yaml');
    const hardware = linuxHardware({ clock, log: { info: () => undefined, warn: () => undefined } });
    try {
      const e = await loadGatewayIdentity({ config, hardware, clock }).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(GatewayStartError);
      expect((e as Error).message).toMatch(/^i2c-250( 0x60)?: .*\(no-bus\); enable I2C .*; or fix gateway\.secureElement\.bus in \/etc\/pia-gateway\/gateway\.yaml$/);
    } finally {
      await hardware.close();
    }
  });

  it('credential and secureElement together are a configuration problem naming both', () => {
    const both = `version: 1\ngateway:\n  prefix: 2001:db8:42:1::/64\n  credential: /etc/pia-gateway/credential.json\n  secureElement: { bus: 1, address: 0x60 }\ndevices: []\n`;
    const error = (() => {
      try {
        parseGatewayConfig(both, 'gateway.yaml');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/^gateway\.yaml:5: gateway: credential and secureElement are both given: the gateway takes its identity from one; give one: /);
  });
});
