/**
 * The tray of boards for `pia-provision batch`: JSON `[{"slot", "board", "label"}, …]` or CSV
 * with the header `slot,board,label` (RFC 4180 quoting). Every problem names the file, the row
 * and the fix; the whole file is checked before the first board is touched.
 */
import { readFileSync } from 'node:fs';
import { ProvisioningError } from '../../identity/index.js';
import { checkLabel } from './args.js';
import { parseBoardSpec, type BoardSpec } from './board-spec.js';

export interface TrayEntry {
  readonly slot: string;
  readonly board: BoardSpec;
  readonly label: string;
}

export function readTray(path: string): TrayEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProvisioningError('usage', `batch file ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path`);
  }
  const rows = path.toLowerCase().endsWith('.csv') ? csvRows(text, path) : jsonRows(text, path);
  if (rows.length === 0) throw new ProvisioningError('usage', `batch file ${path}: no boards in it; list one per row (slot, board, label)`);
  const slots = new Set<string>();
  return rows.map((r, i) => {
    const where = `batch file ${path}, row ${i + 1}`;
    const fail = (m: string): never => {
      throw new ProvisioningError('usage', `${where}: ${m}`);
    };
    const slot = typeof r.slot === 'string' && r.slot !== '' ? r.slot : fail('"slot" is missing (a name for the tray position, e.g. A1)');
    if (slots.has(slot)) fail(`slot "${slot}" appears twice`);
    slots.add(slot);
    const boardText = typeof r.board === 'string' ? r.board : fail('"board" is missing (e.g. atecc608=i2c-1:0x60+eeprom=i2c-0:0x50)');
    let board: BoardSpec;
    try {
      board = parseBoardSpec(boardText);
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
    const label = checkLabel(typeof r.label === 'string' ? r.label : '', (m) => fail(m.replace('--label', '"label"')));
    return { slot, board, label };
  });
}

function jsonRows(text: string, path: string): Record<string, unknown>[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new ProvisioningError('usage', `batch file ${path}: not JSON (${err instanceof Error ? err.message : String(err)}); write [{"slot": "A1", "board": "…", "label": "…"}] or use a .csv file`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x))) {
    throw new ProvisioningError('usage', `batch file ${path}: must be a JSON array of objects {"slot", "board", "label"}`);
  }
  return v as Record<string, unknown>[];
}

/** RFC 4180 rows (quoted fields may hold commas, quotes and newlines). */
function csvRows(text: string, path: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endRow = (): void => {
    row.push(cell);
    if (row.some((x) => x !== '')) rows.push(row);
    row = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else cell += c;
  }
  endRow();
  const [header, ...body] = rows;
  const cols = header?.map((h) => h.trim().toLowerCase()) ?? [];
  for (const need of ['slot', 'board', 'label']) {
    if (!cols.includes(need)) throw new ProvisioningError('usage', `batch file ${path}: the header must name the columns slot,board,label (missing "${need}")`);
  }
  return body.map((r) => Object.fromEntries(cols.map((c, i) => [c, (r[i] ?? '').trim()])));
}
