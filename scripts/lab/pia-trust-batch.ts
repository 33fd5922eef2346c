/**
 * `pia-trust` commands in one process: `tsx scripts/lab/pia-trust-batch.ts FILE`, FILE a JSON
 * list of argument lists, each run in turn (runPiaTrust, as `pia-trust ARGS…` would), and one
 * JSON line per command on stdout: `{"code", "stdout", "stderr"}`. The lab's registrations are a
 * dozen commands; each `pia-trust` process costs a Node start (about 2 s of CPU with tsx), this
 * costs one. Exit 0 when every command exited 0, else 1 (the lines say which failed).
 */
import { readFileSync } from 'node:fs';
import { runPiaTrust } from '../../trust-server/cli/index.js';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: pia-trust-batch FILE (a JSON list of pia-trust argument lists)\n');
  process.exit(2);
}
const commands = JSON.parse(readFileSync(file, 'utf8')) as string[][];
let failed = false;
for (const args of commands) {
  let stdout = '';
  let stderr = '';
  const code = await runPiaTrust(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, signal: new AbortController().signal, env: process.env });
  failed ||= code !== 0;
  process.stdout.write(`${JSON.stringify({ code, stdout, stderr })}\n`);
}
process.exit(failed ? 1 : 0);
