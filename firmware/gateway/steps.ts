/**
 * A start made of steps, and what closes them: each step opens one thing and returns it with
 * the function that closes it (`Opened`); `Steps` keeps those closes.
 *
 * Must hold:
 *   - `unwind` closes every open step, the last opened first, each close's failure handed to
 *     `onUndoFailed` and never thrown: after a step k fails, steps k−1 … 1 are closed in reverse;
 *   - `close(name)` closes one step now, for a stop that has its own order (gateway.ts: the
 *     devices to their safe state first), and rejects with that close's error;
 *   - each close runs at most once, whichever of the two runs it.
 */
export interface Opened<T> {
  readonly value: T;
  readonly close: () => Promise<void>;
}

/** A step with nothing to close. */
export const nothingToClose = (): Promise<void> => Promise.resolve();

export class Steps<Name extends string> {
  readonly #open: { readonly name: Name; readonly close: () => Promise<void> }[] = [];

  constructor(private readonly onUndoFailed: (error: unknown) => void) {}

  /** Runs one step and keeps its close. */
  async open<T>(name: Name, step: () => Promise<Opened<T>> | Opened<T>): Promise<T> {
    const opened = await step();
    this.#open.push({ name, close: opened.close });
    return opened.value;
  }

  async unwind(): Promise<void> {
    for (const s of this.#open.splice(0).reverse()) {
      try {
        await s.close();
      } catch (e) {
        this.onUndoFailed(e);
      }
    }
  }

  close(name: Name): Promise<void> {
    const i = this.#open.findIndex((s) => s.name === name);
    if (i < 0) return Promise.resolve();
    const [s] = this.#open.splice(i, 1);
    return s === undefined ? Promise.resolve() : s.close();
  }
}
