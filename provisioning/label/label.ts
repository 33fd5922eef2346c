/**
 * The board label `pia-provision` prints once a node ID is burnt in: the ID and a QR code, as a
 * PNG for the label printer and as text for the technician's terminal.
 *
 *   1. check and canonicalise the content (content.ts): a bad field stops here, named
 *   2. the payload (payload.ts) → QR symbol at error correction level M (ISO/IEC 18004: ~15 %
 *      of the symbol may be lost, enough for a scuffed label, small enough to stay short)
 *   3. PNG: QR + ID line + label line (png-label.ts); terminal: half blocks + ID + label lines
 *   4. writeLabelPng: temp file in the target folder, fsync, rename over `<id>.png`
 *
 * Must hold: the same content gives the same payload, PNG bytes and terminal text; a reader of
 * the folder sees either the old label or the new one, never a torn file.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { ProvisioningError } from '../../identity/index.js';
import { checkLabelContent, type LabelContent } from './content.js';
import { asciiForLabel } from './font5x7.js';
import { labelPayload } from './payload.js';
import { labelPng, type ModuleMatrix } from './png-label.js';
import { terminalQr, type TerminalBackground } from './terminal-qr.js';

export type { LabelContent } from './content.js';
export { labelPayload, parseLabelPayload, LabelPayloadError } from './payload.js';

export const ERROR_CORRECTION = 'M';

export interface RenderOptions {
  /** The background of the terminal the text is shown on; default 'dark'. */
  readonly terminalBackground?: TerminalBackground;
}

export interface RenderedLabel {
  /** The label image: QR code, ID and label, 8-bit grayscale PNG. */
  readonly png: Buffer;
  /** The QR code in half blocks, then the ID line and the label line; no trailing newline. */
  readonly terminal: string;
  /** The QR text (see payload.ts for the format). */
  readonly payload: string;
}

/** The QR symbol for a payload, at level M; the version is the smallest that holds it. */
export function qrMatrix(payload: string): ModuleMatrix & { readonly version: number } {
  const qr = QRCode.create(payload, { errorCorrectionLevel: ERROR_CORRECTION });
  return { size: qr.modules.size, data: qr.modules.data, version: qr.version };
}

/** Renders the label; rejects with a ProvisioningError ('usage') naming the field when the content is not valid. */
export function renderLabel(c: LabelContent, options: RenderOptions = {}): Promise<RenderedLabel> {
  // The work is synchronous (a few ms); the executor turns a thrown check into a rejection.
  return new Promise((resolve) => resolve(render(c, options)));
}

function render(c: LabelContent, options: RenderOptions): RenderedLabel {
  const n = checkLabelContent(c);
  const payload = labelPayload(n);
  const qr = qrMatrix(payload);
  const png = labelPng(qr, n.id, asciiForLabel(n.label));
  const rows = terminalQr(qr, options.terminalBackground ?? 'dark');
  const terminal = [...rows, n.id, `${n.label} (${n.kind})`].join('\n');
  return { png, terminal, payload };
}

/**
 * Writes `<dir>/<id>.png` (creating `dir`), replacing an older label of the same ID, and returns
 * the path. Mode 0644: the label holds no secret. Throws a ProvisioningError ('usage') naming
 * the path when the folder cannot be written.
 */
export async function writeLabelPng(dir: string, c: LabelContent): Promise<string> {
  const n = checkLabelContent(c);
  const { png } = await renderLabel(n);
  const path = join(dir, `${n.id}.png`);
  // Same folder, so rename(2) is atomic (same file system); a unique name so two stations
  // writing into one shared folder never share a temp file.
  const temp = join(dir, `.${n.id}.png.${process.pid}.${randomUUID()}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const file = await open(temp, 'wx', 0o644);
    try {
      await file.writeFile(png);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    const why = e instanceof Error ? e.message : String(e);
    throw new ProvisioningError('usage', `board label: cannot write ${path}: ${why}; check that the label folder is writable`, {
      cause: e,
    });
  }
  return path;
}
