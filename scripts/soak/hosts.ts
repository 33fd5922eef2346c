/**
 * Where each of the soak's programs runs (docs/soak.md, "Where the programs run"): a role names
 * a program's place, `SoakHosts` starts programs there and says how the others reach it.
 *
 * Must hold:
 * 1. every program is one process whose PID is the program's own (no shell, no npm, no tsx
 *    CLI in between), so its memory is read from /proc/PID/status and a kill reaches it;
 * 2. the lab (scripts/lab) puts each role in its own network namespace behind the router: the
 *    trusted server in `trust`, the gateway in `building`, the broker in `dc`, the operators
 *    and the MQTT watcher in `ops` — traffic between them is routed IPv6, as between machines;
 * 3. the loopback placement runs everything on this host's ::1, for quick iterations only;
 * 4. `close()` kills every process started through it (its whole process group).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProcessTracker, REPO_ROOT, type TrackedProcess } from '../../common/test-support/index.js';

export type SoakRole = 'trust' | 'gateway' | 'broker' | 'operator' | 'watcher';

export interface RunResult {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SoakHosts {
  /** `lab` or `loopback`: printed in the report. */
  readonly kind: string;
  /** The IPv6 address the other roles reach `role` at. */
  address(role: SoakRole): string;
  /** The address a program of `role` binds its listeners to. */
  bindAddress(role: SoakRole): string;
  /** A long-running program at `role`'s place. */
  start(role: SoakRole, argv: readonly string[], name: string): TrackedProcess;
  /** A program at `role`'s place, run to completion (its group killed after `timeoutMs`). */
  run(role: SoakRole, argv: readonly string[], timeoutMs: number): Promise<RunResult>;
  close(): Promise<void>;
}

/** `node --import <tsx loader> FILE ARGS…`: a TypeScript program of this repository as one process (rule 1). */
export function tsxProgram(file: string, args: readonly string[] = []): string[] {
  const loader = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  return [process.execPath, '--import', loader, join(REPO_ROOT, file), ...args];
}

/** Every role on this host's loopback (rule 3). */
export function loopbackHosts(): SoakHosts {
  const tracker = new ProcessTracker();
  const start = (argv: readonly string[], name: string): TrackedProcess => {
    const [program, ...args] = argv;
    if (program === undefined) throw new Error(`soak: an empty command line for ${name}`);
    return tracker.start(program, args, { name });
  };
  return {
    kind: 'loopback (::1; quick iterations only)',
    address: () => '::1',
    bindAddress: () => '::1',
    start: (_role, argv, name) => start(argv, name),
    async run(_role, argv, timeoutMs) {
      const [program, ...args] = argv;
      if (program === undefined) throw new Error('soak: an empty command line');
      return tracker.run(program, args, timeoutMs);
    },
    close: () => tracker.stopAll(),
  };
}
