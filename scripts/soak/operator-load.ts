/**
 * The soak's steady operator, a process of its own (docs/soak.md, "Load"): one long-lived
 * piactl session (operator/cli `openSession`: the operator's credential, a PIA node, phase 3
 * with the gateway, CoAP over the SA) that reads sensors at a steady rate and sends commands
 * (fan speed, lighting level) on a period, over the same association, so its SAs rekey under
 * load as a console's would.
 *
 * Usage: `operator-load.ts PLAN.json` (written by the soak: `LoadPlan`). Prints one JSON line
 * `{"type":"status", …}` every 2 s and once more on SIGTERM, then exits 0.
 *
 * Flow:
 *  1. open a session (phase 3 with the gateway, bounded by the plan's timeout);
 *  2. every `pollIntervalMs` one read (the next of `reads`, round robin), none while the last
 *     is unanswered; every `commandIntervalMs` one write (the next of `commands`, values in
 *     turn); an answer counts as done only with its success code (2.05 read, 2.04 write) at
 *     phase 3, the phase the answer's security context carries;
 *  3. after 3 failures in a row the session is closed and opened again (a trusted server
 *     restart can leave an SA at phase 2 until the next rekey: docs/protocol.md §9.4), at most
 *     once every 2 s; each opening is counted.
 */
import { readFileSync } from 'node:fs';
import { openSession, parsePiactlArgs, type Session, type SessionOptions } from '../../operator/index.js';

export interface LoadPlan {
  readonly credential: string;
  /** `[ADDR]:PORT` of the gateway's PIA endpoint. */
  readonly gateway: string;
  readonly gatewayId: string;
  /** The folder piactl would keep its known-gateways file in (not used with gatewayId). */
  readonly home: string;
  readonly reads: readonly string[];
  readonly commands: ReadonlyArray<{ readonly uri: string; readonly values: readonly unknown[] }>;
  readonly pollIntervalMs: number;
  readonly commandIntervalMs: number;
  readonly timeoutMs: number;
}

export interface LoadStatus {
  readonly type: 'status';
  readonly polls: number;
  readonly pollFailures: number;
  readonly commands: number;
  readonly commandFailures: number;
  readonly sessions: number;
  /** Wall-clock ms of the last success at phase 3, and of the last failure. */
  readonly lastOkAtMs: number | null;
  readonly lastFailureAtMs: number | null;
  readonly lastError: string | null;
}

const planFile = process.argv[2];
if (planFile === undefined) {
  process.stderr.write('usage: operator-load.ts PLAN.json\n');
  process.exit(2);
}
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as LoadPlan;
const stop = new AbortController();
const io = { stdout: { write: () => true }, stderr: { write: (t: string) => process.stderr.write(t) }, signal: stop.signal, env: { HOME: plan.home } };
const options = parsePiactlArgs(['--credential', plan.credential, '--gateway', plan.gateway, '--gateway-id', plan.gatewayId, '--timeout', String(plan.timeoutMs), 'ping'], { HOME: plan.home }) as SessionOptions;

const s = { polls: 0, pollFailures: 0, commands: 0, commandFailures: 0, sessions: 0, lastOkAtMs: null as number | null, lastFailureAtMs: null as number | null, lastError: null as string | null };
let session: Session | undefined;
let opening: Promise<void> | undefined;
let lastOpenAt = 0;
let failuresInRow = 0;
let busy = false;
let nextRead = 0;
let nextCommand = 0;

async function ensureSession(): Promise<Session | undefined> {
  if (session !== undefined) return session;
  if (opening !== undefined || Date.now() - lastOpenAt < 2_000) return undefined;
  lastOpenAt = Date.now();
  opening = openSession(options, io).then(
    (opened) => {
      session = opened;
      s.sessions++;
      failuresInRow = 0;
    },
    (e: unknown) => failed(`session: ${(e as Error).message}`),
  );
  await opening;
  opening = undefined;
  return session;
}

function failed(message: string): void {
  s.lastFailureAtMs = Date.now();
  s.lastError = message.slice(0, 300);
  if (++failuresInRow >= 3 && session !== undefined) {
    const old = session;
    session = undefined;
    void old.close().catch(() => undefined);
  }
}

/** One request; true when it succeeded at phase 3 with the expected code. */
async function request(kind: 'read' | 'write', uri: string, value?: unknown): Promise<boolean> {
  const open = await ensureSession();
  if (open === undefined) return false;
  try {
    const r = await open.ask(uri, kind === 'read' ? open.client.get(uri) : open.client.put(uri, value), plan.timeoutMs);
    const want = kind === 'read' ? '2.05' : '2.04';
    if (r.codeText === want && r.ctx.phase === 3) {
      failuresInRow = 0;
      s.lastOkAtMs = Date.now();
      return true;
    }
    failed(`${kind} ${uri}: ${r.codeText} at phase ${r.ctx.phase}`);
  } catch (e) {
    failed(`${kind} ${uri}: ${(e as Error).message}`);
  }
  return false;
}

async function tick(kind: 'read' | 'write'): Promise<void> {
  if (busy || stop.signal.aborted) return;
  busy = true;
  try {
    if (kind === 'read') {
      const uri = plan.reads[nextRead++ % plan.reads.length] ?? '';
      if (await request('read', uri)) s.polls++;
      else s.pollFailures++;
    } else {
      const c = plan.commands[nextCommand % plan.commands.length];
      const value = c?.values[Math.floor(nextCommand / plan.commands.length) % c.values.length];
      nextCommand++;
      if (c !== undefined && (await request('write', c.uri, value))) s.commands++;
      else s.commandFailures++;
    }
  } finally {
    busy = false;
  }
}

function status(): void {
  process.stdout.write(`${JSON.stringify({ type: 'status', ...s } satisfies LoadStatus)}\n`);
}

// A command waits for a read in flight: it is retried each 100 ms until the slot is free.
let commandDue = false;
const timers = [
  setInterval(() => void tick('read'), plan.pollIntervalMs),
  setInterval(() => (commandDue = true), plan.commandIntervalMs),
  setInterval(() => {
    if (commandDue && !busy) {
      commandDue = false;
      void tick('write');
    }
  }, 100),
  setInterval(status, 2_000),
];
process.on('SIGTERM', () => {
  stop.abort();
  for (const t of timers) clearInterval(t);
  status();
  void (session?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
