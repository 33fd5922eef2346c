/**
 * Values and parameters as an operator types them: `set TARGET VALUE` and `NAME=VALUE` pairs.
 * A device value is a number, a boolean, a string or null (devices/model/types.ts `Value`):
 * text that is JSON of one of those is that (80, -2, true, null, "80"); text that is not JSON
 * at all is the string itself (cool), so the common case needs no shell quoting.
 */
import { UsageError } from './exit-codes.js';

export type ParamValue = number | boolean | string | null;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** VALUE read as JSON (number, boolean, null, string), else the text itself; throws UsageError. */
export function parseValue(what: string, text: string): ParamValue {
  if (text.trim() === '') throw new UsageError(`${what} is empty; write a number (80), true/false, or a string (cool; '"80"' keeps digits a string)`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return text;
  }
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  throw new UsageError(`${what} '${text}': a JSON ${Array.isArray(v) ? 'array' : 'object'} is not a device value; write a number, true/false, null or a string`);
}

/** `NAME=VALUE …` → an object; each VALUE read as `parseValue` reads it; throws UsageError. */
export function parseParams(args: readonly string[]): Readonly<Record<string, ParamValue>> {
  const out = new Map<string, ParamValue>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new UsageError(`parameter '${arg}': write NAME=VALUE, e.g. seconds=5`);
    const name = arg.slice(0, eq);
    if (!NAME.test(name)) throw new UsageError(`parameter '${arg}': '${name}' is not a parameter name (letters, digits, _ . -, not starting with a digit); write NAME=VALUE, e.g. seconds=5`);
    if (out.has(name)) throw new UsageError(`parameter '${name}' is given twice; give each parameter once`);
    out.set(name, parseValue(`parameter ${name}`, arg.slice(eq + 1)));
  }
  return Object.fromEntries(out);
}
