/**
 * The command line of bench/trust-fleet.ts: `--NAME VALUE` for each size, `--quick` for a
 * smoke-sized run. A bad argument is an error naming it, what is wrong and what to pass.
 */

export interface FleetBenchOptions {
  readonly gateways: number;
  readonly operators: number;
  readonly groups: number;
  /** Longest timed run per configuration. */
  readonly seconds: number;
  /** Timed authorizations per configuration (fewer if `seconds` run out first). */
  readonly authorizations: number;
  readonly concurrency: number;
  /** Authorizations before the timing, per configuration. */
  readonly warmup: number;
}

export const FULL: FleetBenchOptions = { gateways: 5000, operators: 20_000, groups: 8, seconds: 20, authorizations: 30_000, concurrency: 16, warmup: 1000 };
export const QUICK: FleetBenchOptions = { gateways: 200, operators: 800, groups: 4, seconds: 5, authorizations: 2000, concurrency: 16, warmup: 200 };

/** The smallest sensible value of each option. */
const MINIMUM: Readonly<Record<keyof FleetBenchOptions, number>> = { gateways: 1, operators: 1, groups: 0, seconds: 0.1, authorizations: 1, concurrency: 1, warmup: 0 };

/** `argv` (after the script) over `base` (default: the full size, or QUICK with --quick). */
export function parseFleetArgs(argv: readonly string[], base: Partial<FleetBenchOptions> = {}): FleetBenchOptions {
  const out: Record<string, number> = { ...(argv.includes('--quick') ? QUICK : FULL), ...base };
  const names = Object.keys(FULL);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') continue;
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (!names.includes(name)) throw new Error(`unknown argument ${JSON.stringify(arg)}: use --quick or --NAME VALUE with NAME one of ${names.join(', ')}`);
    const text = argv[i + 1];
    const value = Number(text);
    if (text === undefined || !Number.isFinite(value)) throw new Error(`--${name} needs a number after it (got ${text === undefined ? 'nothing' : JSON.stringify(text)}), e.g. --${name} ${String(FULL[name as keyof FleetBenchOptions])}`);
    out[name] = value;
    i++;
  }
  for (const name of names as Array<keyof FleetBenchOptions>) {
    const v = out[name] as number;
    const integer = name !== 'seconds';
    if ((integer && !Number.isInteger(v)) || v < MINIMUM[name]) {
      throw new Error(`--${name} ${v}: must be ${integer ? 'an integer ' : 'a number '}≥ ${MINIMUM[name]}`);
    }
  }
  return out as unknown as FleetBenchOptions;
}
