/**
 * The label as a PNG: the QR code with its quiet zone, the node ID under it, then the human
 * label, black on white, 8-bit grayscale.
 *
 *   1. layout: the QR at MODULE_PX per module with a QUIET_MODULES quiet zone, centred; the
 *      image as wide as the widest of the QR and the two text lines (with the same margin)
 *   2. draw the QR modules, then each text line with the 5×7 font, each dot SCALE px square
 *   3. pack with pngjs (colour type 0, deterministic deflate settings)
 *
 * Must hold: the ISO/IEC 18004 quiet zone of 4 modules on every side of the symbol; at
 * least 4 px per module so a 203 dpi label printer prints modules of ≥ 0.5 mm; same input,
 * same bytes.
 */
import { PNG } from 'pngjs';
import { GLYPH_ADVANCE, GLYPH_COLUMNS, GLYPH_ROWS, glyph } from './font5x7.js';

export const MODULE_PX = 8;
export const QUIET_MODULES = 4;
/** Pixel size of one font dot on the ID line (the ID must be readable by eye). */
export const ID_SCALE = 3;
/** Pixel size of one font dot on the label line. */
export const LABEL_SCALE = 2;

const DARK = 0x00;
const LIGHT = 0xff;

/** The QR symbol: `size` × `size` modules, row-major, non-zero = dark. */
export interface ModuleMatrix {
  readonly size: number;
  readonly data: Uint8Array;
}

export interface TextLine {
  readonly x: number;
  readonly y: number;
  readonly scale: number;
  readonly text: string;
}

export interface LabelLayout {
  readonly width: number;
  readonly height: number;
  /** Top-left pixel of the QR symbol itself (inside its quiet zone). */
  readonly qrX: number;
  readonly qrY: number;
  readonly lines: readonly TextLine[];
}

/** Where everything goes; exported so a test can read the drawn text back. */
export function labelLayout(qrSize: number, idText: string, labelText: string): LabelLayout {
  const quietPx = QUIET_MODULES * MODULE_PX;
  const qrBoxPx = qrSize * MODULE_PX + 2 * quietPx;
  const textWidth = (text: string, scale: number): number => (text.length * GLYPH_ADVANCE - 1) * scale;
  const width = Math.max(qrBoxPx, textWidth(idText, ID_SCALE) + 2 * quietPx, textWidth(labelText, LABEL_SCALE) + 2 * quietPx);
  const centre = (w: number): number => Math.floor((width - w) / 2);
  const idY = qrBoxPx;
  const labelY = idY + (GLYPH_ROWS + 3) * ID_SCALE;
  const height = labelY + GLYPH_ROWS * LABEL_SCALE + quietPx;
  return {
    width,
    height,
    qrX: centre(qrBoxPx) + quietPx,
    qrY: quietPx,
    lines: [
      { x: centre(textWidth(idText, ID_SCALE)), y: idY, scale: ID_SCALE, text: idText },
      { x: centre(textWidth(labelText, LABEL_SCALE)), y: labelY, scale: LABEL_SCALE, text: labelText },
    ],
  };
}

/** Draws the label; `labelText` must already be what the font can draw (see asciiForLabel). */
export function labelPng(qr: ModuleMatrix, idText: string, labelText: string): Buffer {
  const layout = labelLayout(qr.size, idText, labelText);
  const { width, height } = layout;
  const gray = Buffer.alloc(width * height, LIGHT);
  const fill = (x: number, y: number, w: number, h: number): void => {
    for (let row = y; row < y + h; row++) gray.fill(DARK, row * width + x, row * width + x + w);
  };

  for (let r = 0; r < qr.size; r++) {
    for (let c = 0; c < qr.size; c++) {
      if (qr.data[r * qr.size + c] !== 0) fill(layout.qrX + c * MODULE_PX, layout.qrY + r * MODULE_PX, MODULE_PX, MODULE_PX);
    }
  }
  for (const line of layout.lines) {
    [...line.text].forEach((ch, i) => {
      const columns = glyph(ch);
      for (let col = 0; col < GLYPH_COLUMNS; col++) {
        const bits = columns[col] ?? 0;
        for (let row = 0; row < GLYPH_ROWS; row++) {
          if ((bits >> row) & 1) fill(line.x + (i * GLYPH_ADVANCE + col) * line.scale, line.y + row * line.scale, line.scale, line.scale);
        }
      }
    });
  }

  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = gray;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, deflateLevel: 9 });
}
