/**
 * `piactl ping [ADDR]:PORT`: phase 2 and phase 3 with a gateway and nothing else: how long
 * each took, the suite and SPIs, who the trusted server says the gateway is, and how many
 * grants this operator holds there (docs/protocol.md §9.4, §9.6). A denial still shows the
 * phase-2 time, then fails with the trusted server's reason (exit 4, or 3, connect.ts).
 */
import { formatEndpoint } from '../../pia/discovery/index.js';
import { SUITE_NAMES } from '../../pia/index.js';
import type { PiactlCommand } from './args.js';
import { CommandError, ExitCode } from './exit-codes.js';
import type { PiactlIo } from './io.js';
import type { Output } from './output.js';
import { connect, type Connection } from './session.js';

type PingCommand = Extract<PiactlCommand, { command: 'ping' }>;

export async function runPing(cmd: PingCommand, io: PiactlIo, out: Output): Promise<number> {
  const where = formatEndpoint(cmd.gateway);
  let c: Connection;
  try {
    c = await connect(cmd, io);
  } catch (e) {
    const phase2Ms = e instanceof CommandError ? e.details.phase2Ms : undefined;
    if (typeof phase2Ms === 'number') out.text(`piactl ping ${where}: phase 2 in ${phase2Ms.toFixed(3)} ms; phase 3 failed`);
    throw e;
  }
  try {
    const { phase2Ms, phase3Ms, sa, peer, grants } = c.established;
    const suite = SUITE_NAMES[sa.suite];
    out.result(
      { gateway: where, phase2Ms, phase3Ms, suite, spiIn: spiHex(sa.spiIn), spiOut: spiHex(sa.spiOut), peer, grants },
      [
        `piactl ping ${where}: phase 2 in ${phase2Ms.toFixed(3)} ms (${suite}, SPIs in ${spiHex(sa.spiIn)} out ${spiHex(sa.spiOut)}), phase 3 in ${phase3Ms.toFixed(3)} ms`,
        `peer: ${peer.kind} ${peer.id} ${JSON.stringify(peer.label)}; ${grants} grant${grants === 1 ? '' : 's'} for this operator (${c.operator.label})`,
      ],
    );
    return ExitCode.Ok;
  } finally {
    await c.close();
  }
}

const spiHex = (spi: number): string => `0x${spi.toString(16).padStart(8, '0')}`;
