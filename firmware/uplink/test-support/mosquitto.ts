/**
 * Test helper: a real Mosquitto (Debian package) on a free loopback port, with persistence in
 * a temp dir so a restarted broker keeps retained messages and queued QoS 1 messages for
 * persistent sessions. Started through the ProcessTracker: `stopAll()` in afterEach/afterAll.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessTracker, killGroup, type TrackedProcess } from '../../../common/test-support/index.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface BrokerOptions {
  /** Extra lines for the listener (cafile/certfile/keyfile for TLS). */
  readonly listenerLines?: readonly string[];
  /** false: every client must authenticate (a password file, or a client certificate). Default true. */
  readonly allowAnonymous?: boolean;
}

export class TestBroker {
  readonly dir = mkdtempSync(join(tmpdir(), 'uplink-mosquitto-'));
  private proc: TrackedProcess | undefined;

  constructor(
    private readonly tracker: ProcessTracker,
    readonly port: number,
    private readonly o: BrokerOptions = {},
  ) {
    const conf = [
      `listener ${port} 127.0.0.1`,
      ...(o.listenerLines ?? []),
      `allow_anonymous ${o.allowAnonymous ?? true}`,
      // Started as root, Mosquitto switches to the user "mosquitto", which cannot write our temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'persistence true',
      `persistence_location ${this.dir}/`,
      'autosave_interval 1',
      'log_dest stderr',
      ...(process.env.MOSQUITTO_LOG_ALL === '1' ? ['log_type all'] : ['log_type error', 'log_type warning']),
      'max_queued_messages 100000',
      'max_inflight_messages 0',
    ];
    writeFileSync(join(this.dir, 'mosquitto.conf'), conf.join('\n') + '\n');
  }

  /** What the broker wrote to stderr (errors and warnings; all with MOSQUITTO_LOG_ALL=1). */
  log(): string {
    return this.proc?.stderr() ?? '';
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = this.tracker.start(MOSQUITTO, ['-c', join(this.dir, 'mosquitto.conf')], { name: 'mosquitto' });
    // Mosquitto's log is block-buffered on a pipe: wait for the port to accept instead.
    const deadline = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      const p = this.proc;
      if (p.child.exitCode !== null) throw new Error(`mosquitto exited (${p.child.exitCode}): ${p.stderr()}${p.stdout()}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port} within 10 s: ${p.stderr()}`);
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  /** SIGTERM: a clean stop (Mosquitto saves its persistence file). */
  async stop(): Promise<void> {
    const p = this.proc;
    if (p === undefined) return;
    p.child.kill('SIGTERM');
    await p.exited;
    this.proc = undefined;
  }

  /** kill -9: no clean shutdown, no final persistence save. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (p === undefined) return;
    killGroup(p.child);
    await p.exited;
    this.proc = undefined;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
