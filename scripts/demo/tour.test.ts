import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { createVirtualBuilding } from '../../simulator/index.js';
import { runTour } from './tour.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('the demo tour of the virtual building (simulated time)', () => {
  it('reads every sensor, runs the fan, unlocks and relocks the door, takes a JPEG, and leaves outputs safe', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pia-tour-'));
    const clock = new ManualClock();
    const b = createVirtualBuilding({ clock, room: { initialC: 27, heatLoadW: 1500, heatCapacityJPerK: 20_000 } });
    const lines: string[] = [];
    const snapshotPath = join(dir, 'snap.jpg');
    await clock.settle(runTour(b, { clock, seconds: 16, snapshotPath, print: (l) => lines.push(l) }), 10, 50_000);

    // Every part on i2c-1, the idle SHT31 and the sleeping ATECC608 included (a bare read misses those two).
    const scan = lines.find((l) => l.startsWith('i2c-1: ')) ?? '';
    expect(scan.slice('i2c-1: '.length).split(' · ').map((part) => part.split(' ')[0])).toEqual(['0x18', '0x44', '0x48', '0x60', '0x76']);
    const readings = lines.filter((l) => /^\s+\d+ s /.test(l)).map((l) => l.trim().split(/\s+/));
    expect(readings.length).toBe(9); // 0, 2, …, 16 s
    // Columns: time, "s", SHT31 °C, RH %, MCP9808 °C, HVAC room °C, fan rpm, door.
    const at = (s: number) => readings.find((r) => r[0] === String(s))!;
    const last = at(16);
    expect(Math.abs(Number(last[2]) - Number(last[5]))).toBeLessThan(0.3); // SHT31 agrees with the HVAC unit's sensor
    expect(Math.abs(Number(last[4]) - Number(last[5]))).toBeLessThan(0.3); // and with the MCP9808
    expect(Number(last[5])).toBeLessThan(27); // fan + HVAC cool the room
    expect(Number(at(10)[6])).toBeGreaterThan(1100); // 40 % of 3000 rpm, measured on the tach
    expect(Number(at(10)[6])).toBeLessThan(1300);
    expect(Number(last[6])).toBeGreaterThan(2400); // spinning up to full speed after 12 s
    expect(at(8)[7]).toBe('open');
    expect(last[7]).toBe('closed');
    expect(lines).toContain('door: relocked');
    expect(b.parts.door.locked).toBe(true);
    expect(b.parts.lighting.on).toBe(false);

    const image = jpeg.decode(await readFile(snapshotPath));
    expect(image.width).toBe(640);
    await b.close();
  });
});
