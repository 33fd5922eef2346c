/**
 * The ATECC608 as a PIA identity store: the node key in a secret slot, the identity record
 * (atecc608-record.ts) in a clear-readable slot, both frozen by the data-zone lock.
 *
 * Flow of `write(identity, key)`: each step first looks at what the chip holds, so a write a
 * power cut broke off (between any two I2C transactions) is finished by running it again:
 *  1. read the config zone; data zone locked → read the record: the same node ID → every step
 *     'skipped'; another → 'already-provisioned' ('part-locked' with replace: never rewritable);
 *  2. "write config": the zone as read with the key and id slots set (atecc608-layout.ts);
 *     skipped when the zone is locked (its configuration checked usable) or already holds it;
 *  3. "lock config zone": Lock with the summary CRC of that image, so only PIA's configuration
 *     is ever locked (a zone a power cut left half-written fails the CRC and stays unlocked);
 *  4. "write key": 32 bytes into the key slot (clear write, allowed until the data lock);
 *  5. "write identity record": the record, in 32-byte blocks, into the id slot;
 *  6. "lock data zone": irreversible. Until it, 4 and 5 are simply done again; after it the key
 *     is never readable nor writable and the record never writable.
 * `inspect`: config unlocked → blank (all rewritable); locked with PIA's configuration, data
 * unlocked → partial; data locked → the record → provisioned. A configuration or a data zone
 * locked by another tool → 'part-locked' (fit a new chip).
 */
import { Atecc608Error, SLOT_SIZES, atecc608NodeKey, parseConfig, type Atecc608, type Atecc608Config } from '../drivers/atecc608/index.js';
import { I2cError } from '../drivers/i2c/index.js';
import type { NodeKey } from '../pia/phase3/index.js';
import { ProvisioningError } from './errors.js';
import { configProblem, holdsImage, piaConfigImage } from './atecc608-layout.js';
import { decodeIdentityRecord, encodeIdentityRecord } from './atecc608-record.js';
import { checkIdentity, checkKey, describeIdentity, sameIdentity } from './identity.js';
import type { BoardIdentity, IdentityStore, StepReporter, StoreState } from './types.js';

export interface Atecc608StoreOptions {
  /** The secret HMAC key slot; default 0. */
  readonly keySlot?: number;
  /** The identity record slot; default 8 (416 bytes, the only slot a record fits in whole blocks). */
  readonly idSlot?: number;
}

export const ATECC608_STEPS = ['write config', 'lock config zone', 'write key', 'write identity record', 'lock data zone'] as const;

interface Look {
  readonly zone: Buffer;
  readonly config: Atecc608Config;
  readonly state: StoreState;
}

export class Atecc608IdentityStore implements IdentityStore {
  readonly kind = 'atecc608';
  readonly holdsKey = true;
  readonly where: string;
  readonly keySlot: number;
  readonly idSlot: number;
  /** The data lock as last seen (undefined until the chip was looked at). */
  private dataLocked: boolean | undefined;

  constructor(
    private readonly chip: Atecc608,
    options: Atecc608StoreOptions = {},
  ) {
    this.where = chip.where;
    this.keySlot = options.keySlot ?? 0;
    this.idSlot = options.idSlot ?? 8;
    for (const [what, slot] of [['key', this.keySlot], ['id', this.idSlot]] as const) {
      if (!Number.isInteger(slot) || slot < 0 || slot > 15) throw new ProvisioningError('usage', `${this.where}: the ${what} slot ${slot} does not exist (0–15); fix the store options`);
    }
    if (this.keySlot === this.idSlot) throw new ProvisioningError('usage', `${this.where}: the key and the identity record cannot share slot ${this.keySlot}; fix the store options`);
  }

  probe(): Promise<{ readonly serial?: string; readonly detail: string }> {
    return this.guard(async () => {
      const revision = await this.chip.info();
      const c = parseConfig(await this.chip.readConfigZone());
      const serial = c.serialNumber.toString('hex');
      const model = revision[3] === 0x03 ? 'ATECC608B' : revision[3] === 0x02 ? 'ATECC608A' : 'ATECC608';
      const zones = `config zone ${c.configLocked ? 'locked' : 'unlocked'}, data zone ${c.dataLocked ? 'locked' : 'unlocked'}`;
      return { serial, detail: `${model} (Info revision ${revision.toString('hex')}), serial ${serial}, ${zones}` };
    });
  }

  inspect(): Promise<StoreState> {
    return this.guard(async () => (await this.look()).state);
  }

  replaceRefusal(): Promise<string | undefined> {
    return this.guard(async () => {
      const { data } = await this.chip.isLocked();
      this.dataLocked = data;
      return data ? `the ATECC608's data zone is locked: its key can never be replaced; fit a new chip` : undefined;
    });
  }

  async write(identity: BoardIdentity, key: Uint8Array | undefined, report: StepReporter, options: { readonly replace?: boolean } = {}): Promise<void> {
    const wanted = checkIdentity(identity, this.where);
    const secret = checkKey(key, this.where);
    const record = encodeIdentityRecord(wanted, Math.floor((SLOT_SIZES[this.idSlot] ?? 0) / 32) * 32, this.where);
    await this.guard(async () => {
      const look = await this.look();
      if (look.state.status === 'provisioned') {
        this.lockedAlready(look.state.identity, wanted, report, options.replace ?? false);
        return;
      }
      const image = piaConfigImage(look.zone, this.keySlot, this.idSlot);
      if (look.config.configLocked) {
        report('write config', 'skipped', 'the config zone is locked with a configuration PIA can use');
        report('lock config zone', 'skipped', 'already locked');
      } else {
        if (holdsImage(look.zone, image)) {
          report('write config', 'skipped', `slots ${this.keySlot} and ${this.idSlot} are configured already`);
        } else {
          await this.chip.writeConfig(image);
          report('write config', 'done', `slot ${this.keySlot}: secret HMAC key; slot ${this.idSlot}: readable identity record; both never writable after the data lock`);
        }
        await this.chip.lockConfig(image);
        report('lock config zone', 'done');
      }
      await this.chip.writeSlotKey(this.keySlot, secret);
      report('write key', 'done', `slot ${this.keySlot} (secret: never readable once the data zone is locked)`);
      for (let block = 0; block * 32 < record.length; block++) {
        await this.chip.writeSlotBlock(this.idSlot, block, record.subarray(block * 32, block * 32 + 32));
      }
      report('write identity record', 'done', `${record.length} bytes in slot ${this.idSlot}`);
      await this.chip.lockData();
      this.dataLocked = true;
      report('lock data zone', 'done', 'irreversible');
    });
  }

  nodeKey(): NodeKey {
    if (this.dataLocked === false) {
      throw new ProvisioningError('verify-failed', `${this.where}: the data zone is not locked, so the chip computes no HMAC with slot ${this.keySlot}: the burn has not finished; run it again`);
    }
    const key = atecc608NodeKey(this.chip, this.keySlot);
    const guarded: NodeKey & { toString(): string } = { hmac: (message) => this.guard(() => key.hmac(message)), toString: () => key.toString() };
    return guarded;
  }

  /** Reads the config zone and, when the data zone is locked, the record. */
  private async look(): Promise<Look> {
    const zone = await this.chip.readConfigZone();
    const config = parseConfig(zone);
    this.dataLocked = config.dataLocked;
    if (!config.configLocked) return { zone, config, state: { status: 'blank' } };
    const problem = configProblem(config, this.keySlot, this.idSlot);
    if (problem !== undefined) {
      throw new ProvisioningError('part-locked', `${this.where}: this chip's config zone was locked with a configuration PIA cannot use: ${problem}; it can never change: fit a new chip`);
    }
    if (!config.dataLocked) return { zone, config, state: { status: 'partial', detail: 'config zone locked, data zone not yet: a burn began' } };
    const found = decodeIdentityRecord(await this.chip.read(this.idSlot));
    if ('problem' in found) {
      throw new ProvisioningError('part-locked', `${this.where}: data zone locked without a PIA identity record in slot ${this.idSlot} (${found.problem}): provisioned by another tool; fit a new chip`);
    }
    return { zone, config, state: { status: 'provisioned', identity: found.identity } };
  }

  /** Step 1 on a locked chip: the same node → all skipped; another → refused. */
  private lockedAlready(held: BoardIdentity, wanted: BoardIdentity, report: StepReporter, replace: boolean): void {
    if (held.id === wanted.id) {
      const record = sameIdentity(held, wanted) ? 'holds this identity' : `holds ${describeIdentity(held)} as burnt; a locked record never changes`;
      for (const step of ATECC608_STEPS) report(step, 'skipped', step === 'write identity record' ? record : 'the data zone is locked with this node ID');
      return;
    }
    if (replace) {
      throw new ProvisioningError('part-locked', `${this.where}: the data zone is locked with ${describeIdentity(held)}: a locked ATECC608 can never be rewritten; fit a new chip to give this board node ${wanted.id}`);
    }
    throw new ProvisioningError('already-provisioned', `${this.where}: this board is provisioned already as ${describeIdentity(held)}, not node ${wanted.id}; its ATECC608 is locked and can never take another identity (fit a new chip for a new one)`);
  }

  /** Runs `task`, turning chip and bus failures into ProvisioningErrors that say what to check. */
  private async guard<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (e) {
      throw this.translate(e);
    }
  }

  private translate(e: unknown): unknown {
    if (e instanceof Atecc608Error) {
      if (e.kind === 'no-response') {
        return new ProvisioningError('no-response', `${this.where}: nothing answered the wake; check the board is seated and powered, the chip at ${this.where.split(' ').pop() ?? '0x60'}`, { cause: e });
      }
      if (e.kind === 'wrong-chip') {
        return new ProvisioningError('wrong-part', `${e.message.split('; ')[0] ?? e.message}; fit an ATECC608A/B or check the address`, { cause: e });
      }
      return new ProvisioningError('board-fault', e.message, { cause: e });
    }
    if (e instanceof I2cError) return new ProvisioningError('board-fault', `${this.where}: ${e.message}`, { cause: e });
    return e;
  }
}
