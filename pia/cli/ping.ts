/**
 * `pia ping`: phase 2 with a peer, then echoes through ESP.
 *
 * Flow:
 *  1. start the node on --bind (port 0 by default), latches in memory unless --latch-file;
 *     a refusal → message, exit 2;
 *  2. connect (docs/protocol.md §5) from a socket connected to the target (§2 "Sockets")
 *     racing --timeout, the first refused send or ICMP unreachable (→ exit 3, at once:
 *     "nothing listens on [ADDR]:PORT"), the exchange failing on a REFUSE (→ exit 4) and the
 *     signal; print the handshake time, the suite and both SPIs;
 *  3. --count echoes one after the other: payload = sequence number (4, big-endian) | filler,
 *     to inner UDP port 7 (listen.ts); a reply counts only if it is the same bytes from port 7
 *     to our port; each waits --timeout, then counts as lost; a refused send → exit 3;
 *  4. RTT min/median/p99 and loss (text, or one JSON object with --json); exit 0 when at least
 *     one echo came back, 1 when none did; the node is closed on every path, with a CLOSE to
 *     the peer (§6) so that the listener forgets us at once.
 */
import { randomInt } from 'node:crypto';
import { formatEndpoint } from '../discovery/index.js';
import { PeerUnreachableError, type PiaNodeEvent } from '../node/index.js';
import { SUITE_NAMES } from '../suites-ids.js';
import type { PingCommand } from './args.js';
import { ExitCode } from './exit-codes.js';
import { ECHO_PORT } from './listen.js';
import { describeSendFailure, spiHex, startNode, StartError, type PiaIo, type SendFailure, type StartedNode } from './node-setup.js';
import { summarize } from './stats.js';

type Step = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly code: ExitCode; readonly message: string };

export async function runPing(cmd: PingCommand, io: PiaIo): Promise<number> {
  const where = formatEndpoint(cmd.target);
  const report: Record<string, unknown> = { target: where, size: cmd.size };
  const fail = (code: ExitCode, message: string): number => {
    io.stderr.write(`pia ping: ${message}\n`);
    if (cmd.json) io.stdout.write(`${JSON.stringify({ ok: false, exitCode: code, error: message, ...report })}\n`);
    return code;
  };
  let started: StartedNode;
  try {
    started = await startNode({ program: 'pia ping', bind: cmd.bind, suites: cmd.suites, latchFile: cmd.latchFile, verbose: false, connectPeers: true }, io);
  } catch (e) {
    if (!(e instanceof StartError)) throw e;
    return fail(ExitCode.Usage, e.message);
  }
  let sendFailure: SendFailure | undefined;
  started.onSendFailure((f) => (sendFailure ??= f));
  try {
    const hs = await handshake(started, cmd, io.signal);
    if (!hs.ok) return fail(hs.code, hs.message);
    const sa = started.node.sa(cmd.target);
    if (sa === undefined) return fail(ExitCode.NoAnswer, `the SA with ${where} went down right after the handshake; try again`);
    Object.assign(report, { handshakeMs: round(hs.ms), suite: SUITE_NAMES[sa.suite], spiIn: spiHex(sa.spiIn), spiOut: spiHex(sa.spiOut) });
    const text = (line: string): void => void (cmd.json ? undefined : io.stdout.write(`${line}\n`));
    text(`pia ping ${where}: handshake ${hs.ms.toFixed(3)} ms, suite ${SUITE_NAMES[sa.suite]}, SPIs in ${spiHex(sa.spiIn)} out ${spiHex(sa.spiOut)}`);

    const rtts: number[] = [];
    let sent = 0;
    const echo = new EchoWaiter(started, cmd.timeoutMs, io.signal);
    for (let seq = 0; seq < cmd.count && !io.signal.aborted; seq++) {
      const payload = echoPayload(seq, cmd.size);
      const reply = echo.expect(payload);
      const sentAt = started.clock.now();
      try {
        await started.node.send(cmd.target, { srcPort: echo.srcPort, dstPort: ECHO_PORT, payload });
      } catch (e) {
        echo.cancel();
        Object.assign(report, { sent, received: rtts.length });
        if (sendFailure !== undefined) return fail(ExitCode.Unreachable, unreachable(sendFailure.to, sendFailure.code));
        return fail(ExitCode.NoAnswer, `echo ${seq} not sent: ${(e as Error).message}`);
      }
      sent++;
      const got = await reply;
      if (got === 'reply') {
        const rtt = started.clock.now() - sentAt;
        rtts.push(rtt);
        text(`${cmd.size} bytes from ${where} via ESP: seq=${seq} time=${rtt.toFixed(3)} ms`);
      } else if (got === 'timeout') {
        text(`seq=${seq}: no reply within ${cmd.timeoutMs} ms`);
      }
    }
    const s = summarize(rtts);
    const lossPercent = sent === 0 ? 0 : round((100 * (sent - rtts.length)) / sent);
    Object.assign(report, {
      sent,
      received: rtts.length,
      lossPercent,
      rttMs: s === undefined ? null : { min: round(s.min), median: round(s.median), p99: round(s.p99), max: round(s.max) },
    });
    if (rtts.length === 0 && sent > 0) {
      return fail(ExitCode.NoAnswer, `every echo to ${where} was lost (${sent} sent, ${cmd.timeoutMs} ms each); the SA is up, so check that the peer serves echo on inner UDP port ${ECHO_PORT} ('pia listen')`);
    }
    text(`--- ${where} pia ping: ${sent} echoes sent, ${rtts.length} received, ${lossPercent}% loss`);
    if (s !== undefined) text(`rtt min/median/p99 = ${s.min.toFixed(3)}/${s.median.toFixed(3)}/${s.p99.toFixed(3)} ms`);
    if (cmd.json) io.stdout.write(`${JSON.stringify({ ok: true, exitCode: ExitCode.Ok, ...report })}\n`);
    return ExitCode.Ok;
  } finally {
    await started.close();
  }
}

/** Resolves with the handshake time, or why it did not complete (and the exit code for it). */
function handshake(s: StartedNode, cmd: PingCommand, signal: AbortSignal): Promise<Step> {
  const where = formatEndpoint(cmd.target);
  const offered = s.suites.suites.map((id) => SUITE_NAMES[id]).join(', ');
  return new Promise<Step>((resolve) => {
    const t0 = s.clock.now();
    let done = false;
    const finish = (step: Step): void => {
      if (done) return;
      done = true;
      s.clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(step);
    };
    const timer = s.clock.setTimeout(() => {
      const inits = s.node.counters.kxOut;
      finish({ ok: false, code: ExitCode.NoAnswer, message: `no answer from ${where} within ${cmd.timeoutMs} ms (${inits} INIT${inits === 1 ? '' : 's'} sent); check that 'pia listen' runs there and that UDP port ${cmd.target.port} is not filtered, or raise --timeout` });
    }, cmd.timeoutMs);
    const onAbort = (): void => finish({ ok: false, code: ExitCode.NoAnswer, message: `interrupted before the handshake with ${where} completed` });
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    s.onSendFailure((f) => finish({ ok: false, code: ExitCode.Unreachable, message: unreachable(f.to, f.code) }));
    s.node.onEvent((e: PiaNodeEvent) => {
      if (e.kind !== 'exchange-failed') return;
      if (e.reason === 'no common suite') {
        finish({ ok: false, code: ExitCode.Refused, message: `refused by ${where}: no common suite (offered ${offered}); offer another one (--suite aes-gcm or --suite chacha20) or leave --suite out to offer both` });
      } else if (e.reason === 'version refused') {
        finish({ ok: false, code: ExitCode.Refused, message: `refused by ${where}: it does not speak PIA version 1; upgrade one of the two nodes` });
      }
    });
    s.node.connect(cmd.target).then(
      () => finish({ ok: true, ms: s.clock.now() - t0 }),
      (e: Error) => finish(e instanceof PeerUnreachableError ? { ok: false, code: ExitCode.Unreachable, message: unreachable(cmd.target, e.code) } : { ok: false, code: ExitCode.NoAnswer, message: e.message }),
    );
  });
}

/** The network answered the INIT with ICMP, or the OS found no way there (docs/protocol.md §2 "Sockets"): say what that means. */
function unreachable(target: { readonly address: string; readonly port: number }, code: string): string {
  if (code === 'ECONNREFUSED') return `nothing listens on ${formatEndpoint(target)} (ICMP port unreachable) — is 'pia listen' running there? Check the port`;
  return describeSendFailure({ code, to: target, message: code });
}

/** Matches replies to the one echo in flight; a late reply to an earlier echo is ignored. */
class EchoWaiter {
  readonly srcPort = randomInt(49152, 65536);
  #pending: { payload: Uint8Array; settle: (r: 'reply' | 'timeout' | 'stopped') => void } | undefined;

  constructor(
    private readonly s: StartedNode,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    s.node.onData((payload, ctx, inner) => {
      const p = this.#pending;
      if (p === undefined || ctx.phase !== 2 || inner.srcPort !== ECHO_PORT || inner.dstPort !== this.srcPort) return;
      if (sameBytes(payload, p.payload)) p.settle('reply');
    });
  }

  expect(payload: Uint8Array): Promise<'reply' | 'timeout' | 'stopped'> {
    return new Promise((resolve) => {
      const onAbort = (): void => settle('stopped');
      const timer = this.s.clock.setTimeout(() => settle('timeout'), this.timeoutMs);
      const settle = (r: 'reply' | 'timeout' | 'stopped'): void => {
        this.s.clock.clearTimeout(timer);
        this.signal.removeEventListener('abort', onAbort);
        this.#pending = undefined;
        resolve(r);
      };
      this.signal.addEventListener('abort', onAbort, { once: true });
      this.#pending = { payload, settle };
      if (this.signal.aborted) settle('stopped');
    });
  }

  cancel(): void {
    this.#pending?.settle('stopped');
  }
}

/** Sequence number (4 bytes, big-endian), then a filler that differs per echo. */
export function echoPayload(seq: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, seq >>> 0);
  for (let i = 4; i < size; i++) b[i] = (seq + i) & 0xff;
  return b;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
