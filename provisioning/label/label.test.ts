import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import { ProvisioningError } from '../../identity/index.js';
import { GLYPH_ADVANCE, GLYPH_COLUMNS, GLYPH_ROWS, glyph } from './font5x7.js';
import { labelPayload, parseLabelPayload, qrMatrix, renderLabel, writeLabelPng, type LabelContent } from './index.js';
import { MODULE_PX, labelLayout, type TextLine } from './png-label.js';

// jsqr is CommonJS whose typings declare `export default`: under NodeNext the default import is
// the module object, and its `default` property is the decoder (both are at run time).
const jsQR = jsqr.default;
/** ISO/IEC 18004, clause "Quiet zone": the quiet zone is 4 modules wide (the spec's number, not the code's). */
const QUIET_ZONE = 4;

const ID = '0f8e5b7a-3c1d-4e2f-9a6b-5c4d3e2f1a0b';
const SERVER = '7d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a';
const RACK: LabelContent = { id: ID, label: 'rack 4 gateway', kind: 'gateway' };
const FULL: LabelContent = { id: ID, label: 'Kühlraum 2', kind: 'gateway', serial: '0123456789abcdef01', serverId: SERVER };

function decodePng(png: Buffer): { text: string; img: PNG; moduleSpanPx: number } {
  const img = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(img.data), img.width, img.height, { inversionAttempts: 'dontInvert' });
  if (found === null) throw new Error('no QR code found in the PNG');
  const tl = found.location.topLeftFinderPattern;
  const tr = found.location.topRightFinderPattern;
  return { text: found.data, img, moduleSpanPx: Math.hypot(tr.x - tl.x, tr.y - tl.y) };
}

const dark = (img: PNG, x: number, y: number): boolean => (img.data[(y * img.width + x) * 4] ?? 255) < 128;

/** Reads a text line back from the pixels by matching each cell against the font table. */
function readLine(img: PNG, line: TextLine, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) {
    const columns: number[] = [];
    for (let col = 0; col < GLYPH_ADVANCE; col++) {
      let bits = 0;
      for (let row = 0; row < GLYPH_ROWS; row++) {
        const x = line.x + (i * GLYPH_ADVANCE + col) * line.scale + Math.floor(line.scale / 2);
        if (x < img.width && dark(img, x, line.y + row * line.scale + Math.floor(line.scale / 2))) bits |= 1 << row;
      }
      columns.push(bits);
    }
    if (columns[GLYPH_COLUMNS] !== 0) return `${out}<no gap after cell ${i}>`;
    let hit = '¤';
    for (let code = 0x20; code <= 0x7e; code++) {
      const ch = String.fromCharCode(code);
      if (glyph(ch).every((b, k) => b === columns[k])) hit = ch;
    }
    out += hit;
  }
  return out;
}

/** Turns the half-block rows back into pixels (4 px per module) and decodes them. */
function decodeTerminal(rows: readonly string[], background: 'dark' | 'light'): string | null {
  const px = 4;
  const width = [...(rows[0] ?? '')].length * px;
  const height = rows.length * 2 * px;
  const data = new Uint8ClampedArray(width * height * 4);
  rows.forEach((row, r) => {
    [...row].forEach((ch, c) => {
      const halves = [ch === '█' || ch === '▀', ch === '█' || ch === '▄'];
      halves.forEach((block, h) => {
        const isDark = background === 'dark' ? !block : block;
        for (let y = 0; y < px; y++) {
          for (let x = 0; x < px; x++) {
            const i = (((r * 2 + h) * px + y) * width + c * px + x) * 4;
            data.fill(isDark ? 0 : 255, i, i + 3);
            data[i + 3] = 255;
          }
        }
      });
    });
  });
  return jsQR(data, width, height, { inversionAttempts: 'dontInvert' })?.data ?? null;
}

describe('renderLabel: PNG', () => {
  it.each([
    ['plain label', RACK],
    ['non-ASCII label with serial and server', FULL],
    ['label at the 64-byte limit', { id: ID, label: 'ü'.repeat(32), kind: 'gateway' }],
  ])('%s: the QR code decodes to the payload, which parses back to the id', async (_name, c) => {
    const { png, payload } = await renderLabel(c);
    expect(payload).toBe(labelPayload(c));
    const { text } = decodePng(png);
    expect(text).toBe(payload);
    expect(parseLabelPayload(text).id).toBe(ID);
    expect(parseLabelPayload(text).label).toBe(c.label);
  });

  it('draws at least 4 px per module with a 4-module white quiet zone', async () => {
    const { png, payload } = await renderLabel(FULL);
    const qr = qrMatrix(payload);
    const { img, moduleSpanPx } = decodePng(png);
    // Finder pattern centres sit 3.5 modules in from each edge: size − 7 modules apart.
    expect(moduleSpanPx / (qr.size - 7)).toBeGreaterThanOrEqual(4);
    expect(img.width).toBeGreaterThanOrEqual((qr.size + 2 * QUIET_ZONE) * 4);
    const layout = labelLayout(qr.size, ID, 'Kuhlraum 2');
    const quiet = QUIET_ZONE * MODULE_PX;
    expect(layout.qrY).toBeGreaterThanOrEqual(quiet);
    expect(layout.qrX).toBeGreaterThanOrEqual(quiet);
    let darkInQuietZone = 0;
    for (let y = layout.qrY - quiet; y < layout.qrY + qr.size * MODULE_PX + quiet; y++) {
      for (let x = layout.qrX - quiet; x < layout.qrX + qr.size * MODULE_PX + quiet; x++) {
        const inside = x >= layout.qrX && y >= layout.qrY && x < layout.qrX + qr.size * MODULE_PX && y < layout.qrY + qr.size * MODULE_PX;
        if (!inside && dark(img, x, y)) darkInQuietZone++;
      }
    }
    expect(darkInQuietZone).toBe(0);
    expect(dark(img, layout.qrX, layout.qrY)).toBe(true); // the finder pattern's corner
  });

  it('prints the ID and the label (accents folded for the 5×7 font) under the QR code', async () => {
    const { png, payload } = await renderLabel(FULL);
    const img = PNG.sync.read(png);
    const layout = labelLayout(qrMatrix(payload).size, ID, 'Kuhlraum 2');
    const [idLine, labelLine] = layout.lines;
    expect(readLine(img, idLine!, ID.length)).toBe(ID);
    expect(readLine(img, labelLine!, 'Kuhlraum 2'.length)).toBe('Kuhlraum 2');
  });

  it('is deterministic, and different content gives a different image', async () => {
    const a = await renderLabel(FULL);
    const b = await renderLabel({ ...FULL });
    expect(b.png.equals(a.png)).toBe(true);
    expect(b.terminal).toBe(a.terminal);
    const other = await renderLabel({ ...FULL, label: 'Kühlraum 3' });
    expect(other.png.equals(a.png)).toBe(false);
  });
});

describe('renderLabel: terminal', () => {
  it.each(['dark', 'light'] as const)('%s background: the half-block QR has the rows of its version and decodes', async (background) => {
    const r = await renderLabel(FULL, { terminalBackground: background });
    const { version } = qrMatrix(r.payload);
    const size = 17 + 4 * version; // ISO/IEC 18004: version V is 17 + 4V modules a side
    const lines = r.terminal.split('\n');
    const qrRows = lines.slice(0, Math.ceil((size + 8) / 2));
    expect(lines).toHaveLength(qrRows.length + 2);
    for (const row of qrRows) {
      expect(row).toMatch(/^[ ▀▄█]+$/u);
      expect([...row]).toHaveLength(size + 8);
    }
    expect(decodeTerminal(qrRows, background)).toBe(r.payload);
    expect(lines.at(-2)).toBe(ID);
    expect(lines.at(-1)).toBe('Kühlraum 2 (gateway)');
  });

  it('draws the quiet zone itself on a dark background (blocks are the light modules)', async () => {
    const lines = (await renderLabel(RACK)).terminal.split('\n');
    expect(lines[0]).toMatch(/^█+$/u);
    expect(lines[1]).toMatch(/^█+$/u);
    expect(lines[2]).toMatch(/^████ /u); // quiet zone, then the finder pattern's dark edge
  });
});

describe('renderLabel: bad input', () => {
  it('rejects with a usage error naming the field', async () => {
    const bad = renderLabel({ ...RACK, id: 'rack-4' });
    await expect(bad).rejects.toBeInstanceOf(ProvisioningError);
    await expect(bad).rejects.toThrow(/^board label: id "rack-4" is not a UUID/);
    await expect(renderLabel({ ...RACK, label: 'a\u0007b' })).rejects.toThrow(/label has a control character \(U\+0007/);
  });
});

describe('writeLabelPng', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pia-label-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the folder and writes <id>.png, leaving no temp file', async () => {
    const target = join(dir, 'labels', 'today');
    const path = await writeLabelPng(target, { ...RACK, id: ID.toUpperCase() });
    expect(path).toBe(join(target, `${ID}.png`));
    expect(await readdir(target)).toEqual([`${ID}.png`]);
    const written = await readFile(path);
    expect(written.equals((await renderLabel(RACK)).png)).toBe(true);
    expect(decodePng(written).text).toBe(labelPayload(RACK));
    const { mode } = await stat(path);
    expect(mode & 0o022).toBe(0); // never group- or world-writable
  });

  it('replaces an older label of the same ID by rename, never rewriting it in place', async () => {
    const path = join(dir, `${ID}.png`);
    await writeFile(path, 'old label');
    await link(path, join(dir, 'old-copy'));
    await writeLabelPng(dir, FULL);
    expect(decodePng(await readFile(path)).text).toBe(labelPayload(FULL));
    // A reader holding the old file still sees it whole: the new one is a different inode.
    expect(await readFile(join(dir, 'old-copy'), 'utf8')).toBe('old label');
    expect((await readdir(dir)).sort()).toEqual([`${ID}.png`, 'old-copy']);
  });

  it('cleans up its temp file and names the path when the rename fails', async () => {
    await mkdir(join(dir, `${ID}.png`)); // a folder where the label should go
    const result = writeLabelPng(dir, RACK);
    await expect(result).rejects.toBeInstanceOf(ProvisioningError);
    await expect(writeLabelPng(dir, RACK)).rejects.toThrow(`cannot write ${join(dir, `${ID}.png`)}`);
    expect(await readdir(dir)).toEqual([`${ID}.png`]);
  });

  it('refuses bad content before touching the folder', async () => {
    const target = join(dir, 'never');
    await expect(writeLabelPng(target, { ...RACK, label: '' })).rejects.toThrow(/label is empty/);
    await expect(stat(target)).rejects.toThrow(/ENOENT/);
  });
});
