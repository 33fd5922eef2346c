/**
 * CPU time of a PostgreSQL server, for bench/trust-fleet.ts: the postmaster's own utime+stime,
 * the utime+stime of its live children (backends, checkpointer, WAL writer, autovacuum…) and
 * cutime+cstime (children that ended and were reaped), from /proc/<pid>/stat (proc(5)).
 *
 * Must hold: a difference of two readings is the server's CPU over that interval, as long as
 * no child ended in between without being reaped (the postmaster reaps at once). The ticks
 * are USER_HZ (`getconf CLK_TCK`, 100 on Linux: 10 ms resolution, so intervals of seconds).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const read = Number.parseInt(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim(), 10);
    ticksPerSecond = Number.isInteger(read) && read > 0 ? read : 100;
  }
  return ticksPerSecond;
}

/** proc(5) fields after the command: [state, ppid, …]; fields 14–17 are utime, stime, cutime, cstime. */
function statFields(pid: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // ended between the listing and the read
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Milliseconds of CPU the process `pid` and its children have used so far. */
export function processTreeCpuMs(pid: number): number {
  const own = statFields(String(pid));
  if (own === undefined) throw new Error(`/proc/${pid}/stat cannot be read: the PostgreSQL server (postmaster ${pid}) is not running`);
  // Index = field number − 3 (fields 1 and 2, pid and comm, were cut off).
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (f !== undefined && Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1000) / clockTicks();
}
