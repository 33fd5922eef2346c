/**
 * `npm run soak -- --minutes N [--json] [--out FILE] [--loopback]` (docs/soak.md).
 *
 * Flow:
 *  1. the arguments (args.ts): a bad one is named with the usage, exit 2;
 *  2. the places (hosts.ts): the network lab (scripts/lab; root), or --loopback;
 *  3. the soak (soak.ts), progress on stderr;
 *  4. the report (report.ts) on stdout, as text or JSON, and as JSON to --out;
 *  5. exit 0 when every check holds, 1 naming the failed ones (also when the soak could not
 *     run: the reason on stderr); SIGINT or SIGTERM stops every program, removes the lab and
 *     exits 130.
 */
import { writeFileSync } from 'node:fs';
import { cleanUpOnInterrupt } from '../lab/interrupt.js';
import { parseSoakArgs, SOAK_USAGE, SoakUsageError } from './args.js';
import { loopbackHosts } from './hosts.js';
import { labHosts } from './hosts-lab.js';
import { formatReport, judge } from './report.js';
import { runSoak } from './soak.js';

async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseSoakArgs(argv);
  } catch (e) {
    if (!(e instanceof SoakUsageError)) throw e;
    process.stderr.write(`soak: ${e.message}\n${SOAK_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${SOAK_USAGE}\n`);
    return 0;
  }
  const log = (m: string): void => void process.stderr.write(`soak: ${m}\n`);
  let hosts;
  try {
    hosts = args.loopback ? loopbackHosts() : labHosts();
  } catch (e) {
    log(`cannot build the network lab: ${(e as Error).message}; run as root, or try --loopback for a quick iteration`);
    return 1;
  }
  const placed = hosts;
  // Ctrl-C: the programs run in process groups of their own; they and the lab go with the soak.
  cleanUpOnInterrupt(() => placed.close(), (signal) => log(`${signal}: stopping every program${args.loopback ? '' : ' and removing the lab'}`));
  log(`${args.minutes} min on ${hosts.kind}`);
  const report = judge(await runSoak({ minutes: args.minutes, hosts, log }), args.maxSlopeMbPerHour);
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (args.out !== undefined) writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  return report.verdict === 'pass' ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`soak: could not run: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
