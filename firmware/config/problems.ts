/**
 * What is wrong with a configuration, in the form a person fixes it from:
 *   gateway.yaml:14: device "rack-fan": pwm.channel: 300 is out of range 0–255; the channel on that chip (pwmchipN/pwmX), e.g. 0
 * file:line, the device by name (when inside one), the setting, the problem, the fix.
 */
export type Severity = 'error' | 'warning';

export interface ConfigProblem {
  readonly severity: Severity;
  /** The file as the user named it. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly column: number;
  /** The device's name when the problem is inside a device entry that has a usable name… */
  readonly device?: string;
  /** …else its position in the devices list (0-based). */
  readonly deviceIndex?: number;
  /** The setting inside the device (or from the top of the file): "pwm.channel", "gateway.prefix". */
  readonly setting: string;
  readonly message: string;
  readonly fix: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.device !== undefined ? `device "${p.device}": ` : p.deviceIndex !== undefined ? `devices[${p.deviceIndex}] (no valid name): ` : '';
  const setting = p.setting === '' ? '' : `${p.setting}: `;
  const warn = p.severity === 'warning' ? 'warning: ' : '';
  return `${p.file}:${p.line}: ${warn}${where}${setting}${p.message}${p.fix === '' ? '' : `; ${p.fix}`}`;
}

/** Thrown by loadGatewayConfig with every problem found (not just the first), in file order. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(problems.length === 0 ? `${file}: invalid configuration` : problems.map(formatProblem).join('\n'));
  }
}

/** Problems in file order (line, then column), errors before warnings on one spot. */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}
