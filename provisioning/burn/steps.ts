/** Timed steps of a burn: each one becomes a StepLine (name, outcome, clock ms, detail), also when it fails. */
import type { Clock } from '../../common/index.js';
import type { StepReporter } from '../../identity/index.js';
import type { StepLine, StepOutcome } from './types.js';

export class StepRecorder {
  readonly lines: StepLine[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly onStep: (line: StepLine) => void,
  ) {}

  /** Runs one step; `fn` returns its value, with the outcome (default ok) and a detail for the line. */
  async run<T>(step: string, fn: () => Promise<{ value: T; outcome?: StepOutcome; detail?: string }>): Promise<T> {
    const start = this.clock.now();
    try {
      const r = await fn();
      this.add({ step, outcome: r.outcome ?? 'ok', ms: this.clock.now() - start, ...(r.detail === undefined ? {} : { detail: r.detail }) });
      return r.value;
    } catch (err) {
      this.add({ step, outcome: 'failed', ms: this.clock.now() - start, detail: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /** A StepReporter for a store's own steps ("<prefix>: <step>"), each timed from the one before. */
  reporter(prefix: string): { report: StepReporter; failed: (err: unknown) => void } {
    let last = this.clock.now();
    return {
      report: (step, outcome, detail) => {
        const now = this.clock.now();
        this.add({ step: `${prefix}: ${step}`, outcome, ms: now - last, ...(detail === undefined ? {} : { detail }) });
        last = now;
      },
      failed: (err) => this.add({ step: `${prefix}`, outcome: 'failed', ms: this.clock.now() - last, detail: err instanceof Error ? err.message : String(err) }),
    };
  }

  private add(line: StepLine): void {
    this.lines.push(line);
    this.onStep(line);
  }
}
