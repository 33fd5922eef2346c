/**
 * `pia listen`: a PIA responder with an echo service behind it.
 *
 * Flow:
 *  1. start the node on --bind (node-setup.ts); a refusal → message, exit 2;
 *  2. print where it serves and the suites (the CPU's order unless --suite gave them); from then on one line per SA up and per SA down (SPIs, suite,
 *     peer, role: describeNodeEvent, never keys), every other event too with --verbose;
 *  3. echo (RFC 862, over ESP): a datagram delivered through an SA (phase 2) to inner UDP port
 *     7 goes back through the SA with the inner addresses and ports swapped; a datagram from
 *     port 7 is never echoed (two echo services must not ping-pong), others are dropped;
 *  4. on `signal` (SIGINT/SIGTERM): close the node (SAs reported down), print a summary, exit 0.
 */
import { describeSuiteChoice } from '../suite-order.js';
import { SUITE_NAMES } from '../suites-ids.js';
import { describeNodeEvent, type PiaNodeEvent } from '../node/index.js';
import { formatEndpoint } from '../discovery/index.js';
import type { ListenCommand } from './args.js';
import { ExitCode } from './exit-codes.js';
import { startNode, StartError, type PiaIo } from './node-setup.js';

/** The inner UDP port of the echo service (RFC 862). */
export const ECHO_PORT = 7;

export async function runListen(cmd: ListenCommand, io: PiaIo): Promise<number> {
  let started;
  try {
    started = await startNode({ program: 'pia listen', bind: cmd.bind, suites: cmd.suites, latchFile: cmd.latchFile, verbose: cmd.verbose }, io);
  } catch (e) {
    if (!(e instanceof StartError)) throw e;
    io.stderr.write(`pia listen: ${e.message}\n`);
    return ExitCode.Usage;
  }
  const { node, clock } = started;
  const start = clock.now();
  const line = (text: string): void => void io.stdout.write(`+${((clock.now() - start) / 1000).toFixed(3)}s ${text}\n`);
  let echoed = 0;
  let dropped = 0;
  node.onEvent((e: PiaNodeEvent) => {
    if (e.kind === 'sa-up' || e.kind === 'sa-closed' || cmd.verbose) line(describeNodeEvent(e));
  });
  // The echo allocates nothing of its own per datagram: `send` reads the payload view (valid
  // during this call only) and the reply's fields before it returns, so one reply object is
  // refilled each time, and one handler reports failures (their messages name the peer).
  const reply: { srcPort: number; dstPort: number; payload: Uint8Array; innerSrc: string; innerDst: string } = { srcPort: ECHO_PORT, dstPort: 0, payload: new Uint8Array(0), innerSrc: '', innerDst: '' };
  const notSent = (err: Error): void => line(`echo not sent: ${err.message}`);
  node.onData((payload, ctx, inner) => {
    if (ctx.phase !== 2 || inner.dstPort !== ECHO_PORT || inner.srcPort === ECHO_PORT) {
      dropped++;
      if (cmd.verbose) line(`dropped ${payload.length} bytes from ${formatEndpoint(ctx.peer)} to inner port ${inner.dstPort} (the echo service is on port ${ECHO_PORT})`);
      return;
    }
    echoed++;
    reply.dstPort = inner.srcPort;
    reply.payload = payload;
    reply.innerSrc = inner.dst;
    reply.innerDst = inner.src;
    node.send(ctx.peer, reply).catch(notSent);
  });
  const local = node.local;
  io.stdout.write(
    `pia listen: PIA responder on ${formatEndpoint(local)} (suites ${started.suites.suites.map((s) => SUITE_NAMES[s]).join(', ')}), ` +
      `echo on inner UDP port ${ECHO_PORT}; latches ${cmd.latchFile ?? 'in memory'}; Ctrl-C stops\n`,
  );
  io.stdout.write(`pia listen: ${describeSuiteChoice(started.suites, '--suite, preferred first, e.g. --suite aes-gcm,chacha20')}\n`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await started.close();
  io.stdout.write(`pia listen: stopped; ${echoed} echoes served, ${dropped} datagrams not for the echo service\n`);
  return ExitCode.Ok;
}
