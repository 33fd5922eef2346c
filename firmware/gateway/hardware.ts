/**
 * What the gateway drives devices through: the driver interfaces (drivers/), from the Linux
 * implementations on a board or from the simulated building's `host` (simulator/building.ts).
 * Either way the device models see the same GpioController, PwmController, I2cBus and
 * SerialLine, so the gateway never knows which one it runs on.
 *
 * Must hold:
 * - buses and serial lines are opened once and shared (two thermometers on i2c-1 share one
 *   I2cBus; HVAC units on one RS-485 line share one line and one Modbus master);
 * - a serial port that cannot be opened at start does not stop the gateway: the line is
 *   handed out closed (its device's polls fail and show in its health) and opening is retried
 *   in the background, 5 s doubling to 60 s, until it works or the gateway stops;
 * - "virtual:NAME" ports exist only in the simulated building; on a board they are refused
 *   with the fix.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import {
  LinuxI2cBusOpener,
  OnoffGpioController,
  SerialPortLine,
  SysfsPwmController,
  type GpioController,
  type I2cBus,
  type PwmController,
  type SerialLine,
} from '../../drivers/index.js';
import type { SerialPortConfig } from '../config/index.js';

export interface GatewayHardware {
  readonly gpio: GpioController;
  readonly pwm: PwmController;
  /** The bus /dev/i2c-N (the same object for every device on it). */
  i2cBus(bus: number): Promise<I2cBus>;
  /** The line on `port.port` (the same object for every device on it). */
  serialLine(port: SerialPortConfig): Promise<SerialLine>;
  /** Closes what this object opened (buses, lines); the simulated building is its caller's. */
  close(): Promise<void>;
}

/** The simulated building's `host` (createVirtualBuilding(...).host): the same interfaces as a board. */
export interface HostHardware {
  readonly i2c: ReadonlyMap<number, I2cBus>;
  readonly gpio: GpioController;
  readonly pwm: PwmController;
  /** Lines by name: config port "virtual:NAME". */
  readonly serial: Readonly<Record<string, SerialLine>>;
}

export function isGatewayHardware(h: GatewayHardware | HostHardware): h is GatewayHardware {
  return typeof (h as Partial<GatewayHardware>).i2cBus === 'function';
}

export function toGatewayHardware(h: GatewayHardware | HostHardware): GatewayHardware {
  return isGatewayHardware(h) ? h : hostHardware(h);
}

const VIRTUAL = /^virtual:(.+)$/;

/** The simulated building's host as GatewayHardware; close() leaves the building to its owner. */
export function hostHardware(host: HostHardware): GatewayHardware {
  return {
    gpio: host.gpio,
    pwm: host.pwm,
    i2cBus(bus) {
      const found = host.i2c.get(bus);
      if (found === undefined) return Promise.reject(new Error(`i2c-${bus}: the simulated building has buses ${[...host.i2c.keys()].join(' and ')}; fix i2c.bus in the config`));
      return Promise.resolve(found);
    },
    serialLine(port) {
      const name = VIRTUAL.exec(port.port)?.[1];
      const line = name === undefined ? undefined : host.serial[name];
      if (line === undefined) {
        const names = Object.keys(host.serial).map((n) => `virtual:${n}`).join(', ');
        return Promise.reject(new Error(`serial port "${port.port}": the simulated building has ${names}; use one of them (or run without --simulated on a board)`));
      }
      return Promise.resolve(line);
    },
    close: () => Promise.resolve(),
  };
}

export interface LinuxHardwareOptions {
  readonly clock: Clock;
  readonly log: { warn(message: string): void; info(message: string): void };
  /** Tests: the pieces to use instead of the real drivers. */
  readonly gpio?: GpioController;
  readonly pwm?: PwmController;
  readonly openI2c?: (bus: number) => Promise<I2cBus>;
  readonly openSerial?: (port: SerialPortConfig) => SerialPortLineLike;
}

/** The part of SerialPortLine the retry loop needs. */
export interface SerialPortLineLike extends SerialLine {
  open(): Promise<void>;
}

const REOPEN_FIRST_MS = 5_000;
const REOPEN_MAX_MS = 60_000;

/** The Linux drivers: onoff GPIO, sysfs PWM, i2c-bus, serialport. Nothing is opened until a device asks. */
export function linuxHardware(o: LinuxHardwareOptions): GatewayHardware {
  const gpio = o.gpio ?? new OnoffGpioController({ clock: o.clock, onWatchError: (line, err) => o.log.warn(`GPIO${line}: edge watch failed: ${err.message}`) });
  const pwm = o.pwm ?? new SysfsPwmController({ clock: o.clock });
  const opener = new LinuxI2cBusOpener();
  const openI2c = o.openI2c ?? ((bus: number) => opener.open(bus));
  const openSerial =
    o.openSerial ?? ((p: SerialPortConfig) => new SerialPortLine(p.port, { baudRate: p.baudRate, dataBits: 8, parity: p.parity ?? 'none', stopBits: p.stopBits ?? 1 }, { clock: o.clock }));
  const buses = new Map<number, Promise<I2cBus>>();
  const lines = new Map<string, SerialPortLineLike>();
  const timers = new Set<TimerHandle>();
  let closed = false;

  const keepOpening = (line: SerialPortLineLike, delayMs: number): void => {
    const timer = o.clock.setTimeout(() => {
      timers.delete(timer);
      if (closed) return;
      line.open().then(
        () => o.log.info(`serial port ${line.path}: open`),
        () => keepOpening(line, Math.min(REOPEN_MAX_MS, delayMs * 2)),
      );
    }, delayMs);
    timers.add(timer);
  };

  return {
    gpio,
    pwm,
    i2cBus(bus) {
      const known = buses.get(bus);
      if (known !== undefined) return known;
      const opened = openI2c(bus);
      buses.set(bus, opened);
      return opened;
    },
    async serialLine(port) {
      if (VIRTUAL.test(port.port)) throw new Error(`serial port "${port.port}" exists only in the simulated building; run 'pia-gateway run --simulated', or give the device path (/dev/serial/by-id/…)`);
      const known = lines.get(port.port);
      if (known !== undefined) return known;
      const line = openSerial(port);
      lines.set(port.port, line);
      try {
        await line.open();
      } catch (e) {
        o.log.warn(`${e instanceof Error ? e.message : String(e)}; retrying in the background`);
        keepOpening(line, REOPEN_FIRST_MS);
      }
      return line;
    },
    async close() {
      closed = true;
      for (const t of timers) o.clock.clearTimeout(t);
      timers.clear();
      for (const line of lines.values()) await line.close().catch(() => undefined);
      for (const bus of buses.values()) await bus.then((b) => b.close()).catch(() => undefined);
    },
  };
}
