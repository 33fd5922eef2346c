/**
 * Bench: Modbus RTU transactions per second through `RtuMaster` against the simulated
 * fan-coil unit served by `pia-sim` over a socat pty, as a ratio to the line-rate limit.
 *
 * The limit for one read of 2 holding registers (request 8 bytes, reply 5 + 4 = 9 bytes):
 *   request on the wire + t3.5 (the unit sees the frame end) + reply on the wire + t3.5
 *   (silence before the next request)  =  17 characters + 2 · t3.5
 * (Modbus over Serial Line V1.02 §2.5.1.1; t3.5 fixed at 1.75 ms above 19200 baud).
 * pia-sim paces both directions at the baud rate (a pty has no baud rate of its own) and runs
 * with the spec's exact timing (--slack-ms 0) and no extra turnaround (--turnaround-ms 0),
 * so the only slack left is what the master, the pty transport and the event loops add.
 *
 * Baseline in the same run: a bare loop on the same rig (pre-encoded request, raw serialport,
 * wait for the 9 reply bytes, a precise t3.5, repeat). It is the best any master can do
 * here; what it loses against the limit is the rig's (pty + socat + event-loop wake-ups,
 * about 0.35 ms each way), which a real UART has in its own form (FIFO and USB latency).
 * Target: ratio ≥ 0.9 of the line limit at 9600 and 115200 baud.
 *
 * Run: npm run bench -- modbus   (or: npx tsx bench/modbus-line-rate.ts)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { systemClock } from '../common/index.js';
import { SerialPort } from 'serialport';
import { RtuMaster, SerialPortLine, encodeRequest, rtuTiming, type SerialSettings } from '../drivers/index.js';
import { startPtyPair } from '../drivers/serial/test-support/index.js';

const UNIT = 15;
const REQUEST_BYTES = 8;
const REPLY_BYTES = 5 + 2 * 2;

export interface LineRateResult {
  readonly baudRate: number;
  readonly transactions: number;
  readonly perSecond: number;
  /** The bare loop's rate on the same rig, same run. */
  readonly barePerSecond: number;
  readonly limitPerSecond: number;
  readonly ratio: number;
  readonly failures: number;
}

export function lineRateLimit(settings: SerialSettings): number {
  const t = rtuTiming(settings);
  return 1000 / ((REQUEST_BYTES + REPLY_BYTES) * t.characterMs + 2 * t.t35Ms);
}

export async function measureLineRate(baudRate: number, seconds: number): Promise<LineRateResult> {
  const settings: SerialSettings = { baudRate, parity: 'none', stopBits: 1 };
  const pair = await startPtyPair();
  const sim = spawn('node_modules/.bin/tsx', ['simulator/cli/pia-sim.ts', 'modbus-hvac', '--serial', pair.a, '--unit', String(UNIT), '--baud', String(baudRate), '--slack-ms', '0', '--turnaround-ms', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await waitFor(sim.stdout, /serving modbus-hvac/);
    const clock = systemClock();
    const line = new SerialPortLine(pair.b, settings, { clock });
    await line.open();
    const master = new RtuMaster(line, { clock, timeoutMs: 500, retries: 0 });
    for (let i = 0; i < 10; i++) await master.readHoldingRegisters(UNIT, 28302, 2); // warm-up
    const limitPerSecond = lineRateLimit(settings);
    const transactions = Math.ceil(limitPerSecond * seconds);
    let failures = 0;
    const start = clock.now();
    for (let i = 0; i < transactions; i++) {
      await master.readHoldingRegisters(UNIT, 28302, 2).catch(() => (failures += 1));
    }
    const perSecond = transactions / ((clock.now() - start) / 1000);
    master.dispose();
    await line.close();
    const barePerSecond = await bareLoopRate(pair.b, settings, transactions);
    return { baudRate, transactions, perSecond, barePerSecond, limitPerSecond, ratio: perSecond / limitPerSecond, failures };
  } finally {
    sim.kill('SIGTERM');
    await once(sim, 'exit');
    await pair.stop();
  }
}

/** The baseline: the least a master can do per transaction on this rig. */
async function bareLoopRate(path: string, settings: SerialSettings, transactions: number): Promise<number> {
  const clock = systemClock();
  const port = new SerialPort({ path, baudRate: settings.baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const request = encodeRequest({ unit: UNIT, fn: 0x03, address: 28302, count: 2 });
  const t35 = rtuTiming(settings).t35Ms;
  let got = 0;
  let wake: (() => void) | undefined;
  port.on('data', (chunk: Buffer) => {
    got += chunk.length;
    if (got >= REPLY_BYTES) wake?.();
  });
  const once = async (): Promise<void> => {
    got = 0;
    const replied = new Promise<void>((resolve) => (wake = resolve));
    port.write(request);
    await replied;
    await clock.sleep(t35);
  };
  for (let i = 0; i < 10; i++) await once();
  const start = clock.now();
  for (let i = 0; i < transactions; i++) await once();
  const rate = transactions / ((clock.now() - start) / 1000);
  await new Promise<void>((resolve) => port.close(() => resolve()));
  return rate;
}

/** Resolves when `stream` has printed `pattern`; keeps reading (and dropping) after that. */
function waitFor(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += String(chunk);
      if (pattern.test(seen)) {
        stream.off('data', onData);
        stream.on('data', () => undefined);
        resolve();
      }
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`pia-sim exited before printing ${pattern}; it said: ${seen}`)));
  });
}

export async function main(seconds = 5): Promise<LineRateResult[]> {
  const results: LineRateResult[] = [];
  console.log('Modbus RTU through RtuMaster → pty → pia-sim fan-coil (read 2 holding registers), 8N1');
  console.log('   baud  transactions  RtuMaster/s  bare loop/s  line limit/s  master÷limit  bare÷limit  master÷bare  failures');
  for (const baud of [9600, 115200]) {
    const r = await measureLineRate(baud, seconds);
    results.push(r);
    const cells = [String(baud).padStart(7), String(r.transactions).padStart(12), r.perSecond.toFixed(1).padStart(11), r.barePerSecond.toFixed(1).padStart(11), r.limitPerSecond.toFixed(1).padStart(12), r.ratio.toFixed(3).padStart(12), (r.barePerSecond / r.limitPerSecond).toFixed(3).padStart(10), (r.perSecond / r.barePerSecond).toFixed(3).padStart(11), String(r.failures).padStart(9)];
    console.log(cells.join('  '));
  }
  console.log('target: master÷limit ≥ 0.9 at both rates');
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await main(Number(process.argv[2] ?? 5));
