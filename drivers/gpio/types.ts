/**
 * GPIO: one interface per line, so devices never see onoff, sysfs or numbering.
 * Levels here are *logical*: with `activeLow`, logical 1 is a low voltage on the pin.
 */
export type Level = 0 | 1;
export type Edge = 'rising' | 'falling' | 'both';

export interface GpioInputOptions {
  /** Edges that fire `watch` callbacks; default 'both'. */
  readonly edge?: Edge;
  /** Ignore changes shorter than this (contact bounce); default 0. */
  readonly debounceMs?: number;
  readonly activeLow?: boolean;
}

export interface GpioOutputOptions {
  /**
   * The level the line takes when it is configured. Must be the device's safe level: the
   * line is exported straight into this level, never passing through another one (no relay
   * click at boot: docs/hardware.md#door-lock).
   */
  readonly initial: Level;
  readonly activeLow?: boolean;
}

export interface GpioKeepOptions {
  /**
   * The level to export the line straight into when it holds no level of its own (not
   * exported, or an input): as `GpioOutputOptions.initial`, the device's boot level.
   */
  readonly fallback: Level;
  readonly activeLow?: boolean;
}

/** An output opened by `openOutputKeeping`, and what it found on the line. */
export interface GpioKeptOutput {
  readonly output: GpioOutput;
  /**
   * The logical level the line was already driven at (an output a previous process left
   * exported: it is kept, not written), or undefined when it held none and was exported at
   * `fallback`.
   */
  readonly kept: Level | undefined;
}

export interface GpioInput {
  /** BCM line number (not the sysfs number). */
  readonly line: number;
  read(): Promise<Level>;
  /** Calls `onChange` with the new level after each (debounced) edge; returns an unsubscribe. */
  watch(onChange: (level: Level) => void): () => void;
  close(): Promise<void>;
}

export interface GpioOutput {
  readonly line: number;
  write(level: Level): Promise<void>;
  read(): Promise<Level>;
  close(): Promise<void>;
}

/** Opens lines on one GPIO controller (the Pi's 40-pin header). */
export interface GpioController {
  openInput(line: number, options?: GpioInputOptions): Promise<GpioInput>;
  openOutput(line: number, options: GpioOutputOptions): Promise<GpioOutput>;
  /**
   * Opens an output *keeping* the level it is already driven at, when it is one (a line a
   * previous gateway process left exported as an output: sysfs exports outlive their
   * process), so a restart reads the state back from the hardware instead of driving it.
   * A controller that cannot read a line without driving it leaves this out.
   */
  openOutputKeeping?(line: number, options: GpioKeepOptions): Promise<GpioKeptOutput>;
}
