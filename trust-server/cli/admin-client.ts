/**
 * The CLI's side of the admin API: finds it (the state directory's admin-url and admin-token,
 * or --api and --token-file), calls it, and turns every failure into a message that names the
 * problem and the fix, with its exit code.
 */
import { readAdminToken } from '../admin-token.js';
import { readAdminUrl, statePaths } from '../state-dir.js';
import type { ApiTarget } from './args.js';
import { ExitCode } from './exit-codes.js';

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 10_000;

/** `accept`: statuses besides 2xx whose JSON is returned rather than thrown (a policy apply's 422 report). */
export async function callApi(target: ApiTarget, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, accept: readonly number[] = []): Promise<Record<string, unknown>> {
  const paths = statePaths(target.stateDir);
  const start = `start it with 'pia-trust serve --state ${target.stateDir}'`;
  const base = target.api ?? readAdminUrl(paths);
  if (base === undefined) {
    throw new CliError(ExitCode.Unreachable, `no trusted server is running with state directory ${target.stateDir} (no ${paths.adminUrl}); ${start}, or pass --api URL --token-file FILE`);
  }
  let token: string;
  try {
    token = readAdminToken(target.tokenFile ?? paths.adminToken);
  } catch (err) {
    throw new CliError(ExitCode.Usage, (err as Error).message);
  }
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? (err as Error).name;
    const why = code === 'ECONNREFUSED' ? 'nothing listens there' : code === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : code;
    throw new CliError(ExitCode.Unreachable, `the trusted server's admin API at ${base} cannot be reached (${why}); ${start}${target.api === undefined ? '' : ', or check --api'}`);
  }
  let answer: Record<string, unknown>;
  try {
    answer = (await res.json()) as Record<string, unknown>;
  } catch {
    throw new CliError(ExitCode.Unreachable, `${base} answered ${res.status} without JSON: is it the pia-trust admin API? check --api`);
  }
  if (res.ok || accept.includes(res.status)) return answer;
  const error = typeof answer.error === 'string' ? answer.error : `HTTP ${res.status}`;
  if (res.status === 401) throw new CliError(ExitCode.Refused, `the admin API refused the token (${error}); use the admin-token of the server's state directory (--state DIR or --token-file)`);
  throw new CliError(ExitCode.Refused, error);
}
