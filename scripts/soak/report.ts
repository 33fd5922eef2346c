/**
 * The soak's report (docs/soak.md, "The report"): the figures measured (soak.ts) judged by the
 * checks, and printed as text or JSON.
 *
 * Must hold:
 * 1. every check has a name, a verdict and the figures it judged; the run passes only when
 *    every judged check holds, and a failing run names each failed check;
 * 2. MQTT: nothing is lost beyond the documented cap drops (firmware/uplink/README.md "Store
 *    and forward", 2: the oldest dropped and counted when the queue is full):
 *    published − delivered ≤ cap-dropped, delivered ≤ published, the queue drained;
 * 3. memory: the least-squares slope over the second half (slope.ts) of the gateway and the
 *    trusted server at most the allowed MB/h — judged only when that half lasts
 *    `MIN_JUDGED_WINDOW_MS` or more (a shorter window says nothing about a leak; the report
 *    says so instead of passing or failing it);
 * 4. every restart is followed by phase 3 again (a ping and the steady operator's request).
 */
import type { LoadStatus } from './operator-load.js';
import type { ProgramCrash } from './programs.js';
import { memorySlopeMbPerHour, type MemorySample } from './slope.js';

export const MIN_JUDGED_WINDOW_MS = 5 * 60_000;
export const MIN_REKEYS = 2;

export interface RestartFigure {
  readonly what: string;
  readonly atS: number;
  /** Seconds from the kill to phase 3 again; null when it did not come back in time. */
  readonly recoveredS: number | null;
}

export interface SoakFigures {
  readonly hosts: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly durationS: number;
  readonly load: LoadStatus | null;
  readonly piactl: { readonly runs: number; readonly ok: number; readonly commandsOk: number; readonly errors: readonly string[] };
  readonly gatewayCommandsOk: number;
  readonly rekeys: number;
  readonly mqtt: { readonly published: number | null; readonly delivered: number; readonly duplicates: number; readonly firstSeq: number | null; readonly capDropped: number | null; readonly queueDepth: number | null };
  readonly restarts: readonly RestartFigure[];
  readonly programs: ReadonlyArray<{ readonly name: string; readonly samples: readonly MemorySample[]; readonly crashes: readonly ProgramCrash[]; readonly unhandled: readonly string[] }>;
  readonly piactlUnhandled: readonly string[];
  readonly stops: { readonly gateway: number | string; readonly trust: number | string };
}

export interface SoakCheck {
  readonly name: string;
  /** null: not judged (said why in `detail`). */
  readonly ok: boolean | null;
  readonly detail: string;
}

export interface SoakReport {
  readonly verdict: 'pass' | 'fail';
  readonly failed: readonly string[];
  readonly hosts: string;
  readonly durationS: number;
  readonly commandsCompleted: number;
  readonly commandsFailed: number;
  readonly polls: number;
  readonly pollFailures: number;
  readonly piactl: SoakFigures['piactl'];
  readonly gatewayCommandsOk: number;
  readonly rekeys: number;
  readonly mqtt: SoakFigures['mqtt'] & { readonly lost: number | null };
  readonly restarts: readonly RestartFigure[];
  readonly memory: ReadonlyArray<{ readonly program: string; readonly slopeMbPerHour: number | null; readonly firstMb: number | null; readonly lastMb: number | null; readonly samples: number; readonly perMinuteMb: readonly number[] }>;
  readonly checks: readonly SoakCheck[];
}

const MB = 1024 * 1024;
const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;

export function judge(f: SoakFigures, maxSlopeMbPerHour: number): SoakReport {
  const load = f.load ?? { polls: 0, pollFailures: 0, commands: 0, commandFailures: 0 };
  const commandsCompleted = load.commands + f.piactl.commandsOk;
  const m = f.mqtt;
  const lost = m.published === null ? null : m.published - m.delivered - (m.capDropped ?? 0);
  const memory = f.programs.map((p) => {
    const slope = memorySlopeMbPerHour(p.samples, f.startMs, f.endMs);
    const first = p.samples[0];
    const last = p.samples[p.samples.length - 1];
    return { program: p.name, slopeMbPerHour: slope === undefined ? null : round(slope), firstMb: first === undefined ? null : round(first.rssBytes / MB), lastMb: last === undefined ? null : round(last.rssBytes / MB), samples: p.samples.length, perMinuteMb: perMinute(p.samples, f.startMs) };
  });
  const window = (f.endMs - f.startMs) / 2;
  const checks: SoakCheck[] = [];
  const check = (name: string, ok: boolean | null, detail: string): void => void checks.push({ name, ok, detail });

  const crashes = f.programs.flatMap((p) => p.crashes);
  check('no program crashed', crashes.length === 0, crashes.length === 0 ? 'every exit was one the soak asked for' : crashes.map((c) => `${c.program} exited (${c.exit}) on its own: ${c.output.slice(-300)}`).join('; '));
  const unhandled = [...f.programs.flatMap((p) => p.unhandled.map((l) => `${p.name}: ${l}`)), ...f.piactlUnhandled.map((l) => `piactl: ${l}`)];
  check('no unhandled error in any output', unhandled.length === 0, unhandled.length === 0 ? 'no uncaught exception, unhandled rejection, stack trace or fatal record' : unhandled.slice(0, 5).join(' | '));
  check('clean stop', f.stops.gateway === 0 && f.stops.trust === 0, `SIGTERM at the end: pia-gateway exit ${f.stops.gateway}, pia-trust exit ${f.stops.trust}`);
  const notBack = f.restarts.filter((r) => r.recoveredS === null);
  check('phase 3 after every restart', f.restarts.length === 3 && notBack.length === 0, `${f.restarts.map((r) => `${r.what}: ${r.recoveredS === null ? 'not back' : `${round(r.recoveredS)} s`}`).join(', ') || 'no restart ran'}`);
  check('commands completed', commandsCompleted > 0 && f.gatewayCommandsOk >= commandsCompleted, `${commandsCompleted} completed at phase 3 (${load.commands} steady, ${f.piactl.commandsOk} piactl), ${load.commandFailures} failed; the gateway counted ${f.gatewayCommandsOk} ok`);
  check('polls completed', load.polls > 0 && f.piactl.ok > 0, `${load.polls} reads at phase 3, ${load.pollFailures} failed; piactl ${f.piactl.ok} of ${f.piactl.runs} runs ok`);
  check(`rekeys (at least ${MIN_REKEYS})`, f.rekeys >= MIN_REKEYS, `${f.rekeys} rekeys counted by the gateway (pia_gateway_pia_node_total{counter="rekeys"})`);
  check(
    'MQTT: nothing lost beyond cap drops',
    m.published !== null && m.capDropped !== null && lost !== null && lost <= 0 && m.delivered <= m.published && m.delivered > 0 && m.queueDepth === 0,
    `published ${m.published ?? 'unknown'} (seq), delivered ${m.delivered} distinct, cap-dropped ${m.capDropped ?? 'unknown'}, unexplained loss ${lost === null ? 'unknown' : Math.max(0, lost)}, queue left ${m.queueDepth ?? 'unknown'}`,
  );
  for (const name of ['pia-gateway', 'pia-trust']) {
    const mem = memory.find((x) => x.program === name);
    const slope = mem?.slopeMbPerHour ?? null;
    if (window < MIN_JUDGED_WINDOW_MS) check(`memory slope ${name}`, null, `not judged: the measured half lasted ${round(window / 60_000)} min (< ${MIN_JUDGED_WINDOW_MS / 60_000}); ${slope === null ? 'no slope' : `${slope} MB/h`}`);
    else check(`memory slope ${name}`, slope !== null && slope <= maxSlopeMbPerHour, `${slope === null ? 'no slope (too few samples)' : `${slope} MB/h`} over the second half (allowed ${maxSlopeMbPerHour} MB/h)`);
  }
  const failed = checks.filter((c) => c.ok === false).map((c) => c.name);
  return {
    verdict: failed.length === 0 ? 'pass' : 'fail',
    failed,
    hosts: f.hosts,
    durationS: round(f.durationS),
    commandsCompleted,
    commandsFailed: load.commandFailures,
    polls: load.polls,
    pollFailures: load.pollFailures,
    piactl: f.piactl,
    gatewayCommandsOk: f.gatewayCommandsOk,
    rekeys: f.rekeys,
    mqtt: { ...m, lost: lost === null ? null : Math.max(0, lost) },
    restarts: f.restarts.map((r) => ({ ...r, atS: round(r.atS), recoveredS: r.recoveredS === null ? null : round(r.recoveredS) })),
    memory,
    checks,
  };
}

/** The mean RSS of each minute of the run, in MB: the shape behind a slope (JSON report only). */
export function perMinute(samples: readonly MemorySample[], startMs: number): number[] {
  const sums: { total: number; n: number }[] = [];
  for (const s of samples) {
    const i = Math.max(0, Math.floor((s.atMs - startMs) / 60_000));
    const b = (sums[i] ??= { total: 0, n: 0 });
    b.total += s.rssBytes / MB;
    b.n++;
  }
  return Array.from(sums, (b) => (b === undefined ? NaN : round(b.total / b.n)));
}

export function formatReport(r: SoakReport): string {
  const lines = [
    `soak: ${r.hosts}, ${r.durationS} s under load`,
    `  commands completed   ${r.commandsCompleted} (failed ${r.commandsFailed}; the gateway counted ${r.gatewayCommandsOk} ok)`,
    `  polls                ${r.polls} (failed ${r.pollFailures}); piactl runs ${r.piactl.ok}/${r.piactl.runs} ok`,
    `  MQTT                 published ${r.mqtt.published ?? '?'}, delivered ${r.mqtt.delivered}, cap-dropped ${r.mqtt.capDropped ?? '?'}, lost ${r.mqtt.lost ?? '?'} (duplicates ${r.mqtt.duplicates})`,
    `  rekeys               ${r.rekeys}`,
    `  restarts             ${r.restarts.map((x) => `${x.what} at ${x.atS} s → phase 3 ${x.recoveredS === null ? 'NOT back' : `after ${x.recoveredS} s`}`).join('; ')}`,
    '  memory (RSS)         ' + r.memory.map((m) => `${m.program} ${m.firstMb ?? '?'}→${m.lastMb ?? '?'} MB, slope ${m.slopeMbPerHour ?? '?'} MB/h`).join('\n                       '),
    '  checks',
    ...r.checks.map((c) => `    ${c.ok === null ? '–' : c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`),
    r.verdict === 'pass' ? 'verdict: PASS' : `verdict: FAIL (${r.failed.join('; ')})`,
  ];
  return `${lines.join('\n')}\n`;
}
