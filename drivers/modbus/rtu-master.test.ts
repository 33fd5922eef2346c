/**
 * RtuMaster against a scripted device on a VirtualSerialLine (9600 8E1, one character =
 * 11/9600 s ≈ 1.146 ms), with simulated time: every timing assertion is on ManualClock time.
 */
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { VirtualSerialLine } from '../../simulator/index.js';
import type { SerialSettings } from '../serial/index.js';
import { withCrc } from './crc.js';
import type { ModbusRequest } from './request.js';
import { ModbusExceptionError, ModbusFrameError, ModbusTimeoutError } from './errors.js';
import { RtuMaster, type RtuMasterOptions } from './rtu-master.js';
import { encodeExceptionReply, encodeReadReply, encodeWriteReply } from './server-codec.js';
import { ScriptedModbusDevice, type Script } from './test-support/index.js';
import { rtuTiming } from './timing.js';

const SETTINGS: SerialSettings = { baudRate: 9600, parity: 'even' };
const T = rtuTiming(SETTINGS);
const CHAR = T.characterMs;

/** Answers reads with address + i (input registers + 1000), echoes writes. */
function normalReply(req: ModbusRequest | undefined): Buffer | undefined {
  if (req === undefined) return undefined;
  switch (req.fn) {
    case 0x03:
    case 0x04:
      return encodeReadReply(req.unit, req.fn, Array.from({ length: req.count }, (_, i) => (req.address + i + (req.fn === 0x04 ? 1000 : 0)) & 0xffff));
    case 0x06:
    case 0x10:
      return encodeWriteReply(req);
  }
}
const normal: Script = (req) => normalReply(req);

function rig(script: Script = normal, options: RtuMasterOptions = {}) {
  const clock = new ManualClock(1000);
  const device = new ScriptedModbusDevice(clock, script);
  const line = new VirtualSerialLine(device, clock, SETTINGS, '/dev/ttyV0');
  const master = new RtuMaster(line, { clock, ...options });
  /** Runs simulated time until `p` settles (at most `maxMs`), then returns its outcome. */
  async function drive<R>(p: Promise<R>, maxMs = 20_000): Promise<R> {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    for (let t = 0; t < maxMs && !done; t += 5) await clock.advance(5);
    return p;
  }
  return { clock, device, line, master, drive };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('RtuMaster: correct replies', () => {
  it('reads holding registers, sending the exact request frame', async () => {
    const { master, device, drive } = rig();
    expect(await drive(master.readHoldingRegisters(15, 28302, 2))).toEqual([28302, 28303]);
    expect(device.received.map((f) => f.bytes.toString('hex'))).toEqual([withCrc(Buffer.from('0f036e8e0002', 'hex')).toString('hex')]);
  });

  it('reads input registers (04)', async () => {
    const { master, device, drive } = rig();
    expect(await drive(master.readInputRegisters(15, 46801, 3))).toEqual([47801, 47802, 47803]);
    expect(device.received[0]?.request).toEqual({ fn: 0x04, unit: 15, address: 46801, count: 3 });
  });

  it('writes a single register (06) and several (16)', async () => {
    const { master, device, drive } = rig();
    await drive(master.writeSingleRegister(15, 28310, 235));
    await drive(master.writeMultipleRegisters(15, 28308, [300, 160]));
    expect(device.received.map((f) => f.request)).toEqual([
      { fn: 0x06, unit: 15, address: 28310, value: 235 },
      { fn: 0x10, unit: 15, address: 28308, values: [300, 160] },
    ]);
    expect(master.stats()).toMatchObject({ requests: 2, retries: 0, timeouts: 0, failures: 0 });
  });

  it('refuses bad arguments before touching the line', async () => {
    const { master, device } = rig();
    await expect(master.readHoldingRegisters(0, 0, 1)).rejects.toThrow(/broadcast, which is allowed only for writes/);
    await expect(master.readInputRegisters(1, 0, 126)).rejects.toThrow(RangeError);
    await expect(master.writeSingleRegister(248, 0, 1)).rejects.toThrow(/1–247|0–247/);
    await expect(master.writeMultipleRegisters(1, 0, new Array<number>(124).fill(1))).rejects.toThrow(/1–123/);
    await expect(master.writeSingleRegister(1, 0, 65536)).rejects.toThrow(/0–65535/);
    expect(device.received).toHaveLength(0);
  });
});

describe('RtuMaster: exceptions, timeouts, bad frames', () => {
  it('turns an exception reply into ModbusExceptionError at once, without retrying', async () => {
    const { master, device, drive } = rig((req) => encodeExceptionReply(req!.unit, req!.fn, 2));
    const err = await rejection(drive(master.readHoldingRegisters(15, 9999, 1)));
    expect(err).toBeInstanceOf(ModbusExceptionError);
    expect(err).toMatchObject({ code: 2, unit: 15, functionCode: 0x03, exceptionName: 'illegal data address' });
    expect(err.message).toMatch(/unit 15, function 0x03 \(read holding registers\) at address 9999 on \/dev\/ttyV0: .*exception 2 \(illegal data address\)/);
    expect(device.received).toHaveLength(1);
    expect(master.stats()).toMatchObject({ exceptions: 1, retries: 0, failures: 1 });
  });

  it('retries after a timeout and succeeds; the retry goes out one timeout later', async () => {
    const { master, device, drive } = rig((req, _frame, i) => (i === 0 ? undefined : normalReply(req)), { timeoutMs: 500 });
    expect(await drive(master.readHoldingRegisters(1, 10, 1))).toEqual([10]);
    expect(device.received).toHaveLength(2);
    const [first, second] = device.received;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(500);
    expect(master.stats()).toMatchObject({ timeouts: 1, retries: 1, failures: 0 });
  });

  it('gives up after 1 + retries attempts with a ModbusTimeoutError that says what to check', async () => {
    const { master, device, drive, clock } = rig(() => undefined, { timeoutMs: 1000, retries: 2 });
    const start = clock.now();
    const err = await rejection(drive(master.readHoldingRegisters(7, 0, 1)));
    expect(err).toBeInstanceOf(ModbusTimeoutError);
    expect(err).toMatchObject({ unit: 7, functionCode: 3, attempts: 3, timeoutMs: 1000 });
    expect(err.message).toMatch(/unit 7, .*no reply within 1000 ms \(3 attempts\); .*unit address 7.*9600 8E1/);
    expect(device.received).toHaveLength(3);
    expect(clock.now() - start).toBeGreaterThanOrEqual(3000);
    expect(master.stats()).toMatchObject({ timeouts: 3, retries: 2, failures: 1 });
  });

  it('retries a bad CRC, then fails naming the CRC problem', async () => {
    const { master, device, drive } = rig();
    device.faults.inject('crc', 1);
    expect(await drive(master.readHoldingRegisters(1, 5, 1))).toEqual([5]);
    device.faults.inject('crc');
    const err = await rejection(drive(master.readHoldingRegisters(1, 5, 1)));
    expect(err).toBeInstanceOf(ModbusFrameError);
    expect((err as ModbusFrameError).problem).toBe('crc');
    expect(err.message).toMatch(/unit 1, function 0x03 .*bad reply \(3 attempts\): reply CRC is .*termination/);
    expect(master.stats()).toMatchObject({ crcErrors: 4, failures: 1 });
  });

  it('rejects a reply from the wrong unit', async () => {
    const { master, drive } = rig((req) => encodeReadReply(2, 0x03, new Array<number>((req as { count: number }).count).fill(0)));
    const err = await rejection(drive(master.readHoldingRegisters(1, 0, 2)));
    expect(err).toMatchObject({ problem: 'unit' });
    expect(err.message).toMatch(/reply comes from unit 2, not 1; another unit answered/);
    expect(master.stats().frameErrors).toBe(3);
  });

  it('rejects a short reply once the response timeout passes', async () => {
    const { master, device, drive } = rig((req) => normalReply(req)!.subarray(0, 4), { retries: 1, timeoutMs: 300 });
    const err = await rejection(drive(master.readHoldingRegisters(1, 0, 2)));
    expect(err).toMatchObject({ problem: 'short' });
    expect(err.message).toMatch(/reply stopped after 4 of 9 bytes/);
    expect(device.received).toHaveLength(2);
  });

  it('names an unknown function byte in the final error', async () => {
    const { master, device, drive } = rig(undefined, { retries: 0 });
    device.faults.inject('garbage', 1);
    const err = await rejection(drive(master.readHoldingRegisters(1, 3, 2)));
    expect(err).toMatchObject({ problem: 'function' });
    expect(err.message).toMatch(/function byte 0x5a, expected 0x03 or exception 0x83 \(9 bytes discarded\)/);
  });

  it('ends garbage (unknown function byte) at t3.5 of silence instead of waiting for the timeout', async () => {
    const { master, device, drive } = rig();
    device.faults.inject('garbage', 1);
    expect(await drive(master.readHoldingRegisters(1, 3, 2))).toEqual([3, 4]);
    const [first, second] = device.received;
    const garbageEnd = device.sent[0]!.at + device.sent[0]!.bytes.length * CHAR;
    expect(second!.at - first!.at).toBeLessThan(100); // far below the 1000 ms timeout
    expect(second!.at - 8 * CHAR - garbageEnd).toBeGreaterThanOrEqual(T.t35Ms - 1e-9);
    expect(master.stats()).toMatchObject({ frameErrors: 1, crcErrors: 0, retries: 1 });
  });

  it('fails with "cannot send" while the line is unplugged', async () => {
    const { master, line, drive } = rig();
    line.unplug();
    await expect(drive(master.readHoldingRegisters(1, 0, 1))).rejects.toThrow(/unit 1, .*cannot send the request \(.*reopening/);
  });
});

describe('RtuMaster: broadcast, serialization, silence', () => {
  it('broadcasts a write (unit 0) and resolves after the turnaround delay', async () => {
    const { master, device, drive, clock } = rig(() => undefined, { broadcastDelayMs: 100 });
    const start = clock.now();
    let doneAt = 0;
    await drive(master.writeSingleRegister(0, 28301, 1).then(() => (doneAt = clock.now())));
    expect(device.received[0]?.request).toEqual({ fn: 0x06, unit: 0, address: 28301, value: 1 });
    expect(doneAt - device.received[0]!.at).toBeGreaterThanOrEqual(100 - 1e-9);
    expect(doneAt - start).toBeLessThan(1000); // did not wait for a reply that never comes
    expect(master.stats()).toMatchObject({ broadcasts: 1, timeouts: 0 });
  });

  it('serializes concurrent calls, each request ≥ t3.5 after the previous reply', async () => {
    const { master, device, drive } = rig();
    const both = Promise.all([master.readHoldingRegisters(1, 100, 1), master.readHoldingRegisters(2, 200, 1), master.writeSingleRegister(3, 5, 6)]);
    expect(await drive(both)).toEqual([[100], [200], undefined]);
    expect(device.received.map((f) => f.request?.unit)).toEqual([1, 2, 3]);
    for (let i = 1; i < device.received.length; i++) {
      const replyEnd = device.sent[i - 1]!.at + device.sent[i - 1]!.bytes.length * CHAR;
      const requestStart = device.received[i]!.at - device.received[i]!.bytes.length * CHAR;
      expect(requestStart).toBeGreaterThan(replyEnd);
      expect(requestStart - replyEnd).toBeGreaterThanOrEqual(T.t35Ms - 1e-9);
    }
  });

  it('discards stray bytes and waits t3.5 after them before sending', async () => {
    const { master, device, drive, clock } = rig();
    await drive(master.readHoldingRegisters(1, 0, 1));
    device.sendUnsolicited(Buffer.from('deadbeef', 'hex'));
    const strayArrives = clock.now() + 4 * CHAR;
    await clock.advance(4 * CHAR + 0.01); // the noise has just arrived when the master is asked
    expect(await drive(master.readHoldingRegisters(1, 1, 1))).toEqual([1]);
    const requestStart = device.received[1]!.at - 8 * CHAR;
    expect(requestStart - strayArrives).toBeGreaterThanOrEqual(T.t35Ms - 1e-9);
    expect(master.stats().discardedBytes).toBe(4);
  });

  it('applies the t1.5 rule only when asked to (checkCharacterGaps)', async () => {
    const split: Script = (req) => {
      const whole = normalReply(req)!;
      return { parts: [{ bytes: whole.subarray(0, 3), afterMs: 0 }, { bytes: whole.subarray(3), afterMs: 3 * CHAR /* part 1 on the wire */ + 3 * CHAR /* idle */ }] };
    };
    const lenient = rig(split);
    expect(await lenient.drive(lenient.master.readHoldingRegisters(1, 8, 2))).toEqual([8, 9]);

    const strict = rig(split, { checkCharacterGaps: true, retries: 0 });
    const err = await rejection(strict.drive(strict.master.readHoldingRegisters(1, 8, 2)));
    expect(err).toMatchObject({ problem: 'gap' });
    expect(err.message).toMatch(/paused 3\.44 ms after 3 bytes/);
  });

  it('a back-to-back reply in several chunks passes the strict t1.5 rule', async () => {
    const split: Script = (req) => {
      const whole = normalReply(req)!;
      return { parts: [{ bytes: whole.subarray(0, 3), afterMs: 0 }, { bytes: whole.subarray(3), afterMs: 3 * CHAR /* right after part 1 */ }] };
    };
    const { master, drive } = rig(split, { checkCharacterGaps: true });
    expect(await drive(master.readHoldingRegisters(1, 8, 2))).toEqual([8, 9]);
  });
});

describe('RtuMaster: dispose', () => {
  it('ends a pending call without further attempts and refuses new ones', async () => {
    const { master, device, drive, clock } = rig(() => undefined);
    const outcome = master.readHoldingRegisters(1, 0, 1).catch((e: unknown) => e);
    await clock.advance(20); // the request is out, the reply is awaited
    master.dispose();
    const err = (await drive(outcome)) as Error;
    expect(err.message).toMatch(/unit 1, .*disposed/);
    expect(device.received).toHaveLength(1);
    await expect(master.readHoldingRegisters(1, 0, 1)).rejects.toThrow(/disposed/);
  });
});
