/**
 * Bench: the gateway's memory and CPU with 200 simulated sensors polled at
 * 1 Hz. Targets: RSS under 150 MB, under 5 % of one core.
 *
 * Setup, in this one process: 25 virtual I2C buses with 8 MCP9808s each (addresses 0x18–0x1F),
 * each read by a thermometer device (devices/thermometer) polling every 1000 ms on the system
 * clock, every reading observed (onChange) as the CoAP layer would. The simulated parts run in
 * the same process, so their work is counted against the gateway: the figures are an upper
 * bound for real hardware, where the kernel's I2C driver does that work.
 *
 * Side by side in the same run: the baseline is this process with the same modules loaded and
 * nothing polling, measured first for the same duration. Printed: RSS and heap, and their
 * increase over the baseline; CPU as a share of one core (user + system over wall time), the
 * baseline's and the sensors'.
 *
 * Run: npx tsx bench/gateway-sensors.ts [seconds, default 20]
 */
import { performance } from 'node:perf_hooks';
import { systemClock } from '../common/index.js';
import { createThermometer } from '../devices/thermometer/index.js';
import type { Device } from '../devices/model/index.js';
import { Mcp9808, VirtualI2cBus } from '../simulator/i2c/index.js';

const BUSES = 25;
const PER_BUS = 8;

export interface SensorsResult {
  readonly sensors: number;
  readonly seconds: number;
  readonly baseline: Sample;
  readonly loaded: Sample;
  readonly readingsPerSecond: number;
}

interface Sample {
  readonly rssMb: number;
  readonly heapMb: number;
  /** Share of one core, in %. */
  readonly cpuPct: number;
}

async function measure(seconds: number): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let peakRss = 0;
  let peakHeap = 0;
  const until = t0 + seconds * 1000;
  while (performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }
  const cpu = process.cpuUsage(cpu0);
  const wallUs = (performance.now() - t0) * 1000;
  return { rssMb: peakRss / 2 ** 20, heapMb: peakHeap / 2 ** 20, cpuPct: (100 * (cpu.user + cpu.system)) / wallUs };
}

export async function main(seconds = 20): Promise<SensorsResult> {
  const clock = systemClock();
  const environment = { temperatureC: 22.5 };
  console.log(`200 simulated sensors (25 I2C buses × 8 MCP9808) polled at 1 Hz, ${seconds} s per phase`);
  const baseline = await measure(seconds);
  const devices: Device[] = [];
  let readings = 0;
  for (let b = 0; b < BUSES; b++) {
    const bus = new VirtualI2cBus({ busNumber: 10 + b, clock });
    for (let k = 0; k < PER_BUS; k++) {
      const address = 0x18 + k;
      bus.attach(new Mcp9808({ clock, environment, address }));
      const device = createThermometer({ name: `t-${b}-${k}`, clock, part: 'mcp9808', bus, address, intervalMs: 1000 });
      device.onChange(() => readings++);
      devices.push(device);
    }
  }
  await Promise.all(devices.map((d) => d.start()));
  // the room drifts so every poll changes the reading (observers notified each second)
  const drift = setInterval(() => (environment.temperatureC += 0.0625), 1000);
  const r0 = readings;
  const loaded = await measure(seconds);
  const perSecond = (readings - r0) / seconds;
  clearInterval(drift);
  await Promise.all(devices.map((d) => d.stop()));
  const failed = devices.filter((d) => d.health().status !== 'ok').length;
  const mb = (x: number): string => x.toFixed(1).padStart(7);
  console.log('phase              RSS MB  heap MB  CPU % of one core');
  console.log(`idle (baseline)   ${mb(baseline.rssMb)}  ${mb(baseline.heapMb)}  ${baseline.cpuPct.toFixed(2).padStart(8)}`);
  console.log(`200 sensors       ${mb(loaded.rssMb)}  ${mb(loaded.heapMb)}  ${loaded.cpuPct.toFixed(2).padStart(8)}`);
  console.log(`increase          ${mb(loaded.rssMb - baseline.rssMb)}  ${mb(loaded.heapMb - baseline.heapMb)}  ${(loaded.cpuPct - baseline.cpuPct).toFixed(2).padStart(8)}`);
  console.log(`readings observed: ${perSecond.toFixed(0)}/s (200 expected); devices not ok at the end: ${failed}`);
  console.log('targets: RSS < 150 MB, CPU < 5 % of one core (simulated parts included)');
  return { sensors: devices.length, seconds, baseline, loaded, readingsPerSecond: perSecond };
}

if (import.meta.url === `file://${process.argv[1]}`) await main(Number(process.argv[2] ?? 20));
