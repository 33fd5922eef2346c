/**
 * A guided tour of the virtual building, driven only through the driver interfaces:
 *  1. scan the I2C bus and name what answers, idle and sleeping parts included (the gateway's
 *     own discovery, firmware/config discover.ts);
 *  2. start the rack fan (PWM 25 kHz, 40 %), switch the lights on dimmed, set the HVAC unit
 *     to cool at 22 °C over Modbus;
 *  3. every `periodMs`: read the SHT31 and MCP9808, the fan's tach, the HVAC unit's room
 *     temperature and state, the door contact; print one line;
 *  4. in the background: at 4 s take a camera snapshot; at 6 s unlock the door for a visitor for 5 s; at 12 s run
 *     the fan at full speed;
 *  5. at the end (or on abort) put every output at its safe level: door locked, lights off.
 */
import { writeFile } from 'node:fs/promises';
import type { Clock, TimerHandle } from '../../common/index.js';
import { RtuMaster } from '../../drivers/index.js';
import { Vc0706Client } from '../../devices/index.js';
import { scanI2cBus } from '../../firmware/config/index.js';
import { BUILDING_LINES, BUILDING_PWM, type VirtualBuilding } from '../../simulator/index.js';
import { readMcp9808, readSht31, TachCounter } from './readers.js';

export interface TourOptions {
  readonly clock: Clock;
  readonly seconds: number;
  readonly periodMs?: number;
  readonly snapshotPath: string;
  readonly print: (line: string) => void;
  readonly signal?: AbortSignal;
}

const HVAC_UNIT = 15;
const PWM_PERIOD_NS = 40_000; // 25 kHz, the 4-wire fan spec

export async function runTour(b: VirtualBuilding, o: TourOptions): Promise<void> {
  const { clock, print } = o;
  const { i2c, gpio, pwm, serial } = b.host;
  const bus = i2c.get(1);
  if (bus === undefined) throw new Error('virtual building has no i2c-1');

  // As `pia-gateway discover` does: a bare read misses an idle SHT31 (0x44) and a sleeping ATECC608 (0x60).
  const parts = await scanI2cBus(bus, clock);
  print(`i2c-1: ${parts.map((p) => `0x${p.address.toString(16)} ${p.identified.detail}`).join(' · ')}`);
  const fan = await pwm.openChannel(BUILDING_PWM.chip, BUILDING_PWM.fan);
  const dimmer = await pwm.openChannel(BUILDING_PWM.chip, BUILDING_PWM.dimmer);
  const doorRelay = await gpio.openOutput(BUILDING_LINES.doorRelay, { initial: 0 }); // fail-secure strike: de-energized = locked
  const lightRelay = await gpio.openOutput(BUILDING_LINES.lightingRelay, { initial: 0 });
  const doorContact = await gpio.openInput(BUILDING_LINES.doorContact, { debounceMs: 20 });
  const tach = new TachCounter(await gpio.openInput(BUILDING_LINES.fanTach, { edge: 'falling' }), clock);
  const hvac = new RtuMaster(serial.hvac, { clock, timeoutMs: 500 });
  const camera = new Vc0706Client(serial.camera, { clock, chunkBytes: 1024 });

  await fan.configure({ periodNs: PWM_PERIOD_NS, dutyNs: 0.4 * PWM_PERIOD_NS, enabled: true });
  await dimmer.configure({ periodNs: 1_000_000, dutyNs: 600_000, enabled: true });
  await lightRelay.write(1);
  await hvac.writeMultipleRegisters(HVAC_UNIT, 28301, [1, 1]); // on, mode 1 = cool
  await hvac.writeSingleRegister(HVAC_UNIT, 28310, 220); // cooling setpoint 22.0 °C (°C × 10)
  print('fan 40 %, lights on at 60 %, HVAC cooling to 22.0 °C');
  await clock.sleep(300); // the MCP9808 reads 0 until its first conversion (250 ms, datasheet Table 1-1)

  const start = clock.now();
  const periodMs = o.periodMs ?? 2000;
  const events = new Map<number, () => Promise<void>>([
    [4000, async () => {
      const jpeg = await camera.snapshot();
      await writeFile(o.snapshotPath, jpeg);
      print(`camera: snapshot of ${jpeg.length} bytes saved to ${o.snapshotPath}`);
    }],
    [6000, async () => {
      await doorRelay.write(1);
      print('door: unlocked for a visitor (5 s)');
      b.parts.door.openDoor();
      timers.push(clock.setTimeout(() => b.parts.door.closeDoor(), 3000));
      timers.push(clock.setTimeout(() => void doorRelay.write(0).then(() => print('door: relocked')), 5000));
    }],
    [12000, async () => {
      await fan.setDutyFraction(1);
      print('fan: full speed');
    }],
  ]);

  const pending: Promise<void>[] = [];
  const timers: TimerHandle[] = [];
  try {
    print('  time   SHT31 °C  RH %   MCP9808 °C  HVAC room °C  fan rpm  door');
    for (let t = 0; t <= o.seconds * 1000 && o.signal?.aborted !== true; t += periodMs) {
      await clock.sleep(Math.max(0, start + t - clock.now()));
      for (const [at, act] of events) {
        if (at > t) continue;
        events.delete(at);
        // In the background, as a gateway would: a 12 KB snapshot takes 3 s at 38400 baud.
        pending.push(act().catch((e: unknown) => print(`error: ${(e as Error).message}`)));
      }
      const sht = await readSht31(bus, clock);
      const mcp = await readMcp9808(bus);
      const [room = 0] = await hvac.readInputRegisters(HVAC_UNIT, 46801, 1);
      const roomText = room === 32767 ? 'failed' : ((room << 16 >> 16) / 10).toFixed(1);
      const door = (await doorContact.read()) === 0 ? 'closed' : 'open';
      print(`${(t / 1000).toFixed(0).padStart(5)} s   ${sht.temperatureC.toFixed(2).padStart(6)}   ${sht.humidityPct.toFixed(1).padStart(4)}   ${mcp.toFixed(2).padStart(9)}   ${roomText.padStart(11)}   ${tach.rpm().toFixed(0).padStart(6)}  ${door}`);
    }
    await Promise.all(pending);
  } finally {
    for (const t of timers) clock.clearTimeout(t);
    await doorRelay.write(0);
    await lightRelay.write(0);
    tach.close();
    hvac.dispose();
    print('outputs at their safe levels: door locked, lights off');
  }
}
