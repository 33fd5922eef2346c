/** `pia` as processes: listen and ping as two children over real UDP on ::1, signals, exit codes. */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { runPiaProcess, startPia, stopAll, type PiaProcess } from './test-support/index.js';
import { cpuSuiteChoice } from '../suite-order.js';
import { SUITE_NAMES } from '../suites-ids.js';

/** Both ends run on this host, so both prefer its CPU's first suite (suite-order.ts). */
const CPU_FIRST = SUITE_NAMES[cpuSuiteChoice().suites[0]!];

afterEach(stopAll);

async function listener(): Promise<{ p: PiaProcess; port: number }> {
  const p = startPia(['listen', '--bind', '[::1]:0']);
  const m = await p.waitFor(/PIA responder on \[::1\]:(\d+)/);
  return { p, port: Number(m[1]) };
}

/** A UDP port on ::1 that nobody listens on (bound by the OS, then released). */
async function deadPort(): Promise<number> {
  const s = createSocket('udp6');
  await new Promise<void>((resolve) => s.bind(0, '::1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('pia processes', () => {
  it('listen + ping over ::1: text and --json, then listen stops with 0 on SIGTERM', async () => {
    const { p, port } = await listener();
    const text = await runPiaProcess(['ping', `[::1]:${port}`, '--count', '10', '--size', '64']);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^pia ping \\[::1\\]:${port}: handshake [\\d.]+ ms, suite ${CPU_FIRST}, SPIs in 0x[0-9a-f]{8} out 0x[0-9a-f]{8}\n`));
    expect(text.stdout.match(/^64 bytes from .* via ESP: seq=\d+ time=[\d.]+ ms$/gm)).toHaveLength(10);
    expect(text.stdout).toMatch(/10 echoes sent, 10 received, 0% loss\nrtt min\/median\/p99 = [\d.]+\/[\d.]+\/[\d.]+ ms\n$/);

    const json = await runPiaProcess(['ping', `[::1]:${port}`, '--count', '4', '--suite', 'chacha20', '--json']);
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout) as { spiIn: string; spiOut: string; rttMs: { min: number; median: number; p99: number } };
    expect(r).toMatchObject({ ok: true, exitCode: 0, suite: 'chacha20', sent: 4, received: 4, lossPercent: 0 });
    expect(r.rttMs.min).toBeGreaterThan(0);
    await p.waitFor(new RegExp(`as responder: in ${r.spiOut} out ${r.spiIn} chacha20`));

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stdout().match(/SA up with /g)).toHaveLength(2);
    expect(p.stdout().match(/ closed \(peer-closed\)/g)).toHaveLength(2); // each ping said goodbye (CLOSE, docs/protocol.md §6)
    expect(p.stdout()).not.toMatch(/ closed \(closed\)/); // nothing left to close at SIGTERM
    expect(p.stdout()).toMatch(/pia listen: stopped; 14 echoes served/);
  });

  it('listen stops with 0 on SIGINT', async () => {
    const { p } = await listener();
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toMatch(/pia listen: stopped; 0 echoes served/);
  });

  it('ping to a port nobody listens on → exit 3 at once (the ICMP port unreachable), not after --timeout', async () => {
    const port = await deadPort();
    const t0 = performance.now();
    const r = await runPiaProcess(['ping', `[::1]:${port}`, '--timeout', '15000']);
    const elapsedMs = performance.now() - t0;
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`pia ping: nothing listens on [::1]:${port} (ICMP port unreachable) — is 'pia listen' running there? Check the port\n`);
    expect(r.stdout).toBe('');
    expect(elapsedMs).toBeLessThan(5_000); // sanity bound (process start included): far below the 15 s timeout
    console.log(`pia ping to a closed port: exit ${r.code} after ${elapsedMs.toFixed(0)} ms (process start included)`);
  });

  it('bad arguments → exit 2 with a one-line reason', async () => {
    const r = await runPiaProcess(['ping', '[::1]:4500', '--size', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pia: --size 2: must be a whole number 4–65000 .*\n$/);
  });
});
