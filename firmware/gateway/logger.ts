/**
 * The gateway's structured log: pino, one JSON object per line on stdout (journald and log
 * shippers take it as is), ISO-8601 times, `component` and `device` fields where they apply.
 * `pretty` turns each line into "time LEVEL [component] message" for a person at a terminal
 * (no pino-pretty dependency: a synchronous line formatter).
 *
 * Must hold: nothing secret is logged (every line the gateway writes is built from events
 * that carry SPIs, endpoints and node IDs only).
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

export interface LoggerOptions {
  /** Default 'info'. */
  readonly level?: Level;
  readonly pretty?: boolean;
  /** Default process.stdout. */
  readonly destination?: { write(text: string): unknown };
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

export function createGatewayLogger(o: LoggerOptions = {}): Logger {
  const out = o.destination ?? process.stdout;
  const stream: DestinationStream = o.pretty === true ? { write: (line: string) => void out.write(prettyLine(line)) } : { write: (line: string) => void out.write(line) };
  return pino({ level: o.level ?? 'info', base: { name: 'pia-gateway' }, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

/** One JSON log line → "2026-05-01T10:00:00.000Z INFO [pia] message key=value …". */
export function prettyLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, component, name: _name, pid: _pid, hostname: _host, ...rest } = o;
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const lvl = typeof level === 'number' ? (LEVEL_NAMES[level] ?? String(level)) : String(level);
  const comp = typeof component === 'string' ? ` [${component}]` : '';
  return `${String(time)} ${lvl}${comp} ${typeof msg === 'string' ? msg : JSON.stringify(msg ?? '')}${extra === '' ? '' : ` ${extra}`}\n`;
}
