/** `runPia` in-process over real UDP on ::1: listen + ping, refusals and their exit codes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import { MemoryLatchStore } from '../discovery/index.js';
import { PiaNode, openUdpTransport } from '../node/index.js';
import type { PiaIo } from './node-setup.js';
import { runPia } from './run-pia.js';

interface Run {
  readonly io: PiaIo;
  readonly stop: AbortController;
  out(): string;
  err(): string;
}

/** cpuinfo lines as x86 and a Raspberry Pi 4 print them: the default suite order follows them, not this host. */
const WITH_AES = (): string => 'flags\t\t: fpu sse2 aes pclmulqdq\n';
const WITHOUT_AES = (): string => 'Features\t: fp asimd evtstrm crc32 cpuid\n';

function io(env: Record<string, string> = {}, extra: Partial<PiaIo> = {}): Run {
  let out = '';
  let err = '';
  const stop = new AbortController();
  return {
    io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, signal: stop.signal, env, readCpuinfo: WITH_AES, ...extra },
    stop,
    out: () => out,
    err: () => err,
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Starts `pia listen --bind [::1]:0 …` in-process; resolves with its port once it serves. */
async function listen(args: string[] = [], extra: Partial<PiaIo> = {}): Promise<{ run: Run; port: number; exited: Promise<number> }> {
  const run = io({}, extra);
  const exited = runPia(['listen', '--bind', '[::1]:0', ...args], run.io);
  cleanups.push(async () => {
    run.stop.abort();
    await exited;
  });
  for (let i = 0; i < 200; i++) {
    const m = /PIA responder on \[::1\]:(\d+)/.exec(run.out());
    if (m) return { run, port: Number(m[1]), exited };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`pia listen did not start: ${run.err()}`);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pia-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('pia listen + pia ping in-process over UDP on ::1', () => {
  it('ping --json: handshake, suite, SPIs matching the listener, all echoes back; listen reports SA up/down and stops with 0', async () => {
    const l = await listen();
    const p = io();
    expect(await runPia(['ping', `[::1]:${l.port}`, '--count', '7', '--size', '300', '--json'], p.io)).toBe(0);
    const r = JSON.parse(p.out()) as Record<string, unknown> & { rttMs: { min: number; median: number; p99: number } };
    expect(r).toMatchObject({ ok: true, exitCode: 0, target: `[::1]:${l.port}`, size: 300, sent: 7, received: 7, lossPercent: 0, suite: 'aes-gcm' });
    expect(r.rttMs.min).toBeLessThanOrEqual(r.rttMs.median);
    expect(r.rttMs.median).toBeLessThanOrEqual(r.rttMs.p99);
    expect(p.err()).toBe('');
    // the listener's SA is the mirror image of ping's
    expect(l.run.out()).toMatch(new RegExp(`SA up with \\[::1\\]:\\d+ as responder: in ${String(r.spiOut)} out ${String(r.spiIn)} aes-gcm`));
    l.run.stop.abort();
    expect(await l.exited).toBe(0);
    expect(l.run.out()).toMatch(new RegExp(`SA in ${String(r.spiOut)} with \\[::1\\]:\\d+ closed \\(closed\\)`));
    expect(l.run.out()).toMatch(/pia listen: stopped; 7 echoes served, 0 datagrams not for the echo service\n$/);
  });

  it('the suites follow the CPU: a listener without AES instructions says so, and its preference wins over an AES-first ping', async () => {
    const l = await listen([], { readCpuinfo: WITHOUT_AES });
    expect(l.run.out()).toContain('(suites chacha20, aes-gcm)');
    expect(l.run.out()).toContain('pia listen: PIA suites: chacha20-poly1305, aes-256-gcm (CPU without AES instructions; override with --suite, preferred first, e.g. --suite aes-gcm,chacha20)\n');
    const p = io(); // this ping's CPU has AES: it offers aes-gcm first
    expect(await runPia(['ping', `[::1]:${l.port}`, '--count', '1', '--json'], p.io)).toBe(0);
    expect(JSON.parse(p.out())).toMatchObject({ ok: true, suite: 'chacha20' });
    const set = await listen(['--suite', 'aes-gcm'], { readCpuinfo: WITHOUT_AES });
    expect(set.run.out()).toContain('pia listen: PIA suites: aes-256-gcm (set by --suite)\n');
  });

  it('ping text output: handshake line, one line per echo, statistics; chacha20 when asked', async () => {
    const l = await listen();
    const p = io();
    expect(await runPia(['ping', `[::1]:${l.port}`, '--count', '3', '--suite', 'chacha20'], p.io)).toBe(0);
    const lines = p.out().trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^pia ping \\[::1\\]:${l.port}: handshake \\d+\\.\\d{3} ms, suite chacha20, SPIs in 0x[0-9a-f]{8} out 0x[0-9a-f]{8}$`));
    expect(lines.slice(1, 4).map((s) => s.replace(/time=[\d.]+/, 'time=T'))).toEqual([0, 1, 2].map((i) => `56 bytes from [::1]:${l.port} via ESP: seq=${i} time=T ms`));
    expect(lines[4]).toBe(`--- [::1]:${l.port} pia ping: 3 echoes sent, 3 received, 0% loss`);
    expect(lines[5]).toMatch(/^rtt min\/median\/p99 = [\d.]+\/[\d.]+\/[\d.]+ ms$/);
  });

  it('REFUSE (no common suite) → exit 4 naming the suites and the fix', async () => {
    const l = await listen(['--suite', 'aes-gcm']);
    const p = io();
    expect(await runPia(['ping', `[::1]:${l.port}`, '--suite', 'chacha20'], p.io)).toBe(4);
    expect(p.err()).toBe(`pia ping: refused by [::1]:${l.port}: no common suite (offered chacha20); offer another one (--suite aes-gcm or --suite chacha20) or leave --suite out to offer both\n`);
  });

  it('a send the OS refuses (ENETUNREACH) → exit 3 naming the peer, the errno and the fix', async () => {
    const p = io({}, {
      openTransport: async (o) => {
        const t = await openUdpTransport({ ...o, address: '::1' });
        return {
          local: t.local,
          onDatagram: (l) => t.onDatagram(l),
          close: () => t.close(),
          send: () => Promise.reject(Object.assign(new Error('send ENETUNREACH 2001:db8:99::1:4500'), { code: 'ENETUNREACH' })),
        };
      },
    });
    expect(await runPia(['ping', '[2001:db8:99::1]:4500', '--json'], p.io)).toBe(3);
    expect(p.err()).toMatch(/^pia ping: cannot reach \[2001:db8:99::1\]:4500 \(ENETUNREACH\): no route to that network; check the address and this host's routes \(ip route get 2001:db8:99::1\)$/m);
    expect(JSON.parse(p.out())).toMatchObject({ ok: false, exitCode: 3, target: '[2001:db8:99::1]:4500' });
  });

  it('nobody on the port → exit 3 at once (ICMP port unreachable on the connected socket), long before --timeout', async () => {
    const probe = await openUdpTransport({ address: '::1', port: 0 });
    const port = probe.local.port;
    await probe.close(); // nobody listens there now
    const p = io();
    expect(await runPia(['ping', `[::1]:${port}`, '--timeout', '60000', '--json'], p.io)).toBe(3);
    expect(p.err()).toBe(`pia ping: nothing listens on [::1]:${port} (ICMP port unreachable) — is 'pia listen' running there? Check the port\n`);
    expect(JSON.parse(p.out())).toMatchObject({ ok: false, exitCode: 3, target: `[::1]:${port}` });
  });

  it('a port that answers nothing, not even ICMP (filtered) → exit 1 after --timeout, naming the peer and what to check', async () => {
    const probe = await openUdpTransport({ address: '::1', port: 0 });
    const port = probe.local.port;
    await probe.close();
    const p = io({}, { openTransport: (o) => openUdpTransport({ ...o, connectPeers: false }) }); // an unconnected socket hears no ICMP
    expect(await runPia(['ping', `[::1]:${port}`, '--timeout', '400'], p.io)).toBe(1);
    expect(p.err()).toMatch(new RegExp(`^pia ping: no answer from \\[::1\\]:${port} within 400 ms \\(1 INIT sent\\); check that 'pia listen' runs there`));
  });

  it('an SA but no echo service → every echo lost, exit 1', async () => {
    const transport = await openUdpTransport({ address: '::1', port: 0 });
    const silent = new PiaNode({ transport, clock: systemClock(), latches: new MemoryLatchStore() });
    cleanups.push(() => silent.close());
    const p = io();
    expect(await runPia(['ping', `[::1]:${transport.local.port}`, '--count', '2', '--timeout', '150', '--json'], p.io)).toBe(1);
    expect(p.err()).toMatch(/every echo to \[::1\]:\d+ was lost \(2 sent, 150 ms each\); the SA is up, so check that the peer serves echo on inner UDP port 7/);
    expect(JSON.parse(p.out())).toMatchObject({ ok: false, exitCode: 1, sent: 2, received: 0, lossPercent: 100, rttMs: null });
  });

  it('a bind port in use → exit 2 naming the address and the fix', async () => {
    const l = await listen();
    const other = io();
    expect(await runPia(['listen', '--bind', `[::1]:${l.port}`], other.io)).toBe(2);
    expect(other.err()).toMatch(new RegExp(`pia listen: PIA UDP transport: cannot bind \\[::1\\]:${l.port} \\(EADDRINUSE\\); another process uses it`));
  });

  it('--latch-file: the peer is latched durably; a corrupt file → exit 2 naming it', async () => {
    const l = await listen();
    const file = join(tempDir(), 'latches.json');
    const p = io();
    expect(await runPia(['ping', `[::1]:${l.port}`, '--count', '1', '--latch-file', file], p.io)).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'pia-latches', peers: { '::1': { piaPort: l.port, suite: 1 } } });
    writeFileSync(file, '{not json');
    const bad = io();
    expect(await runPia(['ping', `[::1]:${l.port}`, '--latch-file', file], bad.io)).toBe(2);
    expect(bad.err()).toMatch(new RegExp(`^pia ping: --latch-file: latch store ${file}: .*Fix: restore the file`));
  });

  it('PIA_KEYLOG: keys go to the file with a warning, never to the output', async () => {
    const l = await listen();
    const keylog = join(tempDir(), 'keys.txt');
    const p = io({ PIA_KEYLOG: keylog });
    expect(await runPia(['ping', `[::1]:${l.port}`, '--count', '2'], p.io)).toBe(0);
    expect(p.err()).toMatch(/^pia ping: warning: .*key/i);
    const keys = [...readFileSync(keylog, 'utf8').matchAll(/"0x([0-9a-f]{72})"/g)].map((m) => m[1]!);
    expect(keys).toHaveLength(2); // one line per direction (docs/protocol.md §8)
    for (const k of keys) {
      for (const text of [p.out(), p.err(), l.run.out(), l.run.err()]) expect(text.toLowerCase()).not.toContain(k.slice(0, 16));
    }
  });
});
