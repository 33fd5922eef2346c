/** Test helper: the real piactl, in-process, against a memory gateway (the clock settled, a fresh source port per run). */
import { join } from 'node:path';
import { runPiactl } from '../../../operator/index.js';
import type { MemoryGateway } from './memory-gateway.js';

export interface PiactlRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `piactl --credential FILE --gateway <g's PIA endpoint> ARGS…` from [2001:db8:a::1]:`port`. */
export async function piactlAgainst(g: MemoryGateway, credential: string, args: readonly string[], port = 41_000): Promise<PiactlRun> {
  let out = '';
  let err = '';
  const code = await g.settle(
    runPiactl(['--credential', credential, '--gateway', `[${g.pia.address}]:${g.pia.port}`, ...args], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      signal: new AbortController().signal,
      env: { XDG_CONFIG_HOME: join(g.stateDir, 'config') }, // piactl's known-gateways file: never the real home
      clock: g.clock,
      openTransport: () => Promise.resolve(g.net.attach('2001:db8:a::1', port)),
    }),
  );
  return { code, out, err };
}
