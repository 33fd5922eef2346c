/**
 * `pia-trust` command line: parsed with node:util parseArgs, every value checked, every
 * refusal naming the argument, what is wrong and what to write instead (exit 2).
 */
import { parseArgs } from 'node:util';
import { parseEndpoint, UsageError as PiaUsageError, type EndpointArg } from '../../pia/cli/index.js';
import { ADDABLE_KINDS } from '../admin-input.js';
import { isLoopback } from '../admin-http.js';
import { canonicalNodeId } from '../node-ids.js';
import { DEFAULT_STATE_DIR } from '../state-dir.js';
import { SuiteListError, parseSuiteNames, type SuiteId } from '../../pia/index.js';
import { MAX_TICKET_LIFETIME_S, type NodeKind } from '../../pia/phase3/index.js';
import { ACCOUNT_NAME, ACCOUNT_ROLES, type AccountRole } from '../store/index.js';
import { USAGE } from './usage.js';
import { parseAuditArgs, type AuditCommand } from './args-audit.js';

export { USAGE };

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Where the CLI finds the admin API: the state directory's admin-url and admin-token, or given. */
export interface ApiTarget {
  readonly stateDir: string;
  readonly api?: string;
  readonly tokenFile?: string;
}

export interface ServeCommand {
  readonly command: 'serve';
  readonly stateDir: string;
  readonly pia: EndpointArg;
  readonly admin: EndpointArg;
  /** The PIA endpoints credentials name, in order (the first, then alternates: docs/protocol.md §9.12). */
  readonly advertise?: readonly EndpointArg[];
  readonly allowRemoteAdmin: boolean;
  /** MyNet Manager's listener (off unless given) and its certificate files (else self-signed). */
  readonly web?: EndpointArg;
  readonly webCert?: string;
  readonly webKey?: string;
  /** --ticket-lifetime: the longest phase-3 ticket, 1–600 s (default 600, docs/protocol.md §9.6). */
  readonly ticketLifetimeS?: number;
  /** --suite: the PIA suites, preferred first; absent = both in the CPU's order (pia/suite-order.ts). */
  readonly suites?: readonly SuiteId[];
  /** --database URL or --database-file FILE: the store on PostgreSQL instead of DIR's SQLite file. */
  readonly database?: DatabaseSource;
}

/** Where the PostgreSQL URL comes from: the argument, or a 0600 file holding it (database-url.ts). */
export type DatabaseSource = { readonly url: string } | { readonly file: string };

export type TrustCommand =
  | { readonly command: 'help' }
  | ServeCommand
  | { readonly command: 'node-add'; readonly target: ApiTarget; readonly kind: NodeKind; readonly label: string; readonly groups?: string; readonly out?: string; readonly owner?: string }
  | { readonly command: 'node-list'; readonly target: ApiTarget; readonly json: boolean }
  | { readonly command: 'node-revoke'; readonly target: ApiTarget; readonly id: string }
  /** owner: the account's name, or null for `--none`. */
  | { readonly command: 'node-owner'; readonly target: ApiTarget; readonly id: string; readonly owner: string | null; readonly json: boolean }
  | { readonly command: 'grant-add'; readonly target: ApiTarget; readonly body: Readonly<Record<string, unknown>> }
  | { readonly command: 'grant-list'; readonly target: ApiTarget; readonly json: boolean }
  | { readonly command: 'grant-remove'; readonly target: ApiTarget; readonly id: string }
  | { readonly command: 'user-add'; readonly target: ApiTarget; readonly name: string; readonly role: AccountRole; readonly password: PasswordSource }
  | { readonly command: 'user-list'; readonly target: ApiTarget; readonly json: boolean }
  | { readonly command: 'user-remove'; readonly target: ApiTarget; readonly name: string }
  | { readonly command: 'user-passwd'; readonly target: ApiTarget; readonly name: string; readonly password: PasswordSource }
  | { readonly command: 'user-disable' | 'user-enable'; readonly target: ApiTarget; readonly name: string; readonly json: boolean }
  | { readonly command: 'user-role'; readonly target: ApiTarget; readonly name: string; readonly role: AccountRole; readonly json: boolean }
  | { readonly command: 'web-fingerprint'; readonly stateDir: string }
  | { readonly command: 'policy-export'; readonly target: ApiTarget; readonly out?: string }
  | { readonly command: 'policy-check' | 'policy-apply'; readonly target: ApiTarget; readonly file: string; readonly json: boolean }
  | AuditCommand;

/** Where a new password is read from: never an argument (argv is visible to every user). */
export type PasswordSource = { readonly file: string } | { readonly stdin: true };

export const DEFAULT_PIA_BIND: EndpointArg = { address: '::', port: 4500 };
export const DEFAULT_ADMIN_BIND: EndpointArg = { address: '127.0.0.1', port: 4580 };

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  state: { type: 'string' },
  pia: { type: 'string' },
  admin: { type: 'string' },
  advertise: { type: 'string', multiple: true },
  'allow-remote-admin': { type: 'boolean' },
  web: { type: 'string' },
  'web-cert': { type: 'string' },
  'web-key': { type: 'string' },
  'ticket-lifetime': { type: 'string' },
  suite: { type: 'string' },
  database: { type: 'string' },
  'database-file': { type: 'string' },
  api: { type: 'string' },
  'token-file': { type: 'string' },
  kind: { type: 'string' },
  label: { type: 'string' },
  groups: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  subject: { type: 'string' },
  gateway: { type: 'string' },
  devices: { type: 'string' },
  rights: { type: 'string' },
  'not-before': { type: 'string' },
  'not-after': { type: 'string' },
  file: { type: 'string' },
  n: { type: 'string', short: 'n' },
  role: { type: 'string' },
  'password-file': { type: 'string' },
  'password-stdin': { type: 'boolean' },
  owner: { type: 'string' },
  none: { type: 'boolean' },
} as const;

const CONNECT = ['state', 'api', 'token-file'];

/** Parses `pia-trust` arguments (without the program name). Throws `UsageError`. */
export function parseTrustArgs(args: readonly string[]): TrustCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    const name = /--?[a-z-]+/.exec(message)?.[0] ?? 'an option';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option '${name}'; run 'pia-trust --help' for the options`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${name} needs a value: ${name} VALUE (see 'pia-trust --help')`);
    throw new UsageError(`${message}; run 'pia-trust --help' for the options`);
  }
  const v = parsed.values;
  const pos = parsed.positionals;
  if (v.help === true) return { command: 'help' };
  const [group, verb] = pos;
  if (group === undefined) throw new UsageError(`no command given; write 'pia-trust serve', 'pia-trust node list', … (see 'pia-trust --help')`);
  const name = group === 'serve' ? 'serve' : `${group} ${verb ?? ''}`.trim();
  const only = (allowed: readonly string[]): void => {
    for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new UsageError(`${k.length === 1 ? '-' : '--'}${k} does not apply to 'pia-trust ${name}'; see 'pia-trust --help'`);
  };
  const positionals = (n: number, what: string): void => {
    const extra = pos[n];
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' after 'pia-trust ${name}'${what === '' ? '' : `; it takes ${what}`}`);
  };
  const stateDir = nonEmpty('--state', v.state) ?? DEFAULT_STATE_DIR;
  const target = (): ApiTarget => {
    const api = nonEmpty('--api', v.api);
    if (api !== undefined && !/^https?:\/\/[^/]+\/?$/.test(api)) throw new UsageError(`--api '${api}': write the admin API's base URL, e.g. --api http://127.0.0.1:4580`);
    const tokenFile = nonEmpty('--token-file', v['token-file']);
    return { stateDir, ...(api === undefined ? {} : { api: api.replace(/\/$/, '') }), ...(tokenFile === undefined ? {} : { tokenFile }) };
  };
  const id = (what: string): string => {
    const text = pos[2];
    if (text === undefined) throw new UsageError(`'pia-trust ${name}' needs the ${what}'s ID: pia-trust ${name} ID ('pia-trust ${group} list' shows them)`);
    positionals(3, `one ${what} ID`);
    return text;
  };
  switch (name) {
    case 'serve':
      only(['state', 'pia', 'admin', 'advertise', 'allow-remote-admin', 'web', 'web-cert', 'web-key', 'ticket-lifetime', 'suite', 'database', 'database-file']);
      positionals(1, 'options only');
      return {
        ...webOptions(v.web, nonEmpty('--web-cert', v['web-cert']), nonEmpty('--web-key', v['web-key'])),
        command: 'serve',
        stateDir,
        pia: v.pia === undefined ? DEFAULT_PIA_BIND : endpoint('--pia', v.pia, true),
        admin: v.admin === undefined ? DEFAULT_ADMIN_BIND : adminEndpoint(v.admin, v['allow-remote-admin'] === true),
        ...(v.advertise === undefined ? {} : { advertise: advertised(v.advertise) }),
        allowRemoteAdmin: v['allow-remote-admin'] === true,
        ...(v['ticket-lifetime'] === undefined ? {} : { ticketLifetimeS: ticketLifetime(v['ticket-lifetime']) }),
        ...(v.suite === undefined ? {} : { suites: suiteList(v.suite) }),
        ...databaseOption(v.database, nonEmpty('--database-file', v['database-file'])),
      };
    case 'node add': {
      only([...CONNECT, 'kind', 'label', 'groups', 'out', 'owner']);
      positionals(2, 'options only');
      const kind = ADDABLE_KINDS.find((k) => k === v.kind);
      if (kind === undefined) throw new UsageError(`node add: --kind ${v.kind === undefined ? 'is missing' : `'${v.kind}' is not a kind`}; write --kind ${ADDABLE_KINDS.join('|')}`);
      const label = nonEmpty('--label', v.label);
      if (label === undefined) throw new UsageError(`node add: --label is missing; give a name people recognise, e.g. --label alice`);
      const out = nonEmpty('--out', v.out);
      const owner = v.owner === undefined ? undefined : ownerName('node add: --owner', v.owner);
      return { command: 'node-add', target: target(), kind, label, ...(v.groups === undefined ? {} : { groups: v.groups }), ...(out === undefined ? {} : { out }), ...(owner === undefined ? {} : { owner }) };
    }
    case 'node owner': {
      only([...CONNECT, 'none', 'json']);
      const text = pos[2];
      const how = 'pia-trust node owner ID ACCOUNT, or pia-trust node owner ID --none for no owner';
      if (text === undefined) throw new UsageError(`'pia-trust node owner' needs the node's ID and the new owner: ${how} ('pia-trust node list' shows the IDs)`);
      const account = pos[3];
      positionals(4, 'a node ID and one account name');
      if (account !== undefined && v.none === true) throw new UsageError(`node owner: give the account ${account.slice(0, 64)} or --none, not both`);
      if (account === undefined && v.none !== true) throw new UsageError(`'pia-trust node owner' needs the new owner after the ID: ${how}`);
      return { command: 'node-owner', target: target(), id: nodeId(text, 'node ID'), owner: account === undefined ? null : ownerName('node owner: the account', account), json: v.json === true };
    }
    case 'node list':
    case 'grant list':
      only([...CONNECT, 'json']);
      positionals(2, 'options only');
      return { command: name === 'node list' ? 'node-list' : 'grant-list', target: target(), json: v.json === true };
    case 'node revoke':
      only(CONNECT);
      return { command: 'node-revoke', target: target(), id: nodeId(id('node'), 'node ID') };
    case 'grant remove':
      only(CONNECT);
      return { command: 'grant-remove', target: target(), id: id('grant') };
    case 'grant add': {
      only([...CONNECT, 'subject', 'gateway', 'devices', 'rights', 'not-before', 'not-after']);
      positionals(2, 'options only');
      const need = (flag: string, value: string | undefined, example: string): string => {
        const s = nonEmpty(flag, value);
        if (s === undefined) throw new UsageError(`grant add: ${flag} is missing; e.g. ${flag} ${example}`);
        return s;
      };
      const subject = need('--subject', v.subject, 'ID or --subject group:ops');
      const body: Record<string, unknown> = {
        subject: subject.startsWith('group:') ? subject : nodeId(subject, '--subject'),
        gateway: nodeId(need('--gateway', v.gateway, 'ID (pia-trust node list shows it)'), '--gateway'),
        devices: need('--devices', v.devices, "'rack1-*' (a name, a glob, or '*')"),
        rights: need('--rights', v.rights, 'read,control,call:unlock').split(','),
      };
      if (v['not-before'] !== undefined) body.notBefore = v['not-before'];
      if (v['not-after'] !== undefined) body.notAfter = v['not-after'];
      return { command: 'grant-add', target: target(), body };
    }
    case 'user add': {
      only([...CONNECT, 'role', 'password-file', 'password-stdin']);
      const user = accountName(name, pos[2], pos[3]);
      const role = ACCOUNT_ROLES.find((r) => r === v.role);
      if (role === undefined) throw new UsageError(`user add: --role ${v.role === undefined ? 'is missing' : `'${v.role}' is not a role`}; write --role admin (manages everything) or --role owner (a device owner)`);
      return { command: 'user-add', target: target(), name: user, role, password: passwordSource(name, v['password-file'], v['password-stdin'] === true) };
    }
    case 'user passwd':
      only([...CONNECT, 'password-file', 'password-stdin']);
      return { command: 'user-passwd', target: target(), name: accountName(name, pos[2], pos[3]), password: passwordSource(name, v['password-file'], v['password-stdin'] === true) };
    case 'user disable':
    case 'user enable':
      only([...CONNECT, 'json']);
      positionals(3, 'one account name');
      return { command: name === 'user disable' ? 'user-disable' : 'user-enable', target: target(), name: accountName(name, pos[2], undefined), json: v.json === true };
    case 'user role': {
      only([...CONNECT, 'json']);
      const user = accountName(name, pos[2], undefined);
      const text = pos[3];
      const roles = 'admin (manages everything) or owner (a device owner)';
      if (text === undefined) throw new UsageError(`'pia-trust user role' needs the new role after the name: pia-trust user role ${user} admin|owner`);
      positionals(4, 'an account name and a role');
      const role = ACCOUNT_ROLES.find((r) => r === text);
      if (role === undefined) throw new UsageError(`user role: '${text.slice(0, 20)}' is not a role; write ${roles}`);
      return { command: 'user-role', target: target(), name: user, role, json: v.json === true };
    }
    case 'user remove':
      only(CONNECT);
      return { command: 'user-remove', target: target(), name: accountName(name, pos[2], pos[3]) };
    case 'user list':
      only([...CONNECT, 'json']);
      positionals(2, 'options only');
      return { command: 'user-list', target: target(), json: v.json === true };
    case 'policy export': {
      only([...CONNECT, 'out']);
      positionals(2, 'options only (--out FILE to write a file)');
      const out = nonEmpty('--out', v.out);
      return { command: 'policy-export', target: target(), ...(out === undefined ? {} : { out }) };
    }
    case 'policy check':
    case 'policy apply': {
      only([...CONNECT, 'json']);
      const file = pos[2];
      if (file === undefined || file === '') throw new UsageError(`'pia-trust ${name}' needs the policy file: pia-trust ${name} FILE ('pia-trust policy export --out FILE' writes one to start from)`);
      positionals(3, 'one policy file');
      return { command: name === 'policy check' ? 'policy-check' : 'policy-apply', target: target(), file, json: v.json === true };
    }
    case 'web fingerprint':
      only(['state']);
      positionals(2, 'options only');
      return { command: 'web-fingerprint', stateDir };
    case 'audit verify':
    case 'audit tail':
    case 'audit export':
    case 'db grant':
      return parseAuditArgs({ name, stateDir, values: v, only, positionals, nonEmpty, databaseOption, fail: (m) => new UsageError(m) });
    default:
      throw new UsageError(`unknown command '${name}'; write one of: serve, node add|list|revoke|owner, grant add|list|remove, user add|list|remove|passwd|disable|enable|role, policy export|check|apply, web fingerprint, audit verify|tail|export, db grant (see 'pia-trust --help')`);
  }
}

/** The account NAME of `pia-trust user …`; a second positional is refused (a password typed as an argument?) without echoing it. */
function accountName(command: string, text: string | undefined, extra: string | undefined): string {
  if (text === undefined) throw new UsageError(`'pia-trust ${command}' needs the account name: pia-trust ${command} NAME ('pia-trust user list' shows them)`);
  if (extra !== undefined) throw new UsageError(`'pia-trust ${command}' takes one account name and no other argument; a password is never given as an argument: use --password-file F or --password-stdin`);
  if (!ACCOUNT_NAME.test(text)) throw new UsageError(`the account name given to '${command}' is not valid (not repeated here, in case it was a password); use 1–64 of a-z, 0-9, '.', '_', '-' (e.g. alice or ops.admin)`);
  return text;
}

/** An account named as a node's owner (names are not secret: a wrong one is shown). */
function ownerName(what: string, text: string): string {
  if (!ACCOUNT_NAME.test(text)) throw new UsageError(`${what} '${text.slice(0, 64)}' is not an account name; use 1–64 of a-z, 0-9, '.', '_', '-' ('pia-trust user list' shows the accounts)`);
  return text;
}

function passwordSource(command: string, file: string | undefined, stdin: boolean): PasswordSource {
  if (file !== undefined && stdin) throw new UsageError(`${command}: give --password-file F or --password-stdin, not both`);
  if (stdin) return { stdin: true };
  const f = nonEmpty('--password-file', file);
  if (f === undefined) throw new UsageError(`${command}: the password is missing; write it alone into a file of mode 0600 and give --password-file F, or pipe it with --password-stdin (never as an argument)`);
  return { file: f };
}

/** `--web HOST:PORT` (with an address: a wildcard or another host needs TLS, which it always has) and the certificate pair. */
function webOptions(web: string | undefined, cert: string | undefined, key: string | undefined): Pick<ServeCommand, 'web' | 'webCert' | 'webKey'> {
  if (web === undefined) {
    if (cert !== undefined || key !== undefined) throw new UsageError(`--web-cert and --web-key are for MyNet Manager's listener; add --web HOST:PORT (e.g. --web 0.0.0.0:4443)`);
    return {};
  }
  if (!/(\]|^[\d.]*):\d+$/.test(web)) throw new UsageError(`--web '${web}': give an address and a port, e.g. --web 0.0.0.0:4443 or --web [::1]:4443`);
  if ((cert === undefined) !== (key === undefined)) throw new UsageError(`give both --web-cert FILE and --web-key FILE, or neither (then a self-signed certificate is made in the state directory)`);
  return { web: endpoint('--web', web, true), ...(cert === undefined ? {} : { webCert: cert }), ...(key === undefined ? {} : { webKey: key }) };
}

/** `--ticket-lifetime SECONDS`: a whole number 1–600 (§9.6: a ticket never lives longer than 600 s). */
/** `--suite chacha20,aes-gcm`: the PIA suites, preferred first. */
function suiteList(text: string): SuiteId[] {
  try {
    return parseSuiteNames(text.split(','));
  } catch (e) {
    if (!(e instanceof SuiteListError)) throw e;
    throw new UsageError(`--suite ${text}: ${e.message} (a comma-separated list, preferred first, e.g. --suite chacha20,aes-gcm)`);
  }
}

function ticketLifetime(text: string): number {
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 1 || seconds > MAX_TICKET_LIFETIME_S) {
    throw new UsageError(`--ticket-lifetime '${text}': must be a whole number of seconds 1–${MAX_TICKET_LIFETIME_S} (default ${MAX_TICKET_LIFETIME_S}), e.g. --ticket-lifetime 60`);
  }
  return seconds;
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value === '') throw new UsageError(`${flag} is empty; give it a value (see 'pia-trust --help')`);
  return value;
}

function nodeId(text: string, what: string): string {
  const id = canonicalNodeId(text);
  if (id === undefined) throw new UsageError(`${what} '${text}' is not a node ID; write a UUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301 ('pia-trust node list' shows them)`);
  return id;
}

/** `--advertise` given once per endpoint of this server (one per instance sharing its database). */
function advertised(texts: readonly string[]): EndpointArg[] {
  const list = texts.map((t) => endpoint('--advertise', t, false));
  const keys = list.map((e) => `[${e.address}]:${e.port}`);
  const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
  if (repeated !== undefined) throw new UsageError(`--advertise ${repeated} is given twice; name each endpoint of the server once`);
  if (list.length > 8) throw new UsageError(`--advertise is given ${list.length} times; a credential names at most 8 endpoints of its server`);
  return list;
}

function endpoint(flag: string, text: string, bind: boolean): EndpointArg {
  try {
    return parseEndpoint(flag, text, { allowWildcard: bind, minPort: bind ? 0 : 1 });
  } catch (e) {
    if (e instanceof PiaUsageError) throw new UsageError(e.message);
    throw e;
  }
}

/** ADDR:PORT, [ADDR]:PORT, or a port alone (on 127.0.0.1: the admin API stays on loopback unless told). */
function adminEndpoint(text: string, allowRemote: boolean): EndpointArg {
  if (/^:?\d+$/.test(text)) return { ...endpoint('--admin', text, true), address: DEFAULT_ADMIN_BIND.address };
  if (!/(\]|^[\d.]*):\d+$/.test(text)) throw new UsageError(`--admin '${text}': give an address and a port, e.g. --admin 127.0.0.1:4580 or --admin [::1]:4580`);
  const e = endpoint('--admin', text, true);
  if (!allowRemote && !isLoopback(e.address)) {
    throw new UsageError(`--admin '${text}': ${e.address} is not a loopback address; the admin API listens on 127.0.0.1 or ::1 unless you add --allow-remote-admin (then front it with TLS: the bearer token would travel in clear)`);
  }
  return e;
}

/** --database URL | --database-file FILE (not both); the URL is never repeated in a refusal (it may hold a password). */
function databaseOption(url: string | undefined, file: string | undefined): { database?: DatabaseSource } {
  if (url !== undefined && file !== undefined) throw new UsageError('give --database URL or --database-file FILE, not both');
  if (file !== undefined) return { database: { file } };
  if (url === undefined) return {};
  if (!/^postgres(ql)?:\/\/./.test(url)) throw new UsageError('--database: not a PostgreSQL URL; write --database postgres://USER@HOST:PORT/DATABASE (the password in --database-file FILE, or PGPASSWORD)');
  return { database: { url } };
}
