/**
 * The HAT ID EEPROM (24C32 at 0x50) as a PIA identity store: the identity only, never the key
 * (the Pi publishes the image world-readable under /proc/device-tree/hat). Image and classes:
 * hat-eeprom-image.ts.
 *
 * Flow of `write(identity)`, one step, "write HAT image":
 *  1. build the image (vendor UUID = node ID, GPIO map, PIA atom) before touching the chip;
 *  2. read what the chip holds: the same image byte for byte → 'skipped';
 *  3. a PIA image of another node, or another HAT's image (no PIA atom) → 'already-provisioned'
 *     naming the ID it carries, unless `replace`; blank or torn (a write a power cut broke off)
 *     → written without asking: there is no whole identity to lose;
 *  4. write page by page and read back (HatEeprom.writeImage with verify).
 * `inspect`: blank → blank; torn → partial ("a torn or corrupt HAT image …"); another HAT's
 * image → partial with detail "a HAT image without a PIA atom …" (decided: it is kept unless
 * the write says `replace`); a PIA image with a whole identity → provisioned.
 */
import { HatEepromError, HEADER_SIZE, type HatEeprom, type HatEepromErrorKind } from '../drivers/hat-eeprom/index.js';
import { I2cError } from '../drivers/i2c/index.js';
import type { NodeKey } from '../pia/phase3/index.js';
import { ProvisioningError, type ProvisioningErrorKind } from './errors.js';
import { buildHatImage, classifyHatImage, type HatContent, type HatImageOptions } from './hat-eeprom-image.js';
import { checkIdentity, describeIdentity } from './identity.js';
import type { BoardIdentity, IdentityStore, StepReporter, StoreState } from './types.js';

export type HatEepromStoreOptions = HatImageOptions;

export const HAT_EEPROM_STEP = 'write HAT image';

const KIND_OF: Record<HatEepromErrorKind, ProvisioningErrorKind> = {
  format: 'board-fault',
  crc: 'board-fault',
  'write-protected': 'board-fault',
  'no-response': 'no-response',
  timeout: 'board-fault',
  verify: 'verify-failed',
  invalid: 'usage',
};

export class HatEepromIdentityStore implements IdentityStore {
  readonly kind = 'hat-eeprom';
  readonly holdsKey = false;
  readonly where: string;

  constructor(
    private readonly eeprom: HatEeprom,
    private readonly options: HatEepromStoreOptions = {},
  ) {
    this.where = eeprom.where;
  }

  probe(): Promise<{ readonly serial?: string; readonly detail: string }> {
    return this.guard(async () => {
      const header = await this.eeprom.read(0, HEADER_SIZE);
      const image = header.subarray(0, 4).toString('latin1') === 'R-Pi' ? `a HAT image header (eeplen ${header.readUInt32LE(8)})` : 'no HAT image';
      return { detail: `the EEPROM answers; it holds ${image}` };
    });
  }

  inspect(): Promise<StoreState> {
    return this.guard(async () => {
      const { content } = await this.read();
      switch (content.kind) {
        case 'blank':
          return { status: 'blank' };
        case 'torn':
        case 'other':
          return { status: 'partial', detail: content.detail, ...(content.id !== undefined ? { id: content.id } : {}) };
        case 'pia':
          return { status: 'provisioned', identity: content.identity };
      }
    });
  }

  /** An EEPROM can always be rewritten (with WP low). */
  replaceRefusal(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  /** `key` is never written here (the image is world-readable): it is ignored. */
  async write(identity: BoardIdentity, _key: Uint8Array | undefined, report: StepReporter, options: { readonly replace?: boolean } = {}): Promise<void> {
    const wanted = checkIdentity(identity, this.where);
    await this.guard(async () => {
      const image = buildHatImage(wanted, this.options);
      const { content, bytes } = await this.read();
      if (bytes.equals(image)) {
        report(HAT_EEPROM_STEP, 'skipped', `the EEPROM already holds this image (${describeIdentity(wanted)})`);
        return;
      }
      if (options.replace !== true) this.refuseOther(content, wanted);
      await this.eeprom.writeImage(image, { verify: true });
      report(HAT_EEPROM_STEP, 'done', `${image.length} bytes: vendor info (UUID = node ID), GPIO map, PIA atom; read back and compared`);
    });
  }

  nodeKey(): NodeKey {
    throw new ProvisioningError('usage', `${this.where} holds no node key (the HAT image is world-readable on the Pi); take the node key from the ATECC608 or the identity file`);
  }

  /** The chip's image bytes (eeplen of them, or the header alone) and their class. */
  private async read(): Promise<{ content: HatContent; bytes: Buffer }> {
    const header = await this.eeprom.read(0, HEADER_SIZE);
    if (classifyHatImage(header).kind === 'blank') return { content: { kind: 'blank' }, bytes: header };
    const length = header.readUInt32LE(8);
    if (length < HEADER_SIZE) return { content: { kind: 'torn', detail: `a torn or corrupt HAT image (eeplen ${length} is shorter than its header): a write did not finish` }, bytes: header };
    let bytes: Buffer;
    try {
      bytes = await this.eeprom.read(0, length);
    } catch (e) {
      if (!(e instanceof HatEepromError) || e.kind !== 'invalid') throw e;
      return { content: { kind: 'torn', detail: `a torn or corrupt HAT image (eeplen ${length} is larger than the chip): a write did not finish` }, bytes: header };
    }
    return { content: classifyHatImage(bytes), bytes };
  }

  /** Step 3: an identity or another HAT's image is only overwritten on purpose. */
  private refuseOther(content: HatContent, wanted: BoardIdentity): void {
    if (content.kind === 'pia' && content.identity.id !== wanted.id) {
      throw new ProvisioningError('already-provisioned', `${this.where} holds ${describeIdentity(content.identity)}, not node ${wanted.id}; to give this board a new identity, replace it on purpose (--force ${content.identity.id})`);
    }
    if (content.kind === 'other' && content.id !== wanted.id) {
      const force = content.id !== undefined ? ` (--force ${content.id})` : '';
      throw new ProvisioningError('already-provisioned', `${this.where} holds ${content.detail}; it is kept unless replaced on purpose${force}`);
    }
  }

  private async guard<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (e) {
      if (e instanceof HatEepromError) {
        const message = e.message.startsWith(this.where) ? e.message : `${this.where}: ${e.message}`;
        throw new ProvisioningError(KIND_OF[e.kind], message, { cause: e });
      }
      if (e instanceof I2cError) throw new ProvisioningError('board-fault', `${this.where}: ${e.message}`, { cause: e });
      throw e;
    }
  }
}
