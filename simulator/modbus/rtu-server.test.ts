import { describe, expect, it } from 'vitest';
import { hasValidCrc, rtuTiming, withCrc } from '../../drivers/modbus/index.js';
import { characterTimeMs } from '../../drivers/serial/index.js';
import { CXI_SETTINGS, exceptionReply, makeHarness, readReply, request, words, writeMultiple } from './test-support/harness.js';

const UNIT = 15;

describe('Modbus RTU server: functions', () => {
  it('03 reads holding registers: mode and fan speed at power-up, byte for byte', async () => {
    const h = makeHarness();
    const reply = await h.transact(request(UNIT, 0x03, 28302, 2));
    expect(reply).toEqual(readReply(UNIT, 0x03, [1, 6]));
  });

  it('04 reads input registers: room temperature °C×10', async () => {
    const h = makeHarness({ room: { initialC: 23.4 } });
    const reply = await h.transact(request(UNIT, 0x04, 46801, 1));
    expect(reply.subarray(0, 3)).toEqual(Buffer.from([UNIT, 0x04, 2]));
    expect(hasValidCrc(reply)).toBe(true);
    expect(words(reply)[0]).toBe(234);
  });

  it('06 writes one register and echoes the request', async () => {
    const h = makeHarness();
    const req = request(UNIT, 0x06, 28302, 4);
    expect(await h.transact(req)).toEqual(req);
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toEqual(readReply(UNIT, 0x03, [4]));
  });

  it('16 writes several registers, answering address and quantity', async () => {
    const h = makeHarness();
    const reply = await h.transact(writeMultiple(UNIT, 28308, [280, 180, 230, 200]));
    expect(reply).toEqual(withCrc(Buffer.from([UNIT, 0x10, 0x6e, 0x94, 0x00, 0x04])));
    expect(await h.transact(request(UNIT, 0x03, 28308, 4))).toEqual(readReply(UNIT, 0x03, [280, 180, 230, 200]));
  });

  it('16 is all or nothing: one bad value leaves every register as it was', async () => {
    const h = makeHarness();
    expect(await h.transact(writeMultiple(UNIT, 28301, [1, 9]))).toEqual(exceptionReply(UNIT, 0x10, 3));
    expect(await h.transact(request(UNIT, 0x03, 28301, 2))).toEqual(readReply(UNIT, 0x03, [0, 1]));
  });
});

describe('Modbus RTU server: exceptions', () => {
  it('01 for a function it does not implement', async () => {
    const h = makeHarness();
    expect(await h.transact(request(UNIT, 0x01, 0, 8))).toEqual(exceptionReply(UNIT, 0x01, 1));
    expect(await h.transact(withCrc(Buffer.from([UNIT, 0x2b, 0x0e, 0x01, 0x00])))).toEqual(exceptionReply(UNIT, 0x2b, 1));
  });

  it('02 for an unmapped address, a range touching one, and the wrong table', async () => {
    const h = makeHarness();
    expect(await h.transact(request(UNIT, 0x03, 28304, 1))).toEqual(exceptionReply(UNIT, 0x03, 2));
    expect(await h.transact(request(UNIT, 0x03, 28301, 4))).toEqual(exceptionReply(UNIT, 0x03, 2));
    expect(await h.transact(request(UNIT, 0x04, 46801, 10))).toEqual(exceptionReply(UNIT, 0x04, 2));
    expect(await h.transact(request(UNIT, 0x03, 46801, 1))).toEqual(exceptionReply(UNIT, 0x03, 2));
    expect(await h.transact(request(UNIT, 0x04, 28301, 1))).toEqual(exceptionReply(UNIT, 0x04, 2));
    expect(await h.transact(request(UNIT, 0x06, 46801, 200))).toEqual(exceptionReply(UNIT, 0x06, 2));
    expect(await h.transact(writeMultiple(UNIT, 28303, [2, 100]))).toEqual(exceptionReply(UNIT, 0x10, 2));
  });

  it('03 for bad quantities and byte counts', async () => {
    const h = makeHarness();
    expect(await h.transact(request(UNIT, 0x03, 28301, 0))).toEqual(exceptionReply(UNIT, 0x03, 3));
    expect(await h.transact(request(UNIT, 0x04, 46801, 126))).toEqual(exceptionReply(UNIT, 0x04, 3));
    const badCount = withCrc(Buffer.from([UNIT, 0x10, 0x6e, 0x8e, 0x00, 0x01, 0x04, 0x00, 0x01, 0x00, 0x02]));
    expect(await h.transact(badCount)).toEqual(exceptionReply(UNIT, 0x10, 3));
  });

  it('03 for values outside a register allowed values', async () => {
    const h = makeHarness();
    expect(await h.transact(request(UNIT, 0x06, 28302, 5))).toEqual(exceptionReply(UNIT, 0x06, 3));
    expect(await h.transact(request(UNIT, 0x06, 28303, 5))).toEqual(exceptionReply(UNIT, 0x06, 3));
    expect(await h.transact(request(UNIT, 0x06, 28301, 2))).toEqual(exceptionReply(UNIT, 0x06, 3));
    expect(await h.transact(request(UNIT, 0x06, 28321, 0))).toEqual(exceptionReply(UNIT, 0x06, 3));
    expect(await h.transact(request(UNIT, 0x06, 28303, 6))).toEqual(request(UNIT, 0x06, 28303, 6));
  });

  it('04 on demand (server device failure), back to normal when cleared', async () => {
    const h = makeHarness();
    h.server.deviceFailure = true;
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toEqual(exceptionReply(UNIT, 0x03, 4));
    expect(await h.transact(request(UNIT, 0x06, 28302, 3))).toEqual(exceptionReply(UNIT, 0x06, 4));
    h.server.deviceFailure = false;
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toEqual(readReply(UNIT, 0x03, [1]));
  });
});

describe('Modbus RTU server: addressing and framing', () => {
  it('executes a broadcast write without replying', async () => {
    const h = makeHarness();
    expect(await h.transact(request(0, 0x06, 28302, 4))).toHaveLength(0);
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toEqual(readReply(UNIT, 0x03, [4]));
    expect(await h.transact(request(0, 0x03, 28302, 1))).toHaveLength(0);
  });

  it('ignores a frame with a bad CRC, then answers the next good one', async () => {
    const h = makeHarness();
    const bad = request(UNIT, 0x06, 28302, 4);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
    expect(await h.transact(bad)).toHaveLength(0);
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toEqual(readReply(UNIT, 0x03, [1]));
    expect(h.events.some((e) => e.text.includes('bad CRC'))).toBe(true);
  });

  it('ignores frames for another unit', async () => {
    const h = makeHarness();
    expect(await h.transact(request(16, 0x03, 28302, 1))).toHaveLength(0);
    expect(await h.transact(request(16, 0x06, 28302, 4))).toHaveLength(0);
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toEqual(readReply(UNIT, 0x03, [1]));
  });

  it('answers at a new unit address after a write to 28321 (the reply still from the old one)', async () => {
    const h = makeHarness();
    expect(await h.transact(request(UNIT, 0x06, 28321, 20))).toEqual(request(UNIT, 0x06, 28321, 20));
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toHaveLength(0);
    expect(await h.transact(request(20, 0x03, 28321, 1))).toEqual(readReply(20, 0x03, [20]));
  });

  it('assembles a frame written in pieces without pauses', async () => {
    const h = makeHarness();
    const req = request(UNIT, 0x03, 28302, 2);
    void h.line.write(req.subarray(0, 3));
    void h.line.write(req.subarray(3));
    await h.clock.advance(200);
    expect(Buffer.concat(h.received.map((r) => r.bytes))).toEqual(readReply(UNIT, 0x03, [1, 6]));
  });

  it('discards a frame with a silence > 1.5 characters inside it', async () => {
    const h = makeHarness();
    const { t15Ms, t35Ms } = rtuTiming(CXI_SETTINGS);
    const req = request(UNIT, 0x03, 28302, 2);
    void h.line.write(req.subarray(0, 4));
    await h.clock.advance(4 * characterTimeMs(CXI_SETTINGS) + (t15Ms + t35Ms) / 2);
    void h.line.write(req.subarray(4));
    await h.clock.advance(200);
    expect(h.received).toHaveLength(0);
    expect(h.events.at(-1)?.text).toMatch(/t1\.5/);
  });

  it('replies no sooner than t3.5 + turnaround + the reply wire time after the request ends', async () => {
    const h = makeHarness({ turnaroundMs: 7 });
    const req = request(UNIT, 0x03, 28302, 2);
    const start = h.clock.now();
    const c = characterTimeMs(CXI_SETTINGS);
    await h.transact(req);
    const reply = readReply(UNIT, 0x03, [1, 6]);
    const expected = start + req.length * c + rtuTiming(CXI_SETTINGS).t35Ms + 7 + reply.length * c;
    expect(h.received[0]?.at).toBeCloseTo(expected, 6);
  });

  it('uses the fixed 1.75 ms / 0.75 ms above 19200 baud', () => {
    expect(rtuTiming({ baudRate: 38400 })).toEqual({ characterMs: characterTimeMs({ baudRate: 38400 }), t15Ms: 0.75, t35Ms: 1.75 });
    expect(rtuTiming({ baudRate: 19200, parity: 'even' }).t35Ms).toBeCloseTo((3.5 * 11 * 1000) / 19200, 9);
  });
});

describe('Modbus RTU server: faults', () => {
  it('nack and timeout: no reply (then normal again)', async () => {
    const h = makeHarness();
    h.server.faults.inject('nack', 1);
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toHaveLength(0);
    h.server.faults.inject('timeout', 1);
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toHaveLength(0);
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toEqual(readReply(UNIT, 0x03, [1]));
  });

  it('nack does not execute the write', async () => {
    const h = makeHarness();
    h.server.faults.inject('nack', 1);
    await h.transact(request(UNIT, 0x06, 28302, 4));
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toEqual(readReply(UNIT, 0x03, [1]));
  });

  it('crc: the reply arrives with a checksum that does not match', async () => {
    const h = makeHarness();
    h.server.faults.inject('crc', 1);
    const reply = await h.transact(request(UNIT, 0x03, 28302, 2));
    const good = readReply(UNIT, 0x03, [1, 6]);
    expect(reply).toHaveLength(good.length);
    expect(reply.subarray(0, -1)).toEqual(good.subarray(0, -1));
    expect(hasValidCrc(reply)).toBe(false);
  });

  it('garbage: random bytes of the reply length', async () => {
    const h = makeHarness();
    h.server.faults.inject('garbage', 1);
    const reply = await h.transact(request(UNIT, 0x03, 28302, 2));
    expect(reply).toHaveLength(9);
    expect(reply).not.toEqual(readReply(UNIT, 0x03, [1, 6]));
  });

  it('unplug: silent until cleared', async () => {
    const h = makeHarness();
    h.server.faults.inject('unplug');
    const sent = h.line.write(request(UNIT, 0x03, 28302, 1));
    await expect(sent).rejects.toThrow(/reopening/);
    h.line.replug();
    expect(await h.transact(request(UNIT, 0x03, 28302, 1))).toEqual(readReply(UNIT, 0x03, [1]));
  });

  it('unplug: the server itself stays silent when bytes reach it (a pty has no line to unplug)', async () => {
    const h = makeHarness();
    h.server.faults.inject('unplug');
    h.server.receive(request(UNIT, 0x03, 28302, 1));
    await h.clock.advance(200);
    expect(h.received).toHaveLength(0);
    expect(h.events.at(-1)?.outcome).toBe('fault');
  });
});
