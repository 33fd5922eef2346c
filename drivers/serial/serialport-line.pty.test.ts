/**
 * SerialPortLine on real ptys from socat: bytes both ways, settings accepted by the tty
 * layer, and a real "unplug" (socat killed) followed by a "replug" (socat restarted on the
 * same link names) that the line recovers from by itself.
 */
import { afterEach, describe, it, expect } from 'vitest';
import { systemClock } from '../../common/index.js';
import { SerialPortLine } from './serialport-line.js';
import { startPtyPair, type PtyPair } from './test-support/index.js';
import type { SerialLine, SerialSettings } from './types.js';

const pairs: PtyPair[] = [];
const lines: SerialPortLine[] = [];

afterEach(async () => {
  await Promise.all(lines.splice(0).map((l) => l.close()));
  await Promise.all(pairs.splice(0).map((p) => p.stop()));
});

async function pair(options?: { a: string; b: string }): Promise<PtyPair> {
  const p = await startPtyPair(options);
  pairs.push(p);
  return p;
}

function line(path: string, settings: SerialSettings): SerialPortLine {
  const l = new SerialPortLine(path, settings, { clock: systemClock(), backoff: { initialMs: 20, maxMs: 100 } });
  lines.push(l);
  return l;
}

/** Collects `n` bytes from the line (bounded wait: a hang fails the test, nothing is timed). */
function receive(l: SerialLine, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => {
      off();
      reject(new Error(`received ${got} of ${n} bytes from ${l.path}`));
    }, 3000);
    const off = l.onData((c) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        clearTimeout(timer);
        off();
        resolve(Buffer.concat(chunks));
      }
    });
  });
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (cond()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function exchange(a: SerialLine, b: SerialLine, tag: number): Promise<void> {
  const toB = Buffer.from([tag, 0x00, 0xff, 0x55, 0xaa]);
  const atB = receive(b, toB.length);
  await a.write(toB);
  expect([...(await atB)]).toEqual([...toB]);

  const toA = Buffer.alloc(300, tag ^ 0x5a);
  const atA = receive(a, toA.length);
  await b.write(toA);
  expect((await atA).equals(toA)).toBe(true);
}

describe('SerialPortLine on a socat pty pair', () => {
  it('carries bytes both ways at 9600 8E1 and 115200 8N2', async () => {
    const p = await pair();
    const a = line(p.a, { baudRate: 9600, dataBits: 8, parity: 'even', stopBits: 1 });
    const b = line(p.b, { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 2 });
    await a.open();
    await b.open();
    expect([a.state, b.state]).toEqual(['open', 'open']);
    await exchange(a, b, 1);
  });

  it('accepts 7 data bits and odd parity', async () => {
    const p = await pair();
    const a = line(p.a, { baudRate: 19200, dataBits: 7, parity: 'odd' });
    await a.open();
    expect(a.state).toBe('open');
  });

  it('after socat dies goes reopening, then reopens by itself when the links come back', async () => {
    const first = await pair();
    const a = line(first.a, { baudRate: 9600 });
    const b = line(first.b, { baudRate: 9600 });
    await a.open();
    await b.open();
    await exchange(a, b, 2);

    const seen: string[] = [];
    a.onState((s, err) => seen.push(err === undefined ? s : `${s}: ${err.message}`));
    await first.stop(); // unplug
    await until(() => a.state === 'reopening' && b.state === 'reopening', 'both ends reopening');
    expect(seen[0]).toMatch(/^reopening: .*serial port lost/);
    await expect(a.write(Uint8Array.of(1))).rejects.toThrow(/cannot write, serial line is reopening/);

    await pair({ a: first.a, b: first.b }); // replug on the same names
    await until(() => a.state === 'open' && b.state === 'open', 'both ends open again');
    await exchange(a, b, 3); // the listeners registered before the unplug still get data
  });

  it('close() while reopening ends the retries', async () => {
    const p = await pair();
    const a = line(p.a, { baudRate: 9600 });
    await a.open();
    await p.stop();
    await until(() => a.state === 'reopening', 'reopening');
    await a.close();
    expect(a.state).toBe('closed');
    const again = await pair({ a: p.a, b: p.b });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(a.state).toBe('closed');
    expect(again.running).toBe(true);
  });
});
