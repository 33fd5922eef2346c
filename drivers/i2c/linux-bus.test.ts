import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { I2cError } from './errors.js';
import { LinuxI2cBusOpener, mapI2cError, type I2cBusModule, type I2cBusModuleBus } from './linux-bus.js';

type Call = { op: string; args: unknown[] };

/** A fake i2c-bus: each call is recorded and answered by `answer` (a value, an error, or a pending promise). */
function fakeModule(answer: (op: string, args: unknown[]) => Promise<unknown>): { module: I2cBusModule; calls: Call[]; opened: number[] } {
  const calls: Call[] = [];
  const opened: number[] = [];
  const call =
    <T,>(op: string) =>
    (...args: unknown[]): Promise<T> => {
      calls.push({ op, args });
      return answer(op, args) as Promise<T>;
    };
  const bus: I2cBusModuleBus = {
    i2cRead: call('i2cRead'),
    i2cWrite: call('i2cWrite'),
    readByte: call('readByte'),
    writeByte: call('writeByte'),
    readWord: call('readWord'),
    writeWord: call('writeWord'),
    readI2cBlock: call('readI2cBlock'),
    writeI2cBlock: call('writeI2cBlock'),
    scan: call('scan'),
    close: call('close'),
  };
  return {
    module: {
      openPromisified: (n) => {
        opened.push(n);
        return Promise.resolve(bus);
      },
    },
    calls,
    opened,
  };
}

function errnoError(code: string | undefined, errno: number): Error {
  return Object.assign(new Error(`${code ?? 'E?'}, ioctl failed`), code === undefined ? { errno } : { code, errno });
}

async function caught(p: Promise<unknown>): Promise<I2cError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof I2cError)) throw new Error(`expected an I2cError, got ${String(e)}`);
  return e;
}

describe('LinuxI2cBusOpener error mapping', () => {
  const cases: Array<[string | undefined, number, I2cError['kind']]> = [
    ['EREMOTEIO', 121, 'nack'],
    [undefined, 121, 'nack'],
    ['ENXIO', 6, 'nack'],
    ['ENOENT', -2, 'no-bus'],
    ['EACCES', -13, 'no-bus'],
    ['ETIMEDOUT', 110, 'timeout'],
    [undefined, 110, 'timeout'],
    ['EIO', 5, 'io'],
    ['EAGAIN', 11, 'io'],
  ];
  for (const [code, errno, kind] of cases) {
    it(`maps ${code ?? `errno ${errno}`} to ${kind}, keeping the original as cause`, async () => {
      const original = errnoError(code, errno);
      const fake = fakeModule(() => Promise.reject(original));
      const bus = await new LinuxI2cBusOpener({ module: fake.module }).open(1);
      const e = await caught(bus.readByte(0x44, 0x10));
      expect(e.kind).toBe(kind);
      expect(e.cause).toBe(original);
      expect(e.busNumber).toBe(1);
      expect(e.address).toBe(0x44);
      expect(e.message).toMatch(/^i2c-1 0x44: /);
    });
  }

  it('maps an error that is not an errno error to io', () => {
    expect(mapI2cError('boom', 2, undefined, 'scan').kind).toBe('io');
    expect(mapI2cError(new Error('x'), 2, 0x20, 'readByte').message).toContain('readByte failed (x)');
  });
});

describe('LinuxI2cBusOpener calls and validation', () => {
  it('passes each call to i2c-bus with the right arguments and returns what it gave', async () => {
    const fake = fakeModule((op, args) => {
      switch (op) {
        case 'readByte':
          return Promise.resolve(0xab);
        case 'readWord':
          return Promise.resolve(0x1234);
        case 'i2cRead':
        case 'readI2cBlock': {
          const buf = args.at(-1) as Buffer;
          buf.fill(7);
          return Promise.resolve({ bytesRead: buf.length, buffer: buf });
        }
        case 'i2cWrite':
        case 'writeI2cBlock':
          return Promise.resolve({ bytesWritten: args.at(-2) as number, buffer: args.at(-1) });
        default:
          return Promise.resolve(undefined);
      }
    });
    const bus = await new LinuxI2cBusOpener({ module: fake.module }).open(3);
    expect(await bus.readByte(0x18, 5)).toBe(0xab);
    expect(await bus.readWord(0x18, 5)).toBe(0x1234);
    await bus.writeWord(0x18, 1, 0xbeef);
    await bus.writeByte(0x18, 1, 0x22);
    expect([...(await bus.i2cRead(0x44, 3))]).toEqual([7, 7, 7]);
    expect([...(await bus.readI2cBlock(0x76, 0xf7, 8))]).toHaveLength(8);
    await bus.i2cWrite(0x44, Buffer.of(0x24, 0x00));
    await bus.writeI2cBlock(0x50, 0x00, Buffer.of(1, 2));
    expect(fake.opened).toEqual([3]);
    expect(fake.calls.map((c) => [c.op, ...c.args.filter((a) => typeof a === 'number')])).toEqual([
      ['readByte', 0x18, 5],
      ['readWord', 0x18, 5],
      ['writeWord', 0x18, 1, 0xbeef],
      ['writeByte', 0x18, 1, 0x22],
      ['i2cRead', 0x44, 3],
      ['readI2cBlock', 0x76, 0xf7, 8],
      ['i2cWrite', 0x44, 2],
      ['writeI2cBlock', 0x50, 0, 2],
    ]);
  });

  it('refuses bad addresses, lengths and values as invalid without touching the bus', async () => {
    const fake = fakeModule(() => Promise.resolve(0));
    const bus = await new LinuxI2cBusOpener({ module: fake.module }).open(1);
    for (const p of [
      bus.readByte(0x02, 0),
      bus.readByte(0x78, 0),
      bus.readByte(68.5, 0),
      bus.readI2cBlock(0x44, 0, 0),
      bus.readI2cBlock(0x44, 0, 33),
      bus.writeI2cBlock(0x44, 0, Buffer.alloc(33)),
      bus.writeByte(0x44, 0x100, 0),
      bus.writeWord(0x44, 0, -1),
      bus.i2cRead(0x44, 0),
    ]) {
      expect((await caught(p)).kind).toBe('invalid');
    }
    expect(fake.calls).toEqual([]);
    expect((await caught(new LinuxI2cBusOpener({ module: fake.module }).open(-1))).kind).toBe('invalid');
  });

  it('reports a short read as io', async () => {
    const fake = fakeModule((_op, args) => Promise.resolve({ bytesRead: 1, buffer: args.at(-1) }));
    const bus = await new LinuxI2cBusOpener({ module: fake.module }).open(1);
    expect((await caught(bus.i2cRead(0x44, 6))).kind).toBe('io');
  });

  it('scan: a missing device file is no-bus; a present one scans 0x03..0x77', async () => {
    const fake = fakeModule(() => Promise.resolve([0x44]));
    const missing = async (): Promise<void> => {
      await Promise.resolve();
      throw errnoError('ENOENT', -2);
    };
    const seen: string[] = [];
    const present = (path: string): Promise<void> => {
      seen.push(path);
      return Promise.resolve();
    };
    const noBus = await new LinuxI2cBusOpener({ module: fake.module, checkBusFile: missing }).open(7);
    expect((await caught(noBus.scan())).kind).toBe('no-bus');
    expect(fake.calls).toEqual([]);
    const bus = await new LinuxI2cBusOpener({ module: fake.module, checkBusFile: present }).open(7);
    expect(await bus.scan()).toEqual([0x44]);
    expect(seen).toEqual(['/dev/i2c-7']);
    expect(fake.calls).toEqual([{ op: 'scan', args: [0x03, 0x77] }]);
  });
});

describe('LinuxI2cBusOpener serialization', () => {
  it('never overlaps two transactions on one bus, even across two opens, and a failure does not block the next', async () => {
    const pending: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
    let active = 0;
    let maxActive = 0;
    const fake = fakeModule(
      () =>
        new Promise((resolve, reject) => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          pending.push({
            resolve: (v) => {
              active -= 1;
              resolve(v);
            },
            reject: (e) => {
              active -= 1;
              reject(e);
            },
          });
        }),
    );
    const opener = new LinuxI2cBusOpener({ module: fake.module });
    const a = await opener.open(1);
    const b = await opener.open(1);
    const other = await opener.open(2);
    const first = a.readByte(0x44, 1);
    const second = b.readByte(0x45, 2);
    const third = other.readByte(0x44, 3);
    await new Promise((r) => setImmediate(r));
    // Bus 1's second transaction waits for the first; bus 2 runs independently.
    expect(fake.calls.map((c) => c.args)).toEqual([
      [0x44, 1],
      [0x44, 3],
    ]);
    pending[0]!.reject(errnoError('EREMOTEIO', 121));
    expect((await caught(first)).kind).toBe('nack');
    await new Promise((r) => setImmediate(r));
    expect(fake.calls.map((c) => c.args)).toEqual([
      [0x44, 1],
      [0x44, 3],
      [0x45, 2],
    ]);
    pending[2]!.resolve(9);
    pending[1]!.resolve(8);
    expect(await second).toBe(9);
    expect(await third).toBe(8);
    expect(maxActive).toBe(2);
  });
});

describe('LinuxI2cBusOpener with the real i2c-bus', () => {
  const missingBus = 97;

  it(`maps a transfer and a scan on missing /dev/i2c-${missingBus} to no-bus`, async () => {
    expect(existsSync(`/dev/i2c-${missingBus}`)).toBe(false);
    const bus = await new LinuxI2cBusOpener().open(missingBus);
    const e = await caught(bus.readByte(0x44, 0));
    expect(e.kind).toBe('no-bus');
    expect((e.cause as { code?: string }).code).toBe('ENOENT');
    expect(e.message).toContain('i2c-97 0x44');
    expect((await caught(bus.i2cRead(0x44, 6))).kind).toBe('no-bus');
    expect((await caught(bus.scan())).kind).toBe('no-bus');
    await bus.close();
  });
});
