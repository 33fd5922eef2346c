/**
 * `pia-trust policy export|check|apply`: policy as code through the admin API
 * (trust-server/policy, docs/trust-server.md "Policy as code").
 *
 *   - export: the server's groups, owners and grants as a policy file, to stdout or --out FILE
 *     (never overwriting one);
 *   - check FILE: the changes apply would make and the file's tests; exit 6 when a test fails;
 *   - apply FILE: the same, then the changes in one step, only when every test holds
 *     (else exit 6 and nothing changed).
 */
import { constants, openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import type { ApiTarget } from './args.js';
import { callApi, CliError } from './admin-client.js';
import { ExitCode } from './exit-codes.js';
import type { TrustIo } from './io.js';

interface PolicyReport {
  readonly sha256: string;
  readonly changes: readonly string[];
  readonly tests: readonly string[];
  readonly testsHold: boolean;
  readonly applied: boolean;
}

export async function policyExport(target: ApiTarget, out: string | undefined, io: TrustIo): Promise<number> {
  const answer = await callApi(target, 'GET', '/api/policy');
  const text = String(answer.policy);
  if (out === undefined) {
    io.stdout.write(text);
    return ExitCode.Ok;
  }
  let fd: number;
  try {
    fd = openSync(out, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o640);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(ExitCode.Usage, `--out ${out}: ${code === 'EEXIST' ? 'the file exists; give a new name (export never overwrites)' : `cannot be created (${code ?? 'error'}); check the folder`}`);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  io.stdout.write(`policy written to ${out}\n`);
  return ExitCode.Ok;
}

export async function policyCheckOrApply(target: ApiTarget, verb: 'check' | 'apply', file: string, json: boolean, io: TrustIo): Promise<number> {
  const answer = await callApi(target, 'POST', `/api/policy/${verb}`, { policy: readPolicyFile(file) }, [422]);
  const report = answer.report as PolicyReport;
  if (json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(verb, file, report, io);
  return report.testsHold ? ExitCode.Ok : ExitCode.PolicyTestsFailed;
}

function printReport(verb: 'check' | 'apply', file: string, r: PolicyReport, io: TrustIo): void {
  io.stdout.write(r.changes.length === 0 ? `${file}: no change (the server already holds this policy)\n` : `${file}: ${r.changes.length} change(s)\n${r.changes.map((l) => `  ${l}\n`).join('')}`);
  io.stdout.write(`${r.tests.join('\n')}\n`);
  if (!r.testsHold) io.stdout.write(verb === 'apply' ? 'not applied: nothing changed; fix the file or its tests\n' : 'apply would refuse this file until every test holds\n');
  else if (verb === 'apply') io.stdout.write(r.applied ? `applied (policy ${r.sha256.slice(0, 16)}…, audited)\n` : 'nothing to apply\n');
}

function readPolicyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(ExitCode.Usage, `policy file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path ('pia-trust policy export --out FILE' writes one to start from)`);
  }
}
