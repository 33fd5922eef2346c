/**
 * The host's end of a pty pair in tests: a serialport 13 port with a byte accumulator, so a
 * test can write a command and wait for exactly N bytes of reply.
 */
import { SerialPort } from 'serialport';

export interface HostPort {
  readonly port: SerialPort;
  write(bytes: Buffer): Promise<void>;
  /** Resolves with the next `n` bytes received; rejects after `ms`. */
  read(n: number, ms?: number): Promise<Buffer>;
  /** Resolves with everything received until `pattern` (latin1) appears at the end. */
  readUntil(pattern: string, ms?: number): Promise<Buffer>;
  setBaud(baudRate: number): Promise<void>;
  close(): Promise<void>;
}

export async function openHostPort(path: string, baudRate: number): Promise<HostPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  let buf = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  port.on('data', (b: Buffer) => {
    buf = Buffer.concat([buf, b]);
    wake?.();
  });
  const waitUntil = async (done: () => number | undefined, ms: number, what: string): Promise<Buffer> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const n = done();
      if (n !== undefined) {
        const out = buf.subarray(0, n);
        buf = buf.subarray(n);
        return out;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${path}: waited ${ms} ms for ${what}, have ${buf.length} bytes: ${buf.subarray(0, 32).toString('hex')}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        wake = () => {
          clearTimeout(t);
          res();
        };
      });
      wake = undefined;
    }
  };
  return {
    port,
    write: (bytes) =>
      new Promise((res, rej) => {
        port.write(bytes, (e) => (e ? rej(e) : port.drain((d) => (d ? rej(d) : res()))));
      }),
    read: (n, ms = 5000) => waitUntil(() => (buf.length >= n ? n : undefined), ms, `${n} bytes`),
    readUntil: (pattern, ms = 5000) =>
      waitUntil(
        () => {
          const i = buf.indexOf(pattern, 0, 'latin1');
          return i < 0 ? undefined : i + pattern.length;
        },
        ms,
        JSON.stringify(pattern),
      ),
    setBaud: (b) => new Promise((res, rej) => port.update({ baudRate: b }, (e) => (e ? rej(e) : res()))),
    close: () => new Promise((res) => (port.isOpen ? port.close(() => res()) : res())),
  };
}
