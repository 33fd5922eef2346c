/**
 * gateway.yaml against gateway.schema.json (JSON Schema draft 2020-12, ajv with allErrors),
 * every ajv error turned into a sentence with the fix: the schema's own `description` and
 * `examples` say what belongs there, a near miss gets "did you mean …?".
 *
 * Must hold: every schema error is reported (allErrors), each once; ajv's bookkeeping errors
 * ("must match "then" schema") are dropped because the error inside the `then` says it better.
 * A `oneOf` (a word or an object: `onStop: hold` or `{ speed: 40 }`) gives one sentence: when
 * the value has the shape of a branch (an object), that branch's own errors; when it has the
 * shape of none, one "is not allowed" with the setting's description (`oneOfIssues`).
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import schema from './gateway.schema.json' with { type: 'json' };
import type { Path } from './yaml-source.js';

export const GATEWAY_SCHEMA: Readonly<Record<string, unknown>> = schema;

export interface SchemaIssue {
  readonly path: Path;
  /** Point at the key rather than the value (an unknown setting). */
  readonly key: boolean;
  readonly message: string;
  readonly fix: string;
  /** The setting at fault (for a missing one: where it belongs): settings under it are not to be trusted. */
  readonly subject: Path;
}

type Json = Record<string, unknown>;

/** Compiles the schema once per call site (a loader keeps the function). */
export function compileGatewaySchema(): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true });
  return ajv.compile(schema);
}

export function schemaIssues(validate: ValidateFunction, data: unknown): SchemaIssue[] {
  if (validate(data)) return [];
  const seen = new Set<string>();
  const out: SchemaIssue[] = [];
  for (const e of oneOfIssues(validate.errors ?? [])) {
    const found = translate(e);
    if (found === undefined) continue;
    const subject = e.keyword === 'required' ? [...found.path, String((e.params as Json).missingProperty)] : e.keyword === 'additionalProperties' ? [] : found.path;
    const issue: SchemaIssue = { ...found, subject };
    const id = `${issue.path.join('/')}|${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(issue);
  }
  return out;
}

function translate(e: ErrorObject): Omit<SchemaIssue, 'subject'> | undefined {
  const path = pointerToPath(e.instancePath);
  const parent = resolve(e.parentSchema);
  const field = String(path.at(-1) ?? '');
  // For value keywords (type, enum, minimum, pattern…) ajv's parentSchema is the value's own schema.
  const hint = describe(parent, field);
  const p = e.params as Json;
  switch (e.keyword) {
    case 'if':
      return undefined;
    case 'oneOf':
      return { path, key: false, message: `${shown(e.data, field)} is not allowed`, fix: hint };
    case 'required': {
      const missing = String(p.missingProperty);
      const prop = resolve(asJson(asJson(parent.properties)[missing]));
      const choices = Array.isArray(prop.enum) ? `; one of: ${prop.enum.map(String).join(', ')}` : '';
      return { path, key: false, message: `${missing} is missing`, fix: `add ${missing}: ${exampleText(prop, missing)} (${typeof prop.description === 'string' ? prop.description : 'see gateway.schema.json'}${choices})` };
    }
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const allowed = Object.keys(asJson(parent.properties));
      const near = closest(name, allowed);
      const fix = near === undefined ? `remove it; allowed here: ${allowed.join(', ')}` : `did you mean ${near}?`;
      const kind = asJson(e.data).kind;
      const message = typeof kind === 'string' && path[0] === 'devices' && path.length === 2 ? `a ${kind} has no setting "${name}"` : `unknown setting "${name}"`;
      return { path: [...path, name], key: true, message, fix };
    }
    case 'type': {
      const want = String(p.type);
      const fix =
        want === 'string' && Array.isArray(e.data)
          ? 'put the value in quotes: YAML reads [ … ] as a list'
          : (want === 'integer' || want === 'number') && typeof e.data === 'string' && e.data.trim() !== '' && !Number.isNaN(Number(e.data))
            ? 'write the number without quotes'
            : hint;
      return { path, key: false, message: `must be ${article(want)}, not ${shown(e.data, field)}`, fix };
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => String(v));
      const near = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      return { path, key: false, message: `${shown(e.data, field)} is not allowed`, fix: near !== undefined ? `did you mean ${near}?` : `write one of: ${allowed.join(', ')}` };
    }
    case 'const':
      return { path, key: false, message: `must be ${String(p.allowedValue)}, not ${shown(e.data, field)}`, fix: hint };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, key: false, message: `${shown(e.data, field)} is out of range: ${rangeText(parent, field)}`, fix: hint };
    case 'pattern':
      return { path, key: false, message: `${shown(e.data, field)} is not valid here`, fix: hint };
    case 'minLength':
      return { path, key: false, message: 'must not be empty', fix: hint };
    case 'minItems':
      return { path, key: false, message: `must list at least ${String(p.limit)}`, fix: hint };
    case 'uniqueItems': {
      const list = Array.isArray(e.data) ? (e.data as unknown[]) : [];
      return { path, key: false, message: `lists ${shown(list[Number(p.j)], field)} twice`, fix: `name each once; ${hint}` };
    }
    case 'maxLength':
      return { path, key: false, message: `is longer than ${String(p.limit)} characters`, fix: hint };
    default:
      return { path, key: false, message: e.message ?? `fails the schema's ${e.keyword}`, fix: hint };
  }
}

/**
 * The errors of each failed `oneOf`, reduced to what helps: a branch error deeper than the
 * value, or other than a type/enum/const mismatch at it, means the value has that branch's
 * shape: those errors stay, the mismatches of the other branches and the oneOf go. Else only
 * the oneOf stays.
 */
function oneOfIssues(errors: readonly ErrorObject[]): ErrorObject[] {
  const drop = new Set<ErrorObject>();
  for (const o of errors) {
    if (o.keyword !== 'oneOf') continue;
    const branch = errors.filter((e) => e.schemaPath.startsWith(`${o.schemaPath}/`));
    const mismatch = (e: ErrorObject): boolean => e.instancePath === o.instancePath && ['type', 'enum', 'const'].includes(e.keyword);
    const shaped = branch.some((e) => !mismatch(e));
    for (const e of branch) if (!shaped || mismatch(e)) drop.add(e);
    if (shaped) drop.add(o);
  }
  return errors.filter((e) => !drop.has(e));
}

/** "/devices/3/pwm" → ["devices", 3, "pwm"] (RFC 6901 unescaping). */
function pointerToPath(pointer: string): Path {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function asJson(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

/** Follows a local "$ref" ("#/$defs/name"), merging the referring schema's own keywords over it. */
function resolve(v: unknown): Json {
  const s = asJson(v);
  const ref = s.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return s;
  const target = asJson(asJson(schema.$defs)[ref.slice('#/$defs/'.length)]);
  const { $ref: _ignored, ...own } = s;
  return { ...target, ...own };
}

function describe(own: Json, field: string): string {
  const s = resolve(own);
  const description = typeof s.description === 'string' ? s.description : 'see gateway.schema.json';
  const example = Array.isArray(s.examples) && s.examples.length > 0 ? `, e.g. ${exampleText(s, field)}` : '';
  return `${description}${example}`;
}

function exampleText(s: Json, field: string): string {
  const example: unknown = Array.isArray(s.examples) ? s.examples[0] : undefined;
  if (example === undefined) return '…';
  return yamlInline(example, field);
}

function yamlInline(v: unknown, field: string): string {
  if (typeof v === 'number') return field === 'address' ? hex(v) : String(v);
  if (typeof v === 'string') return /^\[|: |^$/.test(v) ? JSON.stringify(v) : v;
  if (Array.isArray(v)) return `[${v.map((x) => yamlInline(x, field)).join(', ')}]`;
  if (typeof v === 'object' && v !== null) return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${yamlInline(x, k)}`).join(', ')} }`;
  return String(v);
}

function shown(v: unknown, field: string): string {
  if (typeof v === 'number') return field === 'address' && Number.isInteger(v) && v >= 0 ? hex(v) : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v === 'boolean' ? String(v) : 'nothing';
}

function rangeText(own: Json, field: string): string {
  const s = resolve(own);
  const fmt = (n: unknown): string => (field === 'address' && typeof n === 'number' ? hex(n) : String(n));
  const low = s.minimum !== undefined ? fmt(s.minimum) : s.exclusiveMinimum !== undefined ? `above ${fmt(s.exclusiveMinimum)}` : undefined;
  const high = s.maximum !== undefined ? fmt(s.maximum) : undefined;
  if (low !== undefined && high !== undefined) return low.startsWith('above') ? `must be ${low} and at most ${high}` : `must be ${low}–${high}`;
  return low !== undefined ? `must be at least ${low}` : `must be at most ${high ?? '?'}`;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const article = (type: string): string => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** The allowed word nearest to `word` (edit distance ≤ 2, or one a prefix of the other), if any. */
export function closest(word: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    const prefix = word.length >= 3 && candidate.toLowerCase().startsWith(word.toLowerCase());
    if ((d <= 2 || prefix) && d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length] ?? 0;
}
