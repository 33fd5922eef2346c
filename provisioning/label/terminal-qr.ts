/**
 * The QR code as terminal text: each character cell holds two modules, one above the other,
 * drawn with the Unicode half blocks ▀ ▄ █ and a space.
 *
 * Must hold: the ISO/IEC 18004 quiet zone (4 modules) is drawn, not left to the
 * terminal; a scanner sees dark modules on light. On a dark-background terminal (the default)
 * the blocks therefore draw the LIGHT modules and the quiet zone, and the terminal's own
 * background shows the dark ones; on a light background the blocks draw the dark modules.
 * Rows: ceil((size + 8) / 2); columns: size + 8. No colour escapes, so the text survives a pipe
 * or a log file unchanged.
 */
import type { ModuleMatrix } from './png-label.js';

export type TerminalBackground = 'dark' | 'light';

export const TERMINAL_QUIET_MODULES = 4;

/** Cell for (top, bottom) where true = draw a block in that half. */
const CELL = { both: '█', top: '▀', bottom: '▄', none: ' ' } as const;

export function terminalQr(qr: ModuleMatrix, background: TerminalBackground): string[] {
  const q = TERMINAL_QUIET_MODULES;
  const span = qr.size + 2 * q;
  const dark = (r: number, c: number): boolean => {
    const rr = r - q;
    const cc = c - q;
    return rr >= 0 && cc >= 0 && rr < qr.size && cc < qr.size && qr.data[rr * qr.size + cc] !== 0;
  };
  // Past the last module row there is nothing to draw: the cell's lower half stays terminal background.
  const drawn = (r: number, c: number): boolean => {
    if (r >= span) return false;
    return background === 'dark' ? !dark(r, c) : dark(r, c);
  };
  const rows: string[] = [];
  for (let r = 0; r < span; r += 2) {
    let line = '';
    for (let c = 0; c < span; c++) {
      const top = drawn(r, c);
      const bottom = drawn(r + 1, c);
      line += top ? (bottom ? CELL.both : CELL.top) : bottom ? CELL.bottom : CELL.none;
    }
    rows.push(line);
  }
  return rows;
}
