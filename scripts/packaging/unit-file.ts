/**
 * A systemd unit file read as data (systemd.syntax(7)): sections of `Key=value` lines, a key
 * possibly repeated (DeviceAllow=, SystemCallFilter=). Comments (`#`, `;`) and blank lines are
 * skipped; no line continuations (the units here use none). Also the exposure line of
 * `systemd-analyze security` and the Dockerfile's instructions, for the packaging tests.
 */

export type UnitFile = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

export function parseUnit(text: string): UnitFile {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header !== null) {
      current = sections.get(header[1]!) ?? new Map<string, string[]>();
      sections.set(header[1]!, current);
      return;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq <= 0) throw new Error(`line ${i + 1}: "${line}" is neither [Section] nor Key=value inside a section`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  });
  return sections;
}

/** The values of a key in a section (empty when absent). */
export const values = (unit: UnitFile, section: string, key: string): readonly string[] => unit.get(section)?.get(key) ?? [];

/** The last value of a key (systemd's rule for single-valued settings), or undefined. */
export const value = (unit: UnitFile, section: string, key: string): string | undefined => values(unit, section, key).at(-1);

/** "→ Overall exposure level for X.service: 2.1 OK" → 2.1. */
export function exposureScore(output: string): number {
  const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(output);
  if (m === null) throw new Error(`no "Overall exposure level" line in systemd-analyze's output: ${output.slice(-300)}`);
  return Number(m[1]);
}

export interface DockerInstruction {
  readonly line: number;
  readonly keyword: string;
  readonly args: string;
}

/** A Dockerfile's instructions: keyword upper-cased, `\` continuations joined, comments dropped. */
export function parseDockerfile(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = i + 1;
    if (line.startsWith('#')) return;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/s.exec(full);
    if (m !== null) out.push({ line: start, keyword: m[1]!.toUpperCase(), args: m[2]! });
  });
  return out;
}
