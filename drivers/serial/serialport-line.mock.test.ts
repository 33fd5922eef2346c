/**
 * SerialPortLine on node-serialport's MockBinding, with a ManualClock driving the reopen
 * backoff: the unplug/replug state machine step by step.
 */
import { SerialPortMock } from 'serialport';
import { afterEach, describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { SerialPortLine, type SerialPortFactory } from './serialport-line.js';
import type { SerialLineState } from './types.js';

const PATH = '/dev/ttyMOCK0';
// The binding instance SerialPortMock uses (importing @serialport/binding-mock directly may
// load its ESM build: a second instance with its own port table).
const MockBinding = SerialPortMock.binding;

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function setup() {
  MockBinding.reset();
  MockBinding.createPort(PATH);
  const clock = new ManualClock();
  const made: SerialPortMock[] = [];
  const factory: SerialPortFactory = (o) => {
    const p = new SerialPortMock({ ...o, autoOpen: false });
    made.push(p);
    return p;
  };
  const line = new SerialPortLine(PATH, { baudRate: 9600, parity: 'even' }, {
    clock,
    random: () => 0,
    backoff: { initialMs: 100, maxMs: 400 },
    portFactory: factory,
  });
  const states: SerialLineState[] = [];
  line.onState((s) => states.push(s));
  const received: Buffer[] = [];
  line.onData((c) => received.push(c));
  return { clock, made, line, states, received };
}

/** The binding under the latest port object (what a real USB adapter would be). */
function binding(made: SerialPortMock[]) {
  const port = made[made.length - 1]?.port;
  if (port === undefined) throw new Error('no open port');
  return port;
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('SerialPortLine (MockBinding)', () => {
  it('opens with the configured settings and writes', async () => {
    const { line, made, states } = setup();
    cleanup = () => line.close();
    await line.open();
    expect(states).toEqual(['opening', 'open']);
    expect(binding(made).openOptions).toMatchObject({ baudRate: 9600, parity: 'even', dataBits: 8, stopBits: 1 });
    await line.write(Uint8Array.of(1, 2, 3));
    expect([...(binding(made).lastWrite ?? [])]).toEqual([1, 2, 3]);
  });

  it('rejects a first open of a missing port with the path and the fix, staying closed', async () => {
    MockBinding.reset();
    const line = new SerialPortLine('/dev/ttyNOPE', { baudRate: 9600 }, {
      portFactory: (o) => new SerialPortMock({ ...o, autoOpen: false }),
    });
    await expect(line.open()).rejects.toThrow(/\/dev\/ttyNOPE: cannot open serial port .*by-id/);
    expect(line.state).toBe('closed');
  });

  it('refuses writes while not open', async () => {
    const { line } = setup();
    await expect(line.write(Uint8Array.of(1))).rejects.toThrow(/\/dev\/ttyMOCK0: cannot write, serial line is closed/);
  });

  it('on unplug goes reopening, backs off exponentially, and reopens with listeners kept', async () => {
    const { clock, line, made, states, received } = setup();
    cleanup = () => line.close();
    await line.open();

    MockBinding.reset(); // the adapter vanishes from the system...
    made[0]!._disconnected(new Error('unplugged')); // ...and the stream notices
    await until(() => line.state === 'reopening', 'reopening');
    await expect(line.write(Uint8Array.of(9))).rejects.toThrow(/serial line is reopening/);

    // Attempts at +100, +200, +400, +400 (cap) ms with no jitter; each makes a new port object.
    const attemptsAt: number[] = [];
    for (let t = 0; t < 1100; t += 50) {
      const before = made.length;
      await clock.advance(50);
      if (made.length > before) attemptsAt.push(clock.now());
    }
    expect(attemptsAt).toEqual([100, 300, 700, 1100]);
    expect(line.state).toBe('reopening');
    expect(line.lastError?.message).toMatch(/does not exist/);

    MockBinding.createPort(PATH); // plugged back in
    await clock.advance(400);
    await until(() => line.state === 'open', 'open');
    expect(states).toEqual(['opening', 'open', 'reopening', 'open']);

    binding(made).emitData(Buffer.from([0x42]));
    await until(() => received.length > 0, 'data after reopen');
    expect(received.map((c) => [...c])).toEqual([[0x42]]);
  });

  it('a write in flight when the port is lost rejects instead of hanging', async () => {
    const { line, made } = setup();
    cleanup = () => line.close();
    await line.open();
    const port = made[0]!;
    // Hold the drain so the write is still pending when the port goes.
    port.drain = () => undefined;
    const pending = line.write(Uint8Array.of(1, 2));
    MockBinding.reset();
    port._disconnected(new Error('unplugged'));
    await expect(pending).rejects.toThrow(/write failed \(unplugged\)/);
  });

  it('close() during reopening stops all further attempts', async () => {
    const { clock, line, made } = setup();
    await line.open();
    MockBinding.reset();
    made[0]!._disconnected(new Error('unplugged'));
    await until(() => line.state === 'reopening', 'reopening');
    await line.close();
    const count = made.length;
    await clock.advance(10_000);
    expect(made.length).toBe(count);
    expect(line.state).toBe('closed');
    expect(clock.pendingTimers).toBe(0);
  });
});
