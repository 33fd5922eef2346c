/**
 * `piactl snapshot TARGET -o FILE [NAME=VALUE …]`: an image blob (a camera snapshot) fetched
 * block by block (RFC 7959 Block2, reassembled by the CoAP client), checked, written.
 *
 * Flow: 1. the output path is checked before connecting (run-piactl.ts); 2. resolve the target,
 * NAME=VALUE become Uri-Query (size=large); 3. GET, bounded by --timeout (default 60 s: the
 * capture crosses a serial line); 4. not 2.xx → its exit code; a content format other than
 * image/jpeg (22) → exit 6 (not an image); bytes that are not a whole JPEG → exit 1, nothing
 * written; 5. FILE written atomically (jpeg-file.ts).
 */
import type { PiactlCommand } from './args.js';
import { CommandError, ExitCode } from './exit-codes.js';
import { jpegProblem, writeFileAtomically } from './jpeg-file.js';
import type { Output } from './output.js';
import { resolveTarget } from './resolve.js';
import { responseError } from './responses.js';
import type { Session } from './session.js';

type SnapshotCommand = Extract<PiactlCommand, { command: 'snapshot' }>;

/** RFC 7252 §12.3: image/jpeg. */
export const JPEG_FORMAT = 22;

export async function runSnapshot(cmd: SnapshotCommand, s: Session, out: Output): Promise<number> {
  const r = await resolveTarget(s, cmd.target);
  const target = { ...r.target, query: [...r.target.query, ...cmd.query] };
  const what = `snapshot ${r.label}`;
  const resp = await s.ask(what, s.client.get(target));
  if (!resp.ok) throw responseError(what, resp);
  const bytes = resp.payload;
  if (resp.contentFormat !== undefined && resp.contentFormat !== JPEG_FORMAT) {
    throw new CommandError(ExitCode.Invalid, `${what}: the answer is content format ${resp.contentFormat}, not image/jpeg (${JPEG_FORMAT}): ${r.label} is not an image; 'piactl ls' marks images "image/jpeg"`);
  }
  const problem = jpegProblem(bytes);
  if (problem !== undefined) throw new CommandError(ExitCode.DeviceError, `${what}: the ${bytes.length} bytes received are not a whole JPEG (${problem}); nothing written to ${cmd.output}; try again`);
  writeFileAtomically(cmd.output, bytes);
  out.result({ target: r.uri, code: resp.codeText, file: cmd.output, bytes: bytes.length, contentFormat: resp.contentFormat ?? null }, `${r.label}: ${bytes.length} bytes (image/jpeg) written to ${cmd.output}`);
  return ExitCode.Ok;
}
