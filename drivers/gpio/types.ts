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
}
