/**
 * A policy file (YAML) → PolicyDocument, checked entry by entry.
 *
 *   1. YAML syntax (the parser's own message, with its line);
 *   2. the top level: a map with only `groups`, `owners`, `grants`, `tests`;
 *   3. each entry through the store's own checks (store/validate.ts), so a file is refused for
 *      exactly what the admin API would refuse; the message names the entry's path
 *      ("grants[3].rights[0]") and the fix;
 *   4. duplicates refused (a grant listed twice, a group listing a node twice is folded).
 *
 * Must hold: parsing is pure (no store, no clock); whether the named nodes exist is checked
 * later against the store (plan.ts), where the answer is known.
 */
import { parseDocument } from 'yaml';
import { ACCOUNT_NAME, StoreError } from '../store/index.js';
import { deviceSelector, groupName, isoTime, nodeIdText, rights as checkRights, subjectText, validityWindow } from '../store/validate.js';
import { PolicyError, type PolicyDocument, type PolicyGrant, type PolicyTest } from './types.js';

/** The largest policy file accepted (a fleet's grants fit well within it). */
export const MAX_POLICY_BYTES = 4 * 1024 * 1024;

const TOP_LEVEL = ['groups', 'owners', 'grants', 'tests'] as const;
const GRANT_KEYS = ['subject', 'gateway', 'devices', 'rights', 'notBefore', 'notAfter'] as const;
const TEST_KEYS = ['subject', 'gateway', 'device', 'may', 'mayNot', 'at'] as const;

export function parsePolicy(text: string): PolicyDocument {
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) throw new PolicyError('file', `is larger than ${MAX_POLICY_BYTES} bytes; split the fleet's policy or remove unused grants`);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [first] = doc.errors;
  if (first !== undefined) throw new PolicyError('file', `is not valid YAML: ${first.message.split('\n')[0] ?? ''}`);
  const root: unknown = doc.toJS() ?? {};
  const top = record(root, 'file');
  onlyKeys(top, TOP_LEVEL, 'file');
  return {
    groups: groups(top.groups),
    owners: owners(top.owners),
    grants: list(top.grants, 'grants').map(grant),
    tests: list(top.tests, 'tests').map(policyTest),
  };
}

/** The key that makes two grants the same grant (the file has no IDs). */
export function grantKey(g: Omit<PolicyGrant, 'notBefore' | 'notAfter'> & { readonly notBefore?: string | undefined; readonly notAfter?: string | undefined }): string {
  return JSON.stringify([g.subject, g.gateway, g.devices, [...g.rights].sort(), g.notBefore ?? null, g.notAfter ?? null]);
}

function groups(value: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, members] of Object.entries(record(value ?? {}, 'groups'))) {
    const path = `groups.${name}`;
    checked(path, () => groupName(name, 'group'));
    const ids = list(members, path).map((m, i) => checked(`${path}[${i}]`, () => nodeIdText(text(m, `${path}[${i}]`), 'member')));
    out.set(name, [...new Set(ids)].sort());
  }
  return out;
}

function owners(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, account] of Object.entries(record(value ?? {}, 'owners'))) {
    const node = checked(`owners`, () => nodeIdText(id, 'node'));
    if (out.has(node)) throw new PolicyError(`owners.${id}`, 'names the same node twice; a node has one owner');
    out.set(node, ownerName(account, `owners.${id}`));
  }
  return out;
}

function grant(value: unknown, i: number): PolicyGrant {
  const path = `grants[${i}]`;
  const g = record(value, path);
  onlyKeys(g, GRANT_KEYS, path);
  const subject = checked(`${path}.subject`, () => subjectText(text(g.subject, `${path}.subject`)).text);
  const gateway = checked(`${path}.gateway`, () => nodeIdText(text(g.gateway, `${path}.gateway`), 'gateway'));
  const devices = checked(`${path}.devices`, () => deviceSelector(text(g.devices, `${path}.devices`)));
  const rightList = checked(`${path}.rights`, () => checkRights(list(g.rights, `${path}.rights`).map((r, j) => text(r, `${path}.rights[${j}]`))));
  const window = checked(path, () => validityWindow(optionalTime(g.notBefore, `${path}.notBefore`), optionalTime(g.notAfter, `${path}.notAfter`)));
  return {
    subject,
    gateway,
    devices,
    rights: rightList,
    ...(window.notBefore === undefined ? {} : { notBefore: window.notBefore }),
    ...(window.notAfter === undefined ? {} : { notAfter: window.notAfter }),
  };
}

function policyTest(value: unknown, i: number): PolicyTest {
  const path = `tests[${i}]`;
  const t = record(value, path);
  onlyKeys(t, TEST_KEYS, path);
  const subject = checked(`${path}.subject`, () => nodeIdText(text(t.subject, `${path}.subject`), 'subject'));
  const gateway = checked(`${path}.gateway`, () => nodeIdText(text(t.gateway, `${path}.gateway`), 'gateway'));
  const device = checked(`${path}.device`, () => deviceSelector(text(t.device, `${path}.device`)));
  if (device.includes('*')) throw new PolicyError(`${path}.device`, `"${device}" is a selector; a test names one device (e.g. lobby-camera)`);
  const may = accesses(t.may, `${path}.may`);
  const mayNot = accesses(t.mayNot, `${path}.mayNot`);
  if (may.length + mayNot.length === 0) throw new PolicyError(path, 'asserts nothing; give `may: [read]` and/or `mayNot: [control]`');
  const when = optionalTime(t.at, `${path}.at`);
  return { at: path, subject, gateway, device, may, mayNot, ...(when === undefined ? {} : { when }) };
}

function accesses(value: unknown, path: string): string[] {
  if (value === undefined) return [];
  return checked(path, () => checkRights(list(value, path).map((r, j) => text(r, `${path}[${j}]`))));
}

function optionalTime(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = value instanceof Date ? value.toISOString() : text(value, path);
  return checked(path, () => isoTime(raw, path));
}

function ownerName(value: unknown, path: string): string {
  const name = text(value, path);
  if (!ACCOUNT_NAME.test(name)) throw new PolicyError(path, `"${name}" is not an account name: 1–64 of a–z 0–9 . _ - (as 'pia-trust user list' shows them)`);
  return name;
}

/** Runs a store check, turning its error into one that names the entry. */
function checked<T>(path: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof StoreError) throw new PolicyError(path, err.message);
    throw err;
  }
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) throw new PolicyError(path, 'must be a map (key: value lines)');
  return value as Record<string, unknown>;
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new PolicyError(path, 'must be a list (lines starting with "- ", or [a, b])');
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new PolicyError(path, `must be text, got ${value === null ? 'nothing' : typeof value}`);
  return value;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
  const unknown = Object.keys(value).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw new PolicyError(`${path}.${unknown}`, `is not a known key here; use ${allowed.join(', ')}`);
}
