/**
 * A board as the command line names it: which identity stores it has and where.
 *
 *   atecc608=i2c-1:0x60[,slot=0][,idslot=8]   the secure element (the key store)
 *   eeprom=i2c-0:0x50                          the HAT ID EEPROM (identity only)
 *   file=/path/identity.json                   a credential file (the key store of a board without a secure element)
 *
 * joined with "+": "atecc608=i2c-1:0x60+eeprom=i2c-0:0x50". Exactly one key store (atecc608 or file).
 */
import { ProvisioningError } from '../../identity/index.js';

export interface I2cAt {
  readonly bus: number;
  readonly address: number;
}

export interface BoardSpec {
  readonly text: string;
  readonly atecc608?: I2cAt & { readonly keySlot: number; readonly idSlot: number };
  readonly eeprom?: I2cAt;
  readonly file?: string;
}

const EXAMPLE = 'write e.g. "atecc608=i2c-1:0x60+eeprom=i2c-0:0x50" or "file=/var/lib/pia/identity.json"';

export function parseBoardSpec(text: string): BoardSpec {
  const bad = (problem: string): never => {
    throw new ProvisioningError('usage', `--board "${text}": ${problem}; ${EXAMPLE}`);
  };
  let spec: Omit<BoardSpec, 'text'> = {};
  for (const part of text.split('+')) {
    const [kind, ...rest] = part.split('=');
    const value = rest.join('=');
    if (value === '') bad(`"${part}" has no location`);
    if (kind === 'atecc608' || kind === 'eeprom') {
      if (spec[kind] !== undefined) bad(`${kind} is given twice`);
      const [where, ...opts] = value.split(',');
      const at = i2cAt(where ?? '', bad);
      if (kind === 'eeprom') {
        if (opts.length > 0) bad('eeprom takes no options');
        spec = { ...spec, eeprom: at };
      } else {
        const o = Object.fromEntries(opts.map((x) => x.split('=') as [string, string | undefined]));
        for (const k of Object.keys(o)) if (k !== 'slot' && k !== 'idslot') bad(`unknown atecc608 option "${k}" (slot, idslot)`);
        spec = { ...spec, atecc608: { ...at, keySlot: slotOf(o.slot, 0, bad), idSlot: slotOf(o.idslot, 8, bad) } };
      }
    } else if (kind === 'file') {
      if (spec.file !== undefined) bad('file is given twice');
      spec = { ...spec, file: value };
    } else bad(`unknown store "${kind ?? ''}" (atecc608, eeprom, file)`);
  }
  if ((spec.atecc608 === undefined) === (spec.file === undefined)) bad('name exactly one key store: atecc608 or file');
  return { text, ...spec };
}

function i2cAt(where: string, bad: (p: string) => never): I2cAt {
  const m = /^i2c-(\d{1,2}):0x([0-9a-f]{2})$/i.exec(where);
  if (m === null) return bad(`"${where}" is not i2c-BUS:0xADDR`);
  const address = parseInt(m[2] ?? '', 16);
  if (address < 0x08 || address > 0x77) bad(`address 0x${address.toString(16)} is outside 0x08–0x77`);
  return { bus: Number(m[1]), address };
}

function slotOf(v: string | undefined, dflt: number, bad: (p: string) => never): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 15 ? n : bad(`slot "${v}" is not 0–15`);
}
