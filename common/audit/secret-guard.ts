/**
 * A guard on what enters the audit log: keys never do (docs/architecture.md#conventions:
 * "Secrets never reach logs"). An audit log is kept, copied and shown to people for years, so
 * a field that even looks like a secret is refused before anything is written, and the error
 * names the field.
 *
 * The rule (checked on top-level field names and, recursively, on keys of nested objects):
 * split the name into words (camelCase, snake_case, kebab-case, dots), lower-cased; it is
 * refused if a word is one of SECRET_WORDS, or the whole lower-cased name contains
 * "secret", "password", "passwd", "passphrase" or "token", or ends with "key" or "keys"
 * (`masterkey`, `nodekey`). So `key`, `nodeKey`, `api_token`, `clientSecret`, `password` are
 * refused; `keyId` is refused too (the word "key"): name such a field for what it identifies
 * (`grantId`, `requestId`). Top-level names must also be identifiers (`[A-Za-z][A-Za-z0-9_-]*`)
 * and not one of the record's own keys (seq, time, event, prev, hash).
 *
 * A name-based guard cannot see a key passed under an innocent name; values that are bytes
 * (Uint8Array, Buffer) are refused by canonical-json.ts, which takes plain JSON only.
 */
import { AUDIT_RESERVED_KEYS, type JsonValue } from './types.js';

const SECRET_WORDS = new Set(['key', 'keys', 'secret', 'secrets', 'password', 'passwords', 'passwd', 'passphrase', 'token', 'tokens', 'credential', 'credentials', 'privkey', 'psk']);
const SECRET_PARTS = ['secret', 'password', 'passwd', 'passphrase', 'token'];
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** True if `name` looks like it names a secret (the rule above). */
export function looksSecret(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_PARTS.some((p) => lower.includes(p))) return true;
  if (lower.endsWith('key') || lower.endsWith('keys')) return true;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w) => SECRET_WORDS.has(w));
}

/** Throws, naming the field and the fix, if `fields` may not be logged. */
export function assertLoggableFields(event: string, fields: Readonly<Record<string, JsonValue>>): void {
  for (const [name, value] of Object.entries(fields)) {
    if ((AUDIT_RESERVED_KEYS as readonly string[]).includes(name)) {
      throw new Error(`audit event "${event}": field "${name}" is one of the record's own keys (${AUDIT_RESERVED_KEYS.join(', ')}); rename the field`);
    }
    if (!FIELD_NAME.test(name)) {
      throw new Error(`audit event "${event}": field name ${JSON.stringify(name)} is not an identifier; use letters, digits, "_" and "-", starting with a letter`);
    }
    checkName(event, name, name);
    checkNested(event, value, name);
  }
}

function checkName(event: string, name: string, path: string): void {
  if (looksSecret(name)) {
    throw new Error(
      `audit event "${event}": field "${path}" looks like a secret (key, secret, password, token) and audit records never carry secrets; ` +
        `log an identifier instead (a node or grant ID), and if it is not a secret, rename it (e.g. "…Id")`,
    );
  }
}

function checkNested(event: string, value: JsonValue, path: string): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    (value as readonly JsonValue[]).forEach((v, i) => checkNested(event, v, `${path}[${i}]`));
    return;
  }
  for (const [name, inner] of Object.entries(value as Readonly<Record<string, JsonValue>>)) {
    checkName(event, name, `${path}.${name}`);
    checkNested(event, inner, `${path}.${name}`);
  }
}
