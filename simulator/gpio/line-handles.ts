/**
 * The gateway's handles on virtual GPIO lines: what onoff would give it. The input side
 * implements steps 1–4 of virtual-gpio.ts (edge → kernel edge filter → handler reading the
 * current value, optionally behind a trailing debounce).
 */
import type { Clock } from '../../common/index.js';
import { Debouncer } from '../../drivers/gpio/index.js';
import { GpioError } from '../../drivers/gpio/index.js';
import type { Edge, GpioInput, GpioInputOptions, GpioOutput, Level } from '../../drivers/gpio/index.js';

/** What a handle needs from its controller. */
export interface LineHost {
  readonly clock: Clock;
  /** Physical level on the wire. */
  level(line: number): Level;
  writeOutput(line: number, physical: Level): void;
  releaseLine(line: number, kind: 'input' | 'output'): void;
}

export function toPhysical(level: Level, activeLow: boolean): Level {
  return activeLow ? ((1 - level) as Level) : level;
}

const EDGES: readonly Edge[] = ['rising', 'falling', 'both'];

export class VirtualInput implements GpioInput {
  private readonly listeners = new Set<(level: Level) => void>();
  private readonly rising: boolean;
  private readonly falling: boolean;
  private readonly activeLow: boolean;
  private readonly debouncer: Debouncer | undefined;
  private closed = false;

  constructor(
    private readonly gpio: LineHost,
    readonly line: number,
    options: GpioInputOptions,
  ) {
    const edge = options.edge ?? 'both';
    if (!EDGES.includes(edge)) throw new GpioError('invalid', `GPIO ${line}: edge "${String(edge)}" is not one of ${EDGES.join(', ')}`);
    this.rising = edge !== 'falling';
    this.falling = edge !== 'rising';
    this.activeLow = options.activeLow ?? false;
    const debounceMs = options.debounceMs ?? 0;
    if (!(Number.isFinite(debounceMs) && debounceMs >= 0)) {
      throw new GpioError('invalid', `GPIO ${line}: debounceMs must be a finite number ≥ 0, got ${debounceMs}`);
    }
    this.debouncer = debounceMs > 0 ? new Debouncer(gpio.clock, debounceMs, () => this.handle()) : undefined;
  }

  read(): Promise<Level> {
    if (this.closed) return Promise.reject(closedError(this.line));
    return Promise.resolve(this.logical());
  }

  watch(onChange: (level: Level) => void): () => void {
    if (this.closed) throw closedError(this.line);
    const wrapped = (level: Level) => onChange(level);
    this.listeners.add(wrapped);
    return () => this.listeners.delete(wrapped);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.listeners.clear();
      this.debouncer?.cancel();
      this.gpio.releaseLine(this.line, 'input');
    }
    return Promise.resolve();
  }

  /** @internal A physical change on the line (steps 1–2). */
  edge(physical: Level): void {
    if (this.closed || this.listeners.size === 0) return;
    const logical = toPhysical(physical, this.activeLow);
    if (logical === 1 ? !this.rising : !this.falling) return;
    if (this.debouncer !== undefined) this.debouncer.trigger();
    else queueMicrotask(() => this.handle());
  }

  /** onoff's pollerEventHandler: read now, call back if the value matches an enabled edge (steps 3–4). */
  private handle(): void {
    if (this.closed) return;
    const value = this.logical();
    if (value === 1 ? !this.rising : !this.falling) return;
    for (const l of [...this.listeners]) l(value);
  }

  private logical(): Level {
    return toPhysical(this.gpio.level(this.line), this.activeLow);
  }
}

export class VirtualOutput implements GpioOutput {
  private closed = false;

  constructor(
    private readonly gpio: LineHost,
    readonly line: number,
    private readonly activeLow: boolean,
  ) {}

  write(level: Level): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.line));
    if (level !== 0 && level !== 1) return Promise.reject(new GpioError('invalid', `GPIO ${this.line}: level must be 0 or 1, got ${String(level)}`));
    this.gpio.writeOutput(this.line, toPhysical(level, this.activeLow));
    return Promise.resolve();
  }

  read(): Promise<Level> {
    if (this.closed) return Promise.reject(closedError(this.line));
    return Promise.resolve(toPhysical(this.gpio.level(this.line), this.activeLow));
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.gpio.releaseLine(this.line, 'output');
    }
    return Promise.resolve();
  }

  /** Its process ended: the handle refuses further use, the line stays driven. */
  detach(): void {
    this.closed = true;
  }
}

function closedError(line: number): GpioError {
  return new GpioError('closed', `GPIO ${line} is closed: open it again to use it`);
}
