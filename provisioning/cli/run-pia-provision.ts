/**
 * `pia-provision` in-process: parse, open the station and the boards, run, print, exit code.
 * The program (pia-provision.ts) passes the real seams; tests pass simulated boards.
 */
import { writeFileDurably } from '../../common/index.js';
import { burnBoard } from '../burn/burn.js';
import type { BurnOptions, BurnResult } from '../burn/types.js';
import { ProvisioningError } from '../../identity/index.js';
import { parseProvisionArgs, type ProvisionCommand } from './args.js';
import { readTray } from './batch-file.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { csv, resultRecord, stepText, summaryText } from './output.js';
import { openBoard, openStation, type ProvisionDeps } from './station.js';
import { USAGE } from './usage.js';
import { inspectBoard, verifyBoard } from './verify.js';

export interface ProvisionIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Aborting stops a batch before its next board (exit 130); the board in hand is finished first. */
  readonly signal: AbortSignal;
}

export async function runPiaProvision(args: readonly string[], io: ProvisionIo, deps: ProvisionDeps): Promise<ExitCode> {
  let cmd: ProvisionCommand;
  try {
    cmd = parseProvisionArgs(args);
  } catch (err) {
    io.stderr.write(`pia-provision: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.Usage;
  }
  try {
    switch (cmd.command) {
      case 'help':
        io.stdout.write(USAGE);
        return ExitCode.Ok;
      case 'inspect':
        return await inspectBoard(cmd.board, cmd.json, io, deps);
      case 'verify':
        return await verifyBoard(cmd.board, cmd.json, io, deps);
      case 'burn':
      case 'batch':
        return await withStation(cmd, io, deps);
    }
  } catch (err) {
    if (!(err instanceof ProvisioningError)) throw err;
    io.stderr.write(`pia-provision: ${err.message}\n`);
    return exitCodeFor(err.kind);
  }
}

async function withStation(cmd: Extract<ProvisionCommand, { command: 'burn' | 'batch' }>, io: ProvisionIo, deps: ProvisionDeps): Promise<ExitCode> {
  const station = openStation(cmd, deps);
  const options = (label: string): BurnOptions => ({ label, kind: cmd.kind, keySource: cmd.keySource, ...(cmd.command === 'burn' && cmd.force !== undefined ? { force: cmd.force } : {}) });
  const one = async (spec: Parameters<typeof openBoard>[0], label: string, slot?: string): Promise<BurnResult> => {
    if (!cmd.json) io.stdout.write(`board ${slot === undefined ? '' : `${slot} `}${spec.text}\n`);
    let board;
    try {
      board = await openBoard(spec, deps);
    } catch (err) {
      return unopened(spec.text, label, err); // this board's problem, not the tray's
    }
    const r = await burnBoard(station.context, board, options(label), (line) => !cmd.json && io.stdout.write(stepText(line)));
    if (!cmd.json) {
      if (r.terminalLabel !== undefined) io.stdout.write(`${r.terminalLabel}\n`);
      io.stdout.write(summaryText(r));
    }
    return r;
  };
  if (cmd.command === 'burn') {
    const r = await one(cmd.board, cmd.label);
    if (cmd.json) io.stdout.write(`${JSON.stringify(resultRecord(r))}\n`);
    return r.error === undefined ? ExitCode.Ok : exitCodeFor(r.error.kind);
  }
  const tray = readTray(cmd.boards);
  const records: ReturnType<typeof resultRecord>[] = [];
  writeReport(cmd.report, records); // a report that cannot be written is found before the first board
  for (const entry of tray) {
    if (io.signal.aborted) {
      io.stderr.write(`pia-provision: interrupted before slot ${entry.slot}; run the batch again to continue (finished boards are refused as already provisioned, unfinished ones resume)\n`);
      return ExitCode.Interrupted;
    }
    records.push(resultRecord(await one(entry.board, entry.label, entry.slot), entry.slot));
    writeReport(cmd.report, records); // after every board: a station crash keeps the rows so far
  }
  const failed = records.filter((r) => r.status !== 'provisioned').length;
  const line = `batch: ${records.length - failed} of ${records.length} boards provisioned${failed === 0 ? '' : `, ${failed} failed (see ${cmd.report ?? 'the lines above'})`}\n`;
  if (cmd.json) io.stdout.write(`${JSON.stringify(records)}\n`);
  else io.stdout.write(line);
  return failed === 0 ? ExitCode.Ok : ExitCode.BatchFailures;
}

/** The report, replaced whole (common/durable-file.ts) so a reader never sees half of it. */
function writeReport(path: string | undefined, records: readonly Record<string, string | number | boolean | null>[]): void {
  if (path === undefined) return;
  const text = path.toLowerCase().endsWith('.csv') ? csv(records) : `${JSON.stringify(records, null, 2)}\n`;
  try {
    writeFileDurably(path, text, { mode: 0o644 });
  } catch (err) {
    throw new ProvisioningError('usage', `--report ${path}: cannot write it (${(err as NodeJS.ErrnoException).code ?? String(err)}); check its folder exists and is writable`, { cause: err });
  }
}

/** A board whose buses could not be opened: a failed result like any other. */
function unopened(spec: string, label: string, err: unknown): BurnResult {
  const error = err instanceof ProvisioningError ? err : new ProvisioningError('board-fault', `board ${spec}: ${err instanceof Error ? err.message : String(err)}; check the station's I2C buses (/dev/i2c-N) and the socket`, { cause: err });
  return { board: 'unopened', where: spec, status: 'failed', label, created: false, steps: [{ step: 'open', outcome: 'failed', ms: 0, detail: error.message }], ms: 0, error };
}
