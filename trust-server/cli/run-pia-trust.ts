/**
 * `pia-trust` as a function, so tests can run it in-process: parse (a refusal → message on
 * stderr, exit 2), then the command. A command's failure (CliError) → its message on stderr
 * and its exit code (exit-codes.ts).
 */
import { nodeAdd, nodeList, nodeOwner, nodeRevoke, grantAdd, grantList, grantRemove } from './admin-commands.js';
import { CliError } from './admin-client.js';
import { parseTrustArgs, USAGE, UsageError, type TrustCommand } from './args.js';
import { auditTail, auditVerify } from './audit-commands.js';
import { ExitCode } from './exit-codes.js';
import type { TrustIo } from './io.js';
import { policyCheckOrApply, policyExport } from './policy-commands.js';
import { runServe } from './serve.js';
import { webFingerprint } from './web-commands.js';
import { userAdd, userList, userPasswd, userRemove, userRole, userSetDisabled } from './user-commands.js';

export async function runPiaTrust(args: readonly string[], io: TrustIo): Promise<number> {
  let command: TrustCommand;
  try {
    command = parseTrustArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`pia-trust: ${e.message}\n`);
    return ExitCode.Usage;
  }
  try {
    return await run(command, io);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    io.stderr.write(`pia-trust: ${e.message}\n`);
    return e.exitCode;
  }
}

async function run(c: TrustCommand, io: TrustIo): Promise<number> {
  switch (c.command) {
    case 'help':
      io.stdout.write(USAGE);
      return ExitCode.Ok;
    case 'serve':
      return runServe(c, io);
    case 'node-add':
      return nodeAdd(c.target, c, io);
    case 'node-list':
      return nodeList(c.target, c.json, io);
    case 'node-revoke':
      return nodeRevoke(c.target, c.id, io);
    case 'node-owner':
      return nodeOwner(c.target, c.id, c.owner, c.json, io);
    case 'grant-add':
      return grantAdd(c.target, c.body, io);
    case 'grant-list':
      return grantList(c.target, c.json, io);
    case 'grant-remove':
      return grantRemove(c.target, c.id, io);
    case 'user-add':
      return userAdd(c.target, c.name, c.role, c.password, io);
    case 'user-list':
      return userList(c.target, c.json, io);
    case 'user-remove':
      return userRemove(c.target, c.name, io);
    case 'user-passwd':
      return userPasswd(c.target, c.name, c.password, io);
    case 'user-disable':
    case 'user-enable':
      return userSetDisabled(c.target, c.name, c.command === 'user-disable', c.json, io);
    case 'user-role':
      return userRole(c.target, c.name, c.role, c.json, io);
    case 'web-fingerprint':
      return webFingerprint(c.stateDir, io);
    case 'policy-export':
      return policyExport(c.target, c.out, io);
    case 'policy-check':
      return policyCheckOrApply(c.target, 'check', c.file, c.json, io);
    case 'policy-apply':
      return policyCheckOrApply(c.target, 'apply', c.file, c.json, io);
    case 'audit-verify':
      return auditVerify(c.file, io);
    case 'audit-tail':
      return auditTail(c.file, c.count, c.json, io);
  }
}
