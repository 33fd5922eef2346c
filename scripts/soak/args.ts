/**
 * `npm run soak -- …`: the soak's options, checked before anything starts (docs/soak.md).
 *
 * Must hold: every refusal is a `SoakUsageError` naming the option, what is wrong and what to
 * write instead; the caller prints it with the usage and exits 2. Nothing is started for a bad
 * command line.
 */
import { parseArgs } from 'node:util';

export const SOAK_USAGE = `usage: npm run soak -- --minutes N [options]
  --minutes N       how long the programs run under load, in minutes (0.5–1440; decimals allowed)
  --json            print the report as one JSON object instead of text
  --out FILE        also write the JSON report to FILE
  --loopback        run every program on this host's loopback instead of the network lab's
                    namespaces (quick iterations only: the soak's figures are the lab's)
  --max-slope MB/H  the memory growth allowed for the gateway and the trusted server
                    (default 20 MB/h), judged when the measured half of the run lasts 5 min or more
  --help            this text
The programs run as processes: pia-trust serve, pia-gateway run --simulated, piactl and
Mosquitto, each in its own namespace of the lab (scripts/lab, needs root). Exit 0 when every
check holds, 1 when one fails (named in the report), 2 for a bad command line.`;

export interface SoakArgs {
  readonly help: boolean;
  readonly minutes: number;
  readonly json: boolean;
  readonly out: string | undefined;
  readonly loopback: boolean;
  readonly maxSlopeMbPerHour: number;
}

export class SoakUsageError extends Error {
  override readonly name = 'SoakUsageError';
}

export const MIN_MINUTES = 0.5;
export const MAX_MINUTES = 1440;
export const DEFAULT_MAX_SLOPE_MB_PER_HOUR = 20;

/** Parses the soak's arguments (after `--`). Throws `SoakUsageError` naming the bad one. */
export function parseSoakArgs(argv: readonly string[]): SoakArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        minutes: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        loopback: { type: 'boolean' },
        'max-slope': { type: 'string' },
      },
    });
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    const name = /--?[a-z-]+/.exec(message)?.[0] ?? 'an option';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new SoakUsageError(`unknown option '${name}'; the options are --minutes, --json, --out, --loopback, --max-slope, --help`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new SoakUsageError(`${name} needs a value: write ${name} VALUE`);
    throw new SoakUsageError(message);
  }
  const v = parsed.values;
  const extra = parsed.positionals[0];
  if (extra !== undefined) throw new SoakUsageError(`unexpected argument '${extra.slice(0, 40)}': the soak takes options only (write --minutes ${/^\d/.test(extra) ? extra.slice(0, 10) : 'N'})`);
  if (v.help === true) return { help: true, minutes: 0, json: false, out: undefined, loopback: false, maxSlopeMbPerHour: DEFAULT_MAX_SLOPE_MB_PER_HOUR };
  if (v.minutes === undefined) throw new SoakUsageError('--minutes is missing: say how long the soak runs, e.g. --minutes 10');
  const minutes = number('--minutes', v.minutes, MIN_MINUTES, MAX_MINUTES, 'minutes');
  const out = v.out;
  if (out !== undefined && out.trim() === '') throw new SoakUsageError('--out is empty: give a file name for the JSON report, e.g. --out soak.json');
  const maxSlope = v['max-slope'] === undefined ? DEFAULT_MAX_SLOPE_MB_PER_HOUR : number('--max-slope', v['max-slope'], 0.1, 10_000, 'MB per hour');
  return { help: false, minutes, json: v.json === true, out, loopback: v.loopback === true, maxSlopeMbPerHour: maxSlope };
}

function number(option: string, text: string, min: number, max: number, unit: string): number {
  const shown = JSON.stringify(text.slice(0, 20));
  if (!/^\d+(\.\d+)?$/.test(text.trim())) throw new SoakUsageError(`${option} must be a number of ${unit} (${min}–${max}), got ${shown}; write e.g. ${option} 10`);
  const n = Number(text);
  if (n < min || n > max) throw new SoakUsageError(`${option} ${n} is out of range: give ${min}–${max} ${unit}`);
  return n;
}
