/**
 * What piactl prints. Human text by default; with --json one JSON object per result on
 * stdout (`{"ok": true, "command", …}`; watch: one per line) and a failure as
 * `{"ok": false, "command", "exitCode", "error", …}` on stdout too, so a script reads one
 * stream. The message for a person always goes to stderr as `piactl: …`.
 */
import { unitSymbol } from '../../common/index.js';
import { CommandError } from './exit-codes.js';
import type { PiactlIo } from './io.js';

export class Output {
  constructor(
    private readonly io: Pick<PiactlIo, 'stdout' | 'stderr'>,
    readonly json: boolean,
    private readonly command: string,
  ) {}

  /** One result: `fields` as JSON, or the human lines. */
  result(fields: Readonly<Record<string, unknown>>, human: string | readonly string[]): void {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify({ ok: true, command: this.command, ...fields })}\n`);
      return;
    }
    for (const line of typeof human === 'string' ? [human] : human) this.io.stdout.write(`${line}\n`);
  }

  /** Human text only (a progress line); nothing in --json mode. */
  text(line: string): void {
    if (!this.json) this.io.stdout.write(`${line}\n`);
  }

  warn(message: string): void {
    this.io.stderr.write(`piactl: warning: ${message}\n`);
  }

  failure(e: CommandError): number {
    this.io.stderr.write(`piactl: ${e.message}\n`);
    if (this.json) this.io.stdout.write(`${JSON.stringify({ ok: false, command: this.command, exitCode: e.exitCode, error: e.message, ...e.details })}\n`);
    return e.exitCode;
  }
}

/** A device value as a person reads it: strings bare, the rest as JSON. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '(none)';
  return JSON.stringify(v);
}

/** Value with its unit as people read it: "21.5 °C", "auto". */
export function withUnit(value: unknown, unit: unknown): string {
  return typeof unit === 'string' && unit !== '' ? `${formatValue(value)} ${unitSymbol(unit)}` : formatValue(value);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
