import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { I2cBus, SerialLine, SerialLineState } from '../../drivers/index.js';
import { createVirtualBuilding } from '../../simulator/index.js';
import { hostHardware, linuxHardware, toGatewayHardware, type SerialPortLineLike } from './hardware.js';

/** A serial line whose open() fails `failures` times, then works. */
class FlakyLine implements SerialPortLineLike {
  state: SerialLineState = 'closed';
  opens = 0;
  readonly settings = { baudRate: 9600 };
  constructor(
    readonly path: string,
    private failures: number,
  ) {}
  open(): Promise<void> {
    this.opens++;
    if (this.failures-- > 0) return Promise.reject(new Error(`${this.path}: cannot open serial port (ENOENT)`));
    this.state = 'open';
    return Promise.resolve();
  }
  write(): Promise<void> {
    return Promise.resolve();
  }
  onData(): () => void {
    return () => undefined;
  }
  onState(): () => void {
    return () => undefined;
  }
  close(): Promise<void> {
    this.state = 'closed';
    return Promise.resolve();
  }
}

const noLog = { info: () => undefined, warn: () => undefined };
const unused = { openInput: () => Promise.reject(new Error('unused')), openOutput: () => Promise.reject(new Error('unused')) };

describe('linuxHardware', () => {
  it('shares one bus and one line per port, and keeps reopening a serial port that failed at start', async () => {
    const clock = new ManualClock();
    const warnings: string[] = [];
    const lines: FlakyLine[] = [];
    let busOpens = 0;
    const hw = linuxHardware({
      clock,
      log: { info: () => undefined, warn: (m) => void warnings.push(m) },
      gpio: unused,
      pwm: { openChannel: () => Promise.reject(new Error('unused')) },
      openI2c: (bus) => (busOpens++, Promise.resolve({ busNumber: bus } as I2cBus)),
      openSerial: (p) => {
        const l = new FlakyLine(p.port, 2);
        lines.push(l);
        return l;
      },
    });
    expect(await hw.i2cBus(1)).toBe(await hw.i2cBus(1));
    expect(busOpens).toBe(1);
    const port = { port: '/dev/ttyUSB0', baudRate: 9600 };
    const line: SerialLine = await hw.serialLine(port);
    expect(await hw.serialLine(port)).toBe(line);
    expect(lines).toHaveLength(1);
    expect(line.state).toBe('closed');
    expect(warnings[0]).toMatch(/ttyUSB0: cannot open serial port \(ENOENT\); retrying in the background/);
    await clock.advance(5_000); // second attempt fails, next in 10 s
    expect(lines[0]?.opens).toBe(2);
    await clock.advance(10_000);
    expect(lines[0]?.opens).toBe(3);
    expect(line.state).toBe('open');
    await hw.close();
    expect(line.state).toBe('closed');
  });

  it('refuses the simulated building\'s virtual ports with the fix', async () => {
    const hw = linuxHardware({ clock: new ManualClock(), log: noLog, gpio: unused, pwm: { openChannel: () => Promise.reject(new Error('unused')) } });
    await expect(hw.serialLine({ port: 'virtual:hvac', baudRate: 9600 })).rejects.toThrow(/exists only in the simulated building; run 'pia-gateway run --simulated'/);
  });
});

describe('the simulated building as hardware', () => {
  it('gives its buses and named lines, and names what it has when asked for something else', async () => {
    const building = createVirtualBuilding({ clock: new ManualClock() });
    const hw = toGatewayHardware(building.host);
    expect(await hw.i2cBus(1)).toBe(building.host.i2c.get(1));
    expect(await hw.serialLine({ port: 'virtual:camera', baudRate: 38400 })).toBe(building.host.serial.camera);
    await expect(hw.i2cBus(3)).rejects.toThrow(/has buses 0 and 1; fix i2c\.bus/);
    await expect(hostHardware(building.host).serialLine({ port: '/dev/ttyUSB0', baudRate: 9600 })).rejects.toThrow(/has virtual:hvac, virtual:camera/);
    expect(toGatewayHardware(hw)).toBe(hw);
    await building.close();
  });
});
