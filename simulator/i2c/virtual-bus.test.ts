import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { FaultInjector } from '../faults.js';
import type { I2cTarget } from '../types.js';
import { VirtualI2cBus } from './virtual-bus.js';

/** A recording part: 256 byte registers with an auto-incrementing pointer; optionally NACKs a bare read. */
class RecordingTarget implements I2cTarget {
  readonly part = 'REC';
  readonly faults = new FaultInjector();
  readonly calls: Array<{ write: number[]; readLength: number }> = [];
  readonly regs = Buffer.alloc(256);
  private pointer = 0;
  constructor(
    readonly address: number,
    private readonly nackBareRead = false,
  ) {
    for (let i = 0; i < 256; i++) this.regs[i] = i ^ 0x5a;
  }
  transfer(write: Buffer, readLength: number): Buffer {
    this.calls.push({ write: [...write], readLength });
    if (write.length === 0 && this.nackBareRead) throw new I2cError('nack', 0, this.address, 'bare reads are not acknowledged');
    if (write.length > 0) this.pointer = write[0]!;
    for (const b of write.subarray(1)) this.regs[this.pointer++ & 0xff] = b;
    const out = Buffer.alloc(readLength);
    for (let i = 0; i < readLength; i++) out[i] = this.regs[(this.pointer + i) & 0xff]!;
    return out;
  }
}

function setup(): { bus: VirtualI2cBus; part: RecordingTarget; clock: ManualClock } {
  const clock = new ManualClock();
  let n = 0;
  const bus = new VirtualI2cBus({ busNumber: 3, clock, log: true, random: (len) => Buffer.alloc(len, 0xa0 + n++) });
  const part = new RecordingTarget(0x40);
  bus.attach(part);
  return { bus, part, clock };
}

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof I2cError ? e.kind : `other: ${String(e)}`;
  }
}

describe('VirtualI2cBus message mapping', () => {
  it('maps each call to its one I2C message sequence', async () => {
    const { bus, part } = setup();
    await bus.i2cWrite(0x40, Buffer.of(1, 2, 3));
    await bus.i2cRead(0x40, 2);
    await bus.readByte(0x40, 0x10);
    await bus.writeByte(0x40, 0x11, 0x22);
    await bus.readWord(0x40, 0x12);
    await bus.writeWord(0x40, 0x13, 0xbeef);
    await bus.readI2cBlock(0x40, 0x14, 5);
    await bus.writeI2cBlock(0x40, 0x15, Buffer.of(9, 8, 7));
    expect(part.calls).toEqual([
      { write: [1, 2, 3], readLength: 0 },
      { write: [], readLength: 2 },
      { write: [0x10], readLength: 1 },
      { write: [0x11, 0x22], readLength: 0 },
      { write: [0x12], readLength: 2 },
      { write: [0x13, 0xef, 0xbe], readLength: 0 },
      { write: [0x14], readLength: 5 },
      { write: [0x15, 9, 8, 7], readLength: 0 },
    ]);
  });

  it('reads SMBus words little-endian and returns the bytes the part sent', async () => {
    const { bus, part } = setup();
    part.regs[0x20] = 0x34;
    part.regs[0x21] = 0x12;
    expect(await bus.readWord(0x40, 0x20)).toBe(0x1234);
    expect(await bus.readByte(0x40, 0x21)).toBe(0x12);
    expect([...(await bus.readI2cBlock(0x40, 0x20, 2))]).toEqual([0x34, 0x12]);
    await bus.writeWord(0x40, 0x30, 0xa1b2);
    expect([part.regs[0x30], part.regs[0x31]]).toEqual([0xb2, 0xa1]);
  });

  it('NACKs an address with no part and refuses bad arguments as invalid', async () => {
    const { bus } = setup();
    expect(await kindOf(bus.readByte(0x41, 0))).toBe('nack');
    expect(await kindOf(bus.readByte(0x02, 0))).toBe('invalid');
    expect(await kindOf(bus.readByte(0x78, 0))).toBe('invalid');
    expect(await kindOf(bus.readI2cBlock(0x40, 0, 33))).toBe('invalid');
    expect(await kindOf(bus.readI2cBlock(0x40, 0, 0))).toBe('invalid');
    expect(await kindOf(bus.writeI2cBlock(0x40, 0, Buffer.alloc(0)))).toBe('invalid');
    expect(await kindOf(bus.writeByte(0x40, 0, 256))).toBe('invalid');
    expect(await kindOf(bus.writeWord(0x40, 0, 0x10000))).toBe('invalid');
    expect(await kindOf(bus.readByte(0x40, -1))).toBe('invalid');
    expect(await kindOf(bus.readI2cBlock(0x40, 0, 32))).toBe('ok');
  });

  it('names the bus and address in a NACK and re-issues a part NACK with this bus number', async () => {
    const { bus } = setup();
    const shy = new RecordingTarget(0x50, true);
    bus.attach(shy);
    const err = await bus.i2cRead(0x50, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(I2cError);
    expect((err as I2cError).busNumber).toBe(3);
    expect((err as Error).message).toContain('i2c-3 0x50: REC: bare reads are not acknowledged');
    expect((err as Error).cause).toBeInstanceOf(I2cError);
  });

  it('refuses two parts at one address, and detach frees it', () => {
    const { bus, part } = setup();
    expect(() => bus.attach(new RecordingTarget(0x40))).toThrow(/already answers there/);
    bus.detach(part);
    expect(bus.targetAt(0x40)).toBeUndefined();
    bus.attach(new RecordingTarget(0x40));
  });

  it('refuses transactions after close', async () => {
    const { bus } = setup();
    await bus.close();
    expect(await kindOf(bus.readByte(0x40, 0))).toBe('invalid');
  });
});

describe('VirtualI2cBus scan', () => {
  it('finds the parts that acknowledge a bare one-byte read, and misses one that NACKs it', async () => {
    const { bus, part } = setup();
    bus.attach(new RecordingTarget(0x03));
    bus.attach(new RecordingTarget(0x77));
    bus.attach(new RecordingTarget(0x50, true));
    expect(await bus.scan()).toEqual([0x03, 0x40, 0x77]);
    expect(part.calls.at(-1)).toEqual({ write: [], readLength: 1 });
  });
});

describe('VirtualI2cBus faults', () => {
  it('nack: consumed per transaction, the part is not called', async () => {
    const { bus, part } = setup();
    part.faults.inject('nack', 2);
    expect(await kindOf(bus.readByte(0x40, 1))).toBe('nack');
    expect(await kindOf(bus.readByte(0x40, 1))).toBe('nack');
    expect(await kindOf(bus.readByte(0x40, 1))).toBe('ok');
    expect(part.calls).toHaveLength(1);
  });

  it('unplug: NACK on every transaction until cleared, and the scan misses the part', async () => {
    const { bus, part } = setup();
    part.faults.inject('unplug');
    for (let i = 0; i < 5; i++) expect(await kindOf(bus.i2cRead(0x40, 1))).toBe('nack');
    expect(await bus.scan()).toEqual([]);
    part.faults.clear();
    expect(await bus.scan()).toEqual([0x40]);
  });

  it('timeout: fails with timeout after the bus timeout in simulated time, holding the bus meanwhile', async () => {
    const clock = new ManualClock();
    const bus = new VirtualI2cBus({ clock, timeoutMs: 25 });
    const part = new RecordingTarget(0x40);
    const other = new RecordingTarget(0x41);
    bus.attach(part);
    bus.attach(other);
    part.faults.inject('timeout', 1);
    const first = kindOf(bus.readByte(0x40, 1));
    const second = bus.readByte(0x41, 1).then(() => clock.now());
    await clock.advance(24);
    expect(other.calls).toHaveLength(0);
    await clock.advance(1);
    expect(await first).toBe('timeout');
    expect(await second).toBe(25);
    expect(part.calls).toHaveLength(0);
  });

  it('crc: flips the last byte of the next read; a write in between does not consume it', async () => {
    const { bus, part } = setup();
    part.faults.inject('crc', 1);
    await bus.writeByte(0x40, 0x60, 0x11);
    const r = await bus.readI2cBlock(0x40, 0x60, 3);
    expect([...r]).toEqual([0x11, 0x61 ^ 0x5a, (0x62 ^ 0x5a) ^ 0x01]);
    expect([...(await bus.readI2cBlock(0x40, 0x60, 3))]).toEqual([0x11, 0x61 ^ 0x5a, 0x62 ^ 0x5a]);
  });

  it('garbage: the read bytes come from the injected random source, length kept', async () => {
    const { bus, part } = setup();
    part.faults.inject('garbage', 1);
    expect([...(await bus.readI2cBlock(0x40, 0, 4))]).toEqual([0xa0, 0xa0, 0xa0, 0xa0]);
    expect(part.calls).toHaveLength(1);
    expect([...(await bus.readI2cBlock(0x40, 0, 1))]).toEqual([0x5a]);
  });
});

describe('VirtualI2cBus serialization and log', () => {
  it('runs one transaction at a time in call order and logs each', async () => {
    const { bus } = setup();
    const order: number[] = [];
    await Promise.all([0x10, 0x20, 0x30].map((c) => bus.readByte(0x40, c).then(() => order.push(c))));
    expect(order).toEqual([0x10, 0x20, 0x30]);
    await bus.readByte(0x41, 0).catch(() => undefined);
    expect(bus.log.map((t) => [t.address, [...t.write], t.readLength, t.error])).toEqual([
      [0x40, [0x10], 1, undefined],
      [0x40, [0x20], 1, undefined],
      [0x40, [0x30], 1, undefined],
      [0x41, [0], 1, 'nack'],
    ]);
    expect([...(bus.log[0]?.read ?? [])]).toEqual([0x10 ^ 0x5a]);
  });
});
