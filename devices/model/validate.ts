/**
 * Validation of written values and action/blob parameters against their specs, before any
 * hardware is touched (types.ts: "`set` and `call` validate before touching hardware").
 *
 * Must hold: a refusal is DeviceError('invalid') naming the property or parameter, the value
 * given and what is allowed (type, min..max, the enum values); numbers must be finite; no
 * coercion (the string "80" is not the number 80: the CoAP layer parses JSON first); an
 * unknown parameter is refused rather than ignored, so a typo never passes silently.
 */
import { unitSymbol } from '../../common/index.js';
import { DeviceError, type ParamSpec, type PropertySpec, type Value } from './types.js';

type Spec = Pick<PropertySpec | ParamSpec, 'name' | 'type' | 'values' | 'min' | 'max'> & { readonly unit?: string };

/**
 * Checks `value` against `spec` and returns it typed. `where` prefixes the message
 * (e.g. "rack1-fan"), so the refusal names the device too.
 */
export function validateValue(spec: Spec, value: unknown, where?: string): Value {
  const refuse = (problem: string): DeviceError =>
    new DeviceError('invalid', `${prefix(where)}${spec.name}: ${show(value)} ${problem}; allowed: ${allowed(spec)}`);
  switch (spec.type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw refuse('is not a number');
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) throw refuse('is out of range');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw refuse('is not a boolean');
      return value;
    case 'string':
      if (typeof value !== 'string') throw refuse('is not a string');
      if (spec.values !== undefined && !spec.values.includes(value)) throw refuse('is not one of the allowed values');
      return value;
  }
}

/**
 * Checks a parameter object against `specs`: unknown names refused, required ones present,
 * each value as `validateValue`. Returns only the parameters given (optional ones left out).
 */
export function validateParams(
  specs: readonly ParamSpec[],
  params: Readonly<Record<string, unknown>>,
  where?: string,
): Readonly<Record<string, Value>> {
  const names = specs.map((s) => s.name);
  const out: Record<string, Value> = {};
  for (const key of Object.keys(params)) {
    if (!names.includes(key)) {
      const known = names.length === 0 ? 'it takes no parameters' : `known parameters: ${names.join(', ')}`;
      throw new DeviceError('invalid', `${prefix(where)}unknown parameter "${key}"; ${known}`);
    }
  }
  for (const spec of specs) {
    const value = params[spec.name];
    if (value === undefined) {
      if (spec.required) throw new DeviceError('invalid', `${prefix(where)}parameter "${spec.name}" is required; allowed: ${allowed(spec)}`);
      continue;
    }
    out[spec.name] = validateValue(spec, value, where);
  }
  return out;
}

/** What a spec allows, in words: "a number from 0 to 100 %", "one of "cool", "heat"". */
export function allowed(spec: Spec): string {
  switch (spec.type) {
    case 'boolean':
      return 'true or false';
    case 'string':
      return spec.values === undefined ? 'a string' : `one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'number': {
      const unit = spec.unit === undefined ? '' : ` ${unitSymbol(spec.unit)}`;
      if (spec.min !== undefined && spec.max !== undefined) return `a number from ${spec.min} to ${spec.max}${unit}`;
      if (spec.min !== undefined) return `a number ≥ ${spec.min}${unit}`;
      if (spec.max !== undefined) return `a number ≤ ${spec.max}${unit}`;
      return `a number${unit}`;
    }
  }
}

function prefix(where: string | undefined): string {
  return where === undefined ? '' : `${where}: `;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? `a ${typeof value}`;
  } catch {
    text = `a ${typeof value}`; // bigint, or an object with cycles
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
