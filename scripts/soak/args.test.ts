import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SLOPE_MB_PER_HOUR, parseSoakArgs, SoakUsageError } from './args.js';

function refusal(argv: string[]): string {
  try {
    parseSoakArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(SoakUsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('parseSoakArgs', () => {
  it('reads --minutes (decimals too), --json, --out, --loopback and --max-slope', () => {
    expect(parseSoakArgs(['--minutes', '10'])).toEqual({ help: false, minutes: 10, json: false, out: undefined, loopback: false, maxSlopeMbPerHour: DEFAULT_MAX_SLOPE_MB_PER_HOUR });
    expect(parseSoakArgs(['--minutes', '1.5', '--json', '--out', 'r.json', '--loopback', '--max-slope', '12.5'])).toEqual({ help: false, minutes: 1.5, json: true, out: 'r.json', loopback: true, maxSlopeMbPerHour: 12.5 });
    expect(parseSoakArgs(['--help']).help).toBe(true);
  });

  it('refuses a missing, non-numeric or out-of-range --minutes, naming it and the fix', () => {
    expect(refusal([])).toBe('--minutes is missing: say how long the soak runs, e.g. --minutes 10');
    expect(refusal(['--minutes', 'ten'])).toBe('--minutes must be a number of minutes (0.5–1440), got "ten"; write e.g. --minutes 10');
    expect(refusal(['--minutes', '-3'])).toMatch(/--minutes needs a value|--minutes must be a number/);
    expect(refusal(['--minutes', '0.1'])).toBe('--minutes 0.1 is out of range: give 0.5–1440 minutes');
    expect(refusal(['--minutes', '5000'])).toBe('--minutes 5000 is out of range: give 0.5–1440 minutes');
    expect(refusal(['--minutes', '1e3'])).toMatch(/got "1e3"/);
  });

  it('refuses unknown options, stray words, an option without its value and an empty --out', () => {
    expect(refusal(['--minutes', '5', '--hours', '2'])).toMatch(/^unknown option '--hours'; the options are --minutes/);
    expect(refusal(['10'])).toBe("unexpected argument '10': the soak takes options only (write --minutes 10)");
    expect(refusal(['--minutes'])).toBe('--minutes needs a value: write --minutes VALUE');
    expect(refusal(['--minutes', '5', '--out', ' '])).toMatch(/^--out is empty/);
    expect(refusal(['--minutes', '5', '--max-slope', 'lots'])).toMatch(/^--max-slope must be a number of MB per hour/);
  });

  it('keeps a long bad value short in the message', () => {
    expect(refusal(['--minutes', 'x'.repeat(500)]).length).toBeLessThan(200);
  });
});
