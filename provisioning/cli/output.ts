/** What a technician reads: one line per step as it ends, the label, and one summary line per board. */
import type { BurnResult, StepLine } from '../burn/types.js';

const SYMBOL: Record<StepLine['outcome'], string> = { ok: 'ok', done: 'done', skipped: 'skipped', failed: 'FAILED' };

export function stepText(l: StepLine): string {
  return `  ${SYMBOL[l.outcome].padEnd(7)} ${l.step.padEnd(40)} ${String(Math.round(l.ms)).padStart(6)} ms${l.detail === undefined ? '' : `  ${l.detail}`}\n`;
}

/** One line: "PROVISIONED <id> …" or "FAILED <board> at <step>: <why>". */
export function summaryText(r: BurnResult): string {
  const seconds = (r.ms / 1000).toFixed(2);
  const serial = r.serial === undefined ? '' : ` serial ${r.serial}`;
  if (r.status === 'provisioned') {
    return `PROVISIONED ${r.id ?? '?'}${serial} "${r.label}" in ${seconds} s (${r.created ? 'new node' : 'already registered'}); label ${r.labelFile ?? '-'}\n`;
  }
  const failed = r.steps.find((s) => s.outcome === 'failed')?.step ?? 'start';
  return `FAILED ${r.board}${serial} at "${failed}" after ${seconds} s: ${r.error?.message ?? 'unknown error'}\n`;
}

/** The fields of a result for --json and the batch report (no key material exists in a result). */
export function resultRecord(r: BurnResult, slot?: string): Record<string, string | number | boolean | null> {
  return {
    ...(slot === undefined ? {} : { slot }),
    board: r.board,
    where: r.where,
    serial: r.serial ?? null,
    status: r.status,
    id: r.id ?? null,
    label: r.label,
    created: r.created,
    seconds: Number((r.ms / 1000).toFixed(3)),
    failedStep: r.steps.find((s) => s.outcome === 'failed')?.step ?? null,
    error: r.error?.message ?? null,
    errorKind: r.error?.kind ?? null,
    labelFile: r.labelFile ?? null,
  };
}

/** RFC 4180 CSV of records with the same keys. */
export function csv(records: readonly Record<string, string | number | boolean | null>[]): string {
  const [first] = records;
  if (first === undefined) return '';
  const cell = (v: string | number | boolean | null): string => {
    const t = v === null ? '' : String(v);
    return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
  };
  const keys = Object.keys(first);
  return [keys.join(','), ...records.map((r) => keys.map((k) => cell(r[k] ?? null)).join(','))].join('\r\n') + '\r\n';
}
