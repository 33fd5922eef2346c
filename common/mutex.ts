/**
 * One-at-a-time execution: `run` calls wait for every earlier call to settle. Used to
 * serialize transactions on a bus or line (I2C per bus, Modbus per serial line).
 * A failing call does not block later ones.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    this.waiting += 1;
    const result = this.tail.then(task, task);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.tail = settled;
    void settled.then(() => {
      this.waiting -= 1;
    });
    return result;
  }

  /** Calls queued or running. */
  get depth(): number {
    return this.waiting;
  }
}
